//! The records and enums the apps see, each converted from its `livret` counterpart.

use livret::core::grant::Rights as CoreRights;
use livret::core::Role as CoreRole;
use livret::core::{Lang, Localized};

/// A device's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Role {
    /// A parent's device: creates and owns livrets.
    Family,
    /// A teacher's device: writes bilans under a write grant.
    Teacher,
    /// A school's device.
    School,
    /// An exam jury's device.
    Jury,
}

impl From<Role> for CoreRole {
    fn from(r: Role) -> Self {
        match r {
            Role::Family => CoreRole::Family,
            Role::Teacher => CoreRole::Teacher,
            Role::School => CoreRole::School,
            Role::Jury => CoreRole::Jury,
        }
    }
}

impl From<CoreRole> for Role {
    fn from(r: CoreRole) -> Self {
        match r {
            CoreRole::Family => Role::Family,
            CoreRole::Teacher => Role::Teacher,
            CoreRole::School => Role::School,
            CoreRole::Jury => Role::Jury,
        }
    }
}

/// What an invitation proposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Rights {
    /// Receive the sections.
    Read,
    /// Receive the sections and write signed entries in them.
    Write,
    /// Become an owner of the livret (a second parent's device).
    Owner,
}

impl From<Rights> for CoreRights {
    fn from(r: Rights) -> Self {
        match r {
            Rights::Read => CoreRights::Read,
            Rights::Write => CoreRights::Write,
            Rights::Owner => CoreRights::Owner,
        }
    }
}

/// How this device relates to a livret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Relation {
    /// The family: an owner of the livret.
    Owner,
    /// A device holding a grant (teacher, jury).
    Grantee,
}

impl From<livret::Relation> for Relation {
    fn from(r: livret::Relation) -> Self {
        match r {
            livret::Relation::Owner => Relation::Owner,
            livret::Relation::Grantee => Relation::Grantee,
        }
    }
}

/// The public facts of this device.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DeviceInfo {
    /// Its public key, in base32 (also its libp2p identity).
    pub device_id: String,
    /// Its role.
    pub role: Role,
    /// Its name.
    pub name: String,
}

/// One livret in a list.
#[derive(Debug, Clone, uniffi::Record)]
pub struct LivretSummary {
    /// The livret id.
    pub livret_id: String,
    /// The child's name as this device knows it.
    pub name: Option<String>,
    /// The sections held (`identite`, `annee/2025`...).
    pub sections: Vec<String>,
    /// Owner (family) or grantee (teacher).
    pub relation: Relation,
    /// The class (division, e.g. `5B`) a teacher recorded.
    pub school_class: Option<String>,
}

impl From<livret::LivretSummary> for LivretSummary {
    fn from(s: livret::LivretSummary) -> Self {
        LivretSummary {
            livret_id: s.livret_id,
            name: s.name,
            sections: s.sections,
            relation: s.relation.into(),
            school_class: s.class,
        }
    }
}

/// One entry as shown.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Entry {
    /// Its key in the section.
    pub key: String,
    /// subject, synthesis, vie-scolaire, cycle, attestation, identity, message.
    pub kind: Option<String>,
    /// Its author (device id).
    pub author: Option<String>,
    /// The author's name as this device knows it.
    pub author_name: Option<String>,
    /// `valid`, `unknown-author` or `invalid`.
    pub signature: String,
    /// Why it is invalid.
    pub problem: Option<String>,
    /// When it was signed (seconds since 1970).
    pub time: Option<i64>,
    /// Whether another version competes (concurrent writes).
    pub conflicted: bool,
    /// Whether it is sensitive content.
    pub sensitive: bool,
    /// The content, field by field, as a JSON object (its fields depend on `kind`).
    pub content_json: String,
    /// One line, in the device's language.
    pub summary: String,
}

impl Entry {
    /// An entry of the API, its summary in `lang`.
    pub(crate) fn new(e: livret::EntryView, lang: Lang) -> Self {
        Entry {
            summary: e.localized(lang),
            kind: e.kind().map(|k| k.as_str().to_string()),
            signature: e.signature.as_str().to_string(),
            problem: match &e.signature {
                livret::SignatureStatus::Invalid(why) => Some(why.clone()),
                _ => None,
            },
            content_json: e
                .content
                .as_ref()
                .map_or(serde_json::Value::Null, livret::EntryContent::to_json)
                .to_string(),
            key: e.key,
            author: e.author,
            author_name: e.author_name,
            time: e.time,
            conflicted: e.conflicted,
            sensitive: e.sensitive,
        }
    }
}

/// One section as shown.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SectionView {
    /// Its name (`annee/2025`...).
    pub section: String,
    /// Its label, in the device's language.
    pub label: String,
    /// Whether it is a sensitive section.
    pub sensitive: bool,
    /// Its entries.
    pub entries: Vec<Entry>,
}

impl SectionView {
    fn new(s: livret::SectionView, lang: Lang) -> Self {
        SectionView {
            section: s.section.to_string(),
            label: s.section.localized(lang),
            sensitive: s.sensitive,
            entries: s.entries.into_iter().map(|e| Entry::new(e, lang)).collect(),
        }
    }
}

/// A livret as shown: its sections and entries, each with its author and signature status.
#[derive(Debug, Clone, uniffi::Record)]
pub struct LivretView {
    /// The livret id.
    pub livret_id: String,
    /// The child's name as this device knows it.
    pub name: Option<String>,
    /// The class (division, e.g. `5B`) a teacher recorded.
    pub school_class: Option<String>,
    /// The sections.
    pub sections: Vec<SectionView>,
}

impl LivretView {
    /// A livret of the API, its labels and summaries in `lang`.
    pub(crate) fn new(v: livret::LivretView, lang: Lang) -> Self {
        LivretView {
            livret_id: v.livret_id,
            name: v.name,
            school_class: v.class,
            sections: v
                .sections
                .into_iter()
                .map(|s| SectionView::new(s, lang))
                .collect(),
        }
    }
}

/// One verification failure.
#[derive(Debug, Clone, uniffi::Record)]
pub struct VerifyFailure {
    /// The section.
    pub section: String,
    /// The entry key.
    pub key: String,
    /// `invalid` (the verdict, as `verify --json` spells it).
    pub status: String,
    /// Why, in the device's language.
    pub reason: String,
}

/// The result of verifying a livret: it verifies when `failures` is empty.
#[derive(Debug, Clone, uniffi::Record)]
pub struct VerifyReport {
    /// How many entries were checked.
    pub checked: u64,
    /// How many verify.
    pub valid: u64,
    /// The others.
    pub failures: Vec<VerifyFailure>,
}

impl VerifyReport {
    /// A verification of the API, its reasons in `lang`.
    pub(crate) fn new(r: livret::VerifyReport, lang: Lang) -> Self {
        VerifyReport {
            checked: r.checked as u64,
            valid: r.valid as u64,
            failures: r
                .failures
                .into_iter()
                .map(|f| VerifyFailure {
                    section: f.section.to_string(),
                    key: f.key,
                    status: f.status.as_str().to_string(),
                    reason: f.reason.localized(lang),
                })
                .collect(),
        }
    }
}

/// An invitation ready to show: the QR code (PNG and SVG) and its text form.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Invitation {
    /// The text form `LIVRET:…` (what the QR code holds; can be pasted instead).
    pub text: String,
    /// When it expires (RFC 3339, UTC). It is usable once.
    pub expires_at: String,
    /// The sections proposed.
    pub sections: Vec<String>,
    /// The rights proposed (`read`, `write` or `owner`).
    pub rights: String,
    /// Whether a sensitive section is included (the screen must say so).
    pub includes_sensitive: bool,
    /// What the screen must say, in plain French, beside the QR code when a sensitive section
    /// is included (`None` otherwise).
    pub sensitive_notice: Option<String>,
    /// The QR code as a PNG image.
    pub qr_png: Vec<u8>,
    /// The QR code as an SVG document.
    pub qr_svg: String,
}

/// A redeem waiting for the family's confirmation: who asked, and the code its screen shows
/// (the family compares it before confirming).
#[derive(Debug, Clone, uniffi::Record)]
pub struct RedeemClaim {
    /// The invitation id (what `confirm_redeem` takes).
    pub invitation: String,
    /// The livret.
    pub livret_id: String,
    /// The redeeming device.
    pub device: String,
    /// The name it gave.
    pub name: String,
    /// The role it gave.
    pub role: String,
    /// The code shown on both screens.
    pub code: String,
    /// The sections it would get.
    pub sections: Vec<String>,
    /// `read`, `write`, `owner` or `jury`.
    pub rights: String,
    /// When the claim lapses (RFC 3339, UTC).
    pub lapses_at: String,
}

impl From<livret::RedeemClaimView> for RedeemClaim {
    fn from(c: livret::RedeemClaimView) -> Self {
        RedeemClaim {
            invitation: c.invitation,
            livret_id: c.livret,
            device: c.device,
            name: c.name,
            role: c.role,
            code: c.code,
            sections: c.sections,
            rights: c.rights,
            lapses_at: c.lapses_at,
        }
    }
}

/// A grant as listed.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Grant {
    /// The grant id (what `revoke` takes).
    pub grant_id: String,
    /// The device it is for.
    pub audience: String,
    /// That device's name.
    pub audience_name: String,
    /// The sections.
    pub sections: Vec<String>,
    /// `read` or `write`.
    pub rights: String,
    /// Last valid day (YYYY-MM-DD).
    pub until: String,
    /// Whether it was revoked.
    pub revoked: bool,
    /// Whether it has expired.
    pub expired: bool,
}

impl From<livret::GrantView> for Grant {
    fn from(g: livret::GrantView) -> Self {
        Grant {
            grant_id: g.grant_id,
            audience: g.audience,
            audience_name: g.audience_name,
            sections: g.sections,
            rights: g.rights,
            until: g.until,
            revoked: g.revoked,
            expired: g.expired,
        }
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, uniffi::Record)]
pub struct AuditEntry {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The peer device.
    pub peer: Option<String>,
    /// The section.
    pub section: Option<String>,
    /// What happened (`created`, `invited`, `granted`, `sent`, `refused`, `revoked`...).
    pub action: String,
    /// `accepted` or `refused`.
    pub outcome: String,
    /// Details, in French.
    pub detail: String,
}

impl From<livret::AuditView> for AuditEntry {
    fn from(a: livret::AuditView) -> Self {
        AuditEntry {
            at: a.at,
            peer: a.peer,
            section: a.section,
            action: a.action.as_str().to_string(),
            outcome: a.outcome.as_str().to_string(),
            detail: a.detail,
        }
    }
}

/// A subject's positioning (level 1-4) or mark, and its appréciation, for a period.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Assessment {
    /// The school year's first calendar year (2025 for 2025-2026).
    pub year: u16,
    /// The period, `I/N` (`1/3` for the first trimester).
    pub period: String,
    /// The discipline code (`FRANCS`, `MATHS`...).
    pub subject: String,
    /// The label, for a code the official list does not know.
    pub label: Option<String>,
    /// The positioning, 1 to 4 (give this or `mark`).
    pub level: Option<u8>,
    /// A mark (give this or `level`).
    pub mark: Option<String>,
    /// The appréciation (at most 600 characters).
    pub text: String,
}

/// What a sync session did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncReport {
    /// The other device's id.
    pub peer: String,
    /// Its name, from its hello.
    pub peer_name: String,
    /// Documents synced, `livret/section` (`livret/manifest` is the grants document).
    pub synced: Vec<String>,
    /// Sync messages sent carrying changes.
    pub sent_changes: u64,
    /// Changes merged from the other device.
    pub received_changes: u64,
    /// Refusals, both ways, in French (each a code on the wire, shown in French here).
    pub refused: Vec<String>,
    /// Livrets erased from this device because the family revoked it.
    pub purged: Vec<String>,
    /// Livrets the other device was told it is revoked from.
    pub revoked_peer: Vec<String>,
    /// Sections (`livret/section`) this device rebuilt because of erasures the other device
    /// told of (the family forgot entries or a section).
    pub erased: Vec<String>,
    /// Livrets erased from this device because the family deleted them.
    pub deleted: Vec<String>,
    /// Sections (`livret/section`) not synced this time because one copy went through
    /// erasures the other had not: they sync at the next session.
    pub awaiting_erasure: Vec<String>,
    /// Turns taken.
    pub rounds: u32,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
}

impl From<livret::SessionReport> for SyncReport {
    fn from(r: livret::SessionReport) -> Self {
        let refused = r.refused_lines(livret::Lang::Fr);
        SyncReport {
            peer: r.peer,
            peer_name: r.peer_name,
            synced: r.synced,
            sent_changes: r.sent_changes as u64,
            received_changes: r.received_changes as u64,
            refused,
            purged: r.purged,
            revoked_peer: r.revoked_peer,
            erased: r.erased,
            deleted: r.deleted,
            awaiting_erasure: r.awaiting_erasure,
            rounds: r.rounds,
            bytes_sent: r.bytes_sent,
            bytes_received: r.bytes_received,
        }
    }
}

/// The outcome of one session with a known peer (`sync_known_peers`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct PeerSync {
    /// The peer's device id.
    pub peer: String,
    /// What the session did, if it took place.
    pub report: Option<SyncReport>,
    /// Why it did not, in French.
    pub error: Option<String>,
}

/// How to run the node.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NodeConfig {
    /// Addresses to listen on (multiaddrs such as `/ip4/0.0.0.0/tcp/4715`); empty for the
    /// default (every IPv4 interface, port 4715, so invitations stay valid across restarts).
    pub listen: Vec<String>,
    /// Local discovery (mDNS). On Android it needs a multicast lock held by the app.
    pub mdns: bool,
}

/// The paper livret: a PDF with a signed seal (a QR code) on every page.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PaperExport {
    /// The PDF bytes.
    pub pdf: Vec<u8>,
    /// How many pages.
    pub pages: u64,
    /// How many entries are printed.
    pub entries: u64,
    /// The text of each page's seal (`LIVRET-SCEAU:…`).
    pub seals: Vec<String>,
    /// Entries held but not printed, and why (in French).
    pub skipped: Vec<String>,
}

impl From<livret::paper::PaperExport> for PaperExport {
    fn from(p: livret::paper::PaperExport) -> Self {
        PaperExport {
            pdf: p.pdf,
            pages: p.pages as u64,
            entries: p.entries as u64,
            seals: p.seals,
            skipped: p.skipped,
        }
    }
}

/// One section of a livret and its state (`sections`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct SectionState {
    /// Its name (`annee/2025`, `accompagnement`...).
    pub section: String,
    /// Its label, in the device's language.
    pub label: String,
    /// Whether it is a sensitive section.
    pub sensitive: bool,
    /// Whether it is open: always for an ordinary section; for the sensitive one, once an
    /// owner opened it (`open_section`).
    pub open: bool,
    /// Whether this device holds a document for it.
    pub held: bool,
    /// How many entries this device holds in it.
    pub entries: u64,
}

impl SectionState {
    /// A section's state, its label in `lang`.
    pub(crate) fn new(s: livret::SectionState, lang: Lang) -> Self {
        SectionState {
            section: s.section.to_string(),
            label: s.section.localized(lang),
            sensitive: s.sensitive,
            open: s.open,
            held: s.held,
            entries: s.entries as u64,
        }
    }
}

/// What `forget` did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ForgetReport {
    /// The livret.
    pub livret_id: String,
    /// The section.
    pub section: String,
    /// Entries erased, history included.
    pub erased_entries: u64,
    /// Entries left in the section.
    pub remaining_entries: u64,
    /// The erasure's id (in the manifest: `erasure/<id>`); the family's other devices and the
    /// grantees holding the section apply it at their next session with this device.
    pub erasure: String,
}

impl From<livret::ForgetReport> for ForgetReport {
    fn from(r: livret::ForgetReport) -> Self {
        ForgetReport {
            livret_id: r.livret,
            section: r.section,
            erased_entries: r.erased_entries as u64,
            remaining_entries: r.remaining_entries as u64,
            erasure: r.erasure,
        }
    }
}

/// What `revoke_device` did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DeviceRevocationReport {
    /// The device revoked.
    pub device_id: String,
    /// The livrets it no longer owns.
    pub livrets: Vec<String>,
    /// Grants it had issued that stay valid (`keep_grants`).
    pub kept_grants: Vec<String>,
    /// Grants it had issued that are void now.
    pub voided_grants: Vec<String>,
}

impl From<livret::DeviceRevocationReport> for DeviceRevocationReport {
    fn from(r: livret::DeviceRevocationReport) -> Self {
        DeviceRevocationReport {
            device_id: r.device,
            livrets: r.livrets,
            kept_grants: r.kept_grants,
            voided_grants: r.voided_grants,
        }
    }
}

/// What a restore from the recovery words brought back.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RestoreReport {
    /// The livrets this device owns again.
    pub livrets: Vec<String>,
    /// The sync session that followed.
    pub session: SyncReport,
}

impl From<livret::recovery::RestoreReport> for RestoreReport {
    fn from(r: livret::recovery::RestoreReport) -> Self {
        RestoreReport {
            livrets: r.livrets,
            session: r.session.into(),
        }
    }
}

/// What `import_json` did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ImportReport {
    /// The livret.
    pub livret_id: String,
    /// The child's name, from the identity section.
    pub name: Option<String>,
    /// The sections imported.
    pub sections: Vec<String>,
    /// How many manifest records.
    pub records: u64,
    /// How many entries (all verified).
    pub entries: u64,
    /// `already-owner` or `recovery-words`: what made this device an owner.
    pub authority: String,
    /// Concurrent values of one key beyond the first: verified, but only the first value of
    /// each key is kept.
    pub concurrent_values_set_aside: u64,
}

impl From<livret::portability::ImportReport> for ImportReport {
    fn from(r: livret::portability::ImportReport) -> Self {
        ImportReport {
            livret_id: r.livret_id,
            name: r.name,
            sections: r.sections,
            records: r.records as u64,
            entries: r.entries as u64,
            authority: r.authority,
            concurrent_values_set_aside: r.concurrent_values_set_aside as u64,
        }
    }
}
