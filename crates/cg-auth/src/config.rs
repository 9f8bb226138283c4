//! [`AuthConfig`]: region, endpoints and credentials together, from code or
//! from the `CG_*` environment variables.

use crate::credentials::Credentials;
use crate::endpoints::Endpoints;
use crate::error::ConfigError;
use crate::region::{HostFamily, Region};
use crate::secret::Secret;

/// `CG_REGION`: `eu`, `us` or `au` (any case).
pub const ENV_REGION: &str = "CG_REGION";
/// `CG_CLIENT_ID`: the OAuth2 client id (with `CG_CLIENT_SECRET`).
pub const ENV_CLIENT_ID: &str = "CG_CLIENT_ID";
/// `CG_CLIENT_SECRET`: the OAuth2 client secret (with `CG_CLIENT_ID`).
pub const ENV_CLIENT_SECRET: &str = "CG_CLIENT_SECRET";
/// `CG_API_KEY`: the v4.1 API key.
pub const ENV_API_KEY: &str = "CG_API_KEY";
/// `CG_API_URL`: overrides the api base URL.
pub const ENV_API_URL: &str = "CG_API_URL";
/// `CG_IMPORTS_URL`: overrides the imports base URL.
pub const ENV_IMPORTS_URL: &str = "CG_IMPORTS_URL";
/// `CG_AUTH_URL`: overrides the auth base URL.
pub const ENV_AUTH_URL: &str = "CG_AUTH_URL";

/// Everything needed to authenticate: where (endpoints) and with what (credentials).
#[derive(Clone, Debug)]
pub struct AuthConfig {
    region: Option<Region>,
    endpoints: Endpoints,
    credentials: Credentials,
}

impl AuthConfig {
    /// The production hosts of `region`.
    pub fn new(region: Region, credentials: Credentials) -> Self {
        AuthConfig {
            region: Some(region),
            endpoints: Endpoints::for_region(region),
            credentials,
        }
    }

    /// Explicit endpoints (a sandbox, a proxy, a test server), no region.
    pub fn with_endpoints(endpoints: Endpoints, credentials: Credentials) -> Self {
        AuthConfig {
            region: None,
            endpoints,
            credentials,
        }
    }

    /// Replaces the endpoints (e.g. one overridden base URL), keeping the region.
    pub fn set_endpoints(&mut self, endpoints: Endpoints) {
        self.endpoints = endpoints;
    }

    /// Reads the `CG_*` variables of the process environment; see [`AuthConfig::from_lookup`].
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))
    }

    /// Reads the configuration through `lookup` (a variable name to its value),
    /// so tests need not touch the process environment.
    ///
    /// - `CG_REGION` (`eu`, `us`, `au`) picks the hosts; it may be left out only
    ///   when all of `CG_API_URL`, `CG_IMPORTS_URL` and `CG_AUTH_URL` are set.
    /// - `CG_CLIENT_ID` and `CG_CLIENT_SECRET` together give OAuth2 client
    ///   credentials; one without the other is an error.
    /// - `CG_API_KEY` gives the v4.1 API key.
    /// - At least one of the two kinds of credentials is required.
    ///
    /// Empty values count as unset; surrounding whitespace is ignored.
    pub fn from_lookup<F>(lookup: F) -> Result<Self, ConfigError>
    where
        F: Fn(&str) -> Option<String>,
    {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let region = match get(ENV_REGION) {
            Some(v) => Some(
                v.parse::<Region>()
                    .map_err(|e| ConfigError::InvalidRegion {
                        var: ENV_REGION,
                        value: e.value,
                    })?,
            ),
            None => None,
        };
        let overrides = [
            (HostFamily::Api, get(ENV_API_URL)),
            (HostFamily::Imports, get(ENV_IMPORTS_URL)),
            (HostFamily::Auth, get(ENV_AUTH_URL)),
        ];
        let base = match region {
            Some(r) => Endpoints::for_region(r),
            None if overrides.iter().all(|(_, v)| v.is_some()) => {
                // Every family is overridden below; the region only fills the gaps.
                Endpoints::for_region(Region::Eu)
            }
            None => return Err(ConfigError::MissingRegion),
        };
        let mut endpoints = base;
        for (family, value) in overrides {
            if let Some(url) = value {
                endpoints = endpoints.with_base_url_named(family, &url, family.env_var())?;
            }
        }

        let oauth2 = match (get(ENV_CLIENT_ID), get(ENV_CLIENT_SECRET)) {
            (Some(id), Some(secret)) => Some((id, Secret::new(secret))),
            (Some(_), None) => {
                return Err(ConfigError::Incomplete {
                    set: ENV_CLIENT_ID,
                    missing: ENV_CLIENT_SECRET,
                });
            }
            (None, Some(_)) => {
                return Err(ConfigError::Incomplete {
                    set: ENV_CLIENT_SECRET,
                    missing: ENV_CLIENT_ID,
                });
            }
            (None, None) => None,
        };
        let api_key = get(ENV_API_KEY).map(Secret::new);
        let credentials = match (oauth2, api_key) {
            (Some((id, secret)), key) => {
                let c = Credentials::client_credentials(id, secret);
                match key {
                    Some(k) => c.with_api_key(k),
                    None => c,
                }
            }
            (None, Some(key)) => Credentials::api_key(key),
            (None, None) => return Err(ConfigError::NoCredentials),
        };

        Ok(AuthConfig {
            region,
            endpoints,
            credentials,
        })
    }

    /// The region, unless every base URL was given explicitly.
    pub fn region(&self) -> Option<Region> {
        self.region
    }

    /// The base URLs.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }
}
