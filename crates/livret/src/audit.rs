//! What the audit journal records: one typed action per line, told in French or English by the
//! one localization every front end uses ([`Localized`]).

use livret_core::{Lang, Localized};
use serde::{Serialize, Serializer};

/// An action the audit journal records. Stored and sent in JSON by its [`AuditAction::as_str`]
/// name; a name this version does not know (a journal written by a later one) reads as
/// [`AuditAction::Other`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditAction {
    /// A livret created on this device.
    Created,
    /// An invitation created.
    Invited,
    /// An invitation presented by another device (a redeem).
    Redeem,
    /// A grant (or an owner record) issued.
    Granted,
    /// An invitation accepted (on the invited device).
    Accepted,
    /// An entry written.
    Written,
    /// A grant revoked.
    Revoked,
    /// A grant that reached its end.
    Expired,
    /// A livret erased from this device (its grant ended).
    Purged,
    /// A section sent to a peer.
    Sent,
    /// Changes received from a peer.
    Received,
    /// Something refused (a document, a batch, a record).
    Refused,
    /// The peer refused something this device sent.
    RefusedByPeer,
    /// Entries (or a section) forgotten, history included.
    Erased,
    /// A livret deleted by the family.
    Deleted,
    /// The sensitive section opened.
    Opened,
    /// A family device revoked.
    DeviceRevoked,
    /// A recovery (restoring a device with the recovery sheet).
    Recover,
    /// A new recovery key (a recovery sheet printed).
    RecoveryKey,
    /// A device introduced as an owner with the recovery key.
    Introduced,
    /// Owner records and revocations received from the family (on a grantee's device).
    Owners,
    /// A teacher certified (on a school's device).
    Certified,
    /// A livret imported from a JSON export.
    Imported,
    /// A session ended by this device.
    Session,
    /// An anonymized extract sent to a jury.
    Extract,
    /// A teaching team's roster made (school device) or received (family device).
    Team,
    /// An action named by a journal this version does not know.
    Other(String),
}

impl AuditAction {
    /// The name stored in the journal and shown in JSON.
    pub fn as_str(&self) -> &str {
        match self {
            AuditAction::Created => "created",
            AuditAction::Invited => "invited",
            AuditAction::Redeem => "redeem",
            AuditAction::Granted => "granted",
            AuditAction::Accepted => "accepted",
            AuditAction::Written => "written",
            AuditAction::Revoked => "revoked",
            AuditAction::Expired => "expired",
            AuditAction::Purged => "purged",
            AuditAction::Sent => "sent",
            AuditAction::Received => "received",
            AuditAction::Refused => "refused",
            AuditAction::RefusedByPeer => "refused-by-peer",
            AuditAction::Erased => "erased",
            AuditAction::Deleted => "deleted",
            AuditAction::Opened => "opened",
            AuditAction::DeviceRevoked => "device-revoked",
            AuditAction::Recover => "recover",
            AuditAction::RecoveryKey => "recovery-key",
            AuditAction::Introduced => "introduced",
            AuditAction::Owners => "owners",
            AuditAction::Certified => "certified",
            AuditAction::Imported => "imported",
            AuditAction::Session => "session",
            AuditAction::Extract => "extract",
            AuditAction::Team => "team",
            AuditAction::Other(name) => name,
        }
    }

    /// The action a stored name stands for.
    pub fn parse(name: &str) -> AuditAction {
        const KNOWN: [AuditAction; 26] = [
            AuditAction::Created,
            AuditAction::Invited,
            AuditAction::Redeem,
            AuditAction::Granted,
            AuditAction::Accepted,
            AuditAction::Written,
            AuditAction::Revoked,
            AuditAction::Expired,
            AuditAction::Purged,
            AuditAction::Sent,
            AuditAction::Received,
            AuditAction::Refused,
            AuditAction::RefusedByPeer,
            AuditAction::Erased,
            AuditAction::Deleted,
            AuditAction::Opened,
            AuditAction::DeviceRevoked,
            AuditAction::Recover,
            AuditAction::RecoveryKey,
            AuditAction::Introduced,
            AuditAction::Owners,
            AuditAction::Certified,
            AuditAction::Imported,
            AuditAction::Session,
            AuditAction::Extract,
            AuditAction::Team,
        ];
        KNOWN
            .into_iter()
            .find(|a| a.as_str() == name)
            .unwrap_or_else(|| AuditAction::Other(name.to_string()))
    }

    fn words(&self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            AuditAction::Created => ("livret créé", "livret created"),
            AuditAction::Invited => ("invitation créée", "invitation created"),
            AuditAction::Redeem => ("invitation présentée", "invitation presented"),
            AuditAction::Granted => ("autorisation accordée", "grant issued"),
            AuditAction::Accepted => ("invitation acceptée", "invitation accepted"),
            AuditAction::Written => ("inscription écrite", "entry written"),
            AuditAction::Revoked => ("autorisation révoquée", "grant revoked"),
            AuditAction::Expired => ("autorisation arrivée à échéance", "grant expired"),
            AuditAction::Purged => (
                "livret effacé de cet appareil",
                "livret erased from this device",
            ),
            AuditAction::Sent => ("section envoyée", "section sent"),
            AuditAction::Received => ("modifications reçues", "changes received"),
            AuditAction::Refused => ("refusé", "refused"),
            AuditAction::RefusedByPeer => {
                ("refusé par l'autre appareil", "refused by the other device")
            }
            AuditAction::Erased => ("inscriptions oubliées", "entries forgotten"),
            AuditAction::Deleted => ("livret supprimé", "livret deleted"),
            AuditAction::Opened => ("section sensible ouverte", "sensitive section opened"),
            AuditAction::DeviceRevoked => {
                ("appareil de la famille révoqué", "family device revoked")
            }
            AuditAction::Recover => (
                "restauration par la feuille de secours",
                "recovery with the sheet",
            ),
            AuditAction::RecoveryKey => ("nouvelle feuille de secours", "new recovery sheet"),
            AuditAction::Introduced => (
                "appareil présenté par la feuille de secours",
                "device introduced by the recovery sheet",
            ),
            AuditAction::Owners => (
                "appareils de la famille mis à jour",
                "family devices updated",
            ),
            AuditAction::Certified => ("enseignant certifié", "teacher certified"),
            AuditAction::Imported => ("livret importé", "livret imported"),
            AuditAction::Session => ("séance de synchronisation", "sync session"),
            AuditAction::Extract => ("extrait envoyé", "extract sent"),
            AuditAction::Team => ("équipe pédagogique", "teaching team"),
            AuditAction::Other(_) => return None,
        })
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.words() {
            Some((_, en)) => f.write_str(en),
            None => f.write_str(self.as_str()),
        }
    }
}

impl Localized for AuditAction {
    fn localized(&self, lang: Lang) -> String {
        match self.words() {
            Some((fr, en)) => lang.pick(fr, en).to_string(),
            None => self.as_str().to_string(),
        }
    }
}

/// Whether an audited action was accepted or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditOutcome {
    /// It was done.
    Accepted,
    /// It was refused.
    Refused,
}

impl AuditOutcome {
    /// The stored name: `accepted` or `refused`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Accepted => "accepted",
            AuditOutcome::Refused => "refused",
        }
    }

    /// Reads a stored name; anything but `accepted` is a refusal, the safe reading.
    pub fn parse(name: &str) -> Self {
        if name == "accepted" {
            AuditOutcome::Accepted
        } else {
            AuditOutcome::Refused
        }
    }
}

impl std::fmt::Display for AuditOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Localized for AuditOutcome {
    fn localized(&self, lang: Lang) -> String {
        match self {
            AuditOutcome::Accepted => lang.pick("accepté", "accepted"),
            AuditOutcome::Refused => lang.pick("refusé", "refused"),
        }
        .to_string()
    }
}

/// Compares with a stored name (`a.outcome == "refused"`).
impl PartialEq<&str> for AuditOutcome {
    fn eq(&self, name: &&str) -> bool {
        self.as_str() == *name
    }
}

/// Compares with a stored name (`a.action == "written"`).
impl PartialEq<&str> for AuditAction {
    fn eq(&self, name: &&str) -> bool {
        self.as_str() == *name
    }
}

impl Serialize for AuditAction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_name_and_is_told_in_both_languages() {
        for name in [
            "created",
            "invited",
            "redeem",
            "granted",
            "accepted",
            "written",
            "revoked",
            "expired",
            "purged",
            "sent",
            "received",
            "refused",
            "refused-by-peer",
            "erased",
            "deleted",
            "opened",
            "device-revoked",
            "recover",
            "recovery-key",
            "introduced",
            "owners",
            "certified",
            "imported",
            "session",
            "extract",
        ] {
            let a = AuditAction::parse(name);
            assert_eq!(a.as_str(), name);
            assert!(!matches!(a, AuditAction::Other(_)), "{name}");
            assert_ne!(a.localized(Lang::Fr), a.localized(Lang::En), "{name}");
        }
        assert_eq!(
            AuditAction::parse("plus-tard"),
            AuditAction::Other("plus-tard".into())
        );
    }
}
