//! What the tests that build network namespaces share (`relay.rs`, `lan.rs`): the real `livret`
//! run inside a namespace with `ip netns exec` (or in this one), the processes and namespaces of
//! one run removed on drop, even when the test fails.
#![allow(dead_code)] // each test file uses its part

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Not root, or no `ip netns`: a message, or a failure under CI=true.
pub fn skip_or_fail(test: &str, needs: &str, why: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test} cannot run under CI=true: {why}");
    }
    eprintln!("SKIPPED: the {test} needs {needs} ({why})");
}

/// Why the namespace tests cannot run here (not root, no `ip netns`), or `None`.
pub fn unavailable() -> Option<&'static str> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !root {
        return Some("not root");
    }
    if !ok(Command::new("ip").args(["netns", "list"])) {
        return Some("`ip netns` unavailable");
    }
    None
}

pub fn ok(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub fn sh(line: &str) {
    let out = Command::new("sh").arg("-c").arg(line).output().unwrap();
    assert!(
        out.status.success(),
        "`{line}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Waits until the file holds a line containing `needle`; returns that line.
pub fn wait_for(path: &Path, needle: &str, within: Duration) -> String {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.contains(needle)) {
            return line.to_string();
        }
        assert!(
            start.elapsed() < within,
            "no « {needle} » in {} after {within:?}:\n{text}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The namespaces and processes of one run; removed on drop.
pub struct Lab {
    prefix: String,
    made: Vec<String>,
    children: Vec<Child>,
    pub dir: tempfile::TempDir,
}

impl Lab {
    /// `prefix` tells apart the runs (a process id) and the tests of one process.
    pub fn new(prefix: String) -> Lab {
        Lab {
            prefix,
            made: vec![],
            children: vec![],
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The full name of namespace `name`.
    pub fn ns(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Makes namespace `name` (loopback up); deleted on drop. Returns its full name.
    pub fn add_ns(&mut self, name: &str) -> String {
        let ns = self.ns(name);
        sh(&format!("ip netns add {ns}"));
        sh(&format!("ip -n {ns} link set lo up"));
        self.made.push(ns.clone());
        ns
    }

    pub fn home(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `livret` in namespace `ns`, or in this one (127.0.0.1) when `ns` is `None`.
    pub fn livret<'a>(&self, ns: impl Into<Option<&'a str>>, home: &Path) -> Command {
        let mut c = match ns.into() {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", &self.ns(ns)])
                    .arg(env!("CARGO_BIN_EXE_livret"));
                c
            }
            None => Command::new(env!("CARGO_BIN_EXE_livret")),
        };
        c.arg("--home")
            .arg(home)
            .env_remove("LIVRET_PASSPHRASE")
            .env_remove("LIVRET_HOME")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env("LANG", "C");
        c
    }

    /// `livret assess` of a 2026 subject bilan, run to its end (see [`Lab::run`]).
    #[allow(clippy::too_many_arguments)]
    pub fn assess<'a>(
        &self,
        ns: impl Into<Option<&'a str>>,
        home: &Path,
        livret: &str,
        period: &str,
        subject: &str,
        level: &str,
        text: &str,
    ) -> String {
        self.run(
            ns,
            home,
            &[
                "assess",
                livret,
                "--year",
                "2026",
                "--period",
                period,
                "--subject",
                subject,
                "--level",
                level,
                "--text",
                text,
            ],
        )
    }

    /// Runs a command to its end; its standard output. Fails the test if the command fails.
    pub fn run<'a>(&self, ns: impl Into<Option<&'a str>>, home: &Path, args: &[&str]) -> String {
        let ns = ns.into();
        let out = self.livret(ns, home).args(args).output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        );
        assert!(
            out.status.success(),
            "livret {args:?} in {ns:?} failed:\n{stdout}\n{stderr}"
        );
        stdout
    }

    /// Starts a long-running command, its output in a file; returns the file.
    pub fn spawn<'a>(
        &mut self,
        ns: impl Into<Option<&'a str>>,
        home: &Path,
        args: &[&str],
        log: &str,
    ) -> PathBuf {
        let path = self.dir.path().join(log);
        let file = std::fs::File::create(&path).unwrap();
        let err = file.try_clone().unwrap();
        let child = self
            .livret(ns, home)
            .args(args)
            .stdout(file)
            .stderr(err)
            .spawn()
            .unwrap();
        self.children.push(child);
        path
    }

    /// How many long-running commands were started.
    pub fn started(&self) -> usize {
        self.children.len()
    }

    /// The `index`-th long-running command's process id.
    pub fn pid(&self, index: usize) -> u32 {
        self.children[index].id()
    }

    /// Stops the `index`-th long-running command as Ctrl-C would, and waits for it.
    pub fn stop(&mut self, index: usize) {
        let child = &mut self.children[index];
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for ns in self.made.iter().rev() {
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stderr(Stdio::null())
                .status();
        }
    }
}
