//! `POST /v4.1/stream/transactional` and `/v4.1/stream/historical`: XML records
//! (`<records><record><Email>..</Email>..</record></records>`) become survey records; each
//! call is listed as an upload of its kind.

use cg_errors::ErrorCode;

use crate::app::App;
use crate::files::upload_val;
use crate::ingest;
use crate::lists::invalid;
use crate::params;
use crate::respond::{ApiError, V41Result};
use crate::rows;
use crate::state::{Upload, UploadKind};

/// Most records per call.
pub const MAX_STREAM_RECORDS: usize = 2000;

/// `POST /stream/<kind>`.
pub(crate) fn post(app: &App, historical: bool, body: &[u8]) -> V41Result {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(ErrorCode::StreamNoData));
    }
    let rows = rows::parse_xml_records(body)
        .map_err(|e| invalid(&format!("the body is not well-formed XML ({e})")))?;
    if rows.is_empty() {
        return Err(ApiError::new(ErrorCode::StreamNoData));
    }
    if rows.len() > MAX_STREAM_RECORDS {
        return Err(invalid("at most 2000 records per call"));
    }
    let kind = if historical {
        UploadKind::Historical
    } else {
        UploadKind::Transactional
    };
    Ok(app.store.write(|s| {
        s.counters.upload += 1;
        let id = s.counters.upload;
        let mut upload = Upload {
            id,
            kind,
            status: "Processed".to_owned(),
            source_filename: format!("stream-{id}.xml"),
            date_upload: params::now_string(),
            file_type: "xml".to_owned(),
            size: u64::try_from(body.len()).unwrap_or(u64::MAX),
            total_records: 0,
            successful_records: 0,
            unsuccessful_records: 0,
            logs: Vec::new(),
            created_surveys: Vec::new(),
        };
        for (i, row) in rows.iter().enumerate() {
            upload.total_records += 1;
            match ingest::survey_from_row(row, historical, "stream") {
                Ok(survey) => {
                    upload.created_surveys.push(ingest::store_survey(s, survey));
                    upload.successful_records += 1;
                }
                Err(e) => {
                    upload.unsuccessful_records += 1;
                    upload.logs.push(format!("Record {}: {e}", i + 1));
                }
            }
        }
        let answer = upload_val(&upload);
        s.uploads.push(upload);
        answer
    }))
}
