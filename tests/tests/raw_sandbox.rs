//! Every operationId in spec/ against the sandbox, through its generated cg-raw method and
//! an authenticated pipeline: valid input gives the typed success value (and the change
//! shows in a listing or in the sandbox state), and documented errors come back as
//! `Error::ErrorResponse` with the status and the code or field messages of the spec.
//! Where the generated client and the spec part ways the test says so and is ignored.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::panic::AssertUnwindSafe;

use cg_auth::{AuthConfig, AuthMiddleware, Authenticator, Credentials, Endpoints, Pipeline};
use cg_sandbox::state::SurveyKind;
use cg_sandbox::{AuthKind, Family, Sandbox};
use chrono::NaiveDate;
use futures::FutureExt;
use progenitor_client::Error;
use serde_json::{Value, json};

/// Every operationId of spec/*.yaml, sorted.
fn spec_operation_ids() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec");
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let spec: Value = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for item in spec["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                    ids.push(id.to_owned());
                }
            }
        }
    }
    ids.sort();
    ids
}

async fn sandbox() -> Sandbox {
    Sandbox::builder().seed_demo(true).start().await
}

fn pipeline(sandbox: &Sandbox, credentials: Credentials) -> Pipeline {
    let endpoints = Endpoints::from_urls(
        &sandbox.api_url(),
        &sandbox.imports_url(),
        &sandbox.auth_url(),
    )
    .unwrap();
    AuthMiddleware::new(Authenticator::new(AuthConfig::with_endpoints(
        endpoints,
        credentials,
    )))
    .into_pipeline()
}

/// The demo OAuth2 client.
fn oauth(sandbox: &Sandbox) -> Pipeline {
    let (id, secret) = sandbox.demo_client();
    pipeline(sandbox, Credentials::client_credentials(id, secret))
}

/// A fixed bearer token the sandbox never issued (never refreshed, so the 401 stays).
fn wrong_token(sandbox: &Sandbox) -> Pipeline {
    pipeline(
        sandbox,
        Credentials::bearer_token("not-a-token-the-sandbox-issued"),
    )
}

fn body<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("test body matches the generated type")
}

/// An optional number-or-string (or any displayable value) as text, `""` when absent.
fn text<T: Display>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A multipart body with a `file` part.
fn file(name: Option<&str>, content: impl Into<Vec<u8>>) -> reqwest::multipart::Form {
    let part = reqwest::multipart::Part::bytes(content.into());
    let part = match name {
        Some(name) => part.file_name(name.to_owned()),
        None => part,
    };
    reqwest::multipart::Form::new().part("file", part)
}

/// `(status, Code, Message)` of a v4.1 error answer (`V41Error`, whichever crate's).
macro_rules! v41_error {
    ($result:expr) => {
        match $result {
            Err(Error::ErrorResponse(rv)) => {
                let status = rv.status().as_u16();
                let body = rv.into_inner();
                (
                    status,
                    text(&body.error.code),
                    body.error.message.unwrap_or_default(),
                )
            }
            other => panic!("expected a documented V41Error answer, got {other:?}"),
        }
    };
}

/// `(status, message, errors)` of an imports or v7 error answer (`ImportsError`).
macro_rules! imports_error {
    ($result:expr) => {
        match $result {
            Err(Error::ErrorResponse(rv)) => {
                let status = rv.status().as_u16();
                let body = rv.into_inner();
                (status, body.message, body.errors)
            }
            other => panic!("expected a documented ImportsError answer, got {other:?}"),
        }
    };
}

fn v41(status: u16, code: &str, message: &str) -> (u16, String, String) {
    (status, code.to_owned(), message.to_owned())
}

fn invalid_api_key() -> (u16, String, String) {
    v41(401, "200000", "Invalid API key")
}

fn fields(entries: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (field, message) in entries {
        map.entry((*field).to_owned())
            .or_default()
            .push((*message).to_owned());
    }
    map
}

fn unauthenticated() -> (u16, String, BTreeMap<String, Vec<String>>) {
    (401, "Unauthenticated.".to_owned(), BTreeMap::new())
}

// ---------------------------------------------------------------------------------------
// The walk over spec/.

/// Runs the cases of `id` against a fresh demo sandbox; `false` when there are none.
async fn exercise(id: &str) -> bool {
    let sb = sandbox().await;
    match id {
        "createToken" => create_token(&sb).await,
        "putRecord" => put_record(&sb).await,
        "putAccount" => put_account(&sb).await,
        "listUnsubscribes" => list_unsubscribes(&sb).await,
        "addUnsubscribe" => add_unsubscribe(&sb).await,
        "listBounces" => list_bounces(&sb).await,
        "listHierarchy" => list_hierarchy(&sb).await,
        "addDivision" => add_division(&sb).await,
        "updateDivision" => update_division(&sb).await,
        "deleteDivision" => delete_division(&sb).await,
        "validateAnonymize" => validate_anonymize(&sb).await,
        "executeAnonymize" => execute_anonymize(&sb).await,
        "uploadRevenueFile" => upload_revenue_file(&sb).await,
        "uploadContactFile" => upload_contact_file(&sb).await,
        "uploadHistoricalFile" => upload_historical_file(&sb).await,
        "listRevenueUploads" => list_revenue_uploads(&sb).await,
        "listContactUploads" => list_contact_uploads(&sb).await,
        "listHistoricalUploads" => list_historical_uploads(&sb).await,
        "listTransactionalUploads" => list_transactional_uploads(&sb).await,
        "deleteUpload" => delete_upload(&sb).await,
        "listTransactions" => list_transactions(&sb).await,
        "createResponse" => create_response(&sb).await,
        "createNonResponse" => create_non_response(&sb).await,
        "updateResponse" => update_response(&sb).await,
        "updateNonResponse" => update_non_response(&sb).await,
        "streamTransactional" => stream_transactional(&sb).await,
        "streamHistorical" => stream_historical(&sb).await,
        "listReasons" => list_reasons(&sb).await,
        "updateWorkflow" => update_workflow(&sb).await,
        "getNpsReport" => get_nps_report(&sb).await,
        "exportResponses" => export_responses(&sb).await,
        "exportNonResponses" => export_non_responses(&sb).await,
        "updateCloseLoopStatus" => update_close_loop_status(&sb).await,
        "listCloseLoopCases" => list_close_loop_cases(&sb).await,
        "putActivity" => put_activity(&sb).await,
        _ => return false,
    }
    true
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(no message)".to_owned())
}

#[tokio::test]
async fn every_spec_operation_succeeds_and_fails_as_documented_against_the_sandbox() {
    let ids = spec_operation_ids();
    assert!(ids.len() >= 33, "spec/ lists {} operations", ids.len());
    let mut missing = Vec::new();
    let mut failed = BTreeMap::new();
    for id in &ids {
        match AssertUnwindSafe(exercise(id)).catch_unwind().await {
            Ok(true) => {}
            Ok(false) => missing.push(id.clone()),
            Err(panic) => {
                failed.insert(id.clone(), panic_text(panic.as_ref()));
            }
        }
    }
    assert!(
        missing.is_empty() && failed.is_empty(),
        "operationIds without a sandbox case: {missing:?}\nfailed operations: {failed:#?}"
    );
}

// ---------------------------------------------------------------------------------------
// auth

async fn create_token(sb: &Sandbox) {
    use cg_raw_auth::types::*;
    let c = cg_raw_auth::Client::new(&sb.auth_url(), oauth(sb));
    let (id, secret) = sb.demo_client();
    let answer = c
        .create_token()
        .body(body::<TokenRequest>(json!({
            "grant_type": "client_credentials", "client_id": id, "client_secret": secret
        })))
        .send()
        .await
        .expect("createToken");
    assert_eq!(answer.status().as_u16(), 200);
    let token = answer.into_inner();
    assert_eq!(token.access_token.len(), 48);
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));
    assert!(
        matches!(token.expires_in, Some(IntOrString::Int64(3600))),
        "{:?}",
        token.expires_in
    );
    assert_eq!(
        sb.state().tokens[&token.access_token].client_id,
        "sandbox-demo-client"
    );
    // The token works as a bearer token.
    let bounces = cg_raw_lists::Client::new(
        &sb.api_url(),
        pipeline(sb, Credentials::bearer_token(token.access_token)),
    )
    .list_bounces()
    .format("json")
    .send()
    .await
    .expect("listBounces with the issued token");
    assert_eq!(bounces.into_inner().data.len(), 5);

    // 401 invalid_client for a wrong secret.
    let refused = c
        .create_token()
        .body(body::<TokenRequest>(json!({
            "grant_type": "client_credentials", "client_id": id, "client_secret": "wrong"
        })))
        .send()
        .await;
    match refused {
        Err(Error::ErrorResponse(rv)) => {
            assert_eq!(rv.status().as_u16(), 401);
            let e = rv.into_inner();
            assert_eq!(e.error.as_deref(), Some("invalid_client"));
            assert_eq!(
                e.error_description.as_deref(),
                Some("Client authentication failed.")
            );
        }
        other => panic!("expected a documented OAuthError answer, got {other:?}"),
    }
    // The token endpoint never gets credentials from the pipeline.
    assert!(
        sb.requests()
            .iter()
            .filter(|r| r.family == Family::Auth)
            .all(|r| r.auth == AuthKind::None)
    );
}

// ---------------------------------------------------------------------------------------
// imports

async fn put_record(sb: &Sandbox) {
    use cg_raw_imports::types::*;
    let c = cg_raw_imports::Client::new(&sb.imports_url(), oauth(sb));
    let configuration = sb.demo_configuration();
    let before = sb.state().surveys.len();
    let record: RecordImport = body(json!({
        "configuration": configuration,
        "record": {
            "Email": "new.buyer@example.com",
            "First Name": "Nora",
            "Account Name": "ACME",
            "Touchpoint": "Support",
            "Revenue": "1200.50",
            "Date Order": "2024-05-01",
            "Not In The Mapping": "ignored"
        }
    }));
    let answer = c
        .put_record()
        .body(record.clone())
        .send()
        .await
        .expect("putRecord");
    assert_eq!(answer.status().as_u16(), 200);
    let state = sb.state();
    assert_eq!(state.surveys.len(), before + 1);
    let survey = state.surveys.last().unwrap();
    assert_eq!(survey.number_customergauge, 9);
    assert_eq!(survey.kind, SurveyKind::NonResponse);
    assert_eq!(survey.status, "QUEUE");
    assert_eq!(survey.email.as_deref(), Some("new.buyer@example.com"));
    assert_eq!(survey.first_name.as_deref(), Some("Nora"));
    assert_eq!(survey.account_name.as_deref(), Some("ACME"));
    assert_eq!(survey.date_order.as_deref(), Some("2024-05-01"));
    assert_eq!(
        survey.configuration.as_deref(),
        Some(configuration.as_str())
    );
    assert_eq!(
        survey.fields.get("Touchpoint").map(String::as_str),
        Some("Support")
    );
    assert!(!survey.fields.contains_key("Not In The Mapping"));
    assert!(
        state
            .contacts
            .iter()
            .any(|c| c.email.as_deref() == Some("new.buyer@example.com"))
    );

    // The form encoding of the same operation.
    let form: RecordImport = body(json!({
        "configuration": configuration,
        "record": {"Email": "form.buyer@example.com", "Account Name": "Globex"}
    }));
    let answer = c.put_record_form(&form).await.expect("putRecord (form)");
    assert_eq!(answer.status().as_u16(), 200);
    let state = sb.state();
    let survey = state.survey(10).expect("the form record's survey");
    assert_eq!(survey.email.as_deref(), Some("form.buyer@example.com"));
    assert_eq!(survey.account_name.as_deref(), Some("Globex"));

    // 422: field errors, in mapping order, Laravel's summary.
    let bad: RecordImport = body(json!({
        "configuration": configuration,
        "record": {"Email": "not-an-address", "Touchpoint": "Nowhere", "Revenue": "lots"}
    }));
    assert_eq!(
        imports_error!(c.put_record().body(bad).send().await),
        (
            422,
            "The Email field must be a valid email address. (and 3 more errors)".to_owned(),
            fields(&[
                ("Email", "The Email field must be a valid email address."),
                ("Account Name", "The Account Name field is required."),
                ("Touchpoint", "The Touchpoint field is invalid."),
                ("Revenue", "The Revenue must be a number."),
            ])
        )
    );
    // 422: the duplication rule (30 days) names the earlier survey.
    let duplicate = "Record could not be imported because it duplicates with 9.";
    assert_eq!(
        imports_error!(c.put_record().body(record.clone()).send().await),
        (
            422,
            duplicate.to_owned(),
            fields(&[("duplicate", duplicate)])
        )
    );
    // 422: an Inbound Mapping that does not exist.
    let unknown: RecordImport = body(json!({
        "configuration": "00000000-0000-4000-8000-000000000000",
        "record": {"Email": "someone@example.com"}
    }));
    assert_eq!(
        imports_error!(c.put_record().body(unknown).send().await),
        (
            422,
            "The selected configuration was invalid.".to_owned(),
            fields(&[("configuration", "The selected configuration is required.")])
        )
    );
    // 401 with a token the sandbox never issued.
    let refused = cg_raw_imports::Client::new(&sb.imports_url(), wrong_token(sb))
        .put_record()
        .body(record)
        .send()
        .await;
    assert_eq!(imports_error!(refused), unauthenticated());
    assert_eq!(sb.state().surveys.len(), before + 2);
}

async fn put_account(sb: &Sandbox) {
    use cg_raw_imports::types::*;
    let c = cg_raw_imports::Client::new(&sb.imports_url(), oauth(sb));
    let created = c
        .put_account()
        .body(body::<AccountImport>(json!({
            "reference": "Umbrella", "number": "UMB-009",
            "manager": "boss@example.com", "region": "Europe"
        })))
        .send()
        .await
        .expect("putAccount (new)");
    assert_eq!(created.status().as_u16(), 201);
    let updated = c
        .put_account()
        .body(body::<AccountImport>(
            json!({"reference": "ACME", "manager": "new.manager@example.com"}),
        ))
        .send()
        .await
        .expect("putAccount (existing)");
    assert_eq!(updated.status().as_u16(), 200);
    let state = sb.state();
    let umbrella = state
        .accounts
        .iter()
        .find(|a| a.reference == "Umbrella")
        .expect("Umbrella stored");
    assert_eq!(umbrella.number.as_deref(), Some("UMB-009"));
    assert_eq!(umbrella.manager.as_deref(), Some("boss@example.com"));
    assert_eq!(umbrella.region.as_deref(), Some("Europe"));
    let acme = state
        .accounts
        .iter()
        .find(|a| a.reference == "ACME")
        .unwrap();
    assert_eq!(acme.manager.as_deref(), Some("new.manager@example.com"));
    assert_eq!(acme.number.as_deref(), Some("ACME-001"));
    assert_eq!(state.accounts.len(), 4);

    // 422: a blank reference counts as absent.
    let required = "The reference field is required.";
    assert_eq!(
        imports_error!(
            c.put_account()
                .body(body::<AccountImport>(json!({"reference": "   "})))
                .send()
                .await
        ),
        (422, required.to_owned(), fields(&[("reference", required)]))
    );
    let refused = cg_raw_imports::Client::new(&sb.imports_url(), wrong_token(sb))
        .put_account()
        .body(body::<AccountImport>(json!({"reference": "Hooli"})))
        .send()
        .await;
    assert_eq!(imports_error!(refused), unauthenticated());
    assert_eq!(sb.state().accounts.len(), 4);
}

// ---------------------------------------------------------------------------------------
// lists

async fn list_unsubscribes(sb: &Sandbox) {
    let c = cg_raw_lists::Client::new(&sb.api_url(), oauth(sb));
    let all = c
        .list_unsubscribes()
        .format("json")
        .send()
        .await
        .expect("listUnsubscribes")
        .into_inner()
        .data;
    let listed: Vec<(String, String)> = all
        .iter()
        .map(|u| (text(&u.email), text(&u.date)))
        .collect();
    assert_eq!(
        listed,
        [
            ("former.customer@example.com", "2024-01-15 09:30:00"),
            ("no.more.mail@example.org", "2024-02-03 14:05:12"),
            ("opted.out@example.net", "2024-03-20 08:00:00"),
        ]
        .map(|(e, d)| (e.to_owned(), d.to_owned()))
    );
    let since_february = c
        .list_unsubscribes()
        .format("json")
        .date_range_from(date(2024, 2, 1))
        .send()
        .await
        .expect("listUnsubscribes from a date")
        .into_inner()
        .data;
    assert_eq!(since_february.len(), 2);
    assert_eq!(
        since_february[0].email.as_deref(),
        Some("no.more.mail@example.org")
    );

    // 400401 past the end.
    assert_eq!(
        v41_error!(c.list_unsubscribes().format("json").start(100).send().await),
        v41(400, "400401", "Record does not exist")
    );
}

async fn add_unsubscribe(sb: &Sandbox) {
    use cg_raw_lists::types::*;
    let c = cg_raw_lists::Client::new(&sb.api_url(), oauth(sb));
    let added = c
        .add_unsubscribe()
        .format("json")
        .body(AddUnsubscribeRequest {
            email: "leaving@example.com".to_owned(),
        })
        .send()
        .await
        .expect("addUnsubscribe")
        .into_inner();
    assert_eq!(added.data.message.as_deref(), Some("Record added"));
    let listed = c
        .list_unsubscribes()
        .format("json")
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(listed.len(), 4);
    assert_eq!(listed[3].email.as_deref(), Some("leaving@example.com"));

    // 400403 on a second add (case-insensitive), 300001 on a malformed address.
    let again = c
        .add_unsubscribe()
        .format("json")
        .body(AddUnsubscribeRequest {
            email: "LEAVING@example.com".to_owned(),
        })
        .send()
        .await;
    assert_eq!(
        v41_error!(again),
        v41(
            400,
            "400403",
            "Email address already exist in the unsubscribe list"
        )
    );
    let malformed = c
        .add_unsubscribe()
        .format("json")
        .body(AddUnsubscribeRequest {
            email: "not-an-address".to_owned(),
        })
        .send()
        .await;
    assert_eq!(
        v41_error!(malformed),
        v41(
            400,
            "300001",
            "Invalid arguments supplied: email is not a valid e-mail address"
        )
    );
    assert_eq!(sb.state().unsubscribes.len(), 4);
}

async fn list_bounces(sb: &Sandbox) {
    let c = cg_raw_lists::Client::new(&sb.api_url(), oauth(sb));
    let first = c
        .list_bounces()
        .format("json")
        .limit(2)
        .send()
        .await
        .expect("listBounces")
        .into_inner()
        .data;
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].email.as_deref(), Some("bounce-0@example.com"));
    assert_eq!(first[0].type_.as_deref(), Some("hard"));
    assert_eq!(
        first[0].reason.as_deref(),
        Some("550 5.1.1 Mailbox does not exist")
    );
    assert_eq!(first[0].date.as_deref(), Some("2024-01-01 00:00:00"));
    assert_eq!(first[1].type_.as_deref(), Some("soft"));
    let rest = c
        .list_bounces()
        .format("json")
        .start(3)
        .send()
        .await
        .expect("listBounces from 3")
        .into_inner()
        .data;
    let emails: Vec<String> = rest.iter().map(|b| text(&b.email)).collect();
    assert_eq!(emails, ["bounce-3@example.com", "bounce-4@example.com"]);

    assert_eq!(
        v41_error!(c.list_bounces().format("json").start(5).send().await),
        v41(400, "400401", "Record does not exist")
    );
}

// ---------------------------------------------------------------------------------------
// hierarchy

async fn divisions(sb: &Sandbox) -> Vec<(String, String, String)> {
    cg_raw_hierarchy::Client::new(&sb.api_url(), oauth(sb))
        .list_hierarchy()
        .format("json")
        .send()
        .await
        .expect("listHierarchy")
        .into_inner()
        .data
        .iter()
        .map(|d| (text(&d.id), text(&d.division), text(&d.parent)))
        .collect()
}

fn division_rows(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|(i, d, p)| ((*i).to_owned(), (*d).to_owned(), (*p).to_owned()))
        .collect()
}

async fn list_hierarchy(sb: &Sandbox) {
    assert_eq!(
        divisions(sb).await,
        division_rows(&[
            ("1", "Global", ""),
            ("2", "Europe", "Global"),
            ("3", "North America", "Global"),
            ("4", "Benelux", "Europe"),
        ])
    );
    let refused = cg_raw_hierarchy::Client::new(&sb.api_url(), wrong_token(sb))
        .list_hierarchy()
        .format("json")
        .send()
        .await;
    assert_eq!(v41_error!(refused), invalid_api_key());
}

async fn add_division(sb: &Sandbox) {
    use cg_raw_hierarchy::types::*;
    let c = cg_raw_hierarchy::Client::new(&sb.api_url(), oauth(sb));
    let add = |division: &str, parent: &str| {
        c.add_division().format("json").body(AddDivisionRequest {
            division: division.to_owned(),
            parent: parent.to_owned(),
        })
    };
    let added = add("Sales", "Europe")
        .send()
        .await
        .expect("addDivision")
        .into_inner();
    assert_eq!(text(&added.data.id), "5");
    assert_eq!(
        divisions(sb).await.last().cloned(),
        Some(("5".to_owned(), "Sales".to_owned(), "Europe".to_owned()))
    );

    assert_eq!(
        v41_error!(add("Pacific", "Atlantis").send().await),
        v41(400, "400900", "Parent doesn’t exist")
    );
    assert_eq!(
        v41_error!(add("Europe", "Global").send().await),
        v41(
            400,
            "300001",
            "Invalid arguments supplied: a division with this name exists"
        )
    );
    assert_eq!(
        v41_error!(add("", "Global").send().await),
        v41(400, "300004", "Required field does not supplied: division")
    );
    assert_eq!(divisions(sb).await.len(), 5);
}

async fn update_division(sb: &Sandbox) {
    use cg_raw_hierarchy::types::*;
    let c = cg_raw_hierarchy::Client::new(&sb.api_url(), oauth(sb));
    let update = |value: Value| {
        c.update_division()
            .format("json")
            .body(body::<UpdateDivisionRequest>(value))
    };
    let updated = update(json!({
        "division": "Benelux", "division_to_update": "Low Countries", "parent": "Global"
    }))
    .send()
    .await
    .expect("updateDivision")
    .into_inner();
    assert_eq!(
        updated.data.message.as_deref(),
        Some("Division has been updated successfully")
    );
    assert_eq!(
        divisions(sb).await[3],
        (
            "4".to_owned(),
            "Low Countries".to_owned(),
            "Global".to_owned()
        )
    );
    // Accounts of the division follow the new name.
    let state = sb.state();
    let initech = state.accounts.iter().find(|a| a.reference == "Initech");
    assert_eq!(
        initech.and_then(|a| a.region.as_deref()),
        Some("Low Countries")
    );

    assert_eq!(
        v41_error!(
            update(json!({"division": "Global", "division_to_update": "World"}))
                .send()
                .await
        ),
        v41(400, "400902", "Global division can not be updated")
    );
    assert_eq!(
        v41_error!(
            update(json!({"division": "Atlantis", "division_to_update": "Mu"}))
                .send()
                .await
        ),
        v41(400, "400901", "Division doesn’t exist")
    );
    assert_eq!(
        v41_error!(
            update(json!({"division": "Europe", "parent": "Atlantis"}))
                .send()
                .await
        ),
        v41(400, "400900", "Parent doesn’t exist")
    );
    assert_eq!(
        v41_error!(update(json!({"division": "Europe"})).send().await),
        v41(
            400,
            "300004",
            "Required field does not supplied: division_to_update or parent"
        )
    );
}

async fn delete_division(sb: &Sandbox) {
    use cg_raw_hierarchy::types::*;
    let c = cg_raw_hierarchy::Client::new(&sb.api_url(), oauth(sb));
    let delete = |division: &str, replacement: &str| {
        c.delete_division()
            .format("json")
            .body(DeleteDivisionRequest {
                division: division.to_owned(),
                replacement_division: replacement.to_owned(),
            })
    };
    let deleted = delete("North America", "Europe")
        .send()
        .await
        .expect("deleteDivision")
        .into_inner();
    assert_eq!(
        deleted.data.message.as_deref(),
        Some("Division has been deleted successfully.")
    );
    assert_eq!(
        divisions(sb).await,
        division_rows(&[
            ("1", "Global", ""),
            ("2", "Europe", "Global"),
            ("4", "Benelux", "Europe"),
        ])
    );
    let state = sb.state();
    let globex = state.accounts.iter().find(|a| a.reference == "Globex");
    assert_eq!(globex.and_then(|a| a.region.as_deref()), Some("Europe"));

    assert_eq!(
        v41_error!(delete("Europe", "Global").send().await),
        v41(400, "400904", "Parent division can not be deleted")
    );
    assert_eq!(
        v41_error!(delete("Global", "Europe").send().await),
        v41(400, "400903", "Global division can not be deleted")
    );
    assert_eq!(
        v41_error!(delete("Benelux", "Atlantis").send().await),
        v41(
            400,
            "400901",
            "Division doesn’t exist: replacement-division"
        )
    );
    assert_eq!(divisions(sb).await.len(), 3);
}

// ---------------------------------------------------------------------------------------
// anonymize

const NO_ANONYMIZE_TARGET: &str = "Required field ‘email’ or ‘telephone’ not supplied";

async fn validate_anonymize(sb: &Sandbox) {
    let c = cg_raw_anonymize::Client::new(&sb.api_url(), oauth(sb));
    let found = c
        .validate_anonymize()
        .format("json")
        .email("JOE.DOE@example.com")
        .send()
        .await
        .expect("validateAnonymize")
        .into_inner()
        .data;
    assert_eq!(found.len(), 1);
    let joe = &found[0];
    assert_eq!(text(&joe.number_customergauge), "1");
    assert_eq!(joe.email.as_deref(), Some("joe.doe@example.com"));
    assert_eq!(joe.first_name.as_deref(), Some("Joe"));
    assert_eq!(joe.last_name.as_deref(), Some("Doe"));
    assert_eq!(joe.extra.get("account_name"), Some(&json!("ACME")));
    // A dry run: nothing changed.
    assert!(!sb.state().survey(1).unwrap().anonymized);
    let nobody = c
        .validate_anonymize()
        .format("json")
        .email("nobody@example.com")
        .send()
        .await
        .expect("validateAnonymize (no match)")
        .into_inner()
        .data;
    assert!(nobody.is_empty());

    assert_eq!(
        v41_error!(c.validate_anonymize().format("json").send().await),
        v41(400, "400800", NO_ANONYMIZE_TARGET)
    );
}

async fn execute_anonymize(sb: &Sandbox) {
    use cg_raw_anonymize::types::*;
    let c = cg_raw_anonymize::Client::new(&sb.api_url(), oauth(sb));
    let done = c
        .execute_anonymize()
        .format("json")
        .body(body::<ExecuteAnonymizeRequest>(
            json!({"email": "jane.roe@example.com"}),
        ))
        .send()
        .await
        .expect("executeAnonymize")
        .into_inner();
    assert_eq!(text(&done.data.anonymized), "1");
    let state = sb.state();
    let jane = state.survey(2).unwrap();
    assert!(jane.anonymized);
    assert_eq!(jane.email, None);
    assert_eq!(jane.first_name.as_deref(), Some("Anonymized"));
    let left = c
        .validate_anonymize()
        .format("json")
        .email("jane.roe@example.com")
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    assert!(left.is_empty());

    assert_eq!(
        v41_error!(
            c.execute_anonymize()
                .format("json")
                .body(body::<ExecuteAnonymizeRequest>(json!({})))
                .send()
                .await
        ),
        v41(400, "400800", NO_ANONYMIZE_TARGET)
    );
}

// ---------------------------------------------------------------------------------------
// files

fn files(sb: &Sandbox) -> cg_raw_files::Client {
    cg_raw_files::Client::new(&sb.api_url(), oauth(sb))
}

/// `(id, source_filename, status, total, successful, unsuccessful)` of an upload listing.
type UploadRow = (String, String, String, String, String, String);

fn upload_rows(listing: &cg_raw_files::types::UploadListResponse) -> Vec<UploadRow> {
    listing
        .data
        .iter()
        .map(|u| {
            (
                text(&u.id),
                text(&u.source_filename),
                text(&u.status),
                text(&u.total_records),
                text(&u.successful_records),
                text(&u.unsuccessful_records),
            )
        })
        .collect()
}

fn upload_row(id: &str, name: &str, status: &str, counts: [&str; 3]) -> UploadRow {
    (
        id.to_owned(),
        name.to_owned(),
        status.to_owned(),
        counts[0].to_owned(),
        counts[1].to_owned(),
        counts[2].to_owned(),
    )
}

const NO_UPLOAD: &str = "No data found with passed parameters.";

async fn upload_revenue_file(sb: &Sandbox) {
    use cg_raw_files::types::*;
    let c = files(sb);
    let csv = "Account Name,Revenue\nACME,1000\nGlobex,250.5\n";
    let taken = c
        .upload_revenue_file("json", file(Some("revenue.csv"), csv))
        .await
        .expect("uploadRevenueFile")
        .into_inner();
    match &taken.data {
        Some(RevenueUploadData::RevenueUploadResult(r)) => {
            assert!(matches!(r.data, Some(IntOrString::Int64(1))), "{taken:?}");
        }
        other => panic!("expected Data {{data: 1}}, got {other:?}"),
    }
    let state = sb.state();
    let acme = state
        .accounts
        .iter()
        .find(|a| a.reference == "ACME")
        .unwrap();
    assert_eq!(acme.revenue, Some(1000.0));
    // More than 1000 rows: Data false and an upload marked Failed.
    let mut big = String::from("Account Name,Revenue\n");
    for i in 0..1001 {
        big.push_str(&format!("Account {i},1\n"));
    }
    let refused = c
        .upload_revenue_file("json", file(Some("big.csv"), big))
        .await
        .expect("uploadRevenueFile (too many rows)")
        .into_inner();
    assert!(
        matches!(refused.data, Some(RevenueUploadData::Boolean(false))),
        "{refused:?}"
    );
    let listed = c
        .list_revenue_uploads()
        .format("json")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        upload_rows(&listed)[1..],
        [
            upload_row("5", "revenue.csv", "Processed", ["2", "2", "0"]),
            upload_row("6", "big.csv", "Failed", ["1001", "0", "1001"]),
        ]
    );

    assert_eq!(
        v41_error!(
            c.upload_revenue_file("json", file(Some("revenue.pdf"), "%PDF-1.4"))
                .await
        ),
        v41(400, "400106", "File is not of valid file type.")
    );
    assert_eq!(
        v41_error!(
            c.upload_revenue_file("json", file(Some("empty.csv"), "Account Name,Revenue\n"))
                .await
        ),
        v41(400, "400115", "File data can not be empty.")
    );
}

async fn upload_contact_file(sb: &Sandbox) {
    let c = files(sb);
    let csv = "Email,First Name,Last Name,Account Name\n\
               nia.newton@example.com,Nia,Newton,Initech\n\
               ,No,Address,Initech\n";
    let taken = c
        .upload_contact_file("json", file(Some("contacts_june.csv"), csv))
        .await
        .expect("uploadContactFile");
    // The generated method returns `()` (see the mismatch test below); the listing and
    // the state show the upload.
    assert_eq!(taken.status().as_u16(), 200);
    let listed = c
        .list_contact_uploads()
        .format("json")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        upload_rows(&listed),
        [
            upload_row("2", "contacts_demo.csv", "Processed", ["5", "4", "1"]),
            upload_row("5", "contacts_june.csv", "Processed", ["2", "1", "1"]),
        ]
    );
    assert!(
        matches!(listed.data[1].logs.as_deref().unwrap_or_default(), [cg_raw_files::types::UploadLogEntry::String(l)] if l == "Row 3: Email or Phone is required"),
        "{:?}",
        listed.data[1].logs
    );
    let state = sb.state();
    let nia = state
        .contacts
        .iter()
        .find(|c| c.email.as_deref() == Some("nia.newton@example.com"))
        .expect("contact stored");
    assert_eq!(nia.first_name.as_deref(), Some("Nia"));
    assert_eq!(nia.account.as_deref(), Some("Initech"));

    assert_eq!(
        v41_error!(
            c.upload_contact_file("json", file(Some("contacts_demo.csv"), csv))
                .await
        ),
        v41(400, "400103", "Upload has already been processed.")
    );
    assert_eq!(
        v41_error!(c.upload_contact_file("json", file(None, csv)).await),
        v41(400, "400111", "File name of posted file is not valid.")
    );
}

async fn upload_historical_file(sb: &Sandbox) {
    let c = files(sb);
    let csv = "Email,Net Promoter Score,Date Form Completed,Comment,Account Name\n\
               hist.one@example.com,9,2024-04-01 10:00:00,Nice,ACME\n\
               hist.two@example.com,,,,Globex\n";
    let taken = c
        .upload_historical_file("json", file(Some("history_2024.csv"), csv))
        .await
        .expect("uploadHistoricalFile");
    assert_eq!(taken.status().as_u16(), 200);
    let listed = c
        .list_historical_uploads()
        .format("json")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        upload_rows(&listed)[1],
        upload_row("5", "history_2024.csv", "Processed", ["2", "2", "0"])
    );
    let state = sb.state();
    let one = state.survey(9).expect("survey of row 1");
    assert_eq!(one.email.as_deref(), Some("hist.one@example.com"));
    assert_eq!(one.kind, SurveyKind::Response);
    assert_eq!(one.nps, Some(9));
    assert_eq!(
        one.date_survey_response.as_deref(),
        Some("2024-04-01 10:00:00")
    );
    let two = state.survey(10).expect("survey of row 2");
    assert_eq!(two.kind, SurveyKind::NonResponse);

    let no_file = reqwest::multipart::Form::new().text("other", "x");
    assert_eq!(
        v41_error!(c.upload_historical_file("json", no_file).await),
        v41(400, "400110", "Could not find posted temp file.")
    );
    assert_eq!(
        v41_error!(
            c.upload_historical_file("json", file(Some("only_header.csv"), "Email,Comment\n"))
                .await
        ),
        v41(400, "400115", "File data can not be empty.")
    );
}

async fn list_revenue_uploads(sb: &Sandbox) {
    let c = files(sb);
    let listed = c
        .list_revenue_uploads()
        .format("json")
        .send()
        .await
        .expect("listRevenueUploads")
        .into_inner();
    let seeded = upload_row(
        "1",
        "RevenueUploadTemplate_5May2019.xlsx",
        "Processed",
        ["3", "3", "0"],
    );
    assert_eq!(upload_rows(&listed), std::slice::from_ref(&seeded));
    assert_eq!(
        listed.data[0].date_upload.as_deref(),
        Some("2019-05-15 11:35:54")
    );
    let by_id = c
        .list_revenue_uploads()
        .format("json")
        .id(1)
        .send()
        .await
        .expect("listRevenueUploads by id")
        .into_inner();
    assert_eq!(upload_rows(&by_id), [seeded]);

    assert_eq!(
        v41_error!(c.list_revenue_uploads().format("json").id(999).send().await),
        v41(400, "400184", NO_UPLOAD)
    );
}

async fn list_contact_uploads(sb: &Sandbox) {
    let c = files(sb);
    let listed = c
        .list_contact_uploads()
        .format("json")
        .send()
        .await
        .expect("listContactUploads")
        .into_inner();
    assert_eq!(
        upload_rows(&listed),
        [upload_row(
            "2",
            "contacts_demo.csv",
            "Processed",
            ["5", "4", "1"]
        )]
    );
    assert!(
        matches!(listed.data[0].logs.as_deref().unwrap_or_default(), [cg_raw_files::types::UploadLogEntry::String(l)] if l == "Row 3: Email or Phone is required"),
        "{:?}",
        listed.data[0].logs
    );
    // The id of an upload of another kind is no contact upload.
    assert_eq!(
        v41_error!(c.list_contact_uploads().format("json").id(1).send().await),
        v41(400, "400184", NO_UPLOAD)
    );
}

async fn list_historical_uploads(sb: &Sandbox) {
    let c = files(sb);
    let listed = c
        .list_historical_uploads()
        .format("json")
        .date_range_from(date(2024, 2, 1))
        .date_range_to(date(2024, 2, 28))
        .send()
        .await
        .expect("listHistoricalUploads")
        .into_inner();
    assert_eq!(
        upload_rows(&listed),
        [upload_row(
            "3",
            "historical_demo.csv",
            "Processed",
            ["2", "2", "0"]
        )]
    );
    assert_eq!(
        v41_error!(
            c.list_historical_uploads()
                .format("json")
                .date_range_from(date(2030, 1, 1))
                .send()
                .await
        ),
        v41(400, "400184", NO_UPLOAD)
    );
}

async fn list_transactional_uploads(sb: &Sandbox) {
    let c = files(sb);
    let listed = c
        .list_transactional_uploads()
        .format("json")
        .limit(10)
        .send()
        .await
        .expect("listTransactionalUploads")
        .into_inner();
    assert_eq!(
        upload_rows(&listed),
        [upload_row(
            "4",
            "stream_demo.xml",
            "Processed",
            ["2", "2", "0"]
        )]
    );
    assert_eq!(
        v41_error!(
            c.list_transactional_uploads()
                .format("json")
                .start(1)
                .send()
                .await
        ),
        v41(400, "400184", NO_UPLOAD)
    );
}

async fn delete_upload(sb: &Sandbox) {
    let c = files(sb);
    // A historical upload that created a survey: deleting it removes the survey too.
    c.upload_historical_file(
        "json",
        file(
            Some("to_delete.csv"),
            "Email,Score\ngone.soon@example.com,7\n",
        ),
    )
    .await
    .expect("uploadHistoricalFile");
    assert!(sb.state().survey(9).is_some());
    let deleted = c
        .delete_upload()
        .format("json")
        .id(5)
        .send()
        .await
        .expect("deleteUpload")
        .into_inner();
    assert_eq!(deleted.data, Some(true));
    assert!(sb.state().survey(9).is_none());
    assert!(sb.state().uploads.iter().all(|u| u.id != 5));
    let deleted = c
        .delete_upload()
        .format("json")
        .id(2)
        .send()
        .await
        .expect("deleteUpload (seeded)")
        .into_inner();
    assert_eq!(deleted.data, Some(true));
    assert_eq!(
        v41_error!(c.list_contact_uploads().format("json").send().await),
        v41(400, "400184", NO_UPLOAD)
    );

    assert_eq!(
        v41_error!(c.delete_upload().format("json").id(2).send().await),
        v41(400, "400200", "File not found")
    );
    assert_eq!(
        v41_error!(c.delete_upload().format("json").id(999).send().await),
        v41(400, "400200", "File not found")
    );
}

// ---------------------------------------------------------------------------------------
// transactions

async fn list_transactions(sb: &Sandbox) {
    use cg_raw_transactions::types::*;
    let c = cg_raw_transactions::Client::new(&sb.api_url(), oauth(sb));
    let all = c
        .list_transactions()
        .format("json")
        .days(365)
        .send()
        .await
        .expect("listTransactions")
        .into_inner()
        .data;
    let ids: Vec<String> = all.iter().map(|t| text(&t.number_customergauge)).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    let joe = &all[0];
    assert_eq!(joe.email.as_deref(), Some("joe.doe@example.com"));
    assert_eq!(joe.first_name.as_deref(), Some("Joe"));
    assert_eq!(text(&joe.nps), "10");
    assert_eq!(joe.status.as_deref(), Some("PROCESSED"));
    assert_eq!(joe.comment.as_deref(), Some("Great service!"));
    let queued = c
        .list_transactions()
        .format("json")
        .status(TransactionStatus::Queue)
        .date_method(ListTransactionsDateMethod::DateOrder)
        .send()
        .await
        .expect("listTransactions by status")
        .into_inner()
        .data;
    let emails: Vec<String> = queued.iter().map(|t| text(&t.email)).collect();
    assert_eq!(emails, ["lee.chan@example.com", "sam.jones@example.com"]);
    let page = c
        .list_transactions()
        .format("json")
        .start(2)
        .limit(3)
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    let ids: Vec<String> = page.iter().map(|t| text(&t.number_customergauge)).collect();
    assert_eq!(ids, ["3", "4", "5"]);

    assert_eq!(
        v41_error!(c.list_transactions().format("json").days(400).send().await),
        v41(400, "400009", "Days can’t be more than 365")
    );
    assert_eq!(
        v41_error!(c.list_transactions().format("json").start(8).send().await),
        v41(400, "400002", "Record does not exist")
    );
}

fn transaction_id(answer: cg_raw_transactions::types::TransactionIdResponse) -> i64 {
    match answer.data.and_then(|d| d.id) {
        Some(cg_raw_transactions::types::IntOrString::Int64(id)) => id,
        other => panic!("expected a numeric id, got {other:?}"),
    }
}

async fn create_response(sb: &Sandbox) {
    use cg_raw_transactions::types::*;
    let c = cg_raw_transactions::Client::new(&sb.api_url(), oauth(sb));
    let create = |value: Value| {
        c.create_response()
            .format("json")
            .body(body::<TransactionFields>(value))
    };
    let created = create(json!({
        "Email": "fresh.response@example.com",
        "FirstName": "Fay",
        "DateFormCompleted": "2024-06-01 12:00:00",
        "NetPromoterScore": 9,
        "Comment": "Quick and friendly",
        "Region": "Europe"
    }))
    .send()
    .await
    .expect("createResponse")
    .into_inner();
    assert_eq!(transaction_id(created), 9);
    let state = sb.state();
    let survey = state.survey(9).unwrap();
    assert_eq!(survey.kind, SurveyKind::Response);
    assert_eq!(survey.status, "PROCESSED");
    assert_eq!(survey.nps, Some(9));
    assert_eq!(
        survey.date_survey_response.as_deref(),
        Some("2024-06-01 12:00:00")
    );
    assert_eq!(
        survey.fields.get("Region").map(String::as_str),
        Some("Europe")
    );

    assert_eq!(
        v41_error!(create(json!({"Email": "no.date@example.com"})).send().await),
        v41(
            400,
            "400007",
            "Date form completed value should be supplied for response upload"
        )
    );
    assert_eq!(
        v41_error!(
            create(json!({"DateFormCompleted": "2024-06-01 12:00:00", "FirstName": "Anon"}))
                .send()
                .await
        ),
        v41(
            400,
            "300004",
            "Required field does not supplied: Email, Phone or CustomerNumber"
        )
    );
    assert_eq!(sb.state().surveys.len(), 9);
}

async fn create_non_response(sb: &Sandbox) {
    use cg_raw_transactions::types::*;
    let c = cg_raw_transactions::Client::new(&sb.api_url(), oauth(sb));
    let create = |value: Value| {
        c.create_non_response()
            .format("json")
            .body(body::<TransactionFields>(value))
    };
    let created = create(json!({"Email": "fresh.invite@example.com", "CustomerNumber": "C-0100"}))
        .send()
        .await
        .expect("createNonResponse")
        .into_inner();
    assert_eq!(transaction_id(created), 9);
    // An unsubscribed address is stored as UNSUBSCRIBED.
    let unsubscribed = create(json!({"Email": "former.customer@example.com"}))
        .send()
        .await
        .expect("createNonResponse (unsubscribed)")
        .into_inner();
    assert_eq!(transaction_id(unsubscribed), 10);
    let state = sb.state();
    let invite = state.survey(9).unwrap();
    assert_eq!(invite.kind, SurveyKind::NonResponse);
    assert_eq!(invite.status, "QUEUE");
    assert_eq!(invite.number_customer.as_deref(), Some("C-0100"));
    assert_eq!(state.survey(10).unwrap().status, "UNSUBSCRIBED");

    assert_eq!(
        v41_error!(
            create(json!({"Email": "x@example.com", "DateFormCompleted": "2024-06-01"}))
                .send()
                .await
        ),
        v41(
            400,
            "400008",
            "Date form completed value should not be supplied for non response upload"
        )
    );
}

async fn update_response(sb: &Sandbox) {
    use cg_raw_transactions::types::*;
    let c = cg_raw_transactions::Client::new(&sb.api_url(), oauth(sb));
    let update = |value: Value| {
        c.update_response()
            .format("json")
            .body(body::<TransactionUpdateFields>(value))
    };
    let updated = update(json!({"id": 1, "Comment": "Even better now", "NetPromoterScore": 10}))
        .send()
        .await
        .expect("updateResponse")
        .into_inner();
    assert_eq!(transaction_id(updated), 1);
    let state = sb.state();
    let joe = state.survey(1).unwrap();
    assert_eq!(joe.comment.as_deref(), Some("Even better now"));
    assert_eq!(joe.email.as_deref(), Some("joe.doe@example.com"));

    // 7 is a non-response; 999 does not exist.
    for id in [7, 999] {
        assert_eq!(
            v41_error!(update(json!({"id": id, "Comment": "x"})).send().await),
            v41(400, "400005", "id not found")
        );
    }
}

async fn update_non_response(sb: &Sandbox) {
    use cg_raw_transactions::types::*;
    let c = cg_raw_transactions::Client::new(&sb.api_url(), oauth(sb));
    let update = |value: Value| {
        c.update_non_response()
            .format("json")
            .body(body::<TransactionUpdateFields>(value))
    };
    let updated = update(json!({"id": 7, "FirstName": "Leona", "Touchpoint": "Renewal"}))
        .send()
        .await
        .expect("updateNonResponse")
        .into_inner();
    assert_eq!(transaction_id(updated), 7);
    let state = sb.state();
    let lee = state.survey(7).unwrap();
    assert_eq!(lee.first_name.as_deref(), Some("Leona"));
    assert_eq!(
        lee.fields.get("Touchpoint").map(String::as_str),
        Some("Renewal")
    );

    assert_eq!(
        v41_error!(update(json!({"id": 1, "FirstName": "x"})).send().await),
        v41(400, "400005", "id not found")
    );
    assert_eq!(
        v41_error!(
            update(json!({"id": 7, "DateFormCompleted": "2024-06-01"}))
                .send()
                .await
        ),
        v41(
            400,
            "400008",
            "Date form completed value should not be supplied for non response upload"
        )
    );
}

// ---------------------------------------------------------------------------------------
// stream

const STREAMED: &str = "<records>\
    <record><Email>streamed.one@example.com</Email><FirstName>Ada</FirstName>\
    <LastName>Lovelace</LastName><Touchpoint>Support</Touchpoint></record>\
    <record><Email>streamed.two@example.com</Email><NetPromoterScore>8</NetPromoterScore>\
    <DateFormCompleted>2024-06-02 09:00:00</DateFormCompleted></record>\
    </records>";

async fn stream_transactional(sb: &Sandbox) {
    let c = cg_raw_stream::Client::new(&sb.api_url(), oauth(sb));
    let taken = c
        .stream_transactional("json", STREAMED)
        .await
        .expect("streamTransactional");
    assert_eq!(taken.status().as_u16(), 200);
    let listed = files(sb)
        .list_transactional_uploads()
        .format("json")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        upload_rows(&listed)[1],
        upload_row("5", "stream-5.xml", "Processed", ["2", "2", "0"])
    );
    let state = sb.state();
    let one = state.survey(9).expect("first streamed record");
    assert_eq!(one.email.as_deref(), Some("streamed.one@example.com"));
    assert_eq!(one.first_name.as_deref(), Some("Ada"));
    assert_eq!(one.status, "QUEUE");
    assert_eq!(one.source, "stream");
    assert_eq!(
        one.fields.get("Touchpoint").map(String::as_str),
        Some("Support")
    );
    // Transactional records are invitations, whatever they carry.
    assert_eq!(state.survey(10).unwrap().kind, SurveyKind::NonResponse);

    assert_eq!(
        v41_error!(c.stream_transactional("json", "<records></records>").await),
        v41(400, "400700", "No data provided")
    );
}

async fn stream_historical(sb: &Sandbox) {
    let c = cg_raw_stream::Client::new(&sb.api_url(), oauth(sb));
    let taken = c
        .stream_historical("json", STREAMED)
        .await
        .expect("streamHistorical");
    assert_eq!(taken.status().as_u16(), 200);
    let listed = files(sb)
        .list_historical_uploads()
        .format("json")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        upload_rows(&listed)[1],
        upload_row("5", "stream-5.xml", "Processed", ["2", "2", "0"])
    );
    let state = sb.state();
    let two = state.survey(10).expect("second streamed record");
    assert_eq!(two.kind, SurveyKind::Response);
    assert_eq!(two.status, "PROCESSED");
    assert_eq!(two.nps, Some(8));

    assert_eq!(
        v41_error!(c.stream_historical("json", "").await),
        v41(400, "400700", "No data provided")
    );
}

// ---------------------------------------------------------------------------------------
// reasons, workflow, report

async fn list_reasons(sb: &Sandbox) {
    use cg_raw_reasons::types::*;
    let c = cg_raw_reasons::Client::new(&sb.api_url(), oauth(sb));
    let all = c
        .list_reasons()
        .format("json")
        .send()
        .await
        .expect("listReasons")
        .into_inner()
        .data;
    assert_eq!(all.len(), 8);
    let promoters = c
        .list_reasons()
        .format("json")
        .show_for(ListReasonsShowFor::Promoter)
        .send()
        .await
        .expect("listReasons for promoters")
        .into_inner()
        .data;
    let labels: Vec<String> = promoters.iter().map(|r| text(&r.label)).collect();
    assert_eq!(
        labels,
        [
            "Product quality",
            "Customer service",
            "Ease of use",
            "Friendly staff"
        ]
    );
    assert!(
        promoters
            .iter()
            .all(|r| r.good_bad.as_deref() == Some("pos")
                && r.show_for.as_deref() == Some("Promoter"))
    );
    assert_eq!(text(&promoters[3].reason_code), "4");
    assert_eq!(text(&promoters[3].level), "2");
    let detractors = c
        .list_reasons()
        .format("json")
        .show_for(ListReasonsShowFor::DetractorNeutral)
        .send()
        .await
        .expect("listReasons for detractors and passives")
        .into_inner()
        .data;
    assert_eq!(detractors.len(), 4);
    assert!(
        detractors
            .iter()
            .all(|r| r.good_bad.as_deref() == Some("neg"))
    );

    // 401 with an API key the sandbox does not know.
    let refused = cg_raw_reasons::Client::new(
        &sb.api_url(),
        pipeline(sb, Credentials::api_key("not-a-known-key")),
    )
    .list_reasons()
    .format("json")
    .send()
    .await;
    assert_eq!(v41_error!(refused), invalid_api_key());
}

async fn update_workflow(sb: &Sandbox) {
    use cg_raw_workflow::types::*;
    let c = cg_raw_workflow::Client::new(&sb.api_url(), oauth(sb));
    let update = |value: Value| {
        c.update_workflow()
            .format("json")
            .body(body::<UpdateWorkflowRequest>(value))
    };
    let updated = update(json!({
        "number_customergauge": 5, "status": "IN-PROGRESS",
        "assigned_to": "agent@example.com", "comment": "Calling back tomorrow"
    }))
    .send()
    .await
    .expect("updateWorkflow")
    .into_inner();
    assert!(
        matches!(
            updated.data.number_customergauge,
            Some(IntOrString::Int64(5))
        ),
        "{updated:?}"
    );
    let state = sb.state();
    let workflow = &state.survey(5).unwrap().workflow;
    assert_eq!(workflow.status.as_deref(), Some("IN-PROGRESS"));
    assert_eq!(workflow.assigned_to.as_deref(), Some("agent@example.com"));
    assert_eq!(workflow.notes, ["Calling back tomorrow"]);

    assert_eq!(
        v41_error!(
            update(json!({"number_customergauge": "999", "status": "CLOSED"}))
                .send()
                .await
        ),
        v41(400, "400200", "Workflow not found")
    );
    assert_eq!(
        v41_error!(
            update(json!({"number_customergauge": "5", "status": "DONE"}))
                .send()
                .await
        ),
        v41(400, "400011", "Workflow status does not exist")
    );
    assert_eq!(
        v41_error!(update(json!({"number_customergauge": ""})).send().await),
        v41(
            400,
            "400201",
            "Required field ‘number_customergauge’ not supplied"
        )
    );
}

async fn get_nps_report(sb: &Sandbox) {
    use cg_raw_report::types::*;
    let c = cg_raw_report::Client::new(&sb.api_url(), oauth(sb));
    let report = c
        .get_nps_report()
        .format("json")
        .send()
        .await
        .expect("getNpsReport")
        .into_inner()
        .data;
    assert!(
        matches!(report.nps, Some(NumberOrString::Double(n)) if (n - 16.67).abs() < 1e-9),
        "{report:?}"
    );
    assert_eq!(
        [
            text(&report.promoters),
            text(&report.passives),
            text(&report.detractors),
            text(&report.responses)
        ],
        ["3", "1", "2", "6"]
    );
    let none = c
        .get_nps_report()
        .format("json")
        .date_range_from(date(2030, 1, 1))
        .send()
        .await
        .expect("getNpsReport (no responses)")
        .into_inner()
        .data;
    assert_eq!(text(&none.responses), "0");

    let refused = cg_raw_report::Client::new(&sb.api_url(), wrong_token(sb))
        .get_nps_report()
        .format("json")
        .send()
        .await;
    assert_eq!(v41_error!(refused), invalid_api_key());
}

// ---------------------------------------------------------------------------------------
// v7 sync and close-loop

fn cg_ids(page: &cg_raw_sync::types::SyncResponsesPage) -> Vec<String> {
    page.data
        .iter()
        .map(|s| text(&s.number_customergauge))
        .collect()
}

async fn export_responses(sb: &Sandbox) {
    use cg_raw_sync::types::*;
    let c = cg_raw_sync::Client::new(&sb.api_url(), oauth(sb));
    let first = c
        .export_responses()
        .per_page(4)
        .with(vec![
            ExportResponsesWithItem::Drivers,
            ExportResponsesWithItem::Tags,
            ExportResponsesWithItem::Properties,
        ])
        .send()
        .await
        .expect("exportResponses")
        .into_inner();
    assert_eq!(cg_ids(&first), ["1", "2", "3", "4"]);
    let joe = &first.data[0];
    assert_eq!(text(&joe.nps), "10");
    assert_eq!(joe.email.as_deref(), Some("joe.doe@example.com"));
    assert_eq!(joe.account_name.as_deref(), Some("ACME"));
    assert_eq!(joe.tags.as_deref(), Some(&["happy".to_owned()][..]));
    assert_eq!(
        joe.drivers
            .iter()
            .flatten()
            .map(|d| text(&d.label))
            .collect::<Vec<_>>(),
        ["Product quality"]
    );
    assert!(
        joe.properties
            .iter()
            .flatten()
            .any(|p| p.field.as_deref() == Some("Region")
                && p.reference.as_deref() == Some("Europe"))
    );
    let cursor = first
        .cursor
        .and_then(|c| c.next)
        .expect("a cursor on the first page");
    let second = c
        .export_responses()
        .per_page(4)
        .cursor(cursor)
        .send()
        .await
        .expect("exportResponses (page 2)")
        .into_inner();
    assert_eq!(cg_ids(&second), ["5", "6"]);
    let cursor = second.cursor.and_then(|c| c.next).unwrap();
    let done = c
        .export_responses()
        .cursor(cursor.clone())
        .send()
        .await
        .expect("exportResponses (past the end)")
        .into_inner();
    assert!(done.data.is_empty());
    assert_eq!(text(&done.cursor.and_then(|c| c.next)), cursor.to_string());
    let in_period = c
        .export_responses()
        .period_field(PeriodField::DateSurveyResponse)
        .period_start(date(2000, 1, 1))
        .send()
        .await
        .expect("exportResponses (period)")
        .into_inner();
    assert_eq!(in_period.data.len(), 6);

    assert_eq!(
        imports_error!(
            c.export_responses()
                .cursor(IntOrString::String("bogus".into()))
                .send()
                .await
        ),
        (400, "The cursor is invalid.".to_owned(), BTreeMap::new())
    );
    let per_page = "The per page field must be between 1 and 1000.";
    assert_eq!(
        imports_error!(c.export_responses().per_page(5000).send().await),
        (422, per_page.to_owned(), fields(&[("per_page", per_page)]))
    );
}

async fn export_non_responses(sb: &Sandbox) {
    let c = cg_raw_sync::Client::new(&sb.api_url(), oauth(sb));
    let page = c
        .export_non_responses()
        .send()
        .await
        .expect("exportNonResponses")
        .into_inner();
    assert_eq!(cg_ids(&page), ["7", "8"]);
    assert!(page.data.iter().all(|s| s.nps.is_none()));
    assert_eq!(page.data[0].email.as_deref(), Some("lee.chan@example.com"));
    assert!(page.cursor.and_then(|c| c.next).is_some());

    let per_page = "The per page field must be between 1 and 1000.";
    assert_eq!(
        imports_error!(c.export_non_responses().per_page(5000).send().await),
        (422, per_page.to_owned(), fields(&[("per_page", per_page)]))
    );
    let refused = cg_raw_sync::Client::new(&sb.api_url(), wrong_token(sb))
        .export_non_responses()
        .send()
        .await;
    assert_eq!(imports_error!(refused), unauthenticated());
}

async fn list_close_loop_cases(sb: &Sandbox) {
    use cg_raw_sync::types::*;
    let c = cg_raw_sync::Client::new(&sb.api_url(), oauth(sb));
    let mut cursor: Option<IntOrString> = None;
    let mut seen = 0;
    for _ in 0..100 {
        let mut request = c.list_close_loop_cases().per_page(2);
        if let Some(at) = cursor.take() {
            request = request.cursor(at);
        }
        let page = request
            .send()
            .await
            .expect("listCloseLoopCases")
            .into_inner();
        if page.data.is_empty() {
            break;
        }
        assert!(page.data.len() <= 2);
        seen += page.data.len();
        cursor = Some(
            page.cursor
                .and_then(|c| c.next)
                .expect("a cursor with a non-empty page"),
        );
    }
    assert!(seen > 0, "the demo seed has close-loop cases");
    let in_range = c
        .list_close_loop_cases()
        .updated_at_start(date(2000, 1, 1))
        .updated_at_end(date(2000, 1, 2))
        .send()
        .await
        .expect("listCloseLoopCases (range)")
        .into_inner();
    assert!(in_range.data.is_empty(), "no case was updated in 2000");
    let refused = cg_raw_sync::Client::new(&sb.api_url(), wrong_token(sb))
        .list_close_loop_cases()
        .send()
        .await;
    assert_eq!(imports_error!(refused), unauthenticated());
}

async fn put_activity(sb: &Sandbox) {
    use cg_raw_imports::types::*;
    let c = cg_raw_imports::Client::new(&sb.imports_url(), oauth(sb));
    let activity = body::<ActivityImport>(json!({
        "reference": "ab12cd34ef56", "account": "ACME Industries",
        "contact": "joe.doe@example.com", "type": "Ticket", "source": "Freshdesk",
        "happened_at": "2019-03-06 10:00:00 +0530",
        "additional_information_object": {"subject": "Printer broken"}
    }));
    let created = c
        .put_activity()
        .body(activity.clone())
        .send()
        .await
        .expect("putActivity");
    assert_eq!(created.status().as_u16(), 201);
    let updated = c
        .put_activity()
        .body(activity.clone())
        .send()
        .await
        .expect("putActivity again");
    assert_eq!(updated.status().as_u16(), 200, "same reference: updated");
    let refused = cg_raw_imports::Client::new(&sb.imports_url(), wrong_token(sb))
        .put_activity()
        .body(activity)
        .send()
        .await;
    assert_eq!(imports_error!(refused), unauthenticated());
}

async fn update_close_loop_status(sb: &Sandbox) {
    use cg_raw_sync::types::*;
    let c = cg_raw_sync::Client::new(&sb.api_url(), oauth(sb));
    let update = |value: Value| {
        c.update_close_loop_status()
            .body(body::<CloseLoopStatusUpdate>(value))
    };
    let updated = update(json!({
        "number_customergauge": 5, "status": "progress",
        "note": "Called the customer", "happened_at": "2024-06-01 10:00:00"
    }))
    .send()
    .await
    .expect("updateCloseLoopStatus")
    .into_inner();
    assert_eq!(updated.message.as_deref(), Some("Status updated."));
    let state = sb.state();
    let workflow = &state.survey(5).unwrap().workflow;
    assert_eq!(workflow.status.as_deref(), Some("progress"));
    assert_eq!(workflow.notes, ["Called the customer"]);
    assert_eq!(workflow.happened_at.as_deref(), Some("2024-06-01 10:00:00"));

    assert_eq!(
        imports_error!(
            update(json!({"number_customergauge": 999, "status": "closed"}))
                .send()
                .await
        ),
        (404, "Survey not found.".to_owned(), BTreeMap::new())
    );
    let note = "The note field is required when status is progress.";
    assert_eq!(
        imports_error!(
            update(json!({"number_customergauge": 5, "status": "progress"}))
                .send()
                .await
        ),
        (422, note.to_owned(), fields(&[("note", note)]))
    );
}

// ---------------------------------------------------------------------------------------
// The API key.

#[tokio::test]
async fn the_api_key_works_for_v41_and_is_refused_before_sending_elsewhere() {
    let sb = sandbox().await;
    let key = pipeline(&sb, Credentials::api_key(sb.demo_api_key()));
    let bounces = cg_raw_lists::Client::new(&sb.api_url(), key.clone())
        .list_bounces()
        .format("json")
        .send()
        .await
        .expect("listBounces with the API key")
        .into_inner();
    assert_eq!(bounces.data.len(), 5);
    let log = sb.requests();
    assert_eq!(log.len(), 1, "no token request: {log:?}");
    assert_eq!(
        (log[0].family, log[0].auth, log[0].status),
        (Family::Api, AuthKind::ApiKey, 200)
    );
    sb.clear_requests();

    // Imports and v7 take OAuth2 only: refused by the pipeline, nothing sent.
    let record: cg_raw_imports::types::RecordImport = body(json!({
        "configuration": sb.demo_configuration(),
        "record": {"Email": "key.only@example.com", "Account Name": "ACME"}
    }));
    match cg_raw_imports::Client::new(&sb.imports_url(), key.clone())
        .put_record()
        .body(record)
        .send()
        .await
    {
        Err(Error::Custom(message)) => {
            assert!(
                message.contains("putRecord") && message.contains("OAuth2"),
                "{message}"
            );
            assert!(!message.contains(&sb.demo_api_key()), "{message}");
        }
        other => panic!("expected the pipeline to refuse, got {other:?}"),
    }
    match cg_raw_sync::Client::new(&sb.api_url(), key)
        .export_responses()
        .send()
        .await
    {
        Err(Error::Custom(message)) => {
            assert!(message.contains("exportResponses"), "{message}")
        }
        other => panic!("expected the pipeline to refuse, got {other:?}"),
    }
    assert!(sb.requests().is_empty(), "{:?}", sb.requests());
    assert_eq!(sb.state().surveys.len(), 8);
}

// ---------------------------------------------------------------------------------------
// Shared answers (`$ref: '#/components/responses/..'`) reach xtask's template methods.

/// spec/stream.yaml documents 400 (`StreamRefused`, a `V41Error`) and 401/404/405
/// (`V41Error`) for both stream operations as shared answers: typed errors, not
/// `UnexpectedResponse`.
#[tokio::test]
async fn stream_refusals_are_typed_v41_errors() {
    let sb = sandbox().await;
    let c = cg_raw_stream::Client::new(&sb.api_url(), oauth(&sb));
    let refused = c.stream_transactional("json", "<records></records>").await;
    assert!(
        matches!(&refused, Err(Error::ErrorResponse(rv)) if rv.status().as_u16() == 400),
        "{refused:?}"
    );
    let c = cg_raw_stream::Client::new(&sb.api_url(), wrong_token(&sb));
    let refused = c.stream_historical("json", STREAMED).await;
    assert!(
        matches!(&refused, Err(Error::ErrorResponse(rv)) if rv.status().as_u16() == 401),
        "{refused:?}"
    );
}

/// spec/files.yaml documents 401/404/405 (`V41Error`) for the three uploads as shared
/// answers; the 401 comes back typed.
#[tokio::test]
async fn upload_401_is_a_typed_v41_error() {
    let sb = sandbox().await;
    let c = cg_raw_files::Client::new(&sb.api_url(), wrong_token(&sb));
    let csv = "Account Name,Revenue\nACME,1\n";
    assert_eq!(
        v41_error!(
            c.upload_revenue_file("json", file(Some("r.csv"), csv))
                .await
        ),
        invalid_api_key()
    );
    assert_eq!(
        v41_error!(
            c.upload_contact_file("json", file(Some("c.csv"), "Email\na@example.com\n"))
                .await
        ),
        invalid_api_key()
    );
    assert_eq!(
        v41_error!(
            c.upload_historical_file("json", file(Some("h.csv"), "Email\na@example.com\n"))
                .await
        ),
        invalid_api_key()
    );
}

/// spec/files.yaml and spec/stream.yaml document a body for these successes
/// (`UploadCreatedResponse`, `StreamResponse`) and the sandbox sends it, but the generated
/// `upload_contact_file`, `upload_historical_file`, `stream_transactional` and
/// `stream_historical` return `ResponseValue<()>` and drop it (xtask's template does not
/// resolve `$ref` responses). Sent here without the generated methods, to show the answers
/// decode into the spec's types.
#[tokio::test]
async fn upload_and_stream_answers_decode_into_the_documented_types() {
    let sb = sandbox().await;
    let http = cg_auth::tls::client_builder().build().expect("http client");
    let bearer = format!("Bearer {}", sb.issue_token());
    let answer = http
        .post(format!("{}/v4.1/file/contact.json", sb.api_url()))
        .header("Authorization", &bearer)
        .multipart(file(Some("more_contacts.csv"), "Email\nx.y@example.com\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let created: cg_raw_files::types::UploadCreatedResponse = answer.json().await.unwrap();
    match created.data {
        Some(cg_raw_files::types::UploadResult::UploadCreated(u)) => assert_eq!(text(&u.id), "5"),
        other => panic!("expected Data {{id}}, got {other:?}"),
    }
    let answer = http
        .post(format!("{}/v4.1/stream/transactional.json", sb.api_url()))
        .header("Authorization", &bearer)
        .header("Content-Type", "application/xml")
        .body(STREAMED)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let streamed: cg_raw_stream::types::StreamResponse = answer.json().await.unwrap();
    match streamed.data {
        Some(cg_raw_stream::types::StreamResult::Object(upload)) => {
            assert_eq!(upload.get("id"), Some(&json!("6")));
            assert_eq!(upload.get("total_records"), Some(&json!("2")));
        }
        other => panic!("expected Data {{..upload..}}, got {other:?}"),
    }
}
