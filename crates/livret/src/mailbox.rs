//! Sync when never online together: sealed letters through a relay's mailbox (issue 16).
//!
//! A device leaves a peer it cannot reach a letter holding what a sync would have sent
//! (`session::letter`), sealed to the peer's mailbox key (`livret_core::seal`), on a relay of
//! its list that runs a mailbox; it fetches its own letters from each such relay, opens and
//! verifies them, refuses replays, and runs what they carry through the live session's checks.
//! A relay without a mailbox refuses the protocol: mailboxes are used only if the family added
//! a relay that runs one.

use livret_core::seal::{self, BoxId, Letter, LetterId, MailboxCard, SeenLetters};
use livret_core::{DeviceId, DeviceSecret, Lang, Localized};
use livret_net::protocol::Frame;
use livret_net::{Multiaddr, NetError, Node, PeerId};

use crate::device::{lock, SharedDevice};
use crate::error::{Error, Result};
use crate::session::letter::{letter_frames, receive_letter};
use crate::SessionReport;

/// How long a letter is accepted after it was written (a mailbox keeps it 14 days by default).
pub const MAX_LETTER_AGE_SECS: u64 = 14 * 24 * 60 * 60;
/// Records of the ids of letters already received (replays are refused).
const SEEN_KIND: &str = "mailbox-seen";
/// Records of the last letter left for each peer (a hash of its body and when): the same
/// letter is not left again within [`SAME_LETTER_AGAIN_SECS`] (`sync` retries every 30 s).
const SENT_KIND: &str = "mailbox-sent";
/// After this long, the same letter is left again (the first may have been dropped).
const SAME_LETTER_AGAIN_SECS: i64 = 24 * 60 * 60;

/// What one fetch from a mailbox did.
#[derive(Debug, Default)]
pub struct FetchReport {
    /// Letters fetched.
    pub fetched: usize,
    /// The sessions the letters amounted to, one per letter received.
    pub received: Vec<SessionReport>,
    /// Letters refused, with why (in French): altered, misaddressed, replayed, too old,
    /// or refused by the checks of a session.
    pub refused: Vec<String>,
}

/// The relay's peer id in its address (`…/p2p/ID`).
fn relay_peer(relay: &Multiaddr) -> Result<PeerId> {
    relay
        .iter()
        .find_map(|p| match p {
            libp2p::multiaddr::Protocol::P2p(id) => Some(id),
            _ => None,
        })
        .ok_or_else(|| Error::BadAddress(relay.to_string()))
}

fn sealed_error(e: seal::SealError) -> Error {
    Error::Format {
        fr: e.localized(Lang::Fr),
        en: e.localized(Lang::En),
    }
}

/// Leaves `peer` a letter on the mailbox of `relay` with what a sync would send it now.
/// Returns whether there was anything to send. Fails if the relay runs no mailbox, the peer
/// never published its mailbox key there, or the mailbox refuses (its bounds).
pub async fn deposit(
    dev: &SharedDevice,
    node: &Node,
    relay: &Multiaddr,
    peer: DeviceId,
) -> Result<bool> {
    let frames = letter_frames(dev.clone(), peer)?;
    if frames.is_empty() {
        return Ok(false);
    }
    let body = encode_frames(&frames);
    let digest: [u8; 32] = {
        use sha2::Digest as _;
        sha2::Sha256::digest(&body).into()
    };
    {
        let d = lock(dev);
        if let Ok(Some(last)) = d.store.record(SENT_KIND, &peer.to_string()) {
            let at = last
                .get(32..40)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map_or(0, i64::from_be_bytes);
            if last.get(..32) == Some(&digest[..]) && d.now() - at < SAME_LETTER_AGAIN_SECS {
                return Ok(false);
            }
        }
    }
    let relay_id = relay_peer(relay)?;
    let addrs = vec![relay.clone()];
    let card = node
        .mailbox_card(relay_id, addrs.clone(), BoxId::of(&peer))
        .await?
        .ok_or_else(|| Error::Format {
            fr: "l'appareil destinataire n'a pas encore de boîte aux lettres sur ce relais (il en ouvre une en relevant ses lettres)".to_string(),
            en: "the recipient device has no mailbox on this relay yet (it opens one when it fetches its letters)".to_string(),
        })?;
    let card = MailboxCard::from_bytes(&card).map_err(sealed_error)?;
    if card.device != peer {
        return Err(sealed_error(seal::SealError::BadCard));
    }
    let (secret, now) = {
        let d = lock(dev);
        (DeviceSecret::from_bytes(&d.secret_bytes()), d.now())
    };
    let mut rng = seal::rand_core::UnwrapErr(getrandom::SysRng);
    let mut nonce = [0u8; 16];
    seal::rand_core::Rng::fill_bytes(&mut rng, &mut nonce);
    let letter = Letter {
        recipient: peer,
        sent_at: u64::try_from(now).unwrap_or(0),
        nonce,
        body,
    };
    let sealed = seal::seal(&secret, &card, &letter, &mut rng).map_err(sealed_error)?;
    node.mailbox_deposit(relay_id, addrs, BoxId::of(&peer), &sealed)
        .await?;
    let mut sent = digest.to_vec();
    sent.extend_from_slice(&now.to_be_bytes());
    if let Err(e) = lock(dev)
        .store
        .put_record(SENT_KIND, &peer.to_string(), None, &sent)
    {
        tracing::warn!("mailbox: remembering a letter left: {e}");
    }
    lock(dev).audit_event(
        None,
        Some(&peer),
        None,
        crate::audit::AuditAction::Sent,
        true,
        "lettre scellée déposée sur la boîte aux lettres d'un relais",
    );
    Ok(true)
}

/// Publishes this device's mailbox key on `relay`, fetches the letters waiting for it there,
/// and receives each through the checks of a live session. A letter refused for good
/// (altered, misaddressed, replayed, too old, refused by the checks) is deleted from the
/// mailbox like a received one; one that failed for a local reason (the store) stays there.
pub async fn fetch(dev: &SharedDevice, node: &Node, relay: &Multiaddr) -> Result<FetchReport> {
    let relay_id = relay_peer(relay)?;
    let addrs = vec![relay.clone()];
    let secret = DeviceSecret::from_bytes(&lock(dev).secret_bytes());
    let card = MailboxCard::issue(&secret);
    node.mailbox_publish_card(relay_id, addrs.clone(), &card.to_bytes())
        .await?;
    let now = u64::try_from(lock(dev).now()).unwrap_or(0);
    let mut seen = load_seen(dev);
    let mut report = FetchReport::default();
    let fetched = node
        .mailbox_fetch(relay_id, addrs, |stored| {
            let opened = match seal::open(&secret, &stored.sealed, now, MAX_LETTER_AGE_SECS) {
                Ok(opened) => opened,
                Err(e) => {
                    refuse(dev, None, &mut report, &e.localized(Lang::Fr));
                    return true;
                }
            };
            if let Err(e) = seen.admit(&opened) {
                refuse(
                    dev,
                    Some(&opened.sender),
                    &mut report,
                    &e.localized(Lang::Fr),
                );
                return true;
            }
            let frames = match decode_frames(&opened.body) {
                Some(frames) => frames,
                None => {
                    refuse(dev, Some(&opened.sender), &mut report, "lettre illisible");
                    return true;
                }
            };
            match receive_letter(dev.clone(), opened.sender, frames) {
                Ok(r) => {
                    report.received.push(r);
                    save_seen(dev, &opened.id, opened.sent_at);
                    true
                }
                Err(Error::Store(e)) => {
                    // Kept on the mailbox for the next fetch (and not marked as seen).
                    tracing::warn!("mailbox letter not stored: {e}");
                    false
                }
                Err(e) => {
                    save_seen(dev, &opened.id, opened.sent_at);
                    refuse(
                        dev,
                        Some(&opened.sender),
                        &mut report,
                        &e.localized(Lang::Fr),
                    );
                    true
                }
            }
        })
        .await?;
    report.fetched = fetched;
    prune_seen(dev, now);
    Ok(report)
}

/// Fetches from every relay of the list that runs a mailbox (the others are skipped).
pub async fn fetch_all(dev: &SharedDevice, node: &Node) -> Result<FetchReport> {
    let relays = lock(dev).relays()?;
    let mut all = FetchReport::default();
    for relay in relays {
        match fetch(dev, node, &relay).await {
            Ok(r) => {
                all.fetched += r.fetched;
                all.received.extend(r.received);
                all.refused.extend(r.refused);
            }
            Err(Error::Net(NetError::MailboxRefused(livret_net::MailboxRefusal::NoMailbox))) => {}
            Err(e) => tracing::debug!(%relay, "mailbox fetch: {e}"),
        }
    }
    Ok(all)
}

/// Leaves `peer` a letter on the first relay of the list whose mailbox takes it. Returns the
/// relay used, or `None` if there was nothing to send or no relay runs a mailbox.
pub async fn deposit_any(
    dev: &SharedDevice,
    node: &Node,
    peer: DeviceId,
) -> Result<Option<Multiaddr>> {
    let relays = lock(dev).relays()?;
    let mut last = None;
    for relay in relays {
        match deposit(dev, node, &relay, peer).await {
            Ok(true) => return Ok(Some(relay)),
            Ok(false) => return Ok(None),
            Err(Error::Net(NetError::MailboxRefused(livret_net::MailboxRefusal::NoMailbox))) => {}
            Err(e) => last = Some(e),
        }
    }
    match last {
        Some(e) => Err(e),
        None => Ok(None),
    }
}

fn refuse(dev: &SharedDevice, peer: Option<&DeviceId>, report: &mut FetchReport, why: &str) {
    lock(dev).audit_event(
        None,
        peer,
        None,
        crate::audit::AuditAction::Refused,
        false,
        &format!("lettre scellée refusée : {why}"),
    );
    report.refused.push(why.to_string());
}

fn load_seen(dev: &SharedDevice) -> SeenLetters {
    let d = lock(dev);
    let rows = d.store.records(SEEN_KIND).unwrap_or_default();
    SeenLetters::from_entries(rows.into_iter().filter_map(|(key, _, value)| {
        let mut id = [0u8; 32];
        hex::decode_to_slice(&key, &mut id).ok()?;
        let at = <[u8; 8]>::try_from(value.as_slice()).ok()?;
        Some((LetterId(id), u64::from_be_bytes(at)))
    }))
}

fn save_seen(dev: &SharedDevice, id: &LetterId, sent_at: u64) {
    let mut d = lock(dev);
    if let Err(e) = d
        .store
        .put_record(SEEN_KIND, &hex::encode(id.0), None, &sent_at.to_be_bytes())
    {
        tracing::warn!("mailbox: remembering a letter: {e}");
    }
}

fn prune_seen(dev: &SharedDevice, now: u64) {
    let mut d = lock(dev);
    let rows = d.store.records(SEEN_KIND).unwrap_or_default();
    for (key, _, value) in rows {
        let old = <[u8; 8]>::try_from(value.as_slice())
            .map(|b| now.saturating_sub(u64::from_be_bytes(b)) > MAX_LETTER_AGE_SECS)
            .unwrap_or(true);
        if old {
            let _ = d.store.delete_record(SEEN_KIND, &key);
        }
    }
}

/// A letter's body: each frame as the protocol encodes it, after its length (`u32`, big
/// endian), as on the wire of a session.
fn encode_frames(frames: &[Frame]) -> Vec<u8> {
    let mut out = Vec::new();
    for frame in frames {
        let bytes = frame.encode();
        out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(&bytes);
    }
    out
}

/// The frames of a letter's body; `None` if any is malformed (nothing of the letter is then
/// applied).
fn decode_frames(mut body: &[u8]) -> Option<Vec<Frame>> {
    let mut frames = Vec::new();
    while !body.is_empty() {
        let (len, rest) = body.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
        if rest.len() < len {
            return None;
        }
        let (frame, rest) = rest.split_at(len);
        frames.push(Frame::decode(frame).ok()?);
        body = rest;
    }
    Some(frames)
}
