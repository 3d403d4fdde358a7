//! Reading input files within limits: only regular files (a FIFO would block for ever, a
//! device would never end), and never more bytes than the kind of file can need, so that no
//! input makes augsafe wait or grow without bound. Errors are I/O errors that say which limit
//! was met, for the caller to attach the path to.

use std::io::{self, Read};
use std::path::Path;

/// The most a pipeline file may hold (real ones hold a few kilobytes).
pub const MAX_PIPELINE_BYTES: u64 = 16 << 20;
/// The most a manifest or a label mapping may hold (a path and a label per image: room for
/// millions of rows).
pub const MAX_TABLE_BYTES: u64 = 1 << 30;
/// The most a font file may hold (a full CJK collection is about 30 MB).
pub const MAX_FONT_BYTES: u64 = 256 << 20;
/// The most one image file may hold.
pub const MAX_IMAGE_BYTES: u64 = 64 << 20;
/// The most an IDX file may hold, or inflate to (EMNIST's largest is 0.64 GB).
pub const MAX_IDX_BYTES: u64 = 16 << 30;

/// Checks that `path` is a regular file (following links) of at most `max` bytes, and returns
/// its length. Nothing is opened: opening a FIFO waits for a writer.
///
/// # Errors
/// When the file cannot be examined, is not a regular file, or is larger than `max`.
pub fn regular_file(path: &Path, max: u64) -> io::Result<u64> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a folder, FIFO, device or socket): augsafe reads only files",
        ));
    }
    if metadata.len() > max {
        return Err(too_large(metadata.len(), max));
    }
    Ok(metadata.len())
}

/// The error for a file or stream larger than `max` bytes.
pub fn too_large(len: u64, max: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{} is more than the {} this kind of file may hold",
            bytes(len),
            bytes(max)
        ),
    )
}

/// A byte count in words: `16 MB`, `2.1 GB`, `512 bytes`.
fn bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB")];
    for (size, unit) in UNITS {
        if n >= size {
            let value = n as f64 / size as f64;
            return if value.fract() == 0.0 {
                format!("{value:.0} {unit}")
            } else {
                format!("{value:.1} {unit}")
            };
        }
    }
    format!("{n} bytes")
}

/// Reads a whole regular file of at most `max` bytes ([`regular_file`]), and no more than that
/// even if it grows while it is read.
///
/// # Errors
/// As [`regular_file`], or when reading fails.
pub fn read_file(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let len = regular_file(path, max)?;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64, max));
    }
    Ok(bytes)
}

/// [`read_file`] as text.
///
/// # Errors
/// As [`read_file`], or when the file is not UTF-8.
pub fn read_text(path: &Path, max: u64) -> io::Result<String> {
    String::from_utf8(read_file(path, max)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("small.txt");
        std::fs::write(&file, b"0123456789").expect("written");
        assert_eq!(read_file(&file, 10).expect("read"), b"0123456789");
        let err = read_file(&file, 9).expect_err("too large");
        assert_eq!(
            err.to_string(),
            "10 bytes is more than the 9 bytes this kind of file may hold"
        );
        let err = read_file(dir.path(), 1 << 20).expect_err("a folder");
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert!(read_text(&file, 10).is_ok());
        std::fs::write(&file, [0xff, 0xfe]).expect("written");
        assert!(read_text(&file, 10).is_err());
        assert_eq!(bytes(16 << 20), "16 MB");
        assert_eq!(bytes(3 << 29), "1.5 GB");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(
            made.is_ok_and(|s| s.success()),
            "mkfifo (coreutils) makes a FIFO"
        );
        let err = read_file(&fifo, 1 << 20).expect_err("a FIFO");
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }
}
