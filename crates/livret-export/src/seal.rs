//! The seal of a printed page: the short signed forms of the entries printed on it, in QR
//! codes, so that a sheet of paper can be checked offline, from a phone's photo.
//!
//! A seal's text is `LIVRET-SCEAU:` + base32 (RFC 4648, upper case, no padding) of the raw
//! DEFLATE (RFC 1951) of a CBOR array. Each short form is the entry's COSE_Sign1 bytes exactly
//! as signed (codes, levels, marks, SHA-256 digests of the long texts, author key, time and
//! signature). Every character is in the QR alphanumeric set (5.5 bits a character).
//!
//! - Format 1, one code: `[1, [short_form, ...]]`.
//! - Format 2, a page in parts (what the paper livret prints): `[2, page, part, parts,
//!   page_digest, [short_form, ...]]`. A page's short forms, in order, are split into `parts`
//!   QR codes (1 or 2 on the paper livret, each of version at most 20 at level M, so that
//!   each stays readable from a photo); each part holds whole short forms, at least one, and
//!   is verifiable alone. `page_digest` is the first 16 bytes of the SHA-256 of the CBOR array of all the
//!   page's short forms, in order: the same in every part. A page's seal is read only whole:
//!   every part from 1 to `parts` found once, all naming the same page, count and digest,
//!   and the digest recomputed over the assembled short forms equal to it; otherwise the
//!   seal is refused as incomplete or mixed.
//!
//! The parts' numbering and the page digest are not signed: they bind the codes of one
//! printed page together against a lost or mixed code, not against someone who reprints a
//! page. What a seal proves is what its short forms prove: each entry was signed by the key
//! it names, unaltered, and each printed text matches its signed digest.
//!
//! Verification never re-encodes: each short form's signature is checked over the bytes read.

use livret_core::cbor;
use livret_core::content::{entry_key, section_of};
use livret_core::cose::{Envelope, Kind};
use livret_core::entry::{digest_text, EntryPayload, MAX_SHORT_FORM_BYTES};
use livret_core::{Lang, Localized};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a seal's text starts with.
pub const SEAL_PREFIX: &str = "LIVRET-SCEAU:";
/// The largest QR version a seal may need (level M).
pub const MAX_SEAL_VERSION: i16 = 40;
/// The most entries one seal may carry.
pub const MAX_SEAL_ENTRIES: usize = 64;
/// The largest decompressed seal accepted (a bound against decompression bombs).
const MAX_INFLATED: usize = MAX_SEAL_ENTRIES * (MAX_SHORT_FORM_BYTES + 8) + 16;
/// The seal format version of a seal in one code.
const SEAL_VERSION: u8 = 1;
/// The seal format version of a page's seal in parts.
const PARTS_VERSION: u8 = 2;
/// The most QR codes one page's seal may take (printed far apart, at the two ends of the
/// seal band, so that no decoder mixes their finder patterns).
pub const MAX_PAGE_PARTS: usize = 2;
/// The largest QR version of one part of a page's seal (level M): 97 modules a side, six
/// alignment patterns, which a phone reads from a photo of the whole page.
pub const MAX_PART_VERSION: i16 = 20;
/// The length of a page digest.
const PAGE_DIGEST_BYTES: usize = 16;

/// Why a seal could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The text does not start with `LIVRET-SCEAU:`.
    #[error("not a livret seal (the text must start with \"LIVRET-SCEAU:\")")]
    NotASeal,
    /// The base32, DEFLATE or CBOR layers are damaged.
    #[error("unreadable seal: {0}")]
    Damaged(String),
    /// Too many entries, or too large for one QR code.
    #[error("seal too large: {0}")]
    TooLarge(String),
    /// No QR code found in an image.
    #[error("no readable QR code in the image: {0}")]
    NoQr(String),
    /// Some parts of a page's seal are missing, or parts of different seals are mixed.
    #[error("incomplete seal: {0}")]
    Incomplete(String),
}

impl Localized for SealError {
    fn localized(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Fr => match self {
                SealError::NotASeal => {
                    "ce n'est pas un sceau de livret (le texte doit commencer par « LIVRET-SCEAU: »)"
                        .into()
                }
                SealError::Damaged(d) => format!("sceau illisible : {d}"),
                SealError::TooLarge(d) => format!("sceau trop grand : {d}"),
                SealError::NoQr(d) => format!("aucun code QR lisible dans l'image : {d}"),
                SealError::Incomplete(d) => format!("sceau incomplet : {d}"),
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

/// The CBOR body of one part of a page's seal: `[version, page, part, parts, page digest,
/// [short forms]]`.
#[derive(Serialize, Deserialize)]
struct PartBody(
    u8,
    u16,
    u8,
    u8,
    #[serde(with = "cbor::bytes")] Vec<u8>,
    Vec<ShortForm>,
);

/// One QR code's worth of a seal, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealPart {
    /// The page it seals (from 1); `None` for a seal in one code (format 1).
    pub page: Option<u16>,
    /// Its number among the page's parts, from 1 (1 of 1 for format 1).
    pub part: u8,
    /// How many parts the page's seal has.
    pub parts: u8,
    /// The page digest every part of the page carries (empty for format 1).
    pub page_digest: Vec<u8>,
    /// The short forms it carries, in order.
    pub short_forms: Vec<Vec<u8>>,
}

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
    Ok(text_of(&cbor::to_vec(&body)))
}

fn text_of(cbor_bytes: &[u8]) -> String {
    let deflated = miniz_oxide::deflate::compress_to_vec(cbor_bytes, 10);
    format!(
        "{SEAL_PREFIX}{}",
        data_encoding::BASE32_NOPAD.encode(&deflated)
    )
}

/// The digest binding a page's parts: SHA-256 of the CBOR array of its short forms, cut.
fn page_digest(short_forms: &[Vec<u8>]) -> Vec<u8> {
    let list: Vec<ShortForm> = short_forms.iter().map(|s| ShortForm(s.clone())).collect();
    Sha256::digest(cbor::to_vec(&list))[..PAGE_DIGEST_BYTES].to_vec()
}

fn part_text(page: u16, part: usize, parts: usize, digest: &[u8], forms: &[Vec<u8>]) -> String {
    let body = PartBody(
        PARTS_VERSION,
        page,
        u8::try_from(part).unwrap_or(u8::MAX),
        u8::try_from(parts).unwrap_or(u8::MAX),
        digest.to_vec(),
        forms.iter().map(|s| ShortForm(s.clone())).collect(),
    );
    text_of(&cbor::to_vec(&body))
}

/// The seal of page `page` in parts (format 2): the short forms, in order, split into as few
/// QR codes of version at most `max_version` (level M) as they need, whole short forms in
/// each. `Ok(None)` when they need more than `max_parts` codes (or one short form alone does
/// not fit one).
pub fn encode_page(
    page: u16,
    short_forms: &[Vec<u8>],
    max_version: i16,
    max_parts: usize,
) -> Result<Option<Vec<String>>, SealError> {
    if short_forms.is_empty() || short_forms.len() > MAX_SEAL_ENTRIES {
        return Err(SealError::TooLarge(format!(
            "{} inscriptions, de 1 à {MAX_SEAL_ENTRIES}",
            short_forms.len()
        )));
    }
    let max_parts = max_parts.clamp(1, usize::from(u8::MAX));
    let digest = page_digest(short_forms);
    let fits = |t: &str| qr_version(t).is_some_and(|v| v <= max_version);
    // Greedy, with the largest part count standing in for the final one.
    let mut groups: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut current: Vec<Vec<u8>> = Vec::new();
    for form in short_forms {
        current.push(form.clone());
        if fits(&part_text(
            page,
            groups.len() + 1,
            max_parts,
            &digest,
            &current,
        )) {
            continue;
        }
        let Some(last) = current.pop() else {
            return Ok(None);
        };
        if current.is_empty() {
            return Ok(None);
        }
        groups.push(std::mem::replace(&mut current, vec![last]));
        if !fits(&part_text(
            page,
            groups.len() + 1,
            max_parts,
            &digest,
            &current,
        )) {
            return Ok(None);
        }
    }
    groups.push(current);
    if groups.len() > max_parts {
        return Ok(None);
    }
    let n = groups.len();
    let texts: Vec<String> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| part_text(page, i + 1, n, &digest, g))
        .collect();
    Ok(texts.iter().all(|t| fits(t)).then_some(texts))
}

/// The QR version a seal text needs at level M, if it fits version 40.
pub fn qr_version(text: &str) -> Option<i16> {
    crate::qr::Qr::new(text)
        .ok()
        .map(|q| q.version())
        .filter(|v| *v <= MAX_SEAL_VERSION)
}

/// One seal text (one QR code's worth): its part, checked for form (blanks and line breaks
/// are ignored; lower case is accepted).
pub fn decode_part(text: &str) -> Result<SealPart, SealError> {
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
    let part = match inflated.get(1) {
        Some(&v) if v == SEAL_VERSION => {
            let body: SealBody = cbor::from_slice(&inflated, MAX_INFLATED, "seal")
                .map_err(|e| SealError::Damaged(e.to_string()))?;
            SealPart {
                page: None,
                part: 1,
                parts: 1,
                page_digest: Vec::new(),
                short_forms: body.1.into_iter().map(|s| s.0).collect(),
            }
        }
        Some(&v) if v == PARTS_VERSION => {
            let body: PartBody = cbor::from_slice(&inflated, MAX_INFLATED, "seal")
                .map_err(|e| SealError::Damaged(e.to_string()))?;
            if body.0 != PARTS_VERSION {
                return Err(SealError::Damaged(format!("version {} inconnue", body.0)));
            }
            if body.3 == 0 || body.2 == 0 || body.2 > body.3 || body.1 == 0 {
                return Err(SealError::Damaged(format!(
                    "partie {} sur {} de la page {} : numérotation impossible",
                    body.2, body.3, body.1
                )));
            }
            if body.4.len() != PAGE_DIGEST_BYTES {
                return Err(SealError::Damaged("empreinte de page mal formée".into()));
            }
            SealPart {
                page: Some(body.1),
                part: body.2,
                parts: body.3,
                page_digest: body.4,
                short_forms: body.5.into_iter().map(|s| s.0).collect(),
            }
        }
        _ => {
            // Neither format: the version is the first item of the array.
            let v =
                cbor::from_slice::<(u8, serde::de::IgnoredAny)>(&inflated, MAX_INFLATED, "seal")
                    .map(|b| b.0.to_string())
                    .unwrap_or_else(|_| "?".into());
            return Err(SealError::Damaged(format!("version {v} inconnue")));
        }
    };
    if part.short_forms.len() > MAX_SEAL_ENTRIES {
        return Err(SealError::TooLarge(format!(
            "{} inscriptions",
            part.short_forms.len()
        )));
    }
    if part.page.is_some() && part.short_forms.is_empty() {
        return Err(SealError::Damaged("partie sans inscription signée".into()));
    }
    Ok(part)
}

/// The short forms of a whole seal from its parts, read in any order (the same part read
/// twice counts once): a seal in one code (format 1) alone, or every part of one page's seal
/// (format 2), consistent with one another and with their page digest.
pub fn assemble(parts: Vec<SealPart>) -> Result<Vec<Vec<u8>>, SealError> {
    let mut parts = parts;
    parts.sort_by_key(|p| p.part);
    parts.dedup();
    let Some(first) = parts.first() else {
        return Err(SealError::NotASeal);
    };
    let Some(page) = first.page else {
        if parts.len() > 1 {
            return Err(SealError::Incomplete(
                "plusieurs sceaux différents lus ensemble".into(),
            ));
        }
        return Ok(parts.remove(0).short_forms);
    };
    let (count, digest) = (first.parts, first.page_digest.clone());
    if parts
        .iter()
        .any(|p| p.page != Some(page) || p.parts != count || p.page_digest != digest)
    {
        return Err(SealError::Incomplete(
            "des codes de sceaux différents (autre page ou autre impression) sont mêlés".into(),
        ));
    }
    if parts.windows(2).any(|w| w[0].part == w[1].part) {
        return Err(SealError::Incomplete(format!(
            "deux codes différents se disent la même partie du sceau de la page {page}"
        )));
    }
    let missing: Vec<String> = (1..=count)
        .filter(|k| !parts.iter().any(|p| p.part == *k))
        .map(|k| k.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(SealError::Incomplete(format!(
            "partie(s) {} sur {count} du sceau de la page {page} non lue(s) ; chaque code du \
             sceau est nécessaire : photographiez tout le bas de la page",
            missing.join(", ")
        )));
    }
    let forms: Vec<Vec<u8>> = parts.into_iter().flat_map(|p| p.short_forms).collect();
    if forms.len() > MAX_SEAL_ENTRIES {
        return Err(SealError::TooLarge(format!("{} inscriptions", forms.len())));
    }
    if page_digest(&forms) != digest {
        return Err(SealError::Incomplete(format!(
            "les parties du sceau de la page {page} ne correspondent pas à son empreinte"
        )));
    }
    Ok(forms)
}

/// The short forms carried by a seal text: one code's text, or the texts of every part of a
/// page's seal one after the other (each starts with `LIVRET-SCEAU:`; blanks and line breaks
/// are ignored; lower case is accepted).
pub fn decode(text: &str) -> Result<Vec<Vec<u8>>, SealError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let upper = compact.to_ascii_uppercase();
    if !upper.starts_with(SEAL_PREFIX) {
        return Err(SealError::NotASeal);
    }
    let parts = upper
        .split(SEAL_PREFIX)
        .filter(|t| !t.is_empty())
        .map(|t| decode_part(&format!("{SEAL_PREFIX}{t}")))
        .collect::<Result<Vec<_>, _>>()?;
    if parts.len() > MAX_PAGE_PARTS.max(usize::from(u8::MAX)) {
        return Err(SealError::TooLarge(format!("{} codes", parts.len())));
    }
    assemble(parts)
}

/// Reads the seal in a picture (PNG, JPEG, or any format the `image` crate was built for):
/// every QR code found whose text is a seal, assembled as [`assemble`] does.
pub fn decode_png(bytes: &[u8]) -> Result<Vec<Vec<u8>>, SealError> {
    let img = image::load_from_memory(bytes)
        .map_err(|e| SealError::NoQr(e.to_string()))?
        .to_luma8();
    decode_image(&img)
}

/// Reads the seal in a grey picture: every QR code found whose text is a seal part,
/// assembled as [`assemble`] does.
///
/// Decoders group the finder patterns of several codes side by side wrongly once the
/// picture is turned or skewed a little, so when the whole picture does not give a whole
/// seal, overlapping windows of it are read one by one with rxing (ZXing's reader; bottom
/// first, where the seal band of an upright page is), each large enough to hold one code of a
/// photographed page, until the parts read make a whole seal. A small picture still not read
/// is tried again twice as large (small modules softened by resampling read better so).
pub fn decode_image(img: &image::GrayImage) -> Result<Vec<Vec<u8>>, SealError> {
    let mut parts = Vec::new();
    match read_picture(img, &mut parts) {
        Ok(forms) => Ok(forms),
        // Small modules softened by a resampling read better twice as large.
        Err(e) if img.width().min(img.height()) <= MAX_UPSCALED_SIDE => {
            let (w, h) = img.dimensions();
            let larger =
                image::imageops::resize(img, w * 2, h * 2, image::imageops::FilterType::Triangle);
            read_picture(&larger, &mut parts).map_err(|_| e)
        }
        Err(e) => Err(e),
    }
}

/// The shorter side up to which a picture not read is tried again twice as large.
const MAX_UPSCALED_SIDE: u32 = 2000;

/// Reads a picture whole, then window by window, adding the parts read to `parts`.
fn read_picture(
    img: &image::GrayImage,
    parts: &mut Vec<SealPart>,
) -> Result<Vec<Vec<u8>>, SealError> {
    let (found, mut last) = read_parts_rqrr(img);
    for p in found {
        if !parts.contains(&p) {
            parts.push(p);
        }
    }
    if !parts.is_empty() {
        match assemble(parts.clone()) {
            Ok(forms) => return Ok(forms),
            Err(e) => last = e,
        }
    }
    for (x, y, w, h) in windows(img.width(), img.height()) {
        let window = image::imageops::crop_imm(img, x, y, w, h).to_image();
        let (more, problem) = read_part_rxing(&window);
        if more.is_empty() {
            if parts.is_empty() && !matches!(problem, SealError::NoQr(_)) {
                last = problem;
            }
            continue;
        }
        for p in more {
            if !parts.contains(&p) {
                parts.push(p);
            }
        }
        match assemble(parts.clone()) {
            Ok(forms) => return Ok(forms),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Overlapping square windows of a `w` × `h` picture, the bottom row first: sides of 55 %
/// of the shorter dimension, steps of 20 %, so that any square of up to 35 % of it lies whole
/// in one window (a seal code is about 26 % of a page's width).
fn windows(w: u32, h: u32) -> Vec<(u32, u32, u32, u32)> {
    let short = w.min(h);
    let side = (short * 11 / 20).max(1);
    let step = (short / 5).max(1);
    let starts = |len: u32| {
        let mut v: Vec<u32> = (0..)
            .map(|i| i * step)
            .take_while(|s| s + side < len)
            .collect();
        v.push(len.saturating_sub(side));
        v.dedup();
        v
    };
    let mut out = Vec::new();
    for y in starts(h).into_iter().rev() {
        for x in starts(w) {
            out.push((x, y, side.min(w - x), side.min(h - y)));
        }
    }
    out
}

/// Every seal part rqrr reads in a picture, and the last problem met (for when none is).
fn read_parts_rqrr(img: &image::GrayImage) -> (Vec<SealPart>, SealError) {
    let mut prepared = rqrr::PreparedImage::prepare(img.clone());
    let grids = prepared.detect_grids();
    let mut last = SealError::NoQr("aucun motif de code QR détecté".into());
    let mut parts = Vec::new();
    for grid in grids {
        match grid.decode() {
            Ok((_, text)) => match decode_part(&text) {
                Ok(p) => parts.push(p),
                Err(e) => last = e,
            },
            Err(e) => last = SealError::NoQr(format!("code QR illisible : {e}")),
        }
    }
    (parts, last)
}

/// The seal part rxing (ZXing's reader) reads in a picture holding one code.
fn read_part_rxing(img: &image::GrayImage) -> (Vec<SealPart>, SealError) {
    use rxing::Reader;
    let (w, h) = img.dimensions();
    let source = match rxing::Luma8LuminanceSource::new(img.as_raw().clone(), w, h) {
        Ok(s) => s,
        Err(e) => return (Vec::new(), SealError::NoQr(e.to_string())),
    };
    let mut bitmap = rxing::BinaryBitmap::new(rxing::common::HybridBinarizer::new(source));
    let hints = rxing::DecodeHints {
        TryHarder: Some(true),
        ..Default::default()
    };
    let mut reader = rxing::qrcode::QRCodeReader;
    match reader.decode_with_hints(&mut bitmap, &hints) {
        Ok(r) => match decode_part(r.getText()) {
            Ok(p) => (vec![p], SealError::NoQr(String::new())),
            Err(e) => (Vec::new(), e),
        },
        Err(_) => (
            Vec::new(),
            SealError::NoQr("aucun motif de code QR détecté".into()),
        ),
    }
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
    fn a_page_seal_in_parts_is_read_only_whole() {
        let all: Vec<Vec<u8>> = entries(12).iter().map(|e| e.short_form.clone()).collect();
        // The most entries two parts hold.
        let (forms, parts) = (2..=12)
            .rev()
            .find_map(|n| {
                let f = all[..n].to_vec();
                let p = encode_page(3, &f, MAX_PART_VERSION, MAX_PAGE_PARTS).unwrap()?;
                Some((f, p))
            })
            .unwrap();
        assert_eq!(parts.len(), 2);
        assert!(forms.len() >= 3, "{} entries", forms.len());
        for t in &parts {
            assert!(qr_version(t).unwrap() <= MAX_PART_VERSION);
            let p = decode_part(t).unwrap();
            assert_eq!((p.page, p.parts), (Some(3), 2));
            assert!(!p.short_forms.is_empty());
            // Each part alone: its entries verify, but it is not the page's seal.
            assert!(verify(&p.short_forms).iter().all(SealedEntry::is_valid));
            assert!(matches!(decode(t), Err(SealError::Incomplete(_))));
        }
        // Whole, in either order, and with a part read twice.
        let joined = parts.join("\n");
        assert_eq!(decode(&joined).unwrap(), forms);
        let backwards = format!("{}{}{}", parts[1], parts[0], parts[1]);
        assert_eq!(decode(&backwards).unwrap(), forms);
        // A part of another print of the page (one entry fewer) is refused.
        let other = encode_page(3, &forms[1..], MAX_PART_VERSION, MAX_PAGE_PARTS)
            .unwrap()
            .unwrap();
        let mixed = format!("{}\n{}", parts[0], other[other.len() - 1]);
        assert!(matches!(decode(&mixed), Err(SealError::Incomplete(_))));
        // Parts whose page digest does not match the short forms assembled are refused.
        let digest = page_digest(&forms);
        let first = decode_part(&parts[0]).unwrap();
        // A second part carrying one entry fewer than printed: the digest does not match.
        let n = first.short_forms.len();
        let short = part_text(3, 2, 2, &digest, &forms[n..forms.len() - 1]);
        assert!(decode(&format!("{}{short}", parts[0])).is_err());
        let mut bad = digest.clone();
        bad[0] ^= 1;
        let p1 = part_text(3, 1, 2, &bad, &first.short_forms);
        let rest: Vec<Vec<u8>> = forms[first.short_forms.len()..].to_vec();
        let p2 = part_text(3, 2, 2, &bad, &rest);
        assert!(matches!(
            decode(&format!("{p1}{p2}")),
            Err(SealError::Incomplete(_))
        ));
        // Too many entries for the codes allowed: no seal.
        assert!(encode_page(1, &all, MAX_PART_VERSION, MAX_PAGE_PARTS)
            .unwrap()
            .is_none());
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
