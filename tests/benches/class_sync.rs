//! Benchmark of the sharing issue: one teacher, a class of 30 livrets (a full school year
//! each: 3 periods × 12 subjects with 600-character appréciations, syntheses, vie scolaire),
//! 30 family devices, real libp2p on 127.0.0.1.
//!
//! The teacher runs in a child process (this same binary with `--teacher`) so that its peak
//! memory is its own. Measured in one run, side by side: the first sync of the class, the same
//! documents synced with bare Automerge in memory (the baseline), and an incremental sync of
//! one new entry per livret.
//!
//! Run: `cargo bench -p livret-tests --bench class_sync` (add `-- --livrets N` to change size).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use livret::core::grant::Rights;
use livret::core::{LivretId, Role, Section};
use livret::node;
use livret_tests::TestDevice;

const SUBJECTS: [&str; 12] = [
    "FRANCS", "MATHEM", "HISGEO", "ANGLV1", "ESPLV2", "SVTERR", "PHYCHI", "TECHNO", "ARTPLA",
    "EDMUSI", "EPSPOR", "LATINL",
];

fn appreciation(seed: usize) -> String {
    let base = "Élève sérieuse et appliquée, qui participe volontiers à l'oral et progresse \
                régulièrement. Les méthodes de travail se consolident ; il faut maintenant gagner \
                en autonomie et soigner la présentation des copies. ";
    let mut s = format!("{seed} ");
    while s.chars().count() < 600 {
        s.push_str(base);
    }
    s.chars().take(600).collect()
}

fn peak_rss_kib() -> u64 {
    status_kib("VmHWM:")
}

/// A memory figure of this process's `/proc/self/status` (`VmHWM:`, `VmRSS:`), in KiB.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Sets the process's peak memory (VmHWM) back to what it uses now (Linux: `clear_refs` 5), so
/// that the next [`peak_rss_kib`] is the peak of what ran since: a sync's own peak, not the
/// benchmark's set-up (the drafts written, the baseline's documents).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    if args.iter().any(|a| a == "--teacher") {
        rt.block_on(teacher());
    } else {
        let n = args
            .iter()
            .position(|a| a == "--livrets")
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(30usize);
        rt.block_on(families(n));
    }
}

/// The parent: 30 family devices, each serving its node.
async fn families(n: usize) {
    let mut fams = Vec::new();
    for i in 0..n {
        let f = TestDevice::new(Role::Family, &format!("Famille {i}")).await;
        let livret = f
            .with(|d| d.add_child(&format!("Enfant Numéro {i}"), "2013-04-01", None))
            .unwrap();
        fams.push((f, livret));
    }
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .arg("--teacher")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut to_child = child.stdin.take().unwrap();
    let mut from_child = BufReader::new(child.stdout.take().unwrap());
    for (f, livret) in &fams {
        let inv = f.invite(*livret, "annee/2025,vie-scolaire/2025", Rights::Write);
        writeln!(to_child, "{inv} {}/p2p/{}", f.addr(), f.node.peer_id()).unwrap();
    }
    writeln!(to_child, "go").unwrap();
    let mut line = String::new();
    loop {
        line.clear();
        if from_child.read_line(&mut line).unwrap() == 0 {
            break;
        }
        print!("{line}");
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "teacher process failed");
    // Check the families received and verified everything.
    for (f, livret) in &fams {
        let report = f.with(|d| d.verify(*livret)).unwrap();
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        assert_eq!(
            report.checked,
            1 + 36 + 3 + 3 + 1,
            "entries on a family device"
        );
    }
    println!(
        "families: every livret verified ({} entries each)",
        1 + 36 + 3 + 3 + 1
    );
}

struct Pass {
    wall_ms: f64,
    bytes: u64,
    max_rounds: u32,
    refused: usize,
}

async fn sync_all(dev: &livret::SharedDevice, node: &livret_net::Node, peers: &[String]) -> Pass {
    let start = Instant::now();
    let mut bytes = 0;
    let mut max_rounds = 0;
    let mut refused = 0;
    // Four sessions at a time, as a laptop meeting phones would.
    for chunk in peers.chunks(4) {
        let mut tasks = Vec::new();
        for p in chunk {
            let (peer, addr) = node::parse_peer_address(p).unwrap();
            let (dev, node) = (dev.clone(), node.clone());
            tasks.push(tokio::spawn(async move {
                node::sync_with(&dev, &node, peer, vec![addr]).await
            }));
        }
        for t in tasks {
            let r = t.await.unwrap().unwrap();
            bytes += r.bytes_sent + r.bytes_received;
            max_rounds = max_rounds.max(r.rounds);
            refused += r.refused.len();
        }
    }
    Pass {
        wall_ms: start.elapsed().as_secs_f64() * 1000.0,
        bytes,
        max_rounds,
        refused,
    }
}

/// Bare Automerge in memory: each section document synced into an empty one.
fn baseline(docs: &mut [livret::core::doc::SectionDoc]) -> (f64, u64) {
    use automerge::sync::{State, SyncDoc};
    use automerge::AutoCommit;
    let saved: Vec<Vec<u8>> = docs.iter_mut().map(|d| d.save()).collect();
    let start = Instant::now();
    let mut bytes = 0u64;
    for s in &saved {
        let mut a = AutoCommit::load(s).unwrap();
        let mut b = AutoCommit::new();
        let (mut sa, mut sb) = (State::new(), State::new());
        loop {
            let ma = a.sync().generate_sync_message(&mut sa);
            let mb = b.sync().generate_sync_message(&mut sb);
            if ma.is_none() && mb.is_none() {
                break;
            }
            if let Some(m) = ma {
                let enc = m.encode();
                bytes += enc.len() as u64;
                b.sync()
                    .receive_sync_message(&mut sb, automerge::sync::Message::decode(&enc).unwrap())
                    .unwrap();
            }
            if let Some(m) = mb {
                let enc = m.encode();
                bytes += enc.len() as u64;
                a.sync()
                    .receive_sync_message(&mut sa, automerge::sync::Message::decode(&enc).unwrap())
                    .unwrap();
            }
        }
        assert_eq!(a.get_heads(), b.get_heads());
    }
    (start.elapsed().as_secs_f64() * 1000.0, bytes)
}

/// Bare libp2p, the incremental sync's baseline: a connection to each family device (TCP,
/// Noise, Yamux, as the livret node opens them), four at a time as in `sync_all`, and one round
/// trip on it (the first ping), then the connection is closed.
async fn bare_libp2p(peers: &[String]) -> f64 {
    use futures::StreamExt;
    use libp2p::swarm::SwarmEvent;
    use libp2p::{multiaddr::Protocol, noise, ping, tcp, yamux};
    let keypair = libp2p::identity::Keypair::ed25519_from_bytes([7u8; 32]).unwrap();
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .unwrap()
        .with_behaviour(|_| ping::Behaviour::default())
        .unwrap()
        .with_swarm_config(|c| c.with_idle_connection_timeout(std::time::Duration::from_secs(5)))
        .build();
    let start = Instant::now();
    for chunk in peers.chunks(4) {
        let mut waiting = std::collections::HashSet::new();
        for p in chunk {
            let (peer, addr) = node::parse_peer_address(p).unwrap();
            swarm.dial(addr.with(Protocol::P2p(peer))).unwrap();
            waiting.insert(peer);
        }
        while !waiting.is_empty() {
            match swarm.select_next_some().await {
                SwarmEvent::Behaviour(ping::Event {
                    peer,
                    result: Ok(_),
                    ..
                }) if waiting.remove(&peer) => {
                    let _ = swarm.disconnect_peer_id(peer);
                }
                SwarmEvent::OutgoingConnectionError { error, .. } => panic!("dial: {error}"),
                _ => {}
            }
        }
    }
    start.elapsed().as_secs_f64() * 1000.0
}

/// ed25519-dalek alone, on `n` signatures of messages the size of an entry's signed bytes:
/// (single `verify_strict` per second, `verify_batch` per second in batches of `batch`).
fn dalek_rates(n: usize, batch: usize) -> (f64, f64) {
    use ed25519_dalek::{Signer, SigningKey};
    let key = SigningKey::from_bytes(&[3u8; 32]);
    let vk = key.verifying_key();
    let messages: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let mut m = format!("{i}").into_bytes();
            m.resize(260, b'x');
            m
        })
        .collect();
    let sigs: Vec<_> = messages.iter().map(|m| key.sign(m)).collect();
    let t = Instant::now();
    for (m, s) in messages.iter().zip(&sigs) {
        vk.verify_strict(m, s).unwrap();
    }
    let single = n as f64 / t.elapsed().as_secs_f64();
    let keys = vec![vk; n];
    let refs: Vec<&[u8]> = messages.iter().map(|m| m.as_slice()).collect();
    let t = Instant::now();
    for start in (0..n).step_by(batch) {
        let end = (start + batch).min(n);
        ed25519_dalek::verify_batch(&refs[start..end], &sigs[start..end], &keys[start..end])
            .unwrap();
    }
    let batched = n as f64 / t.elapsed().as_secs_f64();
    (single, batched)
}

/// The threads rayon runs on: `RAYON_NUM_THREADS` if set, else one per core.
fn rayon_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The class of the `i`-th livret accepted: classes of 30.
fn class_of(i: usize) -> String {
    format!("5-{}", i / 30 + 1)
}

/// The median of `runs` timings of `f`, in ms.
fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut v: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// What the CLI's commands cost on the teacher's store: each opens the store (a fresh
/// `Device::open`, as a `livret` process does) then answers; medians of 5, in ms.
fn cli_answer_times(home: &std::path::Path, first: LivretId) -> Vec<(&'static str, f64, f64)> {
    let open = || livret::Device::open(home, livret::KeySource::KeyFile).unwrap();
    let open_ms = median_ms(5, || drop(open()));
    let class = class_of(0);
    let mut out = vec![("open the store", open_ms, open_ms)];
    let d = open();
    let list = median_ms(5, || assert!(!d.list().unwrap().is_empty()));
    out.push(("list", list, open_ms + list));
    let show = median_ms(5, || drop(d.show(first).unwrap()));
    out.push(("show (one livret)", show, open_ms + show));
    let verify = median_ms(5, || assert!(d.verify(first).unwrap().failures.is_empty()));
    out.push(("verify (one livret)", verify, open_ms + verify));
    let status = median_ms(5, || {
        drop(d.class_status(&class, 2025, "1/3", &[]).unwrap())
    });
    out.push((
        "class status (a class of 30, one period)",
        status,
        open_ms + status,
    ));
    out
}

/// The child: the teacher's device.
async fn teacher() {
    let home = tempfile::tempdir().unwrap();
    let device = livret::Device::init(
        home.path(),
        livret::KeySource::KeyFile,
        Role::Teacher,
        "M. Prof",
    )
    .unwrap();
    let dev = node::share(device);
    let (node_handle, _events) = node::start(
        &dev,
        node::NodeOptions {
            listen: vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()],
            mdns: false,
            remember_addresses: false,
        },
    )
    .await
    .unwrap();
    let stdin = std::io::stdin();
    let mut peers = Vec::new();
    let mut livrets = Vec::new();
    for line in stdin.lock().lines() {
        let line = line.unwrap();
        if line == "go" {
            break;
        }
        let (inv, addr) = line.split_once(' ').unwrap();
        // Classes of 30 (a teacher holding 600 livrets has 20 of them).
        let class = class_of(peers.len());
        node::accept(&dev, &node_handle, inv, Some(&class))
            .await
            .unwrap();
        peers.push(addr.to_string());
    }
    for l in dev.lock().unwrap().list().unwrap() {
        livrets.push(l.livret_id.parse::<LivretId>().unwrap());
    }
    let n = livrets.len();
    // A full school year per livret, through the one write path (`write_batch`, as the LSU
    // import, the grid import and the app's grid save do): one batch per period. The time
    // counts checking the typed values too.
    let t_write = Instant::now();
    let mut periods = Vec::new();
    for p in 1..=3u8 {
        let period = format!("{p}/3");
        let mut items = Vec::new();
        for (i, l) in livrets.iter().enumerate() {
            for (j, s) in SUBJECTS.iter().enumerate() {
                let level = ((i + j + p as usize) % 4 + 1) as u8;
                let text = appreciation(i * 100 + j);
                let draft =
                    livret::drafts::assessment(2025, &period, s, None, Some(level), None, &text)
                        .unwrap();
                items.push(livret::BatchWrite { livret: *l, draft });
            }
            let text = format!(
                "{} Bon trimestre dans l'ensemble, à poursuivre.",
                appreciation(i)
            );
            let draft = livret::drafts::synthesis(2025, &period, &text).unwrap();
            items.push(livret::BatchWrite { livret: *l, draft });
            let draft = livret::drafts::vie_scolaire(2025, &period, p as u16, 2, 0).unwrap();
            items.push(livret::BatchWrite { livret: *l, draft });
        }
        periods.push(items);
    }
    {
        let mut d = dev.lock().unwrap();
        for items in &periods {
            for r in d.write_batch(items, livret::BatchMode::PerEntry).unwrap() {
                r.unwrap();
            }
        }
    }
    let write_ms = t_write.elapsed().as_secs_f64() * 1000.0;
    // The drafts are not needed any more: what the syncs below hold is the device's own.
    drop(periods);

    let first_base = status_kib("VmRSS:");
    let reset_first = reset_peak_rss();
    let first = sync_all(&dev, &node_handle, &peers).await;
    let first_peak = peak_rss_kib();
    let mut docs = Vec::new();
    {
        let d = dev.lock().unwrap();
        for l in &livrets {
            for s in [Section::Annee(2025), Section::VieScolaire(2025)] {
                docs.push(d.section_doc_for_bench(*l, s).unwrap());
            }
        }
    }
    let (base_ms, base_bytes) = baseline(&mut docs);
    drop(docs);

    {
        let mut d = dev.lock().unwrap();
        for l in &livrets {
            d.attest_or_assess_for_bench(*l);
        }
    }
    let incr_base = status_kib("VmRSS:");
    let reset_incr = reset_peak_rss();
    let incr = sync_all(&dev, &node_handle, &peers).await;
    let incr_peak = peak_rss_kib();
    let bare_ms = bare_libp2p(&peers).await;
    let peak = peak_rss_kib();
    // Verifying the store: every entry of every livret (`Device::verify_all`, what
    // `livret verify --all` runs: load, decrypt, signatures, texts, places, certification;
    // on rayon's threads, RAYON_NUM_THREADS=1 for one core), beside ed25519-dalek alone on as
    // many signatures (batches the size of a year section: 39), on one core. Then the same
    // livrets one `Device::verify` at a time.
    let (verified, verify_rate, one_by_one_rate) = {
        let d = dev.lock().unwrap();
        let t = Instant::now();
        let all = d.verify_all().unwrap();
        let elapsed = t.elapsed().as_secs_f64();
        assert_eq!(all.len(), livrets.len());
        let mut verified = 0usize;
        for (_, r) in &all {
            let r = r.as_ref().unwrap();
            assert!(r.failures.is_empty(), "{:?}", r.failures);
            verified += r.checked;
        }
        let t = Instant::now();
        for l in &livrets {
            assert!(d.verify(*l).unwrap().failures.is_empty());
        }
        let one_by_one = verified as f64 / t.elapsed().as_secs_f64();
        (verified, verified as f64 / elapsed, one_by_one)
    };
    let (dalek_single, dalek_batch) = dalek_rates(verified, 39);
    let cli = cli_answer_times(home.path(), livrets[0]);
    // A teacher typing: single writes, each its own check, signature and durable commit.
    let singles = 20.min(n);
    let t_single = Instant::now();
    {
        let mut d = dev.lock().unwrap();
        for l in livrets.iter().take(singles) {
            d.assess(
                *l,
                2025,
                "2/2",
                "FRANCS",
                None,
                Some(3),
                None,
                &appreciation(7),
            )
            .unwrap();
        }
    }
    let single_ms = t_single.elapsed().as_secs_f64() * 1000.0 / singles as f64;

    println!("class: {n} livrets × (36 subject entries, 3 syntheses, 3 vie scolaire), 600-character appréciations");
    println!(
        "teacher wrote and signed {} entries in {write_ms:.0} ms in 3 batches ({:.0} entries/s); a single interactive write: {single_ms:.1} ms",
        n * 42,
        (n * 42) as f64 / (write_ms / 1000.0)
    );
    println!();
    println!("| measure | livret over libp2p | bare Automerge in memory | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| first class sync, wall time | {:.0} ms | {:.0} ms | {:.2}× |",
        first.wall_ms,
        base_ms,
        first.wall_ms / base_ms
    );
    println!(
        "| first class sync, bytes | {} B | {} B | {:.2}× |",
        first.bytes,
        base_bytes,
        first.bytes as f64 / base_bytes as f64
    );
    println!(
        "| incremental sync (1 entry per livret), wall time | {:.0} ms | | |",
        incr.wall_ms
    );
    println!(
        "| incremental sync, wall time, against bare libp2p (connect + 1 round trip) | {:.0} ms | {bare_ms:.0} ms (bare libp2p) | {:.2}× |",
        incr.wall_ms,
        incr.wall_ms / bare_ms
    );
    println!(
        "| incremental sync, bytes per livret | {} B | | |",
        incr.bytes / n as u64
    );
    println!(
        "| incremental sync, turns per session (max) | {} | | |",
        incr.max_rounds
    );
    println!(
        "| first sync, turns per session (max) | {} | | |",
        first.max_rounds
    );
    println!(
        "| teacher process peak memory (VmHWM) | {} MiB | | |",
        peak / 1024
    );
    if reset_first && reset_incr {
        println!(
            "| teacher peak memory during the first sync / the incremental sync (VmHWM reset before each) | {} / {} MiB | | |",
            first_peak / 1024,
            incr_peak / 1024
        );
        // Freed memory the allocator keeps (the baseline's documents) counts in the resident
        // size each peak starts from.
        println!(
            "| teacher resident memory when each sync began (VmRSS) | {} / {} MiB | | |",
            first_base / 1024,
            incr_base / 1024
        );
    }
    println!(
        "| verifying the store ({verified} entries, `verify_all`, {} threads), entries/s | {verify_rate:.0} | {dalek_batch:.0} (ed25519-dalek verify_batch, one core), {dalek_single:.0} (verify_strict) | {:.2}× of batch |",
        rayon_threads(),
        verify_rate / dalek_batch
    );
    println!(
        "| the same livrets one `verify` at a time, entries/s | {one_by_one_rate:.0} | | {:.2}× of batch |",
        one_by_one_rate / dalek_batch
    );
    println!();
    println!("| on this store ({n} livrets) | the API alone | with the store's opening (a CLI command) |");
    println!("|---|---|---|");
    for (what, alone, with_open) in &cli {
        println!("| {what} | {alone:.1} ms | {with_open:.1} ms |");
    }
    // For profiling the CLI on a store this size: a copy of the teacher's home.
    if let Ok(dir) = std::env::var("CLASS_SYNC_KEEP_HOME") {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(home.path()).unwrap() {
            let p = entry.unwrap().path();
            if p.is_file() {
                std::fs::copy(&p, std::path::Path::new(&dir).join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    assert_eq!(
        first.refused + incr.refused,
        0,
        "refusals during the benchmark"
    );
}
