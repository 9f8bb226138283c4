use std::time::Duration;

use cg_sandbox::{
    Configuration, DEMO_CONFIGURATION, DEMO_OPEN_CONFIGURATION, FieldFormat, FieldSetting,
    FieldTarget,
};
use serde_json::{Value, json};

use super::common::Ctx;

async fn put_json(ctx: &Ctx, body: Value) -> (u16, Value) {
    ctx.send(ctx.http.put(ctx.imports("/records/")).json(&body))
        .await
}

async fn put_form(ctx: &Ctx, body: &str) -> (u16, Value) {
    ctx.send(
        ctx.http
            .put(ctx.imports("/records/"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.to_owned()),
    )
    .await
}

/// The vendor's 422 body for one field and one message.
fn one(field: &str, message: &str) -> Value {
    json!({"message": message, "errors": {field: [message]}})
}

#[tokio::test]
async fn accepted_json_record_creates_account_contact_and_survey() {
    let ctx = Ctx::new().await;
    let answer = put_json(
        &ctx,
        json!({"configuration": DEMO_CONFIGURATION, "record": {
            "Account Name": "ACME", "First Name": "Joe", "Last Name": "Doe", "Email": "joe.doe@example.com",
            "Touchpoint": "Support", "Date Order": "2024-05-01", "Revenue": "12.5", "Unmapped": "ignored"}}),
    )
    .await;
    assert_eq!(answer, (200, Value::Null), "200 with an empty body");
    let state = ctx.sb.state();
    let survey = state.surveys.last().unwrap();
    assert_eq!(survey.number_customergauge, 1);
    assert_eq!(survey.status, "QUEUE");
    assert_eq!(survey.email.as_deref(), Some("joe.doe@example.com"));
    assert_eq!(survey.date_order.as_deref(), Some("2024-05-01"));
    assert_eq!(
        survey.fields.get("Touchpoint").map(String::as_str),
        Some("Support")
    );
    assert!(
        !survey.fields.contains_key("Unmapped"),
        "unmapped fields are ignored"
    );
    assert_eq!(survey.configuration.as_deref(), Some(DEMO_CONFIGURATION));
    assert!(state.accounts.iter().any(|a| a.reference == "ACME"));
    assert!(
        state
            .contacts
            .iter()
            .any(|c| c.email.as_deref() == Some("joe.doe@example.com")
                && c.account.as_deref() == Some("ACME"))
    );
}

#[tokio::test]
async fn accepted_form_record() {
    let ctx = Ctx::new().await;
    let body = format!(
        "configuration={DEMO_CONFIGURATION}&record%5BAccount%20Name%5D=ACME&record[Phone]=%2B55%20(62)%2001234-56789"
    );
    assert_eq!(put_form(&ctx, &body).await, (200, Value::Null));
    let state = ctx.sb.state();
    assert_eq!(
        state.surveys[0].phone.as_deref(),
        Some("+55 (62) 01234-56789")
    );
    assert_eq!(state.surveys[0].email, None);
}

#[tokio::test]
async fn configuration_and_record_errors() {
    let ctx = Ctx::new().await;
    let required = put_json(&ctx, json!({"record": {"Email": "a@example.com"}})).await;
    assert_eq!(
        required,
        (
            422,
            one("configuration", "The configuration field is required.")
        )
    );
    let invalid = put_json(&ctx, json!({"configuration": "00000000-0000-0000-0000-000000000000", "record": {"Email": "a@example.com"}})).await;
    assert_eq!(
        invalid,
        (
            422,
            json!({"message": "The selected configuration was invalid.", "errors": {"configuration": ["The selected configuration is required."]}})
        )
    );
    let record = put_json(&ctx, json!({"configuration": DEMO_OPEN_CONFIGURATION})).await;
    assert_eq!(
        record,
        (422, one("record", "The record field is required."))
    );
    let array = put_json(
        &ctx,
        json!({"configuration": DEMO_OPEN_CONFIGURATION, "record": "Email=a@example.com"}),
    )
    .await;
    assert_eq!(array, (422, one("record", "The record must be an array.")));
    let form_array = put_form(
        &ctx,
        &format!("configuration={DEMO_OPEN_CONFIGURATION}&record=x"),
    )
    .await;
    assert_eq!(
        form_array,
        (422, one("record", "The record must be an array."))
    );
    let both = put_form(&ctx, "").await;
    assert_eq!(
        both.1["message"],
        "The configuration field is required. (and 1 more error)"
    );
    let garbage = ctx
        .send(
            ctx.http
                .put(ctx.imports("/records/"))
                .header("Content-Type", "application/json")
                .body("{oops"),
        )
        .await;
    assert_eq!(garbage.0, 422);
}

#[tokio::test]
async fn email_or_phone() {
    let ctx = Ctx::new().await;
    let none = put_json(
        &ctx,
        json!({"configuration": DEMO_OPEN_CONFIGURATION, "record": {"First Name": "Joe"}}),
    )
    .await;
    assert_eq!(
        none,
        (
            422,
            json!({
                "message": "The Email field is required when Phone is not present. (and 1 more error)",
                "errors": {
                    "Email": ["The Email field is required when Phone is not present."],
                    "Phone": ["The Phone field is required when Email is not present."]
                }
            })
        )
    );
    let empty = put_json(
        &ctx,
        json!({"configuration": DEMO_OPEN_CONFIGURATION, "record": {"Email": "", "Phone": " "}}),
    )
    .await;
    assert_eq!(empty.0, 422);
    let email = put_json(
        &ctx,
        json!({"configuration": DEMO_OPEN_CONFIGURATION, "record": {"Email": "joe.doe"}}),
    )
    .await;
    assert_eq!(
        email,
        (
            422,
            one("Email", "The Email field must be a valid email address.")
        )
    );
    let phone = put_json(
        &ctx,
        json!({"configuration": DEMO_OPEN_CONFIGURATION, "record": {"Phone": "+31 20 123 ext. 4"}}),
    )
    .await;
    assert_eq!(
        phone,
        (422, one("Phone", "The Phone field format is invalid."))
    );
    let ok = put_json(&ctx, json!({"configuration": DEMO_OPEN_CONFIGURATION, "record": {"Phone": "+55 (62) 01234-56789"}})).await;
    assert_eq!(ok.0, 200);
}

#[tokio::test]
async fn field_settings() {
    let ctx = Ctx::new().await;
    let base = |extra: Value| {
        let mut record = json!({"Email": "f@example.com", "Account Name": "ACME"});
        for (k, v) in extra.as_object().unwrap() {
            record[k] = v.clone();
        }
        json!({"configuration": DEMO_CONFIGURATION, "record": record})
    };
    let cases = [
        (
            json!({"Account Name": ""}),
            one("Account Name", "The Account Name field is required."),
        ),
        (
            json!({"Touchpoint": "Teleport"}),
            one("Touchpoint", "The Touchpoint field is invalid."),
        ),
        (
            json!({"Date Order": "01/05/2024"}),
            one(
                "Date Order",
                "The field Date Order must be a valid date with format YYYY-MM-DD HH:MM:SS or YYYY-MM-DD.",
            ),
        ),
        (
            json!({"Manager Email": "boss"}),
            one(
                "Manager Email",
                "The Manager Email must be a valid email address.",
            ),
        ),
        (
            json!({"Revenue": "a lot"}),
            one("Revenue", "The Revenue must be a number."),
        ),
        (
            json!({"First Name": "x".repeat(51)}),
            one(
                "First Name",
                "The First Name must not be greater than 50 characters.",
            ),
        ),
    ];
    for (extra, expected) in cases {
        assert_eq!(
            put_json(&ctx, base(extra.clone())).await,
            (422, expected),
            "case {extra}"
        );
    }
    let two = put_json(&ctx, base(json!({"Revenue": "x", "Touchpoint": "y"}))).await;
    assert_eq!(
        two.1["message"],
        "The Touchpoint field is invalid. (and 1 more error)"
    );
    assert!(
        ctx.sb.state().surveys.is_empty(),
        "nothing refused is stored"
    );
    let fine = base(
        json!({"Date Order": "2024-05-01 10:11:12", "Touchpoint": "onboarding", "Revenue": "-3.5e2"}),
    );
    assert_eq!(put_json(&ctx, fine).await.0, 200);
}

#[tokio::test]
async fn duplicates_within_the_window() {
    let ctx = Ctx::new().await;
    let record = json!({"configuration": DEMO_CONFIGURATION, "record": {"Email": "dup@example.com", "Account Name": "A"}});
    assert_eq!(put_json(&ctx, record.clone()).await.0, 200);
    let message = "Record could not be imported because it duplicates with 1.";
    assert_eq!(
        put_json(&ctx, record).await,
        (422, one("duplicate", message))
    );
    // The mapping without a duplication rule takes it again.
    let open =
        json!({"configuration": DEMO_OPEN_CONFIGURATION, "record": {"Email": "DUP@example.com"}});
    assert_eq!(put_json(&ctx, open).await.0, 200);
    // Past the window, no duplicate.
    ctx.sb.with_state(|s| {
        s.surveys
            .iter_mut()
            .for_each(|sv| sv.date_creation = "2000-01-01 00:00:00".into())
    });
    let record = json!({"configuration": DEMO_CONFIGURATION, "record": {"Email": "dup@example.com", "Account Name": "A"}});
    assert_eq!(put_json(&ctx, record).await.0, 200);
}

#[tokio::test]
async fn mapping_without_rule_sends_another_survey() {
    let ctx = Ctx::new().await;
    assert_eq!(
        ctx.sb.demo_configuration_without_rule(),
        cg_sandbox::DEMO_CONFIGURATION_NO_RULE
    );
    let record = json!({"configuration": cg_sandbox::DEMO_CONFIGURATION_NO_RULE, "record": {"Email": "twice@example.com", "Account Name": "A"}});
    assert_eq!(put_json(&ctx, record.clone()).await.0, 200);
    assert_eq!(put_json(&ctx, record).await.0, 200);
    let state = ctx.sb.state();
    assert_eq!(state.surveys.len(), 2, "two surveys for one contact");
    assert_eq!(state.contacts.len(), 1);
    // Same field settings as the demo mapping: Account Name is required.
    let missing = json!({"configuration": cg_sandbox::DEMO_CONFIGURATION_NO_RULE, "record": {"Email": "x@example.com"}});
    assert_eq!(put_json(&ctx, missing).await.0, 422);
    // A rule with a short window, set on an added mapping.
    let reference = ctx.sb.add_configuration(
        Configuration::standard("hourly")
            .duplication(cg_sandbox::DuplicationRule::new(Duration::from_secs(3600))),
    );
    let hourly = json!({"configuration": reference, "record": {"Email": "twice@example.com"}});
    let answer = put_json(&ctx, hourly).await;
    assert_eq!(
        answer.0, 422,
        "the surveys above are within the hour: {}",
        answer.1
    );
}

#[tokio::test]
async fn added_configuration_and_unsubscribed_contacts() {
    let ctx = Ctx::new().await;
    let reference = ctx.sb.add_configuration(
        Configuration::new("custom")
            .field(FieldSetting::new("Mail", FieldTarget::Email))
            .field(
                FieldSetting::new("Score", FieldTarget::Custom)
                    .format(FieldFormat::Number)
                    .required(),
            ),
    );
    let missing = put_json(
        &ctx,
        json!({"configuration": reference, "record": {"Mail": "c@example.com"}}),
    )
    .await;
    assert_eq!(missing, (422, one("Score", "The Score field is required.")));
    let none = put_json(
        &ctx,
        json!({"configuration": reference, "record": {"Score": "1"}}),
    )
    .await;
    assert_eq!(
        none.1["errors"]["Mail"],
        json!(["The Mail field is required when Phone is not present."])
    );
    ctx.post_form("lists/unsubscribe.json", &[("email", "c@example.com")])
        .await;
    let ok = put_json(
        &ctx,
        json!({"configuration": reference, "record": {"Mail": "c@example.com", "Score": "7"}}),
    )
    .await;
    assert_eq!(ok.0, 200);
    assert_eq!(ctx.sb.state().surveys[0].status, "UNSUBSCRIBED");
}

#[tokio::test]
async fn wrong_method_and_path() {
    let ctx = Ctx::new().await;
    let get = ctx.send(ctx.http.get(ctx.imports("/records/"))).await;
    assert_eq!(get.0, 405);
    assert_eq!(ctx.send(ctx.http.put(ctx.imports("/nothing"))).await.0, 404);
    let no_slash = ctx
        .send(ctx.http.put(ctx.imports("/records")).json(&json!({})))
        .await;
    assert_eq!(no_slash.0, 422);
}
