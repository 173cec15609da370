//! ed25519 keys <-> libp2p peer ids.

use libp2p::identity::{self, Keypair, PublicKey};
use libp2p::PeerId;
use zeroize::Zeroizing;

use crate::NetError;

/// Multihash code of the identity "hash" (the key itself, inlined).
const MULTIHASH_IDENTITY: u64 = 0x00;

/// The libp2p keypair of a device, from its ed25519 secret key (seed).
pub(crate) fn keypair_from_secret(secret: &Zeroizing<[u8; 32]>) -> Result<Keypair, NetError> {
    // libp2p zeroizes the bytes it is given: hand it a copy that is itself
    // wiped on drop.
    let mut copy = Zeroizing::new(**secret);
    Keypair::ed25519_from_bytes(&mut copy[..]).map_err(|e| NetError::InvalidKey(e.to_string()))
}

/// The peer id of the device whose ed25519 public key is `key`.
pub fn peer_id_from_public_key(key: &[u8; 32]) -> Result<PeerId, NetError> {
    let public = identity::ed25519::PublicKey::try_from_bytes(key)
        .map_err(|e| NetError::InvalidKey(e.to_string()))?;
    Ok(PublicKey::from(public).to_peer_id())
}

/// The peer id of the device whose ed25519 secret key (seed) is `secret`.
pub fn peer_id_from_secret_key(secret: &Zeroizing<[u8; 32]>) -> Result<PeerId, NetError> {
    Ok(keypair_from_secret(secret)?.public().to_peer_id())
}

/// The ed25519 public key inlined in `peer` (identity-multihash peer ids, as
/// ed25519 keys always give); `None` for any other kind of peer id.
pub fn public_key_from_peer_id(peer: &PeerId) -> Option<[u8; 32]> {
    let multihash = peer.as_ref();
    if multihash.code() != MULTIHASH_IDENTITY {
        return None;
    }
    let public = PublicKey::try_decode_protobuf(multihash.digest()).ok()?;
    let ed = public.try_into_ed25519().ok()?;
    Some(ed.to_bytes())
}
