//! `client.revenue()` and `client.files()` against the sandbox: uploads and what they
//! change, the upload listings (paging, filters, XML), removal, the checks made before
//! sending, and the service's own refusals when those checks are bypassed.

mod common;

use chrono::Utc;
use futures::TryStreamExt;

use cg_facade::modules::files::{UploadFile, UploadKind, UploadOutcome, UploadRecord};
use cg_facade::modules::revenue::RevenueUploadOutcome;
use cg_facade::{Client, Error, ErrorCode, Format, HostFamily};
use cg_sandbox::Sandbox;

const ALL_KINDS: [UploadKind; 4] = [
    UploadKind::CompanyRevenue,
    UploadKind::Contact,
    UploadKind::Historical,
    UploadKind::Transactional,
];

fn api_code(e: Error) -> ErrorCode {
    match e {
        Error::Api { code, .. } => code,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

/// The problem of an `Error::InvalidInput` about `field`.
fn refusal(e: Error, field: &str) -> String {
    match e {
        Error::InvalidInput { field: f, problem } => {
            assert_eq!(f, field, "{problem}");
            problem
        }
        other => panic!("expected Error::InvalidInput, got {other:?}"),
    }
}

fn posts_to(sandbox: &Sandbox, path_start: &str) -> usize {
    sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.starts_with(path_start))
        .count()
}

fn revenue_csv(rows: usize) -> String {
    let mut text = String::from("Account Name,Revenue\n");
    for i in 0..rows {
        text.push_str(&format!("Account {i},{}.50\n", i + 1));
    }
    text
}

/// The generated files client on the facade's plumbing: the checks of the facade are bypassed.
fn raw_files(client: &Client) -> cg_raw_files::Client {
    let (url, http, pipeline) = client.raw_parts(HostFamily::Api);
    cg_raw_files::Client::new_with_client(&url, http, pipeline)
}

fn raw_form(name: &str, data: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(data).file_name(name.to_owned()),
    )
}

#[tokio::test]
async fn a_revenue_upload_adds_revenue_and_is_listed_with_its_statistics() {
    let (sandbox, client) = common::start().await;
    let csv = "Account Name,Revenue\nACME,1200.50\nGlobex,300\nNew Account,10\n";
    let outcome = client
        .revenue()
        .upload_bytes("revenue-q1.csv", csv)
        .await
        .unwrap();
    assert_eq!(outcome, RevenueUploadOutcome::Accepted);

    let state = sandbox.state();
    let revenue = |name: &str| {
        state
            .accounts
            .iter()
            .find(|a| a.reference == name)
            .and_then(|a| a.revenue)
    };
    assert_eq!(revenue("ACME"), Some(1200.5));
    assert_eq!(revenue("New Account"), Some(10.0));

    let uploads = client.revenue().list_uploads().send().await.unwrap();
    let demo = uploads
        .iter()
        .find(|u| u.source_filename.as_deref() == Some("RevenueUploadTemplate_5May2019.xlsx"))
        .unwrap();
    assert_eq!(
        (
            demo.total_records,
            demo.successful_records,
            demo.unsuccessful_records
        ),
        (3, 3, 0)
    );
    let mine = uploads
        .iter()
        .find(|u| u.source_filename.as_deref() == Some("revenue-q1.csv"))
        .unwrap();
    assert!(mine.is_processed(), "{mine:?}");
    assert_eq!(
        (
            mine.total_records,
            mine.successful_records,
            mine.unsuccessful_records
        ),
        (3, 3, 0)
    );
    let stored = state
        .uploads
        .iter()
        .find(|u| u.source_filename == "revenue-q1.csv")
        .unwrap();
    assert_eq!(mine.id, stored.id);
}

#[tokio::test]
async fn a_revenue_file_is_read_from_disk_and_bad_rows_are_logged_by_the_service() {
    let (sandbox, client) = common::start().await;
    let dir = std::env::temp_dir().join(format!("cg-facade-files-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("revenue-disk.csv");
    // Well-formed CSV; the service refuses the second row's value.
    std::fs::write(&path, "Account Name,Revenue\nInitech,5\nGlobex,lots\n").unwrap();
    let outcome = client.revenue().upload_path(&path).await.unwrap();
    assert!(outcome.is_accepted());
    std::fs::remove_dir_all(&dir).unwrap();

    let stored = sandbox
        .state()
        .uploads
        .into_iter()
        .find(|u| u.source_filename == "revenue-disk.csv")
        .unwrap();
    let listed = client
        .revenue()
        .list_uploads()
        .id(stored.id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let record = &listed[0];
    assert_eq!(
        (
            record.total_records,
            record.successful_records,
            record.unsuccessful_records
        ),
        (2, 1, 1)
    );
    assert_eq!(record.logs.len(), 1);
    assert!(
        record.logs[0].contains("Row 3") && record.logs[0].contains("lots"),
        "{:?}",
        record.logs
    );

    let missing = client
        .revenue()
        .upload_path(dir.join("gone.csv"))
        .await
        .unwrap_err();
    assert!(refusal(missing, "path").contains("cannot be read"));
}

#[tokio::test]
async fn revenue_files_are_checked_before_sending() {
    let (sandbox, client) = common::start().await;
    let revenue = client.revenue();

    let p = refusal(
        revenue
            .upload_bytes("revenue.pdf", "%PDF-1.4")
            .await
            .unwrap_err(),
        "file",
    );
    assert!(p.contains("CSV, XLS, XLSX or XML"), "{p}");
    let p = refusal(
        revenue
            .upload_bytes("revenue.json", "{}")
            .await
            .unwrap_err(),
        "file",
    );
    assert!(p.contains("CSV, XLS, XLSX or XML"), "{p}");
    let p = refusal(
        revenue
            .upload_bytes("revenue.xlsx", "Account Name,Revenue\nA,1\n")
            .await
            .unwrap_err(),
        "file",
    );
    assert!(p.contains("XLSX"), "{p}");

    let big = vec![b'a'; 2 * 1024 * 1024 + 1];
    let p = refusal(
        revenue.upload_bytes("big.csv", big).await.unwrap_err(),
        "file",
    );
    assert!(p.contains("2 MB"), "{p}");

    let p = refusal(
        revenue
            .upload_bytes("rows.csv", revenue_csv(1001))
            .await
            .unwrap_err(),
        "file",
    );
    assert!(
        p.contains("1001 data rows") && p.contains("at most 1000"),
        "{p}"
    );

    let broken = "Account Name,Revenue\nACME,1\nGlobex\nInitech,2\n\nHooli,3,extra\n";
    let p = refusal(
        revenue
            .upload_bytes("broken.csv", broken)
            .await
            .unwrap_err(),
        "file",
    );
    assert!(
        p.contains("line 3: 1 fields") && p.contains("line 6: 3 fields"),
        "{p}"
    );
    assert!(!p.contains("line 2") && !p.contains("line 4"), "{p}");

    let p = refusal(
        revenue
            .upload_bytes("header-only.csv", "Account Name,Revenue\n")
            .await
            .unwrap_err(),
        "file",
    );
    assert!(p.contains("no data rows"), "{p}");

    assert_eq!(
        posts_to(&sandbox, "/v4.1/company/revenue_file_automate"),
        0,
        "nothing was sent"
    );

    // The limits themselves are accepted.
    assert!(
        revenue
            .upload_bytes("rows.csv", revenue_csv(1000))
            .await
            .unwrap()
            .is_accepted()
    );
    assert_eq!(posts_to(&sandbox, "/v4.1/company/revenue_file_automate"), 1);
}

#[tokio::test]
async fn the_service_refuses_what_the_checks_catch_when_they_are_bypassed() {
    let (sandbox, client) = common::start().await;
    let raw = raw_files(&client);

    let wrong_type = raw
        .upload_revenue_file("json", raw_form("revenue.pdf", b"%PDF-1.4".to_vec()))
        .await
        .unwrap_err();
    match wrong_type {
        progenitor_client::Error::ErrorResponse(answer) => {
            assert_eq!(answer.status().as_u16(), 400);
            assert_eq!(
                answer
                    .error
                    .code
                    .as_ref()
                    .map(ToString::to_string)
                    .as_deref(),
                Some("400106")
            );
        }
        other => panic!("expected 400106, got {other:?}"),
    }

    let too_big = raw
        .upload_revenue_file("json", raw_form("big.csv", vec![b'a'; 2 * 1024 * 1024 + 1]))
        .await
        .unwrap_err();
    assert_eq!(
        too_big.status().map(|s| s.as_u16()),
        Some(400),
        "{too_big:?}"
    );

    let too_many = raw
        .upload_revenue_file("json", raw_form("rows.csv", revenue_csv(1001).into_bytes()))
        .await
        .unwrap();
    assert!(
        matches!(
            too_many.into_inner().data,
            Some(cg_raw_files::types::RevenueUploadData::Boolean(false))
        ),
        "1001 rows are not taken"
    );
    let failed = sandbox
        .state()
        .uploads
        .into_iter()
        .find(|u| u.source_filename == "rows.csv")
        .unwrap();
    assert_eq!(failed.status, "Failed");
    assert_eq!(posts_to(&sandbox, "/v4.1/company/revenue_file_automate"), 3);
}

#[tokio::test]
async fn every_listing_shows_its_demo_upload_as_typed_records() {
    let (_sandbox, client) = common::start().await;
    let expected = [
        (
            UploadKind::CompanyRevenue,
            "RevenueUploadTemplate_5May2019.xlsx",
            3,
            0,
        ),
        (UploadKind::Contact, "contacts_demo.csv", 5, 1),
        (UploadKind::Historical, "historical_demo.csv", 2, 0),
        (UploadKind::Transactional, "stream_demo.xml", 2, 0),
    ];
    for (kind, name, total, failed) in expected {
        let records = client.files().list(kind).send().await.unwrap();
        assert_eq!(records.len(), 1, "{kind:?}: {records:?}");
        let r = &records[0];
        assert_eq!(r.source_filename.as_deref(), Some(name));
        assert_eq!(
            (r.total_records, r.unsuccessful_records),
            (total, failed),
            "{kind:?}"
        );
        assert_eq!(r.successful_records, total - failed);
        assert_eq!(r.status, "Processed");
        assert!(
            r.date_upload.as_deref().is_some_and(|d| d.len() == 19),
            "{r:?}"
        );
    }
    let contact = client
        .files()
        .list(UploadKind::Contact)
        .send()
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        contact.logs,
        vec!["Row 3: Email or Phone is required".to_string()]
    );
}

#[tokio::test]
async fn listings_filter_by_id_and_date_and_answer_no_data_with_an_empty_list() {
    let (sandbox, client) = common::start().await;
    let files = client.files();
    let contact = files
        .list(UploadKind::Contact)
        .send()
        .await
        .unwrap()
        .remove(0);

    let by_id = files
        .list(UploadKind::Contact)
        .id(contact.id)
        .send()
        .await
        .unwrap();
    assert_eq!(by_id, vec![contact.clone()]);
    // The id of another family's upload matches nothing here (400184 -> empty).
    let revenue_id = files.list(UploadKind::CompanyRevenue).send().await.unwrap()[0].id;
    assert!(
        files
            .list(UploadKind::Contact)
            .id(revenue_id)
            .send()
            .await
            .unwrap()
            .is_empty()
    );

    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let february = files
        .list(UploadKind::Contact)
        .from(day("2024-02-01"))
        .to(day("2024-02-29"))
        .send()
        .await
        .unwrap();
    assert_eq!(february, vec![contact]);
    let march = files
        .list(UploadKind::Contact)
        .from(day("2024-03-01"))
        .to(day("2024-03-31"))
        .send()
        .await
        .unwrap();
    assert!(march.is_empty());
    let streamed: Vec<UploadRecord> = files
        .list(UploadKind::Contact)
        .from(day("2030-01-01"))
        .to(day("2030-01-02"))
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(streamed.is_empty());

    let no_data = sandbox
        .requests()
        .iter()
        .filter(|r| r.path == "/v4.1/file/contact.json" && r.status == 400)
        .count();
    assert_eq!(no_data, 3, "the empty answers were the service's 400184");

    let sent_before = sandbox.requests().len();
    let p = refusal(
        files
            .list(UploadKind::Contact)
            .from(day("2024-02-01"))
            .send()
            .await
            .unwrap_err(),
        "date_range_to",
    );
    assert!(p.contains("both ends"), "{p}");
    refusal(
        files
            .list(UploadKind::Contact)
            .limit(1001)
            .send()
            .await
            .unwrap_err(),
        "limit",
    );
    refusal(
        files
            .list(UploadKind::Contact)
            .limit(0)
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err(),
        "limit",
    );
    assert_eq!(
        sandbox.requests().len(),
        sent_before,
        "refused before sending"
    );
}

#[tokio::test]
async fn a_listing_streams_every_upload_once_page_by_page() {
    let (sandbox, client) = common::start().await;
    for i in 0..7 {
        let csv = format!("Email,First Name\nperson{i}@example.com,P{i}\n");
        let outcome = client
            .files()
            .upload(
                UploadKind::Contact,
                UploadFile::bytes(format!("contacts-{i}.csv"), csv),
            )
            .await
            .unwrap();
        assert!(outcome.is_accepted());
    }
    sandbox.clear_requests();
    let all: Vec<UploadRecord> = client
        .files()
        .list(UploadKind::Contact)
        .limit(3)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let mut ids: Vec<u64> = all.iter().map(|u| u.id).collect();
    assert_eq!(ids.len(), 8, "the demo upload and seven new ones");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 8, "each upload exactly once");
    let pages: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v4.1/file/contact.json")
        .collect();
    // Pages of 3, 3, 2 and the empty end; a page fetched ahead on the guess of full
    // pages (start=9) may also have gone out before the short page showed the end.
    let mut starts: Vec<String> = pages
        .iter()
        .filter_map(|r| {
            r.query
                .as_deref()?
                .split('&')
                .find(|p| p.starts_with("start="))
                .map(str::to_owned)
        })
        .collect();
    starts.sort();
    starts.retain(|s| s != "start=9");
    assert_eq!(
        starts,
        ["start=0", "start=3", "start=6", "start=8"],
        "{pages:?}"
    );
    assert!(
        pages
            .iter()
            .all(|r| r.query.as_deref().is_some_and(|q| q.contains("limit=3")))
    );

    let second_page = client
        .files()
        .list(UploadKind::Contact)
        .limit(3)
        .start(3)
        .send()
        .await
        .unwrap();
    assert_eq!(second_page, all[3..6].to_vec());
}

#[tokio::test]
async fn listings_read_the_same_in_xml() {
    let (sandbox, client) = common::start().await;
    let xml = client.with_format(Format::Xml);
    for kind in ALL_KINDS {
        let json = client.files().list(kind).send().await.unwrap();
        let from_xml = xml.files().list(kind).send().await.unwrap();
        assert_eq!(from_xml.len(), 1);
        assert_eq!(from_xml, json, "{kind:?}");
    }
    let long_ago = chrono::NaiveDate::from_ymd_opt(1999, 1, 1).unwrap();
    assert!(
        xml.revenue()
            .list_uploads()
            .from(long_ago)
            .to(long_ago)
            .send()
            .await
            .unwrap()
            .is_empty(),
        "400184 in XML"
    );
    let xml_requests = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v4.1/file/") && r.path.ends_with(".xml"))
        .count();
    assert_eq!(xml_requests, 5);

    // An upload's answer in XML carries its id too.
    let outcome = xml
        .files()
        .upload(
            UploadKind::Contact,
            UploadFile::bytes("xml-answer.csv", "Email\nx@example.com\n"),
        )
        .await;
    let id = outcome.unwrap().id().unwrap();
    assert_eq!(
        xml.files()
            .list(UploadKind::Contact)
            .id(id)
            .send()
            .await
            .unwrap()[0]
            .successful_records,
        1
    );
    xml.files().delete(id).await.unwrap();
    assert_eq!(
        api_code(xml.files().delete(id).await.unwrap_err()),
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn xml_listings_keep_the_text_around_escaped_characters() {
    let (_sandbox, client) = common::start().await;
    let csv = "Email\nx&y@example.com\nnot-an-email\n";
    client
        .files()
        .upload(UploadKind::Contact, UploadFile::bytes("xml-check.csv", csv))
        .await
        .unwrap();
    let json = client
        .files()
        .list(UploadKind::Contact)
        .send()
        .await
        .unwrap();
    let from_xml = client
        .with_format(Format::Xml)
        .files()
        .list(UploadKind::Contact)
        .send()
        .await
        .unwrap();
    let mine = from_xml
        .iter()
        .find(|u| u.source_filename.as_deref() == Some("xml-check.csv"))
        .unwrap();
    assert_eq!(
        mine.logs,
        vec!["Row 3: Email 'not-an-email' is not a valid e-mail address".to_string()]
    );
    assert_eq!(from_xml, json);
}

#[tokio::test]
async fn a_contact_upload_is_listed_refused_again_and_deleted() {
    let (sandbox, client) = common::start().await;
    let files = client.files();
    let csv = "Email,First Name,Last Name,Account Name\nnew.person@example.com,New,Person,ACME\nother@example.com,Other,One,Hooli\n";
    let outcome = files
        .upload(
            UploadKind::Contact,
            UploadFile::bytes("contacts-may.csv", csv),
        )
        .await
        .unwrap();
    let UploadOutcome::Accepted { id: Some(id) } = outcome else {
        panic!("expected an id: {outcome:?}")
    };
    assert!(
        sandbox
            .state()
            .contacts
            .iter()
            .any(|c| c.email.as_deref() == Some("new.person@example.com"))
    );
    assert!(
        sandbox
            .state()
            .accounts
            .iter()
            .any(|a| a.reference == "Hooli")
    );

    let listed = files.list(UploadKind::Contact).id(id).send().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (
            listed[0].source_filename.as_deref(),
            listed[0].successful_records
        ),
        (Some("contacts-may.csv"), 2)
    );

    // The same file again: already processed.
    let again = files
        .upload(
            UploadKind::Contact,
            UploadFile::bytes("contacts-may.csv", csv),
        )
        .await
        .unwrap_err();
    assert_eq!(api_code(again), ErrorCode::FileAlreadyProcessed);

    files.delete(id).await.unwrap();
    assert!(sandbox.state().uploads.iter().all(|u| u.id != id));
    assert!(
        files
            .list(UploadKind::Contact)
            .id(id)
            .send()
            .await
            .unwrap()
            .is_empty()
    );
    let gone = files.delete(id).await.unwrap_err();
    assert!(gone.message().contains("File not found"), "{gone}");
    assert_eq!(api_code(gone), ErrorCode::NotFound);

    // Removed, the name can be uploaded once more.
    assert!(
        files
            .upload(
                UploadKind::Contact,
                UploadFile::bytes("contacts-may.csv", csv)
            )
            .await
            .unwrap()
            .is_accepted()
    );
}

#[tokio::test]
async fn a_historical_upload_creates_surveys_that_its_removal_takes_away() {
    let (sandbox, client) = common::start().await;
    let before = sandbox.state().surveys.len();
    let dir = std::env::temp_dir().join(format!("cg-facade-files-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("historical-2023.csv");
    std::fs::write(
        &path,
        "Email,NetPromoterScore,Comment,DateFormCompleted\nh1@example.com,9,Fine,2023-05-01 10:00:00\nh2@example.com,4,Slow,2023-06-01 11:00:00\n",
    )
    .unwrap();
    let outcome = client
        .files()
        .upload(UploadKind::Historical, path.as_path())
        .await
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let id = outcome.id().unwrap();

    let state = sandbox.state();
    assert_eq!(state.surveys.len(), before + 2);
    let h1 = state
        .surveys
        .iter()
        .find(|s| s.email.as_deref() == Some("h1@example.com"))
        .unwrap();
    assert_eq!(
        (h1.nps, h1.date_survey_response.as_deref()),
        (Some(9), Some("2023-05-01 10:00:00"))
    );

    let listed = client
        .files()
        .list(UploadKind::Historical)
        .id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed[0].total_records, 2);

    client.files().delete(id).await.unwrap();
    assert_eq!(sandbox.state().surveys.len(), before);
}

#[tokio::test]
async fn uploads_are_checked_and_routed_before_sending() {
    let (sandbox, client) = common::start().await;
    let files = client.files();
    let csv = "Email\na@example.com\n";
    let p = refusal(
        files
            .upload(UploadKind::Transactional, UploadFile::bytes("t.csv", csv))
            .await
            .unwrap_err(),
        "kind",
    );
    assert!(p.contains("client.stream()"), "{p}");
    let p = refusal(
        files
            .upload(UploadKind::CompanyRevenue, UploadFile::bytes("r.csv", csv))
            .await
            .unwrap_err(),
        "kind",
    );
    assert!(p.contains("client.revenue()"), "{p}");
    refusal(
        files
            .upload(UploadKind::Contact, UploadFile::bytes("c.txt", csv))
            .await
            .unwrap_err(),
        "file",
    );

    let mut many = String::from("Email\n");
    for i in 0..2001 {
        many.push_str(&format!("p{i}@example.com\n"));
    }
    let p = refusal(
        files
            .upload(
                UploadKind::Historical,
                UploadFile::bytes("many.csv", many.clone()),
            )
            .await
            .unwrap_err(),
        "file",
    );
    assert!(
        p.contains("2001 data rows") && p.contains("at most 2000"),
        "{p}"
    );
    let xml = "<records><record><Email>a@example.com</Email></record><record><Email>b@example.com</record></records>";
    let p = refusal(
        files
            .upload(UploadKind::Contact, UploadFile::bytes("c.xml", xml))
            .await
            .unwrap_err(),
        "file",
    );
    assert!(p.contains("well-formed"), "{p}");
    assert_eq!(posts_to(&sandbox, "/v4.1/file/"), 0);

    // Bypassing the check: the service takes the file but not its 2001 rows.
    let too_many = raw_files(&client)
        .upload_historical_file("json", raw_form("many.csv", many.into_bytes()))
        .await;
    assert!(too_many.is_ok(), "{too_many:?}");
    let failed = sandbox
        .state()
        .uploads
        .into_iter()
        .find(|u| u.source_filename == "many.csv")
        .unwrap();
    assert_eq!(
        (failed.status.as_str(), failed.successful_records),
        ("Failed", 0)
    );

    // A well-formed XML file goes through.
    let xml = "<records><record><Email>xml.contact@example.com</Email></record></records>";
    assert!(
        files
            .upload(UploadKind::Contact, UploadFile::bytes("c.xml", xml))
            .await
            .unwrap()
            .is_accepted()
    );
    let today = Utc::now().date_naive();
    let listed = files
        .list(UploadKind::Contact)
        .from(today)
        .to(today)
        .send()
        .await
        .unwrap();
    assert!(
        listed
            .iter()
            .any(|u| u.source_filename.as_deref() == Some("c.xml"))
    );
}
