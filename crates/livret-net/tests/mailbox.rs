//! Loopback tests of a relay's mailbox (127.0.0.1 only): real libp2p nodes, a real mailbox
//! directory, letters sealed with HPKE by livret-core.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use livret_core::seal::{self, BoxId, Letter, MailboxCard};
use livret_core::DeviceSecret;
use livret_net::{
    run_relay, MailboxConfig, MailboxLimits, MailboxRefusal, Multiaddr, NetError, Node, NodeConfig,
    RelayConfig, RelayEvent, RelayLimits,
};
use tokio::sync::mpsc::UnboundedReceiver;
use zeroize::Zeroizing;

const WAIT: Duration = Duration::from_secs(10);
const DAY: u64 = 24 * 60 * 60;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn tempdir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("livret-mailbox-net-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn node(seed: u8) -> Node {
    let (node, _events) = Node::start(NodeConfig {
        secret_key: Zeroizing::new([seed; 32]),
        listen: vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()],
        mdns: false,
        limits: Default::default(),
        relays: vec![],
    })
    .await
    .unwrap();
    node
}

struct Relay {
    addr: Multiaddr,
    events: UnboundedReceiver<RelayEvent>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<livret_net::PeerId, NetError>>,
}

async fn relay(seed: u8, mailbox: Option<MailboxConfig>) -> Relay {
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(run_relay(
        RelayConfig {
            secret_key: Zeroizing::new([seed; 32]),
            listen: vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()],
            limits: RelayLimits::default(),
            mailbox,
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
            if let Some(RelayEvent::Listening(a)) = events.recv().await {
                return a;
            }
        }
    })
    .await
    .unwrap();
    Relay {
        addr,
        events,
        stop,
        task,
    }
}

fn relay_peer(addr: &Multiaddr) -> livret_net::PeerId {
    addr.iter()
        .find_map(|p| match p {
            libp2p::multiaddr::Protocol::P2p(id) => Some(id),
            _ => None,
        })
        .unwrap()
}

fn sealed(from: &DeviceSecret, to: &DeviceSecret, body: &[u8], nonce: u8) -> Vec<u8> {
    let letter = Letter {
        recipient: to.device_id(),
        sent_at: now(),
        nonce: [nonce; 16],
        body: body.to_vec(),
    };
    let mut rng = seal::rand_core::UnwrapErr(getrandom::SysRng);
    seal::seal(from, &MailboxCard::issue(to), &letter, &mut rng).unwrap()
}

/// A teacher deposits a letter for a family device that is not online; the family fetches it
/// later, opens it, and the mailbox deletes it once acknowledged. Another device fetches
/// nothing of it; nothing personal is in the mailbox's directory.
#[tokio::test]
async fn a_letter_waits_on_the_mailbox_until_its_recipient_fetches_it() {
    let dir = tempdir("wait");
    let mut r = relay(
        60,
        Some(MailboxConfig {
            dir: dir.clone(),
            limits: MailboxLimits::default(),
        }),
    )
    .await;
    let relay_id = relay_peer(&r.addr);
    let (teacher_key, family_key) = (
        DeviceSecret::from_bytes(&[61; 32]),
        DeviceSecret::from_bytes(&[62; 32]),
    );
    let bilan = b"Bilan de Lucie Martin : tres bons progres en lecture";
    let teacher = node(61).await;
    teacher
        .mailbox_deposit(
            relay_id,
            vec![r.addr.clone()],
            BoxId::of(&family_key.device_id()),
            &sealed(&teacher_key, &family_key, bilan, 1),
        )
        .await
        .unwrap();
    teacher.shutdown().await;

    // What the mailbox holds: no text, no name.
    for entry in walk(&dir) {
        let bytes = std::fs::read(&entry).unwrap();
        for needle in [&b"Lucie"[..], b"Martin", b"lecture"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{entry:?}"
            );
        }
    }

    // A stranger fetches its own (empty) box.
    let stranger = node(63).await;
    let n = stranger
        .mailbox_fetch(relay_id, vec![r.addr.clone()], |_| true)
        .await
        .unwrap();
    assert_eq!(n, 0);
    stranger.shutdown().await;

    let family = node(62).await;
    let mut opened = Vec::new();
    let n = family
        .mailbox_fetch(relay_id, vec![r.addr.clone()], |letter| {
            opened.push(seal::open(&family_key, &letter.sealed, now(), 14 * DAY).unwrap());
            true
        })
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(opened[0].sender, teacher_key.device_id());
    assert_eq!(opened[0].body, bilan);
    // Acknowledged: gone.
    let again = family
        .mailbox_fetch(relay_id, vec![r.addr.clone()], |_| true)
        .await
        .unwrap();
    assert_eq!(again, 0);
    assert!(walk(&dir).is_empty(), "{:?}", walk(&dir));
    family.shutdown().await;

    let mut seen = Vec::new();
    while let Ok(e) = r.events.try_recv() {
        seen.push(e);
    }
    assert!(seen.contains(&RelayEvent::LetterDeposited), "{seen:?}");
    assert!(
        seen.contains(&RelayEvent::LettersDeleted { letters: 1 }),
        "{seen:?}"
    );
    let _ = r.stop.send(());
    r.task.await.unwrap().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A sender over its quota is refused with the reason; a relay without a mailbox says so.
#[tokio::test]
async fn a_sender_over_its_quota_is_refused_and_a_relay_without_mailbox_says_so() {
    let dir = tempdir("quota");
    let r = relay(
        70,
        Some(MailboxConfig {
            dir: dir.clone(),
            limits: MailboxLimits {
                max_bytes_per_sender: 1500,
                ..MailboxLimits::default()
            },
        }),
    )
    .await;
    let relay_id = relay_peer(&r.addr);
    let teacher_key = DeviceSecret::from_bytes(&[71; 32]);
    let teacher = node(71).await;
    let mut refused = None;
    for i in 0..8u8 {
        let family_key = DeviceSecret::from_bytes(&[80 + i; 32]);
        let result = teacher
            .mailbox_deposit(
                relay_id,
                vec![r.addr.clone()],
                BoxId::of(&family_key.device_id()),
                &sealed(&teacher_key, &family_key, &[i; 400], i),
            )
            .await;
        if let Err(e) = result {
            refused = Some((i, e));
            break;
        }
    }
    let (i, e) = refused.expect("the quota was never reached");
    assert_eq!(i, 2, "two letters of ~600 bytes fit in 1500, not three");
    assert!(
        matches!(e, NetError::MailboxRefused(MailboxRefusal::SenderOverQuota)),
        "{e:?}"
    );
    assert!(e.french().contains("quota"), "{}", e.french());

    // Malformed bytes deposited are the recipient's problem (it refuses them on opening);
    // an empty letter is refused by the mailbox.
    let e = teacher
        .mailbox_deposit(relay_id, vec![r.addr.clone()], BoxId([1; 32]), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(e, NetError::MailboxRefused(MailboxRefusal::LetterTooLarge)),
        "{e:?}"
    );

    let plain = relay(72, None).await;
    let e = teacher
        .mailbox_deposit(
            relay_peer(&plain.addr),
            vec![plain.addr.clone()],
            BoxId([1; 32]),
            b"x",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, NetError::MailboxRefused(MailboxRefusal::NoMailbox)),
        "{e:?}"
    );
    teacher.shutdown().await;
    for relay in [r, plain] {
        let _ = relay.stop.send(());
        relay.task.await.unwrap().unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
