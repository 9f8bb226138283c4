//! Sending a file: what to upload ([`UploadFile`]), the one multipart request every
//! upload goes through, and reading its `Data` answer.

use std::path::{Path, PathBuf};

use cg_auth::HostFamily;

use super::file_checks::{FileType, MAX_FILE_BYTES, too_large};
use crate::call::call;
use crate::client::raw_client;
use crate::decode::DataEnvelope;
use crate::{Client, Error, Result};

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

/// Whether an answer's `Data` says "not taken": `false`, `"false"` or `0` (XML sends text).
pub(crate) fn is_false(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Bool(b) => !b,
        serde_json::Value::String(s) => matches!(s.trim(), "false" | "0" | ""),
        serde_json::Value::Number(n) => n.as_u64() == Some(0),
        _ => false,
    }
}

/// Which upload a file goes to.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Upload {
    Revenue,
    Contact,
    Historical,
}

impl Upload {
    pub(crate) fn operation(self) -> cg_auth::Operation {
        match self {
            Upload::Revenue => cg_raw_files::ops::UPLOAD_REVENUE_FILE,
            Upload::Contact => cg_raw_files::ops::UPLOAD_CONTACT_FILE,
            Upload::Historical => cg_raw_files::ops::UPLOAD_HISTORICAL_FILE,
        }
    }
}

/// Posts `data` as the upload's file part (named by the spec) and returns the answer's
/// `Data`, decoded leniently (the service answers an object, or `false`, in JSON or
/// XML): the generated `Data` is a one-of object/boolean, which an XML answer (all
/// text) cannot match, so it is read as a plain value and interpreted by the callers.
pub(crate) async fn upload_multipart(
    client: &Client,
    upload: Upload,
    name: String,
    data: Vec<u8>,
) -> Result<Option<serde_json::Value>> {
    let mime = FileType::from_name(&name).map_or("application/octet-stream", FileType::mime);
    let file = reqwest::multipart::Part::bytes(data)
        .file_name(name)
        .mime_str(mime)
        .map_err(|e| Error::invalid("file", format!("MIME type {mime}: {e}")))?;
    let raw = raw_client!(client, cg_raw_files, HostFamily::Api);
    let ctx = client.ctx();
    let format = ctx.format.as_str();
    let operation = upload.operation().id;
    let answer: DataEnvelope = match upload {
        Upload::Revenue => {
            let body = cg_raw_files::multipart::RevenueFileUpload { file };
            call(ctx, operation, raw.upload_revenue_file_as(format, body)).await?
        }
        Upload::Contact => {
            let body = cg_raw_files::multipart::FileUpload { file };
            call(ctx, operation, raw.upload_contact_file_as(format, body)).await?
        }
        Upload::Historical => {
            let body = cg_raw_files::multipart::FileUpload { file };
            call(ctx, operation, raw.upload_historical_file_as(format, body)).await?
        }
    };
    Ok(answer.data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn false_answers() {
        assert!(is_false(&serde_json::json!(false)) && is_false(&serde_json::json!("false")));
        assert!(!is_false(&serde_json::json!({"id": "1"})) && !is_false(&serde_json::json!(true)));
    }
}
