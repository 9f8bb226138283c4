//! Close-the-loop cases: their listing (`GET /v7/rest/sync/close-loop`, art 5000880297)
//! and the status of a survey's case (`PUT /v7/rest/close-loop/status`), `spec/sync.yaml`:
//! `client.close_loop()`.

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use cg_auth::HostFamily;
use cg_raw_sync::types;

use crate::call::call;
use crate::client::raw_client;
use crate::lenient::{self, open_enum};
use crate::paging::{CursorListing, CursorPage, CursorSource, Page, sealed};
use crate::sync_page::{cursor_page, wire_cursor};
use crate::{Client, Error, Result};

/// The largest page of the case listing.
pub const MAX_CASES_PER_PAGE: u32 = 1000;

open_enum!(
    /// The status of a case as listed (`open`, `progress`, `closed`, art 5000883702;
    /// others kept as sent).
    CaseStatus {
        /// Open.
        Open = "open",
        /// In progress.
        Progress = "progress",
        /// Closed.
        Closed = "closed",
    }
);

/// One close-the-loop case: the latest state of a survey response's loop.
/// Inferred: the key names (the article lists only the hour counts).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CloseLoopCase {
    /// CG-ID of the survey response (a number or numeric string on the wire).
    #[serde(deserialize_with = "lenient::number")]
    pub number_customergauge: Option<u64>,
    /// The case status.
    pub status: Option<CaseStatus>,
    /// The latest note.
    #[serde(deserialize_with = "lenient::text")]
    pub note: Option<String>,
    /// Who the case is assigned to.
    #[serde(deserialize_with = "lenient::text")]
    pub assigned_to: Option<String>,
    /// Hours from open to progress (whole hours).
    #[serde(deserialize_with = "lenient::number")]
    pub time_to_follow_up: Option<u64>,
    /// Hours from progress to closed (whole hours).
    #[serde(deserialize_with = "lenient::number")]
    pub time_to_close: Option<u64>,
    /// When the case last changed, as sent.
    #[serde(deserialize_with = "lenient::text")]
    pub updated_at: Option<String>,
    /// When the case was opened, as sent.
    #[serde(deserialize_with = "lenient::text")]
    pub created_at: Option<String>,
    /// Fields this SDK does not know (or could not read), as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl lenient::Item for CloseLoopCase {
    fn extra_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.extra
    }
}

/// A close-loop status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CloseLoopStatus {
    /// Open.
    Open,
    /// In progress: a note is required.
    Progress,
    /// Closed.
    Closed,
}

impl From<CloseLoopStatus> for types::CloseLoopStatusUpdateStatus {
    fn from(s: CloseLoopStatus) -> Self {
        match s {
            CloseLoopStatus::Open => types::CloseLoopStatusUpdateStatus::Open,
            CloseLoopStatus::Progress => types::CloseLoopStatusUpdateStatus::Progress,
            CloseLoopStatus::Closed => types::CloseLoopStatusUpdateStatus::Closed,
        }
    }
}

impl Client {
    /// The close-loop status of surveys (v7).
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// use cg_facade::modules::close_loop::CloseLoopStatus;
    /// client.close_loop().set_status(1234, CloseLoopStatus::Closed).send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn close_loop(&self) -> CloseLoop {
        CloseLoop {
            client: self.clone(),
        }
    }
}

/// The close-loop status of surveys: `client.close_loop()`.
#[derive(Clone, Debug)]
pub struct CloseLoop {
    client: Client,
}

impl CloseLoop {
    /// Lists cases, cursor paged: `.send()` one page or `.stream()` them all.
    pub fn cases(&self) -> ListCases {
        CursorListing::from_source(self.client.clone(), CaseSource)
    }

    /// Sets the status of the survey with this CG-ID (`number_customergauge`).
    pub fn set_status(
        &self,
        number_customergauge: u64,
        status: CloseLoopStatus,
    ) -> SetCloseLoopStatus {
        SetCloseLoopStatus {
            client: self.client.clone(),
            number_customergauge,
            status,
            note: None,
            happened_at: None,
        }
    }
}

/// `PUT /v7/rest/close-loop/status`.
#[derive(Clone, Debug)]
#[must_use = "a status change does nothing until .send()"]
pub struct SetCloseLoopStatus {
    client: Client,
    number_customergauge: u64,
    status: CloseLoopStatus,
    note: Option<String>,
    happened_at: Option<NaiveDateTime>,
}

impl SetCloseLoopStatus {
    /// A note on the change; required for [`CloseLoopStatus::Progress`].
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// When the change happened (default: when the service receives it).
    pub fn happened_at(mut self, at: NaiveDateTime) -> Self {
        self.happened_at = Some(at);
        self
    }

    /// Sends the change; an unknown CG-ID answers 404.
    pub async fn send(self) -> Result<()> {
        let note = self.note.filter(|n| !n.trim().is_empty());
        if self.status == CloseLoopStatus::Progress && note.is_none() {
            return Err(Error::invalid(
                "note",
                "a note is required when the status is progress",
            ));
        }
        let id = crate::validate::wire_id("number_customergauge", self.number_customergauge)?;
        let happened_at = match self.happened_at {
            None => None,
            Some(at) => Some(
                types::CloseLoopStatusUpdateHappenedAt::try_from(
                    at.format("%Y-%m-%d %H:%M:%S").to_string(),
                )
                .map_err(|e| Error::invalid("happened_at", e))?,
            ),
        };
        let body = types::CloseLoopStatusUpdate {
            number_customergauge: types::IntOrString::Int64(id),
            status: self.status.into(),
            note,
            happened_at,
        };
        let raw = raw_client!(self.client, cg_raw_sync, HostFamily::Api);
        let ctx = self.client.ctx();
        call(
            ctx,
            cg_raw_sync::ops::UPDATE_CLOSE_LOOP_STATUS.id,
            raw.update_close_loop_status().body(body).send(),
        )
        .await?;
        Ok(())
    }
}

/// `GET /v7/rest/sync/close-loop`: cases updated in a date range (`since`/`until`,
/// sent as `updated_at[start]`/`updated_at[end]`), cursor paged.
pub type ListCases = CursorListing<CaseSource>;

/// The request of [`ListCases`].
#[derive(Clone, Copy, Debug)]
pub struct CaseSource;

impl sealed::Sealed for CaseSource {}

impl CursorSource for CaseSource {
    type Item = CloseLoopCase;
    const MAX_PER_PAGE: u32 = MAX_CASES_PER_PAGE;

    async fn page(&self, client: &Client, at: CursorPage) -> Result<Page<CloseLoopCase>> {
        let raw = raw_client!(client, cg_raw_sync, HostFamily::Api);
        let query = cg_raw_sync::query::ListCloseLoopCases {
            per_page: Some(at.per_page.into()),
            cursor: wire_cursor(&at),
            updated_at_start: at.since,
            updated_at_end: at.until,
        };
        let answer = raw.list_close_loop_cases_as(&query);
        cursor_page(
            client.ctx(),
            cg_raw_sync::ops::LIST_CLOSE_LOOP_CASES,
            answer,
        )
        .await
    }
}
