//! Errors of the application, each with a one-line message: `Display` in English, French (and
//! English) through [`Localized`], the one path every front end shows errors by.

use livret_core::{CoreError, Lang, Localized, Refusal, Role};
use livret_store::StoreError;

/// What went wrong. Each message names the problem; none contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value or object refused by the core.
    #[error("{0}")]
    Core(#[from] CoreError),
    /// The device store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The network failed.
    #[error("{0}")]
    Net(#[from] livret_net::NetError),
    /// No device in this home yet.
    #[error("no device in {0}: run \"livret init\" first")]
    NotInitialized(String),
    /// The home already holds a device.
    #[error("a device already exists in {0}")]
    AlreadyInitialized(String),
    /// This device's role cannot do that.
    #[error("this action needs a \"{needed}\" device (this device: \"{actual}\")")]
    WrongRole {
        /// The role needed.
        needed: Role,
        /// This device's role.
        actual: Role,
    },
    /// No such livret on this device.
    #[error("unknown livret on this device: {0}")]
    UnknownLivret(String),
    /// No such grant.
    #[error("unknown grant: {0}")]
    UnknownGrant(String),
    /// The policy refuses.
    #[error("refused: {0}")]
    NotAuthorized(String),
    /// An invitation past its expiry.
    #[error("invitation expired")]
    InvitationExpired,
    /// A peer refused, with its reason as a code ([`Refusal`]), shown in the reader's
    /// language.
    #[error("refused by the other device: {0}")]
    PeerRefused(Refusal),
    /// This device refused a peer's request (a redeem, a recovery), with the code the peer is
    /// told.
    #[error("refused: {0}")]
    Refused(Refusal),
    /// The peer broke the protocol.
    #[error("exchange interrupted: {0}")]
    Protocol(String),
    /// No address to put in an invitation.
    #[error("no address where this device can be reached: run \"livret serve\" first")]
    NoAddress,
    /// A peer address that cannot be used.
    #[error("field \"peer\": invalid address \"{0}\"; expected /ip4/…/tcp/…/p2p/<id> (see \"livret serve\")")]
    BadAddress(String),
    /// A file could not be written or read.
    #[error("file {path}: {detail}")]
    File {
        /// The path.
        path: String,
        /// What happened.
        detail: String,
    },
    /// An entry of a batch that passed its checks but was not written (see
    /// [`crate::NotWritten`]).
    #[error("not written: another entry of this livret was refused (all or nothing per livret)")]
    NotWritten(crate::NotWritten),
    /// A file format (paper seal, PDF, LSU XML) refused, or that cannot be produced.
    #[error("{en}")]
    Format {
        /// The message in French.
        fr: String,
        /// The message in English.
        en: String,
    },
}

/// Results of the application.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Localized for Error {
    fn localized(&self, lang: Lang) -> String {
        match (lang, self) {
            (_, Error::Core(e)) => e.localized(lang),
            (Lang::En, _) => self.to_string(),
            (Lang::Fr, e) => french(e),
        }
    }
}

/// The French message of an error (the core's errors localize themselves).
fn french(e: &Error) -> String {
    match e {
        Error::Core(e) => e.localized(Lang::Fr),
        Error::Store(e) => e.french(),
        Error::Net(e) => e.french(),
        Error::NotInitialized(h) => format!("aucun appareil dans {h} : lancez d'abord « livret init »"),
        Error::AlreadyInitialized(h) => format!("un appareil existe déjà dans {h}"),
        Error::WrongRole { needed, actual } => format!(
            "cette action est réservée à un appareil « {} » (cet appareil : « {} »)",
            needed.french(),
            actual.french()
        ),
        Error::UnknownLivret(l) => format!("livret inconnu sur cet appareil : {l}"),
        Error::UnknownGrant(g) => format!("autorisation inconnue : {g}"),
        Error::NotAuthorized(r) => format!("refusé : {r}"),
        Error::InvitationExpired => "invitation expirée".into(),
        Error::PeerRefused(r) => format!(
            "refusé par l'autre appareil : {}",
            r.localized(Lang::Fr)
        ),
        Error::Refused(r) => format!("refusé : {}", r.localized(Lang::Fr)),
        Error::Protocol(r) => format!("échange interrompu : {r}"),
        Error::NoAddress => {
            "aucune adresse où joindre cet appareil : lancez d'abord « livret serve »".into()
        }
        Error::BadAddress(a) => format!(
            "champ « peer » : adresse « {a} » invalide ; attendu /ip4/…/tcp/…/p2p/<identifiant> (voir « livret serve »)"
        ),
        Error::File { path, detail } => format!("fichier {path} : {detail}"),
        Error::NotWritten(_) => {
            "non écrit : une autre entrée de ce livret a été refusée (tout ou rien par livret)"
                .into()
        }
        Error::Format { fr, .. } => fr.clone(),
    }
}

impl From<livret_core::vocab::ValidationError> for Error {
    fn from(e: livret_core::vocab::ValidationError) -> Self {
        Error::Core(CoreError::Validation(e))
    }
}
