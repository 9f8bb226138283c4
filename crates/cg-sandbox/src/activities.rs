//! `PUT /activities` (imports, art 5000810958): create (201) or, with the `reference` of
//! an earlier one, update (200) an activity of an account; the account is created when
//! unknown, the contact must exist. Answers and messages are inferred (Laravel shapes, like
//! `/records/` and `/accounts`).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use crate::app::App;
use crate::ingest;
use crate::params;
use crate::respond::{self, Validation};
use crate::state::{Activity, State};

/// The body as a JSON object; a form body (`additional_information_array[key]=..`) is
/// read into the same shape.
fn body_map(content_type: Option<&str>, body: &[u8]) -> Map<String, Value> {
    let is_form = content_type.is_some_and(|c| c.contains("x-www-form-urlencoded"));
    if !is_form {
        return match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
    }
    let mut map = Map::new();
    let mut array = Map::new();
    for (k, v) in params::body_params(content_type, body)
        .map(|p| p.pairs().to_vec())
        .unwrap_or_default()
    {
        match k
            .strip_prefix("additional_information_array[")
            .and_then(|r| r.strip_suffix(']'))
        {
            Some(key) => {
                array.insert(key.to_owned(), Value::String(v));
            }
            None => {
                map.insert(k, Value::String(v));
            }
        }
    }
    if !array.is_empty() {
        map.insert(
            "additional_information_array".to_owned(),
            Value::Object(array),
        );
    }
    map
}

/// A string field, trimmed; `None` when absent, null or blank (an error when `required`),
/// not a string, or longer than `max` characters (errors added).
fn text(
    map: &Map<String, Value>,
    name: &str,
    max: usize,
    required: bool,
    errors: &mut Validation,
) -> Option<String> {
    let label = name.replace('_', " ");
    let value = match map.get(name) {
        Some(Value::String(s)) => s.trim(),
        None | Some(Value::Null) => "",
        Some(_) => {
            errors.add(name, format!("The {label} field must be a string."));
            return None;
        }
    };
    if value.is_empty() {
        if required {
            errors.add(name, format!("The {label} field is required."));
        }
        return None;
    }
    if value.chars().count() > max {
        errors.add(
            name,
            format!("The {label} field must not be greater than {max} characters."),
        );
        return None;
    }
    Some(value.to_owned())
}

/// `Y-m-d H:i:s`, optionally followed by an offset (`+0530`, `+05:30`): the table says
/// the first, the article's own example sends the second.
pub(crate) fn is_valid_happened_at(text: &str) -> bool {
    if params::parse_datetime(text).is_some() {
        return true;
    }
    let Some((stamp, offset)) = text.get(..19).zip(text.get(19..)) else {
        return false;
    };
    params::parse_datetime(stamp).is_some()
        && chrono::DateTime::parse_from_str(
            &format!("2000-01-01 00:00:00{offset}"),
            "%Y-%m-%d %H:%M:%S %z",
        )
        .is_ok()
}

fn contact_exists(state: &State, contact: &str) -> bool {
    if state.contact_by_email(contact).is_some() {
        return true;
    }
    // Phones are not indexed across contacts that have an address; activities are rare.
    state.contacts.iter().any(|c| {
        c.email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(contact))
            || c.phone.as_deref() == Some(contact)
    })
}

/// `PUT /activities`.
pub(crate) fn put(app: &App, content_type: Option<&str>, body: &[u8]) -> Response {
    let map = body_map(content_type, body);
    let mut errors = Validation::new();
    let reference = text(&map, "reference", 128, false, &mut errors);
    let account = text(&map, "account", 255, true, &mut errors);
    let contact = text(&map, "contact", 255, false, &mut errors);
    let kind = text(&map, "type", 100, true, &mut errors);
    let source = text(&map, "source", 100, true, &mut errors);
    let happened_at = text(&map, "happened_at", 64, true, &mut errors);
    if let Some(h) = &happened_at
        && !is_valid_happened_at(h)
    {
        errors.add(
            "happened_at",
            "The happened at field must match the format Y-m-d H:i:s.",
        );
    }
    let mut information = Map::new();
    match map.get("additional_information_object") {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => information.extend(o.clone()),
        Some(_) => errors.add(
            "additional_information_object",
            "The additional information object field must be an array.",
        ),
    }
    match map.get("additional_information_array") {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            for (k, v) in o {
                match v {
                    Value::String(_) | Value::Null => {
                        information.insert(k.clone(), v.clone());
                    }
                    _ => errors.add(
                        format!("additional_information_array.{k}"),
                        format!("The additional_information_array.{k} field must be a string."),
                    ),
                }
            }
        }
        Some(_) => errors.add(
            "additional_information_array",
            "The additional information array field must be an array.",
        ),
    }
    let (Some(account), Some(kind), Some(source), Some(happened_at)) =
        (account, kind, source, happened_at)
    else {
        return errors.into_response();
    };
    if !errors.is_empty() {
        return errors.into_response();
    }
    let created = app.store.write(|s| {
        if let Some(c) = &contact
            && !contact_exists(s, c)
        {
            return Err(());
        }
        ingest::upsert_account(s, &account, |_| {});
        let now = params::now_string();
        let existing = reference.as_deref().and_then(|r| {
            s.activities
                .iter_mut()
                .find(|a| a.reference.as_deref() == Some(r))
        });
        let fill = |a: &mut Activity| {
            a.account = account.clone();
            a.contact = contact.clone();
            a.kind = kind.clone();
            a.source = source.clone();
            a.happened_at = happened_at.clone();
            a.additional_information = information.clone();
            a.updated_at = now.clone();
        };
        if let Some(activity) = existing {
            fill(activity);
            return Ok(false);
        }
        s.counters.activity += 1;
        let mut activity = Activity {
            id: s.counters.activity,
            reference: reference.clone(),
            created_at: now.clone(),
            ..Activity::default()
        };
        fill(&mut activity);
        s.activities.push(activity);
        Ok(true)
    });
    match created {
        Err(()) => {
            let mut errors = Validation::new();
            errors.add("contact", "The selected contact is invalid.");
            errors.into_response()
        }
        Ok(true) => respond::message(StatusCode::CREATED, "Activity created."),
        Ok(false) => respond::message(StatusCode::OK, "Activity updated."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn happened_at_forms() {
        assert!(is_valid_happened_at("2019-10-06 22:34:45"));
        assert!(is_valid_happened_at("2019-03-06 10:00:00 +0530"));
        assert!(is_valid_happened_at("2019-03-06 10:00:00 +05:30"));
        assert!(!is_valid_happened_at("2019-03-06"));
        assert!(!is_valid_happened_at("2019-03-06 10:00:00 IST"));
        assert!(!is_valid_happened_at("06-03-2019 10:00:00"));
    }
}
