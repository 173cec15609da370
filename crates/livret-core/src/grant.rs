//! Who may do what with a livret: the genesis record, owner records, invitations, grants and
//! revocations, all signed; and the [`Manifest`] that gathers them and answers the policy
//! question "may this key read / write this section of this livret at time T?".
//!
//! Revocation rule: a revocation names a grant and its audience. It voids that grant and every
//! other grant to the same audience issued no later than the revocation, so a revocation made
//! on one parent's device wins over a grant made concurrently on the other's. A grant issued
//! after the revocation (a deliberate new decision) stands.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cbor;
use crate::cose::Kind;
use crate::error::CoreError;
use crate::identity::DeviceSecret;
use crate::ids::{DeviceId, GrantId, InvitationId, LivretId};
use crate::record::SignedRecord;
use crate::section::Section;

pub use crate::record::MAX_RECORD_BYTES;
/// The largest invitation accepted.
pub const MAX_INVITATION_BYTES: usize = 1024;
/// How many sections a grant may name.
pub const MAX_SECTIONS_PER_GRANT: usize = 32;
/// How many addresses an invitation may carry.
pub const MAX_INVITATION_ADDRESSES: usize = 4;

/// What a grant allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum Rights {
    /// Receive the sections.
    Read,
    /// Receive the sections and write signed entries in them.
    Write,
    /// Become an owner of the livret as another parent (a second parent's device).
    Owner,
    /// Become an owner of the livret as one more device of the inviting parent.
    Device,
}

impl Rights {
    /// `read`, `write`, `owner` or `device`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rights::Read => "read",
            Rights::Write => "write",
            Rights::Owner => "owner",
            Rights::Device => "device",
        }
    }
    /// Whether redeeming makes the redeeming device an owner (another parent, or one more
    /// device of the inviting parent).
    pub fn makes_owner(self) -> bool {
        matches!(self, Rights::Owner | Rights::Device)
    }
    /// The French word.
    pub fn french(self) -> &'static str {
        match self {
            Rights::Read => "lecture",
            Rights::Write => "écriture",
            Rights::Owner => "propriétaire",
            Rights::Device => "appareil du même parent",
        }
    }
}

impl std::str::FromStr for Rights {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, CoreError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "read" | "lecture" => Ok(Rights::Read),
            "write" | "ecriture" | "écriture" => Ok(Rights::Write),
            "owner" | "proprietaire" | "propriétaire" => Ok(Rights::Owner),
            "device" | "appareil" => Ok(Rights::Device),
            _ => Err(CoreError::Malformed {
                what: "rights",
                detail: format!("« {s} » (read, write, owner ou device)"),
            }),
        }
    }
}

impl From<Rights> for u8 {
    fn from(r: Rights) -> u8 {
        match r {
            Rights::Read => 1,
            Rights::Write => 2,
            Rights::Owner => 3,
            Rights::Device => 4,
        }
    }
}

impl TryFrom<u8> for Rights {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, String> {
        match v {
            1 => Ok(Rights::Read),
            2 => Ok(Rights::Write),
            3 => Ok(Rights::Owner),
            4 => Ok(Rights::Device),
            _ => Err(format!("unknown rights {v}")),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Genesis and owners

/// The record of a livret's creation: the creator's key and the nonce its id derives from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// The creating device.
    #[serde(rename = "c", with = "cbor::fixed")]
    pub creator: [u8; 32],
    /// The random nonce.
    #[serde(rename = "n", with = "cbor::fixed")]
    pub nonce: [u8; 16],
    /// When, in seconds since 1970.
    #[serde(rename = "t")]
    pub at: i64,
}

impl Genesis {
    /// Creates and signs the genesis record of a new livret. `nonce` must be random.
    pub fn create(secret: &DeviceSecret, nonce: [u8; 16], at: i64) -> (LivretId, Vec<u8>) {
        let g = Genesis {
            creator: secret.device_id().0,
            nonce,
            at,
        };
        let id = g.livret_id();
        (id, g.sign(secret))
    }

    /// The livret id this record founds.
    pub fn livret_id(&self) -> LivretId {
        LivretId::derive(&DeviceId(self.creator), &self.nonce)
    }
}

impl SignedRecord for Genesis {
    const KIND: Kind = Kind::Genesis;
    const WHAT: &'static str = "genesis record";
    fn signer(&self) -> DeviceId {
        DeviceId(self.creator)
    }
}

/// Whom an owner record makes an owner (issue 13, finding 1): the family is parents, each
/// with their devices, and a recovery key that outranks every device.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(into = "u8", try_from = "u8")]
pub enum OwnerKind {
    /// Another parent: the device starts a parent of its own (`livret invite --rights
    /// owner`). Records made before kinds existed read as this.
    #[default]
    Parent,
    /// One more device of the issuer's parent (`livret invite --rights device`).
    Device,
    /// The family's recovery key (the recovery sheet).
    Recovery,
}

impl OwnerKind {
    /// Whether this is [`OwnerKind::Parent`] (the default, not written in records).
    pub fn is_parent(&self) -> bool {
        *self == OwnerKind::Parent
    }
}

impl From<OwnerKind> for u8 {
    fn from(k: OwnerKind) -> u8 {
        match k {
            OwnerKind::Parent => 0,
            OwnerKind::Device => 1,
            OwnerKind::Recovery => 2,
        }
    }
}

impl TryFrom<u8> for OwnerKind {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, String> {
        match v {
            0 => Ok(OwnerKind::Parent),
            1 => Ok(OwnerKind::Device),
            2 => Ok(OwnerKind::Recovery),
            _ => Err(format!("unknown owner kind {v}")),
        }
    }
}

/// A record making `owner` an owner of a livret, signed by an existing owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerRecord {
    /// The livret.
    #[serde(rename = "l", with = "cbor::fixed")]
    pub livret: [u8; 16],
    /// The new owner.
    #[serde(rename = "o", with = "cbor::fixed")]
    pub owner: [u8; 32],
    /// The owner who signed.
    #[serde(rename = "i", with = "cbor::fixed")]
    pub issuer: [u8; 32],
    /// The new owner's device name.
    #[serde(rename = "n")]
    pub name: String,
    /// When.
    #[serde(rename = "t")]
    pub at: i64,
    /// Whom it makes an owner: another parent (the default, not written), one more device of
    /// the issuer's parent, or the recovery key.
    #[serde(rename = "k", default, skip_serializing_if = "OwnerKind::is_parent")]
    pub kind: OwnerKind,
}

impl SignedRecord for OwnerRecord {
    const KIND: Kind = Kind::Owner;
    const WHAT: &'static str = "owner record";
    fn signer(&self) -> DeviceId {
        DeviceId(self.issuer)
    }
}

// ---------------------------------------------------------------------------------------------
// Invitations

/// An invitation: what the family's device shows as a QR code. It is a CBOR array (not a map)
/// to fit QR version 10 at level M with one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation(
    /// Format version (1).
    pub u8,
    /// The livret.
    #[serde(with = "cbor::fixed")]
    pub [u8; 16],
    /// The family device (issuer), whose PeerId the grantee dials.
    #[serde(with = "cbor::fixed")]
    pub [u8; 32],
    /// The family device's addresses (binary multiaddrs).
    pub Vec<AddressBytes>,
    /// The one-time secret.
    #[serde(with = "cbor::fixed")]
    pub [u8; 16],
    /// Expiry of the invitation, seconds since 1970.
    pub i64,
    /// The proposed sections, as compact numbers ([`Section::code`]).
    pub Vec<u32>,
    /// The proposed rights.
    pub Rights,
    /// Until when the grant would run, seconds since 1970 (exclusive).
    pub i64,
    /// Whether this invites a jury (anonymized extract).
    pub bool,
);

impl SignedRecord for Invitation {
    const KIND: Kind = Kind::Invitation;
    const WHAT: &'static str = "invitation";
    const MAX_BYTES: usize = MAX_INVITATION_BYTES;
    fn signer(&self) -> DeviceId {
        DeviceId(self.2)
    }
}

/// A binary multiaddr, as carried in an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressBytes(#[serde(with = "cbor::bytes")] pub Vec<u8>);

/// The text prefix of a pasted invitation.
pub const INVITATION_PREFIX: &str = "LIVRET:";

/// An invitation as the fields a program reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationView {
    /// The livret.
    pub livret: LivretId,
    /// The family device to dial.
    pub issuer: DeviceId,
    /// Its addresses (binary multiaddrs).
    pub addresses: Vec<Vec<u8>>,
    /// The one-time secret.
    pub secret: [u8; 16],
    /// Expiry of the invitation (seconds).
    pub expires_at: i64,
    /// Proposed sections.
    pub sections: Vec<Section>,
    /// Proposed rights.
    pub rights: Rights,
    /// Proposed end of the grant (seconds, exclusive).
    pub until: i64,
    /// A jury invitation.
    pub jury: bool,
}

impl InvitationView {
    /// The invitation's id (the hash of its secret).
    pub fn id(&self) -> InvitationId {
        InvitationId::from_secret(&self.secret)
    }

    /// Signs the invitation with the issuing device's key.
    pub fn sign(&self, secret_key: &DeviceSecret) -> Vec<u8> {
        let inv = Invitation(
            1,
            self.livret.0,
            self.issuer.0,
            self.addresses.iter().cloned().map(AddressBytes).collect(),
            self.secret,
            self.expires_at,
            self.sections.iter().map(|s| s.code()).collect(),
            self.rights,
            self.until,
            self.jury,
        );
        inv.sign(secret_key)
    }

    /// Opens and verifies a signed invitation (its signature only; expiry is checked by the
    /// caller, who knows the time).
    pub fn open(bytes: &[u8]) -> Result<InvitationView, CoreError> {
        let inv = Invitation::open(bytes)?;
        if inv.0 != 1 {
            return Err(CoreError::Malformed {
                what: "invitation",
                detail: format!("unknown version {}", inv.0),
            });
        }
        if inv.3.len() > MAX_INVITATION_ADDRESSES || inv.6.len() > MAX_SECTIONS_PER_GRANT {
            return Err(CoreError::Malformed {
                what: "invitation",
                detail: "too many addresses or sections".into(),
            });
        }
        if inv.6.is_empty() && !inv.7.makes_owner() {
            return Err(CoreError::EmptySectionList);
        }
        let sections = inv
            .6
            .iter()
            .map(|c| Section::from_code(*c))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(InvitationView {
            livret: LivretId(inv.1),
            issuer: DeviceId(inv.2),
            addresses: inv.3.into_iter().map(|a| a.0).collect(),
            secret: inv.4,
            expires_at: inv.5,
            sections,
            rights: inv.7,
            until: inv.8,
            jury: inv.9,
        })
    }

    /// The text form of signed invitation bytes: `LIVRET:` then uppercase base32. The same
    /// text is what the QR code holds (QR alphanumeric mode).
    pub fn to_text(signed: &[u8]) -> String {
        format!(
            "{INVITATION_PREFIX}{}",
            data_encoding::BASE32_NOPAD.encode(signed)
        )
    }

    /// Reads the text form (spaces and line breaks ignored, case-insensitive).
    pub fn bytes_from_text(text: &str) -> Result<Vec<u8>, CoreError> {
        let cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let upper = cleaned.to_ascii_uppercase();
        let body = upper
            .strip_prefix(INVITATION_PREFIX)
            .ok_or_else(|| CoreError::Malformed {
                what: "invitation",
                detail: format!("le texte doit commencer par {INVITATION_PREFIX}"),
            })?;
        if body.len() > MAX_INVITATION_BYTES * 2 {
            return Err(CoreError::TooLarge {
                what: "invitation",
                max: MAX_INVITATION_BYTES * 2,
                actual: body.len(),
            });
        }
        data_encoding::BASE32_NOPAD
            .decode(body.as_bytes())
            .map_err(|_| CoreError::Malformed {
                what: "invitation",
                detail: "base32 invalide".into(),
            })
    }
}

/// What a grantee sends to prove it holds an invitation's secret, bound to its own key so the
/// proof cannot be replayed by another device. (It travels inside the Noise channel.)
pub fn redeem_proof(secret: &[u8; 16], audience: &DeviceId) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"livret/redeem/v1");
    h.update(secret);
    h.update(audience.0);
    let mut out = [0u8; 32];
    out.copy_from_slice(&h.finalize());
    out
}

/// The short code both screens show while a redeem waits for the family's confirmation: the
/// redeeming device shows it beside « en attente de la famille », the family device beside the
/// redeemer's name and role. It binds the invitation to the redeemer's key, so whoever
/// photographed the QR code and redeemed first shows another code than the teacher standing
/// there. 40 bits: finding a key whose code matches one seen on a screen is out of reach in
/// the two minutes a claim waits.
pub fn redeem_code(invitation: &InvitationId, redeemer: &DeviceId) -> String {
    let mut h = Sha256::new();
    h.update(b"livret/redeem-code/v1");
    h.update(invitation.0);
    h.update(redeemer.0);
    let digest = h.finalize();
    let text = data_encoding::BASE32_NOPAD.encode(&digest[..5]);
    format!("{}-{}", &text[..4], &text[4..8])
}

// ---------------------------------------------------------------------------------------------
// Grants and revocations

/// A grant: an owner lets one device (the audience) read or write some sections until a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// Grant id.
    #[serde(rename = "g", with = "cbor::fixed")]
    pub id: [u8; 16],
    /// The livret.
    #[serde(rename = "l", with = "cbor::fixed")]
    pub livret: [u8; 16],
    /// The owner who issued it.
    #[serde(rename = "i", with = "cbor::fixed")]
    pub issuer: [u8; 32],
    /// The device it is for.
    #[serde(rename = "a", with = "cbor::fixed")]
    pub audience: [u8; 32],
    /// The sections it covers.
    #[serde(rename = "s")]
    pub sections: Vec<Section>,
    /// Read or write.
    #[serde(rename = "r")]
    pub rights: Rights,
    /// Valid from (seconds).
    #[serde(rename = "nb")]
    pub not_before: i64,
    /// Valid until (seconds, exclusive).
    #[serde(rename = "u")]
    pub until: i64,
    /// When it was issued.
    #[serde(rename = "t")]
    pub issued_at: i64,
    /// Whom it concerns, as the family shares it (the child's name). None for a jury.
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
    /// A jury grant (anonymized extract).
    #[serde(rename = "j", default)]
    pub jury: bool,
    /// The audience's device name, as it introduced itself.
    #[serde(rename = "an", default)]
    pub audience_name: String,
}

impl Grant {
    /// The grant id.
    pub fn grant_id(&self) -> GrantId {
        GrantId(self.id)
    }
    /// The livret id.
    pub fn livret_id(&self) -> LivretId {
        LivretId(self.livret)
    }
    /// The audience.
    pub fn audience_id(&self) -> DeviceId {
        DeviceId(self.audience)
    }
    /// The issuer.
    pub fn issuer_id(&self) -> DeviceId {
        DeviceId(self.issuer)
    }
    /// Whether the grant's period covers `t`.
    pub fn covers_time(&self, t: i64) -> bool {
        self.not_before <= t && t < self.until
    }
}

impl SignedRecord for Grant {
    const KIND: Kind = Kind::Grant;
    const WHAT: &'static str = "grant";
    fn signer(&self) -> DeviceId {
        DeviceId(self.issuer)
    }
    fn check(&self) -> Result<(), CoreError> {
        if self.sections.len() > MAX_SECTIONS_PER_GRANT {
            return Err(CoreError::Malformed {
                what: "grant",
                detail: "too many sections".into(),
            });
        }
        Ok(())
    }
}

/// A revocation of a grant, signed by an owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    /// The livret.
    #[serde(rename = "l", with = "cbor::fixed")]
    pub livret: [u8; 16],
    /// The grant revoked.
    #[serde(rename = "g", with = "cbor::fixed")]
    pub grant: [u8; 16],
    /// The grant's audience (grants to it issued no later than `at` are void too).
    #[serde(rename = "a", with = "cbor::fixed")]
    pub audience: [u8; 32],
    /// The owner who revoked.
    #[serde(rename = "i", with = "cbor::fixed")]
    pub issuer: [u8; 32],
    /// When.
    #[serde(rename = "t")]
    pub at: i64,
}

impl SignedRecord for Revocation {
    const KIND: Kind = Kind::Revocation;
    const WHAT: &'static str = "revocation";
    fn signer(&self) -> DeviceId {
        DeviceId(self.issuer)
    }
}

impl Revocation {
    /// Whether this revocation voids `grant`.
    pub fn voids(&self, grant: &Grant) -> bool {
        self.livret == grant.livret
            && (self.grant == grant.id
                || (self.audience == grant.audience && grant.issued_at <= self.at))
    }
}

// ---------------------------------------------------------------------------------------------
// Opening a sensitive section

/// The family's consent to a sensitive section ([`Section::is_sensitive`]): a record, signed by
/// an owner and kept in the manifest under `open/<section>`, that opens the section. Before it,
/// no one (owners included) may write in the section, no grant covering it is issued, no device
/// sends it to a grantee, and entries received into it are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Opening {
    /// The livret.
    #[serde(rename = "l", with = "cbor::fixed")]
    pub livret: [u8; 16],
    /// The section opened (a sensitive one).
    #[serde(rename = "s")]
    pub section: Section,
    /// The owner who opened it.
    #[serde(rename = "i", with = "cbor::fixed")]
    pub issuer: [u8; 32],
    /// When.
    #[serde(rename = "t")]
    pub at: i64,
}

impl SignedRecord for Opening {
    const KIND: Kind = Kind::Opening;
    const WHAT: &'static str = "opening record";
    fn signer(&self) -> DeviceId {
        DeviceId(self.issuer)
    }
    /// Only a sensitive section can be opened.
    fn check(&self) -> Result<(), CoreError> {
        if !self.section.is_sensitive() {
            return Err(CoreError::Malformed {
                what: "opening record",
                detail: format!("la section {} n'a pas à être ouverte", self.section),
            });
        }
        Ok(())
    }
}

impl Opening {
    /// The manifest key of the opening of `section`.
    pub fn key_of(section: Section) -> String {
        format!("open/{section}")
    }
}

// ---------------------------------------------------------------------------------------------
// The manifest and the policy

/// A signed record as kept in a manifest document, by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestRecord {
    /// `genesis`
    Genesis(Genesis),
    /// `owner/<device>`
    Owner(OwnerRecord),
    /// `grant/<grant id>`
    Grant(Grant),
    /// `revocation/<grant id>`
    Revocation(Revocation),
    /// `open/<section>`
    Opening(Opening),
    /// `owner-revocation/<device>`
    OwnerRevocation(crate::erasure::OwnerRevocation),
    /// `erasure/<id>`
    Erasure(crate::erasure::Erasure),
    /// `team-grant/<grant id>`
    TeamGrant(crate::team::TeamGrant),
}

impl ManifestRecord {
    /// Opens a record stored under `key`, checking that the key matches its content.
    pub fn open(key: &str, bytes: &[u8]) -> Result<ManifestRecord, CoreError> {
        let mismatch = || {
            CoreError::OutOfScope(crate::error::OutOfScope::ManifestKeyMismatch(
                key.to_string(),
            ))
        };
        if key == "genesis" {
            return Genesis::open(bytes).map(ManifestRecord::Genesis);
        }
        if let Some(rest) = key.strip_prefix("owner/") {
            let o = OwnerRecord::open(bytes)?;
            return if rest == DeviceId(o.owner).to_string() {
                Ok(ManifestRecord::Owner(o))
            } else {
                Err(mismatch())
            };
        }
        if let Some(rest) = key.strip_prefix("grant/") {
            let g = Grant::open(bytes)?;
            return if rest == g.grant_id().to_string() {
                Ok(ManifestRecord::Grant(g))
            } else {
                Err(mismatch())
            };
        }
        if let Some(rest) = key.strip_prefix("revocation/") {
            let r = Revocation::open(bytes)?;
            return if rest == GrantId(r.grant).to_string() {
                Ok(ManifestRecord::Revocation(r))
            } else {
                Err(mismatch())
            };
        }
        if let Some(rest) = key.strip_prefix("owner-revocation/") {
            let r = crate::erasure::OwnerRevocation::open(bytes)?;
            return if rest == DeviceId(r.device).to_string() {
                Ok(ManifestRecord::OwnerRevocation(r))
            } else {
                Err(mismatch())
            };
        }
        if let Some(rest) = key.strip_prefix("erasure/") {
            let e = crate::erasure::Erasure::open(bytes)?;
            return if rest == e.id_text() && e.livret == LivretId(e.livret).0 {
                Ok(ManifestRecord::Erasure(e))
            } else {
                Err(mismatch())
            };
        }
        if let Some(rest) = key.strip_prefix("team-grant/") {
            let g = crate::team::TeamGrant::open(bytes)?;
            return if rest == g.grant_id().to_string() {
                Ok(ManifestRecord::TeamGrant(g))
            } else {
                Err(mismatch())
            };
        }
        if key.starts_with("open/") {
            let o = Opening::open(bytes)?;
            return if key == Opening::key_of(o.section) {
                Ok(ManifestRecord::Opening(o))
            } else {
                Err(mismatch())
            };
        }
        Err(CoreError::OutOfScope(
            crate::error::OutOfScope::UnknownManifestKey(key.to_string()),
        ))
    }

    /// The key this record is stored under.
    pub fn key(&self) -> String {
        match self {
            ManifestRecord::Genesis(_) => "genesis".into(),
            ManifestRecord::Owner(o) => format!("owner/{}", DeviceId(o.owner)),
            ManifestRecord::Grant(g) => format!("grant/{}", g.grant_id()),
            ManifestRecord::Revocation(r) => format!("revocation/{}", GrantId(r.grant)),
            ManifestRecord::Opening(o) => Opening::key_of(o.section),
            ManifestRecord::OwnerRevocation(r) => r.key(),
            ManifestRecord::Erasure(e) => e.key(),
            ManifestRecord::TeamGrant(g) => g.key(),
        }
    }

    /// The device whose signature the record carries (it must be an owner's).
    pub fn signer(&self) -> DeviceId {
        match self {
            ManifestRecord::Genesis(g) => DeviceId(g.creator),
            ManifestRecord::Owner(o) => DeviceId(o.issuer),
            ManifestRecord::Grant(g) => g.issuer_id(),
            ManifestRecord::Revocation(r) => DeviceId(r.issuer),
            ManifestRecord::Opening(o) => DeviceId(o.issuer),
            ManifestRecord::OwnerRevocation(r) => DeviceId(r.issuer),
            ManifestRecord::Erasure(e) => DeviceId(e.issuer),
            ManifestRecord::TeamGrant(g) => g.issuer_id(),
        }
    }
}

/// What a device knows of who may do what with one livret: its genesis, owners, grants and
/// revocations. On a family device it is complete; on a grantee's device it holds the genesis,
/// the owner records and owner revocations the family told it, its own grants and the
/// revocations it was told of.
#[derive(Debug, Clone)]
pub struct Manifest {
    livret: LivretId,
    creator: DeviceId,
    owners: BTreeMap<DeviceId, String>,
    grants: BTreeMap<GrantId, Grant>,
    /// Grants to teaching teams.
    team_grants: BTreeMap<GrantId, crate::team::TeamGrant>,
    revocations: Vec<Revocation>,
    /// The sensitive sections an owner opened.
    opened: std::collections::BTreeSet<Section>,
    /// Owner devices revoked by another owner, with what they did that stays valid.
    owner_revocations: BTreeMap<DeviceId, crate::erasure::OwnerRevocation>,
    /// Erasures ordered by an owner.
    erasures: Vec<crate::erasure::Erasure>,
    rejected: Vec<String>,
    /// Every owner the records ever made (revoked and replaced ones included).
    ever: BTreeMap<DeviceId, OwnerInfo>,
    /// The current recovery key.
    recovery: Option<DeviceId>,
    /// The team rosters this device holds, by which team grants are judged (none until
    /// [`Manifest::with_rosters`]).
    rosters: crate::team::TeamRosters,
}

/// What a manifest knows of one owner (a device or a recovery key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerInfo {
    /// Its device name as its owner record gives it (empty for a creator without one).
    pub name: String,
    /// Whom it was made an owner as.
    pub kind: OwnerKind,
    /// The parent it belongs to (the key of that parent's first device); None for a recovery
    /// key.
    pub parent: Option<DeviceId>,
}

/// The current recovery key of a livret: the one a device made an owner (the root), followed
/// through the keys each current key named its successor (a replaced sheet). Two roots (two
/// devices each adding a recovery key of their own) are a dispute: no recovery key counts
/// then, so no device can ever hold the family's recovery key by adding one.
fn current_recovery_key(
    livret: LivretId,
    records: &[OwnerRecord],
    ever: &BTreeMap<DeviceId, OwnerInfo>,
) -> Option<DeviceId> {
    let is_key = |k: &DeviceId| ever.get(k).is_some_and(|i| i.kind == OwnerKind::Recovery);
    let recovery: Vec<&OwnerRecord> = records
        .iter()
        .filter(|o| {
            o.livret == livret.0
                && o.kind == OwnerKind::Recovery
                && ever.contains_key(&DeviceId(o.issuer))
                && is_key(&DeviceId(o.owner))
        })
        .collect();
    let successors: std::collections::BTreeSet<DeviceId> = recovery
        .iter()
        .filter(|o| is_key(&DeviceId(o.issuer)))
        .map(|o| DeviceId(o.owner))
        .collect();
    let roots: std::collections::BTreeSet<DeviceId> = recovery
        .iter()
        .filter(|o| !is_key(&DeviceId(o.issuer)) && !successors.contains(&DeviceId(o.owner)))
        .map(|o| DeviceId(o.owner))
        .collect();
    let mut roots = roots.into_iter();
    let (Some(mut current), None) = (roots.next(), roots.next()) else {
        return None;
    };
    let mut seen = std::collections::BTreeSet::from([current]);
    while let Some(next) = recovery
        .iter()
        .filter(|o| DeviceId(o.issuer) == current && !seen.contains(&DeviceId(o.owner)))
        .max_by_key(|o| (o.at, o.owner))
    {
        current = DeviceId(next.owner);
        seen.insert(current);
    }
    Some(current)
}

/// The answer of the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed as an owner.
    Owner,
    /// Allowed by this grant.
    Granted(GrantId),
    /// Refused, with the reason in French.
    Denied(DenyReason),
}

/// Why the policy refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// No grant names this key for this livret.
    NoGrant,
    /// A grant exists but was revoked.
    Revoked,
    /// A grant exists but is not yet valid or expired.
    OutsidePeriod,
    /// A grant exists but does not cover this section.
    SectionNotGranted,
    /// A grant covers the section for reading only.
    ReadOnly,
    /// A sensitive section the family has not opened.
    SectionClosed,
    /// A team grant exists, but the device is not a member of the team's roster in force.
    NotTeamMember,
    /// A team grant narrowed to each member's subjects, and the entry is not of the member's.
    SubjectNotAssigned,
}

impl DenyReason {
    /// A short code for logs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DenyReason::NoGrant => "no-grant",
            DenyReason::Revoked => "revoked",
            DenyReason::OutsidePeriod => "expired",
            DenyReason::SectionNotGranted => "section-not-granted",
            DenyReason::ReadOnly => "read-only",
            DenyReason::SectionClosed => "section-closed",
            DenyReason::NotTeamMember => "not-team-member",
            DenyReason::SubjectNotAssigned => "subject-not-assigned",
        }
    }
    /// The French explanation.
    pub fn french(self) -> &'static str {
        match self {
            DenyReason::NoGrant => "aucune autorisation pour cet appareil",
            DenyReason::Revoked => "autorisation révoquée",
            DenyReason::OutsidePeriod => "autorisation expirée ou pas encore valable",
            DenyReason::SectionNotGranted => "section non couverte par l'autorisation",
            DenyReason::ReadOnly => "autorisation en lecture seule",
            DenyReason::SectionClosed => {
                "section sensible non ouverte par la famille (livret section open LIVRET accompagnement)"
            }
            DenyReason::NotTeamMember => {
                "cet appareil ne figure pas dans la liste en vigueur de l'équipe autorisée"
            }
            DenyReason::SubjectNotAssigned => {
                "l'autorisation d'équipe limite chaque membre aux matières que la liste lui attribue"
            }
        }
    }
    /// The English explanation.
    pub fn english(self) -> &'static str {
        match self {
            DenyReason::NoGrant => "no grant for this device",
            DenyReason::Revoked => "grant revoked",
            DenyReason::OutsidePeriod => "grant expired or not yet valid",
            DenyReason::SectionNotGranted => "section not covered by the grant",
            DenyReason::ReadOnly => "read-only grant",
            DenyReason::SectionClosed => {
                "sensitive section not opened by the family (livret section open LIVRET accompagnement)"
            }
            DenyReason::NotTeamMember => {
                "this device is not in the roster in force of the team granted"
            }
            DenyReason::SubjectNotAssigned => {
                "the team grant limits each member to the subjects the roster gives it"
            }
        }
    }
}

impl Decision {
    /// Whether the decision allows.
    pub fn allowed(&self) -> bool {
        !matches!(self, Decision::Denied(_))
    }
}

impl Manifest {
    /// Builds a manifest from stored records `(key, bytes)`. The genesis record is required;
    /// every other record must verify and be signed by an owner (owners are found from the
    /// creator outwards). Records that fail are set aside in [`Manifest::rejected`].
    pub fn from_records<'a>(
        records: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<Manifest, CoreError> {
        let mut genesis = None;
        let mut owner_records = Vec::new();
        let mut grants = Vec::new();
        let mut revocations = Vec::new();
        let mut openings = Vec::new();
        let mut owner_revocations = Vec::new();
        let mut erasures = Vec::new();
        let mut team_grants = Vec::new();
        let mut rejected = Vec::new();
        for (key, bytes) in records {
            match ManifestRecord::open(key, bytes) {
                Ok(ManifestRecord::Genesis(g)) => genesis = Some(g),
                Ok(ManifestRecord::Owner(o)) => owner_records.push(o),
                Ok(ManifestRecord::Grant(g)) => grants.push(g),
                Ok(ManifestRecord::Revocation(r)) => revocations.push(r),
                Ok(ManifestRecord::Opening(o)) => openings.push(o),
                Ok(ManifestRecord::OwnerRevocation(r)) => owner_revocations.push(r),
                Ok(ManifestRecord::Erasure(e)) => erasures.push(e),
                Ok(ManifestRecord::TeamGrant(g)) => team_grants.push(g),
                Err(e) => rejected.push(format!(
                    "{key} : {}",
                    crate::Localized::localized(&e, crate::Lang::Fr)
                )),
            }
        }
        let genesis = genesis.ok_or_else(|| CoreError::Malformed {
            what: "livret",
            detail: "pas d'acte de création".into(),
        })?;
        let livret = genesis.livret_id();
        let creator = DeviceId(genesis.creator);
        // Owners are found from the creator outwards: a record counts once its issuer is known,
        // and, if its issuer was revoked, only when the revocation kept it. Each owner belongs
        // to a parent (the key of that parent's first device), or is a recovery key.
        let closure = |revoked: &BTreeMap<DeviceId, crate::erasure::OwnerRevocation>| {
            let mut known: BTreeMap<DeviceId, OwnerInfo> = BTreeMap::new();
            known.insert(
                creator,
                OwnerInfo {
                    name: String::new(),
                    kind: OwnerKind::Parent,
                    parent: Some(creator),
                },
            );
            loop {
                let before = known.len();
                for o in &owner_records {
                    let (issuer, owner) = (DeviceId(o.issuer), DeviceId(o.owner));
                    let Some(by) = known.get(&issuer).cloned() else {
                        continue;
                    };
                    let counts = o.livret == livret.0
                        && revoked.get(&issuer).is_none_or(|r| r.keeps_owner(&owner));
                    if !counts {
                        continue;
                    }
                    if owner == creator {
                        if let Some(c) = known.get_mut(&creator) {
                            c.name = o.name.clone();
                        }
                        continue;
                    }
                    let parent = match o.kind {
                        OwnerKind::Parent => Some(owner),
                        OwnerKind::Device => by.parent.or(Some(owner)),
                        OwnerKind::Recovery => None,
                    };
                    known.entry(owner).or_insert_with(|| OwnerInfo {
                        name: o.name.clone(),
                        kind: o.kind,
                        parent,
                    });
                }
                if known.len() == before {
                    break;
                }
            }
            known
        };
        let ever = closure(&BTreeMap::new());
        let recovery = current_recovery_key(livret, &owner_records, &ever);
        let is_recovery_key =
            |k: &DeviceId| ever.get(k).is_some_and(|i| i.kind == OwnerKind::Recovery);
        // Who may revoke whom (finding 1): the current recovery key any device; a device only
        // a device of its own parent; no device a recovery key; a replaced recovery key no one.
        let signer_may = |r: &crate::erasure::OwnerRevocation| {
            let (issuer, target) = (DeviceId(r.issuer), DeviceId(r.device));
            if r.livret != livret.0 || !ever.contains_key(&issuer) {
                return false;
            }
            if Some(issuer) == recovery {
                return !is_recovery_key(&target);
            }
            if is_recovery_key(&issuer) || is_recovery_key(&target) {
                return false;
            }
            let parent = ever.get(&issuer).and_then(|i| i.parent);
            parent.is_some() && parent == ever.get(&target).and_then(|i| i.parent)
        };
        // Two devices of one parent revoking each other (a thief answering back) cancel out:
        // dates are the signer's claims. A third device of that parent, or the recovery key,
        // settles it; the recovery key's revocations always count.
        let targeted: std::collections::BTreeSet<DeviceId> = owner_revocations
            .iter()
            .filter(|r| signer_may(r))
            .map(|r| DeviceId(r.device))
            .collect();
        let mut revoked = BTreeMap::new();
        let mut by_recovery = Vec::new();
        for r in owner_revocations {
            let issuer = DeviceId(r.issuer);
            if signer_may(&r) && (Some(issuer) == recovery || !targeted.contains(&issuer)) {
                if Some(issuer) == recovery {
                    by_recovery.push(r);
                } else {
                    revoked.entry(DeviceId(r.device)).or_insert(r);
                }
            } else {
                rejected.push(format!(
                    "owner-revocation/{}: émetteur sans droit sur cet appareil ou lui-même révoqué",
                    DeviceId(r.device)
                ));
            }
        }
        for r in by_recovery {
            revoked.insert(DeviceId(r.device), r);
        }
        let mut infos = closure(&revoked);
        infos.retain(|k, i| {
            !revoked.contains_key(k) && (i.kind != OwnerKind::Recovery || Some(*k) == recovery)
        });
        let owners: BTreeMap<DeviceId, String> =
            infos.iter().map(|(k, i)| (*k, i.name.clone())).collect();
        for o in &owner_records {
            if !owners.contains_key(&DeviceId(o.issuer)) || o.livret != livret.0 {
                rejected.push(format!(
                    "owner/{}: signé par un non-propriétaire",
                    DeviceId(o.owner)
                ));
            }
        }
        let mut m = Manifest {
            livret,
            creator,
            owners,
            ever,
            recovery,
            grants: BTreeMap::new(),
            team_grants: BTreeMap::new(),
            rosters: crate::team::TeamRosters::new(),
            revocations: Vec::new(),
            opened: Default::default(),
            owner_revocations: BTreeMap::new(),
            erasures: Vec::new(),
            rejected,
        };
        for g in grants {
            // A revoked device's grants stand only if its revocation kept them.
            let kept = revoked
                .get(&g.issuer_id())
                .is_some_and(|r| r.keeps_grant(&g.grant_id()));
            if g.livret == livret.0 && (m.is_owner(&g.issuer_id()) || kept) {
                m.grants.insert(g.grant_id(), g);
            } else {
                m.rejected
                    .push(format!("grant/{}: émetteur non propriétaire", g.grant_id()));
            }
        }
        for g in team_grants {
            let kept = revoked
                .get(&g.issuer_id())
                .is_some_and(|r| r.keeps_grant(&g.grant_id()));
            if g.livret == livret.0 && (m.is_owner(&g.issuer_id()) || kept) {
                m.team_grants.insert(g.grant_id(), g);
            } else {
                m.rejected
                    .push(format!("{}: émetteur non propriétaire", g.key()));
            }
        }
        for r in revocations {
            // A revocation only takes access away: one made by a device since revoked stands.
            let issuer = DeviceId(r.issuer);
            if r.livret == livret.0 && (m.is_owner(&issuer) || revoked.contains_key(&issuer)) {
                m.revocations.push(r);
            } else {
                m.rejected.push(format!(
                    "revocation/{}: émetteur non propriétaire",
                    GrantId(r.grant)
                ));
            }
        }
        for o in openings {
            if o.livret == livret.0 && m.is_owner(&DeviceId(o.issuer)) {
                m.opened.insert(o.section);
            } else {
                m.rejected.push(format!(
                    "{}: émetteur non propriétaire",
                    Opening::key_of(o.section)
                ));
            }
        }
        for e in erasures {
            if e.livret == livret.0 && m.is_owner(&DeviceId(e.issuer)) {
                m.erasures.push(e);
            } else {
                m.rejected
                    .push(format!("{}: émetteur non propriétaire", e.key()));
            }
        }
        m.erasures.sort_by_key(|e| (e.at, e.id));
        m.owner_revocations = revoked;
        Ok(m)
    }

    /// Owner devices revoked by another owner (a lost phone), with their revocation.
    pub fn owner_revocations(&self) -> &BTreeMap<DeviceId, crate::erasure::OwnerRevocation> {
        &self.owner_revocations
    }

    /// Whether `key` was an owner's device until another owner revoked it.
    pub fn is_revoked_owner(&self, key: &DeviceId) -> bool {
        self.owner_revocations.contains_key(key)
    }

    /// Every owner the records ever made, revoked and replaced ones included, with its name,
    /// kind and parent.
    pub fn owners_ever(&self) -> &BTreeMap<DeviceId, OwnerInfo> {
        &self.ever
    }

    /// The current recovery key, if there is one (and no dispute over it).
    pub fn recovery_key(&self) -> Option<DeviceId> {
        self.recovery
    }

    /// Whether `key` is a recovery key, current or replaced.
    pub fn is_recovery_key(&self, key: &DeviceId) -> bool {
        self.ever
            .get(key)
            .is_some_and(|i| i.kind == OwnerKind::Recovery)
    }

    /// The parent an owner device belongs to (None for a recovery key or a stranger).
    pub fn parent_of(&self, key: &DeviceId) -> Option<DeviceId> {
        self.ever.get(key).and_then(|i| i.parent)
    }

    /// May `issuer` revoke the owner device `target`, by the rules the manifest applies: the
    /// current recovery key may revoke any device; an owner device only a device of its own
    /// parent (a lost phone); no device revokes a recovery key, nor the other parent's devices.
    pub fn may_revoke_owner(&self, issuer: &DeviceId, target: &DeviceId) -> bool {
        if issuer == target || !self.ever.contains_key(target) || self.is_recovery_key(target) {
            return false;
        }
        if Some(*issuer) == self.recovery {
            return true;
        }
        self.is_owner(issuer)
            && !self.is_recovery_key(issuer)
            && self.parent_of(issuer).is_some()
            && self.parent_of(issuer) == self.parent_of(target)
    }

    /// May `issuer` delete the livret on its own: the current recovery key may; an owner
    /// device only when every owner device belongs to its own parent (otherwise the other
    /// parent must agree, or the recovery sheet be used).
    pub fn may_delete(&self, issuer: &DeviceId) -> bool {
        if Some(*issuer) == self.recovery {
            return true;
        }
        let parent = self.parent_of(issuer);
        self.is_owner(issuer)
            && !self.is_recovery_key(issuer)
            && parent.is_some()
            && self
                .owners
                .keys()
                .filter(|k| !self.is_recovery_key(k))
                .all(|k| self.parent_of(k) == parent)
    }

    /// The erasures of `section` ordered by an owner, oldest first.
    pub fn erasures_of(&self, section: Section) -> Vec<&crate::erasure::Erasure> {
        self.erasures
            .iter()
            .filter(|e| e.section == section.code())
            .collect()
    }

    /// The livret.
    pub fn livret(&self) -> LivretId {
        self.livret
    }
    /// The creator.
    pub fn creator(&self) -> DeviceId {
        self.creator
    }
    /// The owners and their device names.
    pub fn owners(&self) -> &BTreeMap<DeviceId, String> {
        &self.owners
    }
    /// Whether `key` is an owner.
    pub fn is_owner(&self, key: &DeviceId) -> bool {
        self.owners.contains_key(key)
    }
    /// Every valid grant known, revoked or not.
    pub fn grants(&self) -> impl Iterator<Item = &Grant> {
        self.grants.values()
    }
    /// A grant by id.
    pub fn grant(&self, id: &GrantId) -> Option<&Grant> {
        self.grants.get(id)
    }
    /// Every revocation known.
    pub fn revocations(&self) -> &[Revocation] {
        &self.revocations
    }
    /// Records that did not verify or were not signed by an owner.
    pub fn rejected(&self) -> &[String] {
        &self.rejected
    }

    /// Whether `section` is open: always for an ordinary section; for a sensitive one, once an
    /// owner signed its [`Opening`].
    pub fn is_open(&self, section: Section) -> bool {
        !section.is_sensitive() || self.opened.contains(&section)
    }

    /// The sensitive sections an owner opened.
    pub fn opened(&self) -> impl Iterator<Item = Section> + '_ {
        self.opened.iter().copied()
    }

    /// The revocation voiding `grant`, if any.
    pub fn revocation_of(&self, grant: &Grant) -> Option<&Revocation> {
        self.revocations.iter().find(|r| r.voids(grant))
    }

    /// Whether `key` is known to this livret (an owner, the audience of a grant, or a member
    /// or former member of a granted team's roster in force): used to tell "valid" from
    /// "unknown author" when verifying entries.
    pub fn knows_author(&self, key: &DeviceId) -> bool {
        self.is_owner(key)
            || self.grants.values().any(|g| g.audience_id() == *key)
            || self
                .team_grants
                .values()
                .any(|g| self.roster_of(g).is_some_and(|r| r.lists(key)))
    }

    /// May `key` read `section` at time `t`? A sensitive section that is not open is read by
    /// no one but the owners (it holds nothing: no one may write in it).
    pub fn may_read(&self, key: &DeviceId, section: Section, t: i64) -> Decision {
        self.decide(key, section, t, false)
    }

    /// May `key` write `section` at time `t`? No one, owners included, writes in a sensitive
    /// section that is not open.
    pub fn may_write(&self, key: &DeviceId, section: Section, t: i64) -> Decision {
        self.decide(key, section, t, true)
    }

    fn decide(&self, key: &DeviceId, section: Section, t: i64, write: bool) -> Decision {
        if !self.is_open(section) && (write || !self.is_owner(key)) {
            return Decision::Denied(DenyReason::SectionClosed);
        }
        if self.is_owner(key) {
            return Decision::Owner;
        }
        let mut best = DenyReason::NoGrant;
        for g in self.grants.values().filter(|g| g.audience_id() == *key) {
            let reason = if self.revocation_of(g).is_some() {
                DenyReason::Revoked
            } else if !g.covers_time(t) {
                DenyReason::OutsidePeriod
            } else if !g.sections.contains(&section) {
                DenyReason::SectionNotGranted
            } else if write && g.rights == Rights::Read {
                DenyReason::ReadOnly
            } else {
                return Decision::Granted(g.grant_id());
            };
            best = more_telling(best, reason);
        }
        if self.team_grants.is_empty() {
            return Decision::Denied(best);
        }
        let access = if write {
            crate::team::TeamAccess::WriteSection
        } else {
            crate::team::TeamAccess::Read
        };
        match self.may_team(key, section, t, access, &self.rosters) {
            // Not a member of any granted team: the device-grant answer stands.
            Decision::Denied(DenyReason::NotTeamMember) => Decision::Denied(best),
            Decision::Denied(r) => Decision::Denied(more_telling(best, r)),
            d => d,
        }
    }

    /// Did `author` hold the right to write `section` when it signed at `signed_at`? The rule
    /// by which an owner device judges an entry another owner device relays (the other device
    /// already judged it when it arrived): an owner may; so may an owner device revoked since,
    /// for what it signed before its revocation; a grantee may under a write grant whose period
    /// covers `signed_at`, if that grant was not revoked or was revoked only later. A revocation
    /// takes effect from the moment it was signed: what it revokes counts no more after it, and
    /// what was signed no later than it (same second included) stays valid, so two owner
    /// devices converge whichever learnt of it first.
    pub fn may_have_written(
        &self,
        author: &DeviceId,
        section: Section,
        signed_at: i64,
    ) -> Decision {
        if !self.is_open(section) {
            return Decision::Denied(DenyReason::SectionClosed);
        }
        if self.is_owner(author) {
            return Decision::Owner;
        }
        if self
            .owner_revocations
            .get(author)
            .is_some_and(|r| signed_at <= r.at)
        {
            return Decision::Owner;
        }
        let mut best = DenyReason::NoGrant;
        for g in self.grants.values().filter(|g| g.audience_id() == *author) {
            let revoked_before = self
                .revocations
                .iter()
                .any(|r| r.voids(g) && r.at < signed_at);
            let reason = if revoked_before {
                DenyReason::Revoked
            } else if !g.covers_time(signed_at) {
                DenyReason::OutsidePeriod
            } else if !g.sections.contains(&section) {
                DenyReason::SectionNotGranted
            } else if g.rights != Rights::Write || g.jury {
                DenyReason::ReadOnly
            } else {
                return Decision::Granted(g.grant_id());
            };
            best = more_telling(best, reason);
        }
        // A member of a granted team: by the roster in force, a member then (a former member
        // counts for what it signed before its removal).
        for g in self.team_grants.values() {
            if !self
                .roster_of(g)
                .is_some_and(|r| r.was_member_at(author, signed_at))
            {
                continue;
            }
            let revoked_before = self
                .revocations
                .iter()
                .any(|r| r.livret == g.livret && r.grant == g.id && r.at < signed_at);
            let reason = if revoked_before {
                DenyReason::Revoked
            } else if !g.covers_time(signed_at) {
                DenyReason::OutsidePeriod
            } else if !g.sections.contains(&section) {
                DenyReason::SectionNotGranted
            } else if g.rights != Rights::Write {
                DenyReason::ReadOnly
            } else {
                return Decision::Granted(g.grant_id());
            };
            best = more_telling(best, reason);
        }
        Decision::Denied(best)
    }

    /// This manifest judging team grants by `rosters` (the rosters this device holds; only
    /// those signed by the school a team grant names count for it).
    pub fn with_rosters(mut self, rosters: crate::team::TeamRosters) -> Manifest {
        self.rosters = rosters;
        self
    }

    /// Whether an entry about `subject` (None: about no subject) that `author` wrote in
    /// `section` at `t` is out of its subjects: its only right there is a team grant narrowed
    /// to each member's subjects ([`crate::team::TeamGrant::own_subjects`]) and the roster in
    /// force does not give it that subject. Owners and device grantees are never out of it.
    pub fn out_of_own_subjects(
        &self,
        author: &DeviceId,
        section: Section,
        t: i64,
        subject: Option<&crate::vocab::DisciplineCode>,
    ) -> bool {
        if self.is_owner(author) || self.grants.values().any(|g| g.audience_id() == *author) {
            return false;
        }
        self.may_team(
            author,
            section,
            t,
            crate::team::TeamAccess::Write(subject),
            &self.rosters,
        ) == Decision::Denied(DenyReason::SubjectNotAssigned)
    }

    /// The team rosters this manifest judges team grants by.
    pub fn rosters(&self) -> &crate::team::TeamRosters {
        &self.rosters
    }

    /// The roster in force of the team `grant` names (signed by the school it names).
    pub fn roster_of(&self, grant: &crate::team::TeamGrant) -> Option<&crate::team::TeamRoster> {
        self.rosters.in_force(&grant.team_id(), &grant.school_id())
    }

    /// The team grants under which `key` may act at `t`: not revoked, within their period,
    /// `key` a member of the team's roster in force, valid at `t`.
    pub fn live_team_grants_for(&self, key: &DeviceId, t: i64) -> Vec<&crate::team::TeamGrant> {
        self.team_grants
            .values()
            .filter(|g| {
                g.covers_time(t)
                    && !self.team_grant_revoked(g)
                    && self.roster_of(g).is_some_and(|r| r.covers(key, t))
            })
            .collect()
    }

    /// A team grant live at `t` for both `a` and `b` (members of its team's roster in force)
    /// that covers `section`: under it, the two members sync that section with each other.
    pub fn shared_team_grant(
        &self,
        a: &DeviceId,
        b: &DeviceId,
        section: Section,
        t: i64,
    ) -> Option<GrantId> {
        if !self.is_open(section) {
            return None;
        }
        let of_b: Vec<GrantId> = self
            .live_team_grants_for(b, t)
            .iter()
            .map(|g| g.grant_id())
            .collect();
        self.live_team_grants_for(a, t)
            .into_iter()
            .find(|g| g.sections.contains(&section) && of_b.contains(&g.grant_id()))
            .map(|g| g.grant_id())
    }

    /// Whether `key` is a member, at `t`, of the roster in force of a team granted this
    /// livret (the grant live or not: a member of a revoked team is still told so).
    pub fn is_team_member(&self, key: &DeviceId, t: i64) -> bool {
        self.team_grants
            .values()
            .any(|g| self.roster_of(g).is_some_and(|r| r.covers(key, t)))
    }

    /// Every valid team grant known, revoked or not.
    pub fn team_grants(&self) -> impl Iterator<Item = &crate::team::TeamGrant> {
        self.team_grants.values()
    }

    /// Whether a revocation voids the team grant `grant` (named by its id).
    pub fn team_grant_revoked(&self, grant: &crate::team::TeamGrant) -> bool {
        self.revocations
            .iter()
            .any(|r| r.livret == grant.livret && r.grant == grant.id)
    }

    /// May the device `key`, as a member of a teaching team, read `section` or write in it at
    /// `t`? Only under a team grant not revoked, within its period, covering the section (and
    /// for writing, a write grant), and only if `key` is a member of the roster in force for
    /// that team signed by the school the grant names, valid at `t`. Where the grant narrows
    /// members to their subjects, a write must be of one of the member's subjects. A roster
    /// never widens a grant: it only says who the members are. Owners and device grants are
    /// [`Manifest::may_read`] and [`Manifest::may_write`]'s business.
    pub fn may_team(
        &self,
        key: &DeviceId,
        section: Section,
        t: i64,
        access: crate::team::TeamAccess<'_>,
        rosters: &crate::team::TeamRosters,
    ) -> Decision {
        let write = matches!(
            access,
            crate::team::TeamAccess::Write(_) | crate::team::TeamAccess::WriteSection
        );
        if !self.is_open(section) {
            return Decision::Denied(DenyReason::SectionClosed);
        }
        let mut best = DenyReason::NoGrant;
        for g in self.team_grants.values() {
            let member = rosters
                .in_force(&g.team_id(), &g.school_id())
                .filter(|r| r.covers(key, t))
                .and_then(|r| r.member(key));
            let reason = if let Some(member) = member {
                if self.team_grant_revoked(g) {
                    DenyReason::Revoked
                } else if !g.covers_time(t) {
                    DenyReason::OutsidePeriod
                } else if !g.sections.contains(&section) {
                    DenyReason::SectionNotGranted
                } else if write && g.rights != Rights::Write {
                    DenyReason::ReadOnly
                } else if let crate::team::TeamAccess::Write(subject) = access {
                    let own = subject.is_some_and(|s| member.subjects.contains(s));
                    if g.own_subjects && !own {
                        DenyReason::SubjectNotAssigned
                    } else {
                        return Decision::Granted(g.grant_id());
                    }
                } else {
                    return Decision::Granted(g.grant_id());
                }
            } else {
                DenyReason::NotTeamMember
            };
            best = more_telling(best, reason);
        }
        Decision::Denied(best)
    }

    /// The grants to `key` that are currently valid (not revoked, within their period).
    pub fn live_grants_for(&self, key: &DeviceId, t: i64) -> Vec<&Grant> {
        self.grants
            .values()
            .filter(|g| {
                g.audience_id() == *key && g.covers_time(t) && self.revocation_of(g).is_none()
            })
            .collect()
    }

    /// The longest period `[from, until)` containing `t` throughout which `key` holds a live
    /// individual grant by this manifest alone (the union of its grants' periods that meet,
    /// revoked grants left out), or `None` if no such grant covers `t`.
    ///
    /// A grantee keeps it beside the manifest (with the manifest's stored fingerprint) so that
    /// opening its store need not decode a manifest to know its grants still hold: while the
    /// stored manifest is the same and the time is within it,
    /// [`Manifest::live_grants_for`] is not empty. Team grants are left out: whether they hold
    /// depends on rosters kept apart from the manifest.
    pub fn individual_cover(&self, key: &DeviceId, t: i64) -> Option<(i64, i64)> {
        let periods: Vec<(i64, i64)> = self
            .grants
            .values()
            .filter(|g| {
                g.audience_id() == *key && g.not_before < g.until && self.revocation_of(g).is_none()
            })
            .map(|g| (g.not_before, g.until))
            .collect();
        let (mut from, mut until) = periods
            .iter()
            .copied()
            .find(|(from, until)| *from <= t && t < *until)?;
        // Grow it with every period that meets it, until none does.
        loop {
            let (f, u) = periods.iter().fold((from, until), |(f, u), (a, b)| {
                if *a <= u && f <= *b {
                    (f.min(*a), u.max(*b))
                } else {
                    (f, u)
                }
            });
            if (f, u) == (from, until) {
                return Some((from, until));
            }
            (from, until) = (f, u);
        }
    }
}

fn more_telling(a: DenyReason, b: DenyReason) -> DenyReason {
    fn rank(r: DenyReason) -> u8 {
        match r {
            DenyReason::NoGrant => 0,
            DenyReason::NotTeamMember => 1,
            DenyReason::Revoked => 1,
            DenyReason::OutsidePeriod => 2,
            DenyReason::SectionNotGranted => 3,
            DenyReason::ReadOnly => 4,
            DenyReason::SubjectNotAssigned => 4,
            DenyReason::SectionClosed => 5,
        }
    }
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redeem_code_depends_on_the_invitation_and_the_redeemer() {
        let a = DeviceSecret::from_bytes(&[1; 32]).device_id();
        let b = DeviceSecret::from_bytes(&[2; 32]).device_id();
        let (i, j) = (InvitationId([3; 16]), InvitationId([4; 16]));
        let code = redeem_code(&i, &a);
        assert_eq!(code.len(), 9, "{code}");
        assert_eq!(code.as_bytes()[4], b'-', "{code}");
        assert_eq!(code, redeem_code(&i, &a));
        assert_ne!(code, redeem_code(&i, &b));
        assert_ne!(code, redeem_code(&j, &a));
    }

    struct Family {
        parent: DeviceSecret,
        livret: LivretId,
        records: Vec<(String, Vec<u8>)>,
    }

    fn family() -> Family {
        let parent = DeviceSecret::from_bytes(&[1; 32]);
        let (livret, genesis) = Genesis::create(&parent, [7; 16], 1_000);
        Family {
            parent,
            livret,
            records: vec![("genesis".into(), genesis)],
        }
    }

    impl Family {
        fn manifest(&self) -> Manifest {
            Manifest::from_records(self.records.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
                .unwrap()
        }
        fn grant(
            &mut self,
            by: &DeviceSecret,
            to: &DeviceSecret,
            id: u8,
            rights: Rights,
            at: i64,
        ) -> Grant {
            let g = Grant {
                id: [id; 16],
                livret: self.livret.0,
                issuer: by.device_id().0,
                audience: to.device_id().0,
                sections: vec![Section::Annee(2025)],
                rights,
                not_before: at,
                until: 10_000,
                issued_at: at,
                subject_name: Some("Lina".into()),
                jury: false,
                audience_name: "M. Martin".into(),
            };
            self.records
                .push((format!("grant/{}", g.grant_id()), g.sign(by)));
            g
        }
        fn revoke(&mut self, by: &DeviceSecret, g: &Grant, at: i64) {
            let r = Revocation {
                livret: self.livret.0,
                grant: g.id,
                audience: g.audience,
                issuer: by.device_id().0,
                at,
            };
            self.records
                .push((format!("revocation/{}", g.grant_id()), r.sign(by)));
        }
    }

    impl Family {
        fn owner(&mut self, by: &DeviceSecret, who: &DeviceSecret, kind: OwnerKind, at: i64) {
            let o = OwnerRecord {
                livret: self.livret.0,
                owner: who.device_id().0,
                issuer: by.device_id().0,
                name: format!("{kind:?}"),
                at,
                kind,
            };
            self.records
                .push((format!("owner/{}", who.device_id()), o.sign(by)));
        }
        fn revoke_owner(&mut self, by: &DeviceSecret, who: &DeviceSecret, at: i64) {
            let r = crate::erasure::OwnerRevocation {
                livret: self.livret.0,
                device: who.device_id().0,
                issuer: by.device_id().0,
                at,
                kept_grants: vec![],
                kept_owners: vec![],
            };
            self.records.push((r.key(), r.sign(by)));
        }
    }

    #[test]
    fn an_individual_cover_holds_exactly_where_a_grant_is_live() {
        let mut f = family();
        let parent = f.parent.clone();
        let teacher = DeviceSecret::from_bytes(&[5; 32]);
        let other = DeviceSecret::from_bytes(&[6; 32]);
        let me = teacher.device_id();
        let grant = |f: &mut Family, to: &DeviceSecret, id: u8, from: i64, until: i64| {
            let mut g = f.grant(&parent, to, id, Rights::Write, from);
            // `grant` signed it until 10,000: the last record under its key is this period's.
            f.records.pop();
            g.until = until;
            f.records
                .push((format!("grant/{}", g.grant_id()), g.sign(&parent)));
            g
        };
        // Periods [2000, 10000), [9500, 11000) meet; [12000, 13000) meets neither; another
        // device's grant and a revoked one do not count.
        grant(&mut f, &teacher, 1, 2_000, 10_000);
        grant(&mut f, &teacher, 2, 12_000, 13_000);
        grant(&mut f, &teacher, 3, 9_500, 11_000);
        grant(&mut f, &other, 4, 1_000, 10_000);
        let revoked = grant(&mut f, &teacher, 5, 1_500, 14_000);
        f.revoke(&parent, &revoked, 1_600);
        let m = f.manifest();
        assert_eq!(m.individual_cover(&me, 1_999), None);
        assert_eq!(m.individual_cover(&me, 2_000), Some((2_000, 11_000)));
        assert_eq!(m.individual_cover(&me, 10_500), Some((2_000, 11_000)));
        assert_eq!(m.individual_cover(&me, 11_000), None);
        assert_eq!(m.individual_cover(&me, 12_500), Some((12_000, 13_000)));
        assert_eq!(
            m.individual_cover(&other.device_id(), 5_000),
            Some((1_000, 10_000))
        );
        // Wherever a cover is given, a grant is live, and where none is, no grant is.
        for t in (0..14_000).step_by(250) {
            let live = !m.live_grants_for(&me, t).is_empty();
            match m.individual_cover(&me, t) {
                Some((from, until)) => {
                    assert!(live, "{t}");
                    for u in (from..until).step_by(250) {
                        assert!(!m.live_grants_for(&me, u).is_empty(), "{t} {u}");
                    }
                }
                None => assert!(!live, "{t}"),
            }
        }
    }

    #[test]
    fn a_device_revokes_only_its_own_parents_devices_and_never_the_recovery_key() {
        let mut f = family();
        let mom = f.parent.clone();
        let phone = DeviceSecret::from_bytes(&[2; 32]);
        let dad = DeviceSecret::from_bytes(&[3; 32]);
        let recovery = DeviceSecret::from_bytes(&[4; 32]);
        f.owner(&mom, &phone, OwnerKind::Device, 1_001);
        f.owner(&mom, &dad, OwnerKind::Parent, 1_002);
        f.owner(&mom, &recovery, OwnerKind::Recovery, 1_003);
        let m = f.manifest();
        assert_eq!(m.parent_of(&phone.device_id()), Some(mom.device_id()));
        assert_eq!(m.parent_of(&dad.device_id()), Some(dad.device_id()));
        assert_eq!(m.recovery_key(), Some(recovery.device_id()));
        assert!(!m.may_revoke_owner(&dad.device_id(), &mom.device_id()));
        assert!(!m.may_revoke_owner(&mom.device_id(), &recovery.device_id()));
        assert!(m.may_revoke_owner(&mom.device_id(), &phone.device_id()));
        assert!(m.may_revoke_owner(&recovery.device_id(), &dad.device_id()));
        assert!(!m.may_delete(&mom.device_id()));
        assert!(m.may_delete(&recovery.device_id()));

        // Dad signs revocations of Mom, her phone and the recovery key: none counts.
        f.revoke_owner(&dad, &mom, 1_010);
        f.revoke_owner(&dad, &phone, 1_010);
        f.revoke_owner(&dad, &recovery, 1_010);
        let m = f.manifest();
        for k in [&mom, &phone, &recovery, &dad] {
            assert!(m.is_owner(&k.device_id()));
        }
        // A device adding a second recovery key of its own makes no key a recovery key.
        let mut g = family();
        let other = DeviceSecret::from_bytes(&[5; 32]);
        g.owner(&mom, &dad, OwnerKind::Parent, 1_002);
        g.owner(&mom, &recovery, OwnerKind::Recovery, 1_003);
        g.owner(&dad, &other, OwnerKind::Recovery, 1);
        let m = g.manifest();
        assert_eq!(m.recovery_key(), None);
        assert!(!m.is_owner(&other.device_id()));
        // The current key names its successor: the old one is an owner no more.
        let next = DeviceSecret::from_bytes(&[6; 32]);
        f.owner(&recovery, &next, OwnerKind::Recovery, 1_020);
        let m = f.manifest();
        assert_eq!(m.recovery_key(), Some(next.device_id()));
        assert!(!m.is_owner(&recovery.device_id()));
    }

    #[test]
    fn the_recovery_key_settles_two_devices_of_one_parent_revoking_each_other() {
        let mut f = family();
        let mom = f.parent.clone();
        let phone = DeviceSecret::from_bytes(&[2; 32]);
        let recovery = DeviceSecret::from_bytes(&[4; 32]);
        f.owner(&mom, &phone, OwnerKind::Device, 1_001);
        f.owner(&mom, &recovery, OwnerKind::Recovery, 1_003);
        // The stolen phone revokes Mom's computer: it counts (same parent).
        f.revoke_owner(&phone, &mom, 1_010);
        assert!(!f.manifest().is_owner(&mom.device_id()));
        // The recovery key revokes the phone: the computer is an owner again.
        f.revoke_owner(&recovery, &phone, 1_020);
        let m = f.manifest();
        assert!(m.is_owner(&mom.device_id()));
        assert!(!m.is_owner(&phone.device_id()));
        assert!(m.is_revoked_owner(&phone.device_id()));
    }

    #[test]
    fn a_revocation_takes_effect_from_its_signing_time_between_owner_devices() {
        let mut f = family();
        let parent = f.parent.clone();
        let teacher = DeviceSecret::from_bytes(&[2; 32]);
        let phone = DeviceSecret::from_bytes(&[3; 32]);
        f.owner(&parent, &phone, OwnerKind::Device, 1_001);
        let g = f.grant(&parent, &teacher, 1, Rights::Write, 1_000);
        f.revoke(&parent, &g, 5_000);
        f.revoke_owner(&parent, &phone, 6_000);
        let m = f.manifest();
        let s = Section::Annee(2025);
        let t = teacher.device_id();
        assert!(m.may_have_written(&t, s, 4_999).allowed());
        assert!(m.may_have_written(&t, s, 5_000).allowed());
        assert_eq!(
            m.may_have_written(&t, s, 5_001),
            Decision::Denied(DenyReason::Revoked)
        );
        assert_eq!(
            m.may_write(&t, s, 4_999),
            Decision::Denied(DenyReason::Revoked)
        );
        let p = phone.device_id();
        assert_eq!(m.may_have_written(&p, s, 6_000), Decision::Owner);
        assert!(!m.may_have_written(&p, s, 6_001).allowed());
    }

    #[test]
    fn policy_follows_grants_rights_periods_and_revocations() {
        let mut f = family();
        let teacher = DeviceSecret::from_bytes(&[2; 32]);
        let reader = DeviceSecret::from_bytes(&[3; 32]);
        let stranger = DeviceSecret::from_bytes(&[4; 32]);
        let parent = f.parent.clone();
        let g = f.grant(&parent, &teacher, 1, Rights::Write, 100);
        f.grant(&parent, &reader, 2, Rights::Read, 100);
        let m = f.manifest();
        let s = Section::Annee(2025);
        assert_eq!(
            m.may_read(&parent.device_id(), Section::Accompagnement, 0),
            Decision::Owner
        );
        assert_eq!(
            m.may_write(&teacher.device_id(), s, 500),
            Decision::Granted(g.grant_id())
        );
        assert_eq!(
            m.may_write(&teacher.device_id(), s, 50),
            Decision::Denied(DenyReason::OutsidePeriod)
        );
        assert_eq!(
            m.may_write(&teacher.device_id(), s, 10_000),
            Decision::Denied(DenyReason::OutsidePeriod)
        );
        assert_eq!(
            m.may_write(&teacher.device_id(), Section::Cycles, 500),
            Decision::Denied(DenyReason::SectionNotGranted)
        );
        assert_eq!(
            m.may_write(&reader.device_id(), s, 500),
            Decision::Denied(DenyReason::ReadOnly)
        );
        assert!(m.may_read(&reader.device_id(), s, 500).allowed());
        assert_eq!(
            m.may_read(&stranger.device_id(), s, 500),
            Decision::Denied(DenyReason::NoGrant)
        );
        f.revoke(&parent, &g, 600);
        let m = f.manifest();
        assert_eq!(
            m.may_read(&teacher.device_id(), s, 700),
            Decision::Denied(DenyReason::Revoked)
        );
    }

    #[test]
    fn a_revocation_on_one_parent_wins_over_a_concurrent_grant_on_the_other() {
        let mut f = family();
        let parent2 = DeviceSecret::from_bytes(&[9; 32]);
        let rec = OwnerRecord {
            livret: f.livret.0,
            owner: parent2.device_id().0,
            issuer: f.parent.device_id().0,
            name: "Papa".into(),
            at: 10,
            kind: Default::default(),
        };
        f.records.push((
            format!("owner/{}", parent2.device_id()),
            rec.sign(&f.parent),
        ));
        let teacher = DeviceSecret::from_bytes(&[2; 32]);
        let parent = f.parent.clone();
        let g1 = f.grant(&parent, &teacher, 1, Rights::Write, 100);
        // Parent 1 revokes at 300; parent 2, not yet aware, grants again at 290.
        f.revoke(&parent, &g1, 300);
        f.grant(&parent2, &teacher, 5, Rights::Write, 290);
        let m = f.manifest();
        assert!(m.is_owner(&parent2.device_id()));
        assert_eq!(
            m.may_read(&teacher.device_id(), Section::Annee(2025), 400),
            Decision::Denied(DenyReason::Revoked)
        );
        // A grant made after the revocation is a new decision and stands.
        let g3 = f.grant(&parent2, &teacher, 6, Rights::Read, 500);
        let m = f.manifest();
        assert_eq!(
            m.may_read(&teacher.device_id(), Section::Annee(2025), 600),
            Decision::Granted(g3.grant_id())
        );
    }

    #[test]
    fn records_signed_by_strangers_are_set_aside() {
        let mut f = family();
        let mallory = DeviceSecret::from_bytes(&[66; 32]);
        // Mallory makes herself an owner and grants herself access.
        let rec = OwnerRecord {
            livret: f.livret.0,
            owner: mallory.device_id().0,
            issuer: mallory.device_id().0,
            name: "Mallory".into(),
            at: 10,
            kind: Default::default(),
        };
        f.records
            .push((format!("owner/{}", mallory.device_id()), rec.sign(&mallory)));
        f.grant(&mallory.clone(), &mallory, 3, Rights::Write, 100);
        let m = f.manifest();
        assert!(!m.is_owner(&mallory.device_id()));
        assert!(!m
            .may_read(&mallory.device_id(), Section::Annee(2025), 500)
            .allowed());
        assert_eq!(m.rejected().len(), 2);
    }

    #[test]
    fn a_grant_issued_to_another_key_is_no_use_and_forgery_fails() {
        let mut f = family();
        let teacher = DeviceSecret::from_bytes(&[2; 32]);
        let parent = f.parent.clone();
        let g = f.grant(&parent, &teacher, 1, Rights::Write, 100);
        let mut bytes = g.sign(&parent);
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(Grant::open(&bytes).is_err());
        let mallory = DeviceSecret::from_bytes(&[66; 32]);
        let m = f.manifest();
        assert!(!m
            .may_read(&mallory.device_id(), Section::Annee(2025), 500)
            .allowed());
    }

    #[test]
    fn the_sensitive_section_is_closed_until_an_owner_opens_it() {
        let mut f = family();
        let teacher = DeviceSecret::from_bytes(&[2; 32]);
        let parent = f.parent.clone();
        let acc = Section::Accompagnement;
        // A grant naming it (as a rogue client could issue) does not open it.
        let g = Grant {
            id: [4; 16],
            livret: f.livret.0,
            issuer: parent.device_id().0,
            audience: teacher.device_id().0,
            sections: vec![acc, Section::Annee(2025)],
            rights: Rights::Write,
            not_before: 0,
            until: 10_000,
            issued_at: 0,
            subject_name: None,
            jury: false,
            audience_name: "M. Martin".into(),
        };
        f.records
            .push((format!("grant/{}", g.grant_id()), g.sign(&parent)));
        let m = f.manifest();
        assert!(!m.is_open(acc));
        assert!(m.is_open(Section::Annee(2025)));
        let closed = Decision::Denied(DenyReason::SectionClosed);
        assert_eq!(m.may_write(&parent.device_id(), acc, 500), closed);
        assert_eq!(m.may_write(&teacher.device_id(), acc, 500), closed);
        assert_eq!(m.may_read(&teacher.device_id(), acc, 500), closed);
        assert_eq!(m.may_read(&parent.device_id(), acc, 500), Decision::Owner);
        assert!(m
            .may_write(&teacher.device_id(), Section::Annee(2025), 500)
            .allowed());

        // An opening signed by a stranger is set aside.
        let mallory = DeviceSecret::from_bytes(&[66; 32]);
        let rogue = Opening {
            livret: f.livret.0,
            section: acc,
            issuer: mallory.device_id().0,
            at: 5,
        };
        f.records.push((Opening::key_of(acc), rogue.sign(&mallory)));
        let m = f.manifest();
        assert!(!m.is_open(acc));
        assert_eq!(m.rejected().len(), 1);
        f.records.pop();

        // Signed as another kind, an opening does not verify; an ordinary section cannot be
        // opened; a mismatched key is refused.
        let opening = Opening {
            livret: f.livret.0,
            section: acc,
            issuer: parent.device_id().0,
            at: 5,
        };
        let as_grant = crate::cose::sign(&parent, Kind::Grant, cbor::to_vec(&opening));
        assert!(Opening::open(&as_grant).is_err());
        let ordinary = Opening {
            section: Section::Cycles,
            ..opening.clone()
        };
        assert!(Opening::open(&ordinary.sign(&parent)).is_err());
        assert!(ManifestRecord::open("open/cycles", &opening.sign(&parent)).is_err());

        // Opened by the owner: the grant naming it now counts; a grant without it does not.
        f.records
            .push((Opening::key_of(acc), opening.sign(&parent)));
        let m = f.manifest();
        assert!(m.is_open(acc));
        assert_eq!(m.opened().collect::<Vec<_>>(), vec![acc]);
        assert_eq!(m.may_write(&parent.device_id(), acc, 500), Decision::Owner);
        assert_eq!(
            m.may_write(&teacher.device_id(), acc, 500),
            Decision::Granted(g.grant_id())
        );
        let other = DeviceSecret::from_bytes(&[3; 32]);
        f.grant(&parent, &other, 7, Rights::Write, 100);
        let m = f.manifest();
        assert_eq!(
            m.may_read(&other.device_id(), acc, 500),
            Decision::Denied(DenyReason::SectionNotGranted)
        );
    }

    #[test]
    fn invitation_round_trip_text_and_size() {
        let parent = DeviceSecret::from_bytes(&[1; 32]);
        let view = InvitationView {
            livret: LivretId([5; 16]),
            issuer: parent.device_id(),
            // /ip4/192.168.100.200/tcp/47123 as a binary multiaddr
            addresses: vec![vec![0x04, 192, 168, 100, 200, 0x06, 0xb8, 0x13]],
            secret: [8; 16],
            expires_at: 1_780_000_000,
            sections: vec![Section::Annee(2025), Section::VieScolaire(2025)],
            rights: Rights::Write,
            until: 1_790_000_000,
            jury: false,
        };
        let signed = view.sign(&parent);
        assert!(signed.len() <= 213, "invitation is {} bytes", signed.len());
        let text = InvitationView::to_text(&signed);
        let back = InvitationView::open(&InvitationView::bytes_from_text(&text).unwrap()).unwrap();
        assert_eq!(back, view);
        let mut tampered = signed.clone();
        tampered[20] ^= 1;
        assert!(InvitationView::open(&tampered).is_err());
        assert!(InvitationView::bytes_from_text("bonjour").is_err());
    }
}
