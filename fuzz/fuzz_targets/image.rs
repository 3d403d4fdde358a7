//! Image files of every format augsafe reads: any bytes decode within the limits or are
//! refused; what decodes is reduced, judged for ink and put in canonical form.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(loaded) = augsafe::GlyphImage::load(data) {
        let _ = augsafe::normalize(&loaded.image);
    }
});
