//! NumPy's `.npy` arrays and `.npz` archives of them: Keras' `mnist.npz` (`x_train`,
//! `y_train`, `x_test`, `y_test`), KMNIST's `kmnist-train-imgs.npz` beside
//! `kmnist-train-labels.npz` (each one `arr_0`), or a folder of `x_train.npy`, `y_train.npy`.
//!
//! An `.npy` file is the magic `\x93NUMPY`, a version (1.0: the header's length in two
//! bytes, little-endian; 2.0 and 3.0: four), a header that is a Python dictionary literal
//! (`{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), }`), then the
//! elements. An `.npz` is a zip archive of `.npy` files named by key. Images are read one by
//! one from the stream, so a float archive is never held whole beside its grey bytes.

use std::io::Read;
use std::path::{Path, PathBuf};

use image::GrayImage;

use super::idx::{read_mapping, to_grey};
use super::{assemble, files_in, open_data_file, root_of, Dataset, Origin};
use crate::error::{Error, Result};
use crate::glyph::GlyphImage;

/// How to read NumPy arrays.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NumpyOptions {
    /// Which split to read where there are several (`train`, `test`); without it, `train`.
    pub split: Option<String>,
    /// Label names for whole-number labels: EMNIST's `index code` lines or one name per line.
    pub mapping: Option<PathBuf>,
}

/// The element type of an array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Bool,
    Unsigned,
    Signed,
    Float,
    /// Fixed-width text: UTF-32 (`U`) or bytes (`S`).
    Unicode,
    Bytes,
}

/// An array's header: what its elements are and how many.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Header {
    kind: Kind,
    /// Bytes per element.
    size: usize,
    big_endian: bool,
    shape: Vec<usize>,
}

impl Header {
    /// The shape and type as NumPy would print them: `60000×28×28 uint8`.
    fn describe(&self) -> String {
        let shape: Vec<String> = self.shape.iter().map(usize::to_string).collect();
        let kind = match self.kind {
            Kind::Bool => "bool".to_string(),
            Kind::Unsigned => format!("uint{}", 8 * self.size),
            Kind::Signed => format!("int{}", 8 * self.size),
            Kind::Float => format!("float{}", 8 * self.size),
            Kind::Unicode => format!("str{}", self.size / 4),
            Kind::Bytes => format!("bytes{}", self.size),
        };
        format!("{} {kind}", shape.join("×"))
    }
}

/// Reads an `.npy` header from `reader`, leaving it at the first element.
fn read_header(reader: &mut impl Read) -> std::result::Result<Header, String> {
    let mut magic = [0u8; 8];
    reader
        .read_exact(&mut magic)
        .map_err(|_| "too short for a NumPy array (no header)".to_string())?;
    if &magic[..6] != b"\x93NUMPY" {
        return Err("not a NumPy array: it does not start with \\x93NUMPY".to_string());
    }
    let length = match magic[6] {
        1 => {
            let mut len = [0u8; 2];
            reader
                .read_exact(&mut len)
                .map_err(|_| "truncated header")?;
            usize::from(u16::from_le_bytes(len))
        }
        2 | 3 => {
            let mut len = [0u8; 4];
            reader
                .read_exact(&mut len)
                .map_err(|_| "truncated header")?;
            u32::from_le_bytes(len) as usize
        }
        other => {
            return Err(format!(
                "NumPy format version {other} is not one augsafe reads (1 to 3)"
            ))
        }
    };
    if length > 1 << 20 {
        return Err(format!("a header of {length} bytes is not a NumPy array's"));
    }
    let mut text = vec![0u8; length];
    reader
        .read_exact(&mut text)
        .map_err(|_| "truncated header".to_string())?;
    let text = String::from_utf8(text).map_err(|_| "its header is not text".to_string())?;
    parse_header(&text)
}

/// The value after `'key':` in a header dictionary, up to the next top-level comma or brace.
fn value_of<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let start = text.find(&format!("'{key}'"))? + key.len() + 2;
    let rest = text[start..].trim_start().strip_prefix(':')?.trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')')? + 1
    } else {
        rest.find([',', '}']).unwrap_or(rest.len())
    };
    Some(rest[..end].trim())
}

fn parse_header(text: &str) -> std::result::Result<Header, String> {
    let descr = value_of(text, "descr").ok_or("its header has no 'descr'")?;
    let descr = descr.trim_matches(|c| c == '\'' || c == '"');
    if descr.starts_with('[') || descr.is_empty() {
        return Err(format!(
            "a structured array ({descr}) is not an image or label array"
        ));
    }
    let unknown = || format!("element type {descr:?} is not one augsafe reads");
    let (big_endian, code) = match descr.split_at_checked(1) {
        Some(("<" | "|" | "=", code)) => (false, code),
        Some((">", code)) => (true, code),
        _ => (false, descr),
    };
    let (letter, count) = code.split_at_checked(1).ok_or_else(unknown)?;
    let count: usize = count.parse().map_err(|_| unknown())?;
    let (kind, size) = match letter {
        "b" => (Kind::Bool, count),
        "u" => (Kind::Unsigned, count),
        "i" => (Kind::Signed, count),
        "f" => (Kind::Float, count),
        "U" => (Kind::Unicode, 4 * count),
        "S" | "a" => (Kind::Bytes, count),
        _ => return Err(unknown()),
    };
    let supported = match kind {
        Kind::Bool => size == 1,
        Kind::Unsigned | Kind::Signed => matches!(size, 1 | 2 | 4 | 8),
        Kind::Float => matches!(size, 4 | 8),
        Kind::Unicode | Kind::Bytes => size > 0,
    };
    if !supported {
        return Err(unknown());
    }
    if value_of(text, "fortran_order") == Some("True") {
        return Err(
            "it is stored in Fortran order; save it with np.ascontiguousarray first".to_string(),
        );
    }
    let shape = value_of(text, "shape").ok_or("its header has no 'shape'")?;
    let shape = shape
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.trim_end_matches('L').parse::<usize>())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| format!("its shape {shape} is not a list of sizes"))?;
    let header = Header {
        kind,
        size,
        big_endian,
        shape,
    };
    header
        .shape
        .iter()
        .try_fold(header.size, |n, &d| n.checked_mul(d))
        .ok_or_else(|| format!("its shape {:?} is larger than memory", header.shape))?;
    Ok(header)
}

/// One element as a number.
fn element(bytes: &[u8], header: &Header) -> f64 {
    let mut le = [0u8; 8];
    le[..bytes.len()].copy_from_slice(bytes);
    if header.big_endian {
        le[..bytes.len()].reverse();
    }
    let sign_extend = |bits: u32| {
        let raw = u64::from_le_bytes(le);
        ((raw << (64 - bits)) as i64 >> (64 - bits)) as f64
    };
    match (header.kind, header.size) {
        (Kind::Float, 4) => f64::from(f32::from_le_bytes([le[0], le[1], le[2], le[3]])),
        (Kind::Float, _) => f64::from_le_bytes(le),
        (Kind::Signed, size) => sign_extend(8 * size as u32),
        _ => u64::from_le_bytes(le) as f64,
    }
}

/// An array found: where it is and what its header says.
#[derive(Clone, Debug)]
struct Found {
    /// Its name: an archive's key, or a file's stem (`arr_0` of a one-array archive goes by
    /// the archive's stem).
    name: String,
    /// The file, and the key within it for an archive.
    file: PathBuf,
    key: Option<String>,
    header: Header,
}

impl Found {
    /// `file` or `file[key]`, as the report names where an array came from.
    fn shown(&self) -> String {
        match &self.key {
            Some(key) => format!("{}[{key}]", self.file.display()),
            None => self.file.display().to_string(),
        }
    }

    /// `read` given a reader at its first element (an archive's member is inflated as it is
    /// read, never held whole).
    fn read<T>(&self, read: impl FnOnce(&mut dyn Read) -> Result<T>) -> Result<T> {
        let bad = |reason: String| Error::Data {
            path: self.file.clone(),
            reason,
        };
        let file = open_file(&self.file)?;
        match &self.key {
            None => {
                let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
                read_header(&mut reader).map_err(bad)?;
                read(&mut reader)
            }
            Some(key) => {
                let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
                    .map_err(|e| bad(format!("not a readable .npz (zip) archive: {e}")))?;
                let member = archive
                    .by_name(&format!("{key}.npy"))
                    .map_err(|e| bad(format!("{key}: {e}")))?;
                let mut reader = std::io::BufReader::with_capacity(1 << 20, member);
                read_header(&mut reader).map_err(|e| bad(format!("{key}: {e}")))?;
                read(&mut reader)
            }
        }
    }
}

/// The file, its size checked (an archive's reader seeks, so it gets the file itself).
fn open_file(path: &Path) -> Result<std::fs::File> {
    Ok(open_data_file(path)?.0.into_inner())
}

/// The arrays of one `.npy` or `.npz` file.
fn arrays_in(path: &Path) -> Result<Vec<Found>> {
    let bad = |reason: String| Error::Data {
        path: path.to_path_buf(),
        reason,
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = open_file(path)?;
    if !is_npz(path) {
        let header = read_header(&mut std::io::BufReader::new(file)).map_err(bad)?;
        return Ok(vec![Found {
            name: stem,
            file: path.to_path_buf(),
            key: None,
            header,
        }]);
    }
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| bad(format!("not a readable .npz (zip) archive: {e}")))?;
    let keys: Vec<String> = (archive.file_names())
        .filter_map(|name| Some(name.ok()?.strip_suffix(".npy")?.to_string()))
        .collect();
    if keys.is_empty() {
        return Err(bad("the archive holds no .npy arrays".to_string()));
    }
    let alone = keys.len() == 1;
    let mut found = Vec::new();
    for key in keys {
        let mut member = archive
            .by_name(&format!("{key}.npy"))
            .map_err(|e| bad(format!("{key}: {e}")))?;
        let header = read_header(&mut member).map_err(|e| bad(format!("{key}: {e}")))?;
        found.push(Found {
            // KMNIST's one-array archives: the array goes by the archive's name.
            name: if alone { stem.clone() } else { key.clone() },
            file: path.to_path_buf(),
            key: Some(key),
            header,
        });
    }
    Ok(found)
}

fn is_npz(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npz"))
}

/// Whether `path` is a NumPy file by its name.
pub fn is_numpy_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npz") || e.eq_ignore_ascii_case("npy"))
}

/// The words of a name: `kmnist-train-imgs` is `kmnist`, `train`, `imgs`.
fn words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

const IMAGE_WORDS: [&str; 8] = [
    "x", "images", "image", "imgs", "img", "data", "inputs", "features",
];
const LABEL_WORDS: [&str; 6] = ["y", "labels", "label", "targets", "target", "classes"];
const SPLIT_WORDS: [&str; 6] = ["train", "test", "val", "valid", "validation", "dev"];

/// Which role a name plays, by its words.
fn role(name: &str, wanted: &[&str]) -> bool {
    words(name).iter().any(|w| wanted.contains(&w.as_str()))
}

/// The split a name belongs to, by its words.
fn split_of(name: &str) -> Option<String> {
    words(name)
        .into_iter()
        .find(|w| SPLIT_WORDS.contains(&w.as_str()))
}

/// The images and labels arrays among `found` for `split` (default `train`, or the only
/// split), and the other splits there are.
fn choose(
    found: &[Found],
    split: Option<&str>,
    path: &Path,
) -> Result<(Found, Found, Vec<String>)> {
    let listed = || {
        let all: Vec<String> = found
            .iter()
            .map(|f| {
                format!(
                    "{} ({})",
                    f.key.as_deref().unwrap_or(&f.name),
                    f.header.describe()
                )
            })
            .collect();
        all.join(", ")
    };
    let bad = |reason: String| Error::Data {
        path: path.to_path_buf(),
        reason,
    };
    let mut splits: Vec<String> = found.iter().filter_map(|f| split_of(&f.name)).collect();
    splits.sort();
    splits.dedup();
    let chosen = match split {
        Some(split) => {
            if !splits.iter().any(|s| s == split) {
                return Err(bad(format!(
                    "no arrays of split {split:?} here; the arrays are: {}",
                    listed()
                )));
            }
            Some(split.to_string())
        }
        None if splits.iter().any(|s| s == "train") => Some("train".to_string()),
        None => splits.first().cloned(),
    };
    let in_split = |f: &&Found| chosen.is_none() || split_of(&f.name) == chosen;
    let images = found.iter().filter(in_split).find(|f| {
        role(&f.name, &IMAGE_WORDS) || (f.header.shape.len() >= 3 && !role(&f.name, &LABEL_WORDS))
    });
    let labels = found.iter().filter(in_split).find(|f| {
        role(&f.name, &LABEL_WORDS) || (f.header.shape.len() == 1 && !role(&f.name, &IMAGE_WORDS))
    });
    let what = chosen
        .as_deref()
        .map(|s| format!(" of split {s:?}"))
        .unwrap_or_default();
    let images = images.ok_or_else(|| {
        bad(format!(
            "missing key: no images array{what} (N×H×W, named x_… or …images…); the arrays are: {}",
            listed()
        ))
    })?;
    let labels = labels.ok_or_else(|| {
        bad(format!(
            "missing key: no labels array{what} (N, named y_… or …labels…); the arrays are: {}",
            listed()
        ))
    })?;
    let others = splits
        .into_iter()
        .filter(|s| Some(s) != chosen.as_ref())
        .collect();
    Ok((images.clone(), labels.clone(), others))
}

/// The labels of `array` as names (with `mapping` for whole numbers).
fn read_labels(
    array: &Found,
    mapping: Option<&(Vec<(i64, String)>, PathBuf)>,
) -> Result<Vec<String>> {
    let bad = |reason: String| Error::Data {
        path: array.file.clone(),
        reason: format!("{}: {reason}", array.key.as_deref().unwrap_or("labels")),
    };
    let header = &array.header;
    let n = header.shape.first().copied().unwrap_or(0);
    if !(header.shape.len() == 1 || (header.shape.len() == 2 && header.shape[1] == 1)) {
        return Err(bad(format!(
            "labels must be one per image (N or N×1), not {}",
            header.describe()
        )));
    }
    let mut bytes = vec![0u8; n * header.size];
    array.read(|reader| {
        reader.read_exact(&mut bytes).map_err(|_| {
            bad(format!(
                "truncated: {} promises {} bytes",
                header.describe(),
                n * header.size
            ))
        })
    })?;
    let mut labels = Vec::with_capacity(n);
    for (i, item) in bytes.chunks_exact(header.size).enumerate() {
        let label = match header.kind {
            Kind::Unicode => {
                let text: String = item
                    .chunks_exact(4)
                    .map(|c| {
                        let mut code = [c[0], c[1], c[2], c[3]];
                        if header.big_endian {
                            code.reverse();
                        }
                        u32::from_le_bytes(code)
                    })
                    .take_while(|&c| c != 0)
                    .filter_map(char::from_u32)
                    .collect();
                text
            }
            Kind::Bytes => {
                String::from_utf8_lossy(item.split(|&b| b == 0).next().unwrap_or(&[])).into_owned()
            }
            _ => {
                let value = element(item, header);
                if value.fract() != 0.0 || !value.is_finite() {
                    return Err(bad(format!("label {i} is {value}, not a whole number")));
                }
                let value = value as i64;
                match mapping {
                    Some((names, file)) => names
                        .iter()
                        .find(|(index, _)| *index == value)
                        .map(|(_, name)| name.clone())
                        .ok_or_else(|| {
                            bad(format!(
                                "label {value} (image {i}) has no name in the mapping {}",
                                file.display()
                            ))
                        })?,
                    None => value.to_string(),
                }
            }
        };
        labels.push(label);
    }
    Ok(labels)
}

/// The images of `array`, one by one from its stream.
fn read_images(array: &Found, count: usize) -> Result<Vec<GrayImage>> {
    let bad = |reason: String| Error::Data {
        path: array.file.clone(),
        reason: format!("{}: {reason}", array.key.as_deref().unwrap_or("images")),
    };
    let header = &array.header;
    let (rows, cols) = match header.shape[..] {
        [_, rows, cols] | [_, rows, cols, 1] => (rows, cols),
        _ => {
            return Err(bad(format!(
                "images must be N×H×W or N×H×W×1, not {}",
                header.describe()
            )))
        }
    };
    if rows == 0 || cols == 0 {
        return Err(bad(format!("images of {rows}×{cols} pixels hold nothing")));
    }
    if matches!(header.kind, Kind::Unicode | Kind::Bytes) {
        return Err(bad(format!(
            "images of {} are text, not pixels",
            header.describe()
        )));
    }
    let (w, h) = (
        u32::try_from(cols).map_err(|_| bad("images too wide".into()))?,
        u32::try_from(rows).map_err(|_| bad("images too tall".into()))?,
    );
    let pixels = rows * cols;
    array.read(|reader| {
        let mut raw = vec![0u8; pixels * header.size];
        let mut values = vec![0.0f64; pixels];
        let mut images = Vec::with_capacity(count);
        for i in 0..count {
            reader.read_exact(&mut raw).map_err(|_| {
                bad(format!(
                    "truncated: {} ends within image {i}",
                    header.describe()
                ))
            })?;
            let grey = match (header.kind, header.size) {
                (Kind::Unsigned, 1) => raw.clone(),
                (Kind::Bool, _) => raw.iter().map(|&b| if b != 0 { 255 } else { 0 }).collect(),
                _ => {
                    for (value, item) in values.iter_mut().zip(raw.chunks_exact(header.size)) {
                        *value = element(item, header);
                    }
                    to_grey(&values)
                }
            };
            images.push(
                GrayImage::from_raw(w, h, grey)
                    .ok_or_else(|| bad("image size does not fit in memory".into()))?,
            );
        }
        Ok(images)
    })
}

impl Dataset {
    /// Reads NumPy arrays: an `.npz` archive (Keras' `x_train`, `y_train`, `x_test`, `y_test`;
    /// or `images`/`labels` keys), an `.npy` file with its labels beside it (`x_train.npy` and
    /// `y_train.npy`, `train_images.npy` and `train_labels.npy`), or a folder of them
    /// (KMNIST's `kmnist-train-imgs.npz` and `kmnist-train-labels.npz`). Images are
    /// N×H×W or N×H×W×1 of any number type (floats in 0..1 scaled, each image by its own
    /// range as IDX's are); labels N whole numbers (named by `mapping`) or strings. Of
    /// several splits, `split` chooses (default `train`).
    ///
    /// # Errors
    /// [`Error::Read`] when a file cannot be read; [`Error::Data`] when one is not NumPy's, no
    /// images or labels array is there (the message lists the arrays), the counts differ,
    /// the data is truncated, or a label has no name; [`Error::NotEnoughData`] with fewer
    /// than two classes.
    pub fn from_numpy(path: &Path, options: &NumpyOptions) -> Result<Dataset> {
        let files: Vec<PathBuf> = if path.is_dir() {
            files_in(path, is_numpy_file)?
        } else if is_npz(path) {
            vec![path.to_path_buf()]
        } else {
            // An .npy file: the arrays beside it, that its labels may be among them.
            let is_npy = |p: &Path| {
                p.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy")) && p != path
            };
            let mut files = files_in(&root_of(path), is_npy)?;
            files.insert(0, path.to_path_buf());
            files
        };
        let mut found = Vec::new();
        for file in &files {
            found.extend(arrays_in(file)?);
        }
        if found.is_empty() {
            return Err(Error::Data {
                path: path.to_path_buf(),
                reason: "no .npy or .npz files here".to_string(),
            });
        }
        // A lone .npy is the images; its labels are chosen among its neighbours.
        let (images, labels, others) = choose(&found, options.split.as_deref(), path)?;
        let count = images.header.shape.first().copied().unwrap_or(0);
        let label_count = labels.header.shape.first().copied().unwrap_or(0);
        if count != label_count {
            return Err(Error::Data {
                path: labels.file.clone(),
                reason: format!(
                    "count mismatch: {} holds {label_count} labels but {} holds {count} images",
                    labels.shown(),
                    images.shown()
                ),
            });
        }
        let mapping = match &options.mapping {
            Some(file) => Some((read_mapping(file)?, file.clone())),
            None => None,
        };
        let names = read_labels(&labels, mapping.as_ref())?;
        let grey = read_images(&images, count)?;
        let name = images.shown();
        let width = count.to_string().len();
        let decoded = grey
            .into_iter()
            .zip(names)
            .enumerate()
            .map(|(i, (image, label))| {
                (
                    label,
                    PathBuf::from(format!("{name}#{i:0width$}")),
                    GlyphImage::load_grey(image),
                )
            })
            .collect();
        let root = root_of(path);
        let mut dataset = assemble(&root, decoded, Vec::new(), Origin::Data, Vec::new(), 0)?;
        dataset.files = vec![PathBuf::from(images.shown()), PathBuf::from(labels.shown())];
        dataset.other_splits = others;
        dataset.format = super::Format::Numpy;
        dataset.split = split_of(&images.name);
        Ok(dataset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An .npy file's bytes, version 1.0, as NumPy writes them (header padded to 64 bytes).
    pub(crate) fn npy(descr: &str, shape: &[usize], body: &[u8]) -> Vec<u8> {
        let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
        let shape = if dims.len() == 1 {
            format!("({},)", dims[0])
        } else {
            format!("({})", dims.join(", "))
        };
        let mut header =
            format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(body);
        bytes
    }

    #[test]
    fn headers_read_as_numpy_writes_them() {
        let bytes = npy("<f4", &[3, 2, 2], &[0; 48]);
        let header = read_header(&mut &bytes[..]).expect("header");
        assert_eq!(header.shape, [3, 2, 2]);
        assert_eq!((header.kind, header.size), (Kind::Float, 4));
        assert_eq!(header.describe(), "3×2×2 float32");
        let labels = read_header(&mut &npy("<U3", &[5], &[])[..]).expect("header");
        assert_eq!(
            (labels.kind, labels.size, labels.shape.clone()),
            (Kind::Unicode, 12, vec![5])
        );
        for (bytes, message) in [
            (b"PK\x03\x04....".to_vec(), "not a NumPy array"),
            (npy("<", &[2], &[]), "element type \"<\""),
            (npy("\u{e9}4", &[2], &[]), "element type \"\u{e9}4\""),
            (npy(">\u{e9}", &[2], &[]), "element type \">\u{e9}\""),
            (npy("<c16", &[2], &[]), "element type \"<c16\""),
            (
                npy("<f4", &[2], &[]).into_iter().take(20).collect(),
                "truncated header",
            ),
        ] {
            let err = read_header(&mut &bytes[..]).unwrap_err();
            assert!(err.contains(message), "{err}");
        }
        let fortran = "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }";
        assert!(parse_header(fortran).unwrap_err().contains("Fortran order"));
    }

    #[test]
    fn elements_of_every_width_and_order_read_as_numbers() {
        let header = |kind, size, big_endian| Header {
            kind,
            size,
            big_endian,
            shape: vec![],
        };
        assert_eq!(
            element(&(-3i16).to_le_bytes(), &header(Kind::Signed, 2, false)),
            -3.0
        );
        assert_eq!(
            element(&(-3i32).to_be_bytes(), &header(Kind::Signed, 4, true)),
            -3.0
        );
        assert_eq!(
            element(&0.5f32.to_le_bytes(), &header(Kind::Float, 4, false)),
            0.5
        );
        assert_eq!(
            element(&0.25f64.to_be_bytes(), &header(Kind::Float, 8, true)),
            0.25
        );
        assert_eq!(
            element(&70000u32.to_le_bytes(), &header(Kind::Unsigned, 4, false)),
            70000.0
        );
    }

    #[test]
    fn names_say_what_an_array_holds_and_of_which_split() {
        assert!(role("x_train", &IMAGE_WORDS) && role("kmnist-test-imgs", &IMAGE_WORDS));
        assert!(role("y_test", &LABEL_WORDS) && role("train_labels", &LABEL_WORDS));
        assert!(!role("xylophone", &IMAGE_WORDS));
        assert_eq!(split_of("kmnist-test-labels").as_deref(), Some("test"));
        assert_eq!(split_of("images"), None);
    }
}
