//! [`Region`] and [`HostFamily`]: which CustomerGauge hosts a tenant lives on.

use std::fmt;
use std::str::FromStr;

/// A CustomerGauge data region. Every host name carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Region {
    /// Europe (`eu`).
    Eu,
    /// United States (`us`).
    Us,
    /// Australia (`au`).
    Au,
}

impl Region {
    /// Every region, in the order the documentation lists them.
    pub const ALL: [Region; 3] = [Region::Eu, Region::Us, Region::Au];

    /// The lowercase name used in host names: `eu`, `us`, `au`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Region::Eu => "eu",
            Region::Us => "us",
            Region::Au => "au",
        }
    }

    /// The base URL of `family` in this region, without a trailing slash.
    pub fn base_url(self, family: HostFamily) -> String {
        let r = self.as_str();
        match family {
            HostFamily::Api => format!("https://api.{r}.customergauge.com"),
            HostFamily::Imports => format!("https://imports.api.{r}.customergauge.com"),
            HostFamily::Auth => format!("https://auth.{r}.customergauge.com"),
        }
    }

    /// `https://api.{region}.customergauge.com`, the host root: paths carry
    /// `/v4.1/...` and `/v7/rest/...`.
    pub fn api_url(self) -> String {
        self.base_url(HostFamily::Api)
    }

    /// `https://imports.api.{region}.customergauge.com`.
    pub fn imports_url(self) -> String {
        self.base_url(HostFamily::Imports)
    }

    /// `https://auth.{region}.customergauge.com`, home of `POST /oauth2/token`.
    pub fn auth_url(self) -> String {
        self.base_url(HostFamily::Auth)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Region {
    type Err = ParseRegionError;

    /// Case-insensitive, surrounding whitespace ignored: `EU`, ` us `, `Au`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Region::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| ParseRegionError {
                value: s.to_owned(),
            })
    }
}

/// A string that names no region.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown CustomerGauge region {value:?}; expected one of eu, us, au")]
pub struct ParseRegionError {
    /// The value that was given.
    pub value: String,
}

/// The three families of CustomerGauge hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostFamily {
    /// `api.{region}`: the v4.1 suite and the v7 export.
    Api,
    /// `imports.api.{region}`: record and account imports.
    Imports,
    /// `auth.{region}`: the OAuth2 token endpoint.
    Auth,
}

impl HostFamily {
    /// Every family.
    pub const ALL: [HostFamily; 3] = [HostFamily::Api, HostFamily::Imports, HostFamily::Auth];

    /// `api`, `imports` or `auth`.
    pub const fn as_str(self) -> &'static str {
        match self {
            HostFamily::Api => "api",
            HostFamily::Imports => "imports",
            HostFamily::Auth => "auth",
        }
    }

    /// The environment variable that overrides this family's base URL.
    pub const fn env_var(self) -> &'static str {
        match self {
            HostFamily::Api => "CG_API_URL",
            HostFamily::Imports => "CG_IMPORTS_URL",
            HostFamily::Auth => "CG_AUTH_URL",
        }
    }
}

impl fmt::Display for HostFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
