//! CASIA-HWDB's GNT files of handwritten Chinese characters: records one after another, each
//! its size in bytes (u32, little-endian, the record's own ten header bytes included), the
//! character's GB code (two bytes, high byte first), the width and height (u16 each,
//! little-endian), and the bitmap, row by row, one grey byte a pixel (ink dark on white). A
//! dataset is one file or a folder of them (one per writer: `1001-c.gnt`, ...). Records stream
//! from the file; only the bitmaps are kept.

use std::io::Read;
use std::path::{Path, PathBuf};

use image::GrayImage;

use super::{assemble, files_in, open_data_file, root_of, Dataset, Origin};
use crate::error::{Error, Result};
use crate::glyph::GlyphImage;

/// Bytes before a record's bitmap.
const HEADER: usize = 10;

/// Whether `path` is a GNT file by its name.
pub fn is_gnt_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gnt"))
}

/// The character a GB code stands for (GB2312 and its superset GBK, as CASIA writes them),
/// or the code written out (`GB+A3B0`) when it stands for none.
pub fn gb_character(code: [u8; 2]) -> String {
    let (text, _, malformed) = encoding_rs::GBK.decode(&code);
    if malformed || text.chars().count() != 1 {
        format!("GB+{:02X}{:02X}", code[0], code[1])
    } else {
        text.into_owned()
    }
}

/// The records of one GNT file, as (label, bitmap), in file order.
fn read_file(path: &Path) -> Result<Vec<(String, GrayImage)>> {
    let bad = |reason: String| Error::Data {
        path: path.to_path_buf(),
        reason,
    };
    let read_error = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let (file, len) = open_data_file(path)?;
    if len == 0 {
        return Err(bad("empty file (0 bytes): no GNT records".to_string()));
    }
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut records = Vec::new();
    let mut at = 0u64;
    let mut header = [0u8; HEADER];
    loop {
        // The end of the file may come only between records.
        let got = read_up_to(&mut reader, &mut header).map_err(read_error)?;
        if got == 0 {
            break;
        }
        let number = records.len() + 1;
        if got < HEADER {
            return Err(bad(format!(
                "truncated: record {number} (at byte {at}) has {got} of its {HEADER} header bytes"
            )));
        }
        let size = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let code = [header[4], header[5]];
        let width = u16::from_le_bytes([header[6], header[7]]);
        let height = u16::from_le_bytes([header[8], header[9]]);
        let pixels = usize::from(width) * usize::from(height);
        if width == 0 || height == 0 || size != HEADER + pixels {
            return Err(bad(format!(
                "record {number} (at byte {at}) is not a GNT record: its size {size} is not the \
                 {HEADER} header bytes and its {width}×{height} bitmap"
            )));
        }
        let mut bitmap = vec![0u8; pixels];
        let got = read_up_to(&mut reader, &mut bitmap).map_err(read_error)?;
        if got < pixels {
            return Err(bad(format!(
                "truncated: record {number} (at byte {at}, {}) has {got} of its {pixels} bitmap \
                 bytes",
                gb_character(code)
            )));
        }
        let image =
            GrayImage::from_raw(u32::from(width), u32::from(height), bitmap).ok_or_else(|| {
                bad(format!(
                    "record {number}: its bitmap does not fit in memory"
                ))
            })?;
        records.push((gb_character(code), image));
        at += size as u64;
    }
    Ok(records)
}

/// Reads into `buffer` until it is full or the stream ends; how much was read.
fn read_up_to(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

impl Dataset {
    /// Reads CASIA-HWDB's GNT files: `path` one file or a folder of `.gnt` files (read in
    /// name order), each record a glyph labelled by the character its GB code stands for.
    /// Glyphs are named `FILE#RECORD`.
    ///
    /// # Errors
    /// [`Error::Read`] when a file cannot be read; [`Error::Data`] when a folder holds no
    /// `.gnt` file, or a file is empty, truncated or holds a record whose size does not fit
    /// its bitmap; [`Error::NotEnoughData`] with fewer than two classes.
    pub fn from_gnt(path: &Path) -> Result<Dataset> {
        let files: Vec<PathBuf> = if path.is_dir() {
            let files = files_in(path, is_gnt_file)?;
            if files.is_empty() {
                return Err(Error::Data {
                    path: path.to_path_buf(),
                    reason: "no .gnt files here".to_string(),
                });
            }
            files
        } else {
            vec![path.to_path_buf()]
        };
        // Files in parallel (a folder of CASIA's holds one per writer), records in order.
        use rayon::prelude::*;
        let read: Vec<Vec<(String, GrayImage)>> = files
            .par_iter()
            .map(|file| read_file(file))
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Result<_>>()?;
        let mut decoded = Vec::new();
        for (file, records) in files.iter().zip(read) {
            let name = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let width = records.len().to_string().len();
            decoded.extend(records.into_iter().enumerate().map(|(i, (label, image))| {
                let at = PathBuf::from(format!("{name}#{i:0width$}"));
                (label, at, GlyphImage::load_grey(image))
            }));
        }
        let mut dataset = assemble(
            &root_of(path),
            decoded,
            Vec::new(),
            Origin::Data,
            Vec::new(),
            0,
        )?;
        dataset.files = files;
        dataset.format = super::Format::Gnt;
        Ok(dataset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GNT record of `code` and a `width`×`height` bitmap with a dark bar down or across.
    fn record(code: [u8; 2], width: u16, height: u16, down: bool) -> Vec<u8> {
        let mut bytes = (HEADER as u32 + u32::from(width) * u32::from(height))
            .to_le_bytes()
            .to_vec();
        bytes.extend_from_slice(&code);
        bytes.extend_from_slice(&width.to_le_bytes());
        bytes.extend_from_slice(&height.to_le_bytes());
        for y in 0..height {
            for x in 0..width {
                let on = if down {
                    x == width / 2
                } else {
                    y == height / 2
                };
                bytes.push(if on { 0 } else { 255 });
            }
        }
        bytes
    }

    #[test]
    fn gb_codes_name_their_characters() {
        assert_eq!(gb_character([0xD2, 0xBB]), "一");
        assert_eq!(gb_character([0xB0, 0xA1]), "啊");
        assert_eq!(gb_character([0xA3, 0xB0]), "０");
        assert_eq!(gb_character([0xFF, 0xFF]), "GB+FFFF");
    }

    #[test]
    fn records_of_several_sizes_read_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("1001-c.gnt");
        let bytes = [
            record([0xD2, 0xBB], 12, 9, false),
            record([0xB6, 0xFE], 10, 14, true),
            record([0xD2, 0xBB], 11, 11, false),
        ]
        .concat();
        std::fs::write(&path, &bytes).expect("written");
        let dataset = Dataset::from_gnt(&path).expect("read");
        assert_eq!(dataset.classes, ["一", "二"]);
        assert_eq!(dataset.class_counts(), [2, 1]);
        assert_eq!(dataset.glyphs[1].path, Path::new("1001-c.gnt#2"));
        assert_eq!(dataset.format, super::super::Format::Gnt);
        // The same records cut short, or with a size that does not fit: errors naming where.
        let cut = dir.path().join("cut.gnt");
        std::fs::write(&cut, &bytes[..bytes.len() - 5]).expect("written");
        let err = Dataset::from_gnt(&cut).unwrap_err().to_string();
        assert!(
            err.contains("truncated: record 3 (at byte 268, 一) has 116 of its 121 bitmap bytes"),
            "{err}"
        );
        let mut wrong = bytes.clone();
        wrong[0] = 7;
        let odd = dir.path().join("odd.gnt");
        std::fs::write(&odd, &wrong).expect("written");
        let err = Dataset::from_gnt(&odd).unwrap_err().to_string();
        assert!(
            err.contains("record 1 (at byte 0) is not a GNT record: its size 7"),
            "{err}"
        );
        let empty = dir.path().join("empty.gnt");
        std::fs::write(&empty, b"").expect("written");
        assert!(Dataset::from_gnt(&empty)
            .unwrap_err()
            .to_string()
            .contains("empty file"));
    }
}
