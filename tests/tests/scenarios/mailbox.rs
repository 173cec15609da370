//! Issue 16: devices never online together sync through a relay's sealed mailbox. A real relay
//! with a mailbox directory and real devices on 127.0.0.1; the letters carry what a sync would
//! have sent, checked on arrival as in a live session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use livret::core::grant::Rights;
use livret::core::seal::BoxId;
use livret::core::{DeviceId, LivretId, Role};
use livret::mailbox;
use livret_net::{
    run_relay, MailboxConfig, MailboxLimits, Multiaddr, RelayConfig, RelayEvent, RelayLimits,
};
use livret_tests::TestDevice;
use zeroize::Zeroizing;

const CHILD: &str = "Lina Moreau";
const BILAN: &str = "Lina lit avec aisance et rédige des textes soignés.";

fn shown(dev: &TestDevice, livret: LivretId) -> String {
    let view = dev.with(|d| d.show(livret)).unwrap();
    view.sections
        .iter()
        .flat_map(|s| {
            s.entries
                .iter()
                .map(|e| livret::Localized::localized(e, livret::Lang::Fr))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn key_of(dev: &TestDevice) -> DeviceId {
    DeviceId(livret_net::public_key_from_peer_id(&dev.node.peer_id()).unwrap())
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The sealed letters waiting in the mailbox directory (a letter file is the sender's box id,
/// 32 bytes, then the sealed bytes).
fn letters_in(dir: &Path) -> Vec<Vec<u8>> {
    files(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "letter"))
        .map(|p| std::fs::read(p).unwrap()[32..].to_vec())
        .collect()
}

async fn mailbox_relay(dir: &Path) -> (Multiaddr, tokio::sync::oneshot::Sender<()>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(run_relay(
        RelayConfig {
            secret_key: Zeroizing::new([90; 32]),
            listen: vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()],
            limits: RelayLimits::default(),
            mailbox: Some(MailboxConfig {
                dir: dir.to_path_buf(),
                limits: MailboxLimits::default(),
            }),
        },
        async {
            let _ = stopped.await;
        },
        move |e| {
            let _ = tx.send(e);
        },
    ));
    let addr = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(RelayEvent::Listening(a)) = rx.recv().await {
                return a;
            }
        }
    })
    .await
    .unwrap();
    (addr, stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bilan_and_a_revocation_travel_by_sealed_letters_checked_on_arrival() {
    let dir = tempfile::tempdir().unwrap();
    let (relay, _stop) = mailbox_relay(dir.path()).await;
    let family = TestDevice::new(Role::Family, "Maman").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let livret = family
        .with(|d| d.add_child(CHILD, "2014-03-02", None))
        .unwrap();
    teacher
        .accept(&family.invite(livret, "annee/2025", Rights::Write), None)
        .await
        .unwrap();
    for dev in [&family, &teacher] {
        dev.with(|d| d.add_relay(&relay.to_string())).unwrap();
        // Each opens its box (publishes its mailbox key) when it fetches, at start.
        let r = mailbox::fetch_all(&dev.dev, &dev.node).await.unwrap();
        assert_eq!(r.fetched, 0);
    }
    let (family_key, teacher_key) = (key_of(&family), key_of(&teacher));
    let relay_id = livret::node::parse_peer_address(&relay.to_string())
        .unwrap()
        .0;

    // 16:00, the family device is off: the teacher writes and leaves a letter.
    teacher
        .with(|d| d.assess(livret, 2025, "1/3", "FRANCS", None, Some(3), None, BILAN))
        .unwrap();
    let used = mailbox::deposit_any(&teacher.dev, &teacher.node, family_key)
        .await
        .unwrap();
    assert_eq!(used.as_ref(), Some(&relay));
    let waiting = letters_in(dir.path());
    assert_eq!(waiting.len(), 1, "the letter waits on the mailbox");

    // What the mailbox holds: no name, no text, no livret id.
    for f in files(dir.path()) {
        let bytes = std::fs::read(&f).unwrap();
        for needle in [
            CHILD,
            "Lina",
            "Moreau",
            "aisance",
            "M. Martin",
            "Maman",
            &livret.to_string(),
        ] {
            assert!(!livret_tests::contains(&bytes, needle), "{needle} in {f:?}");
        }
        assert!(
            !bytes.windows(16).any(|w| w == livret.0),
            "livret id in {f:?}"
        );
    }

    // 20:00, the family device starts and fetches: the bilan arrives, verified and merged.
    assert!(!shown(&family, livret).contains("aisance"));
    let r = mailbox::fetch_all(&family.dev, &family.node).await.unwrap();
    assert_eq!(r.fetched, 1, "{r:?}");
    assert!(r.refused.is_empty(), "{r:?}");
    assert!(r.received[0].received_changes >= 1, "{r:?}");
    assert!(
        shown(&family, livret).contains(BILAN),
        "{}",
        shown(&family, livret)
    );
    assert!(letters_in(dir.path()).is_empty(), "deleted once fetched");

    // Replayed, tampered and misaddressed copies of the letter: refused, nothing applied.
    let sealed = waiting[0].clone();
    let entries_before = shown(&family, livret);
    teacher
        .node
        .mailbox_deposit(
            relay_id,
            vec![relay.clone()],
            BoxId::of(&family_key),
            &sealed,
        )
        .await
        .unwrap();
    let mut tampered = sealed.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    teacher
        .node
        .mailbox_deposit(
            relay_id,
            vec![relay.clone()],
            BoxId::of(&family_key),
            &tampered,
        )
        .await
        .unwrap();
    let r = mailbox::fetch_all(&family.dev, &family.node).await.unwrap();
    assert_eq!(r.fetched, 2, "{r:?}");
    assert!(r.received.is_empty(), "{r:?}");
    assert_eq!(r.refused.len(), 2, "{r:?}");
    assert!(
        r.refused.iter().any(|w| w.contains("déjà été reçue")),
        "{r:?}"
    );
    assert!(
        r.refused.iter().any(|w| w.contains("ne s'ouvre pas")),
        "{r:?}"
    );
    assert_eq!(shown(&family, livret), entries_before);
    // The family's letter put in the teacher's box does not open there.
    teacher
        .node
        .mailbox_deposit(
            relay_id,
            vec![relay.clone()],
            BoxId::of(&teacher_key),
            &sealed,
        )
        .await
        .unwrap();
    let r = mailbox::fetch_all(&teacher.dev, &teacher.node)
        .await
        .unwrap();
    assert_eq!(
        (r.fetched, r.received.len(), r.refused.len()),
        (1, 0, 1),
        "{r:?}"
    );

    // The family revokes the teacher's grant while the teacher is away: a letter carries the
    // revocation, and the teacher's device purges the livret when it next fetches.
    let grant = family.with(|d| d.grants(livret)).unwrap()[0]
        .grant_id
        .clone();
    family.with(|d| d.revoke(&grant)).unwrap();
    let used = mailbox::deposit_any(&family.dev, &family.node, teacher_key)
        .await
        .unwrap();
    assert!(used.is_some());
    assert!(!teacher.with(|d| d.list()).unwrap().is_empty());
    let r = mailbox::fetch_all(&teacher.dev, &teacher.node)
        .await
        .unwrap();
    assert_eq!(r.received.len(), 1, "{r:?}");
    assert_eq!(r.received[0].purged, vec![livret.to_string()], "{r:?}");
    assert!(teacher.with(|d| d.list()).unwrap().is_empty(), "purged");
}
