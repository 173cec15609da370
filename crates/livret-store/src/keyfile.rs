//! The key file `storage.key`: 32 random bytes, mode 0600.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use rand::rngs::OsRng;
use rand::RngCore;
use zeroize::Zeroizing;

use crate::{StorageKey, StoreError};

/// Reads the key file; `Ok(None)` if it does not exist.
///
/// Refuses a file accessible to group or others (unix), or not exactly 32 bytes long.
pub(crate) fn read(path: &Path) -> Result<Option<StorageKey>, StoreError> {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io(path)(e)),
    };
    if !meta.is_file() {
        return Err(StoreError::KeyFileInvalid {
            path: path.to_path_buf(),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(StoreError::KeyFilePermissions {
                path: path.to_path_buf(),
            });
        }
    }
    if meta.len() != 32 {
        return Err(StoreError::KeyFileInvalid {
            path: path.to_path_buf(),
        });
    }
    let mut file = fs::File::open(path).map_err(StoreError::io(path))?;
    let mut key = Zeroizing::new([0u8; 32]);
    file.read_exact(key.as_mut())
        .map_err(|_| StoreError::KeyFileInvalid {
            path: path.to_path_buf(),
        })?;
    let mut extra = [0u8; 1];
    if file.read(&mut extra).map_err(StoreError::io(path))? != 0 {
        return Err(StoreError::KeyFileInvalid {
            path: path.to_path_buf(),
        });
    }
    Ok(Some(StorageKey::from_bytes(key)))
}

/// Creates a new random key file: written to a temporary file (mode 0600),
/// fsynced, renamed into place, then the directory is fsynced.
///
/// The caller serializes creators (it holds the database write lock).
pub(crate) fn create(path: &Path) -> Result<StorageKey, StoreError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let key = StorageKey::generate();
    let mut suffix = [0u8; 8];
    OsRng.fill_bytes(&mut suffix);
    let tmp = dir.join(format!(
        ".storage.key.tmp-{}",
        suffix
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ));
    let result = (|| -> Result<(), StoreError> {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(StoreError::io(&tmp))?;
        file.write_all(key.expose_bytes())
            .map_err(StoreError::io(&tmp))?;
        file.sync_all().map_err(StoreError::io(&tmp))?;
        drop(file);
        fs::rename(&tmp, path).map_err(StoreError::io(path))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map(|()| key)
}

/// Fsyncs a directory so a rename in it is durable (no-op where unsupported).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(StoreError::io(dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_then_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("storage.key");
        assert!(read(&path).unwrap().is_none());
        let key = create(&path).unwrap();
        let again = read(&path).unwrap().unwrap();
        assert_eq!(key.expose_bytes(), again.expose_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temporary file left behind.
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn wrong_length_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("storage.key");
        create(&path).unwrap();
        let mut bytes = fs::read(&path).unwrap();
        bytes.push(0);
        fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            read(&path),
            Err(StoreError::KeyFileInvalid { .. })
        ));
    }
}
