//! Why a device refused what a peer sent: a [`Refusal`], a small stable code
//! ([`RefusalCode`]) with the entry key concerned and a bounded detail. Refusals travel between
//! devices as their code (a number, see [`RefusalCode::number`]), never as prose: each side
//! shows them in its own language ([`Localized`]), and a code from a newer peer that this
//! device does not know reads as [`RefusalCode::Other`].

use std::fmt;

use crate::grant::DenyReason;
use crate::lang::{Lang, Localized};

/// The longest detail or entry key a refusal carries (characters); longer ones are cut.
pub const MAX_REFUSAL_DETAIL_CHARS: usize = 200;

macro_rules! refusal_codes {
    ($($(#[$doc:meta])* $name:ident = $num:literal, $slug:literal, $en:literal, $fr:literal;)*) => {
        /// The reason of a refusal, as a stable code. The numbers never change meaning; new
        /// reasons get new numbers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RefusalCode {
            $($(#[$doc])* $name,)*
            /// A code this device does not know (a newer peer's), kept as received.
            Other(u16),
        }

        impl RefusalCode {
            /// The number that stands for this code on the wire.
            pub fn number(self) -> u16 {
                match self {
                    $(RefusalCode::$name => $num,)*
                    RefusalCode::Other(n) => n,
                }
            }

            /// The code a number from the wire stands for; an unknown one is
            /// [`RefusalCode::Other`].
            pub fn from_number(n: u16) -> RefusalCode {
                match n {
                    $($num => RefusalCode::$name,)*
                    other => RefusalCode::Other(other),
                }
            }

            /// A short name for logs (`no-grant`, `author-may-not-write`...); an unknown code
            /// reads `other`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(RefusalCode::$name => $slug,)*
                    RefusalCode::Other(_) => "other",
                }
            }

            fn english(self) -> &'static str {
                match self {
                    $(RefusalCode::$name => $en,)*
                    RefusalCode::Other(_) => "refused (a reason this device does not know)",
                }
            }

            fn french(self) -> &'static str {
                match self {
                    $(RefusalCode::$name => $fr,)*
                    RefusalCode::Other(_) => "refusé (pour une raison que cet appareil ne connaît pas)",
                }
            }

            /// Every known code, in number order (for tests and documentation).
            pub const ALL: &'static [RefusalCode] = &[$(RefusalCode::$name,)*];
        }
    };
}

refusal_codes! {
    /// No grant names the sender for this livret.
    NoGrant = 1, "no-grant", "no grant for this device", "aucune autorisation pour cet appareil";
    /// The sender's grant was revoked.
    GrantRevoked = 2, "grant-revoked", "grant revoked", "autorisation révoquée";
    /// The sender's grant has ended or is not valid yet.
    GrantExpired = 3, "grant-expired", "grant expired or not yet valid", "autorisation expirée ou pas encore valable";
    /// The section is outside the sender's grant.
    SectionNotGranted = 4, "section-not-granted", "section not covered by the grant", "section non couverte par l'autorisation";
    /// The sender's grant is read-only.
    ReadOnly = 5, "read-only", "read-only grant", "autorisation en lecture seule";
    /// A sensitive section the family has not opened.
    SectionClosed = 6, "section-closed", "sensitive section not opened by the family", "section sensible non ouverte par la famille";
    /// The sender holds no write right on the section, so it sends no change.
    SenderMayNotWrite = 7, "sender-may-not-write", "the sending device may not write in this section: it sends no change", "l'appareil qui envoie n'a pas le droit d'écrire dans cette section : il n'envoie aucune modification";
    /// An entry's author may not write in the section (at arrival, or when it signed).
    AuthorMayNotWrite = 8, "author-may-not-write", "the author of an entry may not write in this section", "l'auteur d'une inscription n'a pas le droit d'écrire dans cette section";
    /// An entry that does not verify: bad or forged signature, wrong place, unreadable.
    BadEntry = 9, "bad-entry", "an entry does not verify (signature, place or form)", "une inscription ne vérifie pas (signature, place ou forme)";
    /// An entry whose content is refused (official vocabulary, scales, sensitive matters).
    Content = 10, "content", "content refused", "contenu refusé";
    /// A version of another author's entry not newer than the one held (a rollback).
    Rollback = 11, "rollback", "a version of another author's entry that is not newer (rollback)", "version non plus récente de l'inscription d'un autre auteur";
    /// A change or deletion of another author's entry.
    OtherAuthorsEntry = 12, "other-authors-entry", "change or deletion of another author's entry", "modification ou suppression de l'inscription d'un autre auteur";
    /// Another spelling of a section's name than the canonical one.
    NonCanonicalSection = 13, "non-canonical-section", "non-canonical section name", "nom de section non canonique";
    /// A document name this device does not know, or not allowed to the sender.
    UnknownDocument = 14, "unknown-document", "unknown document, or not allowed to this device", "document inconnu ou non autorisé pour cet appareil";
    /// Something larger than allowed.
    TooLarge = 15, "too-large", "too large", "trop volumineux";
    /// A sync message or change that does not decode or breaks a section's structure.
    Malformed = 16, "malformed", "malformed message or change", "message ou modification mal formés";
    /// More entries in a section than allowed.
    TooManyEntries = 17, "too-many-entries", "too many entries in the section", "trop d'inscriptions dans la section";
    /// A livret this device does not hold, or unrelated to the sender.
    UnknownLivret = 18, "unknown-livret", "livret unknown to this device or unrelated to yours", "livret inconnu de cet appareil ou sans rapport avec le vôtre";
    /// The sender's device was revoked as an owner or a grantee.
    RevokedDevice = 19, "revoked-device", "revoked device", "appareil révoqué";
    /// Reserved to the family's devices, or signed by a device that is no owner.
    NotOwner = 20, "not-owner", "reserved to the family's devices (not an owner)", "réservé aux appareils de la famille (pas un propriétaire)";
    /// A manifest record erased or replaced (the manifest only grows).
    ManifestRewrite = 21, "manifest-rewrite", "the manifest is never erased nor replaced", "le manifeste ne s'efface ni ne se remplace";
    /// A manifest that is invalid, of another livret, or with contradictory owner records.
    BadManifest = 22, "bad-manifest", "invalid manifest (another livret, contradictory owner records)", "manifeste invalide (autre livret, actes de propriétaire contradictoires)";
    /// Access ended during the session (expiry, revocation).
    AccessEnded = 23, "access-ended", "access ended", "accès retiré";
    /// A copy from before an erasure the family ordered.
    ErasureMismatch = 24, "erasure-mismatch", "copy from before an erasure the family ordered: not synced", "copie antérieure à un effacement demandé par la famille : synchronisation refusée";
    /// A jury wrote, or was sent something other than an extract.
    JuryWrite = 25, "jury-write", "a jury cannot write anything in the livret", "un jury ne peut rien écrire dans le livret";
    /// An extract that was not asked for.
    UnrequestedExtract = 26, "unrequested-extract", "extract not requested", "extrait non demandé";
    /// An extract that does not check.
    BadExtract = 27, "bad-extract", "extract refused", "extrait refusé";
    /// An erasure notice that does not check, or about an unknown livret or section.
    ErasureRefused = 28, "erasure-refused", "erasure refused", "effacement refusé";
    /// A deletion notice that does not check.
    DeletionRefused = 29, "deletion-refused", "deletion notice refused", "avis de suppression refusé";
    /// An introduction (an owner record sent before the hello) that does not check.
    IntroductionRefused = 30, "introduction-refused", "introduction refused", "présentation refusée";
    /// An invitation unknown to the family's device, or already used.
    InvitationSpent = 31, "invitation-spent", "invitation unknown or already used", "invitation inconnue ou déjà utilisée";
    /// An invitation past its expiry.
    InvitationExpired = 32, "invitation-expired", "invitation expired", "invitation expirée";
    /// A redeem the family refused.
    RedeemRefused = 33, "redeem-refused", "the family refused this request", "la famille a refusé cette demande";
    /// A recovery request to a device that gives no livret back (neither a family's nor a
    /// teacher's).
    RecoveryRefused = 34, "recovery-refused", "this device gives no livret back", "cet appareil ne rend pas de livrets";
    /// Too many refusals in one session: the session ends.
    TooManyRefusals = 35, "too-many-refusals", "too many refusals: session ended", "trop de refus : session arrêtée";
    /// The protocol was broken.
    Protocol = 36, "protocol", "protocol error", "erreur de protocole";
    /// A redeem the family did not confirm in time.
    RedeemUnanswered = 37, "redeem-unanswered", "the family did not confirm in time", "la famille n'a pas confirmé à temps";
    /// An invitation proof that does not check (made for another key).
    BadInvitationProof = 38, "bad-invitation-proof", "invalid invitation proof", "preuve d'invitation invalide";
    /// Only a family device may become an owner or be restored with the recovery key.
    FamilyDevicesOnly = 39, "family-devices-only", "only a \"family\" device may become an owner or be restored", "seul un appareil « famille » peut devenir propriétaire ou être rétabli";
    /// A recovery proof not made for the sending device.
    RecoveryProofInvalid = 40, "recovery-proof-invalid", "invalid recovery proof: it was not made for this device", "preuve de secours invalide : elle n'a pas été faite pour cet appareil";
    /// A recovery proof made too long ago, or in the future.
    RecoveryProofStale = 41, "recovery-proof-stale", "stale recovery proof (more than 10 minutes apart): check both devices' clocks", "preuve de secours périmée (plus de 10 minutes d'écart) : vérifiez l'heure des deux appareils";
    /// A recovery key that owns no livret the asked device holds.
    RecoveryKeyOwnsNothing = 42, "recovery-key-owns-nothing", "this recovery key owns no livret this device holds: restore from a family device", "cette clé de secours n'est propriétaire d'aucun livret que cet appareil détient : rétablissez depuis un appareil de la famille";
    /// The other device could not answer (an error on its side, not a decision).
    Internal = 43, "internal", "the other device could not answer (an error on its side)", "l'autre appareil n'a pas pu répondre (une erreur de son côté)";
    /// Not allowed, for a reason not listed above.
    NotAllowed = 44, "not-allowed", "not allowed", "non autorisé";
}

impl fmt::Display for RefusalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefusalCode::Other(n) => write!(f, "other-{n}"),
            c => f.write_str(c.as_str()),
        }
    }
}

impl From<DenyReason> for RefusalCode {
    fn from(r: DenyReason) -> RefusalCode {
        match r {
            DenyReason::NoGrant => RefusalCode::NoGrant,
            DenyReason::Revoked => RefusalCode::GrantRevoked,
            DenyReason::OutsidePeriod => RefusalCode::GrantExpired,
            DenyReason::SectionNotGranted => RefusalCode::SectionNotGranted,
            DenyReason::ReadOnly => RefusalCode::ReadOnly,
            DenyReason::SectionClosed => RefusalCode::SectionClosed,
            // Team decisions are not sent on the wire yet (sessions do not consult them): the
            // nearest existing codes, so no new wire number is spent before they are.
            DenyReason::NotTeamMember => RefusalCode::NoGrant,
            DenyReason::SubjectNotAssigned => RefusalCode::SectionNotGranted,
        }
    }
}

/// A refusal: its code, the entry key concerned (if any) and a bounded detail (a name, a
/// number, or the words of the check that refused, not translated). The document concerned
/// travels beside it (the frame's target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Why.
    pub code: RefusalCode,
    /// The entry key concerned, if any.
    pub key: Option<String>,
    /// A detail, at most [`MAX_REFUSAL_DETAIL_CHARS`] characters.
    pub detail: Option<String>,
}

fn bounded(s: &str) -> String {
    s.chars()
        .take(MAX_REFUSAL_DETAIL_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

impl Refusal {
    /// A refusal with its code alone.
    pub fn new(code: RefusalCode) -> Refusal {
        Refusal {
            code,
            key: None,
            detail: None,
        }
    }

    /// The same refusal, about the entry under `key` (bounded).
    pub fn at(mut self, key: &str) -> Refusal {
        self.key = Some(bounded(key));
        self
    }

    /// The same refusal with a detail (bounded).
    pub fn detail(mut self, detail: impl AsRef<str>) -> Refusal {
        self.detail = Some(bounded(detail.as_ref()));
        self
    }

    /// A refusal as read from the wire: an unknown code becomes [`RefusalCode::Other`], the key
    /// and the detail are bounded.
    pub fn from_wire(code: u16, key: Option<&str>, detail: Option<&str>) -> Refusal {
        Refusal {
            code: RefusalCode::from_number(code),
            key: key.map(bounded),
            detail: detail.map(bounded),
        }
    }

    fn render(&self, lang: Lang) -> String {
        let mut out = match lang {
            Lang::En => self.code.english().to_string(),
            Lang::Fr => self.code.french().to_string(),
        };
        if let RefusalCode::Other(n) = self.code {
            out.push_str(&format!(" [{n}]"));
        }
        if let Some(key) = &self.key {
            out.push_str(&match lang {
                Lang::En => format!(" (entry \"{key}\")"),
                Lang::Fr => format!(" (inscription « {key} »)"),
            });
        }
        if let Some(detail) = &self.detail {
            out.push_str(lang.pick(" : ", ": "));
            out.push_str(detail);
        }
        out
    }
}

impl From<RefusalCode> for Refusal {
    fn from(code: RefusalCode) -> Refusal {
        Refusal::new(code)
    }
}

impl From<DenyReason> for Refusal {
    fn from(r: DenyReason) -> Refusal {
        Refusal::new(r.into())
    }
}

/// English.
impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

impl std::error::Error for Refusal {}

impl Localized for Refusal {
    fn localized(&self, lang: Lang) -> String {
        self.render(lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_ones_read_as_other() {
        let mut seen = std::collections::BTreeSet::new();
        for &c in RefusalCode::ALL {
            assert!(seen.insert(c.number()), "{c}: number used twice");
            assert_eq!(RefusalCode::from_number(c.number()), c);
            assert_ne!(c.as_str(), "other");
        }
        let r = Refusal::from_wire(9999, Some("k"), Some("d"));
        assert_eq!(r.code, RefusalCode::Other(9999));
        assert_eq!(r.code.number(), 9999);
        assert!(r.to_string().contains("does not know"), "{r}");
        assert!(r.localized(Lang::Fr).contains("ne connaît pas"), "{r}");
    }

    #[test]
    fn a_refusal_reads_in_either_language_and_is_bounded() {
        let r = Refusal::new(RefusalCode::AuthorMayNotWrite).at("bilan/1-3/FRANCS");
        assert_eq!(
            r.to_string(),
            "the author of an entry may not write in this section (entry \"bilan/1-3/FRANCS\")"
        );
        assert_eq!(
            r.localized(Lang::Fr),
            "l'auteur d'une inscription n'a pas le droit d'écrire dans cette section (inscription « bilan/1-3/FRANCS »)"
        );
        let long = Refusal::new(RefusalCode::Content).detail("x\n".repeat(1000));
        assert_eq!(
            long.detail.as_deref().map(|d| d.chars().count()),
            Some(MAX_REFUSAL_DETAIL_CHARS)
        );
        assert!(!long.to_string().contains('\n'));
    }
}
