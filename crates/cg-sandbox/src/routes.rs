//! Routing per host family. v4.1 paths are resolved by hand (module path plus `.json` /
//! `.xml` suffix), so an unknown module answers 300002 (404) and a known path with the
//! wrong method 300003 (405), in the requested format; every other path of a family
//! answers 404, so a request sent to the wrong host family fails loudly.

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use cg_errors::ErrorCode;

use crate::app::App;
use crate::log::Family;
use crate::params::{self, Params};
use crate::respond::{self, ApiError, Format, V41Result};
use crate::state::{SurveyKind, UploadKind};
use crate::{
    accounts, activities, anonymize, auth, files, hierarchy, lists, reasons, records, report,
    stream, sync, transactions, workflow,
};

/// Largest request body read (uploads are refused above 2 MB with a proper error).
pub(crate) const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// A request with its body read.
pub(crate) struct Call {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) query: Params,
    pub(crate) body: Bytes,
}

impl Call {
    fn content_type(&self) -> Option<&str> {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }

    /// Form body merged with the query string; 300001 when the body cannot be read.
    fn form(&self) -> Result<Params, ApiError> {
        let body = params::body_params(self.content_type(), &self.body)
            .map_err(|()| lists::invalid("the request body could not be parsed"))?;
        Ok(Params::merged(body, &self.query))
    }
}

/// Reads the body and routes the request to its family.
pub(crate) async fn handle(app: &App, family: Family, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => return too_large(family, &path),
    };
    let call = Call {
        method: parts.method,
        query: parts
            .uri
            .query()
            .map(Params::from_urlencoded)
            .unwrap_or_default(),
        path,
        headers: parts.headers,
        body,
    };
    match family {
        Family::Api => api(app, &call).await,
        Family::Imports => imports(app, &call),
        Family::Auth => auth_family(app, &call),
    }
}

fn too_large(family: Family, path: &str) -> Response {
    if family == Family::Api && path.starts_with("/v4.1/") {
        let format = if path.ends_with(".xml") {
            Format::Xml
        } else {
            Format::Json
        };
        lists::invalid("the request body is larger than 8 MB").into_response(format)
    } else {
        respond::message(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large.",
        )
    }
}

fn not_found() -> Response {
    respond::message(StatusCode::NOT_FOUND, "Not Found.")
}

fn laravel_method_not_allowed(call: &Call, allowed: &'static str) -> Response {
    let mut r = respond::message(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!(
            "The {} method is not supported for route {}. Supported methods: {allowed}.",
            call.method,
            call.path.trim_start_matches('/')
        ),
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allowed));
    r
}

fn unauthenticated() -> Response {
    respond::message(StatusCode::UNAUTHORIZED, "Unauthenticated.")
}

fn auth_family(app: &App, call: &Call) -> Response {
    if call.path != "/oauth2/token" {
        return not_found();
    }
    if call.method != Method::POST {
        return laravel_method_not_allowed(call, "POST");
    }
    auth::token(app, call.content_type(), &call.body)
}

fn imports(app: &App, call: &Call) -> Response {
    let put: fn(&App, Option<&str>, &[u8]) -> Response = match call.path.as_str() {
        "/records/" | "/records" => records::put,
        "/accounts" | "/accounts/" => accounts::put,
        "/activities" | "/activities/" => activities::put,
        _ => return not_found(),
    };
    if call.method != Method::PUT {
        return laravel_method_not_allowed(call, "PUT");
    }
    if !auth::authorized(app, &call.headers, false) {
        return unauthenticated();
    }
    app.profile()
        .imports(put(app, call.content_type(), &call.body))
}

async fn api(app: &App, call: &Call) -> Response {
    if let Some(rest) = call.path.strip_prefix("/v4.1/") {
        return v41(app, call, rest).await;
    }
    if let Some(rest) = call.path.strip_prefix("/v7/rest/") {
        return v7(app, call, rest);
    }
    if call.path == "/v4.1" {
        return ApiError::new(ErrorCode::ModuleNotFound).into_response(Format::Json);
    }
    not_found()
}

fn v7(app: &App, call: &Call, rest: &str) -> Response {
    let (allowed, method) = match rest {
        "sync/responses" | "sync/non-responses" | "sync/close-loop" => ("GET", Method::GET),
        "close-loop/status" => ("PUT", Method::PUT),
        _ => return not_found(),
    };
    if call.method != method {
        return laravel_method_not_allowed(call, allowed);
    }
    if !auth::authorized(app, &call.headers, false) {
        return unauthenticated();
    }
    match rest {
        "sync/responses" => sync::export(app, true, &call.query),
        "sync/non-responses" => sync::export(app, false, &call.query),
        "sync/close-loop" => sync::cases(app, &call.query),
        _ => sync::close_loop(app, &call.body),
    }
}

/// The v4.1 modules and their methods.
const MODULES: &[(&str, &[Method])] = &[
    ("lists/unsubscribe", &[Method::GET, Method::POST]),
    ("lists/bounce", &[Method::GET]),
    ("company/revenue_file_automate", &[Method::POST]),
    ("file/company-revenue", &[Method::GET]),
    ("file/transactional", &[Method::GET]),
    ("file/historical", &[Method::GET, Method::POST]),
    ("file/contact", &[Method::GET, Method::POST]),
    ("file", &[Method::DELETE]),
    ("anonymize", &[Method::GET, Method::POST]),
    (
        "hierarchy",
        &[Method::GET, Method::POST, Method::PUT, Method::DELETE],
    ),
    ("transactions", &[Method::GET]),
    ("transactions/response", &[Method::POST, Method::PUT]),
    ("transactions/non_response", &[Method::POST, Method::PUT]),
    ("stream/transactional", &[Method::POST]),
    ("stream/historical", &[Method::POST]),
    ("reasons", &[Method::GET]),
    ("workflow", &[Method::POST]),
    ("report/nps", &[Method::GET]),
];

/// `lists/unsubscribe.json` -> (`lists/unsubscribe`, JSON); no suffix means JSON;
/// another suffix names no module.
fn split_format(rest: &str) -> (&str, Option<Format>) {
    let last_segment_start = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last_segment_start..].rfind('.') {
        None => (rest, Some(Format::Json)),
        Some(dot) => {
            let at = last_segment_start + dot;
            let format = match &rest[at + 1..] {
                "json" => Some(Format::Json),
                "xml" => Some(Format::Xml),
                _ => None,
            };
            (&rest[..at], format)
        }
    }
}

async fn v41(app: &App, call: &Call, rest: &str) -> Response {
    let (module, format) = split_format(rest);
    let Some(format) = format else {
        return ApiError::new(ErrorCode::ModuleNotFound).into_response(Format::Json);
    };
    let Some((module, methods)) = MODULES.iter().find(|(m, _)| *m == module) else {
        return ApiError::new(ErrorCode::ModuleNotFound).into_response(format);
    };
    if !methods.contains(&call.method) {
        let mut r = ApiError::new(ErrorCode::MethodNotFound).into_response(format);
        let allow = methods
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        if let Ok(v) = HeaderValue::from_str(&allow) {
            r.headers_mut().insert(header::ALLOW, v);
        }
        return r;
    }
    if !auth::authorized(app, &call.headers, true) {
        return ApiError::new(ErrorCode::InvalidApiKey).into_response(format);
    }
    let result = v41_call(app, call, module).await;
    match result {
        Ok(data) => respond::v41_data(format, app.profile().v41(module, data)),
        Err(e) => e.into_response(format),
    }
}

async fn v41_call(app: &App, call: &Call, module: &str) -> V41Result {
    let query = &call.query;
    let ct = call.content_type();
    match (module, &call.method) {
        ("lists/unsubscribe", &Method::GET) => lists::list_unsubscribes(app, query),
        ("lists/unsubscribe", _) => lists::add_unsubscribe(app, &call.form()?),
        ("lists/bounce", _) => lists::list_bounces(app, query),
        ("company/revenue_file_automate", _) => {
            files::upload(app, UploadKind::CompanyRevenue, ct, call.body.clone()).await
        }
        ("file/company-revenue", _) => files::list(app, UploadKind::CompanyRevenue, query),
        ("file/transactional", _) => files::list(app, UploadKind::Transactional, query),
        ("file/historical", &Method::GET) => files::list(app, UploadKind::Historical, query),
        ("file/historical", _) => {
            files::upload(app, UploadKind::Historical, ct, call.body.clone()).await
        }
        ("file/contact", &Method::GET) => files::list(app, UploadKind::Contact, query),
        ("file/contact", _) => files::upload(app, UploadKind::Contact, ct, call.body.clone()).await,
        ("file", _) => files::delete(app, &call.form()?),
        ("anonymize", &Method::GET) => anonymize::validate(app, query),
        ("anonymize", _) => anonymize::execute(app, &call.form()?),
        ("hierarchy", &Method::GET) => hierarchy::list(app, query),
        ("hierarchy", &Method::POST) => hierarchy::add(app, &call.form()?),
        ("hierarchy", &Method::PUT) => hierarchy::update(app, &call.form()?),
        ("hierarchy", _) => hierarchy::delete(app, &call.form()?),
        ("transactions", _) => transactions::list(app, query),
        ("transactions/response", &Method::POST) => {
            transactions::create(app, SurveyKind::Response, &call.form()?)
        }
        ("transactions/response", _) => {
            transactions::update(app, SurveyKind::Response, &call.form()?)
        }
        ("transactions/non_response", &Method::POST) => {
            transactions::create(app, SurveyKind::NonResponse, &call.form()?)
        }
        ("transactions/non_response", _) => {
            transactions::update(app, SurveyKind::NonResponse, &call.form()?)
        }
        ("stream/transactional", _) => stream::post(app, false, &call.body),
        ("stream/historical", _) => stream::post(app, true, &call.body),
        ("reasons", _) => reasons::list(app, query),
        ("workflow", _) => workflow::update(app, &call.form()?),
        _ => report::nps(app, query),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes() {
        assert_eq!(
            split_format("lists/unsubscribe.json"),
            ("lists/unsubscribe", Some(Format::Json))
        );
        assert_eq!(split_format("file.xml"), ("file", Some(Format::Xml)));
        assert_eq!(split_format("hierarchy"), ("hierarchy", Some(Format::Json)));
        assert_eq!(split_format("hierarchy.csv"), ("hierarchy", None));
        assert_eq!(split_format("a.b/c"), ("a.b/c", Some(Format::Json)));
    }
}
