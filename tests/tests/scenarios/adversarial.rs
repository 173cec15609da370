//! A hand-made malicious peer against a family device: a real libp2p node (`livret_net::Node`)
//! speaking `/livret/sync/1` frame by frame, with no policy of its own.
//!
//! After each attempt: the family node is still up (a normal teacher syncs afterwards), its
//! data is byte for byte what it was (entries, `show`, manifest records: `export_json`), the
//! attempt was refused and recorded in the audit log against the attacker's key, and memory
//! stays bounded under floods.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use livret::core::SignedRecord;
use std::time::Duration;

use automerge::sync::State;
use livret::core::doc::{ManifestDoc, SectionDoc};
use livret::core::entry::SignedEntry;
use livret::core::grant::{
    redeem_proof, Grant, InvitationView, ManifestRecord, OwnerRecord, Rights,
};
use livret::core::{DeviceId, DeviceSecret, LivretId, Role, Section};
use livret_net::protocol::{
    ByteBuf, Frame, Granted, Hello, HelloLivret, Redeem, Refused, Revoked, SyncMessage,
};
use livret_net::{Limits, Node, NodeConfig, Session};
use livret_tests::TestDevice;

use crate::peer::redeem_answer;

/// The attacker: a bare node with its own key.
struct Mallory {
    node: Node,
    secret: DeviceSecret,
    _events: tokio::sync::mpsc::Receiver<livret_net::NodeEvent>,
}

impl Mallory {
    async fn new(seed: u8) -> Mallory {
        let key = [seed; 32];
        let mut config = NodeConfig::new(zeroize::Zeroizing::new(key));
        config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()];
        config.mdns = false;
        // Its own limits let it send what the family's refuse.
        config.limits = Limits {
            max_frame_bytes: 64 * 1024 * 1024,
            max_sessions_per_peer: 64,
            frame_timeout: Duration::from_secs(10),
        };
        let (node, events) = Node::start(config).await.unwrap();
        Mallory {
            node,
            secret: DeviceSecret::from_bytes(&key),
            _events: events,
        }
    }

    fn id(&self) -> DeviceId {
        self.secret.device_id()
    }

    async fn open(&self, family: &TestDevice) -> Session {
        self.node
            .open_session(family.node.peer_id(), vec![family.addr()])
            .await
            .unwrap()
    }

    /// Redeems a genuine read invitation to `annee/2025` (a photographed QR code, used first):
    /// a stranger gets an empty hello and nothing more, so the attacks that need turns are
    /// played by a grantee.
    async fn with_read_grant(&self, family: &TestDevice, livret: LivretId) {
        let inv = family.invite(livret, "annee/2025", Rights::Read);
        let view = InvitationView::open(&InvitationView::bytes_from_text(&inv).unwrap()).unwrap();
        let mut s = self.open(family).await;
        send(
            &mut s,
            &Frame::Redeem(Redeem {
                invitation: view.id().0,
                proof: ByteBuf::from(redeem_proof(&view.secret, &self.id()).to_vec()),
                name: "Mallory".into(),
                role: "teacher".into(),
            }),
        )
        .await;
        let answer = redeem_answer(&mut s).await;
        assert!(matches!(answer, Frame::Granted(_)));
    }
}

async fn send(s: &mut Session, f: &Frame) {
    s.send(&f.encode()).await.unwrap();
}

/// Reads frames until the family ends its turn or the session; returns what it sent.
async fn read_turn(s: &mut Session) -> Vec<Frame> {
    let mut out = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(20), s.recv()).await {
            Ok(Ok(Some(bytes))) => {
                let f = Frame::decode(&bytes).unwrap();
                let end = matches!(f, Frame::EndRound(_));
                out.push(f);
                if end {
                    return out;
                }
            }
            _ => return out,
        }
    }
}

/// Waits until the family's session with the attacker is over (its side closes the stream).
async fn until_closed(s: &mut Session) {
    let _ = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(_)) = s.recv().await {}
    })
    .await;
}

/// A hand-driven session as the dialer: hello listing `docs` (each with our heads), then turns
/// of sync messages for them until both sides are quiet. Returns every frame received.
async fn hand_sync(
    s: &mut Session,
    livret: LivretId,
    docs: &mut [(String, SectionDoc, State)],
) -> Vec<Frame> {
    let hello = Hello {
        name: "Mallory".into(),
        role: "teacher".into(),
        livrets: vec![HelloLivret {
            livret: livret.0,
            docs: docs
                .iter_mut()
                .map(|(n, d, _)| {
                    let heads = d
                        .heads()
                        .iter()
                        .map(|h| ByteBuf::from(h.0.to_vec()))
                        .collect();
                    (n.clone(), heads)
                })
                .collect(),
            erasures: vec![],
        }],
    };
    send(s, &Frame::Hello(hello)).await;
    let mut received = Vec::new();
    match s.recv().await {
        Ok(Some(b)) => received.push(Frame::decode(&b).unwrap()),
        _ => return received,
    }
    for _ in 0..20 {
        let mut n = 0;
        for (name, doc, state) in docs.iter_mut() {
            if let Some((m, _)) = doc.generate_sync_message(state) {
                let f = Frame::Sync(SyncMessage {
                    livret: livret.0,
                    target: name.clone(),
                    message: ByteBuf::from(m),
                });
                if s.send(&f.encode()).await.is_err() {
                    return received;
                }
                n += 1;
            }
        }
        if s.send(&Frame::EndRound(n).encode()).await.is_err() {
            return received;
        }
        let turn = read_turn(s).await;
        let mut theirs = None;
        for f in &turn {
            match f {
                Frame::Sync(m) => {
                    if let Some((_, d, st)) = docs.iter_mut().find(|(n, _, _)| *n == m.target) {
                        d.receive_unchecked(st, &m.message).unwrap();
                    }
                }
                Frame::EndRound(k) => theirs = Some(*k),
                _ => {}
            }
        }
        received.extend(turn);
        match theirs {
            None => return received,
            Some(0) if n == 0 => return received,
            _ => {}
        }
    }
    received
}

/// What must not change: the family's export (show JSON, manifest records, signed entries) and
/// its signed entries.
fn snapshot(family: &TestDevice, livret: LivretId) -> (String, Vec<(String, String, Vec<u8>)>) {
    let mut export = family.with(|d| d.export_json(livret)).unwrap();
    // The export says when it was made: not data.
    if let Some(o) = export.as_object_mut() {
        o.remove("exported_at");
    }
    let export = export.to_string();
    let mut entries: Vec<_> = family
        .with(|d| d.signed_entries(livret))
        .unwrap()
        .into_iter()
        .map(|(s, k, e)| (s.to_string(), k, e.to_bytes()))
        .collect();
    entries.sort();
    (export, entries)
}

/// Whether an audit line (see `refusals_since`) records a refused batch: its code is one of
/// the batch checks' (`livret_core::RefusalCode`).
fn batch_refused(line: &str) -> bool {
    use livret::core::RefusalCode as C;
    [
        C::SenderMayNotWrite,
        C::AuthorMayNotWrite,
        C::BadEntry,
        C::Content,
        C::Rollback,
        C::OtherAuthorsEntry,
        C::Malformed,
        C::TooManyEntries,
        C::NotOwner,
        C::BadManifest,
        C::ManifestRewrite,
    ]
    .iter()
    .any(|c| line.contains(&format!("[{}]", c.as_str())))
}

/// The audit lines recorded against `peer` since line `from`, refused ones.
fn refusals_since(family: &TestDevice, peer: &DeviceId, from: usize) -> Vec<String> {
    family
        .with(|d| d.audit(None))
        .unwrap()
        .into_iter()
        .skip(from)
        .filter(|a| a.peer.as_deref() == Some(peer.to_string().as_str()))
        .filter(|a| a.outcome == "refused")
        .map(|a| {
            format!(
                "{}: {} [{}]",
                a.action.as_str(),
                a.detail,
                a.section.unwrap_or_default()
            )
        })
        .collect()
}

fn audit_len(family: &TestDevice) -> usize {
    family.with(|d| d.audit(None)).unwrap().len()
}

fn vm_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A family with a livret, a teacher's entry (written twice: an older and a newer version) and
/// a family entry; the teacher holds a write grant on `annee/2025`.
async fn scene() -> (TestDevice, TestDevice, LivretId) {
    let family = TestDevice::new(Role::Family, "Maman de Lina").await;
    let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", Some("1234567890V")))
        .unwrap();
    teacher
        .accept(&family.invite(livret, "annee/2025", Rights::Write), None)
        .await
        .unwrap();
    for (level, text) in [
        (2, "Des efforts à poursuivre."),
        (3, "Nets progrès ce trimestre."),
    ] {
        teacher
            .with(|d| d.assess(livret, 2025, "1/3", "FRANCS", None, Some(level), None, text))
            .unwrap();
        let r = teacher.sync_with(&family).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
    }
    livret_tests::write_subject_unchecked(&family, livret, "1/3", "EDMUSI", 4, "Très bien.");
    (family, teacher, livret)
}

/// The normal teacher still syncs: a new entry reaches the family.
async fn teacher_still_syncs(family: &TestDevice, teacher: &TestDevice, livret: LivretId) {
    teacher
        .with(|d| {
            d.assess(
                livret,
                2025,
                "2/3",
                "FRANCS",
                None,
                Some(4),
                None,
                "Excellent.",
            )
        })
        .unwrap();
    let r = teacher.sync_with(family).await.unwrap();
    assert!(r.refused.is_empty(), "{r:?}");
    assert!(family
        .with(|d| d.signed_entries(livret))
        .unwrap()
        .iter()
        .any(|(_, k, _)| k == "bilan/2-3/FRANCS"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_frames_garbage_unexpected_frames_and_endless_rounds_are_refused() {
    let (family, teacher, livret) = scene().await;
    let mallory = Mallory::new(0x66).await;
    mallory.with_read_grant(&family, livret).await;
    let before = snapshot(&family, livret);

    // 1. A frame beyond the 4 MiB limit.
    let mark = audit_len(&family);
    let mut s = mallory.open(&family).await;
    let big = vec![0u8; Limits::DEFAULT_MAX_FRAME_BYTES + 1];
    let _ = tokio::time::timeout(Duration::from_secs(15), s.send(&big)).await;
    until_closed(&mut s).await;
    let r = refusals_since(&family, &mallory.id(), mark);
    assert!(
        r.iter().any(|l| l.contains("session")),
        "oversized frame not audited: {r:?}"
    );

    // 2. Garbage bytes in place of a frame.
    let mark = audit_len(&family);
    let mut s = mallory.open(&family).await;
    s.send(b"\xff\xfe GARBAGE \x00\x01\x02 not cbor")
        .await
        .unwrap();
    until_closed(&mut s).await;
    let r = refusals_since(&family, &mallory.id(), mark);
    assert!(
        r.iter().any(|l| l.contains("trame invalide")),
        "garbage not audited: {r:?}"
    );

    // 3. A grant it made itself, as if the family had granted it (Granted from the dialer).
    let mark = audit_len(&family);
    let self_grant = Grant {
        id: [0x77; 16],
        livret: livret.0,
        issuer: mallory.id().0,
        audience: mallory.id().0,
        sections: vec![Section::Annee(2025), Section::Identite],
        rights: Rights::Write,
        not_before: 0,
        until: i64::MAX,
        issued_at: 0,
        subject_name: None,
        jury: false,
        audience_name: "Mallory".into(),
    };
    let mut s = mallory.open(&family).await;
    send(
        &mut s,
        &Frame::Granted(Granted {
            livret: livret.0,
            records: vec![(
                format!("grant/{}", self_grant.grant_id()),
                ByteBuf::from(self_grant.sign(&mallory.secret)),
            )],
        }),
    )
    .await;
    until_closed(&mut s).await;
    let r = refusals_since(&family, &mallory.id(), mark);
    assert!(!r.is_empty(), "unexpected Granted not audited");

    // 4. Endless rounds: turns that claim a message and carry none, more than MAX_ROUNDS.
    let mark = audit_len(&family);
    let mut s = mallory.open(&family).await;
    send(&mut s, &Frame::Hello(Hello::default())).await;
    let _ = s.recv().await;
    let mut rounds = 0;
    loop {
        if s.send(&Frame::EndRound(1).encode()).await.is_err() {
            break;
        }
        let turn = read_turn(&mut s).await;
        if !matches!(turn.last(), Some(Frame::EndRound(_))) {
            break;
        }
        rounds += 1;
        assert!(rounds < 1000, "the family keeps taking turns");
    }
    assert!(
        rounds <= livret_net::protocol::MAX_ROUNDS as usize,
        "{rounds} rounds"
    );
    let r = refusals_since(&family, &mallory.id(), mark);
    assert!(
        r.iter().any(|l| l.contains("tours")),
        "endless rounds not audited: {r:?}"
    );

    // 5. A revocation notice sent to the owner, and a flood of refusals with huge reasons.
    let mark = audit_len(&family);
    let rss0 = vm_rss_kib();
    let mut s = mallory.open(&family).await;
    send(&mut s, &Frame::Hello(Hello::default())).await;
    let _ = s.recv().await;
    send(
        &mut s,
        &Frame::Revoked(Revoked {
            livret: livret.0,
            revocation: ByteBuf::from(vec![0xa0; 64]),
            owners: vec![],
        }),
    )
    .await;
    let reason = "x".repeat(1024 * 1024);
    let mut sent = 0;
    for _ in 0..400 {
        let f = Frame::Refused(Refused {
            livret: Some(ByteBuf::from(livret.0.to_vec())),
            target: Some("annee/2025".into()),
            // An unknown code from a "newer" peer, with a huge detail: read as "other",
            // bounded.
            code: 60_000,
            key: None,
            detail: Some(reason.clone()),
        });
        if s.send(&f.encode()).await.is_err() {
            break;
        }
        sent += 1;
    }
    until_closed(&mut s).await;
    assert!(
        sent < 400,
        "the family read 400 refusals of 1 MiB without ending the session"
    );
    let grown = vm_rss_kib().saturating_sub(rss0);
    assert!(grown < 200 * 1024, "memory grew by {grown} KiB");
    let r = refusals_since(&family, &mallory.id(), mark);
    assert!(r.iter().any(|l| l.contains("révocation")), "{r:?}");
    assert!(r.iter().any(|l| l.contains("refus de plus")), "{r:?}");
    assert!(
        r.iter().all(|l| l.chars().count() < 400),
        "a peer's reason was stored whole"
    );

    assert_eq!(
        snapshot(&family, livret),
        before,
        "the family's data changed"
    );
    teacher_still_syncs(&family, &teacher, livret).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_grants_replayed_invitations_and_writes_outside_a_grant_are_refused() {
    let (family, teacher, livret) = scene().await;
    let mallory = Mallory::new(0x67).await;

    // Mallory redeems a genuine read invitation by hand (a photographed QR code, used first).
    let inv = family.invite(livret, "annee/2025", Rights::Read);
    let view = InvitationView::open(&InvitationView::bytes_from_text(&inv).unwrap()).unwrap();
    let redeem = Frame::Redeem(Redeem {
        invitation: view.id().0,
        proof: ByteBuf::from(redeem_proof(&view.secret, &mallory.id()).to_vec()),
        name: "Mallory".into(),
        role: "teacher".into(),
    });
    let mut s = mallory.open(&family).await;
    send(&mut s, &redeem).await;
    let answer = redeem_answer(&mut s).await;
    let Frame::Granted(granted) = answer else {
        panic!("not granted")
    };
    drop(s);

    // 1. The same invitation again (replay): refused, audited.
    let mark = audit_len(&family);
    let mut s = mallory.open(&family).await;
    send(&mut s, &redeem).await;
    let answer = redeem_answer(&mut s).await;
    assert!(matches!(answer, Frame::Refused(_)));
    let r = refusals_since(&family, &mallory.id(), mark);
    assert!(r.iter().any(|l| l.starts_with("redeem")), "{r:?}");

    // 2. A fresh invitation, redeemed with a proof computed for another key (the teacher's):
    // refused, and the invitation stays usable by the device it was meant for.
    let mark = audit_len(&family);
    let other = TestDevice::new(Role::Teacher, "Mme Leroy").await;
    let inv2 = family.invite(livret, "annee/2025", Rights::Write);
    let view2 = InvitationView::open(&InvitationView::bytes_from_text(&inv2).unwrap()).unwrap();
    let other_id = other.with(|d| d.device_id());
    let mut s = mallory.open(&family).await;
    send(
        &mut s,
        &Frame::Redeem(Redeem {
            invitation: view2.id().0,
            proof: ByteBuf::from(redeem_proof(&view2.secret, &other_id).to_vec()),
            name: "Mallory".into(),
            role: "teacher".into(),
        }),
    )
    .await;
    let answer = redeem_answer(&mut s).await;
    assert!(matches!(answer, Frame::Refused(_)));
    let r = refusals_since(&family, &mallory.id(), mark);
    assert!(r.iter().any(|l| l.contains("preuve")), "{r:?}");
    other.accept(&inv2, None).await.unwrap();
    let before = snapshot(&family, livret);

    // Mallory syncs as the reader it is and holds annee/2025 with its history.
    let mut s = mallory.open(&family).await;
    let mut docs = vec![("annee/2025".to_string(), SectionDoc::new(), State::new())];
    hand_sync(&mut s, livret, &mut docs).await;
    drop(s);
    let mut annee = docs.pop().unwrap().1;
    let held = annee.entries();
    let francs = held.iter().find(|e| e.key == "bilan/1-3/FRANCS").unwrap();
    assert_eq!(francs.values.len(), 1);

    // 3. A forged manifest: its own grant (write on everything) and the teacher's grant (a
    // grant issued to another key), sent as a manifest change.
    let mark = audit_len(&family);
    let mut mdoc = ManifestDoc::new();
    for (k, v) in &granted.records {
        mdoc.add(&ManifestRecord::open(k, v).unwrap(), v).unwrap();
    }
    let forged = Grant {
        id: [0x78; 16],
        livret: livret.0,
        issuer: mallory.id().0,
        audience: mallory.id().0,
        sections: vec![
            Section::Annee(2025),
            Section::Identite,
            Section::Accompagnement,
        ],
        rights: Rights::Write,
        not_before: 0,
        until: i64::MAX,
        issued_at: 0,
        subject_name: None,
        jury: false,
        audience_name: "Mallory".into(),
    };
    let forged_bytes = forged.sign(&mallory.secret);
    let owner_claim = OwnerRecord {
        livret: livret.0,
        owner: mallory.id().0,
        issuer: mallory.id().0,
        name: "Mallory".into(),
        at: 0,
        kind: Default::default(),
    };
    let owner_bytes = owner_claim.sign(&mallory.secret);
    let teacher_grant_key = family
        .with(|d| d.grants(livret))
        .unwrap()
        .into_iter()
        .find(|g| g.audience == teacher.with(|d| d.device_id().to_string()))
        .unwrap()
        .grant_id;
    let export: serde_json::Value = serde_json::from_str(&before.0).unwrap();
    let teacher_grant = export["manifest"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == format!("grant/{teacher_grant_key}"))
        .map(|r| hex_decode(r["signed"].as_str().unwrap()))
        .unwrap();
    // `add` stores the bytes as given (the family's side is what checks them).
    mdoc.add(&ManifestRecord::Grant(forged), &forged_bytes)
        .unwrap();
    mdoc.add(&ManifestRecord::Owner(owner_claim), &owner_bytes)
        .unwrap();
    let tg = Grant::open(&teacher_grant).unwrap();
    mdoc.add(&ManifestRecord::Grant(tg), &teacher_grant)
        .unwrap();
    let raw = SectionDoc::load(&mdoc.save(), &[]).unwrap();
    let mut s = mallory.open(&family).await;
    let mut docs = vec![("manifest".to_string(), raw, State::new())];
    let got = hand_sync(&mut s, livret, &mut docs).await;
    assert!(
        got.iter().any(|f| matches!(f, Frame::Refused(_))),
        "{got:?}"
    );
    let r = refusals_since(&family, &mallory.id(), mark);
    assert!(r.iter().any(|l| l.contains("manifest")), "{r:?}");
    assert_eq!(
        snapshot(&family, livret),
        before,
        "forged manifest changed something"
    );

    // 4. Sections it may not touch (identity, support measures, cycles), and an entry of
    // another section slipped into annee/2025.
    let mark = audit_len(&family);
    let mut docs = Vec::new();
    for name in ["identite", "accompagnement", "cycles"] {
        let mut d = SectionDoc::new();
        let (k, e) = mallory_entry(&mallory.secret, livret, "Pirate.");
        d.put(&k, &e).unwrap();
        docs.push((name.to_string(), d, State::new()));
    }
    let mut s = mallory.open(&family).await;
    hand_sync(&mut s, livret, &mut docs).await;
    let r = refusals_since(&family, &mallory.id(), mark);
    assert!(r.len() >= 3, "{r:?}");
    assert_eq!(snapshot(&family, livret), before);

    // 5. In annee/2025 (which it may read, not write): its own entry; an entry claiming the
    // teacher as author; the deletion of the teacher's entry; the teacher's entry rolled back
    // to its older signed version (found in the history it received).
    let history = annee.save();
    let older = older_version(&history, "bilan/1-3/FRANCS", &francs.values[0]);
    type Attack<'a> = Box<dyn Fn(&mut SectionDoc) + 'a>;
    let attempts: Vec<(&str, Attack)> = vec![
        (
            "own entry",
            Box::new(|d: &mut SectionDoc| {
                let (k, e) = mallory_entry(&mallory.secret, livret, "Mallory écrit.");
                d.put(&k, &e).unwrap();
            }),
        ),
        (
            "impersonation",
            Box::new(|d: &mut SectionDoc| {
                let (k, mut e) = mallory_entry(&mallory.secret, livret, "Faux.");
                let mut p = e.payload_unverified().unwrap();
                p.author = teacher.with(|t| t.device_id()).0;
                e.short_form = livret::core::cose::sign(
                    &mallory.secret,
                    livret::core::cose::Kind::Entry,
                    livret::core::cbor::to_vec(&p),
                );
                d.put(&k, &e).unwrap();
            }),
        ),
        (
            "deletion",
            Box::new(|d: &mut SectionDoc| d.delete("bilan/1-3/FRANCS").unwrap()),
        ),
        (
            "rollback",
            Box::new(|d: &mut SectionDoc| d.put("bilan/1-3/FRANCS", &older).unwrap()),
        ),
    ];
    for (what, attack) in attempts {
        let mark = audit_len(&family);
        let mut doc = SectionDoc::load(&history, &[]).unwrap();
        attack(&mut doc);
        let mut s = mallory.open(&family).await;
        let mut docs = vec![("annee/2025".to_string(), doc, State::new())];
        let got = hand_sync(&mut s, livret, &mut docs).await;
        assert!(
            got.iter().any(|f| matches!(f, Frame::Refused(_))),
            "{what}: not refused"
        );
        let r = refusals_since(&family, &mallory.id(), mark);
        assert!(r.iter().any(|l| batch_refused(l)), "{what}: {r:?}");
        assert_eq!(
            snapshot(&family, livret),
            before,
            "{what} changed the family's data"
        );
    }
    teacher_still_syncs(&family, &teacher, livret).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_new_documents_are_refused_with_bounded_memory_and_audit() {
    let (family, teacher, livret) = scene().await;
    let mallory = Mallory::new(0x68).await;
    mallory.with_read_grant(&family, livret).await;
    let before = snapshot(&family, livret);
    let audit0 = audit_len(&family);
    let rss0 = vm_rss_kib();

    // Hellos listing as many livrets and documents as a hello may, ten sessions in a row; each
    // session ends once the family answered.
    for round in 0..10u8 {
        let livrets = (0..livret_net::protocol::MAX_HELLO_LIVRETS)
            .map(|i| HelloLivret {
                livret: [[round; 8], (i as u64).to_be_bytes()]
                    .concat()
                    .try_into()
                    .unwrap(),
                docs: (0..livret_net::protocol::MAX_HELLO_TARGETS)
                    .map(|j| (format!("annee/{}", 2000 + j), vec![]))
                    .collect(),
                erasures: vec![],
            })
            .collect();
        let mut s = mallory.open(&family).await;
        send(
            &mut s,
            &Frame::Hello(Hello {
                name: "Mallory".into(),
                role: "teacher".into(),
                livrets,
            }),
        )
        .await;
        let _ = tokio::time::timeout(Duration::from_secs(20), s.recv()).await;
        drop(s);
    }
    // Sync frames for 5000 unknown targets (of the real livret and of unknown ones), with
    // 64 KiB messages.
    let mut s = mallory.open(&family).await;
    send(&mut s, &Frame::Hello(Hello::default())).await;
    let _ = s.recv().await;
    let mut accepted_frames = 0;
    for i in 0..5000u32 {
        let f = Frame::Sync(SyncMessage {
            livret: if i % 2 == 0 { livret.0 } else { [i as u8; 16] },
            target: format!("doc-{i}"),
            message: ByteBuf::from(vec![0x42; 64 * 1024]),
        });
        if s.send(&f.encode()).await.is_err() {
            break;
        }
        accepted_frames += 1;
    }
    until_closed(&mut s).await;
    assert!(
        accepted_frames < 5000,
        "5000 unknown documents were read in one session"
    );

    let grown = vm_rss_kib().saturating_sub(rss0);
    let audit_added = audit_len(&family) - audit0;
    assert!(grown < 200 * 1024, "memory grew by {grown} KiB");
    // At most MAX_DETAILED_REFUSALS + 2 lines per session (11 sessions).
    assert!(
        audit_added <= 11 * 40,
        "{audit_added} audit lines for 11 sessions"
    );
    let r = refusals_since(&family, &mallory.id(), audit0);
    assert!(r.iter().any(|l| l.contains("refus de plus")), "{r:?}");
    assert!(r.iter().any(|l| l.starts_with("session")), "{r:?}");
    assert_eq!(snapshot(&family, livret), before);
    assert_eq!(
        family.with(|d| d.list()).unwrap().len(),
        1,
        "no livret was created"
    );
    eprintln!(
        "flood: 10 largest hellos, {accepted_frames} unknown Sync frames read; \
         RSS +{grown} KiB, {audit_added} audit lines"
    );
    teacher_still_syncs(&family, &teacher, livret).await;
}

/// An entry signed by Mallory in annee/2025.
fn mallory_entry(secret: &DeviceSecret, livret: LivretId, text: &str) -> (String, SignedEntry) {
    use livret::core::vocab::{
        Appreciation, Discipline, DisciplineCode, Evaluation, Millesime, Period, Positioning,
    };
    let code = DisciplineCode::parse("HISGEO").unwrap();
    let draft = livret::core::content::subject(
        Millesime::new(2025).unwrap(),
        Period::parse("1/3").unwrap(),
        &Discipline::known(&code).unwrap(),
        &Evaluation::Level(Positioning::from_value(1).unwrap()),
        &Appreciation::parse(text).unwrap(),
    );
    let e = SignedEntry::sign(
        secret,
        livret,
        draft.section,
        &draft.key,
        draft.content,
        draft.texts,
        1_760_000_000,
    );
    (draft.key, e)
}

/// The value a key held before its current one, from a document's history.
fn older_version(
    snapshot: &[u8],
    key: &str,
    current: &Result<SignedEntry, livret::core::CoreError>,
) -> SignedEntry {
    use automerge::ReadDoc;
    let mut doc = automerge::AutoCommit::load(snapshot).unwrap();
    let current = current.as_ref().unwrap().to_bytes();
    let mut heads = Vec::new();
    for c in doc.get_changes(&[]) {
        heads.push(c.hash());
        if let Ok(Some((automerge::Value::Scalar(v), _))) =
            doc.get_at(automerge::ROOT, key, &[c.hash()])
        {
            if let automerge::ScalarValue::Bytes(b) = v.as_ref() {
                if b.as_slice() != current.as_slice() {
                    return SignedEntry::from_bytes(b).unwrap();
                }
            }
        }
    }
    panic!("no older version of {key} in {} changes", heads.len());
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
