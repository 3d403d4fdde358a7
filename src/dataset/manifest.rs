//! Reading a CSV manifest of `path,label` rows.

use std::path::Path;

use super::{assemble, decode_files, Dataset, Origin};
use crate::error::{Error, Result};

impl Dataset {
    /// Reads a CSV manifest of `path,label` rows (paths relative to the manifest; a first row
    /// `path,label` is a header), for images that sit in one flat folder.
    ///
    /// # Errors
    /// [`Error::Read`] when the manifest cannot be read, [`Error::Manifest`] for a row that is
    /// not `path,label`, [`Error::NotEnoughData`] with fewer than two classes.
    pub fn from_manifest(manifest: &Path) -> Result<Dataset> {
        let text = std::fs::read(manifest).map_err(|source| Error::Read {
            path: manifest.to_path_buf(),
            source,
        })?;
        let base = manifest.parent().unwrap_or(Path::new("."));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&text[..]);
        let mut candidates = Vec::new();
        for (line, record) in reader.records().enumerate() {
            let record = record.map_err(|err| Error::Manifest {
                path: manifest.to_path_buf(),
                line: line + 1,
                reason: err.to_string(),
            })?;
            let fields: Vec<&str> = record.iter().map(str::trim).collect();
            if line == 0 && fields.first() == Some(&"path") {
                continue;
            }
            match fields[..] {
                [path, label] if !path.is_empty() && !label.is_empty() => {
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
        assemble(
            manifest,
            decoded,
            Vec::new(),
            Origin::Manifest,
            Vec::new(),
            0,
        )
    }
}
