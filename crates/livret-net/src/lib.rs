//! livret-net: the transport of the livret.
//!
//! A libp2p node (TCP + Noise + Yamux, identify, ping, optional mDNS; circuit relay v2
//! client, DCUtR hole punching and AutoNAT for devices apart) whose identity is the device's
//! ed25519 key, and framed byte sessions on the
//! [`SYNC_PROTOCOL`] stream protocol. What travels inside the frames (hello,
//! authorization, Automerge sync messages) is decided above this layer.
//!
//! Frames are a `u32` big-endian length prefix followed by that many bytes,
//! bounded by [`Limits::max_frame_bytes`].

mod accept;
mod config;
mod error;
mod keys;
mod mailbox;
mod mailbox_store;
mod node;
pub mod protocol;
mod relay_server;
mod session;

pub use config::{Limits, NodeConfig};
pub use error::NetError;
pub use keys::{peer_id_from_public_key, peer_id_from_secret_key, public_key_from_peer_id};
pub use mailbox::{box_of_peer, MailboxConfig, MAILBOX_PROTOCOL};
pub use mailbox_store::{MailboxLimits, MailboxRefusal, MailboxStore, MailboxUsage, StoredLetter};
pub use node::{Node, NodeEvent, Reachability};
pub use relay_server::{run_relay, RelayConfig, RelayEvent, RelayLimits};
pub use session::Session;

pub use libp2p::{Multiaddr, PeerId};

/// The stream protocol on which sync sessions run.
pub const SYNC_PROTOCOL: &str = "/livret/sync/1";

/// The identify protocol version this node announces.
pub const IDENTIFY_PROTOCOL: &str = "/livret/id/1.0.0";

/// The agent version this node announces through identify.
pub fn agent_version() -> String {
    format!("livret/{}", env!("CARGO_PKG_VERSION"))
}
