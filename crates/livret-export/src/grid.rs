//! A teacher's grid of bilans as a spreadsheet (CSV, ODS or XLSX): one row per pupil and
//! subject, read into plain rows with their line and column, for the application to match and
//! check. Nothing here decides what is valid in a livret; it only reads cells and names the
//! place of what it cannot read.
//!
//! The columns, found by their header on the first row (case, accents and spaces ignored):
//! `élève` (the pupil's name) and/or `id-be`, `matière` (a code such as `FRANCS` or a label such
//! as `Français`; `synthèse` for the period's synthesis), `positionnement` (1 to 4) or `note`,
//! and `appréciation`. Other columns are ignored and reported.

use std::io::Cursor;

use calamine::{Data, Reader};

/// The largest grid file read.
pub const MAX_GRID_BYTES: usize = 8 * 1024 * 1024;
/// The most rows read (a class of 40 pupils × 30 subjects is 1,200).
pub const MAX_GRID_ROWS: usize = 10_000;
/// The most characters in one cell (an appréciation is at most 600; a synthesis 1,000).
pub const MAX_CELL_CHARS: usize = 5_000;

/// The spreadsheet formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GridFormat {
    /// Comma- or semicolon-separated text, UTF-8 (or Windows-1252, as French spreadsheets
    /// often save it).
    Csv,
    /// OpenDocument spreadsheet (LibreOffice).
    Ods,
    /// Office Open XML spreadsheet (Excel).
    Xlsx,
}

impl GridFormat {
    /// The format a file name says (`.csv`, `.ods`, `.xlsx`).
    pub fn from_file_name(name: &str) -> Option<GridFormat> {
        let lower = name.to_lowercase();
        if lower.ends_with(".csv") {
            Some(GridFormat::Csv)
        } else if lower.ends_with(".ods") {
            Some(GridFormat::Ods)
        } else if lower.ends_with(".xlsx") {
            Some(GridFormat::Xlsx)
        } else {
            None
        }
    }
}

/// A column the grid reader knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GridColumn {
    /// The pupil's name.
    Pupil,
    /// The pupil's SIECLE id-be.
    IdBe,
    /// The subject (code or label), or `synthèse`.
    Subject,
    /// The positioning, 1 to 4.
    Level,
    /// The mark.
    Mark,
    /// The appréciation.
    Appreciation,
}

impl GridColumn {
    /// The column's French header, as the grid's documentation gives it.
    pub fn header(self) -> &'static str {
        match self {
            GridColumn::Pupil => "élève",
            GridColumn::IdBe => "id-be",
            GridColumn::Subject => "matière",
            GridColumn::Level => "positionnement",
            GridColumn::Mark => "note",
            GridColumn::Appreciation => "appréciation",
        }
    }

    fn from_header(h: &str) -> Option<GridColumn> {
        match fold(h).as_str() {
            "eleve" | "nom" | "nom de l'eleve" | "nom eleve" | "pupil" | "name" => {
                Some(GridColumn::Pupil)
            }
            "id-be" | "idbe" | "id be" => Some(GridColumn::IdBe),
            "matiere" | "discipline" | "subject" | "code" | "code matiere" => {
                Some(GridColumn::Subject)
            }
            "positionnement" | "niveau" | "level" => Some(GridColumn::Level),
            "note" | "mark" | "moyenne" => Some(GridColumn::Mark),
            "appreciation" | "appreciations" | "commentaire" => Some(GridColumn::Appreciation),
            _ => None,
        }
    }
}

/// A place in the grid: 1-based line (as the spreadsheet shows it) and column letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRef {
    /// The line, from 1 (the header is line 1).
    pub line: usize,
    /// The column letter (`A`, `B`… `AA`).
    pub column: String,
}

impl std::fmt::Display for CellRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.column, self.line)
    }
}

/// One row of the grid: a pupil, a subject and what is said of it, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridRow {
    /// Its line (the header is line 1).
    pub line: usize,
    /// The pupil's name, if the column exists and the cell is not empty.
    pub pupil: Option<String>,
    /// The pupil's id-be, as typed.
    pub id_be: Option<String>,
    /// The subject, as typed.
    pub subject: String,
    /// The positioning, as typed.
    pub level: Option<String>,
    /// The mark, as typed.
    pub mark: Option<String>,
    /// The appréciation (may be empty).
    pub text: String,
    /// Where each column of this row is, for messages.
    columns: Vec<(GridColumn, String)>,
}

impl GridRow {
    /// The place of a column in this row (for a message about it).
    pub fn place(&self, column: GridColumn) -> CellRef {
        let letter = self
            .columns
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, l)| l.clone())
            .unwrap_or_default();
        CellRef {
            line: self.line,
            column: letter,
        }
    }
}

/// The grid read: its rows, and the headers it did not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// The rows with a subject (blank rows are skipped).
    pub rows: Vec<GridRow>,
    /// Headers of columns that were ignored.
    pub ignored_columns: Vec<String>,
}

/// Why a grid file cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GridError {
    /// The file is larger than [`MAX_GRID_BYTES`].
    #[error("fichier trop gros : {0} octets (au plus {max})", max = MAX_GRID_BYTES)]
    TooLarge(usize),
    /// More rows than [`MAX_GRID_ROWS`].
    #[error("trop de lignes : {0} (au plus {max})", max = MAX_GRID_ROWS)]
    TooManyRows(usize),
    /// The bytes are not a spreadsheet of the format said.
    #[error("fichier illisible ({format}) : {detail}")]
    Unreadable {
        /// The format tried.
        format: &'static str,
        /// What the reader said.
        detail: String,
    },
    /// The file has no sheet or no row.
    #[error("le fichier ne contient aucune ligne")]
    Empty,
    /// A needed column is missing from the header.
    #[error("colonne « {0} » absente de la première ligne")]
    MissingColumn(&'static str),
    /// A column appears twice in the header.
    #[error("colonne « {0} » présente deux fois dans la première ligne")]
    DuplicateColumn(&'static str),
    /// A cell too long to be anything of a livret.
    #[error("cellule {0} : plus de {max} caractères", max = MAX_CELL_CHARS)]
    CellTooLong(String),
}

impl GridError {
    /// The message in English.
    pub fn english(&self) -> String {
        match self {
            GridError::TooLarge(n) => {
                format!("file too large: {n} bytes (at most {MAX_GRID_BYTES})")
            }
            GridError::TooManyRows(n) => format!("too many rows: {n} (at most {MAX_GRID_ROWS})"),
            GridError::Unreadable { format, detail } => {
                format!("unreadable file ({format}): {detail}")
            }
            GridError::Empty => "the file holds no row".into(),
            GridError::MissingColumn(c) => format!("column \"{c}\" missing from the first row"),
            GridError::DuplicateColumn(c) => {
                format!("column \"{c}\" appears twice in the first row")
            }
            GridError::CellTooLong(at) => {
                format!("cell {at}: more than {MAX_CELL_CHARS} characters")
            }
        }
    }
}

/// Lower case, accents removed, blanks squeezed: how headers and labels are compared.
pub fn fold(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        let c = match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'î' | 'ï' | 'Î' | 'Ï' => 'i',
            'ô' | 'ö' | 'Ô' | 'Ö' => 'o',
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            '’' => '\'',
            c => c,
        };
        out.extend(c.to_lowercase());
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The column letter of a 0-based index (`A`, … `Z`, `AA`…).
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

/// Reads a grid file.
pub fn read(bytes: &[u8], format: GridFormat) -> Result<Grid, GridError> {
    if bytes.len() > MAX_GRID_BYTES {
        return Err(GridError::TooLarge(bytes.len()));
    }
    let table = match format {
        GridFormat::Csv => read_csv(bytes)?,
        GridFormat::Ods | GridFormat::Xlsx => read_workbook(bytes, format)?,
    };
    rows(table)
}

fn unreadable(format: GridFormat, detail: impl std::fmt::Display) -> GridError {
    GridError::Unreadable {
        format: match format {
            GridFormat::Csv => "CSV",
            GridFormat::Ods => "ODS",
            GridFormat::Xlsx => "XLSX",
        },
        detail: detail.to_string().chars().take(200).collect(),
    }
}

/// Rows of cells as text, each with its line as the spreadsheet numbers it.
type Table = Vec<(usize, Vec<String>)>;

fn read_csv(bytes: &[u8]) -> Result<Table, GridError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // French spreadsheets save CSV as UTF-8 or as Windows-1252.
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(_) => {
            let (t, _, had_errors) = encoding_rs::WINDOWS_1252.decode(bytes);
            if had_errors {
                return Err(unreadable(GridFormat::Csv, "encodage inconnu"));
            }
            t.into_owned()
        }
    };
    // The separator: the one of `;`, `,` and tab found most on the first line with text.
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let delimiter = [b';', b',', b'\t']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b';');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(Cursor::new(text.as_bytes()));
    let mut table = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| unreadable(GridFormat::Csv, e))?;
        // The line where the record starts, counted on the text (the reader's own count
        // skips blank lines).
        let line = record.position().map_or(table.len() + 1, |p| {
            let bytes = text.as_bytes();
            let mut at = (p.byte() as usize).min(bytes.len());
            // A record after blank lines starts, for the reader, at the first of them.
            while at < bytes.len() && (bytes[at] == b'\n' || bytes[at] == b'\r') {
                at += 1;
            }
            bytes[..at].iter().filter(|b| **b == b'\n').count() + 1
        });
        table.push((line, record.iter().map(str::to_string).collect()));
        if table.len() > MAX_GRID_ROWS + 1 {
            return Err(GridError::TooManyRows(table.len() - 1));
        }
    }
    Ok(table)
}

fn read_workbook(bytes: &[u8], format: GridFormat) -> Result<Table, GridError> {
    let cursor = Cursor::new(bytes.to_vec());
    let range = match format {
        GridFormat::Ods => {
            let mut book: calamine::Ods<_> =
                calamine::open_workbook_from_rs(cursor).map_err(|e| unreadable(format, e))?;
            book.worksheet_range_at(0)
                .ok_or(GridError::Empty)?
                .map_err(|e| unreadable(format, e))?
        }
        _ => {
            let mut book: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(cursor).map_err(|e| unreadable(format, e))?;
            book.worksheet_range_at(0)
                .ok_or(GridError::Empty)?
                .map_err(|e| unreadable(format, e))?
        }
    };
    let (height, _) = range.get_size();
    if height > MAX_GRID_ROWS + 1 {
        return Err(GridError::TooManyRows(height - 1));
    }
    // Lines as the spreadsheet numbers them: the range may start below line 1.
    let start = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| (start + i + 1, row.iter().map(cell_text).collect()))
        .collect())
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // A positioning typed as 3 is stored as 3.0; a mark keeps its decimals, written the
        // French way.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => format!("{f}").replace('.', ","),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

fn rows(table: Table) -> Result<Grid, GridError> {
    // The header is the first non-empty line.
    let Some(header_at) = table
        .iter()
        .position(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
    else {
        return Err(GridError::Empty);
    };
    let mut columns: Vec<(GridColumn, usize)> = Vec::new();
    let mut ignored_columns = Vec::new();
    for (i, h) in table[header_at].1.iter().enumerate() {
        if h.trim().is_empty() {
            continue;
        }
        match GridColumn::from_header(h) {
            Some(c) if columns.iter().any(|(k, _)| *k == c) => {
                return Err(GridError::DuplicateColumn(c.header()))
            }
            Some(c) => columns.push((c, i)),
            None => ignored_columns.push(h.trim().chars().take(100).collect()),
        }
    }
    let has = |c: GridColumn| columns.iter().any(|(k, _)| *k == c);
    if !has(GridColumn::Pupil) && !has(GridColumn::IdBe) {
        return Err(GridError::MissingColumn(GridColumn::Pupil.header()));
    }
    if !has(GridColumn::Subject) {
        return Err(GridError::MissingColumn(GridColumn::Subject.header()));
    }
    if !has(GridColumn::Level) && !has(GridColumn::Mark) && !has(GridColumn::Appreciation) {
        return Err(GridError::MissingColumn(GridColumn::Appreciation.header()));
    }
    let letters: Vec<(GridColumn, String)> = columns
        .iter()
        .map(|(c, i)| (*c, column_letter(*i)))
        .collect();
    let mut out = Vec::new();
    for (line, row) in table.iter().skip(header_at + 1) {
        let line = *line;
        let get = |c: GridColumn| -> Result<Option<String>, GridError> {
            let Some((_, i)) = columns.iter().find(|(k, _)| *k == c) else {
                return Ok(None);
            };
            let v = row.get(*i).map(|s| s.trim()).unwrap_or_default();
            if v.chars().count() > MAX_CELL_CHARS {
                return Err(GridError::CellTooLong(format!(
                    "{}{line}",
                    column_letter(*i)
                )));
            }
            Ok((!v.is_empty()).then(|| v.to_string()))
        };
        let pupil = get(GridColumn::Pupil)?;
        let id_be = get(GridColumn::IdBe)?;
        let subject = get(GridColumn::Subject)?;
        let level = get(GridColumn::Level)?;
        let mark = get(GridColumn::Mark)?;
        let text = get(GridColumn::Appreciation)?;
        let blank = pupil.is_none()
            && id_be.is_none()
            && subject.is_none()
            && level.is_none()
            && mark.is_none()
            && text.is_none();
        if blank {
            continue;
        }
        out.push(GridRow {
            line,
            pupil,
            id_be,
            subject: subject.unwrap_or_default(),
            level,
            mark,
            text: text.unwrap_or_default(),
            columns: letters.clone(),
        });
    }
    Ok(Grid {
        rows: out,
        ignored_columns,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn csv_with_semicolons_and_windows_1252_reads() {
        let text = "Élève;Matière;Positionnement;Appréciation;Remarque\n\
                    Lina Moreau;FRANCS;3;Bon travail, continue.;x\n\
                    \n\
                    Lina Moreau;Mathématiques;;Des progrès;\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        let grid = read(&bytes, GridFormat::Csv).unwrap();
        assert_eq!(grid.ignored_columns, vec!["Remarque"]);
        assert_eq!(grid.rows.len(), 2);
        assert_eq!(grid.rows[0].line, 2);
        assert_eq!(grid.rows[0].pupil.as_deref(), Some("Lina Moreau"));
        assert_eq!(grid.rows[0].level.as_deref(), Some("3"));
        assert_eq!(grid.rows[0].text, "Bon travail, continue.");
        assert_eq!(grid.rows[1].line, 4);
        assert_eq!(grid.rows[1].subject, "Mathématiques");
        assert_eq!(grid.rows[1].place(GridColumn::Level).to_string(), "C4");
    }

    #[test]
    fn bad_files_are_refused_with_a_message() {
        assert_eq!(
            read(b"nom;positionnement\nLina;3\n", GridFormat::Csv),
            Err(GridError::MissingColumn("matière"))
        );
        assert_eq!(
            read(b"eleve;matiere;note;Note\n", GridFormat::Csv),
            Err(GridError::DuplicateColumn("note"))
        );
        assert_eq!(read(b"  \n;;\n;\n", GridFormat::Csv), Err(GridError::Empty));
        assert!(matches!(
            read(b"PK\x03\x04 not a zip", GridFormat::Xlsx),
            Err(GridError::Unreadable { .. })
        ));
        assert!(matches!(
            read(b"garbage", GridFormat::Ods),
            Err(GridError::Unreadable { .. })
        ));
        let big = vec![b'a'; MAX_GRID_BYTES + 1];
        assert_eq!(
            read(&big, GridFormat::Csv),
            Err(GridError::TooLarge(MAX_GRID_BYTES + 1))
        );
        let long = format!(
            "eleve;matiere;appreciation\nA;FRANCS;{}\n",
            "x".repeat(6000)
        );
        assert_eq!(
            read(long.as_bytes(), GridFormat::Csv),
            Err(GridError::CellTooLong("C2".into()))
        );
        let mut many = String::from("eleve;matiere;note\n");
        for _ in 0..=MAX_GRID_ROWS {
            many.push_str("A;FRANCS;12\n");
        }
        assert!(matches!(
            read(many.as_bytes(), GridFormat::Csv),
            Err(GridError::TooManyRows(_))
        ));
    }

    #[test]
    fn xlsx_and_ods_files_read_like_csv() {
        // An XLSX written by another program (rust_xlsxwriter), with numbers as numbers.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["Élève", "id-be", "Matière", "Note", "Appréciation"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        sheet.write_string(1, 0, "Lina Moreau").unwrap();
        sheet.write_number(1, 1, 1234.0).unwrap();
        sheet.write_string(1, 2, "MATHEM").unwrap();
        sheet.write_number(1, 3, 14.5).unwrap();
        sheet.write_string(1, 4, "Très bien.").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let grid = read(&bytes, GridFormat::Xlsx).unwrap();
        assert_eq!(grid.rows.len(), 1);
        let r = &grid.rows[0];
        assert_eq!(r.id_be.as_deref(), Some("1234"));
        assert_eq!(r.mark.as_deref(), Some("14,5"));
        assert_eq!(r.text, "Très bien.");

        // An ODS, as LibreOffice stores it (a zip with content.xml).
        let ods = ods_file(&[
            &["élève", "matière", "positionnement", "appréciation"],
            &["Lina Moreau", "FRANCS", "4", "Excellent trimestre."],
        ]);
        let grid = read(&ods, GridFormat::Ods).unwrap();
        assert_eq!(grid.rows.len(), 1);
        assert_eq!(grid.rows[0].level.as_deref(), Some("4"));
        assert_eq!(grid.rows[0].subject, "FRANCS");
    }

    /// A minimal OpenDocument spreadsheet holding these rows of strings.
    pub fn ods_file(rows: &[&[&str]]) -> Vec<u8> {
        use std::io::Write;
        let mut body = String::new();
        for r in rows {
            body.push_str("<table:table-row>");
            for c in *r {
                body.push_str(&format!(
                    "<table:table-cell office:value-type=\"string\"><text:p>{c}</text:p></table:table-cell>"
                ));
            }
            body.push_str("</table:table-row>");
        }
        let content = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\">\
<office:body><office:spreadsheet><table:table table:name=\"Bilans\">{body}</table:table>\
</office:spreadsheet></office:body></office:document-content>"
        );
        let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">\
<manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
</manifest:manifest>";
        let mut out = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut out);
            let stored = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            zip.start_file("mimetype", stored).unwrap();
            zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
                .unwrap();
            let deflated = zip::write::SimpleFileOptions::default();
            zip.start_file("META-INF/manifest.xml", deflated).unwrap();
            zip.write_all(manifest.as_bytes()).unwrap();
            zip.start_file("content.xml", deflated).unwrap();
            zip.write_all(content.as_bytes()).unwrap();
            zip.finish().unwrap();
        }
        out.into_inner()
    }
}
