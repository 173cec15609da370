//! The two languages of user messages. French is the default; English on request.

/// A language for messages shown to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// French, the default.
    #[default]
    Fr,
    /// English (`--lang en` or an English `LANG`).
    En,
}

impl Lang {
    /// Picks one of two texts.
    pub fn pick<'a>(self, fr: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// Reads a `LANG`-style value (`en_GB.UTF-8`, `fr_FR`, `en`, `fr`...).
    pub fn from_locale(value: &str) -> Option<Lang> {
        let v = value.trim().to_ascii_lowercase();
        if v.starts_with("en") {
            Some(Lang::En)
        } else if v.starts_with("fr") {
            Some(Lang::Fr)
        } else {
            None
        }
    }
}

/// Something that can be told to a person in either language.
pub trait Localized {
    /// The message in the given language, one line.
    fn localized(&self, lang: Lang) -> String;
}
