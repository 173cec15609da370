//! QR codes of invitations and of paper seals: in the terminal, as PNG and as SVG.
//!
//! The text is encoded at error-correction level M. Invitations are uppercase base32 behind
//! `LIVRET:`, which the qrcode crate puts in alphanumeric mode (5.5 bits a character).

use qrcode::render::{svg, unicode};
use qrcode::{EcLevel, QrCode, Version};

/// Why a QR code could not be made or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The text is too long for any QR code.
    #[error("texte trop long pour un code QR : {0}")]
    TooLong(String),
    /// The PNG could not be encoded.
    #[error("image PNG impossible à produire : {0}")]
    Png(String),
}

/// A QR code of a text, at level M.
pub struct Qr {
    code: QrCode,
}

impl Qr {
    /// Encodes `text` at error-correction level M.
    pub fn new(text: &str) -> Result<Qr, QrError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .map_err(|e| QrError::TooLong(e.to_string()))?;
        Ok(Qr { code })
    }

    /// The QR version (1-40); invitations must fit version 10.
    pub fn version(&self) -> i16 {
        match self.code.version() {
            Version::Normal(v) | Version::Micro(v) => v,
        }
    }

    /// The width in modules (without quiet zone) and the modules row by row, `true` for dark.
    pub fn modules(&self) -> (usize, Vec<bool>) {
        let dark = self
            .code
            .to_colors()
            .iter()
            .map(|c| *c == qrcode::Color::Dark)
            .collect();
        (self.code.width(), dark)
    }

    /// The code drawn with Unicode half blocks, for a terminal (dark modules on light).
    pub fn to_terminal(&self) -> String {
        self.code
            .render::<unicode::Dense1x2>()
            .dark_color(unicode::Dense1x2::Light)
            .light_color(unicode::Dense1x2::Dark)
            .quiet_zone(true)
            .build()
    }

    /// The code as an SVG document.
    pub fn to_svg(&self) -> String {
        self.code
            .render::<svg::Color<'_>>()
            .min_dimensions(256, 256)
            .quiet_zone(true)
            .build()
    }

    /// The code as PNG bytes (8 pixels a module).
    pub fn to_png(&self) -> Result<Vec<u8>, QrError> {
        let img = self
            .code
            .render::<image::Luma<u8>>()
            .module_dimensions(8, 8)
            .quiet_zone(true)
            .build();
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .map_err(|e| QrError::Png(e.to_string()))?;
        Ok(out.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An invitation carrying one IPv4 address fits QR version 10 at level M.
    #[test]
    fn an_invitation_with_one_ipv4_address_fits_version_10() {
        use livret_core::grant::{InvitationView, Rights};
        use livret_core::{DeviceSecret, LivretId, Section};
        let parent = DeviceSecret::from_bytes(&[1; 32]);
        let view = InvitationView {
            livret: LivretId([0xa5; 16]),
            issuer: parent.device_id(),
            // /ip4/192.168.100.200/tcp/47150, the widest IPv4 address and a 5-digit port
            addresses: vec![vec![0x04, 192, 168, 100, 200, 0x06, 0xb8, 0x2e]],
            secret: [0xff; 16],
            expires_at: 4_102_444_800,
            sections: vec![
                Section::Annee(2025),
                Section::VieScolaire(2025),
                Section::Attestations,
            ],
            rights: Rights::Write,
            until: 4_102_444_800,
            jury: false,
        };
        let signed = view.sign(&parent);
        assert!(signed.len() <= 213, "{} bytes", signed.len());
        let text = InvitationView::to_text(&signed);
        let qr = Qr::new(&text).unwrap();
        assert!(
            qr.version() <= 10,
            "QR version {} for {} characters",
            qr.version(),
            text.len()
        );
    }

    /// An invitation carrying one direct address and the compact relayed address through a
    /// relay (`/ip4/…/tcp/…/p2p-circuit`, the relay's id left out) still fits QR version 10
    /// at level M.
    #[test]
    fn an_invitation_with_a_direct_and_a_relayed_address_fits_version_10() {
        use livret_core::grant::{InvitationView, Rights};
        use livret_core::{DeviceSecret, LivretId, Section};
        let parent = DeviceSecret::from_bytes(&[1; 32]);
        let view = InvitationView {
            livret: LivretId([0xa5; 16]),
            issuer: parent.device_id(),
            addresses: vec![
                // /ip4/192.168.100.200/tcp/47150
                vec![0x04, 192, 168, 100, 200, 0x06, 0xb8, 0x2e],
                // /ip4/203.113.255.254/tcp/64001/p2p-circuit
                vec![0x04, 203, 113, 255, 254, 0x06, 0xfa, 0x01, 0xa2, 0x02],
            ],
            secret: [0xff; 16],
            expires_at: 4_102_444_800,
            sections: vec![
                Section::Annee(2025),
                Section::VieScolaire(2025),
                Section::Attestations,
            ],
            rights: Rights::Write,
            until: 4_102_444_800,
            jury: false,
        };
        let signed = view.sign(&parent);
        let text = InvitationView::to_text(&signed);
        let qr = Qr::new(&text).unwrap();
        println!(
            "invitation with a direct and a relayed address: {} bytes, {} characters, QR version {}",
            signed.len(),
            text.len(),
            qr.version()
        );
        assert!(signed.len() <= 213, "{} bytes", signed.len());
        assert!(
            qr.version() <= 10,
            "QR version {} for {} characters",
            qr.version(),
            text.len()
        );
    }

    #[test]
    fn renders_in_three_forms() {
        let qr = Qr::new("LIVRET:ABCDEFGH234567").unwrap();
        assert!(qr.version() <= 2);
        assert!(qr.to_terminal().contains('█') || qr.to_terminal().contains('▀'));
        assert!(qr.to_svg().starts_with("<?xml"));
        let png = qr.to_png().unwrap();
        assert_eq!(&png[1..4], b"PNG");
        assert!(Qr::new(&"A".repeat(5000)).is_err());
    }
}
