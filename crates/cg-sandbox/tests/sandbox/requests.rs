use cg_sandbox::{AuthKind, Family};

use super::common::Ctx;

#[tokio::test]
async fn log_records_family_method_path_query_status_and_auth_kind() {
    let ctx = Ctx::new().await;
    ctx.get("lists/bounce.json?start=0&limit=5").await;
    ctx.send(
        ctx.http
            .get(ctx.v41("reasons.json"))
            .header("Authorization", "api_key sandbox-demo-api-key"),
    )
    .await;
    ctx.http.put(ctx.imports("/records/")).send().await.unwrap();
    let log = ctx.sb.requests();
    assert_eq!(log.len(), 4, "{log:?}");
    assert_eq!(
        (log[0].family, log[0].method.as_str(), log[0].path.as_str()),
        (Family::Auth, "POST", "/oauth2/token")
    );
    assert_eq!((log[0].status, log[0].auth), (200, AuthKind::None));
    assert_eq!(log[1].family, Family::Api);
    assert_eq!(log[1].path, "/v4.1/lists/bounce.json");
    assert_eq!(log[1].query.as_deref(), Some("start=0&limit=5"));
    assert_eq!((log[1].status, log[1].auth), (400, AuthKind::Bearer));
    assert_eq!(log[2].auth, AuthKind::ApiKey);
    assert_eq!(
        (log[3].family, log[3].status, log[3].auth),
        (Family::Imports, 401, AuthKind::None)
    );
    let printed = format!("{log:?}");
    assert!(
        !printed.contains(&ctx.token),
        "the log never holds the secret"
    );
    assert!(!printed.contains("sandbox-demo-api-key"));
    ctx.sb.clear_requests();
    assert!(ctx.sb.requests().is_empty());
}
