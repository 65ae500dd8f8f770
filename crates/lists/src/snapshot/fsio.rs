//! Durable file-system steps: write-and-fsync, atomic replace, directory fsync.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to a new file at `path` and flushes it to disk.
pub(crate) fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Flushes a directory's entries (new names, renames) to disk. On platforms where a
/// directory cannot be opened for syncing this is a no-op.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir) {
        Ok(handle) => match handle.sync_all() {
            Ok(()) => Ok(()),
            // Some file systems refuse fsync on directories; the rename is still atomic.
            Err(e)
                if e.kind() == io::ErrorKind::InvalidInput
                    || e.kind() == io::ErrorKind::PermissionDenied =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        },
        Err(e) if cfg!(windows) && e.kind() == io::ErrorKind::PermissionDenied => Ok(()),
        Err(e) => Err(e),
    }
}

/// Replaces `path` atomically with `bytes`: temp file beside it, fsync, rename, fsync
/// the directory. Readers see the old content or the new, never a mix.
pub(crate) fn replace_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.tmp-{}", unique_suffix()));
    let result = write_synced(&temp, bytes).and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result?;
    sync_dir(dir)
}

/// A suffix unlikely to clash between processes or calls: pid and nanoseconds.
pub(crate) fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{}-{nanos}", std::process::id())
}

/// A lock file: created exclusively, removed on drop. A lock file older than
/// [`DirLock::STALE`] is taken to be left by a process that died and is removed.
pub(crate) struct DirLock {
    path: std::path::PathBuf,
}

impl DirLock {
    /// How long to wait for another holder before giving up.
    const WAIT: std::time::Duration = std::time::Duration::from_secs(120);
    /// A lock untouched this long belongs to a process that is gone.
    const STALE: std::time::Duration = std::time::Duration::from_secs(600);

    pub(crate) fn acquire(path: &Path) -> io::Result<DirLock> {
        let started = std::time::Instant::now();
        loop {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(mut file) => {
                    let _ = writeln!(file, "{}", std::process::id());
                    return Ok(DirLock {
                        path: path.to_path_buf(),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let age = fs::metadata(path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|m| m.elapsed().ok());
                    if age.is_some_and(|age| age > Self::STALE) {
                        let _ = fs::remove_file(path);
                        continue;
                    }
                    if started.elapsed() > Self::WAIT {
                        return Err(io::Error::new(
                            io::ErrorKind::WouldBlock,
                            format!(
                                "another import or rollback has held it for over {} s (remove the file if none is running)",
                                Self::WAIT.as_secs()
                            ),
                        ));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}
