//! Issue 16: a device remembers where its peers are (identify, at each session), and invitations
//! carry the family's relayed address in compact form. (The relay path itself, across two NATs,
//! is `crates/livret-cli/tests/relay.rs`, in network namespaces.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use livret::core::grant::Rights;
use livret::core::{DeviceId, Role};
use livret::node;
use livret_net::Multiaddr;
use livret_tests::TestDevice;

const RELAY: &str =
    "/ip4/10.77.1.1/tcp/4001/p2p/12D3KooWC4sCZLYEcJX2u3EEU6spQRfmF168cVcHzfNpU3g5XFUS";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_keeps_the_family_devices_announced_addresses_newest_first() {
    let family = TestDevice::new(Role::Family, "Parent").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
        .unwrap();
    let inv = family.invite(livret, "annee/2025", Rights::Write);
    teacher.accept(&inv, Some("5B")).await.unwrap();
    let fam_peer = family.node.peer_id();
    let fam_key = DeviceId(livret_net::public_key_from_peer_id(&fam_peer).unwrap());

    // What the family device would announce from home: a LAN address, a relayed one, and its
    // loopback address (meaningless elsewhere: not kept).
    let announced: Vec<Multiaddr> = [
        "/ip4/192.168.61.2/tcp/4715",
        &format!("{RELAY}/p2p-circuit"),
        "/ip4/127.0.0.1/tcp/4715",
    ]
    .iter()
    .map(|a| a.parse().unwrap())
    .collect();
    teacher
        .with(|d| d.remember_peer(&fam_key, &announced))
        .unwrap();
    let peers = node::known_peers(&teacher.dev).unwrap();
    let (peer, addrs) = &peers[0];
    assert_eq!(*peer, fam_peer);
    assert_eq!(addrs[0], announced[0]);
    assert_eq!(
        addrs[1], announced[1],
        "the relayed address keeps its relay"
    );
    assert!(!addrs.contains(&announced[2]), "{addrs:?}");
    // The invitation's address is still there, after the fresh ones.
    assert!(addrs.len() >= 3, "{addrs:?}");

    // A device that owns nothing here is not remembered; at most 8 addresses per owner.
    let stranger = DeviceId([9; 32]);
    teacher
        .with(|d| d.remember_peer(&stranger, &announced))
        .unwrap();
    assert_eq!(node::known_peers(&teacher.dev).unwrap().len(), 1);
    let many: Vec<Multiaddr> = (1..=12)
        .map(|i| format!("/ip4/192.168.70.{i}/tcp/4715").parse().unwrap())
        .collect();
    teacher.with(|d| d.remember_peer(&fam_key, &many)).unwrap();
    let peers = node::known_peers(&teacher.dev).unwrap();
    assert_eq!(peers[0].1.len(), node::MAX_PEER_ADDRESSES);
    assert_eq!(peers[0].1[0], many[0]);

    // The family's invitations carry the compact relayed address (after its direct one, when
    // its node has listened; this test's node did not record its addresses).
    family.with(|d| d.add_relay(RELAY)).unwrap();
    let addrs: Vec<Multiaddr> = family
        .with(|d| d.invitation_addresses())
        .unwrap()
        .into_iter()
        .map(|b| Multiaddr::try_from(b).unwrap())
        .collect();
    assert_eq!(
        addrs.last().map(|a| a.to_string()).as_deref(),
        Some("/ip4/10.77.1.1/tcp/4001/p2p-circuit"),
        "{addrs:?}"
    );
    assert!(addrs.len() <= 2, "{addrs:?}");
    family.stop().await;
    teacher.stop().await;
}
