//! `cg records import`: the summary, exit 3 on partial failure, `FILE.rejected.csv`
//! beside the input with the reason of every row that did not get in, and fixing that
//! file and running it again.

mod common;

use std::path::Path;

use cg_sandbox::{DEMO_CONFIGURATION, DEMO_OPEN_CONFIGURATION};
use common::{TestSandbox, json_lines};

const HEADER: &str = "Email,First Name,Last Name,Account Name,Touchpoint";

/// Six rows that import, four the mapping or the client refuses, one broken CSV row.
fn mixed_csv() -> String {
    [
        HEADER,
        "ada.lovelace@example.com,Ada,Lovelace,ACME,Onboarding",
        "alan.turing@example.com,Alan,Turing,Globex,Support",
        "not-an-address,Grace,Hopper,Initech,Support",
        "edsger.dijkstra@example.com,Edsger,Dijkstra,,Renewal",
        "barbara.liskov@example.com,Barbara,Liskov,ACME,Teleportation",
        "donald.knuth@example.com,Donald,Knuth,ACME,Purchase",
        "ken.thompson@example.com,Ken,Thompson",
        "\"frances.allen@example.com\",Frances,\"Allen, F.\",\"Globex\",Support",
        ",John,Backus,ACME,Support",
        "margaret.hamilton@example.com,Margaret,Hamilton,Initech,",
        "tony.hoare@example.com,Tony,Hoare,Globex,Renewal",
    ]
    .join("\n")
        + "\n"
}

fn survey_emails(sb: &TestSandbox) -> Vec<String> {
    let mut emails: Vec<String> = sb
        .sandbox
        .state()
        .surveys
        .iter()
        .filter(|s| s.source != "demo")
        .filter_map(|s| s.email.clone())
        .collect();
    emails.sort();
    emails
}

/// A CSV of rows that did not get in, rows sorted by their `line` column.
fn sorted_rows(text: &str) -> String {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let mut rows: Vec<&str> = lines.collect();
    rows.sort_by_key(|r| {
        r.split(',')
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    });
    let mut out = format!("{header}\n");
    for r in rows {
        out.push_str(r);
        out.push('\n');
    }
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn partial_failure_writes_the_rejected_rows_beside_the_input_and_exits_3() {
    let sb = TestSandbox::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("people.csv"), mixed_csv()).expect("written");

    let run = sb
        .cg_in(
            tmp.path(),
            &[
                "records",
                "import",
                "people.csv",
                "--configuration",
                DEMO_CONFIGURATION,
            ],
        )
        .expect_code(3);
    assert_eq!(run.stderr.lines().count(), 1, "one line:\n{}", run.stderr);
    assert_eq!(
        run.error_line(),
        "error: 5 record(s) not imported; see people.rejected.csv"
    );
    insta::assert_snapshot!("import_partial", run.transcript());

    // The six good rows are queued surveys, the others are not.
    assert_eq!(
        survey_emails(&sb),
        [
            "ada.lovelace@example.com",
            "alan.turing@example.com",
            "donald.knuth@example.com",
            "frances.allen@example.com",
            "margaret.hamilton@example.com",
            "tony.hoare@example.com"
        ]
    );
    // Rows refused before sending were never sent: 6 accepted + 2 refused by the service.
    let puts = sb.requests_to("/records");
    assert_eq!(puts.len(), 8, "{puts:?}");
    assert_eq!(puts.iter().filter(|r| r.status == 422).count(), 2);

    // FILE.rejected.csv: line, reason, then the input's columns, in input order.
    let rejected = tmp.path().join("people.rejected.csv");
    // Written as outcomes come: in completion order, each row with its line.
    let text = sorted_rows(&read(&rejected));
    insta::assert_snapshot!("import_partial_rejected_csv", text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header.join(","), format!("line,reason,{HEADER}"));
    let lines: Vec<String> = reader
        .records()
        .map(|r| r.expect("row")[0].to_string())
        .collect();
    assert_eq!(lines, ["4", "5", "6", "8", "10"]);
}

/// The rejected file is fixed in place and imported as it is (its `line` and `reason`
/// columns are not mapping fields and are ignored): everything gets in, exit 0.
#[test]
fn the_fixed_rejected_file_imports() {
    let sb = TestSandbox::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("people.csv"), mixed_csv()).expect("written");
    sb.cg_in(
        tmp.path(),
        &[
            "records",
            "import",
            "people.csv",
            "--configuration",
            DEMO_CONFIGURATION,
        ],
    )
    .expect_code(3);

    let rejected = tmp.path().join("people.rejected.csv");
    let text = read(&rejected);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).expect("header");
    for row in reader.records() {
        let row = row.expect("row");
        let fixed: [&str; 5] = match &row[0] {
            "4" => [
                "grace.hopper@example.com",
                "Grace",
                "Hopper",
                "Initech",
                "Support",
            ],
            "5" => [
                "edsger.dijkstra@example.com",
                "Edsger",
                "Dijkstra",
                "ACME",
                "Renewal",
            ],
            "6" => [
                "barbara.liskov@example.com",
                "Barbara",
                "Liskov",
                "ACME",
                "Support",
            ],
            "8" => [
                "ken.thompson@example.com",
                "Ken",
                "Thompson",
                "Globex",
                "Support",
            ],
            "10" => [
                "john.backus@example.com",
                "John",
                "Backus",
                "ACME",
                "Support",
            ],
            other => panic!("unexpected rejected line {other}"),
        };
        let mut record = vec![&row[0], &row[1]];
        record.extend(fixed);
        writer.write_record(record).expect("row");
    }
    std::fs::write(&rejected, writer.into_inner().expect("csv")).expect("written");

    let rerun = sb
        .cg_in(
            tmp.path(),
            &[
                "records",
                "import",
                "people.rejected.csv",
                "--configuration",
                DEMO_CONFIGURATION,
                "-o",
                "json",
            ],
        )
        .ok();
    let summary = &json_lines(&rerun.stdout)[0];
    assert_eq!(summary["imported"], 5);
    assert_eq!(summary["rejected"], 0);
    assert_eq!(summary["rejected_file"], serde_json::Value::Null);
    assert!(rerun.stderr.is_empty(), "{}", rerun.stderr);
    assert!(!tmp.path().join("people.rejected.rejected.csv").exists());
    assert_eq!(survey_emails(&sb).len(), 11);
    for email in [
        "grace.hopper@example.com",
        "edsger.dijkstra@example.com",
        "barbara.liskov@example.com",
        "ken.thompson@example.com",
        "john.backus@example.com",
    ] {
        assert!(
            survey_emails(&sb).iter().any(|e| e == email),
            "{email} not imported"
        );
    }

    // The original file again, started over (`--restart`; its journal would skip every
    // row): every row now meets the 30-day duplication rule: exit 3, and the rejected
    // file says which survey each one duplicates.
    let again = sb
        .cg_in(
            tmp.path(),
            &[
                "records",
                "import",
                "people.csv",
                "--configuration",
                DEMO_CONFIGURATION,
                "--restart",
            ],
        )
        .expect_code(3);
    let text = read(&rejected);
    assert!(text.contains("duplicate of CG-ID"), "{text}");
    assert!(again.stdout.contains("rejected_file") || again.stdout.contains("REJECTED_FILE"));
}

/// Fixing the input itself and running it again also works, and the stale rejected file goes.
#[test]
fn fixing_the_input_and_rerunning_removes_the_rejected_file() {
    let sb = TestSandbox::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("contacts.csv");
    std::fs::write(
        &input,
        "Email,First Name\na@example.com,A\nb@,B\nc@example.com,C\n",
    )
    .expect("written");
    let first = sb
        .cg_in(
            tmp.path(),
            &[
                "records",
                "import",
                "contacts.csv",
                "--configuration",
                DEMO_OPEN_CONFIGURATION,
            ],
        )
        .expect_code(3);
    let rejected = tmp.path().join("contacts.rejected.csv");
    assert!(rejected.exists(), "{}", first.transcript());
    assert!(
        read(&rejected).starts_with("line,reason,Email,First Name\n3,"),
        "{}",
        read(&rejected)
    );

    // A changed input is refused: its journal would skip or resend the wrong rows.
    std::fs::write(
        &input,
        "Email,First Name\na@example.com,A\nb@example.com,B\nc@example.com,C\n",
    )
    .expect("written");
    let before = survey_emails(&sb).len();
    let refused = sb
        .cg_in(
            tmp.path(),
            &[
                "records",
                "import",
                "contacts.csv",
                "--configuration",
                DEMO_OPEN_CONFIGURATION,
            ],
        )
        .expect_code(2);
    assert!(
        refused.error_line().contains("contacts.csv.journal")
            && refused.error_line().contains("input file changed")
            && refused.error_line().contains("--restart"),
        "{}",
        refused.transcript()
    );
    assert_eq!(survey_emails(&sb).len(), before, "nothing sent");

    // `--restart` starts over. The open mapping has no duplication rule: the whole fixed
    // file imports again (the user asked for it).
    let second = sb
        .cg_in(
            tmp.path(),
            &[
                "records",
                "import",
                "contacts.csv",
                "--configuration",
                DEMO_OPEN_CONFIGURATION,
                "--restart",
            ],
        )
        .ok();
    assert!(!rejected.exists(), "a stale rejected file is removed");
    insta::assert_snapshot!(
        "import_fixed_rerun",
        format!("{}\n{}", first.transcript(), second.transcript())
    );
}

#[test]
fn dry_run_sends_nothing_and_reports_the_rows_it_would_refuse() {
    let sb = TestSandbox::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("people.csv"), mixed_csv()).expect("written");
    sb.sandbox.clear_requests();
    let run = sb
        .cg_in(
            tmp.path(),
            &[
                "records",
                "import",
                "people.csv",
                "--configuration",
                DEMO_CONFIGURATION,
                "--dry-run",
            ],
        )
        .expect_code(3);
    assert!(sb.requests_to("/records").is_empty());
    assert!(survey_emails(&sb).is_empty());
    insta::assert_snapshot!(
        "import_dry_run",
        format!(
            "{}\n--- people.rejected.csv\n{}",
            run.transcript(),
            sorted_rows(&read(&tmp.path().join("people.rejected.csv")))
        )
    );
}

#[test]
fn a_clean_import_exits_0_and_prints_a_summary_in_every_format() {
    let sb = TestSandbox::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut body = String::from("Email,First Name,Account Name\n");
    for i in 0..40 {
        body.push_str(&format!("person{i}@example.com,Person {i},ACME\n"));
    }
    std::fs::write(tmp.path().join("forty.csv"), &body).expect("written");
    let table = sb
        .cg_in(
            tmp.path(),
            &[
                "records",
                "import",
                "forty.csv",
                "--configuration",
                DEMO_CONFIGURATION,
                "--concurrency",
                "4",
            ],
        )
        .ok();
    assert!(
        table.stderr.is_empty(),
        "no progress bar when not at a terminal: {:?}",
        table.stderr
    );
    assert_eq!(survey_emails(&sb).len(), 40);
    assert!(!tmp.path().join("forty.rejected.csv").exists());

    // The same contacts again are duplicates under another file name.
    std::fs::write(tmp.path().join("again.csv"), &body).expect("written");
    let csv = sb
        .cg_in(
            tmp.path(),
            &[
                "records",
                "import",
                "again.csv",
                "--configuration",
                DEMO_CONFIGURATION,
                "-o",
                "csv",
            ],
        )
        .expect_code(3);
    insta::assert_snapshot!(
        "import_clean_then_duplicates",
        format!("{}\n{}", table.transcript(), csv.transcript())
    );
}

/// With `--sandbox`, the demo mapping is the default.
#[test]
fn sandbox_import_uses_the_demo_mapping() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("one.csv"),
        "Email,Account Name\none@example.com,ACME\n",
    )
    .expect("written");
    let mut c = common::cg_command();
    c.args(["--sandbox", "records", "import", "one.csv", "-o", "json"])
        .current_dir(tmp.path());
    let run = common::run_command(c, vec![]).ok();
    assert_eq!(
        run.stdout,
        "{\"imported\":1,\"duplicates\":0,\"rejected\":0,\"unknown\":0,\"failed\":0,\"resumed\":0,\"rejected_file\":null,\"unknown_file\":null}\n"
    );
}
