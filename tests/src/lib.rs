//! A scenario builder for multi-device tests: each device has its own home directory and its
//! own libp2p node on 127.0.0.1, serving in the background like `livret serve`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use livret::core::grant::Rights;
use livret::core::{LivretId, Role, Section};
use livret::node::{self, NodeOptions};
use livret::{Device, KeySource, SessionReport, SharedDevice};
use livret_net::{Multiaddr, Node};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// One device in a scenario.
pub struct TestDevice {
    /// Its home (deleted at the end).
    pub home: TempDir,
    /// The device.
    pub dev: SharedDevice,
    /// Its node.
    pub node: Node,
    /// Reports of the sessions its node answered or started on discovery.
    pub served: Arc<Mutex<Vec<Result<SessionReport, String>>>>,
    /// Whether the family confirms every redeem as it arrives (as a parent would who sees the
    /// teacher it showed the code to); off with [`TestDevice::confirm_redeems_by_hand`].
    confirms: Arc<AtomicBool>,
    stop: Option<oneshot::Sender<()>>,
}

impl TestDevice {
    /// Creates a device with its home and a node listening on 127.0.0.1 (mDNS off).
    pub async fn new(role: Role, name: &str) -> TestDevice {
        let home = tempfile::tempdir().unwrap();
        let device = Device::init(home.path(), KeySource::KeyFile, role, name).unwrap();
        Self::start(home, device).await
    }

    /// Creates a school device (with its UAI) and its node.
    pub async fn school(name: &str, uai: &str) -> TestDevice {
        let home = tempfile::tempdir().unwrap();
        let device = Device::init_school(home.path(), KeySource::KeyFile, name, uai).unwrap();
        Self::start(home, device).await
    }

    async fn start(home: TempDir, device: Device) -> TestDevice {
        let dev = node::share(device);
        let (node, events) = node::start(
            &dev,
            NodeOptions {
                listen: vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()],
                mdns: false,
                remember_addresses: false,
            },
        )
        .await
        .unwrap();
        let served = Arc::new(Mutex::new(Vec::new()));
        let (stop, stopped) = oneshot::channel::<()>();
        let sink = served.clone();
        tokio::spawn(node::serve(
            dev.clone(),
            node.clone(),
            events,
            async move {
                let _ = stopped.await;
            },
            move |r| sink.lock().unwrap().push(r.map_err(|e| e.to_string())),
        ));
        // The family at its screen: confirms each redeem once it waits (a family device's
        // redeems wait for that, see livret's redeem.rs).
        let confirms = Arc::new(AtomicBool::new(true));
        let (weak, on) = (Arc::downgrade(&dev), confirms.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                let Some(dev) = weak.upgrade() else { break };
                if !on.load(Ordering::Relaxed) {
                    continue;
                }
                let mut d = dev.lock().unwrap();
                for claim in d.redeem_claims(None).unwrap_or_default() {
                    let _ = d.confirm_redeem(&claim.invitation, true);
                }
            }
        });
        TestDevice {
            home,
            dev,
            node,
            served,
            confirms,
            stop: Some(stop),
        }
    }

    /// From now on, this family answers redeems itself (`confirm_redeem`), as a test decides.
    pub fn confirm_redeems_by_hand(&self) {
        self.confirms.store(false, Ordering::Relaxed);
    }

    /// Runs `f` with the device locked.
    pub fn with<T>(&self, f: impl FnOnce(&mut Device) -> T) -> T {
        let mut d = self.dev.lock().unwrap();
        f(&mut d)
    }

    /// The node's addresses (binary multiaddrs, for invitations).
    pub fn addresses(&self) -> Vec<Vec<u8>> {
        self.node
            .listen_addrs()
            .iter()
            .map(|a| a.to_vec())
            .collect()
    }

    /// The node's first address.
    pub fn addr(&self) -> Multiaddr {
        self.node.listen_addrs()[0].clone()
    }

    /// This device's id, as text.
    pub fn id(&self) -> String {
        self.with(|d| d.device_id().to_string())
    }

    /// A jury invitation to `livret` for these sections, valid 15 minutes.
    pub fn invite_jury(&self, livret: LivretId, sections: &str) -> String {
        let sections = Section::parse_list(sections).unwrap();
        let addrs = self.addresses();
        self.with(|d| d.invite_jury(livret, &sections, None, 15, addrs))
            .unwrap()
            .invitation
    }

    /// An invitation to `livret` for these sections and rights, valid 15 minutes.
    pub fn invite(&self, livret: LivretId, sections: &str, rights: Rights) -> String {
        let sections = Section::parse_list(sections).unwrap();
        let addrs = self.addresses();
        self.with(|d| d.invite(livret, &sections, rights, "2099-06-30", 15, addrs))
            .unwrap()
            .invitation
    }

    /// Accepts an invitation through this device's node.
    pub async fn accept(
        &self,
        invitation: &str,
        class: Option<&str>,
    ) -> livret::Result<SessionReport> {
        node::accept(&self.dev, &self.node, invitation, class).await
    }

    /// Syncs with `other` (dialing it).
    pub async fn sync_with(&self, other: &TestDevice) -> livret::Result<SessionReport> {
        node::sync_with(
            &self.dev,
            &self.node,
            other.node.peer_id(),
            vec![other.addr()],
        )
        .await
    }

    /// Stops the node.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    /// Every byte of every file of the home directory.
    pub fn raw_home_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.home.path()).unwrap() {
            let p = entry.unwrap().path();
            if p.is_file() {
                out.extend(std::fs::read(&p).unwrap());
            }
        }
        out
    }
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    haystack.windows(n.len()).any(|w| w == n)
}

/// Writes a subject entry signed by `dev` without asking its local policy or role (as a
/// family device or a modified client could): for tests of what the receiving side accepts.
pub fn write_subject_unchecked(
    dev: &TestDevice,
    livret: LivretId,
    period: &str,
    subject: &str,
    level: u8,
    text: &str,
) {
    use livret::core::vocab::{
        Appreciation, Discipline, DisciplineCode, Evaluation, Millesime, Period, Positioning,
    };
    let code = DisciplineCode::parse(subject).unwrap();
    let draft = livret::core::content::subject(
        Millesime::new(2025).unwrap(),
        Period::parse(period).unwrap(),
        &Discipline::known(&code).unwrap(),
        &Evaluation::Level(Positioning::from_value(level).unwrap()),
        &Appreciation::parse(text).unwrap(),
    );
    dev.with(|d| d.write_draft_unchecked(livret, &draft))
        .unwrap();
}
