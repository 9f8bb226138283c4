//! Regions, endpoints, `from_lookup` and redaction of credentials.

use std::collections::HashMap;
use std::str::FromStr;

use cg_auth::{
    AuthConfig, Authenticator, ConfigError, Credentials, Endpoints, HostFamily, Region, Secret,
};

const SECRET: &str = "very-secret-value-123";
const KEY: &str = "api-key-value-456";

fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn region_parsing_is_case_insensitive() {
    assert_eq!(Region::from_str("eu"), Ok(Region::Eu));
    assert_eq!(Region::from_str("US"), Ok(Region::Us));
    assert_eq!(Region::from_str(" Au "), Ok(Region::Au));
    let err = Region::from_str("asia").expect_err("no such region");
    let msg = err.to_string();
    assert!(msg.contains("asia") && msg.contains("eu, us, au"), "{msg}");
    assert!(Region::from_str("").is_err());
}

#[test]
fn region_display_and_hosts() {
    assert_eq!(Region::Eu.to_string(), "eu");
    assert_eq!(Region::Us.to_string(), "us");
    assert_eq!(Region::Au.to_string(), "au");
    assert_eq!(Region::Au.api_url(), "https://api.au.customergauge.com");
    assert_eq!(
        Region::Au.imports_url(),
        "https://imports.api.au.customergauge.com"
    );
    assert_eq!(Region::Au.auth_url(), "https://auth.au.customergauge.com");
    let e = Endpoints::for_region(Region::Eu);
    for family in HostFamily::ALL {
        assert_eq!(e.base_url(family), Region::Eu.base_url(family));
    }
}

#[test]
fn env_with_client_credentials_and_api_key() {
    let config = AuthConfig::from_lookup(lookup(&[
        ("CG_REGION", "US"),
        ("CG_CLIENT_ID", "my-client"),
        ("CG_CLIENT_SECRET", SECRET),
        ("CG_API_KEY", KEY),
    ]))
    .expect("config");
    assert_eq!(config.region(), Some(Region::Us));
    assert_eq!(config.endpoints(), &Endpoints::for_region(Region::Us));
    let creds = config.credentials();
    assert_eq!(creds.client_id(), Some("my-client"));
    assert!(creds.has_oauth2() && creds.has_api_key());
    assert_eq!(creds.api_key_secret().map(Secret::expose_secret), Some(KEY));
}

#[test]
fn env_api_key_only_and_overrides() {
    let config = AuthConfig::from_lookup(lookup(&[
        ("CG_REGION", "au"),
        ("CG_API_KEY", KEY),
        ("CG_API_URL", "http://127.0.0.1:8080/"),
        ("CG_IMPORTS_URL", ""),
    ]))
    .expect("config");
    assert!(!config.credentials().has_oauth2());
    assert_eq!(config.endpoints().api_base_url(), "http://127.0.0.1:8080");
    // Empty counts as unset.
    assert_eq!(
        config.endpoints().imports_base_url(),
        "https://imports.api.au.customergauge.com"
    );
    assert_eq!(
        config.endpoints().auth_base_url(),
        "https://auth.au.customergauge.com"
    );
}

#[test]
fn env_region_may_be_left_out_when_every_url_is_given() {
    let config = AuthConfig::from_lookup(lookup(&[
        ("CG_API_KEY", KEY),
        ("CG_API_URL", "https://sandbox.example/api"),
        ("CG_IMPORTS_URL", "https://sandbox.example/imports"),
        ("CG_AUTH_URL", "https://sandbox.example/auth"),
    ]))
    .expect("config");
    assert_eq!(config.region(), None);
    assert_eq!(
        config.endpoints().token_url().as_str(),
        "https://sandbox.example/auth/oauth2/token"
    );
}

#[test]
fn env_errors_name_the_variable() {
    let err = AuthConfig::from_lookup(lookup(&[("CG_API_KEY", KEY)])).expect_err("no region");
    assert_eq!(err, ConfigError::MissingRegion);
    assert!(err.to_string().contains("CG_REGION"));

    let err = AuthConfig::from_lookup(lookup(&[("CG_REGION", "mars"), ("CG_API_KEY", KEY)]))
        .expect_err("bad region");
    let msg = err.to_string();
    assert!(
        msg.contains("CG_REGION") && msg.contains("mars") && msg.contains("eu, us, au"),
        "{msg}"
    );

    let err = AuthConfig::from_lookup(lookup(&[("CG_REGION", "eu"), ("CG_CLIENT_ID", "id")]))
        .expect_err("half set");
    assert_eq!(
        err,
        ConfigError::Incomplete {
            set: "CG_CLIENT_ID",
            missing: "CG_CLIENT_SECRET"
        }
    );
    assert!(err.to_string().contains("CG_CLIENT_SECRET"));

    let err = AuthConfig::from_lookup(lookup(&[
        ("CG_REGION", "eu"),
        ("CG_CLIENT_SECRET", SECRET),
        ("CG_API_KEY", KEY),
    ]))
    .expect_err("half set");
    let msg = format!("{err} {err:?}");
    assert!(msg.contains("CG_CLIENT_ID"), "{msg}");
    assert!(!msg.contains(SECRET), "{msg}");

    let err = AuthConfig::from_lookup(lookup(&[("CG_REGION", "eu")])).expect_err("nothing");
    assert_eq!(err, ConfigError::NoCredentials);
    let msg = err.to_string();
    assert!(
        msg.contains("CG_CLIENT_ID") && msg.contains("CG_API_KEY"),
        "{msg}"
    );

    let err = AuthConfig::from_lookup(lookup(&[
        ("CG_REGION", "eu"),
        ("CG_API_KEY", KEY),
        ("CG_AUTH_URL", "http://auth.example.com"),
    ]))
    .expect_err("plain http to a remote host");
    let msg = err.to_string();
    assert!(
        msg.contains("CG_AUTH_URL") && msg.contains("loopback"),
        "{msg}"
    );

    let err = AuthConfig::from_lookup(lookup(&[
        ("CG_REGION", "eu"),
        ("CG_API_KEY", KEY),
        ("CG_API_URL", "https://user:pa55word@proxy.example"),
    ]))
    .expect_err("credentials in the URL");
    let msg = format!("{err} {err:?}");
    assert!(
        msg.contains("CG_API_URL") && !msg.contains("pa55word"),
        "{msg}"
    );
}

#[test]
fn from_env_reads_the_process_environment() {
    // Only reads; whatever the environment holds, the answer is a config or a ConfigError.
    let _ = AuthConfig::from_env();
}

#[test]
fn credentials_never_show_secrets() {
    let all = [
        Credentials::client_credentials("id-1", SECRET).with_api_key(KEY),
        Credentials::api_key(KEY),
        Credentials::bearer_token(SECRET),
    ];
    for creds in all {
        let config = AuthConfig::new(Region::Eu, creds.clone());
        let auth = Authenticator::new(config.clone());
        let shown = format!("{creds} {creds:?} {config:?} {auth:?}");
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains(KEY), "{shown}");
        assert!(shown.contains("** redacted **"), "{shown}");
    }
    let s = Secret::new(SECRET);
    assert_eq!(format!("{s}"), "** redacted **");
    assert_eq!(format!("{s:?}"), "** redacted **");
    assert_eq!(
        Credentials::client_credentials("id-1", SECRET)
            .with_api_key(KEY)
            .to_string(),
        "OAuth2 client credentials (client id id-1) and an API key"
    );
}
