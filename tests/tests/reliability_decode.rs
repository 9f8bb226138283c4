//! Bad answers and bad files, fuzzed with proptest: the two error envelopes (pure
//! parsers of cg-errors), the facade's `Data` envelope and XML decoding (through a local
//! server answering whatever the case says), and the CSV reader behind file uploads.
//! Nothing panics; a malformed answer is a decode error naming operation and status.

mod reliability_common;

use std::cell::Cell;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use cg_errors::envelope::{
    ErrorBody, parse_api_error, parse_code, parse_error_body, parse_validation_errors,
};
use cg_facade::modules::records::RecordOutcome;
use cg_facade::{Client, Credentials, Endpoints, Error, Format, RetryPolicy};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Strategies.

/// Keys the envelopes and models look for, and some they do not.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Error".to_owned()),
        Just("Code".to_owned()),
        Just("Message".to_owned()),
        Just("message".to_owned()),
        Just("errors".to_owned()),
        Just("Data".to_owned()),
        Just("Email".to_owned()),
        Just("Type".to_owned()),
        Just("duplicate".to_owned()),
        "[A-Za-z_]{1,6}",
    ]
}

/// Any JSON value, biased towards the shapes of the two envelopes.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
        (100_000u32..999_999).prop_map(|c| Value::String(format!(" {c} "))),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A body: raw bytes, a JSON tree (maybe wrapped in an envelope), or a well-formed
/// answer cut short or with one byte changed.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let valid = prop_oneof![
        Just(json!({"Data": [{"Email": "a@b.co", "Type": "hard", "Reason": "550", "Date": "2024-01-01 00:00:00"}]})),
        Just(json!({"Error": {"Message": "Record does not exist", "Code": 400401}})),
        Just(json!({"message": "The given data was invalid.", "errors": {"Email": ["The Email field is required."]}})),
        Just(json!({"message": "Record could not be imported", "errors": {"duplicate": ["Record could not be imported because it duplicates with 42."]}})),
    ]
    .prop_map(|v| serde_json::to_vec(&v).unwrap_or_default());
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        json_value().prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
        (
            json_value(),
            prop_oneof![Just("Data"), Just("Error"), Just("message"), Just("errors")]
        )
            .prop_map(|(v, k)| serde_json::to_vec(&json!({ k: v })).unwrap_or_default()),
        (valid.clone(), any::<prop::sample::Index>())
            .prop_map(|(b, i)| b[..i.index(b.len() + 1)].to_vec()),
        (valid, any::<prop::sample::Index>(), any::<u8>()).prop_map(|(mut b, i, byte)| {
            let at = i.index(b.len());
            b[at] = byte;
            b
        }),
    ]
}

const TAGS: [&str; 11] = [
    "Data", "item", "Email", "Type", "Reason", "Date", "Error", "Code", "Message", "response", "x",
];

/// XML-ish text: nested elements of the models' names, text with entities and
/// character references (valid or not), CDATA, comments, stray or unclosed tags.
fn xml() -> impl Strategy<Value = Vec<u8>> {
    let text = prop_oneof![
        "[ a-zA-Z0-9@.]{0,10}",
        Just("&amp;".to_owned()),
        Just("&lt;x&gt;".to_owned()),
        Just("&unknown;".to_owned()),
        Just("&#65;".to_owned()),
        Just("&#x1F600;".to_owned()),
        Just("&#xFFFFFFFF;".to_owned()),
        Just("&#0;".to_owned()),
        Just("&#;".to_owned()),
        Just("&".to_owned()),
        Just("<![CDATA[ <raw> ]]>".to_owned()),
        Just("<!-- c -->".to_owned()),
        Just("<?pi x?>".to_owned()),
        (100_000u32..999_999).prop_map(|c| c.to_string()),
    ];
    let leaf = (prop::sample::select(&TAGS[..]), text.clone())
        .prop_map(|(t, x)| format!("<{t}>{x}</{t}>"));
    let tree = leaf.prop_recursive(5, 40, 5, move |inner| {
        (
            prop::sample::select(&TAGS[..]),
            proptest::collection::vec(inner, 0..5),
            prop_oneof![Just(0u8), Just(1), Just(2), Just(3)],
            text.clone(),
        )
            .prop_map(|(t, children, shape, x)| match shape {
                // Well formed.
                0 => format!("<{t}>{}</{t}>", children.concat()),
                // Self-closing with an attribute.
                1 => format!("<{t} a=\"{x}\"/>{}", children.concat()),
                // Unclosed.
                2 => format!("<{t}>{}{x}", children.concat()),
                // A closing tag that does not match.
                _ => format!("<{t}>{}</{t}x>", children.concat()),
            })
    });
    (
        prop_oneof![Just(""), Just("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")],
        tree,
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(decl, doc, cut, truncate)| {
            let mut bytes = format!("{decl}{doc}").into_bytes();
            if truncate {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            bytes
        })
}

fn status() -> impl Strategy<Value = u16> {
    prop::sample::select(vec![
        200u16, 200, 200, 201, 400, 401, 403, 404, 405, 422, 429, 500, 502, 503, 504,
    ])
}

/// A runner of `cases` cases, without regression files. Deterministic by default, so
/// CI runs the same cases each time; `CG_FUZZ_SEED=<u64>` explores other ones. A failure
/// shows the shrunk input that fails.
fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = match std::env::var("CG_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        Some(seed) => {
            let mut bytes = [0u8; 32];
            for (i, chunk) in bytes.chunks_mut(8).enumerate() {
                chunk.copy_from_slice(&seed.wrapping_add(i as u64).to_le_bytes());
            }
            TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
        }
        None => TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    };
    TestRunner::new_with_rng(config, rng)
}

// ---------------------------------------------------------------------------------------
// The error envelopes: pure parsers.

/// Both envelope parsers on arbitrary bodies: no panic, every refusal says what is wrong
/// and keeps a bounded snippet, and what parses is consistent with the body.
#[test]
fn error_envelopes_never_panic_and_refusals_say_why() {
    let mut runner = runner(4000);
    let figures: [Cell<usize>; 4] = Default::default();
    runner
        .run(&body(), |body| {
            let api = parse_api_error(&body);
            let validation = parse_validation_errors(&body);
            let either = parse_error_body(&body);
            for e in [
                api.as_ref().err(),
                validation.as_ref().err(),
                either.as_ref().err(),
            ]
            .into_iter()
            .flatten()
            {
                prop_assert!(!e.problem.is_empty());
                prop_assert!(e.snippet.chars().count() <= 200);
                prop_assert!(e.to_string().contains(&e.problem));
            }
            let value: Option<Value> = serde_json::from_slice(&body).ok();
            match &either {
                Ok(ErrorBody::Api(a)) => {
                    bump(&figures[0]);
                    let code = value
                        .as_ref()
                        .and_then(|v| v.get("Error"))
                        .and_then(|e| e.get("Code"))
                        .and_then(parse_code);
                    prop_assert_eq!(code, Some(a.code.code()));
                    prop_assert_eq!(api.as_ref().ok(), Some(a));
                }
                Ok(ErrorBody::Validation(v)) => {
                    bump(&figures[1]);
                    prop_assert_eq!(validation.as_ref().ok(), Some(v));
                    let _ = v.duplicate_of();
                    let _ = v.to_string();
                }
                Err(_) => bump(&figures[2 + usize::from(value.is_some())]),
            }
            Ok(())
        })
        .unwrap();
    println!(
        "error envelopes: 4000 cases: {} v4.1 errors, {} imports/v7 errors, {} refused (not JSON), {} refused (JSON of another shape)",
        figures[0].get(),
        figures[1].get(),
        figures[2].get(),
        figures[3].get()
    );
}

// ---------------------------------------------------------------------------------------
// Answers through the facade: a local server answering what each case says.

#[derive(Clone)]
struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

#[derive(Clone)]
struct Shared {
    reply: Arc<Mutex<Reply>>,
    hits: Arc<AtomicUsize>,
}

async fn answer(State(shared): State<Shared>) -> Response {
    shared.hits.fetch_add(1, Ordering::SeqCst);
    let reply = shared.reply.lock().expect("reply").clone();
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(reply.content_type),
    );
    response
}

/// A runtime, a server answering from `shared`, and a client for it (no retries).
struct Harness {
    rt: tokio::runtime::Runtime,
    shared: Shared,
    client: Client,
}

impl Harness {
    fn start() -> Harness {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let shared = Shared {
            reply: Arc::new(Mutex::new(Reply {
                status: 200,
                content_type: "application/json",
                body: Vec::new(),
            })),
            hits: Arc::default(),
        };
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(shared.clone());
        let listener = rt
            .block_on(tokio::net::TcpListener::bind(SocketAddr::from((
                [127, 0, 0, 1],
                0,
            ))))
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        rt.spawn(async move { axum::serve(listener, app).await });
        let client = Client::builder()
            .endpoints(Endpoints::from_urls(&url, &url, &url).expect("urls"))
            .credentials(
                Credentials::bearer_token("fuzz-bearer-token").with_api_key("fuzz-api-key"),
            )
            .retry_policy(RetryPolicy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        Harness { rt, shared, client }
    }

    fn set(&self, status: u16, content_type: &'static str, body: Vec<u8>) {
        *self.shared.reply.lock().expect("reply") = Reply {
            status,
            content_type,
            body,
        };
    }

    fn hits(&self) -> usize {
        self.shared.hits.load(Ordering::SeqCst)
    }
}

/// The rule for any answer: success only on 2xx; on 200 an error is a decode error
/// naming the operation and the status; otherwise the error carries the status.
///
/// Exceptions, by design: a listing answers "no (more) records" with an error code
/// (400401, 400184), which the facade turns into an empty page whatever the status; a
/// record import's duplicate answer is an outcome.
fn check_answer<T>(
    operation: &str,
    status: u16,
    body: &[u8],
    result: &Result<T, Error>,
    figures: &Figures,
) -> Result<(), TestCaseError> {
    match result {
        Ok(_) => {
            bump(&figures.ok);
            let text = String::from_utf8_lossy(body);
            let end_of_listing = operation.starts_with("list")
                && (text.contains("400401") || text.contains("400184"));
            // And a refused record whose body says "duplicates with <CG-ID>" is an
            // outcome (Duplicate). The facade takes it under any status, 5xx included:
            // pinned as a bug by `transient_answers_of_the_imports_host_are_retryable_failures`.
            let duplicate = operation == "putRecord" && text.contains("duplicates with");
            if duplicate && status != 422 {
                bump(&figures.duplicate_not_422);
            }
            prop_assert!(
                (200..300).contains(&status) || end_of_listing || duplicate,
                "a {status} answer was taken as success: {text}"
            );
        }
        Err(e) => {
            let text = e.to_string();
            prop_assert_eq!(e.operation(), Some(operation), "{}", text);
            prop_assert!(text.contains(operation), "{}", text);
            if let Error::Decode { status: s, .. } = e {
                bump(&figures.decode);
                prop_assert_eq!(*s, Some(status), "{}", text);
                prop_assert!(text.contains(&format!("HTTP {status}")), "{}", text);
            } else {
                bump(&figures.other);
                prop_assert!(
                    status != 200,
                    "a 200 answer failed other than by decoding: {:?}",
                    e
                );
                prop_assert_eq!(e.status(), Some(status), "{:?}", e);
            }
        }
    }
    Ok(())
}

#[derive(Default, Debug)]
struct Figures {
    ok: Cell<usize>,
    decode: Cell<usize>,
    other: Cell<usize>,
    duplicate_not_422: Cell<usize>,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} taken, {} decode errors, {} other errors (with their status)",
            self.ok.get(),
            self.decode.get(),
            self.other.get()
        )?;
        match self.duplicate_not_422.get() {
            0 => Ok(()),
            n => write!(
                f,
                "; {n} duplicate answers taken under a status other than 422"
            ),
        }
    }
}

fn bump(counter: &Cell<usize>) {
    counter.set(counter.get() + 1);
}

/// v4.1 answers in JSON: the `Data` envelope of a listing, and error bodies, under any
/// status.
#[test]
fn data_envelope_and_error_answers_in_json() {
    let h = Harness::start();
    let figures = Figures::default();
    runner(600)
        .run(&(status(), body()), |(status, body)| {
            h.set(status, "application/json", body.clone());
            let result = h.rt.block_on(h.client.bounces().list().send());
            check_answer("listBounces", status, &body, &result, &figures)
        })
        .unwrap();
    println!(
        "JSON Data envelope (listBounces): 600 cases: {figures}; requests {}",
        h.hits()
    );
}

/// v4.1 answers in XML (`.xml` paths): well-formed, malformed and truncated documents,
/// under any status.
#[test]
fn xml_answers() {
    let h = Harness::start();
    let client = h.client.with_format(Format::Xml);
    let figures = Figures::default();
    runner(600)
        .run(&(status(), xml()), |(status, body)| {
            h.set(status, "application/xml", body.clone());
            let result = h.rt.block_on(client.bounces().list().send());
            check_answer("listBounces", status, &body, &result, &figures)
        })
        .unwrap();
    println!(
        "XML answers (listBounces.xml): 600 cases: {figures}; requests {}",
        h.hits()
    );
}

/// Imports answers (`PUT /records/`): the `{"message", "errors"}` envelope and
/// anything else, under any status.
#[test]
fn imports_answers() {
    let h = Harness::start();
    let figures = Figures::default();
    runner(600)
        .run(&(status(), body()), |(status, body)| {
            h.set(status, "application/json", body.clone());
            let put = h
                .client
                .records()
                .put("9dd58237-c913-4073-9c76-07da0b49ff50")
                .field("Email", "fuzz@example.com");
            let result = h.rt.block_on(put.send());
            // A 5xx may come after processing: the record's fate is unknown, an outcome.
            if let Ok(RecordOutcome::Unknown { reason }) = &result {
                prop_assert!(
                    status >= 500,
                    "a {status} answer taken as unknown: {reason}"
                );
                return Ok(());
            }
            check_answer("putRecord", status, &body, &result, &figures)
        })
        .unwrap();
    println!(
        "imports answers (putRecord): 600 cases: {figures}; requests {}",
        h.hits()
    );
}

/// A 429 answer of the imports host is a retryable failure carrying its status, a 5xx
/// an unknown outcome (it may follow processing), whatever the body: never a
/// validation refusal, a duplicate or an import.
#[test]
fn transient_answers_of_the_imports_host_are_retryable_failures() {
    let h = Harness::start();
    let bodies: [&[u8]; 3] = [
        br#"{"message":"Server Error"}"#,
        br#"{"message":"Too Many Attempts."}"#,
        br#"{"message":"Record could not be imported","errors":{"duplicate":["Record could not be imported because it duplicates with 42."]}}"#,
    ];
    for status in [429u16, 500, 502, 503] {
        for body in bodies {
            h.set(status, "application/json", body.to_vec());
            let put = h
                .client
                .records()
                .put("9dd58237-c913-4073-9c76-07da0b49ff50")
                .field("Email", "fuzz@example.com");
            match h.rt.block_on(put.send()) {
                // A 5xx may follow processing: unknown, not resent, never a refusal.
                Ok(RecordOutcome::Unknown { reason }) if status >= 500 => {
                    assert!(reason.contains(&format!("HTTP {status}")), "{reason}");
                }
                Ok(outcome) => panic!(
                    "{status} {}: taken as {outcome:?}",
                    String::from_utf8_lossy(body)
                ),
                Err(e) => {
                    assert_eq!(e.status(), Some(status), "{e:?}");
                    assert!(
                        e.is_retryable(),
                        "{status} {}: {e:?} is not retryable",
                        String::from_utf8_lossy(body)
                    );
                    assert!(!matches!(e, Error::Validation { .. }), "{status}: {e:?}");
                }
            }
        }
    }
}

/// A deeply nested XML answer is a decode error (or a value), not a stack overflow.
/// (In a debug build 1,000 levels decode and 3,000 overflow the 2 MiB stack of a test
/// thread or a tokio worker; the overflow aborts the whole process.)
#[test]
fn deeply_nested_xml_is_refused_without_overflowing_the_stack() {
    let h = Harness::start();
    let client = h.client.with_format(Format::Xml);
    let depth = 100_000;
    let body = format!(
        "<Data>{}{}</Data>",
        "<item>".repeat(depth),
        "</item>".repeat(depth)
    )
    .into_bytes();
    h.set(200, "application/xml", body.clone());
    let result = h.rt.block_on(client.bounces().list().send());
    let figures = Figures::default();
    check_answer("listBounces", 200, &body, &result, &figures).unwrap();
    println!(
        "XML nested {depth} deep: {}",
        result
            .map(|v| format!("{} items", v.len()))
            .unwrap_or_else(|e| e.to_string())
    );
}

// ---------------------------------------------------------------------------------------
// The CSV reader behind uploads.

/// CSV-ish bytes: mostly plain rows of one width, some ragged ones, and cells with
/// separators, quotes (balanced or not), line breaks, NUL and non-ASCII text; CRLF, a
/// BOM, trailing junk bytes.
fn csv_bytes() -> impl Strategy<Value = Vec<u8>> {
    let cell = prop_oneof![
        12 => "[A-Za-z0-9 @.]{0,8}",
        1 => Just("\"quoted, with comma\"".to_owned()),
        1 => Just("\"unbalanced".to_owned()),
        1 => Just("\"\"".to_owned()),
        1 => Just("a\"b".to_owned()),
        1 => Just("\"multi\nline\"".to_owned()),
        1 => Just(";".to_owned()),
        1 => Just("\u{0}".to_owned()),
        1 => Just("é".to_owned()),
    ];
    (1usize..5, prop_oneof![Just(","), Just(";")]).prop_flat_map(move |(columns, sep)| {
        let line = prop_oneof![
            8 => proptest::collection::vec(cell.clone(), columns..=columns),
            1 => proptest::collection::vec(cell.clone(), 0..7),
        ]
        .prop_map(move |cells| cells.join(sep));
        (
            any::<bool>(),
            proptest::collection::vec(line, 0..30),
            prop_oneof![Just("\n"), Just("\r\n")],
            proptest::collection::vec(any::<u8>(), 0..3),
            prop_oneof![4 => Just(false), 1 => Just(true)],
        )
            .prop_map(|(bom, lines, eol, junk, add_junk)| {
                let mut bytes = if bom {
                    b"\xEF\xBB\xBF".to_vec()
                } else {
                    Vec::new()
                };
                bytes.extend(lines.join(eol).into_bytes());
                if add_junk {
                    bytes.extend(junk);
                }
                bytes
            })
    })
}

/// Any CSV given to the revenue upload: refused before sending with an error naming the
/// file, or sent; never a panic.
#[test]
fn csv_reader_never_panics_and_refuses_before_sending() {
    let h = Harness::start();
    h.set(200, "application/json", br#"{"Data":{"data":1}}"#.to_vec());
    let (refused, sent) = (Cell::new(0), Cell::new(0));
    runner(1500)
        .run(&csv_bytes(), |bytes| {
            let before = h.hits();
            let result =
                h.rt.block_on(h.client.revenue().upload_bytes("fuzz.csv", bytes));
            match result {
                Ok(outcome) => {
                    bump(&sent);
                    prop_assert!(outcome.is_accepted());
                    prop_assert_eq!(h.hits(), before + 1);
                }
                Err(Error::InvalidInput { field, problem }) => {
                    bump(&refused);
                    prop_assert_eq!(field.as_str(), "file");
                    prop_assert!(problem.contains("fuzz.csv"), "{}", problem);
                    prop_assert_eq!(h.hits(), before, "a refused file was sent");
                }
                Err(other) => prop_assert!(false, "unexpected error {:?}", other),
            }
            Ok(())
        })
        .unwrap();
    println!(
        "CSV reader (revenue upload): 1500 cases: {} refused before sending, {} sent",
        refused.get(),
        sent.get()
    );
}

/// A CSV of good rows with ragged ones at known places: refused before sending, and
/// the error names each broken row by its line.
#[test]
fn broken_csv_rows_are_named_by_line() {
    let h = Harness::start();
    h.set(200, "application/json", br#"{"Data":{"data":1}}"#.to_vec());
    let strategy = (
        1usize..200,
        proptest::collection::btree_set(0usize..200, 1..5),
        1usize..4,
    );
    runner(300)
        .run(&strategy, |(rows, broken, extra)| {
            let broken: Vec<usize> = broken.into_iter().filter(|b| *b < rows).collect();
            let mut text = String::from("Account Number,Revenue\n");
            for r in 0..rows {
                if broken.contains(&r) {
                    text.push_str(&format!("A{r},{r}{}\n", ",x".repeat(extra)));
                } else {
                    text.push_str(&format!("A{r},{r}\n"));
                }
            }
            let before = h.hits();
            let result = h.rt.block_on(
                h.client
                    .revenue()
                    .upload_bytes("broken.csv", text.into_bytes()),
            );
            if broken.is_empty() {
                prop_assert!(result.is_ok(), "{:?}", result);
                return Ok(());
            }
            let Err(Error::InvalidInput { field, problem }) = result else {
                return Err(TestCaseError::fail(format!(
                    "expected a refusal, got {result:?}"
                )));
            };
            prop_assert_eq!(field.as_str(), "file");
            for r in &broken {
                // Line 1 is the header.
                let line = format!("line {}: {} fields", r + 2, 2 + extra);
                prop_assert!(problem.contains(&line), "{} not in {}", line, problem);
            }
            prop_assert_eq!(h.hits(), before);
            Ok(())
        })
        .unwrap();
}
