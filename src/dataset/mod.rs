//! Labelled glyphs and where they come from: an ImageFolder tree, a CSV manifest or an IDX
//! pair, each read into one [`Dataset`]; bad files are collected, not fatal.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::glyph::{DecodeError, GlyphImage, Loaded};

mod folder;
mod gnt;
pub mod idx;
mod labels;
mod manifest;
mod memory;
mod numpy;
mod open;
mod parquet;
mod pixels;

pub use folder::{is_hidden, IMAGE_EXTENSIONS};
pub use gnt::{gb_character, is_gnt_file};
pub use idx::{IdxOptions, IdxSource};
pub use labels::{folder_name_for_char, label_from_folder_name, visible_label};
pub use numpy::{is_numpy_file, NumpyOptions};
pub use open::{Format, OpenOptions};
pub use parquet::{is_parquet_file, ParquetOptions};
pub use pixels::PixelCsvOptions;

/// One labelled image, decoded to grey.
#[derive(Clone, Debug)]
pub struct Glyph {
    /// Index into [`Dataset::classes`].
    pub label: usize,
    /// Where the image came from.
    pub path: PathBuf,
    /// The image as decoded, with its background and polarity.
    pub image: GlyphImage,
}

/// A file that could not be used, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

/// An image larger than a glyph needs, reduced as it loaded
/// ([`Limits::glyph_side`](crate::input::Limits::glyph_side)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reduced {
    /// The file.
    pub path: PathBuf,
    /// Its width before it was reduced.
    pub width: u32,
    /// Its height before it was reduced.
    pub height: u32,
}

/// A folder of labelled glyphs.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// The folder the dataset was read from.
    pub root: PathBuf,
    /// Class labels, sorted; a glyph's `label` indexes this.
    pub classes: Vec<String>,
    /// The usable images, ordered by class and then by path.
    pub glyphs: Vec<Glyph>,
    /// Image files that could not be used.
    pub skipped: Vec<Skipped>,
    /// Files ignored because they are not images (by extension), including files directly under the root.
    pub ignored: usize,
    /// The data files read, for a dataset that is files rather than a folder of images (an
    /// IDX pair: images, then labels); empty for folders and manifests.
    pub files: Vec<PathBuf>,
    /// The images files of the other IDX pairs beside the one read, which `--split` could
    /// choose instead.
    pub other_splits: Vec<String>,
    /// Hidden files and folders left out of an ImageFolder tree (see
    /// [`is_hidden`]); a hidden folder counts once, whatever it holds.
    pub hidden: usize,
    /// Class folders without a usable image; they are not among `classes`.
    pub empty_classes: Vec<String>,
    /// Labels that several class folders stand for, each with its folders (`A (folders A/,
    /// U+0041_A/)`): read as one class.
    pub merged_folders: Vec<String>,
    /// Manifest rows whose path leaves the manifest's folder (absolute, or through `..`), as
    /// written: read as given.
    pub outside_manifest: Vec<String>,
    /// Images larger than a glyph needs, reduced as they loaded; pixel sizes in
    /// transformations act on the reduced images.
    pub reduced: Vec<Reduced>,
    /// The format it was read in.
    pub format: Format,
    /// The split read, where the source held several (IDX pairs, NumPy arrays).
    pub split: Option<String>,
}

impl Dataset {
    /// Keeps at most `max` glyphs of every class, chosen at random from `seed` (the same seed
    /// keeps the same glyphs), in their original order.
    pub fn sample_per_class(&mut self, max: usize, seed: u64) {
        let mut keep = vec![false; self.glyphs.len()];
        for class in 0..self.classes.len() {
            let members: Vec<usize> = (0..self.glyphs.len())
                .filter(|&i| self.glyphs[i].label == class)
                .collect();
            if members.len() <= max {
                members.iter().for_each(|&i| keep[i] = true);
                continue;
            }
            let mut rng = crate::rng::draw_rng(seed, class, u64::MAX, 0);
            for chosen in rand::seq::index::sample(&mut rng, members.len(), max) {
                keep[members[chosen]] = true;
            }
        }
        let mut index = 0;
        self.glyphs.retain(|_| {
            index += 1;
            keep[index - 1]
        });
    }

    /// The most typical background level: the median over all glyphs.
    pub fn background(&self) -> u8 {
        let mut levels: Vec<u8> = self.glyphs.iter().map(|g| g.image.background).collect();
        levels.sort_unstable();
        levels.get(levels.len() / 2).copied().unwrap_or(255)
    }

    /// How many usable images each class has, in the order of [`Dataset::classes`].
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes.len()];
        for glyph in &self.glyphs {
            counts[glyph.label] += 1;
        }
        counts
    }
}

/// A dataset file opened for reading within the limit of its kind ([`crate::input::FileKind::Data`]),
/// as a stream that stops at that limit even if the file grows, and its length.
pub(super) fn open_data_file(path: &Path) -> Result<(std::io::Take<std::fs::File>, u64)> {
    use std::io::Read;
    let read_error = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let max = crate::input::FileKind::Data.max();
    let len = crate::input::regular_file(path, max).map_err(read_error)?;
    let file = std::fs::File::open(path).map_err(read_error)?;
    Ok((file.take(max), len))
}

/// The regular files directly in `dir` that `keep` accepts, by name.
pub(super) fn files_in(dir: &Path, keep: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && keep(p))
        .collect();
    files.sort();
    Ok(files)
}

/// Where a report says a dataset read from `path` is: the folder itself, or the folder a
/// file is in (`.` for a bare file name).
pub(super) fn root_of(path: &Path) -> PathBuf {
    if path.is_dir() {
        return path.to_path_buf();
    }
    (path.parent())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

pub(super) type Decoded = Vec<(String, PathBuf, std::result::Result<Loaded, DecodeError>)>;

/// Reads and decodes each (label, file) in parallel, each file once.
pub(super) fn decode_files(candidates: Vec<(String, PathBuf)>) -> Decoded {
    candidates
        .into_par_iter()
        .map(|(label, path)| {
            let result = crate::input::read_file(&path, crate::input::FileKind::Image.max())
                .map_err(DecodeError::Unreadable)
                .and_then(|bytes| GlyphImage::load(&bytes));
            (label, path, result)
        })
        .collect()
}

/// Builds a dataset from decoded glyphs: classes are the labels with a usable image, sorted;
/// failures become skipped entries; fewer than two classes is an error.
pub(super) fn assemble(
    root: &Path,
    decoded: Decoded,
    folder_labels: Vec<String>,
    layout: Origin,
    mut skipped: Vec<Skipped>,
    ignored: usize,
) -> Result<Dataset> {
    // Labels are shown in terminals, tables and XML: control characters are written out.
    let visible = |label: String| match labels::visible_label(&label) {
        std::borrow::Cow::Borrowed(_) => label,
        std::borrow::Cow::Owned(written_out) => written_out,
    };
    let decoded: Decoded = decoded
        .into_iter()
        .map(|(label, path, result)| (visible(label), path, result))
        .collect();
    let folder_labels: Vec<String> = folder_labels.into_iter().map(visible).collect();
    // Distinct labels first (a set of a few dozen), not a sort of one label per image.
    // Sets made in parallel pieces and merged; then each image's class index, in parallel too
    // (814,255 string comparisons each way for EMNIST).
    let classes: Vec<String> = decoded
        .par_iter()
        .filter(|(_, _, result)| result.is_ok())
        .fold(
            std::collections::BTreeSet::<&str>::new,
            |mut set, (label, _, _)| {
                set.insert(label.as_str());
                set
            },
        )
        .reduce(std::collections::BTreeSet::new, |mut a, b| {
            a.extend(b);
            a
        })
        .into_iter()
        .map(str::to_string)
        .collect();
    let indices: Vec<usize> = decoded
        .par_iter()
        .map(|(label, _, _)| classes.binary_search(label).unwrap_or_default())
        .collect();

    let mut glyphs = Vec::with_capacity(decoded.len());
    let mut reduced = Vec::new();
    for ((_, path, result), index) in decoded.into_iter().zip(indices) {
        match result {
            Ok(Loaded {
                image,
                reduced_from,
            }) => {
                if let Some((width, height)) = reduced_from {
                    reduced.push(Reduced {
                        path: path.clone(),
                        width,
                        height,
                    });
                }
                glyphs.push(Glyph {
                    label: index,
                    path,
                    image,
                });
            }
            Err(err) => skipped.push(Skipped {
                path,
                reason: err.to_string(),
            }),
        }
    }
    // By class, then by path. Images read in path order (IDX files, most folders) need only
    // the stable sort by class, without comparing a path per comparison.
    if glyphs
        .par_windows(2)
        .all(|pair| pair[0].path <= pair[1].path)
    {
        // A counting sort: each glyph moves once, into its class's run.
        let mut starts = vec![0usize; classes.len() + 1];
        for glyph in &glyphs {
            starts[glyph.label + 1] += 1;
        }
        for c in 0..classes.len() {
            starts[c + 1] += starts[c];
        }
        let mut runs: Vec<Vec<Glyph>> = (0..classes.len())
            .map(|c| Vec::with_capacity(starts[c + 1] - starts[c]))
            .collect();
        for glyph in glyphs.drain(..) {
            runs[glyph.label].push(glyph);
        }
        glyphs.extend(runs.into_iter().flatten());
    } else {
        glyphs.par_sort_by(|a, b| a.label.cmp(&b.label).then_with(|| a.path.cmp(&b.path)));
    }
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    reduced.sort_by(|a, b| a.path.cmp(&b.path));

    let mut empty_classes: Vec<String> = folder_labels
        .into_iter()
        .filter(|label| classes.binary_search(label).is_err())
        .collect();
    empty_classes.sort();
    empty_classes.dedup();

    if glyphs.is_empty() || classes.len() < 2 {
        return Err(Error::NotEnoughData {
            root: root.to_path_buf(),
            found: describe_shortfall(layout, &classes, glyphs.len(), &skipped),
        });
    }
    Ok(Dataset {
        root: root.to_path_buf(),
        classes,
        glyphs,
        skipped,
        ignored,
        hidden: 0,
        files: Vec::new(),
        other_splits: Vec::new(),
        empty_classes,
        merged_folders: Vec::new(),
        outside_manifest: Vec::new(),
        reduced,
        format: match layout {
            Origin::Folders(_) => Format::Folder,
            Origin::Manifest => Format::Manifest,
            Origin::Idx => Format::Idx,
            Origin::Memory => Format::Memory,
            // The reader says which.
            Origin::Data => Format::Folder,
        },
        split: None,
    })
}

/// Where glyphs were read from, for saying what was found when there are too few.
#[derive(Clone, Copy, Debug)]
pub(super) enum Origin {
    /// An ImageFolder tree with this many class folders.
    Folders(usize),
    /// A CSV manifest.
    Manifest,
    /// An IDX images/labels pair.
    Idx,
    /// Images handed over in memory, with their labels.
    Memory,
    /// A dataset file: a pixel CSV, NumPy arrays, a GNT file.
    Data,
}

fn describe_shortfall(
    layout: Origin,
    classes: &[String],
    images: usize,
    skipped: &[Skipped],
) -> String {
    let mut found = match layout {
        Origin::Folders(folders) => format!("found {folders} class folder{}, ", plural(folders)),
        Origin::Manifest | Origin::Idx | Origin::Memory | Origin::Data => "found ".to_string(),
    };
    found.push_str(&format!(
        "{images} usable image{} in {} class{}",
        plural(images),
        classes.len(),
        if classes.len() == 1 { "" } else { "es" },
    ));
    if let [only] = classes {
        found.push_str(&format!(" ('{only}')"));
    }
    if let Some(first) = skipped.first() {
        found.push_str(&format!(
            " and {} unreadable file{} (first: {}: {})",
            skipped.len(),
            plural(skipped.len()),
            visible_label(&first.path.display().to_string()),
            first.reason
        ));
    }
    found.push_str(match layout {
        Origin::Folders(_) => {
            "; augsafe needs at least two classes with images, laid out as ROOT/<label>/<image>"
        }
        Origin::Manifest => "; augsafe needs at least two classes, as rows of path,label",
        Origin::Idx => "; augsafe needs at least two different labels in the IDX labels file",
        Origin::Memory => "; augsafe needs at least two different labels among the images",
        Origin::Data => "; augsafe needs at least two different labels among its images",
    });
    found
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
