//! Attacks of issue 13 (findings 2, 8 and 11), each end to end: every device has its own home
//! and its own libp2p node on 127.0.0.1; the attacker is a hand-made peer (a real
//! `livret_net::Node` speaking `/livret/sync/1` frame by frame) where the normal code would not
//! do what it does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use automerge::sync::State;
use livret::core::doc::SectionDoc;
use livret::core::grant::Rights;
use livret::core::{LivretId, Role, Section};
use livret_net::protocol::{ByteBuf, Frame, Hello, HelloLivret, SyncMessage};
use livret_net::Session;
use livret_tests::{contains, TestDevice};

/// Reads frames until the peer ends its turn or the session (or goes quiet for 20 s).
async fn read_turn(s: &mut Session) -> Vec<Frame> {
    let mut out = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(20), s.recv()).await {
            Ok(Ok(Some(bytes))) => {
                let Ok(f) = Frame::decode(&bytes) else {
                    return out;
                };
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

/// A hand-driven session as the dialer: a hello listing `docs` under the names given (with
/// their heads), then turns of sync messages under those names until both sides are quiet
/// (20 turns at most). Returns every frame received.
async fn hand_sync(
    s: &mut Session,
    livret: LivretId,
    docs: &mut [(String, SectionDoc, State)],
) -> Vec<Frame> {
    let hello = Hello {
        name: "M. Martin".into(),
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
    let mut received = Vec::new();
    if s.send(&Frame::Hello(hello).encode()).await.is_err() {
        return received;
    }
    // The peer's introductions (if any) and hello.
    loop {
        match tokio::time::timeout(Duration::from_secs(20), s.recv()).await {
            Ok(Ok(Some(b))) => {
                let f = Frame::decode(&b).unwrap();
                let hello = matches!(f, Frame::Hello(_));
                received.push(f);
                if hello {
                    break;
                }
            }
            _ => return received,
        }
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
                        let _ = d.receive_unchecked(st, &m.message);
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

/// Finding 2: another spelling of a section name must not bring erased data back.
mod finding_2 {
    use super::*;

    const FORGOTTEN: &str = "Appréciation-à-oublier-V2s";
    const KEPT: &str = "Appréciation-qui-reste-P7k";

    fn history(dev: &TestDevice, livret: LivretId) -> Vec<u8> {
        dev.with(|d| d.section_history_bytes(livret, Section::Annee(2025)))
            .unwrap()
            .unwrap_or_default()
    }

    fn keys(dev: &TestDevice, livret: LivretId) -> Vec<String> {
        let view = dev.with(|d| d.show(livret)).unwrap();
        view.sections
            .iter()
            .flat_map(|s| s.entries.iter().map(|e| e.key.clone()))
            .collect()
    }

    /// A teacher with a write grant keeps its copy from before the family forgot an entry and
    /// syncs it under other spellings of `annee/2025` (a trailing space, an accent, a leading
    /// space, capitals): every attempt is refused with a message that names the problem, and the
    /// forgotten entry never comes back on the family's device.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn another_spelling_of_a_section_does_not_bring_an_erased_entry_back() {
        let family = TestDevice::new(Role::Family, "Maman").await;
        let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
        let livret = family
            .with(|d| d.add_child("Zoé Orthographe", "2013-05-04", None))
            .unwrap();
        teacher
            .accept(&family.invite(livret, "annee/2025", Rights::Write), None)
            .await
            .unwrap();
        let forgotten_key = teacher
            .with(|d| {
                d.assess(
                    livret,
                    2025,
                    "1/3",
                    "FRANCS",
                    None,
                    Some(3),
                    None,
                    FORGOTTEN,
                )
            })
            .unwrap();
        teacher
            .with(|d| d.assess(livret, 2025, "1/3", "MATHEM", None, Some(3), None, KEPT))
            .unwrap();
        let r = teacher.sync_with(&family).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        assert!(keys(&family, livret).contains(&forgotten_key));

        // The teacher's copy from before the erasure.
        let old_copy = history(&teacher, livret);
        assert!(contains(&old_copy, FORGOTTEN));

        let report = family
            .with(|d| d.forget(livret, Section::Annee(2025), Some(&forgotten_key)))
            .unwrap();
        assert_eq!(report.erased_entries, 1);
        assert!(!contains(&history(&family, livret), FORGOTTEN));

        for spelling in ["annee/2025 ", "année/2025", " annee/2025", "Annee/2025"] {
            let mut s = teacher
                .node
                .open_session(family.node.peer_id(), vec![family.addr()])
                .await
                .unwrap();
            let doc = SectionDoc::load(&old_copy, &[]).unwrap();
            let mut docs = vec![(spelling.to_string(), doc, State::new())];
            let got = hand_sync(&mut s, livret, &mut docs).await;
            drop(s);
            assert!(
                !contains(&history(&family, livret), FORGOTTEN),
                "« {spelling} »: the forgotten entry came back into the family's history"
            );
            assert!(
                !keys(&family, livret).contains(&forgotten_key),
                "« {spelling} »: the forgotten entry is shown again"
            );
            let reasons: Vec<livret_net::protocol::Refused> = got
                .iter()
                .filter_map(|f| match f {
                    Frame::Refused(r) => Some(r.clone()),
                    _ => None,
                })
                .collect();
            assert!(
                reasons.iter().any(|r| {
                    r.code == livret::core::RefusalCode::NonCanonicalSection.number()
                        && r.detail.as_deref() == Some("annee/2025")
                }),
                "« {spelling} »: not refused with a message naming the problem: {reasons:?}"
            );
            assert!(
                !got.iter()
                    .any(|f| matches!(f, Frame::Sync(m) if m.target == spelling)),
                "« {spelling} »: the family synced under that name"
            );
        }
        // The family's copy still holds what was kept, and the real teacher still syncs (its
        // copy is rebuilt first, then the section syncs again).
        assert!(contains(&history(&family, livret), KEPT));
        teacher.sync_with(&family).await.unwrap();
        let r = teacher.sync_with(&family).await.unwrap();
        assert!(r.refused.is_empty(), "{r:?}");
        assert!(!contains(&history(&family, livret), FORGOTTEN));
        assert!(!contains(&history(&teacher, livret), FORGOTTEN));
    }
}

/// The resident set size of this process, in KiB.
fn vm_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A bare node with its own key and no policy: a stranger on the local network (keys cost
/// nothing to make).
async fn stranger_node(seed: u8) -> (livret_net::Node, livret_net::PeerId) {
    let mut key = [0x5a; 32];
    key[0] = seed;
    key[1] = 0xa5;
    let mut config = livret_net::NodeConfig::new(zeroize::Zeroizing::new(key));
    config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()];
    config.mdns = false;
    // Its own limits let it send what the family's refuse.
    config.limits = livret_net::Limits {
        max_frame_bytes: 64 * 1024 * 1024,
        max_sessions_per_peer: 64,
        frame_timeout: Duration::from_secs(60),
    };
    let (node, mut events) = livret_net::Node::start(config).await.unwrap();
    // Nobody answers its incoming sessions; drain its events so its queue never fills.
    tokio::spawn(async move { while events.recv().await.is_some() {} });
    let id = node.peer_id();
    (node, id)
}

/// Finding 8: a stranger must not exhaust the family device's memory.
mod finding_8 {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Instant;

    /// Keys of the flood, and sessions each opens at once.
    const KEYS: u8 = 100;
    const SESSIONS_PER_KEY: usize = 4;
    /// How long the flood lasts.
    const FLOOD: Duration = Duration::from_secs(40);
    /// The stated bound: the test process (the family's device and node, the teacher's, and
    /// the 100 strangers' nodes with their 400 sessions) may grow by this much during the
    /// flood. What the family may hold for strangers: 16 stranger sessions at once (4 per
    /// address), each at most one opening frame (512 KiB) and its decoded hello (under 1 MiB),
    /// about 24 MiB; the rest is the connections' buffers on both sides.
    const RSS_BOUND_KIB: u64 = 128 * 1024;
    /// Past this growth the flood stops at once (the code under test is failing anyway).
    const RSS_SAFETY_KIB: u64 = 1536 * 1024;
    /// A stranger's session must end within this long, whatever it sends.
    const STRANGER_SESSION_BOUND: Duration = Duration::from_secs(25);

    /// The largest hello the protocol lets a device send: livrets × documents × heads (32-byte
    /// heads, every document name and erasure digest at its longest). `min` keeps the shape of
    /// today's bounds should the protocol's be larger.
    fn maximal_hello() -> Vec<u8> {
        use livret_net::protocol::{MAX_HEADS, MAX_HELLO_LIVRETS, MAX_HELLO_TARGETS};
        let livrets = MAX_HELLO_LIVRETS.min(32);
        let targets = MAX_HELLO_TARGETS.min(64);
        let heads = MAX_HEADS.min(4);
        let hello = Hello {
            name: String::new(),
            role: String::new(),
            livrets: (0..livrets)
                .map(|i| HelloLivret {
                    livret: [[0xee; 8], (i as u64).to_be_bytes()]
                        .concat()
                        .try_into()
                        .unwrap(),
                    docs: (0..targets)
                        .map(|j| {
                            (
                                format!("vie-scolaire/{}", 2000 + j),
                                (0..heads)
                                    .map(|h| ByteBuf::from(vec![(h + j) as u8; 32]))
                                    .collect(),
                            )
                        })
                        .collect(),
                    erasures: vec![],
                })
                .collect(),
        };
        Frame::Hello(hello).encode()
    }

    struct Tally {
        opened: AtomicUsize,
        refused_at_door: AtomicUsize,
        longest_ms: AtomicU64,
        stop: AtomicBool,
    }

    /// Whether the family closed the session (a short poll; `recv` is cancel-safe).
    async fn closed(s: &mut Session) -> bool {
        match tokio::time::timeout(Duration::from_millis(5), s.recv()).await {
            Err(_) => false,
            Ok(Ok(Some(_))) => false,
            Ok(Ok(None)) | Ok(Err(_)) => true,
        }
    }

    /// One stranger session slot: opens sessions with the family until the flood ends; each
    /// sends the maximal hello (whole, or trickled 4 KiB every 250 ms: past the opening deadline), then trickles one byte a
    /// second of a frame that never ends. Records how long the family kept each session open.
    async fn slot(
        node: livret_net::Node,
        family: livret_net::PeerId,
        addr: livret_net::Multiaddr,
        hello: Arc<Vec<u8>>,
        trickle_hello: bool,
        end: Instant,
        tally: Arc<Tally>,
    ) {
        for _ in 0..200 {
            if Instant::now() >= end || tally.stop.load(Ordering::Relaxed) {
                return;
            }
            let mut s = match node.open_session(family, vec![addr.clone()]).await {
                Ok(s) => s,
                Err(_) => {
                    tally.refused_at_door.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            tally.opened.fetch_add(1, Ordering::Relaxed);
            let began = Instant::now();
            let mut alive;
            if trickle_hello {
                let len = u32::try_from(hello.len()).unwrap().to_be_bytes();
                alive = s.send_raw(&len).await.is_ok();
                for chunk in hello.chunks(4 * 1024) {
                    if !alive || Instant::now() >= end || tally.stop.load(Ordering::Relaxed) {
                        break;
                    }
                    alive = s.send_raw(chunk).await.is_ok() && !closed(&mut s).await;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            } else {
                alive = s.send(&hello).await.is_ok();
            }
            // A frame announced at 1 MiB, one byte a second.
            if alive {
                alive = s.send_raw(&(1u32 << 20).to_be_bytes()).await.is_ok();
            }
            while alive && Instant::now() < end && !tally.stop.load(Ordering::Relaxed) {
                alive = s.send_raw(&[0xa0]).await.is_ok() && !closed(&mut s).await;
                if alive {
                    tokio::time::sleep(Duration::from_millis(1000)).await;
                }
            }
            let lived = u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX);
            tally.longest_ms.fetch_max(lived, Ordering::Relaxed);
            drop(s);
        }
    }

    /// 100 keys × 4 sessions send maximal hellos and trickle bytes for 40 s while a real
    /// teacher syncs twice. The process's memory stays under the stated bound, every stranger
    /// session ends within 25 s, the teacher's entries reach the family, and a stranger that
    /// names the livret gets an empty hello and nothing more.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flood_of_strangers_stays_within_memory_bounds_while_a_teacher_syncs() {
        let family = TestDevice::new(Role::Family, "Maman de Lina").await;
        let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
        let livret = family
            .with(|d| d.add_child("Lina Moreau", "2014-03-02", None))
            .unwrap();
        teacher
            .accept(&family.invite(livret, "annee/2025", Rights::Write), None)
            .await
            .unwrap();

        let mut strangers = Vec::new();
        for k in 0..KEYS {
            strangers.push(stranger_node(k).await);
        }
        let hello = Arc::new(maximal_hello());
        let tally = Arc::new(Tally {
            opened: AtomicUsize::new(0),
            refused_at_door: AtomicUsize::new(0),
            longest_ms: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let rss0 = vm_rss_kib();
        let peak = Arc::new(AtomicU64::new(rss0));
        let end = Instant::now() + FLOOD;
        let sampler = {
            let (peak, tally) = (peak.clone(), tally.clone());
            tokio::spawn(async move {
                while Instant::now() < end + Duration::from_secs(5) {
                    let now = vm_rss_kib();
                    peak.fetch_max(now, Ordering::Relaxed);
                    if now.saturating_sub(rss0) > RSS_SAFETY_KIB {
                        tally.stop.store(true, Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            })
        };
        let mut slots = Vec::new();
        for (node, _) in &strangers {
            for i in 0..SESSIONS_PER_KEY {
                slots.push(tokio::spawn(slot(
                    node.clone(),
                    family.node.peer_id(),
                    family.addr(),
                    hello.clone(),
                    i % 2 == 1,
                    end,
                    tally.clone(),
                )));
            }
        }

        // Meanwhile the real teacher writes and syncs, twice.
        let mut teacher_syncs = Vec::new();
        for (i, period) in ["2/3", "3/3"].iter().enumerate() {
            tokio::time::sleep(Duration::from_secs(8 + 6 * i as u64)).await;
            teacher
                .with(|d| d.assess(livret, 2025, period, "FRANCS", None, Some(3), None, "Bien."))
                .unwrap();
            let began = Instant::now();
            let r = tokio::time::timeout(Duration::from_secs(20), teacher.sync_with(&family)).await;
            teacher_syncs.push((
                period.to_string(),
                began.elapsed(),
                match r {
                    Ok(Ok(r)) if r.refused.is_empty() => Ok(()),
                    Ok(Ok(r)) => Err(format!("refusals: {:?}", r.refused)),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => Err("no answer within 20 s".to_string()),
                },
            ));
        }
        for s in slots {
            let _ = s.await;
        }
        let _ = sampler.await;
        let grown = peak.load(Ordering::Relaxed).saturating_sub(rss0);
        let longest = Duration::from_millis(tally.longest_ms.load(Ordering::Relaxed));
        eprintln!(
            "flood: {} sessions opened, {} refused at the door; peak RSS growth {} KiB \
             (bound {} KiB); longest stranger session {:?}; teacher syncs: {:?}",
            tally.opened.load(Ordering::Relaxed),
            tally.refused_at_door.load(Ordering::Relaxed),
            grown,
            RSS_BOUND_KIB,
            longest,
            teacher_syncs
        );

        // A stranger that names the livret (its id is in every QR code) gets an empty hello
        // and nothing more: the session then ends.
        let (node, _) = &strangers[0];
        let mut s = node
            .open_session(family.node.peer_id(), vec![family.addr()])
            .await
            .unwrap();
        let probe = Hello {
            name: "Inconnu".into(),
            role: "teacher".into(),
            livrets: vec![HelloLivret {
                livret: livret.0,
                docs: vec![("annee/2025".into(), vec![]), ("manifest".into(), vec![])],
                erasures: vec![],
            }],
        };
        s.send(&Frame::Hello(probe).encode()).await.unwrap();
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), async {
            while let Ok(Some(b)) = s.recv().await {
                answer.push(Frame::decode(&b).map_err(|e| e.to_string()));
                if answer.len() > 20 {
                    break;
                }
            }
        })
        .await;
        let ended = matches!(
            tokio::time::timeout(Duration::from_secs(2), s.recv()).await,
            Ok(Ok(None)) | Ok(Err(_))
        );

        let mut problems = Vec::new();
        if grown > RSS_BOUND_KIB {
            problems.push(format!(
                "memory grew by {grown} KiB during the flood (bound {RSS_BOUND_KIB} KiB)"
            ));
        }
        if longest > STRANGER_SESSION_BOUND {
            problems.push(format!(
                "a stranger's session stayed open {longest:?} (bound {STRANGER_SESSION_BOUND:?})"
            ));
        }
        for (period, took, r) in &teacher_syncs {
            if let Err(e) = r {
                problems.push(format!(
                    "the teacher's sync ({period}) failed: {e} ({took:?})"
                ));
            }
        }
        let entries = family.with(|d| d.signed_entries(livret)).unwrap();
        for key in ["bilan/2-3/FRANCS", "bilan/3-3/FRANCS"] {
            if !entries.iter().any(|(_, k, _)| k == key) {
                problems.push(format!("the teacher's {key} did not reach the family"));
            }
        }
        let empty_hello = matches!(
            answer.as_slice(),
            [Ok(Frame::Hello(h))] if h.livrets.is_empty()
        );
        if !empty_hello || !ended {
            problems.push(format!(
                "a stranger got more than an empty hello (ended: {ended}): {answer:?}"
            ));
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }
}

/// Finding 11: smaller leaks.
mod finding_11 {
    use super::*;

    const PARENT1: &str = "Téléphone-de-Maman-Q8w";
    const PARENT2: &str = "Tablette-de-Papa-J3z";

    /// Every frame the family sends in a hand-made session from `from`'s node whose hello lists
    /// `livret` (its `annee/2025` and manifest, no heads), until the family ends its turn.
    async fn frames_for(from: &TestDevice, family: &TestDevice, livret: LivretId) -> Vec<Frame> {
        let mut s = from
            .node
            .open_session(family.node.peer_id(), vec![family.addr()])
            .await
            .unwrap();
        let hello = Hello {
            name: "x".into(),
            role: "jury".into(),
            livrets: vec![HelloLivret {
                livret: livret.0,
                docs: vec![("annee/2025".into(), vec![]), ("manifest".into(), vec![])],
                erasures: vec![],
            }],
        };
        s.send(&Frame::Hello(hello).encode()).await.unwrap();
        let mut got = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), async {
            // Their hello (and introductions), then their turn after our empty one.
            while let Ok(Some(b)) = s.recv().await {
                let f = Frame::decode(&b).unwrap();
                let hello = matches!(f, Frame::Hello(_));
                got.push(f);
                if hello {
                    break;
                }
            }
            if s.send(&Frame::EndRound(0).encode()).await.is_err() {
                return;
            }
            got.extend(read_turn(&mut s).await);
        })
        .await;
        got
    }

    fn names_in(bytes: &[u8]) -> Vec<&'static str> {
        [PARENT1, PARENT2]
            .into_iter()
            .filter(|n| contains(bytes, n))
            .collect()
    }

    /// A stranger learns nothing from the family's hello: no name, no role, no livret.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stranger_learns_neither_the_name_nor_the_role_of_the_device() {
        let family = TestDevice::new(Role::Family, PARENT1).await;
        let livret = family
            .with(|d| d.add_child("Noé Discret", "2015-01-09", None))
            .unwrap();
        let stranger = TestDevice::new(Role::Teacher, "Inconnu").await;
        let got = frames_for(&stranger, &family, livret).await;
        let Some(Frame::Hello(h)) = got.first() else {
            panic!("no hello: {got:?}")
        };
        assert!(
            h.name.is_empty() && h.role.is_empty() && h.livrets.is_empty(),
            "a stranger was told « {} » ({}) and {} livret(s)",
            h.name,
            h.role,
            h.livrets.len()
        );
    }

    /// Revocation and deletion notices carry no parent's device name (a jury never learns
    /// them), and the stripped notices still work: the revoked jury purges, the other jury
    /// deletes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn notices_name_no_parent_and_reach_only_former_grantees() {
        let parent1 = TestDevice::new(Role::Family, PARENT1).await;
        let parent2 = TestDevice::new(Role::Family, PARENT2).await;
        let jury1 = TestDevice::new(Role::Jury, "Jury A").await;
        let jury2 = TestDevice::new(Role::Jury, "Jury B").await;
        let livret = parent1
            .with(|d| d.add_child("Inès Pseudonyme", "2012-07-21", None))
            .unwrap();
        parent2
            .accept(&parent1.invite(livret, "identite", Rights::Device), None)
            .await
            .unwrap();
        livret_tests::write_subject_unchecked(&parent1, livret, "1/3", "FRANCS", 3, "Bien.");
        for jury in [&jury1, &jury2] {
            jury.accept(&parent1.invite_jury(livret, "annee/2025"), None)
                .await
                .unwrap();
        }
        let grant = parent1
            .with(|d| d.grants(livret))
            .unwrap()
            .into_iter()
            .find(|g| g.audience == jury1.id())
            .unwrap()
            .grant_id;
        parent1.with(|d| d.revoke(&grant)).unwrap();

        let got = frames_for(&jury1, &parent1, livret).await;
        let Some(Frame::Revoked(r)) = got.iter().find(|f| matches!(f, Frame::Revoked(_))) else {
            panic!("no revocation notice: {got:?}")
        };
        let leaked: Vec<_> = r.owners.iter().flat_map(|(_, v)| names_in(v)).collect();
        assert!(
            leaked.is_empty(),
            "the revocation notice told a jury the parents' device names {leaked:?}"
        );
        let report = jury1.sync_with(&parent1).await.unwrap();
        assert_eq!(report.purged.len(), 1, "{report:?}");

        parent1.with(|d| d.delete_livret(livret)).unwrap();
        let got = frames_for(&jury2, &parent1, livret).await;
        let Some(Frame::Deleted(d)) = got.iter().find(|f| matches!(f, Frame::Deleted(_))) else {
            panic!("no deletion notice for a former grantee: {got:?}")
        };
        let leaked: Vec<_> = d.owners.iter().flat_map(|(_, v)| names_in(v)).collect();
        assert!(
            leaked.is_empty(),
            "the deletion notice told a jury the parents' device names {leaked:?}"
        );
        let report = jury2.sync_with(&parent1).await.unwrap();
        assert_eq!(report.deleted.len(), 1, "{report:?}");
        assert!(jury2.with(|d| d.list()).unwrap().is_empty());
    }

    /// A deletion notice reaches a device that held a grant to the livret, not a device that
    /// only names its id (which every QR code shows).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_deletion_notice_reaches_only_former_grantees() {
        let family = TestDevice::new(Role::Family, PARENT1).await;
        let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
        let stranger = TestDevice::new(Role::Teacher, "Inconnu").await;
        let livret = family
            .with(|d| d.add_child("Ana Effacée", "2012-07-21", None))
            .unwrap();
        teacher
            .accept(&family.invite(livret, "annee/2025", Rights::Read), None)
            .await
            .unwrap();
        family.with(|d| d.delete_livret(livret)).unwrap();
        let got = frames_for(&stranger, &family, livret).await;
        assert!(
            !got.iter().any(|f| matches!(f, Frame::Deleted(_))),
            "a device that never held a grant was told of the deletion: {got:?}"
        );
        let report = teacher.sync_with(&family).await.unwrap();
        assert_eq!(report.deleted.len(), 1, "{report:?}");
    }

    /// Frames for documents already refused in the session count toward the refusal cut: a
    /// grantee that keeps sending them is cut off after a few hundred.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn frames_for_refused_documents_count_toward_the_cut() {
        let family = TestDevice::new(Role::Family, PARENT1).await;
        let teacher = TestDevice::new(Role::Teacher, "M. Martin").await;
        let livret = family
            .with(|d| d.add_child("Léo Têtu", "2014-04-04", None))
            .unwrap();
        teacher
            .accept(&family.invite(livret, "annee/2025", Rights::Read), None)
            .await
            .unwrap();
        let mut s = teacher
            .node
            .open_session(family.node.peer_id(), vec![family.addr()])
            .await
            .unwrap();
        // It lists `identite`, which it may not have: refused at once.
        let hello = Hello {
            name: "M. Martin".into(),
            role: "teacher".into(),
            livrets: vec![HelloLivret {
                livret: livret.0,
                docs: vec![("identite".into(), vec![])],
                erasures: vec![],
            }],
        };
        s.send(&Frame::Hello(hello).encode()).await.unwrap();
        let _ = s.recv().await;
        let mut doc = SectionDoc::new();
        let (msg, _) = doc.generate_sync_message(&mut State::new()).unwrap();
        let frame = Frame::Sync(SyncMessage {
            livret: livret.0,
            target: "identite".into(),
            message: ByteBuf::from(msg),
        })
        .encode();
        let mut read = 0usize;
        'turns: for _ in 0..20 {
            for _ in 0..80 {
                if s.send(&frame).await.is_err() {
                    break 'turns;
                }
                read += 1;
            }
            if s.send(&Frame::EndRound(80).encode()).await.is_err() {
                break;
            }
            let turn = read_turn(&mut s).await;
            if !matches!(turn.last(), Some(Frame::EndRound(_))) {
                break;
            }
        }
        assert!(
            read < 400,
            "the family read {read} frames for a document it had refused without ending the session"
        );
        let audit = family.with(|d| d.audit(None)).unwrap();
        assert!(
            audit.iter().any(|a| a.detail.contains("refus")
                && a.detail.contains("session")
                && a.peer.as_deref() == Some(teacher.id().as_str())),
            "the cut is not in the audit log"
        );
    }
}
