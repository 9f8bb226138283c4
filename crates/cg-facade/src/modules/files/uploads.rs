//! Contact and historical uploads (`POST /v4.1/file/contact`, `/historical`) and the
//! removal of an upload.

use cg_auth::HostFamily;

use super::file_checks::{MAX_RECORD_ROWS, check_file};
use super::multipart::{Upload, UploadFile, is_false, upload_multipart};
use super::{Files, UploadKind};
use crate::call::call;
use crate::client::raw_client;
use crate::decode;
use crate::{Error, Result};

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

impl Files {
    /// Uploads a contact or historical file (CSV, XLS, XLSX or XML, at most 2 MB and,
    /// for CSV and XML, at most 2000 records), checked before sending. A file of the
    /// same name already processed is refused by the service (400103).
    pub async fn upload(
        &self,
        kind: UploadKind,
        file: impl Into<UploadFile>,
    ) -> Result<UploadOutcome> {
        let upload = match kind {
            UploadKind::Contact => Upload::Contact,
            UploadKind::Historical => Upload::Historical,
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
        let data = upload_multipart(&self.client, upload, name, data).await?;
        let operation = upload.operation();
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
        let id = crate::validate::wire_id("id", id)?;
        let answer = call(
            ctx,
            cg_raw_files::ops::DELETE_UPLOAD.id,
            raw.delete_upload()
                .format(ctx.format.as_str())
                .id(id)
                .send(),
        )
        .await?;
        match answer.data {
            Some(false) => Err(Error::Decode {
                operation: cg_raw_files::ops::DELETE_UPLOAD.id,
                status: crate::decode::SUCCESS_STATUS,
                problem: "the service answered Data=false without an error code".into(),
                body: String::new(),
            }),
            _ => Ok(()),
        }
    }
}
