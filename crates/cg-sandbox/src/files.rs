//! File uploads (`/company/revenue_file_automate`, `/file/contact`, `/file/historical`),
//! the upload listings (`/file/<kind>`) and `DELETE /file`.

use bytes::Bytes;
use cg_errors::ErrorCode;

use crate::app::App;
use crate::ingest::{self, ContactData};
use crate::lists::{self, invalid};
use crate::params::{self, Params};
use crate::respond::{ApiError, V41Result, Val};
use crate::rows::{self, Row};
use crate::state::{State, Upload, UploadKind};

/// Largest accepted file: 2 MB.
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;
/// Most rows in a revenue file.
pub const MAX_REVENUE_ROWS: usize = 1000;
/// Most rows in a contact or historical file.
pub const MAX_RECORD_ROWS: usize = 2000;

fn method_unclear(kind: UploadKind) -> ErrorCode {
    match kind {
        UploadKind::Contact => ErrorCode::FileContactUploadMethodUnclear,
        UploadKind::Historical => ErrorCode::FileHistoricalUploadMethodUnclear,
        _ => ErrorCode::FileTransactionalUploadMethodUnclear,
    }
}

/// The `file` part of a multipart body: (file name, content).
async fn file_part(
    kind: UploadKind,
    content_type: Option<&str>,
    body: Bytes,
) -> Result<(Option<String>, Bytes), ApiError> {
    let unclear = || ApiError::new(method_unclear(kind));
    let content_type = content_type
        .filter(|c| c.starts_with("multipart/form-data"))
        .ok_or_else(unclear)?;
    let boundary = multer::parse_boundary(content_type).map_err(|_| unclear())?;
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().map(str::to_owned);
                let data = field.bytes().await.map_err(|_| unclear())?;
                return Ok((name, data));
            }
            Ok(Some(_)) => {}
            Ok(None) => return Err(ApiError::new(ErrorCode::FilePostedTempFileNotFound)),
            Err(_) => return Err(unclear()),
        }
    }
}

/// The file type, from the extension and the content.
fn file_type(name: &str, data: &[u8]) -> Result<&'static str, ApiError> {
    let sniffed = sniff(data);
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        None | Some("") => sniffed.ok_or_else(|| ApiError::new(ErrorCode::FileTypeUndetermined)),
        Some("csv") if matches!(sniffed, Some("csv" | "xml")) => Ok("csv"),
        Some("xml") if sniffed == Some("xml") => Ok("xml"),
        Some("xml") => Err(ApiError::new(ErrorCode::FileXmlParseFailed)),
        Some("xls") if sniffed == Some("xls") => Ok("xls"),
        Some("xlsx") if sniffed == Some("xlsx") => Ok("xlsx"),
        _ => Err(ApiError::new(ErrorCode::FileTypeInvalid)),
    }
}

fn sniff(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"PK\x03\x04") {
        return Some("xlsx");
    }
    if data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Some("xls");
    }
    let text = std::str::from_utf8(data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data)).ok()?;
    if text.contains('\0') {
        return None;
    }
    if text.trim_start().starts_with('<') {
        Some("xml")
    } else {
        Some("csv")
    }
}

/// The rows of a CSV or XML file; spreadsheets are taken without reading their cells.
fn read_rows(file_type: &str, data: &[u8]) -> Result<Option<Vec<Result<Row, String>>>, ApiError> {
    match file_type {
        "csv" => Ok(Some(rows::parse_csv(data))),
        "xml" => rows::parse_xml_records(data)
            .map(|rows| Some(rows.into_iter().map(Ok).collect()))
            .map_err(|_| ApiError::new(ErrorCode::FileXmlParseFailed)),
        _ => Ok(None),
    }
}

/// `POST` of a revenue, contact or historical file.
pub(crate) async fn upload(
    app: &App,
    kind: UploadKind,
    content_type: Option<&str>,
    body: Bytes,
) -> V41Result {
    let (name, data) = file_part(kind, content_type, body).await?;
    let name = name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty() && !n.contains(['/', '\\']) && !n.chars().any(char::is_control))
        .ok_or_else(|| ApiError::new(ErrorCode::FilePostedNameInvalid))?;
    if data.is_empty() {
        return Err(ApiError::new(ErrorCode::FileDataEmpty));
    }
    if data.len() > MAX_FILE_BYTES {
        return Err(invalid("the file is larger than 2 MB"));
    }
    let file_type = file_type(&name, &data)?;
    let rows = read_rows(file_type, &data)?;
    if rows.as_ref().is_some_and(Vec::is_empty) {
        return Err(ApiError::new(ErrorCode::FileDataEmpty));
    }
    let max_rows = if kind == UploadKind::CompanyRevenue {
        MAX_REVENUE_ROWS
    } else {
        MAX_RECORD_ROWS
    };
    let size = u64::try_from(data.len()).unwrap_or(u64::MAX);
    app.store.write(|s| {
        if kind != UploadKind::CompanyRevenue
            && s.uploads
                .iter()
                .any(|u| u.kind == kind && u.source_filename == name && u.status == "Processed")
        {
            return Err(ApiError::new(ErrorCode::FileAlreadyProcessed));
        }
        s.counters.upload += 1;
        let mut upload = Upload {
            id: s.counters.upload,
            kind,
            status: "Processed".to_owned(),
            source_filename: name.clone(),
            date_upload: params::now_string(),
            file_type: file_type.to_owned(),
            size,
            total_records: 0,
            successful_records: 0,
            unsuccessful_records: 0,
            logs: Vec::new(),
            created_surveys: Vec::new(),
        };
        let taken = match rows {
            None => {
                upload.logs.push(format!(
                    "{file_type} file stored; the sandbox does not read spreadsheet cells"
                ));
                true
            }
            Some(rows) if rows.len() > max_rows => {
                let n = rows.len() as u64;
                upload.status = "Failed".to_owned();
                upload.total_records = n;
                upload.unsuccessful_records = n;
                upload.logs.push(format!(
                    "The file has {n} rows; at most {max_rows} are allowed"
                ));
                false
            }
            Some(rows) => {
                process(s, kind, &rows, &mut upload);
                true
            }
        };
        let id = upload.id;
        s.uploads.push(upload);
        Ok(match (taken, kind) {
            (false, _) => Val::Bool(false),
            (true, UploadKind::CompanyRevenue) => Val::obj().with("data", 1_i64),
            (true, _) => Val::obj().with("id", id.to_string()),
        })
    })
}

fn process(state: &mut State, kind: UploadKind, rows: &[Result<Row, String>], upload: &mut Upload) {
    for (i, row) in rows.iter().enumerate() {
        let line = i + 2;
        let outcome = match row {
            Err(e) => Err(e.clone()),
            Ok(row) => match kind {
                UploadKind::CompanyRevenue => revenue_row(state, row),
                UploadKind::Contact => contact_row(state, row),
                UploadKind::Historical | UploadKind::Transactional => {
                    ingest::survey_from_row(row, kind == UploadKind::Historical, "upload").map(
                        |survey| {
                            let id = ingest::store_survey(state, survey);
                            upload.created_surveys.push(id);
                        },
                    )
                }
            },
        };
        upload.total_records += 1;
        match outcome {
            Ok(()) => upload.successful_records += 1,
            Err(e) => {
                upload.unsuccessful_records += 1;
                upload.logs.push(format!("Row {line}: {e}"));
            }
        }
    }
}

fn revenue_row(state: &mut State, row: &Row) -> Result<(), String> {
    let reference = row
        .get(rows::ACCOUNT_NAME)
        .or_else(|| row.get(rows::ACCOUNT_NUMBER))
        .ok_or_else(|| "Account Name or Account Number is required".to_owned())?;
    let revenue = match row.get(rows::REVENUE) {
        None => None,
        Some(v) => {
            let normalized = v.replace(',', ".");
            Some(
                normalized
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .ok_or_else(|| format!("Revenue '{v}' is not a number"))?,
            )
        }
    };
    let number = row.get(rows::ACCOUNT_NUMBER).map(str::to_owned);
    ingest::upsert_account(state, reference, |a| {
        if let Some(r) = revenue {
            a.revenue = Some(a.revenue.unwrap_or(0.0) + r);
        }
        if a.number.is_none() {
            a.number = number;
        }
    });
    Ok(())
}

fn contact_row(state: &mut State, row: &Row) -> Result<(), String> {
    let email = row.get(rows::EMAIL);
    let phone = row.get(rows::PHONE);
    if email.is_none() && phone.is_none() {
        return Err("Email or Phone is required".to_owned());
    }
    if let Some(e) = email.filter(|e| !params::is_valid_email(e)) {
        return Err(format!("Email '{e}' is not a valid e-mail address"));
    }
    if let Some(p) = phone.filter(|p| !params::is_valid_phone(p)) {
        return Err(format!(
            "Phone '{p}' may contain only digits, space, ( ) - +"
        ));
    }
    let account = row.get(rows::ACCOUNT_NAME);
    if let Some(reference) = account {
        ingest::upsert_account(state, reference, |_| {});
    }
    ingest::upsert_contact(
        state,
        &ContactData {
            email,
            phone,
            first_name: row.get(rows::FIRST_NAME),
            last_name: row.get(rows::LAST_NAME),
            account,
        },
    );
    Ok(())
}

fn id_empty(kind: UploadKind) -> ApiError {
    match kind {
        UploadKind::Transactional => ApiError::new(ErrorCode::FileTransactionalIdEmpty),
        UploadKind::Historical => ApiError::new(ErrorCode::FileHistoricalIdEmpty),
        UploadKind::Contact => ApiError::new(ErrorCode::FileContactIdMissing),
        UploadKind::CompanyRevenue => invalid("id must not be empty"),
    }
}

/// The listing entry of an upload.
pub(crate) fn upload_val(u: &Upload) -> Val {
    Val::obj()
        .with("id", u.id.to_string())
        .with("status", &u.status)
        .with("source_filename", &u.source_filename)
        .with("date_upload", &u.date_upload)
        .with("total_records", u.total_records.to_string())
        .with("successful_records", u.successful_records.to_string())
        .with("unsuccessful_records", u.unsuccessful_records.to_string())
        .with("logs", Val::Arr(u.logs.iter().map(Val::from).collect()))
}

/// `GET /file/<kind>`.
pub(crate) fn list(app: &App, kind: UploadKind, params: &Params) -> V41Result {
    let id = match params.get("id").map(str::trim) {
        None => None,
        Some("") => return Err(id_empty(kind)),
        Some(v) => Some(params::parse_u64(v).ok_or_else(|| invalid("id must be an integer"))?),
    };
    let (from, to) = lists::date_range(params)?;
    let start = lists::start(params)?;
    let limit = lists::limit(params)?;
    let page: Vec<Val> = app.store.read(|s| {
        s.uploads
            .iter()
            .filter(|u| {
                u.kind == kind
                    && id.is_none_or(|id| u.id == id)
                    && params::in_range(&u.date_upload, from, to)
            })
            .skip(start)
            .take(limit)
            .map(upload_val)
            .collect()
    });
    if page.is_empty() {
        return Err(ApiError::with_message(
            ErrorCode::FileNoDataFound,
            "No data found with passed parameters.",
        ));
    }
    Ok(Val::Arr(page))
}

/// `DELETE /file?id=..`.
pub(crate) fn delete(app: &App, params: &Params) -> V41Result {
    let raw = params.non_empty("id").ok_or_else(|| {
        ApiError::with_message(
            ErrorCode::RequiredFieldMissing,
            "Required field does not supplied: id",
        )
    })?;
    let id = params::parse_u64(raw).ok_or_else(|| invalid("id must be an integer"))?;
    app.store.write(|s| {
        let index = s
            .uploads
            .iter()
            .position(|u| u.id == id)
            .ok_or_else(|| ApiError::with_message(ErrorCode::NotFound, "File not found"))?;
        let upload = s.uploads.remove(index);
        if !upload.created_surveys.is_empty() {
            s.surveys.retain(|survey| {
                !upload
                    .created_surveys
                    .contains(&survey.number_customergauge)
            });
        }
        Ok(Val::Bool(true))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types() {
        assert_eq!(file_type("a.csv", b"a,b\n1,2"), Ok("csv"));
        assert_eq!(file_type("a.CSV", b"a,b\n1,2"), Ok("csv"));
        assert_eq!(file_type("a", b"<records/>"), Ok("xml"));
        assert_eq!(file_type("a.xlsx", b"PK\x03\x04rest"), Ok("xlsx"));
        assert_eq!(
            file_type("a.pdf", b"%PDF"),
            Err(ApiError::new(ErrorCode::FileTypeInvalid))
        );
        assert_eq!(
            file_type("a.xlsx", b"a,b"),
            Err(ApiError::new(ErrorCode::FileTypeInvalid))
        );
        assert_eq!(
            file_type("a", &[0xff, 0xfe, 0]),
            Err(ApiError::new(ErrorCode::FileTypeUndetermined))
        );
    }
}
