//! Errors of the store, with an English `Display` and a French one-liner.

use std::path::PathBuf;

use crate::KeyKind;

/// Everything that can go wrong when opening or using the store.
///
/// No variant carries a secret (key, passphrase) or a decrypted value, so
/// `Debug` and `Display` are safe to log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file or directory of the home could not be read or written.
    #[error("cannot access {}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The storage key or passphrase does not open this store.
    #[error("wrong storage key or passphrase")]
    WrongKey,
    /// The key file is readable or writable by other users.
    #[error("key file {} is accessible to other users; it must have mode 0600", path.display())]
    KeyFilePermissions {
        /// The key file.
        path: PathBuf,
    },
    /// The key file is not a 32-byte regular file.
    #[error("key file {} is not a valid storage key (expected 32 bytes)", path.display())]
    KeyFileInvalid {
        /// The key file.
        path: PathBuf,
    },
    /// The store was created with a key file that is no longer there.
    #[error("key file {} is missing, but this store was encrypted with it", path.display())]
    KeyFileMissing {
        /// The expected key file.
        path: PathBuf,
    },
    /// The store is protected by another kind of key than the one given.
    #[error("this store is protected by {expected}; it cannot be opened with {given}")]
    KeySourceMismatch {
        /// How the store was created.
        expected: KeyKind,
        /// What was supplied.
        given: KeyKind,
    },
    /// An empty passphrase was given.
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    /// The Argon2id parameters are out of range.
    #[error("invalid key derivation parameters: {0}")]
    KdfParams(String),
    /// A stored value failed to decrypt or decode (corruption or tampering).
    #[error("stored data is corrupt or was tampered with: {0}")]
    Corrupt(String),
    /// The database was written by a newer version of the program.
    #[error("database schema version {found} is newer than this program knows ({known}); update the application")]
    SchemaTooNew {
        /// The version found in the file.
        found: u32,
        /// The newest version this code knows.
        known: u32,
    },
    /// The home directory holds no initialized store.
    #[error("no livret store in {}", path.display())]
    NotInitialized {
        /// The home directory.
        path: PathBuf,
    },
    /// The database file belongs to something else.
    #[error("{} is not a livret store", path.display())]
    NotAStore {
        /// The database file.
        path: PathBuf,
    },
    /// No home directory could be determined.
    #[error("no home directory: pass --home DIR or set LIVRET_HOME")]
    NoHome,
}

impl StoreError {
    /// A clear one-line French message, for the user.
    pub fn french(&self) -> String {
        match self {
            Self::Sqlite(e) => format!("Erreur de la base de données : {e}"),
            Self::Io { path, source } => {
                format!("Impossible d'accéder à {} : {source}", path.display())
            }
            Self::WrongKey => "Clé de stockage ou phrase de passe incorrecte : les données de cet appareil ne peuvent pas être ouvertes.".to_owned(),
            Self::KeyFilePermissions { path } => format!(
                "Le fichier de clé {} est accessible à d'autres utilisateurs : ses droits doivent être 0600 (chmod 600).",
                path.display()
            ),
            Self::KeyFileInvalid { path } => format!(
                "Le fichier de clé {} n'est pas une clé de stockage valide (32 octets attendus).",
                path.display()
            ),
            Self::KeyFileMissing { path } => format!(
                "Le fichier de clé {} est introuvable, alors que les données de cet appareil ont été chiffrées avec lui.",
                path.display()
            ),
            Self::KeySourceMismatch { expected, given } => format!(
                "Ces données sont protégées par {} ; elles ne peuvent pas être ouvertes avec {}.",
                expected.french(),
                given.french()
            ),
            Self::EmptyPassphrase => "La phrase de passe est vide.".to_owned(),
            Self::KdfParams(m) => format!("Paramètres de dérivation de clé invalides : {m}."),
            Self::Corrupt(what) => {
                format!("Données enregistrées corrompues ou modifiées ({what}).")
            }
            Self::SchemaTooNew { found, known } => format!(
                "La base de données (version {found}) est plus récente que ce programme (version {known}) : mettez l'application à jour."
            ),
            Self::NotInitialized { path } => format!(
                "Aucun livret n'est enregistré dans {} : initialisez d'abord cet appareil.",
                path.display()
            ),
            Self::NotAStore { path } => {
                format!("{} n'est pas une base de données de livret.", path.display())
            }
            Self::NoHome => "Impossible de déterminer le dossier des données : indiquez --home DOSSIER ou la variable LIVRET_HOME.".to_owned(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}
