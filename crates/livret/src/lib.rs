//! livret: the application. Everything a user can do is one method of [`Device`] (or one
//! function of [`node`] for what needs the network); the command line and the mobile bridge
//! only parse, call and print.

mod audit;
mod batch;
mod class;
mod consent;
mod cover;
mod device;
pub mod ecole;
mod erasure;
pub mod error;
mod grid;
mod heads;
mod livrets;
mod local_peer;
pub mod lsu;
pub mod mailbox;
pub mod node;
mod owners;
pub mod paper;
pub mod portability;
mod recover;
pub mod recovery;
mod redeem;
mod refused;
pub mod relay;
mod session;
mod sharing;
mod team;
mod team_sync;
mod trust;
mod views;

pub use audit::{AuditAction, AuditOutcome};
pub use batch::{BatchMode, BatchWrite, NotWritten};
pub use class::{
    CellDraft, CellState, CellStatus, ClassStatus, ClassSummary, PeriodCells, PupilStatus,
    SubjectCell,
};
pub use consent::SectionState;
pub use device::SharedDevice;
pub use device::{Device, DeviceInfo, LivretMeta, Relation};
pub use ecole::DomainInput;
pub use erasure::{DeviceRevocationReport, ForgetReport};
pub use error::{Error, Result};
pub use grid::{GridImportReport, GridIssue, GridPupil, GridStatus, PupilMatch};
pub use livret_export::grid::{GridFormat, MAX_GRID_BYTES};
pub use livrets::drafts;
pub use livrets::{LivretSummary, VerifyReport};
pub use local_peer::{LocalPeer, ServedReports};
pub use owners::OwnerDeviceView;
pub use redeem::{redeem_code_for, RedeemClaimView, REDEEM_CONFIRM_SECONDS};
pub use refused::SessionRefusal;
pub use session::SessionReport;
pub use sharing::{
    rfc3339, sensitive_notice, AuditView, GrantView, InvitationOut, DEFAULT_INVITATION_MINUTES,
};
pub use team::{TeamGrantView, TeamMemberView, TeamUpdate, TeamView};
pub use trust::{CertificateView, SignedCard, TrustAnchor};
pub use views::{
    EntryContent, EntryKind, EntryText, EntryView, LivretView, SectionView, SignatureStatus,
    VerifyFailure, VerifyReason, VerifyStatus,
};

pub use livret_core::{self as core, Lang, Localized};
pub use livret_store::KeySource;
