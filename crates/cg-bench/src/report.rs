//! Rows of results, the printed table and the JSON file.

use serde_json::{Value, json};

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Row {
    /// What is measured.
    pub measure: String,
    /// The result, formatted.
    pub value: String,
    /// The target, when the issue sets one.
    pub target: String,
    /// Whether the target is met (`None`: no target, or not measurable).
    pub met: Option<bool>,
}

impl Row {
    /// A row without a target.
    pub fn info(measure: impl Into<String>, value: impl Into<String>) -> Row {
        Row {
            measure: measure.into(),
            value: value.into(),
            target: String::new(),
            met: None,
        }
    }

    /// A row with a target.
    pub fn target(
        measure: impl Into<String>,
        value: impl Into<String>,
        target: impl Into<String>,
        met: bool,
    ) -> Row {
        Row {
            measure: measure.into(),
            value: value.into(),
            target: target.into(),
            met: Some(met),
        }
    }
}

/// The outcome of one case.
#[derive(Clone, Debug)]
pub struct CaseOut {
    /// 1 to 9, as numbered in the issues.
    pub id: u8,
    /// Short title.
    pub title: &'static str,
    /// The table rows.
    pub rows: Vec<Row>,
    /// Every measurement behind the rows.
    pub details: Value,
}

impl CaseOut {
    /// A case that could not run.
    pub fn failed(id: u8, title: &'static str, error: &str) -> CaseOut {
        CaseOut {
            id,
            title,
            rows: vec![Row {
                measure: "error".into(),
                value: error.into(),
                target: String::new(),
                met: None,
            }],
            details: json!({ "error": error }),
        }
    }
}

fn met_text(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "",
    }
}

/// The table, as Markdown (it goes to the terminal and into BENCHMARKS.md as is).
pub fn table(cases: &[CaseOut]) -> String {
    let mut out = String::from("| # | measure | value | target | met |\n|---|---|---|---|---|\n");
    for case in cases {
        for (i, row) in case.rows.iter().enumerate() {
            let label = if i == 0 {
                format!("{} {}", case.id, case.title)
            } else {
                String::new()
            };
            out.push_str(&format!(
                "| {label} | {} | {} | {} | {} |\n",
                row.measure,
                row.value,
                row.target,
                met_text(row.met)
            ));
        }
    }
    out
}

/// The whole run as JSON.
pub fn to_json(machine: Value, command: &str, mode: &str, cases: &[CaseOut]) -> Value {
    let cases: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "title": c.title,
                "rows": c.rows.iter().map(|r| json!({
                    "measure": r.measure,
                    "value": r.value,
                    "target": r.target,
                    "met": r.met,
                })).collect::<Vec<_>>(),
                "details": c.details,
            })
        })
        .collect();
    json!({ "command": command, "mode": mode, "machine": machine, "cases": cases })
}

/// `1234.5` as `1,234` and so on: rates read better with separators.
pub fn thousands(value: f64) -> String {
    let rounded = value.round() as i64;
    let digits = rounded.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if rounded < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(1234.6), "1,235");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_000_000.0), "1,000,000");
        let t = table(&[CaseOut {
            id: 1,
            title: "t",
            rows: vec![Row::target("m", "v", ">= 1", true), Row::info("n", "w")],
            details: Value::Null,
        }]);
        assert!(t.contains("| 1 t | m | v | >= 1 | yes |"));
        assert!(t.contains("|  | n | w |  |  |"));
    }
}
