//! Checks made before a file is sent: the types the service takes, their size, and
//! the rows of CSV and XML files (counted, and broken ones named by line).

use crate::{Error, Result};

/// Largest file the service takes: 2 MB.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;
/// Most data rows of a contact or historical file.
pub const MAX_RECORD_ROWS: usize = 2000;

/// The file types the service takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    /// Comma (or semicolon) separated values.
    Csv,
    /// Excel 97-2003.
    Xls,
    /// Excel 2007 and later.
    Xlsx,
    /// `<records><record>..</record></records>`.
    Xml,
}

impl FileType {
    /// The type of a file name's extension (any case), if the service takes it.
    pub fn from_name(name: &str) -> Option<FileType> {
        let (_, ext) = name.rsplit_once('.')?;
        match ext.to_ascii_lowercase().as_str() {
            "csv" => Some(FileType::Csv),
            "xls" => Some(FileType::Xls),
            "xlsx" => Some(FileType::Xlsx),
            "xml" => Some(FileType::Xml),
            _ => None,
        }
    }

    /// The MIME type sent with the file.
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Csv => "text/csv",
            FileType::Xls => "application/vnd.ms-excel",
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Xml => "application/xml",
        }
    }
}

pub(super) fn too_large(name: &str, size: u64) -> Error {
    Error::invalid(
        "file",
        format!("{name} has {size} bytes; the service takes at most 2 MB ({MAX_FILE_BYTES} bytes)"),
    )
}

/// Refuses what the service would refuse: another type, a content that does not match
/// its extension, an empty file, more than 2 MB, CSV or XML rows over `max_rows`, CSV rows
/// that cannot be read (named by line) and malformed XML.
pub(crate) fn check_file(name: &str, data: &[u8], max_rows: usize) -> Result<FileType> {
    if name.trim().is_empty() || name.contains(['/', '\\']) || name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "file",
            format!("{name:?} is not a usable file name"),
        ));
    }
    let file_type = FileType::from_name(name).ok_or_else(|| {
        Error::invalid(
            "file",
            format!("{name}: the service takes CSV, XLS, XLSX or XML files (by extension)"),
        )
    })?;
    if data.is_empty() {
        return Err(Error::invalid("file", format!("{name} is empty")));
    }
    let size = data.len() as u64;
    if size > MAX_FILE_BYTES {
        return Err(too_large(name, size));
    }
    let mismatch = |what: &str| Error::invalid("file", format!("{name} does not hold {what}"));
    match file_type {
        FileType::Xlsx if !data.starts_with(b"PK\x03\x04") => {
            return Err(mismatch("an XLSX workbook"));
        }
        FileType::Xls if !data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) => {
            return Err(mismatch("an XLS workbook"));
        }
        FileType::Csv => check_csv(name, data, max_rows)?,
        FileType::Xml => check_xml(name, data, max_rows)?,
        _ => {}
    }
    Ok(file_type)
}

/// How many broken rows an error lists before summarising.
const BROKEN_ROWS_SHOWN: usize = 10;

fn check_csv(name: &str, data: &[u8], max_rows: usize) -> Result<()> {
    let text = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    if text.contains(&0) {
        return Err(Error::invalid("file", format!("{name} is not a text file")));
    }
    // As the service reads it: `;` separates when the header has more of them than `,`.
    let header_line = text.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |c: u8| header_line.iter().filter(|b| **b == c).count();
    let delimiter = if count(b';') > count(b',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text);
    let columns = match reader.byte_headers() {
        Ok(h) => h.len(),
        Err(e) => {
            return Err(Error::invalid(
                "file",
                format!("{name}: the header line cannot be read ({e})"),
            ));
        }
    };
    let mut rows = 0usize;
    let mut broken: Vec<String> = Vec::new();
    let mut lines = LineCounter::new(text);
    for record in reader.byte_records() {
        match record {
            Ok(record) => {
                if record
                    .iter()
                    .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
                {
                    continue;
                }
                rows += 1;
                let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
                if record.len() != columns {
                    broken.push(format!(
                        "line {line}: {} fields, the header has {columns}",
                        record.len()
                    ));
                } else if std::str::from_utf8(record.as_slice()).is_err() {
                    broken.push(format!("line {line}: not UTF-8 text"));
                }
            }
            Err(e) => {
                rows += 1;
                let line = e.position().map_or(0, |p| lines.line_at(p.byte()));
                broken.push(format!("line {line}: {}", csv_problem(&e)));
            }
        }
    }
    if rows == 0 {
        return Err(Error::invalid(
            "file",
            format!("{name} has a header but no data rows"),
        ));
    }
    if rows > max_rows {
        return Err(Error::invalid(
            "file",
            format!("{name} has {rows} data rows; the service takes at most {max_rows}"),
        ));
    }
    if !broken.is_empty() {
        let more = broken.len().saturating_sub(BROKEN_ROWS_SHOWN);
        let mut shown = broken
            .into_iter()
            .take(BROKEN_ROWS_SHOWN)
            .collect::<Vec<_>>()
            .join("; ");
        if more > 0 {
            shown.push_str(&format!("; and {more} more"));
        }
        return Err(Error::invalid(
            "file",
            format!("{name} has rows that cannot be read: {shown}"),
        ));
    }
    Ok(())
}

/// Line numbers of records, counted once through the text: records come in byte
/// order, so each call only counts the newlines since the previous one.
struct LineCounter<'a> {
    text: &'a [u8],
    /// Bytes counted so far, and the newlines among them.
    counted: usize,
    newlines: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        LineCounter {
            text,
            counted: 0,
            newlines: 0,
        }
    }

    /// The 1-based line where the record at a byte offset starts. The csv crate's
    /// positions include the blank lines skipped before a record, and its line count
    /// leaves them out, so both are recounted here.
    fn line_at(&mut self, byte: u64) -> usize {
        let text = self.text;
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(text.len());
        while text.get(start).is_some_and(|b| matches!(b, b'\n' | b'\r')) {
            start += 1;
        }
        if start < self.counted {
            // Not expected (records come in order); count afresh rather than guess.
            self.counted = 0;
            self.newlines = 0;
        }
        self.newlines += text[self.counted..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.counted = start;
        self.newlines + 1
    }
}

/// A CSV error without its position (named separately).
fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".into(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields, the header has {expected_len}"),
        _ => e.to_string(),
    }
}

/// Well-formed XML whose root holds at most `max_rows` record elements.
fn check_xml(name: &str, data: &[u8], max_rows: usize) -> Result<()> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(data);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut rows = 0usize;
    let mut buf = Vec::new();
    let malformed = |e: &dyn std::fmt::Display, at: u64| {
        Error::invalid(
            "file",
            format!("{name} is not well-formed XML at byte {at}: {e}"),
        )
    };
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(_)) => {
                if depth == 1 {
                    rows += 1;
                }
                depth += 1;
            }
            Ok(Event::Empty(_)) if depth == 1 => rows += 1,
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) if depth > 0 => {
                return Err(malformed(
                    &"the document ends inside an element",
                    reader.buffer_position(),
                ));
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(malformed(&e, reader.buffer_position())),
        }
        buf.clear();
    }
    if rows == 0 {
        return Err(Error::invalid("file", format!("{name} holds no records")));
    }
    if rows > max_rows {
        return Err(Error::invalid(
            "file",
            format!("{name} has {rows} records; the service takes at most {max_rows}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(r: Result<FileType>) -> String {
        match r {
            Err(Error::InvalidInput { field, problem }) => {
                assert_eq!(field, "file");
                problem
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn types_by_extension_and_content() {
        assert_eq!(
            check_file("a.CSV", b"Email\na@b.co\n", 10).unwrap(),
            FileType::Csv
        );
        assert_eq!(
            check_file("a.xlsx", b"PK\x03\x04rest", 10).unwrap(),
            FileType::Xlsx
        );
        assert!(problem(check_file("a.pdf", b"%PDF", 10)).contains("CSV, XLS, XLSX or XML"));
        assert!(problem(check_file("noext", b"a", 10)).contains("CSV, XLS, XLSX or XML"));
        assert!(problem(check_file("a.xlsx", b"a,b", 10)).contains("XLSX"));
        assert!(problem(check_file("a.csv", b"", 10)).contains("empty"));
        let big = vec![b'a'; MAX_FILE_BYTES as usize + 1];
        assert!(problem(check_file("a.csv", &big, 10)).contains("2 MB"));
    }

    #[test]
    fn csv_rows_are_counted_and_broken_ones_named_by_line() {
        let mut text = String::from("Account Name,Revenue\n");
        for i in 0..3 {
            text.push_str(&format!("A{i},{i}\n"));
        }
        assert!(check_file("r.csv", text.as_bytes(), 3).is_ok());
        assert!(problem(check_file("r.csv", text.as_bytes(), 2)).contains("3 data rows"));
        let broken = "Account Name,Revenue\nACME,1\nGlobex\n\nInitech,3,extra\n";
        let p = problem(check_file("r.csv", broken.as_bytes(), 10));
        assert!(
            p.contains("line 3: 1 fields") && p.contains("line 5: 3 fields"),
            "{p}"
        );
        assert!(
            problem(check_file("r.csv", b"Account Name;Revenue\n", 10)).contains("no data rows")
        );
        assert!(check_file("r.csv", "Account Name;Revenue\nA;1,5\n".as_bytes(), 10).is_ok());
    }

    #[test]
    fn xml_is_well_formed_and_counted() {
        assert!(
            check_file(
                "r.xml",
                b"<records><record><a>1</a></record><record/></records>",
                2
            )
            .is_ok()
        );
        assert!(
            problem(check_file(
                "r.xml",
                b"<records><record/><record/></records>",
                1
            ))
            .contains("2 records")
        );
        assert!(
            problem(check_file("r.xml", b"<records><record></records>", 5)).contains("well-formed")
        );
        assert!(problem(check_file("r.xml", b"<records/>", 5)).contains("no records"));
    }
}
