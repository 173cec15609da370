//! The seal of a printed page: the short signed forms of the entries printed on it, in one QR
//! code, so that a sheet of paper can be checked offline.
//!
//! Layout: `LIVRET-SCEAU:` + base32 (RFC 4648, upper case, no padding) of the raw DEFLATE
//! (RFC 1951) of the CBOR array `[1, [short_form, ...]]`, each short form being the entry's
//! COSE_Sign1 bytes exactly as signed (codes, levels, marks, SHA-256 digests of the long texts,
//! author key, time and signature). Every character is in the QR alphanumeric set, so the text
//! is encoded at 5.5 bits a character. A seal must fit one QR code, version 40 at level M.
//!
//! Verification never re-encodes: each short form's signature is checked over the bytes read.

use livret_core::cbor;
use livret_core::content::{entry_key, section_of};
use livret_core::cose::{Envelope, Kind};
use livret_core::entry::{digest_text, EntryPayload, MAX_SHORT_FORM_BYTES};
use livret_core::{Lang, Localized};
use serde::{Deserialize, Serialize};

/// What a seal's text starts with.
pub const SEAL_PREFIX: &str = "LIVRET-SCEAU:";
/// The largest QR version a seal may need (level M).
pub const MAX_SEAL_VERSION: i16 = 40;
/// The most entries one seal may carry.
pub const MAX_SEAL_ENTRIES: usize = 64;
/// The largest decompressed seal accepted (a bound against decompression bombs).
const MAX_INFLATED: usize = MAX_SEAL_ENTRIES * (MAX_SHORT_FORM_BYTES + 8) + 16;
/// The seal format version.
const SEAL_VERSION: u8 = 1;

/// Why a seal could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The text does not start with `LIVRET-SCEAU:`.
    #[error("ce n'est pas un sceau de livret (le texte doit commencer par « LIVRET-SCEAU: »)")]
    NotASeal,
    /// The base32, DEFLATE or CBOR layers are damaged.
    #[error("sceau illisible : {0}")]
    Damaged(String),
    /// Too many entries, or too large for one QR code.
    #[error("sceau trop grand : {0}")]
    TooLarge(String),
    /// No QR code found in an image.
    #[error("aucun code QR lisible dans l'image : {0}")]
    NoQr(String),
}

impl Localized for SealError {
    fn localized(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => self.to_string(),
            Lang::En => match self {
                SealError::NotASeal => {
                    "not a livret seal (the text must start with \"LIVRET-SCEAU:\")".into()
                }
                SealError::Damaged(d) => format!("unreadable seal: {d}"),
                SealError::TooLarge(d) => format!("seal too large: {d}"),
                SealError::NoQr(d) => format!("no readable QR code in the image: {d}"),
            },
        }
    }
}

/// One short form, as a CBOR byte string.
#[derive(Serialize, Deserialize)]
struct ShortForm(#[serde(with = "cbor::bytes")] Vec<u8>);

/// The CBOR body of a seal: `[version, [short forms]]`.
#[derive(Serialize, Deserialize)]
struct SealBody(u8, Vec<ShortForm>);

/// The text of the seal of these short forms (COSE_Sign1 bytes of entries).
pub fn encode(short_forms: &[Vec<u8>]) -> Result<String, SealError> {
    if short_forms.len() > MAX_SEAL_ENTRIES {
        return Err(SealError::TooLarge(format!(
            "{} inscriptions, au plus {MAX_SEAL_ENTRIES}",
            short_forms.len()
        )));
    }
    let body = SealBody(
        SEAL_VERSION,
        short_forms.iter().map(|s| ShortForm(s.clone())).collect(),
    );
    let cbor_bytes = cbor::to_vec(&body);
    let deflated = miniz_oxide::deflate::compress_to_vec(&cbor_bytes, 10);
    Ok(format!(
        "{SEAL_PREFIX}{}",
        data_encoding::BASE32_NOPAD.encode(&deflated)
    ))
}

/// The QR version a seal text needs at level M, if it fits version 40.
pub fn qr_version(text: &str) -> Option<i16> {
    crate::qr::Qr::new(text)
        .ok()
        .map(|q| q.version())
        .filter(|v| *v <= MAX_SEAL_VERSION)
}

/// The short forms carried by a seal text (blanks and line breaks are ignored; lower case is
/// accepted).
pub fn decode(text: &str) -> Result<Vec<Vec<u8>>, SealError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let upper = compact.to_ascii_uppercase();
    let Some(b32) = upper.strip_prefix(SEAL_PREFIX) else {
        return Err(SealError::NotASeal);
    };
    let deflated = data_encoding::BASE32_NOPAD
        .decode(b32.as_bytes())
        .map_err(|e| SealError::Damaged(format!("base32 : {e}")))?;
    let inflated = miniz_oxide::inflate::decompress_to_vec_with_limit(&deflated, MAX_INFLATED)
        .map_err(|e| SealError::Damaged(format!("compression : {e:?}")))?;
    let body: SealBody = cbor::from_slice(&inflated, MAX_INFLATED, "seal")
        .map_err(|e| SealError::Damaged(e.to_string()))?;
    if body.0 != SEAL_VERSION {
        return Err(SealError::Damaged(format!("version {} inconnue", body.0)));
    }
    if body.1.len() > MAX_SEAL_ENTRIES {
        return Err(SealError::TooLarge(format!(
            "{} inscriptions",
            body.1.len()
        )));
    }
    Ok(body.1.into_iter().map(|s| s.0).collect())
}

/// Reads the seal in a picture (PNG, or any format the `image` crate was built for): the first
/// QR code found whose text is a seal.
pub fn decode_png(bytes: &[u8]) -> Result<Vec<Vec<u8>>, SealError> {
    let img = image::load_from_memory(bytes)
        .map_err(|e| SealError::NoQr(e.to_string()))?
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    if grids.is_empty() {
        return Err(SealError::NoQr("aucun motif de code QR détecté".into()));
    }
    let mut last = SealError::NoQr("code QR illisible".into());
    for grid in grids {
        match grid.decode() {
            Ok((_, text)) => match decode(&text) {
                Ok(forms) => return Ok(forms),
                Err(e) => last = e,
            },
            Err(e) => last = SealError::NoQr(e.to_string()),
        }
    }
    Err(last)
}

/// A short form once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedEntry {
    /// The bytes as found in the seal.
    pub short_form: Vec<u8>,
    /// The signed payload, when it could be decoded.
    pub payload: Option<EntryPayload>,
    /// `None` when the signature verifies under the stated author and the entry sits at the
    /// section and key its content implies; otherwise why not, in French.
    pub problem: Option<String>,
}

impl SealedEntry {
    /// Whether the signature verifies and the entry is consistent.
    pub fn is_valid(&self) -> bool {
        self.problem.is_none() && self.payload.is_some()
    }
}

/// Checks one short form: decodes it, verifies the signature against the author it names,
/// and checks that its section and key are the ones its content implies.
pub fn verify_short_form(bytes: &[u8]) -> SealedEntry {
    let fail = |payload: Option<EntryPayload>, why: String| SealedEntry {
        short_form: bytes.to_vec(),
        payload,
        problem: Some(why),
    };
    let env = match Envelope::parse(bytes, Kind::Entry, MAX_SHORT_FORM_BYTES) {
        Ok(e) => e,
        Err(e) => return fail(None, format!("forme courte illisible : {e}")),
    };
    let payload: EntryPayload = match cbor::from_slice(env.payload(), MAX_SHORT_FORM_BYTES, "entry")
    {
        Ok(p) => p,
        Err(e) => return fail(None, format!("contenu illisible : {e}")),
    };
    if payload.version != 1 {
        let v = payload.version;
        return fail(Some(payload), format!("version {v} inconnue"));
    }
    if !env.verify(&payload.author_id()) {
        return fail(
            Some(payload),
            "signature invalide : le contenu signé a été modifié ou n'est pas de l'auteur indiqué"
                .into(),
        );
    }
    if section_of(&payload.content) != payload.section || entry_key(&payload.content) != payload.key
    {
        return fail(
            Some(payload),
            "section ou clé incohérente avec le contenu signé".into(),
        );
    }
    SealedEntry {
        short_form: bytes.to_vec(),
        payload: Some(payload),
        problem: None,
    }
}

/// Checks every short form of a seal.
pub fn verify(short_forms: &[Vec<u8>]) -> Vec<SealedEntry> {
    short_forms.iter().map(|b| verify_short_form(b)).collect()
}

/// Whether `text` is the text whose digest the payload carries at position `index`.
pub fn text_matches(payload: &EntryPayload, index: usize, text: &str) -> bool {
    payload
        .content
        .digests()
        .get(index)
        .is_some_and(|d| *d == digest_text(text))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use livret_core::content;
    use livret_core::entry::SignedEntry;
    use livret_core::vocab::{
        Appreciation, Discipline, DisciplineCode, Evaluation, Millesime, Period, Positioning,
    };
    use livret_core::{DeviceSecret, LivretId};

    pub(crate) fn entries(n: usize) -> Vec<SignedEntry> {
        let teacher = DeviceSecret::from_bytes(&[7; 32]);
        let codes = [
            "FRANCS", "MATHEM", "HISGEO", "ANGLV1", "ESPLV2", "SVTERR", "PHYCHI", "TECHNO",
            "ARTPLA", "EDMUSI", "EPSPOR", "LATINL", "GRECAN", "ALLLV1", "ALLLV2", "ITALV2",
        ];
        (0..n)
            .map(|i| {
                let code = DisciplineCode::parse(codes[i % codes.len()]).unwrap();
                let draft = content::subject(
                    Millesime::new(2025).unwrap(),
                    Period::new(1 + (i / codes.len()) as u8 % 3, 3).unwrap(),
                    &Discipline::known(&code).unwrap(),
                    &Evaluation::Level(Positioning::from_value(1 + (i % 4) as u8).unwrap()),
                    &Appreciation::new(&format!("Appréciation n°{i}, élève sérieux.")).unwrap(),
                );
                SignedEntry::sign(
                    &teacher,
                    LivretId([3; 16]),
                    draft.section,
                    &draft.key,
                    draft.content,
                    draft.texts,
                    1_760_000_000 + i as i64,
                )
            })
            .collect()
    }

    #[test]
    fn a_seal_round_trips_and_verifies() {
        let es = entries(8);
        let forms: Vec<Vec<u8>> = es.iter().map(|e| e.short_form.clone()).collect();
        let text = encode(&forms).unwrap();
        assert!(text.starts_with(SEAL_PREFIX));
        assert!(text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ':' || c == '-'));
        let v = qr_version(&text).unwrap();
        assert!(v <= 32, "version {v} for 8 entries ({} chars)", text.len());
        let back = decode(&text.to_lowercase()).unwrap();
        assert_eq!(back, forms);
        let checked = verify(&back);
        assert!(checked.iter().all(SealedEntry::is_valid));
        let p = checked[0].payload.as_ref().unwrap();
        assert!(text_matches(p, 0, &es[0].texts[0]));
        assert!(!text_matches(p, 0, "Autre texte"));
        assert!(!text_matches(p, 1, &es[0].texts[0]));
    }

    #[test]
    fn twelve_entries_fit_one_qr_code() {
        let forms: Vec<Vec<u8>> = entries(12).iter().map(|e| e.short_form.clone()).collect();
        let text = encode(&forms).unwrap();
        assert!(qr_version(&text).is_some(), "{} chars", text.len());
    }

    #[test]
    fn an_altered_short_form_fails() {
        let forms: Vec<Vec<u8>> = entries(3).iter().map(|e| e.short_form.clone()).collect();
        for i in 0..forms[1].len() {
            let mut altered = forms.clone();
            altered[1][i] ^= 0x04;
            let text = encode(&altered).unwrap();
            let checked = verify(&decode(&text).unwrap());
            assert!(checked[0].is_valid() && checked[2].is_valid());
            assert!(!checked[1].is_valid(), "byte {i} altered went unnoticed");
        }
    }

    #[test]
    fn damaged_texts_are_refused() {
        assert_eq!(decode("LIVRET:ABC"), Err(SealError::NotASeal));
        assert!(matches!(
            decode("LIVRET-SCEAU:0189"),
            Err(SealError::Damaged(_))
        ));
        let text = encode(&[vec![1, 2, 3]]).unwrap();
        let cut = &text[..text.len() - 4];
        assert!(decode(cut).is_err());
        // A short form that is not a COSE_Sign1 decodes but does not verify.
        let checked = verify(&decode(&text).unwrap());
        assert!(!checked[0].is_valid());
        assert!(checked[0].problem.as_deref().unwrap().contains("illisible"));
    }

    #[test]
    fn a_seal_is_read_back_from_a_png() {
        let forms: Vec<Vec<u8>> = entries(6).iter().map(|e| e.short_form.clone()).collect();
        let text = encode(&forms).unwrap();
        let png = crate::qr::Qr::new(&text).unwrap().to_png().unwrap();
        assert_eq!(decode_png(&png).unwrap(), forms);
        assert!(matches!(decode_png(b"not a png"), Err(SealError::NoQr(_))));
    }
}
