//! Refusals as a session reports them, and as they cross the wire: a `Refused` frame carries a
//! [`Refusal`]'s code (a number), the entry key and a short detail, never prose; each side shows
//! it in its reader's language.

use std::fmt;

use livret_core::{Lang, LivretId, Localized, Refusal};
use livret_net::protocol::{ByteBuf, Frame, Refused};
use serde::Serialize;

/// The longest document name from a peer kept in a report or the audit log (characters).
const MAX_TARGET_CHARS: usize = 64;

/// A refusal in a session, either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRefusal {
    /// Whether the peer refused what this device sent (rather than this device refusing the
    /// peer's).
    pub by_peer: bool,
    /// The livret concerned, if any.
    pub livret: Option<String>,
    /// The document concerned (`annee/2025`, `manifest`), if any.
    pub target: Option<String>,
    /// Why.
    pub refusal: Refusal,
}

impl SessionRefusal {
    pub(crate) fn new(
        by_peer: bool,
        livret: Option<LivretId>,
        target: Option<&str>,
        refusal: Refusal,
    ) -> SessionRefusal {
        SessionRefusal {
            by_peer,
            livret: livret.map(|l| l.to_string()),
            target: target.map(|t| t.chars().take(MAX_TARGET_CHARS).collect()),
            refusal,
        }
    }
}

impl Localized for SessionRefusal {
    fn localized(&self, lang: Lang) -> String {
        let mut out = String::new();
        if self.by_peer {
            out.push_str(lang.pick(
                "refusé par l'autre appareil : ",
                "refused by the other device: ",
            ));
        }
        match (&self.livret, &self.target) {
            (Some(l), Some(t)) => out.push_str(&format!("{l}/{t}{}", lang.pick(" : ", ": "))),
            (Some(l), None) => out.push_str(&format!("{l}{}", lang.pick(" : ", ": "))),
            _ => {}
        }
        out.push_str(&self.refusal.localized(lang));
        out
    }
}

/// English.
impl fmt::Display for SessionRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.localized(Lang::En))
    }
}

/// Serialized as its English line.
impl Serialize for SessionRefusal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The frame telling a peer `refusal`.
pub(crate) fn frame(livret: Option<LivretId>, target: Option<&str>, refusal: &Refusal) -> Frame {
    Frame::Refused(Refused {
        livret: livret.map(|l| ByteBuf::from(l.0.to_vec())),
        target: target.map(|t| t.chars().take(MAX_TARGET_CHARS).collect()),
        code: refusal.code.number(),
        key: refusal.key.clone(),
        detail: refusal.detail.clone(),
    })
}

/// The refusal a peer's frame tells (an unknown code reads as `RefusalCode::Other`; the key and
/// the detail are bounded).
pub(crate) fn of_frame(r: &Refused) -> Refusal {
    Refusal::from_wire(r.code, r.key.as_deref(), r.detail.as_deref())
}

/// The audit log's line for a refusal: in French, with its code.
pub(crate) fn audit_text(refusal: &Refusal) -> String {
    format!("{} [{}]", refusal.localized(Lang::Fr), refusal.code)
}

/// What a peer is told when this device's answer to its request (a redeem, a recovery) ended
/// in `e`: the refusal itself, or a code saying what kind of failure it was (never the error's
/// text, which may say more than the peer needs).
pub(crate) fn of_error(e: &crate::Error) -> Refusal {
    use crate::Error;
    use livret_core::RefusalCode;
    match e {
        Error::Refused(r) => r.clone(),
        Error::InvitationExpired => Refusal::new(RefusalCode::InvitationExpired),
        Error::Protocol(_) => Refusal::new(RefusalCode::Protocol),
        Error::NotAuthorized(_) | Error::WrongRole { .. } => Refusal::new(RefusalCode::NotAllowed),
        _ => Refusal::new(RefusalCode::Internal),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use livret_core::RefusalCode;

    /// A refusal crosses the wire as its code and reads in either language; a code a newer
    /// peer sends that this device does not know decodes as "other", its detail bounded.
    #[test]
    fn a_refusal_crosses_the_wire_as_a_code_and_an_unknown_one_reads_as_other() {
        let livret = LivretId([7; 16]);
        let sent = Refusal::new(RefusalCode::AuthorMayNotWrite).at("bilan/1-3/FRANCS");
        let bytes = frame(Some(livret), Some("annee/2025"), &sent).encode();
        let Ok(Frame::Refused(r)) = Frame::decode(&bytes) else {
            panic!("not a refusal");
        };
        assert_eq!(r.code, 8);
        assert_eq!(of_frame(&r), sent);
        let told = SessionRefusal::new(true, Some(livret), r.target.as_deref(), of_frame(&r));
        assert_eq!(
            told.localized(Lang::Fr),
            format!(
                "refusé par l'autre appareil : {livret}/annee/2025 : l'auteur d'une inscription n'a pas le droit d'écrire dans cette section (inscription « bilan/1-3/FRANCS »)"
            )
        );
        assert_eq!(
            told.to_string(),
            format!(
                "refused by the other device: {livret}/annee/2025: the author of an entry may not write in this section (entry \"bilan/1-3/FRANCS\")"
            )
        );
        assert_eq!(
            audit_text(&told.refusal),
            "l'auteur d'une inscription n'a pas le droit d'écrire dans cette section (inscription « bilan/1-3/FRANCS ») [author-may-not-write]"
        );

        let newer = Frame::Refused(Refused {
            livret: None,
            target: None,
            code: 4321,
            key: None,
            detail: Some("y".repeat(5000)),
        });
        let Ok(Frame::Refused(r)) = Frame::decode(&newer.encode()) else {
            panic!("an unknown code did not decode");
        };
        let other = of_frame(&r);
        assert_eq!(other.code, RefusalCode::Other(4321));
        assert_eq!(other.detail.as_ref().map(|d| d.chars().count()), Some(200));
        assert!(other
            .localized(Lang::Fr)
            .starts_with("refusé (pour une raison que cet appareil ne connaît pas) [4321] : yyy"));
        assert!(other
            .to_string()
            .starts_with("refused (a reason this device does not know) [4321]: yyy"));
        assert!(audit_text(&other).ends_with("[other-4321]"));
    }
}
