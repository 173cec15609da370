//! Each stored document's Automerge heads, kept beside it in the store (issue 17): a session's
//! hello lists every document it may send with its heads, and a document whose heads equal
//! the peer's is not synced; reading the heads costs one small decryption instead of loading,
//! decrypting and decoding the whole document.
//!
//! The store ties the heads to the stored bytes they were taken from
//! ([`livret_store::StoreTx::put_section_heads`]): a write that does not record them makes them
//! stale, and the document is then loaded as before. Writers record them in the transaction
//! that writes the document.

use automerge::ChangeHash;
use livret_core::LivretId;
use livret_store::StoreTx;

use crate::device::Device;
use crate::error::Result;

/// The heads' stored form: their 32-byte hashes, sorted, one after the other.
fn encode(heads: &[ChangeHash]) -> Vec<u8> {
    let mut sorted = heads.to_vec();
    sorted.sort();
    sorted.iter().flat_map(|h| h.0).collect()
}

/// The heads, or `None` if the bytes are not whole hashes.
fn decode(bytes: &[u8]) -> Option<Vec<ChangeHash>> {
    if !bytes.len().is_multiple_of(32) {
        return None;
    }
    bytes
        .chunks_exact(32)
        .map(|c| ChangeHash::try_from(c).ok())
        .collect()
}

/// Whether the stored copy of document `name` of `livret` is known, by its recorded heads, to
/// be `saved` (the heads a document in memory had at its last load or save). Only then does
/// appending that document's changes since make the stored copy equal to it: another writer
/// (a concurrent session, another process) may have appended its own changes meanwhile.
pub(crate) fn stored_are(
    tx: &StoreTx<'_>,
    livret: &str,
    name: &str,
    saved: &[ChangeHash],
) -> Result<bool> {
    Ok(tx.section_heads(livret, name)?.as_deref() == Some(encode(saved).as_slice()))
}

/// Records `heads` as those of document `name` of `livret` as just written in `tx`: the caller
/// wrote a whole snapshot of that document, or appended its changes to a stored copy that
/// [`stored_are`] its previous heads.
pub(crate) fn record(
    tx: &StoreTx<'_>,
    livret: &str,
    name: &str,
    heads: &[ChangeHash],
) -> Result<()> {
    tx.put_section_heads(livret, name, &encode(heads))?;
    Ok(())
}

impl Device {
    /// The heads of document `name` (a section's name or the manifest's) of `livret`, if they
    /// were recorded with its current stored bytes.
    pub(crate) fn stored_heads(
        &self,
        livret: LivretId,
        name: &str,
    ) -> Result<Option<Vec<ChangeHash>>> {
        Ok(self
            .store
            .section_heads(&livret.to_string(), name)?
            .and_then(|b| decode(&b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_round_trip_and_partial_hashes_are_refused() {
        let heads = vec![ChangeHash([1; 32]), ChangeHash([2; 32])];
        assert_eq!(decode(&encode(&heads)), Some(heads));
        assert_eq!(decode(&[]), Some(vec![]));
        assert_eq!(decode(&[0; 33]), None);
    }
}
