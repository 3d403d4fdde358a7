//! The seed streams: every random draw of a run comes from a generator of its own, seeded
//! from the run's one seed and the indices of what it draws for.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A generator of its own for each (image, transformation, draw), so that the order in which
/// threads reach them never changes a draw.
pub fn draw_rng(seed: u64, image: usize, transform: usize, draw: u32) -> ChaCha8Rng {
    let mut state = seed;
    for part in [image as u64, transform as u64, u64::from(draw)] {
        state = splitmix(state ^ splitmix(part));
    }
    ChaCha8Rng::seed_from_u64(state)
}

/// SplitMix64's finaliser: spreads nearby indices over the whole seed space.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn every_draw_has_its_own_stream() {
        let first: u64 = draw_rng(1, 0, 0, 0).random();
        assert_eq!(first, draw_rng(1, 0, 0, 0).random::<u64>());
        for other in [
            draw_rng(2, 0, 0, 0),
            draw_rng(1, 1, 0, 0),
            draw_rng(1, 0, 1, 0),
            draw_rng(1, 0, 0, 1),
        ] {
            let mut other = other;
            assert_ne!(first, other.random::<u64>());
        }
    }
}
