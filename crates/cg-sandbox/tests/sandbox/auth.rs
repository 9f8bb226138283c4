use std::time::Duration;

use cg_sandbox::{DEMO_CLIENT_ID, Sandbox};
use serde_json::json;

use super::common::{Ctx, assert_code, send};

#[tokio::test]
async fn token_answer_has_bearer_fields() {
    let sb = Sandbox::builder().start().await;
    let (id, secret) = sb.demo_client();
    let http = cg_auth::tls::client_builder().build().expect("http client");
    let (status, body) = send(http.post(sb.token_url()).form(&[
        ("grant_type", "client_credentials"),
        ("client_id", &id),
        ("client_secret", &secret),
    ]))
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["access_token"].as_str().is_some_and(|t| t.len() >= 32));
}

#[tokio::test]
async fn token_errors_are_oauth_bodies() {
    let sb = Sandbox::builder().start().await;
    let http = cg_auth::tls::client_builder().build().expect("http client");
    let wrong = send(http.post(sb.token_url()).form(&[
        ("grant_type", "client_credentials"),
        ("client_id", DEMO_CLIENT_ID),
        ("client_secret", "wrong"),
    ]))
    .await;
    assert_eq!(wrong.0, 401);
    assert_eq!(wrong.1["error"], "invalid_client");
    let unknown = send(http.post(sb.token_url()).form(&[
        ("grant_type", "client_credentials"),
        ("client_id", "nobody"),
        ("client_secret", "x"),
    ]))
    .await;
    assert_eq!(unknown.0, 401);
    let grant = send(
        http.post(sb.token_url())
            .form(&[("grant_type", "password")]),
    )
    .await;
    assert_eq!(
        (grant.0, grant.1["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let missing = send(http.post(sb.token_url()).form(&[("client_id", "x")])).await;
    assert_eq!(
        (missing.0, missing.1["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let no_secret = send(
        http.post(sb.token_url())
            .form(&[("grant_type", "client_credentials")]),
    )
    .await;
    assert_eq!(no_secret.0, 400);
}

#[tokio::test]
async fn added_client_gets_tokens() {
    let sb = Sandbox::builder().start().await;
    sb.add_client("ci-client", "ci-secret");
    let http = cg_auth::tls::client_builder().build().expect("http client");
    let (status, body) = send(http.post(sb.token_url()).form(&[
        ("grant_type", "client_credentials"),
        ("client_id", "ci-client"),
        ("client_secret", "ci-secret"),
    ]))
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn tokens_expire() {
    let ctx = Ctx::with(Sandbox::builder().token_ttl(Duration::from_secs(1))).await;
    assert_eq!(ctx.get("reasons.json").await.0, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let expired = ctx.get("reasons.json").await;
    assert_code(&expired, 401, 200000);
    assert_eq!(expired.1["Error"]["Message"], "Invalid API key");
}

#[tokio::test]
async fn expire_tokens_helper_and_issue_token() {
    let ctx = Ctx::new().await;
    let direct = ctx.sb.issue_token();
    let (status, _) = send(
        ctx.http
            .get(ctx.v41("reasons.json"))
            .header("Authorization", format!("Bearer {direct}")),
    )
    .await;
    assert_eq!(status, 200);
    ctx.sb.expire_tokens();
    assert_eq!(ctx.get("reasons.json").await.0, 401);
}

#[tokio::test]
async fn v41_takes_api_keys_imports_and_v7_do_not() {
    let ctx = Ctx::new().await;
    let key = format!("api_key {}", ctx.sb.demo_api_key());
    let (status, _) = send(
        ctx.http
            .get(ctx.v41("hierarchy.json"))
            .header("Authorization", &key),
    )
    .await;
    assert_eq!(status, 200);
    let bad_key = send(
        ctx.http
            .get(ctx.v41("hierarchy.json"))
            .header("Authorization", "api_key nope"),
    )
    .await;
    assert_eq!(
        bad_key.1,
        json!({"Error": {"Message": "Invalid API key", "Code": 200000}})
    );
    let imports = send(
        ctx.http
            .put(ctx.imports("/records/"))
            .header("Authorization", &key)
            .json(&json!({})),
    )
    .await;
    assert_eq!(imports, (401, json!({"message": "Unauthenticated."})));
    let v7 = send(
        ctx.http
            .get(ctx.v7("sync/responses"))
            .header("Authorization", &key),
    )
    .await;
    assert_eq!(v7, (401, json!({"message": "Unauthenticated."})));
    ctx.sb.add_api_key("second-key");
    let (status, _) = send(
        ctx.http
            .get(ctx.v41("reasons.json"))
            .header("Authorization", "api_key second-key"),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn missing_credentials_get_each_familys_401() {
    let ctx = Ctx::new().await;
    let v41 = send(ctx.http.get(ctx.v41("lists/bounce.json"))).await;
    assert_eq!(
        v41,
        (
            401,
            json!({"Error": {"Message": "Invalid API key", "Code": 200000}})
        )
    );
    let imports = send(
        ctx.http
            .put(ctx.imports("/accounts"))
            .json(&json!({"reference": "A"})),
    )
    .await;
    assert_eq!(imports, (401, json!({"message": "Unauthenticated."})));
    let basic = send(
        ctx.http
            .get(ctx.v41("reasons.json"))
            .header("Authorization", "Basic eDp5"),
    )
    .await;
    assert_eq!(basic.0, 401);
}

#[tokio::test]
async fn wrong_host_family_is_404() {
    let ctx = Ctx::new().await;
    let auth_on_api = send(ctx.http.post(format!("{}/oauth2/token", ctx.sb.api_url()))).await;
    assert_eq!(auth_on_api.0, 404);
    let records_on_api = ctx
        .send(ctx.http.put(format!("{}/records/", ctx.sb.api_url())))
        .await;
    assert_eq!(records_on_api.0, 404);
    let v41_on_imports = ctx
        .send(
            ctx.http
                .get(format!("{}/v4.1/reasons.json", ctx.sb.imports_url())),
        )
        .await;
    assert_eq!(v41_on_imports.0, 404);
    let v41_on_auth = ctx
        .send(
            ctx.http
                .get(format!("{}/v4.1/reasons.json", ctx.sb.auth_url())),
        )
        .await;
    assert_eq!(v41_on_auth.0, 404);
    let v7_on_imports = ctx
        .send(
            ctx.http
                .get(format!("{}/v7/rest/sync/responses", ctx.sb.imports_url())),
        )
        .await;
    assert_eq!(v7_on_imports.0, 404);
    let token_get = send(ctx.http.get(ctx.sb.token_url())).await;
    assert_eq!(token_get.0, 405);
}
