//! `PUT /records/` (imports): one record through an Inbound Mapping, validated like the
//! service (the 422 bodies of the vendor docs), then account, contact and a queued survey.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;

use crate::app::App;
use crate::ingest;
use crate::params;
use crate::respond::{self, Validation};
use crate::state::{
    Configuration, DuplicationRule, FieldFormat, FieldSetting, FieldTarget, State, Survey,
    SurveyKind,
};

/// A value of `record`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Text(String),
    /// `null`, absent or empty (Laravel turns empty strings into null).
    Null,
    /// An object or array where a scalar belongs.
    Complex,
}

/// What `record` was.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Record {
    Missing,
    NotArray,
    Fields(Vec<(String, Value)>),
}

/// The two inputs of the request.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Input {
    /// `None`: missing or empty; `Some(Err(()))`: not a string.
    pub(crate) configuration: Option<Result<String, ()>>,
    pub(crate) record: Record,
}

fn text(value: &str) -> Value {
    let t = value.trim();
    if t.is_empty() {
        Value::Null
    } else {
        Value::Text(t.to_owned())
    }
}

fn from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::String(s) => text(s),
        serde_json::Value::Bool(b) => Value::Text(if *b { "1" } else { "0" }.to_owned()),
        serde_json::Value::Number(n) => Value::Text(n.to_string()),
        _ => Value::Complex,
    }
}

/// Reads a JSON body (malformed JSON counts as an empty input, as in Laravel).
pub(crate) fn parse_json(body: &[u8]) -> Input {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
    let empty = serde_json::Map::new();
    let map = value.as_object().unwrap_or(&empty);
    let configuration = match map.get("configuration") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => None,
        Some(serde_json::Value::String(s)) => Some(Ok(s.trim().to_owned())),
        Some(_) => Some(Err(())),
    };
    let record = match map.get("record") {
        None | Some(serde_json::Value::Null) => Record::Missing,
        Some(serde_json::Value::Object(o)) if o.is_empty() => Record::Missing,
        Some(serde_json::Value::Array(a)) if a.is_empty() => Record::Missing,
        Some(serde_json::Value::Object(o)) => {
            Record::Fields(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
        Some(serde_json::Value::Array(a)) => Record::Fields(
            a.iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), from_json(v)))
                .collect(),
        ),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Record::Missing,
        Some(_) => Record::NotArray,
    };
    Input {
        configuration,
        record,
    }
}

/// Reads a form body: `configuration=..&record[Field]=..`.
pub(crate) fn parse_form(body: &[u8]) -> Input {
    let text_body = String::from_utf8_lossy(body);
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&text_body).unwrap_or_default();
    let mut configuration = None;
    let mut fields: Vec<(String, Value)> = Vec::new();
    let mut plain_record: Option<String> = None;
    for (key, value) in pairs {
        if key == "configuration" {
            if configuration.is_none() && !value.trim().is_empty() {
                configuration = Some(Ok(value.trim().to_owned()));
            }
        } else if key == "record" {
            plain_record = Some(value);
        } else if let Some(rest) = key.strip_prefix("record[") {
            let Some(close) = rest.find(']') else {
                continue;
            };
            let name = &rest[..close];
            let nested = !rest[close + 1..].is_empty();
            let v = if nested { Value::Complex } else { text(&value) };
            match fields.iter_mut().find(|(k, _)| k == name) {
                Some(slot) => slot.1 = v,
                None => fields.push((name.to_owned(), v)),
            }
        }
    }
    let record = if !fields.is_empty() {
        Record::Fields(fields)
    } else {
        match plain_record {
            Some(v) if !v.trim().is_empty() => Record::NotArray,
            _ => Record::Missing,
        }
    };
    Input {
        configuration,
        record,
    }
}

fn parse(content_type: Option<&str>, body: &[u8]) -> Input {
    let json = match content_type {
        Some(c) if c.contains("json") => true,
        Some(c) if c.contains("x-www-form-urlencoded") => false,
        _ => body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'),
    };
    if json {
        parse_json(body)
    } else {
        parse_form(body)
    }
}

fn value_of<'a>(fields: &'a [(String, Value)], name: &str) -> Option<&'a Value> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn text_of<'a>(fields: &'a [(String, Value)], setting: Option<&FieldSetting>) -> Option<&'a str> {
    match value_of(fields, &setting?.name)? {
        Value::Text(t) => Some(t),
        _ => None,
    }
}

/// The Email-or-Phone rules and the Field Settings of the mapping.
pub(crate) fn validate(config: &Configuration, fields: &[(String, Value)]) -> Validation {
    let mut errors = Validation::new();
    let email = config
        .fields
        .iter()
        .find(|f| f.target == FieldTarget::Email);
    let phone = config
        .fields
        .iter()
        .find(|f| f.target == FieldTarget::Phone);
    let email_name = email.map_or("Email", |f| f.name.as_str());
    let phone_name = phone.map_or("Phone", |f| f.name.as_str());
    let email_value = text_of(fields, email);
    let phone_value = text_of(fields, phone);
    if email_value.is_none() && phone_value.is_none() {
        errors.add(
            email_name,
            format!("The {email_name} field is required when {phone_name} is not present."),
        );
        errors.add(
            phone_name,
            format!("The {phone_name} field is required when {email_name} is not present."),
        );
    }
    if let Some(e) = email_value
        && !params::is_valid_email(e)
    {
        errors.add(
            email_name,
            format!("The {email_name} field must be a valid email address."),
        );
    }
    if let Some(p) = phone_value
        && !params::is_valid_phone(p)
    {
        errors.add(
            phone_name,
            format!("The {phone_name} field format is invalid."),
        );
    }
    for setting in &config.fields {
        if let Some(message) = field_error(setting, value_of(fields, &setting.name)) {
            errors.add(setting.name.clone(), message);
        }
    }
    errors
}

fn field_error(setting: &FieldSetting, value: Option<&Value>) -> Option<String> {
    let f = &setting.name;
    let v = match value {
        None | Some(Value::Null) => {
            return setting
                .required
                .then(|| format!("The {f} field is required."));
        }
        Some(Value::Complex) => return Some(format!("The {f} field is invalid.")),
        Some(Value::Text(v)) => v,
    };
    if let Some(allowed) = &setting.restricted_values
        && !allowed.iter().any(|a| a.eq_ignore_ascii_case(v))
    {
        return Some(format!("The {f} field is invalid."));
    }
    match setting.format {
        FieldFormat::Date if !params::is_valid_date(v) => {
            return Some(format!(
                "The field {f} must be a valid date with format YYYY-MM-DD HH:MM:SS or YYYY-MM-DD."
            ));
        }
        FieldFormat::Email
            if setting.target != FieldTarget::Email && !params::is_valid_email(v) =>
        {
            return Some(format!("The {f} must be a valid email address."));
        }
        FieldFormat::Number if !params::is_number(v) => {
            return Some(format!("The {f} must be a number."));
        }
        _ => {}
    }
    match setting.max_length {
        Some(max) if v.chars().count() > max => Some(format!(
            "The {f} must not be greater than {max} characters."
        )),
        _ => None,
    }
}

/// The survey an accepted record queues.
fn survey_of(reference: &str, config: &Configuration, fields: &[(String, Value)]) -> Survey {
    let mut survey = Survey {
        kind: SurveyKind::NonResponse,
        status: "QUEUE".to_owned(),
        date_creation: params::now_string(),
        configuration: Some(reference.to_owned()),
        source: "records".to_owned(),
        ..Survey::default()
    };
    for setting in &config.fields {
        let Some(Value::Text(v)) = value_of(fields, &setting.name) else {
            continue;
        };
        let v = Some(v.clone());
        match setting.target {
            FieldTarget::Email => survey.email = v,
            FieldTarget::Phone => survey.phone = v,
            FieldTarget::FirstName => survey.first_name = v,
            FieldTarget::LastName => survey.last_name = v,
            FieldTarget::AccountName => survey.account_name = v,
            FieldTarget::AccountNumber => survey.account_number = v,
            FieldTarget::CustomerNumber => survey.number_customer = v,
            FieldTarget::DateOrder => survey.date_order = v,
            FieldTarget::Custom => {
                if let Some(v) = v {
                    survey.fields.insert(setting.name.clone(), v);
                }
            }
        }
    }
    survey
}

/// The CG-ID of the latest survey of the same contact within the window, if any.
fn duplicate_of(state: &State, survey: &Survey, rule: DuplicationRule) -> Option<u64> {
    let since = chrono::Duration::from_std(rule.window)
        .ok()
        .and_then(|window| Utc::now().naive_utc().checked_sub_signed(window))
        .map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M:%S").to_string());
    state
        .survey_ids_of(survey.email.as_deref(), survey.phone.as_deref())
        .into_iter()
        .filter_map(|id| state.survey(id))
        .filter(|s| !s.anonymized && s.date_creation >= since)
        .find(|s| match (&survey.email, &survey.phone) {
            (Some(e), _) => s
                .email
                .as_deref()
                .is_some_and(|se| se.eq_ignore_ascii_case(e)),
            (None, Some(p)) => s.phone.as_deref() == Some(p.as_str()),
            (None, None) => false,
        })
        .map(|s| s.number_customergauge)
}

/// `PUT /records/`.
pub(crate) fn put(app: &App, content_type: Option<&str>, body: &[u8]) -> Response {
    let input = parse(content_type, body);
    let mut errors = Validation::new();
    let config = match &input.configuration {
        None => {
            errors.add("configuration", "The configuration field is required.");
            None
        }
        Some(reference) => {
            let found = reference.as_ref().ok().and_then(|r| {
                app.store
                    .read(|s| s.configurations.get(r).cloned())
                    .map(|c| (r.clone(), c))
            });
            if found.is_none() {
                errors.add_with_summary(
                    "configuration",
                    "The selected configuration is required.",
                    "The selected configuration was invalid.",
                );
            }
            found
        }
    };
    match &input.record {
        Record::Missing => errors.add("record", "The record field is required."),
        Record::NotArray => errors.add("record", "The record must be an array."),
        Record::Fields(_) => {}
    }
    let (Some((reference, config)), Record::Fields(fields)) = (config, &input.record) else {
        return errors.into_response();
    };
    if !errors.is_empty() {
        return errors.into_response();
    }
    let errors = validate(&config, fields);
    if !errors.is_empty() {
        return errors.into_response();
    }
    let survey = survey_of(&reference, &config, fields);
    let duplicate = app.store.write(|s| {
        if let Some(rule) = config.duplication
            && let Some(earlier) = duplicate_of(s, &survey, rule)
        {
            return Some(earlier);
        }
        ingest::store_survey(s, survey);
        None
    });
    match duplicate {
        Some(id) => {
            let mut errors = Validation::new();
            errors.add(
                "duplicate",
                format!("Record could not be imported because it duplicates with {id}."),
            );
            errors.into_response()
        }
        None => respond::empty(StatusCode::OK),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_brackets() {
        let input = parse_form(b"configuration=abc&record%5BEmail%5D=a%40b.co&record[Account Name]=ACME&record[X][y]=1");
        assert_eq!(input.configuration, Some(Ok("abc".to_owned())));
        assert_eq!(
            input.record,
            Record::Fields(vec![
                ("Email".to_owned(), Value::Text("a@b.co".to_owned())),
                ("Account Name".to_owned(), Value::Text("ACME".to_owned())),
                ("X".to_owned(), Value::Complex),
            ])
        );
        assert_eq!(
            parse_form(b"configuration=abc&record=x").record,
            Record::NotArray
        );
        assert_eq!(parse_form(b"configuration=").configuration, None);
    }

    #[test]
    fn json_shapes() {
        assert_eq!(
            parse_json(br#"{"configuration":"c","record":"x"}"#).record,
            Record::NotArray
        );
        assert_eq!(
            parse_json(br#"{"configuration":"c","record":{}}"#).record,
            Record::Missing
        );
        assert_eq!(
            parse_json(br#"{"configuration":5}"#).configuration,
            Some(Err(()))
        );
        assert_eq!(parse_json(b"not json").record, Record::Missing);
    }
}
