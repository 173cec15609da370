//! A scenario builder for multi-device tests: each device has its own home directory and its
//! own libp2p node on 127.0.0.1, serving in the background like `livret serve`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use livret::core::grant::Rights;
use livret::core::{LivretId, Role, Section};
use livret::{Device, KeySource, LocalPeer, SessionReport};
use livret_net::Multiaddr;
use tempfile::TempDir;

/// One device in a scenario: a [`LocalPeer`] (the one in-process device the demo and
/// `app --demo` use too) with its home, deleted at the end.
pub struct TestDevice {
    /// Its home (deleted at the end).
    pub home: TempDir,
    peer: LocalPeer,
    /// Whether the family confirms every redeem as it arrives (as a parent would who sees the
    /// teacher it showed the code to); off with [`TestDevice::confirm_redeems_by_hand`].
    confirms: Arc<AtomicBool>,
}

impl std::ops::Deref for TestDevice {
    type Target = LocalPeer;
    fn deref(&self) -> &LocalPeer {
        &self.peer
    }
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
        let peer = LocalPeer::start(device, false).await.unwrap();
        // The family at its screen: confirms each redeem once it waits (a family device's
        // redeems wait for that, see livret's redeem.rs).
        let confirms = Arc::new(AtomicBool::new(true));
        let (weak, on) = (Arc::downgrade(&peer.dev), confirms.clone());
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
            peer,
            confirms,
        }
    }

    /// From now on, this family answers redeems itself (`confirm_redeem`), as a test decides.
    pub fn confirm_redeems_by_hand(&self) {
        self.confirms.store(false, Ordering::Relaxed);
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

    /// Syncs with `other` (dialing it).
    pub async fn sync_with(&self, other: &TestDevice) -> livret::Result<SessionReport> {
        self.peer.sync_with(&other.peer).await
    }

    /// Stops the node.
    pub async fn stop(mut self) {
        self.peer.stop().await;
    }

    /// Stops the node and closes the device, keeping its home (a device switched off).
    pub async fn switch_off(mut self) -> StoppedDevice {
        self.peer.stop().await;
        let TestDevice { home, peer, .. } = self;
        drop(peer);
        StoppedDevice { home }
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

/// A device switched off ([`TestDevice::switch_off`]): its home only.
pub struct StoppedDevice {
    /// Its home (deleted at the end).
    pub home: TempDir,
}

impl StoppedDevice {
    /// Opens the device again from its home, with a new node.
    pub async fn switch_on(self) -> TestDevice {
        let device = Device::open(self.home.path(), KeySource::KeyFile).unwrap();
        TestDevice::start(self.home, device).await
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
