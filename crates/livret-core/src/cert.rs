//! Trust beyond the family: a school vouches for its teachers' keys.
//!
//! A school device publishes a [`SchoolCard`] (its key, UAI and name, self-signed): families,
//! juries and the next school add it as a trust anchor. It certifies a teacher's key with a
//! [`Certificate`] (teacher key, name, validity), which the teacher's entries carry. A
//! certificate holds no UAI and no school name, only the school's key: an extract shown to a
//! jury can carry certificates without naming the school.

use serde::{Deserialize, Serialize};

use crate::cbor;
use crate::cose::{self, Envelope, Kind};
use crate::error::CoreError;
use crate::identity::DeviceSecret;
use crate::ids::DeviceId;
use crate::lang::{Lang, Localized};
use crate::vocab::{PersonName, Uai};

/// The largest card or certificate accepted.
pub const MAX_CERT_BYTES: usize = 1024;
/// Text prefix of a certificate.
pub const CERTIFICATE_PREFIX: &str = "LIVRET-CERT:";
/// Text prefix of a school card.
pub const SCHOOL_CARD_PREFIX: &str = "LIVRET-ECOLE:";

fn to_text(prefix: &str, bytes: &[u8]) -> String {
    format!("{prefix}{}", data_encoding::BASE32_NOPAD.encode(bytes))
}

fn from_text(prefix: &str, text: &str, what: &'static str) -> Result<Vec<u8>, CoreError> {
    let cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let upper = cleaned.to_ascii_uppercase();
    let body = upper
        .strip_prefix(prefix)
        .ok_or_else(|| CoreError::Malformed {
            what,
            detail: format!("le texte doit commencer par {prefix}"),
        })?;
    if body.len() > MAX_CERT_BYTES * 2 {
        return Err(CoreError::TooLarge {
            what,
            max: MAX_CERT_BYTES * 2,
            actual: body.len(),
        });
    }
    data_encoding::BASE32_NOPAD
        .decode(body.as_bytes())
        .map_err(|_| CoreError::Malformed {
            what,
            detail: "base32 invalide".into(),
        })
}

/// A school's card: who the school is, signed by its own key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolCard {
    /// The school's key.
    #[serde(rename = "k", with = "cbor::fixed")]
    pub key: [u8; 32],
    /// Its UAI.
    #[serde(rename = "u")]
    pub uai: String,
    /// Its name.
    #[serde(rename = "n")]
    pub name: String,
    /// When the card was made.
    #[serde(rename = "t")]
    pub at: i64,
}

impl SchoolCard {
    /// Makes and signs a school's card (the UAI and name are checked).
    pub fn sign(secret: &DeviceSecret, uai: &Uai, name: &PersonName, at: i64) -> Vec<u8> {
        let card = SchoolCard {
            key: secret.device_id().0,
            uai: uai.as_str().to_string(),
            name: name.as_str().to_string(),
            at,
        };
        cose::sign(secret, Kind::SchoolCard, cbor::to_vec(&card))
    }

    /// Opens and verifies a card.
    pub fn open(bytes: &[u8]) -> Result<SchoolCard, CoreError> {
        let env = Envelope::parse(bytes, Kind::SchoolCard, MAX_CERT_BYTES)?;
        let card: SchoolCard = cbor::from_slice(env.payload(), MAX_CERT_BYTES, "school card")?;
        if !env.verify(&DeviceId(card.key)) {
            return Err(CoreError::BadSignature {
                what: "school card",
            });
        }
        Uai::parse(&card.uai)?;
        Ok(card)
    }

    /// The school's key.
    pub fn school(&self) -> DeviceId {
        DeviceId(self.key)
    }

    /// The text form (`LIVRET-ECOLE:` + base32), also what its QR code holds.
    pub fn to_text(bytes: &[u8]) -> String {
        to_text(SCHOOL_CARD_PREFIX, bytes)
    }

    /// Reads the text form.
    pub fn bytes_from_text(text: &str) -> Result<Vec<u8>, CoreError> {
        from_text(SCHOOL_CARD_PREFIX, text, "school card")
    }
}

/// A school's certificate of a teacher's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// The certifying school's key.
    #[serde(rename = "s", with = "cbor::fixed")]
    pub school: [u8; 32],
    /// The teacher's key.
    #[serde(rename = "k", with = "cbor::fixed")]
    pub teacher: [u8; 32],
    /// The teacher's name as the school knows it.
    #[serde(rename = "n")]
    pub name: String,
    /// Valid from (seconds).
    #[serde(rename = "nb")]
    pub not_before: i64,
    /// Valid until (seconds, exclusive).
    #[serde(rename = "u")]
    pub until: i64,
}

impl Certificate {
    /// Signs a certificate with the school's key.
    pub fn sign(&self, school: &DeviceSecret) -> Vec<u8> {
        cose::sign(school, Kind::Certificate, cbor::to_vec(self))
    }

    /// Opens and verifies a certificate (its signature by its stated school).
    pub fn open(bytes: &[u8]) -> Result<Certificate, CoreError> {
        let env = Envelope::parse(bytes, Kind::Certificate, MAX_CERT_BYTES)?;
        let cert: Certificate = cbor::from_slice(env.payload(), MAX_CERT_BYTES, "certificate")?;
        if !env.verify(&DeviceId(cert.school)) {
            return Err(CoreError::BadSignature {
                what: "certificate",
            });
        }
        Ok(cert)
    }

    /// The text form (`LIVRET-CERT:` + base32).
    pub fn to_text(bytes: &[u8]) -> String {
        to_text(CERTIFICATE_PREFIX, bytes)
    }

    /// Reads the text form.
    pub fn bytes_from_text(text: &str) -> Result<Vec<u8>, CoreError> {
        from_text(CERTIFICATE_PREFIX, text, "certificate")
    }
}

/// Whether an entry is vouched for by a school this device trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Certification {
    /// Signed by a key certified by a trusted school, within the certificate's validity.
    Certified {
        /// The school's key.
        school: DeviceId,
        /// The teacher's name on the certificate.
        teacher_name: String,
    },
    /// Not certified, and why.
    Uncertified(NotCertified),
}

/// Why an entry is not certified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotCertified {
    /// It carries no certificate.
    NoCertificate,
    /// Its certificate does not open.
    BadCertificate(CoreError),
    /// Its certificate is for another key than the entry's author.
    OtherKey,
    /// The certificate's school is not one this device trusts.
    UntrustedSchool,
    /// Signed outside the certificate's validity.
    OutsideValidity,
    /// The entry itself does not open.
    Unreadable,
}

impl Localized for NotCertified {
    fn localized(&self, lang: Lang) -> String {
        match self {
            NotCertified::NoCertificate => lang.pick("aucun certificat", "no certificate").into(),
            NotCertified::BadCertificate(e) => match lang {
                Lang::Fr => format!("certificat invalide : {}", e.localized(lang)),
                Lang::En => format!("invalid certificate: {}", e.localized(lang)),
            },
            NotCertified::OtherKey => lang
                .pick("certificat d'une autre clé", "certificate of another key")
                .into(),
            NotCertified::UntrustedSchool => lang
                .pick(
                    "établissement non reconnu par cet appareil",
                    "school not trusted by this device",
                )
                .into(),
            NotCertified::OutsideValidity => lang
                .pick(
                    "inscription faite hors de la validité du certificat",
                    "entry made outside the certificate's validity",
                )
                .into(),
            NotCertified::Unreadable => lang
                .pick("inscription illisible", "unreadable entry")
                .into(),
        }
    }
}

impl std::fmt::Display for NotCertified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.localized(Lang::En))
    }
}

impl Certification {
    /// `certified` or `uncertified`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Certification::Certified { .. } => "certified",
            Certification::Uncertified(_) => "uncertified",
        }
    }
}

/// Decides whether a certificate (bytes, if the entry carries one) certifies an entry signed
/// by `author` at `time`, given the schools this device trusts.
pub fn certify(
    certificate: Option<&[u8]>,
    author: &DeviceId,
    time: i64,
    trusted: &[DeviceId],
) -> Certification {
    let Some(bytes) = certificate else {
        return Certification::Uncertified(NotCertified::NoCertificate);
    };
    let cert = match Certificate::open(bytes) {
        Ok(c) => c,
        Err(e) => return Certification::Uncertified(NotCertified::BadCertificate(e)),
    };
    if DeviceId(cert.teacher) != *author {
        return Certification::Uncertified(NotCertified::OtherKey);
    }
    if !trusted.contains(&DeviceId(cert.school)) {
        return Certification::Uncertified(NotCertified::UntrustedSchool);
    }
    if time < cert.not_before || time >= cert.until {
        return Certification::Uncertified(NotCertified::OutsideValidity);
    }
    Certification::Certified {
        school: DeviceId(cert.school),
        teacher_name: cert.name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_certify_only_within_validity_and_for_trusted_schools() {
        let school = DeviceSecret::from_bytes(&[50; 32]);
        let other_school = DeviceSecret::from_bytes(&[51; 32]);
        let teacher = DeviceSecret::from_bytes(&[52; 32]);
        let card = SchoolCard::sign(
            &school,
            &Uai::parse("0951099D").unwrap(),
            &PersonName::parse("Collège Jean Moulin").unwrap(),
            1,
        );
        let opened =
            SchoolCard::open(&SchoolCard::bytes_from_text(&SchoolCard::to_text(&card)).unwrap())
                .unwrap();
        assert_eq!(opened.school(), school.device_id());
        let cert = Certificate {
            school: school.device_id().0,
            teacher: teacher.device_id().0,
            name: "M. Martin".into(),
            not_before: 100,
            until: 1000,
        }
        .sign(&school);
        let text = Certificate::to_text(&cert);
        let cert = Certificate::bytes_from_text(&text).unwrap();
        let trusted = vec![school.device_id()];
        let t = teacher.device_id();
        assert!(matches!(
            certify(Some(&cert), &t, 500, &trusted),
            Certification::Certified { .. }
        ));
        // Expired before the entry's time, not yet valid, untrusted school, other key.
        assert_eq!(
            certify(Some(&cert), &t, 1000, &trusted).as_str(),
            "uncertified"
        );
        assert_eq!(
            certify(Some(&cert), &t, 99, &trusted).as_str(),
            "uncertified"
        );
        assert_eq!(
            certify(Some(&cert), &t, 500, &[other_school.device_id()]).as_str(),
            "uncertified"
        );
        assert_eq!(
            certify(Some(&cert), &school.device_id(), 500, &trusted).as_str(),
            "uncertified"
        );
        assert_eq!(certify(None, &t, 500, &trusted).as_str(), "uncertified");
        // A certificate signed by a different school than it names does not open.
        let forged = Certificate {
            school: school.device_id().0,
            teacher: teacher.device_id().0,
            name: "M. Martin".into(),
            not_before: 100,
            until: 1000,
        }
        .sign(&other_school);
        assert!(Certificate::open(&forged).is_err());
        assert_eq!(
            certify(Some(&forged), &t, 500, &trusted).as_str(),
            "uncertified"
        );
        // A card with a bad UAI does not open.
        let bad = SchoolCard {
            key: school.device_id().0,
            uai: "0951099A".into(),
            name: "X".into(),
            at: 1,
        };
        assert!(
            SchoolCard::open(&cose::sign(&school, Kind::SchoolCard, cbor::to_vec(&bad))).is_err()
        );
    }
}
