//! `client.records().put(..)` and `client.accounts().put(..)` against the sandbox:
//! imports in JSON and form encoding, the service's 422 answers, duplicates, local
//! checks that send nothing, and the resend after a processed-but-5xx attempt.

mod common;

use cg_facade::modules::accounts::AccountOutcome;
use cg_facade::modules::records::{Record, RecordOutcome};
use cg_facade::{Credentials, Error, RetryPolicy};
use cg_sandbox::{DEMO_OPEN_CONFIGURATION, Family, Fault, FaultConfig, Sandbox};

/// A mapping reference that is a UUID but not a configuration of the sandbox.
const UNKNOWN_CONFIGURATION: &str = "00000000-0000-4000-8000-000000000000";

fn imports_requests(sandbox: &Sandbox) -> Vec<cg_sandbox::LoggedRequest> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.family == Family::Imports)
        .collect()
}

fn surveys_for(sandbox: &Sandbox, email: &str) -> Vec<cg_sandbox::state::Survey> {
    sandbox
        .state()
        .surveys
        .into_iter()
        .filter(|s| s.email.as_deref() == Some(email))
        .collect()
}

/// `(status, field messages)` of an `Error::Validation`.
fn refusal(e: Error) -> (u16, std::collections::BTreeMap<String, Vec<String>>, String) {
    match e {
        Error::Validation {
            status,
            errors,
            message,
            operation,
        } => {
            assert_eq!(operation, "putRecord");
            (status, errors, message)
        }
        other => panic!("expected Error::Validation, got {other:?}"),
    }
}

fn invalid_field(e: Error) -> String {
    match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected Error::InvalidInput, got {other:?}"),
    }
}

#[tokio::test]
async fn a_json_record_is_imported_and_queues_a_survey() {
    let (sandbox, client) = common::start().await;
    let outcome = client
        .records()
        .put(sandbox.demo_configuration())
        .field("Email", "new.customer@example.com")
        .field("First Name", "New")
        .field("Account Name", "ACME")
        .field("Touchpoint", "Onboarding")
        .field("Region", "Europe")
        .send()
        .await
        .unwrap();
    assert_eq!(outcome, RecordOutcome::Imported);
    assert!(outcome.is_imported() && outcome.cg_id().is_none());

    let surveys = surveys_for(&sandbox, "new.customer@example.com");
    assert_eq!(surveys.len(), 1);
    let s = &surveys[0];
    assert_eq!((s.status.as_str(), s.source.as_str()), ("QUEUE", "records"));
    assert_eq!(
        s.configuration.as_deref(),
        Some(sandbox.demo_configuration().as_str())
    );
    assert_eq!(
        (s.first_name.as_deref(), s.account_name.as_deref()),
        (Some("New"), Some("ACME"))
    );
    assert_eq!(
        s.fields.get("Touchpoint").map(String::as_str),
        Some("Onboarding")
    );
    let state = sandbox.state();
    let contact = state
        .contacts
        .iter()
        .find(|c| c.email.as_deref() == Some("new.customer@example.com"))
        .unwrap();
    assert_eq!(contact.account.as_deref(), Some("ACME"));

    let log = imports_requests(&sandbox);
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].method.as_str(), log[0].path.as_str(), log[0].status),
        ("PUT", "/records/", 200)
    );
    assert_eq!(log[0].auth, cg_sandbox::AuthKind::Bearer);
}

#[tokio::test]
async fn a_form_record_is_imported_and_creates_its_account() {
    let (sandbox, client) = common::start().await;
    let record = Record::new()
        .field("Phone", "+55 (62) 01234-56789")
        .field("Last Name", "Form & Sons")
        .field("Account Name", "Formwork Ltd")
        .field("Account Number", "FW-1");
    let outcome = client
        .records()
        .put(sandbox.demo_configuration())
        .record(record)
        .form()
        .send()
        .await
        .unwrap();
    assert_eq!(outcome, RecordOutcome::Imported);
    let state = sandbox.state();
    let survey = state
        .surveys
        .iter()
        .find(|s| s.phone.as_deref() == Some("+55 (62) 01234-56789"))
        .unwrap();
    assert_eq!(
        survey.last_name.as_deref(),
        Some("Form & Sons"),
        "form encoding keeps & and spaces"
    );
    let account = state
        .accounts
        .iter()
        .find(|a| a.reference == "Formwork Ltd")
        .unwrap();
    assert_eq!(account.number.as_deref(), Some("FW-1"));
    assert_eq!(imports_requests(&sandbox).len(), 1);
}

#[tokio::test]
async fn a_contact_surveyed_recently_is_a_duplicate_naming_the_cg_id() {
    let (sandbox, client) = common::start().await;
    // The demo data surveyed joe.doe@example.com a few days ago; the demo mapping has a 30-day rule.
    let joe = surveys_for(&sandbox, "joe.doe@example.com")[0].number_customergauge;
    let before = sandbox.state().surveys.len();
    let outcome = client
        .records()
        .put(sandbox.demo_configuration())
        .field("Email", "joe.doe@example.com")
        .field("Account Name", "ACME")
        .send()
        .await
        .unwrap();
    assert_eq!(outcome, RecordOutcome::Duplicate { cg_id: joe });
    assert!(!outcome.is_imported());
    assert_eq!(sandbox.state().surveys.len(), before, "nothing imported");

    // The same new record twice: the second names the first one's CG-ID.
    let put = || {
        client
            .records()
            .put(sandbox.demo_configuration())
            .field("Email", "twice@example.com")
            .field("Account Name", "ACME")
    };
    assert_eq!(put().send().await.unwrap(), RecordOutcome::Imported);
    let first = surveys_for(&sandbox, "twice@example.com")[0].number_customergauge;
    assert_eq!(
        put().form().send().await.unwrap(),
        RecordOutcome::Duplicate { cg_id: first }
    );
    assert_eq!(surveys_for(&sandbox, "twice@example.com").len(), 1);
}

#[tokio::test]
async fn unknown_configuration_is_refused_by_the_service() {
    let (sandbox, client) = common::start().await;
    for form in [false, true] {
        let put = client
            .records()
            .put(UNKNOWN_CONFIGURATION)
            .field("Email", "a@example.com");
        let put = if form { put.form() } else { put };
        let (status, errors, message) = refusal(put.send().await.unwrap_err());
        assert_eq!(status, 422);
        assert_eq!(message, "The selected configuration was invalid.");
        assert_eq!(
            errors["configuration"],
            ["The selected configuration is required."]
        );
    }
    assert!(surveys_for(&sandbox, "a@example.com").is_empty());
}

/// Each documented field rule of the demo mapping, as the service reports it.
#[tokio::test]
async fn field_settings_of_the_mapping_are_reported_per_field() {
    let (sandbox, client) = common::start().await;
    let base = || {
        Record::new()
            .field("Email", "rules@example.com")
            .field("Account Name", "ACME")
    };
    let cases: Vec<(Record, &str, String)> = vec![
        (Record::new().field("Email", "rules@example.com"), "Account Name", "The Account Name field is required.".into()),
        (base().field("Touchpoint", "Carrier pigeon"), "Touchpoint", "The Touchpoint field is invalid.".into()),
        (
            base().field("Date Order", "next Tuesday"),
            "Date Order",
            "The field Date Order must be a valid date with format YYYY-MM-DD HH:MM:SS or YYYY-MM-DD.".into(),
        ),
        (base().field("Manager Email", "boss-at-example"), "Manager Email", "The Manager Email must be a valid email address.".into()),
        (base().field("Revenue", "lots"), "Revenue", "The Revenue must be a number.".into()),
        (base().field("First Name", "x".repeat(51)), "First Name", "The First Name must not be greater than 50 characters.".into()),
    ];
    for (record, field, expected) in cases {
        let e = client
            .records()
            .put(sandbox.demo_configuration())
            .record(record)
            .send()
            .await
            .unwrap_err();
        let (status, errors, message) = refusal(e);
        assert_eq!(status, 422, "{field}");
        assert_eq!(
            errors.get(field).map(Vec::as_slice),
            Some(&[expected.clone()][..]),
            "{field}: {errors:?}"
        );
        assert_eq!(message, expected);
    }
    // Accepted values of the same fields.
    let ok = base()
        .field("Touchpoint", "Support")
        .field("Date Order", "2024-05-01 10:00:00")
        .field("Manager Email", "boss@example.com")
        .field("Revenue", "1200.50");
    assert!(
        client
            .records()
            .put(sandbox.demo_configuration())
            .record(ok)
            .send()
            .await
            .unwrap()
            .is_imported()
    );
    assert_eq!(
        surveys_for(&sandbox, "rules@example.com").len(),
        1,
        "only the valid record got in"
    );
}

/// The Email-or-Phone, e-mail and phone rules as the service states them, reached with
/// the local checks turned off (they would refuse these records before sending).
#[tokio::test]
async fn contact_rules_of_the_service_with_local_checks_off() {
    let (sandbox, client) = common::start().await;
    let put = |r: Record| {
        client
            .records()
            .put(sandbox.demo_configuration())
            .record(r)
            .local_checks(false)
    };

    let (_, errors, message) = refusal(
        put(Record::new().field("Account Name", "ACME"))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(
        errors["Email"],
        ["The Email field is required when Phone is not present."]
    );
    assert_eq!(
        errors["Phone"],
        ["The Phone field is required when Email is not present."]
    );
    assert_eq!(
        message,
        "The Email field is required when Phone is not present. (and 1 more error)"
    );

    let (_, errors, _) = refusal(
        put(Record::new()
            .field("Email", "not-an-email")
            .field("Account Name", "ACME"))
        .send()
        .await
        .unwrap_err(),
    );
    assert_eq!(
        errors["Email"],
        ["The Email field must be a valid email address."]
    );

    let (_, errors, _) = refusal(
        put(Record::new()
            .field("Phone", "call me")
            .field("Account Name", "ACME"))
        .send()
        .await
        .unwrap_err(),
    );
    assert!(errors.contains_key("Phone"), "{errors:?}");

    let (_, errors, _) = refusal(put(Record::new()).send().await.unwrap_err());
    assert_eq!(errors["record"], ["The record field is required."]);

    assert_eq!(imports_requests(&sandbox).len(), 4, "each was sent");
    assert_eq!(
        sandbox
            .state()
            .surveys
            .iter()
            .filter(|s| s.source == "records")
            .count(),
        0
    );
}

/// A mapping whose contact field is not called `Email` works with the local checks off.
#[tokio::test]
async fn a_mapping_with_other_field_names_needs_local_checks_off() {
    let (sandbox, client) = common::start().await;
    use cg_sandbox::{Configuration, FieldSetting, FieldTarget};
    let reference = sandbox.add_configuration(
        Configuration::new("German").field(FieldSetting::new("E-Mail-Adresse", FieldTarget::Email)),
    );
    let put = || {
        client
            .records()
            .put(reference.clone())
            .field("E-Mail-Adresse", "hans@example.de")
    };
    let field = invalid_field(put().send().await.unwrap_err());
    assert_eq!(field, "Email");
    assert!(imports_requests(&sandbox).is_empty());
    assert_eq!(
        put().local_checks(false).send().await.unwrap(),
        RecordOutcome::Imported
    );
    assert_eq!(surveys_for(&sandbox, "hans@example.de").len(), 1);
}

/// The built-in default mapping `contact` (art 5000872718) and the docs' form example
/// are not UUIDs: they reach the service, which decides.
#[tokio::test]
async fn any_configuration_reference_reaches_the_service() {
    let (sandbox, client) = common::start().await;
    let puts = || {
        sandbox
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/records"))
            .count()
    };
    for reference in ["contact", "12305294-0b20-4009-b95d-c8123301d66"] {
        let before = puts();
        let answer = client
            .records()
            .put(reference)
            .field("Email", "a@example.com")
            .send()
            .await;
        assert!(
            !matches!(answer, Err(Error::InvalidInput { .. })),
            "{reference}: {answer:?}"
        );
        assert_eq!(puts(), before + 1, "{reference} was sent");
    }
}

#[tokio::test]
async fn local_checks_name_the_field_and_send_nothing() {
    let (sandbox, client) = common::start().await;
    let config = sandbox.demo_configuration();
    let cases: Vec<(String, Record, bool, &str)> = vec![
        (
            String::new(),
            Record::new().field("Email", "a@example.com"),
            false,
            "configuration",
        ),
        (
            "   ".into(),
            Record::new().field("Email", "a@example.com"),
            false,
            "configuration",
        ),
        (config.clone(), Record::new(), false, "record"),
        (
            config.clone(),
            Record::new().field("Account Name", "ACME"),
            false,
            "Email",
        ),
        (
            config.clone(),
            Record::new().field("email", "a@example.com"),
            false,
            "Email",
        ),
        (
            config.clone(),
            Record::new().field("Email", "a@example"),
            false,
            "Email",
        ),
        (
            config.clone(),
            Record::new().field("Email", "a b@example.com"),
            true,
            "Email",
        ),
        (
            config.clone(),
            Record::new().field("Phone", "+31 6 1234 x56"),
            false,
            "Phone",
        ),
        (
            config.clone(),
            Record::new()
                .field("Email", "a@example.com")
                .field("Odd[key]", "1"),
            true,
            "Odd[key]",
        ),
    ];
    for (configuration, record, form, field) in cases {
        let put = client.records().put(configuration).record(record.clone());
        let put = if form { put.form() } else { put };
        let e = put.send().await.unwrap_err();
        assert!(e.to_string().contains(field), "{e}");
        assert_eq!(invalid_field(e), field, "{record:?}");
    }
    assert!(
        imports_requests(&sandbox).is_empty(),
        "nothing reached the imports host"
    );
    assert!(sandbox.requests().is_empty(), "not even a token request");
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error() {
    let (sandbox, _) = common::start().await;
    let client = cg_facade::Client::builder()
        .endpoints(common::endpoints(&sandbox))
        .credentials(Credentials::client_credentials(
            "sandbox-demo-client",
            "wrong-secret",
        ))
        .build()
        .unwrap();
    let e = client
        .records()
        .put(sandbox.demo_configuration())
        .field("Email", "a@example.com")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Auth { .. }), "{e:?}");
    assert!(
        imports_requests(&sandbox).is_empty(),
        "no token, no import request"
    );
}

/// The first attempt is processed but answered 500; the resend is answered "duplicates
/// with <CG-ID>": the record is imported once, and the outcome says how we know.
#[tokio::test]
async fn a_processed_attempt_answered_5xx_is_confirmed_by_the_duplicate_answer() {
    let (sandbox, client) = common::start().await;
    for (status, form) in [(500, false), (502, true), (504, false)] {
        let email = format!("flaky-{status}@example.com");
        sandbox.set_faults(
            FaultConfig::default()
                .after_processing(true)
                .script([Fault::Status(status)]),
        );
        sandbox.clear_requests();
        let put = client
            .records()
            .put(sandbox.demo_configuration())
            .field("Email", email.as_str())
            .field("Account Name", "ACME");
        let put = if form { put.form() } else { put };
        let outcome = put.send().await.unwrap();

        let surveys = surveys_for(&sandbox, &email);
        assert_eq!(surveys.len(), 1, "one survey, not two");
        assert_eq!(
            outcome,
            RecordOutcome::ImportedConfirmedByDuplicate {
                cg_id: surveys[0].number_customergauge
            }
        );
        assert!(outcome.is_imported());
        let log = imports_requests(&sandbox);
        assert_eq!(
            log.iter().map(|r| r.status).collect::<Vec<_>>(),
            [status, 422]
        );
        assert_eq!(
            log[0].fault.as_deref(),
            Some(format!("status {status}").as_str())
        );
    }
}

/// Without resends of ambiguous attempts the failure is reported, and the record is there.
#[tokio::test]
async fn without_resends_the_ambiguous_failure_is_reported() {
    let (sandbox, _) = common::start().await;
    let (id, secret) = sandbox.demo_client();
    let client = cg_facade::Client::builder()
        .endpoints(common::endpoints(&sandbox))
        .credentials(Credentials::client_credentials(id, secret))
        .retry_policy(RetryPolicy {
            resend_ambiguous_records: false,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    sandbox.set_faults(
        FaultConfig::default()
            .after_processing(true)
            .script([Fault::Status(500)]),
    );
    let e = client
        .records()
        .put(sandbox.demo_configuration())
        .field("Email", "once@example.com")
        .field("Account Name", "ACME")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(500), "{e:?}");
    assert_eq!(imports_requests(&sandbox).len(), 1, "not resent");
    assert_eq!(
        surveys_for(&sandbox, "once@example.com").len(),
        1,
        "processed all the same"
    );
}

/// A 429, and a 500 given instead of processing: resent, and imported once.
#[tokio::test]
async fn a_refusal_before_processing_is_resent_and_imported() {
    let (sandbox, client) = common::start().await;
    sandbox.set_faults(FaultConfig::default().script([
        Fault::RateLimit {
            retry_after_secs: 0,
        },
        Fault::Status(500),
    ]));
    let outcome = client
        .records()
        .put(DEMO_OPEN_CONFIGURATION)
        .field("Email", "patient@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(outcome, RecordOutcome::Imported);
    assert_eq!(
        imports_requests(&sandbox)
            .iter()
            .map(|r| r.status)
            .collect::<Vec<_>>(),
        [429, 500, 200]
    );
    assert_eq!(surveys_for(&sandbox, "patient@example.com").len(), 1);
}

#[tokio::test]
async fn an_account_is_created_then_updated() {
    let (sandbox, client) = common::start().await;
    let outcome = client
        .accounts()
        .put("Umbrella Corp")
        .number("UMB-001")
        .manager("alice.manager@example.com")
        .parent("ACME")
        .region("Europe")
        .send()
        .await
        .unwrap();
    assert_eq!(outcome, AccountOutcome::Created);
    let find = || {
        sandbox
            .state()
            .accounts
            .into_iter()
            .filter(|a| a.reference == "Umbrella Corp")
            .collect::<Vec<_>>()
    };
    let a = &find()[0];
    assert_eq!(a.number.as_deref(), Some("UMB-001"));
    assert_eq!(a.manager.as_deref(), Some("alice.manager@example.com"));
    assert_eq!(
        (a.parent.as_deref(), a.region.as_deref()),
        (Some("ACME"), Some("Europe"))
    );

    let outcome = client
        .accounts()
        .put("Umbrella Corp")
        .region("North America")
        .send()
        .await
        .unwrap();
    assert_eq!(outcome, AccountOutcome::Updated);
    let accounts = find();
    assert_eq!(accounts.len(), 1, "updated, not added");
    assert_eq!(accounts[0].region.as_deref(), Some("North America"));
    assert_eq!(
        accounts[0].number.as_deref(),
        Some("UMB-001"),
        "fields not sent are kept"
    );

    // A demo account.
    assert_eq!(
        client
            .accounts()
            .put("ACME")
            .number("ACME-002")
            .send()
            .await
            .unwrap(),
        AccountOutcome::Updated
    );
    let log = imports_requests(&sandbox);
    assert_eq!(
        log.iter()
            .map(|r| (r.path.as_str(), r.status))
            .collect::<Vec<_>>(),
        [("/accounts", 201), ("/accounts", 200), ("/accounts", 200)]
    );
}

#[tokio::test]
async fn account_limits_are_checked_before_sending() {
    let (sandbox, client) = common::start().await;
    assert_eq!(
        invalid_field(client.accounts().put("").send().await.unwrap_err()),
        "reference"
    );
    assert_eq!(
        invalid_field(
            client
                .accounts()
                .put("r".repeat(129))
                .send()
                .await
                .unwrap_err()
        ),
        "reference"
    );
    assert_eq!(
        invalid_field(
            client
                .accounts()
                .put("ACME")
                .number("n".repeat(256))
                .send()
                .await
                .unwrap_err()
        ),
        "number"
    );
    assert!(sandbox.requests().is_empty());
    // The limits themselves are allowed.
    let outcome = client
        .accounts()
        .put("r".repeat(128))
        .number("n".repeat(255))
        .send()
        .await
        .unwrap();
    assert_eq!(outcome, AccountOutcome::Created);
}
