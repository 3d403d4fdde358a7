//! Pixel CSVs: one image per row, a label column and one column per pixel, row after row of
//! a square image (Kaggle's Digit Recognizer `label,pixel0..pixel783`; "A-Z Handwritten Data",
//! label first and no header). The file is streamed: only the images are kept.

use std::path::{Path, PathBuf};

use image::GrayImage;

use super::idx::read_mapping;
use super::{assemble, open_data_file, root_of, Dataset, Origin, Skipped};
use crate::error::{Error, Result};
use crate::glyph::GlyphImage;

/// How to read a pixel CSV.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PixelCsvOptions {
    /// The header's name of the label column; without it, a column named `label` (or `class`,
    /// `target`, `y`) when there is a header, else the first column.
    pub label_column: Option<String>,
    /// Label names for whole-number labels: EMNIST's `index code` lines or one name per line.
    pub mapping: Option<PathBuf>,
}

/// Header names taken for the label column when none is given.
const LABEL_NAMES: [&str; 4] = ["label", "class", "target", "y"];

/// What became of one row.
enum Row {
    Glyph(String, GrayImage),
    Skipped(String),
}

impl Dataset {
    /// Reads a pixel CSV: every row a label and the grey levels of a square image, row by row
    /// (whole numbers 0 to 255, or numbers from 0 to 1 scaled to that). A first row with a
    /// field that is no number is a header. Rows with the wrong number of fields or a pixel
    /// that is no grey level are skipped and listed (as `FILE:LINE`), the rest read.
    ///
    /// # Errors
    /// [`Error::Read`] when the file cannot be read; [`Error::Data`] when it has no rows, the
    /// label column named is not in the header, a header has no label column, the pixel
    /// columns do not make a square image, or a label has no name in the mapping;
    /// [`Error::NotEnoughData`] with fewer than two classes.
    pub fn from_pixel_csv(path: &Path, options: &PixelCsvOptions) -> Result<Dataset> {
        let bad = |reason: String| Error::Data {
            path: path.to_path_buf(),
            reason,
        };
        let (file, _) = open_data_file(path)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(std::io::BufReader::with_capacity(1 << 20, file));
        let csv_error = |err: csv::Error| bad(err.to_string());
        let mut record = csv::ByteRecord::new();
        if !reader.read_byte_record(&mut record).map_err(csv_error)? {
            return Err(bad("empty file: no rows".to_string()));
        }
        let header = record.iter().any(|field| number(field).is_none());
        let columns = record.len();
        let label_at = if header {
            let names: Vec<String> = (record.iter())
                .map(|f| String::from_utf8_lossy(f).trim().to_string())
                .collect();
            label_column(&names, options.label_column.as_deref()).map_err(bad)?
        } else if let Some(name) = &options.label_column {
            return Err(bad(format!(
                "--label-column {name}: the file has no header to name its columns (its first \
                 row is numbers); the label is its first column"
            )));
        } else {
            0
        };
        let pixels = columns.saturating_sub(1);
        let side = (pixels as f64).sqrt().round() as usize;
        if pixels == 0 || side * side != pixels {
            return Err(bad(format!(
                "{pixels} pixel columns beside the label do not make a square image (28×28 is \
                 784)"
            )));
        }
        let names = match &options.mapping {
            Some(mapping) => Some((read_mapping(mapping)?, mapping.as_path())),
            None => None,
        };
        let side32 = u32::try_from(side).unwrap_or(u32::MAX);
        // Each row with its 1-based line in the file.
        let mut rows: Vec<(u64, Row)> = Vec::new();
        let mut values = Vec::with_capacity(pixels);
        let mut line = 1u64;
        if !header {
            rows.push((line, read_row(&record, label_at, side32, &mut values)));
        }
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                // A line that is not CSV (bad quoting, not UTF-8 where it matters) is skipped.
                Err(err) => {
                    line += 1;
                    rows.push((line, Row::Skipped(err.to_string())));
                    continue;
                }
            }
            line = record.position().map_or(line + 1, |p| p.line());
            let row = if record.len() == columns {
                read_row(&record, label_at, side32, &mut values)
            } else {
                Row::Skipped(format!(
                    "{} fields, where the {} has {columns}",
                    record.len(),
                    if header { "header" } else { "first row" }
                ))
            };
            rows.push((line, row));
        }
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let width = line.to_string().len();
        let at = |line: u64| PathBuf::from(format!("{name}:{line:0width$}"));
        let mut decoded = Vec::with_capacity(rows.len());
        let mut skipped = Vec::new();
        for (line, row) in rows {
            match row {
                Row::Glyph(label, image) => {
                    let label = match &names {
                        Some((names, mapping)) => name_of(&label, names).ok_or_else(|| {
                            bad(format!(
                                "line {line}: label {label} has no name in the mapping {}",
                                mapping.display()
                            ))
                        })?,
                        None => label,
                    };
                    decoded.push((label, at(line), GlyphImage::load_grey(image)));
                }
                Row::Skipped(reason) => skipped.push(Skipped {
                    path: at(line),
                    reason,
                }),
            }
        }
        let mut dataset = assemble(
            &root_of(path),
            decoded,
            Vec::new(),
            Origin::Data,
            skipped,
            0,
        )?;
        dataset.files = vec![path.to_path_buf()];
        dataset.format = super::Format::PixelCsv;
        Ok(dataset)
    }
}

/// The label column's index among the header's `names`: the one `wanted` names, else the
/// first of [`LABEL_NAMES`] there (in any case).
fn label_column(names: &[String], wanted: Option<&str>) -> std::result::Result<usize, String> {
    let listed = || {
        let shown: Vec<&str> = names.iter().take(6).map(String::as_str).collect();
        let more = names.len().saturating_sub(shown.len());
        format!(
            "{}{}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    };
    match wanted {
        Some(wanted) => names.iter().position(|n| n == wanted).ok_or_else(|| {
            format!(
                "no column named {wanted:?} for the label; the header names {}",
                listed()
            )
        }),
        None => (LABEL_NAMES.iter())
            .find_map(|label| names.iter().position(|n| n.eq_ignore_ascii_case(label)))
            .ok_or_else(|| {
                format!(
                    "the header names no label column ({}); --label-column NAME says which it \
                     is (a file of pixels alone, as Kaggle's test.csv, has no labels to judge by)",
                    listed()
                )
            }),
    }
}

/// The name `mapping` gives a whole-number label.
fn name_of(label: &str, mapping: &[(i64, String)]) -> Option<String> {
    let value: i64 = label.trim().parse().ok()?;
    (mapping.iter())
        .find(|(index, _)| *index == value)
        .map(|(_, name)| name.clone())
}

/// A field as a number, if it is one.
fn number(field: &[u8]) -> Option<f64> {
    std::str::from_utf8(field).ok()?.trim().parse().ok()
}

/// One data row: its label and its image, or why it was skipped. `values` is scratch space.
fn read_row(record: &csv::ByteRecord, label_at: usize, side: u32, values: &mut Vec<f64>) -> Row {
    let label = match record.get(label_at).map(std::str::from_utf8) {
        Some(Ok(label)) if !label.trim().is_empty() => label.trim().to_string(),
        Some(Ok(_)) | None => return Row::Skipped("no label".to_string()),
        Some(Err(_)) => return Row::Skipped("the label is not UTF-8 text".to_string()),
    };
    let fields = (record.iter().enumerate()).filter(|&(i, _)| i != label_at);
    // Whole numbers 0..=255, the common case, straight to bytes.
    let bytes: Option<Vec<u8>> = fields.clone().map(|(_, f)| grey_byte(f)).collect();
    let pixels = match bytes {
        Some(bytes) => bytes,
        None => {
            values.clear();
            for (column, field) in fields {
                match number(field) {
                    Some(v) if v.is_finite() && v >= 0.0 => values.push(v),
                    _ => {
                        return Row::Skipped(format!(
                            "column {}: {:?} is not a grey level (0 to 255, or 0 to 1)",
                            column + 1,
                            String::from_utf8_lossy(field)
                        ))
                    }
                }
            }
            let max = values.iter().copied().fold(0.0, f64::max);
            if max > 255.0 {
                return Row::Skipped(format!(
                    "a pixel of {max} is above 255, the brightest grey level"
                ));
            }
            // Numbers up to 1 are fractions of white.
            let scale = if max <= 1.0 { 255.0 } else { 1.0 };
            values
                .iter()
                .map(|v| (v * scale).round().clamp(0.0, 255.0) as u8)
                .collect()
        }
    };
    match GrayImage::from_raw(side, side, pixels) {
        Some(image) => Row::Glyph(label, image),
        None => Row::Skipped("its pixels do not fill a square image".to_string()),
    }
}

/// A whole number from 0 to 255, written plainly.
fn grey_byte(field: &[u8]) -> Option<u8> {
    let digits = field.trim_ascii();
    if digits.is_empty() || digits.len() > 3 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = (digits.iter()).fold(0u16, |v, &d| v * 10 + u16::from(d - b'0'));
    u8::try_from(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A 4×4 image: a bar down the middle (ink 255 on 0), or across.
    fn bar(down: bool) -> Vec<u8> {
        (0..16)
            .map(|i| {
                let (x, y) = (i % 4, i / 4);
                let on = if down {
                    x == 1 || x == 2
                } else {
                    y == 1 || y == 2
                };
                if on {
                    255
                } else {
                    0
                }
            })
            .collect()
    }

    fn row(label: &str, pixels: &[u8]) -> String {
        let values: Vec<String> = pixels.iter().map(u8::to_string).collect();
        format!("{label},{}\n", values.join(","))
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        let mut file = std::fs::File::create(&path).expect("temp file");
        file.write_all(text.as_bytes()).expect("written");
        path
    }

    fn header() -> String {
        let pixels: Vec<String> = (0..16).map(|i| format!("pixel{i}")).collect();
        format!("label,{}\n", pixels.join(","))
    }

    #[test]
    fn a_headed_file_and_a_bare_one_read_alike() {
        let dir = tempfile::tempdir().expect("tempdir");
        let body = [
            row("1", &bar(true)),
            row("0", &bar(false)),
            row("1", &bar(true)),
        ]
        .concat();
        let headed = write(dir.path(), "train.csv", &(header() + &body));
        let bare = write(dir.path(), "bare.csv", &body);
        let options = PixelCsvOptions::default();
        let a = Dataset::from_pixel_csv(&headed, &options).expect("read");
        let b = Dataset::from_pixel_csv(&bare, &options).expect("read");
        assert_eq!(a.classes, ["0", "1"]);
        assert_eq!(a.class_counts(), [1, 2]);
        assert_eq!(b.class_counts(), [1, 2]);
        // Named by file and line: the header is line 1.
        assert_eq!(a.glyphs[0].path, Path::new("train.csv:3"));
        assert_eq!(b.glyphs[0].path, Path::new("bare.csv:2"));
        assert_eq!(
            a.glyphs[0].image.pixels.as_raw(),
            b.glyphs[0].image.pixels.as_raw()
        );
        assert_eq!(a.files, [headed]);
    }

    #[test]
    fn fractions_of_white_are_scaled_and_bad_rows_skipped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fraction: Vec<String> = bar(true)
            .iter()
            .map(|&v| if v == 255 { "1.0".into() } else { "0".into() })
            .collect();
        let text = [
            header(),
            format!("1,{}\n", fraction.join(",")),
            row("0", &bar(false)),
            row("0", &bar(false)[..15]),
            format!("0,{}\n", ["300"; 16].join(",")),
            format!("0,{}\n", ["x"; 16].join(",")),
        ]
        .concat();
        let path = write(dir.path(), "mixed.csv", &text);
        let dataset = Dataset::from_pixel_csv(&path, &PixelCsvOptions::default()).expect("read");
        assert_eq!(dataset.class_counts(), [1, 1]);
        let down = &dataset.glyphs[1].image.pixels;
        assert_eq!(down.get_pixel(1, 0).0[0], 255);
        let reasons: Vec<(String, &str)> = (dataset.skipped.iter())
            .map(|s| (s.path.display().to_string(), s.reason.as_str()))
            .collect();
        assert_eq!(reasons[0].0, "mixed.csv:4");
        assert!(
            reasons[0].1.contains("16 fields, where the header has 17"),
            "{reasons:?}"
        );
        assert!(reasons[1].1.contains("above 255"), "{reasons:?}");
        assert!(
            reasons[2].1.contains("column 2: \"x\" is not a grey level"),
            "{reasons:?}"
        );
    }

    #[test]
    fn the_label_column_is_found_named_or_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pixels: Vec<String> = (0..16).map(|i| format!("p{i}")).collect();
        let last = |label: &str, image: &[u8]| {
            let values: Vec<String> = image.iter().map(u8::to_string).collect();
            format!("{},{label}\n", values.join(","))
        };
        let text = format!("{},digit\n", pixels.join(","))
            + &last("a", &bar(true))
            + &last("b", &bar(false));
        let path = write(dir.path(), "last.csv", &text);
        let refused = Dataset::from_pixel_csv(&path, &PixelCsvOptions::default()).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("the header names no label column (p0, p1, p2, p3, p4, p5 and 11 more)"),
            "{refused}"
        );
        let named = PixelCsvOptions {
            label_column: Some("digit".into()),
            ..Default::default()
        };
        let dataset = Dataset::from_pixel_csv(&path, &named).expect("read");
        assert_eq!(dataset.classes, ["a", "b"]);
        let wrong = PixelCsvOptions {
            label_column: Some("letter".into()),
            ..Default::default()
        };
        let err = Dataset::from_pixel_csv(&path, &wrong)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no column named \"letter\""), "{err}");
    }

    #[test]
    fn a_mapping_names_the_labels_and_a_label_it_lacks_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let body = row("0", &bar(true)) + &row("1", &bar(false));
        let path = write(dir.path(), "az.csv", &body);
        let mapping = write(dir.path(), "letters.txt", "A\nB\n");
        let options = PixelCsvOptions {
            mapping: Some(mapping.clone()),
            ..Default::default()
        };
        let dataset = Dataset::from_pixel_csv(&path, &options).expect("read");
        assert_eq!(dataset.classes, ["A", "B"]);
        let short = write(dir.path(), "short.txt", "A\n");
        let options = PixelCsvOptions {
            mapping: Some(short),
            ..Default::default()
        };
        let err = Dataset::from_pixel_csv(&path, &options)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("az.csv: line 2: label 1 has no name in the mapping"),
            "{err}"
        );
    }

    #[test]
    fn files_that_are_not_pixel_csvs_say_why() {
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = write(dir.path(), "empty.csv", "");
        let err = Dataset::from_pixel_csv(&empty, &PixelCsvOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: empty file: no rows", empty.display())
        );
        let odd = write(dir.path(), "odd.csv", "1,0,0,0,0,0\n2,0,0,0,0,0\n");
        let err = Dataset::from_pixel_csv(&odd, &PixelCsvOptions::default()).unwrap_err();
        assert!(err
            .to_string()
            .contains("5 pixel columns beside the label do not make a square"));
        let missing = dir.path().join("missing.csv");
        let err = Dataset::from_pixel_csv(&missing, &PixelCsvOptions::default()).unwrap_err();
        assert!(err.to_string().starts_with("cannot read"), "{err}");
    }
}
