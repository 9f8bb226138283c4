//! Every request example of the vendor docs (`shared/docs/vendor-docs/*.txt`) and of
//! `vendor-articles.md`, sent through the facade: none may be refused by a local check
//! (`Error::InvalidInput`). What the sandbox then answers is the service's to judge.

mod common;

use cg_facade::modules::close_loop::CloseLoopStatus;
use cg_facade::modules::files::UploadKind;
use cg_facade::modules::reasons::ShowFor;
use cg_facade::modules::workflow::WorkflowStatus;
use cg_facade::{Error, Result};
use chrono::{NaiveDate, NaiveDateTime};

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn not_refused_locally<T: std::fmt::Debug>(example: &str, answer: Result<T>) {
    assert!(
        !matches!(answer, Err(Error::InvalidInput { .. })),
        "the docs' example {example} was refused locally: {answer:?}"
    );
}

#[tokio::test]
async fn no_documented_request_example_is_refused_locally() {
    let (_sandbox, client) = common::start().await;
    let person = [
        ("Account Name", "ACME"),
        ("First Name", "Joe"),
        ("Last Name", "Doe"),
        ("Email", "joe.doe@example.com"),
    ];

    // PUT records (vendor-docs 001; art 5000872475, 5000872718, 5000880071).
    for (configuration, form) in [
        ("53505294-0b20-2509-b15d-c8e377701d66", false),
        ("12305294-0b20-4009-b95d-c8123301d66", true),
        ("9dd58237-c913-4073-9c76-07da0b49ff50", false),
        ("contact", false),
    ] {
        let mut put = client.records().put(configuration).fields(person);
        if form {
            put = put.form();
        }
        not_refused_locally(configuration, put.send().await);
    }
    not_refused_locally(
        "phone +55 (62) 01234-56789",
        client
            .records()
            .put("contact")
            .field("Phone", "+55 (62) 01234-56789")
            .send()
            .await,
    );
    not_refused_locally(
        "external response dates",
        client
            .records()
            .put("9dd58237-c913-4073-9c76-07da0b49ff50")
            .field("Email", "john.doe@example.com")
            .field("Account Name", "ACME")
            .field("Sent Date", "2018-01-01 13:59:12")
            .field("Completed Date", "2018-01-01 13:59:12")
            .send()
            .await,
    );

    // PUT accounts (art 5000857422) and activities (art 5000810958, with its offset).
    not_refused_locally(
        "accounts",
        client
            .accounts()
            .put("ACME Industries")
            .number("123")
            .manager("John Doe")
            .parent("ACME Group")
            .region("EMEA")
            .send()
            .await,
    );
    for happened_at in ["2019-10-06 22:34:45", "2019-03-06 10:00:00 +0530"] {
        let activity = cg_facade::modules::activities::Activity::new(
            "ACME Industries",
            "Ticket",
            "Freshdesk",
            happened_at,
        )
        .reference("ab12cd34ef56")
        .contact("john.doe@example.com")
        .detail("subject", "Printer broken");
        not_refused_locally(happened_at, client.activities().put(activity).await);
    }

    // v4.1 lists (art 5000722523-5000722525).
    not_refused_locally(
        "unsubscribe add",
        client.unsubscribes().add("joe.doe@example.com").await,
    );
    not_refused_locally(
        "unsubscribe list",
        client
            .unsubscribes()
            .list()
            .from(day("2011-05-11"))
            .to(day("2011-06-11"))
            .start(0)
            .send()
            .await,
    );
    not_refused_locally(
        "bounce list",
        client.bounces().list().start(0).limit(1000).send().await,
    );

    // Uploads listing (vendor-docs 002; art 5000816952, 5000722447).
    for kind in [UploadKind::CompanyRevenue, UploadKind::Transactional] {
        not_refused_locally(
            "uploads listing",
            client
                .files()
                .list(kind)
                .id(12)
                .from(day("2012-09-01"))
                .to(day("2012-10-01"))
                .start(10)
                .limit(200)
                .send()
                .await,
        );
    }

    // Anonymize (art 5000769820), hierarchy (art 5000722527-5000722530).
    not_refused_locally(
        "anonymize by e-mail",
        client
            .anonymize()
            .validate()
            .email("john.doe@example.com")
            .send()
            .await,
    );
    not_refused_locally(
        "anonymize by telephone",
        client
            .anonymize()
            .validate()
            .telephone("123456789")
            .send()
            .await,
    );
    not_refused_locally("hierarchy", client.hierarchy().list().send().await);
    not_refused_locally(
        "add division",
        client
            .hierarchy()
            .add("Europe")
            .parent("Global")
            .send()
            .await,
    );

    // Reasons (art 5000722471), workflow (art 5000722474).
    for show_for in [ShowFor::Promoter, ShowFor::DetractorAndNeutral] {
        not_refused_locally(
            "reasons",
            client.reasons().list().show_for(show_for).send().await,
        );
    }
    not_refused_locally(
        "workflow",
        client
            .workflow()
            .update(12)
            .status(WorkflowStatus::Closed)
            .comment("Called back")
            .assigned_to("john.doe@example.com")
            .send()
            .await,
    );

    // v7: export (art 5000875861), close-loop listing (art 5000880297) and status
    // (art 5000883702).
    not_refused_locally(
        "export",
        client.responses().export().per_page(1000).send().await,
    );
    not_refused_locally(
        "v6 string cursor",
        client
            .responses()
            .export()
            .per_page(25)
            .cursor("eyJudW1iZXJfY3VzdG9tZXJnYXVnZSI6MTMwODQsIl9wb2ludHNUb05leHRJdGVtcyI6dHJ1ZX0")
            .send()
            .await,
    );
    not_refused_locally(
        "close-loop cases",
        client
            .close_loop()
            .cases()
            .per_page(100)
            .cursor(123_i64)
            .since(day("2022-07-17"))
            .until(day("2022-07-25"))
            .send()
            .await,
    );
    for (id, status) in [
        (995262, CloseLoopStatus::Open),
        (53499, CloseLoopStatus::Progress),
    ] {
        not_refused_locally(
            "close-loop status",
            client
                .close_loop()
                .set_status(id, status)
                .note("note sample")
                .happened_at(
                    NaiveDateTime::parse_from_str("2022-07-25 14:10:09", "%Y-%m-%d %H:%M:%S")
                        .unwrap(),
                )
                .send()
                .await,
        );
    }
}
