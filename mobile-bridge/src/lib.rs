//! mobile-bridge: the `livret` API for the Android and iOS apps, through UniFFI.
//!
//! A thin layer: every exported method calls the `livret` application crate and converts its
//! arguments and results (records, enums, one flat error whose messages are the French user
//! messages). It holds no policy: what a device may do is decided by `livret`.
//!
//! - [`LivretDevice`]: a device home opened (or created) with the storage key the app keeps in
//!   the platform keystore; its node and the tokio runtime that runs it.
//! - [`RecoverySheet`]: the family's recovery words (never in a `Debug` or `toString`).
//! - [`SyncListener`]: implemented by the app to receive [`SyncEvent`]s.
//! - [`LivretError`]: what went wrong, with the French message to show.
//!
//! See README.md for generating the Kotlin, Swift and Python bindings.

uniffi::setup_scaffolding!();

mod device;
mod error;
mod events;
mod recovery;
mod types;

pub use device::LivretDevice;
pub use error::LivretError;
pub use events::{SyncEvent, SyncListener};
pub use recovery::RecoverySheet;
pub use types::*;

/// The version of the bridge (the workspace version).
#[uniffi::export]
pub fn bridge_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
