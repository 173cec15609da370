//! Errors of the core, each with a French and an English one-line message.

use crate::lang::{Lang, Localized};
use crate::vocab::ValidationError;

/// What went wrong in the core. Messages name the problem; none contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A value of the official vocabulary was refused.
    #[error("{0}")]
    Validation(#[from] ValidationError),
    /// A typed or pasted identifier is not valid.
    #[error("identifiant invalide ({})", french_what(what))]
    BadIdentifier {
        /// What kind of identifier.
        what: &'static str,
    },
    /// An unknown role.
    #[error("rôle inconnu « {0} » (family, teacher, school ou jury)")]
    UnknownRole(String),
    /// An unknown section name.
    #[error("section inconnue « {0} »")]
    UnknownSection(String),
    /// Another spelling of a section's name (spaces, accents, capitals) where only the
    /// canonical one is accepted: from another device, or from storage.
    #[error(
        "nom de section non canonique « {given} » : seule l'écriture « {canonical} » est acceptée"
    )]
    NonCanonicalSection {
        /// The name received (bounded, control characters escaped).
        given: String,
        /// The canonical name of the section it spells.
        canonical: String,
    },
    /// A section list with nothing in it.
    #[error("la liste des sections est vide")]
    EmptySectionList,
    /// An input larger than allowed, refused before decoding.
    #[error(
        "{} trop volumineux ({actual} octets, maximum {max})",
        french_what(what)
    )]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The limit.
        max: usize,
        /// The size received.
        actual: usize,
    },
    /// An input that does not decode.
    #[error("{} mal formé : {detail}", french_what(what))]
    Malformed {
        /// What did not decode.
        what: &'static str,
        /// Why.
        detail: String,
    },
    /// A signature that does not verify.
    #[error("signature invalide ({})", french_what(what))]
    BadSignature {
        /// What was signed.
        what: &'static str,
    },
    /// Something used after its expiry.
    #[error("{} expiré", french_what(what))]
    Expired {
        /// What expired.
        what: &'static str,
    },
    /// A document operation refused by Automerge.
    #[error("document de section illisible : {0}")]
    Document(String),
    /// A value that does not belong where it was found (another livret, section or key).
    #[error("{}", .0.localized(Lang::Fr))]
    OutOfScope(OutOfScope),
    /// Content refused because it belongs in a sensitive section, or a sensitive section that
    /// the family has not opened.
    #[error("{fr}")]
    Sensitive {
        /// The message in French.
        fr: String,
        /// The message in English.
        en: String,
    },
}

impl Localized for CoreError {
    fn localized(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => self.to_string(),
            Lang::En => match self {
                CoreError::Validation(v) => v.localized(lang),
                CoreError::BadIdentifier { what } => format!("invalid {what} identifier"),
                CoreError::UnknownRole(r) => {
                    format!("unknown role \"{r}\" (family, teacher, school or jury)")
                }
                CoreError::UnknownSection(s) => format!("unknown section \"{s}\""),
                CoreError::NonCanonicalSection { given, canonical } => format!(
                    "non-canonical section name \"{given}\": only \"{canonical}\" is accepted"
                ),
                CoreError::EmptySectionList => "the section list is empty".into(),
                CoreError::TooLarge { what, max, actual } => {
                    format!("{what} too large ({actual} bytes, at most {max})")
                }
                CoreError::Malformed { what, detail } => format!("malformed {what}: {detail}"),
                CoreError::BadSignature { what } => format!("invalid signature ({what})"),
                CoreError::Expired { what } => format!("{what} has expired"),
                CoreError::Document(d) => format!("unreadable section document: {d}"),
                CoreError::OutOfScope(d) => d.localized(lang),
                CoreError::Sensitive { en, .. } => en.clone(),
            },
        }
    }
}

/// What does not belong where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutOfScope {
    /// A manifest record stored under a key its content does not imply.
    ManifestKeyMismatch(String),
    /// A manifest key of no known kind.
    UnknownManifestKey(String),
    /// Recovery words that do not give a key.
    RecoveryWords(WordsProblem),
}

/// Why recovery words were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WordsProblem {
    /// Not the right number of words.
    Count {
        /// How many were read.
        read: usize,
        /// How many are needed.
        expected: usize,
    },
    /// A word not in the list (its position from 1, and the word as typed).
    NotInList {
        /// Its position, from 1.
        position: usize,
        /// The word as typed.
        word: String,
    },
    /// The checksum does not match: a word is wrong or out of place.
    Checksum,
    /// The words give an entropy of an unexpected length.
    Entropy,
    /// The key could not be written as words (the library's reason).
    Encoding(String),
}

impl Localized for OutOfScope {
    fn localized(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::Fr, OutOfScope::ManifestKeyMismatch(k)) => {
                format!("clé de manifeste « {k} » incohérente")
            }
            (Lang::En, OutOfScope::ManifestKeyMismatch(k)) => {
                format!("manifest key \"{k}\" does not match its record")
            }
            (Lang::Fr, OutOfScope::UnknownManifestKey(k)) => {
                format!("clé de manifeste inconnue « {k} »")
            }
            (Lang::En, OutOfScope::UnknownManifestKey(k)) => {
                format!("unknown manifest key \"{k}\"")
            }
            (Lang::Fr, OutOfScope::RecoveryWords(p)) => {
                format!("mots de secours refusés : {}", p.localized(lang))
            }
            (Lang::En, OutOfScope::RecoveryWords(p)) => {
                format!("recovery words refused: {}", p.localized(lang))
            }
        }
    }
}

impl Localized for WordsProblem {
    fn localized(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::Fr, WordsProblem::Count { read, expected }) => {
                format!("{read} mots lus, {expected} attendus")
            }
            (Lang::En, WordsProblem::Count { read, expected }) => {
                format!("{read} words read, {expected} expected")
            }
            (Lang::Fr, WordsProblem::NotInList { position, word }) => format!(
                "le mot n° {position} (« {word} ») n'est pas dans la liste des mots de secours"
            ),
            (Lang::En, WordsProblem::NotInList { position, word }) => {
                format!("word {position} (\"{word}\") is not in the list of recovery words")
            }
            (_, WordsProblem::Checksum) => lang
                .pick(
                    "la somme de contrôle ne correspond pas : un mot est faux ou déplacé",
                    "the checksum does not match: a word is wrong or out of place",
                )
                .into(),
            (_, WordsProblem::Entropy) => lang
                .pick(
                    "entropie de longueur inattendue",
                    "entropy of unexpected length",
                )
                .into(),
            (_, WordsProblem::Encoding(e)) => e.clone(),
        }
    }
}

/// The French word for the English `what` of an error.
pub fn french_what(what: &str) -> &str {
    match what {
        "device" => "appareil",
        "livret" => "livret",
        "grant" => "autorisation",
        "invitation" => "invitation",
        "entry" => "inscription",
        "revocation" => "révocation",
        "owner record" => "fiche de propriétaire",
        "genesis record" => "acte de création",
        "section document" => "document de section",
        "sync message" => "message de synchronisation",
        "frame" => "trame",
        "school card" => "carte d'établissement",
        "certificate" => "certificat",
        "opening record" => "ouverture de section",
        other => other,
    }
}
