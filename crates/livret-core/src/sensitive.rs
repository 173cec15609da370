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
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
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

/// A text folded; the dots of an acronym (`P.P.S.`) are dropped first.
fn folded(text: &str) -> String {
    let mut cleaned = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let (mut before, mut before_that): (Option<char>, Option<char>) = (None, None);
    while let Some(c) = chars.next() {
        // A dot right after a lone letter and before a letter joins an acronym.
        let lone_letter_before = before.is_some_and(char::is_alphabetic)
            && before_that.is_none_or(|b| !b.is_alphanumeric());
        let letter_after = chars.peek().is_some_and(|n| n.is_alphabetic());
        if !(c == '.' && lone_letter_before && letter_after) {
            cleaned.push(fold(c));
        }
        before_that = before;
        before = Some(c);
    }
    cleaned
}

/// The words of a folded text.
fn split_words(folded: &str) -> Vec<&str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The words of a text, folded.
fn words(text: &str) -> Vec<String> {
    split_words(&folded(text))
        .into_iter()
        .map(str::to_string)
        .collect()
}

fn word_matches(word: &str, term: &str) -> bool {
    word == term || word.strip_suffix('s') == Some(term)
}

/// [`SENSITIVE_TERMS`] folded into words once, and which terms each first word begins.
struct Terms {
    parts: Vec<Vec<String>>,
    by_first: std::collections::HashMap<String, Vec<usize>>,
}

fn terms() -> &'static Terms {
    static TERMS: std::sync::OnceLock<Terms> = std::sync::OnceLock::new();
    TERMS.get_or_init(|| {
        let parts: Vec<Vec<String>> = SENSITIVE_TERMS.iter().map(|t| words(t)).collect();
        let mut by_first: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        for (k, p) in parts.iter().enumerate() {
            if let Some(first) = p.first() {
                by_first.entry(first.clone()).or_default().push(k);
            }
        }
        Terms { parts, by_first }
    })
}

/// The first of [`SENSITIVE_TERMS`] that `text` mentions, if any.
///
/// Every text a device writes or receives outside the sensitive section goes through it, so
/// each word of the text is looked up once among the terms' first words, rather than every
/// term searched through the text.
pub fn mention(text: &str) -> Option<&'static str> {
    let terms = terms();
    let folded = folded(text);
    let tokens = split_words(&folded);
    let mut first: Option<usize> = None;
    for (i, word) in tokens.iter().enumerate() {
        for begins in [Some(*word), word.strip_suffix('s')].into_iter().flatten() {
            let Some(candidates) = terms.by_first.get(begins) else {
                continue;
            };
            for &k in candidates {
                if first.is_some_and(|f| f <= k) {
                    continue;
                }
                let parts = &terms.parts[k];
                let matches = tokens.get(i..i + parts.len()).is_some_and(|w| {
                    w.iter()
                        .zip(parts)
                        .all(|(word, part)| word_matches(word, part))
                });
                if matches {
                    first = Some(k);
                }
            }
        }
    }
    first.and_then(|k| SENSITIVE_TERMS.get(k).copied())
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

    /// The words of a text as first written (the characters collected, each word its own
    /// string).
    fn words_as_first_written(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        let mut cleaned = String::with_capacity(text.len());
        for (i, &c) in chars.iter().enumerate() {
            let lone_letter_before = i >= 1
                && chars[i - 1].is_alphabetic()
                && (i < 2 || !chars[i - 2].is_alphanumeric());
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

    /// The search as it was first written (every term through the text): the one above must
    /// answer the same.
    fn mention_term_by_term(text: &str) -> Option<&'static str> {
        let tokens = words_as_first_written(text);
        SENSITIVE_TERMS.iter().copied().find(|term| {
            let parts = words_as_first_written(term);
            !parts.is_empty()
                && tokens.windows(parts.len()).any(|w| {
                    w.iter()
                        .zip(&parts)
                        .all(|(word, part)| word_matches(word, part))
                })
        })
    }

    proptest::proptest! {
        #[test]
        fn the_word_index_answers_as_the_term_by_term_search(
            picks in proptest::collection::vec((0usize..64, 0usize..6), 0..24)
        ) {
            // Texts made of terms, parts of terms, their plurals and ordinary words.
            const ORDINARY: [&str; 8] =
                ["trouble", "très", "bon", "Médical", "secret", "s", "P.", "élève"];
            let mut text = String::new();
            for (n, form) in picks {
                let word = SENSITIVE_TERMS
                    .get(n)
                    .copied()
                    .unwrap_or(ORDINARY[n % ORDINARY.len()]);
                match form {
                    0 => text.push_str(word),
                    1 => text.push_str(&format!("{word}s")),
                    2 => text.push_str(&word.to_uppercase()),
                    3 => text.push_str(word.split(' ').next().unwrap_or(word)),
                    4 => text.push_str(word.split(' ').next_back().unwrap_or(word)),
                    _ => text.push_str(&format!("{word}x")),
                }
                text.push_str(if n % 3 == 0 { ". " } else { " " });
            }
            proptest::prop_assert_eq!(mention(&text), mention_term_by_term(&text), "{}", text);
        }
    }

    proptest::proptest! {
        #[test]
        fn words_are_cut_as_first_written(text in "([a-zA-ZéÉ0-9]{0,3}[ .,'-]{0,2}){0,12}") {
            proptest::prop_assert_eq!(words(&text), words_as_first_written(&text));
        }
    }

    #[test]
    fn the_first_term_of_the_list_is_named_whatever_the_order_in_the_text() {
        assert_eq!(mention("Une allergie, et un PAI."), Some("PAI"));
        assert_eq!(
            mention("Un trouble dys, un traitement médical."),
            Some("trouble dys")
        );
    }

    #[test]
    fn the_refusal_names_the_term() {
        assert_eq!(
            refusal_french("PPS"),
            "texte refusé : il mentionne « PPS », qui relève de la section sensible accompagnement"
        );
    }
}
