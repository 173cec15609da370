//! Members of a teaching team find each other on the local network (mDNS): Linux network
//! namespaces made by this test (as root) on one LAN, the real `livret` binary run inside them
//! with `ip netns exec`.
//!
//! ```text
//!   switch (192.168.63.1, a bridge; no uplink)
//!    |-- PP (192.168.63.2): livret serve
//!    |-- colleague (192.168.63.3): livret serve, a bilan written while the family was away
//!    `-- another teacher, not a member (192.168.63.4): livret serve
//! ```
//!
//! The homes are prepared first with the CLI over 127.0.0.1 (the school's team, the family's
//! team grant, each member's first sync with the family); then the family is stopped. Without
//! any `--peer`, the PP receives the colleague's bilan, verified; the device that is not a member
//! gets nothing: discovery is not authorization. Only private addresses, inside namespaces the
//! test makes and removes; nothing leaves the machine. Not root, or no `ip netns`: skipped with
//! a message, or failed under CI=true.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod netns;

use std::path::Path;
use std::time::{Duration, Instant};

use netns::{json, sh, wait_for, Lab};

const CHILD: &str = "Anatole Réseau-Local";
const TEXT: &str = "Anatole participe avec enthousiasme aux débats de la classe.";
const LATER: &str = "Anatole a gagné en assurance à l'oral ce trimestre.";

fn skip_or_fail(why: &str) {
    netns::skip_or_fail("LAN (mDNS) test", "root and `ip netns`", why);
}

/// The devices of the LAN, one namespace each, and the switch between them.
const DEVICES: [(&str, &str); 3] = [
    ("pp", "192.168.63.2"),
    ("col", "192.168.63.3"),
    ("out", "192.168.63.4"),
];

/// One LAN: a bridge in the switch's namespace, a veth pair to each device.
fn build_lan(lan: &mut Lab) {
    let sw = lan.add_ns("sw");
    sh(&format!("ip -n {sw} link add br0 type bridge"));
    sh(&format!("ip -n {sw} addr add 192.168.63.1/24 dev br0"));
    sh(&format!("ip -n {sw} link set br0 up"));
    for (name, addr) in DEVICES {
        let ns = lan.add_ns(name);
        sh(&format!(
            "ip link add p{name} netns {sw} type veth peer name eth0 netns {ns}"
        ));
        sh(&format!("ip -n {sw} link set p{name} master br0"));
        sh(&format!("ip -n {sw} link set p{name} up"));
        sh(&format!("ip -n {ns} addr add {addr}/24 dev eth0"));
        sh(&format!("ip -n {ns} link set eth0 up"));
        // A route for multicast (mDNS sends to 224.0.0.251); the switch has no uplink.
        sh(&format!("ip -n {ns} route add default via 192.168.63.1"));
    }
}

fn device_id(lan: &Lab, home: &Path) -> String {
    json(&lan.run(None, home, &["id", "--json"]))["device_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn team_members_find_each_other_on_the_local_network_and_a_stranger_gets_nothing() {
    if let Some(why) = netns::unavailable() {
        return skip_or_fail(why);
    }
    let mut lan = Lab::new(format!("lvl{}-", std::process::id()));
    let (school, fam, pp, col, out) = (
        lan.home("college"),
        lan.home("famille"),
        lan.home("pp"),
        lan.home("collegue"),
        lan.home("hors-equipe"),
    );

    // The school's team: the PP and a colleague. A third teacher's device is in no team.
    lan.run(
        None,
        &school,
        &[
            "init",
            "--role",
            "school",
            "--name",
            "Collège du Réseau",
            "--uai",
            "0951099D",
        ],
    );
    for (home, name) in [
        (&pp, "Mme Principale"),
        (&col, "M. Collègue"),
        (&out, "M. Ailleurs"),
    ] {
        lan.run(None, home, &["init", "--role", "teacher", "--name", name]);
    }
    let team = json(&lan.run(
        None,
        &school,
        &[
            "team", "create", "--class", "4A", "--year", "2026", "--json",
        ],
    ))["team_id"]
        .as_str()
        .unwrap()
        .to_string();
    for home in [&pp, &col] {
        let id = device_id(&lan, home);
        lan.run(None, &school, &["team", "add", &team, &id, "--json"]);
    }
    let card = json(&lan.run(None, &school, &["team", "card", &team, "--json"]))["text"]
        .as_str()
        .unwrap()
        .to_string();
    let school_card = json(&lan.run(None, &school, &["school", "card", "--json"]))["text"]
        .as_str()
        .unwrap()
        .to_string();

    // The family trusts the school and grants the team; each member's first sync with the
    // family's device (over 127.0.0.1) brings it the team grant and the livret.
    lan.run(
        None,
        &fam,
        &["init", "--role", "family", "--name", "Parent Local"],
    );
    let livret = json(&lan.run(
        None,
        &fam,
        &[
            "child",
            "add",
            "--name",
            CHILD,
            "--birth",
            "2013-09-14",
            "--json",
        ],
    ))["livret_id"]
        .as_str()
        .unwrap()
        .to_string();
    lan.run(None, &fam, &["trust", "add", &school_card]);
    lan.run(
        None,
        &fam,
        &[
            "grant-team",
            &livret,
            "--card",
            &card,
            "--sections",
            "annee/2026",
            "--rights",
            "write",
            "--until",
            "2099-07-05",
        ],
    );
    let fam_log = lan.spawn(
        None,
        &fam,
        &["serve", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns"],
        "famille.log",
    );
    let line = wait_for(&fam_log, "/ip4/127.0.0.1/tcp/", Duration::from_secs(30));
    let fam_addr = line.trim().to_string();
    for home in [&pp, &col] {
        let synced = lan.run(
            None,
            home,
            &["sync", "--once", "--no-mdns", "--peer", &fam_addr],
        );
        assert!(!synced.contains("REFUS"), "{synced}");
        let held = lan.run(None, home, &["list", "--json"]);
        assert!(held.contains(&livret), "not held after the sync: {held}");
    }
    // The family's device goes away.
    lan.stop(0);

    // The colleague writes a bilan the PP does not have.
    lan.assess(None, &col, &livret, "1/3", "FRANCS", "3", TEXT);
    let before = lan.run(None, &pp, &["show", &livret, "--json"]);
    assert!(!before.contains(TEXT), "the PP has it already: {before}");

    // On one LAN, each device serves on its LAN address; nobody is given an address.
    build_lan(&mut lan);
    let start = Instant::now();
    let mut logs = Vec::new();
    for (name, addr) in DEVICES {
        let home = match name {
            "pp" => &pp,
            "col" => &col,
            _ => &out,
        };
        let listen = format!("/ip4/{addr}/tcp/4715");
        let log = lan.spawn(
            Some(name),
            home,
            &["serve", "--listen", &listen],
            &format!("{name}.log"),
        );
        wait_for(&log, "mDNS) active", Duration::from_secs(30));
        logs.push(log);
    }

    // The PP receives the colleague's bilan, found through mDNS, within a bounded time.
    let shown = loop {
        let shown = lan.run(Some("pp"), &pp, &["show", &livret, "--json"]);
        if shown.contains(TEXT) {
            break shown;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the colleague's bilan did not reach the PP within 60 s\n--- PP ---\n{}\n--- colleague ---\n{}",
            std::fs::read_to_string(&logs[0]).unwrap_or_default(),
            std::fs::read_to_string(&logs[1]).unwrap_or_default(),
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    let arrived = start.elapsed();
    let by = device_id(&lan, &col);
    assert!(
        shown.contains(&by),
        "not written by the colleague's device: {shown}"
    );
    lan.run(Some("pp"), &pp, &["verify", &livret]);

    // A bilan written while both serve waits for a session: `serve` syncs when it discovers a
    // colleague, not on every change. The colleague's `sync` with no `--peer` and no mDNS
    // dials the PP at the address it remembered from the session mDNS brought.
    lan.assess(Some("col"), &col, &livret, "2/3", "FRANCS", "4", LATER);
    // (The family's device, away, is unreachable: that makes the exit status 1.)
    let out_of = lan
        .livret(Some("col"), &col)
        .args(["sync", "--once", "--no-mdns"])
        .output()
        .unwrap();
    let synced = String::from_utf8_lossy(&out_of.stdout).to_string();
    assert!(
        synced.contains("Séance avec « Mme Principale »") && !synced.contains("REFUS"),
        "{synced}\n{}",
        String::from_utf8_lossy(&out_of.stderr)
    );
    let shown = lan.run(Some("pp"), &pp, &["show", &livret, "--json"]);
    assert!(shown.contains(LATER), "{synced}\n{shown}");
    lan.run(Some("pp"), &pp, &["verify", &livret]);

    // Discovery is not authorization: the device in no team, on the same LAN all along and
    // dialling the PP itself, holds nothing.
    let pp_addr = wait_for(&logs[0], "/ip4/192.168.63.2/tcp/4715/p2p/", Duration::ZERO);
    let stranger = lan
        .livret(Some("out"), &out)
        .args(["sync", "--once", "--no-mdns", "--peer", pp_addr.trim()])
        .output()
        .unwrap();
    let listed = json(&lan.run(Some("out"), &out, &["list", "--json"]));
    assert_eq!(
        listed,
        serde_json::json!([]),
        "the stranger got something; its sync said: {}",
        String::from_utf8_lossy(&stranger.stdout)
    );
    let out_log = std::fs::read_to_string(&logs[2]).unwrap();
    assert!(!out_log.contains(&livret), "{out_log}");

    eprintln!("--- LAN (mDNS) test ---");
    eprintln!("the colleague's bilan reached the PP {arrived:.1?} after the first serve started");
    for (log, (name, _)) in logs.iter().zip(DEVICES) {
        eprintln!(
            "--- {name} serve ---\n{}",
            std::fs::read_to_string(log).unwrap()
        );
    }
}
