//! CBOR encoding of signed payloads and wire objects.
//!
//! Payloads are serde structs with short field names, encoded by ciborium: definite lengths,
//! shortest integer forms and fields in declaration order, so one value has one encoding.
//! Signatures are always checked over the bytes received, never over a re-encoding.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::CoreError;

/// Encodes a value as CBOR.
pub fn to_vec<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail; a serde error here would be a bug in our own types.
    if let Err(e) = ciborium::into_writer(value, &mut out) {
        debug_assert!(false, "CBOR encoding of our own type failed: {e}");
    }
    out
}

/// Decodes a CBOR value, refusing input larger than `max` bytes before reading it and
/// trailing bytes after it.
pub fn from_slice<T: DeserializeOwned>(
    bytes: &[u8],
    max: usize,
    what: &'static str,
) -> Result<T, CoreError> {
    if bytes.len() > max {
        return Err(CoreError::TooLarge {
            what,
            max,
            actual: bytes.len(),
        });
    }
    let mut reader = bytes;
    let value: T =
        ciborium::de::from_reader_with_recursion_limit(&mut reader, 16).map_err(|e| {
            CoreError::Malformed {
                what,
                detail: e.to_string(),
            }
        })?;
    if !reader.is_empty() {
        return Err(CoreError::Malformed {
            what,
            detail: "trailing bytes".into(),
        });
    }
    Ok(value)
}

/// Serde helpers that write fixed-size byte arrays as CBOR byte strings (not arrays of ints).
pub mod fixed {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes `[u8; N]` as a byte string.
    pub fn serialize<S: Serializer, const N: usize>(v: &[u8; N], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    /// Deserializes a byte string of exactly `N` bytes.
    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        let b: ByteBuf = Deserialize::deserialize(d)?;
        b.0.try_into()
            .map_err(|_| serde::de::Error::custom(format!("expected {N} bytes")))
    }

    /// A byte string of any length.
    pub struct ByteBuf(pub Vec<u8>);

    impl<'de> Deserialize<'de> for ByteBuf {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = ByteBuf;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a byte string")
                }
                fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<ByteBuf, E> {
                    Ok(ByteBuf(v.to_vec()))
                }
                fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<ByteBuf, E> {
                    Ok(ByteBuf(v))
                }
            }
            d.deserialize_bytes(V)
        }
    }
}

/// Serde helpers for an optional fixed-size byte array (with `default` and
/// `skip_serializing_if = "Option::is_none"`: absent when `None`).
pub mod opt_fixed {
    use serde::{Deserializer, Serializer};

    /// Serializes `Some([u8; N])` as a byte string.
    pub fn serialize<S: Serializer, const N: usize>(
        v: &Option<[u8; N]>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_bytes(b),
            None => s.serialize_none(),
        }
    }

    /// Deserializes a present byte string of exactly `N` bytes.
    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<Option<[u8; N]>, D::Error> {
        super::fixed::deserialize(d).map(Some)
    }
}

/// Serde helpers for `Vec<u8>` as a CBOR byte string.
pub mod bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes bytes as a byte string.
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    /// Deserializes a byte string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let b: super::fixed::ByteBuf = Deserialize::deserialize(d)?;
        Ok(b.0)
    }
}

/// Serde helpers for `Vec<[u8; 32]>` as an array of byte strings.
pub mod fixed_list {
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes a list of 32-byte values.
    pub fn serialize<S: Serializer>(v: &[[u8; 32]], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for item in v {
            seq.serialize_element(&Bytes32(*item))?;
        }
        seq.end()
    }

    /// Deserializes a list of 32-byte values.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[u8; 32]>, D::Error> {
        let items: Vec<Bytes32> = Deserialize::deserialize(d)?;
        Ok(items.into_iter().map(|b| b.0).collect())
    }

    struct Bytes32([u8; 32]);
    impl serde::Serialize for Bytes32 {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&self.0)
        }
    }
    impl<'de> Deserialize<'de> for Bytes32 {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            super::fixed::deserialize(d).map(Bytes32)
        }
    }
}
