//! `PUT /accounts` (imports): create (201) or update (200) an account by `reference`.

use axum::http::StatusCode;
use axum::response::Response;

use crate::app::App;
use crate::ingest;
use crate::params;
use crate::respond::{self, Validation};

/// One optional string field of the body.
enum Field {
    Absent,
    Text(String),
    NotString,
}

fn field(map: &serde_json::Map<String, serde_json::Value>, name: &str) -> Field {
    match map.get(name) {
        None | Some(serde_json::Value::Null) => Field::Absent,
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Field::Absent,
        Some(serde_json::Value::String(s)) => Field::Text(s.trim().to_owned()),
        Some(_) => Field::NotString,
    }
}

fn body_map(content_type: Option<&str>, body: &[u8]) -> serde_json::Map<String, serde_json::Value> {
    let is_form = content_type.is_some_and(|c| c.contains("x-www-form-urlencoded"));
    if is_form {
        return params::body_params(content_type, body)
            .map(|p| {
                p.pairs()
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect()
            })
            .unwrap_or_default();
    }
    match serde_json::from_slice(body) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

/// `PUT /accounts`.
pub(crate) fn put(app: &App, content_type: Option<&str>, body: &[u8]) -> Response {
    let map = body_map(content_type, body);
    let mut errors = Validation::new();
    let mut values: Vec<(&str, Option<String>)> = Vec::new();
    for (name, max, required) in [
        ("reference", Some(128), true),
        ("number", Some(255), false),
        ("manager", None, false),
        ("parent", None, false),
        ("region", None, false),
    ] {
        match field(&map, name) {
            Field::Absent if required => errors.add(name, format!("The {name} field is required.")),
            Field::Absent => values.push((name, None)),
            Field::NotString => errors.add(name, format!("The {name} field must be a string.")),
            Field::Text(t) => match max {
                Some(max) if t.chars().count() > max => {
                    errors.add(
                        name,
                        format!("The {name} field must not be greater than {max} characters."),
                    );
                }
                _ => values.push((name, Some(t))),
            },
        }
    }
    if !errors.is_empty() {
        return errors.into_response();
    }
    let get = |n: &str| {
        values
            .iter()
            .find(|(k, _)| *k == n)
            .and_then(|(_, v)| v.clone())
    };
    let Some(reference) = get("reference") else {
        return respond::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The reference field is required.",
        );
    };
    let (number, manager, parent, region) =
        (get("number"), get("manager"), get("parent"), get("region"));
    let created = app.store.write(|s| {
        ingest::upsert_account(s, &reference, |a| {
            let set = |slot: &mut Option<String>, v: Option<String>| {
                if v.is_some() {
                    *slot = v;
                }
            };
            set(&mut a.number, number);
            set(&mut a.manager, manager);
            set(&mut a.parent, parent);
            set(&mut a.region, region);
        })
    });
    respond::empty(if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    })
}
