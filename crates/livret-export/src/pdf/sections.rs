//! The content: each entry opened for printing, and the blocks of each kind of entry (subject,
//! synthesis, vie scolaire, cycle bilan, attestation, identity and title).

use super::*;

/// An entry opened for printing.
pub(crate) struct Prepared {
    pub(crate) opened: OpenedEntry,
    pub(crate) short_form: Vec<u8>,
    pub(crate) section: String,
    pub(crate) key: String,
    pub(crate) author_name: Option<String>,
    pub(crate) author_short: String,
    pub(crate) date: String,
}

pub(crate) fn date_of(secs: i64) -> String {
    livret_core::vocab::Date::from_unix_seconds(secs)
        .map(|d| format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year()))
        .unwrap_or_default()
}

pub(crate) fn year_label(year: u16) -> String {
    format!("{}-{}", year, u32::from(year) + 1)
}

pub(crate) fn period_label(index: u8, count: u8) -> String {
    Period::new(index, count)
        .map(|p| p.label())
        .unwrap_or_else(|_| format!("Période {index}/{count}"))
}

pub(crate) fn text(e: &Prepared, i: usize) -> &str {
    e.opened
        .texts
        .get(i)
        .map(String::as_str)
        .unwrap_or_default()
}

/// The order subjects are printed in: the official list first, then by code.
pub(crate) fn subject_rank(code: &str) -> (usize, String) {
    let rank = livret_core::vocab::KNOWN_DISCIPLINES
        .iter()
        .position(|(c, _)| *c == code)
        .unwrap_or(usize::MAX);
    (rank, code.to_string())
}

/// A key to sort and group the entries: (kind order, year, period, subject rank...).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Slot {
    Identity,
    Period {
        year: u16,
        count: u8,
        index: u8,
        part: u8,
        rank: (usize, String),
    },
    /// The école livret's period: domain lines, projects, general appréciation.
    Ecole {
        year: u16,
        count: u8,
        index: u8,
        rank: (u8, usize, usize, String),
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

pub(crate) fn slot_of(content: &Content) -> Slot {
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
        Content::EcoleDomain { year, period, .. }
        | Content::EcoleProject { year, period, .. }
        | Content::EcoleAppreciation { year, period, .. } => Slot::Ecole {
            year: *year,
            count: period.count,
            index: period.index,
            rank: ecole_rank(content),
        },
        // The LSU parts of a period; lycée entries (LSL) and any other kind: printed
        // generically, after the rest.
        other => part_slot(other).unwrap_or(Slot::Other),
    }
}

pub(crate) fn title_bar(b: &mut Builder<'_>, text: &str) {
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

pub(crate) fn evaluation_text(level: Option<u8>, mark: Option<&str>) -> String {
    match (level, mark) {
        (Some(l), _) => match Positioning::from_value(l) {
            Ok(p) => format!("{} ({l}/4)", p.label()),
            Err(_) => format!("Positionnement {l}"),
        },
        (None, Some(m)) => format!("Note : {m}"),
        _ => String::new(),
    }
}

pub(crate) fn subject_block(fonts: &Fonts, e: &Prepared, idx: usize, group: usize) -> Block {
    let mut b = Builder::new(fonts);
    b.gap(3.0);
    b.rule(0.6);
    b.gap(4.0);
    if let Content::Subject {
        code,
        label,
        level,
        mark,
        election,
        elements,
        class_average,
        not_marked,
        class_not_marked,
        ..
    } = &e.opened.payload.content
    {
        let head = match election {
            Some(m) => format!(
                "{label} ({code}, {})",
                livret_core::vocab::election_label(m).unwrap_or(m)
            ),
            None => format!("{label} ({code})"),
        };
        let eval = match evaluation_text(*level, mark.as_deref()) {
            t if t.is_empty() && *not_marked => "Non noté".to_string(),
            t => t,
        };
        let head_w = fonts.bold.width(&head, 10.0);
        let eval_w = fonts.bold.width(&eval, 9.0);
        if head_w + eval_w + 16.0 <= WIDTH {
            b.text_at(FontId::Bold, 9.0, LEFT + WIDTH - eval_w, 0.0, &eval);
            b.line(FontId::Bold, 10.0, LEFT, 0.0, &head);
        } else {
            b.line(FontId::Bold, 10.0, LEFT, 0.0, &head);
            b.line(FontId::Bold, 9.0, LEFT + 12.0, 0.0, &eval);
        }
        let class = match (class_average, class_not_marked) {
            (Some(m), _) => Some(format!("Moyenne de la classe : {m}")),
            (None, true) => Some("Classe non notée dans cette discipline".to_string()),
            (None, false) => None,
        };
        if let Some(c) = class {
            b.line(FontId::Regular, 8.5, LEFT + 6.0, 0.0, &c);
        }
        if !elements.is_empty() {
            b.gap(1.0);
            b.paragraph(
                FontId::Regular,
                8.5,
                LEFT + 6.0,
                WIDTH - 6.0,
                &format!(
                    "Éléments du programme travaillés : {}",
                    elements.join(" ; ")
                ),
                None,
            );
        }
        // The official livret makes the appréciation optional: none is no paragraph.
        if !text(e, 0).is_empty() {
            b.gap(1.5);
            b.paragraph(
                FontId::Regular,
                9.5,
                LEFT + 6.0,
                WIDTH - 6.0,
                text(e, 0),
                Some((&e.section, &e.key, 0)),
            );
        }
        b.gap(1.0);
        b.signed_by(e);
    }
    b.finish(Some(idx), Some(group), false)
}

pub(crate) fn synthesis_block(fonts: &Fonts, e: &Prepared, idx: usize, group: usize) -> Block {
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

pub(crate) fn vie_scolaire_block(fonts: &Fonts, e: &Prepared, idx: usize, group: usize) -> Block {
    let mut b = Builder::new(fonts);
    b.gap(3.0);
    b.rule(0.2);
    b.gap(4.0);
    b.line(FontId::Bold, 10.0, LEFT, 0.0, "Vie scolaire");
    if let Content::VieScolaire {
        late,
        justified,
        unjustified,
        missed_hours,
        comment,
        ..
    } = &e.opened.payload.content
    {
        b.gap(1.0);
        let mut lines = vec![
            format!("Retards : {late}"),
            format!("Demi-journées d'absence justifiées : {justified}"),
            format!("Demi-journées d'absence non justifiées : {unjustified}"),
        ];
        if let Some(h) = missed_hours {
            lines.push(format!("Heures de cours manquées : {h}"));
        }
        for l in &lines {
            b.line(FontId::Regular, 9.5, LEFT + 6.0, 0.0, l);
        }
        if comment.is_some() {
            b.gap(1.5);
            b.paragraph(
                FontId::Regular,
                9.5,
                LEFT + 6.0,
                WIDTH - 6.0,
                text(e, 0),
                Some((&e.section, &e.key, 0)),
            );
        }
    }
    b.gap(1.0);
    b.signed_by(e);
    b.finish(Some(idx), Some(group), false)
}

pub(crate) fn cycle_blocks(fonts: &Fonts, e: &Prepared, idx: usize, group: usize) -> Vec<Block> {
    let Content::Cycle {
        cycle,
        year,
        levels,
        complement,
        regional,
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
    // The cycle's options, with the positioning's meaning of each scale.
    for (what, option, label, levels) in [
        (
            "Enseignement de complément",
            complement,
            livret_core::vocab::complement_label as fn(&str) -> Option<&'static str>,
            ["objectif atteint", "objectif dépassé"],
        ),
        (
            "Langue et culture régionale",
            regional,
            livret_core::vocab::regional_label,
            ["niveau A2 non atteint", "niveau A2 atteint"],
        ),
    ] {
        if let Some((code, level)) = option {
            let name = label(code).unwrap_or(code);
            let level = match level {
                Some(l @ 1..=2) => format!(" — {}", levels[usize::from(*l) - 1]),
                _ => String::new(),
            };
            b.line(
                FontId::Regular,
                9.0,
                LEFT + 6.0,
                0.0,
                &format!("{what} : {name}{level}"),
            );
        }
    }
    b.gap(1.0);
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

pub(crate) fn attestation_block(fonts: &Fonts, e: &Prepared, idx: usize, group: usize) -> Block {
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
pub(crate) fn other_block(fonts: &Fonts, e: &Prepared, idx: usize, group: usize) -> Block {
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

pub(crate) fn title_block(
    fonts: &Fonts,
    paper: &PaperLivret,
    identity: Option<(usize, &Prepared)>,
) -> Block {
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
pub(crate) fn blocks(
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
            Slot::Ecole {
                year, count, index, ..
            } => Slot::Ecole {
                year: *year,
                count: *count,
                index: *index,
                rank: (0, 0, 0, String::new()),
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
            Slot::Ecole {
                year, count, index, ..
            } => format!(
                "Bilan périodique de l'école — {} — année scolaire {}",
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
                // The école's table has its column header under the title, on every page.
                let table = matches!(group_key, Slot::Ecole { .. });
                current = Some((group_key, g));
                let mut t = Builder::new(fonts);
                title_bar(&mut t, &title);
                if table {
                    ecole_header(fonts, &mut t);
                }
                out.push(t.finish(None, Some(g), true));
                let mut c = Builder::new(fonts);
                title_bar(&mut c, &format!("{title} (suite)"));
                if table {
                    ecole_header(fonts, &mut c);
                }
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
            c if part_slot(c).is_some() => out.push(part_block(fonts, e, i, group)),
            Content::EcoleDomain { .. } => out.push(ecole_domain_block(fonts, e, i, group)),
            Content::EcoleProject { .. } => out.push(ecole_project_block(fonts, e, i, group)),
            Content::EcoleAppreciation { .. } => {
                out.push(ecole_appreciation_block(fonts, e, i, group))
            }
            _ => out.push(other_block(fonts, e, i, group)),
        }
    }
    (out, continuations)
}
