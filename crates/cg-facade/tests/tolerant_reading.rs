//! Answers shaped as the vendor documents or plausibly sends them, not as our sandbox
//! does: served from a tiny local listener (the token from the sandbox), read by the
//! facade without failing a page or dropping an item.

mod common;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Query, State};
use axum::routing::get;
use cg_facade::modules::close_loop::CaseStatus;
use cg_facade::modules::lists::BounceKind;
use cg_facade::modules::reasons::GoodBad;
use cg_facade::{Client, Credentials, Cursor, Endpoints, Error};
use futures::TryStreamExt;
use serde_json::{Value, json};
use std::collections::HashMap;

type Seen = Arc<Mutex<Vec<HashMap<String, String>>>>;

fn responses_page(q: &HashMap<String, String>) -> Value {
    match q.get("cursor").map(String::as_str) {
        None => json!({
            "data": [
                // The v6 shape (art 5000875861): nested contact/account, numbers as text.
                {"number_customergauge": "3414", "nps": "10",
                 "contact": {"first_name": "John", "last_name": "Doe", "title": "Dr"},
                 "account": {"name": "ACME", "number": 77},
                 "email": "example@customergauge.com", "number_customer": 123,
                 "properties": null, "drivers": null, "tags": null,
                 "brand_new_field": {"x": 1}},
                {"number_customergauge": 3415, "nps": 9, "first_name": "Mary",
                 "account_name": "ACME", "drivers": [{"label": "Price", "weight": 2}]},
                // An odd item: kept, with the odd value in `extra`.
                {"number_customergauge": 3416, "nps": "ten", "comment": "odd"}
            ],
            "cursor": {"next": 2}
        }),
        Some("2") => json!({"data": [{"number_customergauge": 3417}], "cursor": {"next": "abc"}}),
        _ => json!({"data": [], "cursor": {"next": null}}),
    }
}

fn cases_page(q: &HashMap<String, String>) -> Value {
    match q.get("cursor").map(String::as_str) {
        None => json!({
            "data": [
                {"number_customergauge": "995262", "status": "escalated",
                 "time_to_follow_up": "5", "time_to_close": null,
                 "updated_at": "2022-07-25 14:10:09", "sla": "gold"},
                {"number_customergauge": 53499, "status": "closed", "note": null,
                 "time_to_follow_up": 1, "time_to_close": 3}
            ],
            "cursor": {"next": 7}
        }),
        _ => json!({"data": null, "cursor": {"next": 8}}),
    }
}

fn record(seen: &Seen, q: &HashMap<String, String>) {
    seen.lock().unwrap().push(q.clone());
}

async fn serve(seen: Seen) -> String {
    let app = axum::Router::new()
        .route(
            "/v7/rest/sync/responses",
            get(
                |State(seen): State<Seen>, Query(q): Query<HashMap<String, String>>| async move {
                    record(&seen, &q);
                    Json(responses_page(&q))
                },
            ),
        )
        .route(
            "/v7/rest/sync/close-loop",
            get(
                |State(seen): State<Seen>, Query(q): Query<HashMap<String, String>>| async move {
                    record(&seen, &q);
                    Json(cases_page(&q))
                },
            ),
        )
        .route(
            "/v7/rest/sync/non-responses",
            get(|| async { Json(json!({"items": []})) }),
        )
        .route(
            "/v4.1/lists/bounce.json",
            get(|| async {
                Json(json!({"Data": [
                    {"Email": "a@example.com", "Type": "blocked", "Date": "2013-03-11 16:37:10"},
                    {"Email": "b@example.com", "Type": "hard", "Reason": 554, "Extra": true}
                ]}))
            }),
        )
        .route(
            "/v4.1/lists/unsubscribe.json",
            get(|| async { Json(json!({"Data": 5})) }),
        )
        .route(
            "/v4.1/reasons.json",
            get(|| async {
                Json(json!({"Data": [
                    {"reason_code": "R1", "numeration": "1.6", "position": "6",
                     "show_for": "Everyone", "good_bad": "neutral", "level": 2, "label": "Other"},
                    {"reason_code": 11060, "good_bad": "neg", "level": "x"}
                ]}))
            }),
        )
        .with_state(seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

async fn client() -> (cg_sandbox::Sandbox, Client, Seen) {
    let sandbox = cg_sandbox::Sandbox::builder().seed_demo(true).start().await;
    let seen = Seen::default();
    let url = serve(seen.clone()).await;
    let (id, secret) = sandbox.demo_client();
    let client = Client::builder()
        .endpoints(Endpoints::from_urls(&url, &url, &sandbox.auth_url()).unwrap())
        .credentials(Credentials::client_credentials(id, secret))
        .build()
        .unwrap();
    (sandbox, client, seen)
}

#[tokio::test]
async fn the_export_reads_every_documented_shape_and_keeps_odd_items() {
    let (_sandbox, client, seen) = client().await;
    let first = client.responses().export().send().await.unwrap();
    assert_eq!(first.next, Some(Cursor::from(2_i64)), "an integer cursor");
    assert!(first.next.as_ref().unwrap().as_json().is_number());

    let all: Vec<_> = client
        .responses()
        .export()
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|r| r.number_customergauge).collect();
    assert_eq!(ids, [Some(3414), Some(3415), Some(3416), Some(3417)]);
    let cursors: Vec<_> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|q| q.get("cursor").cloned())
        .collect();
    assert!(cursors.contains(&Some("2".into())) && cursors.contains(&Some("abc".into())));

    let john = &all[0];
    assert_eq!(john.nps, Some(10), "\"nps\": \"10\"");
    assert_eq!(
        (john.first_name.as_deref(), john.last_name.as_deref()),
        (Some("John"), Some("Doe"))
    );
    assert_eq!(
        (john.account_name.as_deref(), john.account_number.as_deref()),
        (Some("ACME"), Some("77"))
    );
    assert_eq!(john.number_customer.as_deref(), Some("123"));
    assert!(john.properties.is_empty() && john.drivers.is_empty() && john.tags.is_empty());
    assert_eq!(
        john.extra["contact"],
        json!({"title": "Dr"}),
        "unknown nested keys kept"
    );
    assert_eq!(john.extra["brand_new_field"], json!({"x": 1}));
    let out = serde_json::to_value(john).unwrap();
    assert_eq!(
        out["brand_new_field"],
        json!({"x": 1}),
        "kept fields reach the output"
    );
    assert_eq!(out["first_name"], json!("John"));

    let mary = &all[1];
    assert_eq!(mary.driver_labels().collect::<Vec<_>>(), ["Price"]);
    assert_eq!(mary.drivers[0].extra["weight"], json!(2));

    let odd = &all[2];
    assert_eq!((odd.nps, odd.comment.as_deref()), (None, Some("odd")));
    assert_eq!(odd.extra["nps"], json!("ten"));
    assert_eq!(
        serde_json::to_value(odd).unwrap()["nps"],
        json!("ten"),
        "written back as sent"
    );

    // Resuming from a stored integer cursor sends it back as digits.
    let page = client
        .responses()
        .export()
        .cursor(2_i64)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next, Some(Cursor::from("abc")));
}

#[tokio::test]
async fn close_loop_cases_page_by_integer_cursor_and_keep_unknown_statuses() {
    let (_sandbox, client, seen) = client().await;
    let day = |d| chrono::NaiveDate::from_ymd_opt(2022, 7, d).unwrap();
    let cases: Vec<_> = client
        .close_loop()
        .cases()
        .since(day(17))
        .until(day(25))
        .per_page(100)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(cases.len(), 2, "a null data ends the walk");
    assert_eq!(cases[0].number_customergauge, Some(995262));
    assert_eq!(cases[0].status, Some(CaseStatus::Other("escalated".into())));
    assert_eq!(
        (cases[0].time_to_follow_up, cases[0].time_to_close),
        (Some(5), None)
    );
    assert_eq!(cases[0].extra["sla"], json!("gold"));
    let out = serde_json::to_value(&cases[0]).unwrap();
    assert_eq!(
        (out["status"].clone(), out["sla"].clone()),
        (json!("escalated"), json!("gold"))
    );
    assert_eq!(
        (cases[1].status.clone(), cases[1].time_to_close),
        (Some(CaseStatus::Closed), Some(3))
    );
    let first = seen.lock().unwrap()[0].clone();
    assert_eq!(
        first.get("updated_at[start]").map(String::as_str),
        Some("2022-07-17")
    );
    assert_eq!(
        first.get("updated_at[end]").map(String::as_str),
        Some("2022-07-25")
    );
    assert_eq!(first.get("per_page").map(String::as_str), Some("100"));
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|q| q.get("cursor").map(String::as_str) == Some("7"))
    );
    assert!(matches!(
        client.close_loop().cases().per_page(1001).send().await,
        Err(Error::InvalidInput { .. })
    ));
}

#[tokio::test]
async fn v41_items_with_unknown_values_are_kept() {
    let (_sandbox, client, _) = client().await;
    let bounces = client.bounces().list().send().await.unwrap();
    assert_eq!(bounces.len(), 2);
    assert_eq!(bounces[0].kind, Some(BounceKind::Other("blocked".into())));
    assert_eq!(
        serde_json::to_value(&bounces[0]).unwrap()["Type"],
        json!("blocked")
    );
    assert_eq!(
        (bounces[1].kind.clone(), bounces[1].reason.as_deref()),
        (Some(BounceKind::Hard), Some("554"))
    );
    assert_eq!(bounces[1].extra["Extra"], json!(true));

    let reasons = client.reasons().list().send().await.unwrap();
    assert_eq!(reasons.len(), 2);
    assert_eq!(reasons[0].reason_code.as_deref(), Some("R1"));
    assert_eq!(reasons[0].good_bad, Some(GoodBad::Other("neutral".into())));
    assert_eq!(
        (
            reasons[0].level,
            reasons[0].position,
            reasons[0].numeration.as_deref()
        ),
        (Some(2), Some(6), Some("1.6"))
    );
    assert_eq!(
        reasons[0].show_for.as_ref().map(|s| s.as_str()),
        Some("Everyone")
    );
    assert_eq!(reasons[1].reason_code.as_deref(), Some("11060"));
    assert_eq!(
        (reasons[1].level, reasons[1].extra["level"].clone()),
        (None, json!("x"))
    );
}

#[tokio::test]
async fn only_an_answer_that_is_not_the_envelope_fails_and_it_names_the_status() {
    let (_sandbox, client, _) = client().await;
    for e in [
        client.unsubscribes().list().send().await.unwrap_err(),
        client
            .responses()
            .export_non_responses()
            .send()
            .await
            .map(|_| ())
            .unwrap_err(),
    ] {
        assert!(
            matches!(
                e,
                Error::Decode {
                    status: Some(200),
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(!e.to_string().contains("unknown"), "{e}");
    }
}
