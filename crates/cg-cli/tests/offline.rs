//! Commands that need no service: the error table, completions, help, and the usage
//! errors raised before anything is sent.

mod common;

use common::{cg, redact};

#[test]
fn errors_explain_prints_one_row() {
    let run = cg(&["errors", "explain", "400401"]).ok();
    insta::assert_snapshot!("errors_explain_table", run.transcript());

    let json = cg(&["errors", "explain", "400401", "-o", "json"]).ok();
    let rows = common::json_lines(&json.stdout);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["code"], 400401);
    assert_eq!(rows[0]["http_status"], 400);
    assert_eq!(rows[0]["reason"], "Record does not exist");

    let csv = cg(&["errors", "explain", "400401", "-o", "csv"]).ok();
    insta::assert_snapshot!("errors_explain_csv", csv.stdout);
}

#[test]
fn errors_list_prints_the_whole_table_in_every_format() {
    let table = cg(&["errors", "list"]).ok();
    insta::assert_snapshot!("errors_list_table", table.stdout);
    assert!(table.stderr.is_empty(), "{}", table.stderr);

    let json = cg(&["errors", "list", "--output", "json"]).ok();
    let rows = common::json_lines(&json.stdout);
    // One row per code, in the same order as the table (which has a header line).
    assert_eq!(rows.len(), table.stdout.lines().count() - 1);
    for row in &rows {
        assert_eq!(row.len(), 5, "{row:?}");
        assert!(row["code"].is_u64(), "{row:?}");
    }
    // Keys in column order, one object per line.
    insta::assert_snapshot!(
        "errors_list_json_head",
        json.stdout.lines().take(3).collect::<Vec<_>>().join("\n")
    );
    let explained = cg(&["errors", "explain", "400401", "-o", "json"]).ok();
    assert!(rows.contains(&common::json_lines(&explained.stdout)[0]));

    let csv = cg(&["errors", "list", "-o", "csv"]).ok();
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        ["code", "http_status", "category", "subcategory", "reason"]
    );
    assert_eq!(reader.records().count(), rows.len());
}

#[test]
fn errors_explain_refuses_unknown_codes() {
    let unknown = cg(&["errors", "explain", "12"]).expect_code(2);
    let not_a_number = cg(&["errors", "explain", "abc"]).expect_code(2);
    for run in [&unknown, &not_a_number] {
        assert!(run.stdout.is_empty());
        assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    }
    insta::assert_snapshot!(
        "errors_explain_unknown",
        format!("{}\n{}", unknown.transcript(), not_a_number.transcript())
    );
}

#[test]
fn completions_bash() {
    let run = cg(&["completions", "bash"]).ok();
    assert!(run.stdout.contains("complete -F _cg"), "{}", run.stdout);
    // Every command group is completed.
    for group in [
        "demo",
        "records",
        "accounts",
        "unsubscribes",
        "bounces",
        "anonymize",
        "hierarchy",
        "revenue",
        "files",
        "transactions",
        "workflow",
        "reasons",
        "report",
        "responses",
        "errors",
        "sandbox",
        "completions",
    ] {
        assert!(
            run.stdout.contains(group),
            "{group} missing from the completions"
        );
    }
    assert!(run.stdout.contains("--client-secret"));
    assert!(run.stderr.is_empty());
}

#[test]
fn help_texts() {
    let top = cg(&["--help"]).ok();
    insta::assert_snapshot!("help", top.stdout);
    let import = cg(&["records", "import", "--help"]).ok();
    insta::assert_snapshot!("help_records_import", import.stdout);
}

/// Failures before anything is sent: one `error: ` line, exit 2 (usage) or 1 (I/O).
/// `CG_CLIENT_SECRET` is set where the case has a secret.
#[test]
fn usage_errors_are_one_line_with_exit_code_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.csv");
    let empty_header = dir.path().join("empty.csv");
    std::fs::write(&empty_header, "\n\n").expect("written");
    let eu = |rest: &[&str]| {
        let mut a = args(&["--region", "eu", "--client-id", "someone"]);
        a.extend(args(rest));
        a
    };
    let cases: Vec<(Vec<String>, bool, i32)> = vec![
        (args(&["hierarchy", "list"]), false, 2),
        (
            args(&["--client-id", "someone", "hierarchy", "list"]),
            false,
            2,
        ),
        (
            args(&["--client-id", "someone", "hierarchy", "list"]),
            true,
            2,
        ),
        // The invalid region is named first, with the valid ones, credentials or not.
        (args(&["--region", "mars", "hierarchy", "list"]), false, 2),
        (
            args(&[
                "--region",
                "mars",
                "--client-id",
                "someone",
                "hierarchy",
                "list",
            ]),
            true,
            2,
        ),
        // Secrets as flag values are refused, pointing to the environment, stdin, a profile.
        (
            args(&["--client-secret", "x", "hierarchy", "list"]),
            false,
            2,
        ),
        (args(&["--api-key", "x", "hierarchy", "list"]), false, 2),
        (
            args(&["--profile", "nowhere", "hierarchy", "list"]),
            false,
            2,
        ),
        (eu(&["--client-secret-stdin", "hierarchy", "list"]), true, 2),
        (
            eu(&["records", "put", "--configuration", "c", "--field", "bad"]),
            true,
            2,
        ),
        (eu(&["records", "import", "contacts.csv"]), true, 2),
        (
            eu(&["workflow", "update", "1", "--status", "weird"]),
            true,
            2,
        ),
        (eu(&["reasons", "list", "--show-for", "everyone"]), true, 2),
        (eu(&["transactions", "list", "--filter", "nope"]), true, 2),
        (eu(&["report", "nps", "--filter", "nope"]), true, 2),
        (
            vec![
                "--sandbox".into(),
                "records".into(),
                "import".into(),
                missing.display().to_string(),
            ],
            false,
            1,
        ),
        (
            vec![
                "--sandbox".into(),
                "records".into(),
                "import".into(),
                empty_header.display().to_string(),
            ],
            false,
            2,
        ),
    ];
    let mut transcript = String::new();
    for (args, secret, code) in cases {
        let mut c = common::cg_command();
        c.args(&args);
        if secret {
            c.env("CG_CLIENT_SECRET", "x");
            transcript.push_str("# CG_CLIENT_SECRET=x\n");
        }
        let run = common::run_command(c, args).expect_code(code);
        assert!(run.stdout.is_empty(), "{}", run.transcript());
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.transcript());
        run.error_line();
        transcript.push_str(&redact(&run.transcript(), &[dir.path()]));
        transcript.push('\n');
    }
    insta::assert_snapshot!("usage_errors", redact_config(&transcript));
}

/// The path of the tests' absent config file, as `[CONFIG]`.
fn redact_config(text: &str) -> String {
    text.replace(&common::no_config().display().to_string(), "[CONFIG]")
}

/// clap's own errors (unknown command, bad values) exit 2 too.
#[test]
fn argument_errors_exit_2() {
    let mut transcript = String::new();
    for args in [
        &["bogus"][..],
        &["unsubscribes", "list", "--since", "2024-13-01"],
        // The old name of --since, kept as a hidden alias.
        &["unsubscribes", "list", "--from", "2024-13-01"],
        &["bounces", "list", "--limit", "0"],
        &["files", "list", "spreadsheet"],
        &["anonymize", "check"],
        &[
            "anonymize",
            "check",
            "--email",
            "a@example.com",
            "--telephone",
            "123",
        ],
        &["records", "put", "--configuration", "c"],
    ] {
        let run = cg(args).expect_code(2);
        assert!(run.stdout.is_empty());
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
        transcript.push_str(&run.transcript());
        transcript.push('\n');
    }
    insta::assert_snapshot!("argument_errors", transcript);
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}
