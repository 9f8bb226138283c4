//! When and how long to wait before sending a request again.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// Exponential backoff with full jitter, bounded in attempts and delay.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The delay bound before the second attempt; doubled for each further one.
    pub initial_backoff: Duration,
    /// The largest delay between attempts (also caps a server's Retry-After).
    pub max_backoff: Duration,
    /// Resend a write that sends a survey (`PUT /records/`, `x-cg-sends-survey`) when
    /// its fate is unknown (5xx without Retry-After after the body was sent, a timeout,
    /// a connection dropped after sending). Off by default: such a record then ends
    /// [`RecordOutcome::Unknown`](crate::modules::records::RecordOutcome::Unknown).
    ///
    /// Turn it on **only when the Inbound Mapping has a duplication rule**: then a
    /// resend of a record that did arrive is answered "duplicates with `<CG-ID>`" and
    /// counted as imported. Without a rule the contact gets a second survey.
    pub resend_ambiguous_records: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            resend_ambiguous_records: false,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Default::default()
        }
    }

    /// The delay before attempt `attempt + 1` (after `attempt` failed ones):
    /// the server's Retry-After when given (capped), else a random delay up to
    /// `initial_backoff * 2^(attempt-1)`, capped by `max_backoff`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_backoff);
        }
        let exp = attempt.saturating_sub(1).min(20);
        let bound = self
            .initial_backoff
            .saturating_mul(1 << exp)
            .min(self.max_backoff);
        if bound.is_zero() {
            return bound;
        }
        let nanos = rand::rng().random_range(0..=bound.as_nanos().min(u64::MAX as u128) as u64);
        Duration::from_nanos(nanos)
    }
}

/// A `Retry-After` value: delay-seconds or an HTTP-date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_both_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        let p = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            ..Default::default()
        };
        for _ in 0..100 {
            assert!(p.delay(1, None) <= Duration::from_millis(100));
            assert!(p.delay(3, None) <= Duration::from_millis(400));
            assert!(p.delay(30, None) <= Duration::from_secs(1));
        }
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(1),
            "Retry-After capped"
        );
    }
}
