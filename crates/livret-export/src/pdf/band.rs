//! The seal band at the foot of every page: the page's seal as one or two QR codes (one per
//! part, all needed) at the ends of the band, each with its caption, and between them what
//! the seal is and how to check it.

use super::*;

/// The width of a module on paper, in points (0.51 mm: 3 pixels at 150 dpi).
pub(crate) const MODULE: f32 = 1.45;
/// The space between two codes, beyond their quiet zones.
const GAP: f32 = 6.0;
/// The height of a part's caption under its code.
const CAPTION: f32 = 9.0;

/// One part of a page's seal, encoded.
pub(crate) struct BandPart {
    pub(crate) text: String,
    pub(crate) version: i16,
    /// How many short forms it carries.
    pub(crate) entries: usize,
}

/// The parts of page `page`'s seal (every part's text, version and entry count).
pub(crate) fn seal_parts(page: usize, forms: &[Vec<u8>]) -> Result<Vec<BandPart>, PdfError> {
    let number = u16::try_from(page).unwrap_or(u16::MAX);
    if forms.is_empty() {
        // A page holding only titles or the rest of a long text: an empty seal, as before.
        let text = seal::encode(&[])?;
        let version = seal::qr_version(&text).unwrap_or(1);
        return Ok(vec![BandPart {
            text,
            version,
            entries: 0,
        }]);
    }
    let texts = seal::encode_page(number, forms, seal::MAX_PART_VERSION, seal::MAX_PAGE_PARTS)?
        .ok_or_else(|| {
            seal::SealError::TooLarge(format!(
                "page {page} : plus de {} codes QR de version {} au plus",
                seal::MAX_PAGE_PARTS,
                seal::MAX_PART_VERSION
            ))
        })?;
    texts
        .into_iter()
        .map(|text| {
            let part = seal::decode_part(&text)?;
            let version = seal::qr_version(&text).ok_or_else(|| {
                seal::SealError::TooLarge(format!("page {page} : version QR au-delà de 40"))
            })?;
            Ok(BandPart {
                text,
                version,
                entries: part.short_forms.len(),
            })
        })
        .collect()
}

/// The operations of the seal band of page `page` of `total`: the first code at the left
/// end of the band and the second at the right end (one code: at the right), what the seal
/// is and how to check it between them.
pub(crate) fn seal_band(
    fonts: &Fonts,
    page: usize,
    total: usize,
    parts: &[BandPart],
) -> Result<Vec<Op>, PdfError> {
    let count: usize = parts.iter().map(|p| p.entries).sum();
    let bottom = PAGE_HEIGHT - BOTTOM - CAPTION;
    let mut codes = Vec::new();
    for part in parts {
        let qr = crate::qr::Qr::new(&part.text).map_err(|e| PdfError::Font(e.to_string()))?;
        let (modules, dark) = qr.modules();
        codes.push((modules, dark, MODULE * (modules + 8) as f32));
    }
    // Where each code goes, and the column left for the text.
    let mut xs = Vec::new();
    let (mut text_x, mut text_right) = (LEFT, LEFT + WIDTH);
    let mut right = LEFT + WIDTH;
    for (k, (_, _, size)) in codes.iter().enumerate() {
        if k == 0 && codes.len() > 1 {
            xs.push(LEFT);
            text_x = LEFT + size + GAP;
        } else {
            xs.push(0.0);
        }
    }
    for k in (0..codes.len()).rev() {
        if k == 0 && codes.len() > 1 {
            break;
        }
        right -= codes[k].2;
        xs[k] = right;
        text_right = right - GAP;
        right -= GAP;
    }
    let text_w = (text_right - text_x).max(40.0);

    let mut s = Builder::new(fonts);
    s.y = BAND_TOP;
    s.rule(0.4);
    s.y = BAND_TOP + 10.0;
    s.line(
        FontId::Bold,
        9.0,
        text_x,
        0.0,
        &format!("Sceau de la page {page} / {total}"),
    );
    let codes_text = if parts.len() == 1 {
        "Ce code QR contient".to_string()
    } else {
        format!(
            "Ces {} codes QR, tous nécessaires, contiennent",
            parts.len()
        )
    };
    s.paragraph(
        FontId::Regular,
        7.0,
        text_x,
        text_w,
        &format!(
            "{codes_text} la forme courte signée des {count} inscription(s) de cette page : \
             codes, positionnements, notes, empreintes SHA-256 des textes, auteurs, dates et \
             signatures (COSE, Ed25519)."
        ),
        None,
    );
    s.gap(3.0);
    s.paragraph(
        FontId::Regular,
        7.0,
        text_x,
        text_w,
        "Pour vérifier sans réseau, photographier le bas de la page : livret verify-seal \
         --png <photo> [--pdf <ce fichier>]. Une inscription modifiée ne se vérifie plus ; un \
         texte modifié ne correspond plus à son empreinte.",
        None,
    );
    let mut ops = s.ops;
    let mut first = 1;
    for (k, ((modules, dark, size), part)) in codes.iter().zip(parts).enumerate() {
        let (modules, x, y) = (*modules, xs[k], bottom - size);
        for row in 0..modules {
            let mut col = 0;
            while col < modules {
                if dark.get(row * modules + col).copied().unwrap_or(false) {
                    let start = col;
                    while col < modules && dark.get(row * modules + col).copied().unwrap_or(false) {
                        col += 1;
                    }
                    ops.push(Op::Fill {
                        x: x + (start + 4) as f32 * MODULE,
                        y: y + (row + 4) as f32 * MODULE,
                        w: (col - start) as f32 * MODULE,
                        h: MODULE,
                        gray: 0.0,
                    });
                } else {
                    col += 1;
                }
            }
        }
        let last = (first + part.entries).saturating_sub(1);
        let numbers = if part.entries == 0 {
            "aucune inscription".to_string()
        } else if last == first {
            format!("n° {first}")
        } else {
            format!("n° {first} à {last}")
        };
        let mut c = Builder::new(fonts);
        c.y = bottom + 1.0;
        c.text_at(
            FontId::Regular,
            6.5,
            x + 4.0 * MODULE,
            GREY,
            &format!(
                "Partie {} / {} — {numbers} — QR version {}, niveau M",
                k + 1,
                parts.len(),
                part.version
            ),
        );
        ops.extend(c.ops);
        first = last + 1;
    }
    Ok(ops)
}
