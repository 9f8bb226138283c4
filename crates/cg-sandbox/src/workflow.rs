//! `POST /v4.1/workflow`: set the workflow status of a survey record, comment, assign.

use cg_errors::ErrorCode;

use crate::app::App;
use crate::lists::invalid;
use crate::params::{self, Params};
use crate::respond::{ApiError, V41Result, Val};

/// Named statuses (numbers 0-99 are accepted too).
pub const STATUSES: [&str; 5] = ["OPEN", "IN-PROGRESS", "PROGRESS", "CLOSED", "CLOSE"];

fn status(value: &str) -> Option<String> {
    if let Some(s) = STATUSES.iter().find(|s| s.eq_ignore_ascii_case(value)) {
        return Some((*s).to_owned());
    }
    params::parse_u64(value)
        .filter(|n| *n <= 99)
        .map(|n| n.to_string())
}

/// `POST /workflow`.
pub(crate) fn update(app: &App, params: &Params) -> V41Result {
    let raw = params
        .non_empty("number_customergauge")
        .ok_or_else(|| ApiError::new(ErrorCode::WorkflowNumberCustomergaugeMissing))?;
    let id =
        params::parse_u64(raw).ok_or_else(|| invalid("number_customergauge must be an integer"))?;
    let new_status = match params.non_empty("status") {
        None => None,
        Some(v) => Some(
            status(v).ok_or_else(|| ApiError::new(ErrorCode::TransactionWorkflowStatusUnknown))?,
        ),
    };
    let assigned_to = params.non_empty("assigned_to");
    if let Some(a) = assigned_to
        && !params::is_valid_email(a)
    {
        return Err(invalid("assigned_to must be an e-mail address"));
    }
    let comment = params.non_empty("comment");
    app.store.write(|s| {
        let survey = s
            .survey_mut(id)
            .ok_or_else(|| ApiError::with_message(ErrorCode::NotFound, "Workflow not found"))?;
        if new_status.is_some() {
            survey.workflow.status = new_status;
        }
        if let Some(a) = assigned_to {
            survey.workflow.assigned_to = Some(a.to_owned());
        }
        if let Some(c) = comment {
            survey.workflow.notes.push(c.to_owned());
        }
        survey.workflow.happened_at = Some(params::now_string());
        Ok(Val::obj().with("number_customergauge", id))
    })
}
