//! `client.unsubscribes()` and `client.bounces()` against the sandbox: adding, paging
//! (one page, several pages, streams), date ranges, refusals, and the XML format.

mod common;

use std::collections::HashSet;

use cg_facade::modules::lists::{BounceKind, UNSUBSCRIBE_PAGE};
use cg_facade::{Error, ErrorCode, Format};
use cg_sandbox::Sandbox;
use cg_sandbox::state::Unsubscribe as SandboxUnsubscribe;
use chrono::NaiveDate;
use futures::TryStreamExt;

fn invalid_field(e: Error) -> String {
    match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected Error::InvalidInput, got {other:?}"),
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn requests_to(sandbox: &Sandbox, prefix: &str) -> Vec<cg_sandbox::LoggedRequest> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with(prefix))
        .collect()
}

/// `n` unsubscribes on consecutive days from 2023-01-01 on (the demo ones are in 2024).
fn seed_unsubscribes(sandbox: &Sandbox, n: usize) {
    sandbox.with_state(|s| {
        for k in 0..n {
            let date = day(2023, 1, 1) + chrono::Duration::days(i64::try_from(k).unwrap());
            s.unsubscribes.push(SandboxUnsubscribe {
                email: format!("gone-{k}@example.com"),
                date: format!("{} 12:00:00", date.format("%Y-%m-%d")),
            });
        }
    });
}

// ---- unsubscribes ---------------------------------------------------------

#[tokio::test]
async fn add_puts_the_address_on_the_list() {
    let (sandbox, client) = common::start().await;
    client
        .unsubscribes()
        .add("leaving@example.com")
        .await
        .unwrap();
    assert!(
        sandbox
            .state()
            .unsubscribes
            .iter()
            .any(|u| u.email == "leaving@example.com")
    );
    let listed = client.unsubscribes().list().send().await.unwrap();
    let added = listed
        .iter()
        .find(|u| u.email.as_deref() == Some("leaving@example.com"))
        .unwrap();
    assert!(
        added.date.as_deref().is_some_and(|d| d.len() == 19),
        "{added:?}"
    );
}

#[tokio::test]
async fn add_twice_is_400403_and_bad_addresses_are_refused_locally() {
    let (sandbox, client) = common::start().await;
    let e = client
        .unsubscribes()
        .add("former.customer@example.com")
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Api {
                status: 400,
                code: ErrorCode::ListsEmailAlreadyUnsubscribed,
                ..
            }
        ),
        "{e:?}"
    );
    let before = sandbox.state().unsubscribes.len();

    sandbox.clear_requests();
    // An empty address (the service's 400402) and malformed ones never leave the client.
    for bad in ["", "not-an-address", "two@@example.com", "a b@example.com"] {
        assert_eq!(
            invalid_field(client.unsubscribes().add(bad).await.unwrap_err()),
            "email",
            "{bad:?}"
        );
    }
    assert!(requests_to(&sandbox, "/v4.1/lists").is_empty());
    assert_eq!(sandbox.state().unsubscribes.len(), before);
}

#[tokio::test]
async fn unsubscribes_page_by_100_and_stream_every_page() {
    let (sandbox, client) = common::start().await;
    seed_unsubscribes(&sandbox, 250);
    let total = sandbox.state().unsubscribes.len();
    assert_eq!(total, 253);

    let first = client.unsubscribes().list().send().await.unwrap();
    assert_eq!(first.len() as u64, UNSUBSCRIBE_PAGE);
    let third = client
        .unsubscribes()
        .list()
        .start(200)
        .send()
        .await
        .unwrap();
    assert_eq!(third.len(), 53);
    assert_eq!(
        third.last().and_then(|u| u.email.as_deref()),
        Some("gone-249@example.com")
    );
    assert!(
        client
            .unsubscribes()
            .list()
            .start(1000)
            .send()
            .await
            .unwrap()
            .is_empty(),
        "past the end is empty"
    );

    sandbox.clear_requests();
    let all: Vec<_> = client
        .unsubscribes()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), total);
    let unique: HashSet<_> = all.iter().filter_map(|u| u.email.clone()).collect();
    assert_eq!(unique.len(), total, "each address once");
    let mut starts: Vec<String> = requests_to(&sandbox, "/v4.1/lists/unsubscribe")
        .into_iter()
        .filter_map(|r| r.query)
        .collect();
    // Pages are fetched ahead on the guess that they are full: start=300 may also go
    // out before the short page at 200 shows the end.
    starts.sort();
    starts.retain(|s| s != "start=300");
    assert_eq!(
        starts,
        vec!["start=0", "start=100", "start=200", "start=253"],
        "three pages and the empty one that ends the walk"
    );
}

#[tokio::test]
async fn unsubscribes_in_a_date_range() {
    let (sandbox, client) = common::start().await;
    seed_unsubscribes(&sandbox, 250);
    // 2023-01-01 + 0..250 days: February 2023 holds 28 of them.
    let february: Vec<_> = client
        .unsubscribes()
        .list()
        .from(day(2023, 2, 1))
        .to(day(2023, 2, 28))
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(february.len(), 28);
    assert!(
        february
            .iter()
            .all(|u| u.date.as_deref().is_some_and(|d| d.starts_with("2023-02-")))
    );
    // The demo entries are in 2024.
    let demo = client
        .unsubscribes()
        .list()
        .from(day(2024, 1, 1))
        .to(day(2024, 12, 31))
        .send()
        .await
        .unwrap();
    assert_eq!(demo.len(), 3);
    let none = client
        .unsubscribes()
        .list()
        .from(day(2020, 1, 1))
        .to(day(2020, 1, 31))
        .send()
        .await
        .unwrap();
    assert!(none.is_empty());

    sandbox.clear_requests();
    let e = client
        .unsubscribes()
        .list()
        .from(day(2023, 2, 1))
        .send()
        .await
        .unwrap_err();
    assert_eq!(invalid_field(e), "date_range_to");
    let e = client
        .unsubscribes()
        .list()
        .from(day(2023, 3, 1))
        .to(day(2023, 2, 1))
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(invalid_field(e), "date_range_from");
    assert!(requests_to(&sandbox, "/v4.1/lists").is_empty());
}

// ---- bounces --------------------------------------------------------------

#[tokio::test]
async fn bounces_are_typed_and_page_by_limit() {
    let (sandbox, client) = common::start().await;
    let demo = client.bounces().list().send().await.unwrap();
    assert_eq!(demo.len(), 5);
    assert_eq!(demo[0].email.as_deref(), Some("bounce-0@example.com"));
    assert_eq!(
        (demo[0].kind.clone(), demo[1].kind.clone()),
        (Some(BounceKind::Hard), Some(BounceKind::Soft))
    );
    assert!(
        demo[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("550"))
    );
    assert_eq!(demo[0].date.as_deref(), Some("2024-01-01 00:00:00"));

    sandbox.seed_bounces(2495);
    let page = client.bounces().list().send().await.unwrap();
    assert_eq!(page.len(), 1000, "the default page is the maximum");
    let page = client
        .bounces()
        .list()
        .start(2400)
        .limit(300)
        .send()
        .await
        .unwrap();
    assert_eq!(page.len(), 100);
    assert_eq!(page[0].email.as_deref(), Some("bounce-2400@example.com"));
}

#[tokio::test]
async fn bounces_stream_across_many_pages() {
    let (sandbox, client) = common::start().await;
    sandbox.seed_bounces(2495);
    sandbox.clear_requests();
    let all: Vec<_> = client
        .bounces()
        .list()
        .limit(300)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2500);
    for (k, b) in all.iter().enumerate() {
        assert_eq!(
            b.email.as_deref(),
            Some(format!("bounce-{k}@example.com").as_str()),
            "in order, each once"
        );
    }
    let sent = requests_to(&sandbox, "/v4.1/lists/bounce");
    let mut starts: Vec<u64> = sent
        .iter()
        .filter_map(|r| {
            r.query
                .as_deref()?
                .split('&')
                .find_map(|p| p.strip_prefix("start=")?.parse().ok())
        })
        .collect();
    starts.sort_unstable();
    // 9 pages of up to 300 and the empty one; a guess of a full page (2700) may also
    // have gone out before the short page showed the end.
    starts.retain(|s| *s != 2700);
    assert_eq!(
        starts,
        [0, 300, 600, 900, 1200, 1500, 1800, 2100, 2400, 2500]
    );
    assert!(
        sent.iter()
            .all(|r| r.query.as_deref().is_some_and(|q| q.contains("limit=300")))
    );

    // A date range: bounces are one minute apart from 2024-01-01 00:00 on, so the
    // first day holds 1440 of them.
    let first_day: Vec<_> = client
        .bounces()
        .list()
        .from(day(2024, 1, 1))
        .to(day(2024, 1, 1))
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first_day.len(), 1440);
}

#[tokio::test]
async fn bounce_limits_are_checked_before_sending() {
    let (sandbox, client) = common::start().await;
    sandbox.clear_requests();
    assert_eq!(
        invalid_field(client.bounces().list().limit(0).send().await.unwrap_err()),
        "limit"
    );
    assert_eq!(
        invalid_field(
            client
                .bounces()
                .list()
                .limit(1001)
                .send()
                .await
                .unwrap_err()
        ),
        "limit"
    );
    let e = client
        .bounces()
        .list()
        .to(day(2024, 1, 1))
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(invalid_field(e), "date_range_from");
    assert!(requests_to(&sandbox, "/v4.1/lists").is_empty());
}

// ---- XML ------------------------------------------------------------------

#[tokio::test]
async fn xml_streams_give_the_same_items_as_json() {
    let (sandbox, client) = common::start().await;
    sandbox.seed_bounces(1200);
    seed_unsubscribes(&sandbox, 150);
    let xml = client.with_format(Format::Xml);

    let json_bounces: Vec<_> = client
        .bounces()
        .list()
        .limit(500)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let xml_bounces: Vec<_> = xml
        .bounces()
        .list()
        .limit(500)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(xml_bounces.len(), 1205);
    assert_eq!(xml_bounces, json_bounces);

    let json_unsubscribes: Vec<_> = client
        .unsubscribes()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    let xml_unsubscribes: Vec<_> = xml
        .unsubscribes()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(xml_unsubscribes.len(), 153);
    assert_eq!(xml_unsubscribes, json_unsubscribes);
    assert!(requests_to(&sandbox, "/v4.1/lists/bounce.xml").len() >= 3);
}

#[tokio::test]
async fn xml_errors_and_adds() {
    let (sandbox, client) = common::start().await;
    let xml = client.with_format(Format::Xml);
    xml.unsubscribes()
        .add("xml.user@example.com")
        .await
        .unwrap();
    assert!(sandbox.state().is_unsubscribed("xml.user@example.com"));
    let e = xml
        .unsubscribes()
        .add("xml.user@example.com")
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Api {
                status: 400,
                code: ErrorCode::ListsEmailAlreadyUnsubscribed,
                ..
            }
        ),
        "{e:?}"
    );
    // "No records" (400401 in XML) is an empty page, not an error.
    assert!(
        xml.unsubscribes()
            .list()
            .start(5000)
            .send()
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        xml.bounces()
            .list()
            .from(day(2020, 1, 1))
            .to(day(2020, 1, 2))
            .send()
            .await
            .unwrap()
            .is_empty()
    );
}
