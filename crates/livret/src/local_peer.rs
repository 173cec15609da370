//! A device with its libp2p node on the loopback address, serving in the background as
//! `livret serve` does. The story demo, `livret app --demo` and the scenario tests each run
//! several devices in one process: this is the one way they do it.

use std::sync::{Arc, Mutex, PoisonError};

use livret_core::DeviceId;
use livret_net::{Multiaddr, Node};
use tokio::sync::oneshot;

use crate::device::{Device, SharedDevice};
use crate::error::Result;
use crate::node::{self, NodeOptions};
use crate::session::SessionReport;

/// The reports of the sessions a [`LocalPeer`]'s node answered or started on discovery.
pub type ServedReports = Arc<Mutex<Vec<std::result::Result<SessionReport, String>>>>;

/// A device serving on `127.0.0.1` (a port of the system's choosing, mDNS off).
pub struct LocalPeer {
    /// The device.
    pub dev: SharedDevice,
    /// Its node.
    pub node: Node,
    /// Reports of the sessions its node answered or started on discovery.
    pub served: ServedReports,
    stop: Option<oneshot::Sender<()>>,
}

impl LocalPeer {
    /// Starts `device`'s node on the loopback address and serves in the background until
    /// [`LocalPeer::stop`] (or the runtime ends). With `remember_addresses`, invitations made
    /// on it carry that address (as a `serve` node's do).
    pub async fn start(device: Device, remember_addresses: bool) -> Result<LocalPeer> {
        let dev = node::share(device);
        let listen = "/ip4/127.0.0.1/tcp/0"
            .parse::<Multiaddr>()
            .map_err(|e| crate::Error::Protocol(e.to_string()))?;
        let (node, events) = node::start(
            &dev,
            NodeOptions {
                listen: vec![listen],
                mdns: false,
                remember_addresses,
            },
        )
        .await?;
        let served: ServedReports = Arc::new(Mutex::new(Vec::new()));
        let (stop, stopped) = oneshot::channel::<()>();
        let sink = served.clone();
        tokio::spawn(node::serve(
            dev.clone(),
            node.clone(),
            events,
            async move {
                let _ = stopped.await;
            },
            move |r| {
                sink.lock().unwrap_or_else(PoisonError::into_inner).push(
                    r.map_err(|e| livret_core::Localized::localized(&e, livret_core::Lang::Fr)),
                )
            },
        ));
        Ok(LocalPeer {
            dev,
            node,
            served,
            stop: Some(stop),
        })
    }

    /// Runs `f` with the device locked.
    pub fn with<T>(&self, f: impl FnOnce(&mut Device) -> T) -> T {
        let mut d = self.dev.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut d)
    }

    /// This device's id.
    pub fn id(&self) -> DeviceId {
        self.with(|d| d.device_id())
    }

    /// The node's addresses (binary multiaddrs, as invitations carry them).
    pub fn addresses(&self) -> Vec<Vec<u8>> {
        self.node
            .listen_addrs()
            .iter()
            .map(|a| a.to_vec())
            .collect()
    }

    /// Accepts an invitation through this device's node.
    pub async fn accept(&self, invitation: &str, class: Option<&str>) -> Result<SessionReport> {
        node::accept(&self.dev, &self.node, invitation, class).await
    }

    /// One session with `other` (dialing it).
    pub async fn sync_with(&self, other: &LocalPeer) -> Result<SessionReport> {
        node::sync_with(
            &self.dev,
            &self.node,
            other.node.peer_id(),
            other.node.listen_addrs(),
        )
        .await
    }

    /// Stops serving and closes the node.
    pub async fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.node.clone().shutdown().await;
    }
}
