//! Request parameters (query string and form / JSON bodies) and the small value checks
//! every module shares: dates, e-mail addresses, phone numbers, integers.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{NaiveDate, NaiveDateTime, Utc};

/// Name/value pairs in the order sent; the first occurrence of a name wins in [`Params::get`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub(crate) fn new(pairs: Vec<(String, String)>) -> Params {
        Params { pairs }
    }

    /// Parses an `application/x-www-form-urlencoded` string (a query string or a body).
    pub(crate) fn from_urlencoded(text: &str) -> Params {
        Params {
            pairs: serde_urlencoded::from_str(text).unwrap_or_default(),
        }
    }

    /// Body parameters first, then the query string's: writes read both, as the
    /// service's PHP front end does.
    pub(crate) fn merged(body: Params, query: &Params) -> Params {
        let mut pairs = body.pairs;
        pairs.extend(query.pairs.iter().cloned());
        Params { pairs }
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, trimmed, `None` when absent or blank.
    pub(crate) fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Whether `name` was sent (even empty).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

/// Parses a form body: URL-encoded, or (tolerated) a flat JSON object.
pub(crate) fn body_params(content_type: Option<&str>, body: &[u8]) -> Result<Params, ()> {
    if body.is_empty() {
        return Ok(Params::default());
    }
    let is_json = content_type.is_some_and(|c| c.contains("json"));
    if is_json {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| ())?;
        let serde_json::Value::Object(map) = value else {
            return Err(());
        };
        let pairs = map
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k, text)
            })
            .collect();
        return Ok(Params::new(pairs));
    }
    let text = std::str::from_utf8(body).map_err(|_| ())?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(text)
        .map(Params::new)
        .map_err(|_| ())
}

/// Now, `YYYY-MM-DD HH:MM:SS` (UTC).
pub(crate) fn now_string() -> String {
    Utc::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Now, milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A strict `YYYY-MM-DD` date.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// `YYYY-MM-DD HH:MM:SS` (strict).
pub(crate) fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    if text.len() != 19 {
        return None;
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").ok()
}

/// `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`.
pub(crate) fn is_valid_date(text: &str) -> bool {
    parse_datetime(text).is_some() || parse_date(text).is_some()
}

/// The date of a stored `YYYY-MM-DD HH:MM:SS` (or `YYYY-MM-DD`) value.
pub(crate) fn date_of(stamp: &str) -> Option<NaiveDate> {
    stamp.get(..10).and_then(parse_date)
}

/// A plausible e-mail address: one `@`, a local part, a dotted domain, no spaces.
pub(crate) fn is_valid_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    if local.is_empty()
        || domain.contains('@')
        || text.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'))
}

/// Phone: digits, space, `(`, `)`, `-`, `+` only, with at least one digit.
pub(crate) fn is_valid_phone(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-' | '+'))
}

/// A number as PHP's `is_numeric` would take it (`12`, `-3.5`, `1e3`).
pub(crate) fn is_number(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty() && t.parse::<f64>().is_ok_and(f64::is_finite)
}

/// A non-negative integer (digits only).
pub(crate) fn parse_u64(text: &str) -> Option<u64> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// A date range `[from, to]` from `date_range_from` / `date_range_to` (either may be
/// absent); `Err` when one is malformed.
pub(crate) fn date_range(params: &Params) -> Result<(Option<NaiveDate>, Option<NaiveDate>), ()> {
    let parse = |name: &str| match params.non_empty(name) {
        None => Ok(None),
        Some(v) => parse_date(v).map(Some).ok_or(()),
    };
    Ok((parse("date_range_from")?, parse("date_range_to")?))
}

/// Whether the date of `stamp` lies in `[from, to]`.
pub(crate) fn in_range(stamp: &str, from: Option<NaiveDate>, to: Option<NaiveDate>) -> bool {
    if from.is_none() && to.is_none() {
        return true;
    }
    let Some(date) = date_of(stamp) else {
        return false;
    };
    from.is_none_or(|f| date >= f) && to.is_none_or(|t| date <= t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_valid_email("joe.doe@example.com"));
        assert!(!is_valid_email("joe.doe@example"));
        assert!(!is_valid_email("joe doe@example.com"));
        assert!(!is_valid_email("@example.com"));
        assert!(!is_valid_email("a@b@example.com"));
    }

    #[test]
    fn phones() {
        assert!(is_valid_phone("+55 (62) 01234-56789"));
        assert!(!is_valid_phone("+31 20 123 4567 ext. 5"));
        assert!(!is_valid_phone("()"));
    }

    #[test]
    fn dates() {
        assert!(is_valid_date("2024-01-31"));
        assert!(is_valid_date("2024-01-31 10:00:00"));
        assert!(!is_valid_date("2024-02-30"));
        assert!(!is_valid_date("31-01-2024"));
        assert!(in_range(
            "2024-01-31 10:00:00",
            parse_date("2024-01-31"),
            parse_date("2024-01-31")
        ));
    }

    #[test]
    fn form_and_json_bodies() {
        let p = body_params(
            Some("application/x-www-form-urlencoded"),
            b"email=a%40b.c&x=1",
        )
        .unwrap();
        assert_eq!(p.get("email"), Some("a@b.c"));
        let p = body_params(Some("application/json"), br#"{"id":5,"s":"t"}"#).unwrap();
        assert_eq!(p.get("id"), Some("5"));
        assert!(body_params(Some("application/json"), b"[1]").is_err());
    }
}
