//! The workflow of a survey record (`spec/workflow.yaml`): status, comment, assignee.

use std::fmt;

use cg_auth::HostFamily;
use cg_raw_workflow::types;

use crate::call::call;
use crate::client::raw_client;
use crate::{Client, Error, Result, validate};

/// The largest numeric workflow status the service accepts.
pub const MAX_CUSTOM_STATUS: u8 = 99;

/// A workflow status: one of the named ones, or a number from 0 to 99.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum WorkflowStatus {
    /// `OPEN`.
    Open,
    /// `IN-PROGRESS`.
    InProgress,
    /// `PROGRESS`.
    Progress,
    /// `CLOSED`.
    Closed,
    /// `CLOSE`.
    Close,
    /// A numbered status of the system, 0 to 99 (larger numbers are refused locally).
    Custom(u8),
}

impl WorkflowStatus {
    /// The value sent (`OPEN`, `IN-PROGRESS`, ..., or the number).
    pub fn as_wire(self) -> String {
        match self {
            WorkflowStatus::Open => "OPEN".into(),
            WorkflowStatus::InProgress => "IN-PROGRESS".into(),
            WorkflowStatus::Progress => "PROGRESS".into(),
            WorkflowStatus::Closed => "CLOSED".into(),
            WorkflowStatus::Close => "CLOSE".into(),
            WorkflowStatus::Custom(n) => n.to_string(),
        }
    }

    fn checked(self) -> Result<String> {
        match self {
            WorkflowStatus::Custom(n) if n > MAX_CUSTOM_STATUS => Err(Error::invalid(
                "status",
                format!("{n} is outside 0..={MAX_CUSTOM_STATUS}"),
            )),
            other => Ok(other.as_wire()),
        }
    }
}

impl fmt::Display for WorkflowStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_wire())
    }
}

impl std::str::FromStr for WorkflowStatus {
    type Err = Error;

    /// The wire names (any case) or a number from 0 to 99.
    fn from_str(s: &str) -> Result<Self> {
        let status = match s.trim().to_ascii_uppercase().as_str() {
            "OPEN" => WorkflowStatus::Open,
            "IN-PROGRESS" => WorkflowStatus::InProgress,
            "PROGRESS" => WorkflowStatus::Progress,
            "CLOSED" => WorkflowStatus::Closed,
            "CLOSE" => WorkflowStatus::Close,
            other => match other.parse::<u8>() {
                Ok(n) if n <= MAX_CUSTOM_STATUS => WorkflowStatus::Custom(n),
                _ => {
                    return Err(Error::invalid(
                        "status",
                        format!(
                            "{s:?} is not a workflow status: use OPEN, IN-PROGRESS, PROGRESS, CLOSED, CLOSE or 0 to 99"
                        ),
                    ));
                }
            },
        };
        Ok(status)
    }
}

impl Client {
    /// The workflow of survey records.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// use cg_facade::modules::workflow::WorkflowStatus;
    /// client.workflow().update(1234).status(WorkflowStatus::Closed).comment("Called back").send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn workflow(&self) -> Workflow {
        Workflow {
            client: self.clone(),
        }
    }
}

/// Workflows: `client.workflow()`.
#[derive(Clone, Debug)]
pub struct Workflow {
    client: Client,
}

impl Workflow {
    /// Updates the workflow of the survey record with this CG-ID.
    pub fn update(&self, number_customergauge: u64) -> UpdateWorkflow {
        UpdateWorkflow {
            client: self.client.clone(),
            number_customergauge,
            status: None,
            comment: None,
            assigned_to: None,
        }
    }
}

/// `POST /v4.1/workflow`. Set at least one of status, comment and assignee.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until .send()"]
pub struct UpdateWorkflow {
    client: Client,
    number_customergauge: u64,
    status: Option<WorkflowStatus>,
    comment: Option<String>,
    assigned_to: Option<String>,
}

impl UpdateWorkflow {
    /// The new status.
    pub fn status(mut self, status: WorkflowStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// A comment to add.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// Assigns the record to the user with this e-mail address.
    pub fn assigned_to(mut self, email: impl Into<String>) -> Self {
        self.assigned_to = Some(email.into());
        self
    }

    /// Sends the update and returns the CG-ID the service echoes. The service refuses
    /// a CG-ID without a workflow with 400200.
    pub async fn send(self) -> Result<u64> {
        let status = self.status.map(WorkflowStatus::checked).transpose()?;
        if let Some(email) = &self.assigned_to {
            validate::email("assigned_to", email)?;
        }
        if self.comment.as_deref().is_some_and(|c| c.trim().is_empty()) {
            return Err(Error::invalid("comment", "is empty"));
        }
        if status.is_none() && self.comment.is_none() && self.assigned_to.is_none() {
            return Err(Error::invalid(
                "status",
                "nothing to update: set a status, a comment or an assignee",
            ));
        }
        let id = crate::validate::wire_id("number_customergauge", self.number_customergauge)?;
        let raw = raw_client!(self.client, cg_raw_workflow, HostFamily::Api);
        let ctx = self.client.ctx();
        let body = types::UpdateWorkflowRequest {
            number_customergauge: types::IntOrString::Int64(id),
            status,
            comment: self.comment,
            assigned_to: self.assigned_to,
        };
        let answer = call(
            ctx,
            cg_raw_workflow::ops::UPDATE_WORKFLOW.id,
            raw.update_workflow()
                .format(ctx.format.as_str())
                .body(body)
                .send(),
        )
        .await?;
        match answer.data.number_customergauge {
            // The echo is informational; when absent, the id sent is the id updated.
            None => Ok(self.number_customergauge),
            Some(types::IntOrString::Int64(n)) => {
                u64::try_from(n).map_err(|_| echo_error(n.to_string()))
            }
            Some(types::IntOrString::String(s)) => s.trim().parse().map_err(|_| echo_error(s)),
        }
    }
}

fn echo_error(value: String) -> Error {
    Error::Decode {
        operation: cg_raw_workflow::ops::UPDATE_WORKFLOW.id,
        status: Some(200),
        problem: format!("number_customergauge {value:?} is not a non-negative integer"),
        body: value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in [
            "OPEN",
            "IN-PROGRESS",
            "PROGRESS",
            "CLOSED",
            "CLOSE",
            "0",
            "99",
        ] {
            assert_eq!(s.parse::<WorkflowStatus>().unwrap().as_wire(), s);
        }
        assert_eq!(
            "in-progress".parse::<WorkflowStatus>().unwrap(),
            WorkflowStatus::InProgress
        );
        for bad in ["100", "DONE", "-1", ""] {
            assert!(bad.parse::<WorkflowStatus>().is_err(), "{bad}");
        }
        assert!(WorkflowStatus::Custom(100).checked().is_err());
    }
}
