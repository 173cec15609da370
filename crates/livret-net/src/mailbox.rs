//! The mailbox protocol, `/livret/mailbox/1`: a device deposits sealed letters for another
//! device's box on a relay, and fetches (then acknowledges) the letters of its own box.
//!
//! Each request and reply is one frame (the sessions' framing), CBOR-encoded. The relay knows
//! who asks from the connection (Noise authenticates the peer id, which inlines the device's
//! ed25519 key): a device can only fetch or acknowledge its own box, and its deposits count
//! against its own sender quota. A relay that runs no mailbox does not accept the protocol,
//! which is how a device learns it has none.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libp2p::{Multiaddr, PeerId, Stream, StreamProtocol};
use livret_core::seal::{BoxId, MailboxCard, MAX_SEALED_BYTES};
use livret_core::DeviceId;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use crate::keys::public_key_from_peer_id;
use crate::mailbox_store::{MailboxLimits, MailboxRefusal, MailboxStore, StoredLetter};
use crate::session::Framed;
use crate::{Limits, NetError, Node};

/// The stream protocol of the mailbox.
pub const MAILBOX_PROTOCOL: &str = "/livret/mailbox/1";

/// The most bytes of letters one fetch returns (at least one letter whatever its size).
pub const MAX_FETCH_BYTES: u64 = MAX_SEALED_BYTES as u64;
/// The most hashes one acknowledgement carries.
pub const MAX_ACK_HASHES: usize = 1024;
/// Mailbox streams served at once, in all: more wait for the next try.
const MAX_MAILBOX_STREAMS: usize = 32;
/// Requests one mailbox stream may carry.
const MAX_REQUESTS_PER_STREAM: usize = 8;

/// The largest frame of the protocol: a letter and its envelope, or a fetch's letters and
/// theirs (one letter needs under 100 bytes of CBOR around it).
fn frame_limits() -> Limits {
    Limits {
        max_frame_bytes: MAX_SEALED_BYTES + 128 * 1024,
        ..Limits::default()
    }
}

#[derive(Debug, Serialize, Deserialize)]
enum Request {
    Deposit { recipient: ByteBuf, sealed: ByteBuf },
    Fetch { max_bytes: u64 },
    Ack { hashes: Vec<ByteBuf> },
    PublishCard { card: ByteBuf },
    GetCard { owner: ByteBuf },
}

#[derive(Debug, Serialize, Deserialize)]
enum Reply {
    Deposited,
    Refused(MailboxRefusal),
    Letters(Vec<WireLetter>),
    Acked(u32),
    CardKept,
    Card(Option<ByteBuf>),
}

#[derive(Debug, Serialize, Deserialize)]
struct WireLetter {
    hash: ByteBuf,
    deposited_at: u64,
    sealed: ByteBuf,
}

/// A relay's mailbox: where it keeps letters and its bounds.
#[derive(Debug, Clone)]
pub struct MailboxConfig {
    /// The directory of the letters (created if missing).
    pub dir: PathBuf,
    /// Bounds.
    pub limits: MailboxLimits,
}

/// Seconds since the Unix epoch, by the system clock.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The box of the device behind `peer`, if its peer id inlines an ed25519 key.
pub fn box_of_peer(peer: &PeerId) -> Option<BoxId> {
    public_key_from_peer_id(peer).map(|key| BoxId::of(&DeviceId(key)))
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, NetError> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| NetError::Protocol(e.to_string()))?;
    Ok(out)
}

fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Option<T> {
    ciborium::from_reader(bytes).ok()
}

/// What the relay's mailbox side shares between the streams it serves.
#[derive(Clone)]
pub(crate) struct MailboxService {
    store: Arc<Mutex<MailboxStore>>,
    streams: Arc<AtomicUsize>,
}

/// What a mailbox did, for the relay's operator (counts only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MailboxActivity {
    Deposited,
    Refused(MailboxRefusal),
    Fetched(usize),
    Acknowledged(usize),
}

impl MailboxService {
    pub(crate) fn open(config: &MailboxConfig) -> Result<MailboxService, NetError> {
        let store = MailboxStore::open(&config.dir, config.limits, unix_now()).map_err(|e| {
            NetError::Setup(format!(
                "mailbox directory {}: {e}",
                config.dir.to_string_lossy()
            ))
        })?;
        Ok(MailboxService {
            store: Arc::new(Mutex::new(store)),
            streams: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Letters and bytes held now.
    pub(crate) fn usage(&self) -> crate::mailbox_store::MailboxUsage {
        self.store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .usage()
    }

    /// Deletes letters past the age limit; returns how many.
    pub(crate) async fn expire(&self) -> usize {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            store
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .expire(unix_now())
        })
        .await
        .unwrap_or(0)
    }

    /// Serves one incoming stream: up to a few requests, each answered.
    pub(crate) async fn serve(
        self,
        peer: PeerId,
        stream: Stream,
        on_activity: impl Fn(MailboxActivity),
    ) {
        let mut io = Framed::new(stream, frame_limits());
        if self.streams.fetch_add(1, Ordering::SeqCst) >= MAX_MAILBOX_STREAMS {
            self.streams.fetch_sub(1, Ordering::SeqCst);
            if let Ok(reply) = encode(&Reply::Refused(MailboxRefusal::Busy)) {
                let _ = io.send(&reply).await;
            }
            return;
        }
        let me = box_of_peer(&peer);
        for _ in 0..MAX_REQUESTS_PER_STREAM {
            let frame = match io.recv().await {
                Ok(Some(frame)) => frame,
                Ok(None) | Err(_) => break,
            };
            let reply = match (decode::<Request>(&frame), me) {
                (Some(request), Some(me)) => self.answer(me, request, &on_activity).await,
                _ => Reply::Refused(MailboxRefusal::Malformed),
            };
            if let Reply::Refused(why) = &reply {
                on_activity(MailboxActivity::Refused(*why));
            }
            let Ok(bytes) = encode(&reply) else { break };
            if io.send(&bytes).await.is_err() {
                break;
            }
        }
        let _ = io.close().await;
        self.streams.fetch_sub(1, Ordering::SeqCst);
    }

    async fn answer(
        &self,
        me: BoxId,
        request: Request,
        on_activity: &impl Fn(MailboxActivity),
    ) -> Reply {
        let store = self.store.clone();
        let work = move || {
            let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
            match request {
                Request::Deposit { recipient, sealed } => {
                    let Ok(recipient) = <[u8; 32]>::try_from(recipient.as_slice()) else {
                        return Reply::Refused(MailboxRefusal::Malformed);
                    };
                    match store.deposit(BoxId(recipient), me, &sealed, unix_now()) {
                        Ok(_) => Reply::Deposited,
                        Err(why) => Reply::Refused(why),
                    }
                }
                Request::Fetch { max_bytes } => Reply::Letters(
                    store
                        .pending(&me, max_bytes.min(MAX_FETCH_BYTES))
                        .into_iter()
                        .map(|l| WireLetter {
                            hash: ByteBuf::from(l.hash.to_vec()),
                            deposited_at: l.deposited_at,
                            sealed: ByteBuf::from(l.sealed),
                        })
                        .collect(),
                ),
                Request::Ack { hashes } => {
                    if hashes.len() > MAX_ACK_HASHES {
                        return Reply::Refused(MailboxRefusal::Malformed);
                    }
                    let hashes: Vec<[u8; 32]> = hashes
                        .iter()
                        .filter_map(|h| <[u8; 32]>::try_from(h.as_slice()).ok())
                        .collect();
                    let n = store.acknowledge(&me, &hashes);
                    Reply::Acked(u32::try_from(n).unwrap_or(u32::MAX))
                }
                Request::PublishCard { card } => {
                    // Only the device itself publishes its card, signed by its key.
                    match MailboxCard::from_bytes(&card) {
                        Ok(c) if BoxId::of(&c.device) == me => match store.put_card(me, &card) {
                            Ok(()) => Reply::CardKept,
                            Err(why) => Reply::Refused(why),
                        },
                        _ => Reply::Refused(MailboxRefusal::Malformed),
                    }
                }
                Request::GetCard { owner } => match <[u8; 32]>::try_from(owner.as_slice()) {
                    Ok(owner) => Reply::Card(store.card(&BoxId(owner)).map(ByteBuf::from)),
                    Err(_) => Reply::Refused(MailboxRefusal::Malformed),
                },
            }
        };
        let reply = tokio::task::spawn_blocking(work)
            .await
            .unwrap_or(Reply::Refused(MailboxRefusal::Storage));
        match &reply {
            Reply::Deposited => on_activity(MailboxActivity::Deposited),
            Reply::Letters(l) => on_activity(MailboxActivity::Fetched(l.len())),
            Reply::Acked(n) => on_activity(MailboxActivity::Acknowledged(*n as usize)),
            Reply::Refused(_) | Reply::CardKept | Reply::Card(_) => {}
        }
        reply
    }
}

/// How long a whole mailbox exchange may take.
const MAILBOX_TIMEOUT: Duration = Duration::from_secs(60);

impl Node {
    /// Deposits `sealed` on the mailbox of `relay` for the device whose box is `recipient`.
    /// [`NetError::MailboxRefused`] says why the mailbox refused it (its bounds, or no
    /// mailbox on that relay).
    pub async fn mailbox_deposit(
        &self,
        relay: PeerId,
        addrs: Vec<Multiaddr>,
        recipient: BoxId,
        sealed: &[u8],
    ) -> Result<(), NetError> {
        let request = Request::Deposit {
            recipient: ByteBuf::from(recipient.0.to_vec()),
            sealed: ByteBuf::from(sealed.to_vec()),
        };
        let mut io = self.open_mailbox(relay, addrs).await?;
        match exchange(&mut io, &request).await? {
            Reply::Deposited => {
                let _ = io.close().await;
                Ok(())
            }
            Reply::Refused(why) => Err(NetError::MailboxRefused(why)),
            _ => Err(NetError::Protocol("unexpected mailbox reply".to_string())),
        }
    }

    /// Fetches the letters waiting for this device on the mailbox of `relay` (oldest first,
    /// a bounded batch), then acknowledges those that `receive` accepted or refused for good:
    /// `receive` returns `true` for a letter the mailbox may delete (received, or refused as
    /// tampered, misaddressed, replayed or expired) and `false` for one to keep (e.g. the
    /// device could not store it now). Returns how many letters were fetched.
    pub async fn mailbox_fetch(
        &self,
        relay: PeerId,
        addrs: Vec<Multiaddr>,
        mut receive: impl FnMut(StoredLetter) -> bool,
    ) -> Result<usize, NetError> {
        let mut io = self.open_mailbox(relay, addrs).await?;
        let letters = match exchange(
            &mut io,
            &Request::Fetch {
                max_bytes: MAX_FETCH_BYTES,
            },
        )
        .await?
        {
            Reply::Letters(letters) => letters,
            Reply::Refused(why) => return Err(NetError::MailboxRefused(why)),
            _ => return Err(NetError::Protocol("unexpected mailbox reply".to_string())),
        };
        let fetched = letters.len();
        let mut done = Vec::new();
        for letter in letters {
            let Ok(hash) = <[u8; 32]>::try_from(letter.hash.as_slice()) else {
                continue;
            };
            if receive(StoredLetter {
                hash,
                deposited_at: letter.deposited_at,
                sealed: letter.sealed.into_vec(),
            }) {
                done.push(ByteBuf::from(hash.to_vec()));
            }
        }
        if !done.is_empty() {
            match exchange(&mut io, &Request::Ack { hashes: done }).await? {
                Reply::Acked(_) => {}
                Reply::Refused(why) => return Err(NetError::MailboxRefused(why)),
                _ => return Err(NetError::Protocol("unexpected mailbox reply".to_string())),
            }
        }
        let _ = io.close().await;
        Ok(fetched)
    }

    /// Publishes this device's mailbox card (`MailboxCard::to_bytes`) on the mailbox of
    /// `relay`, so that peers can seal letters to it.
    pub async fn mailbox_publish_card(
        &self,
        relay: PeerId,
        addrs: Vec<Multiaddr>,
        card: &[u8],
    ) -> Result<(), NetError> {
        let mut io = self.open_mailbox(relay, addrs).await?;
        let request = Request::PublishCard {
            card: ByteBuf::from(card.to_vec()),
        };
        match exchange(&mut io, &request).await? {
            Reply::CardKept => {
                let _ = io.close().await;
                Ok(())
            }
            Reply::Refused(why) => Err(NetError::MailboxRefused(why)),
            _ => Err(NetError::Protocol("unexpected mailbox reply".to_string())),
        }
    }

    /// The mailbox card that the device whose box is `owner` published on `relay`, if it did.
    /// The caller checks it (`MailboxCard::from_bytes`, and its device).
    pub async fn mailbox_card(
        &self,
        relay: PeerId,
        addrs: Vec<Multiaddr>,
        owner: BoxId,
    ) -> Result<Option<Vec<u8>>, NetError> {
        let mut io = self.open_mailbox(relay, addrs).await?;
        let request = Request::GetCard {
            owner: ByteBuf::from(owner.0.to_vec()),
        };
        match exchange(&mut io, &request).await? {
            Reply::Card(card) => {
                let _ = io.close().await;
                Ok(card.map(ByteBuf::into_vec))
            }
            Reply::Refused(why) => Err(NetError::MailboxRefused(why)),
            _ => Err(NetError::Protocol("unexpected mailbox reply".to_string())),
        }
    }

    async fn open_mailbox(
        &self,
        relay: PeerId,
        addrs: Vec<Multiaddr>,
    ) -> Result<Framed<Stream>, NetError> {
        match self
            .open_protocol_stream(relay, addrs, StreamProtocol::new(MAILBOX_PROTOCOL))
            .await
        {
            Ok(stream) => Ok(Framed::new(stream, frame_limits())),
            Err(NetError::UnsupportedProtocol(_)) => {
                Err(NetError::MailboxRefused(MailboxRefusal::NoMailbox))
            }
            Err(e) => Err(e),
        }
    }
}

async fn exchange(io: &mut Framed<Stream>, request: &Request) -> Result<Reply, NetError> {
    let attempt = async {
        io.send(&encode(request)?).await?;
        let frame = io.recv().await?.ok_or(NetError::Truncated)?;
        decode::<Reply>(&frame)
            .ok_or_else(|| NetError::Protocol("malformed mailbox reply".to_string()))
    };
    tokio::time::timeout(MAILBOX_TIMEOUT, attempt)
        .await
        .map_err(|_| NetError::Timeout)?
}
