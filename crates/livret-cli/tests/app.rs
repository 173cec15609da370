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
