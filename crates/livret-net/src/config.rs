//! Node configuration and resource limits.

use std::fmt;
use std::time::Duration;

use libp2p::Multiaddr;
use zeroize::Zeroizing;

use crate::NetError;

/// Bounds applied to every session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest frame (payload, without the 4-byte prefix) sent or accepted.
    pub max_frame_bytes: usize,
    /// Largest number of live incoming sessions from one peer; more are refused.
    pub max_sessions_per_peer: usize,
    /// A peer that sends nothing for that long (while we wait for a frame), or
    /// does not take a frame we send within that time, makes the call fail with
    /// [`NetError::Timeout`].
    pub frame_timeout: Duration,
}

impl Limits {
    /// 4 MiB.
    pub const DEFAULT_MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;
    /// 4 concurrent sessions.
    pub const DEFAULT_MAX_SESSIONS_PER_PEER: usize = 4;
    /// 30 seconds.
    pub const DEFAULT_FRAME_TIMEOUT: Duration = Duration::from_secs(30);

    pub(crate) fn validate(&self) -> Result<(), NetError> {
        if self.max_frame_bytes == 0 || u32::try_from(self.max_frame_bytes).is_err() {
            return Err(NetError::InvalidConfig(format!(
                "max_frame_bytes must be between 1 and {}",
                u32::MAX
            )));
        }
        if self.max_sessions_per_peer == 0 {
            return Err(NetError::InvalidConfig(
                "max_sessions_per_peer must be at least 1".into(),
            ));
        }
        if self.frame_timeout.is_zero() {
            return Err(NetError::InvalidConfig(
                "frame_timeout must not be zero".into(),
            ));
        }
        Ok(())
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame_bytes: Self::DEFAULT_MAX_FRAME_BYTES,
            max_sessions_per_peer: Self::DEFAULT_MAX_SESSIONS_PER_PEER,
            frame_timeout: Self::DEFAULT_FRAME_TIMEOUT,
        }
    }
}

/// How to start a [`Node`](crate::Node).
#[derive(Clone)]
pub struct NodeConfig {
    /// The device's ed25519 secret key (32-byte seed): it is the libp2p identity.
    pub secret_key: Zeroizing<[u8; 32]>,
    /// Addresses to listen on, e.g. `/ip4/0.0.0.0/tcp/0`.
    pub listen: Vec<Multiaddr>,
    /// Discover and announce peers on the local network with mDNS.
    pub mdns: bool,
    /// Session bounds.
    pub limits: Limits,
    /// Relays to hold a reservation on (`/ip4/…/tcp/…/p2p/RELAY`): the node listens on
    /// `<relay>/p2p-circuit` through each, renews the reservation while it runs and asks again
    /// when a relay is lost. Empty for short-lived nodes.
    pub relays: Vec<Multiaddr>,
}

impl NodeConfig {
    /// A node listening on TCP on all IPv4 interfaces (port chosen by the
    /// system), with mDNS on and default limits.
    pub fn new(secret_key: Zeroizing<[u8; 32]>) -> Self {
        let any: Multiaddr = Multiaddr::empty()
            .with(libp2p::multiaddr::Protocol::Ip4(
                std::net::Ipv4Addr::UNSPECIFIED,
            ))
            .with(libp2p::multiaddr::Protocol::Tcp(0));
        Self {
            secret_key,
            listen: vec![any],
            mdns: true,
            limits: Limits::default(),
            relays: Vec::new(),
        }
    }
}

impl fmt::Debug for NodeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeConfig")
            .field("secret_key", &"<redacted>")
            .field("listen", &self.listen)
            .field("mdns", &self.mdns)
            .field("limits", &self.limits)
            .field("relays", &self.relays)
            .finish()
    }
}
