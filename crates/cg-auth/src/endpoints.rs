//! [`Endpoints`]: the base URL of each host family, with overrides, and the
//! check that decides whether a request URL may receive credentials.

use std::net::IpAddr;

use reqwest::Url;

use crate::error::{AuthError, ConfigError};
use crate::region::{HostFamily, Region};

/// The base URLs the SDK talks to, one per [`HostFamily`].
///
/// Built from a [`Region`] and optionally overridden per family (a sandbox, a
/// proxy, a test server). Credentials are sent only to these hosts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    api: Url,
    imports: Url,
    auth: Url,
}

impl Endpoints {
    /// The production hosts of `region`.
    pub fn for_region(region: Region) -> Self {
        let parse = |family| {
            // The region URLs are constants of this crate and always parse.
            Url::parse(&region.base_url(family)).expect("static CustomerGauge base URL")
        };
        Endpoints {
            api: parse(HostFamily::Api),
            imports: parse(HostFamily::Imports),
            auth: parse(HostFamily::Auth),
        }
    }

    /// Three explicit base URLs (no region at all, e.g. a local sandbox).
    pub fn from_urls(api: &str, imports: &str, auth: &str) -> Result<Self, ConfigError> {
        Ok(Endpoints {
            api: parse_base_url(api, "api base URL")?,
            imports: parse_base_url(imports, "imports base URL")?,
            auth: parse_base_url(auth, "auth base URL")?,
        })
    }

    /// Replaces the base URL of `family`.
    ///
    /// The URL must be `https`, or `http` to a loopback host (127.0.0.0/8,
    /// `::1`, `localhost`), and carry no user credentials, query or fragment.
    /// A path prefix is kept (`https://proxy.example/cg`).
    pub fn with_base_url(self, family: HostFamily, url: &str) -> Result<Self, ConfigError> {
        let name = format!("{family} base URL");
        self.with_base_url_named(family, url, &name)
    }

    pub(crate) fn with_base_url_named(
        mut self,
        family: HostFamily,
        url: &str,
        name: &str,
    ) -> Result<Self, ConfigError> {
        let parsed = parse_base_url(url, name)?;
        match family {
            HostFamily::Api => self.api = parsed,
            HostFamily::Imports => self.imports = parsed,
            HostFamily::Auth => self.auth = parsed,
        }
        Ok(self)
    }

    /// Replaces the api base URL; see [`Endpoints::with_base_url`].
    pub fn with_api_url(self, url: &str) -> Result<Self, ConfigError> {
        self.with_base_url(HostFamily::Api, url)
    }

    /// Replaces the imports base URL; see [`Endpoints::with_base_url`].
    pub fn with_imports_url(self, url: &str) -> Result<Self, ConfigError> {
        self.with_base_url(HostFamily::Imports, url)
    }

    /// Replaces the auth base URL; see [`Endpoints::with_base_url`].
    pub fn with_auth_url(self, url: &str) -> Result<Self, ConfigError> {
        self.with_base_url(HostFamily::Auth, url)
    }

    /// The parsed base URL of `family`.
    pub fn url(&self, family: HostFamily) -> &Url {
        match family {
            HostFamily::Api => &self.api,
            HostFamily::Imports => &self.imports,
            HostFamily::Auth => &self.auth,
        }
    }

    /// The base URL of `family` without a trailing slash, as generated
    /// clients take it (`https://api.eu.customergauge.com`).
    pub fn base_url(&self, family: HostFamily) -> &str {
        self.url(family).as_str().trim_end_matches('/')
    }

    /// See [`Endpoints::base_url`].
    pub fn api_base_url(&self) -> &str {
        self.base_url(HostFamily::Api)
    }

    /// See [`Endpoints::base_url`].
    pub fn imports_base_url(&self) -> &str {
        self.base_url(HostFamily::Imports)
    }

    /// See [`Endpoints::base_url`].
    pub fn auth_base_url(&self) -> &str {
        self.base_url(HostFamily::Auth)
    }

    /// `{auth}/oauth2/token`.
    pub fn token_url(&self) -> Url {
        let mut url = self.auth.clone();
        let path = format!("{}/oauth2/token", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url
    }

    /// The family whose host (scheme, host and port) `url` is on, if any.
    pub fn family_of(&self, url: &Url) -> Option<HostFamily> {
        let origin = url.origin();
        if !origin.is_tuple() {
            return None;
        }
        HostFamily::ALL
            .into_iter()
            .find(|family| self.url(*family).origin() == origin)
    }

    /// Whether credentials may be sent to `url`: its scheme must be `https`
    /// (or `http` to loopback) and its scheme, host and port those of one of
    /// the configured base URLs.
    pub fn check_credential_target(&self, url: &Url) -> Result<HostFamily, AuthError> {
        // Runs for every request: the origin text is built only for an error.
        let origin = || url.origin().ascii_serialization();
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(url) => {}
            "http" => return Err(AuthError::InsecureTransport { origin: origin() }),
            _ => return Err(AuthError::ForeignHost { origin: origin() }),
        }
        // An http(s) origin is (scheme, host, port): compared without allocating one.
        HostFamily::ALL
            .into_iter()
            .find(|family| {
                let base = self.url(*family);
                base.scheme() == url.scheme()
                    && base.host() == url.host()
                    && base.port_or_known_default() == url.port_or_known_default()
            })
            .ok_or_else(|| AuthError::ForeignHost { origin: origin() })
    }
}

/// Whether `url`'s host is loopback: 127.0.0.0/8, `::1` (also IPv4-mapped) or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    // IPv6 literals come bracketed from `host_str`.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

fn parse_base_url(value: &str, name: &str) -> Result<Url, ConfigError> {
    let value = value.trim();
    let shown = if value.contains('@') {
        "<hidden: the value may contain user credentials>".to_owned()
    } else {
        value.to_owned()
    };
    let invalid = |reason: &'static str| ConfigError::InvalidUrl {
        name: name.to_owned(),
        value: shown.clone(),
        reason,
    };
    let url = Url::parse(value).map_err(|_| invalid("not an absolute URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(invalid(
                "plain http is allowed only to a loopback host (127.0.0.0/8, ::1, localhost); use https",
            ));
        }
        _ => {
            return Err(invalid(
                "the scheme must be https (or http to a loopback host)",
            ));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it must not contain user credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_hosts() {
        let e = Endpoints::for_region(Region::Us);
        assert_eq!(e.api_base_url(), "https://api.us.customergauge.com");
        assert_eq!(
            e.imports_base_url(),
            "https://imports.api.us.customergauge.com"
        );
        assert_eq!(e.auth_base_url(), "https://auth.us.customergauge.com");
        assert_eq!(
            e.token_url().as_str(),
            "https://auth.us.customergauge.com/oauth2/token"
        );
    }

    #[test]
    fn prefix_kept_in_token_url() {
        let e = Endpoints::for_region(Region::Eu)
            .with_auth_url("http://127.0.0.1:9000/auth/")
            .expect("loopback http");
        assert_eq!(
            e.token_url().as_str(),
            "http://127.0.0.1:9000/auth/oauth2/token"
        );
        assert_eq!(e.auth_base_url(), "http://127.0.0.1:9000/auth");
    }

    #[test]
    fn loopback() {
        for ok in [
            "http://127.0.0.1/",
            "http://127.3.4.5:80/",
            "http://[::1]:8080/",
            "http://localhost:1/",
            "http://LOCALHOST/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert!(is_loopback(&Url::parse(ok).expect("url")), "{ok}");
        }
        for no in [
            "http://10.0.0.1/",
            "http://example.com/",
            "http://localhost.example.com/",
            "http://[::2]/",
        ] {
            assert!(!is_loopback(&Url::parse(no).expect("url")), "{no}");
        }
    }

    #[test]
    fn bad_overrides() {
        let e = Endpoints::for_region(Region::Eu);
        let err = e.clone().with_api_url("http://example.com").unwrap_err();
        assert!(err.to_string().contains("loopback"), "{err}");
        let err = e.clone().with_api_url("ftp://example.com").unwrap_err();
        assert!(err.to_string().contains("scheme"), "{err}");
        let err = e
            .clone()
            .with_api_url("https://u:pw@example.com")
            .unwrap_err();
        assert!(!err.to_string().contains("pw"), "{err}");
        let err = e.clone().with_api_url("not a url").unwrap_err();
        assert!(err.to_string().contains("not a url"), "{err}");
        assert!(e.with_api_url("https://example.com/?a=b").is_err());
    }
}
