//! Writing a report file whole or not at all.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};

/// The temporary files being written now, for [`remove_unfinished`].
static UNFINISHED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn unfinished() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    UNFINISHED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Removes the temporary files of every write still under way, and returns how many there
/// were: for a program that is about to end in the middle of one (an interrupt), so that no
/// `.NAME.PID.tmp` is left behind. The writes themselves then fail or are never finished.
pub fn remove_unfinished() -> usize {
    let files: Vec<PathBuf> = unfinished().drain(..).collect();
    remove_files(files)
}

/// Removes each of `files` (those already gone count too), and returns how many there were.
fn remove_files(files: Vec<PathBuf>) -> usize {
    let count = files.len();
    for file in files {
        let _ = std::fs::remove_file(file);
    }
    count
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file beside it, then renamed.
/// A path that exists and is not a regular file (`/dev/null`, a pipe) is written in place:
/// renaming over it would replace the device.
///
/// # Errors
/// [`Error::Write`] when the file cannot be created, written or renamed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let write_error = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut file| file.write_all(bytes))
            .map_err(write_error);
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".to_string());
    let temporary = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    unfinished().push(temporary.clone());
    let result = std::fs::File::create(&temporary)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    unfinished().retain(|t| *t != temporary);
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_write_leaves_no_temporary_file() {
        // The list is shared by every write of the process, tests running beside this one
        // included: this test never empties it, it checks each half on its own.
        let dir = tempfile::tempdir().unwrap();
        let temporary = dir.path().join(".report.json.1.tmp");
        std::fs::write(&temporary, b"half").unwrap();
        assert_eq!(remove_files(vec![temporary.clone()]), 1);
        assert!(!temporary.exists());
        // A write under way is on the list; a finished one no longer is.
        let path = dir.path().join("done.json");
        write_atomically(&path, b"whole").unwrap();
        assert!(!unfinished().iter().any(|t| t.starts_with(dir.path())));
        assert_eq!(std::fs::read(&path).unwrap(), b"whole");
    }

    #[test]
    fn atomic_writes_leave_no_temporary_file_and_spare_devices() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // Writing to the null device must leave it a device.
        write_atomically(Path::new("/dev/null"), b"gone").unwrap();
        let null = std::fs::metadata("/dev/null").unwrap();
        assert!(!null.is_file(), "/dev/null was replaced by a file");
        assert!(write_atomically(&dir.path().join("missing/x.json"), b"x").is_err());
    }
}
