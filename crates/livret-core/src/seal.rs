//! Sealed letters for a relay's mailbox: what a device leaves for a peer it cannot reach.
//!
//! A letter is sealed with HPKE (RFC 9180, base mode, DHKEM(X25519, HKDF-SHA256),
//! HKDF-SHA256, ChaCha20-Poly1305; the `hpke` crate) to the recipient's *mailbox key*, an
//! X25519 key derived from its device secret and published in a [`MailboxCard`] signed by its
//! device key. Inside, the sender signs (ed25519, its device key) the recipient, itself, the
//! time, a nonce and the body, so the recipient knows who wrote it. The mailbox only ever sees
//! the [`BoxId`] (a hash of the recipient's device key), sizes and times.
//!
//! Opening checks, in order: the version, HPKE (a tampered letter or one sealed to another
//! key fails here), the recipient named inside (a letter moved to another box), the sender's
//! signature, the age. Replays are refused by the caller with [`SeenLetters`]; they would be
//! harmless anyway: the body is sync data, checked on arrival as in a live session.

use std::collections::HashMap;
use std::fmt;

use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable as _, Kem as _, OpModeR, OpModeS, Serializable as _};
use sha2::{Digest as _, Sha256};

use crate::identity::{verify_signature, DeviceSecret};
use crate::ids::DeviceId;
use crate::lang::{Lang, Localized};

pub use hpke::rand_core::{self, CryptoRng};

type Kem = X25519HkdfSha256;
type Kdf = hpke::kdf::HkdfSha256;
type Aead = hpke::aead::ChaCha20Poly1305;

/// The format version, first byte of a sealed letter.
pub const SEAL_VERSION: u8 = 1;
/// The largest body a letter may carry (before sealing). A class's changes for one peer fit
/// well under it; larger syncs go in several letters.
pub const MAX_LETTER_BODY_BYTES: usize = 4 * 1024 * 1024;
/// How far in the future a letter's time may be (clocks of devices differ).
pub const MAX_CLOCK_SKEW_SECS: u64 = 24 * 60 * 60;

/// HPKE's `info`: binds the key schedule to this use.
const HPKE_INFO: &[u8] = b"livret/mailbox/1";
/// Domain of the mailbox key's derivation from the device secret.
const KEY_DOMAIN: &[u8] = b"livret/mailbox-key/1";
/// Domain of the sender's signature over a letter.
const LETTER_DOMAIN: &[u8] = b"livret/letter/1";
/// Domain of a device's signature over its mailbox key.
const CARD_DOMAIN: &[u8] = b"livret/mailbox-card/1";
/// Domain of a box id.
const BOX_DOMAIN: &[u8] = b"livret/box/1";
/// X25519 encapsulated key length.
const ENC_LEN: usize = 32;
/// Inside a letter: recipient, sender, time, nonce, signature, then the body.
const HEADER_LEN: usize = 32 + 32 + 8 + 16 + 64;
/// ChaCha20-Poly1305's tag.
const TAG_LEN: usize = 16;

/// The largest sealed letter: the version, the encapsulated key, the header, the largest
/// body and the tag.
pub const MAX_SEALED_BYTES: usize = 1 + ENC_LEN + HEADER_LEN + MAX_LETTER_BODY_BYTES + TAG_LEN;

/// Where a device's letters wait on a mailbox: a hash of its device key, so the mailbox
/// learns no key it could look up elsewhere (it still knows the peer id that fetches).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BoxId(pub [u8; 32]);

impl BoxId {
    /// The box of the device whose key is `device`.
    pub fn of(device: &DeviceId) -> BoxId {
        let mut h = Sha256::new();
        h.update(BOX_DOMAIN);
        h.update(device.as_bytes());
        BoxId(h.finalize().into())
    }

    /// Lower-case hex, as a mailbox names its directories.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses [`BoxId::to_hex`]'s form.
    pub fn from_hex(text: &str) -> Option<BoxId> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(text, &mut out).ok()?;
        Some(BoxId(out))
    }
}

impl fmt::Debug for BoxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BoxId({})", &self.to_hex()[..16])
    }
}

/// A device's mailbox key (X25519), derived from its device secret: nothing new to store or
/// back up, and a device restored from its secret reads its letters. Distinct from the
/// signing key (its own derivation domain), so no key serves two algorithms.
#[derive(Clone)]
pub struct MailboxSecret(<Kem as hpke::Kem>::PrivateKey);

impl MailboxSecret {
    /// The mailbox key of `device`.
    pub fn derive(device: &DeviceSecret) -> MailboxSecret {
        let seed = device.to_bytes();
        let mut h = Sha256::new();
        h.update(KEY_DOMAIN);
        h.update(&seed[..]);
        let ikm = zeroize::Zeroizing::new(<[u8; 32]>::from(h.finalize()));
        // HPKE's DeriveKeyPair (RFC 9180 §7.1.3) turns input key material into a key pair.
        let (secret, _) = Kem::derive_keypair(&ikm[..]);
        MailboxSecret(secret)
    }

    /// Its public half.
    pub fn public(&self) -> MailboxPublicKey {
        let public = <Kem as hpke::Kem>::sk_to_pk(&self.0);
        let mut out = [0u8; 32];
        out.copy_from_slice(&public.to_bytes());
        MailboxPublicKey(out)
    }
}

impl fmt::Debug for MailboxSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MailboxSecret(<redacted>)")
    }
}

/// The public mailbox key of a device (X25519), as peers seal to it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MailboxPublicKey(pub [u8; 32]);

/// A device's mailbox key, signed by its device key: what a peer needs to seal to it, and
/// what proves the key is the device's (a relay or a stranger cannot slip in its own).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MailboxCard {
    /// The device.
    pub device: DeviceId,
    /// Its mailbox key.
    pub key: MailboxPublicKey,
    /// The device's signature over the key.
    pub signature: [u8; 64],
}

/// A card's encoded length: device, key, signature.
pub const MAILBOX_CARD_BYTES: usize = 32 + 32 + 64;

impl MailboxCard {
    /// The card of `device`, signed by it.
    pub fn issue(device: &DeviceSecret) -> MailboxCard {
        let key = MailboxSecret::derive(device).public();
        let id = device.device_id();
        let signature = device.sign(&card_message(&id, &key));
        MailboxCard {
            device: id,
            key,
            signature,
        }
    }

    /// True if the device signed this key.
    pub fn verify(&self) -> bool {
        verify_signature(
            &self.device,
            &card_message(&self.device, &self.key),
            &self.signature,
        )
    }

    /// The card in [`MAILBOX_CARD_BYTES`] bytes.
    pub fn to_bytes(&self) -> [u8; MAILBOX_CARD_BYTES] {
        let mut out = [0u8; MAILBOX_CARD_BYTES];
        out[..32].copy_from_slice(self.device.as_bytes());
        out[32..64].copy_from_slice(&self.key.0);
        out[64..].copy_from_slice(&self.signature);
        out
    }

    /// Reads a card and checks its signature.
    pub fn from_bytes(bytes: &[u8]) -> Result<MailboxCard, SealError> {
        if bytes.len() != MAILBOX_CARD_BYTES {
            return Err(SealError::Malformed);
        }
        let card = MailboxCard {
            device: DeviceId(take32(&bytes[..32])),
            key: MailboxPublicKey(take32(&bytes[32..64])),
            signature: take64(&bytes[64..]),
        };
        if card.verify() {
            Ok(card)
        } else {
            Err(SealError::BadCard)
        }
    }
}

fn card_message(device: &DeviceId, key: &MailboxPublicKey) -> Vec<u8> {
    let mut m = Vec::with_capacity(CARD_DOMAIN.len() + 64);
    m.extend_from_slice(CARD_DOMAIN);
    m.extend_from_slice(device.as_bytes());
    m.extend_from_slice(&key.0);
    m
}

/// The id of a letter: the hash of what its sender signed. Two letters with the same id are
/// the same letter (a replay).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct LetterId(pub [u8; 32]);

/// What a sender puts in a letter.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Letter {
    /// The device it is for.
    pub recipient: DeviceId,
    /// When it was written (seconds since the Unix epoch, the sender's clock).
    pub sent_at: u64,
    /// Random bytes: two letters with the same body at the same second still differ.
    pub nonce: [u8; 16],
    /// What a sync would have sent (encoded above this crate).
    pub body: Vec<u8>,
}

/// A letter opened and verified.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OpenedLetter {
    /// Who signed it.
    pub sender: DeviceId,
    /// When it was written (the sender's clock).
    pub sent_at: u64,
    /// Its id, for [`SeenLetters`].
    pub id: LetterId,
    /// Its body, still to be checked as a live session checks what it receives.
    pub body: Vec<u8>,
}

/// Why a letter was not sealed or not opened.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum SealError {
    /// The body is over [`MAX_LETTER_BODY_BYTES`], or the sealed bytes over
    /// [`MAX_SEALED_BYTES`].
    TooLarge,
    /// Not a sealed letter (too short, or a field out of its form).
    Malformed,
    /// A format version this device does not know.
    UnknownVersion(u8),
    /// HPKE refused it: altered on the way, or sealed to another device's key.
    CannotOpen,
    /// It opened, but names another device as its recipient.
    Misaddressed,
    /// The sender's signature does not verify.
    BadSignature,
    /// Older than the mailbox keeps letters.
    Expired,
    /// Dated too far in the future.
    FromTheFuture,
    /// Already received.
    Replayed,
    /// A mailbox card whose signature does not verify.
    BadCard,
    /// HPKE failed to seal (it does not, with a valid key).
    Sealing,
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SealError::TooLarge => write!(f, "sealed letter too large"),
            SealError::Malformed => write!(f, "malformed sealed letter"),
            SealError::UnknownVersion(v) => write!(f, "unknown sealed letter version {v}"),
            SealError::CannotOpen => write!(
                f,
                "the sealed letter does not open: altered, or sealed to another device"
            ),
            SealError::Misaddressed => write!(f, "the sealed letter is for another device"),
            SealError::BadSignature => write!(f, "the sealed letter's signature does not verify"),
            SealError::Expired => write!(f, "the sealed letter is too old"),
            SealError::FromTheFuture => write!(f, "the sealed letter is dated in the future"),
            SealError::Replayed => write!(f, "the sealed letter was already received"),
            SealError::BadCard => write!(f, "the mailbox key's signature does not verify"),
            SealError::Sealing => write!(f, "the letter could not be sealed"),
        }
    }
}

impl std::error::Error for SealError {}

impl Localized for SealError {
    fn localized(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Fr => match self {
                SealError::TooLarge => "lettre scellée trop grande".to_string(),
                SealError::Malformed => "lettre scellée mal formée".to_string(),
                SealError::UnknownVersion(v) => {
                    format!("version de lettre scellée inconnue : {v}")
                }
                SealError::CannotOpen => {
                    "la lettre scellée ne s'ouvre pas : modifiée, ou scellée pour un autre appareil"
                        .to_string()
                }
                SealError::Misaddressed => {
                    "la lettre scellée est adressée à un autre appareil".to_string()
                }
                SealError::BadSignature => {
                    "la signature de la lettre scellée n'est pas valide".to_string()
                }
                SealError::Expired => "la lettre scellée est trop ancienne".to_string(),
                SealError::FromTheFuture => "la lettre scellée est datée du futur".to_string(),
                SealError::Replayed => "la lettre scellée a déjà été reçue".to_string(),
                SealError::BadCard => {
                    "la signature de la clé de boîte aux lettres n'est pas valide".to_string()
                }
                SealError::Sealing => "la lettre n'a pas pu être scellée".to_string(),
            },
        }
    }
}

/// What the sender signs: the domain, recipient, sender, time, nonce and body.
fn signed_message(recipient: &DeviceId, sender: &DeviceId, letter: &Letter) -> Vec<u8> {
    let mut m = Vec::with_capacity(LETTER_DOMAIN.len() + 88 + letter.body.len());
    m.extend_from_slice(LETTER_DOMAIN);
    m.extend_from_slice(recipient.as_bytes());
    m.extend_from_slice(sender.as_bytes());
    m.extend_from_slice(&letter.sent_at.to_be_bytes());
    m.extend_from_slice(&letter.nonce);
    m.extend_from_slice(&letter.body);
    m
}

/// The associated data: the version and the box, so a letter moved to another box does not
/// open there.
fn aad(recipient: &DeviceId) -> [u8; 33] {
    let mut out = [0u8; 33];
    out[0] = SEAL_VERSION;
    out[1..].copy_from_slice(&BoxId::of(recipient).0);
    out
}

/// Seals `letter` from `sender` to the device of `card` (whose signature the caller checked
/// when it received it; [`MailboxCard::from_bytes`] does). `rng` draws the ephemeral key.
pub fn seal(
    sender: &DeviceSecret,
    card: &MailboxCard,
    letter: &Letter,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, SealError> {
    if letter.body.len() > MAX_LETTER_BODY_BYTES {
        return Err(SealError::TooLarge);
    }
    if letter.recipient != card.device {
        return Err(SealError::Misaddressed);
    }
    let sender_id = sender.device_id();
    let signature = sender.sign(&signed_message(&letter.recipient, &sender_id, letter));
    let mut plain = Vec::with_capacity(HEADER_LEN + letter.body.len());
    plain.extend_from_slice(letter.recipient.as_bytes());
    plain.extend_from_slice(sender_id.as_bytes());
    plain.extend_from_slice(&letter.sent_at.to_be_bytes());
    plain.extend_from_slice(&letter.nonce);
    plain.extend_from_slice(&signature);
    plain.extend_from_slice(&letter.body);
    let public =
        <Kem as hpke::Kem>::PublicKey::from_bytes(&card.key.0).map_err(|_| SealError::BadCard)?;
    let (enc, ciphertext) = hpke::single_shot_seal_with_rng::<Aead, Kdf, Kem>(
        &OpModeS::Base,
        &public,
        HPKE_INFO,
        &plain,
        &aad(&letter.recipient),
        rng,
    )
    .map_err(|_| SealError::Sealing)?;
    let mut out = Vec::with_capacity(1 + ENC_LEN + ciphertext.len());
    out.push(SEAL_VERSION);
    out.extend_from_slice(&enc.to_bytes());
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Opens a sealed letter for `recipient` and verifies it: see the module's doc for the
/// checks. `now` is the receiver's clock (seconds since the Unix epoch); letters older than
/// `max_age_secs` are refused.
pub fn open(
    recipient: &DeviceSecret,
    sealed: &[u8],
    now: u64,
    max_age_secs: u64,
) -> Result<OpenedLetter, SealError> {
    if sealed.len() > MAX_SEALED_BYTES {
        return Err(SealError::TooLarge);
    }
    let (&version, rest) = sealed.split_first().ok_or(SealError::Malformed)?;
    if version != SEAL_VERSION {
        return Err(SealError::UnknownVersion(version));
    }
    if rest.len() < ENC_LEN + HEADER_LEN + TAG_LEN {
        return Err(SealError::Malformed);
    }
    let (enc, ciphertext) = rest.split_at(ENC_LEN);
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(enc).map_err(|_| SealError::Malformed)?;
    let me = recipient.device_id();
    let secret = MailboxSecret::derive(recipient);
    let plain = hpke::single_shot_open::<Aead, Kdf, Kem>(
        &OpModeR::Base,
        &secret.0,
        &enc,
        HPKE_INFO,
        ciphertext,
        &aad(&me),
    )
    .map_err(|_| SealError::CannotOpen)?;
    if plain.len() < HEADER_LEN {
        return Err(SealError::Malformed);
    }
    let named = DeviceId(take32(&plain[..32]));
    if named != me {
        return Err(SealError::Misaddressed);
    }
    let sender = DeviceId(take32(&plain[32..64]));
    let mut time = [0u8; 8];
    time.copy_from_slice(&plain[64..72]);
    let mut nonce = [0u8; 16];
    nonce.copy_from_slice(&plain[72..88]);
    let signature = take64(&plain[88..152]);
    let letter = Letter {
        recipient: me,
        sent_at: u64::from_be_bytes(time),
        nonce,
        body: plain[HEADER_LEN..].to_vec(),
    };
    let message = signed_message(&me, &sender, &letter);
    if !verify_signature(&sender, &message, &signature) {
        return Err(SealError::BadSignature);
    }
    if letter.sent_at > now.saturating_add(MAX_CLOCK_SKEW_SECS) {
        return Err(SealError::FromTheFuture);
    }
    if now.saturating_sub(letter.sent_at) > max_age_secs {
        return Err(SealError::Expired);
    }
    Ok(OpenedLetter {
        sender,
        sent_at: letter.sent_at,
        id: LetterId(Sha256::digest(&message).into()),
        body: letter.body,
    })
}

/// The ids of letters already received, kept as long as a mailbox may keep a letter (a
/// replay of an older one is refused by its age).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeenLetters {
    seen: HashMap<LetterId, u64>,
}

impl SeenLetters {
    /// Empty.
    pub fn new() -> SeenLetters {
        SeenLetters::default()
    }

    /// From stored `(id, sent_at)` pairs.
    pub fn from_entries(entries: impl IntoIterator<Item = (LetterId, u64)>) -> SeenLetters {
        SeenLetters {
            seen: entries.into_iter().collect(),
        }
    }

    /// The ids and times, to store.
    pub fn entries(&self) -> impl Iterator<Item = (LetterId, u64)> + '_ {
        self.seen.iter().map(|(id, at)| (*id, *at))
    }

    /// Records `letter` as received: [`SealError::Replayed`] if it already was.
    pub fn admit(&mut self, letter: &OpenedLetter) -> Result<(), SealError> {
        if self.seen.contains_key(&letter.id) {
            return Err(SealError::Replayed);
        }
        self.seen.insert(letter.id, letter.sent_at);
        Ok(())
    }

    /// Forgets ids older than `max_age_secs` at `now`: [`open`] refuses those letters anyway.
    pub fn prune(&mut self, now: u64, max_age_secs: u64) {
        self.seen
            .retain(|_, at| now.saturating_sub(*at) <= max_age_secs);
    }

    /// How many ids are kept.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// True if none is kept.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

fn take32(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&bytes[..32]);
    out
}

fn take64(bytes: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    out.copy_from_slice(&bytes[..64]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hpke::rand_core::UnwrapErr;

    const DAY: u64 = 24 * 60 * 60;
    const NOW: u64 = 1_790_000_000;

    fn device(n: u8) -> DeviceSecret {
        DeviceSecret::from_bytes(&[n; 32])
    }

    fn rng() -> UnwrapErr<getrandom::SysRng> {
        UnwrapErr(getrandom::SysRng)
    }

    fn letter_to(recipient: &DeviceSecret, body: &[u8]) -> Letter {
        Letter {
            recipient: recipient.device_id(),
            sent_at: NOW,
            nonce: [7; 16],
            body: body.to_vec(),
        }
    }

    fn sealed(from: &DeviceSecret, to: &DeviceSecret, body: &[u8]) -> Vec<u8> {
        let card = MailboxCard::issue(to);
        seal(from, &card, &letter_to(to, body), &mut rng()).unwrap()
    }

    #[test]
    fn a_letter_opens_for_its_recipient_with_its_sender_and_body() {
        let (teacher, family) = (device(1), device(2));
        let bytes = sealed(&teacher, &family, b"bilan de Lucie");
        let opened = open(&family, &bytes, NOW + 60, 14 * DAY).unwrap();
        assert_eq!(opened.sender, teacher.device_id());
        assert_eq!(opened.body, b"bilan de Lucie");
        assert_eq!(opened.sent_at, NOW);
        // Nothing of the body shows in the sealed bytes.
        assert!(!bytes.windows(5).any(|w| w == b"Lucie"));
    }

    #[test]
    fn every_altered_byte_is_refused() {
        let (teacher, family) = (device(1), device(2));
        let bytes = sealed(&teacher, &family, b"appreciation");
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            let err = open(&family, &bad, NOW, 14 * DAY).unwrap_err();
            assert!(
                matches!(
                    err,
                    SealError::CannotOpen | SealError::UnknownVersion(_) | SealError::Malformed
                ),
                "byte {i}: {err:?}"
            );
        }
        assert_eq!(
            open(&family, &bytes[..bytes.len() - 1], NOW, 14 * DAY),
            Err(SealError::CannotOpen)
        );
        assert_eq!(open(&family, &[], NOW, DAY), Err(SealError::Malformed));
        assert_eq!(
            open(&family, &bytes[..40], NOW, DAY),
            Err(SealError::Malformed)
        );
    }

    #[test]
    fn a_letter_for_another_device_does_not_open() {
        let (teacher, family, other) = (device(1), device(2), device(3));
        let bytes = sealed(&teacher, &family, b"x");
        assert_eq!(open(&other, &bytes, NOW, DAY), Err(SealError::CannotOpen));
        // Sealed to the right key but naming another recipient inside (a sender that lies
        // about the box): refused before anything is read.
        let card = MailboxCard::issue(&family);
        let lying = Letter {
            recipient: other.device_id(),
            ..letter_to(&family, b"x")
        };
        assert_eq!(
            seal(&teacher, &card, &lying, &mut rng()),
            Err(SealError::Misaddressed)
        );
    }

    #[test]
    fn a_forged_card_and_a_forged_sender_are_refused() {
        let (family, stranger) = (device(2), device(9));
        let mut card = MailboxCard::issue(&family);
        assert!(MailboxCard::from_bytes(&card.to_bytes()).is_ok());
        card.key = MailboxSecret::derive(&stranger).public();
        assert_eq!(
            MailboxCard::from_bytes(&card.to_bytes()),
            Err(SealError::BadCard)
        );
        assert_eq!(
            MailboxCard::from_bytes(&[0u8; 10]),
            Err(SealError::Malformed)
        );
        // A stranger who holds the family's card seals a letter naming the teacher as its
        // sender, with a signature of its own: it opens, and is refused by the signature.
        let teacher = device(1);
        let letter = letter_to(&family, b"faux bilan");
        let mut plain = Vec::new();
        plain.extend_from_slice(family.device_id().as_bytes());
        plain.extend_from_slice(teacher.device_id().as_bytes());
        plain.extend_from_slice(&letter.sent_at.to_be_bytes());
        plain.extend_from_slice(&letter.nonce);
        plain.extend_from_slice(&stranger.sign(&signed_message(
            &family.device_id(),
            &teacher.device_id(),
            &letter,
        )));
        plain.extend_from_slice(&letter.body);
        let public =
            <Kem as hpke::Kem>::PublicKey::from_bytes(&MailboxCard::issue(&family).key.0).unwrap();
        let (enc, ct) = hpke::single_shot_seal_with_rng::<Aead, Kdf, Kem>(
            &OpModeS::Base,
            &public,
            HPKE_INFO,
            &plain,
            &aad(&family.device_id()),
            &mut rng(),
        )
        .unwrap();
        let mut forged = vec![SEAL_VERSION];
        forged.extend_from_slice(&enc.to_bytes());
        forged.extend_from_slice(&ct);
        assert_eq!(
            open(&family, &forged, NOW, DAY),
            Err(SealError::BadSignature)
        );
    }

    #[test]
    fn a_replay_is_refused_and_old_or_future_letters_too() {
        let (teacher, family) = (device(1), device(2));
        let bytes = sealed(&teacher, &family, b"x");
        let mut seen = SeenLetters::new();
        let first = open(&family, &bytes, NOW, 14 * DAY).unwrap();
        seen.admit(&first).unwrap();
        let again = open(&family, &bytes, NOW + 10, 14 * DAY).unwrap();
        assert_eq!(seen.admit(&again), Err(SealError::Replayed));
        // After the age limit the id is forgotten, and the letter is refused by its age.
        seen.prune(NOW + 15 * DAY, 14 * DAY);
        assert!(seen.is_empty());
        assert_eq!(
            open(&family, &bytes, NOW + 15 * DAY, 14 * DAY),
            Err(SealError::Expired)
        );
        assert_eq!(
            open(&family, &bytes, NOW - 2 * DAY, 14 * DAY),
            Err(SealError::FromTheFuture)
        );
    }

    #[test]
    fn an_oversize_body_is_not_sealed_and_oversize_bytes_not_opened() {
        let (teacher, family) = (device(1), device(2));
        let card = MailboxCard::issue(&family);
        let big = letter_to(&family, &vec![0u8; MAX_LETTER_BODY_BYTES + 1]);
        assert_eq!(
            seal(&teacher, &card, &big, &mut rng()),
            Err(SealError::TooLarge)
        );
        assert_eq!(
            open(&family, &vec![1u8; MAX_SEALED_BYTES + 1], NOW, DAY),
            Err(SealError::TooLarge)
        );
    }

    #[test]
    fn the_mailbox_key_is_stable_and_differs_per_device() {
        let a = MailboxSecret::derive(&device(1)).public();
        assert_eq!(a, MailboxSecret::derive(&device(1)).public());
        assert_ne!(a, MailboxSecret::derive(&device(2)).public());
        assert_ne!(
            BoxId::of(&device(1).device_id()),
            BoxId::of(&device(2).device_id())
        );
        let id = BoxId::of(&device(1).device_id());
        assert_eq!(BoxId::from_hex(&id.to_hex()), Some(id));
        assert_eq!(BoxId::from_hex("zz"), None);
    }
}
