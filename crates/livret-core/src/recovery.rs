//! The family's recovery key: an ed25519 key made an owner of every livret of the family, kept
//! only on paper as 24 French words (BIP-39, French list: 256 bits of entropy and an 8-bit
//! checksum), and the proof a new device sends to be re-authorized with it.
//!
//! The 32 bytes of entropy the words encode *are* the ed25519 secret. Words are matched
//! without accents and in any case (the French list stays unique without its accents), so
//! `ecole` and `école` are the same word; the checksum catches a wrong or missing word.

use zeroize::Zeroizing;

use crate::error::{CoreError, OutOfScope, WordsProblem};
use crate::identity::{verify_signature, DeviceSecret};
use crate::ids::DeviceId;

/// The device name of the recovery key in owner records.
pub const RECOVERY_OWNER_NAME: &str = "Clé de secours";
/// How many words a recovery key has.
pub const WORD_COUNT: usize = 24;
/// How far apart (seconds) the proof's time and the holder's clock may be.
pub const MAX_CLOCK_SKEW: i64 = 10 * 60;
/// The domain tag of a recovery proof's signed message.
const PROOF_TAG: &[u8] = b"livret/recover/1";

/// A recovery key: its secret lives only while the key is in memory (zeroized on drop).
#[derive(Clone)]
pub struct RecoveryKey {
    secret: DeviceSecret,
}

impl std::fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecoveryKey(<redacted> of {})", self.public().short())
    }
}

fn words_error(problem: WordsProblem) -> CoreError {
    CoreError::OutOfScope(OutOfScope::RecoveryWords(problem))
}

/// A word of the list without its accents (the list holds é and è, decomposed).
fn plain(word: &str) -> String {
    word.chars()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'à' | 'â' | 'ä' | 'À' | 'Â' => 'a',
            'î' | 'ï' | 'Î' | 'Ï' => 'i',
            'ô' | 'ö' | 'Ô' => 'o',
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' => 'u',
            'ç' | 'Ç' => 'c',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// A word of the list as people write it (é and è composed).
fn composed(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        match c {
            '\u{301}' if out.ends_with('e') => {
                out.pop();
                out.push('é');
            }
            '\u{300}' if out.ends_with('e') => {
                out.pop();
                out.push('è');
            }
            c => out.push(c),
        }
    }
    out
}

impl RecoveryKey {
    /// The key of 32 secret bytes (random, from the caller: core draws no randomness).
    pub fn from_entropy(bytes: &[u8; 32]) -> RecoveryKey {
        RecoveryKey {
            secret: DeviceSecret::from_bytes(bytes),
        }
    }

    /// The key the 24 words encode. Words may be separated by spaces, commas or new lines,
    /// numbered (`1. abeille`), written with or without accents, in any case.
    pub fn from_words(text: &str) -> Result<RecoveryKey, CoreError> {
        let list = bip39::Language::French.word_list();
        let given: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .map(|w| w.trim_matches(|c: char| c == '.' || c == ')' || c == ':'))
            .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
            .collect();
        if given.len() != WORD_COUNT {
            return Err(words_error(WordsProblem::Count {
                read: given.len(),
                expected: WORD_COUNT,
            }));
        }
        let mut canonical = Zeroizing::new(String::new());
        for (i, w) in given.iter().enumerate() {
            let p = plain(w);
            let Some(found) = list.iter().find(|l| plain(l) == p) else {
                return Err(words_error(WordsProblem::NotInList {
                    position: i + 1,
                    word: w.to_string(),
                }));
            };
            if i > 0 {
                canonical.push(' ');
            }
            canonical.push_str(found);
        }
        let mnemonic = bip39::Mnemonic::parse_in_normalized(bip39::Language::French, &canonical)
            .map_err(|_| words_error(WordsProblem::Checksum))?;
        let (entropy, len) = mnemonic.to_entropy_array();
        let entropy = Zeroizing::new(entropy);
        let bytes: Zeroizing<[u8; 32]> = Zeroizing::new(
            entropy
                .get(..len)
                .and_then(|e| <[u8; 32]>::try_from(e).ok())
                .ok_or_else(|| words_error(WordsProblem::Entropy))?,
        );
        Ok(RecoveryKey::from_entropy(&bytes))
    }

    /// The 24 words, in order, as people write them (French, with accents).
    pub fn words(&self) -> Result<Zeroizing<Vec<String>>, CoreError> {
        let bytes = self.secret.to_bytes();
        let mnemonic = bip39::Mnemonic::from_entropy_in(bip39::Language::French, &bytes[..])
            .map_err(|e| words_error(WordsProblem::Encoding(e.to_string())))?;
        Ok(Zeroizing::new(mnemonic.words().map(composed).collect()))
    }

    /// The public key: the owner named in the livrets' owner records.
    pub fn public(&self) -> DeviceId {
        self.secret.device_id()
    }

    /// The signing key (to sign an owner record for a device, e.g. on import).
    pub fn secret(&self) -> &DeviceSecret {
        &self.secret
    }

    /// A proof that whoever holds the words asks, at `at`, for `device` to become an owner.
    pub fn prove(&self, device: &DeviceId, at: i64) -> RecoveryProof {
        RecoveryProof {
            key: self.public(),
            at,
            signature: self.secret.sign(&proof_message(device, at)),
        }
    }
}

/// What a new device sends to a holder of the livrets: the recovery public key, a time and a
/// signature by the recovery key over (domain tag, the new device's key, that time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryProof {
    /// The recovery key (public).
    pub key: DeviceId,
    /// When the proof was made (seconds since 1970).
    pub at: i64,
    /// The signature.
    pub signature: [u8; 64],
}

/// Why a proof is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofProblem {
    /// The signature does not verify for this sender (made for another device, or forged).
    BadSignature,
    /// The time is more than [`MAX_CLOCK_SKEW`] from the holder's clock.
    Stale,
}

impl ProofProblem {
    /// The French explanation.
    pub fn french(self) -> &'static str {
        match self {
            ProofProblem::BadSignature => {
                "preuve de secours invalide : elle n'a pas été faite pour cet appareil"
            }
            ProofProblem::Stale => {
                "preuve de secours périmée (plus de 10 minutes d'écart) : vérifiez l'heure des deux appareils"
            }
        }
    }
}

fn proof_message(device: &DeviceId, at: i64) -> Vec<u8> {
    let mut m = PROOF_TAG.to_vec();
    m.extend_from_slice(&device.0);
    m.extend_from_slice(&at.to_be_bytes());
    m
}

impl RecoveryProof {
    /// Checks the proof was made by its key for `sender` (the Noise-authenticated peer)
    /// within [`MAX_CLOCK_SKEW`] of `now`.
    pub fn check(&self, sender: &DeviceId, now: i64) -> Result<(), ProofProblem> {
        if !verify_signature(&self.key, &proof_message(sender, self.at), &self.signature) {
            return Err(ProofProblem::BadSignature);
        }
        if (now - self.at).abs() > MAX_CLOCK_SKEW {
            return Err(ProofProblem::Stale);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_with_or_without_accents_and_checksum_catches_errors() {
        let key = RecoveryKey::from_entropy(&[7u8; 32]);
        let words = key.words().unwrap();
        assert_eq!(words.len(), WORD_COUNT);
        let text = words.join(" ");
        assert_eq!(
            RecoveryKey::from_words(&text).unwrap().public(),
            key.public()
        );
        let numbered: String = words
            .iter()
            .enumerate()
            .map(|(i, w)| format!("{}. {}\n", i + 1, plain(w).to_uppercase()))
            .collect();
        assert_eq!(
            RecoveryKey::from_words(&numbered).unwrap().public(),
            key.public()
        );
        // Two words swapped: the checksum fails (almost surely; checked for this key).
        let mut swapped: Vec<String> = words.to_vec();
        swapped.swap(0, 1);
        if swapped != *words {
            assert!(RecoveryKey::from_words(&swapped.join(" ")).is_err());
        }
        assert!(RecoveryKey::from_words("abeille abeille").is_err());
        let mut unknown: Vec<String> = words.to_vec();
        unknown[3] = "ordinateur".into();
        let err = RecoveryKey::from_words(&unknown.join(" ")).unwrap_err();
        assert!(err.to_string().contains("word 4"), "{err}");
        // The refusal is typed, so it speaks both languages.
        assert_eq!(
            crate::Localized::localized(&err, crate::Lang::Fr),
            "mots de secours refusés : le mot n° 4 (« ordinateur ») n'est pas dans la liste des mots de secours"
        );
        assert_eq!(
            crate::Localized::localized(&err, crate::Lang::En),
            "recovery words refused: word 4 (\"ordinateur\") is not in the list of recovery words"
        );
        assert!(!format!("{key:?}").contains(&words[0]));
    }

    #[test]
    fn a_proof_binds_its_sender_and_time() {
        let key = RecoveryKey::from_entropy(&[9u8; 32]);
        let a = DeviceSecret::from_bytes(&[1; 32]).device_id();
        let b = DeviceSecret::from_bytes(&[2; 32]).device_id();
        let proof = key.prove(&a, 1_000_000);
        assert_eq!(proof.check(&a, 1_000_100), Ok(()));
        assert_eq!(proof.check(&b, 1_000_100), Err(ProofProblem::BadSignature));
        assert_eq!(proof.check(&a, 1_000_601), Err(ProofProblem::Stale));
        assert_eq!(proof.check(&a, 999_399), Err(ProofProblem::Stale));
    }
}
