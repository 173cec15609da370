//! Errors of the core, each with a French and an English one-line message.

use crate::lang::{Lang, Localized};
use crate::vocab::ValidationError;

/// What went wrong in the core. Messages name the problem; none contains a secret. `Display`
/// is English; French (and English) through [`Localized`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A value of the official vocabulary was refused.
    #[error("{0}")]
    Validation(#[from] ValidationError),
    /// A typed or pasted identifier is not valid.
    #[error("invalid {what} identifier")]
    BadIdentifier {
        /// What kind of identifier.
        what: &'static str,
    },
    /// An unknown role.
    #[error("unknown role \"{0}\" (family, teacher, school or jury)")]
    UnknownRole(String),
    /// An unknown section name.
    #[error("unknown section \"{0}\"")]
    UnknownSection(String),
    /// Another spelling of a section's name (spaces, accents, capitals) where only the
    /// canonical one is accepted: from another device, or from storage.
    #[error("non-canonical section name \"{given}\": only \"{canonical}\" is accepted")]
    NonCanonicalSection {
        /// The name received (bounded, control characters escaped).
        given: String,
        /// The canonical name of the section it spells.
        canonical: String,
    },
    /// A section list with nothing in it.
    #[error("the section list is empty")]
    EmptySectionList,
    /// An input larger than allowed, refused before decoding.
    #[error("{what} too large ({actual} bytes, at most {max})")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The limit.
        max: usize,
        /// The size received.
        actual: usize,
    },
    /// An input that does not decode.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// What did not decode.
        what: &'static str,
        /// Why.
        detail: String,
    },
    /// A signature that does not verify.
    #[error("invalid signature ({what})")]
    BadSignature {
        /// What was signed.
        what: &'static str,
    },
    /// Something used after its expiry.
    #[error("{what} has expired")]
    Expired {
        /// What expired.
        what: &'static str,
    },
    /// A document operation refused by Automerge.
    #[error("unreadable section document: {0}")]
    Document(String),
    /// A value that does not belong where it was found (another livret, section or key).
    #[error("{}", .0.localized(Lang::En))]
    OutOfScope(OutOfScope),
    /// Content refused because it belongs in a sensitive section, or a sensitive section that
    /// the family has not opened.
    #[error("{en}")]
    Sensitive {
        /// The message in French.
        fr: String,
        /// The message in English.
        en: String,
    },
    /// A team roster, team grant or team card refused.
    #[error("{}", .0.localized(Lang::En))]
    Team(crate::team::TeamProblem),
}

impl Localized for CoreError {
    fn localized(&self, lang: Lang) -> String {
        match lang {
            Lang::En => match self {
                CoreError::Validation(v) => v.localized(lang),
                other => other.to_string(),
            },
            Lang::Fr => match self {
                CoreError::Validation(v) => v.localized(lang),
                CoreError::BadIdentifier { what } => {
                    format!("identifiant invalide ({})", french_what(what))
                }
                CoreError::UnknownRole(r) => {
                    format!("rôle inconnu « {r} » (family, teacher, school ou jury)")
                }
                CoreError::UnknownSection(s) => format!("section inconnue « {s} »"),
                CoreError::NonCanonicalSection { given, canonical } => format!(
                    "nom de section non canonique « {given} » : seule l'écriture « {canonical} » est acceptée"
                ),
                CoreError::EmptySectionList => "la liste des sections est vide".into(),
                CoreError::TooLarge { what, max, actual } => format!(
                    "{} trop volumineux ({actual} octets, maximum {max})",
                    french_what(what)
                ),
                CoreError::Malformed { what, detail } => {
                    format!("{} mal formé : {detail}", french_what(what))
                }
                CoreError::BadSignature { what } => {
                    format!("signature invalide ({})", french_what(what))
                }
                CoreError::Expired { what } => format!("{} expiré", french_what(what)),
                CoreError::Document(d) => format!("document de section illisible : {d}"),
                CoreError::OutOfScope(d) => d.localized(lang),
                CoreError::Sensitive { fr, .. } => fr.clone(),
                CoreError::Team(p) => p.localized(lang),
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
        "team" => "équipe",
        "team roster" => "liste d'équipe",
        "team grant" => "autorisation d'équipe",
        "team card" => "carte d'équipe",
        other => other,
    }
}
