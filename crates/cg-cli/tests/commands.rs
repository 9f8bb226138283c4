//! Every command group run end to end against a sandbox the test starts, checking what
//! `cg` prints, its exit code, and what the sandbox received and now holds.

mod common;

use cg_sandbox::{DEMO_CONFIGURATION, Family, Fault, State};
use common::{Run, TestSandbox, json_lines, redact, redact_dates};

/// Transcripts of several runs, one after the other.
fn transcripts<'a>(runs: impl IntoIterator<Item = &'a Run>) -> String {
    runs.into_iter()
        .map(Run::transcript)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Table rows whose first column is a CG-ID from `first` on: the id masked, the rows sorted.
fn mask_new_ids(text: &str, first: u64) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut run: Vec<String> = Vec::new();
    for line in text.lines() {
        let id = line
            .split_whitespace()
            .next()
            .and_then(|w| w.parse::<u64>().ok());
        match id {
            Some(id) if id >= first => {
                // `#` padded to the id column's width, whatever the id's digits.
                let rest = line[id.to_string().len()..].trim_start();
                let width = line.len() - rest.len();
                run.push(format!("{:<width$}{rest}", "#"));
            }
            _ => {
                run.sort();
                out.append(&mut run);
                out.push(line.to_string());
            }
        }
    }
    run.sort();
    out.append(&mut run);
    out.join("\n") + "\n"
}

fn division<'a>(state: &'a State, name: &str) -> Option<&'a cg_sandbox::state::Division> {
    state.divisions.iter().find(|d| d.name == name)
}

#[test]
fn demo_self_contained_imports_the_sample_and_lists_the_surveys() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut c = common::cg_command();
    c.arg("demo").env("TMPDIR", tmp.path());
    let run = common::run_command(c, vec!["demo".into()]).ok();
    // The five are imported concurrently: their CG-IDs (9 to 13) come in any order.
    insta::assert_snapshot!(
        "demo",
        redact_dates(&mask_new_ids(&run.transcript(), 9), &[tmp.path()])
    );
    assert!(
        run.stderr.contains("imported 5 record(s); 0 not imported"),
        "{}",
        run.stderr
    );
    // The five sample contacts were queued, after the two demo surveys of the last week.
    for email in [
        "olivia.brown@example.com",
        "ann.lee@example.com",
        "li.wei@example.org",
        "maria.garcia@example.net",
        "sam.o'neil@example.com",
    ] {
        assert!(
            run.stdout.contains(email),
            "{email} not listed:\n{}",
            run.stdout
        );
    }
    assert_eq!(
        run.stdout.lines().filter(|l| l.contains("QUEUE")).count(),
        5
    );
}

#[test]
fn demo_against_an_account_needs_and_takes_a_configuration() {
    let sb = TestSandbox::start();
    let surveys_before = sb.sandbox.state().surveys.len();
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("people.csv");
    std::fs::write(
        &file,
        "Email,First Name,Account Name\nkim.ng@example.com,Kim,ACME\nbad-address,Bad,ACME\n",
    )
    .expect("written");
    let file = file.display().to_string();

    // Against an account (not the embedded sandbox) there is no default mapping.
    let without = sb.cg(&["demo", "--file", &file]).expect_code(2);
    assert_eq!(
        without.error_line(),
        "error: --configuration is required (the Inbound Mapping's reference)"
    );

    // With one: one row in, one rejected: partial failure, exit 3, the rejected file beside the input.
    let run = sb
        .cg(&[
            "demo",
            "--file",
            &file,
            "--configuration",
            DEMO_CONFIGURATION,
        ])
        .expect_code(3);
    assert!(
        run.stderr.contains("importing ") && run.stderr.contains(" into CustomerGauge"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("kim.ng@example.com"), "{}", run.stdout);
    assert!(tmp.path().join("people.rejected.csv").exists());
    insta::assert_snapshot!(
        "demo_partial",
        redact_dates(&run.transcript(), &[tmp.path()])
    );
    let state = sb.sandbox.state();
    assert_eq!(state.surveys.len(), surveys_before + 1);
    assert!(
        state
            .surveys
            .iter()
            .any(|s| s.email.as_deref() == Some("kim.ng@example.com") && s.status == "QUEUE")
    );
}

#[test]
fn records_put_imports_one_record_then_reports_the_duplicate() {
    let sb = TestSandbox::start();
    let fields = [
        "--field",
        "Email=new.person@example.com",
        "--field",
        "First Name=New",
        "--field",
        "Account Name=ACME",
    ];
    let mut args = vec!["records", "put", "--configuration", DEMO_CONFIGURATION];
    args.extend(fields);
    let first = sb.cg(&args).ok();
    let survey = sb
        .sandbox
        .state()
        .surveys
        .last()
        .cloned()
        .expect("a survey");
    assert_eq!(survey.email.as_deref(), Some("new.person@example.com"));
    assert_eq!(survey.first_name.as_deref(), Some("New"));
    assert_eq!(survey.configuration.as_deref(), Some(DEMO_CONFIGURATION));

    // The same contact again, as a form: the duplication rule answers with the CG-ID it
    // duplicates. An answer for the one record, not a partial failure: exit 0.
    let mut again = args.clone();
    again.push("--form");
    let duplicate = sb.cg(&again).ok();
    assert_eq!(
        duplicate.stderr,
        format!(
            "not sent again: the contact already got survey CG-ID {}\n",
            survey.number_customergauge
        )
    );
    let mut as_json = again.clone();
    as_json.extend(["-o", "json"]);
    let shown = sb.cg(&as_json).ok();
    assert_eq!(
        json_lines(&shown.stdout)[0]["cg_id"],
        survey.number_customergauge
    );
    assert_eq!(json_lines(&shown.stdout)[0]["result"], "duplicate");

    // Invalid: no Account Name (required by the mapping): the service's 422, one line, exit 1.
    let invalid = sb
        .cg(&[
            "records",
            "put",
            "--configuration",
            DEMO_CONFIGURATION,
            "--field",
            "Email=x@example.com",
        ])
        .expect_code(1);
    invalid.error_line();
    assert_eq!(invalid.stderr.lines().count(), 1);
    let unknown = sb
        .cg(&[
            "records",
            "put",
            "--configuration",
            "00000000-0000-0000-0000-000000000000",
            "--field",
            "Email=x@example.com",
        ])
        .expect_code(1);

    let puts = sb.requests_to("/records");
    assert_eq!(puts.len(), 5);
    assert!(
        puts.iter()
            .all(|r| r.family == Family::Imports && r.method == "PUT")
    );
    insta::assert_snapshot!(
        "records_put",
        transcripts([&first, &duplicate, &invalid, &unknown])
    );
}

#[test]
fn accounts_put_creates_then_updates() {
    let sb = TestSandbox::start();
    let created = sb
        .cg(&[
            "accounts",
            "put",
            "Hooli",
            "--number",
            "H-1",
            "--manager",
            "gavin@example.com",
            "--account-region",
            "Europe",
        ])
        .ok();
    let updated = sb
        .cg(&["accounts", "put", "Hooli", "--parent", "ACME", "-o", "json"])
        .ok();
    assert_eq!(json_lines(&updated.stdout)[0]["result"], "updated");
    let state = sb.sandbox.state();
    let hooli = state
        .accounts
        .iter()
        .find(|a| a.reference == "Hooli")
        .expect("Hooli");
    assert_eq!(hooli.number.as_deref(), Some("H-1"));
    assert_eq!(hooli.manager.as_deref(), Some("gavin@example.com"));
    assert_eq!(hooli.region.as_deref(), Some("Europe"));
    assert_eq!(hooli.parent.as_deref(), Some("ACME"));
    let too_long = "x".repeat(200);
    let invalid = sb.cg(&["accounts", "put", &too_long]).expect_code(2);
    invalid.error_line();
    insta::assert_snapshot!(
        "accounts_put",
        transcripts([&created, &updated, &invalid]).replace(&too_long, "x*200")
    );
}

#[test]
fn unsubscribes_add_and_list() {
    let sb = TestSandbox::start();
    let added = sb.cg(&["unsubscribes", "add", "leaving@example.com"]).ok();
    assert!(sb.sandbox.state().is_unsubscribed("leaving@example.com"));
    let again = sb
        .cg(&["unsubscribes", "add", "LEAVING@example.com"])
        .expect_code(1);
    let invalid = sb
        .cg(&["unsubscribes", "add", "not-an-address"])
        .expect_code(2);
    let list = sb.cg(&["unsubscribes", "list"]).ok();
    let json = sb.cg(&["unsubscribes", "list", "-o", "json"]).ok();
    let rows = json_lines(&json.stdout);
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().any(|r| r["Email"] == "leaving@example.com"));
    let ranged = sb
        .cg(&[
            "unsubscribes",
            "list",
            "--since",
            "2024-02-01",
            "--until",
            "2024-02-28",
            "-o",
            "csv",
        ])
        .ok();
    assert_eq!(
        ranged.stdout,
        "Date,Email,extra\n2024-02-03 14:05:12,no.more.mail@example.org,\n"
    );
    // The old names, hidden aliases for one release, still work.
    let old_names = sb
        .cg(&[
            "unsubscribes",
            "list",
            "--from",
            "2024-02-01",
            "--to",
            "2024-02-28",
            "-o",
            "csv",
        ])
        .ok();
    assert_eq!(old_names.stdout, ranged.stdout);
    assert!(sb.requests_to("/lists/unsubscribe").iter().any(|r| {
        r.query
            .as_deref()
            .is_some_and(|q| q.contains("date_range_from=2024-02-01"))
    }));
    insta::assert_snapshot!(
        "unsubscribes",
        redact_dates(&transcripts([&added, &again, &invalid, &list]), &[])
    );
}

#[test]
fn bounces_list_reads_every_page() {
    let sb = TestSandbox::start();
    let table = sb.cg(&["bounces", "list"]).ok();
    insta::assert_snapshot!("bounces", table.transcript());
    insta::assert_snapshot!(
        "bounces_bad_page_size",
        sb.cg(&["bounces", "list", "--page-size", "0"])
            .expect_code(2)
            .transcript()
    );

    sb.sandbox.seed_bounces(20);
    sb.sandbox.clear_requests();
    let json = sb
        .cg(&["bounces", "list", "--page-size", "10", "-o", "json"])
        .ok();
    let rows = json_lines(&json.stdout);
    assert_eq!(rows.len(), 25);
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(row["Email"], format!("bounce-{k}@example.com"));
        assert_eq!(row["Type"], if k % 2 == 0 { "hard" } else { "soft" });
    }
    // 10 + 10 + 5: three pages of bounces, each asked once, then the end (25). The
    // client fetches pages ahead on the guess that they are full, so it may also ask
    // for start=30 before the short page shows the end.
    let pages = sb.requests_to("/lists/bounce");
    let mut queries: Vec<&str> = pages.iter().filter_map(|r| r.query.as_deref()).collect();
    queries.sort_unstable();
    queries.retain(|q| *q != "start=30&limit=10");
    assert_eq!(
        queries,
        [
            "start=0&limit=10",
            "start=10&limit=10",
            "start=20&limit=10",
            "start=25&limit=10"
        ],
        "{pages:?}"
    );
    assert!(json.stderr.is_empty(), "{}", json.stderr);

    let bad = sb
        .cg(&["bounces", "list", "--page-size", "0"])
        .expect_code(2);
    bad.error_line();
}

#[test]
fn anonymize_check_and_run() {
    let sb = TestSandbox::start();
    let email = "joe.doe@example.com";
    let check = sb.cg(&["anonymize", "check", "--email", email]).ok();
    assert!(
        check.stdout.contains("Joe") && check.stdout.contains(email),
        "{}",
        check.stdout
    );

    // Without --yes and with stdin not a terminal: refused, nothing changed.
    let refused = sb
        .cg(&["anonymize", "run", "--email", email])
        .expect_code(2);
    assert_eq!(
        refused.error_line(),
        "error: anonymize run needs --yes when stdin is not a terminal"
    );
    assert!(refused.stdout.is_empty());
    let survey = sb.sandbox.state().survey(1).cloned().expect("survey 1");
    assert_eq!(survey.email.as_deref(), Some(email));
    assert!(!survey.anonymized);
    assert!(
        sb.requests_to("/anonymize")
            .iter()
            .all(|r| r.method == "GET"),
        "only checked"
    );

    let run = sb.cg(&["anonymize", "run", "--email", email, "--yes"]).ok();
    let survey = sb.sandbox.state().survey(1).cloned().expect("survey 1");
    assert!(survey.anonymized);
    assert_eq!(survey.email, None);
    assert_eq!(
        sb.requests_to("/anonymize")
            .iter()
            .filter(|r| r.method == "POST")
            .count(),
        1
    );

    let nothing = sb.cg(&["anonymize", "check", "--telephone", "+31 20 555 0000"]);
    let after = sb.cg(&["anonymize", "run", "--email", email]);
    insta::assert_snapshot!(
        "anonymize",
        transcripts([&check, &refused, &run, &nothing, &after])
    );
}

#[test]
fn hierarchy_add_rename_move_delete_list_tree() {
    let sb = TestSandbox::start();
    let list = sb.cg(&["hierarchy", "list"]).ok();
    let added = sb.cg(&["hierarchy", "add", "Asia"]).ok();
    let state = sb.sandbox.state();
    let asia = division(&state, "Asia").expect("Asia");
    assert_eq!(asia.parent, Some(1));
    let child = sb
        .cg(&["hierarchy", "add", "Japan", "--parent", "Asia"])
        .ok();
    assert_eq!(
        division(&sb.sandbox.state(), "Japan")
            .expect("Japan")
            .parent,
        Some(asia.id)
    );
    let renamed = sb.cg(&["hierarchy", "rename", "Japan", "Nippon"]).ok();
    let state = sb.sandbox.state();
    assert!(division(&state, "Japan").is_none());
    let nippon = division(&state, "Nippon").expect("Nippon").clone();
    let moved = sb.cg(&["hierarchy", "move", "Nippon", "Europe"]).ok();
    let europe = division(&sb.sandbox.state(), "Europe").expect("Europe").id;
    assert_eq!(
        division(&sb.sandbox.state(), "Nippon")
            .expect("Nippon")
            .parent,
        Some(europe)
    );
    let deleted = sb
        .cg(&["hierarchy", "delete", "Asia", "--replacement", "Global"])
        .ok();
    assert!(division(&sb.sandbox.state(), "Asia").is_none());
    assert_eq!(
        division(&sb.sandbox.state(), "Nippon").map(|d| d.id),
        Some(nippon.id)
    );
    let tree = sb.cg(&["hierarchy", "tree"]).ok();
    let tree_json = sb.cg(&["hierarchy", "tree", "-o", "json"]).ok();
    assert_eq!(json_lines(&tree_json.stdout).len(), 5);

    let no_parent = sb
        .cg(&["hierarchy", "add", "Mars", "--parent", "Nowhere"])
        .expect_code(1);
    let has_children = sb
        .cg(&["hierarchy", "delete", "Europe", "--replacement", "Global"])
        .expect_code(1);
    let unknown = sb
        .cg(&["hierarchy", "rename", "Atlantis", "Sunken"])
        .expect_code(1);
    for run in [&no_parent, &has_children, &unknown] {
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
    assert_eq!(sb.sandbox.state().divisions.len(), 5);
    insta::assert_snapshot!(
        "hierarchy",
        transcripts([
            &list,
            &added,
            &child,
            &renamed,
            &moved,
            &deleted,
            &tree,
            &no_parent,
            &has_children,
            &unknown
        ])
    );
}

#[test]
fn revenue_upload_and_list() {
    let sb = TestSandbox::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("revenue.csv");
    std::fs::write(&file, "Account Name,Revenue\nACME,1000\nGlobex,250.5\n").expect("written");
    let upload = sb
        .cg_in(tmp.path(), &["revenue", "upload", "revenue.csv"])
        .ok();
    let state = sb.sandbox.state();
    assert_eq!(
        state
            .accounts
            .iter()
            .find(|a| a.reference == "ACME")
            .and_then(|a| a.revenue),
        Some(1000.0)
    );
    assert_eq!(
        state
            .accounts
            .iter()
            .find(|a| a.reference == "Globex")
            .and_then(|a| a.revenue),
        Some(250.5)
    );
    let upload_id = state.uploads.last().expect("an upload").id;

    let list = sb.cg(&["revenue", "list"]).ok();
    let one = sb
        .cg(&[
            "revenue",
            "list",
            "--id",
            &upload_id.to_string(),
            "-o",
            "json",
        ])
        .ok();
    let rows = json_lines(&one.stdout);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["source_filename"], "revenue.csv");
    assert_eq!(rows[0]["successful_records"], 2);

    // Wrong extension: refused before sending, one line, exit 2.
    let text = tmp.path().join("revenue.txt");
    std::fs::write(&text, "Account Name,Revenue\nACME,1\n").expect("written");
    let refused = sb
        .cg_in(tmp.path(), &["revenue", "upload", "revenue.txt"])
        .expect_code(2);
    refused.error_line();

    // More than 1000 rows: refused before sending too.
    let big = tmp.path().join("big.csv");
    let mut body = String::from("Account Name,Revenue\n");
    for i in 0..1001 {
        body.push_str(&format!("Account {i},1\n"));
    }
    std::fs::write(&big, body).expect("written");
    let uploads = sb.sandbox.state().uploads.len();
    let not_taken = sb
        .cg_in(tmp.path(), &["revenue", "upload", "big.csv"])
        .expect_code(2);
    assert_eq!(
        not_taken.error_line(),
        "error: invalid file: big.csv has 1001 data rows; the service takes at most 1000"
    );
    assert_eq!(sb.sandbox.state().uploads.len(), uploads);

    insta::assert_snapshot!(
        "revenue",
        redact_dates(
            &transcripts([&upload, &list, &refused, &not_taken]),
            &[tmp.path()]
        )
    );
}

#[test]
fn files_list_upload_delete() {
    let sb = TestSandbox::start();
    let mut runs = Vec::new();
    for kind in ["company-revenue", "contact", "historical", "transactional"] {
        runs.push(sb.cg(&["files", "list", kind]).ok());
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("contacts.csv");
    std::fs::write(&file, "Email,First Name,Last Name,Account Name\nnina.berg@example.com,Nina,Berg,Hooli\n,No,Address,Hooli\n").expect("written");
    let upload = sb
        .cg_in(
            tmp.path(),
            &["files", "upload", "contact", "contacts.csv", "-o", "json"],
        )
        .ok();
    let id = json_lines(&upload.stdout)[0]["id"]
        .as_u64()
        .expect("an upload id");
    let state = sb.sandbox.state();
    let stored = state
        .uploads
        .iter()
        .find(|u| u.id == id)
        .expect("the upload");
    assert_eq!(
        (stored.successful_records, stored.unsuccessful_records),
        (1, 1)
    );
    assert!(
        state
            .contacts
            .iter()
            .any(|c| c.email.as_deref() == Some("nina.berg@example.com"))
    );
    runs.push(upload);
    runs.push(
        sb.cg(&["files", "list", "contact", "--id", &id.to_string()])
            .ok(),
    );

    // The same file name again: the service refuses it (400103), exit 1.
    runs.push(
        sb.cg_in(tmp.path(), &["files", "upload", "contact", "contacts.csv"])
            .expect_code(1),
    );
    runs.push(sb.cg(&["files", "delete", &id.to_string()]).ok());
    assert!(sb.sandbox.state().uploads.iter().all(|u| u.id != id));
    runs.push(sb.cg(&["files", "delete", &id.to_string()]).expect_code(1));
    // Listing it now finds nothing: an empty listing, not an error.
    let gone = sb
        .cg(&["files", "list", "contact", "--id", &id.to_string()])
        .ok();
    assert_eq!((gone.stdout.as_str(), gone.stderr.as_str()), ("", ""));
    assert!(sb.requests_to("/file").iter().any(|r| r.method == "DELETE"));
    insta::assert_snapshot!("files", redact_dates(&transcripts(&runs), &[tmp.path()]));
}

#[test]
fn transactions_list_with_filters() {
    let sb = TestSandbox::start();
    let all = sb.cg(&["transactions", "list"]).ok();
    assert_eq!(
        all.stdout.lines().count(),
        9,
        "a header and the 8 demo surveys:\n{}",
        all.stdout
    );
    let week = sb
        .cg(&["transactions", "list", "--days", "7", "-o", "json"])
        .ok();
    let rows = json_lines(&week.stdout);
    assert_eq!(
        rows.iter()
            .map(|r| r["number_customergauge"].as_u64().unwrap_or(0))
            .collect::<Vec<_>>(),
        [1, 2]
    );
    let filtered = sb
        .cg(&[
            "transactions",
            "list",
            "--filter",
            "email=john.smith@example.com",
            "-o",
            "json",
        ])
        .ok();
    let rows = json_lines(&filtered.stdout);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["number_customergauge"], 4);
    assert_eq!(rows[0]["nps"], 6);
    assert!(sb.requests_to("/transactions").iter().any(|r| {
        r.query
            .as_deref()
            .is_some_and(|q| q.contains("filter_email="))
    }));
    let unknown = sb
        .cg(&["transactions", "list", "--filter", "nope=1"])
        .expect_code(1);
    let too_many_days = sb
        .cg(&["transactions", "list", "--days", "400"])
        .expect_code(2);
    insta::assert_snapshot!(
        "transactions",
        redact_dates(&transcripts([&all, &unknown, &too_many_days]), &[])
    );
}

#[test]
fn workflow_update() {
    let sb = TestSandbox::start();
    let run = sb
        .cg(&[
            "workflow",
            "update",
            "5",
            "--status",
            "CLOSED",
            "--comment",
            "Called back",
            "--assigned-to",
            "agent@example.com",
        ])
        .ok();
    let survey = sb.sandbox.state().survey(5).cloned().expect("survey 5");
    assert!(
        survey
            .workflow
            .status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("closed")),
        "{:?}",
        survey.workflow
    );
    assert_eq!(survey.workflow.notes, ["Called back"]);
    assert_eq!(
        survey.workflow.assigned_to.as_deref(),
        Some("agent@example.com")
    );
    let unknown = sb
        .cg(&["workflow", "update", "999", "--status", "OPEN"])
        .expect_code(1);
    let bad_assignee = sb
        .cg(&["workflow", "update", "5", "--assigned-to", "nobody"])
        .expect_code(2);
    insta::assert_snapshot!("workflow", transcripts([&run, &unknown, &bad_assignee]));
}

#[test]
fn reasons_list() {
    let sb = TestSandbox::start();
    let all = sb.cg(&["reasons", "list"]).ok();
    let promoters = sb
        .cg(&["reasons", "list", "--show-for", "promoter", "-o", "csv"])
        .ok();
    assert_eq!(promoters.stdout.lines().count(), 5);
    let detractors = sb
        .cg(&[
            "reasons",
            "list",
            "--show-for",
            "detractor-neutral",
            "-o",
            "json",
        ])
        .ok();
    let rows = json_lines(&detractors.stdout);
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r["good_bad"] == "neg"));
    insta::assert_snapshot!("reasons", transcripts([&all, &promoters]));
}

#[test]
fn report_nps() {
    let sb = TestSandbox::start();
    let all = sb.cg(&["report", "nps"]).ok();
    let europe = sb
        .cg(&["report", "nps", "--filter", "Region=Europe", "-o", "json"])
        .ok();
    let row = &json_lines(&europe.stdout)[0];
    assert_eq!(row["promoters"], 2);
    assert_eq!(row["responses"], 2);
    let unknown = sb
        .cg(&["report", "nps", "--filter", "Planet=Mars"])
        .expect_code(1);
    insta::assert_snapshot!("report_nps", transcripts([&all, &europe, &unknown]));
}

#[test]
fn responses_export_streams_json_lines() {
    let sb = TestSandbox::start();
    let run = sb.cg(&["responses", "export"]).ok();
    let rows = json_lines(&run.stdout);
    assert_eq!(rows.len(), 6);
    assert_eq!(
        rows.iter()
            .map(|r| r["number_customergauge"].as_u64().unwrap_or(0))
            .collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    assert_eq!(rows[0]["properties"][0]["field"], "Region");
    assert_eq!(rows[0]["properties"][0]["reference"], "Europe");
    assert_eq!(rows[0]["drivers"][0]["label"], "Product quality");
    assert_eq!(run.stderr, "6 record(s) exported\n");
    // `-o json` is the default; a table or CSV has the scalar fields, one row each.
    let as_json = sb.cg(&["responses", "export", "-o", "json"]).ok();
    assert_eq!(as_json.stdout, run.stdout);
    let as_table = sb.cg(&["responses", "export", "-o", "table"]).ok();
    assert_eq!(as_table.stdout.lines().count(), 7, "{}", as_table.stdout);
    assert!(as_table.stdout.starts_with("NUMBER_CUSTOMERGAUGE  EMAIL"));
    let as_csv = sb.cg(&["responses", "export", "-o", "csv"]).ok();
    let mut reader = csv::Reader::from_reader(as_csv.stdout.as_bytes());
    let email = reader
        .headers()
        .expect("a header row")
        .iter()
        .position(|h| h == "email")
        .expect("an email column");
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(records.len(), 6);
    assert_eq!(
        &records[0][email],
        rows[0]["email"].as_str().unwrap_or_default()
    );
    // --limit stops the export early.
    let limited = sb.cg(&["responses", "export", "--limit", "2"]).ok();
    assert_eq!(json_lines(&limited.stdout), rows[..2].to_vec());
    assert_eq!(limited.stderr, "2 record(s) exported\n");
    insta::assert_snapshot!(
        "responses_export_first",
        redact_dates(run.stdout.lines().next().unwrap_or_default(), &[])
    );

    let non = sb.cg(&["responses", "export", "--non-responses"]).ok();
    let rows = json_lines(&non.stdout);
    assert_eq!(
        rows.iter()
            .map(|r| r["number_customergauge"].as_u64().unwrap_or(0))
            .collect::<Vec<_>>(),
        [7, 8]
    );
    assert!(rows.iter().all(|r| r["nps"].is_null()));
    assert!(!sb.requests_to("/v7/rest/sync/non-responses").is_empty());

    let today = chrono::Utc::now().date_naive();
    let future = (today + chrono::Days::new(30)).to_string();
    let none = sb.cg(&["responses", "export", "--since", &future]).ok();
    assert_eq!(none.stdout, "");
    assert_eq!(none.stderr, "0 record(s) exported\n");
}

#[test]
fn output_formats_of_a_listing_agree() {
    let sb = TestSandbox::start();
    let table = sb.cg(&["hierarchy", "list"]).ok();
    let json = sb.cg(&["hierarchy", "list", "-o", "json"]).ok();
    let csv = sb.cg(&["hierarchy", "list", "--output", "csv"]).ok();
    let rows = json_lines(&json.stdout);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a CSV row")).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(records.len(), 4);
    assert_eq!(table.stdout.lines().count(), 5);
    for (row, record) in rows.iter().zip(&records) {
        assert_eq!(row["name"], record[1]);
        assert_eq!(row["id"].to_string(), record[0]);
    }
    insta::assert_snapshot!(
        "hierarchy_formats",
        redact(&transcripts([&json, &csv]), &[])
    );
}

#[test]
fn xml_wire_format_gives_the_same_output() {
    let sb = TestSandbox::start();
    for args in [
        &["hierarchy", "list"][..],
        &["reasons", "list"],
        &["report", "nps"],
        &["unsubscribes", "list"],
    ] {
        let json = sb.cg(args).ok();
        // `--format` is the old name, a hidden alias for one release.
        for option in ["--wire-format", "--format"] {
            let mut xml_args = vec![option, "xml"];
            xml_args.extend(args);
            let xml = sb.cg(&xml_args).ok();
            assert_eq!(xml.stdout, json.stdout, "{option} {args:?}");
        }
    }
    assert!(
        sb.sandbox
            .requests()
            .iter()
            .any(|r| r.path.ends_with(".xml"))
    );
}

/// A service error is one `error:` line with the code and message; exit 1.
#[test]
fn service_errors_are_one_line_with_code_and_message() {
    let sb = TestSandbox::start();
    let run = sb
        .cg(&["hierarchy", "add", "Mars", "--parent", "Nowhere"])
        .expect_code(1);
    assert_eq!(
        run.stderr,
        "error: addDivision: HTTP 400: 400900 (Parent doesn\u{2019}t exist)\n"
    );
    assert!(run.stdout.is_empty());

    // A wrong secret: the token endpoint refuses; one line, exit 4 (authentication).
    let mut args = sb.connection_as("sandbox-demo-client");
    args.extend(["hierarchy", "list"].map(String::from));
    let mut c = sb.command_as("wrong");
    c.args(&args);
    let refused = common::run_command(c, args).expect_code(4);
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    refused.error_line();

    // Nothing listening: one line, exit 1.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let url = format!("http://127.0.0.1:{port}");
        let args: Vec<String> = [
            "--api-url",
            &url,
            "--imports-url",
            &url,
            "--auth-url",
            &url,
            "--client-id",
            "id",
            "hierarchy",
            "list",
        ]
        .map(String::from)
        .to_vec();
        let mut c = common::cg_command();
        c.args(&args).env("CG_CLIENT_SECRET", "secret");
        common::run_command(c, args).expect_code(1)
    };
    assert_eq!(closed.stderr.lines().count(), 1, "{}", closed.stderr);
    insta::assert_snapshot!(
        "service_errors",
        redact(&transcripts([&run, &refused]), &[])
    );
}

/// Listings stream: the first pages are printed (one JSON object per line) while a later
/// page is still on its way, and the whole listing arrives in order.
#[test]
fn listings_stream_one_json_object_per_line() {
    use std::io::BufRead;
    let sb = TestSandbox::start();
    sb.sandbox.seed_bounces(2495);
    // Page 1 answers at once, the two after it (fetched together, ahead of reading)
    // only after a while.
    sb.sandbox.push_faults([
        Fault::Pass,
        Fault::Slow { millis: 5000 },
        Fault::Slow { millis: 5000 },
    ]);
    let mut args = sb.connection();
    args.extend(["bounces", "list", "--page-size", "1000", "-o", "json"].map(String::from));
    let mut c = sb.command();
    c.args(&args);
    let mut child = c.spawn().expect("cg runs");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    let mut line = String::new();
    while lines.len() < 1000 {
        line.clear();
        assert!(
            stdout.read_line(&mut line).expect("a line") > 0,
            "stdout ended after {} lines",
            lines.len()
        );
        lines.push(line.clone());
    }
    // 1000 objects are out, and cg is still waiting for the pages after them.
    assert!(
        child.try_wait().expect("status").is_none(),
        "cg had already finished: the listing was not streamed"
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("the rest");
    assert!(child.wait().expect("status").success());
    lines.extend(rest.lines().map(|l| format!("{l}\n")));
    let rows = json_lines(&lines.concat());
    assert_eq!(rows.len(), 2500);
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(row["Email"], format!("bounce-{k}@example.com"));
    }
    let slow = sb.requests_to("/lists/bounce");
    let mut delayed: Vec<_> = slow
        .iter()
        .filter(|r| r.fault.is_some())
        .filter_map(|r| r.query.as_deref())
        .collect();
    delayed.sort_unstable();
    assert_eq!(
        delayed,
        ["start=1000&limit=1000", "start=2000&limit=1000"],
        "{slow:?}"
    );
}

/// `-v`..`-vvv` trace to stderr only (stdout is the same as without), without colour
/// codes when stderr is not a terminal.
#[test]
fn verbose_tracing_goes_to_stderr_without_colour_codes() {
    let sb = TestSandbox::start();
    let quiet = sb.cg(&["hierarchy", "list"]).ok();
    for (flag, level) in [("-v", "INFO"), ("-vv", "DEBUG"), ("-vvv", "TRACE")] {
        let mut args = sb.command();
        let mut all = sb.connection();
        all.extend([flag, "hierarchy", "list"].map(String::from));
        // Without NO_COLOR: colour is off because stderr is a pipe.
        args.args(&all).env_remove("NO_COLOR");
        let run = common::run_command(args, all).ok();
        assert_eq!(run.stdout, quiet.stdout, "{flag}");
        assert!(
            run.stderr.contains(level),
            "{flag}: no {level} line:\n{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains('\u{1b}'),
            "{flag}: colour codes in piped stderr"
        );
    }
}
