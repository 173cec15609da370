//! Issue 13, findings 6, 5 and 9: what a grantee may write, and when; revocations within an
//! open session; restores from a teacher's copy. Real nodes on 127.0.0.1, one home per device,
//! and a hand-made peer (a bare `livret_net::Node` speaking `/livret/sync/1` frame by frame)
//! where a modified client is needed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use livret::core::SignedRecord;
use std::time::Duration;

use automerge::sync::State;
use livret::core::doc::SectionDoc;
use livret::core::entry::SignedEntry;
use livret::core::grant::{redeem_proof, Grant, InvitationView, Rights};
use livret::core::{DeviceId, DeviceSecret, LivretId, Role, Section};
use livret_net::protocol::{ByteBuf, Frame, Hello, HelloLivret, Redeem, SyncMessage};
use livret_net::{Node, NodeConfig, Session};
use livret_tests::TestDevice;

use crate::peer::redeem_answer;

/// The hand-made peer: a bare node with its own key and no policy of its own.
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

    /// Redeems `invitation` by hand and returns the grant it got.
    async fn redeem(&self, family: &TestDevice, invitation: &str) -> Grant {
        let view =
            InvitationView::open(&InvitationView::bytes_from_text(invitation).unwrap()).unwrap();
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
        let Frame::Granted(granted) = answer else {
            panic!("not granted")
        };
        granted
            .records
            .iter()
            .filter(|(k, _)| k.starts_with("grant/"))
            .map(|(_, v)| Grant::open(v).unwrap())
            .find(|g| g.audience_id() == self.id())
            .unwrap()
    }

    /// An entry of its own in `annee/2025`, signed at `time` (as a modified client may claim).
    fn entry(
        &self,
        livret: LivretId,
        subject: &str,
        text: &str,
        time: i64,
    ) -> (String, SignedEntry) {
        use livret::core::vocab::{
            Appreciation, Discipline, DisciplineCode, Evaluation, Millesime, Period, Positioning,
        };
        let code = DisciplineCode::parse(subject).unwrap();
        let draft = livret::core::content::subject(
            Millesime::new(2025).unwrap(),
            Period::parse("1/3").unwrap(),
            &Discipline::known(&code).unwrap(),
            &Evaluation::Level(Positioning::from_value(3).unwrap()),
            &Appreciation::parse(text).unwrap(),
        );
        let e = SignedEntry::sign(
            &self.secret,
            livret,
            draft.section,
            &draft.key,
            draft.content,
            draft.texts,
            time,
        );
        (draft.key, e)
    }
}

async fn send(s: &mut Session, f: &Frame) {
    s.send(&f.encode()).await.unwrap();
}

/// Reads frames until the family ends its turn or the session; returns what it sent.
async fn read_turn(s: &mut Session) -> Vec<Frame> {
    let mut out = Vec::new();
    for _ in 0..1000 {
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
    out
}

/// Waits until the family's side closes the session (at most 20 s).
async fn until_closed(s: &mut Session) {
    let _ = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(_)) = s.recv().await {}
    })
    .await;
}

/// The hello of a peer listing `annee/2025` of each livret with the heads of `doc`.
fn hello(livrets: &[LivretId], doc: &mut SectionDoc) -> Frame {
    let heads: Vec<ByteBuf> = doc
        .heads()
        .iter()
        .map(|h| ByteBuf::from(h.0.to_vec()))
        .collect();
    Frame::Hello(Hello {
        name: "Mallory".into(),
        role: "teacher".into(),
        livrets: livrets
            .iter()
            .map(|l| HelloLivret {
                livret: l.0,
                docs: vec![("annee/2025".into(), heads.clone())],
                erasures: vec![],
            })
            .collect(),
    })
}

/// The heads the family listed for `annee/2025` of `livret` in its hello.
fn their_heads(frame: &Frame, livret: LivretId) -> Vec<automerge::ChangeHash> {
    let Frame::Hello(h) = frame else {
        panic!("hello expected, got {frame:?}")
    };
    h.livrets
        .iter()
        .filter(|l| l.livret == livret.0)
        .flat_map(|l| l.docs.iter())
        .filter(|(n, _)| n == "annee/2025")
        .flat_map(|(_, heads)| heads.iter())
        .map(|h| automerge::ChangeHash::try_from(h.as_slice()).unwrap())
        .collect()
}

/// One session as the dialer: hello, then one turn carrying what `doc` holds that the family
/// lacks (primed from the family's hello), then quiet. `between` runs after the hellos, before
/// the turn. Returns every frame the family sent.
async fn push_once(
    mallory: &Mallory,
    family: &TestDevice,
    livret: LivretId,
    doc: &mut SectionDoc,
    between: impl FnOnce(),
) -> Vec<Frame> {
    let mut s = mallory.open(family).await;
    send(&mut s, &hello(&[livret], doc)).await;
    // The family may close the connection at once (its `serve` closes those of a device whose
    // access ended): nothing was sent then.
    let Ok(Some(b)) = s.recv().await else {
        return vec![];
    };
    let theirs = Frame::decode(&b).unwrap();
    let mut state = State::new();
    doc.prime(&mut state, &their_heads(&theirs, livret));
    between();
    let mut received = vec![theirs];
    let mut n = 0;
    if let Some((m, _)) = doc.generate_sync_message(&mut state) {
        let f = Frame::Sync(SyncMessage {
            livret: livret.0,
            target: "annee/2025".into(),
            message: ByteBuf::from(m),
        });
        if s.send(&f.encode()).await.is_ok() {
            n = 1;
        }
    }
    if s.send(&Frame::EndRound(n).encode()).await.is_ok() {
        received.extend(read_turn(&mut s).await);
        let _ = s.send(&Frame::EndRound(0).encode()).await;
    }
    until_closed(&mut s).await;
    received
}

/// The family's entries of `annee/2025`: key and signed bytes.
fn annee(dev: &TestDevice, livret: LivretId) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = dev
        .with(|d| d.signed_entries(livret))
        .unwrap()
        .into_iter()
        .filter(|(s, _, _)| *s == Section::Annee(2025))
        .map(|(_, k, e)| (k, e.to_bytes()))
        .collect();
    v.sort();
    v
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

/// The refused audit lines against `peer` since line `from`.
fn refusals_since(family: &TestDevice, peer: &DeviceId, from: usize) -> Vec<String> {
    family
        .with(|d| d.audit(None))
        .unwrap()
        .into_iter()
        .skip(from)
        .filter(|a| a.peer.as_deref() == Some(peer.to_string().as_str()))
        .filter(|a| a.outcome == "refused")
        .map(|a| format!("{}: {}", a.action.as_str(), a.detail))
        .collect()
}

fn audit_len(family: &TestDevice) -> usize {
    family.with(|d| d.audit(None)).unwrap().len()
}

/// A family device with a livret.
async fn family() -> (TestDevice, LivretId) {
    let family = TestDevice::new(Role::Family, "Maman de Lina").await;
    let livret = family
        .with(|d| d.add_child("Lina Moreau", "2014-03-02", Some("1234567890V")))
        .unwrap();
    (family, livret)
}

/// An invitation whose grant ends at the end of `until` (a date).
fn invite_until(family: &TestDevice, livret: LivretId, rights: Rights, until: &str) -> String {
    let sections = Section::parse_list("annee/2025").unwrap();
    let addrs = family.addresses();
    family
        .with(|d| d.invite(livret, &sections, rights, until, 15, addrs))
        .unwrap()
        .invitation
}

/// A date about a month from now, as `YYYY-MM-DD` (a grant that ends soon).
fn in_a_month(dev: &TestDevice) -> String {
    let now = dev.with(|d| d.now());
    let days = now / 86_400 + 31;
    // Civil date from days since 1970 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Finding 6: a grantee's entry is accepted only while its author's grant is in force when it
/// arrives (the receiving device's clock), or within the grace for entries signed before the
/// end; a peer without a write right sends no changes; deleting needs a write right.
mod finding6_write_rights {
    use super::*;
    use livret::core::policy::WRITE_GRACE_SECONDS;

    /// Mallory holds a write grant that ends in a month and a read grant to 2099 on the same
    /// section (a teacher who moved on, still allowed to read).
    async fn scene(seed: u8) -> (TestDevice, LivretId, Mallory, Grant) {
        let (family, livret) = family().await;
        let mallory = Mallory::new(seed).await;
        let until = in_a_month(&family);
        let write = mallory
            .redeem(
                &family,
                &invite_until(&family, livret, Rights::Write, &until),
            )
            .await;
        mallory
            .redeem(&family, &family.invite(livret, "annee/2025", Rights::Read))
            .await;
        (family, livret, mallory, write)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_backdated_entry_under_an_ended_write_grant_is_refused() {
        let (family, livret, mallory, write) = scene(0x61).await;
        // The family's clock is past the grant's end and the grace; Mallory signs as if it
        // had written the day before the end.
        let now = family.with(|d| d.now());
        family
            .with(|d| d.set_clock_offset_for_tests(write.until + WRITE_GRACE_SECONDS + 3600 - now));
        let mut doc = SectionDoc::new();
        let (k, e) = mallory.entry(livret, "HISGEO", "Écrit après coup.", write.until - 86_400);
        doc.put(&k, &e).unwrap();
        let mark = audit_len(&family);
        let got = push_once(&mallory, &family, livret, &mut doc, || {}).await;
        assert!(
            annee(&family, livret).is_empty(),
            "a backdated entry was accepted after the grant's end and grace"
        );
        assert!(
            got.iter().any(|f| matches!(f, Frame::Refused(_))),
            "{got:?}"
        );
        let r = refusals_since(&family, &mallory.id(), mark);
        assert!(r.iter().any(|l| batch_refused(l)), "{r:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn entries_signed_before_the_end_arrive_within_the_grace_and_not_after() {
        let (family, livret) = family().await;
        let mallory = Mallory::new(0x62).await;
        let until = in_a_month(&family);
        // Only a write grant: once it ended, Mallory reads nothing, but may still hand in what
        // it wrote before the end, for WRITE_GRACE_SECONDS.
        let write = mallory
            .redeem(
                &family,
                &invite_until(&family, livret, Rights::Write, &until),
            )
            .await;
        let now = family.with(|d| d.now());
        family.with(|d| d.set_clock_offset_for_tests(write.until + 3600 - now));
        let mut doc = SectionDoc::new();
        let (k, e) = mallory.entry(livret, "HISGEO", "Dernier bilan.", write.until - 3600);
        doc.put(&k, &e).unwrap();
        let got = push_once(&mallory, &family, livret, &mut doc, || {}).await;
        assert_eq!(
            annee(&family, livret),
            vec![(k.clone(), e.to_bytes())],
            "the last entry, signed before the end, did not arrive within the grace: {got:?}"
        );
        // Nothing went back to a device whose grant ended.
        assert!(!got.iter().any(|f| matches!(f, Frame::Sync(_))), "{got:?}");
        // After the grace, the next one is refused.
        family.with(|d| d.set_clock_offset_for_tests(write.until + WRITE_GRACE_SECONDS + 60 - now));
        let (k2, e2) = mallory.entry(livret, "PHYCHI", "Trop tard.", write.until - 3600);
        doc.put(&k2, &e2).unwrap();
        push_once(&mallory, &family, livret, &mut doc, || {}).await;
        assert_eq!(annee(&family, livret), vec![(k, e.to_bytes())]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reader_cannot_relay_another_authors_entry() {
        let (family, livret) = family().await;
        let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
        teacher
            .accept(&family.invite(livret, "annee/2025", Rights::Write), None)
            .await
            .unwrap();
        let mallory = Mallory::new(0x63).await;
        mallory
            .redeem(&family, &family.invite(livret, "annee/2025", Rights::Read))
            .await;
        // The teacher writes and hands the signed entry to Mallory (a reader) instead of
        // syncing it: Mallory relays it.
        teacher
            .with(|d| {
                d.assess(
                    livret,
                    2025,
                    "1/3",
                    "FRANCS",
                    None,
                    Some(2),
                    None,
                    "Passable.",
                )
            })
            .unwrap();
        let (_, key, entry) = teacher
            .with(|d| d.signed_entries(livret))
            .unwrap()
            .into_iter()
            .find(|(s, _, _)| *s == Section::Annee(2025))
            .unwrap();
        let mut doc = SectionDoc::new();
        doc.put(&key, &entry).unwrap();
        let mark = audit_len(&family);
        push_once(&mallory, &family, livret, &mut doc, || {}).await;
        assert!(
            annee(&family, livret).is_empty(),
            "a reader relayed the teacher's entry"
        );
        let r = refusals_since(&family, &mallory.id(), mark);
        assert!(r.iter().any(|l| batch_refused(l)), "{r:?}");
        // The teacher's own sync still brings it.
        let r = teacher.sync_with(&family).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        assert_eq!(annee(&family, livret), vec![(key, entry.to_bytes())]);
        // And a real read-only device syncs without sending anything the family refuses.
        let reader = TestDevice::new(Role::Teacher, "Mme Leroy").await;
        reader
            .accept(&family.invite(livret, "annee/2025", Rights::Read), None)
            .await
            .unwrap();
        let r = reader.sync_with(&family).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        assert_eq!(annee(&reader, livret), annee(&family, livret));
    }

    /// A reader's device holding entries one parent's device lacks (it synced with the other
    /// parent first) sends them to no one: it sends only requests, is refused nothing, and
    /// still receives what that parent's device has for it, in a few turns.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_readers_device_sends_only_requests_and_still_receives() {
        let (mom, livret) = family().await;
        let dad = TestDevice::new(Role::Family, "Papa").await;
        let addrs = mom.addresses();
        let inv = mom
            .with(|d| d.invite(livret, &[], Rights::Owner, "2099-06-30", 15, addrs))
            .unwrap()
            .invitation;
        assert!(dad.accept(&inv, None).await.unwrap().refused.is_empty());
        let reader = TestDevice::new(Role::Teacher, "Mme Leroy").await;
        reader
            .accept(&mom.invite(livret, "annee/2025", Rights::Read), None)
            .await
            .unwrap();
        assert!(dad.sync_with(&mom).await.unwrap().refused.is_empty());
        livret_tests::write_subject_unchecked(&dad, livret, "1/3", "EDMUSI", 4, "Très bien.");
        let r = reader.sync_with(&dad).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        assert_eq!(annee(&reader, livret), annee(&dad, livret));
        livret_tests::write_subject_unchecked(&mom, livret, "1/3", "FRANCS", 3, "Bon travail.");
        let r = reader.sync_with(&mom).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        assert_eq!(r.sent_changes, 0, "{r:?}");
        assert!(r.rounds <= 4, "{r:?}");
        // It received Mom's entry; Mom did not receive Dad's from it.
        assert_eq!(annee(&reader, livret).len(), 2);
        assert_eq!(annee(&mom, livret).len(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn deleting_needs_a_write_right() {
        let (family, livret, mallory, write) = scene(0x64).await;
        // While the write grant runs, Mallory writes an entry of its own.
        let now = family.with(|d| d.now());
        let mut doc = SectionDoc::new();
        let (k, e) = mallory.entry(livret, "HISGEO", "Mon bilan.", now);
        doc.put(&k, &e).unwrap();
        push_once(&mallory, &family, livret, &mut doc, || {}).await;
        assert_eq!(annee(&family, livret), vec![(k.clone(), e.to_bytes())]);
        // After the grant (and the grace) ended, with only its read grant, it deletes it.
        family
            .with(|d| d.set_clock_offset_for_tests(write.until + WRITE_GRACE_SECONDS + 3600 - now));
        doc.delete(&k).unwrap();
        let mark = audit_len(&family);
        push_once(&mallory, &family, livret, &mut doc, || {}).await;
        assert_eq!(
            annee(&family, livret),
            vec![(k, e.to_bytes())],
            "an author without a write right deleted its entry"
        );
        let r = refusals_since(&family, &mallory.id(), mark);
        assert!(r.iter().any(|l| batch_refused(l)), "{r:?}");
    }
}

/// Finding 5: a revocation holds for the next batch that arrives, within a turn already open,
/// and ends the sessions that use the revoked grant.
mod finding5_revocation_in_session {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_arriving_after_a_revocation_is_refused_and_the_session_ends() {
        let (family, livret) = family().await;
        let mallory = Mallory::new(0x65).await;
        let grant = mallory
            .redeem(&family, &family.invite(livret, "annee/2025", Rights::Write))
            .await;
        let now = family.with(|d| d.now());
        let mut doc = SectionDoc::new();
        let (k, e) = mallory.entry(livret, "HISGEO", "Écrit pendant la révocation.", now);
        doc.put(&k, &e).unwrap();
        let mark = audit_len(&family);
        // The hellos are exchanged under the grant; the family revokes it before Mallory's
        // first turn arrives.
        let got = push_once(&mallory, &family, livret, &mut doc, || {
            family
                .with(|d| d.revoke(&grant.grant_id().to_string()))
                .unwrap();
        })
        .await;
        assert!(
            annee(&family, livret).is_empty(),
            "a batch sent after the revocation, in a session opened before it, was merged"
        );
        // The session ended, either when the batch arrived (then the peer was told of the
        // revocation first) or, on a loaded machine, at `serve`'s next tick (within 2 s of the
        // revocation), whichever came first; both are audited.
        let r = refusals_since(&family, &mallory.id(), mark);
        assert!(r.iter().any(|l| l.contains("révoquée")), "{r:?}");
        if r.iter().any(|l| l.contains("révoquée pendant la session")) {
            assert!(
                got.iter().any(|f| matches!(f, Frame::Revoked(_))),
                "{got:?}"
            );
        }
    }

    /// A peer that keeps its turn open (a frame now and then, never the end of its turn) is cut
    /// at the turn deadline, whatever it sends.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_turn_has_a_deadline() {
        let (family, livret) = family().await;
        family.with(|d| d.set_turn_deadline_for_tests(Duration::from_secs(3)));
        let mallory = Mallory::new(0x69).await;
        mallory
            .redeem(&family, &family.invite(livret, "annee/2025", Rights::Write))
            .await;
        let mark = audit_len(&family);
        let mut s = mallory.open(&family).await;
        send(&mut s, &hello(&[livret], &mut SectionDoc::new())).await;
        let Ok(Some(_)) = s.recv().await else {
            panic!("no hello from the family")
        };
        // A frame every half second for 10 s: each is read, none ends the turn.
        let started = std::time::Instant::now();
        let mut cut = false;
        for _ in 0..20 {
            let f = Frame::Refused(livret_net::protocol::Refused {
                livret: None,
                target: None,
                code: livret::core::RefusalCode::Protocol.number(),
                key: None,
                detail: Some("encore un instant".into()),
            });
            if s.send(&f.encode()).await.is_err() {
                cut = true;
                break;
            }
            if let Ok(r) = tokio::time::timeout(Duration::from_millis(500), s.recv()).await {
                if !matches!(r, Ok(Some(_))) {
                    cut = true;
                    break;
                }
            }
        }
        assert!(cut, "the turn was still open after 10 s");
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "{:?}",
            started.elapsed()
        );
        let r = refusals_since(&family, &mallory.id(), mark);
        assert!(
            r.iter().any(|l| l.contains("tour de l'autre appareil")),
            "{r:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_revocation_closes_an_open_session_that_uses_the_grant() {
        let family = TestDevice::new(Role::Family, "Maman").await;
        let lina = family
            .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
            .unwrap();
        let noe = family
            .with(|d| d.add_child("Noé Moreau", "2017-09-12", None))
            .unwrap();
        let mallory = Mallory::new(0x66).await;
        let grant = mallory
            .redeem(&family, &family.invite(lina, "annee/2025", Rights::Write))
            .await;
        // A grant on the other livret stays in force.
        mallory
            .redeem(&family, &family.invite(noe, "annee/2025", Rights::Write))
            .await;
        let mut s = mallory.open(&family).await;
        send(&mut s, &hello(&[lina, noe], &mut SectionDoc::new())).await;
        let Ok(Some(_)) = s.recv().await else {
            panic!("no hello from the family")
        };
        // Mallory holds its turn; the family revokes its grant on Lina's livret.
        family
            .with(|d| d.revoke(&grant.grant_id().to_string()))
            .unwrap();
        let started = std::time::Instant::now();
        let closed = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                match s.recv().await {
                    Ok(Some(_)) => continue,
                    _ => return,
                }
            }
        })
        .await;
        assert!(
            closed.is_ok(),
            "the session using the revoked grant was still open 10 s after the revocation"
        );
        eprintln!(
            "session closed {} ms after the revocation",
            started.elapsed().as_millis()
        );
    }
}

/// Finding 9: a device restoring from a teacher's copy keeps only entries whose authors the
/// records it received allow in that section.
mod finding9_restore_authors {
    use super::*;
    use livret::core::recovery::RecoveryKey;
    use livret::recovery::restore;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_restore_from_a_teachers_copy_keeps_only_authors_its_records_allow() {
        let mom = TestDevice::new(Role::Family, "Maman").await;
        let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
        let other = TestDevice::new(Role::Teacher, "Mme Durand").await;
        let lina = mom
            .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
            .unwrap();
        let sheet = mom.with(|d| d.recovery_print()).unwrap();
        let key = RecoveryKey::from_words(&sheet.words.join(" ")).unwrap();
        let addrs = mom.addresses();
        let inv = mom
            .with(|d| {
                d.invite(
                    lina,
                    &Section::parse_list("annee/2025,annee/2026").unwrap(),
                    Rights::Write,
                    "2099-06-30",
                    15,
                    addrs,
                )
            })
            .unwrap()
            .invitation;
        teacher.accept(&inv, None).await.unwrap();
        other
            .accept(&mom.invite(lina, "annee/2025", Rights::Write), None)
            .await
            .unwrap();
        // Mme Durand's entry reaches M. Martin's copy through Mom's device; M. Martin's copy
        // of the manifest does not know her grant.
        other
            .with(|d| {
                d.assess(
                    lina,
                    2025,
                    "1/3",
                    "MATHEM",
                    None,
                    Some(2),
                    None,
                    "Des progrès.",
                )
            })
            .unwrap();
        assert!(other.sync_with(&mom).await.unwrap().refused.is_empty());
        teacher
            .with(|d| d.assess(lina, 2026, "1/3", "FRANCS", None, Some(3), None, "Bien."))
            .unwrap();
        assert!(teacher.sync_with(&mom).await.unwrap().refused.is_empty());
        let other_id = other.id();
        let authors = |dev: &TestDevice| -> Vec<(String, String)> {
            let mut v: Vec<(String, String)> = dev
                .with(|d| d.signed_entries(lina))
                .unwrap()
                .into_iter()
                .map(|(s, _, e)| {
                    (
                        s.to_string(),
                        e.payload_unverified().unwrap().author_id().to_string(),
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert!(authors(&teacher).contains(&("annee/2025".to_string(), other_id.clone())));

        // Mom's phone is lost; a new device restores from M. Martin's copy.
        mom.stop().await;
        let new = TestDevice::new(Role::Family, "Maman (nouveau téléphone)").await;
        let report = restore(
            &new.dev,
            &new.node,
            teacher.node.peer_id(),
            vec![teacher.addr()],
            &key,
        )
        .await
        .unwrap();
        assert_eq!(report.livrets, vec![lina.to_string()]);
        let restored = authors(&new);
        assert!(
            !restored.iter().any(|(_, a)| *a == other_id),
            "an entry by an author the received records do not allow was kept: {restored:?}"
        );
        // The teacher's own section, whose authors the records allow, came back.
        assert_eq!(restored, vec![("annee/2026".to_string(), teacher.id())]);
        assert!(
            report
                .session
                .refused
                .iter()
                .any(|r| r.target.as_deref() == Some("annee/2025")),
            "{report:?}"
        );
    }
}

/// Finding 4 (the withheld-text part): a text may stand withheld only inside a jury extract;
/// anywhere else every text must match its signed digest.
mod finding4_withheld_texts {
    use super::*;
    use livret::core::entry::WITHHELD;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_withheld_text_outside_a_jury_extract_is_refused() {
        let (family, livret) = family().await;
        let mallory = Mallory::new(0x67).await;
        mallory
            .redeem(&family, &family.invite(livret, "annee/2025", Rights::Write))
            .await;
        // A valid signature over the digest of a text the family's screen refuses (a support
        // measure outside `accompagnement`), the text itself replaced by the placeholder of a
        // jury extract: its checks would be skipped and the signed text blanked.
        let now = family.with(|d| d.now());
        let (k, mut e) = mallory.entry(livret, "HISGEO", "Il bénéficie d'un PPS.", now);
        e.texts = vec![WITHHELD.to_string()];
        let mut doc = SectionDoc::new();
        doc.put(&k, &e).unwrap();
        let mark = audit_len(&family);
        push_once(&mallory, &family, livret, &mut doc, || {}).await;
        assert!(
            annee(&family, livret).is_empty(),
            "an entry with a withheld text was accepted outside a jury extract"
        );
        let r = refusals_since(&family, &mallory.id(), mark);
        assert!(r.iter().any(|l| batch_refused(l)), "{r:?}");
    }
}

/// Finding 4 (concurrent values): which value is shown is decided by signed content, and a
/// grantee cannot bring back an older or altered version of another author's entry by putting
/// it concurrently (Automerge would keep both and show the one whose op id the sender chose).
mod finding4_concurrent_values {
    use super::*;

    /// A hand-driven exchange as the dialer: turns of sync messages for `doc` until both
    /// sides are quiet, applying what the family sends. Returns every frame received.
    async fn exchange(
        mallory: &Mallory,
        family: &TestDevice,
        livret: LivretId,
        doc: &mut SectionDoc,
    ) -> Vec<Frame> {
        let mut s = mallory.open(family).await;
        send(&mut s, &hello(&[livret], doc)).await;
        let mut received = Vec::new();
        let Ok(Some(b)) = s.recv().await else {
            return received;
        };
        received.push(Frame::decode(&b).unwrap());
        let mut state = State::new();
        for _ in 0..20 {
            let mut n = 0;
            if let Some((m, _)) = doc.generate_sync_message(&mut state) {
                let f = Frame::Sync(SyncMessage {
                    livret: livret.0,
                    target: "annee/2025".into(),
                    message: ByteBuf::from(m),
                });
                if s.send(&f.encode()).await.is_err() {
                    break;
                }
                n = 1;
            }
            if s.send(&Frame::EndRound(n).encode()).await.is_err() {
                break;
            }
            let turn = read_turn(&mut s).await;
            let mut theirs = None;
            for f in &turn {
                match f {
                    Frame::Sync(m) => doc.receive_unchecked(&mut state, &m.message).unwrap(),
                    Frame::EndRound(k) => theirs = Some(*k),
                    _ => {}
                }
            }
            received.extend(turn);
            match theirs {
                None => break,
                Some(0) if n == 0 => break,
                _ => {}
            }
        }
        until_closed(&mut s).await;
        received
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_concurrent_older_version_of_another_authors_entry_is_refused() {
        use automerge::transaction::Transactable;
        let (family, livret) = family().await;
        let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
        teacher
            .accept(&family.invite(livret, "annee/2025", Rights::Write), None)
            .await
            .unwrap();
        let mallory = Mallory::new(0x68).await;
        mallory
            .redeem(&family, &family.invite(livret, "annee/2025", Rights::Write))
            .await;
        let write = |level: u8, text: &str| {
            teacher
                .with(|d| d.assess(livret, 2025, "1/3", "FRANCS", None, Some(level), None, text))
                .unwrap();
        };
        write(2, "Des efforts à poursuivre.");
        assert!(teacher.sync_with(&family).await.unwrap().refused.is_empty());
        // Mallory holds the first version (with its history), then the teacher writes a newer
        // one that reaches the family.
        let mut doc = SectionDoc::new();
        exchange(&mallory, &family, livret, &mut doc).await;
        let key = "bilan/1-3/FRANCS";
        let first = doc.get(key).unwrap();
        write(3, "Nets progrès ce trimestre.");
        assert!(teacher.sync_with(&family).await.unwrap().refused.is_empty());
        let current = || -> Vec<Vec<u8>> {
            family
                .with(|d| d.signed_entries(livret))
                .unwrap()
                .into_iter()
                .filter(|(_, k, _)| k == key)
                .map(|(_, _, e)| e.to_bytes())
                .collect()
        };
        let newer = current();
        assert_eq!(newer.len(), 1);
        // Concurrently, Mallory puts the first version back (other unsigned bytes: a
        // certificate attached), with an actor id that wins Automerge's tie.
        let variant = SignedEntry {
            certificate: Some(vec![0x42; 8]),
            ..first
        };
        let mut am = automerge::AutoCommit::load(&doc.save())
            .unwrap()
            .with_actor(automerge::ActorId::from([0xffu8; 16]));
        am.put(
            automerge::ROOT,
            key,
            automerge::ScalarValue::Bytes(variant.to_bytes()),
        )
        .unwrap();
        am.commit();
        let mut doc = SectionDoc::load(&am.save(), &[]).unwrap();
        let mark = audit_len(&family);
        exchange(&mallory, &family, livret, &mut doc).await;
        assert_eq!(
            current(),
            newer,
            "an older version of the teacher's entry was put back beside the newer one"
        );
        let r = refusals_since(&family, &mallory.id(), mark);
        assert!(r.iter().any(|l| batch_refused(l)), "{r:?}");
    }
}
