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

/// An id as the wire's signed 64-bit integer (the specs' `int64`).
pub fn wire_id(field: &str, id: u64) -> Result<i64> {
    i64::try_from(id).map_err(|_| Error::invalid(field, format!("{id} is too large")))
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

/// A date and time `Y-m-d H:i:s`, optionally followed by a UTC offset (`+0530`,
/// `+05:30`): the activities article states the first and its example sends the second.
pub fn date_time_with_offset(field: &str, value: &str) -> Result<()> {
    let text = value.trim();
    let (local, offset) = match text.get(19..) {
        Some(rest) if !rest.is_empty() => (&text[..19], Some(rest.trim_start())),
        _ => (text, None),
    };
    let local_ok = text.is_char_boundary(local.len())
        && chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M:%S").is_ok();
    let offset_ok = offset.is_none_or(|o| {
        chrono::DateTime::parse_from_str(
            &format!("2000-01-01 00:00:00 {o}"),
            "%Y-%m-%d %H:%M:%S %z",
        )
        .is_ok()
    });
    if local_ok && offset_ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!(
                "{value:?} is not a date and time `YYYY-mm-dd HH:MM:SS` (optionally with an offset such as +0530)"
            ),
        ))
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
    fn date_times() {
        for ok in [
            "2019-10-06 22:34:45",
            "2019-03-06 10:00:00 +0530",
            "2019-03-06 10:00:00 -05:00",
        ] {
            assert!(date_time_with_offset("at", ok).is_ok(), "{ok}");
        }
        for bad in [
            "2019-10-06",
            "2019-13-06 22:34:45",
            "2019-10-06 22:34:45 later",
            "é",
        ] {
            assert!(date_time_with_offset("at", bad).is_err(), "{bad}");
        }
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
