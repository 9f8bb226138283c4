//! `client.workflow()`, `client.reasons()` and `client.report()` against the sandbox.

mod common;

use cg_facade::modules::reasons::{GoodBad, ShowFor};
use cg_facade::modules::workflow::WorkflowStatus;
use cg_facade::{Client, Credentials, Error, ErrorCode, Format};
use cg_sandbox::state::Reason as SandboxReason;
use cg_sandbox::{AuthKind, Fault, Sandbox};
use chrono::{Duration, NaiveDate, Utc};

fn api_code(e: Error) -> ErrorCode {
    match e {
        Error::Api { code, .. } => code,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

fn invalid_field(e: Error) -> String {
    match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected Error::InvalidInput, got {other:?}"),
    }
}

fn requests_to(sandbox: &Sandbox, prefix: &str) -> Vec<cg_sandbox::LoggedRequest> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with(prefix))
        .collect()
}

fn wrong_key_client(sandbox: &Sandbox) -> Client {
    Client::builder()
        .endpoints(common::endpoints(sandbox))
        .credentials(Credentials::api_key("not-the-key"))
        .build()
        .unwrap()
}

// ---- workflow -------------------------------------------------------------

#[tokio::test]
async fn workflow_update_sets_status_comment_and_assignee() {
    let (sandbox, client) = common::start().await;
    let id = client
        .workflow()
        .update(1)
        .status(WorkflowStatus::Closed)
        .comment("Called the customer.")
        .assigned_to("jane.roe@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(id, 1);
    let workflow = sandbox.state().surveys[0].workflow.clone();
    assert_eq!(workflow.status.as_deref(), Some("CLOSED"));
    assert_eq!(
        workflow.assigned_to.as_deref(),
        Some("jane.roe@example.com")
    );
    assert_eq!(workflow.notes, vec!["Called the customer.".to_string()]);

    for (status, stored) in [
        (WorkflowStatus::InProgress, "IN-PROGRESS"),
        (WorkflowStatus::Open, "OPEN"),
        (WorkflowStatus::Custom(0), "0"),
        (WorkflowStatus::Custom(99), "99"),
    ] {
        client
            .workflow()
            .update(2)
            .status(status)
            .send()
            .await
            .unwrap();
        assert_eq!(
            sandbox.state().surveys[1].workflow.status.as_deref(),
            Some(stored)
        );
    }
    // A comment alone keeps the status.
    client
        .workflow()
        .update(2)
        .comment("Still waiting.")
        .send()
        .await
        .unwrap();
    let second = sandbox.state().surveys[1].workflow.clone();
    assert_eq!(
        (second.status.as_deref(), second.notes.len()),
        (Some("99"), 1)
    );
}

#[tokio::test]
async fn workflow_of_an_unknown_record_is_400200() {
    let (sandbox, client) = common::start().await;
    let e = client
        .workflow()
        .update(9999)
        .status(WorkflowStatus::Open)
        .send()
        .await
        .unwrap_err();
    assert_eq!(api_code(e), ErrorCode::NotFound);
    assert!(
        sandbox
            .state()
            .surveys
            .iter()
            .all(|s| s.workflow.status.is_none())
    );
}

#[tokio::test]
async fn workflow_input_is_checked_before_sending() {
    let (sandbox, client) = common::start().await;
    sandbox.clear_requests();
    let w = client.workflow();
    assert_eq!(
        invalid_field(
            w.update(1)
                .status(WorkflowStatus::Custom(100))
                .send()
                .await
                .unwrap_err()
        ),
        "status"
    );
    assert_eq!(
        invalid_field(w.update(1).assigned_to("jane").send().await.unwrap_err()),
        "assigned_to"
    );
    assert_eq!(
        invalid_field(w.update(1).comment("  ").send().await.unwrap_err()),
        "comment"
    );
    assert_eq!(
        invalid_field(w.update(1).send().await.unwrap_err()),
        "status"
    );
    assert!(
        requests_to(&sandbox, "/v4.1/workflow").is_empty(),
        "nothing was sent"
    );
    assert_eq!(
        "in-progress".parse::<WorkflowStatus>().unwrap(),
        WorkflowStatus::InProgress
    );
    assert_eq!(
        invalid_field("DONE".parse::<WorkflowStatus>().unwrap_err()),
        "status"
    );
}

#[tokio::test]
async fn workflow_in_xml() {
    let (sandbox, client) = common::start().await;
    let xml = client.with_format(Format::Xml);
    let id = xml
        .workflow()
        .update(3)
        .status(WorkflowStatus::Progress)
        .send()
        .await
        .unwrap();
    assert_eq!(id, 3);
    assert_eq!(
        sandbox.state().surveys[2].workflow.status.as_deref(),
        Some("PROGRESS")
    );
    let e = xml
        .workflow()
        .update(9999)
        .comment("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(api_code(e), ErrorCode::NotFound);
    assert!(requests_to(&sandbox, "/v4.1/workflow.xml").len() == 2);
}

// ---- reasons --------------------------------------------------------------

#[tokio::test]
async fn reasons_are_typed() {
    let (sandbox, client) = common::start().await;
    let reasons = client.reasons().list().send().await.unwrap();
    assert_eq!(reasons.len(), sandbox.state().reasons.len());
    let friendly = reasons
        .iter()
        .find(|r| r.label.as_deref() == Some("Friendly staff"))
        .unwrap();
    assert_eq!(friendly.reason_code.as_deref(), Some("4"));
    assert_eq!(
        (friendly.level, friendly.category_main.as_deref()),
        (Some(2), Some("2"))
    );
    assert_eq!(
        (friendly.show_for.clone(), friendly.good_bad.clone()),
        (Some(ShowFor::Promoter), Some(GoodBad::Pos))
    );
    assert_eq!(
        (friendly.numeration.as_deref(), friendly.position),
        (Some("4"), Some(4))
    );
    let price = reasons
        .iter()
        .find(|r| r.reason_code.as_deref() == Some("11"))
        .unwrap();
    assert_eq!(
        (price.show_for.clone(), price.good_bad.clone(), price.level),
        (
            Some(ShowFor::DetractorAndNeutral),
            Some(GoodBad::Neg),
            Some(1)
        )
    );
}

#[tokio::test]
async fn reasons_for_one_group() {
    let (sandbox, client) = common::start().await;
    let promoters = client
        .reasons()
        .list()
        .show_for(ShowFor::Promoter)
        .send()
        .await
        .unwrap();
    assert_eq!(promoters.len(), 4);
    assert!(
        promoters
            .iter()
            .all(|r| r.show_for == Some(ShowFor::Promoter) && r.good_bad == Some(GoodBad::Pos))
    );
    let others = client
        .reasons()
        .list()
        .show_for(ShowFor::DetractorAndNeutral)
        .send()
        .await
        .unwrap();
    assert_eq!(others.len(), 4);
    assert!(
        others
            .iter()
            .all(|r| r.show_for == Some(ShowFor::DetractorAndNeutral)
                && r.good_bad == Some(GoodBad::Neg))
    );
    // The `&` travels percent-encoded, as part of the value.
    let queries: Vec<String> = requests_to(&sandbox, "/v4.1/reasons")
        .into_iter()
        .filter_map(|r| r.query)
        .collect();
    assert!(
        queries.iter().any(|q| q == "show_for=Detractor%26Neutral"),
        "{queries:?}"
    );
}

#[tokio::test]
async fn no_reasons_is_empty_and_any_code_text_is_kept() {
    let (sandbox, client) = common::start().await;
    sandbox.with_state(|s| s.reasons.clear());
    assert!(client.reasons().list().send().await.unwrap().is_empty());
    sandbox.with_state(|s| {
        s.reasons.push(SandboxReason {
            reason_code: "R-7".into(),
            numeration: "1".into(),
            position: "1".into(),
            show_for: "Promoter".into(),
            good_bad: "pos".into(),
            category_main: "1".into(),
            level: "1".into(),
            label: "Odd".into(),
        })
    });
    // No document fixes the code's format (art 5000722471): any text is a code.
    for format in [Format::Json, Format::Xml] {
        let reasons = client
            .with_format(format)
            .reasons()
            .list()
            .send()
            .await
            .unwrap();
        assert_eq!(reasons.len(), 1, "{format:?}");
        assert_eq!(reasons[0].reason_code.as_deref(), Some("R-7"));
        assert_eq!(reasons[0].label.as_deref(), Some("Odd"));
    }
}

#[tokio::test]
async fn reasons_in_xml_match_json_and_errors_decode() {
    let (sandbox, client) = common::start().await;
    let xml = client.with_format(Format::Xml);
    for show_for in [
        None,
        Some(ShowFor::Promoter),
        Some(ShowFor::DetractorAndNeutral),
    ] {
        let (mut a, mut b) = (client.reasons().list(), xml.reasons().list());
        if let Some(s) = &show_for {
            (a, b) = (a.show_for(s.clone()), b.show_for(s.clone()));
        }
        assert_eq!(
            b.send().await.unwrap(),
            a.send().await.unwrap(),
            "{show_for:?}"
        );
    }
    let e = wrong_key_client(&sandbox)
        .with_format(Format::Xml)
        .reasons()
        .list()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Auth {
                status: Some(401),
                ..
            }
        ),
        "{e:?}"
    );
}

// ---- report ---------------------------------------------------------------

/// The demo responses score 10, 9, 8, 6, 3, 10: 3 promoters, 1 passive, 2 detractors.
#[tokio::test]
async fn nps_of_all_responses() {
    let (sandbox, client) = common::start().await;
    let report = client.report().nps().send().await.unwrap();
    assert_eq!(
        (
            report.promoters,
            report.passives,
            report.detractors,
            report.responses
        ),
        (Some(3), Some(1), Some(2), Some(6))
    );
    assert!((report.nps.unwrap() - 16.67).abs() < 0.01, "{report:?}");
    // The hand-built request went through the pipeline: it carried a bearer token.
    let sent = requests_to(&sandbox, "/v4.1/report/nps");
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].auth, sent[0].status), (AuthKind::Bearer, 200));
}

#[tokio::test]
async fn nps_by_segment_and_date_range() {
    let (sandbox, client) = common::start().await;
    let r = client.report();
    let europe = r.nps().filter("Region", "Europe").send().await.unwrap();
    assert_eq!(
        (europe.nps, europe.promoters, europe.responses),
        (Some(100.0), Some(2), Some(2))
    );
    let america = r
        .nps()
        .filter("Region", "North America")
        .send()
        .await
        .unwrap();
    assert_eq!((america.nps, america.detractors), (Some(-100.0), Some(2)));
    let two = r
        .nps()
        .filter("Region", "Benelux")
        .filter("Touchpoint", "Support")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (two.nps, two.passives, two.responses),
        (Some(0.0), Some(1), Some(1))
    );
    // A second filter on a segment replaces the first.
    let replaced = r
        .nps()
        .filter("Region", "Europe")
        .filter("Region", "Benelux")
        .send()
        .await
        .unwrap();
    assert_eq!((replaced.nps, replaced.responses), (Some(50.0), Some(2)));

    let today = Utc::now().date_naive();
    let recent = r
        .nps()
        .from(today - Duration::days(365))
        .to(today)
        .send()
        .await
        .unwrap();
    assert_eq!(recent.responses, Some(6));
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let old = r
        .nps()
        .from(day(2000, 1, 1))
        .to(day(2000, 12, 31))
        .send()
        .await
        .unwrap();
    assert_eq!(old.responses, Some(0));

    let queries: Vec<String> = requests_to(&sandbox, "/v4.1/report/nps")
        .into_iter()
        .filter_map(|q| q.query)
        .collect();
    assert!(
        queries
            .iter()
            .any(|q| q.contains("filter_Region=North") && q.contains("America")),
        "{queries:?}"
    );
    assert!(
        queries
            .iter()
            .any(|q| q.matches("filter_Region=").count() == 1
                && q.contains("Benelux")
                && !q.contains("Europe"))
    );
    assert!(queries.iter().any(
        |q| q.contains("date_range_from=2000-01-01") && q.contains("date_range_to=2000-12-31")
    ));
}

#[tokio::test]
async fn nps_refusals() {
    let (sandbox, client) = common::start().await;
    let e = client
        .report()
        .nps()
        .filter("Planet", "Mars")
        .send()
        .await
        .unwrap_err();
    assert_eq!(api_code(e), ErrorCode::TransactionFilterKeyUnknown);

    sandbox.clear_requests();
    let day = |d| NaiveDate::from_ymd_opt(2024, 1, d).unwrap();
    let r = client.report();
    assert_eq!(
        invalid_field(r.nps().from(day(1)).send().await.unwrap_err()),
        "date_range_to"
    );
    assert_eq!(
        invalid_field(r.nps().from(day(9)).to(day(2)).send().await.unwrap_err()),
        "date_range_from"
    );
    assert_eq!(
        invalid_field(r.nps().filter(" ", "x").send().await.unwrap_err()),
        "filter"
    );
    assert_eq!(
        invalid_field(r.nps().filter("Region", "").send().await.unwrap_err()),
        "filter_Region"
    );
    assert!(
        requests_to(&sandbox, "/v4.1/report").is_empty(),
        "nothing was sent"
    );
}

#[tokio::test]
async fn nps_is_retried_with_an_api_key_too() {
    let (sandbox, _client) = common::start().await;
    let client = Client::builder()
        .endpoints(common::endpoints(&sandbox))
        .credentials(Credentials::api_key(sandbox.demo_api_key()))
        .retry_policy(cg_facade::RetryPolicy {
            initial_backoff: std::time::Duration::from_millis(5),
            ..Default::default()
        })
        .build()
        .unwrap();
    sandbox.push_faults([Fault::Status(503)]);
    let report = client.report().nps().send().await.unwrap();
    assert_eq!(report.responses, Some(6));
    let sent = requests_to(&sandbox, "/v4.1/report/nps");
    assert_eq!(
        sent.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![503, 200]
    );
    assert!(sent.iter().all(|r| r.auth == AuthKind::ApiKey));

    let e = wrong_key_client(&sandbox)
        .report()
        .nps()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Auth {
                operation: "getNpsReport",
                status: Some(401),
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn nps_in_xml() {
    let (sandbox, client) = common::start().await;
    let xml = client.with_format(Format::Xml);
    for region in ["Europe", "North America", "Benelux"] {
        let json = client
            .report()
            .nps()
            .filter("Region", region)
            .send()
            .await
            .unwrap();
        assert_eq!(
            xml.report()
                .nps()
                .filter("Region", region)
                .send()
                .await
                .unwrap(),
            json,
            "{region}"
        );
    }
    assert_eq!(xml.report().nps().send().await.unwrap().responses, Some(6));
    let e = xml
        .report()
        .nps()
        .filter("Planet", "Mars")
        .send()
        .await
        .unwrap_err();
    assert_eq!(api_code(e), ErrorCode::TransactionFilterKeyUnknown);
    assert!(requests_to(&sandbox, "/v4.1/report/nps.xml").len() >= 5);
}
