//! Fused-multiply-add dot products kept in sixteen lanes each, several side by side (four
//! vectors with one; four with four): a portable loop, the same loop compiled for AVX2 with
//! FMA, and on the AVX-512 tiers one register per dot product.

use super::Tier;

/// The sixteen lane sums of four dot products with `b` over its whole chunks of sixteen, as
/// the classifier's dot product keeps them: lane `i` of vector `k` is
/// `a[k][i] · b[i] + a[k][16 + i] · b[16 + i] + …`, each step one fused multiply-add, in that
/// order. With AVX-512 the four run in four registers side by side; the portable loop, with
/// or without the FMA instruction, gives the same bits.
pub(crate) fn fused_lanes_four(a: [&[f32]; 4], b: &[f32]) -> [[f32; 16]; 4] {
    fused_lanes_four_on(Tier::selected(), a, b)
}

/// [`fused_lanes_four`] on `tier`, or on the best tier below it that the processor has.
#[inline]
pub(crate) fn fused_lanes_four_on(tier: Tier, a: [&[f32]; 4], b: &[f32]) -> [[f32; 16]; 4] {
    let chunks = a.iter().fold(b.len(), |len, a| len.min(a.len())) / 16;
    #[cfg(target_arch = "x86_64")]
    match tier.supported() {
        Tier::Avx512 | Tier::Avx512Vnni => {
            // SAFETY: `supported` caps the tier at the processor's, and the AVX-512 tiers are
            // detected only with AVX-512 F; every slice holds `chunks` × 16 values.
            return unsafe { avx512::fused_lanes_four(a, b, chunks) };
        }
        Tier::Avx2Fma => {
            // SAFETY: `supported` caps the tier at the processor's, and this tier is detected
            // only with AVX2 and FMA, all `fused_lanes_four_avx2` enables.
            return unsafe { fused_lanes_four_avx2(a, b, chunks) };
        }
        Tier::Baseline => {}
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = tier;
    fused_lanes_four_portable(a, b, chunks)
}

/// [`fused_lanes_four_portable`] with the fused multiply-add instruction: without it, each
/// `mul_add` is a call to the library's exactly rounded `fmaf` (the same bits, far slower).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn fused_lanes_four_avx2(a: [&[f32]; 4], b: &[f32], chunks: usize) -> [[f32; 16]; 4] {
    fused_lanes_four_portable(a, b, chunks)
}

/// [`fused_lanes_four`] over `chunks` chunks, without vector instructions of its own.
#[inline(always)]
fn fused_lanes_four_portable(a: [&[f32]; 4], b: &[f32], chunks: usize) -> [[f32; 16]; 4] {
    let mut lanes = [[0.0f32; 16]; 4];
    for c in 0..chunks {
        let y = &b[c * 16..c * 16 + 16];
        for (lanes, a) in lanes.iter_mut().zip(a) {
            for ((lane, &x), &y) in lanes.iter_mut().zip(&a[c * 16..c * 16 + 16]).zip(y) {
                *lane = x.mul_add(y, *lane);
            }
        }
    }
    lanes
}

/// The sixteen lane sums of the sixteen dot products of four vectors `a` with four vectors
/// `b`, over their whole chunks of sixteen, each kept as [`fused_lanes_four`] keeps its own:
/// `out[p][q]` is the lanes of `a[p] · b[q]`. Every value loaded serves four products, so a
/// product of many vectors with many is bound by the multiplications rather than the loads.
pub(crate) fn fused_lanes_tile(a: [&[f32]; 4], b: [&[f32]; 4]) -> [[[f32; 16]; 4]; 4] {
    fused_lanes_tile_on(Tier::selected(), a, b)
}

/// [`fused_lanes_tile`] on `tier`, or on the best tier below it that the processor has.
#[inline]
pub(crate) fn fused_lanes_tile_on(
    tier: Tier,
    a: [&[f32]; 4],
    b: [&[f32]; 4],
) -> [[[f32; 16]; 4]; 4] {
    let chunks = a
        .iter()
        .chain(&b)
        .fold(usize::MAX, |len, v| len.min(v.len()))
        / 16;
    #[cfg(target_arch = "x86_64")]
    match tier.supported() {
        Tier::Avx512 | Tier::Avx512Vnni => {
            // SAFETY: `supported` caps the tier at the processor's, and the AVX-512 tiers are
            // detected only with AVX-512 F; every slice holds `chunks` × 16 values.
            return unsafe { avx512::fused_lanes_tile(a, b, chunks) };
        }
        Tier::Avx2Fma => {
            // SAFETY: as for `fused_lanes_four_avx2`.
            return unsafe { fused_lanes_tile_avx2(a, b, chunks) };
        }
        Tier::Baseline => {}
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = tier;
    fused_lanes_tile_portable(a, b, chunks)
}

/// [`fused_lanes_tile_portable`] with the fused multiply-add instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn fused_lanes_tile_avx2(a: [&[f32]; 4], b: [&[f32]; 4], chunks: usize) -> [[[f32; 16]; 4]; 4] {
    fused_lanes_tile_portable(a, b, chunks)
}

/// [`fused_lanes_tile`] over `chunks` chunks, without vector instructions of its own: each
/// product as [`fused_lanes_four_portable`] makes it.
#[inline(always)]
fn fused_lanes_tile_portable(a: [&[f32]; 4], b: [&[f32]; 4], chunks: usize) -> [[[f32; 16]; 4]; 4] {
    let mut out = [[[0.0f32; 16]; 4]; 4];
    for (q, b) in b.iter().enumerate() {
        let four = fused_lanes_four_portable(a, &b[..chunks * 16], chunks);
        for (p, lanes) in four.into_iter().enumerate() {
            out[p][q] = lanes;
        }
    }
    out
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_setzero_ps, _mm512_storeu_ps,
    };

    /// [`super::fused_lanes_four`] in four AVX-512 registers.
    ///
    /// # Safety
    /// The processor must have AVX-512 F; `b` and every `a` must hold `chunks` × 16 values.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn fused_lanes_four(
        a: [&[f32]; 4],
        b: &[f32],
        chunks: usize,
    ) -> [[f32; 16]; 4] {
        debug_assert!(b.len() >= chunks * 16 && a.iter().all(|a| a.len() >= chunks * 16));
        let mut acc = [_mm512_setzero_ps(); 4];
        let sources = a.map(<[f32]>::as_ptr);
        for c in 0..chunks {
            // SAFETY: c * 16 + 16 <= chunks * 16 <= the length of each slice.
            let y = unsafe { _mm512_loadu_ps(b.as_ptr().add(c * 16)) };
            for (acc, source) in acc.iter_mut().zip(sources) {
                // SAFETY: as above.
                let x = unsafe { _mm512_loadu_ps(source.add(c * 16)) };
                *acc = _mm512_fmadd_ps(x, y, *acc);
            }
        }
        let mut lanes = [[0.0f32; 16]; 4];
        for (lanes, acc) in lanes.iter_mut().zip(acc) {
            // SAFETY: `lanes` holds sixteen values.
            unsafe { _mm512_storeu_ps(lanes.as_mut_ptr(), acc) };
        }
        lanes
    }

    /// [`super::fused_lanes_tile`] in sixteen AVX-512 registers.
    ///
    /// # Safety
    /// The processor must have AVX-512 F; every slice of `a` and `b` must hold `chunks` × 16
    /// values.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn fused_lanes_tile(
        a: [&[f32]; 4],
        b: [&[f32]; 4],
        chunks: usize,
    ) -> [[[f32; 16]; 4]; 4] {
        debug_assert!(a.iter().chain(&b).all(|v| v.len() >= chunks * 16));
        let mut acc = [[_mm512_setzero_ps(); 4]; 4];
        let (xs, ys) = (a.map(<[f32]>::as_ptr), b.map(<[f32]>::as_ptr));
        for c in 0..chunks {
            let mut y: [__m512; 4] = [_mm512_setzero_ps(); 4];
            for (y, source) in y.iter_mut().zip(ys) {
                // SAFETY: c * 16 + 16 <= chunks * 16 <= the length of each slice.
                *y = unsafe { _mm512_loadu_ps(source.add(c * 16)) };
            }
            for (row, source) in acc.iter_mut().zip(xs) {
                // SAFETY: as above.
                let x = unsafe { _mm512_loadu_ps(source.add(c * 16)) };
                for (acc, &y) in row.iter_mut().zip(&y) {
                    *acc = _mm512_fmadd_ps(x, y, *acc);
                }
            }
        }
        let mut lanes = [[[0.0f32; 16]; 4]; 4];
        for (lanes, acc) in lanes.iter_mut().zip(acc) {
            for (lanes, acc) in lanes.iter_mut().zip(acc) {
                // SAFETY: `lanes` holds sixteen values.
                unsafe { _mm512_storeu_ps(lanes.as_mut_ptr(), acc) };
            }
        }
        lanes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::on_every_tier;

    #[test]
    fn four_fused_sums_are_the_same_on_every_tier() {
        let wave = |k: usize| -> Vec<f32> {
            (0..1024)
                .map(|i| ((i * 3 + k * 11) as f32 * 0.37).cos() * (1.0 + (i % 7) as f32))
                .collect()
        };
        let (a, b, c, d, y) = (wave(1), wave(2), wave(3), wave(4), wave(5));
        let bits = |l: [[f32; 16]; 4]| l.map(|l| l.map(f32::to_bits));
        let portable = fused_lanes_four_portable([&a, &b, &c, &d], &y, 64);
        // Lane 3 of the second vector, added step by step.
        let mut lane = 0.0f32;
        for step in 0..64 {
            lane = b[step * 16 + 3].mul_add(y[step * 16 + 3], lane);
        }
        assert_eq!(portable[1][3].to_bits(), lane.to_bits());
        assert_eq!(bits(fused_lanes_four([&a, &b, &c, &d], &y)), bits(portable));
        // Four with four: each product's lanes are those of four with one.
        let tile = fused_lanes_tile([&a, &b, &c, &d], [&y, &a, &d, &b]);
        for (q, v) in [&y, &a, &d, &b].into_iter().enumerate() {
            let four = fused_lanes_four_portable([&a, &b, &c, &d], v, 64);
            for p in 0..4 {
                assert_eq!(tile[p][q].map(f32::to_bits), four[p].map(f32::to_bits));
            }
        }
        on_every_tier("fused_lanes_tile", |tier| {
            for len in [1024, 1000, 15] {
                let (x, z) = (
                    [&a[..len], &b[..len], &c[..len], &d[..len]],
                    [&y[..len], &c[..len], &a[..len], &d[..len]],
                );
                let expected = fused_lanes_tile_portable(x, z, len / 16);
                assert_eq!(fused_lanes_tile_on(tier, x, z), expected, "{tier:?} {len}");
            }
        });
        on_every_tier("fused_lanes_four", |tier| {
            // A length past whole chunks too: the tail is left to the caller.
            for len in [1024, 1000, 15] {
                let four = [&a[..len], &b[..len], &c[..len], &d[..len]];
                let expected = fused_lanes_four_portable(four, &y, len / 16);
                let got = fused_lanes_four_on(tier, four, &y);
                assert_eq!(bits(got), bits(expected), "{tier:?} {len}");
            }
        });
    }
}
