use serde_json::{Value, json};

use super::common::Ctx;

async fn put(ctx: &Ctx, body: Value) -> (u16, Value) {
    ctx.send(ctx.http.put(ctx.imports("/accounts")).json(&body))
        .await
}

#[tokio::test]
async fn created_then_updated() {
    let ctx = Ctx::new().await;
    let created = put(
        &ctx,
        json!({"reference": "ACME", "number": "ACME-001", "region": "Europe"}),
    )
    .await;
    assert_eq!(created, (201, Value::Null));
    let updated = put(
        &ctx,
        json!({"reference": "ACME", "manager": "jane@example.com"}),
    )
    .await;
    assert_eq!(updated, (200, Value::Null));
    let state = ctx.sb.state();
    let acme = state
        .accounts
        .iter()
        .find(|a| a.reference == "ACME")
        .unwrap();
    assert_eq!(acme.number.as_deref(), Some("ACME-001"));
    assert_eq!(acme.manager.as_deref(), Some("jane@example.com"));
    assert_eq!(acme.region.as_deref(), Some("Europe"));
}

#[tokio::test]
async fn validation() {
    let ctx = Ctx::new().await;
    let missing = put(&ctx, json!({"number": "1"})).await;
    assert_eq!(
        missing,
        (
            422,
            json!({"message": "The reference field is required.", "errors": {"reference": ["The reference field is required."]}})
        )
    );
    let long = put(&ctx, json!({"reference": "x".repeat(129)})).await;
    assert_eq!(
        long.1["errors"]["reference"],
        json!(["The reference field must not be greater than 128 characters."])
    );
    let number = put(&ctx, json!({"reference": "A", "number": "n".repeat(256)})).await;
    assert_eq!(number.0, 422);
    let not_string = put(&ctx, json!({"reference": 5})).await;
    assert_eq!(
        not_string.1["errors"]["reference"],
        json!(["The reference field must be a string."])
    );
    assert!(ctx.sb.state().accounts.is_empty());
}
