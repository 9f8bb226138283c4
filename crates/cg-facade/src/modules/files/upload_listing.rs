//! The four upload listings (`GET /v4.1/file/<kind>`) and the record they hold.

use cg_auth::HostFamily;
use serde_json::{Map, Value};

use super::{Files, UploadKind};
use crate::client::raw_client;
use crate::decode::read_list;
use crate::lenient;
use crate::paging::{OffsetListing, OffsetPage, OffsetSource, TakesLimit, sealed};
use crate::{Client, Result};

/// The largest page of an upload listing.
pub const MAX_UPLOAD_LIMIT: u32 = 1000;

impl UploadKind {
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

impl Files {
    /// Lists the uploads of one family, up to 1000 per page.
    pub fn list(&self, kind: UploadKind) -> ListUploads {
        ListUploads::new(self.client.clone(), kind)
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

impl UploadSource {
    fn wire_id(&self) -> Result<Option<i64>> {
        self.id
            .map(|id| crate::validate::wire_id("id", id))
            .transpose()
    }
}

impl sealed::Sealed for UploadSource {}

impl TakesLimit for UploadSource {}

impl OffsetSource for UploadSource {
    type Item = UploadRecord;
    const MAX_LIMIT: u32 = MAX_UPLOAD_LIMIT;

    fn check(&self) -> Result<()> {
        self.wire_id().map(drop)
    }

    async fn page(&self, client: &Client, at: OffsetPage) -> Result<Vec<UploadRecord>> {
        let raw = raw_client!(client, cg_raw_files, HostFamily::Api);
        let ctx = client.ctx();
        let format = ctx.format.as_str();
        let operation = self.kind.list_operation();
        // The four listings take the same parameters, each under its own generated type.
        let id = self.wire_id()?;
        let (date_range_from, date_range_to) = at.date_range();
        macro_rules! query {
            ($ty:ident) => {
                cg_raw_files::query::$ty {
                    id,
                    date_range_from,
                    date_range_to,
                    start: Some(at.start),
                    limit: Some(at.limit.into()),
                }
            };
        }
        match self.kind {
            UploadKind::CompanyRevenue => {
                let query = query!(ListRevenueUploads);
                read_list(ctx, operation, raw.list_revenue_uploads_as(format, &query)).await
            }
            UploadKind::Contact => {
                let query = query!(ListContactUploads);
                read_list(ctx, operation, raw.list_contact_uploads_as(format, &query)).await
            }
            UploadKind::Historical => {
                let query = query!(ListHistoricalUploads);
                read_list(
                    ctx,
                    operation,
                    raw.list_historical_uploads_as(format, &query),
                )
                .await
            }
            UploadKind::Transactional => {
                let query = query!(ListTransactionalUploads);
                read_list(
                    ctx,
                    operation,
                    raw.list_transactional_uploads_as(format, &query),
                )
                .await
            }
        }
    }
}
