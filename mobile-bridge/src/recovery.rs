//! [`RecoverySheet`]: the family's recovery words, as an object rather than a record so that
//! they never appear in a `toString()`, a `description` or a `repr()` an app might log (a
//! Kotlin data class or a Swift struct prints every field). The words are read with
//! [`RecoverySheet::words`]; the bridge's copy is wiped when the object is released.

use crate::error::Result;

/// A recovery sheet just printed (`recovery_print`): 24 words the family writes down or prints
/// (`pdf`), never stored on any device. Anyone holding them can become an owner of the
/// family's livrets: show them on screen only while the parent copies them, and do not log
/// them.
#[derive(uniffi::Object)]
pub struct RecoverySheet {
    sheet: livret::recovery::RecoverySheet,
    /// The name printed on the sheet (this device's name).
    family: String,
    /// The date printed on the sheet (YYYY-MM-DD).
    date: String,
}

impl std::fmt::Debug for RecoverySheet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // livret's Debug leaves the words out.
        self.sheet.fmt(f)
    }
}

impl RecoverySheet {
    pub(crate) fn new(
        sheet: livret::recovery::RecoverySheet,
        family: String,
        date: String,
    ) -> Self {
        RecoverySheet {
            sheet,
            family,
            date,
        }
    }
}

#[uniffi::export]
impl RecoverySheet {
    /// The 24 words, in order (French, with accents).
    pub fn words(&self) -> Vec<String> {
        self.sheet.words.to_vec()
    }

    /// The recovery public key (base32), now an owner of the family's livrets.
    pub fn public_key(&self) -> String {
        self.sheet.public_key.clone()
    }

    /// The livrets the key was made an owner of (it will own those created later on this
    /// device too).
    pub fn livrets(&self) -> Vec<String> {
        self.sheet.livrets.clone()
    }

    /// The previous sheet's key, if one was printed before: now revoked, that sheet restores
    /// nothing more and should be destroyed.
    pub fn previous(&self) -> Option<String> {
        self.sheet.previous.clone()
    }

    /// The sheet as a one-page A4 PDF (French): the words, this device's name and the date.
    pub fn pdf(&self) -> Result<Vec<u8>> {
        Ok(self.sheet.pdf(&self.family, &self.date)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroize::Zeroizing;

    #[test]
    fn debug_leaves_the_words_out() {
        let words: Vec<String> = (0..24).map(|i| format!("motsecret{i}")).collect();
        let sheet = RecoverySheet::new(
            livret::recovery::RecoverySheet {
                words: Zeroizing::new(words),
                public_key: "CLEPUBLIQUE".into(),
                livrets: vec!["L1".into()],
                previous: None,
            },
            "Maman".into(),
            "2025-09-01".into(),
        );
        let shown = format!("{sheet:?} {sheet:#?}");
        assert!(shown.contains("CLEPUBLIQUE"), "{shown}");
        assert!(!shown.contains("motsecret"), "{shown}");
        assert_eq!(sheet.words().len(), 24);
    }
}
