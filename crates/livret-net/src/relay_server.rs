//! A relay node (circuit relay v2): lets devices behind NATs reach each other. It forwards
//! encrypted streams between two devices within bounds, answers AutoNAT probes, and stores
//! nothing, unless it runs a mailbox (`mailbox.rs`): then it keeps sealed letters for devices,
//! bounded, and serves `/livret/mailbox/1`.

use std::future::Future;
use std::time::Duration;

use futures::StreamExt as _;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{autonat, identify, noise, ping, relay, tcp, yamux, Multiaddr, PeerId};
use zeroize::Zeroizing;

use crate::keys::keypair_from_secret;
use crate::{NetError, IDENTIFY_PROTOCOL};

/// The bounds a relay applies: reservations, circuits, and what one circuit may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelayLimits {
    /// Reservations held at once, in all.
    pub max_reservations: usize,
    /// Reservations held at once by one device.
    pub max_reservations_per_peer: usize,
    /// How long a reservation lasts before the device must renew it.
    pub reservation_duration: Duration,
    /// Circuits open at once, in all.
    pub max_circuits: usize,
    /// Circuits open at once by one device.
    pub max_circuits_per_peer: usize,
    /// How long one circuit may stay open.
    pub max_circuit_duration: Duration,
    /// Bytes one circuit may carry (both directions together).
    pub max_circuit_bytes: u64,
}

impl Default for RelayLimits {
    /// 256 reservations (4 per device) of one hour; 64 circuits (8 per device), each for at
    /// most 10 minutes and 32 MiB: enough for a class's sync, little for anything else.
    fn default() -> Self {
        Self {
            max_reservations: 256,
            max_reservations_per_peer: 4,
            reservation_duration: Duration::from_secs(60 * 60),
            max_circuits: 64,
            max_circuits_per_peer: 8,
            max_circuit_duration: Duration::from_secs(10 * 60),
            max_circuit_bytes: 32 * 1024 * 1024,
        }
    }
}

/// How to start a relay.
#[derive(Clone)]
pub struct RelayConfig {
    /// The relay's ed25519 secret key (its identity, which devices name in its address).
    pub secret_key: Zeroizing<[u8; 32]>,
    /// Addresses to listen on (TCP).
    pub listen: Vec<Multiaddr>,
    /// Bounds.
    pub limits: RelayLimits,
    /// The mailbox, if this relay runs one.
    pub mailbox: Option<crate::MailboxConfig>,
}

impl std::fmt::Debug for RelayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayConfig")
            .field("secret_key", &"<redacted>")
            .field("listen", &self.listen)
            .field("limits", &self.limits)
            .field("mailbox", &self.mailbox)
            .finish()
    }
}

/// What a running relay tells its operator (no content: it has none to tell).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RelayEvent {
    /// The relay listens at this address (with `/p2p/<relay id>`): the address devices add.
    Listening(Multiaddr),
    /// A device's reservation was accepted or renewed; `reservations` are now held.
    Reserved {
        /// Reservations held now.
        reservations: usize,
    },
    /// A reservation ended (timed out or closed).
    ReservationEnded {
        /// Reservations held now.
        reservations: usize,
    },
    /// A circuit opened between two devices.
    CircuitOpened {
        /// Circuits open now.
        circuits: usize,
    },
    /// A circuit closed (or reached its bounds).
    CircuitClosed {
        /// Circuits open now.
        circuits: usize,
    },
    /// A request was refused (over a bound, or the destination holds no reservation).
    Denied {
        /// What was refused: `reservation` or `circuit`.
        what: &'static str,
    },
    /// The mailbox is open, holding this many letters and bytes.
    MailboxOpen {
        /// Letters waiting.
        letters: usize,
        /// Their bytes (sealed).
        bytes: u64,
    },
    /// A device deposited a letter.
    LetterDeposited,
    /// A device fetched the letters of its box.
    LettersFetched {
        /// How many.
        letters: usize,
    },
    /// A device acknowledged letters, which were deleted.
    LettersDeleted {
        /// How many.
        letters: usize,
    },
    /// Letters past the age limit were deleted.
    LettersExpired {
        /// How many.
        letters: usize,
    },
    /// The mailbox refused a request.
    MailboxRefused(crate::MailboxRefusal),
}

/// How often a mailbox deletes letters past the age limit.
const MAILBOX_EXPIRY_PERIOD: Duration = Duration::from_secs(10 * 60);

#[derive(NetworkBehaviour)]
struct RelayBehaviour {
    relay: relay::Behaviour,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    autonat: autonat::Behaviour,
    stream: libp2p_stream::Behaviour,
}

/// Runs a relay until `shutdown` resolves. `on_event` hears each [`RelayEvent`].
pub async fn run_relay(
    config: RelayConfig,
    shutdown: impl Future<Output = ()>,
    mut on_event: impl FnMut(RelayEvent),
) -> Result<PeerId, NetError> {
    let keypair = keypair_from_secret(&config.secret_key)?;
    let peer_id = keypair.public().to_peer_id();
    let limits = config.limits;
    let relay_config = relay::Config {
        max_reservations: limits.max_reservations,
        max_reservations_per_peer: limits.max_reservations_per_peer,
        reservation_duration: limits.reservation_duration,
        max_circuits: limits.max_circuits,
        max_circuits_per_peer: limits.max_circuits_per_peer,
        max_circuit_duration: limits.max_circuit_duration,
        max_circuit_bytes: limits.max_circuit_bytes,
        ..relay::Config::default()
    };
    let identify = identify::Behaviour::new(
        identify::Config::new(IDENTIFY_PROTOCOL.to_string(), keypair.public())
            .with_agent_version(format!("{}-relay", crate::agent_version())),
    );
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| NetError::Setup(e.to_string()))?
        .with_behaviour(|_| RelayBehaviour {
            relay: relay::Behaviour::new(peer_id, relay_config),
            identify,
            ping: ping::Behaviour::default(),
            autonat: autonat::Behaviour::new(
                peer_id,
                autonat::Config {
                    // A relay only answers probes; it does not probe itself.
                    use_connected: false,
                    ..crate::node::autonat_config()
                },
            ),
            stream: libp2p_stream::Behaviour::new(),
        })
        .map_err(|e| NetError::Setup(e.to_string()))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build();
    for addr in &config.listen {
        swarm
            .listen_on(addr.clone())
            .map_err(|e| NetError::Listen {
                addr: addr.to_string(),
                reason: e.to_string(),
            })?;
    }
    let (activity_tx, mut activity) = tokio::sync::mpsc::unbounded_channel();
    let mailbox = match &config.mailbox {
        Some(mailbox) => {
            let service = crate::mailbox::MailboxService::open(mailbox)?;
            let mut incoming = swarm
                .behaviour()
                .stream
                .new_control()
                .accept(libp2p::StreamProtocol::new(crate::MAILBOX_PROTOCOL))
                .map_err(|e| NetError::Setup(e.to_string()))?;
            let usage = service.usage();
            on_event(RelayEvent::MailboxOpen {
                letters: usage.letters,
                bytes: usage.bytes,
            });
            let serving = service.clone();
            let tx = activity_tx.clone();
            tokio::spawn(async move {
                while let Some((peer, stream)) = incoming.next().await {
                    let tx = tx.clone();
                    tokio::spawn(serving.clone().serve(peer, stream, move |a| {
                        let _ = tx.send(a);
                    }));
                }
            });
            Some(service)
        }
        None => None,
    };
    let mut expiry = tokio::time::interval(MAILBOX_EXPIRY_PERIOD);
    expiry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Loopback addresses are announced only by a relay that listens on loopback alone (tests).
    let loopback_only = config.listen.iter().all(is_loopback);
    let mut reserved: std::collections::HashSet<PeerId> = std::collections::HashSet::new();
    let mut circuits = 0usize;
    tokio::pin!(shutdown);
    loop {
        let event = tokio::select! {
            _ = &mut shutdown => break,
            event = swarm.select_next_some() => event,
            Some(a) = activity.recv() => {
                use crate::mailbox::MailboxActivity;
                on_event(match a {
                    MailboxActivity::Deposited => RelayEvent::LetterDeposited,
                    MailboxActivity::Fetched(letters) => RelayEvent::LettersFetched { letters },
                    MailboxActivity::Acknowledged(letters) => {
                        RelayEvent::LettersDeleted { letters }
                    }
                    MailboxActivity::Refused(why) => RelayEvent::MailboxRefused(why),
                });
                continue;
            }
            _ = expiry.tick(), if mailbox.is_some() => {
                if let Some(service) = &mailbox {
                    let letters = service.expire().await;
                    if letters > 0 {
                        on_event(RelayEvent::LettersExpired { letters });
                    }
                }
                continue;
            }
        };
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                // Reservations carry the relay's addresses: it announces where it listens.
                if loopback_only || !is_loopback(&address) {
                    swarm.add_external_address(address.clone());
                }
                on_event(RelayEvent::Listening(
                    address.with(libp2p::multiaddr::Protocol::P2p(peer_id)),
                ));
            }
            SwarmEvent::ListenerError { error, .. } => {
                tracing::warn!("relay listener: {error}");
            }
            SwarmEvent::ListenerClosed {
                addresses,
                reason: Err(e),
                ..
            } => {
                return Err(NetError::Listen {
                    addr: addresses
                        .iter()
                        .map(|a| a.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    reason: e.to_string(),
                });
            }
            SwarmEvent::Behaviour(RelayBehaviourEvent::Relay(e)) => match e {
                relay::Event::ReservationReqAccepted { src_peer_id, .. } => {
                    reserved.insert(src_peer_id);
                    on_event(RelayEvent::Reserved {
                        reservations: reserved.len(),
                    });
                }
                relay::Event::ReservationTimedOut { src_peer_id }
                | relay::Event::ReservationClosed { src_peer_id } => {
                    if reserved.remove(&src_peer_id) {
                        on_event(RelayEvent::ReservationEnded {
                            reservations: reserved.len(),
                        });
                    }
                }
                relay::Event::ReservationReqDenied { .. } => {
                    on_event(RelayEvent::Denied {
                        what: "reservation",
                    });
                }
                relay::Event::CircuitReqAccepted { .. } => {
                    circuits += 1;
                    on_event(RelayEvent::CircuitOpened { circuits });
                }
                relay::Event::CircuitClosed { .. } => {
                    circuits = circuits.saturating_sub(1);
                    on_event(RelayEvent::CircuitClosed { circuits });
                }
                relay::Event::CircuitReqDenied { .. } => {
                    on_event(RelayEvent::Denied { what: "circuit" });
                }
                other => tracing::debug!(?other, "relay"),
            },
            _ => {}
        }
    }
    Ok(peer_id)
}

fn is_loopback(addr: &Multiaddr) -> bool {
    use libp2p::multiaddr::Protocol;
    match addr.iter().next() {
        Some(Protocol::Ip4(ip)) => ip.is_loopback(),
        Some(Protocol::Ip6(ip)) => ip.is_loopback(),
        _ => false,
    }
}
