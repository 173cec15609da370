//! Devices apart, through a relay: Linux network namespaces made by this test (as root), the
//! real `livret` binary run inside them with `ip netns exec`.
//!
//! ```text
//!              public (10.77.1.1, 10.77.2.1): livret relay serve
//!               /                                    \
//!   router A (10.77.1.2, NAT)                  router B (10.77.2.2, NAT)
//!    |  LAN 192.168.61.0/24 (a bridge)          |  LAN 192.168.62.0/24
//!   family (192.168.61.2): serve               teacher at home (192.168.62.2)
//!   teacher at school (192.168.61.3): on the family's LAN, the direct path to compare
//! ```
//!
//! The routers masquerade (nftables) and drop what comes in unasked. The teacher at home
//! accepts an invitation received as text, writes bilans and syncs through the relay; they
//! arrive at the family, verified. The test prints whether the connection became direct (hole
//! punching), and the time and bytes of the same sync over the relay and over the LAN.
//! Only private addresses, inside namespaces the test makes and removes; nothing leaves the
//! machine. Not root, or no `ip netns` / `nft`: skipped with a message, or failed under CI=true.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod netns;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use netns::{json, ok, sh, wait_for, Lab};

const CHILD: &str = "Capucine Relais-Lointain";
const TEXT: &str = "Capucine a beaucoup progressé en lecture à voix haute.";
/// Pupils of the class the teacher writes for (each its own livret on the family device).
const PUPILS: usize = 5;
const SUBJECTS: [&str; 8] = [
    "FRANCS", "MATHEM", "HISGEO", "ANGLV1", "ESPLV2", "SVTERR", "PHYCHI", "TECHNO",
];

fn skip_or_fail(why: &str) {
    netns::skip_or_fail("relay test", "root, `ip netns` and nftables", why);
}

/// The namespaces of one test (`tag` tells apart the tests of one process).
fn build_lab(tag: &str) -> Lab {
    let mut lab = Lab::new(format!("lvr{}{tag}-", std::process::id()));
    let [p, ra, rb, f, t, d] = ["pub", "ra", "rb", "fam", "tea", "lan"].map(|n| lab.add_ns(n));
    let link = |a: &str, ia: &str, b: &str, ib: &str| {
        sh(&format!(
            "ip link add {ia} netns {a} type veth peer name {ib} netns {b}"
        ));
    };
    link(&p, "wana", &ra, "wan");
    link(&p, "wanb", &rb, "wan");
    link(&ra, "lf", &f, "eth0");
    link(&ra, "ld", &d, "eth0");
    link(&rb, "lan", &t, "eth0");
    let cmds = [
        format!("ip -n {p} addr add 10.77.1.1/24 dev wana"),
        format!("ip -n {p} addr add 10.77.2.1/24 dev wanb"),
        format!("ip -n {ra} addr add 10.77.1.2/24 dev wan"),
        format!("ip -n {rb} addr add 10.77.2.2/24 dev wan"),
        format!("ip -n {ra} link add br0 type bridge"),
        format!("ip -n {ra} link set lf master br0"),
        format!("ip -n {ra} link set ld master br0"),
        format!("ip -n {ra} addr add 192.168.61.1/24 dev br0"),
        format!("ip -n {f} addr add 192.168.61.2/24 dev eth0"),
        format!("ip -n {d} addr add 192.168.61.3/24 dev eth0"),
        format!("ip -n {rb} addr add 192.168.62.1/24 dev lan"),
        format!("ip -n {t} addr add 192.168.62.2/24 dev eth0"),
    ];
    for c in &cmds {
        sh(c);
    }
    for (ns, ifs) in [
        (&p, &["wana", "wanb"][..]),
        (&ra, &["wan", "lf", "ld", "br0"][..]),
        (&rb, &["wan", "lan"][..]),
        (&f, &["eth0"][..]),
        (&t, &["eth0"][..]),
        (&d, &["eth0"][..]),
    ] {
        for i in ifs {
            sh(&format!("ip -n {ns} link set {i} up"));
        }
    }
    sh(&format!("ip -n {ra} route add default via 10.77.1.1"));
    sh(&format!("ip -n {rb} route add default via 10.77.2.1"));
    sh(&format!("ip -n {f} route add default via 192.168.61.1"));
    sh(&format!("ip -n {d} route add default via 192.168.61.1"));
    sh(&format!("ip -n {t} route add default via 192.168.62.1"));
    for ns in [&p, &ra, &rb] {
        sh(&format!(
            "ip netns exec {ns} sysctl -q -w net.ipv4.ip_forward=1"
        ));
    }
    // A home router: masquerade out, forward only what the home asked for, answer nothing
    // unasked on the outside (a drop, not a reset, as home routers do).
    let rules = "table ip home {
  chain nat_out { type nat hook postrouting priority srcnat; policy accept; oifname \"wan\" masquerade; }
  chain forward_in { type filter hook forward priority filter; policy drop; ct state established,related accept; iifname != \"wan\" accept; }
  chain router_in { type filter hook input priority filter; policy accept; iifname \"wan\" ct state new drop; }
}";
    for ns in [&ra, &rb] {
        let path = lab.dir.path().join(format!("{ns}.nft"));
        std::fs::write(&path, rules).unwrap();
        sh(&format!("ip netns exec {ns} nft -f {}", path.display()));
    }
    // The teachers' own traffic, counted by their kernel (IP packets to and from the
    // device, not frames a bridge floods past it).
    let meter = "table ip traffic {
  chain meter_in { type filter hook input priority filter; policy accept; iifname \"eth0\" counter; }
  chain meter_out { type filter hook output priority filter; policy accept; oifname \"eth0\" counter; }
}";
    for ns in [&t, &d] {
        let path = lab.dir.path().join(format!("{ns}-meter.nft"));
        std::fs::write(&path, meter).unwrap();
        sh(&format!("ip netns exec {ns} nft -f {}", path.display()));
    }
    lab
}

/// Bytes of the IP packets the device received and sent on its interface so far.
fn wire_bytes(lab: &Lab, ns: &str) -> u64 {
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            &lab.ns(ns),
            "nft",
            "list",
            "table",
            "ip",
            "traffic",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| w[0] == "bytes")
        .map(|w| w[1].parse::<u64>().unwrap())
        .sum()
}

/// Accepts the invitations, then writes a period's bilans in each livret, then syncs once; (seconds,
/// bytes of IP packets in and out of the teacher's device) of the sync.
fn teacher_syncs(
    lab: &Lab,
    ns: &str,
    home: &Path,
    invitations: &[(String, String)],
    period: &str,
) -> (f64, u64) {
    lab.run(
        ns,
        home,
        &["init", "--role", "teacher", "--name", "M. Loin"],
    );
    for (livret, invitation) in invitations {
        let accepted = lab.run(ns, home, &["accept", invitation, "--class", "5B"]);
        assert!(accepted.contains(livret.as_str()), "{accepted}");
    }
    for (livret, _) in invitations {
        for (i, subject) in SUBJECTS.iter().enumerate() {
            let level = (i % 4 + 1).to_string();
            lab.assess(ns, home, livret, period, subject, &level, TEXT);
        }
        lab.run(
            ns,
            home,
            &[
                "synthesis",
                livret,
                "--year",
                "2026",
                "--period",
                period,
                "--text",
                "Un trimestre très encourageant.",
            ],
        );
    }
    let before = wire_bytes(lab, ns);
    let start = Instant::now();
    let synced = lab.run(ns, home, &["sync", "--once"]);
    let seconds = start.elapsed().as_secs_f64();
    let bytes = wire_bytes(lab, ns) - before;
    eprintln!("[{ns}] {}", synced.trim());
    (seconds, bytes)
}

#[test]
fn a_teacher_at_home_syncs_with_a_family_at_home_through_a_relay() {
    if let Some(why) = netns::unavailable() {
        return skip_or_fail(why);
    }
    if !ok(Command::new("nft").arg("--version")) {
        return skip_or_fail("nft missing (apt-get install nftables)");
    }
    let mut lab = build_lab("r");

    // The relay, in the public network.
    let relay_home = lab.home("relay");
    let relay_log = lab.spawn(
        "pub",
        &relay_home,
        &["relay", "serve", "--listen", "/ip4/0.0.0.0/tcp/4001"],
        "relay.log",
    );
    let line = wait_for(
        &relay_log,
        "/ip4/10.77.1.1/tcp/4001/p2p/",
        Duration::from_secs(20),
    );
    let relay_addr = line
        .split_whitespace()
        .find(|w| w.starts_with("/ip4/10.77.1.1/tcp/4001/p2p/"))
        .unwrap()
        .to_string();

    // The family at home, behind router A, with the relay in its list.
    let fam = lab.home("famille");
    lab.run(
        "fam",
        &fam,
        &["init", "--role", "family", "--name", "Parent Lointain"],
    );
    let child = json(&lab.run(
        "fam",
        &fam,
        &[
            "child",
            "add",
            "--name",
            CHILD,
            "--birth",
            "2014-03-02",
            "--json",
        ],
    ));
    let livret = child["livret_id"].as_str().unwrap().to_string();
    let mut class = vec![livret.clone()];
    for n in 2..=PUPILS {
        let name = format!("Élève {n} Lointain");
        let child = json(&lab.run(
            "fam",
            &fam,
            &[
                "child",
                "add",
                "--name",
                &name,
                "--birth",
                "2014-05-06",
                "--json",
            ],
        ));
        class.push(child["livret_id"].as_str().unwrap().to_string());
    }
    // Bad input is refused, nothing stored.
    let bad = lab
        .livret("fam", &fam)
        .args(["relays", "add", "/ip4/10.77.1.1/tcp/4001"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("sans identifiant"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    lab.run("fam", &fam, &["relays", "add", &relay_addr]);
    let listed = json(&lab.run("fam", &fam, &["relays", "list", "--json"]));
    assert_eq!(listed, serde_json::json!([relay_addr]));
    let serve_log = lab.spawn(
        "fam",
        &fam,
        &["serve", "--listen", "/ip4/0.0.0.0/tcp/4715", "--no-mdns"],
        "famille.log",
    );
    wait_for(
        &serve_log,
        "Réservation obtenue sur le relais",
        Duration::from_secs(30),
    );

    // The invitations, as text; confirmed in advance (a script has no one to answer).
    let invite = |lab: &Lab| -> Vec<(String, String)> {
        class
            .iter()
            .map(|l| {
                let out = json(&lab.run(
                    "fam",
                    &fam,
                    &[
                        "invite",
                        l,
                        "--sections",
                        "annee/2026",
                        "--rights",
                        "write",
                        "--until",
                        "2027-07-04",
                        "--json",
                        "--yes",
                    ],
                ));
                (l.clone(), out["invitation"].as_str().unwrap().to_string())
            })
            .collect()
    };
    let invitation = invite(&lab);

    // The teacher at home, behind router B: accepts, writes, syncs through the relay.
    let far = lab.home("prof-maison");
    let (relay_secs, relay_bytes) = teacher_syncs(&lab, "tea", &far, &invitation, "1/3");

    // The bilans arrived at the family, verified.
    let shown = json(&lab.run("fam", &fam, &["show", &livret, "--json"]));
    let text = shown.to_string();
    assert!(text.contains(TEXT), "the bilan did not arrive: {text}");
    for l in &class {
        let verify = lab.run("fam", &fam, &["verify", l]);
        eprintln!("{}", verify.trim());
    }

    // The teacher remembered the family's current addresses (identify), the relayed one too.
    let listed = lab.run("tea", &far, &["list", "--json"]);
    assert!(listed.contains(&livret));

    // Whether the connection became direct: the family's serve says it.
    std::thread::sleep(Duration::from_secs(3));
    let log = std::fs::read_to_string(&serve_log).unwrap();
    let direct = log.contains("Connexion directe avec");
    let failed = log
        .lines()
        .find(|l| l.contains("Perçage du NAT impossible"))
        .map(str::to_string);
    // AutoNAT: the relay tried to dial the family back; router A dropped it.
    let reach = wait_for(&serve_log, "Joignable directement", Duration::from_secs(60));
    assert!(reach.contains("non"), "{reach}");

    // The same sync over the family's LAN (direct), to compare.
    let invitation = invite(&lab);
    let near = lab.home("prof-ecole");
    let (lan_secs, lan_bytes) = teacher_syncs(&lab, "lan", &near, &invitation, "2/3");

    // Router B now picks a random port for every connection (a "symmetric" NAT): the port the
    // relay saw is not the one a hole punch would use, so the connection stays relayed.
    let rb = lab.ns("rb");
    sh(&format!(
        "ip netns exec {rb} nft flush chain ip home nat_out"
    ));
    sh(&format!(
        "ip netns exec {rb} nft add rule ip home nat_out oifname wan masquerade random"
    ));
    sh(&format!(
        "ip netns exec {rb} conntrack -F 2>/dev/null || true"
    ));
    let marks = std::fs::read_to_string(&serve_log).unwrap().lines().count();
    let invitation = invite(&lab);
    let sym = lab.home("prof-maison-2");
    let (sym_secs, sym_bytes) = teacher_syncs(&lab, "tea", &sym, &invitation, "3/3");
    std::thread::sleep(Duration::from_secs(3));
    let after: Vec<String> = std::fs::read_to_string(&serve_log)
        .unwrap()
        .lines()
        .skip(marks)
        .map(str::to_string)
        .collect();
    let sym_direct = after.iter().any(|l| l.contains("Connexion directe avec"));
    let shown = json(&lab.run("fam", &fam, &["show", &livret, "--json"])).to_string();
    assert!(
        shown.contains("3-3"),
        "the third period did not arrive: {shown}"
    );
    lab.run("fam", &fam, &["verify", &livret]);

    eprintln!("--- relay test ---");
    eprintln!("relay: {relay_addr}");
    eprintln!("family reachability: {reach}");
    eprintln!(
        "hole punching (DCUtR), port-preserving NAT at both homes: {}",
        if direct {
            "the connection became direct".to_string()
        } else {
            format!(
                "stayed relayed ({})",
                failed.as_deref().unwrap_or("no attempt reported")
            )
        }
    );
    eprintln!(
        "hole punching, random-port NAT at the teacher's home: {}",
        if sym_direct {
            "the connection became direct"
        } else {
            "stayed relayed"
        }
    );
    eprintln!(
        "`livret sync --once` of {PUPILS} livrets × ({} bilans + a synthesis) (wall time, bytes of IP packets in and out of the teacher's device):",
        SUBJECTS.len()
    );
    eprintln!("  relayed, then direct by hole punching: {relay_secs:.2} s, {relay_bytes} bytes");
    eprintln!("  relayed only (random-port NAT):        {sym_secs:.2} s, {sym_bytes} bytes");
    eprintln!("  direct on the family's LAN:            {lan_secs:.2} s, {lan_bytes} bytes");
    eprintln!(
        "--- relay ---\n{}",
        std::fs::read_to_string(&relay_log).unwrap()
    );
    eprintln!(
        "--- family serve ---\n{}",
        std::fs::read_to_string(&serve_log).unwrap()
    );
}

/// Whether any of `needles` is in the readable and writable memory of process `pid` (its heap,
/// stacks and data: where a relay would keep what it saw).
fn memory_holds(pid: u32, needles: &[&str]) -> Vec<String> {
    use std::io::{Read as _, Seek as _, SeekFrom};
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    let mut found = Vec::new();
    let mut scanned = 0u64;
    for line in maps.lines() {
        let mut parts = line.split_whitespace();
        let (Some(range), Some(perms)) = (parts.next(), parts.next()) else {
            continue;
        };
        if !perms.starts_with("rw") {
            continue;
        }
        let Some((a, b)) = range.split_once('-') else {
            continue;
        };
        let (a, b) = (
            u64::from_str_radix(a, 16).unwrap(),
            u64::from_str_radix(b, 16).unwrap(),
        );
        let mut buf = vec![0u8; (b - a) as usize];
        if mem.seek(SeekFrom::Start(a)).is_err() || mem.read_exact(&mut buf).is_err() {
            continue;
        }
        scanned += b - a;
        for n in needles {
            if buf.windows(n.len()).any(|w| w == n.as_bytes()) {
                found.push(n.to_string());
            }
        }
    }
    assert!(scanned > 0, "nothing of the relay's memory could be read");
    found
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Never online together: the teacher writes at « 16:00 » while the family device is off, the
/// sealed letter waits on the relay's mailbox; the family starts at « 20:00 » and has the bilan
/// within 60 s, verified. A revocation travels the same way and purges the teacher's copy when
/// it next comes online. The mailbox's directory and the relay's memory hold none of the test's
/// personal strings and no livret id.
#[test]
fn devices_never_online_together_sync_through_the_relays_mailbox() {
    if let Some(why) = netns::unavailable() {
        return skip_or_fail(why);
    }
    if !ok(Command::new("nft").arg("--version")) {
        return skip_or_fail("nft missing (apt-get install nftables)");
    }
    const EVENING: &str = "Capucine a lu toute seule un album entier ce trimestre.";
    let mut lab = build_lab("m");
    let relay_home = lab.home("relay");
    let mailbox_dir = lab.home("boite");
    let relay_log = lab.spawn(
        "pub",
        &relay_home,
        &[
            "relay",
            "serve",
            "--listen",
            "/ip4/0.0.0.0/tcp/4001",
            "--mailbox",
            mailbox_dir.to_str().unwrap(),
        ],
        "relay.log",
    );
    let relay_pid = lab.pid(0);
    let line = wait_for(
        &relay_log,
        "/ip4/10.77.1.1/tcp/4001/p2p/",
        Duration::from_secs(20),
    );
    let relay_addr = line
        .split_whitespace()
        .find(|w| w.starts_with("/ip4/10.77.1.1/tcp/4001/p2p/"))
        .unwrap()
        .to_string();

    // The family at home, with the relay (a mailbox relay an association gave it).
    let fam = lab.home("famille");
    lab.run(
        "fam",
        &fam,
        &["init", "--role", "family", "--name", "Parent Lointain"],
    );
    let child = json(&lab.run(
        "fam",
        &fam,
        &[
            "child",
            "add",
            "--name",
            CHILD,
            "--birth",
            "2014-03-02",
            "--json",
        ],
    ));
    let livret = child["livret_id"].as_str().unwrap().to_string();
    lab.run("fam", &fam, &["relays", "add", &relay_addr]);
    let serve_log = lab.spawn(
        "fam",
        &fam,
        &["serve", "--listen", "/ip4/0.0.0.0/tcp/4715", "--no-mdns"],
        "famille.log",
    );
    let serve_index = lab.started() - 1;
    wait_for(
        &serve_log,
        "Réservation obtenue sur le relais",
        Duration::from_secs(30),
    );
    let invitation = json(&lab.run(
        "fam",
        &fam,
        &[
            "invite",
            &livret,
            "--sections",
            "annee/2026",
            "--rights",
            "write",
            "--until",
            "2027-07-04",
            "--json",
            "--yes",
        ],
    ))["invitation"]
        .as_str()
        .unwrap()
        .to_string();

    // The teacher at home, the same relay in its list: accepts while the family is on.
    let far = lab.home("prof-maison");
    lab.run(
        "tea",
        &far,
        &["init", "--role", "teacher", "--name", "M. Loin"],
    );
    lab.run("tea", &far, &["relays", "add", &relay_addr]);
    lab.run("tea", &far, &["accept", &invitation, "--class", "5B"]);
    lab.run("tea", &far, &["sync", "--once"]);

    // 16:00: the family device is off; the teacher writes and syncs: a letter is left.
    lab.stop(serve_index);
    lab.assess("tea", &far, &livret, "1/3", "FRANCS", "3", EVENING);
    let synced = lab.run("tea", &far, &["sync", "--once"]);
    assert!(synced.contains("lettre scellée déposée"), "{synced}");
    let letters: Vec<PathBuf> = files_under(&mailbox_dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "letter"))
        .collect();
    assert_eq!(letters.len(), 1, "the letter waits on the mailbox");

    // What the mailbox and the relay hold: none of the test's personal strings, no livret id.
    let needles = [
        CHILD,
        "Capucine",
        "album entier",
        "M. Loin",
        "Parent Lointain",
        &livret,
    ];
    for f in files_under(&mailbox_dir) {
        let bytes = std::fs::read(&f).unwrap();
        for n in needles {
            assert!(
                !bytes.windows(n.len()).any(|w| w == n.as_bytes()),
                "{n} in {f:?}"
            );
        }
    }
    let in_memory = memory_holds(relay_pid, &needles);
    assert!(in_memory.is_empty(), "in the relay's memory: {in_memory:?}");

    // The teacher stops. 20:00: the family starts; the bilan arrives within 60 s, verified.
    let start = Instant::now();
    let serve_log = lab.spawn(
        "fam",
        &fam,
        &["serve", "--listen", "/ip4/0.0.0.0/tcp/4715", "--no-mdns"],
        "famille-soir.log",
    );
    let serve_index = lab.started() - 1;
    wait_for(
        &serve_log,
        "lettre(s) scellée(s) relevée(s)",
        Duration::from_secs(60),
    );
    let arrived = start.elapsed();
    let shown = json(&lab.run("fam", &fam, &["show", &livret, "--json"])).to_string();
    assert!(shown.contains(EVENING), "the bilan did not arrive: {shown}");
    lab.run("fam", &fam, &["verify", &livret]);
    assert!(
        files_under(&mailbox_dir)
            .iter()
            .all(|p| p.extension().is_none_or(|e| e != "letter")),
        "deleted once fetched"
    );

    // The family revokes the teacher, who is away: `revoke` leaves it a letter; the teacher's
    // copy is purged when it next comes online.
    lab.stop(serve_index);
    let grants = json(&lab.run("fam", &fam, &["grants", &livret, "--json"]));
    let grant = &grants[0];
    // `revoke` itself leaves the letter (the family has a relay with a mailbox).
    let sent = lab.run(
        "fam",
        &fam,
        &["revoke", grant["grant_id"].as_str().unwrap()],
    );
    assert!(
        sent.contains("Révocation laissée à l'appareil révoqué dans une lettre scellée"),
        "{sent}"
    );
    let out = lab
        .livret("tea", &far)
        .args(["sync", "--once"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("lettre(s) scellée(s) relevée(s)"), "{text}");
    let listed = lab.run("tea", &far, &["list", "--json"]);
    assert!(
        !listed.contains(&livret),
        "the teacher's copy was not purged: {listed}"
    );

    eprintln!("--- mailbox test ---");
    eprintln!("letter fetched {arrived:.1?} after the family device started");
    eprintln!(
        "--- relay ---\n{}",
        std::fs::read_to_string(&relay_log).unwrap()
    );
}

/// `livret relays add|list|remove`: an address that is not a relay's is refused with a message
/// naming the problem, and nothing is stored. (No namespace: runs everywhere.)
#[test]
fn relays_are_added_listed_and_removed_and_bad_addresses_refused() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("famille");
    let livret = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_livret"))
            .arg("--home")
            .arg(&home)
            .args(args)
            .env_remove("LIVRET_PASSPHRASE")
            .env_remove("LIVRET_HOME")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env("LANG", "C")
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).to_string(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    assert_eq!(livret(&["init", "--role", "family", "--name", "P"]).0, 0);
    let relay = "/ip4/10.77.1.1/tcp/4001/p2p/12D3KooWC4sCZLYEcJX2u3EEU6spQRfmF168cVcHzfNpU3g5XFUS";
    for (bad, says) in [
        ("bonjour", "illisible"),
        ("/ip4/10.77.1.1/tcp/4001", "sans identifiant"),
        (
            "/dns/relais.example/tcp/4001/p2p/12D3KooWC4sCZLYEcJX2u3EEU6spQRfmF168cVcHzfNpU3g5XFUS",
            "adresse IP",
        ),
        (
            "/ip4/10.77.1.1/udp/4001/p2p/12D3KooWC4sCZLYEcJX2u3EEU6spQRfmF168cVcHzfNpU3g5XFUS",
            "seul TCP",
        ),
        (
            "/ip4/10.77.1.1/tcp/4001/p2p/12D3KooWC4sCZLYEcJX2u3EEU6spQRfmF168cVcHzfNpU3g5XFUS/p2p-circuit",
            "adresse relayée",
        ),
    ] {
        let (code, _, err) = livret(&["relays", "add", bad]);
        assert_eq!(code, 1, "{bad}: {err}");
        assert!(err.contains(says), "{bad}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    assert_eq!(livret(&["relays", "list", "--json"]).1.trim(), "[]");
    let (code, out, _) = livret(&["relays", "add", relay]);
    assert_eq!(code, 0);
    assert!(out.contains("Relais ajouté"), "{out}");
    let (code, _, err) = livret(&["relays", "add", relay]);
    assert_eq!(code, 1);
    assert!(err.contains("déjà"), "{err}");
    let listed: serde_json::Value =
        serde_json::from_str(&livret(&["relays", "list", "--json"]).1).unwrap();
    assert_eq!(listed, serde_json::json!([relay]));
    assert!(livret(&["relays", "list"]).1.contains(relay));
    assert_eq!(livret(&["relays", "remove", relay]).0, 0);
    let (code, _, err) = livret(&["relays", "remove", relay]);
    assert_eq!(code, 1);
    assert!(err.contains("relais inconnu"), "{err}");
    assert_eq!(livret(&["relays", "list", "--json"]).1.trim(), "[]");
}
