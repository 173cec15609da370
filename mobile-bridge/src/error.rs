//! The one error type the apps see: a few flat kinds, each carrying the user message in French
//! and in English, shown in the device's language (French unless `set_language("en")`).

use livret::core::{CoreError, Lang, Localized};

use livret_store::StoreError;

/// What went wrong. The message (the exception's text in Kotlin, Swift and Python) is the
/// one-line message of the `livret` API in the device's language, ready to show; the kind lets
/// the app choose what to do next.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum LivretError {
    /// A value was refused (a date, a code, a text too long, a malformed invitation or
    /// address, a file format...). The message names the field and the rule.
    #[error("{0}")]
    Invalid(Message),
    /// An invitation or a grant past its end.
    #[error("{0}")]
    Expired(Message),
    /// No such livret or grant on this device.
    #[error("{0}")]
    NotFound(Message),
    /// No device in this home yet: create it.
    #[error("{0}")]
    NoDevice(Message),
    /// The home already holds a device: open it.
    #[error("{0}")]
    AlreadyExists(Message),
    /// Refused by this device's policy, its role, or by the other device.
    #[error("{0}")]
    Refused(Message),
    /// The storage key does not open this home.
    #[error("{0}")]
    WrongKey(Message),
    /// The device's storage failed.
    #[error("{0}")]
    Storage(Message),
    /// The network or the exchange with the other device failed.
    #[error("{0}")]
    Network(Message),
    /// The node is not running (or already running) for what was asked.
    #[error("{0}")]
    Node(Message),
    /// Anything else (a bug): the message says what.
    #[error("{0}")]
    Internal(Message),
}

/// A message in both languages, shown in the one chosen (French by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    fr: String,
    en: String,
    lang: Lang,
}

impl Message {
    /// A message of the bridge itself.
    pub(crate) fn new(fr: impl Into<String>, en: impl Into<String>) -> Self {
        Message {
            fr: fr.into(),
            en: en.into(),
            lang: Lang::Fr,
        }
    }

    /// Something that can be told in either language.
    pub(crate) fn of(what: &impl Localized) -> Self {
        Self::new(what.localized(Lang::Fr), what.localized(Lang::En))
    }
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.lang.pick(&self.fr, &self.en))
    }
}

impl From<livret::Error> for LivretError {
    fn from(e: livret::Error) -> Self {
        use livret::Error as E;
        let message = Message::of(&e);
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
    /// The bridge's own messages (about the node it runs), in both languages like the others.
    pub(crate) fn node_not_running() -> Self {
        Self::Node(Message::new(
            "le nœud n'est pas démarré : appelez d'abord start_node",
            "the node is not started: call start_node first",
        ))
    }

    pub(crate) fn node_running() -> Self {
        Self::Node(Message::new(
            "le nœud est déjà démarré",
            "the node is already started",
        ))
    }

    /// A failure of the bridge's own machinery: `what` in French and English, `detail` as the
    /// system tells it.
    pub(crate) fn internal(what: [&str; 2], detail: impl std::fmt::Display) -> Self {
        let [fr, en] = what;
        Self::Internal(Message::new(
            format!("{fr} : {detail}"),
            format!("{en}: {detail}"),
        ))
    }

    /// The same error, its message in `lang`.
    pub(crate) fn in_lang(mut self, lang: Lang) -> Self {
        match &mut self {
            Self::Invalid(m)
            | Self::Expired(m)
            | Self::NotFound(m)
            | Self::NoDevice(m)
            | Self::AlreadyExists(m)
            | Self::Refused(m)
            | Self::WrongKey(m)
            | Self::Storage(m)
            | Self::Network(m)
            | Self::Node(m)
            | Self::Internal(m) => m.lang = lang,
        }
        self
    }
}

/// Results of the bridge.
pub type Result<T, E = LivretError> = std::result::Result<T, E>;
