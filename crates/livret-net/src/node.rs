//! The libp2p node: a background task owns the swarm; [`Node`] is a handle.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::StreamExt as _;
use libp2p::core::transport::ListenerId;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
use libp2p::swarm::{ConnectionId, DialError, NetworkBehaviour, SwarmEvent};
use libp2p::{
    autonat, dcutr, identify, mdns, noise, ping, relay, tcp, yamux, Multiaddr, PeerId,
    StreamProtocol, Swarm,
};
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
/// Addresses kept per peer from what it announced through identify.
const MAX_IDENTIFIED_ADDRS: usize = 8;
/// Relays whose id was learnt from a compact address (see `Task::resolve`).
const MAX_RELAY_IDS: usize = 64;
/// How often the node asks again for a reservation on a relay it lost (or never reached).
const RELAY_RETRY: Duration = Duration::from_secs(30);
/// The head start of a peer's direct addresses over its relayed ones: a device on the same
/// network is reached directly, and the relay learns nothing of that session.
const RELAY_HEAD_START: Duration = Duration::from_millis(1500);

/// Whether other devices can dial this node directly, as AutoNAT found by asking peers to dial
/// it back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reachability {
    /// Not known yet (no peer answered a probe).
    Unknown,
    /// Reachable at this address.
    Public(Multiaddr),
    /// Behind a NAT or a firewall: peers reach this node through a relay (or hole punching).
    Private,
}

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
    /// A relay accepted (or renewed) this node's reservation: peers can reach it through that
    /// relay at `<relay>/p2p-circuit/p2p/<this node>`.
    RelayReserved {
        /// The relay.
        relay: PeerId,
        /// A renewal of a reservation already held.
        renewal: bool,
    },
    /// A reservation could not be made or was lost (asked again every 30 s).
    RelayLost {
        /// The relay's address as configured.
        relay: Multiaddr,
        /// Why, as libp2p tells it.
        reason: String,
    },
    /// AutoNAT changed its opinion of this node's reachability.
    Reachability(Reachability),
    /// A relayed connection became direct by hole punching (DCUtR).
    HolePunched {
        /// The peer now connected directly.
        peer: PeerId,
    },
    /// Hole punching with a peer failed: the connection stays relayed.
    HolePunchFailed {
        /// The peer.
        peer: PeerId,
        /// Why, as libp2p tells it.
        reason: String,
    },
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    stream: libp2p_stream::Behaviour,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    mdns: Toggle<mdns::tokio::Behaviour>,
    relay_client: relay::client::Behaviour,
    dcutr: dcutr::Behaviour,
    autonat: autonat::Behaviour,
}

/// AutoNAT as a device runs it: it asks connected peers (a relay first) to dial it back, and
/// answers their probes within tight bounds. Private addresses are allowed: a school's or a
/// family's network is one, and a dial-back only ever goes to the address the asking peer was
/// observed at (libp2p checks it).
pub(crate) fn autonat_config() -> autonat::Config {
    autonat::Config {
        boot_delay: Duration::from_secs(5),
        retry_interval: Duration::from_secs(60),
        throttle_server_period: Duration::from_secs(30),
        throttle_clients_global_max: 8,
        throttle_clients_peer_max: 1,
        throttle_clients_period: Duration::from_secs(10),
        only_global_ips: false,
        ..autonat::Config::default()
    }
}

/// One relay of the configuration and its listener, if live.
struct RelaySlot {
    /// `<relay>/p2p-circuit`.
    circuit: Multiaddr,
    /// The relay as configured.
    relay: Multiaddr,
    listener: Option<ListenerId>,
}

/// A dial the task started on behalf of `connect`.
enum Attempt {
    /// A dial of the peer itself.
    Peer(PeerId),
    /// A dial of a relay known only by its address (a compact relayed address), to learn its id
    /// before dialing `target` through it.
    Resolve { target: PeerId, base: Multiaddr },
}

impl Attempt {
    fn target(&self) -> PeerId {
        match self {
            Attempt::Peer(p) | Attempt::Resolve { target: p, .. } => *p,
        }
    }
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
    /// The direct addresses had their head start: dial the relayed ones too.
    DialRelayed {
        peer: PeerId,
    },
    Shutdown,
}

/// State the handle reads without asking the task.
#[derive(Default)]
struct Shared {
    listen_addrs: Vec<Multiaddr>,
    connected: HashSet<PeerId>,
    /// Open connections per peer that do not go through a relay.
    direct: HashMap<PeerId, usize>,
    /// What each peer last announced through identify (its listen addresses).
    identified: HashMap<PeerId, Vec<Multiaddr>>,
    reachability: Option<Reachability>,
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
        let identify = identify::Behaviour::new(
            identify::Config::new(IDENTIFY_PROTOCOL.to_string(), keypair.public())
                .with_agent_version(crate::agent_version()),
        );

        let mut swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
            .with_tokio()
            .with_tcp(
                tcp::Config::default().nodelay(true),
                noise::Config::new,
                yamux::Config::default,
            )
            .map_err(|e| NetError::Setup(e.to_string()))?
            .with_relay_client(noise::Config::new, yamux::Config::default)
            .map_err(|e| NetError::Setup(e.to_string()))?
            .with_behaviour(|_, relay_client| Behaviour {
                stream: libp2p_stream::Behaviour::new(),
                identify,
                ping: ping::Behaviour::default(),
                mdns: Toggle::from(mdns),
                relay_client,
                dcutr: dcutr::Behaviour::new(peer_id),
                autonat: autonat::Behaviour::new(peer_id, autonat_config()),
            })
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
            relays: config
                .relays
                .iter()
                .map(|r| RelaySlot {
                    circuit: strip_circuit(r).with(Protocol::P2pCircuit),
                    relay: r.clone(),
                    listener: None,
                })
                .collect(),
            relay_ids: HashMap::new(),
            attempts: HashMap::new(),
            deferred: HashMap::new(),
            commands: commands_tx.downgrade(),
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

        // Reservations on the relays: after the TCP listeners, so that the connections to the
        // relays leave from the listening port (what hole punching needs).
        task.hold_relays();
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

    /// Whether at least one open connection with `peer` is direct (not through a relay).
    pub fn is_direct(&self, peer: &PeerId) -> bool {
        lock(&self.inner.shared)
            .direct
            .get(peer)
            .is_some_and(|n| *n > 0)
    }

    /// The addresses `peer` announced (identify) on its last connection with this node:
    /// where it listens, its relayed addresses included. Empty if it announced none.
    pub fn peer_addresses(&self, peer: &PeerId) -> Vec<Multiaddr> {
        lock(&self.inner.shared)
            .identified
            .get(peer)
            .cloned()
            .unwrap_or_default()
    }

    /// What AutoNAT found of this node's reachability so far.
    pub fn reachability(&self) -> Reachability {
        lock(&self.inner.shared)
            .reachability
            .clone()
            .unwrap_or(Reachability::Unknown)
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
                let mut stream = self
                    .connect_stream(peer, &addrs, StreamProtocol::new(SYNC_PROTOCOL), &mut tries)
                    .await?;
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

    /// Opens a stream of `protocol` with `peer` (connecting first, as [`Node::open_session`]
    /// does): for protocols beside the sync, such as a relay's mailbox.
    pub(crate) async fn open_protocol_stream(
        &self,
        peer: PeerId,
        addrs: Vec<Multiaddr>,
        protocol: StreamProtocol,
    ) -> Result<libp2p::Stream, NetError> {
        if peer == self.inner.peer_id {
            return Err(NetError::SelfDial);
        }
        let mut tries = 0u32;
        let attempt = self.connect_stream(peer, &addrs, protocol, &mut tries);
        match tokio::time::timeout(OPEN_SESSION_TIMEOUT, attempt).await {
            Ok(r) => r,
            Err(_) => Err(NetError::ConnectTimeout(peer)),
        }
    }

    /// Connects to `peer` if needed and opens a stream of `protocol`, trying again (up to
    /// [`OPEN_SESSION_TRIES`] in all, counted in `tries`) when the stream fails to open: e.g.
    /// the connection closed between the dial and the stream (libp2p-stream then dials with
    /// no address).
    async fn connect_stream(
        &self,
        peer: PeerId,
        addrs: &[Multiaddr],
        protocol: StreamProtocol,
        tries: &mut u32,
    ) -> Result<libp2p::Stream, NetError> {
        loop {
            *tries += 1;
            let (reply, answer) = oneshot::channel();
            self.inner
                .commands
                .send(Command::Connect {
                    peer,
                    addrs: addrs.to_vec(),
                    reply,
                })
                .await
                .map_err(|_| NetError::NodeStopped)?;
            answer.await.map_err(|_| NetError::NodeStopped)??;
            let mut control = self.inner.control.clone();
            match control.open_stream(peer, protocol.clone()).await {
                Ok(stream) => return Ok(stream),
                Err(libp2p_stream::OpenStreamError::UnsupportedProtocol(_)) => {
                    return Err(NetError::UnsupportedProtocol(peer))
                }
                Err(e) if *tries < OPEN_SESSION_TRIES => {
                    let tries = *tries;
                    tracing::debug!(%peer, tries, "opening a stream failed, retrying: {e}");
                    tokio::time::sleep(Duration::from_millis(20 * u64::from(tries))).await;
                }
                Err(e) => {
                    return Err(NetError::OpenStream {
                        peer,
                        reason: e.to_string(),
                    })
                }
            }
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
    /// The relays to hold a reservation on.
    relays: Vec<RelaySlot>,
    /// Relay ids learnt by dialing a compact relayed address's relay (address → id).
    relay_ids: HashMap<Multiaddr, PeerId>,
    /// Dials started by `connect`, to answer its waiters once none is left.
    attempts: HashMap<ConnectionId, Attempt>,
    /// A peer's relayed addresses, dialed once its direct ones failed or had their head start.
    deferred: HashMap<PeerId, Vec<Multiaddr>>,
    /// To wake itself when a head start is over (weak: the handles own the channel).
    commands: mpsc::WeakSender<Command>,
}

impl Task {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut relay_tick = tokio::time::interval(RELAY_RETRY);
        relay_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                _ = relay_tick.tick() => self.hold_relays(),
                command = commands.recv() => match command {
                    Some(Command::Connect { peer, addrs, reply }) => self.connect(peer, addrs, reply),
                    Some(Command::Disconnect { peer, reply }) => self.disconnect(peer, reply),
                    Some(Command::DialRelayed { peer }) => {
                        self.dial_deferred(peer);
                    }
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
        // A compact relayed address names the relay by its address only: its id is learnt by
        // dialing it first (Noise tells it), then the peer is dialed through it.
        let mut complete = Vec::new();
        for addr in addrs {
            if !needs_relay_id(&addr) {
                complete.push(addr);
                continue;
            }
            let base = strip_circuit(&addr);
            match self.relay_ids.get(&base) {
                Some(relay) => {
                    complete.push(base.with(Protocol::P2p(*relay)).with(Protocol::P2pCircuit))
                }
                None => complete.push(addr),
            }
        }
        self.remember(peer, &complete);
        if self.swarm.is_connected(&peer) {
            let _ = reply.send(Ok(()));
            return;
        }
        // Direct addresses first; relayed ones after a head start, or as soon as the direct
        // ones failed.
        let (relayed, direct): (Vec<Multiaddr>, Vec<Multiaddr>) = self
            .book
            .get(&peer)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .partition(is_relayed);
        let mut waiting = false;
        if !relayed.is_empty() {
            self.deferred.insert(peer, relayed);
            waiting = true;
        }
        let opts = DialOpts::peer_id(peer)
            .addresses(direct)
            .extend_addresses_through_behaviour()
            .condition(PeerCondition::DisconnectedAndNotDialing)
            .build();
        let id = opts.connection_id();
        match self.swarm.dial(opts) {
            Ok(()) => {
                self.attempts.insert(id, Attempt::Peer(peer));
                if waiting {
                    let commands = self.commands.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(RELAY_HEAD_START).await;
                        if let Some(c) = commands.upgrade() {
                            let _ = c.send(Command::DialRelayed { peer }).await;
                        }
                    });
                }
            }
            Err(DialError::DialPeerConditionFalse(_)) => {}
            Err(e) if waiting => {
                tracing::debug!(%peer, "no direct dial ({e}); through the relay");
                self.dial_deferred(peer);
            }
            Err(e) => {
                let _ = reply.send(Err(dial_error(peer, e)));
                return;
            }
        }
        let waiters = self.pending_connects.entry(peer).or_default();
        waiters.retain(|w| !w.is_closed());
        waiters.push(reply);
    }

    /// Dials `peer`'s deferred relayed addresses (compact ones through their relay first);
    /// whether a dial started.
    fn dial_deferred(&mut self, peer: PeerId) -> bool {
        let Some(relayed) = self.deferred.remove(&peer) else {
            return false;
        };
        if self.swarm.is_connected(&peer) {
            return false;
        }
        let mut started = false;
        let mut full = Vec::new();
        for addr in relayed {
            if !needs_relay_id(&addr) {
                full.push(addr);
                continue;
            }
            let base = strip_circuit(&addr);
            match self.relay_ids.get(&base) {
                Some(relay) => {
                    full.push(base.with(Protocol::P2p(*relay)).with(Protocol::P2pCircuit))
                }
                None => started |= self.resolve(peer, base),
            }
        }
        full.dedup();
        if !full.is_empty() {
            let opts = DialOpts::peer_id(peer)
                .addresses(full)
                .condition(PeerCondition::Disconnected)
                .build();
            let id = opts.connection_id();
            match self.swarm.dial(opts) {
                Ok(()) => {
                    self.attempts.insert(id, Attempt::Peer(peer));
                    started = true;
                }
                Err(e) => tracing::debug!(%peer, "relayed dial: {e}"),
            }
        }
        started
    }

    /// Dials the relay at `base` (no id known) on behalf of `target`; whether a dial started.
    fn resolve(&mut self, target: PeerId, base: Multiaddr) -> bool {
        let opts = DialOpts::unknown_peer_id().address(base.clone()).build();
        let id = opts.connection_id();
        match self.swarm.dial(opts) {
            Ok(()) => {
                self.attempts.insert(id, Attempt::Resolve { target, base });
                true
            }
            Err(e) => {
                tracing::debug!(%base, "dialing a relay failed: {e}");
                false
            }
        }
    }

    /// A relay reached through a compact address answered as `relay`: dial `target` through it.
    fn resolved(&mut self, relay: PeerId, target: PeerId, base: Multiaddr) {
        if self.relay_ids.len() >= MAX_RELAY_IDS {
            self.relay_ids.clear();
        }
        self.relay_ids.insert(base.clone(), relay);
        let full = base.with(Protocol::P2p(relay)).with(Protocol::P2pCircuit);
        self.remember(target, std::slice::from_ref(&full));
        if self.swarm.is_connected(&target) || target == relay {
            return;
        }
        let opts = DialOpts::peer_id(target)
            .addresses(vec![full])
            .condition(PeerCondition::Disconnected)
            .build();
        let id = opts.connection_id();
        match self.swarm.dial(opts) {
            Ok(()) => {
                self.attempts.insert(id, Attempt::Peer(target));
            }
            Err(e) => self.dial_failed(target, &e),
        }
    }

    /// A dial for `peer` failed: its waiters are told once no other dial for it is left.
    fn dial_failed(&mut self, peer: PeerId, error: &DialError) {
        if self.swarm.is_connected(&peer) || self.attempts.values().any(|a| a.target() == peer) {
            return;
        }
        if self.dial_deferred(peer) {
            return;
        }
        if let Some(waiters) = self.pending_connects.remove(&peer) {
            let reason = error.to_string();
            for w in waiters {
                let e = match error {
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

    /// Listens through every relay that has no live listener (a reservation is asked, then
    /// renewed by libp2p while the connection lasts).
    fn hold_relays(&mut self) {
        for i in 0..self.relays.len() {
            if self.relays[i].listener.is_some() {
                continue;
            }
            let circuit = self.relays[i].circuit.clone();
            match self.swarm.listen_on(circuit) {
                Ok(id) => self.relays[i].listener = Some(id),
                Err(e) => {
                    let relay = self.relays[i].relay.clone();
                    tracing::debug!(%relay, "relay listener: {e}");
                    self.emit(NodeEvent::RelayLost {
                        relay,
                        reason: e.to_string(),
                    });
                }
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
                // A relayed address comes with this node's own id at its end.
                let address = strip_p2p(&address);
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
                let address = strip_p2p(&address);
                lock(&self.shared).listen_addrs.retain(|a| a != &address);
            }
            SwarmEvent::ListenerClosed {
                listener_id,
                addresses,
                reason,
            } => {
                let addresses: Vec<Multiaddr> = addresses.iter().map(strip_p2p).collect();
                lock(&self.shared)
                    .listen_addrs
                    .retain(|a| !addresses.contains(a));
                if let Some(slot) = self
                    .relays
                    .iter_mut()
                    .find(|s| s.listener == Some(listener_id))
                {
                    slot.listener = None;
                    let relay = slot.relay.clone();
                    let reason = match reason {
                        Ok(()) => "closed".to_string(),
                        Err(e) => e.to_string(),
                    };
                    tracing::info!(%relay, %reason, "relay reservation lost");
                    self.emit(NodeEvent::RelayLost { relay, reason });
                }
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                connection_id,
                endpoint,
                ..
            } => {
                tracing::debug!(peer = %peer_id, relayed = endpoint.is_relayed(), "connection established");
                match self.attempts.remove(&connection_id) {
                    Some(Attempt::Resolve { target, base }) => self.resolved(peer_id, target, base),
                    Some(Attempt::Peer(_)) | None => {}
                }
                self.deferred.remove(&peer_id);
                if !endpoint.is_relayed() {
                    *lock(&self.shared).direct.entry(peer_id).or_default() += 1;
                }
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
                endpoint,
                num_established,
                cause,
                ..
            } => {
                tracing::debug!(peer = %peer_id, ?cause, "connection closed");
                if !endpoint.is_relayed() {
                    let mut shared = lock(&self.shared);
                    if let Some(n) = shared.direct.get_mut(&peer_id) {
                        *n = n.saturating_sub(1);
                        if *n == 0 {
                            shared.direct.remove(&peer_id);
                        }
                    }
                }
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
                connection_id,
                peer_id,
                error,
            } => {
                let attempt = self.attempts.remove(&connection_id);
                let Some(peer) = peer_id.or_else(|| attempt.as_ref().map(Attempt::target)) else {
                    return;
                };
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
                self.dial_failed(peer, &error);
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
                let addrs: Vec<Multiaddr> = info
                    .listen_addrs
                    .iter()
                    .filter(|a| is_dialable(a))
                    .map(strip_p2p)
                    .take(MAX_IDENTIFIED_ADDRS)
                    .collect();
                let mut shared = lock(&self.shared);
                if shared.identified.contains_key(&peer_id)
                    || shared.identified.len() < MAX_BOOK_PEERS
                {
                    shared.identified.insert(peer_id, addrs);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::RelayClient(
                relay::client::Event::ReservationReqAccepted {
                    relay_peer_id,
                    renewal,
                    ..
                },
            )) => {
                tracing::info!(relay = %relay_peer_id, renewal, "relay reservation accepted");
                self.emit(NodeEvent::RelayReserved {
                    relay: relay_peer_id,
                    renewal,
                });
            }
            SwarmEvent::Behaviour(BehaviourEvent::Dcutr(dcutr::Event {
                remote_peer_id,
                result,
            })) => match result {
                Ok(_) => {
                    tracing::info!(peer = %remote_peer_id, "hole punching: direct connection");
                    self.emit(NodeEvent::HolePunched {
                        peer: remote_peer_id,
                    });
                }
                Err(e) => {
                    tracing::info!(peer = %remote_peer_id, "hole punching failed: {e}");
                    self.emit(NodeEvent::HolePunchFailed {
                        peer: remote_peer_id,
                        reason: e.to_string(),
                    });
                }
            },
            SwarmEvent::Behaviour(BehaviourEvent::Autonat(autonat::Event::StatusChanged {
                new,
                ..
            })) => {
                let status = match new {
                    autonat::NatStatus::Public(a) => Reachability::Public(a),
                    autonat::NatStatus::Private => Reachability::Private,
                    autonat::NatStatus::Unknown => Reachability::Unknown,
                };
                tracing::info!(?status, "AutoNAT");
                lock(&self.shared).reachability = Some(status.clone());
                self.emit(NodeEvent::Reachability(status));
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
        Protocol::Ip4(ip) => Some(ip.into()),
        Protocol::Ip6(ip) => Some(ip.into()),
        _ => None,
    })
}

/// Whether an address is a relayed one whose relay is named by its address only
/// (`/ip4/…/tcp/…/p2p-circuit`, the compact form invitations carry).
pub(crate) fn needs_relay_id(addr: &Multiaddr) -> bool {
    let mut before = None;
    for p in addr.iter() {
        if matches!(p, Protocol::P2pCircuit) {
            return !matches!(before, Some(Protocol::P2p(_)));
        }
        before = Some(p);
    }
    false
}

/// Whether an address goes through a relay.
fn is_relayed(addr: &Multiaddr) -> bool {
    addr.iter().any(|p| matches!(p, Protocol::P2pCircuit))
}

/// The address without its `/p2p-circuit` and what follows (the relay's own address).
fn strip_circuit(addr: &Multiaddr) -> Multiaddr {
    addr.iter()
        .take_while(|p| !matches!(p, Protocol::P2pCircuit))
        .collect()
}

/// Whether a peer's announced address is one this node could dial: an IP address over TCP,
/// maybe through a relay (the node resolves no names).
fn is_dialable(addr: &Multiaddr) -> bool {
    let mut it = addr.iter();
    matches!(it.next(), Some(Protocol::Ip4(_) | Protocol::Ip6(_)))
        && matches!(it.next(), Some(Protocol::Tcp(_)))
}

fn strip_p2p(addr: &Multiaddr) -> Multiaddr {
    let mut addr = addr.clone();
    if matches!(addr.iter().last(), Some(Protocol::P2p(_))) {
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
        NodeEvent::RelayReserved { .. } => "a relay reservation",
        NodeEvent::RelayLost { .. } => "a relay loss",
        NodeEvent::Reachability(_) => "a reachability change",
        NodeEvent::HolePunched { .. } => "a hole punch",
        NodeEvent::HolePunchFailed { .. } => "a failed hole punch",
    }
}
