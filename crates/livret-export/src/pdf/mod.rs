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

mod band;
mod ecole;
mod font;
mod layout;
mod paginate;
mod parts;
mod recover;
pub mod recovery_sheet;
mod sections;
mod write;

use band::*;
use ecole::*;
use font::*;
use layout::*;
use paginate::*;
use parts::*;
pub use recover::{recover_texts, RecoveredText};
use sections::*;
use write::*;

/// A4 width in points.
pub const PAGE_WIDTH: f32 = 595.276;
/// A4 height in points.
pub const PAGE_HEIGHT: f32 = 841.89;
const LEFT: f32 = 42.0;
const WIDTH: f32 = PAGE_WIDTH - 2.0 * LEFT;
const TOP: f32 = 34.0;
const BODY_TOP: f32 = 62.0;
const BOTTOM: f32 = 28.0;
/// The height of the seal band at the foot of a page.
const BAND_HEIGHT: f32 = 182.0;
const BAND_TOP: f32 = PAGE_HEIGHT - BOTTOM - BAND_HEIGHT;
const BODY_BOTTOM: f32 = BAND_TOP - 8.0;
const GREY: f32 = 0.35;

/// The tag of a marked-content sequence holding a signed text.
const TEXT_TAG: &[u8] = b"LivretTexte";
/// The tag of a marked point standing for a character drawn without a glyph of its own.
const CHAR_TAG: &[u8] = b"LivretCar";

/// Why a PDF could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// An entry to print does not open (bad signature or texts).
    #[error("entry {0} unreadable or invalid: not printed")]
    BadEntry(String),
    /// The embedded font could not be read or subset.
    #[error("unusable font: {0}")]
    Font(String),
    /// A seal could not be made.
    #[error("{0}")]
    Seal(#[from] seal::SealError),
    /// Nothing to print.
    #[error("nothing to print: no readable entry for this choice")]
    Empty,
    /// A PDF that could not be read back.
    #[error("unreadable PDF: {0}")]
    Unreadable(String),
}

impl Localized for PdfError {
    fn localized(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Fr => match self {
                PdfError::BadEntry(k) => {
                    format!("inscription {k} illisible ou invalide : elle n'est pas imprimée")
                }
                PdfError::Font(e) => format!("police de caractères inutilisable : {e}"),
                PdfError::Seal(e) => e.localized(lang),
                PdfError::Empty => {
                    "rien à imprimer : aucune inscription lisible pour ce choix".into()
                }
                PdfError::Unreadable(e) => format!("PDF illisible : {e}"),
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
    /// The text of its seal: the texts of its parts, one a line ([`seal::decode`] reads it).
    pub seal: String,
    /// The largest QR version of its parts (level M).
    pub qr_version: i16,
    /// The text of each part (one QR code each), in order.
    pub parts: Vec<String>,
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
        let parts = seal_parts(n + 1, &forms)?;
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
        ops.extend(seal_band(&fonts, n + 1, total, &parts)?);
        printed.push(PrintedPage {
            seal: parts
                .iter()
                .map(|p| p.text.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            qr_version: parts.iter().map(|p| p.version).max().unwrap_or(0),
            parts: parts.into_iter().map(|p| p.text).collect(),
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
