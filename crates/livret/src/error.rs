//! Errors of the application, each with a one-line message in French and in English.

use livret_core::{CoreError, Lang, Localized, Refusal};
use livret_store::StoreError;

/// What went wrong. Each message names the problem; none contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value or object refused by the core.
    #[error("{0}")]
    Core(#[from] CoreError),
    /// The device store failed.
    #[error("{}", .0.french())]
    Store(#[from] StoreError),
    /// The network failed.
    #[error("{}", .0.french())]
    Net(#[from] livret_net::NetError),
    /// No device in this home yet.
    #[error("aucun appareil dans {0} : lancez d'abord « livret init »")]
    NotInitialized(String),
    /// The home already holds a device.
    #[error("un appareil existe déjà dans {0}")]
    AlreadyInitialized(String),
    /// This device's role cannot do that.
    #[error("cette action est réservée à un appareil « {needed} » (cet appareil : « {actual} »)")]
    WrongRole {
        /// The role needed.
        needed: &'static str,
        /// This device's role.
        actual: &'static str,
    },
    /// No such livret on this device.
    #[error("livret inconnu sur cet appareil : {0}")]
    UnknownLivret(String),
    /// No such grant.
    #[error("autorisation inconnue : {0}")]
    UnknownGrant(String),
    /// The policy refuses.
    #[error("refusé : {0}")]
    NotAuthorized(String),
    /// An invitation past its expiry.
    #[error("invitation expirée")]
    InvitationExpired,
    /// A peer refused, with its reason as a code ([`Refusal`]), shown in the reader's
    /// language.
    #[error("refusé par l'autre appareil : {}", .0.localized(Lang::Fr))]
    PeerRefused(Refusal),
    /// This device refused a peer's request (a redeem, a recovery), with the code the peer is
    /// told.
    #[error("refusé : {}", .0.localized(Lang::Fr))]
    Refused(Refusal),
    /// The peer broke the protocol.
    #[error("échange interrompu : {0}")]
    Protocol(String),
    /// No address to put in an invitation.
    #[error("aucune adresse où joindre cet appareil : lancez d'abord « livret serve »")]
    NoAddress,
    /// A peer address that cannot be used.
    #[error("champ « peer » : adresse « {0} » invalide ; attendu /ip4/…/tcp/…/p2p/<identifiant> (voir « livret serve »)")]
    BadAddress(String),
    /// A file could not be written or read.
    #[error("fichier {path} : {detail}")]
    File {
        /// The path.
        path: String,
        /// What happened.
        detail: String,
    },
    /// An entry of a batch that passed its checks but was not written (see
    /// [`crate::NotWritten`]).
    #[error("non écrit : une autre entrée de ce livret a été refusée (tout ou rien par livret)")]
    NotWritten(crate::NotWritten),
    /// A file format (paper seal, PDF, LSU XML) refused, or that cannot be produced.
    #[error("{fr}")]
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
        match lang {
            Lang::Fr => self.to_string(),
            Lang::En => match self {
                Error::Core(e) => e.localized(lang),
                Error::Store(e) => e.to_string(),
                Error::Net(e) => e.to_string(),
                Error::NotInitialized(h) => {
                    format!("no device in {h}: run \"livret init\" first")
                }
                Error::AlreadyInitialized(h) => format!("a device already exists in {h}"),
                Error::WrongRole { needed, actual } => {
                    format!("this action needs a \"{needed}\" device (this device: \"{actual}\")")
                }
                Error::UnknownLivret(l) => format!("unknown livret on this device: {l}"),
                Error::UnknownGrant(g) => format!("unknown grant: {g}"),
                Error::NotAuthorized(r) => format!("refused: {r}"),
                Error::InvitationExpired => "invitation expired".into(),
                Error::PeerRefused(r) => format!("refused by the other device: {r}"),
                Error::Refused(r) => format!("refused: {r}"),
                Error::Protocol(r) => format!("exchange interrupted: {r}"),
                Error::File { path, detail } => format!("file {path}: {detail}"),
                Error::Format { en, .. } => en.clone(),
                Error::NotWritten(_) => {
                    "not written: another entry of this livret was refused (all or nothing per livret)"
                        .into()
                }
                Error::NoAddress => {
                    "no address where this device can be reached: run \"livret serve\" first".into()
                }
                Error::BadAddress(a) => format!(
                    "field \"peer\": invalid address \"{a}\"; expected /ip4/…/tcp/…/p2p/<id> (see \"livret serve\")"
                ),
            },
        }
    }
}

impl From<livret_core::vocab::ValidationError> for Error {
    fn from(e: livret_core::vocab::ValidationError) -> Self {
        Error::Core(CoreError::Validation(e))
    }
}
