//! Versioned schema migrations, tracked in `PRAGMA user_version`.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// `PRAGMA application_id` of a livret store ("LVRT").
pub(crate) const APPLICATION_ID: i32 = 0x4C56_5254;

/// Migration steps: step `i` takes the schema from version `i` to `i + 1`.
/// Append new steps; never edit a released one.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: initial schema. Columns holding personal data are BLOBs sealed with
    // XChaCha20-Poly1305; `*_hash` columns are keyed HMAC-SHA256 lookups.
    r#"
    PRAGMA application_id = 1280725588;
    CREATE TABLE meta (
        name  TEXT PRIMARY KEY NOT NULL,
        value BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE device (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        role       TEXT NOT NULL,
        name       BLOB NOT NULL,
        secret_key BLOB NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE records (
        kind   TEXT NOT NULL,
        id     TEXT NOT NULL,
        livret TEXT,
        value  BLOB NOT NULL,
        PRIMARY KEY (kind, id)
    );
    CREATE INDEX records_by_livret ON records (livret, kind);
    CREATE TABLE sections (
        livret    TEXT NOT NULL,
        name_hash BLOB NOT NULL,
        name      BLOB NOT NULL,
        snapshot  BLOB NOT NULL,
        PRIMARY KEY (livret, name_hash)
    );
    CREATE TABLE section_increments (
        seq       INTEGER PRIMARY KEY AUTOINCREMENT,
        livret    TEXT NOT NULL,
        name_hash BLOB NOT NULL,
        data      BLOB NOT NULL,
        FOREIGN KEY (livret, name_hash) REFERENCES sections (livret, name_hash) ON DELETE CASCADE
    );
    CREATE INDEX section_increments_by_section ON section_increments (livret, name_hash, seq);
    CREATE TABLE sync_states (
        peer         TEXT NOT NULL,
        livret       TEXT NOT NULL,
        section_hash BLOB NOT NULL,
        state        BLOB NOT NULL,
        PRIMARY KEY (peer, livret, section_hash)
    );
    CREATE INDEX sync_states_by_livret ON sync_states (livret);
    CREATE TABLE audit (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,
        at      INTEGER NOT NULL,
        livret  TEXT,
        peer    TEXT,
        action  TEXT NOT NULL,
        outcome TEXT NOT NULL,
        section BLOB,
        detail  BLOB NOT NULL
    );
    CREATE INDEX audit_by_livret ON audit (livret, seq);
    "#,
    // 2: each document's Automerge heads beside it (a session's hello reads them without
    // loading the document), with the fingerprint of the stored bytes they were taken from.
    r#"
    CREATE TABLE section_heads (
        livret      TEXT NOT NULL,
        name_hash   BLOB NOT NULL,
        fingerprint BLOB NOT NULL,
        heads       BLOB NOT NULL,
        PRIMARY KEY (livret, name_hash),
        FOREIGN KEY (livret, name_hash) REFERENCES sections (livret, name_hash) ON DELETE CASCADE
    );
    "#,
];

/// The schema version this code writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub(crate) fn user_version(conn: &Connection) -> Result<u32, StoreError> {
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    u32::try_from(v).map_err(|_| StoreError::Corrupt("schema version".into()))
}

/// Brings the database up to the newest known schema, one transaction per step.
pub(crate) fn migrate(conn: &mut Connection, db_path: &Path) -> Result<(), StoreError> {
    migrate_with(conn, db_path, MIGRATIONS)
}

pub(crate) fn migrate_with(
    conn: &mut Connection,
    db_path: &Path,
    migrations: &[&str],
) -> Result<(), StoreError> {
    let known = migrations.len() as u32;
    let not_a_store = || StoreError::NotAStore {
        path: db_path.to_path_buf(),
    };
    loop {
        // IMMEDIATE: two processes opening the same home migrate one after the other.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = user_version(&tx)?;
        if found > known {
            return Err(StoreError::SchemaTooNew { found, known });
        }
        let app_id: i32 = tx.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        if found == 0 {
            let tables: i64 = tx.query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
                [],
                |r| r.get(0),
            )?;
            if tables > 0 || (app_id != 0 && app_id != APPLICATION_ID) {
                return Err(not_a_store());
            }
        } else if app_id != APPLICATION_ID {
            return Err(not_a_store());
        }
        let Some(step) = migrations.get(found as usize) else {
            tx.commit()?;
            return Ok(());
        };
        tracing::info!(from = found, to = found + 1, "migrating the store schema");
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", found + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_step_by_step_and_refuses_newer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn, &path).unwrap();
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
        // Idempotent.
        migrate(&mut conn, &path).unwrap();
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);

        // A later code version adds a step: only that step runs.
        let mut more: Vec<&str> = MIGRATIONS.to_vec();
        more.push("CREATE TABLE extra (x INTEGER);");
        migrate_with(&mut conn, &path, &more).unwrap();
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION + 1);

        // The older code refuses it.
        assert!(matches!(
            migrate(&mut conn, &path),
            Err(StoreError::SchemaTooNew { found, known })
                if found == SCHEMA_VERSION + 1 && known == SCHEMA_VERSION
        ));
    }

    #[test]
    fn failed_step_leaves_version_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn, &path).unwrap();
        let mut more: Vec<&str> = MIGRATIONS.to_vec();
        more.push("CREATE TABLE extra2 (x INTEGER); THIS IS NOT SQL;");
        assert!(migrate_with(&mut conn, &path, &more).is_err());
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
        let n: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'extra2'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn foreign_database_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let mut conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE other (x);").unwrap();
        assert!(matches!(
            migrate(&mut conn, &path),
            Err(StoreError::NotAStore { .. })
        ));
    }
}
