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

// ---------------------------------------------------------------------------------------
// Never a survey twice, every row accounted for: faults, kills, Ctrl-C, wrong credentials.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::process::Child;
use std::time::{Duration, Instant};

use cg_sandbox::{Configuration, Family, FaultConfig};

/// A random number (the std hasher's random keys; no seeding needed across runs).
fn random_below(n: u64) -> u64 {
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
        % n.max(1)
}

/// `rows` distinct contacts.
fn contacts_csv(prefix: &str, rows: usize) -> String {
    let mut body = String::from("Email,First Name\n");
    for i in 0..rows {
        body.push_str(&format!("{prefix}-{i}@example.com,P{i}\n"));
    }
    body
}

/// Surveys of `PUT /records/` per e-mail address.
fn surveys_per_email(sb: &TestSandbox) -> HashMap<String, usize> {
    let mut by = HashMap::new();
    for s in sb
        .sandbox
        .state()
        .surveys
        .iter()
        .filter(|s| s.source == "records")
    {
        *by.entry(s.email.clone().unwrap_or_default()).or_default() += 1;
    }
    by
}

#[track_caller]
fn assert_nobody_surveyed_twice(sb: &TestSandbox) {
    let twice: Vec<_> = surveys_per_email(sb)
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .collect();
    assert!(twice.is_empty(), "surveyed twice: {twice:?}");
}

/// `cg <connection> records import FILE --configuration C EXTRA..` started, not awaited.
fn spawn_import(
    sb: &TestSandbox,
    dir: &Path,
    file: &str,
    configuration: &str,
    extra: &[&str],
) -> Child {
    let mut c = sb.command();
    c.args(sb.connection())
        .args([
            "records",
            "import",
            file,
            "--configuration",
            configuration,
            "-o",
            "json",
        ])
        .args(extra)
        .current_dir(dir);
    c.spawn().expect("cg starts")
}

/// The journal's lines, parsed.
fn journal_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn started_rows(path: &Path) -> usize {
    journal_lines(path)
        .iter()
        .filter(|l| l.get("started").is_some())
        .count()
}

/// Waits until the journal shows `rows` started rows (or the child ended).
fn wait_for_started(child: &mut Child, journal: &Path, rows: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while started_rows(journal) < rows {
        if child.try_wait().expect("child").is_some() || Instant::now() > deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Final outcome of every row, from the journal (the last outcome line of each row).
fn final_outcomes(path: &Path) -> HashMap<u64, String> {
    let mut out = HashMap::new();
    for l in journal_lines(path) {
        if let (Some(row), Some(outcome)) = (l["row"].as_u64(), l["outcome"].as_str()) {
            out.insert(row, outcome.to_owned());
        }
    }
    out
}

/// A mapping without a duplication rule, 5xx answers *after* processing on a share of
/// the records: no contact gets two surveys, those records are reported unknown (and
/// listed in FILE.unknown.csv), every record is accounted for, and `cg` exits 3.
#[test]
fn after_processing_faults_without_a_rule_are_unknown_never_resent() {
    let sb = TestSandbox::start();
    let mapping = sb
        .sandbox
        .add_configuration(Configuration::standard("no rule"));
    sb.sandbox.set_faults(
        FaultConfig::default()
            .seed(5)
            .server_errors(0.2)
            .after_processing(true)
            .families([Family::Imports]),
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("c.csv"), contacts_csv("fault", 30)).expect("written");
    let run = sb
        .cg_in(
            tmp.path(),
            &[
                "records",
                "import",
                "c.csv",
                "--configuration",
                &mapping,
                "-o",
                "json",
            ],
        )
        .expect_code(3);
    sb.sandbox.set_faults(FaultConfig::none());
    assert_nobody_surveyed_twice(&sb);
    let summary = &json_lines(&run.stdout)[0];
    let count = |k: &str| summary[k].as_u64().unwrap_or(u64::MAX);
    assert!(count("unknown") > 0, "{summary:?}");
    assert_eq!(
        count("imported") + count("rejected") + count("unknown") + count("duplicates"),
        30,
        "{summary:?}"
    );
    assert_eq!(count("failed"), 0);
    assert_eq!(sb.requests_to("/records").len(), 30, "nothing resent");
    let unknown = read(&tmp.path().join("c.unknown.csv"));
    assert_eq!(
        unknown.lines().count() as u64,
        count("unknown") + 1,
        "{unknown}"
    );
    assert!(
        run.error_line().contains("unknown outcome"),
        "{}",
        run.stderr
    );
}

/// A 5,000-row import killed with SIGKILL at three random points, then run to the end:
/// no contact holds two surveys, and the journal holds every row's final outcome.
#[test]
fn an_import_killed_three_times_then_finished_surveys_nobody_twice() {
    const ROWS: usize = 5_000;
    let sb = TestSandbox::start();
    let mapping = sb
        .sandbox
        .add_configuration(Configuration::standard("no rule"));
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("big.csv"), contacts_csv("kill", ROWS)).expect("written");
    let journal = tmp.path().join("big.csv.journal");

    let mut kills = Vec::new();
    for _ in 0..3 {
        let mut child = spawn_import(
            &sb,
            tmp.path(),
            "big.csv",
            &mapping,
            &["--concurrency", "16"],
        );
        // A random point of the import: after some rows of this run were started.
        let already = started_rows(&journal);
        let at = already + 1 + random_below(1_200) as usize;
        wait_for_started(&mut child, &journal, at);
        std::thread::sleep(Duration::from_millis(random_below(30)));
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        kills.push(started_rows(&journal));
        assert_nobody_surveyed_twice(&sb);
    }
    println!("killed after {kills:?} started rows");
    assert!(kills.windows(2).all(|w| w[0] <= w[1]));

    let last = spawn_import(
        &sb,
        tmp.path(),
        "big.csv",
        &mapping,
        &["--concurrency", "16"],
    );
    let out = last.wait_with_output().expect("finished");
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 3,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_nobody_surveyed_twice(&sb);

    let finals = final_outcomes(&journal);
    assert_eq!(
        finals.len(),
        ROWS,
        "every row has its final outcome in the journal"
    );
    let summary = &json_lines(&String::from_utf8_lossy(&out.stdout))[0];
    let count = |k: &str| summary[k].as_u64().unwrap_or(u64::MAX);
    assert_eq!(
        count("imported") + count("duplicates") + count("rejected") + count("unknown"),
        ROWS as u64,
        "{summary:?}"
    );
    let unknown = finals.values().filter(|o| *o == "unknown").count() as u64;
    assert_eq!(unknown, count("unknown"));
    assert_eq!(code == 3, unknown > 0);
    // Every imported row holds exactly one survey; an unknown one at most one.
    let surveys = surveys_per_email(&sb);
    for (row, outcome) in &finals {
        let held = surveys
            .get(&format!("kill-{row}@example.com"))
            .copied()
            .unwrap_or(0);
        match outcome.as_str() {
            "imported" => assert_eq!(held, 1, "row {row}"),
            "unknown" => assert!(held <= 1, "row {row}"),
            other => panic!("row {row}: {other}"),
        }
    }
}

/// Ctrl-C (SIGINT) during an import: the rows in flight finish, the journal is whole
/// (every started row has its outcome), `cg` exits 5; the same command then resumes.
#[test]
fn ctrl_c_finishes_the_rows_in_flight_and_exits_5() {
    const ROWS: usize = 2_000;
    let sb = TestSandbox::start();
    let mapping = sb
        .sandbox
        .add_configuration(Configuration::standard("no rule"));
    // Slow answers, so the import is still running when the signal comes.
    sb.sandbox.set_faults(
        FaultConfig::default()
            .latency(Duration::from_millis(20))
            .families([Family::Imports]),
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("int.csv"), contacts_csv("int", ROWS)).expect("written");
    let journal = tmp.path().join("int.csv.journal");

    let mut child = spawn_import(&sb, tmp.path(), "int.csv", &mapping, &[]);
    wait_for_started(&mut child, &journal, 40);
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let out = child.wait_with_output().expect("ended");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");

    let lines = journal_lines(&journal);
    let started: Vec<u64> = lines.iter().filter_map(|l| l["started"].as_u64()).collect();
    let finals = final_outcomes(&journal);
    assert!(started.len() < ROWS, "stopped early");
    for row in &started {
        assert!(
            finals.contains_key(row),
            "row {row} started without an outcome"
        );
    }
    assert!(finals.values().all(|o| o == "imported"), "{finals:?}");

    sb.sandbox.set_faults(FaultConfig::none());
    let again = sb
        .cg_in(
            tmp.path(),
            &[
                "records",
                "import",
                "int.csv",
                "--configuration",
                &mapping,
                "-o",
                "json",
            ],
        )
        .ok();
    let summary = &json_lines(&again.stdout)[0];
    assert_eq!(summary["imported"], ROWS);
    assert_eq!(summary["resumed"], finals.len());
    assert_nobody_surveyed_twice(&sb);
    assert_eq!(surveys_per_email(&sb).len(), ROWS);
}

/// Wrong credentials: a 1,000-row import makes one token request and ends with a clear
/// auth error, sending no record.
#[test]
fn wrong_credentials_make_one_token_request() {
    let sb = TestSandbox::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("w.csv"), contacts_csv("wrong", 1_000)).expect("written");
    let mut all = sb.connection_as("not-the-client");
    all.extend(
        [
            "records",
            "import",
            "w.csv",
            "--configuration",
            DEMO_OPEN_CONFIGURATION,
        ]
        .map(String::from),
    );
    let mut c = sb.command_as("not-the-secret");
    c.args(&all).current_dir(tmp.path());
    let run = common::run_command(c, all);
    assert_eq!(run.code, 4, "the authentication exit code");
    let line = run.error_line();
    assert!(line.contains("credentials"), "{line}");
    assert!(!line.contains("not-the-secret"), "{line}");
    let tokens = sb
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.family == Family::Auth)
        .count();
    assert_eq!(tokens, 1, "one token request");
    assert!(sb.requests_to("/records").is_empty());
}

/// Against a service that accepts 200 requests a second, the import at concurrency 64
/// adapts its send rate by default: every row gets in, with far fewer requests refused
/// with 429 than with `--fixed-rate` (whose rows may run out of retries).
#[test]
fn the_send_rate_adapts_to_429s_unless_fixed() {
    const ROWS: usize = 600;
    let refused_429 = |extra: &[&str], prefix: &str, must_finish: bool| {
        let sb = TestSandbox::with(|b| {
            b.faults(cg_sandbox::FaultConfig {
                rate_limit: Some(cg_sandbox::RateLimit::new(200.0, 20)),
                ..Default::default()
            })
        });
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("r.csv"), contacts_csv(prefix, ROWS)).expect("written");
        let mut args = vec![
            "records",
            "import",
            "r.csv",
            "--configuration",
            DEMO_OPEN_CONFIGURATION,
            "--concurrency",
            "64",
        ];
        args.extend_from_slice(extra);
        let run = sb.cg_in(tmp.path(), &args);
        let puts = sb.requests_to("/records");
        if must_finish {
            run.expect_code(0);
            assert_eq!(
                puts.iter().filter(|r| r.status == 200).count(),
                ROWS,
                "every row in once"
            );
        }
        puts.iter().filter(|r| r.status == 429).count()
    };
    let fixed = refused_429(&["--fixed-rate"], "fixed", false);
    let adaptive = refused_429(&[], "adaptive", true);
    assert!(fixed > 0, "the limit was reached at a fixed rate");
    assert!(
        adaptive * 3 < fixed,
        "adaptive {adaptive} answers 429 against fixed {fixed}"
    );
}
