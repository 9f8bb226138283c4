//! `client.responses()` (the v7 cursor export) and `client.close_loop()` against the
//! sandbox: every item exactly once across pages, expansions, periods, resuming from a
//! cursor, the checks made before sending, and the close-loop status with its refusals.

mod common;

use std::collections::BTreeSet;

use chrono::NaiveDate;
use futures::TryStreamExt;

use cg_facade::modules::close_loop::CloseLoopStatus;
use cg_facade::modules::responses::{PeriodField, SurveyResponse, With};
use cg_facade::{Error, HostFamily};
use cg_sandbox::Sandbox;
use cg_sandbox::state::SurveyKind;

fn refusal(e: Error, field: &str) -> String {
    match e {
        Error::InvalidInput { field: f, problem } => {
            assert_eq!(f, field, "{problem}");
            problem
        }
        other => panic!("expected Error::InvalidInput, got {other:?}"),
    }
}

fn export_requests(sandbox: &Sandbox, path: &str) -> Vec<cg_sandbox::LoggedRequest> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path == path)
        .collect()
}

fn ids_of(sandbox: &Sandbox, kind: SurveyKind) -> Vec<u64> {
    sandbox
        .state()
        .surveys
        .iter()
        .filter(|s| s.kind == kind)
        .map(|s| s.number_customergauge)
        .collect()
}

/// Twenty more responses, so that the export spans several pages.
async fn add_responses(client: &cg_facade::Client, n: usize) {
    for i in 0..n {
        let score = (i % 11).to_string();
        client
            .transactions()
            .create_response([
                ("Email", format!("bulk{i}@example.com")),
                ("NetPromoterScore", score),
                ("DateFormCompleted", "2024-04-01 08:00:00".to_string()),
            ])
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn the_export_yields_each_response_exactly_once_across_pages() {
    let (sandbox, client) = common::start().await;
    add_responses(&client, 20).await;
    sandbox.clear_requests();

    let exported: Vec<SurveyResponse> = client
        .responses()
        .export()
        .per_page(7)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<u64> = exported
        .iter()
        .filter_map(|r| r.number_customergauge)
        .collect();
    assert_eq!(
        ids,
        ids_of(&sandbox, SurveyKind::Response),
        "every response once, oldest first"
    );
    assert_eq!(ids.len(), 26);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len());

    let pages = export_requests(&sandbox, "/v7/rest/sync/responses");
    assert_eq!(pages.len(), 5, "pages of 7, 7, 7, 5 and the empty end");
    assert!(
        pages[0]
            .query
            .as_deref()
            .is_some_and(|q| !q.contains("cursor=")),
        "the first page has no cursor"
    );
    assert!(
        pages[1..]
            .iter()
            .all(|r| r.query.as_deref().is_some_and(|q| q.contains("cursor=")))
    );
    assert!(pages.iter().all(|r| r.auth == cg_sandbox::AuthKind::Bearer));

    let joe = exported
        .iter()
        .find(|r| r.email.as_deref() == Some("joe.doe@example.com"))
        .unwrap();
    assert_eq!(
        (joe.nps, joe.account_name.as_deref()),
        (Some(10), Some("ACME"))
    );
    assert!(
        joe.date_survey_response.is_some() && joe.drivers.is_empty(),
        "no expansion asked for"
    );
}

#[tokio::test]
async fn a_page_hands_out_a_cursor_to_resume_from() {
    let (sandbox, client) = common::start().await;
    let first = client
        .responses()
        .export()
        .per_page(4)
        .send()
        .await
        .unwrap();
    assert_eq!(first.items.len(), 4);
    let cursor = first.next.clone().unwrap();

    let rest: Vec<SurveyResponse> = client
        .responses()
        .export()
        .per_page(4)
        .cursor(cursor.clone())
        .stream()
        .try_collect()
        .await
        .unwrap();
    let all: Vec<u64> = first
        .items
        .iter()
        .chain(&rest)
        .filter_map(|r| r.number_customergauge)
        .collect();
    assert_eq!(all, ids_of(&sandbox, SurveyKind::Response));

    // A later sync from the last cursor sees only what is new.
    let last = client
        .responses()
        .export()
        .cursor(cursor)
        .per_page(1000)
        .send()
        .await
        .unwrap();
    let end = last.next.unwrap();
    assert!(
        client
            .responses()
            .export()
            .cursor(end.clone())
            .send()
            .await
            .unwrap()
            .items
            .is_empty()
    );
    add_responses(&client, 2).await;
    let new: Vec<SurveyResponse> = client
        .responses()
        .export()
        .cursor(end)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        new.iter()
            .map(|r| r.email.clone().unwrap())
            .collect::<Vec<_>>(),
        vec!["bulk0@example.com", "bulk1@example.com"]
    );
}

#[tokio::test]
async fn expansions_add_drivers_tags_properties_and_questions() {
    let (sandbox, client) = common::start().await;
    let exported: Vec<SurveyResponse> = client
        .responses()
        .export()
        .with(&[With::Drivers, With::Tags])
        .with(&[With::Properties, With::Questions, With::Drivers])
        .stream()
        .try_collect()
        .await
        .unwrap();
    let query = export_requests(&sandbox, "/v7/rest/sync/responses")[0]
        .query
        .clone()
        .unwrap();
    assert_eq!(
        query.matches("with%5B%5D=").count(),
        4,
        "each expansion once: {query}"
    );

    let joe = exported
        .iter()
        .find(|r| r.email.as_deref() == Some("joe.doe@example.com"))
        .unwrap();
    assert_eq!(
        joe.driver_labels().collect::<Vec<_>>(),
        vec!["Product quality"]
    );
    assert_eq!(joe.tags, vec!["happy"]);
    assert_eq!(
        (joe.property("Region"), joe.property("Touchpoint")),
        (Some("Europe"), Some("Onboarding"))
    );
    assert_eq!(joe.questions.len(), 1);
    assert_eq!(joe.questions[0].get("answer"), Some(&serde_json::json!(10)));
    let mary = exported
        .iter()
        .find(|r| r.email.as_deref() == Some("mary.major@example.com"))
        .unwrap();
    assert_eq!(
        (
            mary.nps,
            mary.driver_labels().collect::<Vec<_>>(),
            mary.tags.as_slice()
        ),
        (Some(3), vec!["Price"], &["follow-up".to_string()][..])
    );
}

#[tokio::test]
async fn non_responses_are_exported_separately_without_answers() {
    let (sandbox, client) = common::start().await;
    let exported: Vec<SurveyResponse> = client
        .responses()
        .export_non_responses()
        .per_page(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<u64> = exported
        .iter()
        .filter_map(|r| r.number_customergauge)
        .collect();
    assert_eq!(ids, ids_of(&sandbox, SurveyKind::NonResponse));
    assert_eq!(ids.len(), 2);
    assert!(
        exported
            .iter()
            .all(|r| r.nps.is_none() && r.comment.is_none() && r.date_survey_response.is_none())
    );
    assert_eq!(
        export_requests(&sandbox, "/v7/rest/sync/non-responses").len(),
        3
    );
}

#[tokio::test]
async fn a_period_limits_the_export() {
    let (sandbox, client) = common::start().await;
    add_responses(&client, 3).await;
    let april = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
    let in_april: Vec<SurveyResponse> = client
        .responses()
        .export()
        .period_field(PeriodField::DateSurveyResponse)
        .since(april)
        .until(april)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(in_april.len(), 3);
    assert!(
        in_april
            .iter()
            .all(|r| r.date_survey_response.as_deref() == Some("2024-04-01 08:00:00"))
    );
    let query = export_requests(&sandbox, "/v7/rest/sync/responses")[0]
        .query
        .clone()
        .unwrap();
    assert!(
        query.contains("period%5Bfield%5D=date_survey_response")
            && query.contains("period%5Bstart%5D=2024-04-01"),
        "{query}"
    );

    let long_ago = NaiveDate::from_ymd_opt(2001, 1, 1).unwrap();
    let none: Vec<SurveyResponse> = client
        .responses()
        .export()
        .since(long_ago)
        .until(long_ago)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn bad_exports_are_refused_before_sending_and_by_the_service() {
    let (sandbox, client) = common::start().await;
    refusal(
        client
            .responses()
            .export()
            .per_page(0)
            .send()
            .await
            .unwrap_err(),
        "per_page",
    );
    refusal(
        client
            .responses()
            .export()
            .per_page(1001)
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err(),
        "per_page",
    );
    let (may, april) = (
        NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
        NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(),
    );
    refusal(
        client
            .responses()
            .export_non_responses()
            .since(may)
            .until(april)
            .send()
            .await
            .unwrap_err(),
        "since",
    );
    assert!(
        sandbox
            .requests()
            .iter()
            .all(|r| !r.path.starts_with("/v7/")),
        "nothing was sent"
    );

    // A cursor the service did not hand out.
    let e = client
        .responses()
        .export()
        .cursor("not-a-cursor")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400), "{e}");
    assert!(e.message().contains("cursor"), "{e}");
}

#[tokio::test]
async fn close_loop_status_changes_are_stored() {
    let (sandbox, client) = common::start().await;
    let mary = sandbox
        .state()
        .surveys
        .into_iter()
        .find(|s| s.email.as_deref() == Some("mary.major@example.com"))
        .unwrap();
    let id = mary.number_customergauge;

    client
        .close_loop()
        .set_status(id, CloseLoopStatus::Open)
        .send()
        .await
        .unwrap();
    let at = NaiveDate::from_ymd_opt(2024, 5, 1)
        .unwrap()
        .and_hms_opt(14, 30, 0)
        .unwrap();
    client
        .close_loop()
        .set_status(id, CloseLoopStatus::Progress)
        .note("Called the customer, follow-up planned.")
        .happened_at(at)
        .send()
        .await
        .unwrap();
    let workflow = sandbox
        .state()
        .surveys
        .into_iter()
        .find(|s| s.number_customergauge == id)
        .unwrap()
        .workflow;
    assert_eq!(workflow.status.as_deref(), Some("progress"));
    assert_eq!(
        workflow.notes,
        vec!["Called the customer, follow-up planned."]
    );
    assert_eq!(workflow.happened_at.as_deref(), Some("2024-05-01 14:30:00"));

    client
        .close_loop()
        .set_status(id, CloseLoopStatus::Closed)
        .send()
        .await
        .unwrap();
    let workflow = sandbox
        .state()
        .surveys
        .into_iter()
        .find(|s| s.number_customergauge == id)
        .unwrap()
        .workflow;
    assert_eq!(workflow.status.as_deref(), Some("closed"));
    let puts = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v7/rest/close-loop/status")
        .collect::<Vec<_>>();
    assert_eq!(puts.len(), 3);
    assert!(
        puts.iter().all(|r| r.method == "PUT"
            && r.status == 200
            && r.auth == cg_sandbox::AuthKind::Bearer)
    );
}

#[tokio::test]
async fn close_loop_refusals() {
    let (sandbox, client) = common::start().await;
    let id = sandbox.state().surveys[0].number_customergauge;
    let p = refusal(
        client
            .close_loop()
            .set_status(id, CloseLoopStatus::Progress)
            .send()
            .await
            .unwrap_err(),
        "note",
    );
    assert!(p.contains("progress"), "{p}");
    refusal(
        client
            .close_loop()
            .set_status(id, CloseLoopStatus::Progress)
            .note("   ")
            .send()
            .await
            .unwrap_err(),
        "note",
    );
    assert!(
        sandbox
            .requests()
            .iter()
            .all(|r| !r.path.starts_with("/v7/")),
        "nothing was sent"
    );

    let unknown = client
        .close_loop()
        .set_status(999_999, CloseLoopStatus::Closed)
        .send()
        .await
        .unwrap_err();
    assert_eq!(unknown.status(), Some(404), "{unknown}");

    // The service's own check, reached through the generated client.
    let (url, http, pipeline) = client.raw_parts(HostFamily::Api);
    let raw = cg_raw_sync::Client::new_with_client(&url, http, pipeline);
    let body = cg_raw_sync::types::CloseLoopStatusUpdate {
        number_customergauge: cg_raw_sync::types::IntOrString::Int64(i64::try_from(id).unwrap()),
        status: cg_raw_sync::types::CloseLoopStatusUpdateStatus::Progress,
        note: None,
        happened_at: None,
    };
    let e = raw
        .update_close_loop_status()
        .body(body)
        .send()
        .await
        .unwrap_err();
    match e {
        progenitor_client::Error::ErrorResponse(answer) => {
            assert_eq!(answer.status().as_u16(), 422);
            assert!(answer.errors.contains_key("note"), "{:?}", answer.errors);
        }
        other => panic!("expected 422, got {other:?}"),
    }
}
