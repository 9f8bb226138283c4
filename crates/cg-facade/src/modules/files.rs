//! File uploads and the statistics of earlier uploads (`spec/files.yaml`):
//! `client.files()` for the four upload listings, contact and historical uploads and
//! their removal. The revenue upload lives in [`revenue`](super::revenue) and shares
//! the listing, the record type and the checks of this file.

use progenitor_client::ClientInfo;
use std::path::{Path, PathBuf};

use cg_auth::HostFamily;

use crate::call::{call, send_request};
use crate::client::raw_client;
use crate::decode::{self, DataEnvelope, v41_list};
use crate::lenient;
use crate::paging::{OffsetListing, OffsetPage, OffsetSource, TakesLimit, sealed};
use crate::{Client, Error, Result};
use serde_json::{Map, Value};

/// Largest file the service takes: 2 MB.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;
/// Most data rows of a contact or historical file.
pub const MAX_RECORD_ROWS: usize = 2000;
/// The largest page of an upload listing.
pub const MAX_UPLOAD_LIMIT: u32 = 1000;

/// The four upload families, each with its own listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UploadKind {
    /// Account revenue files (`/file/company-revenue`), uploaded with `client.revenue()`.
    CompanyRevenue,
    /// Contact list files (`/file/contact`).
    Contact,
    /// Historical survey data (`/file/historical`).
    Historical,
    /// Survey invitations (`/file/transactional`), created by `client.stream().transactional(..)`.
    Transactional,
}

impl UploadKind {
    fn list_path(self) -> &'static str {
        match self {
            UploadKind::CompanyRevenue => "/v4.1/file/company-revenue",
            UploadKind::Contact => "/v4.1/file/contact",
            UploadKind::Historical => "/v4.1/file/historical",
            UploadKind::Transactional => "/v4.1/file/transactional",
        }
    }

    fn list_operation(self) -> cg_auth::Operation {
        use cg_raw_files::ops;
        match self {
            UploadKind::CompanyRevenue => ops::LIST_REVENUE_UPLOADS,
            UploadKind::Contact => ops::LIST_CONTACT_UPLOADS,
            UploadKind::Historical => ops::LIST_HISTORICAL_UPLOADS,
            UploadKind::Transactional => ops::LIST_TRANSACTIONAL_UPLOADS,
        }
    }
}

/// One upload and its processing statistics. Counts and ids come as numbers or numeric
/// strings (art 5000722447 sends `"total_records": "100"`); `logs` may be null.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct UploadRecord {
    /// The upload id (what [`Files::delete`] and the `id` filter take); 0 when not sent.
    #[serde(deserialize_with = "lenient::count")]
    pub id: u64,
    /// Processing state as sent, e.g. `Processed`.
    #[serde(deserialize_with = "lenient::text_or_empty")]
    pub status: String,
    /// Name of the uploaded file.
    #[serde(deserialize_with = "lenient::text")]
    pub source_filename: Option<String>,
    /// Upload time, `YYYY-MM-DD HH:MM:SS` as sent.
    #[serde(deserialize_with = "lenient::text")]
    pub date_upload: Option<String>,
    /// Rows found (0 when not sent).
    #[serde(deserialize_with = "lenient::count")]
    pub total_records: u64,
    /// Rows taken (0 when not sent).
    #[serde(deserialize_with = "lenient::count")]
    pub successful_records: u64,
    /// Rows refused (0 when not sent).
    #[serde(deserialize_with = "lenient::count")]
    pub unsuccessful_records: u64,
    /// Processing messages; an entry sent as an object is kept as its JSON text.
    #[serde(deserialize_with = "lenient::lines")]
    pub logs: Vec<String>,
    /// Fields this SDK does not know (or could not read), as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl lenient::Item for UploadRecord {
    fn extra_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.extra
    }
}

impl UploadRecord {
    /// Whether the service reports the upload as processed.
    pub fn is_processed(&self) -> bool {
        self.status.eq_ignore_ascii_case("processed")
    }
}

impl Client {
    /// File uploads: listings, contact and historical uploads, removal.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// use cg_facade::modules::files::UploadKind;
    /// for upload in client.files().list(UploadKind::Contact).send().await? {
    ///     println!("{} {} {}/{}", upload.id, upload.status, upload.successful_records, upload.total_records);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn files(&self) -> Files {
        Files {
            client: self.clone(),
        }
    }
}

/// File uploads: `client.files()`.
#[derive(Clone, Debug)]
pub struct Files {
    client: Client,
}

/// What the service answered to a contact or historical upload.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum UploadOutcome {
    /// The file was taken; `id` is the new upload's id when the service sends it.
    Accepted {
        /// The upload id, for the listing's `id` filter and [`Files::delete`].
        id: Option<u64>,
    },
    /// The service answered `{"Data":false}`: the file was not taken.
    NotTaken,
}

impl UploadOutcome {
    /// Whether the file was taken.
    pub fn is_accepted(&self) -> bool {
        matches!(self, UploadOutcome::Accepted { .. })
    }

    /// The new upload's id, when the file was taken and the service sent it.
    pub fn id(&self) -> Option<u64> {
        match self {
            UploadOutcome::Accepted { id } => *id,
            UploadOutcome::NotTaken => None,
        }
    }
}

/// A file to upload: read from disk, or bytes with the name to send them under.
#[derive(Clone, Debug)]
pub enum UploadFile {
    /// A file on disk; its name is sent as the file name.
    Path(PathBuf),
    /// Content already in memory.
    Bytes {
        /// The file name sent with it; its extension gives the type.
        name: String,
        /// The content.
        data: Vec<u8>,
    },
}

impl UploadFile {
    /// A file on disk.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        UploadFile::Path(path.into())
    }

    /// Content in memory, sent under `name` (e.g. `contacts.csv`).
    pub fn bytes(name: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        UploadFile::Bytes {
            name: name.into(),
            data: data.into(),
        }
    }

    /// The name and content, with the size checked before a file is read.
    pub(crate) async fn load(self) -> Result<(String, Vec<u8>)> {
        match self {
            UploadFile::Bytes { name, data } => Ok((name, data)),
            UploadFile::Path(path) => {
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        Error::invalid("path", format!("{} has no file name", path.display()))
                    })?;
                let unreadable = |e: std::io::Error| {
                    Error::invalid("path", format!("{} cannot be read: {e}", path.display()))
                };
                let size = tokio::fs::metadata(&path).await.map_err(unreadable)?.len();
                if size > MAX_FILE_BYTES {
                    return Err(too_large(&name, size));
                }
                let data = tokio::fs::read(&path).await.map_err(unreadable)?;
                Ok((name, data))
            }
        }
    }
}

impl From<PathBuf> for UploadFile {
    fn from(path: PathBuf) -> Self {
        UploadFile::Path(path)
    }
}

impl From<&Path> for UploadFile {
    fn from(path: &Path) -> Self {
        UploadFile::Path(path.to_path_buf())
    }
}

impl Files {
    /// Lists the uploads of one family, up to 1000 per page.
    pub fn list(&self, kind: UploadKind) -> ListUploads {
        ListUploads::new(self.client.clone(), kind)
    }

    /// Uploads a contact or historical file (CSV, XLS, XLSX or XML, at most 2 MB and,
    /// for CSV and XML, at most 2000 records), checked before sending. A file of the
    /// same name already processed is refused by the service (400103).
    pub async fn upload(
        &self,
        kind: UploadKind,
        file: impl Into<UploadFile>,
    ) -> Result<UploadOutcome> {
        let (operation, path) = match kind {
            UploadKind::Contact => (cg_raw_files::ops::UPLOAD_CONTACT_FILE, "/v4.1/file/contact"),
            UploadKind::Historical => (
                cg_raw_files::ops::UPLOAD_HISTORICAL_FILE,
                "/v4.1/file/historical",
            ),
            UploadKind::CompanyRevenue => {
                return Err(Error::invalid(
                    "kind",
                    "revenue files are uploaded with client.revenue().upload_path(..)",
                ));
            }
            UploadKind::Transactional => {
                return Err(Error::invalid(
                    "kind",
                    "transactional records are sent with client.stream().transactional(..)",
                ));
            }
        };
        let (name, data) = file.into().load().await?;
        check_file(&name, &data, MAX_RECORD_ROWS)?;
        let data = upload_multipart(&self.client, operation, path, name, data).await?;
        Ok(match data {
            Some(serde_json::Value::Object(map)) => {
                let id = match map.get("id") {
                    None | Some(serde_json::Value::Null) => None,
                    Some(serde_json::Value::String(s)) => {
                        Some(decode::required(operation.id, "upload id", Some(s))?)
                    }
                    Some(other) => Some(decode::required(operation.id, "upload id", Some(other))?),
                };
                UploadOutcome::Accepted { id }
            }
            Some(flag) if is_false(&flag) => UploadOutcome::NotTaken,
            _ => UploadOutcome::Accepted { id: None },
        })
    }

    /// Removes an upload (and what it created); an unknown id is refused by the service
    /// ("File not found", 400200).
    pub async fn delete(&self, id: u64) -> Result<()> {
        let raw = raw_client!(self.client, cg_raw_files, HostFamily::Api);
        let ctx = self.client.ctx();
        let id =
            i64::try_from(id).map_err(|_| Error::invalid("id", format!("{id} is too large")))?;
        let answer = call(
            ctx,
            "deleteUpload",
            raw.delete_upload()
                .format(ctx.format.as_str())
                .id(id)
                .send(),
        )
        .await?;
        match answer.data {
            Some(false) => Err(Error::Decode {
                operation: "deleteUpload",
                status: crate::decode::SUCCESS_STATUS,
                problem: "the service answered Data=false without an error code".into(),
                body: String::new(),
            }),
            _ => Ok(()),
        }
    }
}

/// Whether an answer's `Data` says "not taken": `false`, `"false"` or `0` (XML sends text).
pub(crate) fn is_false(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Bool(b) => !b,
        serde_json::Value::String(s) => matches!(s.trim(), "false" | "0" | ""),
        serde_json::Value::Number(n) => n.as_u64() == Some(0),
        _ => false,
    }
}

/// `GET /v4.1/file/<kind>`, up to 1000 per page: `.send()` one page or `.stream()` them
/// all; `from`/`to` is the upload day.
pub type ListUploads = OffsetListing<UploadSource>;

/// The filters and request of [`ListUploads`].
#[derive(Clone, Copy, Debug)]
pub struct UploadSource {
    kind: UploadKind,
    id: Option<u64>,
}

impl ListUploads {
    /// The uploads of one family, from the first, with the largest page.
    pub(crate) fn new(client: Client, kind: UploadKind) -> Self {
        OffsetListing::from_source(client, UploadSource { kind, id: None })
    }

    /// Only the upload with this id.
    pub fn id(mut self, id: u64) -> Self {
        self.source_mut().id = Some(id);
        self
    }
}

impl sealed::Sealed for UploadSource {}

impl TakesLimit for UploadSource {}

impl OffsetSource for UploadSource {
    type Item = UploadRecord;
    const MAX_LIMIT: u32 = MAX_UPLOAD_LIMIT;

    fn check(&self) -> Result<()> {
        if let Some(id) = self.id {
            i64::try_from(id).map_err(|_| Error::invalid("id", format!("{id} is too large")))?;
        }
        Ok(())
    }

    async fn page(&self, client: &Client, at: OffsetPage) -> Result<Vec<UploadRecord>> {
        let raw = raw_client!(client, cg_raw_files, HostFamily::Api);
        let mut query = vec![
            ("start", at.start.to_string()),
            ("limit", at.limit.to_string()),
        ];
        if let Some(id) = self.id {
            query.push(("id", id.to_string()));
        }
        query.extend(at.date_range());
        let (operation, path) = (self.kind.list_operation(), self.kind.list_path());
        v41_list(&raw, client.ctx(), operation, path, &query).await
    }
}

// ---------------------------------------------------------------------------------------
// Checks made before a file is sent.

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

fn too_large(name: &str, size: u64) -> Error {
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

// ---------------------------------------------------------------------------------------
// Sending a multipart upload.

/// Posts `data` as the multipart part `file` and returns the answer's `Data`, decoded
/// leniently (the service answers an object, or `false`, in JSON or XML).
///
/// Built here rather than with the generated upload methods: their `Data` is a
/// one-of object/boolean, which an XML answer (all text) cannot match, so `Data` is
/// read as a plain value and interpreted by the callers.
pub(crate) async fn upload_multipart(
    client: &Client,
    operation: cg_auth::Operation,
    path: &str,
    name: String,
    data: Vec<u8>,
) -> Result<Option<serde_json::Value>> {
    let mime = FileType::from_name(&name).map_or("application/octet-stream", FileType::mime);
    let part = reqwest::multipart::Part::bytes(data)
        .file_name(name)
        .mime_str(mime)
        .map_err(|e| Error::invalid("file", format!("MIME type {mime}: {e}")))?;
    let form = reqwest::multipart::Form::new().part("file", part);
    let raw = raw_client!(client, cg_raw_files, HostFamily::Api);
    let ctx = client.ctx();
    let url = format!("{}{path}.{}", raw.baseurl(), ctx.format.as_str());
    let request = raw
        .client()
        .post(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .multipart(form);
    let answer: DataEnvelope =
        call(ctx, operation.id, send_request(&raw, operation, request)).await?;
    Ok(answer.data)
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

    #[test]
    fn false_answers() {
        assert!(is_false(&serde_json::json!(false)) && is_false(&serde_json::json!("false")));
        assert!(!is_false(&serde_json::json!({"id": "1"})) && !is_false(&serde_json::json!(true)));
    }
}
