//! Case 10: `cg export responses` of a million responses from the sandbox, to Parquet
//! files (`-o parquet --out-dir`) against JSON lines (`-o json`, to a file), in the same
//! run: rows/s and the peak memory of the `cg` process (goal under 128 MiB).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::Env;
use crate::procfs;
use crate::report::{CaseOut, Row, thousands};
use crate::sandbox::{Options, SandboxProc};
use crate::stats::median;

/// Peak memory goal of an export, MiB.
const PEAK_GOAL_MIB: f64 = 128.0;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Output {
    Parquet,
    Jsonl,
}

impl Output {
    fn label(self) -> &'static str {
        match self {
            Output::Parquet => "Parquet (--out-dir)",
            Output::Jsonl => "JSON lines (stdout to a file)",
        }
    }
}

struct Run {
    output: Output,
    elapsed_s: f64,
    peak_kib: u64,
    bytes: u64,
}

/// A state file with `n` answered surveys (the demo credentials too).
async fn state_file(dir: &Path, n: usize) -> Result<PathBuf, String> {
    use cg_sandbox::state::{Survey, SurveyKind};
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let path = dir.join(format!("export-state-{n}.json"));
    let sandbox = cg_sandbox::Sandbox::builder()
        .request_log_capacity(0)
        .try_start()
        .await
        .map_err(|e| e.to_string())?;
    sandbox.with_state(|s| {
        for i in 0..n {
            let day = 1 + i % 28;
            s.push_survey(Survey {
                kind: SurveyKind::Response,
                status: "PROCESSED".into(),
                number_customer: Some(format!("C-{i:07}")),
                email: Some(format!("bench{i}@example.com")),
                first_name: Some("Bench".into()),
                last_name: Some(format!("Person {i}")),
                account_name: Some("ACME".into()),
                account_number: Some("ACME-001".into()),
                nps: Some((i % 11) as i64),
                comment: (i % 3 == 0).then(|| "Quick and friendly.".into()),
                date_creation: format!("2024-01-{day:02} 09:00:00"),
                date_order: Some(format!("2024-01-{day:02} 08:00:00")),
                date_sent: Some(format!("2024-01-{day:02} 10:00:00")),
                date_survey_response: Some(format!("2024-01-{day:02} 11:30:00")),
                fields: [("Region".to_owned(), "Europe".to_owned())].into(),
                drivers: vec!["Price".into()],
                tags: vec!["bench".into()],
                ..Survey::default()
            });
        }
    });
    let state = sandbox.state();
    sandbox.shutdown().await;
    let target = path.clone();
    tokio::task::spawn_blocking(move || cg_sandbox::persist::save(&target, &state))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok(path)
}

fn size_under(path: &Path) -> u64 {
    if path.is_file() {
        return std::fs::metadata(path).map_or(0, |m| m.len());
    }
    std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| size_under(&e.path()))
        .sum()
}

/// One `cg export responses` run; its peak memory is the last `VmHWM` read while it
/// ran (read every 10 ms: the high-water mark only grows).
fn run_cg(cg: &Path, sandbox: &SandboxProc, output: Output, dir: &Path) -> Result<Run, String> {
    let target = dir.join(match output {
        Output::Parquet => "export-parquet",
        Output::Jsonl => "export.jsonl",
    });
    let _ = std::fs::remove_dir_all(&target);
    let _ = std::fs::remove_file(&target);
    let mut command = Command::new(cg);
    command
        .args(["--api-url", &sandbox.api, "--imports-url", &sandbox.imports])
        .args([
            "--auth-url",
            &sandbox.auth,
            "--client-id",
            &sandbox.client_id,
        ])
        .args(["--client-secret", &sandbox.client_secret])
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    match output {
        Output::Parquet => {
            command
                .args(["-o", "parquet", "export", "responses", "--out-dir"])
                .arg(&target)
                .stdout(Stdio::null());
        }
        Output::Jsonl => {
            let file = std::fs::File::create(&target).map_err(|e| e.to_string())?;
            command
                .args(["-o", "json", "export", "responses"])
                .stdout(file);
        }
    }
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", cg.display()))?;
    let pid = child.id().to_string();
    let mut peak_kib = 0;
    let status = loop {
        if let Some(kib) = procfs::status_kib(&pid, "VmHWM") {
            peak_kib = peak_kib.max(kib);
        }
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let elapsed_s = started.elapsed().as_secs_f64();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        return Err(format!(
            "cg export ({}) failed: {status}: {}",
            output.label(),
            err.trim()
        ));
    }
    let bytes = size_under(&target);
    let _ = std::fs::remove_dir_all(&target);
    let _ = std::fs::remove_file(&target);
    Ok(Run {
        output,
        elapsed_s,
        peak_kib,
        bytes,
    })
}

/// Case 10.
pub async fn export(env: &Env, responses: usize, reps: usize) -> Result<CaseOut, String> {
    let cg = env.self_exe.with_file_name("cg");
    if !cg.exists() {
        return Err(format!(
            "no cg binary at {} (cargo build --release -p cg-cli)",
            cg.display()
        ));
    }
    eprintln!("case 10: writing a state file with {responses} responses");
    let path = state_file(&env.out_dir, responses).await?;
    let options = Options {
        state: Some(path.clone()),
        ..Options::default()
    };
    let sandbox = SandboxProc::start(&env.sandbox_bin, &options)?;
    let mut runs = Vec::new();
    for rep in 0..reps {
        let mut order = [Output::Parquet, Output::Jsonl];
        order.rotate_left(rep % 2);
        for output in order {
            let r = run_cg(&cg, &sandbox, output, &env.out_dir)?;
            eprintln!(
                "case 10: {:<30} {responses} rows in {:.2} s: {:>9} rows/s, peak {:.1} MiB, {:.1} MiB written",
                output.label(),
                r.elapsed_s,
                thousands(responses as f64 / r.elapsed_s),
                r.peak_kib as f64 / 1024.0,
                r.bytes as f64 / 1_048_576.0
            );
            runs.push(r);
        }
    }
    drop(sandbox);
    let _ = std::fs::remove_file(&path);
    let rate = |o: Output| -> f64 {
        let rates: Vec<f64> = runs
            .iter()
            .filter(|r| r.output == o)
            .map(|r| responses as f64 / r.elapsed_s)
            .collect();
        median(&rates)
    };
    let peak = |o: Output| -> f64 {
        runs.iter()
            .filter(|r| r.output == o)
            .map(|r| r.peak_kib as f64 / 1024.0)
            .fold(0.0, f64::max)
    };
    let bytes = |o: Output| -> f64 {
        runs.iter()
            .filter(|r| r.output == o)
            .map(|r| r.bytes as f64 / 1_048_576.0)
            .fold(0.0, f64::max)
    };
    let (pq, jl) = (rate(Output::Parquet), rate(Output::Jsonl));
    let rows = vec![
        Row::info("Parquet export, rows/s (median)", thousands(pq)),
        Row::info("JSON-lines export, rows/s (median)", thousands(jl)),
        Row::info("Parquet / JSON lines, rows/s", format!("{:.2}x", pq / jl)),
        Row::target(
            "cg peak memory, Parquet (VmHWM)",
            format!("{:.1} MiB", peak(Output::Parquet)),
            format!("< {PEAK_GOAL_MIB} MiB"),
            peak(Output::Parquet) < PEAK_GOAL_MIB,
        ),
        Row::target(
            "cg peak memory, JSON lines (VmHWM)",
            format!("{:.1} MiB", peak(Output::Jsonl)),
            format!("< {PEAK_GOAL_MIB} MiB"),
            peak(Output::Jsonl) < PEAK_GOAL_MIB,
        ),
        Row::info(
            "bytes written: Parquet / JSON lines",
            format!(
                "{:.1} MiB / {:.1} MiB",
                bytes(Output::Parquet),
                bytes(Output::Jsonl)
            ),
        ),
    ];
    let details = json!({
        "responses": responses,
        "runs": runs.iter().map(|r| json!({
            "output": r.output.label(),
            "elapsed_s": r.elapsed_s,
            "rows_per_s": responses as f64 / r.elapsed_s,
            "peak_kib": r.peak_kib,
            "bytes": r.bytes,
        })).collect::<Vec<_>>(),
    });
    Ok(CaseOut {
        id: 10,
        title: "cg export: Parquet vs JSON lines",
        rows,
        details,
    })
}
