//! Validation of an LSU file against the official schema (`import-bilan-complet.xsd`, schema
//! version 7.0), in Rust: the product never runs an external tool.
//!
//! The schema is written out below as tables: every complex type with its attributes (simple
//! types with their facets: lengths, enumerations, patterns, integer ranges, dates) and its
//! content model (sequences, repetitions, `xs:all`), every `xs:unique` constraint, and the
//! document-wide `xs:ID` / `xs:IDREF` rules. The tests run the same files through `xmllint
//! --schema` and check that both accept and refuse the same files.

use std::collections::{BTreeMap, BTreeSet};

use livret_core::{Lang, Localized};

/// The namespace of every element of an LSU file.
pub const NAMESPACE: &str = "urn:fr:edu:scolarite:lsun:bilans:import";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The first rule of the schema a file breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Line of the offending element or attribute (from 1; 0 when not applicable).
    pub line: u32,
    /// What is wrong.
    pub kind: ViolationKind,
}

/// What a file does against the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ViolationKind {
    /// Not well-formed XML.
    NotXml(String),
    /// The root is not `lsun-bilans` in the LSU namespace.
    WrongRoot(String),
    /// An element where the schema expects another one (or none).
    UnexpectedElement {
        /// The element found.
        found: String,
        /// Its parent.
        parent: String,
        /// What the schema expects there.
        expected: Vec<String>,
    },
    /// A required element is missing at the end of its parent.
    MissingElement {
        /// The parent.
        parent: String,
        /// What is missing.
        expected: Vec<String>,
    },
    /// Text where only elements are allowed.
    UnexpectedText {
        /// The element.
        element: String,
    },
    /// A required attribute is missing.
    MissingAttribute {
        /// The element.
        element: String,
        /// The attribute.
        attribute: String,
    },
    /// An attribute the schema does not declare.
    UnexpectedAttribute {
        /// The element.
        element: String,
        /// The attribute.
        attribute: String,
    },
    /// A value that breaks its type.
    BadValue {
        /// The element.
        element: String,
        /// The attribute, or `None` for the element's text.
        attribute: Option<String>,
        /// The value (shortened).
        value: String,
        /// The rule, in French.
        rule: String,
    },
    /// An `xs:ID` used twice.
    DuplicateId(String),
    /// An `xs:IDREF` naming no `xs:ID`.
    UnknownReference(String),
    /// Two elements with the same key where the schema wants it unique.
    DuplicateKey {
        /// The elements concerned.
        element: String,
        /// The attributes forming the key.
        fields: String,
        /// The repeated value.
        value: String,
    },
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.localized(Lang::En))
    }
}

impl std::error::Error for Violation {}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

impl Localized for Violation {
    fn localized(&self, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        let at = if self.line > 0 {
            if fr {
                format!("ligne {} : ", self.line)
            } else {
                format!("line {}: ", self.line)
            }
        } else {
            String::new()
        };
        let what = match &self.kind {
            ViolationKind::NotXml(e) => {
                if fr {
                    format!("XML mal formé : {e}")
                } else {
                    format!("malformed XML: {e}")
                }
            }
            ViolationKind::WrongRoot(r) => {
                if fr {
                    format!("l'élément racine doit être « lsun-bilans » de l'espace {NAMESPACE}, pas « {r} »")
                } else {
                    format!("the root element must be \"lsun-bilans\" in namespace {NAMESPACE}, not \"{r}\"")
                }
            }
            ViolationKind::UnexpectedElement {
                found,
                parent,
                expected,
            } => {
                let list = if expected.is_empty() {
                    lang.pick("aucun", "none").to_string()
                } else {
                    expected.join(", ")
                };
                if fr {
                    format!("élément « {found} » inattendu dans « {parent} » (attendu : {list})")
                } else {
                    format!("unexpected element \"{found}\" in \"{parent}\" (expected: {list})")
                }
            }
            ViolationKind::MissingElement { parent, expected } => {
                let list = expected.join(", ");
                if fr {
                    format!("il manque dans « {parent} » : {list}")
                } else {
                    format!("missing in \"{parent}\": {list}")
                }
            }
            ViolationKind::UnexpectedText { element } => {
                if fr {
                    format!("texte non permis dans « {element} »")
                } else {
                    format!("text not allowed in \"{element}\"")
                }
            }
            ViolationKind::MissingAttribute { element, attribute } => {
                if fr {
                    format!("attribut obligatoire « {attribute} » absent de « {element} »")
                } else {
                    format!("required attribute \"{attribute}\" missing from \"{element}\"")
                }
            }
            ViolationKind::UnexpectedAttribute { element, attribute } => {
                if fr {
                    format!("attribut « {attribute} » non prévu sur « {element} »")
                } else {
                    format!("attribute \"{attribute}\" not allowed on \"{element}\"")
                }
            }
            ViolationKind::BadValue {
                element,
                attribute,
                value,
                rule,
            } => {
                let place = match attribute {
                    Some(a) => format!("« {element} » @{a}"),
                    None => format!("« {element} »"),
                };
                if fr {
                    format!("{place} : valeur « {value} » refusée ({rule})")
                } else {
                    format!("{place}: value \"{value}\" refused ({rule})")
                }
            }
            ViolationKind::DuplicateId(id) => {
                if fr {
                    format!("identifiant « {id} » défini deux fois")
                } else {
                    format!("identifier \"{id}\" defined twice")
                }
            }
            ViolationKind::UnknownReference(id) => {
                if fr {
                    format!("référence « {id} » vers un identifiant inexistant")
                } else {
                    format!("reference \"{id}\" to no identifier")
                }
            }
            ViolationKind::DuplicateKey {
                element,
                fields,
                value,
            } => {
                if fr {
                    format!("deux « {element} » ont la même valeur de ({fields}) : {value}")
                } else {
                    format!("two \"{element}\" share the same ({fields}): {value}")
                }
            }
        };
        format!("{at}{what}")
    }
}

// ------------------------------------------------------------------------- simple types

/// A simple type with its facets.
#[derive(Debug, Clone, Copy)]
enum St {
    /// `xs:string` with lengths; `nonblank` is the pattern `(.|\n)*[^\s](.|\n)*`.
    Str {
        min: usize,
        max: usize,
        nonblank: bool,
    },
    /// `xs:string` enumeration.
    Enum(&'static [&'static str]),
    /// `xs:positiveInteger`, optionally restricted to one digit `lo..=hi` by a pattern.
    PosInt(Option<(u8, u8)>),
    /// `xs:nonNegativeInteger`, with an upper bound or a one-digit pattern.
    NonNeg {
        max: Option<u64>,
        digit: Option<(u8, u8)>,
    },
    /// `xs:int`.
    Int,
    /// `xs:date`.
    Date,
    /// `xs:boolean`.
    Bool,
    /// `xs:ID`.
    Id,
    /// `xs:IDREF`.
    IdRef,
    /// `xs:IDREFS` with at least `n` items.
    IdRefs(usize),
    /// `StringDateTime`.
    DateTime,
}

const fn chaine(max: usize) -> St {
    St::Str {
        min: 1,
        max,
        nonblank: true,
    }
}
const fn len(min: usize, max: usize) -> St {
    St::Str {
        min,
        max,
        nonblank: false,
    }
}

const NOM_PRENOM: St = len(1, 100);
const CODE_STRUCTURE: St = len(1, 20);
const MILLESIME: St = len(4, 4);
const CODE_UAI: St = len(8, 8);
const CODE_MATIERE: St = len(6, 6);
const MOYENNE: St = len(1, 8);
const CODE_THEMATIQUE: St = len(1, 50);
const EMPTY_MAX_100: St = len(0, 100);
const EMPTY_MAX_600: St = St::Str {
    min: 0,
    max: 600,
    nonblank: true,
};
const VALEUR_VIE_SCOLAIRE: St = St::NonNeg {
    max: Some(999),
    digit: None,
};
const POS_SOCLE: St = St::NonNeg {
    max: None,
    digit: Some((0, 4)),
};
const MODALITE_ELECTION: St = St::Enum(&["S", "O", "F", "L", "R", "X", "D"]);
const TYPE_ENSEIGNANT: St = St::Enum(&["epp", "local", "dir", "autre"]);
const CIVILITE: St = St::Enum(&["M", "MME"]);
const TYPE_STRUCTURE: St = St::Enum(&["D", "G"]);
const CODE_PARCOURS: St = St::Enum(&["PAR_AVN", "PAR_CIT", "PAR_ART", "PAR_SAN"]);
const CODE_MODALITE: St = St::Enum(&["PAP", "PPS", "UPE2A", "SEGPA", "ULIS", "PAI", "PPRE", "CTR"]);
const CODE_DOMAINE: St = St::Enum(&[
    "CPD_FRA", "CPD_ETR", "CPD_SCI", "CPD_ART", "MET_APP", "FRM_CIT", "SYS_NAT", "REP_MND",
]);
const CODE_COMP_NUM: St = St::Enum(&[
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
]);
const CODE_ENS_COMPL: St = St::Enum(&["AUC", "LCA", "LCE", "LCR", "CHK", "PRO", "LSF", "LVE"]);
const CODE_LCR: St = St::Enum(&[
    "AUC", "BAQ", "BRE", "CAT", "COS", "CPF", "FUD", "GAL", "GSW", "MEL", "MOL", "OCI", "TAH",
    "WLS",
]);

/// XML whitespace.
fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// `whiteSpace="collapse"`.
fn collapse(s: &str) -> String {
    s.split(is_xml_space)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_numeric() || matches!(c, '-' | '.' | '\u{B7}')
}

/// An `NCName`.
fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The value of an unsigned decimal integer (`+` allowed), if it is one.
fn unsigned(s: &str) -> Option<u128> {
    let d = s.strip_prefix('+').unwrap_or(s);
    if !digits(d) {
        return None;
    }
    let trimmed = d.trim_start_matches('0');
    if trimmed.len() > 30 {
        return Some(u128::MAX);
    }
    Some(trimmed.parse().unwrap_or(0))
}

fn valid_date(s: &str) -> bool {
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let _ = neg;
    // Time zone.
    let body = if let Some(b) = rest.strip_suffix('Z') {
        b
    } else if rest.len() > 6
        && matches!(rest.as_bytes()[rest.len() - 6], b'+' | b'-')
        && rest.as_bytes()[rest.len() - 3] == b':'
    {
        let (b, tz) = rest.split_at(rest.len() - 6);
        let tz = &tz[1..];
        let ok =
            tz.len() == 5 && tz.as_bytes()[2] == b':' && digits(&tz[..2]) && digits(&tz[3..]) && {
                let h: u32 = tz[..2].parse().unwrap_or(99);
                let m: u32 = tz[3..].parse().unwrap_or(99);
                m <= 59 && (h < 14 || (h == 14 && m == 0))
            };
        if !ok {
            return false;
        }
        b
    } else {
        rest
    };
    let parts: Vec<&str> = body.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    if y.len() < 4 || !digits(y) || (y.len() > 4 && y.starts_with('0')) {
        return false;
    }
    if m.len() != 2 || d.len() != 2 || !digits(m) || !digits(d) {
        return false;
    }
    let year: i64 = y.parse().unwrap_or(0);
    if year == 0 {
        return false;
    }
    let month: u32 = m.parse().unwrap_or(0);
    let day: u32 = d.parse().unwrap_or(0);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let max = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=max).contains(&day)
}

fn one_digit(s: &str, lo: u8, hi: u8) -> bool {
    s.len() == 1 && s.as_bytes()[0] >= b'0' + lo && s.as_bytes()[0] <= b'0' + hi
}

/// Checks a value against a simple type; returns the rule broken, in French.
fn check_simple(st: St, raw: &str) -> Result<(), String> {
    match st {
        St::Str { min, max, nonblank } => {
            let n = raw.chars().count();
            if n < min {
                return Err(format!("au moins {min} caractère(s)"));
            }
            if n > max {
                return Err(format!("{n} caractères, au plus {max}"));
            }
            if nonblank && (raw.contains('\r') || raw.chars().all(is_xml_space)) {
                return Err("au moins un caractère autre qu'un blanc".into());
            }
            Ok(())
        }
        St::Enum(values) => {
            if values.contains(&raw) {
                Ok(())
            } else {
                Err(format!("valeurs permises : {}", values.join(", ")))
            }
        }
        St::PosInt(pattern) => {
            let v = collapse(raw);
            match (pattern, unsigned(&v)) {
                (_, None) | (_, Some(0)) => Err("entier positif attendu".into()),
                (Some((lo, hi)), Some(_)) if !one_digit(&v, lo, hi) => {
                    Err(format!("un chiffre de {lo} à {hi} attendu"))
                }
                _ => Ok(()),
            }
        }
        St::NonNeg { max, digit } => {
            let v = collapse(raw);
            let n = match v.strip_prefix('-') {
                Some(rest) if digits(rest) && rest.bytes().all(|b| b == b'0') => Some(0),
                Some(_) => None,
                None => unsigned(&v),
            };
            let Some(n) = n else {
                return Err("entier positif ou nul attendu".into());
            };
            if let Some((lo, hi)) = digit {
                if !one_digit(&v, lo, hi) {
                    return Err(format!("un chiffre de {lo} à {hi} attendu"));
                }
            }
            if let Some(m) = max {
                if n > u128::from(m) {
                    return Err(format!("au plus {m}"));
                }
            }
            Ok(())
        }
        St::Int => {
            let v = collapse(raw);
            let (neg, d) = match v.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, v.strip_prefix('+').unwrap_or(&v)),
            };
            let ok = digits(d)
                && unsigned(d).is_some_and(|n| {
                    if neg {
                        n <= 2_147_483_648
                    } else {
                        n <= 2_147_483_647
                    }
                });
            if ok {
                Ok(())
            } else {
                Err("entier (xs:int) attendu".into())
            }
        }
        St::Date => {
            if valid_date(&collapse(raw)) {
                Ok(())
            } else {
                Err("date AAAA-MM-JJ attendue".into())
            }
        }
        St::Bool => match collapse(raw).as_str() {
            "true" | "false" | "1" | "0" => Ok(()),
            _ => Err("true ou false attendu".into()),
        },
        St::Id | St::IdRef => {
            if is_ncname(&collapse(raw)) {
                Ok(())
            } else {
                Err("identifiant XML (NCName) attendu".into())
            }
        }
        St::IdRefs(n) => {
            let v = collapse(raw);
            let items: Vec<&str> = v.split(' ').filter(|s| !s.is_empty()).collect();
            if items.len() < n.max(1) {
                return Err(format!("au moins {} référence(s)", n.max(1)));
            }
            if items.iter().all(|i| is_ncname(i)) {
                Ok(())
            } else {
                Err("références XML (NCName) attendues".into())
            }
        }
        St::DateTime => {
            let n = raw.chars().count();
            let b = raw.as_bytes();
            let date_ok = |b: &[u8]| {
                b.len() == 10
                    && b[4] == b'-'
                    && b[7] == b'-'
                    && [0, 1, 2, 3, 5, 6, 8, 9]
                        .iter()
                        .all(|&i| b[i].is_ascii_digit())
            };
            let ok = (10..=19).contains(&n)
                && raw.is_ascii()
                && match b.len() {
                    10 => date_ok(b),
                    19 => {
                        date_ok(&b[..10])
                            && b[10] == b'T'
                            && b[13] == b':'
                            && b[16] == b':'
                            && [11, 12, 14, 15, 17, 18]
                                .iter()
                                .all(|&i| b[i].is_ascii_digit())
                    }
                    _ => false,
                };
            if ok {
                Ok(())
            } else {
                Err("date AAAA-MM-JJ ou AAAA-MM-JJThh:mm:ss attendue".into())
            }
        }
    }
}

/// The value used to compare keys (`xs:unique`): numbers by value, the rest as written.
fn key_value(st: St, raw: &str) -> String {
    match st {
        St::PosInt(_) | St::NonNeg { .. } | St::Int => {
            let v = collapse(raw);
            let d = v.strip_prefix('+').unwrap_or(&v);
            let t = d.trim_start_matches('0');
            if t.is_empty() {
                "0".into()
            } else {
                t.to_string()
            }
        }
        St::Id | St::IdRef | St::IdRefs(_) | St::Date | St::Bool => collapse(raw),
        _ => raw.to_string(),
    }
}

// ------------------------------------------------------------------------ complex types

struct Attr {
    name: &'static str,
    st: St,
    required: bool,
}

const fn req(name: &'static str, st: St) -> Attr {
    Attr {
        name,
        st,
        required: true,
    }
}
const fn opt(name: &'static str, st: St) -> Attr {
    Attr {
        name,
        st,
        required: false,
    }
}

/// A content model particle.
enum Term {
    /// An element of a named type.
    Elem(&'static str, &'static str),
    /// A nested sequence.
    Seq(Vec<Particle>),
}

struct Particle {
    term: Term,
    min: u32,
    /// `None`: unbounded.
    max: Option<u32>,
}

fn el(name: &'static str, ty: &'static str, min: u32, max: Option<u32>) -> Particle {
    Particle {
        term: Term::Elem(name, ty),
        min,
        max,
    }
}
fn one(name: &'static str, ty: &'static str) -> Particle {
    el(name, ty, 1, Some(1))
}
fn maybe(name: &'static str, ty: &'static str) -> Particle {
    el(name, ty, 0, Some(1))
}
fn many(name: &'static str, ty: &'static str) -> Particle {
    el(name, ty, 1, None)
}

enum Model {
    /// Attributes only.
    Empty,
    /// Text of a simple type (with attributes).
    Simple(St),
    /// A sequence.
    Seq(Vec<Particle>),
    /// `xs:all`: (name, type, required), each at most once.
    All(Vec<(&'static str, &'static str, bool)>),
}

/// A `xs:unique` constraint declared on an element: children named `child` must differ in
/// the values of `fields` (children lacking one of the fields are not compared).
struct Unique {
    child: &'static str,
    fields: &'static [&'static str],
}

struct Complex {
    attrs: Vec<Attr>,
    model: Model,
    uniques: Vec<Unique>,
}

fn ct(attrs: Vec<Attr>, model: Model) -> Complex {
    Complex {
        attrs,
        model,
        uniques: vec![],
    }
}

fn unique(mut c: Complex, child: &'static str, fields: &'static [&'static str]) -> Complex {
    c.uniques.push(Unique { child, fields });
    c
}

/// The types of the schema. Anonymous types are named after their element.
fn types() -> BTreeMap<&'static str, Complex> {
    let mut t = BTreeMap::new();
    t.insert(
        "LsunBilans",
        ct(
            vec![req(
                "schemaVersion",
                St::Enum(&["2.0", "3.0", "4.0", "5.0", "6.0", "7.0"]),
            )],
            Model::Seq(vec![one("entete", "Entete"), one("donnees", "Donnees")]),
        ),
    );
    t.insert(
        "Entete",
        ct(
            vec![],
            Model::All(vec![
                ("editeur", "Chaine50", true),
                ("application", "Chaine50", true),
                ("appliVersion", "Chaine50", false),
                ("etablissement", "CodeUai", true),
            ]),
        ),
    );
    t.insert("Chaine50", ct(vec![], Model::Simple(chaine(50))));
    t.insert("Chaine600", ct(vec![], Model::Simple(chaine(600))));
    t.insert("Chaine1000", ct(vec![], Model::Simple(chaine(1000))));
    t.insert("Chaine1500", ct(vec![], Model::Simple(chaine(1500))));
    t.insert("EmptyMax600", ct(vec![], Model::Simple(EMPTY_MAX_600)));
    t.insert("CodeUai", ct(vec![], Model::Simple(CODE_UAI)));
    t.insert(
        "Donnees",
        ct(
            vec![],
            Model::Seq(vec![
                one("responsables-etab", "responsables-etab"),
                one("eleves", "eleves"),
                maybe("periodes", "periodes"),
                maybe("disciplines", "disciplines"),
                maybe("enseignants", "enseignants"),
                maybe("elements-programme", "elements-programme"),
                maybe(
                    "competences-numeriques-communs",
                    "competences-numeriques-communs",
                ),
                maybe("parcours-communs", "parcours-communs"),
                maybe("vies-scolaires-communs", "vies-scolaires-communs"),
                maybe("epis-thematiques", "epis-thematiques"),
                maybe("epis", "epis"),
                maybe("epis-groupes", "epis-groupes"),
                maybe("acc-persos", "acc-persos"),
                maybe("acc-persos-groupes", "acc-persos-groupes"),
                maybe("bilans-periodiques", "bilans-periodiques"),
                maybe("bilans-cycle", "bilans-cycle"),
            ]),
        ),
    );
    let list =
        |child: &'static str, ty: &'static str| ct(vec![], Model::Seq(vec![many(child, ty)]));
    t.insert(
        "responsables-etab",
        unique(
            list("responsable-etab", "ResponsableEtab"),
            "responsable-etab",
            &["libelle"],
        ),
    );
    t.insert(
        "eleves",
        unique(list("eleve", "Eleve"), "eleve", &["id-be"]),
    );
    t.insert(
        "periodes",
        unique(
            list("periode", "Periode"),
            "periode",
            &["millesime", "indice", "nb-periodes"],
        ),
    );
    t.insert(
        "disciplines",
        unique(
            list("discipline", "Discipline"),
            "discipline",
            &["code", "modalite-election", "id-lv"],
        ),
    );
    t.insert(
        "enseignants",
        unique(
            list("enseignant", "Enseignant"),
            "enseignant",
            &["type", "id-sts"],
        ),
    );
    t.insert(
        "elements-programme",
        unique(
            list("element-programme", "ElementProgramme"),
            "element-programme",
            &["libelle"],
        ),
    );
    t.insert(
        "competences-numeriques-communs",
        list(
            "competences-numeriques-commun",
            "CompetencesNumeriquesCommun",
        ),
    );
    t.insert(
        "parcours-communs",
        unique(
            list("parcours-commun", "parcours-commun"),
            "parcours-commun",
            &["periode-ref", "code-division"],
        ),
    );
    t.insert(
        "parcours-commun",
        unique(
            ct(
                vec![
                    req("periode-ref", St::IdRef),
                    req("code-division", CODE_STRUCTURE),
                ],
                Model::Seq(vec![many("parcours", "Parcours")]),
            ),
            "parcours",
            &["code"],
        ),
    );
    t.insert(
        "vies-scolaires-communs",
        unique(
            list("vie-scolaire-commun", "VieScolaireCommun"),
            "vie-scolaire-commun",
            &["periode-ref", "code-division"],
        ),
    );
    t.insert(
        "epis-thematiques",
        unique(
            list("epi-thematique", "EpiThematique"),
            "epi-thematique",
            &["code"],
        ),
    );
    t.insert("epis", list("epi", "Epi"));
    t.insert("epis-groupes", list("epi-groupe", "EpiGroupe"));
    t.insert("acc-persos", list("acc-perso", "AccPerso"));
    t.insert(
        "acc-persos-groupes",
        list("acc-perso-groupe", "AccPersoGroupe"),
    );
    t.insert(
        "bilans-periodiques",
        unique(
            list("bilan-periodique", "BilanPeriodique"),
            "bilan-periodique",
            &["eleve-ref", "periode-ref"],
        ),
    );
    t.insert(
        "bilans-cycle",
        unique(
            list("bilan-cycle", "BilanCycle"),
            "bilan-cycle",
            &["eleve-ref", "cycle"],
        ),
    );
    t.insert(
        "Eleve",
        ct(
            vec![
                req("id", St::Id),
                req("id-be", St::PosInt(None)),
                opt("nom", NOM_PRENOM),
                opt("prenom", NOM_PRENOM),
                req("code-division", CODE_STRUCTURE),
            ],
            Model::Empty,
        ),
    );
    t.insert(
        "ResponsableEtab",
        ct(
            vec![req("id", St::Id), req("libelle", NOM_PRENOM)],
            Model::Empty,
        ),
    );
    t.insert(
        "Periode",
        ct(
            vec![
                req("id", St::Id),
                req("millesime", MILLESIME),
                req("indice", St::Int),
                req("nb-periodes", St::Int),
            ],
            Model::Empty,
        ),
    );
    t.insert(
        "Discipline",
        ct(
            vec![
                req("id", St::Id),
                req("code", CODE_MATIERE),
                opt("code-national", CODE_MATIERE),
                req("modalite-election", MODALITE_ELECTION),
                req("libelle", chaine(40)),
                opt("id-lv", St::IdRef),
            ],
            Model::Empty,
        ),
    );
    t.insert(
        "Enseignant",
        ct(
            vec![
                req("id", St::Id),
                req("type", TYPE_ENSEIGNANT),
                req("id-sts", St::PosInt(None)),
                opt("civilite", CIVILITE),
                opt("nom", NOM_PRENOM),
                opt("prenom", EMPTY_MAX_100),
            ],
            Model::Empty,
        ),
    );
    t.insert(
        "ElementProgramme",
        ct(
            vec![req("id", St::Id), req("libelle", chaine(300))],
            Model::Empty,
        ),
    );
    t.insert(
        "VieScolaireCommun",
        ct(
            vec![
                req("periode-ref", St::IdRef),
                req("code-division", CODE_STRUCTURE),
            ],
            Model::Seq(vec![one("commentaire", "Chaine600")]),
        ),
    );
    t.insert(
        "EpiThematique",
        ct(
            vec![req("code", CODE_THEMATIQUE), req("libelle", chaine(100))],
            Model::Empty,
        ),
    );
    t.insert(
        "Epi",
        ct(
            vec![
                req("id", St::Id),
                req("intitule", chaine(150)),
                req("thematique", CODE_THEMATIQUE),
                req("discipline-refs", St::IdRefs(2)),
            ],
            Model::Seq(vec![maybe("description", "Chaine600")]),
        ),
    );
    t.insert(
        "EpiGroupe",
        ct(
            vec![
                req("id", St::Id),
                req("epi-ref", St::IdRef),
                req("intitule", chaine(150)),
            ],
            Model::Seq(vec![
                maybe("commentaire", "Chaine600"),
                one("enseignants-disciplines", "enseignants-disciplines"),
            ]),
        ),
    );
    t.insert(
        "enseignants-disciplines",
        list("enseignant-discipline", "EnseignantDiscipline"),
    );
    t.insert(
        "AccPerso",
        ct(
            vec![
                req("id", St::Id),
                req("intitule", chaine(150)),
                req("discipline-refs", St::IdRefs(1)),
            ],
            Model::Seq(vec![maybe("description", "Chaine600")]),
        ),
    );
    t.insert(
        "AccPersoGroupe",
        ct(
            vec![
                req("id", St::Id),
                req("acc-perso-ref", St::IdRef),
                req("intitule", chaine(150)),
            ],
            Model::Seq(vec![
                maybe("commentaire", "Chaine600"),
                one("enseignants-disciplines", "enseignants-disciplines"),
            ]),
        ),
    );
    t.insert(
        "BilanPeriodique",
        ct(
            vec![
                req("eleve-ref", St::IdRef),
                req("periode-ref", St::IdRef),
                req("date-conseil-classe", St::Date),
                req("date-scolarite", St::Date),
                opt("date-verrou", St::DateTime),
                req("responsable-etab-ref", St::IdRef),
                opt("prof-princ-refs", St::IdRefs(1)),
            ],
            Model::Seq(vec![
                one("liste-acquis", "liste-acquis"),
                maybe("competences-numeriques", "competences-numeriques"),
                maybe("epis-eleve", "epis-eleve"),
                maybe("acc-persos-eleve", "acc-persos-eleve"),
                maybe("liste-parcours", "liste-parcours"),
                maybe("modalites-accompagnement", "modalites-accompagnement"),
                one("acquis-conseils", "Chaine1000"),
                maybe("devoirs-faits", "Chaine600"),
                one("vie-scolaire", "VieScolaire"),
                maybe("socle", "socle-periodique"),
                maybe("responsables", "responsables"),
            ]),
        ),
    );
    t.insert(
        "liste-acquis",
        unique(list("acquis", "Acquis"), "acquis", &["discipline-ref"]),
    );
    t.insert(
        "competences-numeriques",
        unique(
            ct(
                vec![opt("comp-num-commun-refs", St::IdRefs(1))],
                Model::Seq(vec![Particle {
                    term: Term::Seq(vec![
                        maybe("appreciation-num", "EmptyMax600"),
                        el("competence-num", "CompetenceNumeriqueNiveau", 0, None),
                    ]),
                    min: 0,
                    max: Some(1),
                }]),
            ),
            "competence-num",
            &["code"],
        ),
    );
    t.insert(
        "epis-eleve",
        unique(
            list("epi-eleve", "EpiEleve"),
            "epi-eleve",
            &["epi-groupe-ref"],
        ),
    );
    t.insert(
        "acc-persos-eleve",
        unique(
            list("acc-perso-eleve", "AccPersoEleve"),
            "acc-perso-eleve",
            &["acc-perso-groupe-ref"],
        ),
    );
    t.insert(
        "liste-parcours",
        unique(list("parcours", "Parcours"), "parcours", &["code"]),
    );
    t.insert(
        "modalites-accompagnement",
        unique(
            list("modalite-accompagnement", "ModaliteAccompagnement"),
            "modalite-accompagnement",
            &["code"],
        ),
    );
    t.insert(
        "socle-periodique",
        unique(
            ct(
                vec![],
                Model::Seq(vec![el("domaine", "DomaineSocle", 1, Some(8))]),
            ),
            "domaine",
            &["code"],
        ),
    );
    t.insert("responsables", list("responsable", "Responsable"));
    t.insert(
        "Acquis",
        ct(
            vec![
                req("discipline-ref", St::IdRef),
                req("enseignant-refs", St::IdRefs(1)),
                opt("element-programme-refs", St::IdRefs(1)),
                opt("moyenne-eleve", MOYENNE),
                opt("moyenne-structure", MOYENNE),
                opt("eleve-non-note", St::Bool),
                opt("structure-non-notee", St::Bool),
                opt("positionnement", St::PosInt(Some((1, 4)))),
            ],
            Model::Seq(vec![maybe("appreciation", "Chaine600")]),
        ),
    );
    t.insert(
        "CompetenceNumeriqueNiveau",
        ct(
            vec![
                req("code", CODE_COMP_NUM),
                req("niveau", St::PosInt(Some((1, 3)))),
            ],
            Model::Empty,
        ),
    );
    t.insert(
        "CompetencesNumeriquesCommun",
        ct(
            vec![
                req("id", St::Id),
                req("code-structure", CODE_STRUCTURE),
                req("type-structure", TYPE_STRUCTURE),
            ],
            Model::Simple(EMPTY_MAX_600),
        ),
    );
    t.insert(
        "EpiEleve",
        ct(
            vec![req("epi-groupe-ref", St::IdRef)],
            Model::Seq(vec![maybe("commentaire", "Chaine600")]),
        ),
    );
    t.insert(
        "AccPersoEleve",
        ct(
            vec![req("acc-perso-groupe-ref", St::IdRef)],
            Model::Seq(vec![maybe("commentaire", "Chaine600")]),
        ),
    );
    t.insert(
        "EnseignantDiscipline",
        ct(
            vec![
                req("enseignant-ref", St::IdRef),
                req("discipline-ref", St::IdRef),
            ],
            Model::Empty,
        ),
    );
    t.insert(
        "Parcours",
        ct(vec![req("code", CODE_PARCOURS)], Model::Simple(chaine(600))),
    );
    t.insert(
        "ModaliteAccompagnement",
        ct(
            vec![req("code", CODE_MODALITE)],
            Model::Seq(vec![
                maybe("complement-ppre", "Chaine600"),
                maybe("complement-contrat-reussite", "Chaine600"),
            ]),
        ),
    );
    t.insert(
        "VieScolaire",
        ct(
            vec![
                req("nb-retards", VALEUR_VIE_SCOLAIRE),
                req("nb-abs-justifiees", VALEUR_VIE_SCOLAIRE),
                req("nb-abs-injustifiees", VALEUR_VIE_SCOLAIRE),
                opt("nb-heures-manquees", VALEUR_VIE_SCOLAIRE),
            ],
            Model::Seq(vec![maybe("commentaire", "Chaine600")]),
        ),
    );
    t.insert(
        "DomaineSocle",
        ct(
            vec![req("code", CODE_DOMAINE), req("positionnement", POS_SOCLE)],
            Model::Empty,
        ),
    );
    t.insert(
        "Responsable",
        ct(
            vec![
                opt("civilite", CIVILITE),
                opt("nom", NOM_PRENOM),
                opt("prenom", NOM_PRENOM),
                opt("legal1", St::Bool),
                opt("legal2", St::Bool),
                opt("lien-parente", chaine(40)),
                opt("denomination", chaine(600)),
            ],
            Model::Seq(vec![maybe("adresse", "Adresse")]),
        ),
    );
    t.insert(
        "Adresse",
        ct(
            vec![
                opt("ligne1", chaine(50)),
                opt("ligne2", chaine(50)),
                opt("ligne3", chaine(50)),
                opt("ligne4", chaine(50)),
                req("code-postal", chaine(10)),
                req("commune", chaine(100)),
            ],
            Model::Empty,
        ),
    );
    t.insert(
        "BilanCycle",
        ct(
            vec![
                req("eleve-ref", St::IdRef),
                req("cycle", St::PosInt(Some((3, 4)))),
                req("millesime", MILLESIME),
                req("date-creation", St::Date),
                opt("date-verrou", St::DateTime),
                req("responsable-etab-ref", St::IdRef),
                opt("prof-princ-refs", St::IdRefs(1)),
            ],
            Model::Seq(vec![
                one("socle", "socle-cycle"),
                one("synthese", "Chaine1500"),
                maybe("enseignement-complement", "EnseignementComplement"),
                maybe("responsables", "responsables"),
                maybe("langue-culture-regionale", "LangueCultureRegionale"),
            ]),
        ),
    );
    t.insert(
        "socle-cycle",
        unique(
            ct(
                vec![],
                Model::Seq(vec![el("domaine", "DomaineSocleCycle", 8, Some(8))]),
            ),
            "domaine",
            &["code"],
        ),
    );
    t.insert(
        "DomaineSocleCycle",
        ct(
            vec![req("code", CODE_DOMAINE), req("positionnement", POS_SOCLE)],
            Model::Empty,
        ),
    );
    t.insert(
        "EnseignementComplement",
        ct(
            vec![
                req("code", CODE_ENS_COMPL),
                opt("positionnement", St::PosInt(Some((1, 2)))),
            ],
            Model::Empty,
        ),
    );
    t.insert(
        "LangueCultureRegionale",
        ct(
            vec![
                req("code", CODE_LCR),
                opt("positionnement", St::PosInt(Some((1, 2)))),
            ],
            Model::Empty,
        ),
    );
    t
}

// ---------------------------------------------------------------------------- validation

struct Validator<'d, 'i> {
    doc: &'d roxmltree::Document<'i>,
    types: BTreeMap<&'static str, Complex>,
    ids: BTreeSet<String>,
    refs: Vec<(String, u32)>,
}

type Res = Result<(), Violation>;

impl<'d, 'i> Validator<'d, 'i> {
    fn line(&self, node: roxmltree::Node<'_, '_>) -> u32 {
        self.doc.text_pos_at(node.range().start).row
    }

    fn fail(&self, node: roxmltree::Node<'_, '_>, kind: ViolationKind) -> Res {
        Err(Violation {
            line: self.line(node),
            kind,
        })
    }

    fn element(&mut self, node: roxmltree::Node<'d, 'i>, ty: &'static str) -> Res {
        let name = node.tag_name().name().to_string();
        let Some(complex) = self.types.get(ty) else {
            return Ok(());
        };
        // Attributes.
        let mut seen = BTreeSet::new();
        for a in node.attributes() {
            if a.namespace() == Some(XSI) {
                continue;
            }
            let decl = complex.attrs.iter().find(|d| d.name == a.name());
            let Some(decl) = decl.filter(|_| a.namespace().is_none()) else {
                return self.fail(
                    node,
                    ViolationKind::UnexpectedAttribute {
                        element: name,
                        attribute: a.name().to_string(),
                    },
                );
            };
            seen.insert(decl.name);
            let st = decl.st;
            if let Err(rule) = check_simple(st, a.value()) {
                return self.fail(
                    node,
                    ViolationKind::BadValue {
                        element: name,
                        attribute: Some(decl.name.to_string()),
                        value: shorten(a.value()),
                        rule,
                    },
                );
            }
            let line = self.line(node);
            match st {
                St::Id => {
                    let id = collapse(a.value());
                    if !self.ids.insert(id.clone()) {
                        return self.fail(node, ViolationKind::DuplicateId(id));
                    }
                }
                St::IdRef => self.refs.push((collapse(a.value()), line)),
                St::IdRefs(_) => {
                    for r in collapse(a.value()).split(' ') {
                        self.refs.push((r.to_string(), line));
                    }
                }
                _ => {}
            }
        }
        if let Some(missing) = complex
            .attrs
            .iter()
            .find(|d| d.required && !seen.contains(d.name))
        {
            return self.fail(
                node,
                ViolationKind::MissingAttribute {
                    element: name,
                    attribute: missing.name.to_string(),
                },
            );
        }
        // Content.
        let children: Vec<roxmltree::Node<'d, 'i>> =
            node.children().filter(|c| c.is_element()).collect();
        let text: String = node
            .children()
            .filter(|c| c.is_text())
            .filter_map(|c| c.text())
            .collect();
        let complex = match self.types.get(ty) {
            Some(c) => c,
            None => return Ok(()),
        };
        let mut plan: Vec<(roxmltree::Node<'d, 'i>, &'static str)> = Vec::new();
        match &complex.model {
            Model::Empty | Model::Simple(_) => {
                if let Some(c) = children.first() {
                    return self.fail(
                        *c,
                        ViolationKind::UnexpectedElement {
                            found: c.tag_name().name().to_string(),
                            parent: name,
                            expected: vec![],
                        },
                    );
                }
                if let Model::Simple(st) = complex.model {
                    if let Err(rule) = check_simple(st, &text) {
                        return self.fail(
                            node,
                            ViolationKind::BadValue {
                                element: name,
                                attribute: None,
                                value: shorten(&text),
                                rule,
                            },
                        );
                    }
                } else if !text.chars().all(is_xml_space) {
                    return self.fail(node, ViolationKind::UnexpectedText { element: name });
                }
            }
            Model::Seq(particles) => {
                if !text.chars().all(is_xml_space) {
                    return self.fail(node, ViolationKind::UnexpectedText { element: name });
                }
                let mut pos = 0;
                if let Err(expected) = match_seq(particles, &children, &mut pos, &mut plan) {
                    return match children.get(pos) {
                        Some(c) => self.fail(
                            *c,
                            ViolationKind::UnexpectedElement {
                                found: c.tag_name().name().to_string(),
                                parent: name,
                                expected,
                            },
                        ),
                        None => self.fail(
                            node,
                            ViolationKind::MissingElement {
                                parent: name,
                                expected,
                            },
                        ),
                    };
                }
                if let Some(c) = children.get(pos) {
                    let expected = next_names(particles, &children[..pos]);
                    return self.fail(
                        *c,
                        ViolationKind::UnexpectedElement {
                            found: c.tag_name().name().to_string(),
                            parent: name,
                            expected,
                        },
                    );
                }
            }
            Model::All(items) => {
                if !text.chars().all(is_xml_space) {
                    return self.fail(node, ViolationKind::UnexpectedText { element: name });
                }
                let mut found = BTreeSet::new();
                for c in &children {
                    let cname = c.tag_name().name();
                    let item = items.iter().find(|(n, _, _)| {
                        *n == cname && c.tag_name().namespace() == Some(NAMESPACE)
                    });
                    match item {
                        Some((n, t, _)) if found.insert(*n) => plan.push((*c, t)),
                        _ => {
                            return self.fail(
                                *c,
                                ViolationKind::UnexpectedElement {
                                    found: cname.to_string(),
                                    parent: name,
                                    expected: items
                                        .iter()
                                        .filter(|(n, _, _)| !found.contains(n))
                                        .map(|(n, _, _)| n.to_string())
                                        .collect(),
                                },
                            )
                        }
                    }
                }
                let missing: Vec<String> = items
                    .iter()
                    .filter(|(n, _, r)| *r && !found.contains(n))
                    .map(|(n, _, _)| n.to_string())
                    .collect();
                if !missing.is_empty() {
                    return self.fail(
                        node,
                        ViolationKind::MissingElement {
                            parent: name,
                            expected: missing,
                        },
                    );
                }
            }
        }
        // Children, in document order.
        for (child, cty) in plan {
            self.element(child, cty)?;
        }
        // Unique keys among the children.
        if let Some(complex) = self.types.get(ty) {
            for u in &complex.uniques {
                let child_ty = child_type(complex, u.child);
                let mut keys = BTreeSet::new();
                for c in children.iter().filter(|c| c.tag_name().name() == u.child) {
                    let values: Option<Vec<String>> = u
                        .fields
                        .iter()
                        .map(|f| {
                            let st = child_ty
                                .and_then(|t| self.types.get(t))
                                .and_then(|t| t.attrs.iter().find(|a| a.name == *f))
                                .map(|a| a.st)
                                .unwrap_or(len(0, usize::MAX));
                            c.attribute(*f).map(|v| key_value(st, v))
                        })
                        .collect();
                    if let Some(values) = values {
                        let value = values.join(", ");
                        if !keys.insert(value.clone()) {
                            return self.fail(
                                *c,
                                ViolationKind::DuplicateKey {
                                    element: u.child.to_string(),
                                    fields: u.fields.join(", "),
                                    value,
                                },
                            );
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// The type of the children named `child` in a content model.
fn child_type(complex: &Complex, child: &str) -> Option<&'static str> {
    fn find(ps: &[Particle], child: &str) -> Option<&'static str> {
        for p in ps {
            match &p.term {
                Term::Elem(n, t) if *n == child => return Some(t),
                Term::Seq(inner) => {
                    if let Some(t) = find(inner, child) {
                        return Some(t);
                    }
                }
                _ => {}
            }
        }
        None
    }
    match &complex.model {
        Model::Seq(ps) => find(ps, child),
        _ => None,
    }
}

fn matches_elem(node: &roxmltree::Node<'_, '_>, name: &str) -> bool {
    node.tag_name().name() == name && node.tag_name().namespace() == Some(NAMESPACE)
}

/// The names a particle list can start with.
fn first_names(ps: &[Particle]) -> Vec<String> {
    let mut out = Vec::new();
    for p in ps {
        match &p.term {
            Term::Elem(n, _) => out.push(n.to_string()),
            Term::Seq(inner) => out.extend(first_names(inner)),
        }
        if p.min > 0 {
            break;
        }
    }
    out
}

/// What could come next after `done` (for messages; an approximation).
fn next_names(ps: &[Particle], done: &[roxmltree::Node<'_, '_>]) -> Vec<String> {
    let last = done.last().map(|n| n.tag_name().name().to_string());
    let mut out = Vec::new();
    let mut after = last.is_none();
    for p in ps {
        let names = match &p.term {
            Term::Elem(n, _) => vec![n.to_string()],
            Term::Seq(inner) => first_names(inner),
        };
        if after {
            out.extend(names.clone());
            if p.min > 0 {
                break;
            }
        } else if last.as_ref().is_some_and(|l| names.contains(l)) {
            after = true;
            if p.max != Some(1) {
                out.extend(names);
            }
        }
    }
    out
}

/// Greedy matching of a sequence (the LSU content models are deterministic, so greedy
/// matching decides them). On failure, returns what was expected.
fn match_seq<'a, 'i>(
    ps: &[Particle],
    children: &[roxmltree::Node<'a, 'i>],
    pos: &mut usize,
    plan: &mut Vec<(roxmltree::Node<'a, 'i>, &'static str)>,
) -> Result<(), Vec<String>> {
    for p in ps {
        let mut count = 0u32;
        loop {
            if p.max.is_some_and(|m| count >= m) {
                break;
            }
            let start = *pos;
            let matched = match &p.term {
                Term::Elem(name, ty) => match children.get(*pos) {
                    Some(c) if matches_elem(c, name) => {
                        plan.push((*c, ty));
                        *pos += 1;
                        true
                    }
                    _ => false,
                },
                Term::Seq(inner) => {
                    let mark = plan.len();
                    match match_seq(inner, children, pos, plan) {
                        Ok(()) if *pos > start => true,
                        _ => {
                            *pos = start;
                            plan.truncate(mark);
                            false
                        }
                    }
                }
            };
            if !matched {
                break;
            }
            count += 1;
        }
        if count < p.min {
            let names = match &p.term {
                Term::Elem(n, _) => vec![n.to_string()],
                Term::Seq(inner) => first_names(inner),
            };
            // An optional inner sequence that matched nothing counts as present.
            if let Term::Seq(inner) = &p.term {
                if inner.iter().all(|q| q.min == 0) {
                    continue;
                }
            }
            return Err(names);
        }
    }
    Ok(())
}

/// Checks an LSU document against the schema; returns the first rule it breaks.
pub fn validate(xml: &str) -> Result<(), Violation> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| Violation {
        line: e.pos().row,
        kind: ViolationKind::NotXml(e.to_string()),
    })?;
    validate_document(&doc)
}

/// Checks a parsed LSU document against the schema.
pub fn validate_document(doc: &roxmltree::Document<'_>) -> Result<(), Violation> {
    let root = doc.root_element();
    if !matches_elem(&root, "lsun-bilans") {
        let name = match root.tag_name().namespace() {
            Some(ns) => format!("{{{ns}}}{}", root.tag_name().name()),
            None => root.tag_name().name().to_string(),
        };
        return Err(Violation {
            line: doc.text_pos_at(root.range().start).row,
            kind: ViolationKind::WrongRoot(name),
        });
    }
    let mut v = Validator {
        doc,
        types: types(),
        ids: BTreeSet::new(),
        refs: Vec::new(),
    };
    v.element(root, "LsunBilans")?;
    for (r, line) in &v.refs {
        if !v.ids.contains(r) {
            return Err(Violation {
                line: *line,
                kind: ViolationKind::UnknownReference(r.clone()),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn simple_types() {
        assert!(check_simple(St::PosInt(None), " 12 ").is_ok());
        assert!(check_simple(St::PosInt(None), "0").is_err());
        assert!(check_simple(St::PosInt(None), "+007").is_ok());
        assert!(check_simple(St::PosInt(Some((1, 4))), "4").is_ok());
        assert!(check_simple(St::PosInt(Some((1, 4))), "5").is_err());
        assert!(check_simple(St::PosInt(Some((1, 4))), "03").is_err());
        assert!(check_simple(POS_SOCLE, "0").is_ok());
        assert!(check_simple(VALEUR_VIE_SCOLAIRE, "999").is_ok());
        assert!(check_simple(VALEUR_VIE_SCOLAIRE, "1000").is_err());
        assert!(check_simple(VALEUR_VIE_SCOLAIRE, "-1").is_err());
        assert!(check_simple(St::Date, "2024-02-29").is_ok());
        assert!(check_simple(St::Date, "2025-02-29").is_err());
        assert!(check_simple(St::Date, "2025-12-01Z").is_ok());
        assert!(check_simple(St::Date, "2025-12-01+01:00").is_ok());
        assert!(check_simple(St::Date, "01/12/2025").is_err());
        assert!(check_simple(chaine(600), "  ").is_err());
        assert!(check_simple(chaine(600), " a ").is_ok());
        assert!(check_simple(chaine(3), "éèà").is_ok());
        assert!(check_simple(chaine(3), "éèàç").is_err());
        assert!(check_simple(St::Int, "-2147483648").is_ok());
        assert!(check_simple(St::Int, "2147483648").is_err());
        assert!(check_simple(St::DateTime, "2025-12-01T10:00:00").is_ok());
        assert!(check_simple(St::DateTime, "2025-12-01 10:00").is_err());
        assert!(check_simple(St::IdRefs(2), "A B").is_ok());
        assert!(check_simple(St::IdRefs(2), "A").is_err());
        assert!(check_simple(St::Id, "1A").is_err());
    }

    #[test]
    fn not_xml_and_wrong_root() {
        assert!(matches!(
            validate("<a>").unwrap_err().kind,
            ViolationKind::NotXml(_)
        ));
        assert!(matches!(
            validate("<lsun-bilans schemaVersion=\"7.0\"/>")
                .unwrap_err()
                .kind,
            ViolationKind::WrongRoot(_)
        ));
    }
}
