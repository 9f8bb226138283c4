//! File uploads and the statistics of earlier uploads (`spec/files.yaml`):
//! `client.files()` for the four upload listings, contact and historical uploads and
//! their removal. The revenue upload lives in [`revenue`](super::revenue) and shares
//! the listing, the record type, the checks and the sending of this module.
//!
//! One file per concern: the checks made before a file is sent (`file_checks`), the
//! multipart request every upload goes through (`multipart`), the upload listings
//! (`upload_listing`) and the contact and historical uploads and removal (`uploads`).

mod file_checks;
mod multipart;
mod upload_listing;
mod uploads;

pub(crate) use file_checks::check_file;
pub use file_checks::{FileType, MAX_FILE_BYTES, MAX_RECORD_ROWS};
pub use multipart::UploadFile;
pub(crate) use multipart::{Upload, is_false, upload_multipart};
pub use upload_listing::{ListUploads, MAX_UPLOAD_LIMIT, UploadRecord, UploadSource};
pub use uploads::UploadOutcome;

use crate::Client;

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
