//! The IDX format of MNIST, EMNIST, Fashion-MNIST and KMNIST: images and labels, gzipped or
//! not, any element type, with label names from a mapping file.
//!
//! An IDX file starts with two zero bytes, a type byte (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32,
//! 0x0D f32, 0x0E f64) and the number of dimensions, then one big-endian u32 per dimension,
//! then the elements, big-endian, row-major. Images are `[n, rows, cols]` (magic 0x00000803
//! for u8), labels `[n]` (0x00000801).

use std::io::Read;
use std::path::{Path, PathBuf};

use image::GrayImage;
use rayon::prelude::*;

use super::{Dataset, Origin};
use crate::error::{Error, Result};

/// An IDX array as read: its shape and its elements as `f64`.
#[derive(Clone, Debug, PartialEq)]
pub struct IdxArray {
    /// The size of each dimension.
    pub shape: Vec<usize>,
    /// The element type byte from the header.
    pub element_type: u8,
    /// The elements, row-major. Kept as bytes for u8 files (most of them), converted otherwise.
    pub data: IdxData,
}

/// The elements of an IDX array.
#[derive(Clone, Debug, PartialEq)]
pub enum IdxData {
    /// Unsigned bytes, as stored.
    Bytes(Vec<u8>),
    /// Any other type, converted to `f64`.
    Numbers(Vec<f64>),
}

fn bad(path: &Path, reason: impl Into<String>) -> Error {
    Error::Idx {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Reads a whole file, un-gzipping it when it starts with the gzip magic bytes.
fn read_maybe_gzipped(path: &Path) -> Result<Vec<u8>> {
    let bytes = read_file(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        inflate(&bytes, path)
    } else {
        Ok(bytes)
    }
}

/// Inflates a gzipped IDX file no further than its header promises: the header first, then
/// exactly the bytes its dimensions and element type call for (and one more, to tell that
/// more follows). A stream of gigabytes behind a small header is refused, not inflated.
fn inflate(compressed: &[u8], path: &Path) -> Result<Vec<u8>> {
    let mut decoder = flate2::read::MultiGzDecoder::new(compressed);
    let gzip = |err: std::io::Error| bad(path, format!("not a valid gzip file: {err}"));
    let mut out = Vec::new();
    (&mut decoder).take(4).read_to_end(&mut out).map_err(gzip)?;
    let Some(&dims) = out.get(3) else {
        // Too short for a header: the layout check says so.
        return Ok(out);
    };
    (&mut decoder)
        .take(4 * u64::from(dims))
        .read_to_end(&mut out)
        .map_err(gzip)?;
    let width: u64 = match out[2] {
        0x0B => 2,
        0x0C | 0x0D => 4,
        0x0E => 8,
        _ => 1,
    };
    let promised = out[4..]
        .chunks_exact(4)
        .map(|d| u64::from(u32::from_be_bytes([d[0], d[1], d[2], d[3]])))
        .try_fold(width, u64::checked_mul)
        .and_then(|payload| payload.checked_add(out.len() as u64))
        .filter(|&total| total <= crate::input::FileKind::Idx.max())
        .ok_or_else(|| {
            bad(
                path,
                format!(
                    "its header promises more data than an IDX file may hold ({}; --max-file-size raises the limit)",
                    crate::input::size_text(crate::input::FileKind::Idx.max())
                ),
            )
        })?;
    let payload = promised - out.len() as u64;
    decoder
        .take(payload.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(gzip)?;
    if out.len() as u64 > promised {
        return Err(bad(
            path,
            format!("more data than its header promises ({promised} bytes inflated)"),
        ));
    }
    Ok(out)
}

/// Pieces a large file is read in, one per task.
const READ_PIECE: usize = 32 << 20;

/// A file's bytes. A large regular file is read in pieces in parallel: most of the time of
/// reading one from the page cache goes to copying and to faulting in the fresh pages, which
/// every core can share (EMNIST byclass is 638 MB).
fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    crate::input::regular_file(path, crate::input::FileKind::Idx.max())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let file = std::fs::File::open(path)?;
        let metadata = file.metadata()?;
        if metadata.is_file() {
            if let Ok(len) = usize::try_from(metadata.len()) {
                if len > READ_PIECE {
                    let mut bytes = vec![0u8; len];
                    bytes
                        .par_chunks_mut(READ_PIECE)
                        .enumerate()
                        .try_for_each(|(i, piece)| {
                            file.read_exact_at(piece, (i * READ_PIECE) as u64)
                        })?;
                    return Ok(bytes);
                }
            }
        }
    }
    crate::input::read_file(path, crate::input::FileKind::Idx.max())
}

/// Parses an IDX file (gzipped or not).
///
/// # Errors
/// [`Error::Read`] when it cannot be read; [`Error::Idx`] when the magic number, the element
/// type or the length does not fit the format.
pub fn read_idx(path: &Path) -> Result<IdxArray> {
    let mut bytes = read_maybe_gzipped(path)?;
    let layout = parse_layout(&bytes, path)?;
    if layout.element_type == 0x08 {
        // Bytes, the common case, keep the file's own buffer: the header is cut off in place
        // (the body moves down within it) rather than the body being copied into a second
        // buffer (638 MB for EMNIST byclass).
        bytes.truncate(layout.end);
        bytes.drain(..layout.start);
        return Ok(IdxArray {
            shape: layout.shape,
            element_type: layout.element_type,
            data: IdxData::Bytes(bytes),
        });
    }
    convert(&bytes, layout)
}

/// Where an IDX file's elements are, once its header has been checked.
struct Layout {
    shape: Vec<usize>,
    element_type: u8,
    /// The elements lie at `start..end`.
    start: usize,
    end: usize,
}

/// Parses IDX bytes; `path` names them in errors.
///
/// # Errors
/// As [`read_idx`].
pub fn parse_idx(bytes: &[u8], path: &Path) -> Result<IdxArray> {
    let layout = parse_layout(bytes, path)?;
    convert(bytes, layout)
}

/// Checks an IDX header against the bytes that follow it: where the elements are.
fn parse_layout(bytes: &[u8], path: &Path) -> Result<Layout> {
    if bytes.is_empty() {
        return Err(bad(path, "empty file (0 bytes)"));
    }
    if bytes.len() < 4 {
        return Err(bad(
            path,
            format!(
                "truncated header: {} bytes, an IDX header needs at least 4",
                bytes.len()
            ),
        ));
    }
    let magic = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(bad(
            path,
            format!("wrong magic number 0x{magic:08X}: an IDX file starts with two zero bytes (0x00000803 for images, 0x00000801 for labels)"),
        ));
    }
    let element_type = bytes[2];
    let width = match element_type {
        0x08 | 0x09 => 1,
        0x0B => 2,
        0x0C | 0x0D => 4,
        0x0E => 8,
        other => {
            return Err(bad(
                path,
                format!("wrong magic number 0x{magic:08X}: element type 0x{other:02X} is not an IDX type (0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E)"),
            ))
        }
    };
    let dims = usize::from(bytes[3]);
    if dims == 0 {
        return Err(bad(
            path,
            format!("magic number 0x{magic:08X} declares no dimensions"),
        ));
    }
    let header = 4 + 4 * dims;
    if bytes.len() < header {
        return Err(bad(
            path,
            format!(
                "truncated header: {} bytes, {dims} dimensions need {header}",
                bytes.len()
            ),
        ));
    }
    let shape: Vec<usize> = (0..dims)
        .map(|d| {
            let at = 4 + 4 * d;
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize
        })
        .collect();
    let count = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| bad(path, format!("dimensions {shape:?} overflow")))?;
    let expected = count
        .checked_mul(width)
        .and_then(|n| n.checked_add(header))
        .ok_or_else(|| bad(path, format!("dimensions {shape:?} overflow")))?;
    if bytes.len() < expected {
        return Err(bad(
            path,
            format!(
                "truncated: the header declares {shape:?} ({count} elements, {expected} bytes) but the file has {} bytes",
                bytes.len()
            ),
        ));
    }
    if bytes.len() > expected {
        // As for a gzipped file: what follows the promised data is no part of the dataset,
        // and reading past it silently would hide a file that is not what it says.
        return Err(bad(
            path,
            format!(
                "more data than its header promises: {shape:?} is {expected} bytes, the file has {}",
                bytes.len()
            ),
        ));
    }
    Ok(Layout {
        shape,
        element_type,
        start: header,
        end: expected,
    })
}

/// The elements of a checked IDX file, as bytes or as numbers.
fn convert(bytes: &[u8], layout: Layout) -> Result<IdxArray> {
    let Layout {
        shape,
        element_type,
        start: header,
        end: expected,
    } = layout;
    let body = &bytes[header..expected];
    let data = match element_type {
        0x08 => IdxData::Bytes(body.to_vec()),
        0x09 => IdxData::Numbers(body.iter().map(|&b| f64::from(b as i8)).collect()),
        0x0B => IdxData::Numbers(
            body.chunks_exact(2)
                .map(|c| f64::from(i16::from_be_bytes([c[0], c[1]])))
                .collect(),
        ),
        0x0C => IdxData::Numbers(
            body.chunks_exact(4)
                .map(|c| f64::from(i32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect(),
        ),
        0x0D => IdxData::Numbers(
            body.chunks_exact(4)
                .map(|c| f64::from(f32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect(),
        ),
        _ => IdxData::Numbers(
            body.chunks_exact(8)
                .map(|c| f64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
        ),
    };
    Ok(IdxArray {
        shape,
        element_type,
        data,
    })
}

/// IDX images and their labels, read and checked against each other.
#[derive(Clone, Debug)]
pub struct IdxDataset {
    /// The images, in file order, as grey bytes.
    pub images: Vec<GrayImage>,
    /// The label of each image, as a name.
    pub labels: Vec<String>,
}

/// Where the images of an IDX dataset come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxSource {
    /// The images file (`[n, rows, cols]`).
    pub images: PathBuf,
    /// The labels file (`[n]`).
    pub labels: PathBuf,
    /// Label names: EMNIST's `index code` lines, or one name per line.
    pub mapping: Option<PathBuf>,
    /// Whether images are stored transposed (EMNIST) and must be turned back.
    pub transpose: bool,
}

impl IdxSource {
    /// Finds an images/labels pair (and a mapping file, if any) in a folder: files whose names
    /// contain `idx3-ubyte` and `idx1-ubyte` (gzipped or not), and `mapping` for the mapping.
    /// `None` when the folder holds no such pair. With several pairs (MNIST's `train-*` and
    /// `t10k-*`), the training pair; see [`IdxSource::find_split_in`] to choose.
    pub fn find_in(dir: &Path) -> Option<IdxSource> {
        let found = IdxSource::find_split_in(dir, None).ok().flatten();
        found.map(|(source, _)| source)
    }

    /// [`IdxSource::find_in`], choosing among several pairs the one whose images file's name
    /// contains `split` (`train`, `t10k`, `test`, ...); without `split`, the pair whose name
    /// contains `train`, else the first by name. An images file pairs with the labels file of
    /// the same name with `labels` and `idx1` for `images` and `idx3`; a folder of one images
    /// and one labels file pairs them whatever their names. With the pair, the names of the
    /// other pairs' images files: what `split` could choose instead.
    ///
    /// # Errors
    /// [`Error::Idx`] when `split` matches none of the pairs (the message lists them).
    pub fn find_split_in(
        dir: &Path,
        split: Option<&str>,
    ) -> Result<Option<(IdxSource, Vec<String>)>> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(None);
        };
        let mut names: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        names.sort();
        let name_of = |p: &PathBuf| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let with = |needle: &str| -> Vec<&PathBuf> {
            names
                .iter()
                .filter(|p| name_of(p).contains(needle))
                .collect()
        };
        let (images, labels) = (with("idx3-ubyte"), with("idx1-ubyte"));
        let mapping = with("mapping").first().map(|p| (*p).clone());
        let pairs: Vec<(PathBuf, PathBuf)> = if images.len() == 1 && labels.len() == 1 {
            vec![(images[0].clone(), labels[0].clone())]
        } else {
            (images.iter())
                .filter_map(|image| {
                    let partner = name_of(image)
                        .replace("images", "labels")
                        .replace("idx3", "idx1");
                    let label = labels.iter().find(|l| name_of(l) == partner)?;
                    Some(((*image).clone(), (*label).clone()))
                })
                .collect()
        };
        let found = |(images, labels): &(PathBuf, PathBuf)| {
            let others = (pairs.iter())
                .filter(|(other, _)| other != images)
                .map(|(other, _)| name_of(other))
                .collect();
            let source = IdxSource {
                images: images.clone(),
                labels: labels.clone(),
                mapping: mapping.clone(),
                transpose: false,
            };
            (source, others)
        };
        let named = |word: &str| pairs.iter().find(|(i, _)| name_of(i).contains(word));
        match split {
            Some(split) => match named(split) {
                Some(pair) => Ok(Some(found(pair))),
                None => Err(Error::Idx {
                    path: dir.to_path_buf(),
                    reason: format!(
                        "no IDX pair here matches --split {split}; the images files are: {}",
                        if pairs.is_empty() {
                            "none".to_string()
                        } else {
                            (pairs.iter().map(|(i, _)| name_of(i)))
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    ),
                }),
            },
            None => Ok(named("train").or(pairs.first()).map(found)),
        }
    }

    /// Reads the pair, checks that they agree, and names the labels.
    ///
    /// # Errors
    /// [`Error::Idx`] when a file is not IDX, the images are not `[n, rows, cols]`, the labels
    /// not `[n]` whole numbers, the counts differ, or a label has no name in the mapping.
    pub fn read(&self) -> Result<IdxDataset> {
        let images = read_idx(&self.images)?;
        let labels = read_idx(&self.labels)?;
        let [n, rows, cols] = images.shape[..] else {
            return Err(bad(
                &self.images,
                format!(
                    "images must have 3 dimensions [count, rows, columns], not {:?}",
                    images.shape
                ),
            ));
        };
        if rows == 0 || cols == 0 {
            return Err(bad(
                &self.images,
                format!("images of {rows}×{cols} pixels hold nothing"),
            ));
        }
        let [label_count] = labels.shape[..] else {
            return Err(bad(
                &self.labels,
                format!(
                    "labels must have 1 dimension [count], not {:?}",
                    labels.shape
                ),
            ));
        };
        if label_count != n {
            return Err(Error::Idx {
                path: self.labels.clone(),
                reason: format!(
                    "count mismatch: {} holds {label_count} labels but {} holds {n} images",
                    self.labels.display(),
                    self.images.display()
                ),
            });
        }
        let label_values: Vec<i64> = match &labels.data {
            IdxData::Bytes(b) => b.iter().map(|&v| i64::from(v)).collect(),
            IdxData::Numbers(v) => v
                .iter()
                .map(|&x| {
                    if x.fract() == 0.0 && x.is_finite() {
                        Ok(x as i64)
                    } else {
                        Err(bad(
                            &self.labels,
                            format!("label {x} is not a whole number"),
                        ))
                    }
                })
                .collect::<Result<_>>()?,
        };
        let names = match &self.mapping {
            Some(path) => Some(read_mapping(path)?),
            None => None,
        };
        let labels = label_values
            .par_iter()
            .map(|&value| match &names {
                None => Ok(value.to_string()),
                Some(names) => names
                    .iter()
                    .find(|(index, _)| *index == value)
                    .map(|(_, name)| name.clone())
                    .ok_or_else(|| {
                        bad(
                            self.mapping.as_deref().unwrap_or(&self.labels),
                            format!("label {value} has no name in the mapping"),
                        )
                    }),
            })
            .collect::<Vec<Result<String>>>()
            .into_iter()
            // The first bad label in file order, whichever thread met it: the run reports the
            // same one every time.
            .collect::<Result<Vec<String>>>()?;
        let pixels = rows * cols;
        let (w, h) = if self.transpose {
            (rows, cols)
        } else {
            (cols, rows)
        };
        let (w32, h32) = (
            u32::try_from(w).unwrap_or(u32::MAX),
            u32::try_from(h).unwrap_or(u32::MAX),
        );
        let images = (0..n)
            .into_par_iter()
            .map(|i| {
                let raw: Vec<u8> = match &images.data {
                    IdxData::Bytes(b) => b[i * pixels..(i + 1) * pixels].to_vec(),
                    IdxData::Numbers(v) => to_grey(&v[i * pixels..(i + 1) * pixels]),
                };
                let raw = if self.transpose {
                    let mut turned = vec![0u8; pixels];
                    for r in 0..rows {
                        for c in 0..cols {
                            turned[c * rows + r] = raw[r * cols + c];
                        }
                    }
                    turned
                } else {
                    raw
                };
                GrayImage::from_raw(w32, h32, raw)
                    .ok_or_else(|| bad(&self.images, "image size does not fit in memory"))
            })
            .collect::<Vec<Result<GrayImage>>>()
            .into_iter()
            .collect::<Result<Vec<_>>>()?;
        Ok(IdxDataset { images, labels })
    }
}

/// How to read an IDX pair that a dataset folder holds: the caller's mapping file and
/// orientation, in place of what is found beside the pair.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdxOptions {
    /// Label names to use instead of a `mapping` file found in the folder.
    pub mapping: Option<PathBuf>,
    /// Which of several pairs in the folder to read (see [`IdxSource::find_split_in`]).
    pub split: Option<String>,
    /// Whether images are stored transposed (EMNIST) and must be turned back.
    pub transpose: bool,
}

impl Dataset {
    /// Reads an IDX images/labels pair (MNIST, EMNIST, ...), as [`IdxSource::read`] does.
    ///
    /// # Errors
    /// As [`IdxSource::read`], and [`Error::NotEnoughData`] with fewer than two classes.
    pub fn from_idx(source: &IdxSource) -> Result<Dataset> {
        let idx = source.read()?;
        let name = source.images.display().to_string();
        // A bare file name's parent is the empty path: the folder it is in is `.`.
        let root = source
            .images
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let mut dataset =
            Dataset::from_labelled(&root, &name, idx.images, idx.labels, Origin::Idx)?;
        dataset.files = vec![source.images.clone(), source.labels.clone()];
        // The split, as MNIST's and EMNIST's file names say it.
        let file_name = (source.images.file_name())
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        dataset.split = (["train", "t10k", "test"].into_iter())
            .find(|word| file_name.contains(word))
            .map(str::to_string);
        Ok(dataset)
    }
}

/// A non-byte image in grey levels, scaled by its own range: 0..1 floats and 0..255 ints
/// alike. The range is that of its finite values, so one infinite pixel cannot blank the rest
/// (it is white, or black when negative; NaN is black).
pub(super) fn to_grey(values: &[f64]) -> Vec<u8> {
    let max = (values.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let factor = if max <= 1.0 {
        255.0
    } else if max <= 255.0 {
        1.0
    } else {
        255.0 / max
    };
    values
        .iter()
        .map(|v| (v * factor).round().clamp(0.0, 255.0) as u8)
        .collect()
}

/// Reads label names: EMNIST's `index code` lines (the code an ASCII value), KMNIST's and
/// K49's `classmap.csv` (a header `index,codepoint,char`, then `0,U+3042,あ` rows), or one
/// name per line (the line number is the index).
///
/// # Errors
/// [`Error::Read`] or [`Error::Idx`] when the file cannot be read or a line does not fit.
pub fn read_mapping(path: &Path) -> Result<Vec<(i64, String)>> {
    let mapping = parse_mapping(path)?;
    // Two names for one index, or one name for two: classes would merge or vanish unseen.
    let mut names: std::collections::HashMap<&str, i64> = Default::default();
    let mut indices: std::collections::HashMap<i64, &str> = Default::default();
    for (index, name) in &mapping {
        if let Some(first) = indices.insert(*index, name) {
            return Err(bad(
                path,
                format!("index {index} is named twice ('{first}' and '{name}')"),
            ));
        }
        if let Some(first) = names.insert(name, *index) {
            return Err(bad(
                path,
                format!(
                    "'{name}' names two indices ({first} and {index}): their classes would \
                     merge"
                ),
            ));
        }
    }
    Ok(mapping)
}

/// A classmap CSV's names (KMNIST, K49): a header naming an `index` column and a `char` or
/// `codepoint` column (`U+3042`), then a row a class; `None` for a file of another kind.
fn classmap(path: &Path, lines: &[&str]) -> Result<Option<Vec<(i64, String)>>> {
    let Some(header) = lines.first() else {
        return Ok(None);
    };
    let columns: Vec<String> = header
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    let at = |name: &str| columns.iter().position(|c| c == name);
    let (Some(index_at), name_at) = (at("index"), at("char").or(at("character"))) else {
        return Ok(None);
    };
    let code_at = at("codepoint");
    if name_at.is_none() && code_at.is_none() {
        return Ok(None);
    }
    lines[1..]
        .iter()
        .enumerate()
        .map(|(n, line)| {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let line_error = |what: &str| bad(path, format!("line {}: {what}", n + 2));
            let index = (fields.get(index_at))
                .and_then(|f| f.parse::<i64>().ok())
                .ok_or_else(|| line_error("no whole-number index"))?;
            let from_code = || {
                let code = fields.get(code_at?)?;
                let hex = code
                    .strip_prefix("U+")
                    .or_else(|| code.strip_prefix("u+"))?;
                char::from_u32(u32::from_str_radix(hex, 16).ok()?).map(String::from)
            };
            let name = (name_at.and_then(|at| fields.get(at)))
                .filter(|name| !name.is_empty())
                .map(|name| (*name).to_string())
                .or_else(from_code)
                .ok_or_else(|| line_error("no character"))?;
            Ok((index, name))
        })
        .collect::<Result<_>>()
        .map(Some)
}

/// [`read_mapping`] before its check for names and indices given twice.
fn parse_mapping(path: &Path) -> Result<Vec<(i64, String)>> {
    let text =
        crate::input::read_text(path, crate::input::FileKind::Table.max()).map_err(|source| {
            Error::Read {
                path: path.to_path_buf(),
                source,
            }
        })?;
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if let Some(mapping) = classmap(path, &lines)? {
        return Ok(mapping);
    }
    let pairs = lines.iter().all(|line| {
        let parts: Vec<&str> = line.split_whitespace().collect();
        parts.len() == 2 && parts.iter().all(|p| p.parse::<i64>().is_ok())
    });
    if pairs && !lines.is_empty() {
        lines
            .iter()
            .enumerate()
            .map(|(n, line)| {
                let mut parts = line
                    .split_whitespace()
                    .map(|p| p.parse::<i64>().unwrap_or(-1));
                let (index, code) = (parts.next().unwrap_or(-1), parts.next().unwrap_or(-1));
                let name = u32::try_from(code)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| {
                        bad(
                            path,
                            format!("line {}: {code} is not a character code", n + 1),
                        )
                    })?;
                Ok((index, name.to_string()))
            })
            .collect()
    } else {
        Ok(lines
            .iter()
            .enumerate()
            .map(|(i, name)| (i as i64, (*name).to_string()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_classmap_csv_names_its_classes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k49_classmap.csv");
        std::fs::write(
            &path,
            "index,codepoint,char\n0,U+3042,あ\n1,U+3044,い\n2,U+309D,\n",
        )
        .unwrap();
        let mapping = read_mapping(&path).unwrap();
        assert_eq!(
            mapping,
            [
                (0, "あ".to_string()),
                (1, "い".to_string()),
                (2, "ゝ".to_string())
            ]
        );
        std::fs::write(&path, "index,codepoint,char\nzero,U+3042,あ\n").unwrap();
        let err = read_mapping(&path).unwrap_err().to_string();
        assert!(err.contains("line 2: no whole-number index"), "{err}");
        // A file of names whose first name is not a header stays a file of names.
        std::fs::write(&path, "index\nchar\n").unwrap();
        assert_eq!(read_mapping(&path).unwrap()[1], (1, "char".to_string()));
    }

    #[test]
    fn a_large_file_read_in_pieces_is_the_file() {
        // Two whole pieces and part of a third, each byte telling where it lies.
        let len = 2 * READ_PIECE + 12_345;
        let bytes: Vec<u8> = (0..len)
            .map(|i| (i % 251) as u8 ^ (i / READ_PIECE) as u8)
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("large.bin");
        std::fs::write(&path, &bytes).unwrap();
        assert!(read_file(&path).unwrap() == bytes);
        // A missing file is an error, not a panic.
        assert!(read_file(&dir.path().join("missing")).is_err());
    }

    fn header(kind: u8, shape: &[u32]) -> Vec<u8> {
        let mut bytes = vec![0, 0, kind, shape.len() as u8];
        for d in shape {
            bytes.extend(d.to_be_bytes());
        }
        bytes
    }

    #[test]
    fn reads_every_element_type() {
        let path = Path::new("t");
        let mut bytes = header(0x08, &[2, 2]);
        bytes.extend([1, 2, 3, 4]);
        assert_eq!(
            parse_idx(&bytes, path).unwrap().data,
            IdxData::Bytes(vec![1, 2, 3, 4])
        );
        let mut floats = header(0x0D, &[2]);
        floats.extend(0.5f32.to_be_bytes());
        floats.extend((-1.0f32).to_be_bytes());
        assert_eq!(
            parse_idx(&floats, path).unwrap().data,
            IdxData::Numbers(vec![0.5, -1.0])
        );
        let mut shorts = header(0x0B, &[1]);
        shorts.extend((-300i16).to_be_bytes());
        assert_eq!(
            parse_idx(&shorts, path).unwrap().data,
            IdxData::Numbers(vec![-300.0])
        );
        let mut doubles = header(0x0E, &[1]);
        doubles.extend(2.25f64.to_be_bytes());
        assert_eq!(
            parse_idx(&doubles, path).unwrap().data,
            IdxData::Numbers(vec![2.25])
        );
        let mut signed = header(0x09, &[1]);
        signed.push(0xFF);
        assert_eq!(
            parse_idx(&signed, path).unwrap().data,
            IdxData::Numbers(vec![-1.0])
        );
        let mut ints = header(0x0C, &[1]);
        ints.extend(70000i32.to_be_bytes());
        assert_eq!(
            parse_idx(&ints, path).unwrap().data,
            IdxData::Numbers(vec![70000.0])
        );
    }

    #[test]
    fn one_infinite_pixel_leaves_the_rest_of_a_float_image_as_it_is() {
        assert_eq!(to_grey(&[0.0, 0.5, 1.0]), [0, 128, 255]);
        assert_eq!(
            to_grey(&[0.0, 0.5, f64::INFINITY, f64::NAN, f64::NEG_INFINITY]),
            [0, 128, 255, 0, 0]
        );
        assert_eq!(to_grey(&[0.0, 510.0, 255.0]), [0, 255, 128]);
    }

    #[test]
    fn broken_files_say_what_is_wrong() {
        let path = Path::new("t");
        let message = |bytes: &[u8]| parse_idx(bytes, path).unwrap_err().to_string();
        assert!(message(&[]).contains("0 bytes"));
        assert!(message(&[0, 0, 8]).contains("truncated header"));
        assert!(message(&[0x89, b'P', b'N', b'G', 0, 0]).contains("wrong magic number 0x89504E47"));
        assert!(message(&[0, 0, 0x07, 1, 0, 0, 0, 1, 5]).contains("element type 0x07"));
        assert!(message(&header(0x08, &[2])[..6]).contains("truncated header"));
        let mut short = header(0x08, &[2, 3]);
        short.extend([1, 2, 3]);
        assert!(message(&short).contains("truncated: the header declares [2, 3]"));
        let mut long = header(0x08, &[2]);
        long.extend([1, 2, 3]);
        assert!(message(&long)
            .contains("more data than its header promises: [2] is 10 bytes, the file has 11"));
        assert!(
            message(&header(0x08, &[u32::MAX, u32::MAX, u32::MAX])).contains("overflow")
                || message(&header(0x08, &[u32::MAX, u32::MAX, u32::MAX])).contains("truncated")
        );
    }
}
