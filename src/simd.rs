//! The two places where augsafe asks the processor for its wide vector units, chosen at run
//! time so one binary runs everywhere: the 8-bit template scoring kernel (AVX-512 VNNI) and
//! a wrapper that compiles the normalisation loops for AVX-512.
//!
//! This is the only module with `unsafe` code: calling a function compiled for features the
//! baseline x86-64 target lacks is unsafe until the processor has been asked, and the kernel
//! loads vectors through pointers. Every result is identical on every path: the integer sums
//! are exact, and the floating-point loops run the same operations in the same order whatever
//! the vector width (Rust never fuses a multiply and an add on its own).
#![allow(unsafe_code)]

/// Bytes of one template block for one step of four dimensions: 16 templates × 4 bytes.
const BLOCK_STEP: usize = 64;

/// Templates per block: one 512-bit register of 32-bit sums.
pub(crate) const BLOCK: usize = 16;

/// Glyph rows scored together by the kernel (each template load serves all of them).
pub(crate) const ROWS: usize = 4;

/// Template blocks scored together: 4 rows × 6 blocks = 24 accumulators, plus 6 template
/// registers and a broadcast, fit the 32 vector registers.
const MAX_BLOCKS: usize = 6;

/// 8-bit templates (unsigned) laid out for scoring glyphs (signed bytes): the plain rows for
/// the portable path, and for the vector kernel blocks of 16 templates interleaved by four
/// dimensions (the kernel multiplies unsigned by signed bytes, four at a time).
#[derive(Clone, Debug, Default)]
pub(crate) struct PackedTemplates {
    count: usize,
    /// Dimensions, rounded up to a multiple of 4 (the padding is zero).
    stride: usize,
    plain: Vec<u8>,
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
        debug_assert!(glyphs.len().is_multiple_of(self.stride.max(1)));
        debug_assert!(out.len() == glyphs.len() / self.stride.max(1) * self.count);
        #[cfg(target_arch = "x86_64")]
        if has_vnni() && self.count > 0 && self.stride > 0 {
            self.dot_vnni(glyphs, out);
            return;
        }
        self.dot_portable(glyphs, out);
    }

    fn dot_portable(&self, glyphs: &[i8], out: &mut [i32]) {
        let stride = self.stride.max(1);
        for (row, out) in glyphs
            .chunks_exact(stride)
            .zip(out.chunks_exact_mut(self.count.max(1)))
        {
            for (template, o) in self.plain.chunks_exact(stride).zip(out.iter_mut()) {
                // Integer sums may be reordered freely, so this vectorises as it stands.
                *o = row
                    .iter()
                    .zip(template)
                    .map(|(&a, &b)| i32::from(a) * i32::from(b))
                    .sum();
            }
        }
    }

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
                // SAFETY: `has_vnni` confirmed the processor has AVX-512 F, BW and VNNI. The
                // kernel reads ROWS rows of `stride` bytes from `group` (its length), `width`
                // blocks of `steps * 64` bytes from `templates` (block + width <= blocks), and
                // writes ROWS rows of `width * 16` sums at stride `padded` into `results`,
                // which holds (ROWS - 1) * padded + (blocks - block) * 16 of them.
                unsafe {
                    match width {
                        1 => {
                            x86::kernel::<1>(&group, self.stride, templates, steps, results, padded)
                        }
                        2 => {
                            x86::kernel::<2>(&group, self.stride, templates, steps, results, padded)
                        }
                        3 => {
                            x86::kernel::<3>(&group, self.stride, templates, steps, results, padded)
                        }
                        4 => {
                            x86::kernel::<4>(&group, self.stride, templates, steps, results, padded)
                        }
                        5 => {
                            x86::kernel::<5>(&group, self.stride, templates, steps, results, padded)
                        }
                        _ => {
                            x86::kernel::<6>(&group, self.stride, templates, steps, results, padded)
                        }
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

/// The sixteen lane sums of four dot products with `b` over its whole chunks of sixteen, as
/// the classifier's dot product keeps them: lane `i` of vector `k` is
/// `a[k][i] · b[i] + a[k][16 + i] · b[16 + i] + …`, each step one fused multiply-add, in that
/// order. With AVX-512 the four run in four registers side by side; the portable loop gives
/// the same bits.
pub(crate) fn fused_lanes_four(a: [&[f32]; 4], b: &[f32]) -> [[f32; 16]; 4] {
    let chunks = a.iter().fold(b.len(), |len, a| len.min(a.len())) / 16;
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: the processor has AVX-512 F, and every slice holds `chunks` × 16 values.
        return unsafe { x86::fused_lanes_four(a, b, chunks) };
    }
    fused_lanes_four_portable(a, b, chunks)
}

/// [`fused_lanes_four`] without vector instructions of its own.
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

/// Whether the 8-bit kernel can run here (asked once; the answer is cached by the standard
/// library).
#[cfg(target_arch = "x86_64")]
fn has_vnni() -> bool {
    std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512bw")
        && std::is_x86_feature_detected!("avx512vnni")
}

/// Whether the processor has AVX2 and fused multiply-add, the second tier of [`wide_fn`].
#[cfg(target_arch = "x86_64")]
pub(crate) fn has_avx2_fma() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
}

/// Whether the processor has the AVX-512 subsets [`wide_fn`] compiles for.
#[cfg(target_arch = "x86_64")]
pub(crate) fn has_avx512() -> bool {
    std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512bw")
        && std::is_x86_feature_detected!("avx512vl")
        && std::is_x86_feature_detected!("avx512dq")
}

/// Defines a safe function `$name` that runs a kernel — written in place as its body, or an
/// `#[inline(always)]` function taking the same arguments named after `=` — compiled for AVX-512 when the processor has it, else for AVX2
/// with fused multiply-add, else as it stands (for the baseline x86-64 vector unit). The
/// kernel is inlined into each version, so its loops are vectorised for each; all give the
/// same result, since only the vector width differs: floating-point operations are never
/// reordered, and the kernels fuse multiply-adds only where they say so (`mul_add`, exactly
/// rounded everywhere; without the instruction it is a library call, slow but the same).
///
/// Heavy work a kernel hands on belongs in `#[inline(always)]` functions, not closures: a
/// closure the compiler does not inline is compiled for the baseline, outside the tier (a
/// closure around the four-wide dot product made judging 12% slower).
///
/// This macro is where every such call is written, under the one check that makes it sound.
macro_rules! wide_fn {
    // The kernel written in place: `fn name(args) -> ret { body }`.
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $crate::simd::wide_fn! {
            $(#[$meta])*
            $vis fn $name($($arg: $ty),*) $(-> $ret)? = kernel;
            #[inline(always)]
            fn kernel($($arg: $ty),*) $(-> $ret)? $body
        }
    };
    // A kernel defined elsewhere (or just below, as the rule above does).
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? = $kernel:path; $($inner:item)?) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            $($inner)?
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma,avx512f,avx512bw,avx512vl,avx512dq")]
                #[allow(unsafe_code)]
                unsafe fn wide($($arg: $ty),*) $(-> $ret)? {
                    $kernel($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                #[allow(unsafe_code)]
                unsafe fn fused($($arg: $ty),*) $(-> $ret)? {
                    $kernel($($arg),*)
                }
                if $crate::simd::has_avx512() {
                    // SAFETY: the processor has every feature `wide` is compiled for.
                    #[allow(unsafe_code)]
                    return unsafe { wide($($arg),*) };
                }
                if $crate::simd::has_avx2_fma() {
                    // SAFETY: the processor has every feature `fused` is compiled for.
                    #[allow(unsafe_code)]
                    return unsafe { fused($($arg),*) };
                }
            }
            $kernel($($arg),*)
        }
    };
}
pub(crate) use wide_fn;

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{
        __m512i, _mm512_dpbusd_epi32, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_loadu_si512,
        _mm512_set1_epi32, _mm512_setzero_ps, _mm512_setzero_si512, _mm512_storeu_ps,
        _mm512_storeu_si512,
    };

    use super::{BLOCK, BLOCK_STEP, ROWS};

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
                // SAFETY: (b * steps + step + 1) * 64 <= B * steps * 64 <= templates.len().
                *slot =
                    unsafe { _mm512_loadu_si512(base.add((b * steps + step) * BLOCK_STEP).cast()) };
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
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn every_path_gives_the_exact_integer_dot_products() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        // Template counts around the block and group sizes, rows around the kernel's four.
        for (count, rows, stride) in [
            (1, 1, 4),
            (16, 4, 8),
            (17, 5, 1024),
            (109, 9, 1024),
            (200, 3, 64),
        ] {
            let templates: Vec<u8> = (0..count * stride).map(|_| rng.random()).collect();
            let mut glyphs: Vec<i8> = (0..rows * stride).map(|_| rng.random()).collect();
            // The extremes of both types.
            glyphs[0] = -128;
            glyphs[1] = 127;
            let mut templates = templates;
            templates[0] = 255;
            let packed = PackedTemplates::new(templates.clone(), count, stride);
            let mut out = vec![0; rows * count];
            packed.dot(&glyphs, &mut out);
            for r in 0..rows {
                for t in 0..count {
                    let expected: i32 = (0..stride)
                        .map(|k| {
                            i32::from(glyphs[r * stride + k]) * i32::from(templates[t * stride + k])
                        })
                        .sum();
                    assert_eq!(
                        out[r * count + t],
                        expected,
                        "{count} {rows} {stride} r{r} t{t}"
                    );
                }
            }
            let mut portable = vec![0; rows * count];
            packed.dot_portable(&glyphs, &mut portable);
            assert_eq!(out, portable);
        }
    }

    #[test]
    fn four_fused_sums_are_the_same_on_every_path() {
        let wave = |k: usize| -> Vec<f32> {
            (0..1024)
                .map(|i| ((i * 3 + k * 11) as f32 * 0.37).cos() * (1.0 + (i % 7) as f32))
                .collect()
        };
        let (a, b, c, d, y) = (wave(1), wave(2), wave(3), wave(4), wave(5));
        let lanes = fused_lanes_four([&a, &b, &c, &d], &y);
        let portable = fused_lanes_four_portable([&a, &b, &c, &d], &y, 64);
        let bits = |l: [[f32; 16]; 4]| l.map(|l| l.map(f32::to_bits));
        assert_eq!(bits(lanes), bits(portable));
        // Lane 3 of the second vector, added step by step.
        let mut lane = 0.0f32;
        for step in 0..64 {
            lane = b[step * 16 + 3].mul_add(y[step * 16 + 3], lane);
        }
        assert_eq!(portable[1][3].to_bits(), lane.to_bits());
    }

    #[inline(always)]
    fn sum_of_squares(values: &[f32]) -> f32 {
        values.iter().map(|v| v * v).sum()
    }

    wide_fn! {
        fn wide_sum_of_squares(values: &[f32]) -> f32 = sum_of_squares;
    }

    #[test]
    fn the_wide_version_returns_what_the_kernel_does() {
        let data: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin()).collect();
        assert_eq!(
            wide_sum_of_squares(&data).to_bits(),
            sum_of_squares(&data).to_bits()
        );
    }
}
