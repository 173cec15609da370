//! Relays: the list a device keeps (`livret relays`), and running one (`livret relay serve`).
//!
//! A relay lets two devices that are not on the same network reach each other: each holds a
//! reservation on it, and a session goes through it end-to-end encrypted (Noise between the two
//! devices), or becomes direct when hole punching works. A relay stores nothing but its own key.

use std::future::Future;
use std::path::Path;

use livret_net::{Multiaddr, RelayConfig, RelayEvent, RelayLimits};
use zeroize::Zeroizing;

use crate::device::{random_bytes, Device};
use crate::error::{Error, Result};

/// The most relays a device keeps.
pub const MAX_RELAYS: usize = 8;
/// The file, in the relay's home directory, that holds its key (its identity).
pub const RELAY_KEY_FILE: &str = "relay.key";
const RELAYS_KIND: &str = "node";
const RELAYS_KEY: &str = "relays";

fn refuse(fr: String, en: String) -> Error {
    Error::Format { fr, en }
}

/// Parses a relay's address as `livret relay serve` prints it: `/ip4/…/tcp/PORT/p2p/ID` (or
/// `/ip6/…`; names are not resolved: the node has no DNS transport). Anything else is refused
/// with a message naming the problem.
pub fn parse_relay(text: &str) -> Result<Multiaddr> {
    use libp2p::multiaddr::Protocol;
    let t = text.trim();
    let addr: Multiaddr = t.parse().map_err(|e| {
        refuse(
            format!("adresse de relais « {t} » illisible ({e}) ; attendu /ip4/…/tcp/PORT/p2p/<identifiant> (voir « livret relay serve »)"),
            format!("relay address \"{t}\" unreadable ({e}); expected /ip4/…/tcp/PORT/p2p/<id> (see \"livret relay serve\")"),
        )
    })?;
    let parts: Vec<Protocol<'_>> = addr.iter().collect();
    if parts.iter().any(|p| matches!(p, Protocol::P2pCircuit)) {
        return Err(refuse(
            format!("adresse de relais « {t} » : c'est une adresse relayée (/p2p-circuit) ; donnez l'adresse du relais lui-même"),
            format!("relay address \"{t}\": this is a relayed address (/p2p-circuit); give the relay's own address"),
        ));
    }
    if matches!(
        parts.first(),
        Some(Protocol::Dns(_) | Protocol::Dns4(_) | Protocol::Dns6(_) | Protocol::Dnsaddr(_))
    ) {
        return Err(refuse(
            format!("adresse de relais « {t} » : un nom (/dns) n'est pas pris en charge, donnez l'adresse IP du relais (/ip4/… ou /ip6/…)"),
            format!("relay address \"{t}\": a name (/dns) is not supported, give the relay's IP address (/ip4/… or /ip6/…)"),
        ));
    }
    let host = matches!(parts.first(), Some(Protocol::Ip4(_) | Protocol::Ip6(_)));
    let tcp = matches!(parts.get(1), Some(Protocol::Tcp(p)) if *p != 0);
    if !host || !tcp {
        return Err(refuse(
            format!("adresse de relais « {t} » : seul TCP est pris en charge, attendu /ip4/…/tcp/PORT/p2p/<identifiant>"),
            format!("relay address \"{t}\": only TCP is supported, expected /ip4/…/tcp/PORT/p2p/<id>"),
        ));
    }
    match (parts.len(), parts.get(2)) {
        (3, Some(Protocol::P2p(_))) => Ok(addr),
        (2, _) => Err(refuse(
            format!("adresse de relais « {t} » sans identifiant : elle doit finir par /p2p/<identifiant du relais> (voir « livret relay serve »)"),
            format!("relay address \"{t}\" has no id: it must end with /p2p/<relay id> (see \"livret relay serve\")"),
        )),
        _ => Err(refuse(
            format!("adresse de relais « {t} » : attendu /ip4/…/tcp/PORT/p2p/<identifiant>, rien d'autre"),
            format!("relay address \"{t}\": expected /ip4/…/tcp/PORT/p2p/<id>, nothing else"),
        )),
    }
}

/// The compact form of the relayed address through `relay` that invitations carry:
/// `/ip4/…/tcp/PORT/p2p-circuit`, without the relay's id (a device that dials it learns the id
/// from the relay itself; the family device at the end of the circuit is still authenticated by
/// its key).
pub fn compact_relayed(relay: &Multiaddr) -> Multiaddr {
    use libp2p::multiaddr::Protocol;
    relay
        .iter()
        .take_while(|p| !matches!(p, Protocol::P2p(_)))
        .chain(std::iter::once(Protocol::P2pCircuit))
        .collect()
}

impl Device {
    /// The relays this device holds reservations on (`livret relays add`), in the order added.
    pub fn relays(&self) -> Result<Vec<Multiaddr>> {
        let Some(bytes) = self.store.record(RELAYS_KIND, RELAYS_KEY)? else {
            return Ok(vec![]);
        };
        let list: Vec<String> = serde_json::from_slice(&bytes).unwrap_or_default();
        Ok(list.iter().filter_map(|a| parse_relay(a).ok()).collect())
    }

    fn put_relays(&mut self, relays: &[Multiaddr]) -> Result<()> {
        let list: Vec<String> = relays.iter().map(|a| a.to_string()).collect();
        let json = serde_json::to_vec(&list).map_err(|e| Error::Protocol(e.to_string()))?;
        self.store
            .put_record(RELAYS_KIND, RELAYS_KEY, None, &json)?;
        Ok(())
    }

    /// Adds a relay (its address as `livret relay serve` prints it). Refused, with nothing
    /// stored, when the address is not a relay's, is already in the list, or the list is full.
    pub fn add_relay(&mut self, text: &str) -> Result<Multiaddr> {
        let addr = parse_relay(text)?;
        let mut relays = self.relays()?;
        if relays.contains(&addr) {
            return Err(refuse(
                format!("relais déjà dans la liste : {addr}"),
                format!("relay already in the list: {addr}"),
            ));
        }
        if relays.len() >= MAX_RELAYS {
            return Err(refuse(
                format!(
                    "au plus {MAX_RELAYS} relais : retirez-en un d'abord (livret relays remove)"
                ),
                format!("at most {MAX_RELAYS} relays: remove one first (livret relays remove)"),
            ));
        }
        relays.push(addr.clone());
        self.put_relays(&relays)?;
        Ok(addr)
    }

    /// Removes a relay from the list.
    pub fn remove_relay(&mut self, text: &str) -> Result<Multiaddr> {
        let addr = parse_relay(text)?;
        let mut relays = self.relays()?;
        let before = relays.len();
        relays.retain(|a| a != &addr);
        if relays.len() == before {
            return Err(refuse(
                format!("relais inconnu sur cet appareil : {addr} (voir « livret relays list »)"),
                format!("unknown relay on this device: {addr} (see \"livret relays list\")"),
            ));
        }
        self.put_relays(&relays)?;
        Ok(addr)
    }
}

/// The relay's key, from `relay.key` in `home` (made, mode 0600, on first use): a relay keeps
/// its identity across restarts so that the address devices added stays valid.
pub fn relay_key(home: &Path) -> Result<Zeroizing<[u8; 32]>> {
    let path = home.join(RELAY_KEY_FILE);
    let file_error = |e: std::io::Error| Error::File {
        path: path.display().to_string(),
        detail: e.to_string(),
    };
    match std::fs::read(&path) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| Error::File {
                path: path.display().to_string(),
                detail: "clé de relais illisible (32 octets attendus)".into(),
            })?;
            Ok(Zeroizing::new(key))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(home).map_err(file_error)?;
            let key = Zeroizing::new(random_bytes::<32>());
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            use std::io::Write;
            let mut file = options.open(&path).map_err(file_error)?;
            file.write_all(&key[..]).map_err(file_error)?;
            file.sync_all().map_err(file_error)?;
            Ok(key)
        }
        Err(e) => Err(file_error(e)),
    }
}

/// Runs a relay with its key from `home` until `shutdown` resolves (`livret relay serve`).
pub async fn serve_relay(
    home: &Path,
    listen: Vec<Multiaddr>,
    mailbox: Option<livret_net::MailboxConfig>,
    shutdown: impl Future<Output = ()>,
    on_event: impl FnMut(RelayEvent),
) -> Result<()> {
    let config = RelayConfig {
        secret_key: relay_key(home)?,
        listen,
        limits: RelayLimits::default(),
        mailbox,
    };
    livret_net::run_relay(config, shutdown, on_event).await?;
    Ok(())
}
