//! livret-core: the vocabulary of the livret scolaire, device identities, signed entries,
//! section documents, grants, invitations, revocations and the authorization policy.
//!
//! This crate does no I/O: no network, no files, no clock and no randomness except what the
//! caller passes in. Everything here can be tested without sockets or disks.

pub mod cbor;
pub mod cert;
pub mod content;
pub mod cose;
pub mod doc;
pub mod entry;
pub mod erasure;
pub mod error;
pub mod grant;
pub mod identity;
pub mod ids;
pub mod lang;
pub mod policy;
pub mod record;
pub mod recovery;
pub mod refusal;
pub mod seal;
pub mod section;
pub mod sensitive;
pub mod team;
pub mod vocab;

pub use error::CoreError;
pub use identity::{DeviceIdentity, DeviceSecret, Role};
pub use ids::{DeviceId, GrantId, InvitationId, LivretId, TeamId};
pub use lang::{Lang, Localized};
pub use record::SignedRecord;
pub use refusal::{Refusal, RefusalCode};
pub use section::Section;
