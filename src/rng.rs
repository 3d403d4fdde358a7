//! The seed streams: every random draw of a run comes from a generator of its own, seeded
//! from the run's one seed and the indices of what it draws for.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A generator of its own for each (image, stream, draw), so that the order in which threads
/// reach them never changes a draw. A transformation's stream is [`stream_of`] its name, not its
/// place in a list, so that it draws the same values wherever it is listed.
pub fn draw_rng(seed: u64, image: usize, stream: u64, draw: u32) -> ChaCha8Rng {
    let mut state = seed;
    for part in [image as u64, stream, u64::from(draw)] {
        state = splitmix(state ^ splitmix(part));
    }
    ChaCha8Rng::seed_from_u64(state)
}

/// The stream of random draws named `name` (its FNV-1a hash): the same on every platform and in
/// every release, since reports are reproduced from their seed.
pub fn stream_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
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

    #[test]
    fn streams_are_named_by_a_fixed_hash() {
        // FNV-1a's published values: a report's draws must not change between releases.
        assert_eq!(stream_of(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stream_of("a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(stream_of("rotate:-10..10"), stream_of("rotate:-10..11"));
    }
}
