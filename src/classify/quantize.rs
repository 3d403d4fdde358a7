//! The templates in 8 bits, packed for the scoring kernel.

use super::*;

/// The templates in 8 bits, packed for the scoring kernel, and how to read each back.
pub(super) fn quantize_all(
    units: &[f32],
    dim: usize,
    count: usize,
) -> (PackedTemplates, Vec<QuantizedTemplate>) {
    let stride = dim.div_ceil(4) * 4;
    let mut plain = vec![0u8; count * stride];
    let mut info = Vec::with_capacity(count);
    for (unit, out) in units
        .chunks_exact(dim.max(1))
        .zip(plain.chunks_exact_mut(stride.max(1)))
    {
        info.push(quantize_template(unit, &mut out[..dim]));
    }
    (PackedTemplates::new(plain, count, stride), info)
}
