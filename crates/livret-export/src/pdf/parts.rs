//! The blocks of the LSU parts of a bilan périodique (digital skills, parcours, EPI, AP,
//! devoirs faits, periodic socle, the class's vie scolaire comment): printed in their period,
//! after the vie scolaire, each text sealed like the others.

use super::*;
use livret_core::entry::ProjectKind;
use livret_core::vocab::Parcours;

/// The slot of a part in its period (after the subjects, synthesis and vie scolaire), `None`
/// for other contents.
pub(crate) fn part_slot(content: &Content) -> Option<Slot> {
    let (year, period, rank) = match content {
        Content::ClassVie { year, period, .. } => (year, period, 0),
        Content::Homework { year, period, .. } => (year, period, 1),
        Content::Digital { year, period, .. } => (year, period, 2),
        Content::Parcours {
            year, period, code, ..
        } => {
            return Some(Slot::Period {
                year: *year,
                count: period.count,
                index: period.index,
                part: 3,
                rank: (3, code.clone()),
            })
        }
        Content::Project { year, period, .. } => (year, period, 4),
        Content::PeriodSocle { year, period, .. } => (year, period, 5),
        _ => return None,
    };
    Some(Slot::Period {
        year: *year,
        count: period.count,
        index: period.index,
        part: 3,
        rank: (rank, String::new()),
    })
}

/// A part's heading, its lines (codes and levels) and its texts with their labels (index in
/// the entry's texts); an empty text is not printed.
fn part_layout(content: &Content) -> (String, Vec<String>, Vec<(usize, &'static str)>) {
    let levels = |lv: &[(String, u8)], max: u8| -> Vec<String> {
        lv.iter().map(|(c, l)| format!("{c} : {l}/{max}")).collect()
    };
    match content {
        Content::Digital { levels: lv, .. } => (
            "Compétences numériques".into(),
            levels(lv, 3),
            vec![(0, ""), (1, "Commun à la classe : ")],
        ),
        Content::Parcours { code, .. } => (
            Parcours::parse(code)
                .map(|p| p.label().to_string())
                .unwrap_or_else(|_| code.clone()),
            vec![],
            vec![(0, ""), (1, "Commun à la classe : ")],
        ),
        Content::Project {
            kind,
            theme,
            disciplines,
            ..
        } => {
            let head = match kind {
                ProjectKind::Epi => format!("Enseignement pratique interdisciplinaire ({theme})"),
                ProjectKind::Ap => "Accompagnement personnalisé".to_string(),
            };
            let ds: Vec<&str> = disciplines.iter().map(|(_, l, _)| l.as_str()).collect();
            (
                head,
                vec![format!("Disciplines : {}", ds.join(", "))],
                vec![
                    (0, "Intitulé : "),
                    (2, "Thématique : "),
                    (3, "Description : "),
                    (1, "Groupe : "),
                    (4, "Commun au groupe : "),
                    (5, "Pour l'élève : "),
                ],
            )
        }
        Content::Homework { .. } => ("Devoirs faits".into(), vec![], vec![(0, "")]),
        Content::PeriodSocle { levels: lv, .. } => (
            "Socle commun (positionnement)".into(),
            levels(lv, 4),
            vec![],
        ),
        Content::ClassVie { .. } => (
            "Vie scolaire : commentaire commun à la classe".into(),
            vec![],
            vec![(0, "")],
        ),
        _ => (String::new(), vec![], vec![]),
    }
}

/// The block of one part.
pub(crate) fn part_block(fonts: &Fonts, e: &Prepared, idx: usize, group: usize) -> Block {
    let mut b = Builder::new(fonts);
    let (head, lines, texts) = part_layout(&e.opened.payload.content);
    b.gap(3.0);
    b.rule(0.2);
    b.gap(4.0);
    b.line(FontId::Bold, 10.0, LEFT, 0.0, &head);
    b.gap(1.0);
    for l in &lines {
        b.line(FontId::Regular, 9.5, LEFT + 6.0, 0.0, l);
    }
    for (i, label) in texts {
        let t = text(e, i);
        if t.is_empty() {
            continue;
        }
        b.gap(1.5);
        if !label.is_empty() {
            b.line(
                FontId::Bold,
                8.5,
                LEFT + 6.0,
                0.0,
                label.trim_end_matches([' ', ':']),
            );
        }
        b.paragraph(
            FontId::Regular,
            9.5,
            LEFT + 6.0,
            WIDTH - 6.0,
            t,
            Some((&e.section, &e.key, i)),
        );
    }
    b.gap(1.0);
    b.signed_by(e);
    b.finish(Some(idx), Some(group), false)
}
