//! The two embedded fonts (Liberation Sans regular and bold): glyphs, advances, widths,
//! and the glyphs used, for subsetting and the ToUnicode map.

use super::*;

static REGULAR: &[u8] = include_bytes!("../../fonts/LiberationSans-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../../fonts/LiberationSans-Bold.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum FontId {
    Regular,
    Bold,
}

pub(crate) struct FontData {
    pub(crate) bytes: &'static [u8],
    pub(crate) face: ttf_parser::Face<'static>,
    pub(crate) upem: f32,
    /// Glyphs used, with the one character each stands for (for the ToUnicode map).
    pub(crate) used: RefCell<BTreeMap<u16, char>>,
}

impl FontData {
    pub(crate) fn load(bytes: &'static [u8]) -> Result<FontData, PdfError> {
        let face = ttf_parser::Face::parse(bytes, 0).map_err(|e| PdfError::Font(e.to_string()))?;
        let upem = f32::from(face.units_per_em());
        Ok(FontData {
            bytes,
            face,
            upem,
            used: RefCell::new(BTreeMap::new()),
        })
    }

    /// The glyph that draws `c` and reads back as `c`, if there is one.
    pub(crate) fn glyph(&self, c: char) -> Option<u16> {
        if c.is_control() {
            return None;
        }
        let gid = self.face.glyph_index(c)?.0;
        if gid == 0 {
            return None;
        }
        let mut used = self.used.borrow_mut();
        match used.get(&gid) {
            Some(&other) if other != c => None,
            Some(_) => Some(gid),
            None => {
                used.insert(gid, c);
                Some(gid)
            }
        }
    }

    pub(crate) fn advance(&self, gid: u16) -> f32 {
        f32::from(
            self.face
                .glyph_hor_advance(ttf_parser::GlyphId(gid))
                .unwrap_or(0),
        ) / self.upem
    }

    pub(crate) fn char_width(&self, c: char, size: f32) -> f32 {
        match self.glyph(c) {
            Some(g) => self.advance(g) * size,
            None if c == '\t' => self.char_width(' ', size) * 2.0,
            None => 0.0,
        }
    }

    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.char_width(c, size)).sum()
    }

    pub(crate) fn ascent(&self) -> f32 {
        f32::from(self.face.ascender()) / self.upem
    }
}

pub(crate) struct Fonts {
    pub(crate) regular: FontData,
    pub(crate) bold: FontData,
}

impl Fonts {
    pub(crate) fn load() -> Result<Fonts, PdfError> {
        Ok(Fonts {
            regular: FontData::load(REGULAR)?,
            bold: FontData::load(BOLD)?,
        })
    }

    pub(crate) fn get(&self, id: FontId) -> &FontData {
        match id {
            FontId::Regular => &self.regular,
            FontId::Bold => &self.bold,
        }
    }
}
