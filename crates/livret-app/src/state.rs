//! What every handler shares: the device, its node, the sessions.

use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};

use livret::{Device, SharedDevice};
use livret_net::Node;

use crate::sessions::Sessions;

/// The last sync, as the page shows it.
#[derive(Debug, Clone, Default)]
pub struct SyncStatus {
    /// When (seconds since 1970).
    pub at: Option<i64>,
    /// One line per peer, in the language of whoever pressed the button, added as each
    /// session finishes.
    pub lines: Vec<(bool, String)>,
    /// Whether a sync is running now.
    pub running: bool,
    /// How many peers the running (or last) sync has to meet.
    pub total: usize,
}

/// The app's state.
pub struct AppState {
    /// The device.
    pub dev: SharedDevice,
    /// Its libp2p node (the one `serve` runs).
    pub node: Node,
    /// Where the app listens.
    pub addr: SocketAddr,
    /// The `Host` values accepted.
    pub allowed_hosts: Vec<String>,
    /// Login token and sessions.
    pub sessions: Sessions,
    /// The name of the language cookie.
    pub lang_cookie: String,
    /// The last sync started from the app.
    pub sync: Mutex<SyncStatus>,
    /// LSU files previewed and not confirmed yet, by a random token (the newest few).
    pending_lsu: Mutex<Vec<(String, String)>>,
}

/// How many previewed LSU files are kept in memory.
const PENDING_LSU: usize = 4;

impl AppState {
    /// A new state for an app listening on `addr`.
    pub fn new(dev: SharedDevice, node: Node, addr: SocketAddr) -> AppState {
        let port = addr.port();
        let mut allowed_hosts = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}")];
        if addr.is_ipv6() {
            allowed_hosts.push(format!("[::1]:{port}"));
        } else if addr.ip().to_string() != "127.0.0.1" {
            allowed_hosts.push(format!("{}:{port}", addr.ip()));
        }
        AppState {
            dev,
            node,
            addr,
            allowed_hosts,
            sessions: Sessions::new(port),
            lang_cookie: format!("livret_lang_{port}"),
            sync: Mutex::new(SyncStatus::default()),
            pending_lsu: Mutex::new(Vec::new()),
        }
    }

    /// The device, locked (never held across an await).
    pub fn device(&self) -> MutexGuard<'_, Device> {
        self.dev.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps a previewed LSU file until it is confirmed: its token.
    pub fn keep_lsu(&self, xml: String) -> String {
        let token = crate::sessions::random_token();
        let mut pending = self
            .pending_lsu
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if pending.len() >= PENDING_LSU {
            pending.remove(0);
        }
        pending.push((token.clone(), xml));
        token
    }

    /// The previewed LSU file of `token`, forgotten once taken.
    pub fn take_lsu(&self, token: &str) -> Option<String> {
        let mut pending = self
            .pending_lsu
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let at = pending
            .iter()
            .position(|(t, _)| crate::sessions::same_token(t, token))?;
        Some(pending.remove(at).1)
    }
}
