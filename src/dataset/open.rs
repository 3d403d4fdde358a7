//! One door for every dataset format: what a path holds, told from its name and its first
//! bytes (or said by the caller), read by the reader of that format.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::gnt::is_gnt_file;
use super::idx::{IdxOptions, IdxSource};
use super::numpy::{is_numpy_file, NumpyOptions};
use super::parquet::{is_parquet_file, ParquetOptions};
use super::pixels::PixelCsvOptions;
use super::Dataset;
use crate::error::{Error, Result};

/// A dataset format augsafe reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `ROOT/<label>/<image>`, torchvision's and Keras' layout.
    #[default]
    Folder,
    /// MNIST's IDX images/labels pair.
    Idx,
    /// A CSV of `path,label` rows.
    Manifest,
    /// A CSV of a label and the pixels of a square image per row.
    PixelCsv,
    /// NumPy `.npy` arrays or `.npz` archives.
    Numpy,
    /// CASIA-HWDB's GNT files of handwritten Chinese characters.
    Gnt,
    /// Parquet files as Hugging Face writes them (encoded images, class labels).
    Parquet,
    /// Images handed over in memory (the Python package); never read from a path.
    Memory,
}

impl Format {
    /// Every format, in the order `--format` lists them.
    pub const ALL: [Format; 7] = [
        Format::Folder,
        Format::Idx,
        Format::Manifest,
        Format::PixelCsv,
        Format::Numpy,
        Format::Gnt,
        Format::Parquet,
    ];

    /// The name `--format` takes.
    pub fn flag(self) -> &'static str {
        match self {
            Format::Folder => "folder",
            Format::Idx => "idx",
            Format::Manifest => "manifest",
            Format::PixelCsv => "pixel-csv",
            Format::Numpy => "numpy",
            Format::Gnt => "gnt",
            Format::Parquet => "parquet",
            Format::Memory => "memory",
        }
    }

    /// The name a report gives it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Folder => "ImageFolder",
            Format::Idx => "IDX",
            Format::Manifest => "CSV manifest",
            Format::PixelCsv => "pixel CSV",
            Format::Numpy => "NumPy",
            Format::Gnt => "GNT",
            Format::Parquet => "Parquet",
            Format::Memory => "images in memory",
        }
    }

    /// What `path` holds, from its name and first bytes: a folder holding an IDX pair is IDX,
    /// one holding `.npy`/`.npz` files NumPy, `.gnt` files GNT, `.parquet` files Parquet,
    /// any other an ImageFolder tree; a `.csv` file of two columns is a manifest, of more a
    /// pixel CSV; `.npy`, `.npz` and files that start as they do are NumPy; `.gnt` files GNT;
    /// `.parquet` files and files that start with `PAR1` Parquet.
    ///
    /// # Errors
    /// [`Error::Read`] when `path` cannot be examined, [`Error::Data`] when it is a file of no
    /// format augsafe knows.
    pub fn detect(path: &Path) -> Result<Format> {
        let read_error = |source| Error::Read {
            path: path.to_path_buf(),
            source,
        };
        let metadata = std::fs::metadata(path).map_err(read_error)?;
        if metadata.is_dir() {
            if IdxSource::find_in(path).is_some() {
                return Ok(Format::Idx);
            }
            let files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(read_error)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            return Ok(if files.iter().any(|p| is_numpy_file(p)) {
                Format::Numpy
            } else if files.iter().any(|p| is_gnt_file(p)) {
                Format::Gnt
            } else if files.iter().any(|p| is_parquet_file(p)) {
                Format::Parquet
            } else {
                Format::Folder
            });
        }
        if is_numpy_file(path) {
            return Ok(Format::Numpy);
        }
        if is_gnt_file(path) {
            return Ok(Format::Gnt);
        }
        if is_parquet_file(path) {
            return Ok(Format::Parquet);
        }
        let start = first_bytes(path).map_err(read_error)?;
        if start.starts_with(b"\x93NUMPY") || start.starts_with(b"PK\x03\x04") {
            return Ok(Format::Numpy);
        }
        if start.starts_with(b"PAR1") {
            return Ok(Format::Parquet);
        }
        let csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if csv {
            // A manifest row is a path and a label; a pixel row a label and many pixels.
            let line = start.split(|&b| b == b'\n').next().unwrap_or_default();
            let fields = line.split(|&b| b == b',').count();
            return Ok(if fields > 2 {
                Format::PixelCsv
            } else {
                Format::Manifest
            });
        }
        Err(Error::Data {
            path: path.to_path_buf(),
            reason: format!(
                "augsafe cannot tell what this file holds; give a folder (ImageFolder, IDX pair, \
                 NumPy, GNT or Parquet files), a .csv, .npy, .npz, .gnt or .parquet file, or say \
                 the format with --format ({})",
                Format::ALL.map(Format::flag).join(", ")
            ),
        })
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Format, String> {
        let text = text.to_ascii_lowercase();
        let aliases = [
            ("imagefolder", Format::Folder),
            ("csv", Format::PixelCsv),
            ("npz", Format::Numpy),
            ("npy", Format::Numpy),
        ];
        (Format::ALL.iter().map(|&f| (f.flag(), f)))
            .chain(aliases)
            .find(|(name, _)| *name == text)
            .map(|(_, f)| f)
            .ok_or_else(|| {
                format!(
                    "unknown format {text:?}; augsafe reads {}",
                    Format::ALL.map(Format::flag).join(", ")
                )
            })
    }
}

/// The first kilobytes of a file: enough for a magic number or a CSV's first line.
fn first_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    crate::input::regular_file(path, u64::MAX)?;
    let mut start = Vec::new();
    std::fs::File::open(path)?
        .take(64 << 10)
        .read_to_end(&mut start)?;
    Ok(start)
}

/// How to read a dataset, whatever its format.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// The format; `None` tells it from the path ([`Format::detect`]).
    pub format: Option<Format>,
    /// Which split to read where the path holds several (IDX pairs, NumPy arrays).
    pub split: Option<String>,
    /// Label names for whole-number labels (IDX, pixel CSV, NumPy).
    pub mapping: Option<PathBuf>,
    /// IDX images stored transposed (EMNIST).
    pub transpose: bool,
    /// A pixel CSV's or a Parquet file's label column, by its name.
    pub label_column: Option<String>,
}

impl Dataset {
    /// Reads the dataset at `path` in the format `options` gives or [`Format::detect`] tells,
    /// with the reader of that format ([`Dataset::load_with`], [`Dataset::from_manifest`],
    /// [`Dataset::from_pixel_csv`], [`Dataset::from_numpy`]); the dataset says which format
    /// and split it was.
    ///
    /// # Errors
    /// As [`Format::detect`] and the reader of the format.
    pub fn open(path: &Path, options: &OpenOptions) -> Result<Dataset> {
        let format = match options.format {
            Some(format) => format,
            None => Format::detect(path)?,
        };
        match format {
            Format::Folder | Format::Idx => {
                let idx = IdxOptions {
                    mapping: options.mapping.clone(),
                    split: options.split.clone(),
                    transpose: options.transpose,
                };
                Dataset::load_with(path, &idx)
            }
            Format::Manifest => Dataset::from_manifest(path),
            Format::PixelCsv => Dataset::from_pixel_csv(
                path,
                &PixelCsvOptions {
                    label_column: options.label_column.clone(),
                    mapping: options.mapping.clone(),
                },
            ),
            Format::Numpy => Dataset::from_numpy(
                path,
                &NumpyOptions {
                    split: options.split.clone(),
                    mapping: options.mapping.clone(),
                },
            ),
            Format::Gnt => Dataset::from_gnt(path),
            Format::Parquet => Dataset::from_parquet(
                path,
                &ParquetOptions {
                    split: options.split.clone(),
                    label_column: options.label_column.clone(),
                },
            ),
            Format::Memory => Err(Error::Data {
                path: path.to_path_buf(),
                reason: "images in memory are handed over, not read from a path".to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_from_names_and_first_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).expect("written");
            path
        };
        let manifest = write("list.csv", b"path,label\na.png,1\n");
        let pixels = write("train.csv", b"label,p0,p1,p2,p3\n1,0,0,0,0\n");
        let npz = write("data.bin", b"PK\x03\x04rest");
        let unknown = write("notes.txt", b"hello");
        assert_eq!(Format::detect(&manifest).expect("told"), Format::Manifest);
        assert_eq!(Format::detect(&pixels).expect("told"), Format::PixelCsv);
        assert_eq!(Format::detect(&npz).expect("told"), Format::Numpy);
        let err = Format::detect(&unknown).unwrap_err().to_string();
        assert!(err.contains("cannot tell what this file holds"), "{err}");
        assert!(
            err.contains("folder, idx, manifest, pixel-csv, numpy, gnt, parquet"),
            "{err}"
        );
        assert_eq!(Format::detect(dir.path()).expect("told"), Format::Folder);
        write("x.npy", b"\x93NUMPY");
        assert_eq!(Format::detect(dir.path()).expect("told"), Format::Numpy);
        assert_eq!("NPZ".parse::<Format>(), Ok(Format::Numpy));
        assert!("parquet2"
            .parse::<Format>()
            .unwrap_err()
            .contains("augsafe reads folder"));
    }
}
