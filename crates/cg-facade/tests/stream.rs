//! `client.stream()` against the sandbox: records sent as XML become survey records and
//! an upload entry; escaping, name checks, empty input, and the service's 400700.

mod common;

use cg_facade::modules::files::UploadKind;
use cg_facade::{Client, Error, Format, HostFamily};
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

fn stream_posts(sandbox: &Sandbox) -> usize {
    sandbox
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/v4.1/stream/"))
        .count()
}

fn raw_stream(client: &Client) -> cg_raw_stream::Client {
    let (url, http, pipeline) = client.raw_parts(HostFamily::Api);
    cg_raw_stream::Client::new_with_client(&url, http, pipeline)
}

#[tokio::test]
async fn transactional_records_become_queued_invitations_and_an_upload() {
    let (sandbox, client) = common::start().await;
    let before = sandbox.state().surveys.len();
    let receipt = client
        .stream()
        .transactional([
            vec![
                ("Email", "lee_klameth@directness.net"),
                ("FirstName", "Lee"),
                ("LastName", "Klameth"),
                ("Comment", "<b>fast</b> & \"cheap\""),
                ("Region", "Europe"),
            ],
            vec![
                ("Email", "second@example.com"),
                ("FirstName", "Sec"),
                ("LastName", "Ond"),
            ],
        ])
        .await
        .unwrap();
    assert_eq!(
        (
            receipt.sent,
            receipt.accepted,
            receipt.taken,
            receipt.refused
        ),
        (2, true, Some(2), Some(0))
    );

    let state = sandbox.state();
    assert_eq!(state.surveys.len(), before + 2);
    let lee = state
        .surveys
        .iter()
        .find(|s| s.email.as_deref() == Some("lee_klameth@directness.net"))
        .unwrap();
    assert_eq!(
        (lee.kind, lee.status.as_str(), lee.source.as_str()),
        (SurveyKind::NonResponse, "QUEUE", "stream")
    );
    assert_eq!(
        lee.comment.as_deref(),
        Some("<b>fast</b> & \"cheap\""),
        "the value arrives unchanged"
    );
    assert_eq!(lee.fields.get("Region").map(String::as_str), Some("Europe"));

    let upload_id = receipt.upload_id.unwrap();
    let listed = client
        .files()
        .list(UploadKind::Transactional)
        .id(upload_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            listed.len(),
            listed[0].total_records,
            listed[0].successful_records
        ),
        (1, 2, 2)
    );
    assert_eq!(stream_posts(&sandbox), 1);
}

#[tokio::test]
async fn historical_records_with_a_score_become_responses() {
    let (sandbox, client) = common::start().await;
    let receipt = client
        .stream()
        .historical(vec![
            [
                ("Email", "old.customer@example.com"),
                ("NetPromoterScore", "8"),
                ("DateFormCompleted", "2023-01-10 09:00:00"),
            ],
            [
                ("Email", "not-an-address"),
                ("NetPromoterScore", "5"),
                ("DateFormCompleted", "2023-01-11 09:00:00"),
            ],
        ])
        .await
        .unwrap();
    assert_eq!((receipt.taken, receipt.refused), (Some(1), Some(1)));
    assert_eq!(receipt.logs.len(), 1);
    assert!(
        receipt.logs[0].contains("Record 2") && receipt.logs[0].contains("not-an-address"),
        "{:?}",
        receipt.logs
    );

    let state = sandbox.state();
    let old = state
        .surveys
        .iter()
        .find(|s| s.email.as_deref() == Some("old.customer@example.com"))
        .unwrap();
    assert_eq!((old.kind, old.nps), (SurveyKind::Response, Some(8)));
    assert_eq!(
        old.date_survey_response.as_deref(),
        Some("2023-01-10 09:00:00")
    );
    let listed = client
        .files()
        .list(UploadKind::Historical)
        .id(receipt.upload_id.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(listed[0].unsuccessful_records, 1);
}

#[tokio::test]
async fn the_receipt_reads_the_same_in_xml() {
    let (sandbox, client) = common::start().await;
    let receipt = client
        .with_format(Format::Xml)
        .stream()
        .transactional([[("Email", "xml.stream@example.com")]])
        .await
        .unwrap();
    assert_eq!(
        (receipt.sent, receipt.taken, receipt.refused),
        (1, Some(1), Some(0))
    );
    assert!(receipt.upload_id.is_some());
    assert!(
        sandbox
            .requests()
            .iter()
            .any(|r| r.path == "/v4.1/stream/transactional.xml" && r.status == 200)
    );
}

#[tokio::test]
async fn empty_input_and_bad_names_are_refused_before_sending() {
    let (sandbox, client) = common::start().await;
    let stream = client.stream();
    let p = refusal(
        stream
            .transactional(Vec::<Vec<(String, String)>>::new())
            .await
            .unwrap_err(),
        "records",
    );
    assert!(p.contains("400700"), "{p}");
    refusal(
        stream
            .historical([Vec::<(String, String)>::new()])
            .await
            .unwrap_err(),
        "records[0]",
    );

    let p = refusal(
        stream
            .transactional([[("Email", "a@example.com"), ("Account Name", "ACME")]])
            .await
            .unwrap_err(),
        "Account Name",
    );
    assert!(p.contains("not a valid XML element name"), "{p}");
    refusal(
        stream
            .transactional([[("1st_contact", "x")]])
            .await
            .unwrap_err(),
        "1st_contact",
    );
    refusal(
        stream
            .transactional([[("Email", "bell\u{7}@example.com")]])
            .await
            .unwrap_err(),
        "Email",
    );

    let many: Vec<_> = (0..2001)
        .map(|i| [("Email", format!("p{i}@example.com"))])
        .collect();
    let p = refusal(stream.transactional(many).await.unwrap_err(), "records");
    assert!(p.contains("2001"), "{p}");
    assert_eq!(stream_posts(&sandbox), 0, "nothing was sent");
}

#[tokio::test]
async fn the_service_answers_400700_to_an_empty_document() {
    let (sandbox, client) = common::start().await;
    let raw = raw_stream(&client);
    for body in [
        "",
        "<?xml version='1.0' encoding='utf-8'?><records></records>",
    ] {
        let e = raw
            .stream_transactional("json", body.to_string())
            .await
            .unwrap_err();
        let progenitor_client::Error::ErrorResponse(answer) = e else {
            panic!("{e:?}")
        };
        assert_eq!(answer.status().as_u16(), 400);
        let error = answer.into_inner().error;
        assert_eq!(error.code.map(|c| c.to_string()).as_deref(), Some("400700"));
        assert_eq!(error.message.as_deref(), Some("No data provided"));
    }
    assert_eq!(sandbox.state().uploads.len(), 4, "nothing was stored");
}
