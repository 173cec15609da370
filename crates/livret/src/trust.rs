//! Schools, certificates and trust anchors: how a third party (a jury, the next school) can
//! tell an entry written by a real teacher of a real school.

use livret_core::cert::{Certificate, SchoolCard};
use livret_core::vocab::{Date, PersonName, Uai};
use livret_core::{DeviceId, Role};
use livret_store::{KeySource, OpenOptions};
use serde::Serialize;

use crate::audit::AuditAction;
use crate::device::Device;
use crate::error::{Error, Result};
use crate::sharing::rfc3339;

/// A certificate or a school card ready to hand over (text form; its QR code holds the same).
#[derive(Debug, Clone, Serialize)]
pub struct SignedCard {
    /// The text form (`LIVRET-CERT:…` or `LIVRET-ECOLE:…`).
    pub text: String,
    /// The signed bytes.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

impl SignedCard {
    /// Its QR code (level M).
    pub fn qr(&self) -> Result<livret_export::qr::Qr> {
        livret_export::qr::Qr::new(&self.text).map_err(|e| Error::Protocol(e.to_string()))
    }
}

/// A trusted school as listed.
#[derive(Debug, Clone, Serialize)]
pub struct TrustAnchor {
    /// The school's key.
    pub school: String,
    /// Its UAI, when this device keeps it (a jury device keeps only keys).
    pub uai: Option<String>,
    /// Its name, when this device keeps it.
    pub name: Option<String>,
}

/// A teacher's certificate as shown.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateView {
    /// The school's key.
    pub school: String,
    /// The teacher's name on it.
    pub name: String,
    /// Valid from.
    pub not_before: String,
    /// Valid until.
    pub until: String,
}

impl Device {
    /// Creates a school device: like [`Device::init`], with its UAI (checked) and a signed card.
    pub fn init_school(
        home: &std::path::Path,
        key: KeySource,
        name: &str,
        uai: &str,
    ) -> Result<Device> {
        Self::init_school_with(home, key, name, uai, &OpenOptions::default())
    }

    /// Like [`Device::init_school`], with store options.
    pub fn init_school_with(
        home: &std::path::Path,
        key: KeySource,
        name: &str,
        uai: &str,
        options: &OpenOptions,
    ) -> Result<Device> {
        let uai = Uai::parse(uai)?;
        let school_name = PersonName::parse(name)?;
        let mut dev = Device::create(home, key, Role::School, name, options)?;
        let card = SchoolCard::sign(&dev.identity.secret, &uai, &school_name, dev.now());
        dev.store.put_record("school", "card", None, &card)?;
        Ok(dev)
    }

    /// The school's card (school device): what families and juries add as a trust anchor.
    pub fn school_card(&self) -> Result<SignedCard> {
        self.require_role(Role::School)?;
        let bytes = self.store.record("school", "card")?.ok_or_else(|| {
            Error::NotAuthorized("cet établissement n'a pas de carte (UAI manquant)".into())
        })?;
        Ok(SignedCard {
            text: SchoolCard::to_text(&bytes),
            bytes,
        })
    }

    /// Certifies a teacher's key (school device), valid from now to the end of `until`.
    pub fn certify(&mut self, teacher: &str, name: &str, until: &str) -> Result<SignedCard> {
        self.require_role(Role::School)?;
        let teacher: DeviceId = teacher.parse()?;
        teacher.verifying_key()?;
        let name = PersonName::parse(name)?;
        let until = Date::parse(until).map_err(|e| e.with_field("until"))?;
        let end = until.add_days(1)?.unix_seconds_start();
        let now = self.now();
        if end <= now {
            return Err(Error::Core(livret_core::CoreError::Expired {
                what: "certificate",
            }));
        }
        let bytes = Certificate {
            school: self.device_id().0,
            teacher: teacher.0,
            name: name.as_str().to_string(),
            not_before: now,
            until: end,
        }
        .sign(&self.identity.secret);
        self.audit_event(
            None,
            Some(&teacher),
            None,
            AuditAction::Certified,
            true,
            &format!("certificat jusqu'au {until}"),
        );
        Ok(SignedCard {
            text: Certificate::to_text(&bytes),
            bytes,
        })
    }

    /// Imports this teacher's certificate (teacher device): it must be signed by its school and
    /// name this device's key. The entries written from now on carry it.
    pub fn import_certificate(&mut self, text: &str) -> Result<CertificateView> {
        self.require_role(Role::Teacher)?;
        let bytes = Certificate::bytes_from_text(text)?;
        let cert = Certificate::open(&bytes)?;
        if DeviceId(cert.teacher) != self.device_id() {
            return Err(Error::NotAuthorized(
                "ce certificat concerne une autre clé que celle de cet appareil".into(),
            ));
        }
        if cert.until <= self.now() {
            return Err(Error::Core(livret_core::CoreError::Expired {
                what: "certificate",
            }));
        }
        self.store
            .put_record("certificate", "current", None, &bytes)?;
        Ok(view_of(&cert))
    }

    /// This teacher's current certificate, if any.
    pub fn certificate(&self) -> Result<Option<CertificateView>> {
        Ok(self
            .current_certificate_bytes()
            .and_then(|b| Certificate::open(&b).ok())
            .map(|c| view_of(&c)))
    }

    pub(crate) fn current_certificate_bytes(&self) -> Option<Vec<u8>> {
        if self.role() != Role::Teacher {
            return None;
        }
        let bytes = self.store.record("certificate", "current").ok().flatten()?;
        let cert = Certificate::open(&bytes).ok()?;
        let now = self.now();
        (cert.not_before <= now && now < cert.until).then_some(bytes)
    }

    /// Adds a trusted school, from its card (text form) or its key. A jury device keeps the key
    /// only: nothing that names the school stays on it.
    pub fn trust_add(&mut self, card_or_key: &str) -> Result<TrustAnchor> {
        let text = card_or_key.trim();
        let (key, card) = if text
            .to_ascii_uppercase()
            .starts_with(livret_core::cert::SCHOOL_CARD_PREFIX)
        {
            let bytes = SchoolCard::bytes_from_text(text)?;
            let card = SchoolCard::open(&bytes)?;
            (card.school(), Some((bytes, card)))
        } else {
            let key: DeviceId = text.parse()?;
            key.verifying_key()?;
            (key, None)
        };
        let keep = if self.role() == Role::Jury {
            None
        } else {
            card
        };
        let value = keep.as_ref().map(|(b, _)| b.clone()).unwrap_or_default();
        self.store
            .put_record("trust", &key.to_string(), None, &value)?;
        Ok(TrustAnchor {
            school: key.to_string(),
            uai: keep.as_ref().map(|(_, c)| c.uai.clone()),
            name: keep.map(|(_, c)| c.name),
        })
    }

    /// The trusted schools.
    pub fn trust_list(&self) -> Result<Vec<TrustAnchor>> {
        let mut out = Vec::new();
        for (id, _, value) in self.store.records("trust")? {
            let card = SchoolCard::open(&value).ok();
            out.push(TrustAnchor {
                school: id,
                uai: card.as_ref().map(|c| c.uai.clone()),
                name: card.map(|c| c.name),
            });
        }
        Ok(out)
    }

    pub(crate) fn trusted_schools(&self) -> Vec<DeviceId> {
        self.store
            .records("trust")
            .map(|rows| {
                rows.iter()
                    .filter_map(|(id, _, _)| id.parse().ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn view_of(cert: &Certificate) -> CertificateView {
    CertificateView {
        school: DeviceId(cert.school).to_string(),
        name: cert.name.clone(),
        not_before: rfc3339(cert.not_before),
        until: rfc3339(cert.until),
    }
}
