//! Reading input files within limits: only regular files (a FIFO would block for ever, a
//! device would never end), and never more bytes than the kind of file can need, so that no
//! input makes augsafe wait or grow without bound. Errors are I/O errors that say which limit
//! was met, for the caller to attach the path to.

use std::io::{self, Read};
use std::path::Path;
use std::sync::{Condvar, Mutex, RwLock};

/// The kinds of file augsafe reads, each with the most it may hold unless
/// [`Limits::file_bytes`] says otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// An Albumentations pipeline (real ones hold a few kilobytes): 16 MB.
    Pipeline,
    /// A manifest or a label mapping (a path and a label per image: room for millions of
    /// rows): 1 GB.
    Table,
    /// A font (a full CJK collection is about 30 MB): 256 MB.
    Font,
    /// One image file: 64 MB.
    Image,
    /// An IDX file, or what a gzipped one inflates to (EMNIST's largest is 0.64 GB): 16 GB.
    Idx,
    /// An ONNX model (a recogniser of characters is a few megabytes): 1 GB.
    Model,
    /// A dataset in one file, read as it streams or whole: a pixel CSV, a NumPy array or
    /// archive, a GNT file (CASIA-HWDB's largest split is about 2.5 GB in all): 16 GB.
    Data,
}

impl FileKind {
    /// The most a file of this kind may hold when no limit is set for every file.
    pub const fn default_max(self) -> u64 {
        match self {
            FileKind::Pipeline => 16 << 20,
            FileKind::Table => 1 << 30,
            FileKind::Font => 256 << 20,
            FileKind::Image => 64 << 20,
            FileKind::Idx => 16 << 30,
            FileKind::Model => 1 << 30,
            FileKind::Data => 16 << 30,
        }
    }

    /// The most a file of this kind may hold under the [`limits`] in force.
    pub fn max(self) -> u64 {
        limits().file_bytes.unwrap_or(self.default_max())
    }
}

/// How much input augsafe takes on, for a whole process (as its thread pool is): set once by
/// the command line or the embedding program before reading, read by every reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most any one input file may hold, in bytes; `None` keeps each
    /// [`FileKind::default_max`].
    pub file_bytes: Option<u64>,
    /// The widest or tallest image decoded, in pixels (more is refused before decoding); an
    /// image's decoding may take 4 bytes per pixel of this square.
    pub image_side: u32,
    /// Images wider or taller than this are reduced, as they load, to fit it: no glyph needs
    /// more, and the dataset keeps the reduced copy only.
    pub glyph_side: u32,
}

impl Limits {
    /// The limits unless set otherwise.
    pub const DEFAULT: Limits = Limits {
        file_bytes: None,
        image_side: 8192,
        glyph_side: 1024,
    };

    /// The most one image's decoding may allocate: 4 bytes per pixel of the largest square.
    pub fn decoded_bytes(&self) -> u64 {
        u64::from(self.image_side).pow(2) * 4
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

static LIMITS: RwLock<Limits> = RwLock::new(Limits::DEFAULT);

/// Sets the limits every later read keeps to.
pub fn set_limits(limits: Limits) {
    *LIMITS
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = limits;
}

/// The limits in force.
pub fn limits() -> Limits {
    *LIMITS
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Memory shared by work under way: each piece reserves what it will take and waits while
/// the rest holds too much, so that many large images decoding at once cannot add up to more
/// than the capacity. A piece larger than the whole capacity goes alone.
#[derive(Debug)]
pub struct Budget {
    capacity: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// Bytes held from a [`Budget`] until dropped.
#[derive(Debug)]
pub struct Reservation<'a> {
    budget: &'a Budget,
    bytes: u64,
}

impl Budget {
    /// A budget of `capacity` bytes, none of them reserved.
    pub const fn new(capacity: u64) -> Budget {
        Budget {
            capacity,
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Reserves `bytes`, waiting until they fit beside what is reserved already (or, for more
    /// than the capacity, until nothing is).
    pub fn reserve(&self, bytes: u64) -> Reservation<'_> {
        let mut used = self
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *used > 0 && used.saturating_add(bytes) > self.capacity {
            used = self
                .freed
                .wait(used)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *used = used.saturating_add(bytes);
        Reservation {
            budget: self,
            bytes,
        }
    }

    /// The bytes reserved now.
    pub fn used(&self) -> u64 {
        *self
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut used = self
            .budget
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *used = used.saturating_sub(self.bytes);
        self.budget.freed.notify_all();
    }
}

/// Reads a size as people write it: `4096`, `500K`, `64M`, `2G`, `1T` (a trailing `B` or
/// `iB` allowed; multiples of 1024).
///
/// # Errors
/// When the text is no such size, or more than 2^64 bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits);
    let unit = unit.trim();
    let unit = unit
        .strip_suffix("iB")
        .or_else(|| unit.strip_suffix('B'))
        .unwrap_or(unit);
    let shift = match unit.to_ascii_uppercase().as_str() {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(format!("'{text}' is no size: write 4096, 500K, 64M or 2G")),
    };
    let number: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is no size: write 4096, 500K, 64M or 2G"))?;
    number
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("'{text}' is more bytes than augsafe can count"))
}

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
            "{} is more than the {} this kind of file may hold (--max-file-size raises the limit)",
            size_text(len),
            size_text(max)
        ),
    )
}

/// A byte count in words: `16 MB`, `2.1 GB`, `512 bytes`.
pub fn size_text(n: u64) -> String {
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
            "10 bytes is more than the 9 bytes this kind of file may hold (--max-file-size raises the limit)"
        );
        let err = read_file(dir.path(), 1 << 20).expect_err("a folder");
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert!(read_text(&file, 10).is_ok());
        std::fs::write(&file, [0xff, 0xfe]).expect("written");
        assert!(read_text(&file, 10).is_err());
        assert_eq!(size_text(16 << 20), "16 MB");
        assert_eq!(size_text(3 << 29), "1.5 GB");
    }

    #[test]
    fn sizes_are_read_as_people_write_them() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("500K"), Ok(500 << 10));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("2GB"), Ok(2 << 30));
        assert_eq!(parse_size("2 GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1t"), Ok(1 << 40));
        for bad in ["", "M", "1.5G", "-1", "12X", "99999999999T"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_budget_holds_back_what_does_not_fit_until_room_is_freed() {
        let budget = Budget::new(100);
        let first = budget.reserve(60);
        // More than the whole capacity goes alone: it waits until nothing is reserved.
        std::thread::scope(|scope| {
            let waiting = scope.spawn(|| {
                let _big = budget.reserve(150);
                budget.used()
            });
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert_eq!(budget.used(), 60, "the large reservation waits");
            drop(first);
            assert_eq!(waiting.join().expect("joined"), 150);
        });
        assert_eq!(budget.used(), 0);
        let a = budget.reserve(40);
        let b = budget.reserve(60);
        assert_eq!(budget.used(), 100);
        drop((a, b));
        assert_eq!(budget.used(), 0);
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
