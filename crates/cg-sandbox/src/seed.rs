//! The set-up every new system has (credentials, mappings, reason codes) and the demo
//! data set (`seed_demo`).

use chrono::{Duration as Days, NaiveDate, NaiveDateTime, Utc};

use crate::state::{
    Account, Bounce, Case, Configuration, Contact, DEMO_API_KEY, DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET, DEMO_CONFIGURATION, DEMO_CONFIGURATION_NO_RULE, DEMO_OPEN_CONFIGURATION,
    Division, FieldFormat, FieldSetting, FieldTarget, GLOBAL_DIVISION_ID, Reason, State, Survey,
    SurveyKind, Unsubscribe, Upload, UploadKind,
};

/// Touchpoints that exist in the demo system (the demo mapping restricts to these).
pub const DEMO_TOUCHPOINTS: [&str; 4] = ["Onboarding", "Support", "Renewal", "Purchase"];

/// The demo Inbound Mapping: field settings of every kind and a 30-day duplication rule.
pub fn demo_configuration() -> Configuration {
    Configuration::new("Demo survey import")
        .field(FieldSetting::new("Email", FieldTarget::Email))
        .field(FieldSetting::new("Phone", FieldTarget::Phone))
        .field(FieldSetting::new("First Name", FieldTarget::FirstName).max_length(50))
        .field(FieldSetting::new("Last Name", FieldTarget::LastName).max_length(50))
        .field(
            FieldSetting::new("Account Name", FieldTarget::AccountName)
                .required()
                .max_length(128),
        )
        .field(FieldSetting::new("Account Number", FieldTarget::AccountNumber).max_length(255))
        .field(FieldSetting::new("Customer Number", FieldTarget::CustomerNumber).max_length(64))
        .field(FieldSetting::new("Touchpoint", FieldTarget::Custom).restricted_to(DEMO_TOUCHPOINTS))
        .field(FieldSetting::new("Date Order", FieldTarget::DateOrder).format(FieldFormat::Date))
        .field(FieldSetting::new("Revenue", FieldTarget::Custom).format(FieldFormat::Number))
        .field(FieldSetting::new("Manager Email", FieldTarget::Custom).format(FieldFormat::Email))
        .field(FieldSetting::new("Region", FieldTarget::Custom).max_length(64))
        .duplication_window_days(30)
}

/// The demo Inbound Mapping's field settings without a duplication rule
/// ([`DEMO_CONFIGURATION_NO_RULE`]).
pub fn demo_configuration_without_rule() -> Configuration {
    let mut configuration = demo_configuration().duplication(None);
    configuration.name = "Demo survey import (no duplication rule)".to_owned();
    configuration
}

/// Credentials, the three demo mappings, and reason codes.
pub(crate) fn setup(state: &mut State) {
    state
        .clients
        .insert(DEMO_CLIENT_ID.to_owned(), DEMO_CLIENT_SECRET.to_owned());
    state.api_keys.insert(DEMO_API_KEY.to_owned());
    state
        .configurations
        .insert(DEMO_CONFIGURATION.to_owned(), demo_configuration());
    state.configurations.insert(
        DEMO_CONFIGURATION_NO_RULE.to_owned(),
        demo_configuration_without_rule(),
    );
    state.configurations.insert(
        DEMO_OPEN_CONFIGURATION.to_owned(),
        Configuration::standard("Demo contact import (no rules)"),
    );
    state.reasons = reasons();
}

fn reasons() -> Vec<Reason> {
    let rows: [(&str, &str, &str, &str, &str, &str); 8] = [
        ("1", "Promoter", "pos", "1", "1", "Product quality"),
        ("2", "Promoter", "pos", "2", "1", "Customer service"),
        ("3", "Promoter", "pos", "3", "1", "Ease of use"),
        ("4", "Promoter", "pos", "2", "2", "Friendly staff"),
        ("11", "Detractor&Neutral", "neg", "11", "1", "Price"),
        ("12", "Detractor&Neutral", "neg", "12", "1", "Delivery time"),
        (
            "13",
            "Detractor&Neutral",
            "neg",
            "13",
            "1",
            "Support response time",
        ),
        ("14", "Detractor&Neutral", "neg", "12", "2", "Late delivery"),
    ];
    rows.iter()
        .enumerate()
        .map(
            |(i, (code, show_for, good_bad, main, level, label))| Reason {
                reason_code: (*code).to_owned(),
                numeration: (i + 1).to_string(),
                position: (i + 1).to_string(),
                show_for: (*show_for).to_owned(),
                good_bad: (*good_bad).to_owned(),
                category_main: (*main).to_owned(),
                level: (*level).to_owned(),
                label: (*label).to_owned(),
            },
        )
        .collect()
}

fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn days_ago(days: i64) -> String {
    stamp(Utc::now().naive_utc() - Days::days(days))
}

/// Adds the demo data set once (a no-op when `state.demo_seeded`).
pub(crate) fn demo(state: &mut State) {
    if state.demo_seeded {
        return;
    }
    state.demo_seeded = true;
    for (name, parent) in [
        ("Europe", GLOBAL_DIVISION_ID),
        ("North America", GLOBAL_DIVISION_ID),
    ] {
        add_division(state, name, parent);
    }
    let europe = state
        .division("Europe")
        .map_or(GLOBAL_DIVISION_ID, |d| d.id);
    add_division(state, "Benelux", europe);

    for (email, date) in [
        ("former.customer@example.com", "2024-01-15 09:30:00"),
        ("no.more.mail@example.org", "2024-02-03 14:05:12"),
        ("opted.out@example.net", "2024-03-20 08:00:00"),
    ] {
        state.unsubscribes.push(Unsubscribe {
            email: email.to_owned(),
            date: date.to_owned(),
        });
    }
    seed_bounces(state, 5);

    for (reference, number, region) in [
        ("ACME", "ACME-001", "Europe"),
        ("Globex", "GLX-042", "North America"),
        ("Initech", "INI-007", "Benelux"),
    ] {
        state.counters.account += 1;
        state.accounts.push(Account {
            id: state.counters.account,
            reference: reference.to_owned(),
            number: Some(number.to_owned()),
            region: Some(region.to_owned()),
            date_created: "2024-01-02 10:00:00".to_owned(),
            date_updated: "2024-01-02 10:00:00".to_owned(),
            ..Account::default()
        });
    }

    let people: [Person; 8] = [
        (
            "joe.doe@example.com",
            "Joe",
            "Doe",
            "ACME",
            Some(10),
            "Europe",
            "Onboarding",
        ),
        (
            "jane.roe@example.com",
            "Jane",
            "Roe",
            "ACME",
            Some(9),
            "Europe",
            "Support",
        ),
        (
            "max.mustermann@example.de",
            "Max",
            "Mustermann",
            "Initech",
            Some(8),
            "Benelux",
            "Support",
        ),
        (
            "john.smith@example.com",
            "John",
            "Smith",
            "Globex",
            Some(6),
            "North America",
            "Renewal",
        ),
        (
            "mary.major@example.com",
            "Mary",
            "Major",
            "Globex",
            Some(3),
            "North America",
            "Support",
        ),
        (
            "pat.kim@example.com",
            "Pat",
            "Kim",
            "Initech",
            Some(10),
            "Benelux",
            "Onboarding",
        ),
        (
            "lee.chan@example.com",
            "Lee",
            "Chan",
            "ACME",
            None,
            "Europe",
            "Purchase",
        ),
        (
            "sam.jones@example.com",
            "Sam",
            "Jones",
            "Globex",
            None,
            "North America",
            "Purchase",
        ),
    ];
    for (i, (email, first, last, account, nps, region, touchpoint)) in people.iter().enumerate() {
        let age = i64::try_from(i).unwrap_or(0) * 3 + 1;
        state.counters.contact += 1;
        state.contacts.push(Contact {
            id: state.counters.contact,
            email: Some((*email).to_owned()),
            first_name: Some((*first).to_owned()),
            last_name: Some((*last).to_owned()),
            account: Some((*account).to_owned()),
            date_updated: days_ago(age + 1),
            ..Contact::default()
        });
        let account_number = state
            .accounts
            .iter()
            .find(|a| a.reference == *account)
            .and_then(|a| a.number.clone());
        let mut survey = Survey {
            kind: if nps.is_some() {
                SurveyKind::Response
            } else {
                SurveyKind::NonResponse
            },
            status: if nps.is_some() { "PROCESSED" } else { "QUEUE" }.to_owned(),
            number_customer: Some(format!("C-{:04}", i + 1)),
            email: Some((*email).to_owned()),
            first_name: Some((*first).to_owned()),
            last_name: Some((*last).to_owned()),
            account_name: Some((*account).to_owned()),
            account_number,
            nps: *nps,
            comment: nps.map(|n| {
                if n >= 9 {
                    "Great service!"
                } else {
                    "Could be better."
                }
                .to_owned()
            }),
            date_creation: days_ago(age + 1),
            date_order: Some(days_ago(age + 1)),
            date_sent: Some(days_ago(age)),
            date_survey_response: nps.map(|_| days_ago(age)),
            source: "demo".to_owned(),
            ..Survey::default()
        };
        survey
            .fields
            .insert("Region".to_owned(), (*region).to_owned());
        survey
            .fields
            .insert("Touchpoint".to_owned(), (*touchpoint).to_owned());
        if let Some(n) = nps {
            survey.drivers = vec![if *n >= 9 { "Product quality" } else { "Price" }.to_owned()];
            survey.tags = vec![if *n >= 9 { "happy" } else { "follow-up" }.to_owned()];
        }
        state.push_survey(survey);
    }

    seed_cases(state);

    let uploads = [
        (
            UploadKind::CompanyRevenue,
            "RevenueUploadTemplate_5May2019.xlsx",
            "2019-05-15 11:35:54",
            "xlsx",
            3,
            0,
        ),
        (
            UploadKind::Contact,
            "contacts_demo.csv",
            "2024-02-01 12:00:00",
            "csv",
            4,
            1,
        ),
        (
            UploadKind::Historical,
            "historical_demo.csv",
            "2024-02-10 16:45:00",
            "csv",
            2,
            0,
        ),
        (
            UploadKind::Transactional,
            "stream_demo.xml",
            "2024-03-01 07:15:00",
            "xml",
            2,
            0,
        ),
    ];
    for (kind, name, date, file_type, ok, failed) in uploads {
        state.counters.upload += 1;
        let logs = if failed > 0 {
            vec!["Row 3: Email or Phone is required".to_owned()]
        } else {
            Vec::new()
        };
        state.uploads.push(Upload {
            id: state.counters.upload,
            kind,
            status: "Processed".to_owned(),
            source_filename: name.to_owned(),
            date_upload: date.to_owned(),
            file_type: file_type.to_owned(),
            size: 1024,
            total_records: ok + failed,
            successful_records: ok,
            unsuccessful_records: failed,
            logs,
            created_surveys: Vec::new(),
        });
    }
}

/// A status and how many days ago it was set.
type CaseStep = (&'static str, i64);

/// Close-loop cases of three demo responses (survey 4 stays without one): one open, one
/// in progress with a note, one closed. Only the case is seeded, not the v4.1 workflow
/// fields, so the demo's workflow state stays empty as before.
fn seed_cases(state: &mut State) {
    let steps: [(u64, &[CaseStep], Option<&str>); 3] = [
        (3, &[("open", 5)], None),
        (
            2,
            &[("open", 12), ("progress", 11)],
            Some("Called the customer"),
        ),
        (5, &[("open", 15), ("progress", 14), ("closed", 13)], None),
    ];
    for (id, changes, note) in steps {
        if state.survey(id).is_none() {
            continue;
        }
        state.counters.case += 1;
        let mut case = Case {
            id: state.counters.case,
            note: note.map(str::to_owned),
            ..Case::default()
        };
        for (status, age_days) in changes {
            let at = days_ago(*age_days);
            if case.created_at.is_empty() {
                case.created_at = at.clone();
            }
            crate::sync::apply_status(&mut case, status, &at);
        }
        if let Some(survey) = state.survey_mut(id) {
            survey.workflow.case = Some(case);
        }
    }
}

/// E-mail, first name, last name, account, score, region, touchpoint.
type Person = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<i64>,
    &'static str,
    &'static str,
);

fn add_division(state: &mut State, name: &str, parent: u64) {
    state.counters.division += 1;
    state.divisions.push(Division {
        id: state.counters.division,
        name: name.to_owned(),
        parent: Some(parent),
    });
}

/// Appends `n` bounces with predictable addresses (`bounce-<k>@example.com`), kinds
/// alternating hard/soft, one minute apart from 2024-01-01 00:00:00 on.
pub(crate) fn seed_bounces(state: &mut State, n: usize) {
    let base = NaiveDate::from_ymd_opt(2024, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let start = state.bounces.len();
    for k in start..start + n {
        let hard = k % 2 == 0;
        let minutes = i64::try_from(k).unwrap_or(0);
        state.bounces.push(Bounce {
            email: format!("bounce-{k}@example.com"),
            kind: if hard { "hard" } else { "soft" }.to_owned(),
            reason: if hard {
                "550 5.1.1 Mailbox does not exist"
            } else {
                "452 4.2.2 Mailbox full"
            }
            .to_owned(),
            date: stamp(base + Days::minutes(minutes)),
        });
    }
}
