//! The methods xtask's template adds to the raw crates: typed query types built from
//! the spec (with the free-form `filter_` parameters of `x-cg-query-prefix`), multipart
//! bodies with the spec's part names, and `*_as` methods that hand the answer to the
//! caller. Sent against the sandbox through an authenticated pipeline.

use std::collections::BTreeMap;

use cg_auth::{AuthConfig, AuthMiddleware, Authenticator, Credentials, Endpoints, Pipeline};
use cg_sandbox::Sandbox;
use progenitor_client::Error;
use serde_json::Value;

fn oauth(sandbox: &Sandbox) -> Pipeline {
    let endpoints = Endpoints::from_urls(
        &sandbox.api_url(),
        &sandbox.imports_url(),
        &sandbox.auth_url(),
    )
    .unwrap();
    let (id, secret) = sandbox.demo_client();
    AuthMiddleware::new(Authenticator::new(AuthConfig::with_endpoints(
        endpoints,
        Credentials::client_credentials(id, secret),
    )))
    .into_pipeline()
}

#[test]
fn a_free_form_parameter_must_carry_the_spec_prefix() {
    let mut query = cg_raw_transactions::query::ListTransactions {
        start: Some(0),
        ..Default::default()
    };
    query.filters.insert("filter_email".into(), "x".into());
    let pairs: Vec<(String, String)> = query.pairs().unwrap();
    assert!(pairs.contains(&("start".into(), "0".into())), "{pairs:?}");
    assert!(
        pairs.contains(&("filter_email".into(), "x".into())),
        "{pairs:?}"
    );

    query.filters.insert("email".into(), "x".into());
    let e = query.pairs().unwrap_err();
    assert!(e.contains("\"email\"") && e.contains("filter_"), "{e}");
    // Only operations whose spec declares the prefix have a `filters` map at all:
    // cg_raw_lists::query::ListBounces has none (a compile-time fact).
}

#[test]
fn exploded_arrays_repeat_and_personal_data_stays_out_of_debug() {
    let query = cg_raw_sync::query::ExportResponses {
        with: vec!["drivers".into(), "properties".into()],
        cursor: Some(cg_raw_sync::types::IntOrString::Int64(7)),
        ..Default::default()
    };
    let pairs: Vec<(String, String)> = query.pairs().unwrap();
    let with: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k == "with[]").collect();
    assert_eq!(with.len(), 2, "{pairs:?}");
    assert!(pairs.contains(&("cursor".into(), "7".into())), "{pairs:?}");

    let lookup = cg_raw_anonymize::query::ValidateAnonymize {
        email: Some("jane.doe@example.com".into()),
        telephone: Some("+31612345678".into()),
    };
    let shown = format!("{lookup:?}");
    assert!(
        !shown.contains("jane.doe") && !shown.contains("612345678"),
        "{shown}"
    );
    assert!(shown.contains("email"), "{shown}");
}

#[tokio::test]
async fn a_listing_is_sent_from_its_typed_query_and_read_as_the_callers_type() {
    let sandbox = Sandbox::builder().seed_demo(true).start().await;
    let raw = cg_raw_lists::Client::new(&sandbox.api_url(), oauth(&sandbox));
    let query = cg_raw_lists::query::ListBounces {
        start: Some(0),
        limit: Some(2),
        ..Default::default()
    };
    let answer: Value = raw
        .list_bounces_as::<Value>("json", &query)
        .await
        .unwrap()
        .into_inner();
    let data = answer["Data"].as_array().expect("a Data array");
    assert!(!data.is_empty() && data.len() <= 2, "{answer}");
    let logged = sandbox.requests();
    let last = logged.last().unwrap();
    assert_eq!(last.path, "/v4.1/lists/bounce.json");
    let sent = last.query.clone().unwrap_or_default();
    assert!(
        sent.contains("start=0") && sent.contains("limit=2"),
        "{sent}"
    );

    // A status other than the documented success comes back undecoded.
    let unauthorised = cg_raw_lists::Client::new(
        &sandbox.api_url(),
        AuthMiddleware::new(Authenticator::new(AuthConfig::with_endpoints(
            Endpoints::from_urls(
                &sandbox.api_url(),
                &sandbox.imports_url(),
                &sandbox.auth_url(),
            )
            .unwrap(),
            Credentials::bearer_token("not-issued"),
        )))
        .into_pipeline(),
    );
    match unauthorised.list_bounces_as::<Value>("json", &query).await {
        Err(Error::UnexpectedResponse(r)) => assert_eq!(r.status().as_u16(), 401),
        other => panic!("expected the 401 undecoded, got {other:?}"),
    }
}

#[tokio::test]
async fn a_multipart_body_goes_out_under_the_spec_part_name() {
    let sandbox = Sandbox::builder().seed_demo(true).start().await;
    let raw = cg_raw_files::Client::new(&sandbox.api_url(), oauth(&sandbox));
    let csv = "Account Name,Revenue\nACME,1200.50\n";
    let body = cg_raw_files::multipart::RevenueFileUpload {
        file: reqwest::multipart::Part::bytes(csv.as_bytes().to_vec())
            .file_name("revenue.csv")
            .mime_str("text/csv")
            .unwrap(),
    };
    let shown = format!("{body:?}");
    assert!(!shown.contains("ACME"), "{shown}");
    // The sandbox finds the file only in the part named `file`.
    let answer: BTreeMap<String, Value> = raw
        .upload_revenue_file_as::<BTreeMap<String, Value>>("json", body)
        .await
        .unwrap()
        .into_inner();
    assert!(answer["Data"].is_object(), "{answer:?}");
}
