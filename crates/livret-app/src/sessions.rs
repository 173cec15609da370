//! The app's login: a one-time token that becomes a session cookie, with its CSRF token.
//! Kept in memory only (a restart logs everyone out).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// A random token: 32 bytes in hex.
pub fn random_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Compares two tokens in time independent of where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A browser session: its CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    /// The token every form of this session carries.
    pub csrf: String,
}

/// The login token (usable once) and the sessions.
#[derive(Debug)]
pub struct Sessions {
    login: Mutex<Option<String>>,
    by_id: Mutex<HashMap<String, Session>>,
    /// The cookie's name: per port, as browsers share cookies between ports of one host.
    pub cookie: String,
}

impl Sessions {
    /// Sessions with a fresh login token.
    pub fn new(port: u16) -> Sessions {
        Sessions {
            login: Mutex::new(Some(random_token())),
            by_id: Mutex::new(HashMap::new()),
            cookie: format!("livret_session_{port}"),
        }
    }

    /// The login token, while unused.
    pub fn login_token(&self) -> Option<String> {
        self.login
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Spends the login token: a new session id, or `None` when the token is wrong or used.
    pub fn redeem(&self, token: &str) -> Option<String> {
        let mut login = self.login.lock().unwrap_or_else(PoisonError::into_inner);
        match login.as_deref() {
            Some(t) if same_token(t, token) => {
                *login = None;
                let id = random_token();
                self.by_id
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(
                        id.clone(),
                        Session {
                            csrf: random_token(),
                        },
                    );
                Some(id)
            }
            _ => None,
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<Session> {
        self.by_id
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }
}
