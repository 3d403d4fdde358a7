//! Reading a CSV manifest of `path,label` rows.

use std::path::Path;

use super::{assemble, decode_files, Dataset, Origin};
use crate::error::{Error, Result};

impl Dataset {
    /// Reads a CSV manifest of `path,label` rows (paths relative to the manifest), for images
    /// that sit in one flat folder. A first row that names no image is a header, whatever its
    /// words (`path,label`, `filename,class`); one that names the label first (`label,path`,
    /// `class,file`) puts the label first in every row.
    ///
    /// # Errors
    /// [`Error::Read`] when the manifest cannot be read, [`Error::Manifest`] for a row that is
    /// not `path,label`, [`Error::NotEnoughData`] with fewer than two classes.
    pub fn from_manifest(manifest: &Path) -> Result<Dataset> {
        let text = crate::input::read_file(manifest, crate::input::FileKind::Table.max()).map_err(
            |source| Error::Read {
                path: manifest.to_path_buf(),
                source,
            },
        )?;
        let base = manifest.parent().unwrap_or(Path::new("."));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&text[..]);
        let mut candidates = Vec::new();
        let mut outside = Vec::new();
        // Which field holds the path: the first, unless a header names the label first.
        let mut path_first = true;
        for (line, record) in reader.records().enumerate() {
            let record = record.map_err(|err| Error::Manifest {
                path: manifest.to_path_buf(),
                line: line + 1,
                reason: err.to_string(),
            })?;
            let fields: Vec<&str> = record.iter().map(str::trim).collect();
            let names_a_file = fields
                .iter()
                .any(|f| !f.is_empty() && base.join(f).is_file());
            if line == 0 && is_header(&fields) && !names_a_file {
                path_first = !fields.first().is_some_and(|f| names_label(f));
                continue;
            }
            match fields[..] {
                [a, b] if !a.is_empty() && !b.is_empty() => {
                    let (path, label) = if path_first { (a, b) } else { (b, a) };
                    // Read as given, but said: a manifest is usually a folder's index.
                    let relative = Path::new(path);
                    if relative.is_absolute()
                        || relative
                            .components()
                            .any(|c| matches!(c, std::path::Component::ParentDir))
                    {
                        outside.push(path.to_string());
                    }
                    candidates.push((label.to_string(), base.join(path)));
                }
                [""] | [] => {}
                _ => {
                    return Err(Error::Manifest {
                        path: manifest.to_path_buf(),
                        line: line + 1,
                        reason: format!("expected two fields, path,label; found {}", record.len()),
                    })
                }
            }
        }
        let decoded = decode_files(candidates);
        let mut dataset = assemble(
            manifest,
            decoded,
            Vec::new(),
            Origin::Manifest,
            Vec::new(),
            0,
        )?;
        dataset.outside_manifest = outside;
        Ok(dataset)
    }
}

/// Whether the first row of a manifest looks like a header: two fields, neither with an image
/// file's extension (`path,label`, `filename,class`, `label,image`, ...). The reader also
/// checks that neither names a file that exists, so a data row of an image without an
/// extension is still data.
fn is_header(fields: &[&str]) -> bool {
    fields.len() == 2
        && !fields
            .iter()
            .any(|f| super::folder::has_image_extension(Path::new(f)))
}

/// Whether a header field names the label column rather than the path.
fn names_label(field: &str) -> bool {
    const LABELS: [&str; 6] = ["label", "labels", "class", "category", "target", "y"];
    LABELS.iter().any(|l| field.eq_ignore_ascii_case(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_row_without_an_image_is_a_header_and_may_put_the_label_first() {
        assert!(is_header(&["path", "label"]));
        assert!(is_header(&["filename", "class"]));
        assert!(is_header(&["Label", "image"]));
        assert!(!is_header(&["a.png", "1"]));
        assert!(!is_header(&["7", "img/x.PNG"]));
        assert!(!is_header(&["path"]));
        assert!(names_label("Label") && names_label("class"));
        assert!(!names_label("path") && !names_label("filename"));
    }
}
