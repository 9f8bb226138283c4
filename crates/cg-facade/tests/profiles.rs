//! Every listing and export against both sandbox profiles: the Variant profile answers in
//! the other shape the docs allow (numbers as strings and back, nested contact/account,
//! unknown enum values, null lists, unlisted fields, integer cursors). The same items must
//! come out of both, and Variant's unlisted fields must be kept.

mod common;

use cg_facade::Client;
use cg_facade::modules::files::UploadKind;
use cg_facade::modules::responses::With;
use cg_sandbox::{Profile, Sandbox};
use futures::TryStreamExt;
use serde_json::{Value, json};

/// What each listing gave, projected on the fields both profiles must agree on (enum
/// values are left out: Variant swaps some for unknown ones on purpose; so are dates,
/// which the demo seed takes from the clock when each sandbox starts).
async fn rows(client: &Client) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    let responses: Vec<_> = client
        .responses()
        .export()
        .with(&[With::Drivers, With::Tags, With::Properties])
        .per_page(3)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let non_responses: Vec<_> = client
        .responses()
        .export_non_responses()
        .per_page(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    for (what, list) in [("responses", responses), ("non-responses", non_responses)] {
        for r in list {
            out.push((
                what,
                json!([
                    r.number_customergauge,
                    r.email,
                    r.first_name,
                    r.last_name,
                    r.account_name,
                    r.nps,
                    r.comment,
                    r.date_survey_response.is_some(),
                    r.driver_labels().collect::<Vec<_>>(),
                    r.tags,
                    r.property("Region")
                ]),
            ));
        }
    }
    let cases: Vec<_> = client
        .close_loop()
        .cases()
        .per_page(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    for c in cases {
        out.push((
            "cases",
            json!([
                c.number_customergauge,
                c.note,
                c.assigned_to,
                c.time_to_follow_up,
                c.time_to_close,
                c.updated_at.is_some()
            ]),
        ));
    }
    let bounces: Vec<_> = client
        .bounces()
        .list()
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    for b in bounces {
        out.push(("bounces", json!([b.email, b.reason, b.date.is_some()])));
    }
    let unsubscribes: Vec<_> = client
        .unsubscribes()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    for u in unsubscribes {
        out.push(("unsubscribes", json!([u.email, u.date.is_some()])));
    }
    for r in client.reasons().list().send().await.unwrap() {
        out.push((
            "reasons",
            json!([
                r.reason_code,
                r.label,
                r.level,
                r.position,
                r.show_for.map(|s| s.to_string())
            ]),
        ));
    }
    for kind in [
        UploadKind::CompanyRevenue,
        UploadKind::Contact,
        UploadKind::Historical,
        UploadKind::Transactional,
    ] {
        for u in client.files().list(kind).send().await.unwrap() {
            out.push((
                "uploads",
                json!([
                    u.id,
                    u.status,
                    u.source_filename,
                    u.total_records,
                    u.successful_records,
                    u.unsuccessful_records,
                    u.logs
                ]),
            ));
        }
    }
    let transactions: Vec<_> = client
        .transactions()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    for t in transactions {
        out.push((
            "transactions",
            json!([
                t.number_customergauge,
                t.email,
                t.nps,
                t.date_order.is_some(),
                t.field("Region")
            ]),
        ));
    }
    for d in client.hierarchy().list().send().await.unwrap() {
        out.push(("hierarchy", json!([d.id, d.name, d.parent])));
    }
    for c in client
        .anonymize()
        .validate()
        .email("joe.doe@example.com")
        .send()
        .await
        .unwrap()
    {
        out.push((
            "anonymize",
            json!([c.number_customergauge, c.email, c.first_name]),
        ));
    }
    out
}

async fn start(profile: Profile) -> (Sandbox, Client) {
    let sandbox = Sandbox::builder()
        .seed_demo(true)
        .profile(profile)
        .start()
        .await;
    let client = common::client_for(&sandbox);
    (sandbox, client)
}

#[tokio::test]
async fn every_listing_gives_the_same_items_in_both_profiles() {
    let (_standard, standard) = start(Profile::Standard).await;
    let (_variant, variant) = start(Profile::Variant).await;
    let (a, b) = (rows(&standard).await, rows(&variant).await);
    for what in [
        "responses",
        "non-responses",
        "cases",
        "bounces",
        "unsubscribes",
        "reasons",
        "uploads",
        "transactions",
        "hierarchy",
        "anonymize",
    ] {
        assert!(
            a.iter().any(|(w, _)| *w == what),
            "the demo seed has {what}"
        );
    }
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
}

#[tokio::test]
async fn variant_fields_and_values_are_kept_not_dropped() {
    let (_variant, client) = start(Profile::Variant).await;
    let responses: Vec<_> = client
        .responses()
        .export()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(
        responses
            .iter()
            .all(|r| r.extra.get("language") == Some(&json!("en")))
    );
    let page = client
        .responses()
        .export()
        .per_page(1)
        .send()
        .await
        .unwrap();
    assert!(page.next.unwrap().as_json().is_number(), "integer cursors");

    let bounces: Vec<_> = client
        .bounces()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(bounces.iter().all(|b| b.extra.contains_key("revision")));
    let blocked: Vec<_> = bounces
        .iter()
        .filter(|b| b.kind.as_ref().map(|k| k.as_str()) == Some("blocked"))
        .collect();
    assert!(!blocked.is_empty(), "some bounce Type is not hard/soft");
    let written = serde_json::to_value(blocked[0]).unwrap();
    assert_eq!(
        (written["Type"].clone(), written["revision"].clone()),
        (json!("blocked"), json!("1"))
    );

    let cases: Vec<_> = client
        .close_loop()
        .cases()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(
        cases
            .iter()
            .any(|c| c.status.as_ref().map(|s| s.as_str()) == Some("escalated"))
    );
}
