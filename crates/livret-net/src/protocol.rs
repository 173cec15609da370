//! The messages of `/livret/sync/1`, each one frame, CBOR-encoded.
//!
//! A session: the dialer may first redeem an invitation (`Redeem` → `Granted` or `Refused`);
//! either side may introduce itself (`Granted` frames carrying its own owner record) just
//! before its `Hello`; then both sides send a `Hello` listing the documents they hold *that concern the other*
//! (livret, target, heads); then they take turns, the dialer first: each turn is the sync
//! messages for every document it may send, ended by `EndRound`. When a turn with no message
//! follows one with no message, the session is over. Reads and writes are authorized above
//! this layer, at every turn.

use serde::{Deserialize, Serialize};
pub use serde_bytes::ByteBuf;

// The bounds of a hello, from realistic use. A device lists to one peer only the livrets that
// concern both: a teacher's device lists a family's children, a family device the livrets it
// shares with that peer; no family has 32 children. A livret holds the manifest, five sections
// and two per school year (`annee/YYYY`, `vie-scolaire/YYYY`): 18 school years make 42
// documents, under 64. Heads are the concurrent tips of a document: one after a sync, a few
// after concurrent writes; a document with more is listed without heads (heads only let the
// first message carry the changes at once). Each head is a 32-byte hash and each name at most
// 32 bytes, so the largest hello encodes in under 512 KiB and decodes in under 1 MiB; no frame
// before the turns (redeem, recovery, introductions, hello) needs more.

/// The largest number of livrets a hello may list.
pub const MAX_HELLO_LIVRETS: usize = 32;
/// The largest number of documents per livret a hello may list.
pub const MAX_HELLO_TARGETS: usize = 64;
/// The largest number of heads per document a hello may list.
pub const MAX_HEADS: usize = 4;
/// The longest document name a hello may list (`vie-scolaire/2025` is 17 bytes).
pub const MAX_TARGET_NAME_BYTES: usize = 32;
/// The largest frame a device accepts before the session's turns (redeem, recovery,
/// introductions, hello): from anyone, before it is known who the peer is.
pub const MAX_OPENING_FRAME_BYTES: usize = 512 * 1024;
/// The most turns one session may take (each side counts the peer's).
pub const MAX_ROUNDS: u32 = 64;

/// A document of a livret: its manifest (synced between owners only) or a section (by name).
pub type Target = String;
/// The name of the manifest target.
pub const MANIFEST: &str = "manifest";

/// One frame of the protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Frame {
    /// What the sender holds that concerns the receiver.
    Hello(Hello),
    /// A proof that the sender holds an invitation's one-time secret.
    Redeem(Redeem),
    /// The grant (or owner record) issued in answer to a redeem, with the manifest records
    /// the grantee needs (genesis, owners). Also, before a `Hello`, an *introduction*: the
    /// sender's own owner record (and its issuer's), which a device restored from a teacher's
    /// copy signed with the recovery key and the receiver does not know yet.
    Granted(Granted),
    /// An Automerge sync message for one document.
    Sync(SyncMessage),
    /// The sender refuses something (a document, a batch, a redeem).
    Refused(Refused),
    /// The sender (an owner) revoked the receiver's grant to a livret: purge it.
    Revoked(Revoked),
    /// A whole document replacing the receiver's copy: an anonymized extract for a jury.
    Extract(Extract),
    /// Erasures of a section the receiver's copy has not gone through yet.
    Erased(Erased),
    /// The family deleted a livret: the receiver erases its copy.
    Deleted(Deleted),
    /// End of the sender's turn, with the number of sync messages it sent in it.
    EndRound(u32),
    /// A new family device asks to become an owner again with the family's recovery key
    /// (sent first, in place of a redeem). The holder answers with one `Granted` per livret
    /// the key owns, then `EndRound(n)`; or `Refused`. A teacher's device sends the records it
    /// holds, with no owner record for the sender: the sender signs its own and introduces
    /// itself before its `Hello`.
    Recover(Recover),
    /// In answer to a `Redeem`: the family device has it and waits for its user's
    /// confirmation (who redeemed, with the code both screens show). Sent every few seconds
    /// until the `Granted` or `Refused`, so the redeemer knows the session is alive.
    Waiting,
}

/// An extract: a document with fresh history, sent whole, that replaces the receiver's copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extract {
    /// The livret.
    #[serde(with = "serde_bytes16")]
    pub livret: [u8; 16],
    /// The section.
    pub target: Target,
    /// The document (Automerge save).
    pub doc: ByteBuf,
}

/// What a device holds that concerns its peer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Hello {
    /// The device's name, as its user set it.
    pub name: String,
    /// The device's role (family, teacher, school, jury).
    pub role: String,
    /// The livrets and their documents.
    pub livrets: Vec<HelloLivret>,
}

/// One livret in a hello.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelloLivret {
    /// The livret id.
    #[serde(with = "serde_bytes16")]
    pub livret: [u8; 16],
    /// Its documents and their heads.
    pub docs: Vec<(Target, Vec<ByteBuf>)>,
    /// For each section whose copy went through erasures: the digest of that set
    /// (`livret_core::erasure::erasure_set_digest`). Copies sync only when these agree.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erasures: Vec<(Target, ByteBuf)>,
}

/// The erasures of a section the sender's copy went through, for a peer whose copy did not go
/// through them all: the peer applies them (rebuilding its copy) before the section syncs again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erased {
    /// The livret.
    #[serde(with = "serde_bytes16")]
    pub livret: [u8; 16],
    /// The section.
    pub target: Target,
    /// The signed erasure records.
    pub records: Vec<ByteBuf>,
}

/// A livret deleted by its family: the receiver erases it too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deleted {
    /// The livret.
    #[serde(with = "serde_bytes16")]
    pub livret: [u8; 16],
    /// The signed deletion record.
    pub record: ByteBuf,
    /// Owner records, so a grantee can check that an owner signed it.
    pub owners: Vec<(String, ByteBuf)>,
}

/// The most erasure records an `Erased` frame may carry.
pub const MAX_ERASURES_PER_SECTION: usize = 256;

/// Redeeming an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redeem {
    /// The invitation id.
    #[serde(with = "serde_bytes16")]
    pub invitation: [u8; 16],
    /// `redeem_proof(secret, sender key)`.
    pub proof: ByteBuf,
    /// The sender's device name.
    pub name: String,
    /// The sender's role.
    pub role: String,
}

/// The answer to a successful redeem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Granted {
    /// The livret.
    #[serde(with = "serde_bytes16")]
    pub livret: [u8; 16],
    /// Manifest records `(key, signed bytes)`: genesis, owners, and the grant or owner record.
    pub records: Vec<(String, ByteBuf)>,
}

impl Granted {
    /// The frame giving `records` (key, signed bytes) of `livret`.
    pub fn new(livret: [u8; 16], records: Vec<(String, Vec<u8>)>) -> Granted {
        Granted {
            livret,
            records: records
                .into_iter()
                .map(|(k, v)| (k, ByteBuf::from(v)))
                .collect(),
        }
    }
}

/// One Automerge sync message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncMessage {
    /// The livret.
    #[serde(with = "serde_bytes16")]
    pub livret: [u8; 16],
    /// The document.
    pub target: Target,
    /// The encoded Automerge sync message.
    pub message: ByteBuf,
}

/// A refusal: its code (a `livret_core::RefusalCode` number), never prose, so each side shows
/// it in its own language. A code the receiver does not know reads as "other"; the key and
/// the detail are bounded by the receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    /// The livret concerned, if any.
    pub livret: Option<ByteBuf>,
    /// The document concerned, if any.
    pub target: Option<Target>,
    /// Why: a `RefusalCode` number (0 from a peer that sent none).
    #[serde(default)]
    pub code: u16,
    /// The entry key concerned, if any.
    #[serde(default)]
    pub key: Option<String>,
    /// A short detail (a name, a number), if any.
    #[serde(default)]
    pub detail: Option<String>,
}

/// A revocation notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked {
    /// The livret.
    #[serde(with = "serde_bytes16")]
    pub livret: [u8; 16],
    /// The signed revocation.
    pub revocation: ByteBuf,
    /// Owner records, so the grantee can check the revoking owner.
    pub owners: Vec<(String, ByteBuf)>,
}

/// A recovery request: the recovery key, a time and the key's signature over (domain tag,
/// the sender's device key, that time); see `livret_core::recovery`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recover {
    /// The recovery public key (32 bytes).
    pub key: ByteBuf,
    /// When the proof was made, seconds since 1970.
    pub at: i64,
    /// The signature (64 bytes).
    pub signature: ByteBuf,
    /// The sender's device name.
    pub name: String,
    /// The sender's role.
    pub role: String,
}

/// Why a frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("trame invalide : {0}")]
pub struct FrameError(pub String);

impl Frame {
    /// Encodes the frame.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if let Err(e) = ciborium::into_writer(self, &mut out) {
            debug_assert!(false, "encoding a frame failed: {e}");
        }
        out
    }

    /// Decodes a frame, checking the protocol's bounds.
    pub fn decode(bytes: &[u8]) -> Result<Frame, FrameError> {
        let mut reader = bytes;
        let frame: Frame = ciborium::de::from_reader_with_recursion_limit(&mut reader, 32)
            .map_err(|e| FrameError(e.to_string()))?;
        if !reader.is_empty() {
            return Err(FrameError("octets en trop après la trame".into()));
        }
        if let Frame::Hello(h) = &frame {
            if h.livrets.len() > MAX_HELLO_LIVRETS
                || h.livrets.iter().any(|l| {
                    l.docs.len() > MAX_HELLO_TARGETS
                        || l.docs.iter().any(|(n, h)| {
                            n.len() > MAX_TARGET_NAME_BYTES
                                || h.len() > MAX_HEADS
                                || h.iter().any(|h| h.len() != 32)
                        })
                        || l.erasures.len() > MAX_HELLO_TARGETS
                        || l.erasures
                            .iter()
                            .any(|(n, d)| n.len() > MAX_TARGET_NAME_BYTES || d.len() != 32)
                })
            {
                return Err(FrameError("hello trop long".into()));
            }
            if h.name.chars().count() > 200 || h.role.len() > 16 {
                return Err(FrameError("nom ou rôle trop long".into()));
            }
        }
        if let Frame::Erased(e) = &frame {
            if e.records.len() > MAX_ERASURES_PER_SECTION {
                return Err(FrameError("trop d'effacements dans une trame".into()));
            }
        }
        if let Frame::Recover(r) = &frame {
            if r.key.len() != 32
                || r.signature.len() != 64
                || r.name.chars().count() > 200
                || r.role.len() > 16
            {
                return Err(FrameError("demande de secours mal formée".into()));
            }
        }
        Ok(frame)
    }
}

/// The largest hello the bounds allow: every livret, document, head and erasure digest, every
/// name at its longest.
#[cfg(test)]
pub(crate) fn largest_hello() -> Hello {
    let name = "n".repeat(MAX_TARGET_NAME_BYTES);
    Hello {
        name: "é".repeat(200),
        role: "r".repeat(16),
        livrets: (0..MAX_HELLO_LIVRETS)
            .map(|i| HelloLivret {
                livret: [i as u8; 16],
                docs: (0..MAX_HELLO_TARGETS)
                    .map(|_| {
                        let heads = (0..MAX_HEADS).map(|_| ByteBuf::from(vec![7; 32]));
                        (name.clone(), heads.collect())
                    })
                    .collect(),
                erasures: (0..MAX_HELLO_TARGETS)
                    .map(|_| (name.clone(), ByteBuf::from(vec![9; 32])))
                    .collect(),
            })
            .collect(),
    }
}

mod serde_bytes16 {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8; 16], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 16], D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = [u8; 16];
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("16 bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<[u8; 16], E> {
                v.try_into().map_err(|_| E::custom("expected 16 bytes"))
            }
        }
        d.deserialize_bytes(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_garbage_is_refused() {
        let f = Frame::Hello(Hello {
            name: "Mme Dupont".into(),
            role: "teacher".into(),
            livrets: vec![HelloLivret {
                livret: [1; 16],
                docs: vec![("annee/2025".into(), vec![ByteBuf::from(vec![2; 32])])],
                erasures: vec![],
            }],
        });
        assert_eq!(Frame::decode(&f.encode()).unwrap(), f);
        assert!(Frame::decode(b"\xff\x00garbage").is_err());
        // Heads are 32-byte hashes: an empty one (1 byte on the wire, 24 in memory) is refused.
        let Frame::Hello(mut h) = f.clone() else {
            unreachable!()
        };
        h.livrets[0].docs[0].1.push(ByteBuf::from(vec![]));
        assert!(Frame::decode(&Frame::Hello(h).encode()).is_err());
        let mut bytes = Frame::EndRound(3).encode();
        bytes.push(0);
        assert!(Frame::decode(&bytes).is_err());
    }

    #[test]
    fn the_largest_hello_fits_the_opening_frame_bound() {
        let hello = Frame::Hello(largest_hello());
        let bytes = hello.encode();
        assert!(
            bytes.len() <= MAX_OPENING_FRAME_BYTES,
            "{} bytes",
            bytes.len()
        );
        assert_eq!(Frame::decode(&bytes).unwrap(), hello);
        // One more livret, document or head is refused.
        let Frame::Hello(mut h) = hello else {
            unreachable!()
        };
        h.livrets[0].docs[0].1.push(ByteBuf::from(vec![1; 32]));
        assert!(Frame::decode(&Frame::Hello(h).encode()).is_err());
    }
}
