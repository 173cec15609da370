//! Invitations, grants, revocations and the audit log: how a family opens part of a livret
//! to another device and closes it again.

use livret_core::grant::{
    Grant, InvitationView, ManifestRecord, Opening, OwnerKind, OwnerRecord, Revocation, Rights,
};
use livret_core::vocab::Date;
use livret_core::SignedRecord;
use livret_core::{DeviceId, GrantId, LivretId, Section};
use serde::{Deserialize, Serialize};

use crate::audit::{AuditAction, AuditOutcome};
use crate::cover::Cover;
use crate::device::{random16, Device, LivretMeta, Relation, MANIFEST};
use crate::error::{Error, Result};

/// How long an invitation stays valid by default, in minutes.
pub const DEFAULT_INVITATION_MINUTES: i64 = 15;

/// Manifest records as (key, signed bytes).
pub(crate) type Records = Vec<(String, Vec<u8>)>;

/// An invitation ready to show.
#[derive(Debug, Clone, Serialize)]
pub struct InvitationOut {
    /// The text form (also what the QR code holds).
    pub invitation: String,
    /// Its id: what a redeem waiting for the family's confirmation is listed under.
    pub invitation_id: String,
    /// When it expires (RFC 3339, UTC).
    pub expires_at: String,
    /// The signed bytes.
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// The sections proposed.
    pub sections: Vec<String>,
    /// The rights proposed.
    pub rights: String,
    /// Whether a sensitive section is included (the screen must say so).
    pub includes_sensitive: bool,
    /// What the screen says, in plain French, when a sensitive section is included (shown
    /// beside the QR code and its text).
    pub sensitive_notice: Option<String>,
    /// The last day of the proposed grant (YYYY-MM-DD).
    pub until: String,
    /// Whether it invites a jury (an anonymized extract).
    pub jury: bool,
}

/// An invitation waiting to be redeemed, kept on the family device (encrypted).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PendingInvitation {
    pub(crate) livret: LivretId,
    pub(crate) secret: [u8; 16],
    pub(crate) expires_at: i64,
    pub(crate) sections: Vec<Section>,
    pub(crate) rights: Rights,
    pub(crate) until: i64,
    pub(crate) jury: bool,
    /// The family confirmed in advance whoever redeems it (`livret invite --yes`); otherwise
    /// a redeem waits for the family's confirmation on its own screen (see `redeem.rs`).
    #[serde(default)]
    pub(crate) confirmed_in_advance: bool,
}

/// A grant as listed.
#[derive(Debug, Clone, Serialize)]
pub struct GrantView {
    /// The grant id.
    pub grant_id: String,
    /// The device it is for.
    pub audience: String,
    /// That device's name.
    pub audience_name: String,
    /// The sections.
    pub sections: Vec<String>,
    /// read or write.
    pub rights: String,
    /// Last valid day (YYYY-MM-DD).
    pub until: String,
    /// Whether it was revoked.
    pub revoked: bool,
    /// Whether it has expired.
    pub expired: bool,
}

/// One line of the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditView {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The peer device.
    pub peer: Option<String>,
    /// The section.
    pub section: Option<String>,
    /// What happened.
    pub action: AuditAction,
    /// Accepted or refused.
    pub outcome: AuditOutcome,
    /// Details.
    pub detail: String,
}

/// Formats seconds since 1970 as RFC 3339 UTC.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let date = Date::from_days(days)
        .map(|d| d.to_string())
        .unwrap_or_else(|_| "????-??-??".into());
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// The default end of a jury grant: the bac results (taken as July 10 of the school year's
/// end) plus two months.
fn default_jury_until(now: i64) -> Result<Date> {
    let today = Date::from_unix_seconds(now)?;
    let end_year = if today.month() >= 9 {
        today.year() + 1
    } else {
        today.year()
    };
    let results = Date::new(end_year, 7, 10)?;
    let results = if results.to_days() < today.to_days() {
        Date::new(end_year + 1, 7, 10)?
    } else {
        results
    };
    Ok(Date::new(results.year(), 9, 10)?)
}

/// The plain-French notice an invitation to `sections` must carry when one is sensitive.
pub fn sensitive_notice(sections: &[Section]) -> Option<String> {
    let names: Vec<String> = sections
        .iter()
        .filter(|s| s.is_sensitive())
        .map(|s| format!("« {s} »"))
        .collect();
    (!names.is_empty()).then(|| {
        format!(
            "⚠ Cette invitation inclut la section sensible {} (PAP, PAI, PPRE, PPS…) : les mesures d'accompagnement de l'enfant, dont certaines relèvent du secret médical.",
            names.join(", ")
        )
    })
}

/// The last valid day of a period ending (exclusively) at `until`.
pub(crate) fn last_day(until: i64) -> String {
    Date::from_unix_seconds(until - 1)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

impl InvitationOut {
    /// The invitation's QR code (level M; one address fits version 10).
    pub fn qr(&self) -> Result<livret_export::qr::Qr> {
        livret_export::qr::Qr::new(&self.invitation).map_err(|e| Error::Protocol(e.to_string()))
    }
}

impl Device {
    /// Creates an invitation (family device, owner of the livret): proposed sections, rights and
    /// end date, valid `minutes` minutes, carrying this device's `addresses` (binary multiaddrs).
    pub fn invite(
        &mut self,
        livret: LivretId,
        sections: &[Section],
        rights: Rights,
        until: &str,
        minutes: i64,
        addresses: Vec<Vec<u8>>,
    ) -> Result<InvitationOut> {
        let until_date = Date::parse(until).map_err(|e| e.with_field("until"))?;
        self.create_invitation(
            livret, sections, rights, until_date, minutes, addresses, false,
        )
    }

    /// Invites an exam jury (or the next school): a read-only grant to an anonymized extract
    /// of `sections`, until `until` (by default the bac results date plus two months, the
    /// official retention: results are taken as July 10 of the school year's end).
    pub fn invite_jury(
        &mut self,
        livret: LivretId,
        sections: &[Section],
        until: Option<&str>,
        minutes: i64,
        addresses: Vec<Vec<u8>>,
    ) -> Result<InvitationOut> {
        if sections.contains(&Section::Identite) {
            return Err(Error::NotAuthorized(
                "un extrait pour un jury est anonyme : la section « identite » n'en fait jamais partie"
                    .into(),
            ));
        }
        let until_date = match until {
            Some(u) => Date::parse(u).map_err(|e| e.with_field("until"))?,
            None => default_jury_until(self.now())?,
        };
        self.create_invitation(
            livret,
            sections,
            Rights::Read,
            until_date,
            minutes,
            addresses,
            true,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn create_invitation(
        &mut self,
        livret: LivretId,
        sections: &[Section],
        rights: Rights,
        until_date: Date,
        minutes: i64,
        addresses: Vec<Vec<u8>>,
        jury: bool,
    ) -> Result<InvitationOut> {
        let manifest = self.manifest(livret)?;
        if !manifest.is_owner(&self.device_id()) {
            return Err(Error::NotAuthorized(
                "seul un propriétaire du livret (la famille) peut inviter".into(),
            ));
        }
        let until = until_date.add_days(1)?.unix_seconds_start();
        let now = self.now();
        if until <= now {
            return Err(Error::Core(livret_core::CoreError::Expired {
                what: "grant",
            }));
        }
        if !(1..=24 * 60).contains(&minutes) {
            return Err(livret_core::vocab::ValidationError::new(
                "expires-in",
                livret_core::vocab::Rule::OutOfRange {
                    min: 1,
                    max: 24 * 60,
                    actual: minutes,
                },
            )
            .into());
        }
        if addresses.is_empty() {
            return Err(Error::NoAddress);
        }
        if sections.is_empty() && !rights.makes_owner() {
            return Err(Error::Core(livret_core::CoreError::EmptySectionList));
        }
        // A sensitive section is shared only once the family opened it, and only when named.
        if let Some(closed) = sections.iter().find(|s| !manifest.is_open(**s)) {
            return Err(Error::NotAuthorized(format!(
                "la section sensible « {closed} » n'est pas ouverte : ouvrez-la d'abord (livret section open LIVRET {closed}) si vous souhaitez la partager"
            )));
        }
        let secret = random16();
        let view = InvitationView {
            livret,
            issuer: self.device_id(),
            addresses,
            secret,
            expires_at: now + minutes * 60,
            sections: sections.to_vec(),
            rights,
            until,
            jury,
        };
        let bytes = view.sign(&self.identity.secret);
        let pending = PendingInvitation {
            livret,
            secret,
            expires_at: view.expires_at,
            sections: sections.to_vec(),
            rights,
            until,
            jury,
            confirmed_in_advance: false,
        };
        let json = serde_json::to_vec(&pending).map_err(|e| Error::Protocol(e.to_string()))?;
        self.store.put_record(
            "invitation",
            &view.id().to_string(),
            Some(&livret.to_string()),
            &json,
        )?;
        let names: Vec<String> = sections.iter().map(|s| s.to_string()).collect();
        self.audit_event(
            Some(livret),
            None,
            Some(&names.join(",")),
            AuditAction::Invited,
            true,
            if jury { "jury" } else { rights.as_str() },
        );
        Ok(InvitationOut {
            invitation: InvitationView::to_text(&bytes),
            invitation_id: view.id().to_string(),
            expires_at: rfc3339(view.expires_at),
            bytes,
            sections: names,
            rights: rights.as_str().to_string(),
            includes_sensitive: sections.iter().any(|s| s.is_sensitive()),
            sensitive_notice: sensitive_notice(sections),
            until: until_date.to_string(),
            jury,
        })
    }

    /// Issues the grant or owner record a redeem asked for (checked, spent, and confirmed by
    /// the family) and returns the manifest records the grantee needs.
    pub(crate) fn issue_redeem(
        &mut self,
        peer: DeviceId,
        pending: &PendingInvitation,
        peer_name: &str,
    ) -> Result<(LivretId, Records)> {
        let refuse = |dev: &mut Device, livret: Option<LivretId>, why: &str| {
            dev.audit_event(livret, Some(&peer), None, AuditAction::Redeem, false, why);
            Err(Error::NotAuthorized(why.to_string()))
        };
        let now = self.now();
        let livret = pending.livret;
        let meta = self.meta(livret)?;
        let mut mdoc = self.load_manifest_doc(livret)?;
        let peer_name = peer_name.to_string();
        let detail;
        if pending.rights.makes_owner() {
            let record = OwnerRecord {
                livret: livret.0,
                owner: peer.0,
                issuer: self.device_id().0,
                name: peer_name.clone(),
                at: now,
                // `--rights owner`: another parent; `--rights device`: one more device of
                // this device's parent.
                kind: if pending.rights == Rights::Device {
                    OwnerKind::Device
                } else {
                    OwnerKind::Parent
                },
            };
            let bytes = record.sign(&self.identity.secret);
            mdoc.add(&ManifestRecord::Owner(record), &bytes)?;
            // The creator's own name, so the other parent knows whom it syncs with.
            let me = self.device_id();
            if !mdoc
                .records()
                .iter()
                .any(|(k, _)| *k == format!("owner/{me}"))
            {
                let mine = OwnerRecord {
                    livret: livret.0,
                    owner: me.0,
                    issuer: me.0,
                    name: self.name().to_string(),
                    at: now,
                    kind: OwnerKind::Parent,
                };
                let b = mine.sign(&self.identity.secret);
                mdoc.add(&ManifestRecord::Owner(mine), &b)?;
            }
            detail = "propriétaire ajouté".to_string();
        } else {
            let manifest = mdoc.manifest()?;
            if pending.sections.iter().any(|s| !manifest.is_open(*s)) {
                return refuse(
                    self,
                    Some(livret),
                    "section sensible non ouverte par la famille : aucune autorisation ne la couvre",
                );
            }
            let grant = Grant {
                id: random16(),
                livret: livret.0,
                issuer: self.device_id().0,
                audience: peer.0,
                sections: pending.sections.clone(),
                rights: pending.rights,
                not_before: now,
                until: pending.until,
                issued_at: now,
                subject_name: if pending.jury {
                    None
                } else {
                    meta.name.clone()
                },
                jury: pending.jury,
                audience_name: peer_name.clone(),
            };
            let bytes = grant.sign(&self.identity.secret);
            detail = format!("autorisation {} accordée à {peer_name}", grant.grant_id());
            mdoc.add(&ManifestRecord::Grant(grant), &bytes)?;
        }
        self.save_manifest_doc(livret, &mut mdoc)?;
        self.audit_event(
            Some(livret),
            Some(&peer),
            None,
            AuditAction::Granted,
            true,
            &detail,
        );
        // What the grantee receives: everything for an owner; otherwise genesis, owners, its
        // grant and the opening of a sensitive section it names. A jury gets no owner record (they carry the parents' device names) unless this
        // device is not the creator and must prove its ownership.
        let creator_issued = mdoc.manifest()?.creator() == self.device_id();
        let with_owners = !pending.jury || !creator_issued;
        let records = mdoc
            .records()
            .into_iter()
            .filter(|(k, _)| {
                pending.rights.makes_owner()
                    || k == "genesis"
                    || (with_owners && k.starts_with("owner/"))
                    || self.record_is_grant_to(k, &mdoc, &peer)
                    || pending
                        .sections
                        .iter()
                        .any(|s| s.is_sensitive() && *k == Opening::key_of(*s))
            })
            .collect();
        Ok((livret, records))
    }

    fn record_is_grant_to(
        &self,
        key: &str,
        mdoc: &livret_core::doc::ManifestDoc,
        peer: &DeviceId,
    ) -> bool {
        key.starts_with("grant/")
            && mdoc
                .records()
                .iter()
                .filter(|(k, _)| k == key)
                .any(|(_, b)| {
                    Grant::open(b)
                        .map(|g| g.audience_id() == *peer)
                        .unwrap_or(false)
                })
    }

    /// Grantee side of a redeem: checks what the family sent (genesis founding this livret,
    /// a grant or owner record naming this device, signed by an owner) and records it.
    pub(crate) fn accept_granted(
        &mut self,
        invitation: &InvitationView,
        livret: LivretId,
        records: Vec<(String, Vec<u8>)>,
        class: Option<String>,
        peer_addrs: Vec<String>,
    ) -> Result<Relation> {
        if livret != invitation.livret {
            return Err(Error::Protocol(
                "livret différent de celui de l'invitation".into(),
            ));
        }
        let mut mdoc = livret_core::doc::ManifestDoc::new();
        for (key, bytes) in &records {
            let record = ManifestRecord::open(key, bytes)?;
            mdoc.add(&record, bytes)?;
        }
        let manifest = mdoc.manifest()?;
        if manifest.livret() != livret || !manifest.is_owner(&invitation.issuer) {
            return Err(Error::Protocol(
                "l'émetteur de l'invitation n'est pas propriétaire du livret".into(),
            ));
        }
        let me = self.device_id();
        let relation = if manifest.is_owner(&me) {
            Relation::Owner
        } else {
            let mine = manifest.live_grants_for(&me, self.now());
            if mine.is_empty() {
                return Err(Error::Protocol(
                    "aucune autorisation valable pour cet appareil".into(),
                ));
            }
            Relation::Grantee
        };
        let name = manifest
            .grants()
            .find(|g| g.audience_id() == me)
            .and_then(|g| g.subject_name.clone());
        let meta = LivretMeta {
            relation,
            name,
            class,
            peers: peer_addrs,
            owners: manifest.owners().keys().copied().collect(),
            introduce: false,
        };
        self.save_manifest_doc(livret, &mut mdoc)?;
        self.put_meta(livret, &meta)?;
        self.audit_event(
            Some(livret),
            Some(&invitation.issuer),
            None,
            AuditAction::Accepted,
            true,
            "invitation acceptée",
        );
        Ok(relation)
    }

    /// The grants of a livret (family device).
    pub fn grants(&self, livret: LivretId) -> Result<Vec<GrantView>> {
        let manifest = self.manifest(livret)?;
        let now = self.now();
        Ok(manifest
            .grants()
            .map(|g| GrantView {
                grant_id: g.grant_id().to_string(),
                audience: g.audience_id().to_string(),
                audience_name: g.audience_name.clone(),
                sections: g.sections.iter().map(|s| s.to_string()).collect(),
                rights: g.rights.as_str().to_string(),
                until: last_day(g.until),
                revoked: manifest.revocation_of(g).is_some(),
                expired: !g.covers_time(now),
            })
            .collect())
    }

    /// Revokes a grant (family device, owner): a signed revocation in the manifest. From now
    /// on this device refuses the grantee; it tells the grantee at its next session.
    pub fn revoke(&mut self, grant_id: &str) -> Result<(LivretId, GrantId)> {
        let gid: GrantId = grant_id.parse()?;
        for (livret, meta) in self.held_livrets()? {
            if meta.relation != Relation::Owner {
                continue;
            }
            let mut mdoc = self.load_manifest_doc(livret)?;
            let manifest = mdoc.manifest()?;
            let Some(grant) = manifest.grant(&gid).cloned() else {
                if let Some(team) = manifest.team_grants().find(|g| g.grant_id() == gid) {
                    let revocation = Revocation {
                        livret: livret.0,
                        grant: team.id,
                        audience: team.revocation_audience(),
                        issuer: self.device_id().0,
                        at: self.now(),
                    };
                    let school = team.school_id();
                    let bytes = revocation.sign(&self.identity.secret);
                    mdoc.add(&ManifestRecord::Revocation(revocation), &bytes)?;
                    self.save_manifest_doc(livret, &mut mdoc)?;
                    self.audit_event(
                        Some(livret),
                        Some(&school),
                        None,
                        AuditAction::Revoked,
                        true,
                        &format!("autorisation d'équipe {gid} révoquée"),
                    );
                    return Ok((livret, gid));
                }
                continue;
            };
            let revocation = Revocation {
                livret: livret.0,
                grant: grant.id,
                audience: grant.audience,
                issuer: self.device_id().0,
                at: self.now(),
            };
            let bytes = revocation.sign(&self.identity.secret);
            mdoc.add(&ManifestRecord::Revocation(revocation), &bytes)?;
            self.save_manifest_doc(livret, &mut mdoc)?;
            self.store
                .delete_sync_states_for_peer(&grant.audience_id().to_string())?;
            self.audit_event(
                Some(livret),
                Some(&grant.audience_id()),
                None,
                AuditAction::Revoked,
                true,
                &format!("autorisation {gid} révoquée"),
            );
            return Ok((livret, gid));
        }
        Err(Error::UnknownGrant(grant_id.to_string()))
    }

    /// Grantee side: a revocation arrived. If it is signed by an owner and voids this device's
    /// grants, the livret is purged from this device.
    pub(crate) fn apply_revocation(
        &mut self,
        livret: LivretId,
        revocation: &[u8],
        owners: &[(String, Vec<u8>)],
    ) -> Result<bool> {
        let r = Revocation::open(revocation)?;
        if r.livret != livret.0 {
            return Ok(false);
        }
        let mut mdoc = self.load_manifest_doc(livret)?;
        for (key, bytes) in owners {
            if key.starts_with("owner/") {
                if let Ok(rec) = ManifestRecord::open(key, bytes) {
                    mdoc.add(&rec, bytes)?;
                }
            }
        }
        let manifest = self.with_held_rosters(mdoc.manifest()?)?;
        if !manifest.is_owner(&DeviceId(r.issuer)) {
            return Ok(false);
        }
        let me = self.device_id();
        let live_after: Vec<_> = manifest
            .live_grants_for(&me, self.now())
            .into_iter()
            .filter(|g| !r.voids(g))
            .collect();
        // A team grant's revocation names the team's digest as its audience.
        let team_after = manifest
            .live_team_grants_for(&me, self.now())
            .into_iter()
            .filter(|g| !(r.grant == g.id && r.audience == g.revocation_audience()))
            .count();
        if !live_after.is_empty() || team_after > 0 {
            return Ok(false);
        }
        let of_team = manifest
            .team_grants()
            .any(|g| r.grant == g.id && r.audience == g.revocation_audience());
        self.purge_livret(livret, "autorisation révoquée par la famille")?;
        if of_team {
            self.keep_team_revocation(livret, revocation, owners)?;
        }
        Ok(true)
    }

    /// Deletes everything this device holds of a livret (grantee side), leaving one line in the
    /// audit log.
    pub(crate) fn purge_livret(&mut self, livret: LivretId, why: &str) -> Result<()> {
        self.store.delete_livret(&livret.to_string())?;
        self.store.vacuum()?;
        self.audit_event(Some(livret), None, None, AuditAction::Purged, true, why);
        Ok(())
    }

    /// Grantee side: purges every livret whose grants have all ended (expired). Returns them.
    ///
    /// A livret whose recorded cover (`crate::cover`) says a grant is live now, for the
    /// manifest stored now, is kept without decoding its manifest; the others are decided on
    /// their decoded manifest, and their cover recorded again.
    pub fn purge_expired(&mut self) -> Result<Vec<LivretId>> {
        let mut purged = Vec::new();
        let now = self.now();
        let me = self.device_id();
        let held: Vec<LivretId> = self
            .held_livrets()?
            .into_iter()
            .filter(|(_, meta)| meta.relation == Relation::Grantee)
            .map(|(livret, _)| livret)
            .collect();
        let ids: Vec<String> = held.iter().map(LivretId::to_string).collect();
        let fingerprints = self.store.section_fingerprints(&ids, MANIFEST)?;
        let covers = self.grant_covers()?;
        let mut fresh = Vec::new();
        for (livret, fingerprint) in held.into_iter().zip(fingerprints) {
            let covered = match (&fingerprint, covers.get(&livret)) {
                (Some(f), Some(cover)) => cover.holds(f, now),
                _ => false,
            };
            if covered {
                continue;
            }
            let (fingerprint, manifest) = self.manifest_and_fingerprint(livret)?;
            if manifest.live_grants_for(&me, now).is_empty()
                && manifest.live_team_grants_for(&me, now).is_empty()
            {
                self.purge_livret(livret, "autorisation expirée")?;
                purged.push(livret);
            } else if let Some((from, until)) = manifest.individual_cover(&me, now) {
                let cover = Cover {
                    fingerprint,
                    from,
                    until,
                };
                if covers.get(&livret) != Some(&cover) {
                    fresh.push((livret, cover));
                }
            }
        }
        // Only a shortcut for the next openings: a store busy with another process's writes
        // does not make this opening fail (the manifests are decoded again next time).
        if let Err(e) = self.record_grant_covers(&fresh) {
            tracing::warn!("grant periods not recorded: {e}");
        }
        Ok(purged)
    }

    /// On demand, at start-up and periodically in `serve`: a grantee deletes every livret whose
    /// grants have all ended (expired or revoked); a family device records in its audit log the
    /// end of every grant that expired. Returns the livrets purged.
    pub fn purge(&mut self) -> Result<Vec<LivretId>> {
        let purged = self.purge_expired()?;
        self.record_grant_ends()?;
        Ok(purged)
    }

    fn record_grant_ends(&mut self) -> Result<()> {
        let now = self.now();
        for (livret, meta) in self.held_livrets()? {
            if meta.relation != Relation::Owner {
                continue;
            }
            let manifest = self.manifest(livret)?;
            let ended: Vec<_> = manifest
                .grants()
                .filter(|g| g.until <= now && manifest.revocation_of(g).is_none())
                .map(|g| (g.grant_id(), g.audience_id(), g.audience_name.clone()))
                .collect();
            for (gid, audience, name) in ended {
                if self.store.record("grant-end", &gid.to_string())?.is_some() {
                    continue;
                }
                self.store.put_record(
                    "grant-end",
                    &gid.to_string(),
                    Some(&livret.to_string()),
                    b"expired",
                )?;
                self.audit_event(
                    Some(livret),
                    Some(&audience),
                    None,
                    AuditAction::Expired,
                    true,
                    &format!("autorisation {gid} ({name}) arrivée à échéance"),
                );
            }
        }
        Ok(())
    }

    /// The audit log of a livret (or of the whole device).
    pub fn audit(&self, livret: Option<LivretId>) -> Result<Vec<AuditView>> {
        let l = livret.map(|l| l.to_string());
        Ok(self
            .store
            .audit(l.as_deref())?
            .into_iter()
            .map(|e| AuditView {
                at: rfc3339(e.at),
                peer: e.peer,
                section: e.section,
                action: AuditAction::parse(&e.action),
                outcome: AuditOutcome::parse(&e.outcome),
                detail: e.detail,
            })
            .collect())
    }
}
