//! Convergence of a teaching team under faults: the family's device and the members of a team
//! it granted (write, one section) edit concurrently while sync messages are dropped,
//! duplicated, reordered and links are partitioned; the school removes a member and adds a new
//! one on the way, and rosters travel from device to device (each session offers the newer
//! one, as sessions do before the hello). Members sync with each other as well as with the
//! family. The core's rules decide everything: who sends to whom
//! (`ReadRules::may_send`, `co_member`), what each batch may bring (`BatchRules` with the
//! receiving device's manifest and the rosters it holds), and what a member drops when it
//! learns a newer roster (`policy::dropped_removed_members_entries`).
//!
//! Checked: after every accepted batch, the family's device holds no entry its rules denied
//! when it took it (an entry of a removed member signed after its removal, of a stranger);
//! when the network heals, the family and every current member hold the same entries, and none
//! of them holds an entry the removed member signed after its removal. Every roster change
//! (the new member, the removal) reaches one device first and travels by sessions only, device
//! by device, under the same faults, while the removed member keeps writing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use automerge::sync::State;
use livret_core::content;
use livret_core::doc::SectionDoc;
use livret_core::entry::{digest_text, Content, PeriodRef, SignedEntry};
use livret_core::grant::{Genesis, Manifest, Rights};
use livret_core::policy::{dropped_removed_members_entries, BatchRules, Holding, Mode, ReadRules};
use livret_core::team::{FormerMember, TeamGrant, TeamMember, TeamRoster, TeamRosters};
use livret_core::vocab::{Division, Millesime};
use livret_core::{DeviceId, DeviceSecret, LivretId, Section, SignedRecord};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

const F: usize = 0;
const A: usize = 1;
const B: usize = 2;
/// Removed from the roster on the way (it keeps writing).
const C: usize = 3;
/// Added to the roster on the way (a replacement laptop).
const NEW: usize = 4;
const N: usize = 5;
const SUBJECTS: [&str; N] = ["MUSIQU", "FRANCS", "MATHEM", "HISGEO", "ANGLV1"];
const SECTION: Section = Section::Annee(2025);
const LINKS: [(usize, usize); 10] = [
    (F, A),
    (F, B),
    (F, C),
    (F, NEW),
    (A, B),
    (A, C),
    (A, NEW),
    (B, C),
    (B, NEW),
    (C, NEW),
];

struct World {
    livret: LivretId,
    base: Manifest,
    keys: Vec<DeviceSecret>,
    school: DeviceSecret,
    /// The school's current roster.
    current: TeamRoster,
    /// The roster each device holds (the highest version it saw).
    held: Vec<Option<TeamRoster>>,
    docs: Vec<SectionDoc>,
    states: HashMap<(usize, usize), Vec<u8>>,
    clock: i64,
    removed: bool,
    added: bool,
    /// The entries of the family's copy checked already.
    family_checked: std::collections::HashSet<Vec<u8>>,
    /// How many times a device voided a removed member's later entries on learning a roster.
    voided: usize,
}

impl World {
    fn new() -> World {
        let keys: Vec<DeviceSecret> = (0..N)
            .map(|i| DeviceSecret::from_bytes(&[i as u8 + 1; 32]))
            .collect();
        let school = DeviceSecret::from_bytes(&[90; 32]);
        let (livret, genesis) = Genesis::create(&keys[F], [7; 16], 1_000);
        let grant = TeamGrant {
            id: [5; 16],
            livret: livret.0,
            issuer: keys[F].device_id().0,
            team: [9; 16],
            school: school.device_id().0,
            class: Division::parse("5B").unwrap(),
            sections: vec![SECTION],
            rights: Rights::Write,
            not_before: 1_000,
            until: i64::MAX,
            issued_at: 1_000,
            own_subjects: false,
            subject_name: None,
        };
        let records = [
            ("genesis".to_string(), genesis),
            (grant.key(), grant.sign(&keys[F])),
        ];
        let base = Manifest::from_records(records.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
            .unwrap();
        assert!(base.rejected().is_empty());
        let current = TeamRoster {
            team: [9; 16],
            school: school.device_id().0,
            class: Division::parse("5B").unwrap(),
            year: Millesime::new(2025).unwrap(),
            name: None,
            version: 1,
            members: [A, B, C]
                .iter()
                .map(|d| TeamMember {
                    key: keys[*d].device_id().0,
                    subjects: vec![],
                })
                .collect(),
            until: i64::MAX,
            at: 1_000,
            former: vec![],
            epoch: 0,
            delegation: None,
        };
        // The family and the first members hold version 1 (the card, the delivery).
        let held = (0..N)
            .map(|d| (d != NEW).then(|| current.clone()))
            .collect();
        World {
            livret,
            base,
            keys,
            school,
            current,
            held,
            docs: (0..N).map(|_| SectionDoc::new()).collect(),
            states: HashMap::new(),
            clock: 2_000,
            removed: false,
            added: false,
            family_checked: Default::default(),
            voided: 0,
        }
    }

    fn id(&self, d: usize) -> DeviceId {
        self.keys[d].device_id()
    }

    fn manifest(&self, d: usize) -> Manifest {
        let mut book = TeamRosters::new();
        if let Some(r) = &self.held[d] {
            // Signed and opened, as every device does with a roster it receives.
            let opened = TeamRoster::open(&r.sign(&self.school)).unwrap();
            book.offer(opened, &self.school.device_id()).unwrap();
        }
        self.base.clone().with_rosters(book)
    }

    fn write(&mut self, d: usize, level: u8) {
        self.clock += 1;
        let code = SUBJECTS[d];
        let text = format!("Appréciation {} de {code}.", self.clock);
        let c = Content::Subject {
            year: 2025,
            period: PeriodRef { index: 1, count: 3 },
            code: code.into(),
            label: code.into(),
            level: Some(level),
            mark: None,
            appreciation: digest_text(&text),
            election: None,
            elements: vec![],
            class_average: None,
            not_marked: false,
            class_not_marked: false,
        };
        let key = content::entry_key(&c);
        let e = SignedEntry::sign(
            &self.keys[d],
            self.livret,
            SECTION,
            &key,
            c,
            vec![text],
            self.clock,
        );
        self.docs[d].put(&key, &e).unwrap();
    }

    /// The school signs a new version; `to` learns it at once (it scans the new card).
    fn roster_change(&mut self, remove: bool, to: usize) {
        self.clock += 1;
        let mut r = self.current.clone();
        r.version += 1;
        r.at = self.clock;
        if remove && !self.removed {
            r.members.retain(|m| m.key != self.keys[C].device_id().0);
            r.former.push(FormerMember {
                key: self.keys[C].device_id().0,
                removed_at: self.clock,
            });
            self.removed = true;
        } else if !remove && !self.added {
            r.members.push(TeamMember {
                key: self.keys[NEW].device_id().0,
                subjects: vec![],
            });
            self.added = true;
        } else {
            return;
        }
        self.current = r.clone();
        self.learn(to, r);
        self.clock += 1;
    }

    /// Device `d` takes `r` if it is newer than the one it holds; it then drops the changes
    /// that put what a removed member signed after its removal (and those made on top of
    /// them), its sync states forgotten (as the family's device and a member's do).
    fn learn(&mut self, d: usize, r: TeamRoster) {
        if self.held[d]
            .as_ref()
            .is_some_and(|h| h.version >= r.version)
        {
            return;
        }
        self.held[d] = Some(r);
        let m = self.manifest(d);
        if let Some(doc) = dropped_removed_members_entries(&self.docs[d], &m, &self.id(d)).unwrap()
        {
            self.docs[d] = doc;
            self.states.retain(|(x, _), _| *x != d);
            self.voided += 1;
        }
    }

    fn read_rules<'a>(&self, d: usize, manifest: &'a Manifest) -> ReadRules<'a> {
        ReadRules {
            me: self.id(d),
            now: self.clock,
            holding: if d == F {
                Holding::Owner
            } else {
                Holding::Grantee
            },
            manifest,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    Deliver,
    Drop,
    Duplicate,
    Delay,
}

#[derive(Debug, Clone)]
enum Op {
    Write {
        dev: usize,
        level: u8,
    },
    Sync {
        link: usize,
        faults: Vec<Fault>,
    },
    Partition(u16),
    /// The school removes C (the new roster reaches `to` first).
    Remove {
        to: usize,
    },
    /// The school adds the new laptop (the new roster reaches `to` first).
    Add {
        to: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let fault = prop_oneof![
        4 => Just(Fault::Deliver),
        1 => Just(Fault::Drop),
        1 => Just(Fault::Duplicate),
        1 => Just(Fault::Delay),
    ];
    prop_oneof![
        4 => (0..N, 1u8..5).prop_map(|(dev, level)| Op::Write { dev, level }),
        6 => (0..LINKS.len(), proptest::collection::vec(fault, 0..8))
            .prop_map(|(link, faults)| Op::Sync { link, faults }),
        1 => any::<u16>().prop_map(Op::Partition),
        1 => (0..N).prop_map(|to| Op::Remove { to }),
        1 => (0..N).prop_map(|to| Op::Add { to }),
    ]
}

#[derive(Default)]
struct Stats {
    sessions: AtomicUsize,
    accepted: AtomicUsize,
    refused: AtomicUsize,
    dropped: AtomicUsize,
    reordered: AtomicUsize,
    voided: AtomicUsize,
}

/// Every entry the family's device took since the last check is one its own rules allowed
/// when it took it (the rosters it held then): an owner's, or a member's signed while it was
/// one. (What it took before it learnt of a removal stays: it did not know yet.)
fn check_family(w: &mut World) -> Result<(), String> {
    let m = w.manifest(F);
    for s in w.docs[F].entries() {
        for e in s.values.iter().flatten() {
            if !w.family_checked.insert(e.to_bytes()) {
                continue;
            }
            let p = e.payload_unverified().map_err(|e| e.to_string())?;
            let author = p.author_id();
            if !m.may_have_written(&author, SECTION, p.time).allowed() {
                return Err(format!(
                    "the family holds {} by {} signed at {}, which its rules deny",
                    s.key,
                    author.short(),
                    p.time
                ));
            }
        }
    }
    Ok(())
}

fn session(w: &mut World, a: usize, b: usize, faults: &[Fault], st: &Stats) -> bool {
    st.sessions.fetch_add(1, Ordering::Relaxed);
    // Rosters first (before the hello): the newer one wins on both sides.
    for (x, y) in [(a, b), (b, a)] {
        if let Some(r) = w.held[x].clone() {
            w.learn(y, r);
        }
    }
    let manifests = [w.manifest(a), w.manifest(b)];
    let ends = [a, b];
    let load = |w: &World, x: usize, y: usize| {
        w.states
            .get(&(x, y))
            .and_then(|s| State::decode(s).ok())
            .unwrap_or_default()
    };
    let mut states = [load(w, a, b), load(w, b, a)];
    let mut faults = faults.iter().copied();
    let mut held: [Option<Vec<u8>>; 2] = [None, None];
    let mut changed = false;
    let mut refused = None;
    'rounds: for _ in 0..16 {
        let mut quiet = true;
        for side in 0..2 {
            let (from, to) = (ends[side], ends[1 - side]);
            let rules_from = w.read_rules(from, &manifests[side]);
            if !rules_from.may_send(&w.id(to), Some(SECTION)).allowed() {
                continue;
            }
            let msg = w.docs[from].generate_sync_message(&mut states[side]);
            let mut deliveries = Vec::new();
            if let Some((m, _)) = msg {
                quiet = false;
                match faults.next().unwrap_or(Fault::Deliver) {
                    Fault::Deliver => deliveries.push(m),
                    Fault::Drop => {
                        st.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                    Fault::Duplicate => {
                        deliveries.push(m.clone());
                        deliveries.push(m);
                    }
                    Fault::Delay => match held[side].take() {
                        Some(h) => {
                            st.reordered.fetch_add(1, Ordering::Relaxed);
                            deliveries.push(m);
                            deliveries.push(h);
                        }
                        None => held[side] = Some(m),
                    },
                }
            } else if let Some(h) = held[side].take() {
                st.reordered.fetch_add(1, Ordering::Relaxed);
                quiet = false;
                deliveries.push(h);
            }
            for m in deliveries {
                let rules = BatchRules {
                    manifest: &manifests[1 - side],
                    livret: w.livret,
                    section: SECTION,
                    sender: w.id(from),
                    mode: if to == F { Mode::Owner } else { Mode::Grantee },
                    now: w.clock,
                };
                let mut doc = std::mem::take(&mut w.docs[to]);
                let outcome = doc.receive_checked(&mut states[1 - side], &m, &rules);
                w.docs[to] = doc;
                match outcome {
                    Ok(0) => {}
                    Ok(_) => {
                        st.accepted.fetch_add(1, Ordering::Relaxed);
                        changed = true;
                    }
                    Err(_) => {
                        st.refused.fetch_add(1, Ordering::Relaxed);
                        refused = Some(1 - side);
                        break 'rounds;
                    }
                }
            }
        }
        if quiet {
            break;
        }
    }
    for side in 0..2 {
        let key = (ends[side], ends[1 - side]);
        if refused == Some(side) {
            w.states.remove(&key);
        } else {
            w.states.insert(key, states[side].encode());
        }
    }
    changed
}

fn values(w: &World, d: usize) -> Vec<(String, Vec<Vec<u8>>)> {
    w.docs[d]
        .entries()
        .into_iter()
        .map(|s| {
            let mut v: Vec<Vec<u8>> = s
                .values
                .into_iter()
                .flatten()
                .map(|e| e.to_bytes())
                .collect();
            v.sort();
            (s.key, v)
        })
        .collect()
}

fn run(ops: &[Op], st: &Stats) -> Result<(), String> {
    let mut w = World::new();
    let mut down = 0u16;
    for op in ops {
        match op {
            Op::Write { dev, level } => w.write(*dev, *level),
            Op::Partition(mask) => down = *mask,
            Op::Remove { to } => w.roster_change(true, *to),
            Op::Add { to } => w.roster_change(false, *to),
            Op::Sync { link, faults } => {
                if down & (1 << link) == 0 {
                    let (a, b) = LINKS[*link];
                    session(&mut w, a, b, faults, st);
                    check_family(&mut w)?;
                }
            }
        }
    }
    // The network heals.
    for pass in 0.. {
        if pass > 30 {
            return Err("no convergence after 30 passes".into());
        }
        let mut changed = false;
        for (a, b) in LINKS {
            changed |= session(&mut w, a, b, &[], st);
            check_family(&mut w)?;
        }
        if !changed {
            break;
        }
    }
    st.voided.fetch_add(w.voided, Ordering::Relaxed);
    let reference = values(&w, F);
    let mut current = vec![A, B];
    if !w.removed {
        current.push(C);
    }
    if w.added {
        current.push(NEW);
    }
    for d in current {
        if values(&w, d) != reference {
            return Err(format!(
                "member {d} differs from the family's after healing"
            ));
        }
    }
    // Whoever took them before it knew the roster, nobody keeps the removed member's later
    // entries once the roster reached it.
    for s in w.docs[F].entries() {
        for e in s.values.iter().flatten() {
            let p = e.payload_unverified().map_err(|e| e.to_string())?;
            if w.current.removed_before(&p.author_id(), p.time) {
                return Err(format!(
                    "the family keeps {} signed by the removed member after its removal",
                    s.key
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn a_team_converges_under_faults_and_roster_changes_and_the_family_accepts_nothing_outside() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let mut runner = TestRunner::new(Config {
        cases,
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::SourceParallel(
            "proptest-regressions",
        ))),
        ..Config::default()
    });
    let stats = Stats::default();
    let result = runner.run(&proptest::collection::vec(op(), 1..60), |ops| {
        run(&ops, &stats).map_err(TestCaseError::fail)
    });
    let get = |a: &AtomicUsize| a.load(Ordering::Relaxed);
    eprintln!(
        "team convergence: {cases} cases, {} sessions, {} batches accepted, {} refused, {} dropped, {} reordered, {} copies voided of a removed member's later entries",
        get(&stats.sessions),
        get(&stats.accepted),
        get(&stats.refused),
        get(&stats.dropped),
        get(&stats.reordered),
        get(&stats.voided),
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Found by the property above when a removal reached members one by one: a member that took
/// the removed member's later entry before it knew the new roster used to rebuild its copy with
/// only its own entries (fresh history); a colleague holding an older version of one of them
/// then kept both versions. Now every device voids the same changes and keeps the others as
/// they are (`dropped_removed_members_entries`).
fn play(w: &mut World, op: &Op, st: &Stats) {
    match op {
        Op::Write { dev, level } => w.write(*dev, *level),
        Op::Sync { link, .. } => {
            let (a, b) = LINKS[*link];
            session(w, a, b, &[], st);
        }
        _ => {}
    }
}

#[test]
fn a_removal_reaching_members_one_by_one_leaves_one_version_of_each_entry() {
    let s = |link| Op::Sync {
        link,
        faults: vec![],
    };
    let wr = |dev| Op::Write { dev, level: 1 };
    let mut w = World::new();
    let st = Stats::default();
    // The school adds the new laptop, then removes C; only the family hears of it at first.
    // B takes C's later entry (B knows only the earlier roster), then learns of the removal
    // from the family and voids it with what it wrote on top; A holds an older version of B's
    // entry.
    w.roster_change(false, F);
    for op in [wr(0), s(1), wr(0), wr(2)] {
        play(&mut w, &op, &st);
    }
    w.roster_change(true, F);
    for op in [s(4), wr(3), wr(2), s(7), s(1), wr(0)] {
        play(&mut w, &op, &st);
    }
    for _ in 0..5 {
        for (a, b) in LINKS {
            session(&mut w, a, b, &[], &st);
        }
    }
    for d in [A, B, NEW] {
        assert!(
            values(&w, d) == values(&w, F),
            "{d} differs from the family"
        );
    }
    // One author per key here, each writing its versions one after the other: one value each.
    for (key, v) in values(&w, F) {
        assert_eq!(v.len(), 1, "two versions of {key}");
    }
}
