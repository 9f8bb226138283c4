//! What an exported row holds: a JSON object per item, and the typed columns every
//! sink lays it out in (Parquet types, CSV header, Singer schema).

use cg_facade::modules::close_loop::CloseLoopCase;
use cg_facade::modules::responses::SurveyResponse;
use serde_json::{Map, Value, json};

/// One exported item.
pub type Row = Map<String, Value>;

/// How a column is typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A whole number (JSON number or numeric text).
    Int,
    /// Text.
    Text,
    /// `YYYY-MM-DD HH:MM:SS` (time zone unstated by the vendor: kept as sent).
    Timestamp,
    /// A list of texts (drivers, tags).
    TextList,
    /// Text keys to text values (segment properties).
    TextMap,
    /// A list of objects of text values (additional questions).
    MapList,
}

/// A typed column.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// The field name.
    pub name: &'static str,
    /// Its type.
    pub kind: Kind,
}

const fn col(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

/// The column holding, as JSON text, fields not in the schema and values that did not
/// fit their column's type (kept rather than lost).
pub const EXTRA: &str = "extra";

/// Where the full value of a partition field goes: Hive-style readers take the field
/// itself from the directory name (its day), and a column of the same name in the files
/// would clash with it.
pub fn full_value_column(field: &str) -> Option<&'static str> {
    Some(match field {
        "date_creation" => "date_creation_timestamp",
        "updated_at" => "updated_at_timestamp",
        "created_at" => "created_at_timestamp",
        "date_order" => "date_order_timestamp",
        "date_sent" => "date_sent_timestamp",
        "date_survey_response" => "date_survey_response_timestamp",
        _ => return None,
    })
}

/// The columns of a directory part partitioned by `field`: the field renamed to its
/// [`full_value_column`].
pub fn partitioned(columns: &[Column], field: &str) -> Vec<Column> {
    columns
        .iter()
        .map(|c| match full_value_column(field) {
            Some(name) if c.name == field => col(name, c.kind),
            _ => *c,
        })
        .collect()
}

/// The primary key of every survey stream.
pub const KEY: &str = "number_customergauge";

/// The columns of the responses and non-responses streams.
pub const SURVEY_COLUMNS: &[Column] = &[
    col("number_customergauge", Kind::Int),
    col("number_customer", Kind::Text),
    col("email", Kind::Text),
    col("phone", Kind::Text),
    col("first_name", Kind::Text),
    col("last_name", Kind::Text),
    col("account_name", Kind::Text),
    col("account_number", Kind::Text),
    col("nps", Kind::Int),
    col("comment", Kind::Text),
    col("date_creation", Kind::Timestamp),
    col("date_order", Kind::Timestamp),
    col("date_sent", Kind::Timestamp),
    col("date_survey_response", Kind::Timestamp),
    col("properties", Kind::TextMap),
    col("drivers", Kind::TextList),
    col("tags", Kind::TextList),
    col("questions", Kind::MapList),
];

/// A survey as a row: the model's fields, segment properties as one object
/// (field -> value), driver labels, and the fields the SDK does not know as sent.
pub fn survey_row(r: SurveyResponse) -> Row {
    let mut m = r.extra.clone();
    let properties: Map<String, Value> = r
        .properties
        .iter()
        .filter_map(|p| Some((p.field.clone()?, json!(p.reference))))
        .collect();
    let drivers: Vec<&str> = r.driver_labels().collect();
    for (k, v) in [
        ("number_customergauge", json!(r.number_customergauge)),
        ("number_customer", json!(r.number_customer)),
        ("email", json!(r.email)),
        ("phone", json!(r.phone)),
        ("first_name", json!(r.first_name)),
        ("last_name", json!(r.last_name)),
        ("account_name", json!(r.account_name)),
        ("account_number", json!(r.account_number)),
        ("nps", json!(r.nps)),
        ("comment", json!(r.comment)),
        ("date_creation", json!(r.date_creation)),
        ("date_order", json!(r.date_order)),
        ("date_sent", json!(r.date_sent)),
        ("date_survey_response", json!(r.date_survey_response)),
        ("properties", Value::Object(properties)),
        ("drivers", json!(drivers)),
        ("tags", json!(r.tags)),
        ("questions", json!(r.questions)),
    ] {
        m.insert(k.to_owned(), v);
    }
    m
}

/// The columns of the close-loop cases stream (field names inferred, art 5000880297).
pub const CASE_COLUMNS: &[Column] = &[
    col("number_customergauge", Kind::Int),
    col("status", Kind::Text),
    col("note", Kind::Text),
    col("assigned_to", Kind::Text),
    col("time_to_follow_up", Kind::Int),
    col("time_to_close", Kind::Int),
    col("updated_at", Kind::Timestamp),
    col("created_at", Kind::Timestamp),
];

/// A close-loop case as a row: its fields as the model serializes them (the status
/// as its text, unknown fields as sent).
pub fn case_row(c: CloseLoopCase) -> Row {
    match serde_json::to_value(c) {
        Ok(Value::Object(m)) => m,
        // A struct serializes to an object; keep the shape total anyway.
        Ok(other) => Map::from_iter([(EXTRA.to_owned(), other)]),
        Err(e) => Map::from_iter([(EXTRA.to_owned(), Value::String(e.to_string()))]),
    }
}

/// The primary key of a row, as the service sent it (number or text).
pub fn key_of(row: &Row) -> Option<String> {
    match row.get(KEY)? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// Drops the rows whose key is in `seen` (or earlier in `rows`), adding the others' keys.
pub fn dedupe(rows: &mut Vec<Row>, seen: &mut std::collections::HashSet<String>) {
    rows.retain(|r| key_of(r).is_none_or(|k| seen.insert(k)));
}

/// A whole number from a JSON number or numeric text.
pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Seconds since the epoch of `YYYY-MM-DD HH:MM:SS` (also with `T`, a UTC offset, or a
/// bare day).
pub fn as_timestamp(v: &Value) -> Option<i64> {
    let s = v.as_str()?.trim();
    // The documented form first: most values take one parse.
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
        return Some(t.and_utc().timestamp());
    }
    if let Ok(t) = chrono::DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S %z") {
        return Some(t.timestamp());
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S") {
        return Some(t.and_utc().timestamp());
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
}

/// A scalar as text: strings as they are, numbers and booleans as JSON, `null` as none.
pub fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The day of a date field, for Hive partitions: its first 10 characters when they
/// read as `YYYY-MM-DD`.
pub fn day_of(v: Option<&Value>) -> Option<String> {
    let s = v?.as_str()?.trim();
    let day = s.get(..10)?;
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .map(|_| day.to_owned())
}

/// Whether `v` fits a column of `kind` (null always does).
pub fn fits(kind: Kind, v: &Value) -> bool {
    if v.is_null() {
        return true;
    }
    match kind {
        Kind::Int => as_int(v).is_some(),
        Kind::Text => !v.is_object() && !v.is_array(),
        Kind::Timestamp => as_timestamp(v).is_some(),
        Kind::TextList => v
            .as_array()
            .is_some_and(|a| a.iter().all(|x| !x.is_object() && !x.is_array())),
        Kind::TextMap => v
            .as_object()
            .is_some_and(|m| m.values().all(|x| !x.is_object() && !x.is_array())),
        Kind::MapList => v.as_array().is_some_and(|a| {
            a.iter().all(|x| {
                x.as_object()
                    .is_some_and(|m| m.values().all(|y| !y.is_object() && !y.is_array()))
            })
        }),
    }
}

/// The JSON text of the `extra` column: fields outside `columns`, and values that do
/// not fit their column; `None` when there are none.
pub fn extra_of(row: &Row, columns: &[Column]) -> Option<String> {
    let mut extra = Map::new();
    for (k, v) in row {
        match columns.iter().find(|c| c.name == k) {
            Some(c) if fits(c.kind, v) => {}
            _ => {
                extra.insert(k.clone(), v.clone());
            }
        }
    }
    (!extra.is_empty()).then(|| Value::Object(extra).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_do_not_fit_their_column_are_kept_in_extra() {
        let row: Row = serde_json::from_value(json!({
            "number_customergauge": "12", "nps": "n/a", "date_sent": "yesterday",
            "contact": {"first_name": "A"}, "email": "a@example.com"
        }))
        .unwrap();
        let extra: Value = serde_json::from_str(&extra_of(&row, SURVEY_COLUMNS).unwrap()).unwrap();
        assert_eq!(
            extra,
            json!({"nps": "n/a", "date_sent": "yesterday", "contact": {"first_name": "A"}})
        );
        assert_eq!(key_of(&row).as_deref(), Some("12"));
    }

    #[test]
    fn dedupe_keeps_the_first_row_of_each_number_across_pages() {
        let page = |ids: &[Value]| -> Vec<Row> {
            ids.iter()
                .map(|id| serde_json::from_value(json!({"number_customergauge": id})).unwrap())
                .collect()
        };
        let mut seen = std::collections::HashSet::new();
        let mut first = page(&[json!(1), json!(2), json!(2)]);
        dedupe(&mut first, &mut seen);
        assert_eq!(first.len(), 2);
        // The same record as a number or as text is one record.
        let mut second = page(&[json!("1"), json!(3), Value::Null]);
        dedupe(&mut second, &mut seen);
        let kept: Vec<Value> = second.iter().map(|r| r[KEY].clone()).collect();
        assert_eq!(kept, vec![json!(3), Value::Null]);
    }

    #[test]
    fn timestamps_read_with_or_without_offset() {
        assert_eq!(as_timestamp(&json!("1970-01-01 00:01:00")), Some(60));
        assert_eq!(as_timestamp(&json!("1970-01-01 05:31:00 +0530")), Some(60));
        assert_eq!(as_timestamp(&json!("1970-01-02")), Some(86_400));
        assert_eq!(as_timestamp(&json!("soon")), None);
        assert_eq!(
            day_of(Some(&json!("2024-01-02 10:00:00"))).as_deref(),
            Some("2024-01-02")
        );
        assert_eq!(day_of(Some(&json!("2024-1-2"))), None);
    }
}
