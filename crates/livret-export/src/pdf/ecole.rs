//! The école livret's own layout (cycles 2 and 3): per period, a table by domain and
//! sub-domain — the objectives worked on, the appréciation, and the positioning as the official
//! livret shows it, a mark in one of four columns (objectifs d'apprentissage non atteints,
//! partiellement atteints, atteints, dépassés) —, then the projects and the general appréciation
//! with the parents' visa.

use livret_core::vocab::ecole::{ecole_cycle, Domaine, SousDomaine};

use super::*;

/// The columns of the table: domain, objectives, appréciation, then four positioning columns.
const DOMAIN_W: f32 = 105.0;
const OBJECTIVES_W: f32 = 145.0;
const LEVEL_W: f32 = 28.0;
const APPRECIATION_W: f32 = WIDTH - DOMAIN_W - OBJECTIVES_W - 4.0 * LEVEL_W;
const OBJECTIVES_X: f32 = LEFT + DOMAIN_W;
const APPRECIATION_X: f32 = OBJECTIVES_X + OBJECTIVES_W;
const LEVELS_X: f32 = APPRECIATION_X + APPRECIATION_W;
const PAD: f32 = 3.0;

/// The headers of the four positioning columns, one short line each.
const LEVEL_HEADERS: [&[&str]; 4] = [
    &["Non", "atteints"],
    &["Partiel-", "lement", "atteints"],
    &["Atteints"],
    &["Dépassés"],
];

/// The order an école entry is printed in within its period: domain lines by the official
/// order of domains and sub-domains (the domain's own line first), then projects, then the
/// general appréciation.
pub(crate) fn ecole_rank(content: &Content) -> (u8, usize, usize, String) {
    match content {
        Content::EcoleDomain {
            domain, sub_domain, ..
        } => {
            let d = Domaine::parse(domain).map_or(usize::MAX, Domaine::rank);
            let s = match sub_domain {
                None => 0,
                Some(s) => SousDomaine::parse(s).map_or(usize::MAX, |s| s.rank() + 1),
            };
            (0, d, s, String::new())
        }
        Content::EcoleProject { title, .. } => (1, 0, 0, hex_of(title)),
        _ => (2, 0, 0, String::new()),
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A vertical separator of the table, `h` high from `top`.
fn vertical(x: f32, top: f32, h: f32) -> Op {
    Op::Fill {
        x: x - 0.25,
        y: top,
        w: 0.5,
        h,
        gray: 0.6,
    }
}

/// The table's header: the column titles, kept with the first line.
pub(crate) fn ecole_header(fonts: &Fonts, b: &mut Builder<'_>) {
    b.gap(2.0);
    let top = b.y;
    let start = b.ops.len();
    let size = 7.0;
    let mut bottom = top;
    for (x, w, text) in [
        (LEFT, DOMAIN_W, "Domaines d'enseignement"),
        (
            OBJECTIVES_X,
            OBJECTIVES_W,
            "Principaux éléments du programme travaillés durant la période",
        ),
        (
            APPRECIATION_X,
            APPRECIATION_W,
            "Acquisitions, progrès et difficultés éventuelles",
        ),
    ] {
        b.y = top + PAD;
        b.paragraph(FontId::Bold, size, x + PAD, w - 2.0 * PAD, text, None);
        bottom = bottom.max(b.y);
    }
    b.y = top + PAD;
    let caption = "Positionnement";
    let cw = fonts.bold.width(caption, 6.0);
    b.text_at(
        FontId::Bold,
        6.0,
        LEVELS_X + (4.0 * LEVEL_W - cw) / 2.0,
        0.0,
        caption,
    );
    let levels_top = b.y + Builder::line_height(6.0);
    for (k, lines) in LEVEL_HEADERS.iter().enumerate() {
        b.y = levels_top;
        let x0 = LEVELS_X + LEVEL_W * k as f32;
        for l in lines.iter() {
            let w = fonts.regular.width(l, 5.5);
            b.text_at(FontId::Regular, 5.5, x0 + (LEVEL_W - w) / 2.0, 0.0, l);
            b.y += Builder::line_height(5.5);
        }
        bottom = bottom.max(b.y);
    }
    let h = bottom - top + PAD;
    let mut frame = vec![Op::Fill {
        x: LEFT,
        y: top,
        w: WIDTH,
        h,
        gray: 0.92,
    }];
    for x in [OBJECTIVES_X, APPRECIATION_X, LEVELS_X] {
        frame.push(vertical(x, top, h));
    }
    for k in 1..4 {
        frame.push(vertical(
            LEVELS_X + LEVEL_W * k as f32,
            levels_top - 1.0,
            top + h - levels_top + 1.0,
        ));
    }
    b.ops.splice(start..start, frame);
    b.y = top + h;
}

/// One line of the table: a domain or a sub-domain.
pub(crate) fn ecole_domain_block(fonts: &Fonts, e: &Prepared, idx: usize, group: usize) -> Block {
    let mut b = Builder::new(fonts);
    let Content::EcoleDomain {
        cycle,
        domain,
        sub_domain,
        objectives,
        level,
        ..
    } = &e.opened.payload.content
    else {
        return b.finish(Some(idx), Some(group), false);
    };
    b.rule(0.6);
    let top = b.y;
    let start = b.ops.len();
    let cycle = ecole_cycle(*cycle).ok();
    let d = cycle.and_then(|c| Domaine::parse_in(domain, c).ok().map(|d| (c, d)));
    let domain_label = d.map_or_else(|| domain.clone(), |(_, d)| d.label().to_string());
    let mut bottom = top;
    // The domain, and the sub-domain under it.
    b.y = top + PAD;
    match sub_domain {
        None => b.paragraph(
            FontId::Bold,
            8.5,
            LEFT + PAD,
            DOMAIN_W - 2.0 * PAD,
            &domain_label,
            None,
        ),
        Some(s) => {
            let sub = d
                .and_then(|(c, d)| SousDomaine::parse_in(s, d, c).ok())
                .map_or_else(|| s.clone(), |s| s.label().to_string());
            b.paragraph(
                FontId::Regular,
                7.0,
                LEFT + PAD,
                DOMAIN_W - 2.0 * PAD,
                &domain_label,
                None,
            );
            b.paragraph(
                FontId::Bold,
                8.0,
                LEFT + PAD + 4.0,
                DOMAIN_W - 2.0 * PAD - 4.0,
                &sub,
                None,
            );
        }
    }
    bottom = bottom.max(b.y);
    // The objectives worked on (in the signed short form: the seal carries them).
    b.y = top + PAD;
    for o in objectives {
        b.paragraph(
            FontId::Regular,
            7.5,
            OBJECTIVES_X + PAD,
            OBJECTIVES_W - 2.0 * PAD,
            &format!("• {o}"),
            None,
        );
    }
    bottom = bottom.max(b.y);
    // The appréciation (optional: an empty one is not drawn).
    b.y = top + PAD;
    if !text(e, 0).is_empty() {
        b.paragraph(
            FontId::Regular,
            8.0,
            APPRECIATION_X + PAD,
            APPRECIATION_W - 2.0 * PAD,
            text(e, 0),
            Some((&e.section, &e.key, 0)),
        );
    }
    bottom = bottom.max(b.y);
    let h = (bottom - top + PAD).max(Builder::line_height(9.0) + 2.0 * PAD);
    // The positioning: a mark in its column.
    let mut frame = Vec::new();
    if let Some(l @ 1..=4) = level {
        let x0 = LEVELS_X + LEVEL_W * f32::from(l - 1);
        frame.push(Op::Fill {
            x: x0,
            y: top,
            w: LEVEL_W,
            h,
            gray: 0.85,
        });
        b.y = top + (h - Builder::line_height(9.0)) / 2.0;
        let w = fonts.bold.width("X", 9.0);
        b.text_at(FontId::Bold, 9.0, x0 + (LEVEL_W - w) / 2.0, 0.0, "X");
    }
    for x in [OBJECTIVES_X, APPRECIATION_X, LEVELS_X] {
        frame.push(vertical(x, top, h));
    }
    for k in 1..4 {
        frame.push(vertical(LEVELS_X + LEVEL_W * k as f32, top, h));
    }
    b.ops.splice(start..start, frame);
    b.y = top + h;
    b.rule(0.85);
    b.gap(1.5);
    b.signed_by(e);
    b.finish(Some(idx), Some(group), false)
}

/// A project of the period and the pupil's involvement.
pub(crate) fn ecole_project_block(fonts: &Fonts, e: &Prepared, idx: usize, group: usize) -> Block {
    let mut b = Builder::new(fonts);
    b.gap(3.0);
    b.rule(0.2);
    b.gap(4.0);
    b.line(FontId::Regular, 8.0, LEFT, GREY, "Projet mis en œuvre");
    b.paragraph(
        FontId::Bold,
        10.0,
        LEFT,
        WIDTH,
        text(e, 0),
        Some((&e.section, &e.key, 0)),
    );
    if !text(e, 1).is_empty() {
        b.gap(1.0);
        b.line(
            FontId::Regular,
            8.0,
            LEFT + 6.0,
            GREY,
            "Implication de l'élève :",
        );
        b.paragraph(
            FontId::Regular,
            9.5,
            LEFT + 6.0,
            WIDTH - 6.0,
            text(e, 1),
            Some((&e.section, &e.key, 1)),
        );
    }
    b.gap(1.0);
    b.signed_by(e);
    b.finish(Some(idx), Some(group), false)
}

/// The general appréciation of the period, then the parents' visa.
pub(crate) fn ecole_appreciation_block(
    fonts: &Fonts,
    e: &Prepared,
    idx: usize,
    group: usize,
) -> Block {
    let mut b = Builder::new(fonts);
    b.gap(3.0);
    b.rule(0.2);
    b.gap(4.0);
    b.line(
        FontId::Bold,
        10.0,
        LEFT,
        0.0,
        "Appréciation générale sur la progression de l'élève",
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
    b.gap(6.0);
    b.line(
        FontId::Regular,
        9.0,
        LEFT,
        0.0,
        "Visa des parents ou du responsable légal : ……………………………………   Date : ……………",
    );
    b.finish(Some(idx), Some(group), false)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use livret_core::content::ecole::{domain_line, general_appreciation, project, DomainLine};
    use livret_core::content::{self, Draft};
    use livret_core::vocab::ecole::{IntituleProjet, Objectif};
    use livret_core::vocab::{Appreciation, Date, Millesime, PersonName, Synthesis};
    use livret_core::{DeviceSecret, LivretId};

    /// A domain line of the sample: domain, sub-domain, objectives, level, appréciation.
    type Line<'a> = (
        Domaine,
        Option<SousDomaine>,
        &'a [&'a str],
        Option<u8>,
        &'a str,
    );

    fn sign(secret: &DeviceSecret, d: Draft) -> PrintEntry {
        PrintEntry {
            signed: SignedEntry::sign(
                secret,
                LivretId([4; 16]),
                d.section,
                &d.key,
                d.content,
                d.texts,
                1_760_000_000,
            ),
            author_name: Some("Mme Durand".into()),
        }
    }

    /// A CE1 pupil's first term: domains and sub-domains, with and without appréciation.
    pub(crate) fn sample() -> PaperLivret {
        let teacher = DeviceSecret::from_bytes(&[2; 32]);
        let family = DeviceSecret::from_bytes(&[1; 32]);
        let y = Millesime::new(2025).unwrap();
        let p = Period::parse("1/3").unwrap();
        let mut entries = vec![PrintEntry {
            signed: SignedEntry::sign(
                &family,
                LivretId([4; 16]),
                livret_core::Section::Identite,
                "identite",
                content::identity(
                    &PersonName::new("Jules Martin").unwrap(),
                    Date::parse("2018-05-04").unwrap(),
                    None,
                )
                .content,
                vec!["Jules Martin".into(), "2018-05-04".into(), String::new()],
                1,
            ),
            author_name: Some("Parent".into()),
        }];
        let lines: [Line<'_>; 8] = [
            (
                Domaine::Francais,
                Some(SousDomaine::Lecture),
                &[
                    "Lire à voix haute un texte court",
                    "Comprendre un récit lu par l'adulte",
                ],
                Some(3),
                "Lit avec plaisir et de plus en plus couramment.",
            ),
            (
                Domaine::Francais,
                Some(SousDomaine::Ecriture),
                &["Copier un texte court sans erreur"],
                Some(2),
                "",
            ),
            (
                Domaine::Francais,
                Some(SousDomaine::Oral),
                &[],
                Some(4),
                "Prend la parole avec aisance ; écoute les autres.",
            ),
            (
                Domaine::Mathematiques,
                Some(SousDomaine::Nombres),
                &["Dénombrer jusqu'à 100", "Calculer mentalement des sommes"],
                Some(3),
                "",
            ),
            (
                Domaine::Mathematiques,
                Some(SousDomaine::Espace),
                &["Reproduire une figure sur quadrillage"],
                Some(1),
                "Doit encore s'entraîner à utiliser la règle.",
            ),
            (Domaine::Eps, None, &["Courir longtemps"], Some(4), ""),
            (
                Domaine::QuestionnerLeMonde,
                Some(SousDomaine::Vivant),
                &["Reconnaître le vivant"],
                None,
                "Très curieux lors des observations.",
            ),
            (
                Domaine::Emc,
                None,
                &[],
                Some(3),
                "Respecte les règles de la classe.",
            ),
        ];
        for (domaine, sous_domaine, objectifs, level, text) in lines {
            let line = DomainLine {
                cycle: livret_core::vocab::Cycle::Two,
                domaine,
                sous_domaine,
                objectifs: objectifs
                    .iter()
                    .map(|o| Objectif::new(o).unwrap())
                    .collect(),
                positioning: level.map(|l| Positioning::from_value(l).unwrap()),
                appreciation: (!text.is_empty()).then(|| Appreciation::new(text).unwrap()),
            };
            entries.push(sign(&teacher, domain_line(y, p, &line).unwrap()));
        }
        entries.push(sign(
            &teacher,
            project(
                y,
                p,
                &IntituleProjet::new("Jardin de l'école").unwrap(),
                Some(&Appreciation::new("A semé et arrosé les radis avec soin.").unwrap()),
            ),
        ));
        entries.push(sign(
            &teacher,
            general_appreciation(
                y,
                p,
                &Synthesis::new("Un bon trimestre : Jules progresse en lecture.").unwrap(),
            ),
        ));
        PaperLivret {
            livret_id: LivretId([4; 16]).to_string(),
            name: None,
            class: Some("CE1".into()),
            printed_on: "2025-12-01".into(),
            printed_by: "Parent".into(),
            scope: "Année scolaire 2025-2026".into(),
            entries,
        }
    }

    #[test]
    fn an_ecole_period_prints_as_a_table_and_every_text_is_recovered() {
        let paper = sample();
        let out = render(&paper).unwrap();
        let recovered = recover_texts(&out.pdf).unwrap();
        for pe in &paper.entries {
            let o = pe.signed.open().unwrap();
            for (i, t) in o.texts.iter().enumerate() {
                if t.is_empty() {
                    continue;
                }
                let found = recovered
                    .iter()
                    .find(|r| r.key == o.payload.key && r.index == i)
                    .unwrap_or_else(|| panic!("{} text {i} not found", o.payload.key));
                assert_eq!(&found.text, t);
            }
        }
        let mut sealed = BTreeSet::new();
        for page in &out.pages {
            let forms = seal::decode(&page.seal).unwrap();
            assert!(seal::verify(&forms).iter().all(seal::SealedEntry::is_valid));
            sealed.extend(page.entries.iter().cloned());
        }
        assert_eq!(sealed.len(), paper.entries.len());
        if let Ok(keep) = std::env::var("LIVRET_KEEP_ECOLE_PDF") {
            std::fs::write(keep, &out.pdf).unwrap();
        }
    }
}
