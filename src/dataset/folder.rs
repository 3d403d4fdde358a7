//! Reading an ImageFolder tree, `ROOT/<label>/<image>`, or the IDX pair a folder holds.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::idx::{IdxOptions, IdxSource};
use super::labels::label_from_folder_name;
use super::{assemble, decode_files, Dataset, Origin, Skipped};
use crate::error::{Error, Result};

/// File extensions that are read as images (compared case-insensitively).
pub const IMAGE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "webp", "pnm", "pbm", "pgm", "ppm",
];

impl Dataset {
    /// Reads an ImageFolder tree (or, when `root` holds an IDX images/labels pair, that pair: see
    /// [`IdxSource::find_in`]): every folder directly under `root` is a class (its name, decoded
    /// with [`label_from_folder_name`], is the label) and every image file below it a sample.
    ///
    /// Files that cannot be decoded or hold no glyph are listed in [`Dataset::skipped`]; files
    /// that are not images are counted in [`Dataset::ignored`].
    ///
    /// # Errors
    /// [`Error::Read`] when `root` cannot be listed, [`Error::NotEnoughData`] when fewer than two
    /// classes have a usable image.
    pub fn load(root: &Path) -> Result<Dataset> {
        Dataset::load_with(root, &IdxOptions::default())
    }

    /// [`Dataset::load`], with `idx` applied to an IDX pair found in `root`: its mapping file
    /// (in place of one found beside the pair) and whether its images are stored transposed.
    ///
    /// # Errors
    /// As [`Dataset::load`].
    pub fn load_with(root: &Path, idx: &IdxOptions) -> Result<Dataset> {
        let entries = std::fs::read_dir(root).map_err(|source| Error::Read {
            path: root.to_path_buf(),
            source,
        })?;
        let mut class_dirs = Vec::new();
        let (mut ignored, mut hidden, mut loose_images) = (0, 0, 0);
        // Links are followed only where they stay inside the dataset: a class folder linked to
        // `/` would walk the whole file system.
        let inside = Containment::new(root);
        let mut skipped = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| Error::Read {
                path: root.to_path_buf(),
                source,
            })?;
            let path = entry.path();
            if is_hidden(&entry.file_name()) {
                hidden += 1;
            } else if let Some(reason) = inside.leaves(&path) {
                skipped.push(Skipped { path, reason });
            } else if path.is_dir() {
                class_dirs.push(path);
            } else {
                loose_images += usize::from(has_image_extension(&path));
                ignored += 1;
            }
        }
        class_dirs.sort();
        // A folder that holds an IDX pair is that dataset, whatever else sits beside it.
        if let Some((mut source, others)) = IdxSource::find_split_in(root, idx.split.as_deref())? {
            source.transpose = idx.transpose;
            if idx.mapping.is_some() {
                source.mapping.clone_from(&idx.mapping);
            }
            let mut dataset = Dataset::from_idx(&source)?;
            dataset.other_splits = others;
            return Ok(dataset);
        }

        // (label, files) per class folder; two folders may decode to one label.
        let mut candidates: Vec<(String, PathBuf)> = Vec::new();
        let mut folder_labels: Vec<String> = Vec::new();
        let mut folders_of: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for dir in &class_dirs {
            let name = dir.file_name().map(folder_name).unwrap_or_default();
            let label = label_from_folder_name(&name);
            folders_of
                .entry(label.clone())
                .or_default()
                .push(name.clone());
            folder_labels.push(label.clone());
            let walk = WalkDir::new(dir).follow_links(true).sort_by_file_name();
            // Hidden entries (and all below a hidden folder) are left out and counted once.
            let mut outside = Vec::new();
            let walk = walk.into_iter().filter_entry(|entry| {
                if entry.depth() > 0 && is_hidden(entry.file_name()) {
                    hidden += 1;
                    return false;
                }
                if entry.path_is_symlink() {
                    if let Some(reason) = inside.leaves(entry.path()) {
                        outside.push(Skipped {
                            path: entry.path().to_path_buf(),
                            reason,
                        });
                        return false;
                    }
                }
                true
            });
            for entry in walk {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(err) => {
                        let path = err.path().unwrap_or(dir).to_path_buf();
                        skipped.push(Skipped {
                            path,
                            reason: err.to_string(),
                        });
                        continue;
                    }
                };
                if entry.file_type().is_dir() {
                    continue;
                }
                if !entry.file_type().is_file() {
                    // A FIFO would block, a device never end: counted, never opened.
                    skipped.push(Skipped {
                        path: entry.into_path(),
                        reason: "not a regular file (a FIFO, device or socket): not read".into(),
                    });
                } else if has_image_extension(entry.path()) {
                    candidates.push((label.clone(), entry.into_path()));
                } else {
                    ignored += 1;
                }
            }
            skipped.append(&mut outside);
        }

        let decoded = decode_files(candidates);
        let assembled = assemble(
            root,
            decoded,
            folder_labels,
            Origin::Folders(class_dirs.len()),
            skipped,
            ignored,
        );
        // Images straight in the folder given, and no class folders: most likely a class
        // folder itself, or a flat folder without labels.
        let mut dataset = assembled.map_err(|error| match error {
            Error::NotEnoughData { root, found } if class_dirs.is_empty() && loose_images > 0 => {
                let found = format!(
                    "{found}. It holds {loose_images} image(s) directly, which belong one level \
                     down: point augsafe at the folder above it if this is a class folder, or \
                     sort the images into one folder per class"
                );
                Error::NotEnoughData { root, found }
            }
            other => other,
        })?;
        dataset.hidden = hidden;
        // `A/` and `U+0041_A/` (as `augsafe render` writes it) both stand for A: one class,
        // said so.
        dataset.merged_folders = folders_of
            .into_iter()
            .filter(|(_, folders)| folders.len() > 1)
            .map(|(label, folders)| {
                format!(
                    "{} (folders {})",
                    super::visible_label(&label),
                    folders
                        .iter()
                        .map(|f| format!("{}/", super::visible_label(f)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        Ok(dataset)
    }
}

/// Whether a file or folder is one that tools and systems keep beside the data rather than
/// data: a name that starts with a dot (`.ipynb_checkpoints`, `.DS_Store`, macOS's `._` copies)
/// or macOS's `__MACOSX` folder of resource forks in a zip.
pub fn is_hidden(name: &std::ffi::OsStr) -> bool {
    let name = name.as_encoded_bytes();
    name.starts_with(b".") || name == b"__MACOSX"
}

pub(super) fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| {
            IMAGE_EXTENSIONS
                .iter()
                .any(|known| known.eq_ignore_ascii_case(ext))
        })
}

/// Where a dataset's links may lead: inside its root, as the file system resolves both.
struct Containment {
    root: Option<PathBuf>,
}

impl Containment {
    fn new(root: &Path) -> Containment {
        Containment {
            root: std::fs::canonicalize(root).ok(),
        }
    }

    /// For a link that leads outside the dataset (or nowhere), why it is not followed; `None`
    /// for anything else.
    fn leaves(&self, path: &Path) -> Option<String> {
        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if !is_link {
            return None;
        }
        match (std::fs::canonicalize(path), &self.root) {
            (Ok(target), Some(root)) if target.starts_with(root) => None,
            (Ok(target), _) => Some(format!(
                "a link that leads out of the dataset (to {}): not followed",
                target.display()
            )),
            (Err(err), _) => Some(format!("a link that leads nowhere: {err}")),
        }
    }
}

/// A folder's name as text: UTF-8 as it is, any other byte written out as `\xe9`, so that two
/// folders whose names differ only in bytes that are not UTF-8 (Latin-1 `été` and `àté`) stay
/// two classes.
fn folder_name(name: &std::ffi::OsStr) -> String {
    let mut text = String::new();
    for chunk in name.as_encoded_bytes().utf8_chunks() {
        text.push_str(chunk.valid());
        for byte in chunk.invalid() {
            text.push_str(&format!("\\x{byte:02x}"));
        }
    }
    text
}
