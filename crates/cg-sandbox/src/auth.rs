//! `POST /oauth2/token` (client credentials grant) and the credential checks of the
//! other families.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use rand::Rng;
use rand::distr::Alphanumeric;

use crate::app::App;
use crate::params;
use crate::respond::{self, Val};
use crate::state::IssuedToken;

/// Issued tokens are purged of expired ones once there are more than this many.
const PURGE_ABOVE: usize = 256;

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    respond::json(
        status,
        &Val::obj()
            .with("error", error)
            .with("error_description", description),
    )
}

/// `POST /oauth2/token`.
pub(crate) fn token(app: &App, content_type: Option<&str>, body: &[u8]) -> Response {
    let Ok(form) = params::body_params(content_type, body) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request body could not be parsed.",
        );
    };
    let Some(grant_type) = form.non_empty("grant_type") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request is missing a required parameter: grant_type.",
        );
    };
    if grant_type != "client_credentials" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported.",
        );
    }
    let (Some(client_id), Some(secret)) = (form.get("client_id"), form.get("client_secret")) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request is missing a required parameter: client_id and client_secret.",
        );
    };
    issue(app, client_id, secret)
}

fn issue(app: &App, client_id: &str, secret: &str) -> Response {
    let ttl = app.token_ttl();
    let token: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(48)
        .map(char::from)
        .collect();
    let now = params::now_ms();
    let expires_at_ms = now.saturating_add(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX));
    let known = app
        .store
        .read(|s| s.clients.get(client_id).is_some_and(|s| s == secret));
    if !known {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    }
    app.store.write(|s| {
        if s.tokens.len() > PURGE_ABOVE {
            s.tokens.retain(|_, t| t.expires_at_ms > now);
        }
        s.tokens.insert(
            token.clone(),
            IssuedToken {
                client_id: client_id.to_owned(),
                expires_at_ms,
            },
        );
    });
    let expires_in =
        i64::try_from(ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0)).unwrap_or(i64::MAX);
    let mut response = respond::json(
        StatusCode::OK,
        &Val::obj()
            .with("access_token", token)
            .with("token_type", "Bearer")
            .with("expires_in", expires_in),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Whether a v4.1 / v7 / imports request carries valid credentials. API keys count
/// only where `allow_api_key` (v4.1).
pub(crate) fn authorized(app: &App, headers: &HeaderMap, allow_api_key: bool) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut words = value.split_whitespace();
    let (Some(scheme), Some(credential), None) = (words.next(), words.next(), words.next()) else {
        return false;
    };
    if scheme.eq_ignore_ascii_case("bearer") {
        let now = params::now_ms();
        app.store.read(|s| {
            s.tokens
                .get(credential)
                .is_some_and(|t| t.expires_at_ms > now)
        })
    } else if allow_api_key && scheme.eq_ignore_ascii_case("api_key") {
        app.store.read(|s| s.api_keys.contains(credential))
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::faults::FaultConfig;
    use crate::state::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, State};

    fn app() -> App {
        App::new(
            State::new(),
            FaultConfig::default(),
            Duration::from_secs(60),
            10,
            crate::Profile::Standard,
        )
    }

    #[test]
    fn wrong_secret_is_401() {
        let app = app();
        let r = token(
            &app,
            None,
            format!("grant_type=client_credentials&client_id={DEMO_CLIENT_ID}&client_secret=x")
                .as_bytes(),
        );
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }

    #[test]
    fn issues_and_accepts() {
        let app = app();
        let body = format!(
            "grant_type=client_credentials&client_id={DEMO_CLIENT_ID}&client_secret={DEMO_CLIENT_SECRET}"
        );
        let r = token(&app, None, body.as_bytes());
        assert_eq!(r.status(), StatusCode::OK);
        let token = app.store.read(|s| s.tokens.keys().next().cloned()).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        assert!(authorized(&app, &headers, false));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("api_key sandbox-demo-api-key"),
        );
        assert!(authorized(&app, &headers, true));
        assert!(!authorized(&app, &headers, false));
    }
}
