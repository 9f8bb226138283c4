//! [`Secret`]: a string that never shows itself in `Debug`, `Display` or logs.

use std::fmt;

use reqwest::header::{HeaderValue, InvalidHeaderValue};

/// What `Debug` and `Display` print in place of a secret.
pub const REDACTED: &str = "** redacted **";

/// A client secret, API key or access token.
///
/// `Debug` and `Display` print `** redacted **`; the value is reached only
/// through [`Secret::expose_secret`], so every place that reads it is easy to find.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value itself. Never log or format it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A header value `{prefix}{secret}`, marked sensitive so that HTTP
    /// libraries leave it out of their logs (and HTTP/2 out of its index).
    pub fn header_value(&self, prefix: &str) -> Result<HeaderValue, InvalidHeaderValue> {
        let mut value = HeaderValue::from_str(&format!("{prefix}{}", self.0))?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_and_marks_sensitive() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s}"), REDACTED);
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(s.expose_secret(), "hunter2");
        let h = s.header_value("Bearer ").expect("valid header");
        assert!(h.is_sensitive());
        assert_eq!(h.to_str().ok(), Some("Bearer hunter2"));
        assert!(Secret::new("a\nb").header_value("").is_err());
    }
}
