//! The facade names every operation it sends by the typed constants the spec's
//! operation facts generate (`cg_raw_*::ops::*`): a misspelt name is a compile error,
//! not a request that silently carries no credentials and the wrong retry rules.

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("readable src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("utf-8 source");
            out.push((path.display().to_string(), text));
        }
    }
}

#[test]
fn no_operation_is_looked_up_by_name() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 10, "the facade's sources were found");
    let mut found = Vec::new();
    for (path, text) in &files {
        // Everything before the unit tests: they may look up a made-up name on purpose.
        let code = text.split("#[cfg(test)]").next().unwrap_or(text);
        for (n, line) in code.lines().enumerate() {
            if line.contains("::operation(") {
                found.push(format!("{path}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "operations looked up by name instead of ops::* constants:\n{}",
        found.join("\n")
    );
}

/// Every request the facade sends is built by a generated method (progenitor's or
/// xtask's template), from the spec: the facade never assembles a URL, a query or a
/// body encoding itself.
#[test]
fn no_request_is_built_by_hand() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    // What building a request by hand needs: the raw client's reqwest client and base
    // URL (`ClientInfo`), a request builder, or a request made from parts.
    let patterns = [
        "ClientInfo",
        ".baseurl()",
        "RequestBuilder",
        "Request::new(",
        "send_request",
        "multipart::Form::new(",
    ];
    let mut found = Vec::new();
    for (path, text) in &files {
        let code = text.split("#[cfg(test)]").next().unwrap_or(text);
        for (n, line) in code.lines().enumerate() {
            if patterns.iter().any(|p| line.contains(p)) {
                found.push(format!("{path}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "requests built by hand in the facade:\n{}",
        found.join("\n")
    );
}

/// Operation names in the facade (call labels, error fields) come from the generated
/// constants too: no operationId is spelt out as a string literal.
#[test]
fn no_operation_id_is_spelt_out() {
    let ids: Vec<&str> = [
        cg_raw_imports::OPERATIONS,
        cg_raw_lists::OPERATIONS,
        cg_raw_files::OPERATIONS,
        cg_raw_anonymize::OPERATIONS,
        cg_raw_hierarchy::OPERATIONS,
        cg_raw_transactions::OPERATIONS,
        cg_raw_stream::OPERATIONS,
        cg_raw_reasons::OPERATIONS,
        cg_raw_workflow::OPERATIONS,
        cg_raw_report::OPERATIONS,
        cg_raw_sync::OPERATIONS,
    ]
    .iter()
    .flat_map(|ops| ops.iter().map(|op| op.id))
    .collect();
    assert!(ids.len() > 30, "{} operations", ids.len());
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut found = Vec::new();
    for (path, text) in &files {
        let code = text.split("#[cfg(test)]").next().unwrap_or(text);
        for (n, line) in code.lines().enumerate() {
            if ids.iter().any(|id| line.contains(&format!("\"{id}\""))) {
                found.push(format!("{path}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "operationIds spelt out instead of ops::* constants:\n{}",
        found.join("\n")
    );
}
