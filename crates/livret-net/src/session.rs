//! Framed sessions over a libp2p stream.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use libp2p::{PeerId, Stream};

use crate::{Limits, NetError};

/// Frames up to this size are written with their prefix in one write.
const COALESCE_MAX: usize = 16 * 1024;
/// The receive buffer grows by at most this much ahead of the data received,
/// so an announced length costs memory only as bytes actually arrive.
const RECV_STEP: usize = 64 * 1024;

/// The most live incoming sessions, all peers together.
pub(crate) const MAX_SESSIONS_TOTAL: usize = 64;
/// The most live incoming sessions of *strangers* (peers the application did not declare
/// known, see [`crate::Node::set_known_peers`]), all together: device keys cost nothing to
/// make, so a bound per key alone bounds nothing.
pub(crate) const MAX_STRANGER_SESSIONS: usize = 16;
/// The most live incoming sessions of strangers from one remote IP address.
pub(crate) const MAX_STRANGER_SESSIONS_PER_ADDRESS: usize = 4;

/// Live incoming sessions: per peer, per remote address (strangers only), in total.
#[derive(Default)]
pub(crate) struct Admission {
    per_peer: HashMap<PeerId, usize>,
    per_address: HashMap<Option<IpAddr>, usize>,
    strangers: usize,
    total: usize,
}

/// The live incoming sessions of a node.
pub(crate) type SessionCounts = Arc<Mutex<Admission>>;
/// The peers the application knows (they hold a grant or own a livret with it).
pub(crate) type KnownPeers = Arc<Mutex<HashSet<PeerId>>>;

/// Why an incoming session was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotAdmitted {
    /// The peer already has `max_sessions_per_peer` live sessions.
    PerPeer,
    /// Too many sessions in total, of strangers, or of strangers from that address.
    Busy,
}

/// Counts one live incoming session; the counts drop with it.
pub(crate) struct SessionGuard {
    counts: SessionCounts,
    peer: PeerId,
    /// The address it was counted under, if it was a stranger's.
    stranger_address: Option<Option<IpAddr>>,
}

impl SessionGuard {
    /// Takes a slot for `peer` (a stranger unless `known`), coming from `address` (`None`:
    /// not known yet, counted together), or says why not.
    pub(crate) fn try_acquire(
        counts: &SessionCounts,
        peer: PeerId,
        address: Option<IpAddr>,
        known: bool,
        max_per_peer: usize,
    ) -> Result<Self, NotAdmitted> {
        let mut a = counts.lock().unwrap_or_else(PoisonError::into_inner);
        if a.per_peer.get(&peer).copied().unwrap_or(0) >= max_per_peer {
            return Err(NotAdmitted::PerPeer);
        }
        if a.total >= MAX_SESSIONS_TOTAL {
            return Err(NotAdmitted::Busy);
        }
        if !known
            && (a.strangers >= MAX_STRANGER_SESSIONS
                || a.per_address.get(&address).copied().unwrap_or(0)
                    >= MAX_STRANGER_SESSIONS_PER_ADDRESS)
        {
            return Err(NotAdmitted::Busy);
        }
        *a.per_peer.entry(peer).or_insert(0) += 1;
        a.total += 1;
        if !known {
            *a.per_address.entry(address).or_insert(0) += 1;
            a.strangers += 1;
        }
        Ok(Self {
            counts: counts.clone(),
            peer,
            stranger_address: (!known).then_some(address),
        })
    }
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        let mut a = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = a.per_peer.get_mut(&self.peer) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                a.per_peer.remove(&self.peer);
            }
        }
        a.total = a.total.saturating_sub(1);
        if let Some(address) = self.stranger_address {
            a.strangers = a.strangers.saturating_sub(1);
            if let Some(n) = a.per_address.get_mut(&address) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    a.per_address.remove(&address);
                }
            }
        }
    }
}

/// A sync session with one authenticated peer: a stream of length-prefixed
/// frames (`u32` big-endian length, then the bytes).
///
/// `recv` is cancel-safe (a partly received frame is kept for the next call);
/// `send` is not: a cancelled `send` leaves the stream in an unknown state.
pub struct Session {
    peer: PeerId,
    io: Box<Framed<Stream>>,
    _guard: Option<SessionGuard>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("peer", &self.peer)
            .field("bytes_sent", &self.io.bytes_sent)
            .field("bytes_received", &self.io.bytes_received)
            .field("broken", &self.io.broken)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub(crate) fn new(
        peer: PeerId,
        stream: Stream,
        limits: Limits,
        guard: Option<SessionGuard>,
    ) -> Self {
        Self {
            peer,
            io: Box::new(Framed::new(stream, limits)),
            _guard: guard,
        }
    }

    /// Counts the bytes of the opening handshake.
    pub(crate) fn count_handshake(&mut self, sent: u64, received: u64) {
        self.io.bytes_sent += sent;
        self.io.bytes_received += received;
    }

    /// The remote peer, as authenticated by Noise.
    pub fn peer(&self) -> PeerId {
        self.peer
    }

    /// Bytes written to the stream (prefixes included).
    pub fn bytes_sent(&self) -> u64 {
        self.io.bytes_sent
    }

    /// Bytes read from the stream (prefixes included).
    pub fn bytes_received(&self) -> u64 {
        self.io.bytes_received
    }

    /// Sends one frame. Refuses frames over `max_frame_bytes`; fails with
    /// [`NetError::Timeout`] if the peer does not take it within `frame_timeout`.
    pub async fn send(&mut self, frame: &[u8]) -> Result<(), NetError> {
        self.io.send(frame).await
    }

    /// Lowers (or restores) the largest frame `recv` accepts, never above `max_frame_bytes`:
    /// the application bounds what a peer may send before it knows who the peer is.
    pub fn limit_incoming_frames(&mut self, max: usize) {
        self.io.recv_max = max.clamp(1, self.io.limits.max_frame_bytes);
    }

    /// Receives one frame: `Ok(None)` when the peer closed the stream cleanly
    /// between frames. An announced length over `max_frame_bytes` fails with
    /// [`NetError::FrameTooLarge`] before anything is allocated for it (the
    /// session is then unusable), and `frame_timeout` without any byte fails
    /// with [`NetError::Timeout`].
    pub async fn recv(&mut self) -> Result<Option<Vec<u8>>, NetError> {
        self.io.recv().await
    }

    /// Closes our side of the stream (the peer's `recv` then returns `None`)
    /// and drops the session.
    pub async fn close(mut self) -> Result<(), NetError> {
        self.io.close().await
    }

    /// Writes raw bytes, with no length prefix: for tests that play a hostile peer sending a
    /// frame slowly or only in part. livret itself never calls it.
    #[doc(hidden)]
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), NetError> {
        self.io.send_raw(bytes).await
    }
}

/// The framing, over any byte stream.
pub(crate) struct Framed<S> {
    io: S,
    limits: Limits,
    /// The largest frame `recv` accepts now (at most `limits.max_frame_bytes`).
    recv_max: usize,
    bytes_sent: u64,
    bytes_received: u64,
    header: [u8; 4],
    header_filled: usize,
    body: Option<Vec<u8>>,
    body_len: usize,
    body_filled: usize,
    broken: bool,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Framed<S> {
    pub(crate) fn new(io: S, limits: Limits) -> Self {
        Self {
            io,
            limits,
            recv_max: limits.max_frame_bytes,
            bytes_sent: 0,
            bytes_received: 0,
            header: [0; 4],
            header_filled: 0,
            body: None,
            body_len: 0,
            body_filled: 0,
            broken: false,
        }
    }

    pub(crate) async fn send(&mut self, frame: &[u8]) -> Result<(), NetError> {
        if self.broken {
            return Err(NetError::SessionBroken);
        }
        let too_large = || NetError::FrameTooLarge {
            len: u64::try_from(frame.len()).unwrap_or(u64::MAX),
            max: self.limits.max_frame_bytes,
        };
        if frame.len() > self.limits.max_frame_bytes {
            return Err(too_large());
        }
        let len = u32::try_from(frame.len()).map_err(|_| too_large())?;
        let prefix = len.to_be_bytes();
        let io = &mut self.io;
        let write = async {
            if frame.len() <= COALESCE_MAX {
                let mut buf = Vec::with_capacity(prefix.len() + frame.len());
                buf.extend_from_slice(&prefix);
                buf.extend_from_slice(frame);
                io.write_all(&buf).await?;
            } else {
                io.write_all(&prefix).await?;
                io.write_all(frame).await?;
            }
            io.flush().await
        };
        match tokio::time::timeout(self.limits.frame_timeout, write).await {
            Ok(Ok(())) => {
                self.bytes_sent += u64::from(len) + 4;
                Ok(())
            }
            Ok(Err(e)) => {
                self.broken = true;
                Err(NetError::Io(e))
            }
            Err(_) => {
                self.broken = true;
                Err(NetError::Timeout)
            }
        }
    }

    pub(crate) async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), NetError> {
        if self.broken {
            return Err(NetError::SessionBroken);
        }
        let io = &mut self.io;
        let write = async {
            io.write_all(bytes).await?;
            io.flush().await
        };
        match tokio::time::timeout(self.limits.frame_timeout, write).await {
            Ok(Ok(())) => {
                self.bytes_sent += bytes.len() as u64;
                Ok(())
            }
            Ok(Err(e)) => {
                self.broken = true;
                Err(NetError::Io(e))
            }
            Err(_) => {
                self.broken = true;
                Err(NetError::Timeout)
            }
        }
    }

    pub(crate) async fn recv(&mut self) -> Result<Option<Vec<u8>>, NetError> {
        if self.broken {
            return Err(NetError::SessionBroken);
        }
        let timeout = self.limits.frame_timeout;
        if self.body.is_none() {
            while self.header_filled < self.header.len() {
                let n = read_some(
                    &mut self.io,
                    &mut self.header[self.header_filled..],
                    timeout,
                )
                .await;
                let n = self.check_read(n)?;
                if n == 0 {
                    if self.header_filled == 0 {
                        return Ok(None);
                    }
                    self.broken = true;
                    return Err(NetError::Truncated);
                }
                self.header_filled += n;
            }
            let announced = u32::from_be_bytes(self.header);
            let len = match usize::try_from(announced) {
                Ok(len) if len <= self.recv_max => len,
                _ => {
                    self.broken = true;
                    return Err(NetError::FrameTooLarge {
                        len: u64::from(announced),
                        max: self.recv_max,
                    });
                }
            };
            self.body = Some(Vec::with_capacity(len.min(RECV_STEP)));
            self.body_len = len;
            self.body_filled = 0;
        }
        while self.body_filled < self.body_len {
            let Some(body) = self.body.as_mut() else {
                break;
            };
            if body.len() == self.body_filled {
                let grow_to = self.body_len.min(self.body_filled + RECV_STEP);
                body.resize(grow_to, 0);
            }
            let n = read_some(&mut self.io, &mut body[self.body_filled..], timeout).await;
            let n = self.check_read(n)?;
            if n == 0 {
                self.broken = true;
                return Err(NetError::Truncated);
            }
            self.body_filled += n;
        }
        let frame = self.body.take().unwrap_or_default();
        self.header_filled = 0;
        self.body_len = 0;
        self.body_filled = 0;
        Ok(Some(frame))
    }

    fn check_read(&mut self, n: Result<usize, NetError>) -> Result<usize, NetError> {
        match n {
            Ok(n) => {
                self.bytes_received += n as u64;
                Ok(n)
            }
            // The timed-out read consumed nothing: the session stays usable
            // should the caller choose to wait again.
            Err(NetError::Timeout) => Err(NetError::Timeout),
            Err(e) => {
                self.broken = true;
                Err(e)
            }
        }
    }

    pub(crate) async fn close(&mut self) -> Result<(), NetError> {
        match tokio::time::timeout(self.limits.frame_timeout, self.io.close()).await {
            Ok(r) => r.map_err(NetError::Io),
            Err(_) => Err(NetError::Timeout),
        }
    }
}

async fn read_some<S: AsyncRead + Unpin>(
    io: &mut S,
    buf: &mut [u8],
    timeout: Duration,
) -> Result<usize, NetError> {
    match tokio::time::timeout(timeout, io.read(buf)).await {
        Ok(r) => r.map_err(NetError::Io),
        Err(_) => Err(NetError::Timeout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::io::Cursor;

    fn framed(input: Vec<u8>, max: usize) -> Framed<Cursor<Vec<u8>>> {
        let limits = Limits {
            max_frame_bytes: max,
            ..Limits::default()
        };
        Framed::new(Cursor::new(input), limits)
    }

    #[tokio::test]
    async fn huge_announced_length_is_refused_without_reading_on() {
        let mut input = vec![0xFF, 0xFF, 0xFF, 0xFF];
        input.extend_from_slice(&[0u8; 100]);
        let mut f = framed(input, Limits::DEFAULT_MAX_FRAME_BYTES);
        match f.recv().await {
            Err(NetError::FrameTooLarge { len, max }) => {
                assert_eq!(len, u64::from(u32::MAX));
                assert_eq!(max, Limits::DEFAULT_MAX_FRAME_BYTES);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(f.bytes_received, 4);
        assert!(f.body.is_none());
        assert!(matches!(f.recv().await, Err(NetError::SessionBroken)));
        assert!(matches!(f.send(b"x").await, Err(NetError::SessionBroken)));
    }

    #[tokio::test]
    async fn frames_eof_and_truncation() {
        let mut input = Vec::new();
        for frame in [&b"abc"[..], b"", &[9u8; 200_000]] {
            input.extend_from_slice(&(frame.len() as u32).to_be_bytes());
            input.extend_from_slice(frame);
        }
        let total = input.len() as u64;
        let mut f = framed(input, 1 << 20);
        assert_eq!(f.recv().await.unwrap().unwrap(), b"abc");
        assert_eq!(f.recv().await.unwrap().unwrap(), b"");
        assert_eq!(f.recv().await.unwrap().unwrap(), vec![9u8; 200_000]);
        assert!(f.recv().await.unwrap().is_none());
        assert_eq!(f.bytes_received, total);

        let mut f = framed(vec![0, 0], 10);
        assert!(matches!(f.recv().await, Err(NetError::Truncated)));
        let mut f = framed(vec![0, 0, 0, 5, 1, 2], 10);
        assert!(matches!(f.recv().await, Err(NetError::Truncated)));
        let mut f = framed(vec![0, 0, 0, 11], 10);
        assert!(matches!(
            f.recv().await,
            Err(NetError::FrameTooLarge { len: 11, max: 10 })
        ));
    }

    #[tokio::test]
    async fn send_writes_prefix_and_refuses_large_frames() {
        let mut f = framed(Vec::new(), 100_000);
        f.send(b"hi").await.unwrap();
        f.send(&[1u8; 50_000]).await.unwrap();
        assert!(matches!(
            f.send(&[0u8; 100_001]).await,
            Err(NetError::FrameTooLarge {
                len: 100_001,
                max: 100_000
            })
        ));
        assert_eq!(f.bytes_sent, 4 + 2 + 4 + 50_000);
        let written = f.io.into_inner();
        assert_eq!(&written[..6], &[0, 0, 0, 2, b'h', b'i']);
        assert_eq!(&written[6..10], &50_000u32.to_be_bytes());
        assert_eq!(written.len(), 4 + 2 + 4 + 50_000);
    }

    fn peer(seed: u8) -> PeerId {
        crate::peer_id_from_secret_key(&zeroize::Zeroizing::new([seed; 32])).unwrap()
    }

    #[test]
    fn session_guard_counts() {
        let counts = SessionCounts::default();
        let p = peer(3);
        let g1 = SessionGuard::try_acquire(&counts, p, None, true, 2).unwrap();
        let g2 = SessionGuard::try_acquire(&counts, p, None, true, 2).unwrap();
        assert_eq!(
            SessionGuard::try_acquire(&counts, p, None, true, 2).err(),
            Some(NotAdmitted::PerPeer)
        );
        drop(g1);
        let g3 = SessionGuard::try_acquire(&counts, p, None, true, 2).unwrap();
        drop((g2, g3));
        let a = counts.lock().unwrap();
        assert!(a.per_peer.is_empty() && a.per_address.is_empty());
        assert_eq!((a.total, a.strangers), (0, 0));
    }

    #[test]
    fn strangers_are_bounded_per_address_and_in_total_known_peers_still_enter() {
        let counts = SessionCounts::default();
        let here: Option<IpAddr> = Some([127, 0, 0, 1].into());
        let mut guards = Vec::new();
        // Fresh keys from one address: only a few get in.
        for seed in 0..MAX_STRANGER_SESSIONS_PER_ADDRESS as u8 {
            guards.push(SessionGuard::try_acquire(&counts, peer(seed), here, false, 4).unwrap());
        }
        assert_eq!(
            SessionGuard::try_acquire(&counts, peer(200), here, false, 4).err(),
            Some(NotAdmitted::Busy)
        );
        // From other addresses, up to the total for strangers.
        let mut seed = 100u8;
        while guards.len() < MAX_STRANGER_SESSIONS {
            let other = Some(IpAddr::from([10, 0, 0, seed]));
            guards.push(SessionGuard::try_acquire(&counts, peer(seed), other, false, 4).unwrap());
            seed += 1;
        }
        let elsewhere = Some(IpAddr::from([10, 9, 9, 9]));
        assert_eq!(
            SessionGuard::try_acquire(&counts, peer(201), elsewhere, false, 4).err(),
            Some(NotAdmitted::Busy)
        );
        // A known peer from the flooded address still gets in.
        let known = SessionGuard::try_acquire(&counts, peer(202), here, true, 4).unwrap();
        drop(guards);
        drop(known);
        let a = counts.lock().unwrap();
        assert!(a.per_peer.is_empty() && a.per_address.is_empty());
        assert_eq!((a.total, a.strangers), (0, 0));
    }
}
