//! Recovery: the signed texts read back from a PDF this module wrote (glyphs through the
//! ToUnicode maps, within the marked-content sequences).

use super::*;

/// A signed text as drawn in a PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveredText {
    /// The page, from 1.
    pub page: usize,
    /// The section of the entry.
    pub section: String,
    /// The key of the entry.
    pub key: String,
    /// Which of the entry's texts (in digest order).
    pub index: usize,
    /// The characters drawn.
    pub text: String,
}

pub(crate) const MAX_STREAM: usize = 16 * 1024 * 1024;

pub(crate) fn unreadable(e: impl std::fmt::Display) -> PdfError {
    PdfError::Unreadable(e.to_string())
}

/// Reads a ToUnicode map (the `bfchar` sections this module writes).
pub(crate) fn parse_to_unicode(data: &[u8]) -> BTreeMap<u16, String> {
    let text = String::from_utf8_lossy(data);
    let mut out = BTreeMap::new();
    let mut in_chars = false;
    for line in text.lines() {
        let line = line.trim();
        if line.ends_with("beginbfchar") {
            in_chars = true;
            continue;
        }
        if line == "endbfchar" {
            in_chars = false;
            continue;
        }
        if !in_chars {
            continue;
        }
        let parts: Vec<&str> = line
            .split(['<', '>'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let [code, uni] = parts.as_slice() else {
            continue;
        };
        let Ok(code) = u16::from_str_radix(code, 16) else {
            continue;
        };
        let units: Vec<u16> = (0..uni.len() / 4)
            .filter_map(|i| uni.get(i * 4..i * 4 + 4))
            .filter_map(|h| u16::from_str_radix(h, 16).ok())
            .collect();
        out.insert(code, String::from_utf16_lossy(&units));
    }
    out
}

pub(crate) fn dict_text(d: &lopdf::Dictionary, key: &[u8]) -> Option<String> {
    d.get(key)
        .ok()
        .and_then(|o| o.as_str().ok())
        .map(|b| String::from_utf8_lossy(b).into_owned())
}

/// The signed texts drawn in a PDF written by [`render`], page by page.
pub fn recover_texts(bytes: &[u8]) -> Result<Vec<RecoveredText>, PdfError> {
    let doc = lopdf::Document::load_mem(bytes).map_err(unreadable)?;
    let mut out = Vec::new();
    for (number, page_id) in doc.get_pages() {
        let page = usize::try_from(number).unwrap_or(0);
        let mut maps: BTreeMap<Vec<u8>, BTreeMap<u16, String>> = BTreeMap::new();
        for (name, font) in doc.get_page_fonts(page_id).map_err(unreadable)? {
            let Ok(obj) = font.get(b"ToUnicode") else {
                continue;
            };
            let Ok((_, obj)) = doc.dereference(obj) else {
                continue;
            };
            let Ok(stream) = obj.as_stream() else {
                continue;
            };
            let data = if stream.dict.get(b"Filter").is_ok() {
                stream
                    .decompressed_content_with_limit(MAX_STREAM)
                    .map_err(unreadable)?
            } else {
                stream.content.clone()
            };
            maps.insert(name, parse_to_unicode(&data));
        }
        let content = doc
            .get_page_content_with_limit(page_id, MAX_STREAM)
            .map_err(unreadable)?;
        let ops = lopdf::content::Content::decode(&content).map_err(unreadable)?;
        let empty = BTreeMap::new();
        let mut font: &BTreeMap<u16, String> = &empty;
        let mut current: Option<RecoveredText> = None;
        let mut depth = 0usize;
        for op in ops.operations {
            match (op.operator.as_str(), op.operands.as_slice()) {
                ("Tf", [lopdf::Object::Name(n), ..]) => {
                    font = maps.get(n).unwrap_or(&empty);
                }
                ("BDC", [lopdf::Object::Name(tag), lopdf::Object::Dictionary(d)])
                    if tag == TEXT_TAG =>
                {
                    current = Some(RecoveredText {
                        page,
                        section: dict_text(d, b"Section").unwrap_or_default(),
                        key: dict_text(d, b"Cle").unwrap_or_default(),
                        index: d
                            .get(b"Texte")
                            .ok()
                            .and_then(|o| o.as_i64().ok())
                            .and_then(|i| usize::try_from(i).ok())
                            .unwrap_or(0),
                        text: String::new(),
                    });
                    depth = 0;
                }
                ("BDC" | "BMC", _) => depth += 1,
                ("EMC", _) => {
                    if depth == 0 {
                        if let Some(t) = current.take() {
                            out.push(t);
                        }
                    } else {
                        depth -= 1;
                    }
                }
                ("DP", [lopdf::Object::Name(tag), lopdf::Object::Dictionary(d)])
                    if tag == CHAR_TAG =>
                {
                    if let Some(t) = current.as_mut() {
                        let c = d
                            .get(b"U")
                            .ok()
                            .and_then(|o| o.as_i64().ok())
                            .and_then(|u| u32::try_from(u).ok())
                            .and_then(char::from_u32);
                        if let Some(c) = c {
                            t.text.push(c);
                        }
                    }
                }
                ("Tj" | "'" | "\"", operands) => {
                    if let (Some(t), Some(lopdf::Object::String(s, _))) =
                        (current.as_mut(), operands.last())
                    {
                        push_codes(&mut t.text, s, font);
                    }
                }
                ("TJ", [lopdf::Object::Array(items)]) => {
                    if let Some(t) = current.as_mut() {
                        for item in items {
                            if let lopdf::Object::String(s, _) = item {
                                push_codes(&mut t.text, s, font);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

pub(crate) fn push_codes(out: &mut String, bytes: &[u8], map: &BTreeMap<u16, String>) {
    for pair in bytes.chunks(2) {
        let code = match pair {
            [a, b] => u16::from_be_bytes([*a, *b]),
            [a] => u16::from(*a),
            _ => continue,
        };
        match map.get(&code) {
            Some(s) => out.push_str(s),
            None => out.push('\u{FFFD}'),
        }
    }
}
