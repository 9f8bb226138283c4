//! `cg export`: incremental runs with a state file, crash safety of the directory
//! output (the real binary killed with SIGKILL), Parquet read back by pyarrow, Singer
//! message order.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use cg_sandbox::state::{Survey, SurveyKind};
use cg_sandbox::{Family, FaultConfig};
use common::{TestSandbox, json_lines};
use serde_json::Value;

/// Adds `n` answered surveys; their CG-IDs.
fn add_responses(ts: &TestSandbox, n: usize) -> Vec<u64> {
    ts.sandbox.with_state(|s| {
        (0..n)
            .map(|i| {
                let day = 1 + i % 28;
                s.push_survey(Survey {
                    kind: SurveyKind::Response,
                    status: "PROCESSED".into(),
                    email: Some(format!("added{i}@example.com")),
                    nps: Some((i % 11) as i64),
                    date_creation: format!("2024-01-{day:02} 09:00:00"),
                    date_sent: Some(format!("2024-01-{day:02} 10:00:00")),
                    date_survey_response: Some(format!("2024-01-{day:02} 11:30:00")),
                    drivers: vec!["Price".into()],
                    tags: vec!["added".into()],
                    ..Survey::default()
                })
            })
            .collect()
    })
}

/// The CG-IDs of every response the sandbox holds.
fn response_ids(ts: &TestSandbox) -> BTreeSet<u64> {
    ts.sandbox
        .state()
        .surveys
        .iter()
        .filter(|s| s.kind == SurveyKind::Response)
        .map(|s| s.number_customergauge)
        .collect()
}

fn ids_of(text: &str) -> Vec<u64> {
    json_lines(text)
        .iter()
        .map(|r| r["number_customergauge"].as_u64().expect("an id"))
        .collect()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo: Vec<PathBuf> = dir.exists().then(|| dir.to_owned()).into_iter().collect();
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("a directory") {
            let p = e.expect("an entry").path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every `number_customergauge` in the Parquet parts under `dir` (temporary files,
/// hidden, are what readers skip, so they are skipped here too).
fn parquet_ids(dir: &Path) -> Vec<u64> {
    use arrow_array::Array;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let mut ids = Vec::new();
    for path in files_under(dir) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        assert!(
            name.starts_with("part-") && name.ends_with(".parquet"),
            "{name}"
        );
        let file = std::fs::File::open(&path).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap_or_else(|e| panic!("{} is not a complete Parquet file: {e}", path.display()))
            .build()
            .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            let col = batch
                .column_by_name("number_customergauge")
                .unwrap()
                .as_any()
                .downcast_ref::<arrow_array::Int64Array>()
                .unwrap()
                .clone();
            ids.extend((0..col.len()).map(|i| col.value(i) as u64));
        }
    }
    ids.sort_unstable();
    ids
}

fn spawn(ts: &TestSandbox, args: &[String], stdout: Stdio) -> Child {
    let mut c = ts.command();
    c.args(ts.connection())
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::null());
    c.spawn().expect("cg starts")
}

fn export_pages(ts: &TestSandbox) -> usize {
    ts.requests_to("/v7/rest/sync/responses").len()
}

/// Lets `cg` run until the sandbox has seen `pages` more export requests, then kills
/// it with SIGKILL; panics if it ended before.
fn kill_after(ts: &TestSandbox, args: &[String], pages: usize, stdout: Stdio) {
    let before = export_pages(ts);
    let mut child = spawn(ts, args, stdout);
    while export_pages(ts) < before + pages {
        if let Some(status) = child.try_wait().expect("cg status") {
            panic!("cg ended ({status}) before {pages} page(s): nothing to kill");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("SIGKILL sent");
    let status = child.wait().expect("cg ends");
    assert!(!status.success(), "cg was killed: {status}");
}

#[test]
fn directory_export_killed_at_three_points_then_rerun_holds_each_row_once() {
    // A slow service (every answer 25 ms late), small pages, one part per page: many
    // moments at which a kill lands between writing a part and storing the cursor.
    let ts = TestSandbox::with(|b| {
        b.faults(
            FaultConfig::none()
                .latency(Duration::from_millis(25))
                .families([Family::Api]),
        )
    });
    add_responses(&ts, 120);
    let expected: Vec<u64> = response_ids(&ts).into_iter().collect();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    let state = dir.path().join("state.json");
    let args: Vec<String> = [
        "-o",
        "parquet",
        "export",
        "responses",
        "--per-page",
        "7",
        "--part-rows",
        "7",
        "--partition-by",
        "date_survey_response",
        "--out-dir",
        out.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Early, in the middle of what is left, and at the last page of what is left.
    let remaining_pages = |written: usize| (expected.len() - written).div_ceil(7);
    let mut early_state = None;
    for point in 0..3 {
        let written = parquet_ids(&out).len();
        let left = remaining_pages(written);
        let pages = match point {
            0 => 1,
            1 => left / 2,
            _ => left,
        };
        kill_after(&ts, &args, pages.max(1), Stdio::null());
        let partial = parquet_ids(&out);
        let unique: BTreeSet<u64> = partial.iter().copied().collect();
        assert_eq!(
            unique.len(),
            partial.len(),
            "a row written twice before the re-run"
        );
        if point < 2 {
            assert!(partial.len() < expected.len(), "killed before the end");
        }
        if point == 1 {
            early_state = std::fs::read(&state).ok();
        }
    }
    let mut c = ts.command();
    c.args(ts.connection()).args(&args);
    let done = common::run_command(c, args.clone()).ok();
    assert_eq!(parquet_ids(&out), expected, "{}", done.stderr);
    let leftovers: Vec<_> = files_under(&out)
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    // The widest crash window, made on purpose: parts renamed but the state not yet
    // stored (here: an older state put back). The re-run writes those parts again
    // under the same names, replacing them.
    std::fs::write(&state, early_state.expect("a state after the second kill")).unwrap();
    let mut c = ts.command();
    c.args(ts.connection()).args(&args);
    common::run_command(c, args.clone()).ok();
    assert_eq!(
        parquet_ids(&out),
        expected,
        "after a re-run from a stale state"
    );
    assert!(
        out.join("date_survey_response=2024-01-02").is_dir(),
        "Hive partitions: {:?}",
        files_under(&out)
    );
}

#[test]
fn stdout_export_killed_then_rerun_repeats_at_most_the_last_page() {
    let ts = TestSandbox::with(|b| {
        b.faults(
            FaultConfig::none()
                .latency(Duration::from_millis(25))
                .families([Family::Api]),
        )
    });
    add_responses(&ts, 60);
    let expected = response_ids(&ts);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let state = dir.path().join("state.json");
    let args: Vec<String> = ["export", "responses", "--per-page", "5", "--state"]
        .iter()
        .map(|s| s.to_string())
        .chain([state.to_str().unwrap().to_owned()])
        .collect();
    let append = || {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&out)
            .unwrap()
    };
    kill_after(&ts, &args, 6, append().into());
    let before_rerun = ids_of(&std::fs::read_to_string(&out).unwrap()).len();
    assert!(before_rerun < expected.len(), "killed before the end");
    let mut c = ts.command();
    c.args(ts.connection()).args(&args).stdout(append());
    common::run_command(c, args.clone()).ok();
    let ids = ids_of(&std::fs::read_to_string(&out).unwrap());
    let unique: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(unique, expected, "no row lost");
    assert!(
        ids.len() - unique.len() <= 5,
        "{} rows repeated, more than the last page of 5",
        ids.len() - unique.len()
    );
}

#[test]
fn an_hourly_run_with_the_state_exports_exactly_what_was_added() {
    let ts = TestSandbox::start();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state = state.to_str().unwrap();
    let args = ["export", "responses", "--per-page", "4", "--state", state];
    let first = ts.cg(&args).ok();
    let all: BTreeSet<u64> = ids_of(&first.stdout).into_iter().collect();
    assert_eq!(all, response_ids(&ts));
    assert!(!std::fs::read_to_string(state).unwrap().contains("secret"));

    let added = add_responses(&ts, 10);
    let second = ts.cg(&args).ok();
    assert_eq!(ids_of(&second.stdout), added);

    let third = ts.cg(&args).ok();
    assert_eq!(third.stdout, "", "nothing new, nothing exported");
}

#[test]
fn a_corrupt_foreign_or_other_stream_state_is_refused_before_anything_is_written() {
    let ts = TestSandbox::start();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let out = dir.path().join("out");
    let run = |ts: &TestSandbox, stream: &str| {
        ts.cg(&[
            "export",
            stream,
            "--state",
            state.to_str().unwrap(),
            "--out-dir",
            out.to_str().unwrap(),
        ])
    };

    std::fs::write(&state, "{\"bookmarks\": ").unwrap();
    let r = run(&ts, "responses").expect_code(2);
    assert!(
        r.error_line().contains("is not a state file"),
        "{}",
        r.stderr
    );
    assert!(!out.exists(), "nothing written");

    std::fs::remove_file(&state).unwrap();
    run(&ts, "responses").ok();
    std::fs::remove_dir_all(&out).unwrap();
    let r = run(&ts, "non-responses").expect_code(2);
    assert!(
        r.error_line()
            .contains("holds the state of responses, not of non-responses"),
        "{}",
        r.stderr
    );
    assert!(!out.exists(), "nothing written");

    ts.sandbox.add_client("another-client", "another-secret");
    let mut other = ts.connection_as("another-client");
    other.extend(
        ["export", "responses", "--state", state.to_str().unwrap()]
            .iter()
            .map(|s| s.to_string()),
    );
    let mut c = ts.command_as("another-secret");
    c.args(&other);
    let r = common::run_command(c, other).expect_code(2);
    assert!(
        r.error_line()
            .contains("belongs to client \"sandbox-demo-client\""),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");
    assert!(!r.stderr.contains("another-secret"));
}

/// A Python with pyarrow: the project's venv (CI makes it from scripts/requirements.txt)
/// or the system's; `None` when there is no Python at all.
fn python() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    if venv.exists() {
        return Some(venv);
    }
    std::process::Command::new("python3")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| PathBuf::from("python3"))
}

#[test]
fn parquet_parts_open_with_pyarrow_with_the_expected_column_types() {
    let Some(python) = python() else {
        eprintln!(
            "SKIPPED: no python3 (nor .venv/bin/python) to open the Parquet files with pyarrow"
        );
        return;
    };
    let ts = TestSandbox::start();
    add_responses(&ts, 5);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    ts.cg(&[
        "-o",
        "parquet",
        "export",
        "responses",
        "--out-dir",
        out.to_str().unwrap(),
        "--partition-by",
        "date_survey_response",
    ])
    .ok();
    let script = r#"
import sys, json
import pyarrow.dataset as ds
d = ds.dataset(sys.argv[1], format="parquet", partitioning="hive")
t = d.to_table()
days = {}
for day in t.column("date_survey_response").to_pylist():
    days[str(day)] = days.get(str(day), 0) + 1
print(json.dumps({"rows": t.num_rows, "days": days, "types": {f.name: str(f.type) for f in d.schema}}))
"#;
    let run = std::process::Command::new(&python)
        .args(["-c", script, out.to_str().unwrap()])
        .output()
        .expect("python runs");
    assert!(
        run.status.success(),
        "pyarrow could not read the export (CI installs it from scripts/requirements.txt):\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let got: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(got["rows"], response_ids(&ts).len());
    assert_eq!(got["days"]["2024-01-02"], 1, "{got}");
    let types = &got["types"];
    for (column, ty) in [
        ("number_customergauge", "int64"),
        ("nps", "int64"),
        ("email", "string"),
        ("date_creation", "timestamp[ms]"),
        ("date_sent", "timestamp[ms]"),
        ("date_survey_response_timestamp", "timestamp[ms]"),
        ("drivers", "list<item: string>"),
        ("tags", "list<item: string>"),
        ("properties", "map<string, string"),
        ("questions", "list<item: map<string, string"),
        ("extra", "string"),
    ] {
        let got = types[column].as_str().unwrap_or_default();
        assert!(
            got.starts_with(ty),
            "column {column}: {got}, not {ty}, in {types}"
        );
    }
}

#[test]
fn singer_sends_schema_first_and_state_only_after_the_records_it_covers() {
    let ts = TestSandbox::start();
    add_responses(&ts, 10);
    let run = ts
        .cg(&["-o", "singer", "export", "responses", "--per-page", "4"])
        .ok();
    let messages = json_lines(&run.stdout);
    assert_eq!(messages[0]["type"], "SCHEMA");
    assert_eq!(messages[0]["stream"], "responses");
    assert_eq!(messages[0]["key_properties"][0], "number_customergauge");
    assert!(messages.iter().skip(1).all(|m| m["type"] != "SCHEMA"));
    assert_eq!(messages.last().unwrap()["type"], "STATE");

    let dir = tempfile::tempdir().unwrap();
    let mut before = Vec::new();
    let all = response_ids(&ts);
    let mut states = 0;
    for m in &messages[1..] {
        match m["type"].as_str() {
            Some("RECORD") => {
                assert_eq!(m["stream"], "responses");
                before.push(m["record"]["number_customergauge"].as_u64().unwrap());
            }
            Some("STATE") => {
                states += 1;
                // Resuming from this state gives exactly the records not sent before it.
                let path = dir.path().join(format!("state-{states}.json"));
                std::fs::write(&path, m["value"].to_string()).unwrap();
                let rest = ts
                    .cg(&["export", "responses", "--state", path.to_str().unwrap()])
                    .ok();
                let mut seen: Vec<u64> = before.clone();
                seen.extend(ids_of(&rest.stdout));
                assert_eq!(
                    seen,
                    all.iter().copied().collect::<Vec<_>>(),
                    "after STATE {states}"
                );
            }
            other => panic!("unexpected message {other:?}"),
        }
    }
    assert!(states >= 3, "a STATE after each page: {states}");
}

#[test]
fn close_loop_cases_export_incrementally_and_to_parquet() {
    let ts = TestSandbox::start();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state = state.to_str().unwrap();
    let first = ts
        .cg(&["export", "close-loop", "--per-page", "2", "--state", state])
        .ok();
    let cases = json_lines(&first.stdout);
    assert!(cases.len() >= 3, "the demo has cases: {}", first.stdout);
    assert!(cases.iter().all(|c| c["status"].is_string()));
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(state).unwrap()).unwrap();
    assert!(
        stored["bookmarks"]["close-loop"]["cursor"].is_number(),
        "the sandbox's integer cursor is stored as an integer: {stored}"
    );
    let again = ts
        .cg(&["export", "close-loop", "--per-page", "2", "--state", state])
        .ok();
    assert_eq!(again.stdout, "");

    let out = dir.path().join("cases");
    ts.cg(&[
        "-o",
        "parquet",
        "export",
        "close-loop",
        "--out-dir",
        out.to_str().unwrap(),
    ])
    .ok();
    let mut want: Vec<u64> = cases
        .iter()
        .map(|c| c["number_customergauge"].as_u64().unwrap())
        .collect();
    want.sort_unstable();
    assert_eq!(parquet_ids(&out), want);
}

#[test]
fn the_variant_answer_shapes_export_the_same_rows_with_nothing_lost() {
    let export = |profile: cg_sandbox::Profile| {
        let ts = TestSandbox::with(|b| b.profile(profile));
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("lake");
        ts.cg(&[
            "-o",
            "parquet",
            "export",
            "responses",
            "--per-page",
            "3",
            "--out-dir",
            out.to_str().unwrap(),
        ])
        .ok();
        let lines = json_lines(
            &ts.cg(&["export", "responses", "--per-page", "3"])
                .ok()
                .stdout,
        );
        (parquet_ids(&out), lines)
    };
    let (standard_ids, standard) = export(cg_sandbox::Profile::Standard);
    let (variant_ids, variant) = export(cg_sandbox::Profile::Variant);
    assert_eq!(
        variant_ids, standard_ids,
        "numbers as strings still land in the integer column"
    );
    let emails = |rows: &[serde_json::Map<String, Value>]| -> Vec<Value> {
        rows.iter().map(|r| r["email"].clone()).collect()
    };
    assert_eq!(emails(&variant), emails(&standard));
}
