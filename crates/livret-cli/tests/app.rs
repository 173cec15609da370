//! `livret app` as a user runs it: the listen address check, and one real process serving its
//! login page on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

#[test]
fn a_listen_address_off_the_loopback_is_refused() {
    let home = tempfile::tempdir().unwrap();
    for addr in ["0.0.0.0:4716", "192.168.1.20:4716", "[::]:4716"] {
        let o = livret(home.path())
            .args(["app", "--listen", addr, "--no-open"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{addr}");
        let err = String::from_utf8(o.stderr).unwrap();
        assert!(err.contains("refusée"), "{err}");
        assert!(err.contains(addr), "{err}");
        assert!(err.contains("127.0.0.1"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    let o = livret(home.path())
        .args([
            "--lang",
            "en",
            "app",
            "--listen",
            "0.0.0.0:4716",
            "--no-open",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("refused") && err.contains("loopback"), "{err}");
    // The demo refuses it too.
    let o = livret(home.path())
        .args(["app", "--demo", "--listen", "0.0.0.0:4716", "--no-open"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8(o.stderr).unwrap().contains("refusée"));
}

#[test]
fn the_app_prints_a_one_time_login_address_and_serves_it() {
    let home = tempfile::tempdir().unwrap();
    let o = livret(home.path())
        .args(["init", "--role", "family", "--name", "Parent"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let mut child = livret(home.path())
        .args([
            "app",
            "--listen",
            "127.0.0.1:0",
            "--node-listen",
            "/ip4/127.0.0.1/tcp/0",
            "--no-mdns",
            "--no-open",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut url = None;
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if line.starts_with("http://127.0.0.1:") {
            url = Some(line);
            break;
        }
    }
    let url = url.expect("no login address printed");
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let get = |path: &str| {
        let mut s = std::net::TcpStream::connect(host).unwrap();
        write!(
            s,
            "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    let first = get(path);
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(first.contains("HttpOnly"), "{first}");
    let second = get(path);
    assert!(second.starts_with("HTTP/1.1 401"), "{second}");
    child.kill().unwrap();
    let _ = child.wait();
}

/// One GET with a cookie; the whole answer (head and body).
fn http_get(host: &str, path: &str, cookie: Option<&str>) -> String {
    let mut s = std::net::TcpStream::connect(host).unwrap();
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{cookie}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// Logs in with a printed address: (host, cookie).
fn login(url: &str) -> (String, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let answer = http_get(host, &format!("/{path}"), None);
    let cookie = answer
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .expect("no session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    (host.to_string(), cookie)
}

#[test]
fn the_demo_starts_five_apps_with_a_written_term() {
    let home = tempfile::tempdir().unwrap();
    let mut child = livret(home.path())
        .args(["app", "--demo", "--listen", "127.0.0.1:0", "--no-open"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut urls = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while urls.len() < 5 && Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some((who, url)) = line.split_once(" : http://") {
            urls.push((who.to_string(), format!("http://{url}")));
        }
    }
    assert_eq!(urls.len(), 5, "{urls:?}");
    assert!(urls[0].0.starts_with("Famille"), "{urls:?}");

    // The family sees the term, signed by both teachers, M. Martin's entries certified.
    let (host, cookie) = login(&urls[0].1);
    let page = http_get(&host, "/", Some(&cookie));
    let at = page.find("href=\"/livrets/").expect("no child listed") + 15;
    let id: String = page[at..].chars().take_while(|c| *c != '"').collect();
    let livret = http_get(&host, &format!("/livrets/{id}"), Some(&cookie));
    assert!(livret.contains("Lina Moreau"), "{livret}");
    for want in [
        "M. Martin",
        "Mme Diallo",
        "signature certifiée",
        "signature valide",
        "Mathématiques",
        "Anglais LV1",
        "Synthèse",
    ] {
        assert!(livret.contains(want), "{want} missing: {livret}");
    }
    assert!(!livret.contains("INVALIDE"));

    // The teacher's class lists the pupil by name.
    let (host, cookie) = login(&urls[1].1);
    let class = http_get(&host, "/classes/5B", Some(&cookie));
    assert!(class.contains("Lina Moreau"), "{class}");

    // The jury's extract names nobody.
    let (host, cookie) = login(&urls[4].1);
    let jury = http_get(&host, "/", Some(&cookie));
    let at = jury.find("href=\"/livrets/").expect("no extract listed") + 15;
    let id: String = jury[at..].chars().take_while(|c| *c != '"').collect();
    let extract = http_get(&host, &format!("/livrets/{id}"), Some(&cookie));
    assert!(extract.contains("Mathématiques"), "{extract}");
    for secret in ["Lina", "Moreau", "2014", "Jean Moulin"] {
        assert!(
            !extract.contains(secret),
            "{secret} in the extract: {extract}"
        );
    }

    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
}
