//! [`LivretDevice`]: one device home, its node and the runtime that runs it. Every method is a
//! call of the `livret` API with its arguments and result converted.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use livret::core::recovery::RecoveryKey;
use livret::core::{Lang, LivretId, Section};
use livret::node::{self, NodeOptions};
use livret::{Device, KeySource, SharedDevice};
use livret_net::{Multiaddr, Node, NodeEvent};
use tokio::runtime::Runtime;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use zeroize::Zeroizing;

use crate::error::{LivretError, Message, Result};
use crate::events::{DeliveryThread, EventSink, SyncListener};
use crate::recovery::RecoverySheet;
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
    /// The language of messages and summaries: French unless `set_language("en")`.
    lang: Mutex<Lang>,
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
        let n = bytes.len();
        return Err(LivretError::Invalid(Message::new(
            format!("clé de stockage : 32 octets attendus, {n} reçus"),
            format!("storage key: 32 bytes expected, {n} received"),
        )));
    }
    key.copy_from_slice(&bytes);
    Ok(KeySource::Raw(key))
}

/// A section name as an app's user chose it (`annee/2025`, `Année/2025`, `accompagnement`...):
/// a front end's input, so the typed spellings are read here, before the API; the wire and the
/// store only ever see the canonical one.
fn section(text: &str) -> Result<Section> {
    Ok(Section::from_typed(text).map_err(livret::Error::from)?)
}

fn listen_address(text: &str) -> Result<Multiaddr> {
    text.trim().parse().map_err(|_| {
        LivretError::Invalid(Message::new(
            format!("champ « listen » : adresse « {text} » invalide ; attendu par exemple /ip4/0.0.0.0/tcp/4715"),
            format!("field \"listen\": invalid address \"{text}\"; expected for example /ip4/0.0.0.0/tcp/4715"),
        ))
    })
}

fn new_runtime() -> Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("livret-node")
        .enable_all()
        .build()
        .map_err(|e| LivretError::internal(["environnement d'exécution", "runtime"], e))
}

impl LivretDevice {
    fn wrap(device: Device) -> Result<Arc<Self>> {
        Ok(Arc::new(LivretDevice {
            dev: node::share(device),
            node: Mutex::new(None),
            runtime: new_runtime()?,
            lang: Mutex::new(Lang::Fr),
        }))
    }

    /// The language of this handle's messages.
    fn lang(&self) -> Lang {
        *self.lang.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs a call, its error told in this handle's language.
    fn speaking<T>(&self, call: impl FnOnce() -> Result<T>) -> Result<T> {
        call().map_err(|e| e.in_lang(self.lang()))
    }

    /// Runs an async call, its error told in this handle's language.
    async fn speaking_async<T>(
        &self,
        call: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        call.await.map_err(|e| e.in_lang(self.lang()))
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

    /// Runs `work` (a session with another device) on the device's runtime.
    async fn on_runtime<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: std::future::Future<Output = livret::Result<T>> + Send + 'static,
    {
        Ok(self.runtime.spawn(work).await.map_err(|e| {
            LivretError::internal(["séance interrompue", "session interrupted"], e)
        })??)
    }

    /// Runs `session` on the device's runtime and reports what it did to the listener (a
    /// failure is the caller's error, not an event).
    async fn session<F>(&self, session: F) -> Result<SyncReport>
    where
        F: std::future::Future<Output = livret::Result<livret::SessionReport>> + Send + 'static,
    {
        let (_, sink) = self.running()?;
        let report = self.on_runtime(session).await?;
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

    /// Chooses the language of this handle's messages (errors, entry summaries, section labels,
    /// session events): `fr` (the default) or `en` (a `LANG`-style value such as `en_GB` too).
    pub fn set_language(&self, language: String) -> Result<()> {
        let lang = Lang::from_locale(&language).ok_or_else(|| {
            LivretError::Invalid(Message::new(
                format!("langue « {language} » inconnue : fr ou en"),
                format!("unknown language \"{language}\": fr or en"),
            ))
            .in_lang(self.lang())
        })?;
        *self.lang.lock().unwrap_or_else(PoisonError::into_inner) = lang;
        Ok(())
    }

    /// The language of this handle's messages: `fr` or `en`.
    pub fn language(&self) -> String {
        self.lang().pick("fr", "en").to_string()
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
        self.speaking(|| Ok(self.device().list()?.into_iter().map(Into::into).collect()))
    }

    /// Creates a child's livret (family device); `birth` is YYYY-MM-DD. Returns its id.
    pub fn add_child(&self, name: String, birth: String, ine: Option<String>) -> Result<String> {
        self.speaking(|| {
            Ok(self
                .device()
                .add_child(&name, &birth, ine.as_deref())?
                .to_string())
        })
    }

    /// A livret's sections and entries, each with its author and signature status.
    pub fn show(&self, livret_id: String) -> Result<LivretView> {
        self.speaking(|| {
            let livret = self.livret(&livret_id)?;
            Ok(LivretView::new(self.device().show(livret)?, self.lang()))
        })
    }

    /// Verifies every entry of a livret.
    pub fn verify(&self, livret_id: String) -> Result<VerifyReport> {
        self.speaking(|| {
            let livret = self.livret(&livret_id)?;
            Ok(VerifyReport::new(
                self.device().verify(livret)?,
                self.lang(),
            ))
        })
    }

    /// Everything this device holds of a livret, as JSON (with the signed forms).
    pub fn export_json(&self, livret_id: String) -> Result<String> {
        self.speaking(|| {
            let livret = self.livret(&livret_id)?;
            Ok(self.device().export_json(livret)?.to_string())
        })
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
        self.speaking(|| {
            let livret = self.livret(&livret_id)?;
            Ok(self
                .device()
                .export_pdf(livret, year, period.as_deref())?
                .into())
        })
    }

    // ---- writing (teacher) ----------------------------------------------------------------

    /// A subject's positioning or mark and appréciation (teacher device, write grant).
    /// Returns the entry's key.
    pub fn assess(&self, livret_id: String, assessment: Assessment) -> Result<String> {
        self.speaking(|| {
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
        })
    }

    /// The synthesis and advice of a period (teacher, at most 1000 characters).
    pub fn synthesis(
        &self,
        livret_id: String,
        year: u16,
        period: String,
        text: String,
    ) -> Result<String> {
        self.speaking(|| {
            let livret = self.livret(&livret_id)?;
            Ok(self.device().synthesis(livret, year, &period, &text)?)
        })
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
        self.speaking(|| {
            let livret = self.livret(&livret_id)?;
            Ok(self
                .device()
                .vie_scolaire(livret, year, &period, late, justified, unjustified)?)
        })
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
        self.speaking(|| {
            let livret = self.livret(&livret_id)?;
            Ok(self
                .device()
                .cycle(livret, cycle, year, &levels, &synthesis)?)
        })
    }

    /// An attestation obtained (teacher): `kind` ASSR1, ASSR2, APER, AER, PSC1, SAVOIR_NAGER.
    pub fn attest(&self, livret_id: String, kind: String, date: String) -> Result<String> {
        self.speaking(|| {
            let livret = self.livret(&livret_id)?;
            Ok(self.device().attest(livret, &kind, &date)?)
        })
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
        self.speaking(|| {
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
                .map_err(|e| LivretError::internal(["code QR", "QR code"], e))?;
            Ok(Invitation {
                qr_svg: qr.to_svg(),
                qr_png,
                text: out.invitation,
                expires_at: out.expires_at,
                sections: out.sections,
                rights: out.rights,
                includes_sensitive: out.includes_sensitive,
                sensitive_notice: out.sensitive_notice,
            })
        })
    }

    /// The redeems waiting for the family's confirmation (of one livret, or all). Each shows
    /// who redeemed and the code its screen shows; answer with `confirm_redeem`. A redeem not
    /// answered within two minutes lapses and grants nothing.
    pub fn redeem_claims(&self, livret_id: Option<String>) -> Result<Vec<RedeemClaim>> {
        self.speaking(|| {
            let livret = livret_id.map(|l| self.livret(&l)).transpose()?;
            Ok(self
                .device()
                .redeem_claims(livret)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    /// The family's answer to a waiting redeem: `confirm` true issues the grant, false refuses
    /// it (nothing is granted; the invitation is used either way).
    pub fn confirm_redeem(&self, invitation: String, confirm: bool) -> Result<RedeemClaim> {
        self.speaking(|| Ok(self.device().confirm_redeem(&invitation, confirm)?.into()))
    }

    /// The code to show on this device while the family confirms an invitation it accepts
    /// (the family's screen shows the same one).
    pub fn redeem_code(&self, invitation: String) -> Result<String> {
        self.speaking(|| Ok(livret::redeem_code_for(&self.device(), &invitation)?))
    }

    /// The grants of a livret: who may read or write what, until when.
    pub fn grants(&self, livret_id: String) -> Result<Vec<Grant>> {
        self.speaking(|| {
            let livret = self.livret(&livret_id)?;
            Ok(self
                .device()
                .grants(livret)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    /// Revokes a grant (family device). Returns the livret it belonged to.
    pub fn revoke(&self, grant_id: String) -> Result<String> {
        self.speaking(|| {
            let (livret, _) = self.device().revoke(&grant_id)?;
            Ok(livret.to_string())
        })
    }

    /// The audit log of a livret, or of the whole device: who received or sent what, when.
    pub fn audit(&self, livret_id: Option<String>) -> Result<Vec<AuditEntry>> {
        self.speaking(|| {
            let livret = livret_id.map(|l| self.livret(&l)).transpose()?;
            Ok(self
                .device()
                .audit(livret)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    // ---- consent: the sensitive section (family) ----------------------------------------------

    /// Opens a sensitive section (`accompagnement`) of a livret (family device, owner): the
    /// family's consent, signed, which travels to its other devices. Returns `false` when it
    /// was already open. It is shared only by an invitation that names it.
    pub fn open_section(&self, livret_id: String, section: String) -> Result<bool> {
        self.speaking(|| {
            let livret = self.livret(&livret_id)?;
            let section = self::section(&section)?;
            Ok(self.device().open_section(livret, section)?)
        })
    }

    /// The sections of a livret and their state: those this device holds, and (on an owner's
    /// device) the sensitive one, open or not.
    pub fn sections(&self, livret_id: String) -> Result<Vec<SectionState>> {
        self.speaking(|| {
            let livret = self.livret(&livret_id)?;
            Ok(self
                .device()
                .sections(livret)?
                .into_iter()
                .map(|s| SectionState::new(s, self.lang()))
                .collect())
        })
    }

    /// Writes a support measure in the sensitive section (which must be open): `measure` PAP,
    /// PAI, PPRE, PPS, ULIS, UPE2A, SEGPA, RASED, CTR or MDPH, from `start` (YYYY-MM-DD),
    /// maybe until `end`, with a note. By an owner, or a teacher with a write grant on
    /// `accompagnement`. Returns the entry's key.
    pub fn accompagnement(
        &self,
        livret_id: String,
        measure: String,
        start: String,
        end: Option<String>,
        note: Option<String>,
    ) -> Result<String> {
        self.speaking(|| {
            let livret = self.livret(&livret_id)?;
            Ok(self.device().accompagnement(
                livret,
                &measure,
                &start,
                end.as_deref(),
                note.as_deref(),
            )?)
        })
    }

    // ---- erasure and control (family) --------------------------------------------------------

    /// Forgets one entry (`entry`, its key as `show` gives it) or the whole section (`None`),
    /// history included, on this device (family device, owner). The family's other devices
    /// and the grantees holding the section erase it too at their next session with this one.
    pub fn forget(
        &self,
        livret_id: String,
        section: String,
        entry: Option<String>,
    ) -> Result<ForgetReport> {
        self.speaking(|| {
            let livret = self.livret(&livret_id)?;
            let section = self::section(&section)?;
            Ok(self
                .device()
                .forget(livret, section, entry.as_deref())?
                .into())
        })
    }

    /// Deletes a whole livret from this device (family device, owner); every device met later
    /// that holds it (the other parent's, the grantees') is told to delete it too.
    pub fn delete_livret(&self, livret_id: String) -> Result<()> {
        self.speaking(|| {
            let livret = self.livret(&livret_id)?;
            Ok(self.device().delete_livret(livret)?)
        })
    }

    /// Revokes another family device (lost, stolen) on every livret this device owns with it:
    /// it gets nothing more, and what it signs from now on counts for nothing. The grants it
    /// had issued stay valid with `keep_grants`, are void otherwise.
    pub fn revoke_device(
        &self,
        device_id: String,
        keep_grants: bool,
    ) -> Result<DeviceRevocationReport> {
        self.speaking(|| Ok(self.device().revoke_device(&device_id, keep_grants)?.into()))
    }

    /// Revokes a family device with the recovery sheet's words: the one way to revoke another
    /// parent's device (or a device the sheet introduced) without that parent's agreement.
    pub fn revoke_device_with_words(
        &self,
        device_id: String,
        keep_grants: bool,
        words: String,
    ) -> Result<DeviceRevocationReport> {
        self.speaking(|| {
            let words = Zeroizing::new(words);
            let key = RecoveryKey::from_words(&words).map_err(livret::Error::from)?;
            drop(words);
            Ok(self
                .device()
                .revoke_device_with_recovery(&device_id, keep_grants, &key)?
                .into())
        })
    }

    // ---- recovery and portability (family) ----------------------------------------------------

    /// Prints a new recovery sheet (family device): a new recovery key becomes an owner of
    /// every livret this device owns (and of those it creates later); a previous sheet's key
    /// is revoked. The words are in the returned object only, never stored: show them, or its
    /// PDF, while the parent copies or prints them.
    pub fn recovery_print(&self) -> Result<Arc<RecoverySheet>> {
        self.speaking(|| {
            let mut d = self.device();
            let sheet = d.recovery_print()?;
            let date: String = livret::rfc3339(d.now()).chars().take(10).collect();
            Ok(Arc::new(RecoverySheet::new(
                sheet,
                d.name().to_string(),
                date,
            )))
        })
    }

    /// Replaces the recovery sheet, given the current sheet's words: a new key, named the
    /// successor of the current one, which is then an owner nowhere. No device replaces the
    /// sheet without the current words.
    pub fn recovery_replace(&self, words: String) -> Result<Arc<RecoverySheet>> {
        self.speaking(|| {
            let words = Zeroizing::new(words);
            let current = RecoveryKey::from_words(&words).map_err(livret::Error::from)?;
            drop(words);
            let mut d = self.device();
            let sheet = d.recovery_replace(&current)?;
            let date: String = livret::rfc3339(d.now()).chars().take(10).collect();
            Ok(Arc::new(RecoverySheet::new(
                sheet,
                d.name().to_string(),
                date,
            )))
        })
    }

    /// Restores the family's livrets on this device (a family device freshly created) from the
    /// device at `address` (`/ip4/…/tcp/…/p2p/…`) that holds them, with the 24 words of the
    /// recovery sheet: that device makes this one an owner again, then they sync. Words that
    /// do not check are refused before anything leaves this device. Needs the node started.
    pub async fn restore_from(&self, address: String, words: String) -> Result<RestoreReport> {
        self.speaking_async(async move {
            let words = Zeroizing::new(words);
            let key = RecoveryKey::from_words(&words).map_err(livret::Error::from)?;
            drop(words);
            let (node, sink) = self.running()?;
            let (peer, addr) = node::parse_peer_address(&address)?;
            let dev = self.dev.clone();
            let report = self
                .on_runtime(async move {
                    livret::recovery::restore(&dev, &node, peer, vec![addr], &key).await
                })
                .await?;
            sink.report(&report.session);
            Ok(report.into())
        })
        .await
    }

    /// Imports a livret exported as JSON (`export_json`, on this device or another) on this
    /// family device: every record and entry is checked, nothing is stored if one fails. This
    /// device must be an owner in the export, or `words` (the recovery sheet's 24 words) must
    /// give a key that is one.
    pub fn import_json(&self, json: String, words: Option<String>) -> Result<ImportReport> {
        self.speaking(|| {
            let words = words.map(Zeroizing::new);
            Ok(self
                .device()
                .import_json(json.as_bytes(), words.as_deref().map(String::as_str))?
                .into())
        })
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
        self.speaking(|| {
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
            let (sink, delivery) = EventSink::start(listener, self.lang())
                .map_err(|e| LivretError::internal(["fil des événements", "event thread"], e))?;
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
        })
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
        self.speaking(|| {
            let (node, _) = self.running()?;
            Ok(node_addresses(&node))
        })
    }

    /// Accepts an invitation (its text form, from the QR code): dials the family device it
    /// names, proves the one-time secret, receives the grant and syncs the granted sections.
    /// `school_class` is the class (division) a teacher records, e.g. `5B`.
    pub async fn accept(
        &self,
        invitation: String,
        school_class: Option<String>,
    ) -> Result<SyncReport> {
        self.speaking_async(async move {
            let (node, _) = self.running()?;
            let dev = self.dev.clone();
            self.session(async move {
                node::accept(&dev, &node, &invitation, school_class.as_deref()).await
            })
            .await
        })
        .await
    }

    /// One session with the device at `address` (`/ip4/…/tcp/…/p2p/…`): syncs every livret
    /// both hold that concerns the other.
    pub async fn sync_with(&self, address: String) -> Result<SyncReport> {
        self.speaking_async(async move {
            let (node, _) = self.running()?;
            let (peer, addr) = node::parse_peer_address(&address)?;
            let dev = self.dev.clone();
            self.session(async move { node::sync_with(&dev, &node, peer, vec![addr]).await })
                .await
        })
        .await
    }

    /// One session with each device this one knows for its livrets (the family devices of
    /// the invitations it accepted).
    pub async fn sync_known_peers(&self) -> Result<Vec<PeerSync>> {
        self.speaking_async(async move {
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
                        error: Some(e.in_lang(self.lang()).to_string()),
                    },
                });
            }
            Ok(out)
        })
        .await
    }
}

fn node_addresses(node: &Node) -> Vec<String> {
    let peer = node.peer_id();
    node.listen_addrs()
        .iter()
        .map(|a| format!("{a}/p2p/{peer}"))
        .collect()
}
