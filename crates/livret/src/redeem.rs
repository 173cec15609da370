//! A redeem waits for the family (issue 13, finding 10): whoever photographs a QR invitation
//! could redeem it before the teacher it was shown to. So a redeem becomes a grant only after
//! the family confirms, on its own screen, who redeemed: the name and role the redeemer gave,
//! and a short code ([`redeem_code`]) the redeeming device shows too. Until then the claim is
//! kept in the store (any process of the home sees it: `livret invite` asks in the terminal,
//! the app shows a page); it lapses after [`REDEEM_CONFIRM_SECONDS`]. The session that carries
//! the redeem waits meanwhile (see `session.rs`), and gets the grant, or the refusal.

use livret_core::grant::{redeem_code, redeem_proof};
use livret_core::{DeviceId, InvitationId, LivretId, Refusal, RefusalCode, Role};
use serde::{Deserialize, Serialize};

use crate::audit::AuditAction;
use crate::device::Device;
use crate::error::{Error, Result};
use crate::sharing::{rfc3339, InvitationOut, PendingInvitation, Records};

/// How long a redeem waits for the family's confirmation before it lapses, in seconds.
pub const REDEEM_CONFIRM_SECONDS: i64 = 120;

const CLAIM: &str = "redeem-claim";

/// What the family decided about a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Decision {
    Confirmed,
    Refused,
}

/// A redeem waiting for the family (kept encrypted, under the invitation id).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claim {
    invitation: PendingInvitation,
    peer: DeviceId,
    name: String,
    role: String,
    code: String,
    claimed_at: i64,
    decision: Option<Decision>,
}

impl Claim {
    fn lapsed(&self, now: i64) -> bool {
        now >= self.claimed_at + REDEEM_CONFIRM_SECONDS
    }
}

/// What happened to a valid redeem on the family device.
pub(crate) enum RedeemStep {
    /// Issued (confirmed in advance): the livret and the records the grantee needs.
    Granted(LivretId, Records),
    /// Waiting for the family's confirmation.
    Waiting,
}

/// A redeem waiting for the family's confirmation, as its screens show it.
#[derive(Debug, Clone, Serialize)]
pub struct RedeemClaimView {
    /// The invitation id (what `confirm_redeem` takes).
    pub invitation: String,
    /// The livret.
    pub livret: String,
    /// The redeeming device.
    pub device: String,
    /// The name it gave.
    pub name: String,
    /// The role it gave (family, teacher, jury…).
    pub role: String,
    /// The code its screen shows: the family compares it.
    pub code: String,
    /// The sections it would get.
    pub sections: Vec<String>,
    /// read, write or owner.
    pub rights: String,
    /// Whether it is a jury's extract.
    pub jury: bool,
    /// When the claim lapses (RFC 3339, UTC).
    pub lapses_at: String,
}

impl Device {
    /// Family side of a redeem: checks the invitation (known, unused, unexpired, proof bound to
    /// the peer's key) and spends it, whatever the outcome of a valid attempt. Unless the family
    /// confirmed in advance, the redeem then waits for the family's confirmation
    /// ([`RedeemStep::Waiting`], see `redeem.rs`); otherwise the grant or owner record is issued
    /// at once with the manifest records the grantee needs.
    pub(crate) fn redeem(
        &mut self,
        peer: DeviceId,
        invitation: InvitationId,
        proof: &[u8],
        peer_name: &str,
        peer_role: &str,
    ) -> Result<RedeemStep> {
        let id = invitation.to_string();
        let refuse = |dev: &mut Device, livret: Option<LivretId>, code: RefusalCode| {
            let refusal = Refusal::new(code);
            let why = crate::refused::audit_text(&refusal);
            dev.audit_event(livret, Some(&peer), None, AuditAction::Redeem, false, &why);
            Err(Error::Refused(refusal))
        };
        let Some(bytes) = self.store.record("invitation", &id)? else {
            return refuse(self, None, RefusalCode::InvitationSpent);
        };
        let pending: PendingInvitation =
            serde_json::from_slice(&bytes).map_err(|e| Error::Protocol(e.to_string()))?;
        if redeem_proof(&pending.secret, &peer).as_slice() != proof {
            return refuse(self, Some(pending.livret), RefusalCode::BadInvitationProof);
        }
        // One use only: the secret is gone before anything is granted.
        self.store.delete_record("invitation", &id)?;
        let now = self.now();
        if now >= pending.expires_at {
            return refuse(self, Some(pending.livret), RefusalCode::InvitationExpired);
        }
        if pending.rights.makes_owner() && peer_role != Role::Family.as_str() {
            return refuse(self, Some(pending.livret), RefusalCode::FamilyDevicesOnly);
        }
        let peer_name: String = peer_name.chars().take(100).collect();
        if !pending.confirmed_in_advance {
            self.claim_redeem(invitation, peer, &peer_name, peer_role, pending)?;
            return Ok(RedeemStep::Waiting);
        }
        let (livret, records) = self.issue_redeem(peer, &pending, &peer_name)?;
        Ok(RedeemStep::Granted(livret, records))
    }

    /// Records a checked, spent redeem that waits for the family.
    pub(crate) fn claim_redeem(
        &mut self,
        invitation: InvitationId,
        peer: DeviceId,
        name: &str,
        role: &str,
        pending: PendingInvitation,
    ) -> Result<()> {
        let livret = pending.livret;
        let claim = Claim {
            invitation: pending,
            peer,
            name: name.to_string(),
            role: role.chars().take(20).collect(),
            code: redeem_code(&invitation, &peer),
            claimed_at: self.now(),
            decision: None,
        };
        self.put_claim(&invitation.to_string(), &claim)?;
        self.audit_event(
            Some(livret),
            Some(&peer),
            None,
            AuditAction::Redeem,
            true,
            &format!(
                "invitation présentée par {name} (code {}) : en attente de confirmation",
                claim.code
            ),
        );
        Ok(())
    }

    fn put_claim(&mut self, id: &str, claim: &Claim) -> Result<()> {
        let json = serde_json::to_vec(claim).map_err(|e| Error::Protocol(e.to_string()))?;
        self.store
            .put_record(CLAIM, id, Some(&claim.invitation.livret.to_string()), &json)?;
        Ok(())
    }

    fn claim(&self, id: &str) -> Result<Option<Claim>> {
        match self.store.record(CLAIM, id)? {
            Some(bytes) => Ok(Some(
                serde_json::from_slice(&bytes).map_err(|e| Error::Protocol(e.to_string()))?,
            )),
            None => Ok(None),
        }
    }

    /// Where a waiting redeem stands, for the session that carries it: `None` while the family
    /// has not decided; the grant's records once it confirmed; an error once it refused or the
    /// claim lapsed (the claim is gone then).
    pub(crate) fn redeem_outcome(
        &mut self,
        invitation: InvitationId,
        peer: DeviceId,
    ) -> Result<Option<(LivretId, Records)>> {
        let id = invitation.to_string();
        let Some(claim) = self.claim(&id)? else {
            return Err(Error::NotAuthorized(
                "la demande n'existe plus sur l'appareil de la famille".into(),
            ));
        };
        if claim.peer != peer {
            return Err(Error::NotAuthorized(
                "invitation présentée par un autre appareil".into(),
            ));
        }
        let livret = claim.invitation.livret;
        let refuse = |dev: &mut Device, code: RefusalCode| {
            let refusal = Refusal::new(code);
            let why = crate::refused::audit_text(&refusal);
            dev.audit_event(
                Some(livret),
                Some(&peer),
                None,
                AuditAction::Redeem,
                false,
                &why,
            );
            Err(Error::Refused(refusal))
        };
        match claim.decision {
            Some(Decision::Confirmed) => {
                self.store.delete_record(CLAIM, &id)?;
                self.issue_redeem(peer, &claim.invitation, &claim.name)
                    .map(Some)
            }
            Some(Decision::Refused) => {
                self.store.delete_record(CLAIM, &id)?;
                refuse(self, RefusalCode::RedeemRefused)
            }
            None if claim.lapsed(self.now()) => {
                self.store.delete_record(CLAIM, &id)?;
                refuse(self, RefusalCode::RedeemUnanswered)
            }
            None => Ok(None),
        }
    }

    /// Forgets a claim whose session gave up waiting.
    pub(crate) fn drop_claim(&mut self, invitation: InvitationId) {
        if let Err(e) = self.store.delete_record(CLAIM, &invitation.to_string()) {
            tracing::warn!("claim: {e}");
        }
    }

    /// The redeems waiting for this family's confirmation (of one livret, or all), oldest
    /// first. Lapsed ones are not listed.
    pub fn redeem_claims(&self, livret: Option<LivretId>) -> Result<Vec<RedeemClaimView>> {
        let now = self.now();
        let mut out = Vec::new();
        for (id, _, data) in self.store.records(CLAIM)? {
            let Ok(claim) = serde_json::from_slice::<Claim>(&data) else {
                continue;
            };
            if claim.decision.is_some()
                || claim.lapsed(now)
                || livret.is_some_and(|l| l != claim.invitation.livret)
            {
                continue;
            }
            out.push((claim.claimed_at, claim_view(&id, &claim)));
        }
        out.sort_by_key(|(at, _)| *at);
        Ok(out.into_iter().map(|(_, v)| v).collect())
    }

    /// The family's answer to a waiting redeem (`invitation`: its id, as listed): confirmed, it
    /// becomes a grant (or an owner record) in the session that waits for it; refused, that
    /// session is told so and nothing is granted. The invitation is spent either way.
    pub fn confirm_redeem(&mut self, invitation: &str, confirm: bool) -> Result<RedeemClaimView> {
        let id = invitation.trim();
        let Some(mut claim) = self.claim(id)? else {
            return Err(Error::NotAuthorized(format!(
                "aucune demande en attente pour l'invitation « {id} »"
            )));
        };
        if claim.lapsed(self.now()) {
            return Err(Error::NotAuthorized(
                "la demande a expiré : l'appareil doit présenter une nouvelle invitation".into(),
            ));
        }
        if claim.decision.is_some() {
            return Err(Error::NotAuthorized(
                "cette demande a déjà reçu une réponse".into(),
            ));
        }
        claim.decision = Some(if confirm {
            Decision::Confirmed
        } else {
            Decision::Refused
        });
        self.put_claim(id, &claim)?;
        let detail = if confirm {
            format!("demande de {} confirmée par la famille", claim.name)
        } else {
            format!("demande de {} refusée par la famille", claim.name)
        };
        self.audit_event(
            Some(claim.invitation.livret),
            Some(&claim.peer),
            None,
            AuditAction::Redeem,
            confirm,
            &detail,
        );
        Ok(claim_view(id, &claim))
    }

    /// Confirms in advance whoever redeems `invitation` (`livret invite --yes`, for scripts):
    /// the redeem becomes a grant without asking.
    pub fn confirm_in_advance(&mut self, invitation: &InvitationOut) -> Result<()> {
        let view = livret_core::grant::InvitationView::open(&invitation.bytes)?;
        let id = view.id().to_string();
        let Some(bytes) = self.store.record("invitation", &id)? else {
            return Err(Error::NotAuthorized(
                "invitation inconnue ou déjà utilisée".into(),
            ));
        };
        let mut pending: PendingInvitation =
            serde_json::from_slice(&bytes).map_err(|e| Error::Protocol(e.to_string()))?;
        pending.confirmed_in_advance = true;
        let json = serde_json::to_vec(&pending).map_err(|e| Error::Protocol(e.to_string()))?;
        self.store
            .put_record("invitation", &id, Some(&pending.livret.to_string()), &json)?;
        Ok(())
    }

    /// Whether an invitation is still waiting to be redeemed (unused, unexpired).
    pub fn invitation_waiting(&self, invitation: &InvitationOut) -> Result<bool> {
        let view = livret_core::grant::InvitationView::open(&invitation.bytes)?;
        Ok(self.now() < view.expires_at
            && self
                .store
                .record("invitation", &view.id().to_string())?
                .is_some())
    }
}

fn claim_view(id: &str, claim: &Claim) -> RedeemClaimView {
    let p = &claim.invitation;
    RedeemClaimView {
        invitation: id.to_string(),
        livret: p.livret.to_string(),
        device: claim.peer.to_string(),
        name: claim.name.clone(),
        role: claim.role.clone(),
        code: claim.code.clone(),
        sections: p.sections.iter().map(|s| s.to_string()).collect(),
        rights: if p.jury {
            "jury".to_string()
        } else {
            p.rights.as_str().to_string()
        },
        jury: p.jury,
        lapses_at: rfc3339(claim.claimed_at + REDEEM_CONFIRM_SECONDS),
    }
}

/// The code the redeeming device shows while the family confirms (the same as the family's
/// screen shows beside its name when nobody else redeemed first).
pub fn redeem_code_for(dev: &Device, invitation: &str) -> Result<String> {
    let bytes = livret_core::grant::InvitationView::bytes_from_text(invitation)?;
    let view = livret_core::grant::InvitationView::open(&bytes)?;
    Ok(redeem_code(&view.id(), &dev.device_id()))
}
