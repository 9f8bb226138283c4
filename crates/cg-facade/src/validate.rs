//! Input rules the docs state, checked before anything is sent.

use chrono::NaiveDate;

use crate::error::{Error, Result};

/// An e-mail address as the service accepts it: `local@domain.tld`, no spaces.
pub fn email(field: &str, value: &str) -> Result<()> {
    let problem = if value.is_empty() {
        Some("is empty")
    } else if value.chars().any(char::is_whitespace) {
        Some("contains whitespace")
    } else {
        match value.split_once('@') {
            None => Some("has no @"),
            Some((local, domain)) => {
                if local.is_empty() {
                    Some("has nothing before the @")
                } else if domain.contains('@') {
                    Some("has more than one @")
                } else if !domain.contains('.')
                    || domain.starts_with('.')
                    || domain.ends_with('.')
                    || domain.contains("..")
                {
                    Some("has no valid domain after the @")
                } else {
                    None
                }
            }
        }
    };
    match problem {
        Some(p) => Err(Error::invalid(
            field,
            format!("{value:?} is not an e-mail address: it {p}"),
        )),
        None => Ok(()),
    }
}

/// A phone number: only digits, space, `(`, `)`, `-` and `+`, and at least one digit.
pub fn phone(field: &str, value: &str) -> Result<()> {
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_digit() || " ()-+".contains(*c)))
    {
        return Err(Error::invalid(
            field,
            format!(
                "{value:?} contains {bad:?}; a phone number may hold only digits, space, ( ) - +"
            ),
        ));
    }
    if !value.chars().any(|c| c.is_ascii_digit()) {
        return Err(Error::invalid(field, format!("{value:?} has no digits")));
    }
    Ok(())
}

/// A page size within the service's maximum.
pub fn limit(value: u32, max: u32) -> Result<u32> {
    if value == 0 || value > max {
        return Err(Error::invalid(
            "limit",
            format!("{value} is outside 1..={max}"),
        ));
    }
    Ok(value)
}

/// The docs use `date_range_from` and `date_range_to` together.
pub fn date_range(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<()> {
    match (from, to) {
        (Some(_), None) => Err(Error::invalid(
            "date_range_to",
            "date_range_from is set; the service needs both ends of the range",
        )),
        (None, Some(_)) => Err(Error::invalid(
            "date_range_from",
            "date_range_to is set; the service needs both ends of the range",
        )),
        (Some(f), Some(t)) if f > t => Err(Error::invalid(
            "date_range_from",
            format!("{f} is after date_range_to {t}"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["joe.doe@example.com", "a+b@x.co.uk"] {
            assert!(email("email", ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("joe", "no @"),
            ("@x.com", "before"),
            ("a@b", "domain"),
            ("a b@c.com", "whitespace"),
            ("a@b@c.com", "more than one"),
        ] {
            let e = email("email", bad).unwrap_err().to_string();
            assert!(
                e.starts_with("invalid email:") && e.contains(why),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn phones() {
        assert!(phone("Phone", "+55 (62) 01234-56789").is_ok());
        let e = phone("Phone", "+31 6 1234 x56").unwrap_err().to_string();
        assert!(e.contains("'x'") && e.contains("Phone"), "{e}");
        assert!(phone("Phone", "()").is_err());
    }

    #[test]
    fn ranges() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert!(date_range(d("2024-01-01"), d("2024-02-01")).is_ok());
        assert!(date_range(None, None).is_ok());
        assert!(
            date_range(d("2024-01-01"), None)
                .unwrap_err()
                .to_string()
                .contains("both ends")
        );
        assert!(date_range(d("2024-03-01"), d("2024-02-01")).is_err());
        assert!(limit(0, 1000).is_err() && limit(1001, 1000).is_err() && limit(1000, 1000).is_ok());
    }
}
