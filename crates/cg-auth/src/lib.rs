#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod authenticator;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod endpoints;
pub mod error;
pub mod middleware;
pub mod pipeline;
pub mod region;
pub mod secret;
pub mod tls;
pub mod token;

pub use authenticator::{Authenticator, AuthenticatorBuilder};
pub use clock::{Clock, SystemClock};
pub use config::AuthConfig;
pub use credentials::{ClientCredentials, Credentials, OAuth2Credentials};
pub use endpoints::{Endpoints, is_loopback};
pub use error::{AuthError, ConfigError};
pub use middleware::AuthMiddleware;
pub use pipeline::{Accepts, Middleware, Operation, Paging, Pipeline, PrepareError};
pub use region::{HostFamily, ParseRegionError, Region};
pub use secret::Secret;
pub use token::{
    AccessToken, DEFAULT_TOKEN_LIFETIME, RefreshPolicy, TokenCache, TokenCacheBuilder,
};
