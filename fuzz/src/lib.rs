//! The bodies of the fuzz targets, and the seeds they start from.
//!
//! Each `fuzz_targets/<name>.rs` calls one function here. The same file is compiled into the
//! workspace's test suite (`tests/tests/scenarios/fuzz_corpus.rs`), which replays every file of
//! `fuzz/corpus/` and `fuzz/artifacts/` through these functions on every `cargo test`: a crash
//! found once stays a regular test. Only `livret-core`, `livret-net`, `livret-export` and
//! `automerge` are used, all of which the tests crate also depends on.
//!
//! Besides "does not panic", the bodies check invariants: a decoded frame re-encodes to itself,
//! a refused sync batch leaves the document unchanged, and an accepted one never brings an
//! entry that does not verify or whose author may not write the section, nor replaces or
//! deletes another author's entry.

use livret_core::SignedRecord;
use std::sync::OnceLock;

use automerge::sync;
use livret_core::content;
use livret_core::doc::{SectionDoc, WriteCheck};
use livret_core::entry::{digest_text, Content, OpenedEntry, PeriodRef, SignedEntry, Verification};
use livret_core::grant::{
    Genesis, Grant, InvitationView, Manifest, ManifestRecord, OwnerRecord, Revocation, Rights,
};
use livret_core::{DeviceId, DeviceSecret, LivretId, Section};
use livret_net::protocol::Frame;

/// The targets, by name (the names of `fuzz_targets/*.rs` and of the corpus folders).
pub const TARGETS: &[&str] = &[
    "invitation_text",
    "invitation",
    "grant",
    "revocation",
    "owner_record",
    "genesis",
    "entry",
    "frame",
    "section_doc",
    "section_sync",
    "control_record",
    "recovery_words",
    "certificate",
    "lsu_xml",
];

/// `livret-core` turns panics inside Automerge (on malformed input) into errors with
/// `catch_unwind`. libFuzzer's panic hook aborts on every panic, caught or not: this hook lets
/// the caught ones through (those raised in Automerge or its codec `hexane`) and hands every
/// other panic to the previous hook. A panic that escapes is still a crash (libfuzzer-sys
/// aborts when the body unwinds).
pub fn let_automerge_panics_be_caught() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let inside = info
                .location()
                .is_some_and(|l| l.file().contains("/automerge-") || l.file().contains("/hexane-"));
            if !inside {
                previous(info);
            }
        }));
    });
}

/// Runs the body of target `name` on `data`. Unknown names do nothing.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "invitation_text" => invitation_text(data),
        "invitation" => invitation(data),
        "grant" => grant(data),
        "revocation" => revocation(data),
        "owner_record" => owner_record(data),
        "genesis" => genesis(data),
        "entry" => entry(data),
        "frame" => frame(data),
        "section_doc" => section_doc(data),
        "section_sync" => section_sync(data),
        "control_record" => control_record(data),
        "certificate" => certificate(data),
        "lsu_xml" => lsu_xml(data),
        "recovery_words" => recovery_words(data),
        _ => {}
    }
}

/// `LIVRET:…` text (as pasted or scanned), then the signed bytes it holds.
pub fn invitation_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(bytes) = InvitationView::bytes_from_text(text) {
        invitation(&bytes);
    }
}

/// A signed invitation.
pub fn invitation(data: &[u8]) {
    if let Ok(view) = InvitationView::open(data) {
        let _ = view.id();
        let text = InvitationView::to_text(data);
        assert_eq!(
            InvitationView::bytes_from_text(&text).ok().as_deref(),
            Some(data)
        );
    }
}

/// A signed grant, alone and as a manifest record under its key.
pub fn grant(data: &[u8]) {
    if let Ok(g) = Grant::open(data) {
        let key = format!("grant/{}", g.grant_id());
        assert!(ManifestRecord::open(&key, data).is_ok());
    }
    let _ = ManifestRecord::open("grant/aaaaaaaaaaaaaaaaaaaaaaaaaa", data);
}

/// A signed revocation.
pub fn revocation(data: &[u8]) {
    if let Ok(r) = Revocation::open(data) {
        let _ = r.voids(&fixture().grant);
    }
}

/// A signed owner record.
pub fn owner_record(data: &[u8]) {
    if let Ok(o) = OwnerRecord::open(data) {
        let key = format!("owner/{}", DeviceId(o.owner));
        assert!(ManifestRecord::open(&key, data).is_ok());
    }
}

/// The family's control records (an erasure, a livret's deletion, an owner device's
/// revocation, the opening of a sensitive section): each decoder, the manifest key check, and
/// a manifest holding the record beside the fixture's.
pub fn control_record(data: &[u8]) {
    use livret_core::erasure::{Deletion, Erasure, OwnerRevocation};
    let f = fixture();
    let mut key = None;
    if let Ok(e) = Erasure::open(data) {
        let _ = (e.whole_section(), e.erases("bilan/1-3/FRANCS"), e.section());
        key = Some(e.key());
    }
    if let Ok(r) = OwnerRevocation::open(data) {
        let _ = r.keeps_grant(&f.grant.grant_id());
        key = Some(r.key());
    }
    if let Ok(o) = livret_core::grant::Opening::open(data) {
        key = Some(livret_core::grant::Opening::key_of(o.section));
    }
    let _ = Deletion::open(data);
    if let Some(key) = key {
        assert!(ManifestRecord::open(&key, data).is_ok(), "{key}");
        let mut records: Vec<(&str, &[u8])> = f
            .records
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect();
        records.push((key.as_str(), data));
        if let Ok(m) = Manifest::from_records(records) {
            // The family device stays an owner unless another owner revoked it.
            let _ = m.is_owner(&f.family.device_id());
            let _ = m.erasures_of(Section::Annee(2025));
        }
    }
}

/// A school's card and a teacher's certificate, as bytes and as the text of their QR codes
/// (`livret trust add`, `livret certificate import`).
pub fn certificate(data: &[u8]) {
    use livret_core::cert::{Certificate, SchoolCard};
    if let Ok(card) = SchoolCard::open(data) {
        let _ = card.school();
        let text = SchoolCard::to_text(data);
        assert_eq!(
            SchoolCard::bytes_from_text(&text).ok().as_deref(),
            Some(data)
        );
    }
    if let Ok(cert) = Certificate::open(data) {
        let _ = (cert.not_before, cert.until);
        let text = Certificate::to_text(data);
        assert_eq!(
            Certificate::bytes_from_text(&text).ok().as_deref(),
            Some(data)
        );
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(bytes) = SchoolCard::bytes_from_text(text) {
            let _ = SchoolCard::open(&bytes);
        }
        if let Ok(bytes) = Certificate::bytes_from_text(text) {
            let _ = Certificate::open(&bytes);
        }
    }
}

/// An LSU file from a school's software (`livret import-lsu`): parsed and checked against the
/// schema's rules; a file that parses is written back out.
pub fn lsu_xml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(file) = livret_export::lsu::parse(text) {
        let _ = livret_export::lsu::to_xml(&file);
    }
}

/// The 24 recovery words, as typed: parsed, and when they parse, shown again as the same key.
pub fn recovery_words(data: &[u8]) {
    use livret_core::recovery::RecoveryKey;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(key) = RecoveryKey::from_words(text) {
        if let Ok(words) = key.words() {
            let again = RecoveryKey::from_words(&words.join(" "));
            assert_eq!(again.ok().map(|k| k.public()), Some(key.public()));
        }
    }
}

/// A signed genesis record, and a manifest made of it and the fixture's grant.
pub fn genesis(data: &[u8]) {
    if Genesis::open(data).is_ok() {
        let f = fixture();
        let records = [("genesis", data), ("grant/x", f.grant_bytes.as_slice())];
        let _ = Manifest::from_records(records);
    }
}

/// A stored entry value: decode, read its payload unverified (as `show` does to name the
/// author), verify it, and check its content against the official scales.
pub fn entry(data: &[u8]) {
    let Ok(e) = SignedEntry::from_bytes(data) else {
        return;
    };
    let _ = e.to_bytes();
    if let Ok(payload) = e.payload_unverified() {
        // The vocabulary checks, reached even without a valid signature.
        let opened = OpenedEntry {
            payload,
            texts: e.texts.clone(),
        };
        let _ = content::check(&opened);
        let _ = content::entry_key(&opened.payload.content);
        let _ = content::section_of(&opened.payload.content);
    }
    let f = fixture();
    let (opened, v) = e.verify_at(f.livret, Section::Annee(2025), "bilan/1-3/FRANCS", |_| true);
    if let Some(o) = opened {
        let _ = content::check(&o);
    }
    if v == Verification::Valid {
        assert!(e.open().is_ok());
    }
}

/// A frame of `/livret/sync/1`: decodes within the protocol's bounds, and re-encodes to a frame
/// that decodes to the same value.
pub fn frame(data: &[u8]) {
    if let Ok(f) = Frame::decode(data) {
        let again = Frame::decode(&f.encode());
        assert_eq!(again.as_ref().ok(), Some(&f), "frame does not round-trip");
    }
}

/// A stored section document (snapshot, or an empty snapshot and one increment): load, list,
/// verify every entry, rebuild.
pub fn section_doc(data: &[u8]) {
    let_automerge_panics_be_caught();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let loaded = if mode & 1 == 0 {
        SectionDoc::load(rest, &[])
    } else {
        SectionDoc::load(&[], &[rest.to_vec()])
    };
    let Ok(mut doc) = loaded else {
        return;
    };
    let f = fixture();
    let _ = doc.keys();
    let _ = doc.entries();
    let _ = doc.heads();
    let checked = doc.checked_entries(f.livret, Section::Annee(2025), &|_| true);
    for c in &checked {
        if c.verification == Verification::Valid {
            assert!(c.opened.is_some());
        }
    }
    for k in doc.keys() {
        let _ = doc.get(&k);
    }
    if let Ok(mut fresh) = doc.rebuilt() {
        let _ = fresh.save();
    }
}

/// Sync messages from a teacher (write grant on `annee/2025`) to the family's copy of
/// `annee/2025`, which holds one entry by that teacher and one by another. Input: messages,
/// each prefixed by its length (u16 big-endian).
pub fn section_sync(data: &[u8]) {
    let_automerge_panics_be_caught();
    let f = fixture();
    let Ok(mut doc) = SectionDoc::load(&f.snapshot, &[]) else {
        panic!("the fixture does not load");
    };
    let check = TeacherCheck { f };
    let mut state = sync::State::new();
    let mut rest = data;
    while rest.len() >= 2 {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let end = (2 + len).min(rest.len());
        let msg = &rest[2..end];
        rest = &rest[end..];
        let before = values(&doc);
        let saved_state = state.encode();
        match doc.receive_checked(&mut state, msg, &check) {
            Ok(_) => check_accepted(f, &doc),
            Err(_) => {
                assert_eq!(values(&doc), before, "a refused batch changed the document");
                assert_eq!(
                    state.encode(),
                    saved_state,
                    "a refused batch changed the state"
                );
            }
        }
        let _ = doc.generate_sync_message(&mut state);
    }
}

/// Every value under every key, sorted.
fn values(doc: &SectionDoc) -> Vec<(String, Vec<Vec<u8>>)> {
    doc.entries()
        .into_iter()
        .map(|s| {
            let mut v: Vec<Vec<u8>> = s
                .values
                .into_iter()
                .map(|r| r.map(|e| e.to_bytes()).unwrap_or_default())
                .collect();
            v.sort();
            (s.key, v)
        })
        .collect()
}

/// After an accepted batch from the teacher: every entry verifies where it is, its author may
/// write the section, and the other teacher's entry is still there, untouched.
fn check_accepted(f: &Fixture, doc: &SectionDoc) {
    let check = TeacherCheck { f };
    for c in doc.checked_entries(f.livret, Section::Annee(2025), &|_| true) {
        assert_eq!(c.verification, Verification::Valid, "{}", c.key);
        let Some(o) = &c.opened else {
            panic!("accepted entry {} does not open", c.key);
        };
        assert!(
            check.may_author(&o.payload.author_id(), o.payload.time),
            "entry {} by a key without a write grant",
            c.key
        );
        assert!(content::check(o).is_ok(), "entry {} out of scale", c.key);
    }
    let other: Vec<Vec<u8>> = doc
        .entries()
        .into_iter()
        .filter(|s| s.key == f.other_key)
        .flat_map(|s| s.values.into_iter().flatten().map(|e| e.to_bytes()))
        .collect();
    assert!(
        other.contains(&f.other_entry.to_bytes()),
        "the other teacher's entry was replaced or deleted by the teacher"
    );
}

/// The write rules of a family device receiving from the teacher (as `livret::session::Check`).
struct TeacherCheck<'a> {
    f: &'a Fixture,
}

impl WriteCheck for TeacherCheck<'_> {
    fn place(&self) -> (LivretId, Section) {
        (self.f.livret, Section::Annee(2025))
    }
    fn sender(&self) -> DeviceId {
        self.f.teacher.device_id()
    }
    fn sender_is_owner(&self) -> bool {
        self.f.manifest.is_owner(&self.sender())
    }
    fn sender_may_write(&self) -> bool {
        livret_core::policy::may_send_changes(
            &self.f.manifest,
            &self.sender(),
            Section::Annee(2025),
            T0,
        )
        .allowed()
    }
    fn may_author(&self, author: &DeviceId, time: i64) -> bool {
        self.f
            .manifest
            .may_write(author, Section::Annee(2025), time)
            .allowed()
    }
    fn check_content(&self, entry: &OpenedEntry) -> Result<(), String> {
        content::check(entry)
    }
}

/// A fixed livret: a family (owner), a teacher and another teacher with write grants on
/// `annee/2025`, a reader with a read grant, and the family's copy of `annee/2025`.
pub struct Fixture {
    /// The livret.
    pub livret: LivretId,
    /// Its manifest.
    pub manifest: Manifest,
    /// The manifest's records (key, signed bytes).
    pub records: Vec<(String, Vec<u8>)>,
    /// The teacher's grant.
    pub grant: Grant,
    /// Its signed bytes.
    pub grant_bytes: Vec<u8>,
    /// The family device.
    pub family: DeviceSecret,
    /// The teacher (the sender in `section_sync`).
    pub teacher: DeviceSecret,
    /// Another teacher.
    pub other: DeviceSecret,
    /// A read-only teacher.
    pub reader: DeviceSecret,
    /// The other teacher's entry in the family's copy, and its key.
    pub other_entry: SignedEntry,
    /// Its key.
    pub other_key: String,
    /// An older version of it (signed earlier by the other teacher).
    pub other_older: SignedEntry,
    /// The family's copy of `annee/2025`.
    pub snapshot: Vec<u8>,
}

/// Seconds: when the fixture's records and entries are signed.
pub const T0: i64 = 1_760_000_000;

/// A subject entry signed by `who` at `time`.
pub fn subject(
    who: &DeviceSecret,
    livret: LivretId,
    code: &str,
    level: u8,
    text: &str,
    time: i64,
) -> (String, SignedEntry) {
    let c = Content::Subject {
        year: 2025,
        period: PeriodRef { index: 1, count: 3 },
        code: code.into(),
        label: code.into(),
        level: Some(level),
        mark: None,
        appreciation: digest_text(text),
        election: None,
        elements: vec![],
        class_average: None,
        not_marked: false,
        class_not_marked: false,
    };
    let key = content::entry_key(&c);
    let e = SignedEntry::sign(
        who,
        livret,
        Section::Annee(2025),
        &key,
        c,
        vec![text.into()],
        time,
    );
    (key, e)
}

fn make_grant(
    family: &DeviceSecret,
    livret: LivretId,
    to: &DeviceSecret,
    id: u8,
    rights: Rights,
) -> Grant {
    Grant {
        id: [id; 16],
        livret: livret.0,
        issuer: family.device_id().0,
        audience: to.device_id().0,
        sections: vec![Section::Annee(2025)],
        rights,
        not_before: T0 - 1000,
        until: T0 + 10_000_000,
        issued_at: T0 - 1000,
        subject_name: Some("Lina Moreau".into()),
        jury: false,
        audience_name: "M. Martin".into(),
    }
}

/// The fixture, built once.
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let family = DeviceSecret::from_bytes(&[1; 32]);
        let teacher = DeviceSecret::from_bytes(&[2; 32]);
        let other = DeviceSecret::from_bytes(&[3; 32]);
        let reader = DeviceSecret::from_bytes(&[4; 32]);
        let (livret, genesis) = Genesis::create(&family, [7; 16], T0 - 2000);
        let mut records = vec![("genesis".to_string(), genesis)];
        let grant = make_grant(&family, livret, &teacher, 1, Rights::Write);
        let grant_bytes = grant.sign(&family);
        records.push((format!("grant/{}", grant.grant_id()), grant_bytes.clone()));
        for (who, id, rights) in [(&other, 2, Rights::Write), (&reader, 3, Rights::Read)] {
            let g = make_grant(&family, livret, who, id, rights);
            records.push((format!("grant/{}", g.grant_id()), g.sign(&family)));
        }
        let manifest = Manifest::from_records(records.iter().map(|(k, v)| (k.as_str(), &v[..])))
            .unwrap_or_else(|e| panic!("fixture manifest: {e}"));
        let mut doc = SectionDoc::new();
        let (k1, e1) = subject(&teacher, livret, "FRANCS", 3, "Bon trimestre.", T0);
        let (other_key, other_older) =
            subject(&other, livret, "MATHEM", 1, "Des difficultés.", T0 + 1);
        let (_, other_entry) = subject(&other, livret, "MATHEM", 3, "Nets progrès.", T0 + 2);
        let puts = [
            (&k1, &e1),
            (&other_key, &other_older),
            (&other_key, &other_entry),
        ];
        for (k, e) in puts {
            doc.put(k, e)
                .unwrap_or_else(|e| panic!("fixture document: {e}"));
        }
        Fixture {
            livret,
            manifest,
            records,
            grant,
            grant_bytes,
            family,
            teacher,
            other,
            reader,
            other_entry,
            other_key,
            other_older,
            snapshot: doc.save(),
        }
    })
}

/// Seeds made from real objects: `(target, name, bytes)`. Written to `fuzz/corpus/<target>/`
/// by `cargo test -p livret-tests --test fuzz_corpus -- --ignored write_seeds`.
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    use livret_net::protocol::{
        ByteBuf, Granted, Hello, HelloLivret, Redeem, Refused, Revoked, SyncMessage,
    };
    let f = fixture();
    let mut out: Vec<(&'static str, String, Vec<u8>)> = Vec::new();
    let mut add = |t: &'static str, n: &str, b: Vec<u8>| out.push((t, n.to_string(), b));

    // Invitations: write (one IPv4 address), owner (no section), two addresses.
    let view = InvitationView {
        livret: f.livret,
        issuer: f.family.device_id(),
        addresses: vec![vec![0x04, 127, 0, 0, 1, 0x06, 0x12, 0x5b]],
        secret: [9; 16],
        expires_at: T0 + 900,
        sections: vec![Section::Annee(2025), Section::VieScolaire(2025)],
        rights: Rights::Write,
        until: T0 + 10_000_000,
        jury: false,
    };
    let owner_view = InvitationView {
        sections: vec![],
        rights: Rights::Owner,
        addresses: vec![
            vec![0x04, 192, 168, 1, 20, 0x06, 0x12, 0x5b],
            vec![0x04, 127, 0, 0, 1, 0x06, 0x12, 0x5b],
        ],
        ..view.clone()
    };
    for (n, v) in [("write", &view), ("owner", &owner_view)] {
        let b = v.sign(&f.family);
        add(
            "invitation_text",
            n,
            InvitationView::to_text(&b).into_bytes(),
        );
        add("invitation", n, b);
    }
    add(
        "invitation_text",
        "spaced-lowercase",
        format!(
            "livret: {}",
            InvitationView::to_text(&view.sign(&f.family))[7..].to_lowercase()
        )
        .into_bytes(),
    );

    // The family's control records.
    {
        use livret_core::erasure::{Deletion, Erasure, OwnerRevocation};
        let erase_one = Erasure::new(
            [5; 16],
            [6; 16],
            f.livret,
            Section::Annee(2025),
            &["bilan/1-3/FRANCS".into()],
            f.family.device_id(),
            T0 + 50,
        );
        add("control_record", "erasure-entry", erase_one.sign(&f.family));
        let erase_all = Erasure::new(
            [7; 16],
            [8; 16],
            f.livret,
            Section::Accompagnement,
            &[],
            f.family.device_id(),
            T0 + 60,
        );
        add(
            "control_record",
            "erasure-section",
            erase_all.sign(&f.family),
        );
        let deletion = Deletion {
            livret: f.livret.0,
            issuer: f.family.device_id().0,
            at: T0 + 70,
        };
        add("control_record", "deletion", deletion.sign(&f.family));
        let revoke = OwnerRevocation {
            livret: f.livret.0,
            device: f.teacher.device_id().0,
            issuer: f.family.device_id().0,
            at: T0 + 80,
            kept_grants: f.grant.id.to_vec(),
            kept_owners: f.family.device_id().0.to_vec(),
        };
        add("control_record", "owner-revocation", revoke.sign(&f.family));
        let opening = livret_core::grant::Opening {
            livret: f.livret.0,
            section: Section::Accompagnement,
            issuer: f.family.device_id().0,
            at: T0 + 90,
        };
        add("control_record", "opening", opening.sign(&f.family));
        let school = DeviceSecret::from_bytes(&[11; 32]);
        if let (Ok(uai), Ok(name)) = (
            livret_core::vocab::Uai::parse("0951099D"),
            livret_core::vocab::PersonName::parse("Collège Jean Moulin"),
        ) {
            let card = livret_core::cert::SchoolCard::sign(&school, &uai, &name, T0);
            add(
                "certificate",
                "card-text",
                livret_core::cert::SchoolCard::to_text(&card).into_bytes(),
            );
            add("certificate", "card", card);
        }
        let cert = livret_core::cert::Certificate {
            school: school.device_id().0,
            teacher: f.teacher.device_id().0,
            name: "M. Martin".into(),
            not_before: T0,
            until: T0 + 10_000_000,
        }
        .sign(&school);
        add(
            "certificate",
            "certificate-text",
            livret_core::cert::Certificate::to_text(&cert).into_bytes(),
        );
        add("certificate", "certificate", cert);
        let key = livret_core::recovery::RecoveryKey::from_entropy(&[42; 32]);
        if let Ok(words) = key.words() {
            add("recovery_words", "plain", words.join(" ").into_bytes());
            let numbered: Vec<String> = words
                .iter()
                .enumerate()
                .map(|(i, w)| format!("{}. {}", i + 1, w.to_uppercase()))
                .collect();
            add(
                "recovery_words",
                "numbered",
                numbered.join(", ").into_bytes(),
            );
        }
    }

    // Manifest records.
    add("grant", "write", f.grant_bytes.clone());
    let read = make_grant(&f.family, f.livret, &f.reader, 3, Rights::Read);
    add("grant", "read", read.sign(&f.family));
    let forged = make_grant(&f.teacher, f.livret, &f.teacher, 4, Rights::Write);
    add("grant", "self-issued", forged.sign(&f.teacher));
    let rev = Revocation {
        livret: f.livret.0,
        grant: f.grant.id,
        audience: f.grant.audience,
        issuer: f.family.device_id().0,
        at: T0 + 100,
    };
    add("revocation", "family", rev.sign(&f.family));
    let owner = OwnerRecord {
        livret: f.livret.0,
        owner: f.other.device_id().0,
        issuer: f.family.device_id().0,
        name: "Papa".into(),
        at: T0,
        kind: Default::default(),
    };
    add("owner_record", "second-parent", owner.sign(&f.family));
    add("genesis", "family", f.records[0].1.clone());

    // Entries of every kind.
    let (_, e1) = subject(&f.teacher, f.livret, "FRANCS", 3, "Bon trimestre.", T0);
    add("entry", "subject", e1.to_bytes());
    add("entry", "other-subject", f.other_entry.to_bytes());
    let sign = |section: Section, c: Content, texts: Vec<String>| {
        let key = content::entry_key(&c);
        SignedEntry::sign(&f.teacher, f.livret, section, &key, c, texts, T0).to_bytes()
    };
    let p = PeriodRef { index: 2, count: 3 };
    let t = |s: &str| (digest_text(s), vec![s.to_string()]);
    let (d, texts) = t("Très bon trimestre.");
    add(
        "entry",
        "synthesis",
        sign(
            Section::Annee(2025),
            Content::Synthesis {
                year: 2025,
                period: p,
                text: d,
            },
            texts,
        ),
    );
    add(
        "entry",
        "vie-scolaire",
        sign(
            Section::VieScolaire(2025),
            Content::VieScolaire {
                year: 2025,
                period: p,
                late: 1,
                justified: 2,
                unjustified: 0,
                missed_hours: Some(4),
                comment: Some(digest_text("Ponctuelle.")),
            },
            vec!["Ponctuelle.".into()],
        ),
    );
    let (d, texts) = t("Cycle validé.");
    add(
        "entry",
        "cycle",
        sign(
            Section::Cycles,
            Content::Cycle {
                cycle: 4,
                year: 2025,
                levels: [3, 3, 4, 2, 3, 3, 4, 3],
                synthesis: d,
                complement: Some(("LCA".into(), Some(2))),
                regional: Some(("BRE".into(), None)),
            },
            texts,
        ),
    );
    add(
        "entry",
        "attestation",
        sign(
            Section::Attestations,
            Content::Attestation {
                kind: "ASSR1".into(),
                date: "2025-05-12".into(),
            },
            vec![],
        ),
    );
    let names = ["Lina Moreau", "2014-03-02", "1234567890V"];
    add(
        "entry",
        "identity",
        sign(
            Section::Identite,
            Content::Identity {
                name: digest_text(names[0]),
                birth: digest_text(names[1]),
                ine: digest_text(names[2]),
            },
            names.iter().map(|s| s.to_string()).collect(),
        ),
    );
    let (d, texts) = t("Bonjour, Lina sera absente lundi.");
    add(
        "entry",
        "message",
        sign(
            Section::Correspondance,
            Content::Message { text: d, id: None },
            texts,
        ),
    );
    let (_, marked) = {
        let c = Content::Subject {
            year: 2025,
            period: p,
            code: "ANGLV1".into(),
            label: "Anglais LV1".into(),
            level: None,
            mark: Some("15,5".into()),
            appreciation: digest_text("Bien."),
            election: Some("F".into()),
            elements: vec!["Se présenter".into()],
            class_average: Some("12".into()),
            not_marked: false,
            class_not_marked: false,
        };
        let key = content::entry_key(&c);
        (
            key.clone(),
            SignedEntry::sign(
                &f.teacher,
                f.livret,
                Section::Annee(2025),
                &key,
                c,
                vec!["Bien.".into()],
                T0,
            ),
        )
    };
    add("entry", "mark", marked.to_bytes());

    // Section documents and sync messages: the teacher's copy gets a new entry, replaces its
    // own, tries to delete the other teacher's; the messages it sends the family are recorded.
    let mut fam = SectionDoc::load(&f.snapshot, &[]).unwrap_or_default();
    add(
        "section_doc",
        "snapshot",
        [&[0u8][..], &f.snapshot].concat(),
    );
    let mut teacher = SectionDoc::new();
    let (mut s_fam, mut s_t) = (sync::State::new(), sync::State::new());
    let exchange = |from: &mut SectionDoc,
                    to: &mut SectionDoc,
                    sf: &mut sync::State,
                    st: &mut sync::State|
     -> Vec<u8> {
        // Messages from `from` to `to`, u16-prefixed, until both are quiet.
        let mut recorded = Vec::new();
        for _ in 0..10 {
            let a = from.generate_sync_message(sf);
            let b = to.generate_sync_message(st);
            if a.is_none() && b.is_none() {
                break;
            }
            if let Some((m, _)) = a {
                let len = u16::try_from(m.len()).unwrap_or(u16::MAX);
                recorded.extend_from_slice(&len.to_be_bytes());
                recorded.extend_from_slice(&m);
                let _ = to.receive_unchecked(st, &m);
            }
            if let Some((m, _)) = b {
                let _ = from.receive_unchecked(sf, &m);
            }
        }
        recorded
    };
    let _ = exchange(&mut fam, &mut teacher, &mut s_fam, &mut s_t);
    let (k, e) = subject(
        &f.teacher,
        f.livret,
        "HISGEO",
        2,
        "Peut mieux faire.",
        T0 + 5,
    );
    let _ = teacher.put(&k, &e);
    let mut fam2 = SectionDoc::load(&f.snapshot, &[]).unwrap_or_default();
    let (mut a, mut b) = (sync::State::new(), sync::State::new());
    add(
        "section_sync",
        "new-entry",
        exchange(&mut teacher, &mut fam2, &mut a, &mut b),
    );
    let (k, e) = subject(&f.teacher, f.livret, "FRANCS", 4, "Encore mieux.", T0 + 6);
    let _ = teacher.put(&k, &e);
    let _ = teacher.delete(&f.other_key);
    let mut fam3 = SectionDoc::load(&f.snapshot, &[]).unwrap_or_default();
    let (mut a, mut b) = (sync::State::new(), sync::State::new());
    add(
        "section_sync",
        "replace-and-delete",
        exchange(&mut teacher, &mut fam3, &mut a, &mut b),
    );
    add(
        "section_doc",
        "teacher-increment",
        [&[1u8][..], &teacher.save_incremental()].concat(),
    );
    add(
        "section_doc",
        "teacher-snapshot",
        [&[0u8][..], &teacher.save()].concat(),
    );

    // Frames: one of each kind.
    let (m, _) = teacher
        .generate_sync_message(&mut sync::State::new())
        .unwrap_or_default();
    let frames = [
        (
            "hello",
            Frame::Hello(Hello {
                name: "M. Martin".into(),
                role: "teacher".into(),
                livrets: vec![HelloLivret {
                    livret: f.livret.0,
                    docs: vec![
                        ("annee/2025".into(), vec![ByteBuf::from(vec![2; 32])]),
                        ("manifest".into(), vec![]),
                    ],
                    erasures: vec![],
                }],
            }),
        ),
        (
            "redeem",
            Frame::Redeem(Redeem {
                invitation: [5; 16],
                proof: ByteBuf::from(vec![6; 32]),
                name: "M. Martin".into(),
                role: "teacher".into(),
            }),
        ),
        (
            "granted",
            Frame::Granted(Granted {
                livret: f.livret.0,
                records: f
                    .records
                    .iter()
                    .map(|(k, v)| (k.clone(), ByteBuf::from(v.clone())))
                    .collect(),
            }),
        ),
        (
            "sync",
            Frame::Sync(SyncMessage {
                livret: f.livret.0,
                target: "annee/2025".into(),
                message: ByteBuf::from(m),
            }),
        ),
        (
            "refused",
            Frame::Refused(Refused {
                livret: Some(ByteBuf::from(f.livret.0.to_vec())),
                target: Some("identite".into()),
                code: livret_core::RefusalCode::SectionNotGranted.number(),
                key: None,
                detail: None,
            }),
        ),
        (
            "revoked",
            Frame::Revoked(Revoked {
                livret: f.livret.0,
                revocation: ByteBuf::from(rev.sign(&f.family)),
                owners: vec![],
            }),
        ),
        ("end-round", Frame::EndRound(3)),
    ];
    for (n, fr) in frames {
        add("frame", n, fr.encode());
    }
    out
}
