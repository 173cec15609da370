//! Small helpers of the front end: bilingual messages, printing, files written whole.

use std::io::Write;
use std::path::{Path, PathBuf};

use livret::core::vocab::ValidationError;
use livret::core::{CoreError, Lang, Localized};

/// A formatted message in French or English: `tr!(lang, "fr {x}", "en {x}")`.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $fr:literal, $en:literal $(,)?) => {
        match $lang {
            livret::core::Lang::Fr => format!($fr),
            livret::core::Lang::En => format!($en),
        }
    };
}

/// Prints one line on stdout (a closed pipe is not an error worth a panic).
#[macro_export]
macro_rules! outln {
    () => {
        $crate::util::print_line("")
    };
    ($($arg:tt)*) => {
        $crate::util::print_line(&format!($($arg)*))
    };
}

/// Writes `text` and a newline to stdout, ignoring a closed pipe.
pub fn print_line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// Asks a yes/no question on stderr and reads the answer from stdin: « o », « oui », « y » or
/// « yes » is yes; anything else, and the end of input, is no (the safe answer).
pub fn ask_yes(question: &str) -> std::io::Result<bool> {
    use std::io::BufRead;
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(
        line.trim().to_lowercase().as_str(),
        "o" | "oui" | "y" | "yes"
    ))
}

/// A message of the front end itself, in both languages.
#[derive(Debug)]
pub struct Msg {
    fr: String,
    en: String,
}

impl Msg {
    /// A message given in both languages.
    pub fn new(fr: impl Into<String>, en: impl Into<String>) -> Msg {
        Msg {
            fr: fr.into(),
            en: en.into(),
        }
    }
}

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.fr)
    }
}

impl std::error::Error for Msg {}

impl Localized for Msg {
    fn localized(&self, lang: Lang) -> String {
        lang.pick(&self.fr, &self.en).to_string()
    }
}

/// Fails with a bilingual message.
pub fn fail<T>(fr: impl Into<String>, en: impl Into<String>) -> anyhow::Result<T> {
    Err(Msg::new(fr, en).into())
}

/// Fails with a bilingual message unless `cond` holds.
pub fn ensure(cond: bool, fr: impl Into<String>, en: impl Into<String>) -> anyhow::Result<()> {
    if cond {
        Ok(())
    } else {
        fail(fr, en)
    }
}

/// The message of any error reaching the edge, in `lang`, on one line.
pub fn localize(err: &anyhow::Error, lang: Lang) -> String {
    let text = if let Some(e) = err.downcast_ref::<livret::Error>() {
        e.localized(lang)
    } else if let Some(e) = err.downcast_ref::<Msg>() {
        e.localized(lang)
    } else if let Some(e) = err.downcast_ref::<CoreError>() {
        e.localized(lang)
    } else if let Some(e) = err.downcast_ref::<ValidationError>() {
        e.localized(lang)
    } else {
        err.to_string()
    };
    one_line(&text)
}

/// Joins the lines of a text with spaces.
pub fn one_line(text: &str) -> String {
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first 8 characters of a device id, as shown to people.
pub fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

/// Whether a multiaddr (as text) is a loopback address.
pub fn is_loopback(addr: &str) -> bool {
    addr.starts_with("/ip4/127.") || addr.starts_with("/ip6/::1/")
}

/// Pretty JSON of a value, on stdout.
pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    print_line(&text);
    Ok(())
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> livret::Error {
    livret::Error::File {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

/// A file written whole or not at all: a temporary file beside its destination, renamed into
/// place once complete. Dropped without [`AtomicFile::commit`], it leaves nothing behind.
pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
}

impl AtomicFile {
    /// Prepares the temporary file (this checks early that the directory is writable).
    pub fn create(dest: &Path) -> livret::Result<AtomicFile> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".livret-")
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| file_error(dest, e))?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// Writes `bytes`, syncs them to disk and renames the file into place.
    pub fn commit(mut self, bytes: &[u8]) -> livret::Result<()> {
        let dest = self.dest.clone();
        self.tmp
            .write_all(bytes)
            .and_then(|_| self.tmp.as_file().sync_all())
            .map_err(|e| file_error(&dest, e))?;
        self.tmp
            .persist(&dest)
            .map_err(|e| file_error(&dest, e.error))?;
        Ok(())
    }
}
