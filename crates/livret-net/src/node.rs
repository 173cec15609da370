//! The libp2p node: a background task owns the swarm; [`Node`] is a handle.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::StreamExt as _;
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
use libp2p::swarm::{DialError, NetworkBehaviour, SwarmEvent};
use libp2p::{identify, mdns, noise, ping, tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::accept::{
    accept_loop, read_status, Opening, PeerAddresses, STATUS_BUSY, STATUS_TOO_MANY_SESSIONS,
};
use crate::keys::keypair_from_secret;
use crate::session::{KnownPeers, SessionCounts};
use crate::{NetError, NodeConfig, Session, IDENTIFY_PROTOCOL, SYNC_PROTOCOL};

/// Connections with no open stream are closed after this long.
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(60);
/// `open_session` gives up after this long (connect + stream negotiation).
const OPEN_SESSION_TIMEOUT: Duration = Duration::from_secs(10);
/// Times `open_session` opens a stream that the peer drops unanswered.
const OPEN_SESSION_TRIES: u32 = 8;
/// `start` gives up if the listeners have no address after this long.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);
/// `disconnect` waits at most this long for the connections to close.
const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// `shutdown` lets connections close gracefully for at most this long.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// Events buffered for the application; beyond that, events are dropped and
/// incoming sessions refused as busy.
const EVENT_CAPACITY: usize = 256;
/// Known addresses kept per peer, and peers kept, in the address book.
const MAX_ADDRS_PER_PEER: usize = 16;
const MAX_BOOK_PEERS: usize = 4096;

/// What the node tells the application.
#[derive(Debug)]
#[non_exhaustive]
pub enum NodeEvent {
    /// A peer opened a sync session with us.
    IncomingSession(Session),
    /// mDNS found a peer on the local network (its addresses are now known for dialing).
    PeerDiscovered {
        /// The peer.
        peer: PeerId,
        /// Where it listens.
        addrs: Vec<Multiaddr>,
    },
    /// mDNS no longer sees that peer.
    PeerExpired {
        /// The peer.
        peer: PeerId,
    },
    /// The node listens on a new address.
    NewListenAddr(Multiaddr),
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    stream: libp2p_stream::Behaviour,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    mdns: Toggle<mdns::tokio::Behaviour>,
}

enum Command {
    Connect {
        peer: PeerId,
        addrs: Vec<Multiaddr>,
        reply: oneshot::Sender<Result<(), NetError>>,
    },
    Disconnect {
        peer: PeerId,
        reply: oneshot::Sender<()>,
    },
    Shutdown,
}

/// State the handle reads without asking the task.
#[derive(Default)]
struct Shared {
    listen_addrs: Vec<Multiaddr>,
    connected: HashSet<PeerId>,
}

struct Inner {
    peer_id: PeerId,
    commands: mpsc::Sender<Command>,
    control: libp2p_stream::Control,
    shared: Arc<Mutex<Shared>>,
    known: KnownPeers,
    limits: crate::Limits,
    task: Mutex<Option<JoinHandle<()>>>,
}

/// A handle to the running node (cheap to clone).
#[derive(Clone)]
pub struct Node {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("peer_id", &self.inner.peer_id)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Node {
    /// Builds the swarm, starts listening and returns once every listen
    /// address has produced a concrete address.
    pub async fn start(config: NodeConfig) -> Result<(Node, mpsc::Receiver<NodeEvent>), NetError> {
        config.limits.validate()?;
        let keypair = keypair_from_secret(&config.secret_key)?;
        let peer_id = keypair.public().to_peer_id();

        let mdns = if config.mdns {
            Some(
                mdns::tokio::Behaviour::new(mdns::Config::default(), peer_id)
                    .map_err(|e| NetError::Setup(format!("mDNS: {e}")))?,
            )
        } else {
            None
        };
        let behaviour = Behaviour {
            stream: libp2p_stream::Behaviour::new(),
            identify: identify::Behaviour::new(
                identify::Config::new(IDENTIFY_PROTOCOL.to_string(), keypair.public())
                    .with_agent_version(crate::agent_version()),
            ),
            ping: ping::Behaviour::default(),
            mdns: Toggle::from(mdns),
        };

        let mut swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
            .with_tokio()
            .with_tcp(
                tcp::Config::default().nodelay(true),
                noise::Config::new,
                yamux::Config::default,
            )
            .map_err(|e| NetError::Setup(e.to_string()))?
            .with_behaviour(|_| behaviour)
            .map_err(|e| NetError::Setup(e.to_string()))?
            .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE_CONNECTION_TIMEOUT))
            .build();

        let mut control = swarm.behaviour().stream.new_control();
        let incoming = control
            .accept(StreamProtocol::new(SYNC_PROTOCOL))
            .map_err(|e| NetError::Setup(e.to_string()))?;

        let mut waiting = HashMap::new();
        for addr in &config.listen {
            let id = swarm
                .listen_on(addr.clone())
                .map_err(|e| NetError::Listen {
                    addr: addr.to_string(),
                    reason: e.to_string(),
                })?;
            waiting.insert(id, addr.clone());
        }

        let (events_tx, events_rx) = mpsc::channel(EVENT_CAPACITY);
        let (commands_tx, commands_rx) = mpsc::channel(64);
        let shared = Arc::new(Mutex::new(Shared::default()));
        let addresses = PeerAddresses::default();
        let known = KnownPeers::default();
        let mut task = Task {
            swarm,
            events: events_tx,
            shared: shared.clone(),
            addresses: addresses.clone(),
            accept_task: None,
            book: HashMap::new(),
            mdns_addrs: HashMap::new(),
            pending_connects: HashMap::new(),
            pending_disconnects: HashMap::new(),
        };

        // Wait for the first address of every listener.
        let startup = async {
            while !waiting.is_empty() {
                let Some(event) = task.swarm.next().await else {
                    return Err(NetError::NodeStopped);
                };
                match &event {
                    SwarmEvent::NewListenAddr { listener_id, .. } => {
                        waiting.remove(listener_id);
                    }
                    SwarmEvent::ListenerError { listener_id, error }
                        if waiting.contains_key(listener_id) =>
                    {
                        let addr = waiting.get(listener_id).map(|a| a.to_string());
                        return Err(NetError::Listen {
                            addr: addr.unwrap_or_default(),
                            reason: error.to_string(),
                        });
                    }
                    SwarmEvent::ListenerClosed {
                        listener_id,
                        reason,
                        ..
                    } if waiting.contains_key(listener_id) => {
                        let addr = waiting.get(listener_id).map(|a| a.to_string());
                        return Err(NetError::Listen {
                            addr: addr.unwrap_or_default(),
                            reason: match reason {
                                Ok(()) => "listener closed".to_string(),
                                Err(e) => e.to_string(),
                            },
                        });
                    }
                    _ => {}
                }
                task.on_swarm_event(event);
            }
            Ok(())
        };
        match tokio::time::timeout(LISTEN_TIMEOUT, startup).await {
            Ok(r) => r?,
            Err(_) => {
                return Err(NetError::Listen {
                    addr: config
                        .listen
                        .iter()
                        .map(|a| a.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    reason: "no address after 10 s".to_string(),
                })
            }
        }

        task.accept_task = Some(tokio::spawn(accept_loop(
            incoming,
            SessionCounts::default(),
            known.clone(),
            addresses,
            config.limits,
            task.events.clone(),
        )));
        let handle = tokio::spawn(task.run(commands_rx));
        tracing::info!(%peer_id, "livret node started");
        let node = Node {
            inner: Arc::new(Inner {
                peer_id,
                commands: commands_tx,
                control,
                shared,
                known,
                limits: config.limits,
                task: Mutex::new(Some(handle)),
            }),
        };
        Ok((node, events_rx))
    }

    /// This node's peer id (from its ed25519 key).
    pub fn peer_id(&self) -> PeerId {
        self.inner.peer_id
    }

    /// The concrete addresses the node listens on, without `/p2p` suffix.
    pub fn listen_addrs(&self) -> Vec<Multiaddr> {
        lock(&self.inner.shared).listen_addrs.clone()
    }

    /// Declares the peers this device knows (they hold a grant or own a livret with it). Their
    /// incoming sessions are bounded per key only; every other peer is a stranger, whose
    /// sessions are bounded per remote address and together as well (keys cost nothing).
    /// Replaces the previous set.
    pub fn set_known_peers(&self, peers: impl IntoIterator<Item = PeerId>) {
        let set = peers.into_iter().collect();
        *lock(&self.inner.known) = set;
    }

    /// The peers with at least one open connection.
    pub fn connected_peers(&self) -> Vec<PeerId> {
        lock(&self.inner.shared).connected.iter().copied().collect()
    }

    /// Opens a sync session with `peer`: remembers `addrs` for it, dials it if
    /// not connected, and negotiates [`SYNC_PROTOCOL`]. Fails if the device
    /// that answers is not `peer`, or after 10 s.
    pub async fn open_session(
        &self,
        peer: PeerId,
        addrs: Vec<Multiaddr>,
    ) -> Result<Session, NetError> {
        if peer == self.inner.peer_id {
            return Err(NetError::SelfDial);
        }
        let attempt = async {
            let mut tries = 0u32;
            loop {
                tries += 1;
                let (reply, answer) = oneshot::channel();
                self.inner
                    .commands
                    .send(Command::Connect {
                        peer,
                        addrs: addrs.clone(),
                        reply,
                    })
                    .await
                    .map_err(|_| NetError::NodeStopped)?;
                answer.await.map_err(|_| NetError::NodeStopped)??;
                let mut control = self.inner.control.clone();
                let opened = control
                    .open_stream(peer, StreamProtocol::new(SYNC_PROTOCOL))
                    .await;
                let mut stream = match opened {
                    Ok(stream) => stream,
                    Err(libp2p_stream::OpenStreamError::UnsupportedProtocol(_)) => {
                        return Err(NetError::UnsupportedProtocol(peer))
                    }
                    // E.g. the connection closed between our dial and the
                    // stream (libp2p-stream then dials with no address).
                    Err(e) if tries < OPEN_SESSION_TRIES => {
                        tracing::debug!(%peer, tries, "opening a stream failed, retrying: {e}");
                        tokio::time::sleep(Duration::from_millis(20 * u64::from(tries))).await;
                        continue;
                    }
                    Err(e) => {
                        return Err(NetError::OpenStream {
                            peer,
                            reason: e.to_string(),
                        })
                    }
                };
                match read_status(&mut stream).await {
                    Opening::Accepted => {
                        let mut session = Session::new(peer, stream, self.inner.limits, None);
                        session.count_handshake(0, 1);
                        return Ok(session);
                    }
                    Opening::Refused(STATUS_TOO_MANY_SESSIONS) => {
                        return Err(NetError::TooManySessions(peer))
                    }
                    Opening::Refused(STATUS_BUSY) => return Err(NetError::PeerBusy(peer)),
                    Opening::Refused(other) => {
                        return Err(NetError::Protocol(format!(
                            "unknown session status {other}"
                        )))
                    }
                    Opening::Dropped if tries < OPEN_SESSION_TRIES => {
                        tracing::debug!(%peer, tries, "session dropped before it began, retrying");
                        tokio::time::sleep(Duration::from_millis(20 * u64::from(tries))).await;
                    }
                    Opening::Dropped => {
                        return Err(NetError::OpenStream {
                            peer,
                            reason: "the peer dropped the session before it began".to_string(),
                        })
                    }
                }
            }
        };
        match tokio::time::timeout(OPEN_SESSION_TIMEOUT, attempt).await {
            Ok(r) => r,
            Err(_) => Err(NetError::ConnectTimeout(peer)),
        }
    }

    /// Closes every connection to `peer` (its open sessions end) and waits,
    /// a few seconds at most, until they are closed.
    pub async fn disconnect(&self, peer: PeerId) {
        let (reply, answer) = oneshot::channel();
        if self
            .inner
            .commands
            .send(Command::Disconnect { peer, reply })
            .await
            .is_ok()
        {
            let _ = tokio::time::timeout(DISCONNECT_TIMEOUT, answer).await;
        }
    }

    /// Stops the node: closes connections and listeners, ends the task. Other
    /// clones of this handle then get [`NetError::NodeStopped`].
    pub async fn shutdown(self) {
        let _ = self.inner.commands.send(Command::Shutdown).await;
        let handle = lock(&self.inner.task).take();
        if let Some(handle) = handle {
            if let Err(e) = handle.await {
                tracing::warn!("network task ended abnormally: {e}");
            }
        }
    }
}

struct Task {
    swarm: Swarm<Behaviour>,
    events: mpsc::Sender<NodeEvent>,
    shared: Arc<Mutex<Shared>>,
    /// The remote address of every open connection, for the accept loop's bounds.
    addresses: PeerAddresses,
    /// Takes inbound streams (see `accept`); ends with the task.
    accept_task: Option<JoinHandle<()>>,
    /// Addresses given to `open_session` or found by mDNS.
    book: HashMap<PeerId, Vec<Multiaddr>>,
    /// Addresses currently seen by mDNS, to tell when a peer expires.
    mdns_addrs: HashMap<PeerId, HashSet<Multiaddr>>,
    pending_connects: HashMap<PeerId, Vec<oneshot::Sender<Result<(), NetError>>>>,
    pending_disconnects: HashMap<PeerId, Vec<oneshot::Sender<()>>>,
}

impl Task {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        loop {
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                command = commands.recv() => match command {
                    Some(Command::Connect { peer, addrs, reply }) => self.connect(peer, addrs, reply),
                    Some(Command::Disconnect { peer, reply }) => self.disconnect(peer, reply),
                    Some(Command::Shutdown) | None => break,
                },
            }
        }
        // Refuse new streams, then let connections close gracefully.
        if let Some(accept) = self.accept_task.take() {
            accept.abort();
            let _ = accept.await;
        }
        let peers: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
        for peer in peers {
            let _ = self.swarm.disconnect_peer_id(peer);
        }
        let grace = async {
            while self.swarm.connected_peers().next().is_some() {
                match self.swarm.next().await {
                    Some(event) => self.on_swarm_event(event),
                    None => break,
                }
            }
        };
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, grace).await;
        {
            let mut shared = lock(&self.shared);
            shared.connected.clear();
            shared.listen_addrs.clear();
        }
        for (_, waiters) in self.pending_connects.drain() {
            for w in waiters {
                let _ = w.send(Err(NetError::NodeStopped));
            }
        }
        tracing::info!(peer_id = %self.swarm.local_peer_id(), "livret node stopped");
    }

    fn emit(&self, event: NodeEvent) {
        match self.events.try_send(event) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(event)) => {
                tracing::warn!("event queue full, dropping {}", event_kind(&event));
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    fn remember(&mut self, peer: PeerId, addrs: &[Multiaddr]) {
        if addrs.is_empty() {
            return;
        }
        if !self.book.contains_key(&peer) && self.book.len() >= MAX_BOOK_PEERS {
            return;
        }
        let known = self.book.entry(peer).or_default();
        for addr in addrs {
            let addr = strip_p2p(addr);
            if !known.contains(&addr) {
                known.insert(0, addr);
            }
        }
        known.truncate(MAX_ADDRS_PER_PEER);
    }

    fn connect(
        &mut self,
        peer: PeerId,
        addrs: Vec<Multiaddr>,
        reply: oneshot::Sender<Result<(), NetError>>,
    ) {
        self.remember(peer, &addrs);
        if self.swarm.is_connected(&peer) {
            let _ = reply.send(Ok(()));
            return;
        }
        let known = self.book.get(&peer).cloned().unwrap_or_default();
        let opts = DialOpts::peer_id(peer)
            .addresses(known)
            .extend_addresses_through_behaviour()
            .condition(PeerCondition::DisconnectedAndNotDialing)
            .build();
        match self.swarm.dial(opts) {
            Ok(()) | Err(DialError::DialPeerConditionFalse(_)) => {
                let waiters = self.pending_connects.entry(peer).or_default();
                waiters.retain(|w| !w.is_closed());
                waiters.push(reply);
            }
            Err(e) => {
                let _ = reply.send(Err(dial_error(peer, e)));
            }
        }
    }

    fn disconnect(&mut self, peer: PeerId, reply: oneshot::Sender<()>) {
        if self.swarm.disconnect_peer_id(peer).is_ok() {
            let waiters = self.pending_disconnects.entry(peer).or_default();
            waiters.retain(|w| !w.is_closed());
            waiters.push(reply);
        } else {
            let _ = reply.send(());
        }
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(%address, "listening");
                {
                    let mut shared = lock(&self.shared);
                    if !shared.listen_addrs.contains(&address) {
                        shared.listen_addrs.push(address.clone());
                    }
                }
                self.emit(NodeEvent::NewListenAddr(address));
            }
            SwarmEvent::ExpiredListenAddr { address, .. } => {
                lock(&self.shared).listen_addrs.retain(|a| a != &address);
            }
            SwarmEvent::ListenerClosed { addresses, .. } => {
                lock(&self.shared)
                    .listen_addrs
                    .retain(|a| !addresses.contains(a));
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                connection_id,
                endpoint,
                ..
            } => {
                tracing::debug!(peer = %peer_id, "connection established");
                if let Some(ip) = ip_of(endpoint.get_remote_address()) {
                    lock(&self.addresses)
                        .entry(peer_id)
                        .or_default()
                        .push((connection_id, ip));
                }
                lock(&self.shared).connected.insert(peer_id);
                for w in self.pending_connects.remove(&peer_id).unwrap_or_default() {
                    let _ = w.send(Ok(()));
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                connection_id,
                num_established,
                cause,
                ..
            } => {
                tracing::debug!(peer = %peer_id, ?cause, "connection closed");
                {
                    let mut addresses = lock(&self.addresses);
                    if let Some(list) = addresses.get_mut(&peer_id) {
                        list.retain(|(c, _)| *c != connection_id);
                        if list.is_empty() {
                            addresses.remove(&peer_id);
                        }
                    }
                }
                if num_established == 0 {
                    lock(&self.shared).connected.remove(&peer_id);
                    for w in self
                        .pending_disconnects
                        .remove(&peer_id)
                        .unwrap_or_default()
                    {
                        let _ = w.send(());
                    }
                }
            }
            SwarmEvent::OutgoingConnectionError {
                peer_id: Some(peer),
                error,
                ..
            } => {
                tracing::debug!(%peer, %error, "dial failed");
                if let DialError::WrongPeerId { address, .. } = &error {
                    // Someone else answers there: forget it for this peer.
                    let address = strip_p2p(address);
                    if let Some(known) = self.book.get_mut(&peer) {
                        known.retain(|a| a != &address);
                        if known.is_empty() {
                            self.book.remove(&peer);
                        }
                    }
                }
                if !self.swarm.is_connected(&peer) {
                    if let Some(waiters) = self.pending_connects.remove(&peer) {
                        let reason = error.to_string();
                        for w in waiters {
                            let e = match &error {
                                DialError::WrongPeerId { obtained, .. } => NetError::WrongPeer {
                                    expected: Box::new(peer),
                                    obtained: Box::new(*obtained),
                                },
                                _ => NetError::Unreachable {
                                    peer,
                                    reason: reason.clone(),
                                },
                            };
                            let _ = w.send(Err(e));
                        }
                    }
                }
            }
            SwarmEvent::IncomingConnectionError {
                send_back_addr,
                error,
                ..
            } => {
                tracing::debug!(%send_back_addr, %error, "incoming connection failed");
            }
            SwarmEvent::Behaviour(BehaviourEvent::Mdns(event)) => self.on_mdns(event),
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                tracing::debug!(peer = %peer_id, agent = %info.agent_version, "identified");
            }
            _ => {}
        }
    }

    fn on_mdns(&mut self, event: mdns::Event) {
        match event {
            mdns::Event::Discovered(list) => {
                let mut found: HashMap<PeerId, Vec<Multiaddr>> = HashMap::new();
                for (peer, addr) in list {
                    let addr = strip_p2p(&addr);
                    let seen = self.mdns_addrs.entry(peer).or_default();
                    if seen.len() < MAX_ADDRS_PER_PEER {
                        seen.insert(addr.clone());
                    }
                    found.entry(peer).or_default().push(addr);
                }
                for (peer, addrs) in found {
                    self.remember(peer, &addrs);
                    for addr in &addrs {
                        self.swarm.add_peer_address(peer, addr.clone());
                    }
                    tracing::debug!(%peer, ?addrs, "mDNS discovered a peer");
                    self.emit(NodeEvent::PeerDiscovered { peer, addrs });
                }
            }
            mdns::Event::Expired(list) => {
                let mut gone = HashSet::new();
                for (peer, addr) in list {
                    let addr = strip_p2p(&addr);
                    if let Some(book) = self.book.get_mut(&peer) {
                        book.retain(|a| a != &addr);
                        if book.is_empty() {
                            self.book.remove(&peer);
                        }
                    }
                    if let Some(seen) = self.mdns_addrs.get_mut(&peer) {
                        seen.remove(&addr);
                        if seen.is_empty() {
                            self.mdns_addrs.remove(&peer);
                            gone.insert(peer);
                        }
                    }
                }
                for peer in gone {
                    tracing::debug!(%peer, "mDNS peer expired");
                    self.emit(NodeEvent::PeerExpired { peer });
                }
            }
        }
    }
}

/// The IP address a multiaddr starts with, if any.
fn ip_of(addr: &Multiaddr) -> Option<std::net::IpAddr> {
    addr.iter().find_map(|p| match p {
        libp2p::multiaddr::Protocol::Ip4(ip) => Some(ip.into()),
        libp2p::multiaddr::Protocol::Ip6(ip) => Some(ip.into()),
        _ => None,
    })
}

fn strip_p2p(addr: &Multiaddr) -> Multiaddr {
    let mut addr = addr.clone();
    if matches!(
        addr.iter().last(),
        Some(libp2p::multiaddr::Protocol::P2p(_))
    ) {
        addr.pop();
    }
    addr
}

fn dial_error(peer: PeerId, error: DialError) -> NetError {
    match error {
        DialError::WrongPeerId { obtained, .. } => NetError::WrongPeer {
            expected: Box::new(peer),
            obtained: Box::new(obtained),
        },
        DialError::LocalPeerId { .. } => NetError::SelfDial,
        other => NetError::Unreachable {
            peer,
            reason: other.to_string(),
        },
    }
}

fn event_kind(event: &NodeEvent) -> &'static str {
    match event {
        NodeEvent::IncomingSession(_) => "an incoming session",
        NodeEvent::PeerDiscovered { .. } => "a peer discovery",
        NodeEvent::PeerExpired { .. } => "a peer expiry",
        NodeEvent::NewListenAddr(_) => "a listen address",
    }
}
