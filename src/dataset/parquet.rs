//! Hugging Face datasets as the Hub serves them: Parquet files (one split in one or several
//! shards, `train-00000-of-00002.parquet`), an image column of `{bytes, path}` structs that
//! hold encoded images (PNG, JPEG), a label column of whole numbers, and the class names in
//! the file's `huggingface` metadata (`info.features.<label>.names`). Rows are read one row
//! group at a time and each group's images decoded in parallel, so only the decoded glyphs
//! stay in memory.

use std::path::{Path, PathBuf};

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row};
use rayon::prelude::*;
use serde_json::Value;

use super::{assemble, files_in, open_data_file, root_of, Dataset, Origin};
use crate::error::{Error, Result};
use crate::glyph::{DecodeError, GlyphImage};

/// How to read Parquet files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParquetOptions {
    /// Which split's shards to read where a folder holds several (`train`, `test`); without
    /// it, `train`.
    pub split: Option<String>,
    /// The label column; without it, the one the metadata calls a `ClassLabel`, else one
    /// named `label` (or `labels`, `class`, `target`).
    pub label_column: Option<String>,
}

/// Whether `path` is a Parquet file by its name.
pub fn is_parquet_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// The split a shard belongs to, by its name: `train-00000-of-00002.parquet` is `train`.
fn split_of(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let first = name.split(['-', '_', '.']).next()?;
    ["train", "test", "validation", "valid", "val", "dev"]
        .contains(&first)
        .then(|| first.to_string())
}

/// The columns a file's metadata and schema say hold the images and the labels, and the
/// class names.
struct Columns {
    image: String,
    label: String,
    names: Option<Vec<String>>,
}

fn columns(
    file: &Path,
    reader: &SerializedFileReader<std::fs::File>,
    wanted: Option<&str>,
) -> Result<Columns> {
    let bad = |reason: String| Error::Data {
        path: file.to_path_buf(),
        reason,
    };
    let metadata = reader.metadata().file_metadata();
    let fields: Vec<String> = (metadata.schema_descr().root_schema().get_fields().iter())
        .map(|f| f.name().to_string())
        .collect();
    let features: Option<Value> = (metadata.key_value_metadata())
        .and_then(|kv| kv.iter().find(|kv| kv.key == "huggingface"))
        .and_then(|kv| kv.value.as_deref())
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .and_then(|v| v.pointer("/info/features").cloned());
    let kind = |column: &str| {
        (features.as_ref())
            .and_then(|f| f.get(column))
            .and_then(|f| f.get("_type"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let listed = fields.join(", ");
    let named = |names: &[&str]| {
        (names.iter()).find_map(|n| fields.iter().find(|f| f.eq_ignore_ascii_case(n)).cloned())
    };
    let image = (fields.iter().find(|f| kind(f).as_deref() == Some("Image")).cloned())
        .or_else(|| named(&["image", "img", "images", "picture"]))
        .ok_or_else(|| bad(format!("no image column (Hugging Face's Image feature, or a column named image); the columns are: {listed}")))?;
    let label = match wanted {
        Some(wanted) => fields.iter().find(|f| *f == wanted).cloned().ok_or_else(|| {
            bad(format!("no column named {wanted:?} for the label; the columns are: {listed}"))
        })?,
        None => (fields.iter().find(|f| kind(f).as_deref() == Some("ClassLabel")).cloned())
            .or_else(|| named(&["label", "labels", "class", "target"]))
            .ok_or_else(|| bad(format!("no label column (Hugging Face's ClassLabel feature, or a column named label; --label-column NAME says which); the columns are: {listed}")))?,
    };
    let names = (features.as_ref())
        .and_then(|f| f.get(&label))
        .and_then(|f| f.get("names"))
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .map(|n| n.as_str().map_or_else(|| n.to_string(), str::to_string))
                .collect()
        });
    Ok(Columns {
        image,
        label,
        names,
    })
}

/// The encoded image a row's image field holds: the `bytes` of a `{bytes, path}` struct, or
/// the field itself when it is plain bytes.
fn image_bytes(field: &Field) -> Option<&[u8]> {
    match field {
        Field::Bytes(bytes) => Some(bytes.data()),
        Field::Group(row) => row.get_column_iter().find_map(|(name, field)| match field {
            Field::Bytes(bytes) if name == "bytes" => Some(bytes.data()),
            _ => None,
        }),
        _ => None,
    }
}

/// A row's label as a name: a whole number named by `names`, or text.
/// Why a row has no label: a row to skip, or a label the class names do not cover, which
/// means they do not fit the file (an error).
#[derive(Debug, PartialEq)]
enum NoLabel {
    Skip(String),
    OutOfRange(String),
}

fn label_of(field: &Field, names: Option<&[String]>) -> std::result::Result<String, NoLabel> {
    let number = match field {
        Field::Str(text) => return Ok(text.clone()),
        Field::Byte(v) => i64::from(*v),
        Field::Short(v) => i64::from(*v),
        Field::Int(v) => i64::from(*v),
        Field::Long(v) => *v,
        Field::UByte(v) => i64::from(*v),
        Field::UShort(v) => i64::from(*v),
        Field::UInt(v) => i64::from(*v),
        Field::ULong(v) => i64::try_from(*v).unwrap_or(i64::MAX),
        Field::Null => return Err(NoLabel::Skip("no label (null)".to_string())),
        other => {
            return Err(NoLabel::Skip(format!(
                "a label of {other} is not a whole number or text"
            )))
        }
    };
    match names {
        None => Ok(number.to_string()),
        Some(names) => usize::try_from(number)
            .ok()
            .and_then(|i| names.get(i))
            .cloned()
            .ok_or_else(|| {
                NoLabel::OutOfRange(format!(
                    "label {number} is out of range: the metadata names {} classes",
                    names.len()
                ))
            }),
    }
}

type Decoded = Vec<(
    String,
    PathBuf,
    std::result::Result<crate::glyph::Loaded, DecodeError>,
)>;

/// The rows of one shard, decoded; a row without an image or label is skipped with why.
fn read_shard(file: &Path, wanted: Option<&str>) -> Result<(Decoded, Vec<super::Skipped>)> {
    let bad = |reason: String| Error::Data {
        path: file.to_path_buf(),
        reason,
    };
    // The reader seeks to the footer first: the file itself, its size checked.
    let (opened, _) = open_data_file(file)?;
    let reader = SerializedFileReader::new(opened.into_inner())
        .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
    let columns = columns(file, &reader, wanted)?;
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let rows = usize::try_from(reader.metadata().file_metadata().num_rows()).unwrap_or(0);
    let width = rows.to_string().len();
    let mut decoded = Vec::with_capacity(rows);
    let mut skipped = Vec::new();
    let mut index = 0usize;
    for group in 0..reader.num_row_groups() {
        let group_reader = reader
            .get_row_group(group)
            .map_err(|e| bad(format!("row group {group}: {e}")))?;
        // The group's encoded images and labels, then decoded in parallel.
        let mut pending: Vec<(String, PathBuf, Vec<u8>)> = Vec::new();
        let rows = group_reader
            .get_row_iter(None)
            .map_err(|e| bad(format!("row group {group}: {e}")))?;
        for row in rows {
            let row: Row = row.map_err(|e| bad(format!("row {index}: {e}")))?;
            let at = PathBuf::from(format!("{name}#{index:0width$}"));
            index += 1;
            let field = |column: &str| {
                row.get_column_iter()
                    .find(|(name, _)| *name == column)
                    .map(|(_, field)| field)
            };
            let label = field(&columns.label)
                .ok_or_else(|| NoLabel::Skip("no label".to_string()))
                .and_then(|f| label_of(f, columns.names.as_deref()));
            let label = match label {
                Ok(label) => label,
                Err(NoLabel::OutOfRange(reason)) => {
                    return Err(bad(format!("row {}: {reason}", index - 1)))
                }
                Err(NoLabel::Skip(reason)) => {
                    skipped.push(super::Skipped { path: at, reason });
                    continue;
                }
            };
            match field(&columns.image).and_then(image_bytes) {
                Some(bytes) => pending.push((label, at, bytes.to_vec())),
                None => skipped.push(super::Skipped {
                    path: at,
                    reason: "no image bytes in its image column".to_string(),
                }),
            }
        }
        decoded.extend(
            pending
                .into_par_iter()
                .map(|(label, at, bytes)| (label, at, GlyphImage::load(&bytes)))
                .collect::<Vec<_>>(),
        );
    }
    Ok((decoded, skipped))
}

impl Dataset {
    /// Reads Parquet files as Hugging Face writes them: one file, or a folder of shards (of
    /// one split, or of several: `split` chooses, default `train`). The image column is the
    /// one the metadata calls an `Image` (else `image`), the label column its `ClassLabel`
    /// (else `label`, or `label_column`), named by the metadata's class names. Glyphs are
    /// named `SHARD#ROW`; a row whose image does not decode is skipped and listed.
    ///
    /// # Errors
    /// [`Error::Read`] when a file cannot be read; [`Error::Data`] when one is not Parquet or
    /// is truncated, has no image or label column (the message lists the columns), a label is
    /// out of the range the class names cover, or no shard of the split is there;
    /// [`Error::NotEnoughData`] with fewer than two classes.
    pub fn from_parquet(path: &Path, options: &ParquetOptions) -> Result<Dataset> {
        let (files, others) = if path.is_dir() {
            let all = files_in(path, is_parquet_file)?;
            let mut splits: Vec<String> = all.iter().filter_map(|p| split_of(p)).collect();
            splits.sort();
            splits.dedup();
            let chosen = match &options.split {
                Some(split) => Some(split.clone()),
                None if splits.iter().any(|s| s == "train") => Some("train".to_string()),
                None => None,
            };
            let files: Vec<PathBuf> = (all.iter())
                .filter(|p| chosen.is_none() || split_of(p) == chosen)
                .cloned()
                .collect();
            if files.is_empty() {
                let names: Vec<String> = (all.iter())
                    .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .collect();
                return Err(Error::Data {
                    path: path.to_path_buf(),
                    reason: match &options.split {
                        Some(split) => format!(
                            "no Parquet shard of split {split:?} here; the files are: {}",
                            if names.is_empty() {
                                "none".to_string()
                            } else {
                                names.join(", ")
                            }
                        ),
                        None => "no .parquet files here".to_string(),
                    },
                });
            }
            let others = splits
                .into_iter()
                .filter(|s| Some(s) != chosen.as_ref())
                .collect();
            (files, others)
        } else {
            (vec![path.to_path_buf()], Vec::new())
        };
        let mut decoded = Vec::new();
        let mut skipped = Vec::new();
        for file in &files {
            let (rows, bad_rows) = read_shard(file, options.label_column.as_deref())?;
            decoded.extend(rows);
            skipped.extend(bad_rows);
        }
        let root = root_of(path);
        let split = files.first().and_then(|f| split_of(f));
        let mut dataset = assemble(&root, decoded, Vec::new(), Origin::Data, skipped, 0)?;
        dataset.files = files;
        dataset.other_splits = others;
        dataset.format = super::Format::Parquet;
        dataset.split = split;
        Ok(dataset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_say_their_split() {
        assert_eq!(
            split_of(Path::new("data/train-00000-of-00002.parquet")).as_deref(),
            Some("train")
        );
        assert_eq!(
            split_of(Path::new("test-00000-of-00001.parquet")).as_deref(),
            Some("test")
        );
        assert_eq!(split_of(Path::new("digits.parquet")), None);
    }

    #[test]
    fn labels_are_named_by_the_metadata_or_refused() {
        let names = vec!["zero".to_string(), "one".to_string()];
        assert_eq!(
            label_of(&Field::Long(1), Some(&names)),
            Ok("one".to_string())
        );
        assert_eq!(label_of(&Field::Int(7), None), Ok("7".to_string()));
        assert_eq!(
            label_of(&Field::Str("b".into()), Some(&names)),
            Ok("b".to_string())
        );
        let err = label_of(&Field::Long(2), Some(&names)).unwrap_err();
        assert_eq!(
            err,
            NoLabel::OutOfRange("label 2 is out of range: the metadata names 2 classes".into())
        );
        assert_eq!(
            label_of(&Field::Null, None),
            Err(NoLabel::Skip("no label (null)".into()))
        );
    }
}
