//! The opening handshake of a sync session, and the accept loop.
//!
//! libp2p-stream drops inbound streams silently when its (one-slot) queue is
//! full, and the opener cannot tell: `open_stream` has already succeeded. So
//! the acceptor answers every stream with one status byte before anything
//! else; the opener waits for it, and retries when the stream is dropped
//! without one (it never reached the application).

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::{AsyncReadExt as _, AsyncWriteExt as _, StreamExt as _};
use libp2p::swarm::ConnectionId;
use libp2p::{PeerId, Stream};
use tokio::sync::mpsc;

use crate::session::{KnownPeers, NotAdmitted, SessionCounts, SessionGuard};
use crate::{Limits, NodeEvent, Session};

/// The session is accepted; frames follow.
pub(crate) const STATUS_ACCEPTED: u8 = 0;
/// Refused: the opener already has `max_sessions_per_peer` live sessions.
pub(crate) const STATUS_TOO_MANY_SESSIONS: u8 = 1;
/// Refused: the application does not keep up with incoming sessions, or too many sessions are
/// live (in total, of strangers, of strangers from the opener's address).
pub(crate) const STATUS_BUSY: u8 = 2;

/// The remote IP addresses of each peer's open connections (kept by the node's task).
pub(crate) type PeerAddresses = Arc<Mutex<HashMap<PeerId, Vec<(ConnectionId, IpAddr)>>>>;

/// The remote address of one of `peer`'s connections (`None` if not known yet).
fn address_of(addresses: &PeerAddresses, peer: &PeerId) -> Option<IpAddr> {
    let map = addresses.lock().unwrap_or_else(PoisonError::into_inner);
    map.get(peer).and_then(|c| c.first()).map(|(_, ip)| *ip)
}

/// How long a refusal may take to write before the stream is just dropped.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(5);

/// Takes the inbound streams from libp2p-stream as fast as possible.
pub(crate) async fn accept_loop(
    mut incoming: libp2p_stream::IncomingStreams,
    counts: SessionCounts,
    known: KnownPeers,
    addresses: PeerAddresses,
    limits: Limits,
    events: mpsc::Sender<NodeEvent>,
) {
    while let Some((peer, stream)) = incoming.next().await {
        let is_known = known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&peer);
        let address = address_of(&addresses, &peer);
        let guard = match SessionGuard::try_acquire(
            &counts,
            peer,
            address,
            is_known,
            limits.max_sessions_per_peer,
        ) {
            Ok(guard) => guard,
            Err(NotAdmitted::PerPeer) => {
                tracing::warn!(%peer, "too many sessions from this peer, refusing a new one");
                tokio::spawn(refuse(stream, STATUS_TOO_MANY_SESSIONS));
                continue;
            }
            Err(NotAdmitted::Busy) => {
                tracing::warn!(%peer, ?address, known = is_known, "too many live sessions, refusing a new one");
                tokio::spawn(refuse(stream, STATUS_BUSY));
                continue;
            }
        };
        let permit = match events.clone().try_reserve_owned() {
            Ok(permit) => permit,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(%peer, "event queue full, refusing an incoming session");
                tokio::spawn(refuse(stream, STATUS_BUSY));
                continue;
            }
            Err(mpsc::error::TrySendError::Closed(_)) => continue,
        };
        tokio::spawn(async move {
            let mut stream = stream;
            match write_status(&mut stream, STATUS_ACCEPTED, limits.frame_timeout).await {
                Ok(()) => {
                    tracing::debug!(%peer, "incoming sync session");
                    let mut session = Session::new(peer, stream, limits, Some(guard));
                    session.count_handshake(1, 0);
                    permit.send(NodeEvent::IncomingSession(session));
                }
                Err(e) => tracing::debug!(%peer, "incoming session lost before it began: {e}"),
            }
        });
    }
}

async fn refuse(mut stream: Stream, status: u8) {
    if write_status(&mut stream, status, REFUSAL_TIMEOUT)
        .await
        .is_ok()
    {
        let _ = tokio::time::timeout(REFUSAL_TIMEOUT, stream.close()).await;
    }
}

async fn write_status(stream: &mut Stream, status: u8, timeout: Duration) -> io::Result<()> {
    let write = async {
        stream.write_all(&[status]).await?;
        stream.flush().await
    };
    match tokio::time::timeout(timeout, write).await {
        Ok(r) => r,
        Err(_) => Err(io::ErrorKind::TimedOut.into()),
    }
}

/// What the opener learns from the status byte.
pub(crate) enum Opening {
    Accepted,
    Refused(u8),
    /// The stream ended without a status: it never reached the application.
    Dropped,
}

pub(crate) async fn read_status(stream: &mut Stream) -> Opening {
    let mut status = [0u8; 1];
    match stream.read(&mut status).await {
        Ok(1) if status[0] == STATUS_ACCEPTED => Opening::Accepted,
        Ok(1) => Opening::Refused(status[0]),
        Ok(_) | Err(_) => Opening::Dropped,
    }
}
