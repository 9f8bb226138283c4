//! Every row-printing command against both answer profiles of the sandbox
//! (`Profile::Standard` and `Profile::Variant`) on the very same state: each exits 0 and
//! gives the same rows, in JSON lines and in CSV. Plus: free-text mapping references reach
//! the service, and decode errors name the status they got.

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpListener;

use cg_sandbox::{Configuration, Profile};
use common::{Run, TestSandbox, cg_command, json_lines, run_command};
use serde_json::{Map, Value};

/// A listing and the columns whose values the variant deliberately changes in some items
/// (an enum value the spec does not list).
struct Listing {
    args: Vec<String>,
    varies: &'static [&'static str],
}

fn listing(args: &[&str], varies: &'static [&'static str]) -> Listing {
    Listing {
        args: args.iter().map(|a| a.to_string()).collect(),
        varies,
    }
}

/// Every command of `cli.rs` that prints rows read from the service.
fn listings(sb: &TestSandbox) -> Vec<Listing> {
    let email = sb
        .sandbox
        .state()
        .surveys
        .iter()
        .find_map(|s| s.email.clone())
        .expect("a seeded survey with an e-mail");
    let mut all = vec![
        listing(&["unsubscribes", "list"], &[]),
        listing(&["bounces", "list"], &["Type"]),
        listing(&["hierarchy", "list"], &[]),
        listing(&["hierarchy", "tree"], &[]),
        listing(&["reasons", "list"], &["good_bad"]),
        listing(&["revenue", "list"], &[]),
        listing(&["transactions", "list"], &["status"]),
        listing(&["responses", "export"], &["status"]),
        listing(&["responses", "export", "--non-responses"], &["status"]),
        listing(&["close-loop", "list"], &["status"]),
        listing(&["report", "nps"], &[]),
    ];
    for kind in ["company-revenue", "contact", "historical", "transactional"] {
        all.push(listing(&["files", "list", kind], &[]));
    }
    let mut check = listing(&["anonymize", "check", "--email"], &[]);
    check.args.push(email);
    all.push(check);
    all
}

fn run(sb: &TestSandbox, profile: Profile, args: &[String], format: &str) -> Run {
    sb.sandbox.set_profile(profile);
    let mut all = args.to_vec();
    all.extend(["-o".to_string(), format.to_string()]);
    sb.cg(&all).ok()
}

/// A CSV cell: nested values are JSON text, the rest text.
fn cell(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(v @ (Value::Array(_) | Value::Object(_))) => v,
        _ => Value::String(text.to_string()),
    }
}

fn csv_rows(text: &str) -> Vec<Map<String, Value>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("a header row").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("a CSV row");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), cell(v)))
                .collect()
        })
        .collect()
}

/// Equal, but inside lists and objects the model keeps as they came (survey `questions`)
/// a number and its digits as text are the same value: only typed fields are normalized.
fn same(standard: &Value, variant: &Value, nested: bool) -> bool {
    match (standard, variant) {
        (Value::Number(n), Value::String(t)) | (Value::String(t), Value::Number(n)) if nested => {
            n.to_string() == *t
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y, true))
        }
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .all(|(k, x)| b.get(k).is_some_and(|y| same(x, y, true))),
        (a, b) => a == b,
    }
}

/// The variant's rows hold every column of the standard's with the same value, but for
/// the columns it changes on purpose and the CSV's column of unknown fields.
fn compare(
    what: &str,
    varies: &[&str],
    standard: &[Map<String, Value>],
    variant: &[Map<String, Value>],
    problems: &mut Vec<String>,
) {
    if standard.is_empty() {
        problems.push(format!("{what}: no rows to compare"));
    }
    if standard.len() != variant.len() {
        problems.push(format!(
            "{what}: {} rows in standard, {} in variant",
            standard.len(),
            variant.len()
        ));
    }
    for (i, (s, v)) in standard.iter().zip(variant).enumerate() {
        for (key, value) in s {
            if varies.contains(&key.as_str()) || key == "extra" {
                continue;
            }
            if !v.get(key).is_some_and(|w| same(value, w, false)) {
                problems.push(format!(
                    "{what}: row {i}, column {key:?}: standard {value}, variant {:?}",
                    v.get(key)
                ));
            }
        }
    }
}

#[test]
fn every_listing_gives_the_same_rows_in_both_profiles() {
    let sb = TestSandbox::start();
    let mut added_keys = BTreeSet::new();
    let mut problems = Vec::new();
    for l in listings(&sb) {
        let what = l.args.join(" ");
        let standard = json_lines(&run(&sb, Profile::Standard, &l.args, "json").stdout);
        let variant = json_lines(&run(&sb, Profile::Variant, &l.args, "json").stdout);
        compare(
            &format!("{what} -o json"),
            l.varies,
            &standard,
            &variant,
            &mut problems,
        );
        for (s, v) in standard.iter().zip(&variant) {
            added_keys.extend(v.keys().filter(|k| !s.contains_key(*k)).cloned());
        }
        let standard = csv_rows(&run(&sb, Profile::Standard, &l.args, "csv").stdout);
        let variant = csv_rows(&run(&sb, Profile::Variant, &l.args, "csv").stdout);
        compare(
            &format!("{what} -o csv"),
            l.varies,
            &standard,
            &variant,
            &mut problems,
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Fields the spec does not list reach the JSON output as they came.
    for key in ["revision", "language"] {
        assert!(added_keys.contains(key), "{key} missing: {added_keys:?}");
    }
}

#[test]
fn csv_keeps_unknown_fields_in_the_extra_column() {
    let sb = TestSandbox::start();
    sb.sandbox.set_profile(Profile::Variant);
    let out = sb.cg(&["bounces", "list", "-o", "csv"]).ok().stdout;
    let rows = csv_rows(&out);
    assert!(!rows.is_empty(), "{out}");
    for row in &rows {
        let extra = &row["extra"];
        assert!(extra.get("revision").is_some(), "{row:?}");
    }
}

#[test]
fn free_text_mapping_references_reach_the_service() {
    let sb = TestSandbox::start();
    // The built-in default mapping (art 5000872718) and the form example of the docs.
    for (reference, form) in [
        ("contact", false),
        ("12305294-0b20-4009-b95d-c8123301d66", true),
    ] {
        sb.sandbox
            .add_configuration_with_reference(reference, Configuration::standard(reference));
        let email = format!("ref-{}@example.com", reference.len());
        let mut args = vec![
            "records".to_string(),
            "put".into(),
            "--configuration".into(),
            reference.into(),
            "--field".into(),
            format!("Email={email}"),
        ];
        if form {
            args.push("--form".into());
        }
        sb.cg(&args).ok();
        let survey = sb
            .sandbox
            .state()
            .surveys
            .into_iter()
            .find(|s| s.email.as_deref() == Some(email.as_str()))
            .expect("the record arrived");
        assert_eq!(survey.configuration.as_deref(), Some(reference));
    }
    let puts: Vec<_> = sb
        .requests_to("/records")
        .into_iter()
        .filter(|r| r.method == "PUT" && (200..300).contains(&r.status))
        .collect();
    assert_eq!(puts.len(), 2, "{puts:?}");
}

/// A listener on 127.0.0.1 that answers every request 200 with a body that is no envelope.
fn not_an_envelope() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let body = "<html><body>gateway says hello</body></html>";
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    url
}

#[test]
fn decode_errors_name_the_status_received() {
    let sb = TestSandbox::start();
    let url = not_an_envelope();
    let (id, secret) = sb.sandbox.demo_client();
    for args in [
        &["reasons", "list"][..],
        &["bounces", "list"],
        &["unsubscribes", "list"],
        &["hierarchy", "list"],
        &["transactions", "list"],
        &["responses", "export"],
        &["close-loop", "list"],
    ] {
        let mut all: Vec<String> = [
            "--api-url",
            &url,
            "--imports-url",
            &url,
            "--auth-url",
            &sb.sandbox.auth_url(),
            "--client-id",
            &id,
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        all.extend(args.iter().map(|a| a.to_string()));
        let mut c = cg_command();
        c.env("CG_CLIENT_SECRET", &secret).args(&all);
        let run = run_command(c, all);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        let line = run.error_line();
        assert!(
            line.contains("200") && !line.contains("status unknown"),
            "{args:?}: {line}"
        );
    }
}

#[test]
fn activities_put_creates_then_updates_by_reference() {
    let sb = TestSandbox::start();
    let put = |source: &str| {
        sb.cg(&[
            "activities",
            "put",
            "--account",
            "ACME Industries",
            "--type",
            "Ticket",
            "--source",
            source,
            "--happened-at",
            // The article's own example carries an offset.
            "2019-03-06 10:00:00 +0530",
            "--reference",
            "T-1",
            "--additional-information",
            r#"{"priority": "high"}"#,
            "-o",
            "json",
        ])
        .ok()
    };
    let created = json_lines(&put("Freshdesk").stdout);
    assert_eq!(created[0]["result"], "created", "{created:?}");
    let updated = json_lines(&put("Zendesk").stdout);
    assert_eq!(updated[0]["result"], "updated", "{updated:?}");
    let activities = sb.sandbox.state().activities;
    assert_eq!(activities.len(), 1, "{activities:?}");
    assert_eq!(activities[0].source, "Zendesk");
    let bad = sb.cg(&[
        "activities",
        "put",
        "--account",
        "ACME",
        "--type",
        "Ticket",
        "--source",
        "Freshdesk",
        "--happened-at",
        "2019-03-06 10:00:00",
        "--additional-information",
        "[1, 2]",
    ]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(
        bad.error_line().contains("--additional-information"),
        "{bad:?}"
    );
}

#[test]
fn close_loop_list_sends_its_filters_and_pages_by_cursor() {
    let sb = TestSandbox::start();
    let all = json_lines(&sb.cg(&["close-loop", "list", "-o", "json"]).ok().stdout);
    assert!(all.len() >= 2, "{all:?}");
    sb.sandbox.clear_requests();
    let paged = sb
        .cg(&[
            "close-loop",
            "list",
            "--per-page",
            "1",
            "--since",
            "2000-01-01",
            "--until",
            "2100-12-31",
            "-o",
            "json",
        ])
        .ok();
    assert_eq!(
        json_lines(&paged.stdout),
        all,
        "one per page, the same cases"
    );
    let queries: Vec<String> = sb
        .requests_to("/sync/close-loop")
        .into_iter()
        .filter_map(|r| r.query)
        .collect();
    assert!(queries.len() > all.len(), "{queries:?}");
    assert!(
        queries.iter().all(|q| q.contains("per_page=1")
            && q.contains("2000-01-01")
            && q.contains("2100-12-31")),
        "{queries:?}"
    );
    let next = queries.iter().find(|q| q.contains("cursor=")).cloned();
    let cursor = next
        .as_deref()
        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("cursor=")))
        .expect("a second page asked by cursor")
        .to_string();
    let rest = sb
        .cg(&[
            "close-loop",
            "list",
            "--per-page",
            "1",
            "--cursor",
            &cursor,
            "-o",
            "json",
        ])
        .ok();
    assert_eq!(json_lines(&rest.stdout), all[1..].to_vec());
    let table = sb.cg(&["close-loop", "list", "--limit", "1"]).ok();
    assert!(
        table.stdout.starts_with("CG_ID  STATUS"),
        "{}",
        table.stdout
    );
    assert_eq!(table.stdout.lines().count(), 2, "{}", table.stdout);
}
