//! Loopback tests of the transport (127.0.0.1 only, mDNS off).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use libp2p::identity::Keypair;
use livret_net::{
    peer_id_from_public_key, peer_id_from_secret_key, public_key_from_peer_id, Limits, Multiaddr,
    NetError, Node, NodeConfig, NodeEvent, PeerId, Session,
};
use tokio::sync::mpsc::Receiver;
use zeroize::Zeroizing;

const WAIT: Duration = Duration::from_secs(10);

fn config(seed: u8, limits: Limits) -> NodeConfig {
    NodeConfig {
        secret_key: Zeroizing::new([seed; 32]),
        listen: vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()],
        mdns: false,
        limits,
        relays: vec![],
    }
}

async fn node(seed: u8) -> (Node, Receiver<NodeEvent>) {
    Node::start(config(seed, Limits::default())).await.unwrap()
}

fn public_key(seed: u8) -> [u8; 32] {
    let kp = Keypair::ed25519_from_bytes([seed; 32]).unwrap();
    kp.public().try_into_ed25519().unwrap().to_bytes()
}

/// Waits for the next incoming session, skipping other events.
async fn incoming(events: &mut Receiver<NodeEvent>) -> Session {
    tokio::time::timeout(WAIT, async {
        loop {
            match events.recv().await.expect("event channel closed") {
                NodeEvent::IncomingSession(s) => return s,
                _ => continue,
            }
        }
    })
    .await
    .expect("no incoming session")
}

fn loopback_only(addrs: &[Multiaddr]) {
    assert!(!addrs.is_empty());
    for a in addrs {
        let s = a.to_string();
        assert!(s.starts_with("/ip4/127.0.0.1/tcp/"), "{s}");
        assert!(!s.contains("/p2p/"), "{s}");
    }
}

#[tokio::test]
async fn frames_go_both_ways_and_peers_are_authenticated() {
    let (a, _ea) = node(1).await;
    let (b, mut eb) = node(2).await;
    loopback_only(&a.listen_addrs());
    loopback_only(&b.listen_addrs());
    assert_eq!(
        b.peer_id(),
        peer_id_from_public_key(&public_key(2)).unwrap()
    );
    assert_eq!(
        a.peer_id(),
        peer_id_from_secret_key(&Zeroizing::new([1u8; 32])).unwrap()
    );

    let mut sa = a.open_session(b.peer_id(), b.listen_addrs()).await.unwrap();
    assert_eq!(sa.peer(), b.peer_id());
    sa.send(b"bonjour").await.unwrap();
    let mut sb = incoming(&mut eb).await;
    assert_eq!(sb.peer(), a.peer_id());
    assert_eq!(sb.peer(), peer_id_from_public_key(&public_key(1)).unwrap());
    assert_eq!(sb.recv().await.unwrap().unwrap(), b"bonjour");

    sb.send(b"").await.unwrap();
    let big = vec![7u8; 1024 * 1024];
    // A large frame needs the reader to make progress (flow control).
    let (sent, got) = tokio::join!(sb.send(&big), async {
        let empty = sa.recv().await.unwrap().unwrap();
        (empty, sa.recv().await.unwrap().unwrap())
    });
    sent.unwrap();
    assert_eq!(got.0, b"");
    assert_eq!(got.1, big);

    assert_eq!(sa.bytes_sent(), 4 + 7);
    assert_eq!(sb.bytes_received(), 4 + 7);
    // The acceptor's one-byte status opens the session.
    assert_eq!(sb.bytes_sent(), 1 + 4 + 4 + 1024 * 1024);
    assert_eq!(sa.bytes_received(), sb.bytes_sent());

    // A clean close is a clean end of stream.
    sa.close().await.unwrap();
    assert!(sb.recv().await.unwrap().is_none());

    assert!(a.connected_peers().contains(&b.peer_id()));
    assert!(b.connected_peers().contains(&a.peer_id()));
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn oversized_frames_are_refused_and_node_keeps_working() {
    let small = Limits {
        max_frame_bytes: 1024,
        ..Limits::default()
    };
    let (a, _ea) = Node::start(config(3, Limits::default())).await.unwrap();
    let (b, mut eb) = Node::start(config(4, small)).await.unwrap();

    // A (limit 4 MiB) sends 2000 bytes to B (limit 1 KiB).
    let mut sa = a.open_session(b.peer_id(), b.listen_addrs()).await.unwrap();
    sa.send(&[0u8; 2000]).await.unwrap();
    let mut sb = incoming(&mut eb).await;
    match sb.recv().await {
        Err(NetError::FrameTooLarge {
            len: 2000,
            max: 1024,
        }) => {}
        other => panic!("expected FrameTooLarge, got {other:?}"),
    }
    assert!(matches!(sb.recv().await, Err(NetError::SessionBroken)));
    drop(sb);

    // Another session from the same peer works.
    let mut sa2 = a.open_session(b.peer_id(), vec![]).await.unwrap();
    sa2.send(b"ok").await.unwrap();
    let mut sb2 = incoming(&mut eb).await;
    assert_eq!(sb2.recv().await.unwrap().unwrap(), b"ok");
    drop(sa2);
    drop(sb2);

    // The sender refuses too.
    let mut sb_out = b.open_session(a.peer_id(), a.listen_addrs()).await.unwrap();
    assert!(matches!(
        sb_out.send(&[0u8; 1025]).await,
        Err(NetError::FrameTooLarge {
            len: 1025,
            max: 1024
        })
    ));
    drop(sb_out);

    // A new session works afterwards.
    let mut sa3 = a.open_session(b.peer_id(), b.listen_addrs()).await.unwrap();
    sa3.send(b"encore").await.unwrap();
    let mut sb3 = incoming(&mut eb).await;
    assert_eq!(sb3.recv().await.unwrap().unwrap(), b"encore");
    sb3.send(b"oui").await.unwrap();
    assert_eq!(sa3.recv().await.unwrap().unwrap(), b"oui");
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn fifth_concurrent_session_is_refused() {
    let (a, _ea) = node(5).await;
    let (b, mut eb) = node(6).await;
    let mut open = Vec::new();
    for i in 0..4u8 {
        let mut sa = a.open_session(b.peer_id(), b.listen_addrs()).await.unwrap();
        sa.send(&[i]).await.unwrap();
        let mut sb = incoming(&mut eb).await;
        assert_eq!(sb.recv().await.unwrap().unwrap(), vec![i]);
        open.push((sa, sb));
    }
    // The fifth reaches B's node, which refuses it.
    let r = a.open_session(b.peer_id(), b.listen_addrs()).await;
    assert!(
        matches!(r, Err(NetError::TooManySessions(p)) if p == b.peer_id()),
        "{r:?}"
    );
    let none = tokio::time::timeout(Duration::from_millis(300), incoming(&mut eb)).await;
    assert!(none.is_err(), "a fifth session was delivered");

    // The four still work.
    for (i, (sa, sb)) in open.iter_mut().enumerate() {
        sb.send(&[i as u8]).await.unwrap();
        assert_eq!(sa.recv().await.unwrap().unwrap(), vec![i as u8]);
    }

    // Once one closes, a new one is accepted.
    let (_sa0, sb0) = open.remove(0);
    drop(sb0);
    let mut again = a.open_session(b.peer_id(), vec![]).await.unwrap();
    again.send(b"place libre").await.unwrap();
    let mut sb = incoming(&mut eb).await;
    assert_eq!(sb.recv().await.unwrap().unwrap(), b"place libre");
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn frame_over_receiver_limit_is_refused_after_the_prefix() {
    // C (limit 8 MiB) sends 4 MiB + 1 to B (default limit 4 MiB): B reads only
    // the prefix, refuses, and keeps serving others.
    let (b, mut eb) = node(8).await;
    let big = Limits {
        max_frame_bytes: 8 * 1024 * 1024,
        ..Limits::default()
    };
    let (c, _ec) = Node::start(config(9, big)).await.unwrap();
    let mut sc = c.open_session(b.peer_id(), b.listen_addrs()).await.unwrap();
    let frame = vec![1u8; Limits::DEFAULT_MAX_FRAME_BYTES + 1];
    let sending = tokio::spawn(async move {
        let r = sc.send(&frame).await;
        (sc, r)
    });
    let mut sb = incoming(&mut eb).await;
    match sb.recv().await {
        Err(NetError::FrameTooLarge { len, max }) => {
            assert_eq!(len, (Limits::DEFAULT_MAX_FRAME_BYTES + 1) as u64);
            assert_eq!(max, Limits::DEFAULT_MAX_FRAME_BYTES);
        }
        other => panic!("expected FrameTooLarge, got {other:?}"),
    }
    assert_eq!(sb.bytes_received(), 4);
    drop(sb);
    // The sender's write fails or completes; it does not hang.
    let (_sc, sent) = tokio::time::timeout(WAIT, sending).await.unwrap().unwrap();
    eprintln!("sender of the oversized frame got {sent:?}");
    let mut sc2 = c.open_session(b.peer_id(), vec![]).await.unwrap();
    sc2.send(b"toujours la").await.unwrap();
    let mut sb2 = incoming(&mut eb).await;
    assert_eq!(sb2.recv().await.unwrap().unwrap(), b"toujours la");
    c.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn wrong_expected_peer_fails() {
    let (a, _ea) = node(10).await;
    let (b, _eb) = node(11).await;
    let other = peer_id_from_public_key(&public_key(12)).unwrap();
    match a.open_session(other, b.listen_addrs()).await {
        Err(NetError::WrongPeer { expected, obtained }) => {
            assert_eq!(*expected, other);
            assert_eq!(*obtained, b.peer_id());
        }
        other => panic!("expected WrongPeer, got {other:?}"),
    }
    assert!(!a.connected_peers().contains(&b.peer_id()));
    // Nobody listening there: unreachable, quickly.
    let closed: Multiaddr = "/ip4/127.0.0.1/tcp/1".parse().unwrap();
    let r = a.open_session(b.peer_id(), vec![closed]).await;
    assert!(matches!(r, Err(NetError::Unreachable { .. })), "{r:?}");
    // No address at all.
    let r = a.open_session(other, vec![]).await;
    assert!(matches!(r, Err(NetError::Unreachable { .. })), "{r:?}");
    assert!(matches!(
        a.open_session(a.peer_id(), a.listen_addrs()).await,
        Err(NetError::SelfDial)
    ));
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn disconnect_closes_open_sessions() {
    let (a, _ea) = node(13).await;
    let (b, mut eb) = node(14).await;
    let mut sa = a.open_session(b.peer_id(), b.listen_addrs()).await.unwrap();
    sa.send(b"x").await.unwrap();
    let mut sb = incoming(&mut eb).await;
    assert_eq!(sb.recv().await.unwrap().unwrap(), b"x");

    b.disconnect(a.peer_id()).await;
    assert!(!b.connected_peers().contains(&a.peer_id()));
    let r = tokio::time::timeout(Duration::from_secs(2), sb.recv())
        .await
        .expect("local session still open");
    assert!(matches!(r, Ok(None) | Err(_)), "{r:?}");
    let r = tokio::time::timeout(Duration::from_secs(2), sa.recv())
        .await
        .expect("remote session still open");
    assert!(matches!(r, Ok(None) | Err(_)), "{r:?}");
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn silent_peer_times_out() {
    let quick = Limits {
        frame_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let (a, _ea) = node(15).await;
    let (b, mut eb) = Node::start(config(16, quick)).await.unwrap();
    let mut sa = a.open_session(b.peer_id(), b.listen_addrs()).await.unwrap();
    sa.send(b"hello").await.unwrap();
    let mut sb = incoming(&mut eb).await;
    assert_eq!(sb.recv().await.unwrap().unwrap(), b"hello");
    let started = std::time::Instant::now();
    assert!(matches!(sb.recv().await, Err(NetError::Timeout)));
    assert!(started.elapsed() < Duration::from_secs(3));
    // A timeout consumed nothing: the session can still be read.
    sa.send(b"later").await.unwrap();
    assert_eq!(sb.recv().await.unwrap().unwrap(), b"later");
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn shutdown_is_clean() {
    let (a, mut ea) = node(17).await;
    let (b, mut eb) = node(18).await;
    let mut sa = a.open_session(b.peer_id(), b.listen_addrs()).await.unwrap();
    sa.send(b"x").await.unwrap();
    let mut sb = incoming(&mut eb).await;
    assert_eq!(sb.recv().await.unwrap().unwrap(), b"x");

    let a2 = a.clone();
    tokio::time::timeout(WAIT, a.shutdown())
        .await
        .expect("shutdown hangs");
    // The event channel ends, the handle reports the node as stopped.
    let end = tokio::time::timeout(WAIT, async { while ea.recv().await.is_some() {} }).await;
    assert!(end.is_ok());
    assert!(matches!(
        a2.open_session(b.peer_id(), b.listen_addrs()).await,
        Err(NetError::NodeStopped)
    ));
    assert!(a2.listen_addrs().is_empty());
    assert!(a2.connected_peers().is_empty());
    // The peer's session ends promptly.
    let r = tokio::time::timeout(Duration::from_secs(3), sb.recv())
        .await
        .expect("remote session still open");
    assert!(matches!(r, Ok(None) | Err(_)), "{r:?}");
    // Shutting down a clone of a stopped node returns at once.
    tokio::time::timeout(WAIT, a2.shutdown()).await.unwrap();
    b.shutdown().await;
}

#[test]
fn peer_id_and_public_key_round_trip() {
    for seed in [1u8, 2, 42, 255] {
        let pk = public_key(seed);
        let peer = peer_id_from_public_key(&pk).unwrap();
        assert_eq!(public_key_from_peer_id(&peer), Some(pk));
        assert_eq!(
            peer,
            peer_id_from_secret_key(&Zeroizing::new([seed; 32])).unwrap()
        );
        let parsed: PeerId = peer.to_string().parse().unwrap();
        assert_eq!(public_key_from_peer_id(&parsed), Some(pk));
    }
    // A sha256-multihash peer id (what RSA keys give) has no inline key.
    let hashed =
        PeerId::from_multihash(libp2p::multihash::Multihash::<64>::wrap(0x12, &[0u8; 32]).unwrap())
            .unwrap();
    assert_eq!(public_key_from_peer_id(&hashed), None);
    // Not a point on the curve.
    let mut bad = [0u8; 32];
    bad[31] = 0x80;
    bad[0] = 2;
    let _ = peer_id_from_public_key(&bad);
}

#[test]
fn config_debug_redacts_the_secret() {
    let c = config(0xAB, Limits::default());
    let shown = format!("{c:?}");
    assert!(shown.contains("redacted"));
    assert!(!shown.to_lowercase().contains("171"), "{shown}");
    assert!(!shown.to_lowercase().contains("ab, "), "{shown}");
}

#[tokio::test]
async fn invalid_limits_are_refused() {
    let bad = Limits {
        max_sessions_per_peer: 0,
        ..Limits::default()
    };
    let r = Node::start(config(19, bad)).await;
    assert!(matches!(r, Err(NetError::InvalidConfig(_))));
    let e = NetError::FrameTooLarge { len: 10, max: 5 };
    assert!(e.french().contains("trop volumineux"));
    assert!(e.to_string().contains("exceeds"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_opens_are_all_delivered() {
    let (a, _ea) = node(20).await;
    let (b, mut eb) = node(21).await;
    let (c, _ec) = node(22).await;
    // Known peers: strangers get at most 4 sessions per address (all of these are 127.0.0.1).
    b.set_known_peers([a.peer_id(), c.peer_id()]);
    // Four sessions each from A and C at once: libp2p-stream's one-slot
    // inbound queue drops some; the status byte makes the openers retry.
    // Connect first, so that the opens below race on live connections.
    drop(a.open_session(b.peer_id(), b.listen_addrs()).await.unwrap());
    drop(c.open_session(b.peer_id(), b.listen_addrs()).await.unwrap());
    for _ in 0..2 {
        let _ = incoming(&mut eb).await;
    }
    let opens = (0..8).map(|i| {
        let n = if i % 2 == 0 { a.clone() } else { c.clone() };
        let bp = b.peer_id();
        tokio::spawn(async move {
            let mut s = n.open_session(bp, vec![]).await.unwrap();
            s.send(&[i]).await.unwrap();
            s
        })
    });
    let opened: Vec<Session> = futures::future::join_all(opens)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let mut got = Vec::new();
    let mut accepted = Vec::new();
    for _ in 0..8 {
        let mut s = incoming(&mut eb).await;
        got.push(s.recv().await.unwrap().unwrap()[0]);
        accepted.push(s);
    }
    got.sort();
    assert_eq!(got, (0..8).collect::<Vec<u8>>());
    drop(opened);
    a.shutdown().await;
    b.shutdown().await;
    c.shutdown().await;
}

/// A node holding a reservation on a relay is reached through the compact relayed address
/// (`/ip4/…/tcp/…/p2p-circuit`, no relay id: the dialer learns it from the relay), and the
/// dialer learns the node's addresses, the relayed one included, through identify.
#[tokio::test]
async fn a_node_is_reached_through_a_relay_by_its_compact_address() {
    use livret_net::{run_relay, RelayConfig, RelayEvent, RelayLimits};
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relay = tokio::spawn(run_relay(
        RelayConfig {
            secret_key: Zeroizing::new([40; 32]),
            listen: vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()],
            limits: RelayLimits::default(),
            mailbox: None,
        },
        async {
            let _ = stopped.await;
        },
        move |e| {
            let _ = tx.send(e);
        },
    ));
    let relay_addr = tokio::time::timeout(WAIT, async {
        loop {
            if let Some(RelayEvent::Listening(a)) = rx.recv().await {
                return a;
            }
        }
    })
    .await
    .unwrap();

    let mut cfg = config(41, Limits::default());
    cfg.relays = vec![relay_addr.clone()];
    let (a, mut ea) = Node::start(cfg).await.unwrap();
    tokio::time::timeout(WAIT, async {
        loop {
            match ea.recv().await.unwrap() {
                NodeEvent::RelayReserved { .. } => return,
                _ => continue,
            }
        }
    })
    .await
    .expect("no reservation");

    // The compact form: the relay's address and /p2p-circuit, without its id.
    let compact: Multiaddr = relay_addr
        .iter()
        .take_while(|p| !matches!(p, libp2p::multiaddr::Protocol::P2p(_)))
        .chain(std::iter::once(libp2p::multiaddr::Protocol::P2pCircuit))
        .collect();
    let (b, _eb) = node(42).await;
    let mut sb = b.open_session(a.peer_id(), vec![compact]).await.unwrap();
    sb.send(b"par le relais").await.unwrap();
    let mut sa = incoming(&mut ea).await;
    assert_eq!(sa.peer(), b.peer_id());
    assert_eq!(sa.recv().await.unwrap().unwrap(), b"par le relais");
    // Identify runs beside the session: its answer may come after the first frame, so wait
    // for it rather than read the addresses once.
    let circuit = |learnt: &[Multiaddr]| {
        learnt.iter().any(|m| {
            m.iter()
                .any(|p| matches!(p, libp2p::multiaddr::Protocol::P2pCircuit))
        })
    };
    let learnt = tokio::time::timeout(WAIT, async {
        loop {
            let learnt = b.peer_addresses(&a.peer_id());
            if circuit(&learnt) {
                return learnt;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(
        learnt.is_ok(),
        "the relayed address never came through identify: {:?}",
        b.peer_addresses(&a.peer_id())
    );
    a.shutdown().await;
    b.shutdown().await;
    let _ = stop.send(());
    relay.await.unwrap().unwrap();
}

/// A relay that goes away and comes back: the node asks for its reservation again (every 30 s)
/// and holds it anew.
#[tokio::test]
async fn a_lost_relay_is_asked_again_when_it_comes_back() {
    use livret_net::{run_relay, RelayConfig, RelayEvent, RelayLimits};
    async fn start_relay(
        listen: Multiaddr,
    ) -> (
        Multiaddr,
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<Result<PeerId, NetError>>,
    ) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(run_relay(
            RelayConfig {
                secret_key: Zeroizing::new([50; 32]),
                listen: vec![listen],
                limits: RelayLimits::default(),
                mailbox: None,
            },
            async {
                let _ = stopped.await;
            },
            move |e| {
                let _ = tx.send(e);
            },
        ));
        let addr = tokio::time::timeout(WAIT, async {
            loop {
                if let Some(RelayEvent::Listening(a)) = rx.recv().await {
                    return a;
                }
            }
        })
        .await
        .unwrap();
        (addr, stop, task)
    }
    async fn reserved(events: &mut Receiver<NodeEvent>, within: Duration) {
        tokio::time::timeout(within, async {
            loop {
                if let NodeEvent::RelayReserved { renewal: false, .. } =
                    events.recv().await.unwrap()
                {
                    return;
                }
            }
        })
        .await
        .expect("no reservation");
    }

    let (relay_addr, stop, task) = start_relay("/ip4/127.0.0.1/tcp/0".parse().unwrap()).await;
    let mut cfg = config(51, Limits::default());
    cfg.relays = vec![relay_addr.clone()];
    let (a, mut ea) = Node::start(cfg).await.unwrap();
    reserved(&mut ea, WAIT).await;

    let _ = stop.send(());
    task.await.unwrap().unwrap();
    // The same address and key (the relay's port and relay.key).
    let listen: Multiaddr = relay_addr
        .iter()
        .take_while(|p| !matches!(p, libp2p::multiaddr::Protocol::P2p(_)))
        .collect();
    let (_, stop, task) = start_relay(listen).await;
    reserved(&mut ea, Duration::from_secs(45)).await;
    a.shutdown().await;
    let _ = stop.send(());
    task.await.unwrap().unwrap();
}
