//! The one place where a copy of a spec is changed before progenitor sees it.
//!
//! spec/ describes the API truthfully; progenitor 0.15.1 cannot take every shape
//! it uses (see shared/docs/progenitor-notes.md). The adaptations, all of them:
//!
//! 1. A request body offering several media types keeps `application/json` only;
//!    the other encodings become [`Extra`] operations (e.g. `putRecordForm`).
//! 2. An operation whose only request body is `multipart/form-data` or
//!    `application/xml` is removed from the copy and becomes an [`Extra`] operation
//!    generated from xtask's own template (`extra.rs` of the raw crate).
//! 3. Answers offered as JSON and XML keep JSON only: the generated methods decode
//!    JSON; XML is decoded by cg-facade, which sends through the same pipeline.
//! 4. `security` is dropped from the copy (progenitor ignores it); the per-operation
//!    credential table is emitted in `hooks.rs` instead.
//!
//! 5. A shared parameter (`components/parameters`) whose schema is an inline enum
//!    gets a named schema of the same name, so that every operation shares one type
//!    (`types::Format`) instead of one enum per operation (`ListBouncesFormat`, ...).
//!
//! 7. Every JSON request body also gets a `*_with` [`Extra`] (`BodyKind::Json`): the body
//!    serialized from any `B: Serialize` of the spec's shape.
//!
//! Before any of this, `common::Shared::bundle` copies the `common.yaml` definitions a
//! module refers to into its copy (progenitor reads one document).
//!
//! 6. Every GET operation also becomes a [`Read`]: a template method that sends the
//!    operation's typed path and query parameters (a generated query type, with a
//!    `filters` map where the spec declares `x-cg-query-prefix`) and hands the answer
//!    to the caller to decode (the facade reads answers leniently).
//!
//! Anything else progenitor refuses is reported by file and operationId.

use serde_json::Value;

pub const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// How an operation that progenitor cannot generate sends its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// `multipart/form-data`: the caller builds a `reqwest::multipart::Form`.
    Multipart,
    /// `application/xml`: the caller passes the XML document.
    Xml,
    /// `application/x-www-form-urlencoded` alternative to a JSON body: the JSON body
    /// type, flattened into bracketed form keys (`record[Email]=...`).
    FormOfJson,
    /// A JSON body progenitor generates too: the `*_with` variant serializes any
    /// `B: Serialize` that writes the spec's shape, without building the body type
    /// (a bulk import sends one per record).
    Json,
}

/// An operation (or an encoding of one) provided by xtask's template, not progenitor.
#[derive(Clone, Debug)]
pub struct Extra {
    /// The operationId of the template method (`putRecordForm` for a form variant).
    pub method_id: String,
    /// The spec's operationId, used for the hooks (auth, retries, tracing).
    pub operation_id: String,
    pub http_method: String,
    pub path: String,
    pub summary: String,
    pub body: BodyKind,
    /// `$ref` name of the JSON body schema (for [`BodyKind::FormOfJson`]).
    pub body_schema: Option<String>,
    /// Path parameters in order of appearance.
    pub path_params: Vec<String>,
    /// `(status, schema name)` of the success answers; `None` when it has no body.
    pub success: Vec<(u16, Option<String>)>,
    /// `(status, schema name)` of the documented error answers.
    pub errors: Vec<(u16, String)>,
    /// The parts of a multipart body, from its schema.
    pub parts: Vec<Part>,
}

/// One part of a `multipart/form-data` body.
#[derive(Clone, Debug)]
pub struct Part {
    pub name: String,
    /// `format: binary`: file content (a `reqwest::multipart::Part`), else text.
    pub binary: bool,
    pub required: bool,
    pub description: Option<String>,
}

/// A GET operation sent by xtask's read template: typed parameters in, the answer
/// decoded as the caller's type.
#[derive(Clone, Debug)]
pub struct Read {
    pub operation_id: String,
    pub path: String,
    pub summary: String,
    pub path_params: Vec<String>,
    pub query: Vec<QueryParam>,
    /// `x-cg-query-prefix`: free-form parameters with this prefix are allowed too.
    pub free_prefix: Option<String>,
    pub success: Vec<u16>,
}

/// A query parameter of a [`Read`].
#[derive(Clone, Debug)]
pub struct QueryParam {
    /// As sent (`period[start]`).
    pub name: String,
    pub ty: ParamType,
    /// `explode: false` on an array: one comma-joined value.
    pub joined: bool,
    pub description: Option<String>,
}

/// The Rust type of a query parameter.
#[derive(Clone, Debug)]
pub enum ParamType {
    Int {
        unsigned: bool,
    },
    Number,
    Bool,
    Date,
    Text,
    /// A named schema of the spec (`types::Name`).
    Named(String),
    List(Box<ParamType>),
}

impl ParamType {
    fn of(schema: &Value) -> ParamType {
        if let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.rsplit('/').next())
        {
            return ParamType::Named(name.to_string());
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("integer") => ParamType::Int {
                unsigned: schema
                    .get("minimum")
                    .and_then(Value::as_f64)
                    .is_some_and(|m| m >= 0.0),
            },
            Some("number") => ParamType::Number,
            Some("boolean") => ParamType::Bool,
            Some("array") => ParamType::List(Box::new(ParamType::of(
                schema.get("items").unwrap_or(&Value::Null),
            ))),
            Some("string") if schema.get("format").and_then(Value::as_str) == Some("date") => {
                ParamType::Date
            }
            _ => ParamType::Text,
        }
    }
}

/// The credentials an operation accepts, read from its `security` (or the document's).
#[derive(Clone, Debug)]
pub struct Security {
    pub operation_id: String,
    pub oauth2: bool,
    pub api_key: bool,
    pub facts: Facts,
}

/// The `x-cg-*` facts every operation declares (see `spec/README.md`).
#[derive(Clone, Debug)]
pub struct Facts {
    /// `x-cg-idempotent`: may the request be resent when its fate is unknown.
    pub idempotent: bool,
    /// `x-cg-sends-survey`: may the call send a survey.
    pub sends_survey: bool,
    /// `x-cg-paging`: `none`, `offset` or `cursor`.
    pub paging: String,
}

/// Reads the operation's `x-cg-*` facts; a missing or malformed one is an error naming
/// the file and operationId, so no operation is guessed at.
fn facts_of(op: &Value, file: &str, operation_id: &str) -> Result<Facts, String> {
    let flag = |key: &str| -> Result<bool, String> {
        match op.get(key) {
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(format!(
                "{file}: operationId {operation_id}: {key} must be true or false, found {other}"
            )),
            None => Err(format!(
                "{file}: operationId {operation_id} lacks {key} (true|false); every operation declares \
                 x-cg-idempotent, x-cg-sends-survey and x-cg-paging (see spec/README.md)"
            )),
        }
    };
    let idempotent = flag("x-cg-idempotent")?;
    let sends_survey = flag("x-cg-sends-survey")?;
    let paging = match op.get("x-cg-paging").and_then(Value::as_str) {
        Some(p @ ("none" | "offset" | "cursor")) => p.to_string(),
        Some(other) => {
            return Err(format!(
                "{file}: operationId {operation_id}: x-cg-paging must be none, offset or cursor, found {other:?}"
            ));
        }
        None => {
            return Err(format!(
                "{file}: operationId {operation_id} lacks x-cg-paging (none|offset|cursor); every operation declares \
                 x-cg-idempotent, x-cg-sends-survey and x-cg-paging (see spec/README.md)"
            ));
        }
    };
    if sends_survey && idempotent {
        return Err(format!(
            "{file}: operationId {operation_id}: an operation that sends a survey cannot be x-cg-idempotent: true"
        ));
    }
    Ok(Facts {
        idempotent,
        sends_survey,
        paging,
    })
}

pub struct Adapted {
    pub spec: Value,
    pub extras: Vec<Extra>,
    pub reads: Vec<Read>,
    pub security: Vec<Security>,
}

fn schema_name(media: &Value) -> Option<String> {
    media
        .pointer("/schema/$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_string)
}

/// `(status, schema name)` of the success answers (`None`: no body), and of the errors.
type Answers = (Vec<(u16, Option<String>)>, Vec<(u16, String)>);

fn responses_of(op: &Value, root: &Value) -> Answers {
    let mut success = Vec::new();
    let mut errors = Vec::new();
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        for (status, response) in responses {
            // A shared answer (`$ref: '#/components/responses/..'`) is read where it is defined.
            let response = match response.get("$ref").and_then(Value::as_str) {
                Some(r) => root.pointer(r.trim_start_matches('#')).unwrap_or(response),
                None => response,
            };
            let Ok(code) = status.parse::<u16>() else {
                continue;
            };
            let schema = response
                .get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.get("application/json").or_else(|| c.values().next()))
                .and_then(schema_name);
            if code < 300 {
                success.push((code, schema));
            } else if let Some(schema) = schema {
                errors.push((code, schema));
            }
        }
    }
    (success, errors)
}

fn path_params(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

fn security_of(op: &Value, default: Option<&Value>, operation_id: &str, facts: Facts) -> Security {
    let requirements = op.get("security").or(default).and_then(Value::as_array);
    let names: Vec<&str> = requirements
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|o| o.keys().map(String::as_str))
        .collect();
    Security {
        operation_id: operation_id.to_string(),
        oauth2: names.iter().any(|n| n.starts_with("oauth2")),
        api_key: names.contains(&"api_key"),
        facts,
    }
}

/// Adapts `spec` (already parsed from YAML) for progenitor; `file` names it in errors.
pub fn adapt(file: &str, mut spec: Value) -> Result<Adapted, String> {
    name_shared_enum_parameters(&mut spec);
    let mut extras = Vec::new();
    let mut reads = Vec::new();
    let mut security = Vec::new();
    let default_security = spec.get("security").cloned();
    let root = spec.clone();
    let paths = spec
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| format!("{file}: no `paths`"))?;
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let item_params = item.get("parameters").cloned();
        for method in METHODS {
            let Some(op) = item.get_mut(method) else {
                continue;
            };
            let operation_id = op
                .get("operationId")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    format!(
                        "{file}: {} {path} has no operationId",
                        method.to_uppercase()
                    )
                })?
                .to_string();
            let facts = facts_of(op, file, &operation_id)?;
            security.push(security_of(
                op,
                default_security.as_ref(),
                &operation_id,
                facts,
            ));
            let free_prefix = op
                .get("x-cg-query-prefix")
                .and_then(Value::as_str)
                .map(str::to_string);
            let ops = op
                .as_object_mut()
                .ok_or_else(|| format!("{file}: {operation_id}: not an object"))?;
            ops.remove("security");
            // Ours, not OpenAPI's: read above into the operation table.
            ops.retain(|k, _| !k.starts_with("x-cg-"));
            let (success, errors) = responses_of(&Value::Object(ops.clone()), &root);
            let summary = ops
                .get("summary")
                .and_then(Value::as_str)
                .unwrap_or(&operation_id)
                .to_string();
            let extra = |method_id: String, body: BodyKind, body_schema: Option<String>| Extra {
                method_id,
                operation_id: operation_id.clone(),
                http_method: method.to_string(),
                path: path.clone(),
                summary: summary.clone(),
                body,
                body_schema,
                path_params: path_params(path),
                success: success.clone(),
                errors: errors.clone(),
                parts: Vec::new(),
            };
            if method == "get" {
                reads.push(Read {
                    operation_id: operation_id.clone(),
                    path: path.clone(),
                    summary: summary.clone(),
                    path_params: path_params(path),
                    query: query_params(item_params.as_ref(), ops.get("parameters"), &root),
                    free_prefix,
                    success: success.iter().map(|(code, _)| *code).collect(),
                });
            }

            // 3. JSON answers only.
            if let Some(responses) = ops.get_mut("responses").and_then(Value::as_object_mut) {
                for response in responses.values_mut() {
                    if let Some(content) =
                        response.get_mut("content").and_then(Value::as_object_mut)
                        && content.contains_key("application/json")
                    {
                        content.retain(|k, _| k == "application/json");
                    }
                }
            }

            // 1. and 2. Request bodies.
            let Some(content) = ops
                .get_mut("requestBody")
                .and_then(|b| b.get_mut("content"))
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            if content.contains_key("multipart/form-data")
                || content.contains_key("application/xml")
            {
                if content.contains_key("application/json")
                    || content.contains_key("application/x-www-form-urlencoded")
                {
                    return Err(format!(
                        "{file}: {operation_id}: mixes multipart/XML with another body encoding; extend xtask/src/adapt.rs"
                    ));
                }
                let multipart = content.get("multipart/form-data");
                let kind = if multipart.is_some() {
                    BodyKind::Multipart
                } else {
                    BodyKind::Xml
                };
                let schema = multipart.and_then(schema_name);
                let mut e = extra(operation_id.clone(), kind, schema.clone());
                if let Some(name) = &schema {
                    e.parts = parts_of(&root, name).ok_or_else(|| {
                        format!("{file}: {operation_id}: multipart schema {name} has no properties")
                    })?;
                }
                extras.push(e);
                item.remove(method);
                continue;
            }
            if let Some(json) = content.get("application/json") {
                extras.push(extra(
                    format!("{operation_id}With"),
                    BodyKind::Json,
                    schema_name(json),
                ));
            }
            if content.len() > 1 {
                let json = content
                    .get("application/json")
                    .cloned()
                    .ok_or_else(|| format!("{file}: {operation_id}: several body encodings but none is application/json"))?;
                if content.contains_key("application/x-www-form-urlencoded") {
                    extras.push(extra(
                        format!("{operation_id}Form"),
                        BodyKind::FormOfJson,
                        schema_name(&json),
                    ));
                }
                let others: Vec<String> = content
                    .keys()
                    .filter(|k| {
                        *k != "application/json" && *k != "application/x-www-form-urlencoded"
                    })
                    .cloned()
                    .collect();
                if !others.is_empty() {
                    return Err(format!(
                        "{file}: {operation_id}: body encodings {others:?} have no adaptation"
                    ));
                }
                content.retain(|k, _| k == "application/json");
            }
        }
    }
    if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
        paths.retain(|_, item| {
            item.as_object()
                .is_some_and(|o| METHODS.iter().any(|m| o.contains_key(*m)))
        });
    }
    if let Some(obj) = spec.as_object_mut() {
        obj.remove("security");
    }
    Ok(Adapted {
        spec,
        extras,
        reads,
        security,
    })
}

/// A parameter, read where it is defined when it is a `$ref`.
fn resolve<'a>(param: &'a Value, root: &'a Value) -> &'a Value {
    match param.get("$ref").and_then(Value::as_str) {
        Some(r) => root.pointer(r.trim_start_matches('#')).unwrap_or(param),
        None => param,
    }
}

/// The query parameters of a path item and its operation, in their order.
fn query_params(item: Option<&Value>, op: Option<&Value>, root: &Value) -> Vec<QueryParam> {
    [item, op]
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .map(|p| resolve(p, root))
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
        .filter_map(|p| {
            let schema = p.get("schema").unwrap_or(&Value::Null);
            Some(QueryParam {
                name: p.get("name")?.as_str()?.to_string(),
                ty: ParamType::of(schema),
                joined: p.get("explode").and_then(Value::as_bool) == Some(false),
                description: p
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            })
        })
        .collect()
}

/// The parts of a multipart body schema (`#/components/schemas/<name>`).
fn parts_of(root: &Value, name: &str) -> Option<Vec<Part>> {
    let schema = root.pointer(&format!("/components/schemas/{name}"))?;
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let parts = schema
        .get("properties")?
        .as_object()?
        .iter()
        .map(|(name, p)| Part {
            name: name.clone(),
            binary: p.get("format").and_then(Value::as_str) == Some("binary"),
            required: required.contains(&name.as_str()),
            description: p
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
        .collect();
    Some(parts)
}

/// Adaptation 5.
fn name_shared_enum_parameters(spec: &mut Value) {
    let Some(params) = spec
        .pointer("/components/parameters")
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    for (name, param) in params {
        let Some(schema) = param.get("schema") else {
            continue;
        };
        if schema.get("enum").is_none()
            || spec
                .pointer(&format!("/components/schemas/{name}"))
                .is_some()
        {
            continue;
        }
        let schema = schema.clone();
        if let Some(schemas) = spec
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
        {
            schemas.insert(name.clone(), schema);
        }
        if let Some(p) = spec.pointer_mut(&format!("/components/parameters/{name}")) {
            p["schema"] = serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_fact_names_the_file_and_operation() {
        let op = serde_json::json!({"operationId": "putThing", "x-cg-idempotent": false, "x-cg-paging": "none"});
        let e = facts_of(&op, "spec/things.yaml", "putThing").unwrap_err();
        assert!(
            e.contains("spec/things.yaml")
                && e.contains("putThing")
                && e.contains("x-cg-sends-survey"),
            "{e}"
        );
        let op = serde_json::json!({"x-cg-idempotent": true, "x-cg-sends-survey": false, "x-cg-paging": "pages"});
        assert!(facts_of(&op, "f", "o").unwrap_err().contains("x-cg-paging"));
        let op = serde_json::json!({"x-cg-idempotent": true, "x-cg-sends-survey": true, "x-cg-paging": "none"});
        assert!(facts_of(&op, "f", "o").is_err(), "a survey is never resent");
        let op = serde_json::json!({"x-cg-idempotent": false, "x-cg-sends-survey": true, "x-cg-paging": "cursor"});
        let f = facts_of(&op, "f", "o").unwrap();
        assert!(!f.idempotent && f.sends_survey && f.paging == "cursor");
    }
}
