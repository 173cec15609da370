//! The paper livret: an A4 PDF in French, laid out like the official bilans (per period: each
//! subject with its positioning or mark and appréciation, then the synthesis and the vie
//! scolaire; the bilans de fin de cycle with the 8 components of the socle; the attestations),
//! with a QR seal on every page carrying the signed short forms of the entries printed there.
//!
//! Text is real text: Liberation Sans (regular and bold) is embedded as subset CID fonts with a
//! ToUnicode map, so it can be searched and copied, accents included. Each long text whose
//! digest an entry signs (appréciation, synthesis, identity) is drawn inside a marked-content
//! sequence `/LivretTexte <</Section (…) /Cle (…) /Texte n>> BDC … EMC`; characters that have no
//! glyph of their own (line breaks, tabs…) are marked points `/LivretCar <</U code>> DP`.
//! [`recover_texts`] reads the drawn glyphs back from such a PDF, so a printed text can be
//! checked against its signed digest. It reads the PDFs this module writes; text recovery from
//! PDFs made by other software is not attempted.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use livret_core::entry::{Content, OpenedEntry, SignedEntry};
use livret_core::vocab::{AttestationKind, Cycle, Period, Positioning, SocleComponent, SocleLevel};
use livret_core::{Lang, Localized};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::seal;

pub mod recovery_sheet;

static REGULAR: &[u8] = include_bytes!("../fonts/LiberationSans-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/LiberationSans-Bold.ttf");

/// A4 width in points.
pub const PAGE_WIDTH: f32 = 595.276;
/// A4 height in points.
pub const PAGE_HEIGHT: f32 = 841.89;
const LEFT: f32 = 42.0;
const WIDTH: f32 = PAGE_WIDTH - 2.0 * LEFT;
const TOP: f32 = 34.0;
const BODY_TOP: f32 = 62.0;
const BOTTOM: f32 = 28.0;
const QR_MAX: f32 = 172.0;
const BAND_TOP: f32 = PAGE_HEIGHT - BOTTOM - QR_MAX - 10.0;
const BODY_BOTTOM: f32 = BAND_TOP - 8.0;
const GREY: f32 = 0.35;
/// The largest QR version a page's seal may take: below the format's bound (40), so that a
/// module stays at least 0.4 mm wide on paper and a phone or a 300 dpi scan reads it.
const PAGE_SEAL_VERSION: i16 = 32;

/// The tag of a marked-content sequence holding a signed text.
const TEXT_TAG: &[u8] = b"LivretTexte";
/// The tag of a marked point standing for a character drawn without a glyph of its own.
const CHAR_TAG: &[u8] = b"LivretCar";

/// Why a PDF could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// An entry to print does not open (bad signature or texts).
    #[error("inscription {0} illisible ou invalide : elle n'est pas imprimée")]
    BadEntry(String),
    /// The embedded font could not be read or subset.
    #[error("police de caractères inutilisable : {0}")]
    Font(String),
    /// A seal could not be made.
    #[error("{0}")]
    Seal(#[from] seal::SealError),
    /// Nothing to print.
    #[error("rien à imprimer : aucune inscription lisible pour ce choix")]
    Empty,
    /// A PDF that could not be read back.
    #[error("PDF illisible : {0}")]
    Unreadable(String),
}

impl Localized for PdfError {
    fn localized(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => self.to_string(),
            Lang::En => match self {
                PdfError::BadEntry(k) => format!("entry {k} unreadable or invalid: not printed"),
                PdfError::Font(e) => format!("unusable font: {e}"),
                PdfError::Seal(e) => e.localized(lang),
                PdfError::Empty => "nothing to print: no readable entry for this choice".into(),
                PdfError::Unreadable(e) => format!("unreadable PDF: {e}"),
            },
        }
    }
}

/// One entry to print, as the printing device holds it.
#[derive(Debug, Clone)]
pub struct PrintEntry {
    /// The signed entry (short form and texts).
    pub signed: SignedEntry,
    /// Its author's name, as the printing device knows it.
    pub author_name: Option<String>,
}

/// What to print.
#[derive(Debug, Clone)]
pub struct PaperLivret {
    /// The livret id (base32).
    pub livret_id: String,
    /// The child's name when no signed identity entry is printed (a teacher's device knows the
    /// name the grant carries).
    pub name: Option<String>,
    /// The class, when known.
    pub class: Option<String>,
    /// The day of printing, `YYYY-MM-DD`.
    pub printed_on: String,
    /// The printing device's name.
    pub printed_by: String,
    /// What this print covers, in French (`Année scolaire 2025-2026, trimestre 1`).
    pub scope: String,
    /// The entries, in any order.
    pub entries: Vec<PrintEntry>,
}

/// One page as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedPage {
    /// The text of its seal.
    pub seal: String,
    /// The QR version of the seal (level M).
    pub qr_version: i16,
    /// The entries it carries: `(section, key)`, in seal order.
    pub entries: Vec<(String, String)>,
}

/// A printed livret.
#[derive(Debug, Clone)]
pub struct PaperOut {
    /// The PDF bytes.
    pub pdf: Vec<u8>,
    /// Its pages.
    pub pages: Vec<PrintedPage>,
}

// ------------------------------------------------------------------------------------ fonts

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum FontId {
    Regular,
    Bold,
}

struct FontData {
    bytes: &'static [u8],
    face: ttf_parser::Face<'static>,
    upem: f32,
    /// Glyphs used, with the one character each stands for (for the ToUnicode map).
    used: RefCell<BTreeMap<u16, char>>,
}

impl FontData {
    fn load(bytes: &'static [u8]) -> Result<FontData, PdfError> {
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
    fn glyph(&self, c: char) -> Option<u16> {
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

    fn advance(&self, gid: u16) -> f32 {
        f32::from(
            self.face
                .glyph_hor_advance(ttf_parser::GlyphId(gid))
                .unwrap_or(0),
        ) / self.upem
    }

    fn char_width(&self, c: char, size: f32) -> f32 {
        match self.glyph(c) {
            Some(g) => self.advance(g) * size,
            None if c == '\t' => self.char_width(' ', size) * 2.0,
            None => 0.0,
        }
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.char_width(c, size)).sum()
    }

    fn ascent(&self) -> f32 {
        f32::from(self.face.ascender()) / self.upem
    }
}

struct Fonts {
    regular: FontData,
    bold: FontData,
}

impl Fonts {
    fn load() -> Result<Fonts, PdfError> {
        Ok(Fonts {
            regular: FontData::load(REGULAR)?,
            bold: FontData::load(BOLD)?,
        })
    }

    fn get(&self, id: FontId) -> &FontData {
        match id {
            FontId::Regular => &self.regular,
            FontId::Bold => &self.bold,
        }
    }
}

// ------------------------------------------------------------------------- display list

/// A piece of a line: glyphs to show, or a character drawn without a glyph of its own.
#[derive(Debug, Clone, PartialEq)]
enum Run {
    Glyphs(Vec<u16>),
    Char(char),
}

/// A drawing operation; `y` grows downwards from the top of the block (or page).
#[derive(Debug, Clone, PartialEq)]
enum Op {
    /// A line of text whose baseline is at `y`.
    Text {
        font: FontId,
        size: f32,
        x: f32,
        y: f32,
        gray: f32,
        runs: Vec<Run>,
    },
    /// The start of a signed text.
    BeginText {
        section: String,
        key: String,
        index: usize,
    },
    /// The end of a signed text.
    EndText,
    /// A filled rectangle.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: f32,
    },
    /// A horizontal rule.
    Rule { x: f32, y: f32, w: f32, gray: f32 },
    /// The number of the block's entry in the page seal, written at the end of a line.
    SealNumber { x: f32, y: f32 },
}

fn runs_of(font: &FontData, text: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut glyphs = Vec::new();
    for c in text.chars() {
        match font.glyph(c) {
            Some(g) => glyphs.push(g),
            None => {
                if !glyphs.is_empty() {
                    runs.push(Run::Glyphs(std::mem::take(&mut glyphs)));
                }
                runs.push(Run::Char(c));
            }
        }
    }
    if !glyphs.is_empty() {
        runs.push(Run::Glyphs(glyphs));
    }
    runs
}

/// One wrapped line: the exact characters it holds (its trailing blanks included).
struct Line {
    text: String,
    /// Whether a line break character ends it (drawn as a marked point).
    newline: Option<char>,
}

/// Wraps `text` to `width`, keeping every character: concatenating the lines (and their line
/// break characters) gives `text` back exactly.
fn wrap(font: &FontData, size: f32, text: &str, width: f32) -> Vec<Line> {
    let mut out = Vec::new();
    let mut paragraphs = text.split_inclusive(['\n', '\r']).peekable();
    if paragraphs.peek().is_none() {
        return vec![Line {
            text: String::new(),
            newline: None,
        }];
    }
    for para in paragraphs {
        let (body, newline) = match para.chars().last() {
            Some(c @ ('\n' | '\r')) => (&para[..para.len() - c.len_utf8()], Some(c)),
            _ => (para, None),
        };
        let mut lines = wrap_paragraph(font, size, body, width);
        if let Some(last) = lines.last_mut() {
            last.newline = newline;
        }
        out.append(&mut lines);
    }
    out
}

fn wrap_paragraph(font: &FontData, size: f32, text: &str, width: f32) -> Vec<Line> {
    // Units: a word and the blanks after it.
    let mut units: Vec<&str> = Vec::new();
    let mut start = 0;
    let mut in_blank = false;
    for (i, c) in text.char_indices() {
        let blank = c == ' ' || c == '\t';
        if !blank && in_blank {
            units.push(&text[start..i]);
            start = i;
        }
        in_blank = blank;
    }
    units.push(&text[start..]);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_w = 0.0;
    for unit in units {
        let word = unit.trim_end_matches([' ', '\t']);
        let word_w = font.width(word, size);
        let unit_w = font.width(unit, size);
        if line_w + word_w <= width || line.is_empty() && word_w <= width {
            line.push_str(unit);
            line_w += unit_w;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line_w = 0.0;
        }
        if word_w <= width {
            line.push_str(unit);
            line_w = unit_w;
            continue;
        }
        // A word wider than the line: cut it between characters.
        for c in unit.chars() {
            let w = font.char_width(c, size);
            if line_w + w > width && !line.is_empty() && c != ' ' && c != '\t' {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            line.push(c);
            line_w += w;
        }
    }
    lines.push(line);
    lines
        .into_iter()
        .map(|text| Line {
            text,
            newline: None,
        })
        .collect()
}

/// Builds the operations of one block, top to bottom.
struct Builder<'f> {
    fonts: &'f Fonts,
    ops: Vec<Op>,
    y: f32,
}

impl<'f> Builder<'f> {
    fn new(fonts: &'f Fonts) -> Builder<'f> {
        Builder {
            fonts,
            ops: Vec::new(),
            y: 0.0,
        }
    }

    fn line_height(size: f32) -> f32 {
        size * 1.28
    }

    /// One line of text at `x` (no wrapping), without moving down.
    fn text_at(&mut self, font: FontId, size: f32, x: f32, gray: f32, text: &str) -> f32 {
        let f = self.fonts.get(font);
        let baseline = self.y + f.ascent() * size;
        self.ops.push(Op::Text {
            font,
            size,
            x,
            y: baseline,
            gray,
            runs: runs_of(f, text),
        });
        f.width(text, size)
    }

    /// One line of text, then down one line.
    fn line(&mut self, font: FontId, size: f32, x: f32, gray: f32, text: &str) {
        self.text_at(font, size, x, gray, text);
        self.y += Self::line_height(size);
    }

    /// A wrapped paragraph; when `tag` is given, its exact characters are marked as that
    /// signed text.
    fn paragraph(
        &mut self,
        font: FontId,
        size: f32,
        x: f32,
        width: f32,
        text: &str,
        tag: Option<(&str, &str, usize)>,
    ) {
        let f = self.fonts.get(font);
        if let Some((section, key, index)) = tag {
            self.ops.push(Op::BeginText {
                section: section.to_string(),
                key: key.to_string(),
                index,
            });
        }
        for l in wrap(f, size, text, width) {
            let mut runs = runs_of(f, &l.text);
            if let Some(c) = l.newline {
                runs.push(Run::Char(c));
            }
            let baseline = self.y + f.ascent() * size;
            self.ops.push(Op::Text {
                font,
                size,
                x,
                y: baseline,
                gray: 0.0,
                runs,
            });
            self.y += Self::line_height(size);
        }
        if tag.is_some() {
            self.ops.push(Op::EndText);
        }
    }

    fn gap(&mut self, h: f32) {
        self.y += h;
    }

    fn rule(&mut self, gray: f32) {
        self.ops.push(Op::Rule {
            x: LEFT,
            y: self.y,
            w: WIDTH,
            gray,
        });
    }

    /// The signature line of an entry: author, date, number in the page seal.
    fn signed_by(&mut self, e: &Prepared) {
        let who = e
            .author_name
            .clone()
            .unwrap_or_else(|| "auteur inconnu de l'appareil".into());
        let text = format!("Signé par {who} (clé {}…) le {}", &e.author_short, e.date);
        let w = self.text_at(FontId::Regular, 7.0, LEFT, GREY, &text);
        self.ops.push(Op::SealNumber {
            x: LEFT + w + 4.0,
            y: self.y + self.fonts.regular.ascent() * 7.0,
        });
        self.y += Self::line_height(7.0);
    }

    fn finish(self, entry: Option<usize>, group: Option<usize>, keep_with_next: bool) -> Block {
        Block {
            height: self.y,
            ops: self.ops,
            entry,
            group,
            keep_with_next,
        }
    }
}

/// A piece of a page that is never split.
#[derive(Debug, Clone)]
struct Block {
    height: f32,
    ops: Vec<Op>,
    entry: Option<usize>,
    group: Option<usize>,
    keep_with_next: bool,
}

// ------------------------------------------------------------------------------ content

/// An entry opened for printing.
struct Prepared {
    opened: OpenedEntry,
    short_form: Vec<u8>,
    section: String,
    key: String,
    author_name: Option<String>,
    author_short: String,
    date: String,
}

fn date_of(secs: i64) -> String {
    livret_core::vocab::Date::from_unix_seconds(secs)
        .map(|d| format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year()))
        .unwrap_or_default()
}

fn year_label(year: u16) -> String {
    format!("{}-{}", year, u32::from(year) + 1)
}

fn period_label(index: u8, count: u8) -> String {
    Period::new(index, count)
        .map(|p| p.label())
        .unwrap_or_else(|_| format!("Période {index}/{count}"))
}

fn text(e: &Prepared, i: usize) -> &str {
    e.opened
        .texts
        .get(i)
        .map(String::as_str)
        .unwrap_or_default()
}

/// The order subjects are printed in: the official list first, then by code.
fn subject_rank(code: &str) -> (usize, String) {
    let rank = livret_core::vocab::KNOWN_DISCIPLINES
        .iter()
        .position(|(c, _)| *c == code)
        .unwrap_or(usize::MAX);
    (rank, code.to_string())
}

/// A key to sort and group the entries: (kind order, year, period, subject rank...).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Identity,
    Period {
        year: u16,
        count: u8,
        index: u8,
        part: u8,
        rank: (usize, String),
    },
    Cycle {
        year: u16,
        cycle: u8,
    },
    Attestation {
        date: String,
        kind: String,
    },
    Other,
}

fn slot_of(content: &Content) -> Slot {
    match content {
        Content::Identity { .. } => Slot::Identity,
        Content::Subject {
            year, period, code, ..
        } => Slot::Period {
            year: *year,
            count: period.count,
            index: period.index,
            part: 0,
            rank: subject_rank(code),
        },
        Content::Synthesis { year, period, .. } => Slot::Period {
            year: *year,
            count: period.count,
            index: period.index,
            part: 1,
            rank: (0, String::new()),
        },
        Content::VieScolaire { year, period, .. } => Slot::Period {
            year: *year,
            count: period.count,
            index: period.index,
            part: 2,
            rank: (0, String::new()),
        },
        Content::Cycle { year, cycle, .. } => Slot::Cycle {
            year: *year,
            cycle: *cycle,
        },
        Content::Attestation { kind, date } => Slot::Attestation {
            date: date.clone(),
            kind: kind.clone(),
        },
        // Lycée entries (LSL) and any other kind: printed generically, after the rest.
        _ => Slot::Other,
    }
}

fn title_bar(b: &mut Builder<'_>, text: &str) {
    b.gap(6.0);
    let h = Builder::line_height(11.5) + 4.0;
    b.ops.push(Op::Fill {
        x: LEFT,
        y: b.y,
        w: WIDTH,
        h,
        gray: 0.88,
    });
    b.gap(2.5);
    b.line(FontId::Bold, 11.5, LEFT + 5.0, 0.0, text);
    b.gap(4.0);
}

fn evaluation_text(level: Option<u8>, mark: Option<&str>) -> String {
    match (level, mark) {
        (Some(l), _) => match Positioning::from_value(l) {
            Ok(p) => format!("{} ({l}/4)", p.label()),
            Err(_) => format!("Positionnement {l}"),
        },
        (None, Some(m)) => format!("Note : {m}"),
        _ => String::new(),
    }
}

fn subject_block(fonts: &Fonts, e: &Prepared, idx: usize, group: usize) -> Block {
    let mut b = Builder::new(fonts);
    b.gap(3.0);
    b.rule(0.6);
    b.gap(4.0);
    if let Content::Subject {
        code,
        label,
        level,
        mark,
        ..
    } = &e.opened.payload.content
    {
        let head = format!("{label} ({code})");
        let eval = evaluation_text(*level, mark.as_deref());
        let head_w = fonts.bold.width(&head, 10.0);
        let eval_w = fonts.bold.width(&eval, 9.0);
        if head_w + eval_w + 16.0 <= WIDTH {
            b.text_at(FontId::Bold, 9.0, LEFT + WIDTH - eval_w, 0.0, &eval);
            b.line(FontId::Bold, 10.0, LEFT, 0.0, &head);
        } else {
            b.line(FontId::Bold, 10.0, LEFT, 0.0, &head);
            b.line(FontId::Bold, 9.0, LEFT + 12.0, 0.0, &eval);
        }
        b.gap(1.5);
        b.paragraph(
            FontId::Regular,
            9.5,
            LEFT + 6.0,
            WIDTH - 6.0,
            text(e, 0),
            Some((&e.section, &e.key, 0)),
        );
        b.gap(1.0);
        b.signed_by(e);
    }
    b.finish(Some(idx), Some(group), false)
}

fn synthesis_block(fonts: &Fonts, e: &Prepared, idx: usize, group: usize) -> Block {
    let mut b = Builder::new(fonts);
    b.gap(3.0);
    b.rule(0.2);
    b.gap(4.0);
    b.line(
        FontId::Bold,
        10.0,
        LEFT,
        0.0,
        "Synthèse de l'évolution des acquis scolaires et conseils pour progresser",
    );
    b.gap(1.5);
    b.paragraph(
        FontId::Regular,
        9.5,
        LEFT + 6.0,
        WIDTH - 6.0,
        text(e, 0),
        Some((&e.section, &e.key, 0)),
    );
    b.gap(1.0);
    b.signed_by(e);
    b.finish(Some(idx), Some(group), false)
}

fn vie_scolaire_block(fonts: &Fonts, e: &Prepared, idx: usize, group: usize) -> Block {
    let mut b = Builder::new(fonts);
    b.gap(3.0);
    b.rule(0.2);
    b.gap(4.0);
    b.line(FontId::Bold, 10.0, LEFT, 0.0, "Vie scolaire");
    if let Content::VieScolaire {
        late,
        justified,
        unjustified,
        ..
    } = &e.opened.payload.content
    {
        b.gap(1.0);
        b.line(
            FontId::Regular,
            9.5,
            LEFT + 6.0,
            0.0,
            &format!("Retards : {late}"),
        );
        b.line(
            FontId::Regular,
            9.5,
            LEFT + 6.0,
            0.0,
            &format!("Demi-journées d'absence justifiées : {justified}"),
        );
        b.line(
            FontId::Regular,
            9.5,
            LEFT + 6.0,
            0.0,
            &format!("Demi-journées d'absence non justifiées : {unjustified}"),
        );
    }
    b.gap(1.0);
    b.signed_by(e);
    b.finish(Some(idx), Some(group), false)
}

fn cycle_blocks(fonts: &Fonts, e: &Prepared, idx: usize, group: usize) -> Vec<Block> {
    let Content::Cycle {
        cycle,
        year,
        levels,
        ..
    } = &e.opened.payload.content
    else {
        return vec![];
    };
    let mut b = Builder::new(fonts);
    let cycle_label = Cycle::from_value(*cycle)
        .map(|c| c.label().to_string())
        .unwrap_or_else(|_| format!("Cycle {cycle}"));
    b.gap(2.0);
    b.line(FontId::Regular, 9.0, LEFT, 0.0, &cycle_label);
    b.line(
        FontId::Regular,
        9.0,
        LEFT,
        0.0,
        &format!("Année scolaire {}", year_label(*year)),
    );
    b.gap(3.0);
    b.line(
        FontId::Bold,
        10.0,
        LEFT,
        0.0,
        "Maîtrise des composantes du socle commun",
    );
    let level_x = LEFT + 360.0;
    for (component, level) in SocleComponent::ALL.iter().zip(levels.iter()) {
        b.gap(1.5);
        b.rule(0.75);
        b.gap(2.5);
        let top = b.y;
        let label = SocleLevel::from_value(*level)
            .map(|l| l.label().to_string())
            .unwrap_or_else(|_| format!("niveau {level}"));
        b.text_at(
            FontId::Bold,
            9.0,
            level_x,
            0.0,
            &format!("{label} ({level})"),
        );
        b.paragraph(
            FontId::Regular,
            9.0,
            LEFT + 6.0,
            level_x - LEFT - 14.0,
            &format!("{} ({})", component.label(), component.code()),
            None,
        );
        b.y = b.y.max(top + Builder::line_height(9.0));
    }
    b.gap(1.5);
    b.rule(0.75);
    b.gap(2.0);
    b.signed_by(e);
    let table = b.finish(Some(idx), Some(group), true);

    let mut s = Builder::new(fonts);
    s.gap(4.0);
    s.line(
        FontId::Bold,
        10.0,
        LEFT,
        0.0,
        "Synthèse des acquis scolaires de l'élève en fin de cycle",
    );
    s.gap(1.5);
    s.paragraph(
        FontId::Regular,
        9.5,
        LEFT + 6.0,
        WIDTH - 6.0,
        text(e, 0),
        Some((&e.section, &e.key, 0)),
    );
    s.gap(1.0);
    s.signed_by(e);
    vec![table, s.finish(Some(idx), Some(group), false)]
}

fn attestation_block(fonts: &Fonts, e: &Prepared, idx: usize, group: usize) -> Block {
    let mut b = Builder::new(fonts);
    if let Content::Attestation { kind, date } = &e.opened.payload.content {
        let label = AttestationKind::parse(kind)
            .map(|k| k.label().to_string())
            .unwrap_or_else(|_| kind.clone());
        let date = livret_core::vocab::Date::parse(date)
            .map(|d| format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year()))
            .unwrap_or_else(|_| date.clone());
        b.gap(3.0);
        b.paragraph(
            FontId::Regular,
            9.5,
            LEFT + 6.0,
            WIDTH - 6.0,
            &format!("{label} ({kind}) : obtenue le {date}"),
            None,
        );
        b.signed_by(e);
    }
    b.finish(Some(idx), Some(group), false)
}

/// An entry of a kind this layout does not know in detail (lycée entries...): its kind and its
/// signed texts.
fn other_block(fonts: &Fonts, e: &Prepared, idx: usize, group: usize) -> Block {
    let mut b = Builder::new(fonts);
    let kind = e.opened.payload.content.kind();
    let label = match kind {
        "lycee-subject" => "Livret scolaire du lycée : discipline".to_string(),
        "lycee-opinion" => "Livret scolaire du lycée : engagement et avis".to_string(),
        other => format!("Inscription « {other} »"),
    };
    b.gap(3.0);
    b.rule(0.6);
    b.gap(4.0);
    b.line(
        FontId::Bold,
        10.0,
        LEFT,
        0.0,
        &format!("{label} ({})", e.key),
    );
    for i in 0..e.opened.texts.len() {
        b.gap(1.5);
        b.paragraph(
            FontId::Regular,
            9.5,
            LEFT + 6.0,
            WIDTH - 6.0,
            text(e, i),
            Some((&e.section, &e.key, i)),
        );
    }
    b.gap(1.0);
    b.signed_by(e);
    b.finish(Some(idx), Some(group), false)
}

fn title_block(fonts: &Fonts, paper: &PaperLivret, identity: Option<(usize, &Prepared)>) -> Block {
    let mut b = Builder::new(fonts);
    b.line(FontId::Bold, 18.0, LEFT, 0.0, "Livret scolaire");
    b.gap(2.0);
    match identity {
        Some((_, e)) => {
            b.paragraph(
                FontId::Bold,
                14.0,
                LEFT,
                WIDTH,
                text(e, 0),
                Some((&e.section, &e.key, 0)),
            );
            let w = b.text_at(FontId::Regular, 10.0, LEFT, 0.0, "Né(e) le ");
            b.ops.push(Op::BeginText {
                section: e.section.clone(),
                key: e.key.clone(),
                index: 1,
            });
            let w2 = b.text_at(FontId::Regular, 10.0, LEFT + w, 0.0, text(e, 1));
            b.ops.push(Op::EndText);
            let ine = text(e, 2);
            let label = if ine.is_empty() { "" } else { "   INE : " };
            let w3 = b.text_at(FontId::Regular, 10.0, LEFT + w + w2, 0.0, label);
            b.ops.push(Op::BeginText {
                section: e.section.clone(),
                key: e.key.clone(),
                index: 2,
            });
            b.text_at(FontId::Regular, 10.0, LEFT + w + w2 + w3, 0.0, ine);
            b.ops.push(Op::EndText);
            b.y += Builder::line_height(10.0);
        }
        None => {
            let name = paper.name.clone().unwrap_or_else(|| "(nom inconnu)".into());
            b.line(FontId::Bold, 14.0, LEFT, 0.0, &name);
        }
    }
    if let Some(class) = &paper.class {
        b.line(
            FontId::Regular,
            10.0,
            LEFT,
            0.0,
            &format!("Classe : {class}"),
        );
    }
    b.gap(3.0);
    b.line(FontId::Regular, 9.0, LEFT, 0.0, &paper.scope);
    b.line(
        FontId::Regular,
        8.0,
        LEFT,
        GREY,
        &format!(
            "Livret {} — imprimé le {} par « {} »",
            paper.livret_id, paper.printed_on, paper.printed_by
        ),
    );
    b.paragraph(
        FontId::Regular,
        8.0,
        LEFT,
        WIDTH,
        "Chaque page porte un sceau : un code QR qui contient la forme signée des inscriptions \
         de la page (codes, positionnements, notes, empreintes des textes, auteurs, dates, \
         signatures). La commande « livret verify-seal » le vérifie sans réseau.",
        None,
    );
    if let Some((_, e)) = identity {
        b.signed_by(e);
    }
    b.gap(4.0);
    b.finish(identity.map(|(i, _)| i), None, false)
}

/// Lays out every block in print order, with the continuation header of each group.
fn blocks(
    fonts: &Fonts,
    paper: &PaperLivret,
    entries: &[Prepared],
) -> (Vec<Block>, BTreeMap<usize, Block>) {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| slot_of(&entries[i].opened.payload.content));
    let identity = order
        .iter()
        .copied()
        .find(|&i| matches!(entries[i].opened.payload.content, Content::Identity { .. }));
    let mut out = vec![title_block(
        fonts,
        paper,
        identity.map(|i| (i, &entries[i])),
    )];
    let mut continuations = BTreeMap::new();
    let mut current: Option<(Slot, usize)> = None;
    let mut next_group = 0;
    for i in order {
        let e = &entries[i];
        let slot = slot_of(&e.opened.payload.content);
        // The group this entry belongs to: a period, a cycle bilan, the attestations.
        let group_key = match &slot {
            Slot::Period {
                year, count, index, ..
            } => Slot::Period {
                year: *year,
                count: *count,
                index: *index,
                part: 0,
                rank: (0, String::new()),
            },
            Slot::Cycle { .. } => slot.clone(),
            Slot::Attestation { .. } => Slot::Attestation {
                date: String::new(),
                kind: String::new(),
            },
            Slot::Other if !matches!(e.opened.payload.content, Content::Message { .. }) => {
                Slot::Other
            }
            Slot::Identity | Slot::Other => continue,
        };
        let title = match &group_key {
            Slot::Period {
                year, count, index, ..
            } => format!(
                "Bilan périodique — {} — année scolaire {}",
                period_label(*index, *count),
                year_label(*year)
            ),
            Slot::Cycle { cycle, .. } => format!("Bilan de fin de cycle {cycle}"),
            Slot::Attestation { .. } => "Attestations".to_string(),
            _ => "Autres inscriptions".to_string(),
        };
        let group = match &current {
            Some((k, g)) if *k == group_key => *g,
            _ => {
                let g = next_group;
                next_group += 1;
                current = Some((group_key, g));
                let mut t = Builder::new(fonts);
                title_bar(&mut t, &title);
                out.push(t.finish(None, Some(g), true));
                let mut c = Builder::new(fonts);
                title_bar(&mut c, &format!("{title} (suite)"));
                continuations.insert(g, c.finish(None, Some(g), true));
                g
            }
        };
        match &e.opened.payload.content {
            Content::Subject { .. } => out.push(subject_block(fonts, e, i, group)),
            Content::Synthesis { .. } => out.push(synthesis_block(fonts, e, i, group)),
            Content::VieScolaire { .. } => out.push(vie_scolaire_block(fonts, e, i, group)),
            Content::Cycle { .. } => out.extend(cycle_blocks(fonts, e, i, group)),
            Content::Attestation { .. } => out.push(attestation_block(fonts, e, i, group)),
            Content::Identity { .. } | Content::Message { .. } => {}
            _ => out.push(other_block(fonts, e, i, group)),
        }
    }
    (out, continuations)
}

/// One laid-out page: blocks with their top, and the entries its seal carries.
struct PageLayout {
    blocks: Vec<(Block, f32)>,
    entries: Vec<usize>,
    y: f32,
}

impl PageLayout {
    fn new() -> PageLayout {
        PageLayout {
            blocks: Vec::new(),
            entries: Vec::new(),
            y: BODY_TOP,
        }
    }
}

fn seal_fits(entries: &[Prepared], idx: &[usize]) -> Result<bool, PdfError> {
    let forms: Vec<Vec<u8>> = idx.iter().map(|&i| entries[i].short_form.clone()).collect();
    if forms.len() > seal::MAX_SEAL_ENTRIES {
        return Ok(false);
    }
    let text = seal::encode(&forms)?;
    Ok(seal::qr_version(&text).is_some_and(|v| v <= PAGE_SEAL_VERSION))
}

/// Distributes the blocks on pages: a block goes on the current page if it fits (with the
/// next one when it must stay with it) and the page's seal still fits one QR code.
fn paginate(
    blocks: Vec<Block>,
    continuations: &BTreeMap<usize, Block>,
    entries: &[Prepared],
) -> Result<Vec<PageLayout>, PdfError> {
    let mut pages = Vec::new();
    let mut page = PageLayout::new();
    let heights: Vec<f32> = blocks.iter().map(|b| b.height).collect();
    let mut started_groups = BTreeSet::new();
    for (i, block) in blocks.into_iter().enumerate() {
        let need = if block.keep_with_next {
            block.height + heights.get(i + 1).copied().unwrap_or(0.0)
        } else {
            block.height
        };
        let mut with = page.entries.clone();
        if let Some(e) = block.entry {
            if !with.contains(&e) {
                with.push(e);
            }
        }
        let fits_height = page.y + need <= BODY_BOTTOM;
        let fits_seal = with == page.entries || seal_fits(entries, &with)?;
        let page_has_content = page.blocks.iter().any(|(b, _)| !b.keep_with_next);
        if !(fits_height && fits_seal) && page_has_content {
            pages.push(std::mem::replace(&mut page, PageLayout::new()));
            // A group going on from the previous page gets its title again.
            if let Some(g) = block.group {
                if started_groups.contains(&g) && block.entry.is_some() {
                    if let Some(c) = continuations.get(&g) {
                        page.blocks.push((c.clone(), page.y));
                        page.y += c.height;
                    }
                }
            }
        }
        if let Some(g) = block.group {
            started_groups.insert(g);
        }
        if let Some(e) = block.entry {
            if !page.entries.contains(&e) {
                page.entries.push(e);
            }
        }
        let h = block.height;
        page.blocks.push((block, page.y));
        page.y += h;
    }
    if !page.blocks.is_empty() {
        pages.push(page);
    }
    Ok(pages)
}

// ------------------------------------------------------------------------------- render

fn open_entries(paper: &PaperLivret) -> Result<Vec<Prepared>, PdfError> {
    let mut out = Vec::new();
    for p in &paper.entries {
        let opened = p
            .signed
            .open()
            .map_err(|e| PdfError::BadEntry(e.to_string()))?;
        if matches!(opened.payload.content, Content::Message { .. }) {
            continue;
        }
        let author = opened.payload.author_id().to_string();
        out.push(Prepared {
            section: opened.payload.section.to_string(),
            key: opened.payload.key.clone(),
            date: date_of(opened.payload.time),
            author_short: author.chars().take(8).collect(),
            author_name: p.author_name.clone(),
            short_form: p.signed.short_form.clone(),
            opened,
        });
    }
    Ok(out)
}

/// Lays out and writes the paper livret.
pub fn render(paper: &PaperLivret) -> Result<PaperOut, PdfError> {
    let fonts = Fonts::load()?;
    let entries = open_entries(paper)?;
    if entries.is_empty() {
        return Err(PdfError::Empty);
    }
    let (blocks, continuations) = blocks(&fonts, paper, &entries);
    let layouts = paginate(blocks, &continuations, &entries)?;
    let total = layouts.len();
    let heading = match &paper.name {
        Some(n) => format!("Livret scolaire — {n}"),
        None => "Livret scolaire".to_string(),
    };

    // Every page's operations, with header and seal band; the seals first.
    let mut pages_ops = Vec::new();
    let mut printed = Vec::new();
    for (n, layout) in layouts.iter().enumerate() {
        let forms: Vec<Vec<u8>> = layout
            .entries
            .iter()
            .map(|&i| entries[i].short_form.clone())
            .collect();
        let text = seal::encode(&forms)?;
        let version = seal::qr_version(&text).ok_or_else(|| {
            seal::SealError::TooLarge(format!("page {} : version QR au-delà de 40", n + 1))
        })?;
        let mut ops = Vec::new();
        // Running header.
        let mut h = Builder::new(&fonts);
        h.y = TOP;
        h.text_at(FontId::Regular, 8.0, LEFT, GREY, &heading);
        let pn = format!("Page {} / {total}", n + 1);
        let pw = fonts.regular.width(&pn, 8.0);
        h.text_at(FontId::Regular, 8.0, LEFT + WIDTH - pw, GREY, &pn);
        h.y = TOP + 13.0;
        h.rule(0.5);
        ops.extend(h.ops);
        // Body.
        for (block, top) in &layout.blocks {
            let number = block
                .entry
                .and_then(|e| layout.entries.iter().position(|x| *x == e))
                .map(|p| p + 1);
            for op in &block.ops {
                ops.push(match op.clone() {
                    Op::Text {
                        font,
                        size,
                        x,
                        y,
                        gray,
                        runs,
                    } => Op::Text {
                        font,
                        size,
                        x,
                        y: y + top,
                        gray,
                        runs,
                    },
                    Op::Fill { x, y, w, h, gray } => Op::Fill {
                        x,
                        y: y + top,
                        w,
                        h,
                        gray,
                    },
                    Op::Rule { x, y, w, gray } => Op::Rule {
                        x,
                        y: y + top,
                        w,
                        gray,
                    },
                    Op::SealNumber { x, y } => match number {
                        Some(k) => Op::Text {
                            font: FontId::Regular,
                            size: 7.0,
                            x,
                            y: y + top,
                            gray: GREY,
                            runs: runs_of(&fonts.regular, &format!("— n° {k} du sceau")),
                        },
                        None => continue,
                    },
                    other => other,
                });
            }
        }
        // Seal band.
        let qr = crate::qr::Qr::new(&text).map_err(|e| PdfError::Font(e.to_string()))?;
        let (modules, dark) = qr.modules();
        let total_modules = modules + 8;
        let module = (QR_MAX / total_modules as f32).min(2.2);
        let qr_size = module * total_modules as f32;
        let qr_x = LEFT + WIDTH - qr_size;
        let qr_y = BAND_TOP + 8.0;
        let mut s = Builder::new(&fonts);
        s.y = BAND_TOP;
        s.rule(0.4);
        s.y = BAND_TOP + 10.0;
        let text_w = WIDTH - qr_size - 14.0;
        s.line(
            FontId::Bold,
            9.0,
            LEFT,
            0.0,
            &format!("Sceau de la page {} / {total}", n + 1),
        );
        s.paragraph(
            FontId::Regular,
            7.5,
            LEFT,
            text_w,
            &format!(
                "Ce code QR contient la forme courte signée des {} inscription(s) de cette page : \
                 codes, positionnements, notes, empreintes SHA-256 des textes, auteurs, dates et \
                 signatures (COSE, Ed25519).",
                layout.entries.len()
            ),
            None,
        );
        s.gap(3.0);
        s.paragraph(
            FontId::Regular,
            7.5,
            LEFT,
            text_w,
            "Pour le vérifier, sans réseau : livret verify-seal --png <photo ou image du code> \
             [--pdf <ce fichier>]. Une inscription modifiée ne se vérifie plus ; un texte modifié \
             ne correspond plus à son empreinte.",
            None,
        );
        s.gap(3.0);
        s.line(
            FontId::Regular,
            7.5,
            LEFT,
            GREY,
            &format!("Code QR version {version}, niveau M."),
        );
        ops.extend(s.ops);
        for row in 0..modules {
            let mut col = 0;
            while col < modules {
                if dark.get(row * modules + col).copied().unwrap_or(false) {
                    let start = col;
                    while col < modules && dark.get(row * modules + col).copied().unwrap_or(false) {
                        col += 1;
                    }
                    ops.push(Op::Fill {
                        x: qr_x + (start + 4) as f32 * module,
                        y: qr_y + (row + 4) as f32 * module,
                        w: (col - start) as f32 * module,
                        h: module,
                        gray: 0.0,
                    });
                } else {
                    col += 1;
                }
            }
        }
        printed.push(PrintedPage {
            seal: text,
            qr_version: version,
            entries: layout
                .entries
                .iter()
                .map(|&i| (entries[i].section.clone(), entries[i].key.clone()))
                .collect(),
        });
        pages_ops.push(ops);
    }
    let pdf = write_pdf(&fonts, paper, &pages_ops)?;
    Ok(PaperOut {
        pdf,
        pages: printed,
    })
}

fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// A subset tag (six upper-case letters) derived from the glyphs used.
fn subset_tag(glyphs: &BTreeMap<u16, char>, salt: u8) -> String {
    let mut h: u32 = 2_166_136_261 ^ u32::from(salt);
    for g in glyphs.keys() {
        for b in g.to_be_bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(16_777_619);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((h >> (i * 5)) % 26) as u8))
        .collect()
}

struct EmbeddedFont {
    type0: Ref,
    remap: BTreeMap<u16, u16>,
}

fn embed_font(
    pdf: &mut Pdf,
    next: &mut impl FnMut() -> Ref,
    font: &FontData,
    base: &str,
    salt: u8,
) -> Result<EmbeddedFont, PdfError> {
    let used = font.used.borrow().clone();
    let mut remapper = subsetter::GlyphRemapper::new();
    let mut remap = BTreeMap::new();
    for gid in used.keys() {
        remap.insert(*gid, remapper.remap(*gid));
    }
    let subset = subsetter::subset(font.bytes, 0, &remapper)
        .map_err(|e| PdfError::Font(format!("{e:?}")))?;
    let name = format!("{}+{base}", subset_tag(&used, salt));
    let (type0, cid, descriptor, file, cmap) = (next(), next(), next(), next(), next());
    let info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(type0)
        .base_font(Name(name.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let scale = 1000.0 / font.upem;
    let mut widths: Vec<f32> = vec![0.0; usize::from(remapper.num_gids())];
    for (old, new) in &remap {
        if let Some(w) = widths.get_mut(usize::from(*new)) {
            *w = font.advance(*old) * 1000.0;
        }
    }
    let notdef_w = font.advance(0) * 1000.0;
    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(Name(name.as_bytes()))
        .system_info(info)
        .font_descriptor(descriptor)
        .default_width(notdef_w)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid_font.widths().consecutive(0, widths);
    cid_font.finish();
    let bbox = font.face.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(Name(name.as_bytes()))
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            f32::from(bbox.x_min) * scale,
            f32::from(bbox.y_min) * scale,
            f32::from(bbox.x_max) * scale,
            f32::from(bbox.y_max) * scale,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(font.face.ascender()) * scale)
        .descent(f32::from(font.face.descender()) * scale)
        .cap_height(f32::from(font.face.capital_height().unwrap_or(1409)) * scale)
        .stem_v(if salt == 0 { 80.0 } else { 140.0 })
        .font_file2(file);
    let compressed = deflate(&subset);
    pdf.stream(file, &compressed)
        .filter(Filter::FlateDecode)
        .pair(
            Name(b"Length1"),
            i32::try_from(subset.len()).unwrap_or(i32::MAX),
        );
    let mut map = pdf_writer::types::UnicodeCmap::new(Name(b"Livret-UTF16"), info);
    for (old, c) in &used {
        if let Some(new) = remap.get(old) {
            map.pair(*new, *c);
        }
    }
    let data = map.finish();
    pdf.cmap(cmap, &data)
        .name(Name(b"Livret-UTF16"))
        .system_info(info);
    Ok(EmbeddedFont { type0, remap })
}

fn write_pdf(fonts: &Fonts, paper: &PaperLivret, pages: &[Vec<Op>]) -> Result<Vec<u8>, PdfError> {
    let mut pdf = Pdf::new();
    let mut counter = 0;
    let mut next = move || {
        counter += 1;
        Ref::new(counter)
    };
    let catalog = next();
    let tree = next();
    let info = next();
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (next(), next())).collect();
    let regular = embed_font(&mut pdf, &mut next, &fonts.regular, "LiberationSans", 0)?;
    let bold = embed_font(&mut pdf, &mut next, &fonts.bold, "LiberationSans-Bold", 1)?;

    pdf.catalog(catalog).pages(tree).lang(TextStr("fr-FR"));
    pdf.pages(tree)
        .kids(page_ids.iter().map(|(p, _)| *p))
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));
    let title = match &paper.name {
        Some(n) => format!("Livret scolaire — {n}"),
        None => "Livret scolaire".into(),
    };
    pdf.document_info(info)
        .title(TextStr(&title))
        .creator(TextStr("livret"))
        .producer(TextStr("livret (pdf-writer)"));

    for ((page_id, content_id), ops) in page_ids.iter().zip(pages) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree)
            .contents(*content_id);
        page.resources()
            .fonts()
            .pair(Name(b"F1"), regular.type0)
            .pair(Name(b"F2"), bold.type0);
        page.finish();
        let content = page_content(ops, &regular, &bold);
        pdf.stream(*content_id, &deflate(&content))
            .filter(Filter::FlateDecode);
    }
    Ok(pdf.finish())
}

fn page_content(ops: &[Op], regular: &EmbeddedFont, bold: &EmbeddedFont) -> Vec<u8> {
    let mut c = pdf_writer::Content::new();
    for op in ops {
        match op {
            Op::Fill { x, y, w, h, gray } => {
                c.set_fill_gray(*gray);
                c.rect(*x, PAGE_HEIGHT - y - h, *w, *h);
                c.fill_nonzero();
            }
            Op::Rule { x, y, w, gray } => {
                c.set_stroke_gray(*gray);
                c.set_line_width(0.6);
                c.move_to(*x, PAGE_HEIGHT - y);
                c.line_to(x + w, PAGE_HEIGHT - y);
                c.stroke();
            }
            Op::BeginText {
                section,
                key,
                index,
            } => {
                let mut mc = c.begin_marked_content_with_properties(Name(TEXT_TAG));
                let mut props = mc.properties();
                props.pair(Name(b"Section"), Str(section.as_bytes()));
                props.pair(Name(b"Cle"), Str(key.as_bytes()));
                props.pair(Name(b"Texte"), i32::try_from(*index).unwrap_or(0));
            }
            Op::EndText => {
                c.end_marked_content();
            }
            Op::Text {
                font,
                size,
                x,
                y,
                gray,
                runs,
            } => {
                let (name, embedded) = match font {
                    FontId::Regular => (Name(b"F1"), regular),
                    FontId::Bold => (Name(b"F2"), bold),
                };
                c.begin_text();
                c.set_fill_gray(*gray);
                c.set_font(name, *size);
                c.set_text_matrix([1.0, 0.0, 0.0, 1.0, *x, PAGE_HEIGHT - y]);
                for run in runs {
                    match run {
                        Run::Glyphs(gids) => {
                            let bytes: Vec<u8> = gids
                                .iter()
                                .flat_map(|g| {
                                    embedded.remap.get(g).copied().unwrap_or(0).to_be_bytes()
                                })
                                .collect();
                            c.show(Str(&bytes));
                        }
                        Run::Char(ch) => {
                            let mut mp = c.marked_content_point_with_properties(Name(CHAR_TAG));
                            mp.properties()
                                .pair(Name(b"U"), i32::try_from(u32::from(*ch)).unwrap_or(0));
                        }
                    }
                }
                c.end_text();
            }
            Op::SealNumber { .. } => {}
        }
    }
    c.finish().to_vec()
}

// ----------------------------------------------------------------------------- recovery

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

const MAX_STREAM: usize = 16 * 1024 * 1024;

fn unreadable(e: impl std::fmt::Display) -> PdfError {
    PdfError::Unreadable(e.to_string())
}

/// Reads a ToUnicode map (the `bfchar` sections this module writes).
fn parse_to_unicode(data: &[u8]) -> BTreeMap<u16, String> {
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

fn dict_text(d: &lopdf::Dictionary, key: &[u8]) -> Option<String> {
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

fn push_codes(out: &mut String, bytes: &[u8], map: &BTreeMap<u16, String>) {
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use livret_core::content;
    use livret_core::vocab::{
        Appreciation, CycleSynthesis, Date, Discipline, DisciplineCode, Evaluation, Mark,
        Millesime, PersonName, SocleLevels, Synthesis, VieScolaire,
    };
    use livret_core::{DeviceSecret, LivretId};

    fn sign(secret: &DeviceSecret, d: content::Draft, t: i64) -> SignedEntry {
        SignedEntry::sign(
            secret,
            LivretId([4; 16]),
            d.section,
            &d.key,
            d.content,
            d.texts,
            t,
        )
    }

    fn sample(texts: &[&str]) -> PaperLivret {
        let family = DeviceSecret::from_bytes(&[1; 32]);
        let teacher = DeviceSecret::from_bytes(&[2; 32]);
        let y = Millesime::new(2025).unwrap();
        let p = Period::parse("1/3").unwrap();
        let mut entries = vec![PrintEntry {
            signed: sign(
                &family,
                content::identity(
                    &PersonName::new("Léa Dupont-Éloïse").unwrap(),
                    Date::parse("2014-03-02").unwrap(),
                    None,
                ),
                1,
            ),
            author_name: Some("Parent".into()),
        }];
        let codes = ["FRANCS", "MATHEM", "HISGEO", "ANGLV1", "SVTERR", "EPSPOR"];
        for (i, code) in codes.iter().enumerate() {
            let code = DisciplineCode::parse(code).unwrap();
            let eval = if i == 1 {
                Evaluation::Mark(Mark::new("15,5").unwrap())
            } else {
                Evaluation::Level(Positioning::from_value(1 + (i % 4) as u8).unwrap())
            };
            let text = texts[i % texts.len()];
            let d = content::subject(
                y,
                p,
                &Discipline::known(&code).unwrap(),
                &eval,
                &Appreciation::new(text).unwrap(),
            );
            entries.push(PrintEntry {
                signed: sign(&teacher, d, 1_760_000_000),
                author_name: Some("M. Martin".into()),
            });
        }
        entries.push(PrintEntry {
            signed: sign(
                &teacher,
                content::synthesis(
                    y,
                    p,
                    &Synthesis::new("Trimestre sérieux ; à poursuivre.").unwrap(),
                ),
                2,
            ),
            author_name: None,
        });
        entries.push(PrintEntry {
            signed: sign(
                &teacher,
                content::vie_scolaire(y, p, VieScolaire::new(1, 2, 0).unwrap()),
                2,
            ),
            author_name: Some("M. Martin".into()),
        });
        entries.push(PrintEntry {
            signed: sign(
                &teacher,
                content::cycle(
                    Cycle::Four,
                    y,
                    &SocleLevels::parse(
                        "CPD_FRA=3,CPD_ETR=2,CPD_SCI=4,CPD_ART=1,MET_APP=0,FRM_CIT=3,SYS_NAT=2,REP_MND=4",
                    )
                    .unwrap(),
                    &CycleSynthesis::new(texts[0]).unwrap(),
                ),
                3,
            ),
            author_name: Some("M. Martin".into()),
        });
        PaperLivret {
            livret_id: LivretId([4; 16]).to_string(),
            name: Some("Léa".into()),
            class: Some("5B".into()),
            printed_on: "2025-12-01".into(),
            printed_by: "Parent".into(),
            scope: "Livret complet".into(),
            entries,
        }
    }

    #[test]
    fn wrapping_keeps_every_character() {
        let fonts = Fonts::load().unwrap();
        let texts = [
            "Un texte assez long pour être coupé en plusieurs lignes, avec des accents : é è à ç ô œ « » — fin.",
            "Ligne 1\nLigne 2\r\n\nLigne 4\tavec tabulation  et  doubles  blancs ",
            &"W".repeat(300),
            "",
        ];
        for t in texts {
            for width in [40.0, 120.0, 500.0] {
                let lines = wrap(&fonts.regular, 9.5, t, width);
                let mut back = String::new();
                for l in &lines {
                    back.push_str(&l.text);
                    if let Some(c) = l.newline {
                        back.push(c);
                    }
                    let visible = l.text.trim_end_matches([' ', '\t']);
                    assert!(
                        fonts.regular.width(visible, 9.5) <= width + 0.01,
                        "{visible:?} wider than {width}"
                    );
                }
                assert_eq!(back, t);
            }
        }
    }

    #[test]
    fn renders_and_recovers_every_signed_text() {
        let texts = [
            "Lina progresse nettement en rédaction ; très bonne participation à l'oral.",
            "Ligne 1\nLigne 2 : « œuvre » — ça suffit !\tFin.",
        ];
        let paper = sample(&texts);
        let out = render(&paper).unwrap();
        assert!(out.pdf.starts_with(b"%PDF-"));
        let recovered = recover_texts(&out.pdf).unwrap();
        let mut expected = 0;
        for pe in &paper.entries {
            let o = pe.signed.open().unwrap();
            for (i, t) in o.texts.iter().enumerate() {
                expected += 1;
                let found = recovered
                    .iter()
                    .find(|r| r.key == o.payload.key && r.index == i)
                    .unwrap_or_else(|| panic!("{} text {i} not found", o.payload.key));
                assert_eq!(&found.text, t, "{}", o.payload.key);
            }
        }
        assert_eq!(recovered.len(), expected);
        // Every entry is in the seal of the page(s) where it is printed, and each seal verifies.
        let mut sealed = BTreeSet::new();
        for page in &out.pages {
            let forms = seal::decode(&page.seal).unwrap();
            assert!(seal::verify(&forms).iter().all(seal::SealedEntry::is_valid));
            for (s, k) in &page.entries {
                sealed.insert((s.clone(), k.clone()));
            }
        }
        assert_eq!(sealed.len(), paper.entries.len());
    }

    #[test]
    fn the_longest_texts_fit_and_pages_split() {
        let long = "W".repeat(600);
        let mixed = "Élève très sérieuse, ".repeat(28);
        let paper = sample(&[&long, &mixed[..600]]);
        let out = render(&paper).unwrap();
        assert!(out.pages.len() >= 3, "{} pages", out.pages.len());
        let fonts = Fonts::load().unwrap();
        let entries = open_entries(&paper).unwrap();
        let (blocks, _) = blocks(&fonts, &paper, &entries);
        for b in &blocks {
            assert!(b.height <= BODY_BOTTOM - BODY_TOP, "block of {}", b.height);
        }
        let recovered = recover_texts(&out.pdf).unwrap();
        assert!(recovered.iter().any(|r| r.text == long));
    }

    #[test]
    fn a_cycle_synthesis_of_1500_wide_characters_fits_a_page() {
        let fonts = Fonts::load().unwrap();
        let mut paper = sample(&["Bien."]);
        let teacher = DeviceSecret::from_bytes(&[2; 32]);
        paper.entries = vec![PrintEntry {
            signed: sign(
                &teacher,
                content::cycle(
                    Cycle::Three,
                    Millesime::new(2025).unwrap(),
                    &SocleLevels::from_array([SocleLevel::Fragile; 8]),
                    &CycleSynthesis::new(&"W".repeat(1500)).unwrap(),
                ),
                3,
            ),
            author_name: None,
        }];
        let entries = open_entries(&paper).unwrap();
        let (blocks, _) = blocks(&fonts, &paper, &entries);
        for b in &blocks {
            assert!(b.height <= BODY_BOTTOM - BODY_TOP, "block of {}", b.height);
        }
        assert!(render(&paper).is_ok());
    }

    fn run(cmd: &str, args: &[&str]) -> std::process::Output {
        let out = std::process::Command::new(cmd)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{cmd} is needed (apt-get install poppler-utils): {e}"));
        assert!(out.status.success(), "{cmd}: {out:?}");
        out
    }

    /// Whitespace-insensitive search (pdftotext breaks lines where the layout wraps).
    fn squash(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    #[test]
    fn poppler_reads_the_text_and_every_page_seal_scans() {
        let texts = [
            "Lina progresse nettement en rédaction ; très bonne participation à l'oral, bravo !",
            "Élève sérieuse et appliquée ; l'écriture doit être plus soignée. Œuvres étudiées : « Le Cid ».",
        ];
        let paper = sample(&texts);
        let out = render(&paper).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("livret.pdf");
        std::fs::write(&pdf, &out.pdf).unwrap();
        let pdf_s = pdf.to_str().unwrap();
        let text =
            String::from_utf8(run("pdftotext", &["-enc", "UTF-8", pdf_s, "-"]).stdout).unwrap();
        let flat = squash(&text);
        for needle in [
            "Français",
            "Mathématiques",
            "Histoire-géographie-EMC",
            "Sciences de la vie et de la Terre",
            "Éducation physique et sportive",
            "Objectifs d'apprentissage atteints",
            "Objectifs d'apprentissage dépassés",
            "Objectifs d'apprentissage non atteints",
            "Note : 15,5",
            "Maîtrise satisfaisante",
            "Très bonne maîtrise",
            "Dispensé",
            "Demi-journées d'absence justifiées : 2",
            "Léa Dupont-Éloïse",
            texts[0],
            texts[1],
        ] {
            assert!(
                flat.contains(&squash(needle)),
                "pdftotext misses {needle:?}:\n{text}"
            );
        }
        let prefix = dir.path().join("page");
        run(
            "pdftoppm",
            &["-r", "300", "-png", pdf_s, prefix.to_str().unwrap()],
        );
        let mut pngs: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "png"))
            .collect();
        pngs.sort();
        assert_eq!(pngs.len(), out.pages.len());
        for (png, page) in pngs.iter().zip(&out.pages) {
            let forms = seal::decode_png(&std::fs::read(png).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", png.display()));
            assert_eq!(forms, seal::decode(&page.seal).unwrap());
            assert!(seal::verify(&forms).iter().all(seal::SealedEntry::is_valid));
        }
        if let Ok(keep) = std::env::var("LIVRET_KEEP_PDF") {
            std::fs::copy(&pdf, &keep).unwrap();
            for (i, png) in pngs.iter().enumerate() {
                std::fs::copy(png, format!("{keep}.{}.png", i + 1)).unwrap();
            }
        }
    }

    #[test]
    fn nothing_to_print_is_an_error() {
        let mut paper = sample(&["x"]);
        paper.entries.clear();
        assert_eq!(render(&paper).unwrap_err(), PdfError::Empty);
        assert!(recover_texts(b"%PDF-1.7 garbage").is_err());
    }
}
