//! [`LivretDevice`]: one device home, its node and the runtime that runs it. Every method is a
//! call of the `livret` API with its arguments and result converted.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use livret::core::{LivretId, Section};
use livret::node::{self, NodeOptions};
use livret::{Device, KeySource, SharedDevice};
use livret_net::{Multiaddr, Node, NodeEvent};
use tokio::runtime::Runtime;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use zeroize::Zeroizing;

use crate::error::{LivretError, Result};
use crate::events::{DeliveryThread, EventSink, SyncListener};
use crate::types::*;

/// How long `stop_node` waits for the node to close its connections.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// Room for node events between the node and `serve`.
const EVENT_BUFFER: usize = 64;

/// A running node: what stops it and where its events go.
struct RunningNode {
    node: Node,
    stop: oneshot::Sender<()>,
    served: JoinHandle<livret::Result<()>>,
    sink: EventSink,
    delivery: Option<DeliveryThread>,
}

/// A device opened on its home directory, with the runtime that runs its node.
///
/// Local calls (list, show, assess, invite...) return at once. `accept`, `sync_with` and
/// `sync_known_peers` are async (a suspend function in Kotlin, async in Swift and Python): they
/// last one session with another device. They need the node started (`start_node`).
#[derive(uniffi::Object)]
pub struct LivretDevice {
    dev: SharedDevice,
    node: Mutex<Option<RunningNode>>,
    runtime: Runtime,
}

impl std::fmt::Debug for LivretDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LivretDevice").finish_non_exhaustive()
    }
}

/// The storage key from the platform keystore: exactly 32 bytes. The bridge wipes its copy.
fn key_source(storage_key: Vec<u8>) -> Result<KeySource> {
    let bytes = Zeroizing::new(storage_key);
    let mut key = Zeroizing::new([0u8; 32]);
    if bytes.len() != key.len() {
        return Err(LivretError::Invalid(format!(
            "clé de stockage : 32 octets attendus, {} reçus",
            bytes.len()
        )));
    }
    key.copy_from_slice(&bytes);
    Ok(KeySource::Raw(key))
}

fn listen_address(text: &str) -> Result<Multiaddr> {
    text.trim().parse().map_err(|_| {
        LivretError::Invalid(format!(
            "champ « listen » : adresse « {text} » invalide ; attendu par exemple /ip4/0.0.0.0/tcp/4715"
        ))
    })
}

fn new_runtime() -> Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("livret-node")
        .enable_all()
        .build()
        .map_err(|e| LivretError::internal("environnement d'exécution", e))
}

impl LivretDevice {
    fn wrap(device: Device) -> Result<Arc<Self>> {
        Ok(Arc::new(LivretDevice {
            dev: node::share(device),
            node: Mutex::new(None),
            runtime: new_runtime()?,
        }))
    }

    fn device(&self) -> MutexGuard<'_, Device> {
        // The device's state lives in its store: a panic elsewhere leaves it usable.
        self.dev.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn slot(&self) -> MutexGuard<'_, Option<RunningNode>> {
        self.node.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn livret(&self, livret_id: &str) -> Result<LivretId> {
        Ok(self.device().resolve_livret(livret_id)?)
    }

    /// The running node and its event sink, for a session this device starts.
    fn running(&self) -> Result<(Node, EventSink)> {
        match &*self.slot() {
            Some(r) => Ok((r.node.clone(), r.sink.clone())),
            None => Err(LivretError::node_not_running()),
        }
    }

    /// Runs `session` on the device's runtime and reports what it did to the listener (a
    /// failure is the caller's error, not an event).
    async fn session<F>(&self, session: F) -> Result<SyncReport>
    where
        F: std::future::Future<Output = livret::Result<livret::SessionReport>> + Send + 'static,
    {
        let (_, sink) = self.running()?;
        let report = self
            .runtime
            .spawn(session)
            .await
            .map_err(|e| LivretError::internal("séance interrompue", e))??;
        sink.report(&report);
        Ok(report.into())
    }

    fn stop(&self) {
        let Some(running) = self.slot().take() else {
            return;
        };
        let _ = running.stop.send(());
        // Wait for the node to close, unless called from a runtime's thread (where blocking is
        // not allowed): then it closes on its own.
        if tokio::runtime::Handle::try_current().is_err() {
            let served = running.served;
            let _ = self
                .runtime
                .block_on(async { tokio::time::timeout(STOP_TIMEOUT, served).await });
        }
        if let Some(delivery) = running.delivery {
            delivery.stop();
        }
    }
}

impl Drop for LivretDevice {
    fn drop(&mut self) {
        self.stop();
    }
}

#[uniffi::export]
impl LivretDevice {
    /// Opens the device in `home` with the storage key kept in the platform keystore.
    #[uniffi::constructor]
    pub fn open(home: String, storage_key: Vec<u8>) -> Result<Arc<Self>> {
        let key = key_source(storage_key)?;
        Self::wrap(Device::open(std::path::Path::new(&home), key)?)
    }

    /// Creates a device in `home` (a new ed25519 key, its role and name), its personal data
    /// encrypted under `storage_key` (32 random bytes the app keeps in the platform keystore).
    #[uniffi::constructor]
    pub fn create(
        home: String,
        storage_key: Vec<u8>,
        role: Role,
        name: String,
    ) -> Result<Arc<Self>> {
        let key = key_source(storage_key)?;
        Self::wrap(Device::init(
            std::path::Path::new(&home),
            key,
            role.into(),
            &name,
        )?)
    }

    /// This device's id, role and name.
    pub fn info(&self) -> DeviceInfo {
        let d = self.device();
        let info = d.info();
        DeviceInfo {
            device_id: info.device_id,
            role: d.role().into(),
            name: info.name,
        }
    }

    // ---- livrets ------------------------------------------------------------------------

    /// The livrets this device holds.
    pub fn list(&self) -> Result<Vec<LivretSummary>> {
        Ok(self.device().list()?.into_iter().map(Into::into).collect())
    }

    /// Creates a child's livret (family device); `birth` is YYYY-MM-DD. Returns its id.
    pub fn add_child(&self, name: String, birth: String, ine: Option<String>) -> Result<String> {
        Ok(self
            .device()
            .add_child(&name, &birth, ine.as_deref())?
            .to_string())
    }

    /// A livret's sections and entries, each with its author and signature status.
    pub fn show(&self, livret_id: String) -> Result<LivretView> {
        let livret = self.livret(&livret_id)?;
        Ok(self.device().show(livret)?.into())
    }

    /// Verifies every entry of a livret.
    pub fn verify(&self, livret_id: String) -> Result<VerifyReport> {
        let livret = self.livret(&livret_id)?;
        Ok(self.device().verify(livret)?.into())
    }

    /// Everything this device holds of a livret, as JSON (with the signed forms).
    pub fn export_json(&self, livret_id: String) -> Result<String> {
        let livret = self.livret(&livret_id)?;
        Ok(self.device().export_json(livret)?.to_string())
    }

    /// The paper livret as this device may print it (PDF bytes, a signed seal on every page):
    /// everything, or one school year (`year`), or one period of it (`period`, `I/N`, with
    /// `year`). Entries that do not verify are not printed and are listed in `skipped`.
    pub fn export_pdf(
        &self,
        livret_id: String,
        year: Option<u16>,
        period: Option<String>,
    ) -> Result<PaperExport> {
        let livret = self.livret(&livret_id)?;
        Ok(self
            .device()
            .export_pdf(livret, year, period.as_deref())?
            .into())
    }

    // ---- writing (teacher) ----------------------------------------------------------------

    /// A subject's positioning or mark and appréciation (teacher device, write grant).
    /// Returns the entry's key.
    pub fn assess(&self, livret_id: String, assessment: Assessment) -> Result<String> {
        let livret = self.livret(&livret_id)?;
        let a = assessment;
        Ok(self.device().assess(
            livret,
            a.year,
            &a.period,
            &a.subject,
            a.label.as_deref(),
            a.level,
            a.mark.as_deref(),
            &a.text,
        )?)
    }

    /// The synthesis and advice of a period (teacher, at most 1000 characters).
    pub fn synthesis(
        &self,
        livret_id: String,
        year: u16,
        period: String,
        text: String,
    ) -> Result<String> {
        let livret = self.livret(&livret_id)?;
        Ok(self.device().synthesis(livret, year, &period, &text)?)
    }

    /// Late arrivals and half-days of absence of a period (teacher).
    pub fn vie_scolaire(
        &self,
        livret_id: String,
        year: u16,
        period: String,
        late: u16,
        justified: u16,
        unjustified: u16,
    ) -> Result<String> {
        let livret = self.livret(&livret_id)?;
        Ok(self
            .device()
            .vie_scolaire(livret, year, &period, late, justified, unjustified)?)
    }

    /// A bilan de fin de cycle (teacher): `levels` as `CPD_FRA=3,CPD_ETR=2,...`.
    pub fn cycle(
        &self,
        livret_id: String,
        cycle: u8,
        year: u16,
        levels: String,
        synthesis: String,
    ) -> Result<String> {
        let livret = self.livret(&livret_id)?;
        Ok(self
            .device()
            .cycle(livret, cycle, year, &levels, &synthesis)?)
    }

    /// An attestation obtained (teacher): `kind` ASSR1, ASSR2, APER, AER, PSC1, SAVOIR_NAGER.
    pub fn attest(&self, livret_id: String, kind: String, date: String) -> Result<String> {
        let livret = self.livret(&livret_id)?;
        Ok(self.device().attest(livret, &kind, &date)?)
    }

    // ---- sharing (family) -----------------------------------------------------------------

    /// An invitation to show face to face (family device, owner): the sections proposed
    /// (`annee/2025`, `vie-scolaire/2025`...), the rights, the last day of the grant
    /// (YYYY-MM-DD) and how long the invitation stays valid (default 15 minutes). It carries
    /// the addresses the node listened on: start the node first.
    pub fn invite(
        &self,
        livret_id: String,
        sections: Vec<String>,
        rights: Rights,
        until: String,
        expires_in_minutes: Option<i64>,
    ) -> Result<Invitation> {
        let livret = self.livret(&livret_id)?;
        let sections = Section::parse_list(&sections.join(",")).map_err(livret::Error::from)?;
        let minutes = expires_in_minutes.unwrap_or(livret::DEFAULT_INVITATION_MINUTES);
        let out = {
            let mut d = self.device();
            let addresses = d.invitation_addresses()?;
            d.invite(livret, &sections, rights.into(), &until, minutes, addresses)?
        };
        let qr = out.qr()?;
        let qr_png = qr
            .to_png()
            .map_err(|e| LivretError::internal("code QR", e))?;
        Ok(Invitation {
            qr_svg: qr.to_svg(),
            qr_png,
            text: out.invitation,
            expires_at: out.expires_at,
            sections: out.sections,
            rights: out.rights,
            includes_sensitive: out.includes_sensitive,
        })
    }

    /// The grants of a livret: who may read or write what, until when.
    pub fn grants(&self, livret_id: String) -> Result<Vec<Grant>> {
        let livret = self.livret(&livret_id)?;
        Ok(self
            .device()
            .grants(livret)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Revokes a grant (family device). Returns the livret it belonged to.
    pub fn revoke(&self, grant_id: String) -> Result<String> {
        let (livret, _) = self.device().revoke(&grant_id)?;
        Ok(livret.to_string())
    }

    /// The audit log of a livret, or of the whole device: who received or sent what, when.
    pub fn audit(&self, livret_id: Option<String>) -> Result<Vec<AuditEntry>> {
        let livret = livret_id.map(|l| self.livret(&l)).transpose()?;
        Ok(self
            .device()
            .audit(livret)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    // ---- the node ---------------------------------------------------------------------------

    /// Starts this device's node: it answers invitations and syncs, syncs with the devices it
    /// discovers, closes the connections of revoked devices. Its events (and those of the
    /// sessions this device starts) go to `listener`. Returns its addresses (with `/p2p/…`).
    pub fn start_node(
        &self,
        config: NodeConfig,
        listener: Option<Arc<dyn SyncListener>>,
    ) -> Result<Vec<String>> {
        let mut slot = self.slot();
        if slot.is_some() {
            return Err(LivretError::node_running());
        }
        let listen = if config.listen.is_empty() {
            node::default_listen()
        } else {
            config
                .listen
                .iter()
                .map(|a| listen_address(a))
                .collect::<Result<Vec<_>>>()?
        };
        let options = NodeOptions {
            listen,
            mdns: config.mdns,
            remember_addresses: true,
        };
        let (sink, delivery) = EventSink::start(listener)
            .map_err(|e| LivretError::internal("fil des événements", e))?;
        let (node, mut events) = match self.runtime.block_on(node::start(&self.dev, options)) {
            Ok(started) => started,
            Err(e) => {
                if let Some(delivery) = delivery {
                    delivery.stop();
                }
                return Err(e.into());
            }
        };

        // The node's events pass by the bridge on their way to `serve`, to see discoveries.
        let (forward, forwarded) = mpsc::channel::<NodeEvent>(EVENT_BUFFER);
        let seen = sink.clone();
        self.runtime.spawn(async move {
            while let Some(event) = events.recv().await {
                if let NodeEvent::PeerDiscovered { peer, .. } = &event {
                    seen.discovered(peer);
                }
                if forward.send(event).await.is_err() {
                    break;
                }
            }
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let reports = sink.clone();
        let served = self.runtime.spawn(node::serve(
            self.dev.clone(),
            node.clone(),
            forwarded,
            async move {
                let _ = stopped.await;
            },
            move |result| reports.outcome(&result),
        ));
        let addresses = node_addresses(&node);
        *slot = Some(RunningNode {
            node,
            stop,
            served,
            sink,
            delivery,
        });
        Ok(addresses)
    }

    /// Stops the node (nothing happens if it is not running). When it returns, the listener is
    /// called no more (called from the listener itself: after the events already sent).
    pub fn stop_node(&self) {
        self.stop();
    }

    /// Whether the node is running.
    pub fn node_running(&self) -> bool {
        self.slot().is_some()
    }

    /// The running node's addresses (with `/p2p/…`), to give to another device.
    pub fn node_addresses(&self) -> Result<Vec<String>> {
        let (node, _) = self.running()?;
        Ok(node_addresses(&node))
    }

    /// Accepts an invitation (its text form, from the QR code): dials the family device it
    /// names, proves the one-time secret, receives the grant and syncs the granted sections.
    /// `school_class` is the class (division) a teacher records, e.g. `5B`.
    pub async fn accept(
        &self,
        invitation: String,
        school_class: Option<String>,
    ) -> Result<SyncReport> {
        let (node, _) = self.running()?;
        let dev = self.dev.clone();
        self.session(async move {
            node::accept(&dev, &node, &invitation, school_class.as_deref()).await
        })
        .await
    }

    /// One session with the device at `address` (`/ip4/…/tcp/…/p2p/…`): syncs every livret
    /// both hold that concerns the other.
    pub async fn sync_with(&self, address: String) -> Result<SyncReport> {
        let (node, _) = self.running()?;
        let (peer, addr) = node::parse_peer_address(&address)?;
        let dev = self.dev.clone();
        self.session(async move { node::sync_with(&dev, &node, peer, vec![addr]).await })
            .await
    }

    /// One session with each device this one knows for its livrets (the family devices of
    /// the invitations it accepted).
    pub async fn sync_known_peers(&self) -> Result<Vec<PeerSync>> {
        let (node, _) = self.running()?;
        let peers = node::known_peers(&self.dev)?;
        let mut out = Vec::new();
        for (peer, addrs) in peers {
            let dev = self.dev.clone();
            let node = node.clone();
            let id = livret_net::public_key_from_peer_id(&peer)
                .map(|k| livret::core::DeviceId(k).to_string())
                .unwrap_or_else(|| peer.to_string());
            let result = self
                .session(async move { node::sync_with(&dev, &node, peer, addrs).await })
                .await;
            out.push(match result {
                Ok(report) => PeerSync {
                    peer: id,
                    report: Some(report),
                    error: None,
                },
                Err(e) => PeerSync {
                    peer: id,
                    report: None,
                    error: Some(e.to_string()),
                },
            });
        }
        Ok(out)
    }
}

fn node_addresses(node: &Node) -> Vec<String> {
    let peer = node.peer_id();
    node.listen_addrs()
        .iter()
        .map(|a| format!("{a}/p2p/{peer}"))
        .collect()
}
