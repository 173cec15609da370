//! The one error type the apps see: a few flat kinds, each carrying the French user message.

use livret::core::{CoreError, Lang, Localized};
use livret_store::StoreError;

/// What went wrong. The message (the exception's text in Kotlin, Swift and Python) is the
/// French one-line message of the `livret` API, ready to show; the kind lets the app choose
/// what to do next.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum LivretError {
    /// A value was refused (a date, a code, a text too long, a malformed invitation or
    /// address, a file format...). The message names the field and the rule.
    #[error("{0}")]
    Invalid(String),
    /// An invitation or a grant past its end.
    #[error("{0}")]
    Expired(String),
    /// No such livret or grant on this device.
    #[error("{0}")]
    NotFound(String),
    /// No device in this home yet: create it.
    #[error("{0}")]
    NoDevice(String),
    /// The home already holds a device: open it.
    #[error("{0}")]
    AlreadyExists(String),
    /// Refused by this device's policy, its role, or by the other device.
    #[error("{0}")]
    Refused(String),
    /// The storage key does not open this home.
    #[error("{0}")]
    WrongKey(String),
    /// The device's storage failed.
    #[error("{0}")]
    Storage(String),
    /// The network or the exchange with the other device failed.
    #[error("{0}")]
    Network(String),
    /// The node is not running (or already running) for what was asked.
    #[error("{0}")]
    Node(String),
    /// Anything else (a bug): the message says what.
    #[error("{0}")]
    Internal(String),
}

impl From<livret::Error> for LivretError {
    fn from(e: livret::Error) -> Self {
        use livret::Error as E;
        let message = e.localized(Lang::Fr);
        match e {
            E::Core(CoreError::Expired { .. }) | E::InvitationExpired => Self::Expired(message),
            E::Core(_) | E::BadAddress(_) | E::Format { .. } => Self::Invalid(message),
            E::UnknownLivret(_) | E::UnknownGrant(_) => Self::NotFound(message),
            E::NotInitialized(_) => Self::NoDevice(message),
            E::AlreadyInitialized(_) => Self::AlreadyExists(message),
            E::WrongRole { .. } | E::NotAuthorized(_) | E::PeerRefused(_) | E::Refused(_) => {
                Self::Refused(message)
            }
            E::Store(StoreError::WrongKey | StoreError::KeySourceMismatch { .. }) => {
                Self::WrongKey(message)
            }
            E::Store(_) | E::File { .. } => Self::Storage(message),
            E::Net(_) | E::Protocol(_) | E::NoAddress => Self::Network(message),
            _ => Self::Internal(message),
        }
    }
}

impl LivretError {
    /// The bridge's own messages (about the node it runs), in French like the others.
    pub(crate) fn node_not_running() -> Self {
        Self::Node("le nœud n'est pas démarré : appelez d'abord start_node".into())
    }

    pub(crate) fn node_running() -> Self {
        Self::Node("le nœud est déjà démarré".into())
    }

    pub(crate) fn internal(what: &str, detail: impl std::fmt::Display) -> Self {
        Self::Internal(format!("{what} : {detail}"))
    }
}

/// Results of the bridge.
pub type Result<T, E = LivretError> = std::result::Result<T, E>;
