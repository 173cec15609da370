//! The official vocabulary of the livret scolaire, as validated Rust types.
//!
//! Codes, scales and length limits follow the LSU import schema (collège, schema version 7.0)
//! and its code lists (nomenclatures 2.10). Every type here is valid by construction: the
//! constructors check the rules, and decoding (serde) goes through the same checks.
//! Lengths are counted in characters (Unicode scalar values), not bytes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Lang, Localized};

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A value that breaks a rule of the official vocabulary. `Display` is English; French (and
/// English) through [`Localized`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.localized(crate::Lang::En))]
pub struct ValidationError {
    /// The field, as named on the command line (`ine`, `uai`, `text`, `level`...).
    pub field: &'static str,
    /// The rule that was broken.
    pub rule: Rule,
}

impl ValidationError {
    /// An error on `field` for `rule`.
    pub fn new(field: &'static str, rule: Rule) -> Self {
        ValidationError { field, rule }
    }

    /// The same error, reported under another field name.
    pub fn with_field(self, field: &'static str) -> Self {
        ValidationError { field, ..self }
    }
}

impl Localized for ValidationError {
    fn localized(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => format!("champ « {} » : {}", self.field, self.rule.localized(lang)),
            Lang::En => format!("field \"{}\": {}", self.field, self.rule.localized(lang)),
        }
    }
}

/// The rule a value broke.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// Nothing but blanks was given.
    Empty,
    /// Too many characters (Unicode scalar values).
    TooLong {
        /// The most allowed.
        max: usize,
        /// How many were given.
        actual: usize,
    },
    /// A number outside its bounds (inclusive).
    OutOfRange {
        /// The least allowed.
        min: i64,
        /// The most allowed.
        max: i64,
        /// The number given.
        actual: i64,
    },
    /// A code that is not in the official list.
    UnknownCode {
        /// The code given (shortened if very long).
        code: String,
        /// The codes accepted.
        expected: &'static [&'static str],
    },
    /// The value is not written the expected way.
    BadFormat(Format),
    /// The check letter of a UAI or INE does not match its digits.
    BadCheckLetter {
        /// The letter the digits call for.
        expected: char,
        /// The letter given.
        found: char,
    },
    /// A day that does not exist in the calendar (2025-02-29, month 13...).
    BadDate,
    /// A code given more than once.
    Duplicate {
        /// The repeated code.
        code: String,
    },
    /// Codes that are required but were not given.
    Missing {
        /// The missing codes, in the official order.
        codes: Vec<String>,
    },
}

impl Localized for Rule {
    fn localized(&self, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        match self {
            Rule::Empty => lang
                .pick("ne doit pas être vide", "must not be empty")
                .to_owned(),
            Rule::TooLong { max, actual } => {
                if fr {
                    format!("{actual} caractères, au plus {max} permis")
                } else {
                    format!("{actual} characters, at most {max} allowed")
                }
            }
            Rule::OutOfRange { min, max, actual } => {
                if fr {
                    format!("{actual} n'est pas entre {min} et {max}")
                } else {
                    format!("{actual} is not between {min} and {max}")
                }
            }
            Rule::UnknownCode { code, expected } => {
                let list = expected.join(", ");
                if fr {
                    format!("code inconnu « {code} » (attendu : {list})")
                } else {
                    format!("unknown code \"{code}\" (expected: {list})")
                }
            }
            Rule::BadFormat(format) => format.localized(lang),
            Rule::BadCheckLetter { expected, found } => {
                if fr {
                    format!("lettre de contrôle « {found} » incorrecte, « {expected} » attendue")
                } else {
                    format!("check letter \"{found}\" is wrong, \"{expected}\" expected")
                }
            }
            Rule::BadDate => lang
                .pick("cette date n'existe pas", "this date does not exist")
                .to_owned(),
            Rule::Duplicate { code } => {
                if fr {
                    format!("« {code} » est donné plusieurs fois")
                } else {
                    format!("\"{code}\" is given more than once")
                }
            }
            Rule::Missing { codes } => {
                let list = codes.join(", ");
                if fr {
                    format!("il manque : {list}")
                } else {
                    format!("missing: {list}")
                }
            }
        }
    }
}

/// The expected way of writing a value, for [`Rule::BadFormat`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// 7 digits + 1 check letter.
    Uai,
    /// 9 digits + 2 letters, or 10 digits + 1 check letter.
    Ine,
    /// A whole number within bounds.
    WholeNumber {
        /// The least allowed.
        min: i64,
        /// The most allowed.
        max: i64,
    },
    /// `2025` or `2025-2026`.
    Millesime,
    /// `I/N`, e.g. `1/3`.
    Period,
    /// `YYYY-MM-DD`.
    Date,
    /// 6 letters or digits.
    DisciplineCode,
    /// A control character where none is allowed.
    ControlCharacter,
    /// `CODE=LEVEL` entries separated by commas.
    SocleEntry,
}

impl Localized for Format {
    fn localized(&self, lang: Lang) -> String {
        match self {
            Format::Uai => lang.pick(
                "l'UAI doit faire 8 caractères (7 chiffres + 1 lettre de contrôle)",
                "a UAI has 8 characters (7 digits + 1 check letter)",
            ),
            Format::Ine => lang.pick(
                "l'INE doit faire 11 caractères (9 chiffres + 2 lettres, ou 10 chiffres + 1 lettre de contrôle)",
                "an INE has 11 characters (9 digits + 2 letters, or 10 digits + 1 check letter)",
            ),
            Format::WholeNumber { min, max } => {
                return match lang {
                    Lang::Fr => format!("un nombre entier de {min} à {max} est attendu"),
                    Lang::En => format!("a whole number from {min} to {max} is expected"),
                }
            }
            Format::Millesime => lang.pick(
                "une année scolaire s'écrit 2025 ou 2025-2026",
                "a school year is written 2025 or 2025-2026",
            ),
            Format::Period => lang.pick(
                "une période s'écrit I/N, par exemple 1/3 (trimestre 1) ou 2/2 (semestre 2)",
                "a period is written I/N, e.g. 1/3 (term 1) or 2/2 (semester 2)",
            ),
            Format::Date => lang.pick(
                "une date s'écrit AAAA-MM-JJ, par exemple 2025-09-01",
                "a date is written YYYY-MM-DD, e.g. 2025-09-01",
            ),
            Format::DisciplineCode => lang.pick(
                "un code de discipline fait 6 lettres ou chiffres, par exemple MATHEM",
                "a subject code has 6 letters or digits, e.g. MATHEM",
            ),
            Format::ControlCharacter => lang.pick(
                "le texte contient un caractère de contrôle interdit",
                "the text contains a forbidden control character",
            ),
            Format::SocleEntry => lang.pick(
                "chaque composante s'écrit CODE=NIVEAU, séparées par des virgules, par exemple CPD_FRA=3,CPD_ETR=2",
                "each component is written CODE=LEVEL, separated by commas, e.g. CPD_FRA=3,CPD_ETR=2",
            ),
        }
        .to_owned()
    }
}

fn err<T>(field: &'static str, rule: Rule) -> Result<T, ValidationError> {
    Err(ValidationError::new(field, rule))
}

/// The given text, shortened for an error message.
fn shown(s: &str) -> String {
    const MAX: usize = 32;
    let s = s.trim();
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

/// Upper case, `-` read as `_`, blanks around removed: how codes are compared.
fn normalize_code(s: &str) -> String {
    s.trim().to_ascii_uppercase().replace('-', "_")
}

/// Reads a whole number written in decimal, for a scale from `min` to `max`.
fn parse_whole(field: &'static str, s: &str, min: i64, max: i64) -> Result<i64, ValidationError> {
    let t = s.trim();
    let bad = || ValidationError::new(field, Rule::BadFormat(Format::WholeNumber { min, max }));
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = t.parse().map_err(|_| bad())?;
    if n < min || n > max {
        return err(
            field,
            Rule::OutOfRange {
                min,
                max,
                actual: n,
            },
        );
    }
    Ok(n)
}

// ---------------------------------------------------------------------------------------------
// Identifiers: UAI and INE
// ---------------------------------------------------------------------------------------------

const CHECK_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

/// The mod-23 check letter of UAI and older INE: `"ABCDEFGHJKLMNPRSTUVWXYZ"[n mod 23]`.
pub fn check_letter(n: u64) -> char {
    char::from(CHECK_LETTERS[(n % 23) as usize])
}

fn all_digits(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
}

fn all_upper(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_uppercase)
}

/// Reads ASCII digits as a number (at most 19 digits).
fn digits_value(b: &[u8]) -> u64 {
    b.iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d.wrapping_sub(b'0')))
}

/// A school's UAI (unité administrative immatriculée): 7 digits + a check letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uai(String);

impl Uai {
    /// The field name used in errors.
    pub const FIELD: &'static str = "uai";

    /// Checks a UAI; lower case is accepted and stored in upper case.
    pub fn parse(s: &str) -> Result<Uai, ValidationError> {
        let up = s.trim().to_ascii_uppercase();
        let b = up.as_bytes();
        if b.len() != 8 || !all_digits(&b[..7]) || !all_upper(&b[7..]) {
            return err(Self::FIELD, Rule::BadFormat(Format::Uai));
        }
        let expected = check_letter(digits_value(&b[..7]));
        let found = char::from(b[7]);
        if expected != found {
            return err(Self::FIELD, Rule::BadCheckLetter { expected, found });
        }
        Ok(Uai(up))
    }

    /// The UAI whose digits are `n` (0..=9 999 999), with its check letter.
    pub fn from_number(n: u32) -> Result<Uai, ValidationError> {
        if n > 9_999_999 {
            return err(
                Self::FIELD,
                Rule::OutOfRange {
                    min: 0,
                    max: 9_999_999,
                    actual: n.into(),
                },
            );
        }
        Ok(Uai(format!("{n:07}{}", check_letter(n.into()))))
    }

    /// The UAI, upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A pupil's INE (identifiant national élève): 11 characters, either 9 digits + 2 letters
/// (current form) or 10 digits + a mod-23 check letter (older form).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ine(String);

impl Ine {
    /// The field name used in errors.
    pub const FIELD: &'static str = "ine";

    /// Checks an INE; lower case is accepted and stored in upper case.
    pub fn parse(s: &str) -> Result<Ine, ValidationError> {
        let up = s.trim().to_ascii_uppercase();
        let b = up.as_bytes();
        if b.len() != 11 {
            return err(Self::FIELD, Rule::BadFormat(Format::Ine));
        }
        if all_digits(&b[..9]) && all_upper(&b[9..]) {
            return Ok(Ine(up));
        }
        if all_digits(&b[..10]) && all_upper(&b[10..]) {
            let expected = check_letter(digits_value(&b[..10]));
            let found = char::from(b[10]);
            if expected != found {
                return err(Self::FIELD, Rule::BadCheckLetter { expected, found });
            }
            return Ok(Ine(up));
        }
        err(Self::FIELD, Rule::BadFormat(Format::Ine))
    }

    /// The older-form INE whose 10 digits are `n`, with its check letter.
    pub fn from_number(n: u64) -> Result<Ine, ValidationError> {
        if n > 9_999_999_999 {
            return err(
                Self::FIELD,
                Rule::OutOfRange {
                    min: 0,
                    max: 9_999_999_999,
                    actual: i64::try_from(n).unwrap_or(i64::MAX),
                },
            );
        }
        Ok(Ine(format!("{n:010}{}", check_letter(n))))
    }

    /// True for the older form (10 digits + check letter).
    pub fn is_legacy(&self) -> bool {
        self.0.as_bytes().get(9).is_some_and(u8::is_ascii_digit)
    }

    /// The INE, upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `FromStr`, `Display`, `AsRef<str>`, `TryFrom<String>` and `From<T> for String` for a
/// string newtype with a `parse` constructor and an `as_str` accessor.
macro_rules! string_newtype_impls {
    ($name:ident) => {
        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $name::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

string_newtype_impls!(Uai);
string_newtype_impls!(Ine);

// ---------------------------------------------------------------------------------------------
// School year, period, date
// ---------------------------------------------------------------------------------------------

/// A school year, named by the calendar year it starts in (2025 is 2025-2026).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct Millesime(u16);

impl Millesime {
    /// The field name used in errors.
    pub const FIELD: &'static str = "year";
    /// The earliest accepted.
    pub const MIN: u16 = 2000;
    /// The latest accepted.
    pub const MAX: u16 = 2100;

    /// The school year starting in `year` (2000..=2100).
    pub fn new(year: u16) -> Result<Millesime, ValidationError> {
        if !(Self::MIN..=Self::MAX).contains(&year) {
            return err(
                Self::FIELD,
                Rule::OutOfRange {
                    min: Self::MIN.into(),
                    max: Self::MAX.into(),
                    actual: year.into(),
                },
            );
        }
        Ok(Millesime(year))
    }

    /// The school year a day falls in: September to December belong to the year starting
    /// then, January to August to the one before.
    pub fn of_date(date: Date) -> Result<Millesime, ValidationError> {
        let start = if date.month() >= 9 {
            date.year()
        } else {
            date.year() - 1
        };
        Millesime::new(start)
    }

    /// The calendar year it starts in.
    pub fn year(self) -> u16 {
        self.0
    }

    /// `2025-2026`.
    pub fn label(self) -> String {
        format!("{}-{}", self.0, self.0 + 1)
    }
}

impl FromStr for Millesime {
    type Err = ValidationError;

    /// Reads `2025` or `2025-2026` (also `2025/2026`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let bad = || ValidationError::new(Self::FIELD, Rule::BadFormat(Format::Millesime));
        let year = |p: &str| -> Result<u16, ValidationError> {
            if p.len() == 4 && all_digits(p.as_bytes()) {
                p.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        match t.split_once(['-', '/']) {
            None => Millesime::new(year(t)?),
            Some((a, b)) => {
                let (a, b) = (year(a)?, year(b)?);
                if b != a + 1 {
                    return Err(bad());
                }
                Millesime::new(a)
            }
        }
    }
}

impl fmt::Display for Millesime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl TryFrom<u16> for Millesime {
    type Error = ValidationError;
    fn try_from(year: u16) -> Result<Self, Self::Error> {
        Millesime::new(year)
    }
}

impl From<Millesime> for u16 {
    fn from(m: Millesime) -> u16 {
        m.0
    }
}

/// A period of the school year: the `index`-th of `count` (3 trimestres, 2 semestres...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    index: u8,
    count: u8,
}

impl Period {
    /// The field name used in errors.
    pub const FIELD: &'static str = "period";
    /// The most periods in a year.
    pub const MAX_COUNT: u8 = 4;

    /// The `index`-th period of `count` (1..=4 periods, 1 <= index <= count).
    pub fn new(index: u8, count: u8) -> Result<Period, ValidationError> {
        if !(1..=Self::MAX_COUNT).contains(&count) {
            return err(
                Self::FIELD,
                Rule::OutOfRange {
                    min: 1,
                    max: Self::MAX_COUNT.into(),
                    actual: count.into(),
                },
            );
        }
        if !(1..=count).contains(&index) {
            return err(
                Self::FIELD,
                Rule::OutOfRange {
                    min: 1,
                    max: count.into(),
                    actual: index.into(),
                },
            );
        }
        Ok(Period { index, count })
    }

    /// Reads `I/N` (`1/3`, `2/2`), or `T1`..`T3` (trimestres) and `S1`..`S2` (semestres).
    pub fn parse(s: &str) -> Result<Period, ValidationError> {
        let t = s.trim();
        let bad = || ValidationError::new(Self::FIELD, Rule::BadFormat(Format::Period));
        let small = |p: &str| -> Result<u8, ValidationError> {
            let p = p.trim();
            if !p.is_empty() && p.len() <= 2 && all_digits(p.as_bytes()) {
                p.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        if let Some((i, n)) = t.split_once('/') {
            return Period::new(small(i)?, small(n)?);
        }
        let upper = t.to_ascii_uppercase();
        if let Some(i) = upper.strip_prefix('T') {
            return Period::new(small(i)?, 3);
        }
        if let Some(i) = upper.strip_prefix('S') {
            return Period::new(small(i)?, 2);
        }
        Err(bad())
    }

    /// Which period, from 1.
    pub fn index(self) -> u8 {
        self.index
    }

    /// How many periods in the year.
    pub fn count(self) -> u8 {
        self.count
    }

    /// The French label: `Trimestre 1`, `Semestre 2`, `Période 1 sur 4`.
    pub fn label(self) -> String {
        self.localized(Lang::Fr)
    }
}

impl Localized for Period {
    fn localized(&self, lang: Lang) -> String {
        let (i, n) = (self.index, self.count);
        match (lang, n) {
            (Lang::Fr, 3) => format!("Trimestre {i}"),
            (Lang::Fr, 2) => format!("Semestre {i}"),
            (Lang::Fr, _) => format!("Période {i} sur {n}"),
            (Lang::En, 3) => format!("Term {i}"),
            (Lang::En, 2) => format!("Semester {i}"),
            (Lang::En, _) => format!("Period {i} of {n}"),
        }
    }
}

impl FromStr for Period {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl TryFrom<String> for Period {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Period::parse(&s)
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

/// A civil (proleptic Gregorian) date, years 1900..=2200, written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

const SECONDS_PER_DAY: i64 = 86_400;

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // day is 1..=31 and month 1..=12 by construction.
    (year, month as u8, day as u8)
}

impl Date {
    /// The field name used in errors.
    pub const FIELD: &'static str = "date";
    /// The earliest year accepted.
    pub const MIN_YEAR: u16 = 1900;
    /// The latest year accepted.
    pub const MAX_YEAR: u16 = 2200;

    /// The date `year-month-day`, if it exists and the year is in 1900..=2200.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, ValidationError> {
        if !(Self::MIN_YEAR..=Self::MAX_YEAR).contains(&year) {
            return err(
                Self::FIELD,
                Rule::OutOfRange {
                    min: Self::MIN_YEAR.into(),
                    max: Self::MAX_YEAR.into(),
                    actual: year.into(),
                },
            );
        }
        if day == 0 || day > days_in_month(year.into(), month) {
            return err(Self::FIELD, Rule::BadDate);
        }
        Ok(Date { year, month, day })
    }

    /// Reads `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Date, ValidationError> {
        let t = s.trim();
        let b = t.as_bytes();
        let shape = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && all_digits(&b[..4])
            && all_digits(&b[5..7])
            && all_digits(&b[8..]);
        if !shape {
            return err(Self::FIELD, Rule::BadFormat(Format::Date));
        }
        // At most 4 digits each: these fit.
        let year = digits_value(&b[..4]) as u16;
        let month = digits_value(&b[5..7]) as u8;
        let day = digits_value(&b[8..]) as u8;
        Date::new(year, month, day)
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1..=12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before).
    pub fn to_days(self) -> i64 {
        days_from_civil(self.year.into(), self.month.into(), self.day.into())
    }

    /// The date `days` days after 1970-01-01, if its year is in 1900..=2200.
    pub fn from_days(days: i64) -> Result<Date, ValidationError> {
        let (year, month, day) = civil_from_days(days);
        match u16::try_from(year) {
            Ok(y) if (Self::MIN_YEAR..=Self::MAX_YEAR).contains(&y) => Date::new(y, month, day),
            _ => err(
                Self::FIELD,
                Rule::OutOfRange {
                    min: Self::MIN_YEAR.into(),
                    max: Self::MAX_YEAR.into(),
                    actual: year,
                },
            ),
        }
    }

    /// The date `n` days later (earlier if negative).
    pub fn add_days(self, n: i64) -> Result<Date, ValidationError> {
        Date::from_days(self.to_days().saturating_add(n))
    }

    /// Unix time of this day's midnight, UTC.
    pub fn unix_seconds_start(self) -> i64 {
        self.to_days() * SECONDS_PER_DAY
    }

    /// The UTC day containing the Unix time `secs`.
    pub fn from_unix_seconds(secs: i64) -> Result<Date, ValidationError> {
        Date::from_days(secs.div_euclid(SECONDS_PER_DAY))
    }
}

impl FromStr for Date {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse(s)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl TryFrom<String> for Date {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Date::parse(&s)
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Bounded texts
// ---------------------------------------------------------------------------------------------

/// Checks a text: trimmed, not empty, at most `max` characters, no control characters
/// (except line breaks and tabs when `multiline`).
fn check_text(
    field: &'static str,
    text: &str,
    max: usize,
    multiline: bool,
) -> Result<String, ValidationError> {
    let t = text.trim();
    if t.is_empty() {
        return err(field, Rule::Empty);
    }
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if t.chars().any(|c| c.is_control() && !allowed(c)) {
        return err(field, Rule::BadFormat(Format::ControlCharacter));
    }
    let actual = t.chars().count();
    if actual > max {
        return err(field, Rule::TooLong { max, actual });
    }
    Ok(t.to_owned())
}

/// Declares a text newtype: trimmed, non-empty, at most `max` characters.
macro_rules! bounded_text {
    ($(#[$meta:meta])* $name:ident, max = $max:expr, field = $field:literal, multiline = $ml:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The most characters allowed.
            pub const MAX_CHARS: usize = $max;
            /// The field name used in errors.
            pub const FIELD: &'static str = $field;

            /// Checks the text (blanks around it are removed).
            pub fn new(text: &str) -> Result<$name, ValidationError> {
                check_text(Self::FIELD, text, Self::MAX_CHARS, $ml).map($name)
            }

            /// Same as [`Self::new`].
            pub fn parse(text: &str) -> Result<$name, ValidationError> {
                Self::new(text)
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        string_newtype_impls!($name);
    };
}

bounded_text!(
    /// A teacher's appréciation for one subject and period (≤ 600 characters).
    Appreciation, max = 600, field = "text", multiline = true
);
bounded_text!(
    /// The synthesis and advice of a bilan périodique, « acquis et conseils » (≤ 1000).
    Synthesis, max = 1000, field = "text", multiline = true
);
bounded_text!(
    /// The synthesis of a bilan de fin de cycle (≤ 1500 characters).
    CycleSynthesis, max = 1500, field = "text", multiline = true
);
bounded_text!(
    /// An element of the programme worked on in a subject (≤ 300 characters, LSU `Chaine300`).
    ElementsProgramme, max = 300, field = "text", multiline = true
);
/// The LSU `modalite-election` codes: S common core, O compulsory option, F optional, L
/// academic option, R religious teaching (Alsace-Moselle), X specific measure, D exempt.
pub const ELECTION_CODES: &[&str] = &["S", "O", "F", "L", "R", "X", "D"];

/// The enseignements de complément of a bilan de fin de cycle 4 (LSU `CodeEnsCompl`).
pub const COMPLEMENT_CODES: &[&str] = &["AUC", "LCA", "LCE", "LCR", "CHK", "PRO", "LSF", "LVE"];

/// The langues et cultures régionales of a bilan de fin de cycle (LSU
/// `CodeLangueCultureRegionale`).
pub const REGIONAL_CODES: &[&str] = &[
    "AUC", "BAQ", "BRE", "CAT", "COS", "CPF", "FUD", "GAL", "GSW", "MEL", "MOL", "OCI", "TAH",
    "WLS",
];

/// The domains of the compétences numériques of CM2 and 6e (LSU `CodeCompetenceNumerique`).
pub const DIGITAL_SKILL_CODES: &[&str] = &[
    "CN_INF_MEN",
    "CN_INF_GER",
    "CN_INF_TRA",
    "CN_COM_INT",
    "CN_COM_PAR",
    "CN_COM_COL",
    "CN_COM_SIN",
    "CN_CRE_TEX",
    "CN_CRE_MUL",
    "CN_CRE_ADA",
    "CN_CRE_PRO",
    "CN_PRO_SEC",
    "CN_PRO_DON",
    "CN_PRO_SAN",
    "CN_ENV_RES",
    "CN_ENV_EVO",
];

/// The French label of a `modalite-election` code ([`ELECTION_CODES`]).
pub fn election_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "S" => "tronc commun",
        "O" => "option obligatoire",
        "F" => "option facultative",
        "L" => "option académique",
        "R" => "enseignement religieux",
        "X" => "mesure spécifique",
        "D" => "dispensé",
        _ => return None,
    })
}

/// The French label of an enseignement de complément (LSU nomenclature).
pub fn complement_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "AUC" => "Aucun",
        "LCA" => "Langues et cultures de l'Antiquité",
        "LCE" => "Langues et cultures européennes",
        "LCR" => "Langues et cultures régionales",
        "CHK" => "Chant choral",
        "PRO" => "Découverte professionnelle",
        "LSF" => "Langue des signes française",
        "LVE" => "Langue vivante étrangère",
        _ => return None,
    })
}

/// The French label of a langue et culture régionale (LSU nomenclature).
pub fn regional_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "AUC" => "Aucune",
        "BAQ" => "Basque",
        "BRE" => "Breton",
        "CAT" => "Catalan",
        "COS" => "Corse",
        "CPF" => "Créole",
        "FUD" => "Futunien",
        "GAL" => "Gallo",
        "GSW" => "Langue régionale d'Alsace",
        "MEL" => "Langues mélanésiennes",
        "MOL" => "Langues régionales des pays mosellans",
        "OCI" => "Occitan langue d'oc",
        "TAH" => "Tahitien",
        "WLS" => "Wallisien",
        _ => return None,
    })
}

/// Checks that `code` is one of `list` (an official code list above).
pub fn check_code(
    field: &'static str,
    code: &str,
    list: &'static [&'static str],
) -> Result<(), ValidationError> {
    if list.contains(&code) {
        Ok(())
    } else {
        err(
            field,
            Rule::UnknownCode {
                code: code.chars().take(16).collect(),
                expected: list,
            },
        )
    }
}

bounded_text!(
    /// A mark as written by the teacher: `14,5`, `Abs`, `15/20` (1 to 8 characters).
    Mark, max = 8, field = "mark", multiline = false
);
bounded_text!(
    /// The label of a subject (≤ 40 characters, LSU `Chaine40`).
    DisciplineLabel, max = 40, field = "label", multiline = false
);
bounded_text!(
    /// A child's name as the family types it (≤ 100 characters, LSU `NomPrenom`).
    PersonName, max = 100, field = "name", multiline = false
);

bounded_text!(
    /// A lycée text (LSL): annual appréciation, engagement, the head's opinion (≤ 600).
    LyceeText, max = 600, field = "text", multiline = true
);

/// The opinion for the exam in the livret scolaire du lycée.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExamOpinion {
    /// Très favorable.
    TresFavorable,
    /// Favorable.
    Favorable,
    /// Doit faire ses preuves à l'examen.
    DoitFaireSesPreuves,
}

impl ExamOpinion {
    /// The three opinions, best first.
    pub const ALL: [ExamOpinion; 3] = [
        ExamOpinion::TresFavorable,
        ExamOpinion::Favorable,
        ExamOpinion::DoitFaireSesPreuves,
    ];

    /// 1, 2 or 3 (as signed).
    pub fn value(self) -> u8 {
        match self {
            ExamOpinion::TresFavorable => 1,
            ExamOpinion::Favorable => 2,
            ExamOpinion::DoitFaireSesPreuves => 3,
        }
    }

    /// From 1, 2 or 3.
    pub fn from_value(v: u8) -> Result<ExamOpinion, ValidationError> {
        match v {
            1 => Ok(ExamOpinion::TresFavorable),
            2 => Ok(ExamOpinion::Favorable),
            3 => Ok(ExamOpinion::DoitFaireSesPreuves),
            _ => Err(ValidationError::new(
                "exam",
                Rule::OutOfRange {
                    min: 1,
                    max: 3,
                    actual: i64::from(v),
                },
            )),
        }
    }

    /// The French label.
    pub fn label(self) -> &'static str {
        match self {
            ExamOpinion::TresFavorable => "Très favorable",
            ExamOpinion::Favorable => "Favorable",
            ExamOpinion::DoitFaireSesPreuves => "Doit faire ses preuves",
        }
    }

    /// Reads `tres-favorable`, `favorable`, `doit-faire-ses-preuves` (or the labels, or 1-3).
    pub fn parse(s: &str) -> Result<ExamOpinion, ValidationError> {
        let t: String = s
            .trim()
            .to_lowercase()
            .replace(['é', 'è'], "e")
            .chars()
            .map(|c| if c == ' ' || c == '_' { '-' } else { c })
            .collect();
        match t.as_str() {
            "tres-favorable" | "1" => Ok(ExamOpinion::TresFavorable),
            "favorable" | "2" => Ok(ExamOpinion::Favorable),
            "doit-faire-ses-preuves" | "3" => Ok(ExamOpinion::DoitFaireSesPreuves),
            _ => Err(ValidationError::new(
                "exam",
                Rule::UnknownCode {
                    code: s.chars().take(32).collect(),
                    expected: &["tres-favorable", "favorable", "doit-faire-ses-preuves"],
                },
            )),
        }
    }
}

/// A class (division) name such as `5B`, `3E2` or `6EME_4`: 1 to 20 characters, as the LSU
/// schema's `CodeStructure` allows (any character but control characters, which no school
/// software writes and which would break the printed and exported forms).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Division(String);

impl Division {
    /// The most characters allowed.
    pub const MAX_CHARS: usize = 20;
    /// The field name used in errors.
    pub const FIELD: &'static str = "class";

    /// Checks a class name (blanks around it are removed).
    pub fn parse(s: &str) -> Result<Division, ValidationError> {
        let t = s.trim();
        if t.is_empty() {
            return err(Self::FIELD, Rule::Empty);
        }
        if t.chars().any(char::is_control) {
            return err(Self::FIELD, Rule::BadFormat(Format::ControlCharacter));
        }
        let actual = t.chars().count();
        if actual > Self::MAX_CHARS {
            return err(
                Self::FIELD,
                Rule::TooLong {
                    max: Self::MAX_CHARS,
                    actual,
                },
            );
        }
        Ok(Division(t.to_owned()))
    }

    /// The class name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype_impls!(Division);

// ---------------------------------------------------------------------------------------------
// Subjects
// ---------------------------------------------------------------------------------------------

/// A subject code (LSU `CodeMatiere`): exactly 6 letters or digits, stored upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisciplineCode(String);

impl DisciplineCode {
    /// The field name used in errors.
    pub const FIELD: &'static str = "subject";
    /// The length of every code.
    pub const LEN: usize = 6;

    /// Checks a code; lower case is accepted and stored upper case.
    pub fn parse(s: &str) -> Result<DisciplineCode, ValidationError> {
        let up = s.trim().to_ascii_uppercase();
        if up.is_empty() {
            return err(Self::FIELD, Rule::Empty);
        }
        if up.len() != Self::LEN || !up.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return err(Self::FIELD, Rule::BadFormat(Format::DisciplineCode));
        }
        Ok(DisciplineCode(up))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The label of this code in [`KNOWN_DISCIPLINES`], if it is one.
    pub fn known_label(&self) -> Option<&'static str> {
        label_for(&self.0)
    }
}

string_newtype_impls!(DisciplineCode);

/// Common subjects of école and collège, with the codes this project uses for them.
pub const KNOWN_DISCIPLINES: &[(&str, &str)] = &[
    ("FRANCS", "Français"),
    ("MATHEM", "Mathématiques"),
    ("HISGEO", "Histoire-géographie-EMC"),
    ("ANGLV1", "Anglais LV1"),
    ("ALLLV1", "Allemand LV1"),
    ("ESPLV2", "Espagnol LV2"),
    ("ALLLV2", "Allemand LV2"),
    ("ITALV2", "Italien LV2"),
    ("SVTERR", "Sciences de la vie et de la Terre"),
    ("PHYCHI", "Physique-chimie"),
    ("TECHNO", "Technologie"),
    ("SCITEC", "Sciences et technologie"),
    ("QUESMO", "Questionner le monde"),
    ("ARTPLA", "Arts plastiques"),
    ("EDMUSI", "Éducation musicale"),
    ("EPSPOR", "Éducation physique et sportive"),
    ("LATINL", "Latin"),
    ("GRECAN", "Grec ancien"),
];

/// The label of a code of [`KNOWN_DISCIPLINES`] (case-insensitive).
pub fn label_for(code: &str) -> Option<&'static str> {
    let code = code.trim();
    KNOWN_DISCIPLINES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map(|&(_, label)| label)
}

/// A subject: its code and its label.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Discipline {
    /// The code.
    pub code: DisciplineCode,
    /// The label.
    pub label: DisciplineLabel,
}

impl Discipline {
    /// The subject of a known code, with its label from [`KNOWN_DISCIPLINES`].
    pub fn known(code: &DisciplineCode) -> Option<Discipline> {
        let label = DisciplineLabel::new(code.known_label()?).ok()?;
        Some(Discipline {
            code: code.clone(),
            label,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Scales
// ---------------------------------------------------------------------------------------------

const fn min_of(values: &[u8]) -> u8 {
    let mut m = u8::MAX;
    let mut i = 0;
    while i < values.len() {
        if values[i] < m {
            m = values[i];
        }
        i += 1;
    }
    m
}

const fn max_of(values: &[u8]) -> u8 {
    let mut m = 0;
    let mut i = 0;
    while i < values.len() {
        if values[i] > m {
            m = values[i];
        }
        i += 1;
    }
    m
}

/// Declares a small numeric scale: an enum with a value and a French label for each step.
macro_rules! scale {
    (
        $(#[$meta:meta])* $name:ident, field = $field:literal {
            $($variant:ident = $value:literal, $label:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(try_from = "u8", into = "u8")]
        #[repr(u8)]
        pub enum $name {
            $(
                #[doc = concat!($value, ": ", $label, ".")]
                $variant = $value,
            )+
        }

        impl $name {
            /// Every step, lowest first.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The field name used in errors.
            pub const FIELD: &'static str = $field;
            /// The lowest value.
            pub const MIN: u8 = min_of(&[$($value),+]);
            /// The highest value.
            pub const MAX: u8 = max_of(&[$($value),+]);

            /// The step of a value.
            pub fn from_value(value: u8) -> Result<$name, ValidationError> {
                match value {
                    $($value => Ok($name::$variant),)+
                    _ => err(
                        Self::FIELD,
                        Rule::OutOfRange {
                            min: Self::MIN.into(),
                            max: Self::MAX.into(),
                            actual: value.into(),
                        },
                    ),
                }
            }

            /// The value.
            pub fn value(self) -> u8 {
                self as u8
            }

            /// The official French label.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let n = parse_whole(Self::FIELD, s, Self::MIN.into(), Self::MAX.into())?;
                // In MIN..=MAX, so it fits.
                $name::from_value(n as u8)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.value())
            }
        }

        impl TryFrom<u8> for $name {
            type Error = ValidationError;
            fn try_from(value: u8) -> Result<Self, Self::Error> {
                $name::from_value(value)
            }
        }

        impl From<$name> for u8 {
            fn from(v: $name) -> u8 {
                v.value()
            }
        }
    };
}

scale!(
    /// The positioning of a pupil in a subject (LSU `PositionnementAcquis`, 1..=4).
    Positioning, field = "level" {
        NotAchieved = 1, "Objectifs d'apprentissage non atteints";
        PartlyAchieved = 2, "Objectifs d'apprentissage partiellement atteints";
        Achieved = 3, "Objectifs d'apprentissage atteints";
        Exceeded = 4, "Objectifs d'apprentissage dépassés";
    }
);

scale!(
    /// The level of mastery of a component of the socle (LSU `PositionnementSocle`, 0..=4).
    SocleLevel, field = "level" {
        Exempted = 0, "Dispensé";
        Insufficient = 1, "Maîtrise insuffisante";
        Fragile = 2, "Maîtrise fragile";
        Satisfactory = 3, "Maîtrise satisfaisante";
        VeryGood = 4, "Très bonne maîtrise";
    }
);

scale!(
    /// A cycle of école and collège with a bilan de fin de cycle (2, 3 or 4).
    Cycle, field = "cycle" {
        Two = 2, "Cycle 2 : cycle des apprentissages fondamentaux (CP, CE1, CE2)";
        Three = 3, "Cycle 3 : cycle de consolidation (CM1, CM2, 6e)";
        Four = 4, "Cycle 4 : cycle des approfondissements (5e, 4e, 3e)";
    }
);

scale!(
    /// The positioning on the enseignement de complément (LSU `PositionnementEnsCompl`).
    ComplementLevel, field = "level" {
        Achieved = 1, "Objectif atteint";
        Exceeded = 2, "Objectif dépassé";
    }
);

scale!(
    /// The A2 level in a regional language (LSU `PositionnementLangueCultureRegionale`).
    RegionalLevel, field = "level" {
        NotAchieved = 1, "Niveau A2 non atteint";
        Achieved = 2, "Niveau A2 atteint";
    }
);

scale!(
    /// The level reached in a digital skill (LSU `NiveauCompetenceNumerique`, 1..=3).
    CompetenceNumeriqueLevel, field = "level" {
        One = 1, "Niveau 1";
        Two = 2, "Niveau 2";
        Three = 3, "Niveau 3";
    }
);

/// How a subject is assessed for a period: a positioning or a mark.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Evaluation {
    /// A positioning on 4 levels (`--level 1-4`).
    Level(Positioning),
    /// A mark (`--mark TEXT`).
    Mark(Mark),
}

// ---------------------------------------------------------------------------------------------
// Vie scolaire
// ---------------------------------------------------------------------------------------------

/// The vie scolaire of a period: late arrivals and half-days of absence (each 0..=999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "VieScolaireFields")]
pub struct VieScolaire {
    late: u16,
    justified: u16,
    unjustified: u16,
}

/// The undecoded fields of a [`VieScolaire`], checked before use.
#[derive(Deserialize)]
struct VieScolaireFields {
    late: u16,
    justified: u16,
    unjustified: u16,
}

impl VieScolaire {
    /// The most of each count (LSU `ValeurVieScolaire`).
    pub const MAX: u16 = 999;

    /// Late arrivals, half-days of justified and of unjustified absence.
    pub fn new(
        late: u16,
        justified: u16,
        unjustified: u16,
    ) -> Result<VieScolaire, ValidationError> {
        for (field, value) in [
            ("late", late),
            ("justified", justified),
            ("unjustified", unjustified),
        ] {
            if value > Self::MAX {
                return err(
                    field,
                    Rule::OutOfRange {
                        min: 0,
                        max: Self::MAX.into(),
                        actual: value.into(),
                    },
                );
            }
        }
        Ok(VieScolaire {
            late,
            justified,
            unjustified,
        })
    }

    /// Late arrivals (retards).
    pub fn late(self) -> u16 {
        self.late
    }

    /// Half-days of justified absence.
    pub fn justified(self) -> u16 {
        self.justified
    }

    /// Half-days of unjustified absence.
    pub fn unjustified(self) -> u16 {
        self.unjustified
    }
}

impl TryFrom<VieScolaireFields> for VieScolaire {
    type Error = ValidationError;
    fn try_from(f: VieScolaireFields) -> Result<Self, Self::Error> {
        VieScolaire::new(f.late, f.justified, f.unjustified)
    }
}

// ---------------------------------------------------------------------------------------------
// Code lists
// ---------------------------------------------------------------------------------------------

/// Declares an enum over an official code list, with codes and French labels.
macro_rules! code_list {
    (
        $(#[$meta:meta])* $name:ident, field = $field:literal {
            $($variant:ident = $code:literal, $label:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(try_from = "String", into = "String")]
        pub enum $name {
            $(
                #[doc = concat!("`", $code, "`: ", $label, ".")]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the official order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every code, in the official order.
            pub const CODES: &'static [&'static str] = &[$($code),+];
            /// The field name used in errors.
            pub const FIELD: &'static str = $field;

            /// Reads a code: case-insensitive, `-` accepted for `_`.
            pub fn parse(s: &str) -> Result<$name, ValidationError> {
                let code = normalize_code(s);
                match code.as_str() {
                    "" => err(Self::FIELD, Rule::Empty),
                    $($code => Ok($name::$variant),)+
                    _ => err(
                        Self::FIELD,
                        Rule::UnknownCode { code: shown(s), expected: Self::CODES },
                    ),
                }
            }

            /// The official code.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The official French label.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $name::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.code().to_owned()
            }
        }
    };
}

code_list!(
    /// A parcours éducatif (nomenclature `liste-parcours`).
    Parcours, field = "parcours" {
        Avenir = "PAR_AVN", "Parcours avenir";
        Citoyen = "PAR_CIT", "Parcours citoyen";
        Artistique = "PAR_ART", "Parcours d'éducation artistique et culturelle";
        Sante = "PAR_SAN", "Parcours éducatif de santé";
    }
);

code_list!(
    /// A modalité d'accompagnement (nomenclature `modalites-accompagnement`, plus RASED in
    /// école and the MDPH notification). All are sensitive; PAI, PPS and MDPH notifications
    /// touch on health or disability (medical secrecy).
    Modalite, field = "support" {
        Pap = "PAP", "Plan d’accompagnement personnalisé";
        Pai = "PAI", "Projet d’accueil individualisé";
        Ppre = "PPRE", "Programme personnalisé de réussite éducative";
        Pps = "PPS", "Projet personnalisé de scolarisation";
        Ulis = "ULIS", "Unité localisée pour l’inclusion scolaire";
        Upe2a = "UPE2A", "Unité pédagogique pour élèves allophones arrivants";
        Segpa = "SEGPA", "Section d’enseignement général adapté";
        Ctr = "CTR", "Contrat de réussite";
        Rased = "RASED", "Réseau d’aides spécialisées aux élèves en difficulté";
        Mdph = "MDPH", "Notification de la MDPH (maison départementale des personnes handicapées)";
    }
);

impl Modalite {
    /// Always true: every modalité d'accompagnement is sensitive and is shared only by a
    /// grant naming it.
    pub fn is_sensitive(self) -> bool {
        true
    }

    /// True for PAI, PPS and MDPH notifications, which touch on health or disability
    /// (medical secrecy).
    pub fn is_medical(self) -> bool {
        matches!(self, Modalite::Pai | Modalite::Pps | Modalite::Mdph)
    }

    /// Whether the code is in the LSU list (RASED and MDPH notifications are not).
    pub fn in_lsu(self) -> bool {
        !matches!(self, Modalite::Rased | Modalite::Mdph)
    }

    /// True for RASED, which exists in école only and is not in the LSU collège list.
    pub fn is_ecole_only(self) -> bool {
        matches!(self, Modalite::Rased)
    }
}

code_list!(
    /// A component (domaine) of the socle commun (nomenclature `domaines-socle`).
    SocleComponent, field = "component" {
        CpdFra = "CPD_FRA", "Comprendre, s'exprimer en utilisant la langue française à l'oral et à l'écrit";
        CpdEtr = "CPD_ETR", "Comprendre, s'exprimer en utilisant une langue étrangère et, le cas échéant, une langue régionale";
        CpdSci = "CPD_SCI", "Comprendre, s'exprimer en utilisant les langages mathématiques, scientifiques et informatiques";
        CpdArt = "CPD_ART", "Comprendre, s'exprimer en utilisant les langages des arts et du corps";
        MetApp = "MET_APP", "Les méthodes et outils pour apprendre";
        FrmCit = "FRM_CIT", "La formation de la personne et du citoyen";
        SysNat = "SYS_NAT", "Les systèmes naturels et les systèmes techniques";
        RepMnd = "REP_MND", "Les représentations du monde et l'activité humaine";
    }
);

impl SocleComponent {
    /// The position in [`SocleComponent::ALL`].
    fn index(self) -> usize {
        self as usize
    }
}

code_list!(
    /// An enseignement de complément of the 3e bilan de fin de cycle
    /// (nomenclature `enseignements-complement`).
    EnseignementComplement, field = "complement" {
        Aucun = "AUC", "Aucun";
        Lca = "LCA", "Langues et cultures de l'Antiquité";
        Lce = "LCE", "Langues et cultures européennes";
        Lcr = "LCR", "Langues et cultures régionales";
        Chk = "CHK", "Chant choral";
        Pro = "PRO", "Découverte professionnelle";
        Lsf = "LSF", "Langue des signes française";
        Lve = "LVE", "Langue vivante étrangère";
    }
);

code_list!(
    /// A regional language for the A2 level (nomenclature `langues-culture-regionale`).
    LangueRegionale, field = "language" {
        Aucune = "AUC", "Aucun";
        Basque = "BAQ", "Basque";
        Breton = "BRE", "Breton";
        Catalan = "CAT", "Catalan";
        Corse = "COS", "Corse";
        Creole = "CPF", "Créole";
        Futunien = "FUD", "Futunien";
        Gallo = "GAL", "Gallo";
        Alsace = "GSW", "Langue régionale d'Alsace";
        Melanesiennes = "MEL", "Langues mélanésiennes";
        Mosellanes = "MOL", "Langues régionales des pays mosellans";
        Occitan = "OCI", "Occitan langue d'oc";
        Tahitien = "TAH", "Tahitien";
        Wallisien = "WLS", "Wallisien";
    }
);

code_list!(
    /// A digital skill assessed in CM2 and 6e (LSU `CodeCompetenceNumerique`; labels from the
    /// cadre de référence des compétences numériques).
    CompetenceNumerique, field = "competence" {
        InfMen = "CN_INF_MEN", "Mener une recherche et une veille d'information";
        InfGer = "CN_INF_GER", "Gérer des données";
        InfTra = "CN_INF_TRA", "Traiter des données";
        ComInt = "CN_COM_INT", "Interagir";
        ComPar = "CN_COM_PAR", "Partager et publier";
        ComCol = "CN_COM_COL", "Collaborer";
        ComSin = "CN_COM_SIN", "S'insérer dans le monde numérique";
        CreTex = "CN_CRE_TEX", "Développer des documents textuels";
        CreMul = "CN_CRE_MUL", "Développer des documents multimédia";
        CreAda = "CN_CRE_ADA", "Adapter les documents à leur finalité";
        CrePro = "CN_CRE_PRO", "Programmer";
        ProSec = "CN_PRO_SEC", "Sécuriser l'environnement numérique";
        ProDon = "CN_PRO_DON", "Protéger les données personnelles et la vie privée";
        ProSan = "CN_PRO_SAN", "Protéger la santé, le bien-être et l'environnement";
        EnvRes = "CN_ENV_RES", "Résoudre des problèmes techniques";
        EnvEvo = "CN_ENV_EVO", "Évoluer dans un environnement numérique";
    }
);

code_list!(
    /// A kind of attestation kept in the livret.
    AttestationKind, field = "kind" {
        Aper = "APER", "Attestation de première éducation à la route";
        Assr1 = "ASSR1", "Attestation scolaire de sécurité routière de niveau 1";
        Assr2 = "ASSR2", "Attestation scolaire de sécurité routière de niveau 2";
        Aer = "AER", "Attestation d'éducation à la route";
        Psc1 = "PSC1", "Prévention et secours civiques de niveau 1";
        SavoirNager = "SAVOIR_NAGER", "Attestation du savoir-nager";
        MaitriseSocle = "MAITRISE_SOCLE", "Attestation de maîtrise des connaissances et compétences du socle commun";
    }
);

pub mod ecole;

// ---------------------------------------------------------------------------------------------
// Socle levels of a bilan de fin de cycle
// ---------------------------------------------------------------------------------------------

/// The level of each of the 8 components of the socle, written
/// `CPD_FRA=3,CPD_ETR=2,...` (every component exactly once, any order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SocleLevels([SocleLevel; 8]);

impl SocleLevels {
    /// The field name used in errors.
    pub const FIELD: &'static str = "levels";

    /// The levels in the order of [`SocleComponent::ALL`].
    pub fn from_array(levels: [SocleLevel; 8]) -> SocleLevels {
        SocleLevels(levels)
    }

    /// Reads `CODE=LEVEL` entries separated by commas; every component exactly once.
    pub fn parse(s: &str) -> Result<SocleLevels, ValidationError> {
        let field = Self::FIELD;
        if s.trim().is_empty() {
            return err(field, Rule::Empty);
        }
        let mut slots: [Option<SocleLevel>; 8] = [None; 8];
        for entry in s.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((code, level)) = entry.split_once('=') else {
                return err(field, Rule::BadFormat(Format::SocleEntry));
            };
            let component = SocleComponent::parse(code).map_err(|e| e.with_field(field))?;
            let level = level
                .parse::<SocleLevel>()
                .map_err(|e| e.with_field(field))?;
            let Some(slot) = slots.get_mut(component.index()) else {
                continue; // cannot happen: one slot per component
            };
            if slot.is_some() {
                return err(
                    field,
                    Rule::Duplicate {
                        code: component.code().to_owned(),
                    },
                );
            }
            *slot = Some(level);
        }
        let mut levels = [SocleLevel::Exempted; 8];
        let mut missing = Vec::new();
        for ((component, slot), out) in SocleComponent::ALL.iter().zip(slots).zip(&mut levels) {
            match slot {
                Some(level) => *out = level,
                None => missing.push(component.code().to_owned()),
            }
        }
        if !missing.is_empty() {
            return err(field, Rule::Missing { codes: missing });
        }
        Ok(SocleLevels(levels))
    }

    /// The level of one component.
    pub fn get(&self, component: SocleComponent) -> SocleLevel {
        self.0
            .get(component.index())
            .copied()
            .unwrap_or(SocleLevel::Exempted)
    }

    /// Each component with its level, in the official order.
    pub fn iter(&self) -> impl Iterator<Item = (SocleComponent, SocleLevel)> + '_ {
        SocleComponent::ALL
            .iter()
            .copied()
            .zip(self.0.iter().copied())
    }
}

impl FromStr for SocleLevels {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SocleLevels::parse(s)
    }
}

impl fmt::Display for SocleLevels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (component, level)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}={}", component.code(), level.value())?;
        }
        Ok(())
    }
}

impl TryFrom<String> for SocleLevels {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        SocleLevels::parse(&s)
    }
}

impl From<SocleLevels> for String {
    fn from(v: SocleLevels) -> String {
        v.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn rule<T: fmt::Debug>(r: Result<T, ValidationError>) -> Rule {
        r.unwrap_err().rule
    }

    fn cbor<T: Serialize>(v: &T) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::into_writer(v, &mut out).unwrap();
        out
    }

    fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
        ciborium::from_reader::<T, _>(bytes).map_err(|e| e.to_string())
    }

    fn round_trip<T>(v: &T)
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + fmt::Debug,
    {
        assert_eq!(&decode::<T>(&cbor(v)).unwrap(), v);
    }

    #[test]
    fn uai_valid_and_invalid() {
        for s in ["0951099D", "0382032C", " 0951099d "] {
            let u: Uai = s.parse().unwrap();
            assert_eq!(u.as_str(), s.trim().to_ascii_uppercase());
        }
        assert_eq!(
            rule(Uai::parse("0951099E")),
            Rule::BadCheckLetter {
                expected: 'D',
                found: 'E'
            }
        );
        for s in [
            "",
            "0951099",
            "0951099DD",
            "A951099D",
            "09510991",
            "095109éD",
        ] {
            assert_eq!(rule(Uai::parse(s)), Rule::BadFormat(Format::Uai), "{s}");
        }
        assert_eq!(Uai::from_number(951_099).unwrap().as_str(), "0951099D");
        assert!(Uai::from_number(10_000_000).is_err());
        assert_eq!(Uai::parse("0951099D").unwrap().to_string(), "0951099D");
    }

    #[test]
    fn ine_both_forms() {
        let current = Ine::parse("123456789ab").unwrap();
        assert_eq!(current.as_str(), "123456789AB");
        assert!(!current.is_legacy());
        // 1234567890 mod 23 = 17 -> 'V'
        let legacy = Ine::parse("1234567890v").unwrap();
        assert_eq!(legacy.as_str(), "1234567890V");
        assert!(legacy.is_legacy());
        assert_eq!(Ine::from_number(1_234_567_890).unwrap(), legacy);
        assert_eq!(
            rule(Ine::parse("1234567890A")),
            Rule::BadCheckLetter {
                expected: 'V',
                found: 'A'
            }
        );
        for s in [
            "12345678901",
            "123456789A1",
            "12345678ABC",
            "123456789AB1",
            "",
            "12345678É9A",
        ] {
            assert_eq!(rule(Ine::parse(s)), Rule::BadFormat(Format::Ine), "{s}");
        }
    }

    #[test]
    fn messages_name_the_field() {
        let e = Ine::parse("123").unwrap_err();
        assert_eq!(
            e.localized(Lang::Fr),
            "champ « ine » : l'INE doit faire 11 caractères (9 chiffres + 2 lettres, ou 10 chiffres + 1 lettre de contrôle)"
        );
        assert_eq!(
            e.localized(Lang::En),
            "field \"ine\": an INE has 11 characters (9 digits + 2 letters, or 10 digits + 1 check letter)"
        );
        assert_eq!(e.to_string(), e.localized(Lang::En));
        let errors = [
            Uai::parse("0951099E").unwrap_err(),
            Appreciation::new(" ").unwrap_err(),
            Appreciation::new(&"a".repeat(601)).unwrap_err(),
            Positioning::from_value(5).unwrap_err(),
            "x".parse::<Positioning>().unwrap_err(),
            Parcours::parse("PAR_XXX").unwrap_err(),
            Date::parse("2025-02-29").unwrap_err(),
            Date::parse("2025/02/28").unwrap_err(),
            VieScolaire::new(0, 0, 1000).unwrap_err(),
            SocleLevels::parse("CPD_FRA=3").unwrap_err(),
            SocleLevels::parse("CPD_FRA=3,CPD_FRA=2").unwrap_err(),
            Appreciation::new("a\u{1b}b").unwrap_err(),
        ];
        for e in errors {
            let fr = e.localized(Lang::Fr);
            let en = e.localized(Lang::En);
            assert!(fr.starts_with(&format!("champ « {} » : ", e.field)), "{fr}");
            assert!(en.starts_with(&format!("field \"{}\": ", e.field)), "{en}");
            assert_ne!(fr, en);
            assert!(!fr.contains('\n') && !en.contains('\n'));
        }
        let e = Appreciation::new(&"a".repeat(601)).unwrap_err();
        assert_eq!(
            e.localized(Lang::En),
            "field \"text\": 601 characters, at most 600 allowed"
        );
        let renamed = e.with_field("appreciation");
        assert_eq!(renamed.field, "appreciation");
    }

    #[test]
    fn millesime() {
        let m: Millesime = "2025".parse().unwrap();
        assert_eq!(m.year(), 2025);
        assert_eq!(m.to_string(), "2025");
        assert_eq!(m.label(), "2025-2026");
        assert_eq!("2025-2026".parse::<Millesime>().unwrap(), m);
        assert_eq!("2025/2026".parse::<Millesime>().unwrap(), m);
        assert_eq!(
            rule("2025-2027".parse::<Millesime>()),
            Rule::BadFormat(Format::Millesime)
        );
        assert_eq!(
            rule("25".parse::<Millesime>()),
            Rule::BadFormat(Format::Millesime)
        );
        assert_eq!(
            rule(Millesime::new(1999)),
            Rule::OutOfRange {
                min: 2000,
                max: 2100,
                actual: 1999
            }
        );
        assert!(Millesime::new(2100).is_ok());
        assert!(Millesime::new(2101).is_err());
        let d = Date::parse("2026-03-10").unwrap();
        assert_eq!(Millesime::of_date(d).unwrap(), m);
        assert_eq!(
            Millesime::of_date(Date::parse("2025-09-01").unwrap()).unwrap(),
            m
        );
        assert_eq!(
            Millesime::of_date(Date::parse("2025-08-31").unwrap())
                .unwrap()
                .year(),
            2024
        );
    }

    #[test]
    fn period() {
        let p: Period = "1/3".parse().unwrap();
        assert_eq!((p.index(), p.count()), (1, 3));
        assert_eq!(p.to_string(), "1/3");
        assert_eq!(p.label(), "Trimestre 1");
        assert_eq!(p.localized(Lang::En), "Term 1");
        assert_eq!(Period::parse("2/2").unwrap().label(), "Semestre 2");
        assert_eq!(Period::parse("1/4").unwrap().label(), "Période 1 sur 4");
        assert_eq!(
            Period::parse("1/1").unwrap().localized(Lang::En),
            "Period 1 of 1"
        );
        assert_eq!(Period::parse("t2").unwrap(), Period::new(2, 3).unwrap());
        assert_eq!(Period::parse("S1").unwrap(), Period::new(1, 2).unwrap());
        assert_eq!(
            rule(Period::parse("0/3")),
            Rule::OutOfRange {
                min: 1,
                max: 3,
                actual: 0
            }
        );
        assert_eq!(
            rule(Period::parse("4/3")),
            Rule::OutOfRange {
                min: 1,
                max: 3,
                actual: 4
            }
        );
        assert_eq!(
            rule(Period::parse("1/5")),
            Rule::OutOfRange {
                min: 1,
                max: 4,
                actual: 5
            }
        );
        assert_eq!(
            rule(Period::parse("S3")),
            Rule::OutOfRange {
                min: 1,
                max: 2,
                actual: 3
            }
        );
        for s in ["", "1", "1/", "/3", "a/3", "1/3/3", "999/3", "-1/3"] {
            assert_eq!(
                rule(Period::parse(s)),
                Rule::BadFormat(Format::Period),
                "{s}"
            );
        }
    }

    #[test]
    fn dates() {
        let d = Date::parse("2024-02-29").unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (2024, 2, 29));
        assert_eq!(d.to_string(), "2024-02-29");
        assert_eq!(d.to_days(), 19_782);
        assert_eq!(rule(Date::parse("2025-02-29")), Rule::BadDate);
        assert!(Date::parse("2000-02-29").is_ok());
        assert_eq!(rule(Date::parse("1900-02-29")), Rule::BadDate);
        assert_eq!(rule(Date::parse("2100-02-29")), Rule::BadDate);
        assert_eq!(rule(Date::parse("2025-13-01")), Rule::BadDate);
        assert_eq!(rule(Date::parse("2025-04-31")), Rule::BadDate);
        assert_eq!(rule(Date::parse("2025-04-00")), Rule::BadDate);
        for s in [
            "2025-1-01",
            "2025/01/01",
            "20250101",
            "",
            "2025-01-01T00:00",
            "２025-01-01",
        ] {
            assert_eq!(rule(Date::parse(s)), Rule::BadFormat(Format::Date), "{s}");
        }
        assert_eq!(
            rule(Date::parse("1899-12-31")),
            Rule::OutOfRange {
                min: 1900,
                max: 2200,
                actual: 1899
            }
        );
        assert!(Date::parse("2201-01-01").is_err());
        assert_eq!(Date::parse("1970-01-01").unwrap().to_days(), 0);
        assert_eq!(Date::parse("1900-01-01").unwrap().to_days(), -25_567);
        assert_eq!(Date::parse("2200-12-31").unwrap().to_days(), 84_370);
    }

    #[test]
    fn days_round_trip_over_the_whole_range() {
        let first = Date::new(1900, 1, 1).unwrap().to_days();
        let last = Date::new(2200, 12, 31).unwrap().to_days();
        let mut prev: Option<Date> = None;
        for n in first..=last {
            let d = Date::from_days(n).unwrap();
            assert_eq!(d.to_days(), n);
            assert_eq!(Date::parse(&d.to_string()).unwrap(), d);
            if let Some(p) = prev {
                assert!(p < d);
            }
            prev = Some(d);
        }
        assert!(Date::from_days(first - 1).is_err());
        assert!(Date::from_days(last + 1).is_err());
        assert!(Date::from_days(i64::MAX).is_err());
        assert!(Date::from_days(i64::MIN).is_err());
    }

    #[test]
    fn unix_seconds() {
        let d = Date::parse("2024-02-29").unwrap();
        assert_eq!(d.unix_seconds_start(), 19_782 * 86_400);
        assert_eq!(Date::from_unix_seconds(d.unix_seconds_start()).unwrap(), d);
        assert_eq!(
            Date::from_unix_seconds(d.unix_seconds_start() + 86_399).unwrap(),
            d
        );
        assert_eq!(
            Date::from_unix_seconds(-1).unwrap().to_string(),
            "1969-12-31"
        );
        assert_eq!(
            Date::from_unix_seconds(0).unwrap().to_string(),
            "1970-01-01"
        );
        assert!(Date::from_unix_seconds(i64::MAX).is_err());
        assert_eq!(d.add_days(1).unwrap().to_string(), "2024-03-01");
        assert_eq!(d.add_days(-366).unwrap().to_string(), "2023-02-28");
    }

    #[test]
    fn discipline_codes() {
        let c = DisciplineCode::parse("mathem").unwrap();
        assert_eq!(c.as_str(), "MATHEM");
        assert_eq!(c.known_label(), Some("Mathématiques"));
        assert!(DisciplineCode::parse("030201").is_ok());
        assert_eq!(rule(DisciplineCode::parse(" ")), Rule::Empty);
        for s in ["MATH", "MATHEMA", "MATH_1", "MATHÉM"] {
            assert_eq!(
                rule(DisciplineCode::parse(s)),
                Rule::BadFormat(Format::DisciplineCode),
                "{s}"
            );
        }
        let mut codes = std::collections::BTreeSet::new();
        for (code, label) in KNOWN_DISCIPLINES {
            let c = DisciplineCode::parse(code).unwrap();
            assert_eq!(c.as_str(), *code);
            assert!(DisciplineLabel::new(label).is_ok());
            assert!(codes.insert(*code), "duplicate {code}");
            assert!(Discipline::known(&c).is_some());
        }
        assert_eq!(label_for("hisgeo"), Some("Histoire-géographie-EMC"));
        assert_eq!(label_for("ZZZZZZ"), None);
        assert_eq!(
            Discipline::known(&DisciplineCode::parse("ZZZZZZ").unwrap()),
            None
        );
        assert_eq!(
            rule(DisciplineLabel::new(&"é".repeat(41))),
            Rule::TooLong {
                max: 40,
                actual: 41
            }
        );
    }

    #[test]
    fn positioning_and_marks() {
        for v in 1..=4u8 {
            let p = Positioning::from_value(v).unwrap();
            assert_eq!(p.value(), v);
            assert_eq!(v.to_string().parse::<Positioning>().unwrap(), p);
        }
        assert_eq!(
            Positioning::Achieved.label(),
            "Objectifs d'apprentissage atteints"
        );
        assert_eq!(Positioning::MIN, 1);
        assert_eq!(Positioning::MAX, 4);
        assert_eq!(
            rule(Positioning::from_value(0)),
            Rule::OutOfRange {
                min: 1,
                max: 4,
                actual: 0
            }
        );
        assert_eq!(
            rule("5".parse::<Positioning>()),
            Rule::OutOfRange {
                min: 1,
                max: 4,
                actual: 5
            }
        );
        assert_eq!(
            rule("trois".parse::<Positioning>()),
            Rule::BadFormat(Format::WholeNumber { min: 1, max: 4 })
        );
        assert_eq!(rule(Mark::new("")), Rule::Empty);
        for s in ["14,5", "Abs", "15/20", "12345678"] {
            assert_eq!(Mark::new(s).unwrap().as_str(), s);
        }
        assert_eq!(
            rule(Mark::new("123456789")),
            Rule::TooLong { max: 8, actual: 9 }
        );
        assert_eq!(
            rule(Mark::new("1\n2")),
            Rule::BadFormat(Format::ControlCharacter)
        );
        let e = Evaluation::Level(Positioning::Exceeded);
        round_trip(&e);
        round_trip(&Evaluation::Mark(Mark::new("14,5").unwrap()));
    }

    #[test]
    fn bounded_texts() {
        let ok = "é".repeat(600);
        assert!(ok.len() > 600);
        assert_eq!(Appreciation::new(&ok).unwrap().as_str(), ok);
        assert_eq!(
            rule(Appreciation::new(&"é".repeat(601))),
            Rule::TooLong {
                max: 600,
                actual: 601
            }
        );
        assert_eq!(rule(Appreciation::new(" \n\t ")), Rule::Empty);
        assert_eq!(
            Appreciation::new("  Bon travail.\n ").unwrap().as_str(),
            "Bon travail."
        );
        assert!(Appreciation::new("Ligne 1\nLigne 2\tfin").is_ok());
        assert_eq!(
            rule(Appreciation::new("a\u{7}b")),
            Rule::BadFormat(Format::ControlCharacter)
        );
        assert!(Synthesis::new(&"ô".repeat(1000)).is_ok());
        assert!(Synthesis::new(&"ô".repeat(1001)).is_err());
        assert!(CycleSynthesis::new(&"ô".repeat(1500)).is_ok());
        assert!(CycleSynthesis::new(&"ô".repeat(1501)).is_err());
        assert!(ElementsProgramme::new(&"ç".repeat(300)).is_ok());
        assert!(ElementsProgramme::new(&"ç".repeat(301)).is_err());
        assert_eq!(Appreciation::new("").unwrap_err().field, "text");
        assert_eq!(Synthesis::new("").unwrap_err().field, "text");
    }

    #[test]
    fn names_and_divisions() {
        assert_eq!(
            PersonName::new(" Léa Dupont-Martin ").unwrap().as_str(),
            "Léa Dupont-Martin"
        );
        assert_eq!(rule(PersonName::new("")), Rule::Empty);
        assert!(PersonName::new(&"é".repeat(100)).is_ok());
        assert_eq!(
            rule(PersonName::new(&"é".repeat(101))),
            Rule::TooLong {
                max: 100,
                actual: 101
            }
        );
        assert_eq!(
            rule(PersonName::new("Léa\nDupont")),
            Rule::BadFormat(Format::ControlCharacter)
        );
        // Every code the schema's `CodeStructure` allows (1 to 20 characters), as school
        // software writes them.
        for s in [
            "5B",
            "3E2",
            "6e A",
            "CM1-CM2",
            "6EME_4",
            "5/B",
            "3ème A",
            "G-LV2.ESP",
        ] {
            assert_eq!(Division::parse(s).unwrap().as_str(), s);
        }
        assert_eq!(rule(Division::parse("  ")), Rule::Empty);
        assert_eq!(
            rule(Division::parse("5\tB")),
            Rule::BadFormat(Format::ControlCharacter)
        );
        assert_eq!(
            rule(Division::parse(&"A".repeat(21))),
            Rule::TooLong {
                max: 20,
                actual: 21
            }
        );
    }

    #[test]
    fn vie_scolaire() {
        let v = VieScolaire::new(2, 999, 0).unwrap();
        assert_eq!((v.late(), v.justified(), v.unjustified()), (2, 999, 0));
        for (l, j, u, field) in [
            (1000, 0, 0, "late"),
            (0, 1000, 0, "justified"),
            (0, 0, 1000, "unjustified"),
        ] {
            let e = VieScolaire::new(l, j, u).unwrap_err();
            assert_eq!(e.field, field);
            assert_eq!(
                e.rule,
                Rule::OutOfRange {
                    min: 0,
                    max: 999,
                    actual: 1000
                }
            );
        }
    }

    #[test]
    fn code_lists() {
        assert_eq!(Parcours::parse("PAR_AVN").unwrap(), Parcours::Avenir);
        assert_eq!("par-cit".parse::<Parcours>().unwrap(), Parcours::Citoyen);
        assert_eq!(
            Parcours::Artistique.label(),
            "Parcours d'éducation artistique et culturelle"
        );
        assert_eq!(Parcours::Sante.to_string(), "PAR_SAN");
        assert_eq!(
            rule(Parcours::parse("PAR_XXX")),
            Rule::UnknownCode {
                code: "PAR_XXX".into(),
                expected: Parcours::CODES
            }
        );
        assert_eq!(rule(Parcours::parse(" ")), Rule::Empty);

        assert_eq!(Modalite::ALL.len(), 10);
        assert_eq!(Modalite::ALL.iter().filter(|m| m.in_lsu()).count(), 8);
        assert!(Modalite::ALL.iter().all(|m| m.is_sensitive()));
        let medical: Vec<_> = Modalite::ALL.iter().filter(|m| m.is_medical()).collect();
        assert_eq!(medical, [&Modalite::Pai, &Modalite::Pps, &Modalite::Mdph]);
        assert!(Modalite::Rased.is_ecole_only());
        assert_eq!(Modalite::parse("upe2a").unwrap(), Modalite::Upe2a);
        assert_eq!(
            Modalite::Ppre.label(),
            "Programme personnalisé de réussite éducative"
        );

        assert_eq!(SocleComponent::ALL.len(), 8);
        assert_eq!(EnseignementComplement::ALL.len(), 8);
        assert_eq!(
            EnseignementComplement::parse("chk").unwrap().label(),
            "Chant choral"
        );
        assert_eq!(LangueRegionale::ALL.len(), 14);
        assert_eq!(
            LangueRegionale::parse("OCI").unwrap().label(),
            "Occitan langue d'oc"
        );
        assert_eq!(CompetenceNumerique::ALL.len(), 16);
        assert_eq!(
            CompetenceNumerique::parse("cn_cre_pro").unwrap(),
            CompetenceNumerique::CrePro
        );
        assert_eq!(CompetenceNumeriqueLevel::MAX, 3);
        assert!(CompetenceNumeriqueLevel::from_value(4).is_err());
        assert_eq!(ComplementLevel::Exceeded.value(), 2);
        assert_eq!(RegionalLevel::Achieved.label(), "Niveau A2 atteint");
        for (all, codes) in [
            (
                Parcours::ALL.iter().map(|v| v.code()).collect::<Vec<_>>(),
                Parcours::CODES,
            ),
            (
                Modalite::ALL.iter().map(|v| v.code()).collect(),
                Modalite::CODES,
            ),
            (
                SocleComponent::ALL.iter().map(|v| v.code()).collect(),
                SocleComponent::CODES,
            ),
        ] {
            assert_eq!(all, codes);
        }
    }

    #[test]
    fn attestations() {
        assert_eq!(
            AttestationKind::parse("savoir-nager").unwrap(),
            AttestationKind::SavoirNager
        );
        assert_eq!(
            AttestationKind::parse("SAVOIR_NAGER").unwrap(),
            AttestationKind::SavoirNager
        );
        assert_eq!(
            AttestationKind::parse("psc1").unwrap(),
            AttestationKind::Psc1
        );
        assert_eq!(
            AttestationKind::parse("Maitrise_Socle").unwrap(),
            AttestationKind::MaitriseSocle
        );
        assert_eq!(
            AttestationKind::Aper.label(),
            "Attestation de première éducation à la route"
        );
        let e = AttestationKind::parse("BAFA").unwrap_err();
        assert_eq!(e.field, "kind");
        assert!(e.localized(Lang::En).contains("ASSR1"));
    }

    #[test]
    fn cycles() {
        for (v, c) in [(2, Cycle::Two), (3, Cycle::Three), (4, Cycle::Four)] {
            assert_eq!(Cycle::from_value(v).unwrap(), c);
        }
        assert!(Cycle::from_value(1).is_err());
        assert!("5".parse::<Cycle>().is_err());
        assert!(Cycle::Four.label().contains("3e"));
    }

    const ALL_LEVELS: &str =
        "CPD_FRA=3,CPD_ETR=2,CPD_SCI=4,CPD_ART=1,MET_APP=0,FRM_CIT=3,SYS_NAT=2,REP_MND=4";

    #[test]
    fn socle_levels() {
        let s = SocleLevels::parse(ALL_LEVELS).unwrap();
        assert_eq!(s.to_string(), ALL_LEVELS);
        assert_eq!(s.get(SocleComponent::CpdSci), SocleLevel::VeryGood);
        assert_eq!(s.get(SocleComponent::MetApp), SocleLevel::Exempted);
        // Any order, blanks and lower case accepted; printed in the official order.
        let shuffled =
            " rep_mnd=4, SYS_NAT=2,FRM_CIT=3,MET_APP=0,CPD_ART=1,CPD_SCI=4,CPD_ETR=2,CPD_FRA=3,";
        assert_eq!(SocleLevels::parse(shuffled).unwrap(), s);
        assert_eq!(s.iter().count(), 8);

        let missing = "CPD_FRA=3,CPD_ETR=2,CPD_SCI=4,CPD_ART=1,FRM_CIT=3,SYS_NAT=2";
        assert_eq!(
            rule(SocleLevels::parse(missing)),
            Rule::Missing {
                codes: vec!["MET_APP".into(), "REP_MND".into()]
            }
        );
        let dup = format!("{ALL_LEVELS},CPD_ETR=3");
        assert_eq!(
            rule(SocleLevels::parse(&dup)),
            Rule::Duplicate {
                code: "CPD_ETR".into()
            }
        );
        let unknown = format!("{ALL_LEVELS},CPD_XXX=3");
        assert_eq!(
            rule(SocleLevels::parse(&unknown)),
            Rule::UnknownCode {
                code: "CPD_XXX".into(),
                expected: SocleComponent::CODES
            }
        );
        let e = SocleLevels::parse(&unknown).unwrap_err();
        assert_eq!(e.field, "levels");
        assert!(e.localized(Lang::Fr).contains("CPD_XXX"));
        let bad_level = ALL_LEVELS.replace("CPD_FRA=3", "CPD_FRA=5");
        assert_eq!(
            rule(SocleLevels::parse(&bad_level)),
            Rule::OutOfRange {
                min: 0,
                max: 4,
                actual: 5
            }
        );
        assert_eq!(
            rule(SocleLevels::parse("CPD_FRA:3")),
            Rule::BadFormat(Format::SocleEntry)
        );
        assert_eq!(rule(SocleLevels::parse("")), Rule::Empty);
        let arr = SocleLevels::from_array([SocleLevel::Satisfactory; 8]);
        assert_eq!(SocleLevels::parse(&arr.to_string()).unwrap(), arr);
    }

    #[derive(Serialize)]
    struct RawVie {
        late: u16,
        justified: u16,
        unjustified: u16,
    }

    #[test]
    fn serde_round_trips() {
        round_trip(&Uai::parse("0951099D").unwrap());
        round_trip(&Ine::parse("123456789AB").unwrap());
        round_trip(&Millesime::new(2025).unwrap());
        round_trip(&Period::new(2, 3).unwrap());
        round_trip(&Date::parse("2024-02-29").unwrap());
        round_trip(&DisciplineCode::parse("MATHEM").unwrap());
        round_trip(&Discipline::known(&DisciplineCode::parse("FRANCS").unwrap()).unwrap());
        round_trip(&Positioning::Achieved);
        round_trip(&SocleLevel::Exempted);
        round_trip(&Cycle::Three);
        round_trip(&Appreciation::new(&"é".repeat(600)).unwrap());
        round_trip(&VieScolaire::new(1, 2, 3).unwrap());
        round_trip(&Parcours::Citoyen);
        round_trip(&Modalite::Rased);
        round_trip(&AttestationKind::SavoirNager);
        round_trip(&SocleLevels::parse(ALL_LEVELS).unwrap());
        round_trip(&Division::parse("5B").unwrap());
        round_trip(&PersonName::new("Léa").unwrap());
        // Codes are stored as their official code.
        assert_eq!(cbor(&Parcours::Avenir), cbor(&"PAR_AVN"));
        assert_eq!(cbor(&Period::new(1, 3).unwrap()), cbor(&"1/3"));
        assert_eq!(cbor(&Positioning::Achieved), cbor(&3u8));
    }

    #[test]
    fn serde_refuses_invalid_values() {
        assert!(decode::<Uai>(&cbor(&"0951099E")).is_err());
        assert!(decode::<Ine>(&cbor(&"1234567890A")).is_err());
        assert!(decode::<Millesime>(&cbor(&1999u16)).is_err());
        assert!(decode::<Period>(&cbor(&"4/3")).is_err());
        assert!(decode::<Date>(&cbor(&"2025-02-29")).is_err());
        assert!(decode::<DisciplineCode>(&cbor(&"MATH")).is_err());
        assert!(decode::<Positioning>(&cbor(&5u8)).is_err());
        assert!(decode::<SocleLevel>(&cbor(&9u8)).is_err());
        assert!(decode::<Appreciation>(&cbor(&"é".repeat(601))).is_err());
        assert!(decode::<Appreciation>(&cbor(&"   ")).is_err());
        assert!(decode::<Mark>(&cbor(&"123456789")).is_err());
        assert!(decode::<Parcours>(&cbor(&"PAR_XXX")).is_err());
        assert!(decode::<SocleLevels>(&cbor(&"CPD_FRA=3")).is_err());
        assert!(decode::<Division>(&cbor(&"5\tB")).is_err());
        assert!(decode::<Division>(&cbor(&"A".repeat(21))).is_err());
        let bad = RawVie {
            late: 0,
            justified: 1000,
            unjustified: 0,
        };
        let msg = decode::<VieScolaire>(&cbor(&bad)).unwrap_err();
        assert!(msg.contains("justified"), "{msg}");
        let good = RawVie {
            late: 0,
            justified: 999,
            unjustified: 0,
        };
        assert_eq!(
            decode::<VieScolaire>(&cbor(&good)).unwrap(),
            VieScolaire::new(0, 999, 0).unwrap()
        );
        assert!(decode::<Evaluation>(&cbor(&Evaluation::Mark(Mark::new("12").unwrap()))).is_ok());
    }

    #[test]
    fn check_letter_examples() {
        assert_eq!(check_letter(951_099), 'D');
        assert_eq!(check_letter(382_032), 'C');
        assert_eq!(check_letter(0), 'A');
        assert_eq!(check_letter(22), 'Z');
    }
}
