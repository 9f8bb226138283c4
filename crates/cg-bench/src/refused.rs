//! Case 8: a 1,000,000-record bulk import whose records are all refused locally (no
//! network), in a child process so that its peak memory (`VmHWM`) is its own: outcomes
//! go to a sink as they happen, so memory stays O(concurrency), not O(records).

use std::process::Command;
use std::time::Instant;

use cg_facade::modules::bulk::BulkOutcome;
use cg_facade::modules::records::Record;
use cg_facade::{Client, Credentials, Endpoints};
use futures::StreamExt;
use serde_json::{Value, json};

use crate::procfs;
use crate::report::{CaseOut, Row};

const TITLE: &str = "memory of a bulk import refused locally";

/// Runs the child and reports its peak memory against the 64 MiB target.
pub fn refused_import(self_exe: &std::path::Path, rows: u64) -> Result<CaseOut, String> {
    let out = Command::new(self_exe)
        .args(["refused-child", "--rows", &rows.to_string()])
        .output()
        .map_err(|e| format!("could not start the child: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the child failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let details: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("the child's answer is not JSON: {e}"))?;
    let peak_mib = details["peak_kib"].as_f64().unwrap_or(f64::MAX) / 1024.0;
    let rejected = details["rejected"].as_u64().unwrap_or(0);
    Ok(CaseOut {
        id: 8,
        title: TITLE,
        rows: vec![
            Row::target(
                format!("peak memory of {rows} records all refused locally (VmHWM)"),
                format!("{peak_mib:.1} MiB"),
                "< 64 MiB",
                peak_mib < 64.0,
            ),
            Row::target(
                "records accounted for as rejected",
                rejected.to_string(),
                format!("= {rows}"),
                rejected == rows,
            ),
            Row::info(
                "elapsed",
                format!("{:.2} s", details["elapsed_s"].as_f64().unwrap_or(0.0)),
            ),
        ],
        details,
    })
}

/// The child: imports `rows` records without Email or Phone into a client whose hosts
/// are never contacted, counting outcomes in a sink that keeps nothing.
pub async fn child(rows: u64) -> Result<(), String> {
    let endpoints = Endpoints::from_urls(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
    )
    .map_err(|e| e.to_string())?;
    let client = Client::builder()
        .endpoints(endpoints)
        .credentials(Credentials::client_credentials("bench", "bench-secret"))
        .build()
        .map_err(|e| e.to_string())?;
    let records = futures::stream::iter(0..rows).map(|i| {
        Record::new()
            .field("Email", format!("not-an-address-{i}"))
            .field("First Name", format!("Person {i}"))
    });
    let t0 = Instant::now();
    let mut seen = 0u64;
    let mut sink = |_: BulkOutcome| {
        seen += 1;
        Ok(())
    };
    let summary = client
        .records()
        .import_stream("9dd58237-c913-4073-9c76-07da0b49ff50", records)
        .concurrency(16)
        .run_into(&mut sink)
        .await
        .map_err(|e| e.to_string())?;
    let elapsed_s = t0.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({
            "rows": rows,
            "rejected": summary.rejected,
            "seen": seen,
            "elapsed_s": elapsed_s,
            "peak_kib": procfs::status_kib("self", "VmHWM").unwrap_or(0),
        })
    );
    Ok(())
}
