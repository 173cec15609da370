//! Every seal of a printed livret reads from a picture as a phone would take it: a realistic
//! multi-page livret is rendered by poppler (`pdftoppm`), each page is degraded (a 150 dpi
//! render; at 300 dpi a 2° rotation with blur, a slight perspective with blur, half size; a
//! JPEG at quality 60) and every seal of every page must decode and verify. Needs
//! poppler-utils.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use image::GrayImage;
use livret_core::content::{self, Draft};
use livret_core::entry::SignedEntry;
use livret_core::vocab::{
    Appreciation, AttestationKind, Cycle, CycleSynthesis, Date, Discipline, DisciplineCode,
    Evaluation, Mark, Millesime, Period, PersonName, Positioning, SocleLevels, Synthesis,
    VieScolaire,
};
use livret_core::{DeviceSecret, LivretId};
use livret_export::pdf::{self, PaperLivret, PrintEntry};
use livret_export::seal;

const LIVRET: LivretId = LivretId([9; 16]);

fn sign(secret: &DeviceSecret, d: Draft, t: i64) -> PrintEntry {
    PrintEntry {
        signed: SignedEntry::sign(secret, LIVRET, d.section, &d.key, d.content, d.texts, t),
        author_name: Some(format!(
            "Enseignant {}",
            secret.device_id().to_string().len()
        )),
    }
}

/// A collège livret as printed after the first trimester of 3e: identity, ten subjects with
/// appréciations of ordinary length, synthesis and vie scolaire, the cycle 4 bilan, two
/// attestations; four authors.
fn livret() -> PaperLivret {
    let family = DeviceSecret::from_bytes(&[1; 32]);
    let teachers: Vec<DeviceSecret> = (2..5).map(|b| DeviceSecret::from_bytes(&[b; 32])).collect();
    let year = Millesime::new(2025).unwrap();
    let mut entries = vec![sign(
        &family,
        content::identity(
            &PersonName::new("Lina Moreau-Éloïse").unwrap(),
            Date::parse("2012-03-02").unwrap(),
            None,
        ),
        1_757_000_000,
    )];
    let subjects = [
        ("FRANCS", "Lina progresse nettement en rédaction ; la lecture à voix haute est expressive. Très bonne participation à l'oral, il faut maintenant soigner l'orthographe grammaticale."),
        ("MATHEM", "Bons résultats en calcul littéral ; la géométrie demande encore de la rigueur dans la rédaction des démonstrations. Travail personnel régulier."),
        ("HISGEO", "Connaissances solides ; les croquis doivent être plus soignés. Bonne analyse des documents, l'expression écrite reste à développer."),
        ("ANGLV1", "Bonne compréhension de l'oral ; Lina doit oser prendre la parole plus souvent. Les évaluations écrites sont satisfaisantes."),
        ("ESPLV2", "Un début d'année encourageant, la prononciation est correcte. Le vocabulaire doit être appris plus régulièrement."),
        ("SVTERR", "Travail sérieux en séance expérimentale ; les comptes rendus sont clairs et bien construits. Continuer ainsi."),
        ("PHYCHI", "Des résultats en hausse ; les unités et les chiffres significatifs doivent être mieux maîtrisés. Bonne attitude en classe."),
        ("TECHNO", "Projet mené avec méthode et autonomie ; la présentation orale du prototype était convaincante."),
        ("ARTPLA", "Productions personnelles et inventives ; Lina argumente bien ses choix plastiques."),
        ("EPSPOR", "Investissement constant ; progrès nets en demi-fond. Attitude exemplaire dans le travail de groupe."),
    ];
    for (t, index) in (1..=1u8).enumerate() {
        let period = Period::new(index, 3).unwrap();
        let time = 1_760_000_000 + i64::from(index) * 8_000_000;
        for (i, (code, text)) in subjects.iter().enumerate() {
            let code = DisciplineCode::parse(code).unwrap();
            let eval = if i % 3 == 1 {
                Evaluation::Mark(Mark::new(&format!("{},5", 11 + i + t)).unwrap())
            } else {
                Evaluation::Level(Positioning::from_value(1 + ((i + t) % 4) as u8).unwrap())
            };
            let d = content::subject(
                year,
                period,
                &Discipline::known(&code).unwrap(),
                &eval,
                &Appreciation::new(text).unwrap(),
            );
            entries.push(sign(&teachers[i % teachers.len()], d, time + i as i64));
        }
        entries.push(sign(
            &teachers[0],
            content::synthesis(
                year,
                period,
                &Synthesis::new("Trimestre sérieux et régulier ; des progrès nets à l'écrit. Continuer à lire chaque jour et à s'entraîner en géométrie.").unwrap(),
            ),
            time + 100,
        ));
        entries.push(sign(
            &teachers[0],
            content::vie_scolaire(
                year,
                period,
                VieScolaire::new(u16::from(index), 2, 0).unwrap(),
            ),
            time + 101,
        ));
    }
    entries.push(sign(
        &teachers[0],
        content::cycle(
            Cycle::Four,
            year,
            &SocleLevels::parse(
                "CPD_FRA=3,CPD_ETR=2,CPD_SCI=4,CPD_ART=3,MET_APP=3,FRM_CIT=4,SYS_NAT=3,REP_MND=4",
            )
            .unwrap(),
            &CycleSynthesis::new("Fin de cycle réussie : élève curieuse, à l'aise à l'écrit comme à l'oral, qui sait travailler en équipe.").unwrap(),
        ),
        1_782_000_000,
    ));
    for (kind, date) in [("ASSR2", "2026-03-12"), ("PSC1", "2026-05-20")] {
        entries.push(sign(
            &teachers[1],
            content::attestation(
                AttestationKind::parse(kind).unwrap(),
                Date::parse(date).unwrap(),
            ),
            1_781_000_000,
        ));
    }
    PaperLivret {
        livret_id: LIVRET.to_string(),
        name: Some("Lina Moreau-Éloïse".into()),
        class: Some("3B".into()),
        printed_on: "2026-07-04".into(),
        printed_by: "Parent".into(),
        scope: "Année scolaire 2025-2026, trimestre 1".into(),
        entries,
    }
}

/// The pages of a PDF rendered in grey by pdftoppm at `dpi`.
fn render_pages(pdf: &std::path::Path, dpi: u32) -> Vec<GrayImage> {
    let dir = pdf.parent().unwrap();
    let prefix = dir.join(format!("r{dpi}"));
    let out = Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-png"])
        .arg(pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm is needed (apt-get install poppler-utils)");
    assert!(out.status.success(), "{out:?}");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("r{dpi}-")) && n.ends_with(".png"))
        })
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| image::open(f).unwrap().to_luma8())
        .collect()
}

/// The picture seen through `inverse`, which maps a pixel of the result to the source
/// (bilinear sampling, white outside the picture).
fn warp(img: &GrayImage, inverse: impl Fn(f32, f32) -> (f32, f32)) -> GrayImage {
    let (w, h) = img.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let src = img.as_raw();
    let mut out = Vec::with_capacity(wu * hu);
    for y in 0..h {
        for x in 0..w {
            let (sx, sy) = inverse(x as f32, y as f32);
            let v = if sx < 0.0 || sy < 0.0 || sx >= (w - 1) as f32 || sy >= (h - 1) as f32 {
                255
            } else {
                let (x0, y0) = (sx as usize, sy as usize);
                let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
                let i = y0 * wu + x0;
                let (a, b) = (f32::from(src[i]), f32::from(src[i + 1]));
                let (c, d) = (f32::from(src[i + wu]), f32::from(src[i + wu + 1]));
                let top = a + (b - a) * fx;
                let bottom = c + (d - c) * fx;
                (top + (bottom - top) * fy).round() as u8
            };
            out.push(v);
        }
    }
    GrayImage::from_raw(w, h, out).unwrap()
}

/// Turned by `degrees` about the centre.
fn rotate(img: &GrayImage, degrees: f32) -> GrayImage {
    let (cx, cy) = (img.width() as f32 / 2.0, img.height() as f32 / 2.0);
    let (s, c) = degrees.to_radians().sin_cos();
    warp(img, |x, y| {
        let (dx, dy) = (x - cx, y - cy);
        (cx + c * dx + s * dy, cy - s * dx + c * dy)
    })
}

/// A projective warp as a page photographed slightly from below and from the left: the
/// bottom edge about 8 % narrower than the top, the right edge about 4 % shorter than the
/// left (x' = x / w, y' = y / w with w = 1 + g x + h y).
fn perspective(img: &GrayImage) -> GrayImage {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (g, hh) = (0.04 / w, 0.08 / h);
    warp(img, |x, y| {
        let k = 1.0 / (1.0 - g * x - hh * y);
        (x * k, y * k)
    })
}

fn jpeg(img: &GrayImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .unwrap();
    out
}

#[test]
fn every_seal_of_every_page_reads_from_degraded_pictures() {
    let started = std::time::Instant::now();
    let paper = livret();
    let out = pdf::render(&paper).unwrap();
    assert!(out.pages.len() >= 3, "{} pages", out.pages.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("livret.pdf");
    std::fs::write(&path, &out.pdf).unwrap();
    let expected: Vec<Vec<Vec<u8>>> = out
        .pages
        .iter()
        .map(|p| seal::decode(&p.seal).unwrap())
        .collect();
    let low = render_pages(&path, 150);
    let high = render_pages(&path, 300);
    assert_eq!(low.len(), out.pages.len());
    assert_eq!(high.len(), out.pages.len());

    type Degrade<'a> = Box<dyn Fn(usize) -> Result<Vec<Vec<u8>>, seal::SealError> + 'a>;
    let cases: Vec<(&str, Degrade)> = vec![
        ("150 dpi", Box::new(|i| seal::decode_image(&low[i]))),
        (
            "300 dpi, rotation 2°, flou 1 px",
            Box::new(|i| seal::decode_image(&image::imageops::blur(&rotate(&high[i], 2.0), 1.0))),
        ),
        (
            "300 dpi, perspective, flou 1 px",
            Box::new(|i| seal::decode_image(&image::imageops::blur(&perspective(&high[i]), 1.0))),
        ),
        (
            "300 dpi réduite de moitié",
            Box::new(|i| {
                let (w, h) = high[i].dimensions();
                seal::decode_image(&image::imageops::resize(
                    &high[i],
                    w / 2,
                    h / 2,
                    image::imageops::FilterType::Triangle,
                ))
            }),
        ),
        (
            "150 dpi, JPEG qualité 60",
            Box::new(|i| seal::decode_png(&jpeg(&low[i], 60))),
        ),
    ];
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for (name, degrade) in &cases {
        let case_started = std::time::Instant::now();
        let mut ok = 0;
        for (i, forms) in expected.iter().enumerate() {
            match degrade(i) {
                Ok(read) if &read == forms => {
                    assert!(seal::verify(&read).iter().all(seal::SealedEntry::is_valid));
                    ok += 1;
                }
                Ok(_) => failures.push(format!("{name}, page {} : autre sceau lu", i + 1)),
                Err(e) => failures.push(format!("{name}, page {} : {e}", i + 1)),
            }
        }
        report.push(format!(
            "{name} : {ok} / {} pages ({:.1} s)",
            expected.len(),
            case_started.elapsed().as_secs_f32()
        ));
    }
    eprintln!(
        "{} pages, {} inscriptions, codes QR par page {:?}, versions {:?}, {:.1} s\n{}",
        out.pages.len(),
        paper.entries.len(),
        out.pages.iter().map(|p| p.parts.len()).collect::<Vec<_>>(),
        out.pages
            .iter()
            .map(|p| p
                .parts
                .iter()
                .map(|t| seal::qr_version(t).unwrap_or(0))
                .collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        started.elapsed().as_secs_f32(),
        report.join("\n")
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
