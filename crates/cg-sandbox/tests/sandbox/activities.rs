//! `PUT /activities` (art 5000810958).

use serde_json::{Value, json};

use super::common::{Ctx, send};

async fn put(ctx: &Ctx, body: Value) -> (u16, Value) {
    ctx.send(ctx.http.put(ctx.imports("/activities")).json(&body))
        .await
}

#[tokio::test]
async fn create_then_update_by_reference() {
    let ctx = Ctx::demo().await;
    // The article's own example sends an offset after the time; the table's format too.
    let (status, body) = put(
        &ctx,
        json!({
            "reference": "ab12cd34ef56",
            "account": "ACME Industries",
            "contact": "joe.doe@example.com",
            "type": "Ticket",
            "source": "Freshdesk",
            "happened_at": "2019-03-06 10:00:00 +0530",
            "additional_information_object": {"subject": "Printer", "status": "open"}
        }),
    )
    .await;
    assert_eq!(
        (status, &body),
        (201, &json!({"message": "Activity created."}))
    );
    let (status, _) = put(
        &ctx,
        json!({
            "reference": "ab12cd34ef56", "account": "ACME Industries", "type": "Ticket",
            "source": "Freshdesk", "happened_at": "2019-10-06 22:34:45",
            "additional_information_object": {"status": "closed"}
        }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = put(
        &ctx,
        json!({"account": "Globex", "type": "Call", "source": "Phone", "happened_at": "2019-10-06 22:34:45"}),
    )
    .await;
    assert_eq!(status, 201, "no reference: always a new activity");
    let state = ctx.sb.state();
    assert_eq!(state.activities.len(), 2);
    let first = &state.activities[0];
    assert_eq!(first.happened_at, "2019-10-06 22:34:45");
    assert_eq!(first.contact, None);
    assert_eq!(first.additional_information["status"], "closed");
    assert!(
        state
            .accounts
            .iter()
            .any(|a| a.reference == "ACME Industries"),
        "an unknown account is created"
    );
}

#[tokio::test]
async fn form_body_with_information_array() {
    let ctx = Ctx::new().await;
    let (status, body) = ctx
        .send(ctx.http.put(ctx.imports("/activities/")).form(&[
            ("account", "ACME"),
            ("type", "Ticket"),
            ("source", "Zendesk"),
            ("happened_at", "2024-01-02 03:04:05"),
            ("additional_information_array[priority]", "high"),
        ]))
        .await;
    assert_eq!(status, 201, "{body}");
    let state = ctx.sb.state();
    assert_eq!(
        state.activities[0].additional_information["priority"],
        "high"
    );
}

#[tokio::test]
async fn validation() {
    let ctx = Ctx::demo().await;
    let (status, body) = put(&ctx, json!({})).await;
    assert_eq!(status, 422);
    for field in ["account", "type", "source", "happened_at"] {
        assert!(body["errors"][field].is_array(), "{field} in {body}");
    }
    assert_eq!(
        body["message"],
        "The account field is required. (and 3 more errors)"
    );
    let (status, body) = put(
        &ctx,
        json!({
            "reference": "r".repeat(129), "account": "a".repeat(256), "type": "t".repeat(101),
            "source": 5, "happened_at": "2019-03-06", "additional_information_object": "x"
        }),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"]["reference"],
        json!(["The reference field must not be greater than 128 characters."])
    );
    assert_eq!(
        body["errors"]["source"],
        json!(["The source field must be a string."])
    );
    assert_eq!(
        body["errors"]["happened_at"],
        json!(["The happened at field must match the format Y-m-d H:i:s."])
    );
    for field in ["account", "type", "additional_information_object"] {
        assert!(body["errors"][field].is_array(), "{field} in {body}");
    }
    let (status, body) = put(
        &ctx,
        json!({"account": "ACME", "contact": "nobody@example.com", "type": "T", "source": "S", "happened_at": "2019-10-06 22:34:45"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"]["contact"],
        json!(["The selected contact is invalid."])
    );
    assert!(ctx.sb.state().activities.is_empty());

    let anonymous = send(ctx.http.put(ctx.imports("/activities")).json(&json!({}))).await;
    assert_eq!(anonymous, (401, json!({"message": "Unauthenticated."})));
    let get = ctx.send(ctx.http.get(ctx.imports("/activities"))).await;
    assert_eq!(get.0, 405);
}
