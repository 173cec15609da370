//! What needs the network: running the node (`serve`), accepting an invitation, syncing.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::Duration;

use libp2p::multiaddr::Protocol;
use livret_core::grant::InvitationView;
use livret_core::{DeviceId, GrantId, Role};
use livret_net::{Multiaddr, Node, NodeConfig, NodeEvent, PeerId, Reachability};
use tokio::sync::mpsc::Receiver;

use crate::audit::AuditAction;
use crate::device::{lock, Device, Relation, SharedDevice};
use crate::error::{Error, Result};
use crate::session::{self, RedeemPlan, SessionReport, Side};

/// The TCP port the node listens on by default, so invitations stay valid across restarts.
pub const DEFAULT_PORT: u16 = 4715;

/// The default listen address: every IPv4 interface, port [`DEFAULT_PORT`].
pub fn default_listen() -> Vec<Multiaddr> {
    format!("/ip4/0.0.0.0/tcp/{DEFAULT_PORT}")
        .parse()
        .map(|a| vec![a])
        .unwrap_or_default()
}

/// Options of a node.
#[derive(Debug, Clone)]
pub struct NodeOptions {
    /// Addresses to listen on.
    pub listen: Vec<Multiaddr>,
    /// Local discovery (mDNS).
    pub mdns: bool,
    /// Remember the listen addresses for invitations and hold a reservation on each relay of
    /// the device (only the long-running `serve` and `app` nodes; the short-lived nodes of
    /// `accept` and `sync` listen on ports nobody will dial).
    pub remember_addresses: bool,
}

/// Wraps a device for sharing between the node's tasks.
pub fn share(device: Device) -> SharedDevice {
    std::sync::Arc::new(std::sync::Mutex::new(device))
}

/// Starts this device's libp2p node. Its identity is the device key. The listen addresses are
/// remembered so that `invite` (maybe another process) can put them in invitations.
pub async fn start(
    dev: &SharedDevice,
    options: NodeOptions,
) -> Result<(Node, Receiver<NodeEvent>)> {
    let secret = lock(dev).secret_bytes();
    let mut config = NodeConfig::new(secret);
    config.listen = options.listen.clone();
    config.mdns = options.mdns;
    let remember = options.remember_addresses;
    if remember {
        config.relays = lock(dev).relays()?;
    }
    let (node, events) = Node::start(config).await?;
    if remember {
        let addrs: Vec<String> = node
            .listen_addrs()
            .iter()
            .map(|a| format!("{a}/p2p/{}", node.peer_id()))
            .collect();
        lock(dev).remember_addresses(&addrs)?;
    }
    Ok((node, events))
}

impl Device {
    pub(crate) fn remember_addresses(&mut self, addrs: &[String]) -> Result<()> {
        let json = serde_json::to_vec(addrs).map_err(|e| Error::Protocol(e.to_string()))?;
        self.store.put_record("node", "addresses", None, &json)?;
        Ok(())
    }

    /// The addresses the node listened on last (with /p2p/ suffix).
    pub fn known_addresses(&self) -> Result<Vec<String>> {
        Ok(match self.store.record("node", "addresses")? {
            Some(b) => serde_json::from_slice(&b).unwrap_or_default(),
            None => vec![],
        })
    }

    /// The addresses to put in an invitation (binary multiaddrs without /p2p): the last known
    /// direct listen addresses, non-loopback IPv4 first (two, or one when the device has a
    /// relay), then the compact relayed address through its first relay
    /// (`/ip4/…/tcp/…/p2p-circuit`, see [`crate::relay::compact_relayed`]), so that a device
    /// elsewhere reaches it too.
    pub fn invitation_addresses(&self) -> Result<Vec<Vec<u8>>> {
        let mut addrs: Vec<Multiaddr> = self
            .known_addresses()?
            .iter()
            .filter_map(|a| a.parse::<Multiaddr>().ok())
            .filter(|a| !a.iter().any(|p| matches!(p, Protocol::P2pCircuit)))
            .map(strip_p2p)
            .collect();
        addrs.sort_by_key(|a| a.to_string().starts_with("/ip4/127."));
        let relayed = self.relays()?.first().map(crate::relay::compact_relayed);
        let direct = if relayed.is_some() { 1 } else { 2 };
        Ok(addrs
            .into_iter()
            .take(direct)
            .chain(relayed)
            .map(|a| a.to_vec())
            .collect())
    }

    /// Remembers where `peer` said it listens (identify, at the end of a session): for each
    /// livret it owns that this device holds, its addresses become the first to dial (at most
    /// [`MAX_PEER_ADDRESSES`] per peer are kept, the newest first); a colleague (a member of a
    /// team granted a livret this device holds as a member too) is remembered apart, once, so
    /// that `sync` dials it as it dials the family's devices ([`known_peers`]).
    pub fn remember_peer(&mut self, peer: &DeviceId, addrs: &[Multiaddr]) -> Result<()> {
        let Ok(peer_id) = livret_net::peer_id_from_public_key(&peer.0) else {
            return Ok(());
        };
        if addrs.is_empty() || *peer == self.device_id() {
            return Ok(());
        }
        let suffix = format!("/p2p/{peer_id}");
        // A loopback address reaches the peer only from its own machine. Beside a LAN or
        // relayed address it means this machine, not the peer (a teacher's laptop at home never
        // wants a colleague's 127.0.0.1): dropped. A peer that announced loopback addresses
        // only listens on loopback only (devices sharing one machine, as the tests and the
        // demo run them): there they are its only address, and elsewhere they fail at once.
        let loopback_only = addrs.iter().all(is_loopback);
        let fresh: Vec<String> = addrs
            .iter()
            .filter(|a| loopback_only || !is_loopback(a))
            .map(|a| format!("{}{suffix}", strip_p2p((*a).clone())))
            .collect();
        if fresh.is_empty() {
            return Ok(());
        }
        let me = self.device_id();
        let mut colleague = false;
        // Not every livret a teacher holds: those it owns and those the peer owns by their
        // metadata (as a session's policy finds them); all of them only when a roster this
        // device holds lists the peer, which may then be a colleague.
        let held = if self.knows_team_peer(peer)? {
            self.held_livrets()?
        } else {
            self.held_livrets_near(peer)?.0
        };
        for (livret, mut meta) in held {
            // The manifest is read only when the metadata does not tell (as before teams).
            let listed = meta.owners.contains(peer);
            let manifest = if listed {
                None
            } else {
                self.manifest(livret).ok()
            };
            let owner = listed || manifest.as_ref().is_some_and(|m| m.is_owner(peer));
            if !owner {
                colleague = colleague
                    || (meta.relation == Relation::Grantee
                        && manifest.as_ref().is_some_and(|m| {
                            livret_core::policy::ReadRules {
                                me,
                                now: self.now(),
                                holding: livret_core::policy::Holding::Grantee,
                                manifest: m,
                            }
                            .co_member(peer)
                        }));
                continue;
            }
            let peers = newest_first(&meta.peers, &fresh, &suffix);
            if peers != meta.peers {
                meta.peers = peers;
                self.put_meta(livret, &meta)?;
            }
        }
        if colleague {
            let held = self.colleague_addresses(peer)?;
            let kept = newest_first(&held, &fresh, &suffix);
            if kept != held {
                let json = serde_json::to_vec(&kept).map_err(|e| Error::Protocol(e.to_string()))?;
                self.store
                    .put_record(COLLEAGUE_ADDRESSES, &peer.to_string(), None, &json)?;
            }
        }
        Ok(())
    }

    /// Where a colleague was last reached (with `/p2p/` suffix), newest first.
    fn colleague_addresses(&self, peer: &DeviceId) -> Result<Vec<String>> {
        Ok(self
            .store
            .record(COLLEAGUE_ADDRESSES, &peer.to_string())?
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default())
    }

    /// The colleagues to dial: those remembered that are still members, with this device, of
    /// a live team grant of a livret it holds (a removed member, or a team whose grant ended,
    /// is no longer dialled). Each held livret's manifest is read at most once, and none when
    /// no colleague was ever met.
    fn colleagues_to_dial(&self) -> Result<Vec<(DeviceId, Vec<String>)>> {
        let mut candidates: Vec<(DeviceId, Vec<String>)> = Vec::new();
        for (id, _, bytes) in self.store.records(COLLEAGUE_ADDRESSES)? {
            let (Ok(key), Ok(addrs)) = (
                id.parse::<DeviceId>(),
                serde_json::from_slice::<Vec<String>>(&bytes),
            ) else {
                continue;
            };
            candidates.push((key, addrs));
        }
        if candidates.is_empty() {
            return Ok(candidates);
        }
        let me = self.device_id();
        let mut confirmed: BTreeSet<DeviceId> = BTreeSet::new();
        for (livret, meta) in self.held_livrets()? {
            if confirmed.len() == candidates.len() {
                break;
            }
            if meta.relation != Relation::Grantee {
                continue;
            }
            let Ok(manifest) = self.manifest(livret) else {
                continue;
            };
            if manifest.team_grants().next().is_none() {
                continue;
            }
            let rules = livret_core::policy::ReadRules {
                me,
                now: self.now(),
                holding: livret_core::policy::Holding::Grantee,
                manifest: &manifest,
            };
            for (key, _) in &candidates {
                if !confirmed.contains(key) && rules.co_member(key) {
                    confirmed.insert(*key);
                }
            }
        }
        candidates.retain(|(k, _)| confirmed.contains(k));
        Ok(candidates)
    }
}

/// `fresh` (the addresses one peer just announced, suffixed) first, then what `held` kept of
/// that peer (at most [`MAX_PEER_ADDRESSES`] in all), after the other peers' addresses.
fn newest_first(held: &[String], fresh: &[String], suffix: &str) -> Vec<String> {
    let (mine, others): (Vec<String>, Vec<String>) =
        held.iter().cloned().partition(|a| a.ends_with(suffix));
    let mut kept: Vec<String> = fresh.to_vec();
    for a in mine {
        if !kept.contains(&a) {
            kept.push(a);
        }
    }
    kept.truncate(MAX_PEER_ADDRESSES);
    others.into_iter().chain(kept).collect()
}

/// The store kind of the addresses of the colleagues met (id: the colleague's device id).
const COLLEAGUE_ADDRESSES: &str = "colleague-addresses";

fn is_loopback(addr: &Multiaddr) -> bool {
    match addr.iter().next() {
        Some(Protocol::Ip4(ip)) => ip.is_loopback(),
        Some(Protocol::Ip6(ip)) => ip.is_loopback(),
        _ => false,
    }
}

/// The addresses kept per owner device in a livret's metadata.
pub const MAX_PEER_ADDRESSES: usize = 8;

/// The address without its trailing `/p2p/<peer>` (a relay's id inside it is kept).
fn strip_p2p(mut addr: Multiaddr) -> Multiaddr {
    if matches!(addr.iter().last(), Some(Protocol::P2p(_))) {
        addr.pop();
    }
    addr
}

/// Splits `/ip4/…/tcp/…/p2p/PEER` into the peer and its address.
pub fn parse_peer_address(text: &str) -> Result<(PeerId, Multiaddr)> {
    let addr: Multiaddr = text
        .trim()
        .parse()
        .map_err(|_| Error::BadAddress(text.to_string()))?;
    let peer = match addr.iter().last() {
        Some(Protocol::P2p(id)) => Some(id),
        _ => None,
    };
    match peer {
        Some(p) => Ok((p, strip_p2p(addr))),
        None => Err(Error::BadAddress(text.to_string())),
    }
}

/// Answers one incoming session.
pub async fn answer(dev: SharedDevice, mut s: livret_net::Session) -> Result<SessionReport> {
    let report = session::run(dev, &mut s, Side::Answerer).await;
    let _ = s.close().await;
    report
}

/// Dials a peer and syncs every livret both hold that concerns the other.
pub async fn sync_with(
    dev: &SharedDevice,
    node: &Node,
    peer: PeerId,
    addrs: Vec<Multiaddr>,
) -> Result<SessionReport> {
    let mut s = node.open_session(peer, addrs).await?;
    let report = session::run(dev.clone(), &mut s, Side::Dialer(None)).await;
    let _ = s.close().await;
    remember_addresses_of(dev, node, peer);
    report
}

/// Keeps what `peer` announced of its addresses (identify) for the livrets it owns here.
fn remember_addresses_of(dev: &SharedDevice, node: &Node, peer: PeerId) {
    let addrs = node.peer_addresses(&peer);
    let Some(key) = livret_net::public_key_from_peer_id(&peer) else {
        return;
    };
    if let Err(e) = lock(dev).remember_peer(&DeviceId(key), &addrs) {
        tracing::warn!(%peer, "remembering the peer's addresses: {e}");
    }
}

/// Accepts an invitation (its text form): dials the family device it names, proves the
/// one-time secret, receives the grant and syncs the granted sections.
pub async fn accept(
    dev: &SharedDevice,
    node: &Node,
    invitation: &str,
    class: Option<&str>,
) -> Result<SessionReport> {
    let bytes = InvitationView::bytes_from_text(invitation)?;
    let view = InvitationView::open(&bytes)?;
    let class = class
        .map(|c| livret_core::vocab::Division::parse(c).map(|d| d.as_str().to_string()))
        .transpose()?;
    {
        let d = lock(dev);
        if d.now() >= view.expires_at {
            return Err(Error::InvitationExpired);
        }
        match (view.rights, d.role()) {
            (r, Role::Family) if r.makes_owner() => {}
            (r, _) if r.makes_owner() => {
                return Err(Error::WrongRole {
                    needed: Role::Family,
                    actual: d.role(),
                })
            }
            (_, Role::Teacher | Role::Jury) => {}
            (_, r) => {
                return Err(Error::WrongRole {
                    needed: Role::Teacher,
                    actual: r,
                })
            }
        }
        if d.meta(view.livret).is_ok() {
            return Err(Error::NotAuthorized(
                "ce livret est déjà sur cet appareil".into(),
            ));
        }
    }
    let peer = livret_net::peer_id_from_public_key(&view.issuer.0)?;
    let addrs: Vec<Multiaddr> = view
        .addresses
        .iter()
        .filter_map(|b| Multiaddr::try_from(b.clone()).ok())
        .collect();
    if addrs.is_empty() {
        return Err(Error::Protocol(
            "l'invitation ne contient aucune adresse utilisable".into(),
        ));
    }
    let peer_addrs = addrs.iter().map(|a| format!("{a}/p2p/{peer}")).collect();
    let plan = RedeemPlan {
        invitation: view,
        class,
        peer_addrs,
    };
    let mut s = node.open_session(peer, addrs).await?;
    let report = session::run(dev.clone(), &mut s, Side::Dialer(Some(plan))).await;
    let _ = s.close().await;
    remember_addresses_of(dev, node, peer);
    report
}

/// The peers this device knows to dial for its livrets: the owners' addresses it recorded,
/// and the colleagues of its teams it met (see [`Device::remember_peer`]).
pub fn known_peers(dev: &SharedDevice) -> Result<Vec<(PeerId, Vec<Multiaddr>)>> {
    let d = lock(dev);
    let mut out: Vec<(PeerId, Vec<Multiaddr>)> = Vec::new();
    let mut add = |a: &String| {
        if let Ok((p, addr)) = parse_peer_address(a) {
            match out.iter_mut().find(|(q, _)| *q == p) {
                Some((_, v)) => {
                    if !v.contains(&addr) {
                        v.push(addr)
                    }
                }
                None => out.push((p, vec![addr])),
            }
        }
    };
    for (_, meta) in d.held_livrets()? {
        meta.peers.iter().for_each(&mut add);
    }
    for (_, addrs) in d.colleagues_to_dial()? {
        addrs.iter().for_each(&mut add);
    }
    Ok(out)
}

/// Whether `peer` concerns any livret of this device (an owner of one I hold, or a live
/// grantee or owner of one I own): only those are dialled on discovery.
fn concerns(dev: &Device, peer: &DeviceId) -> bool {
    let Ok(held) = dev.held_livrets() else {
        return false;
    };
    held.iter().any(|(l, meta)| match dev.manifest(*l) {
        Ok(m) => match meta.relation {
            Relation::Owner => {
                m.is_owner(peer)
                    || !m.live_grants_for(peer, dev.now()).is_empty()
                    || !m.live_team_grants_for(peer, dev.now()).is_empty()
            }
            // A colleague of a team granted the livret: members sync with each other.
            Relation::Grantee => {
                m.is_owner(peer)
                    || livret_core::policy::ReadRules {
                        me: dev.device_id(),
                        now: dev.now(),
                        holding: livret_core::policy::Holding::Grantee,
                        manifest: &m,
                    }
                    .co_member(peer)
            }
        },
        Err(_) => false,
    })
}

/// Whether `peer` held grants to livrets this device owns and none is live any more
/// (revoked or expired): its connections are closed.
fn access_ended(dev: &Device, peer: &DeviceId) -> bool {
    let Ok(held) = dev.held_livrets() else {
        return false;
    };
    let mut had = false;
    for (l, meta) in &held {
        if meta.relation != Relation::Owner {
            continue;
        }
        let Ok(m) = dev.manifest(*l) else { continue };
        let now = dev.now();
        if m.is_owner(peer)
            || !m.live_grants_for(peer, now).is_empty()
            || livret_core::policy::may_still_send(&m, peer, now)
        {
            return false;
        }
        had |= m.grants().any(|g| g.audience_id() == *peer);
    }
    had
}

/// The peers this device knows: the owners of every livret it holds and every device that holds
/// or held a grant to one it owns. The node admits their sessions apart from strangers'.
fn known_peer_ids(dev: &Device) -> Vec<PeerId> {
    let Ok(held) = dev.held_livrets() else {
        return vec![];
    };
    let mut keys: std::collections::BTreeSet<DeviceId> = std::collections::BTreeSet::new();
    for (l, meta) in &held {
        keys.extend(meta.owners.iter().copied());
        if let Ok(m) = dev.manifest(*l) {
            keys.extend(m.owners().keys().copied());
            if meta.relation == Relation::Owner {
                keys.extend(m.grants().map(|g| g.audience_id()));
            }
            // The members of every team granted (on a member, its colleagues too).
            for g in m.team_grants() {
                if let Some(r) = m.roster_of(g) {
                    keys.extend(r.members.iter().map(|x| x.device()));
                }
            }
        }
    }
    keys.remove(&dev.device_id());
    keys.iter()
        .filter_map(|k| livret_net::peer_id_from_public_key(&k.0).ok())
        .collect()
}

/// The grants of livrets this device owns that were revoked, with their audience.
fn revoked_grants(dev: &Device) -> BTreeMap<GrantId, DeviceId> {
    let mut out = BTreeMap::new();
    let Ok(held) = dev.held_livrets() else {
        return out;
    };
    for (l, meta) in &held {
        if meta.relation != Relation::Owner {
            continue;
        }
        let Ok(m) = dev.manifest(*l) else { continue };
        for g in m.grants() {
            if m.revocation_of(g).is_some() {
                out.insert(g.grant_id(), g.audience_id());
            }
        }
    }
    out
}

/// How long a peer whose access ended may stay connected: the time for the session that tells
/// it so to end by itself.
const ENDED_GRACE: Duration = Duration::from_secs(10);

/// What the node tells about its paths to other devices (relays, reachability, hole punching),
/// for `serve` to print.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetNotice {
    /// A relay holds (or renewed) a reservation for this device.
    RelayReserved {
        /// The relay's peer id.
        relay: String,
        /// A renewal.
        renewal: bool,
    },
    /// A relay could not be reached or its reservation was lost (asked again every 30 s).
    RelayLost {
        /// The relay's address.
        relay: String,
        /// Why.
        reason: String,
    },
    /// AutoNAT: whether other devices can dial this one directly (`None`: not known yet).
    Reachable(Option<bool>),
    /// A relayed connection with this device became direct (hole punching).
    Direct {
        /// The peer.
        peer: String,
    },
    /// Hole punching failed: sessions with this peer go through the relay.
    StillRelayed {
        /// The peer.
        peer: String,
        /// Why.
        reason: String,
    },
}

/// The notice a node event gives, if any.
pub fn notice_of(event: &NodeEvent) -> Option<NetNotice> {
    Some(match event {
        NodeEvent::RelayReserved { relay, renewal } => NetNotice::RelayReserved {
            relay: relay.to_string(),
            renewal: *renewal,
        },
        NodeEvent::RelayLost { relay, reason } => NetNotice::RelayLost {
            relay: relay.to_string(),
            reason: reason.clone(),
        },
        NodeEvent::Reachability(r) => NetNotice::Reachable(match r {
            Reachability::Public(_) => Some(true),
            Reachability::Private => Some(false),
            _ => None,
        }),
        NodeEvent::HolePunched { peer } => NetNotice::Direct {
            peer: peer.to_string(),
        },
        NodeEvent::HolePunchFailed { peer, reason } => NetNotice::StillRelayed {
            peer: peer.to_string(),
            reason: reason.clone(),
        },
        _ => return None,
    })
}

/// Runs the node until `shutdown` resolves: answers sessions, syncs with discovered peers that
/// concern this device, closes connections of peers whose access ended or one of whose grants
/// was just revoked (the sessions that used it end with them), purges expired grants.
pub async fn serve(
    dev: SharedDevice,
    node: Node,
    events: Receiver<NodeEvent>,
    shutdown: impl Future<Output = ()>,
    on_report: impl Fn(Result<SessionReport>) + Send + Sync + 'static,
) -> Result<()> {
    serve_with(dev, node, events, shutdown, on_report, |n| {
        tracing::info!(?n, "network");
    })
    .await
}

/// [`serve`], telling `on_notice` of relays, reachability and hole punching as they happen.
pub async fn serve_with(
    dev: SharedDevice,
    node: Node,
    mut events: Receiver<NodeEvent>,
    shutdown: impl Future<Output = ()>,
    on_report: impl Fn(Result<SessionReport>) + Send + Sync + 'static,
    on_notice: impl Fn(NetNotice),
) -> Result<()> {
    let on_report = std::sync::Arc::new(on_report);
    node.set_known_peers(known_peer_ids(&lock(&dev)));
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    let mut revoked_seen = revoked_grants(&lock(&dev));
    // Peers whose access ended, since when they are seen connected so: their connection is
    // closed only after `ENDED_GRACE`, so that the session telling them (the revocation or
    // deletion notice) has time to end by itself; a just-revoked grant closes at once.
    let mut ended_since: BTreeMap<PeerId, tokio::time::Instant> = BTreeMap::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            ev = events.recv() => match ev {
                None => break,
                Some(NodeEvent::IncomingSession(s)) => {
                    let (dev, node, cb) = (dev.clone(), node.clone(), on_report.clone());
                    tokio::spawn(async move {
                        let peer = s.peer();
                        let report = answer(dev.clone(), s).await;
                        remember_addresses_of(&dev, &node, peer);
                        cb(report)
                    });
                }
                Some(NodeEvent::PeerDiscovered { peer, addrs }) => {
                    let Some(key) = livret_net::public_key_from_peer_id(&peer) else { continue };
                    if !concerns(&lock(&dev), &DeviceId(key)) { continue; }
                    let (dev, node, cb) = (dev.clone(), node.clone(), on_report.clone());
                    tokio::spawn(async move { cb(sync_with(&dev, &node, peer, addrs).await) });
                }
                Some(event) => {
                    if let Some(n) = notice_of(&event) { on_notice(n); }
                }
            },
            _ = tick.tick() => {
                let to_close: Vec<PeerId> = {
                    let mut d = lock(&dev);
                    if let Err(e) = d.purge() { tracing::warn!("purge: {e}"); }
                    node.set_known_peers(known_peer_ids(&d));
                    let revoked = revoked_grants(&d);
                    let newly: BTreeSet<DeviceId> = revoked
                        .iter()
                        .filter(|(g, _)| !revoked_seen.contains_key(*g))
                        .map(|(_, a)| *a)
                        .collect();
                    revoked_seen = revoked;
                    let now = tokio::time::Instant::now();
                    let connected = node.connected_peers();
                    ended_since.retain(|p, _| connected.contains(p));
                    let close: Vec<(PeerId, DeviceId)> = connected.into_iter().filter_map(|p| {
                        let k = DeviceId(livret_net::public_key_from_peer_id(&p)?);
                        let ended = if access_ended(&d, &k) {
                            now.duration_since(*ended_since.entry(p).or_insert(now)) >= ENDED_GRACE
                        } else {
                            ended_since.remove(&p);
                            false
                        };
                        (newly.contains(&k) || ended).then_some((p, k))
                    }).collect();
                    for (_, k) in close.iter().filter(|(_, k)| newly.contains(k)) {
                        d.audit_event(None, Some(k), None, AuditAction::Session, false,
                            "autorisation révoquée : connexions de cet appareil fermées");
                    }
                    close.into_iter().map(|(p, _)| p).collect()
                };
                for p in to_close { node.disconnect(p).await; }
            }
        }
    }
    node.shutdown().await;
    Ok(())
}
