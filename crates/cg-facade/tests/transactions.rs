//! `client.transactions()` against the sandbox: the listing with its filters, paging and
//! XML, creating and updating responses and non-responses, and the documented refusals.

mod common;

use futures::TryStreamExt;

use cg_facade::modules::transactions::{DateMethod, Transaction, TransactionStatus};
use cg_facade::{Error, ErrorCode, Format};
use cg_sandbox::Sandbox;
use cg_sandbox::state::SurveyKind;

fn api_code(e: Error) -> ErrorCode {
    match e {
        Error::Api { code, status, .. } => {
            assert_eq!(status, 400);
            code
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

fn refusal(e: Error, field: &str) -> String {
    match e {
        Error::InvalidInput { field: f, problem } => {
            assert_eq!(f, field, "{problem}");
            problem
        }
        other => panic!("expected Error::InvalidInput, got {other:?}"),
    }
}

fn listing_requests(sandbox: &Sandbox) -> Vec<cg_sandbox::LoggedRequest> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v4.1/transactions."))
        .collect()
}

#[tokio::test]
async fn lists_every_survey_record_with_its_fields() {
    let (sandbox, client) = common::start().await;
    let listed = client.transactions().list().send().await.unwrap();
    let state = sandbox.state();
    assert_eq!(listed.len(), state.surveys.len());
    for survey in &state.surveys {
        let t = listed
            .iter()
            .find(|t| t.number_customergauge == survey.number_customergauge)
            .unwrap();
        assert_eq!(t.email, survey.email);
        assert_eq!(t.nps.map(i64::from), survey.nps);
        assert_eq!(t.status.as_deref(), Some(survey.status.as_str()));
        assert_eq!(t.date_survey_response, survey.date_survey_response);
        assert_eq!(
            t.field("Region").as_ref(),
            survey.fields.get("Region"),
            "segments are kept"
        );
        assert_eq!(
            t.field("account_name").as_ref(),
            survey.account_name.as_ref()
        );
    }
    let joe = listed
        .iter()
        .find(|t| t.email.as_deref() == Some("joe.doe@example.com"))
        .unwrap();
    assert_eq!(
        (joe.nps, joe.status_kind()),
        (Some(10), Some(TransactionStatus::Processed))
    );
    assert_eq!(joe.field("Touchpoint").as_deref(), Some("Onboarding"));
    let lee = listed
        .iter()
        .find(|t| t.email.as_deref() == Some("lee.chan@example.com"))
        .unwrap();
    assert_eq!(
        (
            lee.nps,
            lee.comment.as_deref(),
            lee.date_survey_response.as_deref()
        ),
        (None, None, None)
    );
}

#[tokio::test]
async fn filters_by_field_status_age_and_date_range() {
    let (sandbox, client) = common::start().await;
    let list = || client.transactions().list();

    let joe = list()
        .filter("email", "joe.doe@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(joe.len(), 1);
    assert_eq!(joe[0].first_name.as_deref(), Some("Joe"));
    let query = listing_requests(&sandbox)
        .last()
        .unwrap()
        .query
        .clone()
        .unwrap();
    assert!(
        query.contains("filter_email=joe.doe%40example.com"),
        "{query}"
    );

    // Filters combine, on segments too; `filter_` in the name is accepted.
    let acme_support = list()
        .filter("filter_Touchpoint", "Support")
        .filter("account_name", "ACME")
        .send()
        .await
        .unwrap();
    assert_eq!(
        acme_support
            .iter()
            .map(|t| t.email.clone().unwrap())
            .collect::<Vec<_>>(),
        vec!["jane.roe@example.com"]
    );

    let queued = list()
        .status(TransactionStatus::Queue)
        .send()
        .await
        .unwrap();
    let mut emails: Vec<_> = queued.iter().filter_map(|t| t.email.clone()).collect();
    emails.sort();
    assert_eq!(
        emails,
        vec!["lee.chan@example.com", "sam.jones@example.com"]
    );
    assert!(
        queued
            .iter()
            .all(|t| t.status_kind() == Some(TransactionStatus::Queue))
    );

    // Demo records were ordered 2, 5, 8, ... 23 days ago.
    assert_eq!(list().days(6).send().await.unwrap().len(), 2);
    assert_eq!(list().days(365).send().await.unwrap().len(), 8);

    let today = chrono::Utc::now().date_naive();
    let week = list()
        .from(today - chrono::Days::new(6))
        .to(today)
        .date_method(DateMethod::DateOrder)
        .send()
        .await
        .unwrap();
    assert_eq!(week.len(), 2);
    let query = listing_requests(&sandbox)
        .last()
        .unwrap()
        .query
        .clone()
        .unwrap();
    assert!(
        query.contains("date_method=date_order") && query.contains("date_range_from="),
        "{query}"
    );

    // Nothing matched: the service's 400002 is an empty list.
    assert!(
        list()
            .filter("email", "nobody@example.com")
            .send()
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(listing_requests(&sandbox).last().unwrap().status, 400);
}

#[tokio::test]
async fn refuses_bad_listings_locally_and_reports_the_services_refusals() {
    let (sandbox, client) = common::start().await;
    let list = || client.transactions().list();
    let p = refusal(list().days(366).send().await.unwrap_err(), "days");
    assert!(p.contains("1..=365"), "{p}");
    refusal(list().days(0).send().await.unwrap_err(), "days");
    refusal(list().limit(1001).send().await.unwrap_err(), "limit");
    refusal(list().filter("", "x").send().await.unwrap_err(), "filter");
    let today = chrono::Utc::now().date_naive();
    refusal(
        list().from(today).send().await.unwrap_err(),
        "date_range_to",
    );
    refusal(
        list()
            .days(400)
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err(),
        "days",
    );
    assert!(listing_requests(&sandbox).is_empty(), "nothing was sent");

    let unknown = list().filter("shoe_size", "42").send().await.unwrap_err();
    assert!(unknown.message().contains("shoe_size"), "{unknown}");
    assert_eq!(api_code(unknown), ErrorCode::TransactionFilterKeyUnknown);
}

#[tokio::test]
async fn streams_every_record_once_page_by_page() {
    let (sandbox, client) = common::start().await;
    let all: Vec<Transaction> = client
        .transactions()
        .list()
        .limit(3)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let mut ids: Vec<u64> = all.iter().map(|t| t.number_customergauge).collect();
    assert_eq!(ids.len(), 8);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 8, "each record exactly once");
    let pages = listing_requests(&sandbox);
    // 3 + 3 + 2 and the empty end; a page fetched ahead on the guess of full pages
    // (start=9) may also have gone out before the short page showed the end.
    let guessed = pages
        .iter()
        .filter(|r| r.query.as_deref().is_some_and(|q| q.contains("start=9")))
        .count();
    assert!(guessed <= 1);
    assert_eq!(
        pages.len() - guessed,
        4,
        "3 + 3 + 2 and the empty end: {pages:?}"
    );
    assert_eq!(pages.iter().filter(|r| r.status == 200).count(), 3);

    let from_offset = client
        .transactions()
        .list()
        .limit(3)
        .start(6)
        .send()
        .await
        .unwrap();
    assert_eq!(from_offset, all[6..].to_vec());
}

#[tokio::test]
async fn the_listing_reads_the_same_in_xml() {
    let (sandbox, client) = common::start().await;
    let json = client.transactions().list().send().await.unwrap();
    let xml = client.with_format(Format::Xml);
    let from_xml = xml.transactions().list().send().await.unwrap();
    assert_eq!(from_xml, json);
    assert!(
        xml.transactions()
            .list()
            .filter("email", "nobody@example.com")
            .send()
            .await
            .unwrap()
            .is_empty()
    );
    let unknown = xml
        .transactions()
        .list()
        .filter("shoe_size", "42")
        .send()
        .await
        .unwrap_err();
    assert_eq!(api_code(unknown), ErrorCode::TransactionFilterKeyUnknown);
    assert_eq!(
        listing_requests(&sandbox)
            .iter()
            .filter(|r| r.path.ends_with(".xml"))
            .count(),
        3
    );
}

#[tokio::test]
async fn creates_and_updates_a_response() {
    let (sandbox, client) = common::start().await;
    let transactions = client.transactions();
    let id = transactions
        .create_response([
            ("Email", "new.response@example.com"),
            ("FirstName", "Nia"),
            ("NetPromoterScore", "9"),
            ("Comment", "Quick delivery & friendly"),
            ("DateFormCompleted", "2024-05-15 11:35:54"),
            ("Region", "Europe"),
        ])
        .await
        .unwrap();
    let survey = sandbox
        .state()
        .surveys
        .into_iter()
        .find(|s| s.number_customergauge == id)
        .unwrap();
    assert_eq!(survey.kind, SurveyKind::Response);
    assert_eq!(
        (survey.nps, survey.comment.as_deref()),
        (Some(9), Some("Quick delivery & friendly"))
    );
    assert_eq!(
        survey.fields.get("Region").map(String::as_str),
        Some("Europe")
    );

    let same = transactions
        .update_response(id, [("NetPromoterScore", "10"), ("Comment", "Even better")])
        .await
        .unwrap();
    assert_eq!(same, id);
    let survey = sandbox
        .state()
        .surveys
        .into_iter()
        .find(|s| s.number_customergauge == id)
        .unwrap();
    assert_eq!(
        (survey.nps, survey.comment.as_deref()),
        (Some(10), Some("Even better"))
    );
    assert_eq!(
        survey.first_name.as_deref(),
        Some("Nia"),
        "fields not sent are kept"
    );

    let listed = transactions
        .list()
        .filter("number_customergauge", id.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].nps, Some(10));

    // Through XML answers too.
    let xml_id = client
        .with_format(Format::Xml)
        .transactions()
        .create_response([
            ("Email", "xml.response@example.com"),
            ("DateFormCompleted", "2024-05-16"),
        ])
        .await
        .unwrap();
    assert!(
        sandbox
            .state()
            .surveys
            .iter()
            .any(|s| s.number_customergauge == xml_id && xml_id > id)
    );
}

#[tokio::test]
async fn creates_and_updates_a_non_response() {
    let (sandbox, client) = common::start().await;
    let transactions = client.transactions();
    let fields = std::collections::BTreeMap::from([
        ("Email", "invited@example.com"),
        ("DateOrder", "2024-05-01 10:00:00"),
    ]);
    let id = transactions.create_non_response(fields).await.unwrap();
    let survey = sandbox
        .state()
        .surveys
        .into_iter()
        .find(|s| s.number_customergauge == id)
        .unwrap();
    assert_eq!(
        (survey.kind, survey.status.as_str()),
        (SurveyKind::NonResponse, "QUEUE")
    );

    assert_eq!(
        transactions
            .update_non_response(id, [("LastName", "Invitee")])
            .await
            .unwrap(),
        id
    );
    let survey = sandbox
        .state()
        .surveys
        .into_iter()
        .find(|s| s.number_customergauge == id)
        .unwrap();
    assert_eq!(survey.last_name.as_deref(), Some("Invitee"));
}

#[tokio::test]
async fn the_documented_write_refusals() {
    let (sandbox, client) = common::start().await;
    let transactions = client.transactions();
    let no_date = transactions
        .create_response([("Email", "a@example.com"), ("NetPromoterScore", "7")])
        .await
        .unwrap_err();
    assert_eq!(
        api_code(no_date),
        ErrorCode::TransactionDateCompletedRequired
    );
    let with_date = transactions
        .create_non_response([
            ("Email", "a@example.com"),
            ("DateFormCompleted", "2024-05-01"),
        ])
        .await
        .unwrap_err();
    assert_eq!(
        api_code(with_date),
        ErrorCode::TransactionDateCompletedForbidden
    );

    let unknown = transactions
        .update_response(999_999, [("Comment", "x")])
        .await
        .unwrap_err();
    assert_eq!(api_code(unknown), ErrorCode::TransactionIdNotFound);
    // A non-response is not updated as a response.
    let lee = sandbox
        .state()
        .surveys
        .into_iter()
        .find(|s| s.email.as_deref() == Some("lee.chan@example.com"))
        .unwrap();
    let wrong_kind = transactions
        .update_response(lee.number_customergauge, [("Comment", "x")])
        .await
        .unwrap_err();
    assert_eq!(api_code(wrong_kind), ErrorCode::TransactionIdNotFound);
    let completed = transactions
        .update_non_response(
            lee.number_customergauge,
            [("DateFormCompleted", "2024-05-01")],
        )
        .await
        .unwrap_err();
    assert_eq!(
        api_code(completed),
        ErrorCode::TransactionDateCompletedForbidden
    );

    let before = sandbox.requests().len();
    refusal(
        transactions
            .create_response(Vec::<(String, String)>::new())
            .await
            .unwrap_err(),
        "fields",
    );
    refusal(
        transactions.create_response([("", "x")]).await.unwrap_err(),
        "fields",
    );
    let p = refusal(
        transactions
            .update_response(1, [("id", "2")])
            .await
            .unwrap_err(),
        "fields",
    );
    assert!(p.contains("first argument"), "{p}");
    assert_eq!(sandbox.requests().len(), before, "nothing was sent");
}
