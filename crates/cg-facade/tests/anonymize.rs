//! `client.anonymize()` against the sandbox: the dry run, the run, by e-mail and by
//! telephone, local validation, and the XML format.

mod common;

use cg_facade::{Client, Credentials, Error, Format};
use cg_sandbox::Sandbox;
use cg_sandbox::state::Survey;

fn invalid_field(e: Error) -> String {
    match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected Error::InvalidInput, got {other:?}"),
    }
}

fn anonymize_requests(sandbox: &Sandbox) -> usize {
    sandbox
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/v4.1/anonymize"))
        .count()
}

/// Two surveys of one phone number written two ways, and one of another number.
fn seed_phones(sandbox: &Sandbox) -> Vec<u64> {
    sandbox.with_state(|s| {
        let mut ids = Vec::new();
        for (phone, first) in [
            ("+31 20 123 4567", "Anna"),
            ("+31-20-1234567", "Anna"),
            ("+44 20 7946 0000", "Bob"),
        ] {
            ids.push(s.push_survey(Survey {
                phone: Some(phone.into()),
                first_name: Some(first.into()),
                last_name: Some("Phone".into()),
                status: "PROCESSED".into(),
                ..Survey::default()
            }));
        }
        ids
    })
}

#[tokio::test]
async fn validate_by_email_lists_the_records_without_changing_them() {
    let (sandbox, client) = common::start().await;
    let expected: Vec<u64> = sandbox
        .state()
        .surveys
        .iter()
        .filter(|s| s.email.as_deref() == Some("joe.doe@example.com"))
        .map(|s| s.number_customergauge)
        .collect();
    assert!(!expected.is_empty());
    let candidates = client
        .anonymize()
        .validate()
        .email("joe.doe@example.com")
        .send()
        .await
        .unwrap();
    let ids: Vec<u64> = candidates
        .iter()
        .filter_map(|c| c.number_customergauge)
        .collect();
    assert_eq!(ids, expected);
    let joe = &candidates[0];
    assert_eq!(
        (joe.first_name.as_deref(), joe.last_name.as_deref()),
        (Some("Joe"), Some("Doe"))
    );
    assert_eq!(joe.email.as_deref(), Some("joe.doe@example.com"));
    assert_eq!(
        joe.extra.get("account_name").and_then(|v| v.as_str()),
        Some("ACME"),
        "undocumented keys are kept"
    );
    // A dry run changes nothing.
    assert!(
        sandbox
            .state()
            .surveys
            .iter()
            .any(|s| s.first_name.as_deref() == Some("Joe") && !s.anonymized)
    );
}

#[tokio::test]
async fn validate_for_an_unknown_person_is_empty() {
    let (_sandbox, client) = common::start().await;
    let candidates = client
        .anonymize()
        .validate()
        .email("nobody@example.com")
        .send()
        .await
        .unwrap();
    assert!(candidates.is_empty());
}

#[tokio::test]
async fn execute_by_email_anonymizes_every_record() {
    let (sandbox, client) = common::start().await;
    let result = client
        .anonymize()
        .execute()
        .email("jane.roe@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(result.anonymized, Some(1));
    let state = sandbox.state();
    let jane: Vec<_> = state.surveys.iter().filter(|s| s.anonymized).collect();
    assert_eq!(jane.len(), 1);
    assert_eq!(jane[0].email, None);
    assert_ne!(jane[0].first_name.as_deref(), Some("Jane"));
    let after = client
        .anonymize()
        .validate()
        .email("jane.roe@example.com")
        .send()
        .await
        .unwrap();
    assert!(after.is_empty(), "nothing is left to anonymize");
}

#[tokio::test]
async fn telephone_matches_however_the_number_is_written() {
    let (sandbox, client) = common::start().await;
    let ids = seed_phones(&sandbox);
    let candidates = client
        .anonymize()
        .validate()
        .telephone("+31 (20) 123-4567")
        .send()
        .await
        .unwrap();
    let found: Vec<u64> = candidates
        .iter()
        .filter_map(|c| c.number_customergauge)
        .collect();
    assert_eq!(found, ids[..2].to_vec());
    assert_eq!(
        candidates[0].sms_telephone.as_deref(),
        Some("+31 20 123 4567")
    );

    let result = client
        .anonymize()
        .execute()
        .telephone("+31 20 1234567")
        .send()
        .await
        .unwrap();
    assert_eq!(result.anonymized, Some(2));
    let state = sandbox.state();
    let anonymized: Vec<u64> = state
        .surveys
        .iter()
        .filter(|s| s.anonymized)
        .map(|s| s.number_customergauge)
        .collect();
    assert_eq!(
        anonymized,
        ids[..2].to_vec(),
        "the other number's record is untouched"
    );
}

#[tokio::test]
async fn exactly_one_valid_target_is_required_before_sending() {
    let (sandbox, client) = common::start().await;
    let a = client.anonymize();
    sandbox.clear_requests();
    assert_eq!(
        invalid_field(a.validate().send().await.unwrap_err()),
        "email"
    );
    assert_eq!(
        invalid_field(a.execute().send().await.unwrap_err()),
        "email"
    );
    let both = a
        .execute()
        .email("joe.doe@example.com")
        .telephone("+31 20 123 4567")
        .send()
        .await
        .unwrap_err();
    assert!(both.to_string().contains("not both"), "{both}");
    assert_eq!(invalid_field(both), "telephone");
    assert_eq!(
        invalid_field(a.validate().email("joe.doe").send().await.unwrap_err()),
        "email"
    );
    assert_eq!(
        invalid_field(
            a.execute()
                .email("joe doe@example.com")
                .send()
                .await
                .unwrap_err()
        ),
        "email"
    );
    assert_eq!(
        invalid_field(
            a.validate()
                .telephone("+31 20 CALL ME")
                .send()
                .await
                .unwrap_err()
        ),
        "telephone"
    );
    assert_eq!(
        invalid_field(a.execute().telephone("()").send().await.unwrap_err()),
        "telephone"
    );
    assert_eq!(anonymize_requests(&sandbox), 0, "nothing was sent");
    assert!(!sandbox.state().surveys.iter().any(|s| s.anonymized));
}

#[tokio::test]
async fn xml_gives_the_same_candidates_and_results() {
    let (sandbox, client) = common::start().await;
    seed_phones(&sandbox);
    let xml = client.with_format(Format::Xml);
    for email in ["joe.doe@example.com", "nobody@example.com"] {
        let json = client
            .anonymize()
            .validate()
            .email(email)
            .send()
            .await
            .unwrap();
        assert_eq!(
            xml.anonymize()
                .validate()
                .email(email)
                .send()
                .await
                .unwrap(),
            json,
            "{email}"
        );
    }
    let json = client
        .anonymize()
        .validate()
        .telephone("+31201234567")
        .send()
        .await
        .unwrap();
    assert_eq!(
        xml.anonymize()
            .validate()
            .telephone("+31201234567")
            .send()
            .await
            .unwrap(),
        json
    );
    let result = xml
        .anonymize()
        .execute()
        .telephone("+31201234567")
        .send()
        .await
        .unwrap();
    assert_eq!(result.anonymized, Some(2));
    assert!(
        sandbox
            .requests()
            .iter()
            .any(|r| r.path == "/v4.1/anonymize.xml" && r.method == "POST")
    );
}

#[tokio::test]
async fn a_wrong_api_key_is_refused_in_both_formats() {
    let (sandbox, _client) = common::start().await;
    let wrong = Client::builder()
        .endpoints(common::endpoints(&sandbox))
        .credentials(Credentials::api_key("not-the-key"))
        .build()
        .unwrap();
    for client in [wrong.clone(), wrong.with_format(Format::Xml)] {
        let e = client
            .anonymize()
            .execute()
            .email("joe.doe@example.com")
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Auth {
                    status: Some(401),
                    ..
                }
            ),
            "{:?}: {e:?}",
            client.format()
        );
    }
    assert!(!sandbox.state().surveys.iter().any(|s| s.anonymized));
}
