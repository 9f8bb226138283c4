//! Every operationId in spec/ has a callable method in a cg-raw crate: each is called
//! against a local listener, which must see the operation's method and path.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, Uri};
use serde_json::{Value, json};

type Seen = Arc<Mutex<Vec<(Method, String, Bytes)>>>;

async fn record(State(seen): State<Seen>, method: Method, uri: Uri, body: Bytes) -> &'static str {
    seen.lock()
        .unwrap()
        .push((method, uri.path().to_string(), body));
    "{}"
}

/// `(operationId, METHOD, path template)` of every operation in spec/.
fn spec_operations() -> Vec<(String, String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec");
    let mut ops = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let spec: Value = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for (template, item) in spec["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                    ops.push((id.to_string(), method.to_uppercase(), template.clone()));
                }
            }
        }
    }
    ops.sort();
    ops
}

fn body<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("test body matches the generated type")
}

/// Records the operation every request is handed to the pipeline with.
#[derive(Clone, Debug, Default)]
struct Recorder(Arc<Mutex<Vec<cg_auth::Operation>>>);

impl cg_auth::Middleware for Recorder {
    fn prepare<'a>(
        &'a self,
        _request: &'a mut reqwest::Request,
        operation: cg_auth::Operation,
    ) -> futures_core::future::BoxFuture<'a, Result<(), cg_auth::PrepareError>> {
        self.0.lock().unwrap().push(operation);
        Box::pin(async { Ok(()) })
    }

    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        _operation: cg_auth::Operation,
    ) -> futures_core::future::BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        Box::pin(client.execute(request))
    }
}

/// Calls the raw method for `id`; `false` when no raw crate offers it.
async fn call(id: &str, url: &str, recorder: &Recorder) -> bool {
    let p = || cg_auth::Pipeline::new(recorder.clone());
    macro_rules! send {
        ($e:expr) => {{
            let _ = $e.await;
        }};
    }
    match id {
        "createToken" => {
            let c = cg_raw_auth::Client::new(url, p());
            send!(c.create_token().body(body::<cg_raw_auth::types::TokenRequest>(
                json!({"grant_type":"client_credentials","client_id":"i","client_secret":"s"})
            )).send())
        }
        "putActivity" => {
            let c = cg_raw_imports::Client::new(url, p());
            send!(
                c.put_activity()
                    .body(body::<cg_raw_imports::types::ActivityImport>(json!({
                        "account": "ACME Industries", "type": "Ticket", "source": "Freshdesk",
                        "happened_at": "2019-03-06 10:00:00 +0530"
                    })))
                    .send()
            )
        }
        "putRecord" | "putAccount" => {
            use cg_raw_imports::types::*;
            let c = cg_raw_imports::Client::new(url, p());
            if id == "putRecord" {
                let record: RecordImport = body(
                    json!({"configuration":"9dd58237-c913-4073-9c76-07da0b49ff50","record":{"Email":"a@b.c"}}),
                );
                send!(c.put_record().body(record.clone()).send());
                // The form encoding of the same operation.
                send!(c.put_record_form(&record));
            } else {
                send!(
                    c.put_account()
                        .body(body::<AccountImport>(json!({"reference":"ACME"})))
                        .send()
                )
            }
        }
        "listUnsubscribes" => send!(
            cg_raw_lists::Client::new(url, p())
                .list_unsubscribes()
                .format("json")
                .send()
        ),
        "addUnsubscribe" => send!(
            cg_raw_lists::Client::new(url, p())
                .add_unsubscribe()
                .format("json")
                .body(body::<cg_raw_lists::types::AddUnsubscribeRequest>(
                    json!({"email":"a@b.c"})
                ))
                .send()
        ),
        "listBounces" => send!(
            cg_raw_lists::Client::new(url, p())
                .list_bounces()
                .format("json")
                .limit(10)
                .send()
        ),
        "listHierarchy" => send!(
            cg_raw_hierarchy::Client::new(url, p())
                .list_hierarchy()
                .format("json")
                .send()
        ),
        "addDivision" => send!(
            cg_raw_hierarchy::Client::new(url, p())
                .add_division()
                .format("json")
                .body(body::<cg_raw_hierarchy::types::AddDivisionRequest>(
                    json!({"division":"Sales"})
                ))
                .send()
        ),
        "updateDivision" => send!(
            cg_raw_hierarchy::Client::new(url, p())
                .update_division()
                .format("json")
                .body(body::<cg_raw_hierarchy::types::UpdateDivisionRequest>(
                    json!({"division":"Sales","division_to_update":"Sales EU"})
                ))
                .send()
        ),
        "deleteDivision" => send!(
            cg_raw_hierarchy::Client::new(url, p())
                .delete_division()
                .format("json")
                .body(body::<cg_raw_hierarchy::types::DeleteDivisionRequest>(
                    json!({"division":"Sales","replacement-division":"Global"})
                ))
                .send()
        ),
        "validateAnonymize" => send!(
            cg_raw_anonymize::Client::new(url, p())
                .validate_anonymize()
                .format("json")
                .email("a@b.c")
                .send()
        ),
        "executeAnonymize" => send!(
            cg_raw_anonymize::Client::new(url, p())
                .execute_anonymize()
                .format("json")
                .body(body::<cg_raw_anonymize::types::ExecuteAnonymizeRequest>(
                    json!({"email":"a@b.c"})
                ))
                .send()
        ),
        "uploadRevenueFile" | "uploadContactFile" | "uploadHistoricalFile" => {
            let c = cg_raw_files::Client::new(url, p());
            let form = || {
                reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(b"a,b\n1,2\n".to_vec()).file_name("r.csv"),
                )
            };
            match id {
                "uploadRevenueFile" => send!(c.upload_revenue_file("json", form())),
                "uploadContactFile" => send!(c.upload_contact_file("json", form())),
                _ => send!(c.upload_historical_file("json", form())),
            }
        }
        "listRevenueUploads" => send!(
            cg_raw_files::Client::new(url, p())
                .list_revenue_uploads()
                .format("json")
                .send()
        ),
        "listContactUploads" => send!(
            cg_raw_files::Client::new(url, p())
                .list_contact_uploads()
                .format("json")
                .send()
        ),
        "listHistoricalUploads" => send!(
            cg_raw_files::Client::new(url, p())
                .list_historical_uploads()
                .format("json")
                .send()
        ),
        "listTransactionalUploads" => send!(
            cg_raw_files::Client::new(url, p())
                .list_transactional_uploads()
                .format("json")
                .send()
        ),
        "deleteUpload" => send!(
            cg_raw_files::Client::new(url, p())
                .delete_upload()
                .format("json")
                .id(12)
                .send()
        ),
        "listTransactions" => send!(
            cg_raw_transactions::Client::new(url, p())
                .list_transactions()
                .format("json")
                .days(7)
                .send()
        ),
        "createResponse" | "createNonResponse" | "updateResponse" | "updateNonResponse" => {
            use cg_raw_transactions::types::*;
            let c = cg_raw_transactions::Client::new(url, p());
            let create: TransactionFields = body(json!({"Email":"a@b.c"}));
            let update: TransactionUpdateFields = body(json!({"id":63,"Email":"a@b.c"}));
            match id {
                "createResponse" => send!(c.create_response().format("json").body(create).send()),
                "createNonResponse" => {
                    send!(c.create_non_response().format("json").body(create).send())
                }
                "updateResponse" => send!(c.update_response().format("json").body(update).send()),
                _ => send!(c.update_non_response().format("json").body(update).send()),
            }
        }
        "streamTransactional" => send!(cg_raw_stream::Client::new(url, p()).stream_transactional(
            "json",
            "<records><record><Email>a@b.c</Email></record></records>"
        )),
        "streamHistorical" => send!(cg_raw_stream::Client::new(url, p()).stream_historical(
            "json",
            "<records><record><Email>a@b.c</Email></record></records>"
        )),
        "listReasons" => send!(
            cg_raw_reasons::Client::new(url, p())
                .list_reasons()
                .format("json")
                .show_for("Promoter")
                .send()
        ),
        "updateWorkflow" => send!(
            cg_raw_workflow::Client::new(url, p())
                .update_workflow()
                .format("json")
                .body(body::<cg_raw_workflow::types::UpdateWorkflowRequest>(
                    json!({"number_customergauge":"12","status":"CLOSED"})
                ))
                .send()
        ),
        "getNpsReport" => send!(
            cg_raw_report::Client::new(url, p())
                .get_nps_report()
                .format("json")
                .send()
        ),
        "exportResponses" => send!(
            cg_raw_sync::Client::new(url, p())
                .export_responses()
                .per_page(10)
                .send()
        ),
        "exportNonResponses" => send!(
            cg_raw_sync::Client::new(url, p())
                .export_non_responses()
                .per_page(10)
                .send()
        ),
        "listCloseLoopCases" => send!(
            cg_raw_sync::Client::new(url, p())
                .list_close_loop_cases()
                .per_page(10)
                .cursor(cg_raw_sync::types::IntOrString::Int64(123))
                .send()
        ),
        "updateCloseLoopStatus" => send!(
            cg_raw_sync::Client::new(url, p())
                .update_close_loop_status()
                .body(body::<cg_raw_sync::types::CloseLoopStatusUpdate>(
                    json!({"number_customergauge":12,"status":"closed"})
                ))
                .send()
        ),
        _ => return false,
    }
    true
}

/// Whether `path` fills `template`: literals in order, each `{x}` one or more non-`/` characters.
fn matches(template: &str, path: &str) -> bool {
    let mut literals = template.split('{').enumerate().map(|(i, part)| {
        if i == 0 {
            part
        } else {
            part.split_once('}').map_or("", |(_, rest)| rest)
        }
    });
    let Some(rest) = literals.next().and_then(|first| path.strip_prefix(first)) else {
        return false;
    };
    let mut rest = rest;
    for literal in literals {
        // The placeholder ends where its literal starts (the last match when the literal is empty).
        let pos = if literal.is_empty() {
            Some(rest.len())
        } else {
            rest.find(literal)
        };
        match pos {
            Some(pos) if pos > 0 && !rest[..pos].contains('/') => {
                rest = &rest[pos + literal.len()..]
            }
            _ => return false,
        }
    }
    rest.is_empty()
}

#[tokio::test]
async fn every_spec_operation_is_callable_through_a_raw_crate() {
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .fallback(record)
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let ops = spec_operations();
    assert!(ops.len() >= 33, "spec/ lists {} operations", ops.len());
    let mut missing = Vec::new();
    let mut not_sent = BTreeMap::new();
    let mut wrong_operation = BTreeMap::new();
    let recorder = Recorder::default();
    for (id, method, template) in &ops {
        seen.lock().unwrap().clear();
        recorder.0.lock().unwrap().clear();
        if !call(id, &url, &recorder).await {
            missing.push(id.clone());
            continue;
        }
        // The pipeline must learn the spec's operation and the credentials it accepts.
        let handed: Vec<cg_auth::Operation> = recorder.0.lock().unwrap().clone();
        let expected_accepts = if id == "createToken" {
            cg_auth::Accepts::NONE
        } else if [
            "putRecord",
            "putAccount",
            "putActivity",
            "exportResponses",
            "exportNonResponses",
            "listCloseLoopCases",
            "updateCloseLoopStatus",
        ]
        .contains(&id.as_str())
        {
            cg_auth::Accepts::OAUTH2
        } else {
            cg_auth::Accepts::OAUTH2_OR_API_KEY
        };
        if handed.is_empty()
            || handed
                .iter()
                .any(|op| op.id != id || op.accepts != expected_accepts)
        {
            wrong_operation.insert(id.clone(), handed);
        }
        let requests = seen.lock().unwrap().clone();
        let ok = !requests.is_empty()
            && requests
                .iter()
                .all(|(m, path, _)| m.as_str() == method && matches(template, path));
        if !ok {
            not_sent.insert(id.clone(), (method.clone(), template.clone(), requests));
        }
    }
    assert!(
        missing.is_empty(),
        "operationIds with no raw method: {missing:?}"
    );
    assert!(
        not_sent.is_empty(),
        "operations that did not reach the listener as specified: {not_sent:#?}"
    );
    assert!(
        wrong_operation.is_empty(),
        "operations handed to the pipeline under the wrong id or credentials: {wrong_operation:#?}"
    );
}

#[test]
fn the_path_matcher_is_strict() {
    assert!(matches(
        "/v4.1/lists/bounce.{format}",
        "/v4.1/lists/bounce.json"
    ));
    assert!(!matches(
        "/v4.1/lists/bounce.{format}",
        "/v4.1/lists/bounce."
    ));
    assert!(!matches(
        "/v4.1/lists/bounce.{format}",
        "/v4.1/lists/unsubscribe.json"
    ));
    assert!(!matches("/records/", "/records"));
}

#[tokio::test]
async fn put_record_form_sends_bracketed_keys() {
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .fallback(record)
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let record: cg_raw_imports::types::RecordImport = body(json!({
        "configuration": "9dd58237-c913-4073-9c76-07da0b49ff50",
        "record": {"Email": "joe.doe@example.com", "Account Name": "ACME"}
    }));
    let answer = cg_raw_imports::Client::new(&url, cg_auth::Pipeline::default())
        .put_record_form(&record)
        .await;
    assert!(answer.is_ok(), "{answer:?}");
    let (method, path, sent) = seen.lock().unwrap()[0].clone();
    assert_eq!((method.as_str(), path.as_str()), ("PUT", "/records/"));
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(&sent);
    assert!(
        pairs.contains(&(
            "configuration".into(),
            "9dd58237-c913-4073-9c76-07da0b49ff50".into()
        )),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("record[Email]".into(), "joe.doe@example.com".into())),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("record[Account Name]".into(), "ACME".into())),
        "{pairs:?}"
    );
}

fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{}", String::from_utf8_lossy(body)))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
