//! The `livret` binary, run as a user would: separate homes, real processes, real libp2p on
//! 127.0.0.1. LIVRET_PASSPHRASE is removed (key files are used) and LANG=C (French default).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

const CHILD: &str = "Zéphyrine Quillard-Bonnefoy";

fn livret(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_livret"));
    c.arg("--home")
        .arg(home)
        .env_remove("LIVRET_PASSPHRASE")
        .env_remove("LIVRET_HOME")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C");
    c
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(home: &Path, args: &[&str]) -> Out {
    let o = livret(home).args(args).output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8(o.stdout).unwrap(),
        stderr: String::from_utf8(o.stderr).unwrap(),
    }
}

/// Runs and requires success; returns stdout.
fn ok(home: &Path, args: &[&str]) -> String {
    let o = run(home, args);
    assert_eq!(
        o.code, 0,
        "livret {args:?} failed\nstdout: {}\nstderr: {}",
        o.stdout, o.stderr
    );
    o.stdout
}

fn json(home: &Path, args: &[&str]) -> Value {
    let out = ok(home, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}"))
}

/// Requires a failure with exit 1 and exactly one error line on stderr; returns that line.
fn fails(home: &Path, args: &[&str]) -> String {
    let o = run(home, args);
    assert_eq!(
        o.code, 1,
        "livret {args:?} should fail with 1\nstdout: {}\nstderr: {}",
        o.stdout, o.stderr
    );
    let line = o.stderr.trim_end();
    assert!(!line.is_empty(), "{args:?}: no error message");
    assert!(!line.contains('\n'), "{args:?}: more than one line: {line}");
    line.to_string()
}

fn family_with_child(home: &Path) -> String {
    ok(home, &["init", "--role", "family", "--name", "Parent"]);
    let v = json(
        home,
        &[
            "child",
            "add",
            "--name",
            CHILD,
            "--birth",
            "2014-03-02",
            "--json",
        ],
    );
    v["livret_id"].as_str().unwrap().to_string()
}

/// Every file under `dir` (recursively) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.insert(p, bytes);
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    haystack.windows(n.len()).any(|w| w == n)
}

/// A `livret serve` child process; killed if the test fails midway.
/// The lines a child process writes on one of its outputs, as they come.
fn lines_of(output: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(output).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

struct Serve {
    child: Child,
    addr: String,
    lines: mpsc::Receiver<String>,
}

impl Serve {
    fn start(home: &Path) -> Serve {
        let mut child = livret(home)
            .args(["serve", "--listen", "/ip4/127.0.0.1/tcp/0", "--no-mdns"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let rx = lines_of(child.stdout.take().unwrap());
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .expect("serve printed no /ip4/ address");
            if line.starts_with("/ip4/") {
                break line;
            }
        };
        assert!(addr.contains("/p2p/"), "{addr}");
        Serve {
            child,
            addr,
            lines: rx,
        }
    }

    /// Sends SIGTERM and returns the exit status and the time it took to stop.
    fn terminate(&mut self) -> (std::process::ExitStatus, Duration) {
        let started = Instant::now();
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return (s, started.elapsed());
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "serve did not stop within 10 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

// 1 ------------------------------------------------------------------------------------------

#[test]
fn init_id_child_list_show_verify_export_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("famille");

    // No device yet: one clear line, in English on request, French by default; nothing created.
    let en = fails(&home, &["--lang", "en", "id"]);
    assert!(en.starts_with("error: no device in "), "{en}");
    let fr = fails(&home, &["id"]);
    assert!(fr.starts_with("erreur : aucun appareil dans "), "{fr}");
    let en_env = livret(&home)
        .env("LANG", "en_GB.UTF-8")
        .arg("id")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&en_env.stderr).starts_with("error: "));
    assert!(!home.exists(), "a failed command created the home");

    let out = ok(
        &home,
        &["init", "--role", "family", "--name", "Parent de Z"],
    );
    let id = json(&home, &["id", "--json"]);
    assert_eq!(id["role"], "family");
    assert_eq!(id["name"], "Parent de Z");
    let device_id = id["device_id"].as_str().unwrap();
    assert!(out.contains(device_id), "init prints the device id: {out}");
    assert!(
        fails(&home, &["init", "--role", "family", "--name", "Encore"]).contains("existe déjà")
    );

    let added = json(
        &home,
        &[
            "child",
            "add",
            "--name",
            CHILD,
            "--birth",
            "2014-03-02",
            "--json",
        ],
    );
    let livret_id = added["livret_id"].as_str().unwrap().to_string();

    let list = json(&home, &["list", "--json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["livret_id"], livret_id.as_str());
    assert_eq!(list[0]["name"], CHILD);
    assert_eq!(list[0]["relation"], "owner");
    assert!(list[0]["class"].is_null());
    assert!(list[0]["sections"]
        .as_array()
        .unwrap()
        .contains(&Value::from("identite")));

    let show = json(&home, &["show", &livret_id, "--json"]);
    assert_eq!(show["livret_id"], livret_id.as_str());
    let entry = &show["sections"][0]["entries"][0];
    assert_eq!(entry["signature"], "valid");
    assert_eq!(entry["author"], device_id);
    assert_eq!(entry["author_name"], "Parent de Z");
    assert_eq!(entry["content"]["name"], CHILD);
    let text = ok(&home, &["show", &livret_id]);
    assert!(text.contains("signature : valide"), "{text}");

    let verify = ok(&home, &["verify", &livret_id]);
    assert!(verify.contains("toutes valides"), "{verify}");
    assert_eq!(verify.trim().lines().count(), 1);
    let verify_en = ok(&home, &["--lang", "en", "verify", &livret_id]);
    assert!(verify_en.contains("all valid"), "{verify_en}");
    let vj = json(&home, &["verify", &livret_id, "--json"]);
    assert_eq!(vj["failures"].as_array().unwrap().len(), 0);
    assert_eq!(vj["checked"], 1);
    // Every livret of the device: the same report for each, and a closing line.
    let all = ok(&home, &["verify", "--all"]);
    assert!(all.contains("toutes valides"), "{all}");
    assert!(
        all.contains("1 livret(s) vérifié(s), tous valides."),
        "{all}"
    );
    let all_json = json(&home, &["verify", "--all", "--json"]);
    assert_eq!(all_json[0]["livret_id"], livret_id.as_str());
    assert_eq!(all_json[0]["report"], vj);
    // Neither a livret nor --all, or both: refused by the parser.
    assert_eq!(run(&home, &["verify"]).code, 2);
    assert_eq!(run(&home, &["verify", &livret_id, "--all"]).code, 2);

    // Export: whole file, same view as `show`.
    let exports = dir.path().join("exports");
    std::fs::create_dir(&exports).unwrap();
    let file = exports.join("livret.json");
    ok(
        &home,
        &[
            "export",
            &livret_id,
            "--format",
            "json",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    let exported: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(exported["format"], "livret-export/1");
    assert_eq!(exported["livret"], show);
    assert!(exported["signed_entries"]["identite"].is_object());
    // Unsupported format: a clear error, nothing written, no temporary file left.
    let odt = exports.join("livret.odt");
    let e = fails(
        &home,
        &[
            "export",
            &livret_id,
            "--format",
            "odt",
            "--out",
            odt.to_str().unwrap(),
        ],
    );
    assert!(e.contains("format non pris en charge"), "{e}");
    let names: Vec<_> = std::fs::read_dir(&exports)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("livret.json")]);
    // A directory that does not exist: an error, nothing written.
    let e = fails(
        &home,
        &[
            "export",
            &livret_id,
            "--out",
            dir.path().join("nope/x.json").to_str().unwrap(),
        ],
    );
    assert!(e.starts_with("erreur : fichier "), "{e}");

    // Unknown livret.
    let e = fails(&home, &["show", "aaaaaaaaaaaaaaaaaaaaaaaaaa"]);
    assert!(e.starts_with("erreur : "), "{e}");
}

// 2 ------------------------------------------------------------------------------------------

#[test]
fn invalid_values_name_their_field_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("famille");
    let l = family_with_child(&home);
    let long = "a".repeat(601);
    let good_levels = "CPD_FRA=3,CPD_ETR=2,CPD_SCI=3,CPD_ART=4,MET_APP=3,FRM_CIT=3,SYS_NAT=2";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "child",
                "add",
                "--name",
                "A",
                "--birth",
                "2014-03-02",
                "--ine",
                "12345",
            ],
            "ine",
        ),
        // A UAI (school number) where an INE is expected.
        (
            vec![
                "child",
                "add",
                "--name",
                "A",
                "--birth",
                "2014-03-02",
                "--ine",
                "0951099D",
            ],
            "ine",
        ),
        (
            vec![
                "child",
                "add",
                "--name",
                "A",
                "--birth",
                "2014-03-02",
                "--ine",
                "0123456789Z",
            ],
            "ine",
        ),
        (
            vec!["child", "add", "--name", "A", "--birth", "2014-02-30"],
            "birth",
        ),
        (
            vec!["child", "add", "--name", "A", "--birth", "02/03/2014"],
            "birth",
        ),
        (
            vec!["child", "add", "--name", "  ", "--birth", "2014-03-02"],
            "name",
        ),
        (
            vec![
                "assess",
                &l,
                "--year",
                "2025",
                "--period",
                "1/3",
                "--subject",
                "MATH",
                "--level",
                "3",
                "--text",
                "Bien.",
            ],
            "subject",
        ),
        (
            vec![
                "assess",
                &l,
                "--year",
                "2025",
                "--period",
                "1/3",
                "--subject",
                "MATHEM",
                "--level",
                "3",
                "--text",
                &long,
            ],
            "text",
        ),
        (
            vec![
                "assess",
                &l,
                "--year",
                "2025",
                "--period",
                "1/3",
                "--subject",
                "MATHEM",
                "--level",
                "7",
                "--text",
                "Bien.",
            ],
            "level",
        ),
        (
            vec![
                "assess",
                &l,
                "--year",
                "2025",
                "--period",
                "5/3",
                "--subject",
                "MATHEM",
                "--level",
                "3",
                "--text",
                "Bien.",
            ],
            "period",
        ),
        (
            vec![
                "synthesis",
                &l,
                "--year",
                "1850",
                "--period",
                "1/3",
                "--text",
                "Bien.",
            ],
            "year",
        ),
        (
            vec![
                "cycle",
                &l,
                "--cycle",
                "3",
                "--year",
                "2025",
                "--levels",
                good_levels,
                "--synthesis",
                "Bien.",
            ],
            "levels",
        ),
        (
            vec!["attest", &l, "--kind", "PSC1", "--date", "2025-13-01"],
            "date",
        ),
        (
            vec![
                "invite",
                &l,
                "--sections",
                "annee/2025",
                "--rights",
                "write",
                "--until",
                "2030-02-30",
                "--address",
                "/ip4/127.0.0.1/tcp/4715",
            ],
            "until",
        ),
    ];
    let before = snapshot(&home);
    let list_before = ok(&home, &["list", "--json"]);
    let show_before = ok(&home, &["show", &l, "--json"]);
    for (args, field) in &cases {
        let line = fails(&home, args);
        assert!(line.starts_with("erreur : "), "{args:?}: {line}");
        assert!(
            line.contains(&format!("« {field} »")),
            "{args:?}: the error does not name « {field} »: {line}"
        );
    }
    // English too.
    let line = fails(
        &home,
        &[
            "--lang",
            "en",
            "assess",
            &l,
            "--year",
            "2025",
            "--period",
            "1/3",
            "--subject",
            "MATHEM",
            "--level",
            "7",
            "--text",
            "Bien.",
        ],
    );
    assert!(line.starts_with("error: field \"level\""), "{line}");
    // --level and --mark together: a usage error from clap (exit 2).
    let o = run(
        &home,
        &[
            "assess",
            &l,
            "--year",
            "2025",
            "--period",
            "1/3",
            "--subject",
            "MATHEM",
            "--level",
            "3",
            "--mark",
            "12",
            "--text",
            "Bien.",
        ],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);

    // Raw bytes of every file of the home: unchanged. (SQLite's -wal/-shm files come and go
    // only while a connection is open; every command has exited here, so they are compared as
    // whatever exists.) The database content is compared through the API as well.
    let after = snapshot(&home);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "files appeared or disappeared"
    );
    for (path, bytes) in &before {
        assert!(after[path] == *bytes, "{} changed", path.display());
    }
    assert_eq!(ok(&home, &["list", "--json"]), list_before);
    assert_eq!(ok(&home, &["show", &l, "--json"]), show_before);
}

// 3 ------------------------------------------------------------------------------------------

#[test]
fn forget_delete_and_device_revoke_refuse_bad_input_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("famille");
    let l = family_with_child(&home);
    let before = snapshot(&home);
    for (args, says) in [
        (
            vec!["forget", &l, "--section", "annee/2025"],
            "n'a pas de section « annee/2025 »",
        ),
        (
            vec!["forget", &l, "--section", "identite", "--entry", "nope"],
            "aucune inscription « nope »",
        ),
        (vec!["forget", &l, "--section", "annee/19"], "annee/19"),
        (vec!["delete", &l], "--yes"),
        (vec!["delete", "zzzz"], "identifiant invalide"),
        (
            vec!["device", "revoke", "pas-un-appareil"],
            "pas-un-appareil",
        ),
        (
            vec![
                "device",
                "revoke",
                "dqkxlf53ptgjrpelmlphlbbxryhmzmg4co2bbmm3jvlrxvzamaua",
            ],
            "aucun livret",
        ),
    ] {
        let line = fails(&home, &args);
        assert!(line.contains(says), "{args:?}: {line}");
    }
    assert_eq!(
        snapshot(&home),
        before,
        "a refused command changed the home"
    );

    // Forgetting the identity section, then deleting the livret.
    let v = json(&home, &["forget", &l, "--section", "identite", "--json"]);
    assert_eq!(v["erased_entries"], 1, "{v}");
    assert_eq!(v["remaining_entries"], 0, "{v}");
    assert!(v["erasure"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
    ok(&home, &["delete", &l, "--yes"]);
    assert_eq!(json(&home, &["list", "--json"]), serde_json::json!([]));
    let audit = json(&home, &["audit", &l, "--json"]);
    assert_eq!(audit.as_array().map(Vec::len), Some(1), "{audit}");
    fails(&home, &["show", &l]);
}

#[test]
fn the_child_name_is_never_in_plain_text_in_the_home() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("famille");
    ok(&home, &["init", "--role", "family", "--name", "Parent"]);
    // A running node keeps the database open, so the -wal file stays while we look.
    let mut serve = Serve::start(&home);
    let v = json(
        &home,
        &[
            "child",
            "add",
            "--name",
            CHILD,
            "--birth",
            "2014-03-02",
            "--ine",
            "123456789AB",
            "--json",
        ],
    );
    let l = v["livret_id"].as_str().unwrap().to_string();
    ok(&home, &["show", &l]);
    let needles = [CHILD, "Zéphyrine", "Quillard", "Bonnefoy", "123456789AB"];
    let check = |when: &str| {
        let files = snapshot(&home);
        assert!(!files.is_empty());
        for (path, bytes) in &files {
            for n in needles {
                assert!(
                    !contains(bytes, n),
                    "{when}: « {n} » in plain text in {}",
                    path.display()
                );
            }
        }
        files.keys().cloned().collect::<Vec<_>>()
    };
    let open_files = check("while serving");
    eprintln!("files while serving: {open_files:?}");
    let (status, _) = serve.terminate();
    assert!(status.success());
    check("after");
}

// 4 ------------------------------------------------------------------------------------------

#[test]
fn readme_flow_with_real_processes() {
    let dir = tempfile::tempdir().unwrap();
    let fam = dir.path().join("famille");
    let tea = dir.path().join("enseignant");
    let l = family_with_child(&fam);
    ok(&tea, &["init", "--role", "teacher", "--name", "M. Martin"]);

    // Without a serve, the invitation has no address to carry.
    let e = fails(
        &fam,
        &[
            "invite",
            &l,
            "--sections",
            "annee/2025",
            "--rights",
            "write",
            "--until",
            "2099-06-30",
        ],
    );
    assert!(e.contains("livret serve"), "{e}");

    let mut serve = Serve::start(&fam);
    let addr = serve.addr.clone();

    let inv = json(
        &fam,
        &[
            "invite",
            &l,
            "--sections",
            "annee/2025,vie-scolaire/2025",
            "--rights",
            "write",
            "--until",
            "2099-06-30",
            "--json",
            "--yes",
        ],
    );
    let invitation = inv["invitation"].as_str().unwrap().to_string();
    assert!(invitation.starts_with("LIVRET:"));
    assert!(inv["expires_at"].as_str().unwrap().ends_with('Z'));

    let accepted = ok(&tea, &["accept", &invitation, "--class", "5B"]);
    assert!(accepted.contains(&l), "{accepted}");
    assert!(accepted.contains(CHILD), "{accepted}");
    let tl = json(&tea, &["list", "--json"]);
    assert_eq!(tl[0]["name"], CHILD);
    assert_eq!(tl[0]["class"], "5B");
    assert_eq!(tl[0]["relation"], "grantee");

    let key = ok(
        &tea,
        &[
            "assess",
            &l,
            "--year",
            "2025",
            "--period",
            "1/3",
            "--subject",
            "FRANCS",
            "--level",
            "3",
            "--text",
            "Très bon trimestre, participation active.",
        ],
    );
    assert!(key.contains("bilan/1-3/FRANCS"), "{key}");
    let out = ok(&tea, &["sync", "--peer", &addr, "--once"]);
    assert!(out.contains("Parent"), "{out}");

    let show = json(&fam, &["show", &l, "--json"]);
    let entry = show["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["entries"].as_array().unwrap().iter())
        .find(|e| e["key"] == "bilan/1-3/FRANCS")
        .expect("the entry reached the family");
    assert_eq!(entry["signature"], "valid");
    assert_eq!(entry["author_name"], "M. Martin");

    let grants = json(&fam, &["grants", &l, "--json"]);
    let grant = &grants.as_array().unwrap()[0];
    assert_eq!(grant["rights"], "write");
    assert_eq!(grant["until"], "2099-06-30");
    assert_eq!(grant["revoked"], false);
    let gid = grant["grant_id"].as_str().unwrap().to_string();
    // A relay in the family's list that cannot take the revocation's letter (here an address
    // that is no relay's): the revocation is recorded all the same, exit 0, and what failed is
    // said with the command that tries again.
    let peer_id = addr.rsplit("/p2p/").next().unwrap();
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_relay = format!(
        "/ip4/127.0.0.1/tcp/{}/p2p/{peer_id}",
        dead.local_addr().unwrap().port()
    );
    drop(dead);
    ok(&fam, &["relays", "add", &dead_relay]);
    let o = run(&fam, &["revoke", &gid]);
    assert_eq!(o.code, 0, "{} {}", o.stdout, o.stderr);
    assert!(o.stdout.contains("révoquée"), "{}", o.stdout);
    assert!(
        o.stderr
            .contains("La révocation est enregistrée, mais la lettre pour l'appareil révoqué")
            && o.stderr.contains("livret mailbox send"),
        "{}",
        o.stderr
    );
    ok(&fam, &["relays", "remove", &dead_relay]);
    assert_eq!(json(&fam, &["grants", &l, "--json"])[0]["revoked"], true);

    // On a loaded machine a dial can time out before the revocation is told; the sync fails
    // either way, and a later one (as the teacher would retry) must purge.
    let mut outputs = Vec::new();
    for _ in 0..3 {
        let o = run(&tea, &["sync", "--peer", &addr, "--once"]);
        assert_ne!(
            o.code, 0,
            "a revoked teacher's sync must fail: {}",
            o.stdout
        );
        outputs.push(format!("{}{}", o.stdout, o.stderr));
        if json(&tea, &["list", "--json"]) == serde_json::json!([]) {
            break;
        }
    }
    assert_eq!(
        json(&tea, &["list", "--json"]),
        serde_json::json!([]),
        "the revoked teacher still holds the livret after: {outputs:?}"
    );

    let audit = json(&fam, &["audit", &l, "--json"]);
    assert!(audit
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["outcome"] == "refused"));

    let (status, took) = serve.terminate();
    assert!(status.success(), "serve exited with {status:?}");
    assert!(took < Duration::from_secs(5), "serve took {took:?} to stop");
    // The family's node reported the sessions it answered.
    let lines: Vec<String> = serve.lines.try_iter().collect();
    assert!(
        lines.iter().any(|l| l.contains("M. Martin")),
        "serve output: {lines:?}"
    );
}

// 5 ------------------------------------------------------------------------------------------

#[test]
fn demo_runs_in_french_and_in_english() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let fr = ok(dir.path(), &["demo"]);
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(fr.contains("révoque"), "{fr}");
    assert!(fr.contains("INVALIDE"), "{fr}");
    assert!(fr.contains("Étape 10"), "{fr}");
    let en = ok(dir.path(), &["demo", "--lang", "en"]);
    assert!(en.contains("revokes"), "{en}");
    assert!(en.contains("Step 1 "), "{en}");
    assert!(!en.contains("Étape"), "{en}");
    // The demo uses its own temporary directory, not the home.
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

// Help ---------------------------------------------------------------------------------------

#[test]
fn help_is_in_french() {
    let dir = tempfile::tempdir().unwrap();
    let top = ok(dir.path(), &["--help"]);
    assert!(top.contains("Commandes"), "{top}");
    assert!(top.contains("Crée l'appareil"), "{top}");
    for sub in [
        "init",
        "id",
        "child",
        "list",
        "show",
        "verify",
        "export",
        "serve",
        "invite",
        "accept",
        "assess",
        "synthesis",
        "vie-scolaire",
        "cycle",
        "attest",
        "sync",
        "grants",
        "revoke",
        "audit",
        "demo",
    ] {
        let h = ok(dir.path(), &[sub, "--help"]);
        assert!(h.contains("Utilisation : livret"), "{sub}: {h}");
        assert!(h.contains("Affiche l'aide"), "{sub}: {h}");
    }
    let h = ok(dir.path(), &["child", "add", "--help"]);
    assert!(h.contains("Date de naissance"), "{h}");
}

/// Issue 13, finding 11: the recovery words are read from standard input (`--words-stdin`,
/// or the prompt of `recovery restore`), never needed in argv, where every process of the
/// machine can read them; `--words` still works but warns.
#[test]
fn recovery_words_are_read_from_stdin_and_words_in_argv_warn() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let livret_id = family_with_child(&a);
    let file = dir.path().join("livret.json");
    ok(
        &a,
        &[
            "export",
            &livret_id,
            "--format",
            "json",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    ok(&b, &["init", "--role", "family", "--name", "Autre"]);
    // 24 words that are not a recovery key: the error must be about the words, so the words
    // were read from stdin.
    let wrong = ["abeille"; 24].join(" ");
    let mut child = livret(&b)
        .args(["import", file.to_str().unwrap(), "--words-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{wrong}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("mot") && !stderr.contains("--words-stdin"),
        "{stderr}"
    );

    // In argv: still accepted, with a warning that names the risk.
    let o = run(&b, &["import", file.to_str().unwrap(), "--words", &wrong]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("--words-stdin") && o.stderr.contains("visibles"),
        "no warning: {}",
        o.stderr
    );
}

/// Issue 13, finding 10: `livret invite` (without `--yes`) waits for the redeem, shows who
/// redeemed with the code the redeeming device shows, and grants only once the family answers
/// yes; a « non » grants nothing.
#[test]
fn invite_waits_shows_the_code_and_grants_only_on_yes() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let fam = dir.path().join("famille");
    let tea = dir.path().join("enseignant");
    let l = family_with_child(&fam);
    ok(&tea, &["init", "--role", "teacher", "--name", "M. Martin"]);
    let mut serve = Serve::start(&fam);

    for answer in ["non", "o"] {
        let mut invite = livret(&fam)
            .args([
                "invite",
                &l,
                "--sections",
                "annee/2025",
                "--rights",
                "write",
                "--until",
                "2099-06-30",
                "--json",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The JSON document first (the command keeps running).
        let mut out = BufReader::new(invite.stdout.take().unwrap());
        let mut doc = String::new();
        loop {
            let mut line = String::new();
            assert!(out.read_line(&mut line).unwrap() > 0, "no JSON: {doc}");
            doc.push_str(&line);
            if line.starts_with('}') {
                break;
            }
        }
        let v: Value = serde_json::from_str(&doc).unwrap();
        let text = v["invitation"].as_str().unwrap().to_string();
        assert!(!v["invitation_id"].as_str().unwrap().is_empty());
        // The teacher accepts; it waits for the family.
        let tea2 = tea.clone();
        let accept = std::thread::spawn(move || run(&tea2, &["accept", &text]));
        // The family's terminal shows who redeemed and the code, then asks.
        let rx = lines_of(invite.stderr.take().unwrap());
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut shown = String::new();
        let code = loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("no request shown: {shown}"));
            shown.push_str(&line);
            shown.push('\n');
            if let Some(c) = line.strip_prefix("Code affiché sur son appareil : ") {
                break c.trim().to_string();
            }
        };
        assert!(shown.contains("« M. Martin » (enseignant)"), "{shown}");
        // Nothing is granted before the answer.
        assert!(json(&fam, &["grants", &l, "--json"])
            .as_array()
            .unwrap()
            .is_empty());
        let mut stdin = invite.stdin.take().unwrap();
        writeln!(stdin, "{answer}").unwrap();
        drop(stdin);
        let status = invite.wait().unwrap();
        let accepted = accept.join().unwrap();
        assert!(
            accepted
                .stderr
                .contains(&format!("Code de vérification : {code}")),
            "{}",
            accepted.stderr
        );
        let grants = json(&fam, &["grants", &l, "--json"]);
        if answer == "o" {
            assert!(status.success());
            assert_eq!(accepted.code, 0, "{}", accepted.stderr);
            assert_eq!(grants.as_array().unwrap().len(), 1, "{grants}");
            assert_eq!(json(&tea, &["list", "--json"])[0]["name"], CHILD);
        } else {
            assert_eq!(status.code(), Some(1));
            assert_eq!(accepted.code, 1);
            assert!(
                accepted.stderr.contains("la famille a refusé"),
                "{}",
                accepted.stderr
            );
            assert!(grants.as_array().unwrap().is_empty(), "{grants}");
            assert!(json(&tea, &["list", "--json"])
                .as_array()
                .unwrap()
                .is_empty());
        }
    }
    let (status, _) = serve.terminate();
    assert!(status.success());
}

#[test]
fn device_list_invitations_for_a_device_and_the_sheet_replaced_only_with_its_words() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("famille");
    let l = family_with_child(&home);
    let sheet = dir.path().join("secours.pdf");
    ok(
        &home,
        &["recovery", "print", "--out", sheet.to_str().unwrap()],
    );
    let v = json(&home, &["device", "list", &l, "--json"]);
    let owners = v.as_array().unwrap();
    assert_eq!(owners.len(), 2, "{v}");
    assert!(owners
        .iter()
        .any(|o| o["kind"] == "parent" && o["this_device"] == true && o["revoked"] == false));
    assert!(owners
        .iter()
        .any(|o| o["kind"] == "recovery" && o["parent"].is_null()));
    let text = ok(&home, &["device", "list", &l]);
    assert!(
        text.contains("clé de secours") && text.contains("(cet appareil)"),
        "{text}"
    );
    // An invitation for one more device of this parent says so.
    let v = json(
        &home,
        &[
            "invite",
            &l,
            "--rights",
            "device",
            "--until",
            "2099-12-31",
            "--address",
            "/ip4/127.0.0.1/tcp/4999",
            "--json",
            "--yes",
        ],
    );
    assert_eq!(v["rights"], "device", "{v}");
    // No device replaces the sheet alone.
    let again = dir.path().join("secours2.pdf");
    let line = fails(
        &home,
        &["recovery", "print", "--out", again.to_str().unwrap()],
    );
    assert!(line.contains("existe déjà"), "{line}");
    // Nor revokes the recovery key.
    let key = owners
        .iter()
        .find(|o| o["kind"] == "recovery")
        .and_then(|o| o["device"].as_str())
        .unwrap()
        .to_string();
    let line = fails(&home, &["device", "revoke", &key]);
    assert!(line.contains("clé de secours"), "{line}");
}

/// Issue 14, item 3: the import remembers the school identifiers the file carries (this
/// teacher's STS id found by the device's name), and asks before replacing a different one.
#[test]
fn import_lsu_records_the_school_ids_and_asks_before_replacing_one() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("prof");
    ok(&home, &["init", "--role", "teacher", "--name", "Mme Petit"]);
    let file = dir.path().join("ecole.xml");
    std::fs::write(
        &file,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<lsun-bilans xmlns="urn:fr:edu:scolarite:lsun:bilans:import" schemaVersion="7.0">
  <entete><editeur>E</editeur><application>A</application><etablissement>0951099D</etablissement></entete>
  <donnees>
    <responsables-etab><responsable-etab id="R1" libelle="Mme Leroy"/></responsables-etab>
    <eleves><eleve id="E1" id-be="101" nom="Moreau" prenom="Lina" code-division="6EME_4"/></eleves>
    <enseignants>
      <enseignant id="T1" type="epp" id-sts="7001" civilite="MME" nom="Petit" prenom="Claire"/>
      <enseignant id="T2" type="epp" id-sts="7002" civilite="M" nom="Martin"/>
    </enseignants>
  </donnees>
</lsun-bilans>
"#,
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let ids = |home: &Path| {
        let v = json(home, &["school-ids", "show", "--json"]);
        (v["uai"].clone(), v["head"].clone(), v["id_sts"].clone())
    };
    let import = |answer: &str, extra: &[&str]| {
        let mut child = livret(&home)
            .args(["import-lsu", path])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        // The pupil matches no livret here: exit 1; the identifiers are handled all the same.
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).unwrap()
    };
    // A dry run records nothing.
    let out = import("", &["--dry-run"]);
    assert!(out.contains("sera enregistré"), "{out}");
    assert_eq!(ids(&home), (Value::Null, Value::Null, Value::Null));
    // The import records all three: the export after it needs none typed by hand.
    let out = import("", &[]);
    assert!(out.contains("lu dans le fichier et enregistré"), "{out}");
    let recorded = (
        Value::from("0951099D"),
        Value::from("Mme Leroy"),
        Value::from(7001),
    );
    assert_eq!(ids(&home), recorded);
    // Another UAI recorded: « non » (or no answer) keeps it, « o » replaces it.
    ok(&home, &["school-ids", "set", "--uai", "0951100E"]);
    for answer in ["non\n", ""] {
        let out = import(answer, &[]);
        assert!(
            out.contains("le fichier porte « 0951099D », cet appareil a « 0951100E »")
                && out.contains("valeur gardée « 0951100E »"),
            "{out}"
        );
        assert_eq!(ids(&home).0, Value::from("0951100E"));
    }
    let out = import("o\n", &[]);
    assert!(out.contains("valeur remplacée par « 0951099D »"), "{out}");
    assert_eq!(ids(&home), recorded);
    // For scripts: --replace-school-ids answers yes.
    ok(&home, &["school-ids", "set", "--head", "M. Durand"]);
    import("", &["--replace-school-ids"]);
    assert_eq!(ids(&home), recorded);
}

// École ---------------------------------------------------------------------------------------

/// The école livret (cycle 2) with real processes: a teacher writes a period's domain lines
/// (with and without appréciation), a project and the general appréciation; a bad code is
/// refused in French and nothing is stored; the family syncs, `show --json` holds them, the
/// PDF prints them, and every page's seal verifies with `verify-seal --png --pdf`.
#[test]
fn primary_school_livret_with_real_processes() {
    let dir = tempfile::tempdir().unwrap();
    let fam = dir.path().join("famille");
    let tea = dir.path().join("enseignant");
    let l = family_with_child(&fam);
    ok(&tea, &["init", "--role", "teacher", "--name", "Mme Durand"]);
    let mut serve = Serve::start(&fam);
    let addr = serve.addr.clone();
    let inv = json(
        &fam,
        &[
            "invite",
            &l,
            "--sections",
            "annee/2025",
            "--rights",
            "write",
            "--until",
            "2099-06-30",
            "--json",
            "--yes",
        ],
    );
    let invitation = inv["invitation"].as_str().unwrap().to_string();
    ok(&tea, &["accept", &invitation, "--class", "CE1"]);

    let at = ["--year", "2025", "--period", "1/3"];
    let domain = |extra: &[&str]| -> Vec<String> {
        ["ecole", "domaine", l.as_str()]
            .iter()
            .chain(at.iter())
            .chain(["--cycle", "2"].iter())
            .chain(extra.iter())
            .map(|s| s.to_string())
            .collect()
    };
    fn args(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let lecture = domain(&[
        "--domaine",
        "fra",
        "--sous-domaine",
        "lect",
        "--objectif",
        "Lire à voix haute un texte court",
        "--objectif",
        "Comprendre un récit lu par l'adulte",
        "--level",
        "3",
        "--text",
        "Lit avec plaisir et de plus en plus couramment.",
    ]);
    let out = ok(&tea, &args(&lecture));
    assert!(out.contains("ecole/1-3/FRA/LECT"), "{out}");
    // No appréciation: the official livret makes it optional.
    let nombres = domain(&[
        "--domaine",
        "MAT",
        "--sous-domaine",
        "NOMB",
        "--objectif",
        "Dénombrer jusqu'à 100",
        "--level",
        "2",
    ]);
    assert!(ok(&tea, &args(&nombres)).contains("ecole/1-3/MAT/NOMB"));
    let eps = domain(&[
        "--domaine",
        "EPS",
        "--level",
        "4",
        "--text",
        "Excellent en course longue.",
    ]);
    assert!(ok(&tea, &args(&eps)).contains("ecole/1-3/EPS"));
    let mut projet = vec!["ecole", "projet", &l];
    projet.extend(at);
    projet.extend([
        "--titre",
        "Jardin de l'école",
        "--text",
        "A semé et arrosé les radis avec soin.",
    ]);
    assert!(ok(&tea, &projet).contains("ecole/1-3/projet/"));
    let mut general = vec!["ecole", "appreciation", &l];
    general.extend(at);
    general.extend(["--text", "Un bon trimestre : de beaux progrès en lecture."]);
    assert!(ok(&tea, &general).contains("ecole/1-3/appreciation"));

    // Bad input: a sub-domain of another domain, a domain of cycle 3 in cycle 2, level 5, a
    // health term. Each refused in French, naming the field; nothing stored.
    let before = snapshot(&tea);
    let show_before = ok(&tea, &["show", &l, "--json"]);
    for (extra, field) in [
        (
            vec!["--domaine", "FRA", "--sous-domaine", "NOMB", "--level", "3"],
            "« sous-domaine »",
        ),
        (vec!["--domaine", "SCT", "--level", "3"], "« domaine »"),
        (vec!["--domaine", "EMC", "--level", "5"], "« level »"),
        (
            vec!["--domaine", "EMC", "--text", "Suivi par l'AESH."],
            "AESH",
        ),
    ] {
        let line = fails(&tea, &args(&domain(&extra)));
        assert!(line.starts_with("erreur : "), "{line}");
        assert!(line.contains(field), "{extra:?}: {line}");
    }
    let after = snapshot(&tea);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &before {
        assert!(after[path] == *bytes, "{} changed", path.display());
    }
    assert_eq!(ok(&tea, &["show", &l, "--json"]), show_before);

    // The family receives them; show --json holds every field.
    ok(&tea, &["sync", "--peer", &addr, "--once"]);
    let (status, _) = serve.terminate();
    assert!(status.success());
    let show = json(&fam, &["show", &l, "--json"]);
    let entries: Vec<&Value> = show["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["entries"].as_array().unwrap().iter())
        .collect();
    let entry = |key: &str| {
        *entries
            .iter()
            .find(|e| e["key"].as_str().is_some_and(|k| k.starts_with(key)))
            .unwrap_or_else(|| panic!("{key} missing: {show}"))
    };
    let lect = entry("ecole/1-3/FRA/LECT");
    assert_eq!(lect["kind"], "ecole-domain");
    assert_eq!(lect["signature"], "valid");
    assert_eq!(lect["content"]["domain"], "FRA");
    assert_eq!(
        lect["content"]["sub_domain_label"],
        "Lecture et compréhension de l'écrit"
    );
    assert_eq!(
        lect["content"]["objectives"][1],
        "Comprendre un récit lu par l'adulte"
    );
    assert_eq!(lect["content"]["level"], 3);
    assert_eq!(entry("ecole/1-3/MAT/NOMB")["content"]["appreciation"], "");
    assert_eq!(
        entry("ecole/1-3/projet/")["content"]["title"],
        "Jardin de l'école"
    );
    assert_eq!(
        entry("ecole/1-3/appreciation")["kind"],
        "ecole-appreciation"
    );

    // The paper livret: the texts are in it and every page's seal verifies.
    let pdf = dir.path().join("livret.pdf");
    ok(
        &fam,
        &[
            "export",
            &l,
            "--format",
            "pdf",
            "--out",
            pdf.to_str().unwrap(),
        ],
    );
    let text = Command::new("pdftotext")
        .args(["-enc", "UTF-8", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext is needed (poppler-utils)");
    let flat: String = String::from_utf8(text.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for needle in [
        "Bilan périodique de l'école",
        "Lit avec plaisir et de plus en plus couramment.",
        "Dénombrer jusqu'à 100",
        "Jardin de l'école",
        "Appréciation générale sur la progression de l'élève",
        "Visa des parents",
    ] {
        let n: String = needle.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(flat.contains(&n), "missing {needle:?}");
    }
    let prefix = dir.path().join("page");
    let st = Command::new("pdftoppm")
        .args([
            "-r",
            "200",
            "-png",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ])
        .status()
        .expect("pdftoppm is needed (poppler-utils)");
    assert!(st.success());
    let mut pngs: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    pngs.sort();
    assert!(!pngs.is_empty());
    for png in &pngs {
        let out = ok(
            &fam,
            &[
                "verify-seal",
                "--png",
                png.to_str().unwrap(),
                "--pdf",
                pdf.to_str().unwrap(),
            ],
        );
        assert!(!out.contains("INVALIDE"), "{out}");
    }
}

// Teams (issue 15) ------------------------------------------------------------------------------

#[test]
fn team_roster_card_and_a_family_grant_to_the_team() {
    let dir = tempfile::tempdir().unwrap();
    let (school, fam, t1, t2) = (
        dir.path().join("school"),
        dir.path().join("fam"),
        dir.path().join("t1"),
        dir.path().join("t2"),
    );
    ok(
        &school,
        &[
            "init",
            "--role",
            "school",
            "--name",
            "Collège Jean Moulin",
            "--uai",
            "0951099D",
        ],
    );
    let mut teachers = Vec::new();
    for (home, name) in [(&t1, "M. Martin"), (&t2, "Mme Durand")] {
        ok(home, &["init", "--role", "teacher", "--name", name]);
        let id = json(home, &["id", "--json"]);
        teachers.push(id["device_id"].as_str().unwrap().to_string());
    }
    // A teacher's device keeps no team.
    let e = fails(&t1, &["team", "create", "--class", "5B", "--year", "2026"]);
    assert!(e.contains("établissement"), "{e}");
    let v = json(
        &school,
        &[
            "team",
            "create",
            "--class",
            "5B",
            "--year",
            "2026",
            "--name",
            "Équipe 5B",
            "--json",
        ],
    );
    let team = v["team_id"].as_str().unwrap().to_string();
    assert_eq!(v["version"], 1);
    let v = json(
        &school,
        &[
            "team",
            "add",
            &team,
            &teachers[0],
            "--subject",
            "030201",
            "--json",
        ],
    );
    assert_eq!(v["version"], 2);
    assert_eq!(v["members"][0]["subjects"][0], "030201");
    let v = json(&school, &["team", "add", &team, &teachers[1], "--json"]);
    assert_eq!(v["version"], 3);
    let v = json(&school, &["team", "remove", &team, &teachers[1], "--json"]);
    assert_eq!(v["version"], 4);
    assert_eq!(v["members"].as_array().unwrap().len(), 1);
    let e = fails(&school, &["team", "remove", &team, &teachers[1]]);
    assert!(e.contains("n'est pas membre de l'équipe"), "{e}");
    let e = fails(
        &school,
        &["team", "add", &team, &teachers[1], "--subject", "12"],
    );
    assert!(e.contains("subject") || e.contains("matière"), "{e}");
    let list = json(&school, &["team", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        json(&school, &["team", "show", &team, "--json"])["version"],
        4
    );
    let png = dir.path().join("team.png");
    let card = json(
        &school,
        &[
            "team",
            "card",
            &team,
            "--qr-png",
            png.to_str().unwrap(),
            "--json",
        ],
    );
    let card = card["text"].as_str().unwrap().to_string();
    assert!(card.starts_with("LIVRET-EQUIPE:"), "{card}");
    assert!(std::fs::metadata(&png).unwrap().len() > 0);

    // The family refuses a card of a school it does not trust.
    let l = family_with_child(&fam);
    let grant = [
        "grant-team",
        &l,
        "--card",
        &card,
        "--sections",
        "annee/2026",
        "--rights",
        "write",
        "--until",
        "2099-07-05",
    ];
    let e = fails(&fam, &grant);
    assert!(e.contains("n'est pas reconnu par cet appareil"), "{e}");
    assert_eq!(json(&fam, &["grants", &l, "--json"]), serde_json::json!([]));
    let school_card = json(&school, &["school", "card", "--json"]);
    ok(
        &fam,
        &["trust", "add", school_card["text"].as_str().unwrap()],
    );
    // Shown before granting: the school's name, the class, the members.
    let shown = ok(&fam, &["grant-team", &l, "--card", &card, "--dry-run"]);
    assert!(
        shown.contains("Collège Jean Moulin") && shown.contains("5B"),
        "{shown}"
    );
    assert!(shown.contains(&teachers[0]), "{shown}");
    let mut owner = grant.to_vec();
    owner[7] = "owner";
    let e = fails(&fam, &owner);
    assert!(e.contains("jamais d'être propriétaire"), "{e}");
    let mut with_json = grant.to_vec();
    with_json.push("--json");
    let g = json(&fam, &with_json);
    assert_eq!(g["team_id"], team.as_str());
    assert_eq!(g["rights"], "write");
    let audit = json(&fam, &["audit", &l, "--json"]);
    let details: Vec<String> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["detail"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        details.iter().any(|d| d.contains("version 4 reçue")),
        "{details:?}"
    );
    assert!(
        details.iter().any(|d| d.contains("autorisation d'équipe")),
        "{details:?}"
    );
    // A newer roster, from the team's new card: taken by the family (and passed on by sync),
    // noted in its journal; a device whose livrets the team was not granted has no use for it.
    json(&school, &["team", "add", &team, &teachers[1], "--json"]);
    let card2 = json(&school, &["team", "card", &team, "--json"])["text"]
        .as_str()
        .unwrap()
        .to_string();
    let v = json(&fam, &["team", "update", "--card", &card2, "--json"]);
    assert_eq!(v["livrets"], serde_json::json!([l.clone()]));
    let audit = json(&fam, &["audit", &l, "--json"]);
    assert!(
        audit.as_array().unwrap().iter().any(|a| a["detail"]
            .as_str()
            .unwrap_or("")
            .contains("version 4 remplacée par la version 5")),
        "{audit}"
    );
    let e = fails(&t1, &["team", "update", "--card", &card2]);
    assert!(e.contains("équipe inconnue"), "{e}");
    // Listed with the grants (in --json too, as `kind: team`), revoked like one.
    let gid = g["grant_id"].as_str().unwrap();
    let listed = ok(&fam, &["grants", &l]);
    assert!(
        listed.contains(gid) && listed.contains("équipe de la classe 5B"),
        "{listed}"
    );
    let listed = json(&fam, &["grants", &l, "--json"]);
    let team = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["grant_id"] == gid)
        .unwrap_or_else(|| panic!("team grant not in --json: {listed}"));
    assert_eq!(team["kind"], "team", "{team}");
    assert_eq!(team["class"], "5B", "{team}");
    assert_eq!(team["audience"], team["team_id"], "{team}");
    assert_eq!(team["revoked"], false, "{team}");
    assert_eq!(team["expired"], false, "{team}");
    ok(&fam, &["revoke", gid]);
    let listed = json(&fam, &["grants", &l, "--json"]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["grant_id"] == gid && x["revoked"] == true),
        "{listed}"
    );
    let audit = json(&fam, &["audit", &l, "--json"]);
    assert!(audit.as_array().unwrap().iter().any(|a| a["detail"]
        .as_str()
        .unwrap_or("")
        .contains(&format!("{gid} révoquée"))));
    assert!(ok(&fam, &["grants", &l]).contains("RÉVOQUÉE"));
}

#[test]
fn a_team_card_too_large_for_a_qr_code_leaves_the_roster_out_and_the_family_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let (school, fam) = (dir.path().join("school"), dir.path().join("fam"));
    ok(
        &school,
        &[
            "init",
            "--role",
            "school",
            "--name",
            "Collège Jean Moulin",
            "--uai",
            "0951099D",
        ],
    );
    let team = json(
        &school,
        &[
            "team", "create", "--class", "5B", "--year", "2026", "--json",
        ],
    )["team_id"]
        .as_str()
        .unwrap()
        .to_string();
    let subjects: Vec<String> = (1..=16).map(|i| format!("S{i:05}")).collect();
    for i in 0..8 {
        let home = dir.path().join(format!("t{i}"));
        ok(&home, &["init", "--role", "teacher", "--name", "Prof"]);
        let id = json(&home, &["id", "--json"])["device_id"]
            .as_str()
            .unwrap()
            .to_string();
        let mut args = vec!["team", "add", &team, &id];
        for s in &subjects {
            args.extend(["--subject", s.as_str()]);
        }
        ok(&school, &args);
    }
    let card = json(&school, &["team", "card", &team, "--json"])["text"]
        .as_str()
        .unwrap()
        .to_string();
    let l = family_with_child(&fam);
    let school_card = json(&school, &["school", "card", "--json"]);
    ok(
        &fam,
        &["trust", "add", school_card["text"].as_str().unwrap()],
    );
    let e = fails(&fam, &["grant-team", &l, "--card", &card, "--dry-run"]);
    assert!(e.contains("ne porte pas la liste de l'équipe"), "{e}");
}

/// `team delegate` on the school device; `team update --card` makes the PP's device manage the
/// team (`team add/remove/show/card` there, `--json` saying `delegated`); an ended date and
/// a teacher's device delegating are refused.
#[test]
fn team_delegate_lets_the_pp_manage_the_roster() {
    let dir = tempfile::tempdir().unwrap();
    let (school, pp, t2) = (
        dir.path().join("school"),
        dir.path().join("pp"),
        dir.path().join("t2"),
    );
    ok(
        &school,
        &[
            "init",
            "--role",
            "school",
            "--name",
            "Collège Jean Moulin",
            "--uai",
            "0951099D",
        ],
    );
    let mut ids = Vec::new();
    for (home, name) in [(&pp, "Mme Durand"), (&t2, "M. Martin")] {
        ok(home, &["init", "--role", "teacher", "--name", name]);
        ids.push(
            json(home, &["id", "--json"])["device_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let team = json(
        &school,
        &[
            "team", "create", "--class", "5B", "--year", "2026", "--json",
        ],
    )["team_id"]
        .as_str()
        .unwrap()
        .to_string();
    json(&school, &["team", "add", &team, &ids[0], "--json"]);
    let e = fails(&pp, &["team", "add", &team, &ids[1]]);
    assert!(e.contains("ne gère pas la liste"), "{e}");
    let e = fails(
        &school,
        &["team", "delegate", &team, &ids[0], "--until", "2020-01-01"],
    );
    assert!(e.contains("expiré"), "{e}");
    let e = fails(&pp, &["team", "delegate", &team, &ids[1]]);
    assert!(e.contains("établissement"), "{e}");
    let card = json(
        &school,
        &[
            "team",
            "delegate",
            &team,
            &ids[0],
            "--until",
            "2099-06-30",
            "--json",
        ],
    )["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(card.starts_with("LIVRET-EQUIPE:"), "{card}");
    let v = json(&pp, &["team", "update", "--card", &card, "--json"]);
    assert_eq!(v["livrets"], serde_json::json!([]));
    assert_eq!(v["delegated"]["team_id"], team.as_str());
    let v = json(
        &pp,
        &[
            "team",
            "add",
            &team,
            &ids[1],
            "--subject",
            "030201",
            "--json",
        ],
    );
    assert_eq!(v["version"], 3);
    assert_eq!(v["members"].as_array().unwrap().len(), 2);
    assert_eq!(
        json(&pp, &["team", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let v = json(&pp, &["team", "remove", &team, &ids[1], "--json"]);
    assert_eq!(v["version"], 4);
    let pp_card = json(&pp, &["team", "card", &team, "--json"])["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(pp_card.starts_with("LIVRET-EQUIPE:"), "{pp_card}");
    // The colleague's device takes no delegation from the PP's card.
    let e = fails(&t2, &["team", "update", "--card", &pp_card]);
    assert!(e.contains("équipe inconnue"), "{e}");
}
