//! Errors of the transport.

use libp2p::PeerId;

/// What can go wrong in the transport.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum NetError {
    /// The configuration is not usable.
    #[error("invalid network configuration: {0}")]
    InvalidConfig(String),
    /// A key or peer id could not be decoded.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// The node could not be built (transport or behaviour setup).
    #[error("could not start the network node: {0}")]
    Setup(String),
    /// Listening on an address failed.
    #[error("could not listen on {addr}: {reason}")]
    Listen {
        /// The address asked for.
        addr: String,
        /// Why it failed.
        reason: String,
    },
    /// The node's background task has stopped (after `shutdown`, or it failed).
    #[error("the network node is stopped")]
    NodeStopped,
    /// The peer could not be reached at any known address.
    #[error("could not reach peer {peer}: {reason}")]
    Unreachable {
        /// The peer we tried to reach.
        peer: PeerId,
        /// Why, as libp2p tells it.
        reason: String,
    },
    /// The device that answered is not the one expected (Noise authenticates it).
    #[error("expected peer {expected} but {obtained} answered")]
    WrongPeer {
        /// The peer we wanted (boxed: peer ids are 80 bytes).
        expected: Box<PeerId>,
        /// The peer that answered.
        obtained: Box<PeerId>,
    },
    /// We tried to open a session with ourselves.
    #[error("cannot open a session with the local node")]
    SelfDial,
    /// Connecting and opening the session took too long.
    #[error("connecting to peer {0} timed out")]
    ConnectTimeout(PeerId),
    /// The peer does not speak the sync protocol.
    #[error("peer {0} does not support the sync protocol")]
    UnsupportedProtocol(PeerId),
    /// The peer refused the session: we already have as many open with it as it allows.
    #[error("peer {0} refused the session: too many sessions open")]
    TooManySessions(PeerId),
    /// The peer refused the session: it is overloaded.
    #[error("peer {0} is busy and refused the session")]
    PeerBusy(PeerId),
    /// The peer broke the protocol.
    #[error("protocol error from peer: {0}")]
    Protocol(String),
    /// Opening the stream failed.
    #[error("could not open a session with {peer}: {reason}")]
    OpenStream {
        /// The peer.
        peer: PeerId,
        /// Why.
        reason: String,
    },
    /// A frame is larger than allowed (announced by the peer, or given to `send`).
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    FrameTooLarge {
        /// The frame's length.
        len: u64,
        /// The limit.
        max: usize,
    },
    /// The peer sent nothing (or took nothing) for `frame_timeout`.
    #[error("the peer stayed silent for too long")]
    Timeout,
    /// The stream ended in the middle of a frame.
    #[error("the stream ended in the middle of a frame")]
    Truncated,
    /// The session failed earlier (bad frame, timeout while writing, I/O
    /// error) and can no longer be used.
    #[error("the session is broken by an earlier error")]
    SessionBroken,
    /// An I/O error on the stream.
    #[error("network i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// A relay's mailbox refused the request (a bound, or the relay runs no mailbox).
    #[error("mailbox: {0}")]
    MailboxRefused(crate::MailboxRefusal),
}

impl NetError {
    /// A clear one-line message in French, for the user.
    pub fn french(&self) -> String {
        match self {
            NetError::InvalidConfig(d) => format!("Configuration réseau invalide : {d}."),
            NetError::InvalidKey(_) => "Clé d'appareil invalide.".to_string(),
            NetError::Setup(d) => format!("Impossible de démarrer le réseau : {d}."),
            NetError::Listen { addr, .. } => {
                format!("Impossible d'écouter sur l'adresse {addr}.")
            }
            NetError::NodeStopped => "Le réseau est arrêté.".to_string(),
            NetError::Unreachable { .. } => {
                "Appareil injoignable : vérifiez qu'il est allumé et sur le même réseau."
                    .to_string()
            }
            NetError::WrongPeer { .. } => {
                "L'appareil qui a répondu n'est pas celui attendu : connexion refusée."
                    .to_string()
            }
            NetError::SelfDial => "Impossible de se connecter à soi-même.".to_string(),
            NetError::ConnectTimeout(_) => {
                "L'appareil n'a pas répondu à temps : vérifiez qu'il est allumé et sur le même réseau."
                    .to_string()
            }
            NetError::UnsupportedProtocol(_) => {
                "L'appareil ne parle pas le protocole de synchronisation du livret.".to_string()
            }
            NetError::TooManySessions(_) => {
                "L'appareil refuse une session de plus : trop de sessions déjà ouvertes.".to_string()
            }
            NetError::PeerBusy(_) => "L'appareil est occupé : réessayez dans un instant.".to_string(),
            NetError::Protocol(_) => {
                "L'appareil distant ne respecte pas le protocole du livret.".to_string()
            }
            NetError::OpenStream { .. } => {
                "Impossible d'ouvrir une session de synchronisation avec l'appareil.".to_string()
            }
            NetError::FrameTooLarge { len, max } => {
                format!("Message trop volumineux ({len} octets, maximum {max}).")
            }
            NetError::Timeout => {
                "L'appareil distant ne répond plus : session interrompue.".to_string()
            }
            NetError::Truncated => "La connexion a été coupée en plein message.".to_string(),
            NetError::SessionBroken => {
                "La session de synchronisation est interrompue après une erreur.".to_string()
            }
            NetError::Io(_) => "Erreur de connexion réseau.".to_string(),
            NetError::MailboxRefused(why) => format!(
                "Boîte aux lettres du relais : {}.",
                livret_core::Localized::localized(why, livret_core::Lang::Fr)
            ),
        }
    }
}
