//! The spec language: any text either parses or is refused; what parses draws and is judged
//! without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/integration/exercise.rs"]
mod exercise;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(transform) = text.parse::<augsafe::Transform>() {
            let _ = transform.to_string();
            exercise::exercise(&transform);
        }
    }
});
