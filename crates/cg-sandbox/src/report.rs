//! `GET /v4.1/report/nps`: the Net Promoter Score of the stored responses.

use cg_errors::ErrorCode;

use crate::app::App;
use crate::lists;
use crate::params::{self, Params};
use crate::respond::{ApiError, V41Result, Val};
use crate::state::Survey;

/// Segments every record has (besides its own fields such as `Region` or `Touchpoint`).
const STANDARD_SEGMENTS: [&str; 3] = ["account_name", "account_number", "status"];

fn segment_value<'a>(s: &'a Survey, segment: &str) -> Option<&'a str> {
    match segment.to_ascii_lowercase().as_str() {
        "account_name" => s.account_name.as_deref(),
        "account_number" => s.account_number.as_deref(),
        "status" => Some(s.status.as_str()),
        _ => s
            .fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(segment))
            .map(|(_, v)| v.as_str()),
    }
}

/// `GET /report/nps`.
pub(crate) fn nps(app: &App, params: &Params) -> V41Result {
    let (from, to) = lists::date_range(params)?;
    let filters: Vec<(&str, &str)> = params
        .pairs()
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("filter_").map(|f| (f, v.as_str())))
        .collect();
    let (promoters, passives, detractors) = app.store.read(|s| {
        for (segment, _) in &filters {
            let known = STANDARD_SEGMENTS
                .iter()
                .any(|k| k.eq_ignore_ascii_case(segment))
                || s.surveys
                    .iter()
                    .any(|sv| sv.fields.keys().any(|k| k.eq_ignore_ascii_case(segment)));
            if !known {
                return Err(ApiError::with_message(
                    ErrorCode::TransactionFilterKeyUnknown,
                    format!("Filter key doesn’t exist: {segment}"),
                ));
            }
        }
        let mut counts = (0u64, 0u64, 0u64);
        for sv in &s.surveys {
            let Some(score) = sv.nps else { continue };
            let date = sv
                .date_survey_response
                .as_deref()
                .unwrap_or(&sv.date_creation);
            if !params::in_range(date, from, to) {
                continue;
            }
            if !filters.iter().all(|(seg, val)| {
                segment_value(sv, seg).is_some_and(|v| v.eq_ignore_ascii_case(val))
            }) {
                continue;
            }
            match score {
                9..=10 => counts.0 += 1,
                7..=8 => counts.1 += 1,
                _ => counts.2 += 1,
            }
        }
        Ok(counts)
    })?;
    let responses = promoters + passives + detractors;
    let score = if responses == 0 {
        0.0
    } else {
        let raw = (promoters as f64 - detractors as f64) * 100.0 / responses as f64;
        (raw * 100.0).round() / 100.0
    };
    Ok(Val::obj()
        .with("nps", score)
        .with("promoters", promoters.to_string())
        .with("passives", passives.to_string())
        .with("detractors", detractors.to_string())
        .with("responses", responses.to_string()))
}
