//! `Profile::Variant` answers the same items as `Profile::Standard`, in the other shape.

use std::collections::BTreeMap;

use cg_sandbox::{Profile, Sandbox};
use serde_json::{Map, Value, json};

use super::common::Ctx;

/// Every listing (v4.1 `Data`, v7 pages walked with their cursor).
const V41_LISTINGS: &[&str] = &[
    "lists/unsubscribe.json",
    "lists/bounce.json?limit=10",
    "lists/bounce.json?start=10&limit=10",
    "lists/bounce.json?start=20",
    "hierarchy.json",
    "transactions.json",
    "transactions.json?status=QUEUE",
    "reasons.json",
    "file/company-revenue.json",
    "file/contact.json",
    "file/historical.json",
    "file/transactional.json",
    "report/nps.json",
    "anonymize.json?email=joe.doe@example.com",
];
const V7_LISTINGS: &[&str] = &[
    "sync/responses?per_page=4&with[]=drivers&with[]=tags&with[]=questions&with[]=properties",
    "sync/responses?per_page=1000",
    "sync/non-responses?per_page=1",
    "sync/close-loop?per_page=2",
];
/// Enum values the spec does not list, which Variant puts into some items.
const UNKNOWN_VALUES: &[&str] = &["blocked", "neutral", "SCHEDULED", "escalated"];
/// Fields Variant adds.
const EXTRA_FIELDS: &[&str] = &["revision", "language", "meta"];

async fn demo() -> Ctx {
    let ctx = Ctx::with(Sandbox::builder().seed_demo(true)).await;
    ctx.sb.seed_bounces(20);
    // A response without drivers or tags: empty lists in Standard.
    ctx.post_form(
        "transactions/response.json",
        &[
            ("Email", "plain@example.com"),
            ("NetPromoterScore", "7"),
            ("DateFormCompleted", "2024-05-01"),
        ],
    )
    .await;
    ctx
}

/// Every listing's items (v7: all pages) in the current profile, by listing.
async fn listings(ctx: &Ctx) -> BTreeMap<String, Vec<Value>> {
    let mut out = BTreeMap::new();
    for path in V41_LISTINGS {
        let (status, body) = ctx.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        let items = match &body["Data"] {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        out.insert((*path).to_owned(), items);
    }
    for path in V7_LISTINGS {
        let mut items = Vec::new();
        let mut cursor = String::new();
        for _ in 0..50 {
            let url = format!("{}&cursor={cursor}", ctx.v7(path));
            let (status, body) = ctx.send(ctx.http.get(url)).await;
            assert_eq!(status, 200, "{path}: {body}");
            cursor = body["cursor"]["next"]
                .as_u64()
                .unwrap_or_else(|| panic!("integer cursor in {body}"))
                .to_string();
            let page = body["data"].as_array().expect("data").clone();
            if page.is_empty() {
                break;
            }
            items.extend(page);
        }
        out.insert((*path).to_owned(), items);
    }
    out
}

/// One shape for both: numbers as text, "" and [] as null, nested contact/account
/// flattened, Variant's extra fields dropped.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::String(s) if s.is_empty() => Value::Null,
        Value::Array(a) if a.is_empty() => Value::Null,
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, v) in o {
                match (k.as_str(), v) {
                    ("contact", Value::Object(c)) | ("account", Value::Object(c)) => {
                        for (field, value) in c {
                            let flat = match (k.as_str(), field.as_str()) {
                                ("account", "name") => "account_name".to_owned(),
                                ("account", "number") => "account_number".to_owned(),
                                _ => field.clone(),
                            };
                            out.insert(flat, canonical(value));
                        }
                    }
                    (k, _) if EXTRA_FIELDS.contains(&k) => {}
                    _ => {
                        out.insert(k.clone(), canonical(v));
                    }
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// Counts of what differs in shape between the two answers of one item.
#[derive(Debug, Default)]
struct Differences {
    unknown_enums: BTreeMap<String, usize>,
    retyped: usize,
    nested: usize,
    null_lists: usize,
    extra: usize,
}

fn compare(path: &str, standard: &Value, variant: &Value, diff: &mut Differences) {
    let (Value::Object(s), Value::Object(v)) = (canonical(standard), canonical(variant)) else {
        assert_eq!(canonical(standard), canonical(variant), "{path}");
        return;
    };
    assert_eq!(
        s.keys().collect::<Vec<_>>(),
        v.keys().collect::<Vec<_>>(),
        "{path}: same fields in the same order"
    );
    for (key, sv) in &s {
        let vv = &v[key];
        if sv != vv {
            let unknown = vv.as_str().filter(|t| UNKNOWN_VALUES.contains(t));
            assert!(
                unknown.is_some(),
                "{path}: {key} differs: {sv} vs {vv}\n{standard}\n{variant}"
            );
            *diff
                .unknown_enums
                .entry(format!("{path} {key}={}", vv.as_str().unwrap_or_default()))
                .or_default() += 1;
        }
    }
    let (Value::Object(so), Value::Object(vo)) = (standard, variant) else {
        return;
    };
    for (key, value) in vo {
        match so.get(key) {
            None if EXTRA_FIELDS.contains(&key.as_str()) => diff.extra += 1,
            None => diff.nested += usize::from(value.is_object()),
            Some(Value::Array(a)) if a.is_empty() && value.is_null() => diff.null_lists += 1,
            Some(original) => {
                let number_string = |a: &Value, b: &Value| a.is_number() && b.is_string();
                if number_string(original, value) || number_string(value, original) {
                    diff.retyped += 1;
                }
            }
        }
    }
}

#[tokio::test]
async fn both_profiles_give_the_same_items_for_every_listing() {
    let ctx = demo().await;
    assert_eq!(ctx.sb.profile(), Profile::Standard);
    let standard = listings(&ctx).await;
    ctx.sb.set_profile(Profile::Variant);
    let variant = listings(&ctx).await;
    assert_eq!(
        standard.keys().collect::<Vec<_>>(),
        variant.keys().collect::<Vec<_>>()
    );
    let mut diff = Differences::default();
    for (path, items) in &standard {
        let other = &variant[path];
        assert!(!items.is_empty(), "{path} lists something");
        assert_eq!(items.len(), other.len(), "{path}: same number of items");
        for (s, v) in items.iter().zip(other) {
            compare(path, s, v, &mut diff);
        }
    }
    // The shapes really differ.
    assert!(diff.retyped > 100, "{diff:?}");
    // Contact and account nested in every v7 survey item: 7 responses twice, 2 non-responses.
    assert_eq!(diff.nested, 2 * (7 + 7 + 2), "{diff:?}");
    assert!(diff.null_lists > 0, "{diff:?}");
    assert!(diff.extra > 50, "{diff:?}");
    for family in [
        "lists/bounce",
        "reasons",
        "transactions",
        "sync/responses",
        "sync/close-loop",
    ] {
        assert!(
            diff.unknown_enums.keys().any(|k| k.starts_with(family)),
            "an unknown enum value in {family}: {diff:?}"
        );
    }
}

#[tokio::test]
async fn variant_shapes_in_detail() {
    let ctx = Ctx::with(Sandbox::builder().seed_demo(true).profile(Profile::Variant)).await;
    let (_, hierarchy) = ctx.get("hierarchy.json").await;
    assert_eq!(hierarchy["Data"][0]["id"], json!(1));
    let (_, files) = ctx.get("file/company-revenue.json").await;
    assert_eq!(files["Data"][0]["total_records"], json!(3));
    assert_eq!(files["Data"][0]["logs"], Value::Null);
    let (_, tx) = ctx.get("transactions.json").await;
    assert_eq!(
        tx["Data"][6]["nps"],
        Value::Null,
        "no score: null, not \"\""
    );
    let (_, page) = ctx
        .send(
            ctx.http
                .get(format!("{}?per_page=1", ctx.v7("sync/responses"))),
        )
        .await;
    let item = &page["data"][0];
    assert_eq!(item["number_customergauge"], json!("1"));
    assert_eq!(item["nps"], json!("10"));
    assert_eq!(
        item["contact"],
        json!({"first_name": "Joe", "last_name": "Doe"})
    );
    assert_eq!(
        item["account"],
        json!({"name": "ACME", "number": "ACME-001"})
    );
    assert!(item.get("first_name").is_none());
    assert_eq!(page["cursor"]["next"], json!(1), "cursors stay integers");
    let put = ctx
        .send(ctx.http.put(ctx.v7("close-loop/status")).json(&json!({
            "number_customergauge": 4, "status": "open"
        })))
        .await;
    assert_eq!(put.1["number_customergauge"], json!("4"));
    let record = ctx
        .send(ctx.http.put(ctx.imports("/records/")).json(&json!({
            "configuration": cg_sandbox::DEMO_OPEN_CONFIGURATION, "record": {"Email": "v@example.com"}
        })))
        .await;
    assert_eq!(record, (200, json!({"message": "Imported."})));
    let account = ctx
        .send(
            ctx.http
                .put(ctx.imports("/accounts"))
                .json(&json!({"reference": "Variant Ltd"})),
        )
        .await;
    assert_eq!(account, (201, json!({"message": "Created."})));
    // Errors keep their documented shape in both profiles.
    let (status, error) = ctx.get("transactions.json?status=NOPE").await;
    assert_eq!(status, 400);
    assert!(error["Error"]["Code"].is_u64());
}
