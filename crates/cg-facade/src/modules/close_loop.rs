//! The close-loop status of a survey (`PUT /v7/rest/close-loop/status`,
//! `spec/sync.yaml`): `client.close_loop()`.

use chrono::NaiveDateTime;

use cg_auth::HostFamily;
use cg_raw_sync::types;

use crate::call::call;
use crate::client::raw_client;
use crate::{Client, Error, Result};

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
        let id = i64::try_from(self.number_customergauge).map_err(|_| {
            Error::invalid(
                "number_customergauge",
                format!("{} is too large", self.number_customergauge),
            )
        })?;
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
            "updateCloseLoopStatus",
            raw.update_close_loop_status().body(body).send(),
        )
        .await?;
        Ok(())
    }
}
