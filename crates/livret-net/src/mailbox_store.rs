//! A relay's mailbox on disk: sealed letters kept for devices that are never online together.
//!
//! One directory per box (the hex of a [`BoxId`], a hash of the recipient's device key), one
//! file per letter named `<deposited at>-<letter hash>.letter`, holding the sender's box id
//! (for the per-sender quota) then the sealed bytes. Nothing else: no livret id, no section,
//! no text; the mailbox cannot open a letter. Bounded per recipient and per sender (bytes and
//! count), per letter, and in age; a fetched letter is deleted once its recipient acknowledges
//! it. Time is passed in (`now`, seconds since the Unix epoch) so tests can move it.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use livret_core::seal::{BoxId, MAX_SEALED_BYTES};
use serde::{Deserialize, Serialize};

/// Seconds in a day.
const DAY: u64 = 24 * 60 * 60;
/// The directory of the devices' mailbox cards.
const CARDS_DIR: &str = "cards";
/// A letter file's extension.
const LETTER_EXT: &str = "letter";

/// The bounds of a mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxLimits {
    /// Days a letter is kept before it is deleted unfetched.
    pub max_age_days: u64,
    /// Bytes waiting for one recipient, in all.
    pub max_bytes_per_recipient: u64,
    /// Bytes waiting that one sender deposited, in all its recipients' boxes.
    pub max_bytes_per_sender: u64,
    /// Letters waiting for one recipient.
    pub max_letters_per_recipient: usize,
    /// Bytes of one sealed letter.
    pub max_letter_bytes: usize,
    /// Boxes on the mailbox, in all (each device that receives letters has one).
    pub max_boxes: usize,
}

impl MailboxLimits {
    /// The defaults with `days` and `megabytes` (per recipient and per sender) as given.
    pub fn with(days: u64, megabytes: u64) -> MailboxLimits {
        let bytes = megabytes.saturating_mul(1024 * 1024);
        MailboxLimits {
            max_age_days: days,
            max_bytes_per_recipient: bytes,
            max_bytes_per_sender: bytes,
            ..MailboxLimits::default()
        }
    }

    /// The age limit in seconds.
    pub fn max_age_secs(&self) -> u64 {
        self.max_age_days.saturating_mul(DAY)
    }
}

impl Default for MailboxLimits {
    /// 14 days; 16 MiB per recipient and per sender (a class's bilans for one peer are a few
    /// hundred KiB); 512 letters per box; letters up to the largest a device seals; 10 000
    /// boxes.
    fn default() -> Self {
        MailboxLimits {
            max_age_days: 14,
            max_bytes_per_recipient: 16 * 1024 * 1024,
            max_bytes_per_sender: 16 * 1024 * 1024,
            max_letters_per_recipient: 512,
            max_letter_bytes: MAX_SEALED_BYTES,
            max_boxes: 10_000,
        }
    }
}

/// Why a mailbox refused a deposit (also sent to the depositor, as is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum MailboxRefusal {
    /// The letter is larger than the mailbox takes.
    LetterTooLarge,
    /// The recipient's box holds as many bytes as it may.
    RecipientFull,
    /// The recipient's box holds as many letters as it may.
    TooManyLetters,
    /// The sender has deposited as many bytes as it may, in all.
    SenderOverQuota,
    /// The mailbox holds as many boxes as it may.
    TooManyBoxes,
    /// The mailbox could not store the letter (disk).
    Storage,
    /// This relay runs no mailbox.
    NoMailbox,
    /// The request was not understood.
    Malformed,
    /// The mailbox serves as many devices as it may at once: try again later.
    Busy,
}

impl fmt::Display for MailboxRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MailboxRefusal::LetterTooLarge => "the sealed letter is larger than the mailbox takes",
            MailboxRefusal::RecipientFull => "the recipient's mailbox is full (bytes)",
            MailboxRefusal::TooManyLetters => "the recipient's mailbox is full (letters)",
            MailboxRefusal::SenderOverQuota => "the sender is over its quota on this mailbox",
            MailboxRefusal::TooManyBoxes => "the mailbox holds as many boxes as it may",
            MailboxRefusal::Storage => "the mailbox could not store the letter",
            MailboxRefusal::NoMailbox => "this relay runs no mailbox",
            MailboxRefusal::Malformed => "the mailbox did not understand the request",
            MailboxRefusal::Busy => "the mailbox is busy, try again later",
        })
    }
}

impl std::error::Error for MailboxRefusal {}

impl livret_core::Localized for MailboxRefusal {
    fn localized(&self, lang: livret_core::Lang) -> String {
        match lang {
            livret_core::Lang::En => self.to_string(),
            livret_core::Lang::Fr => match self {
                MailboxRefusal::LetterTooLarge => {
                    "la lettre scellée est plus grande que ce que la boîte aux lettres accepte"
                }
                MailboxRefusal::RecipientFull => {
                    "la boîte aux lettres du destinataire est pleine (octets)"
                }
                MailboxRefusal::TooManyLetters => {
                    "la boîte aux lettres du destinataire est pleine (lettres)"
                }
                MailboxRefusal::SenderOverQuota => {
                    "l'expéditeur a dépassé son quota sur cette boîte aux lettres"
                }
                MailboxRefusal::TooManyBoxes => {
                    "la boîte aux lettres contient déjà autant de boîtes qu'elle peut"
                }
                MailboxRefusal::Storage => "la boîte aux lettres n'a pas pu enregistrer la lettre",
                MailboxRefusal::NoMailbox => "ce relais n'a pas de boîte aux lettres",
                MailboxRefusal::Malformed => "la boîte aux lettres n'a pas compris la demande",
                MailboxRefusal::Busy => "la boîte aux lettres est occupée, réessayez plus tard",
            }
            .to_string(),
        }
    }
}

/// A letter waiting in a box, as its recipient fetches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLetter {
    /// The hash of the sealed bytes: what the recipient acknowledges.
    pub hash: [u8; 32],
    /// When it was deposited (the mailbox's clock).
    pub deposited_at: u64,
    /// The sealed bytes.
    pub sealed: Vec<u8>,
}

#[derive(Debug, Clone)]
struct Meta {
    hash: [u8; 32],
    sender: BoxId,
    deposited_at: u64,
    size: u64,
}

/// What a box holds, for the operator's status (sizes and counts only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MailboxUsage {
    /// Boxes holding at least one letter.
    pub boxes: usize,
    /// Letters waiting.
    pub letters: usize,
    /// Bytes waiting (sealed).
    pub bytes: u64,
}

/// A mailbox's directory and its index.
#[derive(Debug)]
pub struct MailboxStore {
    dir: PathBuf,
    limits: MailboxLimits,
    boxes: BTreeMap<BoxId, Vec<Meta>>,
    per_sender: HashMap<BoxId, u64>,
    /// Each device's signed mailbox card (`livret_core::seal::MailboxCard`), published by the
    /// device itself, by its box: what a sender seals to.
    cards: HashMap<BoxId, Vec<u8>>,
}

impl MailboxStore {
    /// Opens (creating it if needed) the mailbox in `dir`, reads what it holds, and deletes
    /// letters past the age limit at `now` and files that are not letters of this form.
    pub fn open(dir: &Path, limits: MailboxLimits, now: u64) -> std::io::Result<MailboxStore> {
        create_private_dir(dir)?;
        let mut store = MailboxStore {
            dir: dir.to_path_buf(),
            limits,
            boxes: BTreeMap::new(),
            per_sender: HashMap::new(),
            cards: HashMap::new(),
        };
        if let Ok(entries) = fs::read_dir(dir.join(CARDS_DIR)) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(id) = name.to_str().and_then(BoxId::from_hex) else {
                    continue;
                };
                if let Ok(bytes) = fs::read(entry.path()) {
                    if bytes.len() == livret_core::seal::MAILBOX_CARD_BYTES {
                        store.cards.insert(id, bytes);
                    }
                }
            }
        }
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(id) = name.to_str().and_then(BoxId::from_hex) else {
                continue;
            };
            if !entry.file_type()?.is_dir() {
                continue;
            }
            for file in fs::read_dir(entry.path())? {
                let file = file?;
                let path = file.path();
                match read_meta(&path) {
                    Some(meta) => {
                        *store.per_sender.entry(meta.sender).or_default() += meta.size;
                        store.boxes.entry(id).or_default().push(meta);
                    }
                    // A half-written temporary file or anything else: not a letter.
                    None => {
                        let _ = fs::remove_file(&path);
                    }
                }
            }
        }
        for letters in store.boxes.values_mut() {
            letters.sort_by_key(|m| (m.deposited_at, m.hash));
        }
        store.expire(now);
        Ok(store)
    }

    /// The bounds in force.
    pub fn limits(&self) -> MailboxLimits {
        self.limits
    }

    /// Keeps `sealed` for `recipient`, deposited by `sender` (its box id: the relay knows the
    /// depositing device's key from the connection). Depositing the same letter twice keeps
    /// one copy.
    pub fn deposit(
        &mut self,
        recipient: BoxId,
        sender: BoxId,
        sealed: &[u8],
        now: u64,
    ) -> Result<[u8; 32], MailboxRefusal> {
        if sealed.len() > self.limits.max_letter_bytes || sealed.is_empty() {
            return Err(MailboxRefusal::LetterTooLarge);
        }
        let hash = letter_hash(sealed);
        let size = sealed.len() as u64;
        let letters = self.boxes.get(&recipient);
        if letters.is_some_and(|l| l.iter().any(|m| m.hash == hash)) {
            return Ok(hash);
        }
        if letters.is_none() && self.boxes.len() >= self.limits.max_boxes {
            return Err(MailboxRefusal::TooManyBoxes);
        }
        let held: u64 = letters.map_or(0, |l| l.iter().map(|m| m.size).sum());
        if letters.map_or(0, Vec::len) >= self.limits.max_letters_per_recipient {
            return Err(MailboxRefusal::TooManyLetters);
        }
        if held.saturating_add(size) > self.limits.max_bytes_per_recipient {
            return Err(MailboxRefusal::RecipientFull);
        }
        let sent = self.per_sender.get(&sender).copied().unwrap_or(0);
        if sent.saturating_add(size) > self.limits.max_bytes_per_sender {
            return Err(MailboxRefusal::SenderOverQuota);
        }
        let dir = self.dir.join(recipient.to_hex());
        let name = format!("{now:020}-{}.{LETTER_EXT}", hex_of(&hash));
        write_letter(&dir, &name, &sender, sealed).map_err(|e| {
            tracing::warn!("mailbox: could not store a letter: {e}");
            MailboxRefusal::Storage
        })?;
        *self.per_sender.entry(sender).or_default() += size;
        self.boxes.entry(recipient).or_default().push(Meta {
            hash,
            sender,
            deposited_at: now,
            size,
        });
        Ok(hash)
    }

    /// The letters waiting for `recipient`, oldest first, at most `max_bytes` of them in all
    /// (at least one if any waits). They stay until acknowledged.
    pub fn pending(&self, recipient: &BoxId, max_bytes: u64) -> Vec<StoredLetter> {
        let mut out = Vec::new();
        let mut total = 0u64;
        for meta in self.boxes.get(recipient).into_iter().flatten() {
            if !out.is_empty() && total.saturating_add(meta.size) > max_bytes {
                break;
            }
            match fs::read(self.path_of(recipient, meta)) {
                Ok(bytes) if bytes.len() > 32 => {
                    total += meta.size;
                    out.push(StoredLetter {
                        hash: meta.hash,
                        deposited_at: meta.deposited_at,
                        sealed: bytes[32..].to_vec(),
                    });
                }
                Ok(_) | Err(_) => {
                    tracing::warn!("mailbox: a letter file could not be read");
                }
            }
        }
        out
    }

    /// Deletes the letters of `recipient` whose hashes are given (fetched and received);
    /// returns how many were deleted. Hashes it does not hold are ignored.
    pub fn acknowledge(&mut self, recipient: &BoxId, hashes: &[[u8; 32]]) -> usize {
        let Some(letters) = self.boxes.get_mut(recipient) else {
            return 0;
        };
        let mut gone = Vec::new();
        letters.retain(|m| {
            if hashes.contains(&m.hash) {
                gone.push(m.clone());
                false
            } else {
                true
            }
        });
        let n = gone.len();
        for meta in gone {
            self.forget(recipient, &meta);
        }
        self.drop_empty(recipient);
        n
    }

    /// Deletes every letter older than the age limit at `now`; returns how many.
    pub fn expire(&mut self, now: u64) -> usize {
        let max_age = self.limits.max_age_secs();
        let mut gone = Vec::new();
        for (id, letters) in &mut self.boxes {
            letters.retain(|m| {
                if now.saturating_sub(m.deposited_at) > max_age {
                    gone.push((*id, m.clone()));
                    false
                } else {
                    true
                }
            });
        }
        let n = gone.len();
        let mut touched = Vec::new();
        for (id, meta) in gone {
            self.forget(&id, &meta);
            touched.push(id);
        }
        for id in touched {
            self.drop_empty(&id);
        }
        n
    }

    /// Boxes, letters and bytes held now.
    pub fn usage(&self) -> MailboxUsage {
        let mut usage = MailboxUsage::default();
        for letters in self.boxes.values() {
            usage.boxes += 1;
            usage.letters += letters.len();
            usage.bytes += letters.iter().map(|m| m.size).sum::<u64>();
        }
        usage
    }

    /// Keeps the mailbox card of the device whose box is `owner`. The caller checked that the
    /// card is the device's (signature, key), and that the device itself publishes it.
    pub fn put_card(&mut self, owner: BoxId, card: &[u8]) -> Result<(), MailboxRefusal> {
        if self.cards.get(&owner).is_some_and(|c| c == card) {
            return Ok(());
        }
        if !self.cards.contains_key(&owner) && self.cards.len() >= self.limits.max_boxes {
            return Err(MailboxRefusal::TooManyBoxes);
        }
        let dir = self.dir.join(CARDS_DIR);
        write_file(&dir, &owner.to_hex(), card).map_err(|e| {
            tracing::warn!("mailbox: could not store a card: {e}");
            MailboxRefusal::Storage
        })?;
        self.cards.insert(owner, card.to_vec());
        Ok(())
    }

    /// The card published for `owner`'s box, if any.
    pub fn card(&self, owner: &BoxId) -> Option<Vec<u8>> {
        self.cards.get(owner).cloned()
    }

    /// Letters waiting for `recipient`.
    pub fn waiting(&self, recipient: &BoxId) -> usize {
        self.boxes.get(recipient).map_or(0, Vec::len)
    }

    fn path_of(&self, recipient: &BoxId, meta: &Meta) -> PathBuf {
        self.dir.join(recipient.to_hex()).join(format!(
            "{:020}-{}.{LETTER_EXT}",
            meta.deposited_at,
            hex_of(&meta.hash)
        ))
    }

    fn forget(&mut self, recipient: &BoxId, meta: &Meta) {
        if let Err(e) = fs::remove_file(self.path_of(recipient, meta)) {
            tracing::warn!("mailbox: could not delete a letter: {e}");
        }
        if let Some(n) = self.per_sender.get_mut(&meta.sender) {
            *n = n.saturating_sub(meta.size);
            if *n == 0 {
                self.per_sender.remove(&meta.sender);
            }
        }
    }

    fn drop_empty(&mut self, recipient: &BoxId) {
        if self.boxes.get(recipient).is_some_and(Vec::is_empty) {
            self.boxes.remove(recipient);
            let _ = fs::remove_dir(self.dir.join(recipient.to_hex()));
        }
    }
}

/// The hash that names a letter: SHA-256 of its sealed bytes.
pub fn letter_hash(sealed: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(sealed).into()
}

fn hex_of(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes a letter file whole or not at all.
fn write_letter(dir: &Path, name: &str, sender: &BoxId, sealed: &[u8]) -> std::io::Result<()> {
    let mut bytes = Vec::with_capacity(32 + sealed.len());
    bytes.extend_from_slice(&sender.0);
    bytes.extend_from_slice(sealed);
    write_file(dir, name, &bytes)
}

/// Writes a file whole or not at all: a temporary file, synced, then renamed.
fn write_file(dir: &Path, name: &str, content: &[u8]) -> std::io::Result<()> {
    create_private_dir(dir)?;
    let tmp = dir.join(format!("{name}.tmp"));
    {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp)?;
        f.write_all(content)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, dir.join(name))
}

/// The operator's account alone reads the mailbox (sizes and times are metadata too).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// A letter file's index entry from its name and size; `None` if it is not one.
fn read_meta(path: &Path) -> Option<Meta> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(&format!(".{LETTER_EXT}"))?;
    let (time, hash) = stem.split_once('-')?;
    let deposited_at: u64 = time.parse().ok()?;
    let mut h = [0u8; 32];
    if hash.len() != 64 {
        return None;
    }
    for (i, byte) in h.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hash.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    let bytes = fs::read(path).ok()?;
    if bytes.len() <= 32 || letter_hash(&bytes[32..]) != h {
        return None;
    }
    let mut sender = [0u8; 32];
    sender.copy_from_slice(&bytes[..32]);
    Some(Meta {
        hash: h,
        sender: BoxId(sender),
        deposited_at,
        size: (bytes.len() - 32) as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_790_000_000;

    fn tempdir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "livret-mailbox-{name}-{}-{}",
            std::process::id(),
            NOW
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn b(n: u8) -> BoxId {
        BoxId([n; 32])
    }

    fn small() -> MailboxLimits {
        MailboxLimits {
            max_age_days: 14,
            max_bytes_per_recipient: 1000,
            max_bytes_per_sender: 1500,
            max_letters_per_recipient: 4,
            max_letter_bytes: 600,
            max_boxes: 3,
        }
    }

    #[test]
    fn a_letter_waits_until_acknowledged_and_survives_a_restart() {
        let dir = tempdir("ack");
        let mut store = MailboxStore::open(&dir, small(), NOW).unwrap();
        let hash = store.deposit(b(1), b(2), b"sealed-1", NOW).unwrap();
        // The same letter twice is kept once.
        assert_eq!(store.deposit(b(1), b(2), b"sealed-1", NOW + 1), Ok(hash));
        assert_eq!(store.waiting(&b(1)), 1);
        assert!(store.pending(&b(2), u64::MAX).is_empty());
        drop(store);
        let mut store = MailboxStore::open(&dir, small(), NOW + 60).unwrap();
        let pending = store.pending(&b(1), u64::MAX);
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].sealed, b"sealed-1");
        assert_eq!(pending[0].deposited_at, NOW);
        // Another box's acknowledgement deletes nothing.
        assert_eq!(store.acknowledge(&b(3), &[hash]), 0);
        assert_eq!(store.acknowledge(&b(1), &[hash]), 1);
        assert_eq!(store.usage(), MailboxUsage::default());
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            0,
            "nothing left on disk"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn every_bound_is_refused_with_its_reason() {
        let dir = tempdir("bounds");
        let mut store = MailboxStore::open(&dir, small(), NOW).unwrap();
        assert_eq!(
            store.deposit(b(1), b(9), &[0u8; 601], NOW),
            Err(MailboxRefusal::LetterTooLarge)
        );
        assert_eq!(
            store.deposit(b(1), b(9), &[], NOW),
            Err(MailboxRefusal::LetterTooLarge)
        );
        // Per recipient, bytes: 2 × 500 fit, a third does not.
        store.deposit(b(1), b(9), &[1u8; 500], NOW).unwrap();
        store.deposit(b(1), b(8), &[2u8; 500], NOW).unwrap();
        assert_eq!(
            store.deposit(b(1), b(7), &[3u8; 10], NOW),
            Err(MailboxRefusal::RecipientFull)
        );
        // Per sender, across boxes: sender 9 has 500, may add 1000 more, not 1001.
        store.deposit(b(2), b(9), &[4u8; 600], NOW).unwrap();
        store.deposit(b(3), b(9), &[5u8; 400], NOW).unwrap();
        assert_eq!(
            store.deposit(b(3), b(9), &[6u8; 1], NOW),
            Err(MailboxRefusal::SenderOverQuota)
        );
        // Boxes in all.
        assert_eq!(
            store.deposit(b(4), b(6), &[7u8; 1], NOW),
            Err(MailboxRefusal::TooManyBoxes)
        );
        // Letters per box.
        for i in 0..3u8 {
            store.deposit(b(3), b(5), &[10 + i], NOW).unwrap();
        }
        assert_eq!(
            store.deposit(b(3), b(5), &[20u8], NOW),
            Err(MailboxRefusal::TooManyLetters)
        );
        // Once fetched and acknowledged, the sender's quota is free again.
        let hashes: Vec<_> = store
            .pending(&b(2), u64::MAX)
            .iter()
            .map(|l| l.hash)
            .collect();
        store.acknowledge(&b(2), &hashes);
        store.deposit(b(2), b(9), &[6u8; 1], NOW).unwrap();
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn letters_older_than_the_limit_are_gone_at_start_and_when_expired() {
        let dir = tempdir("age");
        let day = 24 * 60 * 60;
        let mut store = MailboxStore::open(&dir, small(), NOW).unwrap();
        store.deposit(b(1), b(2), b"old", NOW).unwrap();
        store.deposit(b(1), b(2), b"new", NOW + 10 * day).unwrap();
        assert_eq!(store.expire(NOW + 14 * day), 0, "exactly 14 days is kept");
        assert_eq!(store.expire(NOW + 14 * day + 1), 1);
        let left = store.pending(&b(1), u64::MAX);
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].sealed, b"new");
        drop(store);
        let store = MailboxStore::open(&dir, small(), NOW + 25 * day).unwrap();
        assert_eq!(store.usage(), MailboxUsage::default());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn stray_and_altered_files_are_not_served() {
        let dir = tempdir("stray");
        let mut store = MailboxStore::open(&dir, small(), NOW).unwrap();
        store.deposit(b(1), b(2), b"letter", NOW).unwrap();
        let boxdir = dir.join(b(1).to_hex());
        fs::write(boxdir.join("junk.letter.tmp"), b"half").unwrap();
        let file = fs::read_dir(&boxdir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == LETTER_EXT))
            .unwrap();
        let mut bytes = fs::read(&file).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        fs::write(&file, bytes).unwrap();
        drop(store);
        let store = MailboxStore::open(&dir, small(), NOW).unwrap();
        assert!(store.pending(&b(1), u64::MAX).is_empty());
        assert_eq!(fs::read_dir(&boxdir).unwrap().count(), 0);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_fetch_is_bounded_in_bytes_but_never_empty_when_letters_wait() {
        let dir = tempdir("fetch");
        let mut store = MailboxStore::open(&dir, small(), NOW).unwrap();
        store.deposit(b(1), b(2), &[1u8; 300], NOW).unwrap();
        store.deposit(b(1), b(2), &[2u8; 300], NOW + 1).unwrap();
        assert_eq!(store.pending(&b(1), 10).len(), 1);
        assert_eq!(store.pending(&b(1), 600).len(), 2);
        let _ = fs::remove_dir_all(&dir);
    }
}
