use serde_json::json;

use super::common::{Ctx, assert_code, data_array};

#[tokio::test]
async fn validate_then_execute() {
    let ctx = Ctx::demo().await;
    let candidates = ctx.get("anonymize.json?email=JOE.DOE@example.com").await;
    let items = data_array(&candidates);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["first_name"], "Joe");
    assert_eq!(items[0]["email"], "joe.doe@example.com");
    assert_eq!(items[0]["number_customergauge"], "1");
    assert!(items[0].get("sms_telephone").is_some());

    let done = ctx
        .post_form("anonymize.json", &[("email", "joe.doe@example.com")])
        .await;
    assert_eq!(done, (200, json!({"Data": {"anonymized": "1"}})));
    assert!(data_array(&ctx.get("anonymize.json?email=joe.doe@example.com").await).is_empty());
    let state = ctx.sb.state();
    let survey = state.survey(1).unwrap();
    assert!(survey.anonymized);
    assert_eq!(
        (survey.email.as_deref(), survey.first_name.as_deref()),
        (None, Some("Anonymized"))
    );
}

#[tokio::test]
async fn by_telephone() {
    let ctx = Ctx::new().await;
    ctx.post_form(
        "transactions/non_response.json",
        &[("Phone", "+31 (20) 123-4567"), ("FirstName", "Tel")],
    )
    .await;
    let found = ctx.get("anonymize.json?telephone=%2B31201234567").await;
    assert_eq!(data_array(&found).len(), 1);
    let done = ctx
        .post_form("anonymize.json", &[("telephone", "31201234567")])
        .await;
    assert_eq!(done.1["Data"]["anonymized"], "1");
}

#[tokio::test]
async fn neither_email_nor_telephone() {
    let ctx = Ctx::new().await;
    assert_code(&ctx.get("anonymize.json").await, 400, 400800);
    assert_code(&ctx.post_form("anonymize.json", &[]).await, 400, 400800);
    assert_code(
        &ctx.post_form("anonymize.json", &[("telephone", "abc")])
            .await,
        400,
        300001,
    );
}

/// The sandbox's lookups by address (indexed) stay right when data changes behind them:
/// after anonymizing, and after a test edits the state directly.
#[tokio::test]
async fn lookups_follow_anonymizing_and_direct_edits() {
    let ctx = Ctx::demo().await;
    let put = |email: &'static str| {
        ctx.send(ctx.http.put(ctx.imports("/records/")).json(&json!({
            "configuration": cg_sandbox::DEMO_CONFIGURATION,
            "record": {"Email": email, "Account Name": "ACME"}
        })))
    };
    // Joe got a demo survey a few days ago: the 30-day rule refuses him.
    assert_eq!(put("joe.doe@example.com").await.0, 422);
    ctx.post_form("anonymize.json", &[("email", "joe.doe@example.com")])
        .await;
    let contacts = ctx.sb.state().contacts.len();
    assert_eq!(
        put("Joe.Doe@example.com").await.0,
        200,
        "anonymized surveys do not count"
    );
    let state = ctx.sb.state();
    assert_eq!(
        state.contacts.len(),
        contacts + 1,
        "a new contact, not the anonymized one"
    );
    assert_eq!(
        put("joe.doe@example.com").await.0,
        422,
        "the new survey counts"
    );
    // A direct edit: Jane's survey now carries another address.
    ctx.sb.with_state(|s| {
        if let Some(sv) = s.survey_mut(2) {
            sv.email = Some("jane.new@example.com".into());
        }
    });
    assert_eq!(put("jane.new@example.com").await.0, 422);
    // Unsubscribes are found without case.
    ctx.post_form(
        "lists/unsubscribe.json",
        &[("email", "Late.Optout@example.com")],
    )
    .await;
    assert_eq!(put("late.optout@example.com").await.0, 200);
    let state = ctx.sb.state();
    let last = state.surveys.last().unwrap();
    assert_eq!(last.status, "UNSUBSCRIBED");
}
