//! What belongs in the sensitive section only.
//!
//! Support measures (PAP, PAI, PPRE, PPS...), disabilities and health matters belong in the
//! `accompagnement` section, which the family opens and shares by naming it (see
//! [`crate::grant::Opening`]). A teacher who mentions them in an appréciation or a synthesis
//! would put them in a section shared far more widely (every teacher of the year, juries), so
//! free texts outside `accompagnement` are screened against [`SENSITIVE_TERMS`].
//!
//! This is a guard against slips, not a guarantee: it catches the usual acronyms and words,
//! written with or without accents, in any case, as whole words (also `P.P.S.`); it cannot catch
//! a paraphrase. The list is kept short so that ordinary school vocabulary is not refused.

/// The terms whose mention in a free text outside the sensitive section is refused, as people
/// write them. Each is matched as whole words, ignoring case and accents (a final `s` of each
/// word is also accepted).
///
/// Why these: the support measures of the official list (`modalites-accompagnement`) and the
/// école's RASED, the MDPH and the people and units it notifies (AESH, AVS, SESSAD), common
/// diagnoses (the "dys" disorders, TDAH, autism) and health words (allergy, epilepsy, diabetes,
/// medical treatment). A guard, not a guarantee (see the module documentation).
pub const SENSITIVE_TERMS: &[&str] = &[
    "PAP",
    "PAI",
    "PPRE",
    "PPS",
    "ULIS",
    "UPE2A",
    "SEGPA",
    "RASED",
    "CTR",
    "MDPH",
    "AESH",
    "AVS",
    "SESSAD",
    "TDAH",
    "handicap",
    "handicapé",
    "handicapée",
    "trouble dys",
    "dys",
    "dyslexie",
    "dyslexique",
    "dyspraxie",
    "dyspraxique",
    "dyscalculie",
    "dysorthographie",
    "dysphasie",
    "autisme",
    "autiste",
    "diagnostic",
    "allergie",
    "allergique",
    "épilepsie",
    "épileptique",
    "diabète",
    "diabétique",
    "traitement médical",
    "secret médical",
];

/// Lowercase without accents (the letters of French).
fn fold(c: char) -> char {
    match c {
        'à' | 'â' | 'ä' | 'á' | 'À' | 'Â' | 'Ä' | 'Á' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
        'î' | 'ï' | 'í' | 'Î' | 'Ï' | 'Í' => 'i',
        'ô' | 'ö' | 'ó' | 'Ô' | 'Ö' | 'Ó' => 'o',
        'ù' | 'û' | 'ü' | 'ú' | 'Ù' | 'Û' | 'Ü' | 'Ú' => 'u',
        'ç' | 'Ç' => 'c',
        'ÿ' | 'Ÿ' => 'y',
        other => other.to_lowercase().next().unwrap_or(other),
    }
}

/// The words of a text, folded; the dots of an acronym (`P.P.S.`) are dropped first.
fn words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut cleaned = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        // A dot right after a lone letter and before a letter joins an acronym.
        let lone_letter_before =
            i >= 1 && chars[i - 1].is_alphabetic() && (i < 2 || !chars[i - 2].is_alphanumeric());
        let letter_after = chars.get(i + 1).is_some_and(|n| n.is_alphabetic());
        if c == '.' && lone_letter_before && letter_after {
            continue;
        }
        cleaned.push(fold(c));
    }
    cleaned
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn word_matches(word: &str, term: &str) -> bool {
    word == term || word.strip_suffix('s') == Some(term)
}

/// The first of [`SENSITIVE_TERMS`] that `text` mentions, if any.
pub fn mention(text: &str) -> Option<&'static str> {
    let tokens = words(text);
    SENSITIVE_TERMS.iter().copied().find(|term| {
        let parts = words(term);
        !parts.is_empty()
            && tokens.windows(parts.len()).any(|w| {
                w.iter()
                    .zip(&parts)
                    .all(|(word, part)| word_matches(word, part))
            })
    })
}

/// The refusal of a text mentioning `term` outside the sensitive section, in French.
pub fn refusal_french(term: &str) -> String {
    format!(
        "texte refusé : il mentionne « {term} », qui relève de la section sensible accompagnement"
    )
}

/// The same refusal in English.
pub fn refusal_english(term: &str) -> String {
    format!(
        "text refused: it mentions \"{term}\", which belongs in the sensitive section accompagnement"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_acronyms_and_words_in_any_case_and_accent() {
        assert_eq!(mention("Un PPS est en cours."), Some("PPS"));
        assert_eq!(mention("un pps est en cours"), Some("PPS"));
        assert_eq!(mention("Suivi dans le cadre du P.P.S."), Some("PPS"));
        assert_eq!(mention("Bénéficie d'un PAI (allergie)."), Some("PAI"));
        assert_eq!(mention("Aidé par son AESH en classe."), Some("AESH"));
        assert_eq!(mention("Elève en UPE2A depuis la rentrée."), Some("UPE2A"));
        assert_eq!(mention("Notification MDPH reçue"), Some("MDPH"));
        assert_eq!(mention("Une dyslexie a été repérée."), Some("dyslexie"));
        assert_eq!(mention("DYSLEXIE"), Some("dyslexie"));
        assert_eq!(mention("Des troubles dys."), Some("trouble dys"));
        assert_eq!(mention("Elle est diabetique."), Some("diabétique"));
        assert_eq!(mention("Elle est DIABÉTIQUE."), Some("diabétique"));
        assert_eq!(
            mention("Un traitement Médical le fatigue."),
            Some("traitement médical")
        );
        assert_eq!(mention("Ses allergies sont connues."), Some("allergie"));
        assert_eq!(mention("Le TDAH explique..."), Some("TDAH"));
        assert_eq!(mention("Les PPRE du trimestre"), Some("PPRE"));
    }

    #[test]
    fn no_false_positive_on_ordinary_words() {
        for text in [
            "Très bon travail sur papier, soigné.",
            "Il a tiré à la courte paille.",
            "ppp",
            "Un papa attentif, une paix retrouvée.",
            "Le pain et les pâtes : bonne leçon de vocabulaire.",
            "Travail appliqué ; il progresse nettement en rédaction.",
            "Excellent trimestre, élève sérieuse et impliquée.",
            "Un traitement de texte maîtrisé ; les avis sont partagés.",
            "Il a fait une application d'un théorème, c.-à-d. bien.",
            "S.V.P. relire les consignes.",
            "Le dysfonctionnement de l'imprimante a retardé le devoir.",
        ] {
            assert_eq!(mention(text), None, "{text}");
        }
    }

    #[test]
    fn the_refusal_names_the_term() {
        assert_eq!(
            refusal_french("PPS"),
            "texte refusé : il mentionne « PPS », qui relève de la section sensible accompagnement"
        );
    }
}
