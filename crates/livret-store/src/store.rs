//! The store: opening, unlocking, and the tables' operations.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use zeroize::Zeroizing;

use crate::crypto::{random_salt, Ad, Keys, SALT_LEN};
use crate::{
    keyfile, schema, KdfParams, KeyKind, KeySource, StorageKey, StoreError, DB_FILE_NAME,
    KEY_FILE_NAME,
};

type Result<T, E = StoreError> = std::result::Result<T, E>;

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const KEY_CHECK_PLAINTEXT: &[u8] = b"livret-store key check v1";
const SECTION_DOMAIN: &str = "section-name";

/// A record as listed by [`Store::records`]: (id, livret, decrypted value).
pub type RecordRow = (String, Option<String>, Vec<u8>);

/// The device's own identity, one per home.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    /// The device's role (e.g. "family", "teacher"); stored in clear.
    pub role: String,
    /// A human name for the device; encrypted.
    pub name: String,
    /// The device's secret signing key; encrypted. Redacted in `Debug`.
    pub secret_key: Zeroizing<[u8; 32]>,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

impl fmt::Debug for DeviceRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceRecord")
            .field("role", &self.role)
            .field("name", &self.name)
            .field("secret_key", &"<redacted>")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// A section document as stored: the last snapshot and the incremental chunks
/// appended since, in order. Load the snapshot, then each increment
/// (Automerge `load` then `load_incremental`). The snapshot is empty if only
/// increments were ever stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionData {
    /// The compacted document (`Automerge::save`), possibly empty.
    pub snapshot: Vec<u8>,
    /// Chunks appended after the snapshot, oldest first.
    pub increments: Vec<Vec<u8>>,
}

/// What a section's stored copy weighs (sealed bytes, read without decrypting): what a
/// writer needs to choose between appending and rewriting it whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SectionWeight {
    /// The snapshot's size.
    pub snapshot_bytes: usize,
    /// How many increments follow it.
    pub increments: usize,
    /// Their total size.
    pub increment_bytes: usize,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When, unix seconds.
    pub at: i64,
    /// The livret concerned, if any.
    pub livret: Option<String>,
    /// The peer concerned, if any.
    pub peer: Option<String>,
    /// The section concerned, if any; encrypted.
    pub section: Option<String>,
    /// What happened: "sent", "received", "refused", "granted", "revoked", "purged"...
    pub action: String,
    /// "accepted" or "refused".
    pub outcome: String,
    /// Free text; encrypted.
    pub detail: String,
}

/// Options for [`Store::open_with`].
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Create the home and the database if missing (default true); when false,
    /// opening a home that was never initialized fails with `NotInitialized`.
    pub create: bool,
    /// Argon2id parameters used when a passphrase store is *created*.
    pub kdf: KdfParams,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            create: true,
            kdf: KdfParams::RECOMMENDED,
        }
    }
}

/// The device's store: one SQLite connection and the unlocked keys.
///
/// Every write runs in its own transaction (or in the caller's, see
/// [`Store::transaction`]); WAL with `synchronous=FULL` makes an acknowledged
/// write durable and an interrupted one vanish whole.
pub struct Store {
    conn: Connection,
    keys: Keys,
    home: PathBuf,
    /// Whether the database is in WAL mode: only then may a commit leave its durability to the
    /// next durable one ([`Store::transaction_deferred`]).
    wal: bool,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("home", &self.home).finish()
    }
}

/// Reads and writes inside one transaction; see [`Store::transaction`].
pub struct StoreTx<'a> {
    conn: &'a Connection,
    keys: &'a Keys,
}

impl fmt::Debug for StoreTx<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreTx")
    }
}

// ---------------------------------------------------------------- opening

fn create_home(home: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(home).map_err(StoreError::io(home))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(home) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    home = %home.display(),
                    "the home directory is accessible to other users; chmod 700 is advised"
                );
            }
        }
    }
    Ok(())
}

/// Creates the database file with mode 0600 before SQLite does (SQLite gives
/// its -wal and -shm files the database file's permissions).
fn precreate_private_file(path: &Path) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop).map_err(StoreError::io(path))
}

/// Sets the connection up; whether the database is in WAL mode.
fn configure(conn: &Connection) -> Result<bool> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    let wal = mode.eq_ignore_ascii_case("wal");
    if !wal {
        tracing::warn!(
            mode,
            "WAL unavailable on this file system; using the rollback journal"
        );
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA trusted_schema = OFF;
         PRAGMA cell_size_check = ON;",
    )?;
    // Every statement of the store is prepared once per connection and kept (compiling SQL
    // was about a fifth of a class sync's CPU time): room for all of them.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(wal)
}

/// How many prepared statements a connection keeps (the store has about fifty).
const STATEMENT_CACHE: usize = 96;

fn meta_get(conn: &Connection, name: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?)
}

fn meta_put(conn: &Connection, name: &str, value: &[u8]) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![name, value],
    )?;
    Ok(())
}

struct KeyMeta {
    kind: KeyKind,
    check: Vec<u8>,
    salt: Option<Vec<u8>>,
    kdf: Option<Vec<u8>>,
}

fn read_key_meta(conn: &Connection) -> Result<Option<KeyMeta>> {
    let Some(check) = meta_get(conn, "key_check")? else {
        return Ok(None);
    };
    let kind = meta_get(conn, "key_source")?
        .and_then(|k| KeyKind::parse(&k))
        .ok_or_else(|| StoreError::Corrupt("meta.key_source".into()))?;
    Ok(Some(KeyMeta {
        kind,
        check,
        salt: meta_get(conn, "kdf_salt")?,
        kdf: meta_get(conn, "kdf_params")?,
    }))
}

fn check_ad(kind: KeyKind) -> Ad {
    Ad::new("meta", "key_check").str(kind.as_str())
}

/// Finds the storage key and checks it against the stored check value,
/// or sets up the key on a fresh database.
fn unlock(
    conn: &mut Connection,
    home: &Path,
    key: KeySource,
    options: &OpenOptions,
) -> Result<Keys> {
    if let Some(meta) = read_key_meta(conn)? {
        return verify_key(home, key, &meta);
    }
    // Fresh database: set up under the write lock so that two processes
    // opening the same new home agree on one key.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let keys = match read_key_meta(&tx)? {
        Some(meta) => verify_key(home, key, &meta)?,
        None => initialize_key(&tx, home, key, options)?,
    };
    tx.commit()?;
    Ok(keys)
}

fn verify_key(home: &Path, key: KeySource, meta: &KeyMeta) -> Result<Keys> {
    let given = key.kind();
    if given != meta.kind {
        return Err(StoreError::KeySourceMismatch {
            expected: meta.kind,
            given,
        });
    }
    let storage_key = match key {
        KeySource::KeyFile => {
            let path = home.join(KEY_FILE_NAME);
            match keyfile::read(&path)? {
                Some(k) => k,
                None => return Err(StoreError::KeyFileMissing { path }),
            }
        }
        KeySource::Passphrase(passphrase) => {
            let salt: [u8; SALT_LEN] = meta
                .salt
                .as_deref()
                .and_then(|s| s.try_into().ok())
                .ok_or_else(|| StoreError::Corrupt("meta.kdf_salt".into()))?;
            let params = KdfParams::from_bytes(
                meta.kdf
                    .as_deref()
                    .ok_or_else(|| StoreError::Corrupt("meta.kdf_params".into()))?,
            )?;
            params.derive(passphrase.as_str(), &salt)?
        }
        KeySource::Raw(bytes) => StorageKey::from_bytes(bytes),
    };
    let keys = Keys::derive(&storage_key)?;
    let plain = keys
        .open(&check_ad(meta.kind), &meta.check, "meta.key_check")
        .map_err(|_| StoreError::WrongKey)?;
    if plain.as_slice() != KEY_CHECK_PLAINTEXT {
        return Err(StoreError::WrongKey);
    }
    Ok(keys)
}

fn initialize_key(
    conn: &Connection,
    home: &Path,
    key: KeySource,
    options: &OpenOptions,
) -> Result<Keys> {
    let kind = key.kind();
    let storage_key = match key {
        KeySource::KeyFile => {
            let path = home.join(KEY_FILE_NAME);
            match keyfile::read(&path)? {
                Some(k) => k,
                None => keyfile::create(&path)?,
            }
        }
        KeySource::Passphrase(passphrase) => {
            if passphrase.is_empty() {
                return Err(StoreError::EmptyPassphrase);
            }
            let salt = random_salt();
            let k = options.kdf.derive(passphrase.as_str(), &salt)?;
            meta_put(conn, "kdf_salt", &salt)?;
            meta_put(conn, "kdf_params", &options.kdf.to_bytes())?;
            k
        }
        KeySource::Raw(bytes) => StorageKey::from_bytes(bytes),
    };
    let keys = Keys::derive(&storage_key)?;
    meta_put(conn, "key_source", kind.as_str().as_bytes())?;
    meta_put(
        conn,
        "key_check",
        &keys.seal(&check_ad(kind), KEY_CHECK_PLAINTEXT)?,
    )?;
    Ok(keys)
}

impl Store {
    /// Opens (creating if needed) the store of `home`: creates the directory
    /// (mode 0700), opens `livret.sqlite3` (WAL, `synchronous=FULL`,
    /// `foreign_keys=ON`, `secure_delete=ON`, 5 s busy timeout), runs pending
    /// migrations and unlocks it with `key`.
    pub fn open(home: &Path, key: KeySource) -> Result<Self> {
        Self::open_with(home, key, &OpenOptions::default())
    }

    /// [`Store::open`] with options.
    pub fn open_with(home: &Path, key: KeySource, options: &OpenOptions) -> Result<Self> {
        if !options.create && !Self::exists(home) {
            return Err(StoreError::NotInitialized {
                path: home.to_path_buf(),
            });
        }
        create_home(home)?;
        let db_path = home.join(DB_FILE_NAME);
        precreate_private_file(&db_path)?;
        let mut conn = Connection::open(&db_path)?;
        let wal = configure(&conn)?;
        schema::migrate(&mut conn, &db_path)?;
        let keys = unlock(&mut conn, home, key, options)?;
        Ok(Self {
            conn,
            keys,
            home: home.to_path_buf(),
            wal,
        })
    }

    /// Whether `home` holds an initialized store (database with a key set up).
    pub fn exists(home: &Path) -> bool {
        let path = home.join(DB_FILE_NAME);
        if !path.is_file() {
            return false;
        }
        let Ok(conn) = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        ) else {
            return false;
        };
        let _ = conn.busy_timeout(BUSY_TIMEOUT);
        conn.query_row(
            "SELECT COUNT(*) FROM meta WHERE name = 'key_check'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)
        .unwrap_or(false)
    }

    /// The home directory.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32> {
        schema::user_version(&self.conn)
    }

    /// Closes the database, reporting any error (dropping also closes).
    pub fn close(self) -> Result<()> {
        self.conn.close().map_err(|(_, e)| StoreError::Sqlite(e))
    }

    /// Runs `f` in one write transaction: everything it wrote is committed if
    /// it returns `Ok`, and nothing if it returns `Err` or panics. A committed
    /// transaction survives a crash (WAL, `synchronous=FULL`); an interrupted
    /// one leaves no trace.
    pub fn transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&StoreTx<'_>) -> Result<T, E>,
        E: From<StoreError>,
    {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let out = f(&StoreTx {
            conn: &tx,
            keys: &self.keys,
        })?;
        tx.commit().map_err(StoreError::from)?;
        Ok(out)
    }

    /// [`Store::transaction`] for what may be lost on a power cut but must never be half
    /// written (a session's audit lines and sync states): the commit does not wait for the
    /// disk. It is as atomic as any, survives the process being killed (it is in the WAL, in
    /// the system's cache), and becomes durable with the next durable commit or checkpoint,
    /// which syncs the WAL it follows in; a power cut before that loses it, and whatever came
    /// after it, never what came before. Without WAL, the same as [`Store::transaction`].
    pub fn transaction_deferred<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&StoreTx<'_>) -> Result<T, E>,
        E: From<StoreError>,
    {
        if !self.wal {
            return self.transaction(f);
        }
        self.conn
            .execute_batch("PRAGMA synchronous = NORMAL")
            .map_err(StoreError::from)?;
        let out = self.transaction(f);
        // Every other commit waits for the disk again, whatever happened above.
        let restored = self
            .conn
            .execute_batch("PRAGMA synchronous = FULL")
            .map_err(StoreError::from);
        let out = out?;
        restored?;
        Ok(out)
    }

    fn read<T>(&self, f: impl FnOnce(&StoreTx<'_>) -> Result<T>) -> Result<T> {
        // A read transaction gives multi-statement reads one consistent snapshot.
        let tx = self.conn.unchecked_transaction()?;
        let out = f(&StoreTx {
            conn: &tx,
            keys: &self.keys,
        });
        drop(tx);
        out
    }

    /// Runs SQLite's `PRAGMA integrity_check` and `foreign_key_check`, then
    /// decrypts every stored value; any failure is `Corrupt`.
    pub fn integrity_check(&self) -> Result<()> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let lines = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        if lines.len() != 1 || lines.first().map(String::as_str) != Some("ok") {
            return Err(StoreError::Corrupt(format!(
                "integrity_check: {}",
                lines.join("; ")
            )));
        }
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check")?;
        let violations = stmt.query_map([], |_| Ok(()))?.count();
        if violations > 0 {
            return Err(StoreError::Corrupt(format!(
                "{violations} foreign key violation(s)"
            )));
        }
        self.read(|tx| tx.verify_all())
    }

    /// Rebuilds the database (`VACUUM`) and truncates the WAL
    /// (`wal_checkpoint(TRUNCATE)`), so deleted data leaves the files.
    /// Returns false if another connection kept the WAL from being truncated.
    pub fn vacuum(&mut self) -> Result<bool> {
        self.conn.execute_batch("VACUUM")?;
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        if busy != 0 {
            tracing::warn!("another connection kept the WAL from being truncated");
        }
        Ok(busy == 0)
    }

    /// Saves the device identity (replacing any previous one).
    pub fn put_device(&mut self, device: &DeviceRecord) -> Result<()> {
        self.transaction(|tx| tx.put_device(device))
    }

    /// The device identity, if set.
    pub fn device(&self) -> Result<Option<DeviceRecord>> {
        self.read(|tx| tx.device())
    }

    /// Inserts or replaces the record `(kind, id)`; `value` is encrypted.
    pub fn put_record(
        &mut self,
        kind: &str,
        id: &str,
        livret: Option<&str>,
        value: &[u8],
    ) -> Result<()> {
        self.transaction(|tx| tx.put_record(kind, id, livret, value))
    }

    /// The value of record `(kind, id)`.
    pub fn record(&self, kind: &str, id: &str) -> Result<Option<Vec<u8>>> {
        self.read(|tx| tx.record(kind, id))
    }

    /// All records of `kind`, as (id, livret, value), ordered by id.
    pub fn records(&self, kind: &str) -> Result<Vec<RecordRow>> {
        self.read(|tx| tx.records(kind))
    }

    /// The records of `kind` attached to `livret`, as (id, value), ordered by id.
    pub fn records_for_livret(&self, kind: &str, livret: &str) -> Result<Vec<(String, Vec<u8>)>> {
        self.read(|tx| tx.records_for_livret(kind, livret))
    }

    /// What identifies the stored records of `kind`, read without decrypting them: their ids
    /// and the nonces their values were sealed with (every write seals with a fresh random
    /// nonce, so any write, addition or deletion of one changes it).
    pub fn records_fingerprint(&self, kind: &str) -> Result<Vec<u8>> {
        self.read(|tx| {
            let mut stmt = tx.conn.prepare_cached(
                "SELECT id, substr(value, 1, 24) FROM records WHERE kind = ?1 ORDER BY id",
            )?;
            let mut rows = stmt.query([kind])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let id: String = row.get(0)?;
                let nonce: Vec<u8> = row.get(1)?;
                out.extend_from_slice(&(id.len() as u64).to_be_bytes());
                out.extend_from_slice(id.as_bytes());
                out.extend_from_slice(&nonce);
            }
            Ok(out)
        })
    }

    /// Deletes record `(kind, id)`; true if it existed.
    pub fn delete_record(&mut self, kind: &str, id: &str) -> Result<bool> {
        self.transaction(|tx| tx.delete_record(kind, id))
    }

    /// Deletes every record attached to `livret`; returns how many.
    pub fn delete_records_for_livret(&mut self, livret: &str) -> Result<usize> {
        self.transaction(|tx| tx.delete_records_for_livret(livret))
    }

    /// Replaces the section's snapshot and deletes its increments, atomically.
    pub fn put_section_snapshot(
        &mut self,
        livret: &str,
        section: &str,
        snapshot: &[u8],
    ) -> Result<()> {
        self.transaction(|tx| tx.put_section_snapshot(livret, section, snapshot))
    }

    /// Appends an incremental chunk to the section (creating it with an empty
    /// snapshot if needed). Empty chunks are not stored.
    pub fn append_section_changes(
        &mut self,
        livret: &str,
        section: &str,
        changes: &[u8],
    ) -> Result<()> {
        self.transaction(|tx| tx.append_section_changes(livret, section, changes))
    }

    /// The section's snapshot and increments, or `None` if it does not exist.
    pub fn load_section(&self, livret: &str, section: &str) -> Result<Option<SectionData>> {
        self.read(|tx| tx.load_section(livret, section))
    }

    /// How many increments the section has since its snapshot.
    pub fn section_increment_count(&self, livret: &str, section: &str) -> Result<usize> {
        self.read(|tx| tx.section_increment_count(livret, section))
    }

    /// Whether the section is stored (nothing read nor decrypted but its row's presence).
    pub fn section_exists(&self, livret: &str, section: &str) -> Result<bool> {
        self.read(|tx| tx.section_exists(livret, section))
    }

    /// What the section's stored copy weighs, or `None` if it is not stored.
    pub fn section_weight(&self, livret: &str, section: &str) -> Result<Option<SectionWeight>> {
        self.read(|tx| tx.section_weight(livret, section))
    }

    /// What identifies the section's stored bytes, read without decrypting them: the nonces
    /// of its snapshot and of each increment, with their sequence numbers (every write seals
    /// with a fresh random nonce, so a rewrite, an appended increment or a compaction changes
    /// it). `None` if the section is not stored.
    pub fn section_fingerprint(&self, livret: &str, section: &str) -> Result<Option<Vec<u8>>> {
        self.read(|tx| tx.section_fingerprint(livret, section))
    }

    /// [`Store::section_fingerprint`] of the section named `section` of each of `livrets`, in
    /// their order, read in one transaction (opening a teacher's store asks it of every
    /// manifest held).
    pub fn section_fingerprints(
        &self,
        livrets: &[String],
        section: &str,
    ) -> Result<Vec<Option<Vec<u8>>>> {
        self.read(|tx| {
            livrets
                .iter()
                .map(|l| tx.section_fingerprint(l, section))
                .collect()
        })
    }

    /// The names of the livret's sections, sorted.
    pub fn sections_of(&self, livret: &str) -> Result<Vec<String>> {
        self.read(|tx| tx.sections_of(livret))
    }

    /// The names of every livret's sections, each list sorted, in one transaction (a list of
    /// 600 livrets asks them all).
    pub fn sections_of_all(&self) -> Result<BTreeMap<String, Vec<String>>> {
        self.read(|tx| tx.sections_of_all())
    }

    /// See [`StoreTx::section_heads`].
    pub fn section_heads(&self, livret: &str, section: &str) -> Result<Option<Vec<u8>>> {
        self.read(|tx| tx.section_heads(livret, section))
    }

    /// Deletes a section, its increments and its sync states; true if it existed.
    pub fn delete_section(&mut self, livret: &str, section: &str) -> Result<bool> {
        self.transaction(|tx| tx.delete_section(livret, section))
    }

    /// The livrets that have at least one section, sorted.
    pub fn livrets_with_sections(&self) -> Result<Vec<String>> {
        self.read(|tx| tx.livrets_with_sections())
    }

    /// Saves the sync state with `peer` for one section.
    pub fn put_sync_state(
        &mut self,
        peer: &str,
        livret: &str,
        section: &str,
        state: &[u8],
    ) -> Result<()> {
        self.transaction(|tx| tx.put_sync_state(peer, livret, section, state))
    }

    /// The sync state with `peer` for one section.
    pub fn sync_state(&self, peer: &str, livret: &str, section: &str) -> Result<Option<Vec<u8>>> {
        self.read(|tx| tx.sync_state(peer, livret, section))
    }

    /// Deletes the sync state with `peer` for one section; true if it existed.
    pub fn delete_sync_state(&mut self, peer: &str, livret: &str, section: &str) -> Result<bool> {
        self.transaction(|tx| tx.delete_sync_state(peer, livret, section))
    }

    /// Deletes every sync state with `peer`; returns how many.
    pub fn delete_sync_states_for_peer(&mut self, peer: &str) -> Result<usize> {
        self.transaction(|tx| tx.delete_sync_states_for_peer(peer))
    }

    /// Deletes every sync state of `livret`; returns how many.
    pub fn delete_sync_states_for_livret(&mut self, livret: &str) -> Result<usize> {
        self.transaction(|tx| tx.delete_sync_states_for_livret(livret))
    }

    /// Appends an entry to the audit log.
    pub fn append_audit(&mut self, entry: &AuditEntry) -> Result<()> {
        self.transaction(|tx| tx.append_audit(entry))
    }

    /// The audit log (of one livret, or all), in insertion order.
    pub fn audit(&self, livret: Option<&str>) -> Result<Vec<AuditEntry>> {
        self.read(|tx| tx.audit(livret))
    }

    /// Removes the livret's sections, increments, records and sync states in
    /// one transaction (the audit log is kept). Call [`Store::vacuum`] after a
    /// purge so the deleted bytes leave the files.
    pub fn delete_livret(&mut self, livret: &str) -> Result<()> {
        self.transaction(|tx| tx.delete_livret(livret))
    }
}

// ------------------------------------------------------------ associated data

fn device_ad(column: &str, role: &str, created_at: i64) -> Ad {
    Ad::new("device", column).int(1).str(role).int(created_at)
}

fn record_ad(kind: &str, id: &str, livret: Option<&str>) -> Ad {
    Ad::new("records", "value").str(kind).str(id).opt(livret)
}

fn section_ad(column: &str, livret: &str, hash: &[u8]) -> Ad {
    Ad::new("sections", column).str(livret).bytes(hash)
}

fn heads_ad(livret: &str, hash: &[u8]) -> Ad {
    Ad::new("section_heads", "heads").str(livret).bytes(hash)
}

fn increment_ad(livret: &str, hash: &[u8], seq: i64) -> Ad {
    Ad::new("section_increments", "data")
        .str(livret)
        .bytes(hash)
        .int(seq)
}

fn sync_ad(peer: &str, livret: &str, hash: &[u8]) -> Ad {
    Ad::new("sync_states", "state")
        .str(peer)
        .str(livret)
        .bytes(hash)
}

struct AuditRow {
    seq: i64,
    at: i64,
    livret: Option<String>,
    peer: Option<String>,
    action: String,
    outcome: String,
    section: Option<Vec<u8>>,
    detail: Vec<u8>,
}

fn audit_ad(
    column: &str,
    seq: i64,
    at: i64,
    livret: Option<&str>,
    peer: Option<&str>,
    action: &str,
    outcome: &str,
) -> Ad {
    Ad::new("audit", column)
        .int(seq)
        .int(at)
        .opt(livret)
        .opt(peer)
        .str(action)
        .str(outcome)
}

fn count(n: i64) -> Result<usize> {
    usize::try_from(n).map_err(|_| StoreError::Corrupt("row count".into()))
}

// ---------------------------------------------------------------- operations

impl StoreTx<'_> {
    fn open_vec(&self, ad: &Ad, sealed: &[u8], what: &str) -> Result<Vec<u8>> {
        let mut plain = self.keys.open(ad, sealed, what)?;
        Ok(std::mem::take(&mut *plain))
    }

    fn section_hash(&self, section: &str) -> Result<[u8; 32]> {
        self.keys.lookup(SECTION_DOMAIN, section)
    }

    /// The next value of an AUTOINCREMENT key (the caller holds the write lock).
    fn next_seq(&self, table: &'static str) -> Result<i64> {
        let from_sequence: Option<i64> = self
            .conn
            .prepare_cached("SELECT seq FROM sqlite_sequence WHERE name = ?1")?
            .query_row([table], |r| r.get(0))
            .optional()?;
        let from_max: Option<i64> =
            self.conn
                .query_row(&format!("SELECT MAX(seq) FROM {table}"), [], |r| r.get(0))?;
        Ok(from_sequence.unwrap_or(0).max(from_max.unwrap_or(0)) + 1)
    }

    /// Saves the device identity (replacing any previous one).
    pub fn put_device(&self, device: &DeviceRecord) -> Result<()> {
        let name = self.keys.seal(
            &device_ad("name", &device.role, device.created_at),
            device.name.as_bytes(),
        )?;
        let secret = self.keys.seal(
            &device_ad("secret_key", &device.role, device.created_at),
            device.secret_key.as_ref(),
        )?;
        self.conn.prepare_cached("INSERT INTO device (id, role, name, secret_key, created_at) VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET role = excluded.role, name = excluded.name,
                 secret_key = excluded.secret_key, created_at = excluded.created_at")?.execute(
            params![device.role, name, secret, device.created_at],
        )?;
        Ok(())
    }

    /// The device identity, if set.
    pub fn device(&self) -> Result<Option<DeviceRecord>> {
        let row: Option<(String, Vec<u8>, Vec<u8>, i64)> = self
            .conn
            .prepare_cached("SELECT role, name, secret_key, created_at FROM device WHERE id = 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?;
        let Some((role, name, secret, created_at)) = row else {
            return Ok(None);
        };
        let name =
            self.keys
                .open_string(&device_ad("name", &role, created_at), &name, "device.name")?;
        let plain = self.keys.open(
            &device_ad("secret_key", &role, created_at),
            &secret,
            "device.secret_key",
        )?;
        let mut secret_key = Zeroizing::new([0u8; 32]);
        if plain.len() != 32 {
            return Err(StoreError::Corrupt("device.secret_key".into()));
        }
        secret_key.copy_from_slice(&plain);
        Ok(Some(DeviceRecord {
            role,
            name,
            secret_key,
            created_at,
        }))
    }

    /// Inserts or replaces the record `(kind, id)`; `value` is encrypted.
    pub fn put_record(
        &self,
        kind: &str,
        id: &str,
        livret: Option<&str>,
        value: &[u8],
    ) -> Result<()> {
        let sealed = self.keys.seal(&record_ad(kind, id, livret), value)?;
        self.conn
            .prepare_cached(
                "INSERT INTO records (kind, id, livret, value) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (kind, id) DO UPDATE SET livret = excluded.livret, value = excluded.value",
            )?
            .execute(params![kind, id, livret, sealed])?;
        Ok(())
    }

    /// The value of record `(kind, id)`.
    pub fn record(&self, kind: &str, id: &str) -> Result<Option<Vec<u8>>> {
        let row: Option<(Option<String>, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT livret, value FROM records WHERE kind = ?1 AND id = ?2")?
            .query_row(params![kind, id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(livret, sealed)| {
            self.open_vec(
                &record_ad(kind, id, livret.as_deref()),
                &sealed,
                "records.value",
            )
        })
        .transpose()
    }

    /// All records of `kind`, as (id, livret, value), ordered by id.
    pub fn records(&self, kind: &str) -> Result<Vec<RecordRow>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, livret, value FROM records WHERE kind = ?1 ORDER BY id")?;
        let rows = stmt
            .query_map([kind], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, livret, sealed)| {
                let value = self.open_vec(
                    &record_ad(kind, &id, livret.as_deref()),
                    &sealed,
                    "records.value",
                )?;
                Ok((id, livret, value))
            })
            .collect()
    }

    /// The records of `kind` attached to `livret`, as (id, value), ordered by id.
    pub fn records_for_livret(&self, kind: &str, livret: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, value FROM records WHERE kind = ?1 AND livret = ?2 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([kind, livret], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, sealed)| {
                let value = self.open_vec(
                    &record_ad(kind, &id, Some(livret)),
                    &sealed,
                    "records.value",
                )?;
                Ok((id, value))
            })
            .collect()
    }

    /// Deletes record `(kind, id)`; true if it existed.
    pub fn delete_record(&self, kind: &str, id: &str) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached("DELETE FROM records WHERE kind = ?1 AND id = ?2")?
            .execute(params![kind, id])?;
        Ok(n > 0)
    }

    /// Deletes every record attached to `livret`; returns how many.
    pub fn delete_records_for_livret(&self, livret: &str) -> Result<usize> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM records WHERE livret = ?1")?
            .execute([livret])?)
    }

    /// Replaces the section's snapshot and deletes its increments.
    pub fn put_section_snapshot(&self, livret: &str, section: &str, snapshot: &[u8]) -> Result<()> {
        let hash = self.section_hash(section)?;
        let name = self
            .keys
            .seal(&section_ad("name", livret, &hash), section.as_bytes())?;
        let snap = self
            .keys
            .seal(&section_ad("snapshot", livret, &hash), snapshot)?;
        self.conn
            .prepare_cached(
                "INSERT INTO sections (livret, name_hash, name, snapshot) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (livret, name_hash) DO UPDATE SET name = excluded.name,
                 snapshot = excluded.snapshot",
            )?
            .execute(params![livret, hash, name, snap])?;
        self.conn
            .prepare_cached("DELETE FROM section_increments WHERE livret = ?1 AND name_hash = ?2")?
            .execute(params![livret, hash])?;
        Ok(())
    }

    /// Appends an incremental chunk to the section (creating it with an empty
    /// snapshot if needed). Empty chunks are not stored.
    pub fn append_section_changes(
        &self,
        livret: &str,
        section: &str,
        changes: &[u8],
    ) -> Result<()> {
        let hash = self.section_hash(section)?;
        let exists = self
            .conn
            .prepare_cached("SELECT 1 FROM sections WHERE livret = ?1 AND name_hash = ?2")?
            .query_row(params![livret, hash], |_| Ok(()))
            .optional()?
            .is_some();
        if !exists {
            let name = self
                .keys
                .seal(&section_ad("name", livret, &hash), section.as_bytes())?;
            let snap = self
                .keys
                .seal(&section_ad("snapshot", livret, &hash), &[])?;
            self.conn.prepare_cached("INSERT INTO sections (livret, name_hash, name, snapshot) VALUES (?1, ?2, ?3, ?4)")?.execute(
                params![livret, hash, name, snap],
            )?;
        }
        if changes.is_empty() {
            return Ok(());
        }
        let seq = self.next_seq("section_increments")?;
        let data = self.keys.seal(&increment_ad(livret, &hash, seq), changes)?;
        self.conn.prepare_cached("INSERT INTO section_increments (seq, livret, name_hash, data) VALUES (?1, ?2, ?3, ?4)")?.execute(
            params![seq, livret, hash, data],
        )?;
        Ok(())
    }

    /// The section's snapshot and increments, or `None` if it does not exist.
    pub fn load_section(&self, livret: &str, section: &str) -> Result<Option<SectionData>> {
        let hash = self.section_hash(section)?;
        let sealed: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT snapshot FROM sections WHERE livret = ?1 AND name_hash = ?2")?
            .query_row(params![livret, hash], |r| r.get(0))
            .optional()?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let snapshot = self.open_vec(
            &section_ad("snapshot", livret, &hash),
            &sealed,
            "sections.snapshot",
        )?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, data FROM section_increments
             WHERE livret = ?1 AND name_hash = ?2 ORDER BY seq",
        )?;
        let rows = stmt
            .query_map(params![livret, hash], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let increments = rows
            .into_iter()
            .map(|(seq, data)| {
                self.open_vec(
                    &increment_ad(livret, &hash, seq),
                    &data,
                    "section_increments.data",
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(SectionData {
            snapshot,
            increments,
        }))
    }

    /// Whether the section is stored.
    pub fn section_exists(&self, livret: &str, section: &str) -> Result<bool> {
        let hash = self.section_hash(section)?;
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM sections WHERE livret = ?1 AND name_hash = ?2")?
            .query_row(params![livret, hash], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// See [`Store::section_weight`].
    pub fn section_weight(&self, livret: &str, section: &str) -> Result<Option<SectionWeight>> {
        let hash = self.section_hash(section)?;
        let row: Option<(i64, i64, i64)> = self
            .conn
            .prepare_cached(
                "SELECT length(s.snapshot),
                        (SELECT COUNT(*) FROM section_increments i
                          WHERE i.livret = s.livret AND i.name_hash = s.name_hash),
                        (SELECT COALESCE(SUM(length(i.data)), 0) FROM section_increments i
                          WHERE i.livret = s.livret AND i.name_hash = s.name_hash)
                   FROM sections s WHERE s.livret = ?1 AND s.name_hash = ?2",
            )?
            .query_row(params![livret, hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        row.map(|(snapshot, increments, increment_bytes)| {
            Ok(SectionWeight {
                snapshot_bytes: count(snapshot)?,
                increments: count(increments)?,
                increment_bytes: count(increment_bytes)?,
            })
        })
        .transpose()
    }

    /// See [`Store::section_fingerprint`].
    pub fn section_fingerprint(&self, livret: &str, section: &str) -> Result<Option<Vec<u8>>> {
        let hash = self.section_hash(section)?;
        let snapshot_nonce: Option<Vec<u8>> = self
            .conn
            .prepare_cached(
                "SELECT substr(snapshot, 1, 24) FROM sections WHERE livret = ?1 AND name_hash = ?2",
            )?
            .query_row(params![livret, hash], |r| r.get(0))
            .optional()?;
        let Some(mut out) = snapshot_nonce else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, substr(data, 1, 24) FROM section_increments
             WHERE livret = ?1 AND name_hash = ?2 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![livret, hash], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        for row in rows {
            let (seq, nonce) = row?;
            out.extend_from_slice(&seq.to_be_bytes());
            out.extend_from_slice(&nonce);
        }
        Ok(Some(out))
    }

    /// Records `heads` (the caller's encoding of the document's Automerge heads) as those of
    /// the section as it is stored now: call it after writing the section, in the same
    /// transaction. They are tied to the stored bytes' fingerprint, so a later write that does
    /// not record heads makes them stale, never wrong ([`StoreTx::section_heads`]).
    pub fn put_section_heads(&self, livret: &str, section: &str, heads: &[u8]) -> Result<()> {
        let hash = self.section_hash(section)?;
        let Some(fingerprint) = self.section_fingerprint(livret, section)? else {
            return Ok(());
        };
        let sealed = self.keys.seal(&heads_ad(livret, &hash), heads)?;
        self.conn
            .prepare_cached(
                "INSERT INTO section_heads (livret, name_hash, fingerprint, heads)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (livret, name_hash) DO UPDATE SET fingerprint = excluded.fingerprint,
                 heads = excluded.heads",
            )?
            .execute(params![livret, hash, fingerprint, sealed])?;
        Ok(())
    }

    /// The heads recorded with [`StoreTx::put_section_heads`], if the section's stored bytes
    /// are still the ones they were taken from; `None` otherwise (not recorded, or written
    /// since without them): the caller then loads the document.
    pub fn section_heads(&self, livret: &str, section: &str) -> Result<Option<Vec<u8>>> {
        let hash = self.section_hash(section)?;
        let row: Option<(Vec<u8>, Vec<u8>)> = self
            .conn
            .prepare_cached(
                "SELECT fingerprint, heads FROM section_heads WHERE livret = ?1 AND name_hash = ?2",
            )?
            .query_row(params![livret, hash], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((fingerprint, sealed)) = row else {
            return Ok(None);
        };
        if self.section_fingerprint(livret, section)?.as_deref() != Some(fingerprint.as_slice()) {
            return Ok(None);
        }
        Ok(Some(self.open_vec(
            &heads_ad(livret, &hash),
            &sealed,
            "section_heads.heads",
        )?))
    }

    /// How many increments the section has since its snapshot.
    pub fn section_increment_count(&self, livret: &str, section: &str) -> Result<usize> {
        let hash = self.section_hash(section)?;
        let n: i64 = self
            .conn
            .prepare_cached(
                "SELECT COUNT(*) FROM section_increments WHERE livret = ?1 AND name_hash = ?2",
            )?
            .query_row(params![livret, hash], |r| r.get(0))?;
        count(n)
    }

    /// The names of the livret's sections, sorted.
    pub fn sections_of(&self, livret: &str) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name_hash, name FROM sections WHERE livret = ?1")?;
        let rows = stmt
            .query_map([livret], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut names = rows
            .into_iter()
            .map(|(hash, name)| {
                self.keys
                    .open_string(&section_ad("name", livret, &hash), &name, "sections.name")
            })
            .collect::<Result<Vec<_>>>()?;
        names.sort();
        Ok(names)
    }

    /// See [`Store::sections_of_all`].
    pub fn sections_of_all(&self) -> Result<BTreeMap<String, Vec<String>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT livret, name_hash, name FROM sections")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (livret, hash, name) in rows {
            let name = self.keys.open_string(
                &section_ad("name", &livret, &hash),
                &name,
                "sections.name",
            )?;
            out.entry(livret).or_default().push(name);
        }
        for names in out.values_mut() {
            names.sort();
        }
        Ok(out)
    }

    /// Deletes a section, its increments and its sync states; true if it existed.
    pub fn delete_section(&self, livret: &str, section: &str) -> Result<bool> {
        let hash = self.section_hash(section)?;
        self.conn
            .prepare_cached("DELETE FROM section_increments WHERE livret = ?1 AND name_hash = ?2")?
            .execute(params![livret, hash])?;
        self.conn
            .prepare_cached("DELETE FROM sync_states WHERE livret = ?1 AND section_hash = ?2")?
            .execute(params![livret, hash])?;
        let n = self
            .conn
            .prepare_cached("DELETE FROM sections WHERE livret = ?1 AND name_hash = ?2")?
            .execute(params![livret, hash])?;
        Ok(n > 0)
    }

    /// The livrets that have at least one section, sorted.
    pub fn livrets_with_sections(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT livret FROM sections ORDER BY livret")?;
        let rows = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(rows)
    }

    /// Saves the sync state with `peer` for one section.
    pub fn put_sync_state(
        &self,
        peer: &str,
        livret: &str,
        section: &str,
        state: &[u8],
    ) -> Result<()> {
        let hash = self.section_hash(section)?;
        let sealed = self.keys.seal(&sync_ad(peer, livret, &hash), state)?;
        self.conn.prepare_cached("INSERT INTO sync_states (peer, livret, section_hash, state) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (peer, livret, section_hash) DO UPDATE SET state = excluded.state")?.execute(
            params![peer, livret, hash, sealed],
        )?;
        Ok(())
    }

    /// The sync state with `peer` for one section.
    pub fn sync_state(&self, peer: &str, livret: &str, section: &str) -> Result<Option<Vec<u8>>> {
        let hash = self.section_hash(section)?;
        let sealed: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT state FROM sync_states WHERE peer = ?1 AND livret = ?2 AND section_hash = ?3")?.query_row(
                params![peer, livret, hash],
                |r| r.get(0),
            )
            .optional()?;
        sealed
            .map(|s| self.open_vec(&sync_ad(peer, livret, &hash), &s, "sync_states.state"))
            .transpose()
    }

    /// Deletes the sync state with `peer` for one section; true if it existed.
    pub fn delete_sync_state(&self, peer: &str, livret: &str, section: &str) -> Result<bool> {
        let hash = self.section_hash(section)?;
        let n = self
            .conn
            .prepare_cached(
                "DELETE FROM sync_states WHERE peer = ?1 AND livret = ?2 AND section_hash = ?3",
            )?
            .execute(params![peer, livret, hash])?;
        Ok(n > 0)
    }

    /// Deletes every sync state with `peer`; returns how many.
    pub fn delete_sync_states_for_peer(&self, peer: &str) -> Result<usize> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM sync_states WHERE peer = ?1")?
            .execute([peer])?)
    }

    /// Deletes every peer's sync state of one section; returns how many.
    pub fn delete_sync_states_for_section(&self, livret: &str, section: &str) -> Result<usize> {
        let hash = self.section_hash(section)?;
        Ok(self
            .conn
            .prepare_cached("DELETE FROM sync_states WHERE livret = ?1 AND section_hash = ?2")?
            .execute(params![livret, hash])?)
    }

    /// Deletes every sync state of `livret`; returns how many.
    pub fn delete_sync_states_for_livret(&self, livret: &str) -> Result<usize> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM sync_states WHERE livret = ?1")?
            .execute([livret])?)
    }

    /// Appends an entry to the audit log.
    pub fn append_audit(&self, e: &AuditEntry) -> Result<()> {
        let seq = self.next_seq("audit")?;
        let ad = |column| {
            audit_ad(
                column,
                seq,
                e.at,
                e.livret.as_deref(),
                e.peer.as_deref(),
                &e.action,
                &e.outcome,
            )
        };
        let section = e
            .section
            .as_deref()
            .map(|s| self.keys.seal(&ad("section"), s.as_bytes()))
            .transpose()?;
        let detail = self.keys.seal(&ad("detail"), e.detail.as_bytes())?;
        self.conn
            .prepare_cached(
                "INSERT INTO audit (seq, at, livret, peer, action, outcome, section, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                seq, e.at, e.livret, e.peer, e.action, e.outcome, section, detail
            ])?;
        Ok(())
    }

    /// The audit log (of one livret, or all), in insertion order.
    pub fn audit(&self, livret: Option<&str>) -> Result<Vec<AuditEntry>> {
        const COLUMNS: &str =
            "SELECT seq, at, livret, peer, action, outcome, section, detail FROM audit";
        let map = |r: &rusqlite::Row<'_>| {
            Ok(AuditRow {
                seq: r.get(0)?,
                at: r.get(1)?,
                livret: r.get(2)?,
                peer: r.get(3)?,
                action: r.get(4)?,
                outcome: r.get(5)?,
                section: r.get(6)?,
                detail: r.get(7)?,
            })
        };
        let rows = match livret {
            Some(l) => {
                let mut stmt = self
                    .conn
                    .prepare_cached(&format!("{COLUMNS} WHERE livret = ?1 ORDER BY seq"))?;
                let rows = stmt.query_map([l], map)?.collect::<Result<Vec<_>, _>>()?;
                rows
            }
            None => {
                let mut stmt = self
                    .conn
                    .prepare_cached(&format!("{COLUMNS} ORDER BY seq"))?;
                let rows = stmt.query_map([], map)?.collect::<Result<Vec<_>, _>>()?;
                rows
            }
        };
        rows.into_iter()
            .map(|row| {
                let ad = |column| {
                    audit_ad(
                        column,
                        row.seq,
                        row.at,
                        row.livret.as_deref(),
                        row.peer.as_deref(),
                        &row.action,
                        &row.outcome,
                    )
                };
                let section = row
                    .section
                    .as_deref()
                    .map(|s| self.keys.open_string(&ad("section"), s, "audit.section"))
                    .transpose()?;
                let detail = self
                    .keys
                    .open_string(&ad("detail"), &row.detail, "audit.detail")?;
                Ok(AuditEntry {
                    at: row.at,
                    livret: row.livret,
                    peer: row.peer,
                    section,
                    action: row.action,
                    outcome: row.outcome,
                    detail,
                })
            })
            .collect()
    }

    /// Removes the livret's sections, increments, records and sync states
    /// (the audit log is kept).
    pub fn delete_livret(&self, livret: &str) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM section_increments WHERE livret = ?1")?
            .execute([livret])?;
        self.conn
            .prepare_cached("DELETE FROM sections WHERE livret = ?1")?
            .execute([livret])?;
        self.conn
            .prepare_cached("DELETE FROM records WHERE livret = ?1")?
            .execute([livret])?;
        self.conn
            .prepare_cached("DELETE FROM sync_states WHERE livret = ?1")?
            .execute([livret])?;
        Ok(())
    }

    /// Removes every audit line about the livret (when the family deletes it, the log keeps
    /// only that it happened).
    pub fn delete_audit_for_livret(&self, livret: &str) -> Result<usize> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM audit WHERE livret = ?1")?
            .execute([livret])?)
    }

    /// Decrypts every stored value.
    fn verify_all(&self) -> Result<()> {
        self.device()?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT kind FROM records")?;
        let kinds = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        for kind in kinds {
            self.records(&kind)?;
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT livret, name_hash, snapshot FROM sections")?;
        let sections = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for (livret, hash, snapshot) in &sections {
            self.open_vec(
                &section_ad("snapshot", livret, hash),
                snapshot,
                "sections.snapshot",
            )?;
        }
        let livrets: std::collections::BTreeSet<&String> =
            sections.iter().map(|(l, _, _)| l).collect();
        for livret in livrets {
            self.sections_of(livret)?;
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, livret, name_hash, data FROM section_increments")?;
        let increments = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for (seq, livret, hash, data) in increments {
            self.open_vec(
                &increment_ad(&livret, &hash, seq),
                &data,
                "section_increments.data",
            )?;
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT peer, livret, section_hash, state FROM sync_states")?;
        let states = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for (peer, livret, hash, state) in states {
            self.open_vec(&sync_ad(&peer, &livret, &hash), &state, "sync_states.state")?;
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT livret, name_hash, heads FROM section_heads")?;
        let heads = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for (livret, hash, sealed) in heads {
            self.open_vec(&heads_ad(&livret, &hash), &sealed, "section_heads.heads")?;
        }
        self.audit(None)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &Path) -> Store {
        Store::open(dir, KeySource::Raw(Zeroizing::new([9; 32]))).unwrap()
    }

    #[test]
    fn store_can_move_between_threads() {
        fn assert_send<T: Send>() {}
        assert_send::<Store>();
    }

    #[test]
    fn pragmas_are_set() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let get = |p: &str| -> i64 {
            store
                .conn
                .query_row(&format!("PRAGMA {p}"), [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(get("synchronous"), 2);
        assert_eq!(get("foreign_keys"), 1);
        assert_eq!(get("secure_delete"), 1);
        assert_eq!(get("busy_timeout"), 5000);
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(store.schema_version().unwrap(), schema::SCHEMA_VERSION);
    }

    /// A deferred commit is a commit like any other (kept, or nothing of it on an error), and
    /// every later commit waits for the disk again.
    #[test]
    fn a_deferred_transaction_commits_and_restores_full_synchronous() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        let synchronous = |s: &Store| -> i64 {
            s.conn
                .query_row("PRAGMA synchronous", [], |r| r.get(0))
                .unwrap()
        };
        store
            .transaction_deferred(|tx| tx.put_sync_state("P", "L", "s", b"kept"))
            .unwrap();
        assert_eq!(synchronous(&store), 2);
        let failed: Result<()> = store.transaction_deferred(|tx| {
            tx.put_sync_state("P", "L", "t", b"lost")?;
            Err(StoreError::Corrupt("test".into()))
        });
        assert!(failed.is_err());
        assert_eq!(synchronous(&store), 2);
        drop(store);
        let store = open(dir.path());
        assert_eq!(
            store.sync_state("P", "L", "s").unwrap().as_deref(),
            Some(&b"kept"[..])
        );
        assert_eq!(store.sync_state("P", "L", "t").unwrap(), None);
    }

    #[test]
    fn sequences_are_never_reused() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        store.append_section_changes("L", "s", b"a").unwrap();
        store.append_section_changes("L", "s", b"b").unwrap();
        store.put_section_snapshot("L", "s", b"ab").unwrap();
        store.append_section_changes("L", "s", b"c").unwrap();
        let seq: i64 = store
            .conn
            .query_row("SELECT seq FROM section_increments", [], |r| r.get(0))
            .unwrap();
        assert_eq!(seq, 3);
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().unwrap();
        let home = parent.path().join("a/home");
        let _store = Store::open(&home, KeySource::KeyFile).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&home), 0o700);
        assert_eq!(mode(&home.join(DB_FILE_NAME)), 0o600);
        assert_eq!(mode(&home.join(KEY_FILE_NAME)), 0o600);
        let wal = home.join(format!("{DB_FILE_NAME}-wal"));
        if wal.exists() {
            assert_eq!(mode(&wal), 0o600);
        }
    }

    #[test]
    fn section_heads_hold_only_for_the_bytes_they_were_taken_from() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        // Not stored, not recorded.
        assert_eq!(store.section_heads("L", "s").unwrap(), None);
        store
            .transaction(|tx| -> Result<()> {
                tx.put_section_heads("L", "s", b"absent")?;
                tx.put_section_snapshot("L", "s", b"S")?;
                tx.put_section_heads("L", "s", b"h1")
            })
            .unwrap();
        assert_eq!(
            store.section_heads("L", "s").unwrap().as_deref(),
            Some(&b"h1"[..])
        );
        // A write that does not record heads makes them stale.
        store.append_section_changes("L", "s", b"c").unwrap();
        assert_eq!(store.section_heads("L", "s").unwrap(), None);
        store
            .transaction(|tx| tx.put_section_heads("L", "s", b"h2"))
            .unwrap();
        assert_eq!(
            store.section_heads("L", "s").unwrap().as_deref(),
            Some(&b"h2"[..])
        );
        store.put_section_snapshot("L", "s", b"S2").unwrap();
        assert_eq!(store.section_heads("L", "s").unwrap(), None);
        // Sealed like every value, and gone with the section.
        store
            .transaction(|tx| tx.put_section_heads("L", "s", b"h3"))
            .unwrap();
        store.integrity_check().unwrap();
        store.transaction(|tx| tx.delete_section("L", "s")).unwrap();
        let n: i64 = store
            .conn
            .query_row("SELECT COUNT(*) FROM section_heads", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn every_livrets_sections_and_fingerprints_read_at_once_are_those_read_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        store.put_section_snapshot("A", "manifest", b"m").unwrap();
        store
            .append_section_changes("A", "manifest", b"c1")
            .unwrap();
        store.put_section_snapshot("A", "annee/2025", b"y").unwrap();
        store.put_section_snapshot("B", "manifest", b"m").unwrap();
        store.put_section_snapshot("C", "annee/2025", b"y").unwrap();
        let all = store.sections_of_all().unwrap();
        assert_eq!(all.len(), 3);
        for (livret, names) in &all {
            assert_eq!(*names, store.sections_of(livret).unwrap());
        }
        let livrets: Vec<String> = ["A", "B", "C", "D"].map(String::from).to_vec();
        let fingerprints = store.section_fingerprints(&livrets, "manifest").unwrap();
        assert_eq!(fingerprints.len(), 4);
        for (l, f) in livrets.iter().zip(&fingerprints) {
            assert_eq!(*f, store.section_fingerprint(l, "manifest").unwrap());
        }
        assert!(fingerprints[0].is_some() && fingerprints[2].is_none());
    }
}
