//! [`Credentials`]: OAuth2 client credentials, a fixed bearer token, a v4.1 API key.

use std::fmt;

use crate::secret::Secret;

/// An OAuth2 client id and secret, exchanged for bearer tokens at `{auth}/oauth2/token`.
///
/// The client id is an identifier and shows in `Debug`; the secret does not.
#[derive(Clone)]
pub struct ClientCredentials {
    client_id: String,
    client_secret: Secret,
}

impl ClientCredentials {
    /// A client id and its secret.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        ClientCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The client secret.
    pub fn client_secret(&self) -> &Secret {
        &self.client_secret
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .finish()
    }
}

/// Where bearer tokens come from.
#[derive(Clone, Debug)]
pub enum OAuth2Credentials {
    /// Fetched (and cached, and refreshed) with the client credentials grant.
    ClientCredentials(ClientCredentials),
    /// One token, used as is until the server refuses it.
    BearerToken(Secret),
}

/// What the SDK may authenticate with: a source of bearer tokens, an API key, or both.
///
/// Operations that accept OAuth2 get a bearer token when one is configured;
/// v4.1 operations fall back to the API key.
#[derive(Clone, Debug)]
pub struct Credentials {
    oauth2: Option<OAuth2Credentials>,
    api_key: Option<Secret>,
}

impl Credentials {
    /// OAuth2 client credentials (every API).
    pub fn client_credentials(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        Credentials {
            oauth2: Some(OAuth2Credentials::ClientCredentials(
                ClientCredentials::new(client_id, client_secret),
            )),
            api_key: None,
        }
    }

    /// A fixed bearer token obtained elsewhere; it is never refreshed.
    pub fn bearer_token(token: impl Into<Secret>) -> Self {
        Credentials {
            oauth2: Some(OAuth2Credentials::BearerToken(token.into())),
            api_key: None,
        }
    }

    /// A v4.1 API key only (sent as `Authorization: api_key <KEY>`; the
    /// imports and v7 APIs do not accept it).
    pub fn api_key(key: impl Into<Secret>) -> Self {
        Credentials {
            oauth2: None,
            api_key: Some(key.into()),
        }
    }

    /// Adds (or replaces) the API key.
    pub fn with_api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The source of bearer tokens, if any.
    pub fn oauth2(&self) -> Option<&OAuth2Credentials> {
        self.oauth2.as_ref()
    }

    /// The API key, if any.
    pub fn api_key_secret(&self) -> Option<&Secret> {
        self.api_key.as_ref()
    }

    /// Whether bearer tokens can be had.
    pub fn has_oauth2(&self) -> bool {
        self.oauth2.is_some()
    }

    /// Whether an API key is configured.
    pub fn has_api_key(&self) -> bool {
        self.api_key.is_some()
    }

    /// The OAuth2 client id, when client credentials are configured.
    pub fn client_id(&self) -> Option<&str> {
        match &self.oauth2 {
            Some(OAuth2Credentials::ClientCredentials(c)) => Some(c.client_id()),
            _ => None,
        }
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.oauth2 {
            Some(OAuth2Credentials::ClientCredentials(c)) => {
                write!(f, "OAuth2 client credentials (client id {})", c.client_id)?
            }
            Some(OAuth2Credentials::BearerToken(_)) => f.write_str("a fixed bearer token")?,
            None => {}
        }
        match (&self.oauth2, &self.api_key) {
            (Some(_), Some(_)) => f.write_str(" and an API key"),
            (None, Some(_)) => f.write_str("an API key"),
            (_, None) => Ok(()),
        }
    }
}
