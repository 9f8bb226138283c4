//! Answer profiles. [`Profile::Standard`] answers in the shapes the spec describes;
//! [`Profile::Variant`] rewrites every successful v4.1 and v7 answer into the other shape
//! the vendor's articles allow or a real service plausibly sends, so a client's tolerance is
//! tested on answers it did not shape. The rewrite is one pass over the finished answer:
//! the items (ids, e-mails, order, paging) are the same in both profiles.
//!
//! What Variant changes:
//! - numbers as strings and strings as numbers: ids, counts, scores and codes swap between
//!   a JSON number and a numeric string (v4.1 `"id": "1"` becomes `1`, v7 `"nps": 10`
//!   becomes `"10"`); v4.1's empty string for a missing number becomes `null`;
//! - v7 survey items nest `contact: {first_name, last_name}` and `account: {name, number}`
//!   instead of the flat fields (the v6 predecessor's shape, art 5000875861);
//! - `null` for an empty list inside an item (`logs`, `drivers`, `tags`, ...);
//! - an enum value the spec does not list in some items, chosen by a hash of the item's
//!   key so it does not depend on paging: bounce `Type` `blocked` (1 in 7), reason
//!   `good_bad` `neutral` (1 in 4), transaction `status` `SCHEDULED` (1 in 5), v7 survey
//!   `status` `SCHEDULED` (1 in 5), close-loop case `status` `escalated` (1 in 3);
//! - fields the spec does not list: `revision` on v4.1 items, `language` on v7 items,
//!   `meta` in the v7 envelope;
//! - a `{"message": ..}` body on the imports answers that are empty in Standard.
//!
//! v7 cursors are JSON integers in both profiles (art 5000880297).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use axum::body::HttpBody as _;
use axum::http::StatusCode;
use axum::response::Response;

use crate::respond::{self, Val};

/// The shape of the sandbox's answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// The shapes of `spec/`.
    #[default]
    Standard,
    /// The other documented or plausible shape everywhere (see the module docs).
    Variant,
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Profile::Standard => "standard",
            Profile::Variant => "variant",
        })
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(text: &str) -> Result<Profile, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "standard" => Ok(Profile::Standard),
            "variant" => Ok(Profile::Variant),
            other => Err(format!(
                "unknown profile {other:?} (expected standard or variant)"
            )),
        }
    }
}

impl Profile {
    pub(crate) fn to_u8(self) -> u8 {
        match self {
            Profile::Standard => 0,
            Profile::Variant => 1,
        }
    }

    pub(crate) fn from_u8(value: u8) -> Profile {
        if value == 1 {
            Profile::Variant
        } else {
            Profile::Standard
        }
    }

    /// The `Data` payload of a v4.1 answer of `module`.
    pub(crate) fn v41(self, module: &str, data: Val) -> Val {
        if self == Profile::Standard {
            return data;
        }
        let item = |v: Val| v41_item(module, v);
        match data {
            Val::Arr(items) => Val::Arr(items.into_iter().map(item).collect()),
            Val::Obj(_) => rewrite_object(data, &[]),
            other => other,
        }
    }

    /// An imports answer: Variant gives the empty success answers of `/records/` and
    /// `/accounts` a JSON `{"message": ..}` body (as `/activities` has), which a client
    /// must accept as well as an empty one.
    pub(crate) fn imports(self, response: Response) -> Response {
        let status = response.status();
        let empty = response.body().size_hint().exact() == Some(0);
        if self == Profile::Standard || !status.is_success() || !empty {
            return response;
        }
        let text = if status == StatusCode::CREATED {
            "Created."
        } else {
            "Imported."
        };
        respond::message(status, text)
    }

    /// A v7 answer (`{"data": [..], "cursor": {..}}` or a status answer).
    pub(crate) fn v7(self, answer: Val) -> Val {
        if self == Profile::Standard {
            return answer;
        }
        let Val::Obj(entries) = answer else {
            return answer;
        };
        let mut count = None;
        let mut out: Vec<(Cow<'static, str>, Val)> = entries
            .into_iter()
            .map(|(k, v)| match (k.as_ref(), v) {
                ("data", Val::Arr(items)) => {
                    count = Some(items.len());
                    (k, Val::Arr(items.into_iter().map(v7_item).collect()))
                }
                // The cursor keeps its JSON integer.
                (_, v) => (k, v),
            })
            .collect();
        if let Some(n) = count {
            out.push((
                Cow::Borrowed("meta"),
                Val::obj().with("count", Val::from(n as u64)),
            ));
            return Val::Obj(out);
        }
        rewrite_object(Val::Obj(out), &[])
    }
}

/// Keys whose values are numbers in one profile and numeric strings in the other.
const NUMERIC_KEYS: &[&str] = &[
    "id",
    "number_customergauge",
    "total_records",
    "successful_records",
    "unsuccessful_records",
    "nps",
    "promoters",
    "passives",
    "detractors",
    "responses",
    "anonymized",
    "reason_code",
    "numeration",
    "position",
    "level",
    "category_main",
    "answer",
    "time_to_follow_up",
    "time_to_close",
];

/// FNV-1a: a stable choice of "some items" that does not depend on paging.
fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn text_of(v: &Val) -> String {
    match v {
        Val::Str(s) => s.clone(),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => f.to_string(),
        Val::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn get<'a>(entries: &'a [(Cow<'static, str>, Val)], key: &str) -> Option<&'a Val> {
    entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn set(entries: &mut [(Cow<'static, str>, Val)], key: &str, value: &str) {
    if let Some((_, v)) = entries.iter_mut().find(|(k, _)| k == key) {
        *v = Val::Str(value.to_owned());
    }
}

/// Replaces `field` by `unknown` in 1 of `every` items (by the hash of `key`'s value).
fn unknown_enum(
    entries: &mut [(Cow<'static, str>, Val)],
    key: &str,
    every: u64,
    field: &str,
    unknown: &str,
) {
    let chosen = get(entries, key).is_some_and(|k| hash(&text_of(k)).is_multiple_of(every));
    if chosen {
        set(entries, field, unknown);
    }
}

/// Number <-> numeric string; an empty string (v4.1's "no value") becomes null.
fn toggle(v: Val) -> Val {
    match v {
        Val::Int(i) => Val::Str(i.to_string()),
        Val::Float(f) => Val::Str(f.to_string()),
        Val::Str(s) if s.is_empty() => Val::Null,
        Val::Str(s) => {
            if let Ok(i) = s.parse::<i64>()
                && i.to_string() == s
            {
                return Val::Int(i);
            }
            if let Ok(f) = s.parse::<f64>()
                && f.is_finite()
                && f.to_string() == s
            {
                return Val::Float(f);
            }
            Val::Str(s)
        }
        other => other,
    }
}

fn toggle_if_numeric_key(key: &str, v: Val) -> Val {
    if NUMERIC_KEYS.contains(&key) {
        toggle(v)
    } else {
        v
    }
}

/// Toggles numeric keys, turns empty lists into null, recurses, then appends `extra`.
fn rewrite_object(value: Val, extra: &[(&'static str, Val)]) -> Val {
    match value {
        Val::Obj(entries) => {
            let mut out: Vec<(Cow<'static, str>, Val)> = entries
                .into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        Val::Arr(items) if items.is_empty() => Val::Null,
                        Val::Arr(items) => Val::Arr(
                            items
                                .into_iter()
                                .map(|i| match i {
                                    Val::Obj(_) => rewrite_object(i, &[]),
                                    other => other,
                                })
                                .collect(),
                        ),
                        Val::Obj(_) => rewrite_object(v, &[]),
                        scalar => toggle_if_numeric_key(&k, scalar),
                    };
                    (k, v)
                })
                .collect();
            for (k, v) in extra {
                out.push((Cow::Borrowed(*k), v.clone()));
            }
            Val::Obj(out)
        }
        other => other,
    }
}

fn v41_item(module: &str, item: Val) -> Val {
    let Val::Obj(mut entries) = item else {
        return item;
    };
    match module {
        "lists/bounce" => unknown_enum(&mut entries, "Email", 7, "Type", "blocked"),
        "reasons" => unknown_enum(&mut entries, "reason_code", 4, "good_bad", "neutral"),
        "transactions" => unknown_enum(
            &mut entries,
            "number_customergauge",
            5,
            "status",
            "SCHEDULED",
        ),
        _ => {}
    }
    rewrite_object(Val::Obj(entries), &[("revision", Val::from("1"))])
}

fn v7_item(item: Val) -> Val {
    let Val::Obj(mut entries) = item else {
        return item;
    };
    let is_case = get(&entries, "time_to_close").is_some();
    if is_case {
        unknown_enum(
            &mut entries,
            "number_customergauge",
            3,
            "status",
            "escalated",
        );
    } else {
        unknown_enum(
            &mut entries,
            "number_customergauge",
            5,
            "status",
            "SCHEDULED",
        );
    }
    let entries = nest_contact_and_account(entries);
    rewrite_object(Val::Obj(entries), &[("language", Val::from("en"))])
}

/// Flat `first_name`/`last_name`/`account_name`/`account_number` become `contact` and
/// `account` objects, where `first_name` stood.
fn nest_contact_and_account(
    entries: Vec<(Cow<'static, str>, Val)>,
) -> Vec<(Cow<'static, str>, Val)> {
    const FLAT: [(&str, &str, &str); 4] = [
        ("first_name", "contact", "first_name"),
        ("last_name", "contact", "last_name"),
        ("account_name", "account", "name"),
        ("account_number", "account", "number"),
    ];
    if get(&entries, "first_name").is_none() && get(&entries, "account_name").is_none() {
        return entries;
    }
    let mut contact = Val::obj();
    let mut account = Val::obj();
    let mut out = Vec::with_capacity(entries.len());
    let mut placed = false;
    for (k, v) in entries {
        match FLAT.iter().find(|(flat, _, _)| *flat == k) {
            Some((_, "contact", name)) => contact = contact.with(*name, v),
            Some((_, _, name)) => account = account.with(*name, v),
            None => {
                out.push((k, v));
                continue;
            }
        }
        if !placed {
            placed = true;
            out.push((Cow::Borrowed("contact"), Val::Null));
            out.push((Cow::Borrowed("account"), Val::Null));
        }
    }
    for (k, v) in &mut out {
        if k == "contact" && *v == Val::Null {
            *v = std::mem::replace(&mut contact, Val::Null);
        } else if k == "account" && *v == Val::Null {
            *v = std::mem::replace(&mut account, Val::Null);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggles_numbers_and_strings() {
        assert_eq!(toggle(Val::Int(10)), Val::from("10"));
        assert_eq!(toggle(Val::from("10")), Val::Int(10));
        assert_eq!(toggle(Val::from("42.5")), Val::Float(42.5));
        assert_eq!(toggle(Val::Float(50.0)), Val::from("50"));
        assert_eq!(toggle(Val::from("")), Val::Null);
        assert_eq!(toggle(Val::from("007")), Val::from("007"));
        assert_eq!(toggle(Val::from("R1")), Val::from("R1"));
    }

    #[test]
    fn standard_is_untouched() {
        let v = Val::Arr(vec![
            Val::obj().with("id", "1").with("logs", Val::Arr(vec![])),
        ]);
        assert_eq!(Profile::Standard.v41("file/contact", v.clone()), v);
    }

    #[test]
    fn v7_item_nests_and_nulls() {
        let item = Val::obj()
            .with("number_customergauge", 2_i64)
            .with("email", "a@b.co")
            .with("first_name", "Jane")
            .with("last_name", "Roe")
            .with("account_name", "ACME")
            .with("account_number", Val::Null)
            .with("nps", 9_i64)
            .with("tags", Val::Arr(vec![]));
        let page = Val::obj()
            .with("data", Val::Arr(vec![item]))
            .with("cursor", Val::obj().with("next", 2_i64));
        let out = serde_json::to_value(Profile::Variant.v7(page)).unwrap();
        assert_eq!(
            out,
            serde_json::json!({
                "data": [{
                    "number_customergauge": "2", "email": "a@b.co",
                    "contact": {"first_name": "Jane", "last_name": "Roe"},
                    "account": {"name": "ACME", "number": null},
                    "nps": "9", "tags": null, "language": "en"
                }],
                "cursor": {"next": 2},
                "meta": {"count": 1}
            })
        );
    }

    #[test]
    fn names() {
        assert_eq!("Variant".parse::<Profile>(), Ok(Profile::Variant));
        assert_eq!(Profile::Standard.to_string(), "standard");
        assert!("other".parse::<Profile>().is_err());
    }
}
