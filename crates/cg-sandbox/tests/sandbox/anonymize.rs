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
