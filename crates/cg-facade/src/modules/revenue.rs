//! Account revenue files (`POST /v4.1/company/revenue_file_automate`,
//! `GET /v4.1/file/company-revenue`, `spec/files.yaml`): `client.revenue()`.

use std::path::PathBuf;

use crate::modules::files::{
    ListUploads, Upload, UploadFile, UploadKind, check_file, is_false, upload_multipart,
};
use crate::{Client, Result};

/// Most data rows of a revenue file.
pub const MAX_REVENUE_ROWS: usize = 1000;

/// What the service answered to a revenue upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum RevenueUploadOutcome {
    /// The file was taken (`{"Data":{"data":1}}`); its statistics appear in
    /// [`Revenue::list_uploads`] once processed.
    Accepted,
    /// The service answered `{"Data":false}`: the file was not taken.
    NotTaken,
}

impl RevenueUploadOutcome {
    /// Whether the file was taken.
    pub fn is_accepted(self) -> bool {
        self == RevenueUploadOutcome::Accepted
    }
}

impl Client {
    /// Account revenue files: upload and list.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// // Checked locally first: type, 2 MB, 1000 rows.
    /// let outcome = client.revenue().upload_path("revenue.csv").await?;
    /// println!("{outcome:?}");
    /// # Ok(())
    /// # }
    /// ```
    pub fn revenue(&self) -> Revenue {
        Revenue {
            client: self.clone(),
        }
    }
}

/// Account revenue files: `client.revenue()`.
#[derive(Clone, Debug)]
pub struct Revenue {
    client: Client,
}

impl Revenue {
    /// Uploads a revenue file from disk. Checked before sending: CSV, XLS, XLSX or XML
    /// by extension, at most 2 MB, and for CSV and XML at most 1000 data rows, every CSV
    /// row readable (broken rows are named by line in the error).
    pub async fn upload_path(&self, path: impl Into<PathBuf>) -> Result<RevenueUploadOutcome> {
        self.upload(UploadFile::Path(path.into())).await
    }

    /// Uploads revenue data held in memory under `file_name` (whose extension gives
    /// the type), with the checks of [`upload_path`](Self::upload_path).
    pub async fn upload_bytes(
        &self,
        file_name: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) -> Result<RevenueUploadOutcome> {
        self.upload(UploadFile::bytes(file_name, bytes)).await
    }

    async fn upload(&self, file: UploadFile) -> Result<RevenueUploadOutcome> {
        let (name, data) = file.load().await?;
        check_file(&name, &data, MAX_REVENUE_ROWS)?;
        let answer = upload_multipart(&self.client, Upload::Revenue, name, data).await?;
        Ok(match answer {
            Some(flag) if is_false(&flag) => RevenueUploadOutcome::NotTaken,
            _ => RevenueUploadOutcome::Accepted,
        })
    }

    /// Lists earlier revenue uploads with their statistics, up to 1000 per page.
    pub fn list_uploads(&self) -> ListUploads {
        ListUploads::new(self.client.clone(), UploadKind::CompanyRevenue)
    }
}
