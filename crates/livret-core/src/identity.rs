//! Device identities: an ed25519 key pair and a role.

use std::fmt;
use std::str::FromStr;

use ed25519_dalek::{Signer, SigningKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::CoreError;
use crate::ids::DeviceId;

/// What a device is for. A family device owns livrets; the others receive grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A parent's device: creates and owns livrets.
    Family,
    /// A teacher's device: writes bilans under a write grant.
    Teacher,
    /// A school's device: certifies its teachers' keys.
    School,
    /// An exam jury's device: reads anonymized extracts.
    Jury,
}

impl Role {
    /// The word used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Family => "family",
            Role::Teacher => "teacher",
            Role::School => "school",
            Role::Jury => "jury",
        }
    }

    /// The French word shown to people.
    pub fn french(self) -> &'static str {
        match self {
            Role::Family => "famille",
            Role::Teacher => "enseignant",
            Role::School => "établissement",
            Role::Jury => "jury",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, CoreError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "family" | "famille" => Ok(Role::Family),
            "teacher" | "enseignant" => Ok(Role::Teacher),
            "school" | "etablissement" | "établissement" => Ok(Role::School),
            "jury" => Ok(Role::Jury),
            _ => Err(CoreError::UnknownRole(s.to_string())),
        }
    }
}

/// A device's secret signing key. Zeroized on drop (by ed25519-dalek); never printed.
#[derive(Clone)]
pub struct DeviceSecret(SigningKey);

impl DeviceSecret {
    /// Builds the key from 32 secret bytes (from the operating system's random generator, or
    /// from the store). Core never draws randomness itself.
    pub fn from_bytes(bytes: &[u8; 32]) -> DeviceSecret {
        DeviceSecret(SigningKey::from_bytes(bytes))
    }

    /// The secret bytes, in a buffer that is wiped when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The public identity of this key.
    pub fn device_id(&self) -> DeviceId {
        DeviceId(self.0.verifying_key().to_bytes())
    }

    /// Signs a message (EdDSA, ed25519).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DeviceSecret(<redacted> of {})",
            self.device_id().short()
        )
    }
}

/// A device: its role, the name its user gave, and its key.
#[derive(Clone, Debug)]
pub struct DeviceIdentity {
    /// What the device is for.
    pub role: Role,
    /// The name shown to peers (a teacher's name, "Maman", a school's name...).
    pub name: String,
    /// The signing key.
    pub secret: DeviceSecret,
}

impl DeviceIdentity {
    /// The device's public id.
    pub fn device_id(&self) -> DeviceId {
        self.secret.device_id()
    }
}

/// Verifies an ed25519 signature by `key` (strict verification: no malleable signatures).
pub fn verify_signature(key: &DeviceId, message: &[u8], signature: &[u8]) -> bool {
    let Some(vk) = decoded_key(key) else {
        return false;
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
        return false;
    };
    vk.verify_strict(message, &sig).is_ok()
}

thread_local! {
    /// Keys decoded lately, most recent last: the authors whose signatures a device verifies
    /// are few (a livret's family and teachers), and decoding a key (a point decompression: a
    /// square root in the field) costs a tenth of a verification.
    static DECODED_KEYS: std::cell::RefCell<Vec<(DeviceId, ed25519_dalek::VerifyingKey)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// How many decoded keys a thread keeps.
const DECODED_KEYS_KEPT: usize = 32;

/// `key` decoded (decompressed), from the thread's recent keys when it is there. A key that
/// does not decode is not kept.
fn decoded_key(key: &DeviceId) -> Option<ed25519_dalek::VerifyingKey> {
    DECODED_KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some(i) = keys.iter().position(|(k, _)| k == key) {
            let found = keys.remove(i);
            keys.push(found);
            return Some(found.1);
        }
        let vk = key.verifying_key().ok()?;
        if keys.len() >= DECODED_KEYS_KEPT {
            keys.remove(0);
        }
        keys.push((*key, vk));
        Some(vk)
    })
}

/// Verifies many signatures together: one multiscalar equation (ed25519-dalek's
/// `verify_batch`) instead of one per signature. True only if every signature verifies; a
/// false answer names none, so the caller then verifies one by one to find the bad one.
///
/// Before the equation, each signature passes what [`verify_signature`]'s strict verification
/// checks beside it: the key and the signature's R not of small order, R canonically encoded
/// (the strict check compares R's bytes with a canonical encoding). The batch equation, like
/// the strict one, has no cofactor; it can differ from it only for a signature its own key's
/// holder built with a torsion component in R or in the key (ARCHITECTURE.md, « A sync
/// session »).
pub fn verify_signatures_batch(items: &[(DeviceId, Vec<u8>, [u8; 64])]) -> bool {
    batch_equation(items, false)
}

/// Verifies many signatures together, accepting exactly what [`verify_signature`] accepts one
/// by one. True only if every signature verifies; a false answer names none (the caller then
/// verifies one by one, strictly, which decides). Measured slower than [`verify_signature`]
/// one by one (proving each R torsion-free is a scalar multiplication), so sessions verify
/// what arrives one by one: `cargo bench -p livret-core --bench signatures` (BENCHMARKS.md).
///
/// Strict verification checks `R == [s]B - [k]A` with no cofactor. A batch equation, even
/// without a cofactor, weighs each signature by a coefficient the batch draws, so a difference
/// of small order (a torsion component its signer put in R or in the key) can cancel out:
/// [`verify_signatures_batch`] then accepts what strict verification refuses. Here every key
/// and every R must also lie in the prime-order subgroup (torsion-free): each signature's
/// difference `[s]B - R - [k]A` then does too, and the batch holds only if each is zero,
/// which is the strict equation (up to the batch's 2^-128 chance). A torsion-free key is
/// checked once per batch; a key that is not sends the batch to the one-by-one verification,
/// which stays the judge, so nothing is refused that strict verification accepts.
pub fn verify_signatures_batch_strict(items: &[(DeviceId, Vec<u8>, [u8; 64])]) -> bool {
    batch_equation(items, true)
}

/// The two batches' one body: `torsion_free` also proves every key and every R in the
/// prime-order subgroup.
///
/// The equation is ed25519-dalek's `verify_batch` (cofactorless, 128-bit coefficients drawn
/// from a hash of the whole batch, as it draws them), with the terms of one key added
/// together: the signatures of a section are mostly its teacher's, so its key is multiplied
/// once, not once per signature, which halves the points of the multiscalar multiplication
/// (`Σ zᵢkᵢAᵢ` grouped by key is the same sum). Each R is decompressed once, here, for both
/// the checks and the equation.
#[allow(non_snake_case)]
fn batch_equation(items: &[(DeviceId, Vec<u8>, [u8; 64])], torsion_free: bool) -> bool {
    use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
    use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
    use curve25519_dalek::Scalar;
    use sha2::{Digest, Sha512};
    if items.is_empty() {
        return true;
    }
    // The batch's keys, each decoded and checked once, with the sum of its terms' scalars.
    let mut keys: Vec<(DeviceId, EdwardsPoint, Scalar)> = Vec::new();
    let mut key_of = Vec::with_capacity(items.len());
    let mut Rs = Vec::with_capacity(items.len());
    let mut ss = Vec::with_capacity(items.len());
    let mut hrams = Vec::with_capacity(items.len());
    // What the coefficients are drawn from: every signature's hash and s.
    let mut transcript = Sha512::new();
    transcript.update(b"livret batch verification");
    for (key, message, signature) in items {
        let k = match keys.iter().position(|(id, _, _)| id == key) {
            Some(k) => k,
            None => {
                let Ok(vk) = key.verifying_key() else {
                    return false;
                };
                if vk.is_weak() || (torsion_free && !vk.to_edwards().is_torsion_free()) {
                    return false;
                }
                keys.push((*key, vk.to_edwards(), Scalar::ZERO));
                keys.len() - 1
            }
        };
        let mut r = [0u8; 32];
        r.copy_from_slice(&signature[..32]);
        let Some(R) = CompressedEdwardsY(r).decompress() else {
            return false;
        };
        // Canonical: what strict verification's comparison of R's bytes with a compression
        // checks, without compressing again (an inversion per signature).
        if R.is_small_order() || (torsion_free && !R.is_torsion_free()) || !y_is_canonical(&r) {
            return false;
        }
        let mut s_bytes = [0u8; 32];
        s_bytes.copy_from_slice(&signature[32..]);
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)) else {
            return false;
        };
        let hram: [u8; 64] = Sha512::new()
            .chain_update(r)
            .chain_update(key.as_bytes())
            .chain_update(message)
            .finalize()
            .into();
        transcript.update(hram);
        transcript.update(s_bytes);
        key_of.push(k);
        Rs.push(R);
        ss.push(s);
        hrams.push(Scalar::from_bytes_mod_order_wide(&hram));
    }
    let seed = transcript.finalize();
    let mut B_coefficient = Scalar::ZERO;
    let mut zs = Vec::with_capacity(items.len());
    for (i, (s, hram)) in ss.iter().zip(&hrams).enumerate() {
        let drawn = Sha512::new()
            .chain_update(seed)
            .chain_update((i as u64).to_le_bytes())
            .finalize();
        let mut z = [0u8; 16];
        z.copy_from_slice(&drawn[..16]);
        let z = Scalar::from(u128::from_le_bytes(z));
        B_coefficient += z * s;
        keys[key_of[i]].2 += z * hram;
        zs.push(z);
    }
    let identity = EdwardsPoint::vartime_multiscalar_mul(
        std::iter::once(-B_coefficient)
            .chain(zs)
            .chain(keys.iter().map(|(_, _, zk)| *zk)),
        std::iter::once(curve25519_dalek::constants::ED25519_BASEPOINT_POINT)
            .chain(Rs)
            .chain(keys.iter().map(|(_, A, _)| *A)),
    );
    identity.is_identity()
}

/// Whether the y of a point's encoding (its low 255 bits) is below the field's modulus
/// p = 2^255 - 19. Of a point that decodes and is not of small order, this is exactly whether
/// its encoding is the canonical one: an encoding decodes y modulo p, and the sign bit of a
/// non-zero x is kept as given (only (0, 1) and (0, -1), both of small order, have x = 0).
fn y_is_canonical(encoded: &[u8; 32]) -> bool {
    // p is ed ff … ff 7f in little-endian bytes: y >= p only if every bit above the low byte
    // is set and the low byte is at least 0xed.
    let high_all_set = encoded[31] & 0x7f == 0x7f && encoded[1..31].iter().all(|&b| b == 0xff);
    !(high_all_set && encoded[0] >= 0xed)
}

/// The point (0, -1), of order 2.
#[cfg(test)]
fn order_two_point() -> curve25519_dalek::EdwardsPoint {
    let mut bytes = [0xffu8; 32];
    bytes[0] = 0xec;
    bytes[31] = 0x7f;
    curve25519_dalek::edwards::CompressedEdwardsY(bytes)
        .decompress()
        .expect("(0, -1) is on the curve")
}

/// What a signer can build on purpose: an Ed25519 signature by `secret` whose R holds the
/// point of order 2 besides `[r]B`. Strict verification refuses it; a batch equation accepts
/// it when the coefficient the batch draws for it is even.
#[cfg(test)]
pub(crate) fn sign_with_torsion(secret: &DeviceSecret, message: &[u8], nonce: u8) -> [u8; 64] {
    use curve25519_dalek::{EdwardsPoint, Scalar};
    use sha2::{Digest, Sha512};
    let wide = |parts: &[&[u8]]| {
        let mut h = Sha512::new();
        for p in parts {
            h.update(p);
        }
        let mut out = [0u8; 64];
        out.copy_from_slice(&h.finalize());
        Scalar::from_bytes_mod_order_wide(&out)
    };
    let r = wide(&[b"nonce", &[nonce], message]);
    let big_r = (EdwardsPoint::mul_base(&r) + order_two_point()).compress();
    let k = wide(&[big_r.as_bytes(), &secret.device_id().0, message]);
    let s = r + k * secret.0.to_scalar();
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(big_r.as_bytes());
    sig[32..].copy_from_slice(s.as_bytes());
    sig
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_redacted_in_debug() {
        let secret = DeviceSecret::from_bytes(&[42u8; 32]);
        let shown = format!("{secret:?}");
        assert!(shown.contains("redacted"));
        let hex_secret = hex::encode([42u8; 32]);
        assert!(!shown.contains(&hex_secret));
        assert!(!shown.contains("42, 42"));
    }

    #[test]
    fn signatures_verify_only_with_the_right_key() {
        let a = DeviceSecret::from_bytes(&[1u8; 32]);
        let b = DeviceSecret::from_bytes(&[2u8; 32]);
        let sig = a.sign(b"bonjour");
        assert!(verify_signature(&a.device_id(), b"bonjour", &sig));
        assert!(!verify_signature(&b.device_id(), b"bonjour", &sig));
        assert!(!verify_signature(&a.device_id(), b"bonjouR", &sig));
    }

    /// The batch equation (one key's terms added together, R decompressed once) answers as
    /// strict verification one by one and as ed25519-dalek's `verify_batch`, on batches of
    /// one to three authors where one signature at most is spoiled in one of the ways a
    /// batch could let through: another message, another key, s or R of another signature,
    /// s not reduced (s + l), a flipped bit.
    #[test]
    fn the_batch_answers_as_strict_verification_and_dalek() {
        use curve25519_dalek::Scalar;
        let authors: Vec<DeviceSecret> = (1..=3u8)
            .map(|b| DeviceSecret::from_bytes(&[b; 32]))
            .collect();
        // l, the group's order, little-endian: s + l is the same scalar, not reduced.
        let l = Scalar::ZERO - Scalar::ONE;
        let mut checked = [0usize; 2];
        for case in 0..96usize {
            let size = 1 + case % 7;
            let mut items: Vec<(DeviceId, Vec<u8>, [u8; 64])> = (0..size)
                .map(|i| {
                    let author = &authors[(case / 7 + i * (case % 3)) % authors.len()];
                    let message = format!("entrée {case} {i}").into_bytes();
                    let sig = author.sign(&message);
                    (author.device_id(), message, sig)
                })
                .collect();
            let victim = case % size;
            match case % 7 {
                0 => items[victim].1.push(b'!'),
                1 => items[victim].0 = authors[(case + 1) % 3].device_id(),
                2 if size > 1 => {
                    let other = items[(victim + 1) % size].2;
                    items[victim].2[32..].copy_from_slice(&other[32..]);
                }
                3 if size > 1 => {
                    let other = items[(victim + 1) % size].2;
                    items[victim].2[..32].copy_from_slice(&other[..32]);
                }
                4 => {
                    // s + l, with l - 1 + 1 computed without reduction.
                    let mut s = [0u8; 32];
                    s.copy_from_slice(&items[victim].2[32..]);
                    let l_bytes = {
                        let mut b = l.to_bytes();
                        b[0] = b[0].wrapping_add(1);
                        b
                    };
                    let mut carry = 0u16;
                    for (si, li) in s.iter_mut().zip(l_bytes) {
                        let sum = u16::from(*si) + u16::from(li) + carry;
                        *si = sum as u8;
                        carry = sum >> 8;
                    }
                    items[victim].2[32..].copy_from_slice(&s);
                }
                5 => items[victim].2[(case * 13) % 64] ^= 1 << (case % 8),
                _ => {}
            }
            let strict = items.iter().all(|(k, m, s)| verify_signature(k, m, s));
            let dalek = {
                let keys: Vec<_> = items
                    .iter()
                    .map(|(k, _, _)| k.verifying_key().unwrap())
                    .collect();
                let sigs: Vec<_> = items
                    .iter()
                    .map(|(_, _, s)| ed25519_dalek::Signature::from_bytes(s))
                    .collect();
                let messages: Vec<&[u8]> = items.iter().map(|(_, m, _)| m.as_slice()).collect();
                ed25519_dalek::verify_batch(&messages, &sigs, &keys).is_ok()
            };
            assert_eq!(verify_signatures_batch(&items), strict, "case {case}");
            assert_eq!(
                verify_signatures_batch_strict(&items),
                strict,
                "case {case}"
            );
            assert_eq!(dalek, strict, "case {case}");
            checked[usize::from(strict)] += 1;
        }
        // Both answers were met often.
        assert!(checked[0] > 60 && checked[1] > 10, "{checked:?}");
    }

    /// `y_is_canonical` answers as compressing the decoded point again would, for every
    /// encoding the batch keeps (it decodes, not of small order): every non-canonical y, its
    /// canonical counterpart, and points of the group with either sign bit.
    #[test]
    fn a_canonical_y_is_a_canonical_encoding_for_points_not_of_small_order() {
        use curve25519_dalek::edwards::CompressedEdwardsY;
        use curve25519_dalek::{EdwardsPoint, Scalar};
        let mut encodings: Vec<[u8; 32]> = Vec::new();
        // Every y from p to 2^255 - 1, with either sign bit: the only non-canonical y.
        for low in 0xedu8..=0xff {
            for sign in [0u8, 0x80] {
                let mut e = [0xffu8; 32];
                e[0] = low;
                e[31] = 0x7f | sign;
                encodings.push(e);
            }
        }
        // Their canonical counterparts (y from 0 to 18), and points of the group.
        for y in 0u8..19 {
            for sign in [0u8, 0x80] {
                let mut e = [0u8; 32];
                e[0] = y;
                e[31] = sign;
                encodings.push(e);
            }
        }
        for i in 1u64..200 {
            let p = EdwardsPoint::mul_base(&Scalar::from(i * 7919));
            encodings.push(p.compress().to_bytes());
            let mut negated_sign = p.compress().to_bytes();
            negated_sign[31] ^= 0x80;
            encodings.push(negated_sign);
        }
        let mut decoded_non_canonical = 0;
        for e in encodings {
            let Some(point) = CompressedEdwardsY(e).decompress() else {
                continue;
            };
            if point.is_small_order() {
                continue;
            }
            let canonical = point.compress().to_bytes() == e;
            assert_eq!(y_is_canonical(&e), canonical, "{e:02x?}");
            decoded_non_canonical += usize::from(!canonical);
        }
        // Some non-canonical encodings do decode to points not of small order.
        assert!(decoded_non_canonical > 0);
    }

    /// A signer can put a torsion component in R so that a batch equation accepts its
    /// signature while strict verification refuses it (half the time, with the point of order
    /// 2). The batch for received entries refuses it, as strict verification does. Fails with
    /// [`verify_signatures_batch`] in its place.
    #[test]
    fn the_strict_batch_refuses_a_signature_with_torsion_in_r() {
        let a = DeviceSecret::from_bytes(&[1u8; 32]);
        let good = (a.device_id(), b"bonne".to_vec(), a.sign(b"bonne"));
        let message = b"avec torsion".to_vec();
        let accepted_by_plain_batch = (0..64u8)
            .map(|nonce| {
                (
                    a.device_id(),
                    message.clone(),
                    sign_with_torsion(&a, &message, nonce),
                )
            })
            .find(|bad| verify_signatures_batch(&[good.clone(), bad.clone()]));
        let Some(bad) = accepted_by_plain_batch else {
            panic!("no torsion signature the plain batch accepts in 64 tries (1 chance in 2^64)");
        };
        assert!(!verify_signature(&bad.0, &bad.1, &bad.2));
        assert!(!verify_signatures_batch_strict(&[
            good.clone(),
            bad.clone()
        ]));
        assert!(!verify_signatures_batch_strict(&[bad, good.clone()]));
        let other = (a.device_id(), b"autre".to_vec(), a.sign(b"autre"));
        assert!(verify_signatures_batch_strict(&[good, other]));
    }

    /// A key with a torsion component sends the batch to one-by-one verification (which
    /// alone decides for such a key), even for signatures strict verification accepts.
    #[test]
    fn the_strict_batch_leaves_a_key_with_torsion_to_strict_verification() {
        use curve25519_dalek::edwards::CompressedEdwardsY;
        let a = DeviceSecret::from_bytes(&[1u8; 32]);
        let key = a.device_id();
        let point = CompressedEdwardsY(key.0).decompress().unwrap();
        let twisted = DeviceId((point + order_two_point()).compress().to_bytes());
        let sig = a.sign(b"bonne");
        assert!(!verify_signatures_batch_strict(&[
            (key, b"bonne".to_vec(), sig),
            (twisted, b"bonne".to_vec(), sig)
        ]));
        assert!(verify_signatures_batch_strict(&[
            (key, b"bonne".to_vec(), sig),
            (key, b"bonne".to_vec(), sig)
        ]));
    }
}
