//! Exact dot products of 8-bit glyphs (signed) with 8-bit templates (unsigned): a plain
//! integer loop compiled for each tier below [`Tier::Avx512Vnni`], and on that tier a kernel
//! that multiplies four bytes at a time.

use super::Tier;

/// Bytes of one template block for one step of four dimensions: 16 templates × 4 bytes.
const BLOCK_STEP: usize = 64;

/// Templates per block: one 512-bit register of 32-bit sums.
const BLOCK: usize = 16;

/// Glyph rows scored together by the kernel (each template load serves all of them).
#[cfg(target_arch = "x86_64")]
const ROWS: usize = 4;

/// Template blocks scored together: 4 rows × 6 blocks = 24 accumulators, plus 6 template
/// registers and a broadcast, fit the 32 vector registers.
#[cfg(target_arch = "x86_64")]
const MAX_BLOCKS: usize = 6;

super::wide_fn! {
    /// The integer loop of [`dot_plain_kernel`], compiled for each vector tier: the processors
    /// without VNNI get their own vector width for the products.
    #[allow(dead_code)] // Only the twin that takes the tier is called.
    fn dot_plain(
        plain: &[u8],
        count: usize,
        stride: usize,
        glyphs: &[i8],
        out: &mut [i32],
    ) = dot_plain_kernel;
    fn dot_plain_on(tier, ..);
}

/// Exact dot products of glyph rows (`stride` signed bytes each) with `count` plain templates
/// (`stride` unsigned bytes each): `out[r * count + t]`.
#[inline(always)]
fn dot_plain_kernel(plain: &[u8], count: usize, stride: usize, glyphs: &[i8], out: &mut [i32]) {
    let stride = stride.max(1);
    for (row, out) in glyphs
        .chunks_exact(stride)
        .zip(out.chunks_exact_mut(count.max(1)))
    {
        for (template, o) in plain.chunks_exact(stride).zip(out.iter_mut()) {
            // Integer sums may be reordered freely, so this vectorises as it stands.
            *o = row
                .iter()
                .zip(template)
                .map(|(&a, &b)| i32::from(a) * i32::from(b))
                .sum();
        }
    }
}

/// 8-bit templates (unsigned) laid out for scoring glyphs (signed bytes): the plain rows for
/// the portable path, and for the vector kernel blocks of 16 templates interleaved by four
/// dimensions (the kernel multiplies unsigned by signed bytes, four at a time).
#[derive(Clone, Debug, Default)]
pub(crate) struct PackedTemplates {
    count: usize,
    /// Dimensions, rounded up to a multiple of 4 (the padding is zero).
    stride: usize,
    plain: Vec<u8>,
    /// Only the x86-64 kernel reads these.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    packed: Vec<u8>,
}

impl PackedTemplates {
    /// Packs `count` templates of `stride` values each (`stride` a multiple of 4).
    pub(crate) fn new(plain: Vec<u8>, count: usize, stride: usize) -> PackedTemplates {
        debug_assert!(stride.is_multiple_of(4) && plain.len() == count * stride);
        let blocks = count.div_ceil(BLOCK);
        let steps = stride / 4;
        // Padding templates are zero.
        let mut packed = vec![0u8; blocks * steps * BLOCK_STEP];
        for t in 0..count {
            let (block, lane) = (t / BLOCK, t % BLOCK);
            for step in 0..steps {
                for byte in 0..4 {
                    packed[(block * steps + step) * BLOCK_STEP + lane * 4 + byte] =
                        plain[t * stride + step * 4 + byte];
                }
            }
        }
        PackedTemplates {
            count,
            stride,
            plain,
            packed,
        }
    }

    /// Exact dot products of `rows` glyph rows (`stride` signed bytes each, one after another)
    /// with every template: `out[r * count + t]`.
    pub(crate) fn dot(&self, glyphs: &[i8], out: &mut [i32]) {
        self.dot_on(Tier::selected(), glyphs, out);
    }

    /// [`PackedTemplates::dot`] on `tier`, or on the best tier below it that the processor
    /// has.
    pub(crate) fn dot_on(&self, tier: Tier, glyphs: &[i8], out: &mut [i32]) {
        debug_assert!(glyphs.len().is_multiple_of(self.stride.max(1)));
        debug_assert!(out.len() == glyphs.len() / self.stride.max(1) * self.count);
        #[cfg(target_arch = "x86_64")]
        if tier.supported() >= Tier::Avx512Vnni && self.count > 0 && self.stride > 0 {
            self.dot_vnni(glyphs, out);
            return;
        }
        dot_plain_on(tier, &self.plain, self.count, self.stride, glyphs, out);
    }

    /// The oracle the tests compare every tier with: the integer loop, compiled for the
    /// baseline.
    #[cfg(test)]
    fn dot_portable(&self, glyphs: &[i8], out: &mut [i32]) {
        dot_plain_kernel(&self.plain, self.count, self.stride, glyphs, out);
    }

    /// [`PackedTemplates::dot`] through [`vnni::kernel`]; only on [`Tier::Avx512Vnni`], with
    /// `count` and `stride` above zero.
    #[cfg(target_arch = "x86_64")]
    fn dot_vnni(&self, glyphs: &[i8], out: &mut [i32]) {
        let rows = glyphs.len() / self.stride;
        let blocks = self.count.div_ceil(BLOCK);
        let padded = blocks * BLOCK;
        let steps = self.stride / 4;
        // Rows go through the kernel four at a time; the last group is padded with zeros.
        let mut group = vec![0i8; ROWS * self.stride];
        let mut sums_out = vec![0i32; ROWS * padded];
        // Blocks are split into near-equal groups of at most MAX_BLOCKS.
        let groups = blocks.div_ceil(MAX_BLOCKS);
        let per_group = blocks.div_ceil(groups);
        for first_row in (0..rows).step_by(ROWS) {
            let n = ROWS.min(rows - first_row);
            let source = &glyphs[first_row * self.stride..(first_row + n) * self.stride];
            group[..source.len()].copy_from_slice(source);
            group[source.len()..].fill(0);
            let mut block = 0;
            while block < blocks {
                let width = per_group.min(blocks - block);
                let templates = &self.packed[block * steps * BLOCK_STEP..];
                let results = &mut sums_out[block * BLOCK..];
                let (stride, group) = (self.stride, &group[..]);
                // SAFETY: only called on `Tier::Avx512Vnni` (capped by `supported`), which is
                // detected only with AVX-512 F, BW and VNNI. The kernel reads ROWS rows of
                // `stride` bytes from `group` (its length), `width` blocks of `steps * 64`
                // bytes from `templates` (block + width <= blocks), and writes ROWS rows of
                // `width * 16` sums at stride `padded` into `results`, which holds
                // (ROWS - 1) * padded + (blocks - block) * 16 of them.
                unsafe {
                    match width {
                        1 => vnni::kernel::<1>(group, stride, templates, steps, results, padded),
                        2 => vnni::kernel::<2>(group, stride, templates, steps, results, padded),
                        3 => vnni::kernel::<3>(group, stride, templates, steps, results, padded),
                        4 => vnni::kernel::<4>(group, stride, templates, steps, results, padded),
                        5 => vnni::kernel::<5>(group, stride, templates, steps, results, padded),
                        _ => vnni::kernel::<6>(group, stride, templates, steps, results, padded),
                    }
                }
                block += width;
            }
            for r in 0..n {
                let dst = &mut out[(first_row + r) * self.count..(first_row + r + 1) * self.count];
                dst.copy_from_slice(&sums_out[r * padded..r * padded + self.count]);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod vnni {
    use std::arch::x86_64::{
        __m512i, _mm512_dpbusd_epi32, _mm512_loadu_si512, _mm512_set1_epi32, _mm512_setzero_si512,
        _mm512_storeu_si512,
    };

    use super::{BLOCK, BLOCK_STEP, ROWS};

    /// Sums of ROWS glyph rows against `B` blocks of 16 templates. Per step of four
    /// dimensions, each block's 64 template bytes are loaded once and multiplied with the
    /// four bytes of every row (broadcast), accumulating in 32 bits.
    ///
    /// # Safety
    /// The processor must have AVX-512 F, BW and VNNI; `glyphs` must hold ROWS × `stride`
    /// bytes, `templates` at least `B` × `steps` × 64, and `out` at least
    /// (ROWS − 1) × `out_stride` + `B` × 16 values; `steps` × 4 <= `stride`.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub(super) unsafe fn kernel<const B: usize>(
        glyphs: &[i8],
        stride: usize,
        templates: &[u8],
        steps: usize,
        out: &mut [i32],
        out_stride: usize,
    ) {
        debug_assert!(glyphs.len() >= ROWS * stride && steps * 4 <= stride);
        debug_assert!(templates.len() >= B * steps * BLOCK_STEP);
        debug_assert!(out.len() >= (ROWS - 1) * out_stride + B * BLOCK);
        let mut acc: [[__m512i; B]; ROWS] = [[_mm512_setzero_si512(); B]; ROWS];
        let rows = glyphs.as_ptr();
        let base = templates.as_ptr();
        for step in 0..steps {
            let mut t: [__m512i; B] = [_mm512_setzero_si512(); B];
            for (b, slot) in t.iter_mut().enumerate() {
                let at = (b * steps + step) * BLOCK_STEP;
                // SAFETY: at + 64 <= B * steps * 64 <= templates.len().
                *slot = unsafe { _mm512_loadu_si512(base.add(at).cast()) };
            }
            for (r, row_acc) in acc.iter_mut().enumerate() {
                // SAFETY: r * stride + step * 4 + 4 <= ROWS * stride <= glyphs.len().
                let four = unsafe {
                    rows.add(r * stride + step * 4)
                        .cast::<i32>()
                        .read_unaligned()
                };
                let x = _mm512_set1_epi32(four);
                for (a, &tb) in row_acc.iter_mut().zip(&t) {
                    *a = _mm512_dpbusd_epi32(*a, tb, x);
                }
            }
        }
        let dst = out.as_mut_ptr();
        for (r, row_acc) in acc.iter().enumerate() {
            for (b, &a) in row_acc.iter().enumerate() {
                // SAFETY: r * out_stride + b * 16 + 16 <= out.len() (see the contract).
                unsafe { _mm512_storeu_si512(dst.add(r * out_stride + b * BLOCK).cast(), a) };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::on_every_tier;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn every_tier_gives_the_exact_integer_dot_products() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        // Template counts around the block and group sizes, rows around the kernel's four.
        let cases: Vec<_> = [
            (1, 1, 4),
            (16, 4, 8),
            (17, 5, 1024),
            (109, 9, 1024),
            (200, 3, 64),
        ]
        .into_iter()
        .map(|(count, rows, stride)| {
            let mut templates: Vec<u8> = (0..count * stride).map(|_| rng.random()).collect();
            let mut glyphs: Vec<i8> = (0..rows * stride).map(|_| rng.random()).collect();
            // The extremes of both types.
            glyphs[0] = -128;
            glyphs[1] = 127;
            templates[0] = 255;
            (count, rows, stride, templates, glyphs)
        })
        .collect();
        on_every_tier("8-bit template dot products", |tier| {
            for (count, rows, stride, templates, glyphs) in &cases {
                let (count, rows, stride) = (*count, *rows, *stride);
                let packed = PackedTemplates::new(templates.clone(), count, stride);
                let mut out = vec![0; rows * count];
                packed.dot_on(tier, glyphs, &mut out);
                // The naive oracle.
                for r in 0..rows {
                    for t in 0..count {
                        let expected: i32 = (0..stride)
                            .map(|k| {
                                let glyph = i32::from(glyphs[r * stride + k]);
                                glyph * i32::from(templates[t * stride + k])
                            })
                            .sum();
                        let got = out[r * count + t];
                        assert_eq!(got, expected, "{tier:?} {count} {rows} {stride} r{r} t{t}");
                    }
                }
                let mut portable = vec![0; rows * count];
                packed.dot_portable(glyphs, &mut portable);
                assert_eq!(out, portable, "{tier:?}");
            }
        });
    }
}
