//! Reading a QR code from a photo, with the decoder the project already uses (rqrr).

/// The widest picture decoded as is; a larger photo is scaled down first.
const MAX_WIDTH: u32 = 1600;

/// The text of the first readable QR code in a picture (PNG or JPEG), if any.
pub fn decode_qr_text(bytes: &[u8]) -> Option<String> {
    let img = image::load_from_memory(bytes).ok()?;
    let img = if img.width() > MAX_WIDTH {
        img.resize(MAX_WIDTH, MAX_WIDTH, image::imageops::FilterType::Triangle)
    } else {
        img
    };
    let mut prepared = rqrr::PreparedImage::prepare(img.to_luma8());
    prepared
        .detect_grids()
        .into_iter()
        .find_map(|g| g.decode().ok().map(|(_, text)| text))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn reads_a_qr_code_back() {
        let qr = livret_export::qr::Qr::new("LIVRET:ABCDEF234567").unwrap();
        let png = qr.to_png().unwrap();
        assert_eq!(
            super::decode_qr_text(&png).as_deref(),
            Some("LIVRET:ABCDEF234567")
        );
        assert_eq!(super::decode_qr_text(b"not a picture"), None);
    }
}
