//! Injected faults for reliability tests: server errors, 429 with `Retry-After`, latency,
//! slow answers, dropped connections, malformed bodies, and a rate limit (a token bucket
//! per client). Off by default; random choices come from a seeded generator, so a run is
//! reproducible.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::log::Family;
use crate::respond::{self, Format};

/// One fault, as applied to one request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// No fault for this request (a placeholder in [`FaultConfig::script`]).
    Pass,
    /// Answer with this status instead (500 gets the family's JSON error body;
    /// 502, 503 and 504 get an HTML page, as a gateway would send).
    Status(u16),
    /// `429 Too Many Requests` with `Retry-After: <secs>`.
    RateLimit {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
    },
    /// Answer normally, but only after this many milliseconds.
    Slow {
        /// The delay.
        millis: u64,
    },
    /// Close the connection without answering.
    Drop,
    /// `200` with a truncated, unparseable body.
    Malformed,
}

impl Fault {
    fn label(&self) -> String {
        match self {
            Fault::Pass => "pass".to_owned(),
            Fault::Status(s) => format!("status {s}"),
            Fault::RateLimit { retry_after_secs } => {
                format!("rate limit (retry after {retry_after_secs} s)")
            }
            Fault::Slow { millis } => format!("slow {millis} ms"),
            Fault::Drop => "drop".to_owned(),
            Fault::Malformed => "malformed".to_owned(),
        }
    }
}

/// A rate limit: a token bucket of `burst` requests per client (per access token or API
/// key: the `Authorization` value), refilled at `per_second`. A request that finds the
/// bucket empty is answered `429` with `Retry-After` (whole seconds until a token is
/// back, at least 1) and is not processed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Sustained requests per second per client.
    pub per_second: f64,
    /// Requests a client may send at once (the bucket's size).
    pub burst: u32,
}

impl RateLimit {
    /// `per_second` with a burst of `burst`.
    pub fn new(per_second: f64, burst: u32) -> RateLimit {
        RateLimit { per_second, burst }
    }

    /// `per_second` with a burst of one second's worth (at least 1).
    pub fn per_second(per_second: f64) -> RateLimit {
        let burst = if per_second.is_finite() && per_second >= 1.0 {
            u32::try_from(per_second.ceil() as u64).unwrap_or(u32::MAX)
        } else {
            1
        };
        RateLimit::new(per_second, burst)
    }
}

/// One client's bucket.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn full(limit: RateLimit, now: Instant) -> Bucket {
        Bucket {
            tokens: f64::from(limit.burst),
            last: now,
        }
    }

    /// Takes a token at `now`, or says how many seconds until one is back.
    fn take(&mut self, limit: RateLimit, now: Instant) -> Result<(), u64> {
        let rate = if limit.per_second.is_finite() && limit.per_second > 0.0 {
            limit.per_second
        } else {
            0.0
        };
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(f64::from(limit.burst));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        if rate == 0.0 {
            return Err(3600);
        }
        let wait = ((1.0 - self.tokens) / rate).ceil();
        Err(if wait >= 1.0 { wait as u64 } else { 1 })
    }
}

/// What faults to inject. `FaultConfig::default()` injects nothing.
///
/// Each request of an affected family first takes the next entry of `script`, if any;
/// otherwise one draw of the seeded generator picks at most one of drop, server error,
/// rate limit, malformed body or slow answer, with the given shares (0.0 to 1.0; they
/// should add up to at most 1). `latency` is added to every answer of an affected family.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultConfig {
    /// Seed of the generator.
    pub seed: u64,
    /// Share of requests answered with one of `server_error_statuses`.
    pub server_error_rate: f64,
    /// Statuses for server errors (default 500, 502, 503, 504).
    pub server_error_statuses: Vec<u16>,
    /// Share of requests answered `429` with `Retry-After`.
    pub rate_limit_rate: f64,
    /// `Retry-After` of the random 429 answers, in seconds (default 1).
    pub retry_after_secs: u64,
    /// Added to every answer, in milliseconds.
    pub latency_ms: u64,
    /// Share of requests answered only after `slow_ms`.
    pub slow_rate: f64,
    /// Delay of the slow answers, in milliseconds.
    pub slow_ms: u64,
    /// Share of requests whose connection is closed without an answer.
    pub drop_rate: f64,
    /// Share of requests answered `200` with a malformed body.
    pub malformed_rate: f64,
    /// Apply status, rate-limit, drop and malformed faults *after* the request was
    /// processed: the caller sees a failure, but the record exists (retry-safety tests
    /// of `PUT /records/`). Otherwise faults replace the processing.
    pub after_processing: bool,
    /// Families the faults apply to (default: api and imports, not auth).
    pub families: Vec<Family>,
    /// Faults for the next requests, in order, before any random one.
    pub script: Vec<Fault>,
    /// A rate limit per client, checked before every other fault (see [`RateLimit`]).
    pub rate_limit: Option<RateLimit>,
}

impl Default for FaultConfig {
    fn default() -> FaultConfig {
        FaultConfig {
            seed: 0,
            server_error_rate: 0.0,
            server_error_statuses: vec![500, 502, 503, 504],
            rate_limit_rate: 0.0,
            retry_after_secs: 1,
            latency_ms: 0,
            slow_rate: 0.0,
            slow_ms: 0,
            drop_rate: 0.0,
            malformed_rate: 0.0,
            after_processing: false,
            families: vec![Family::Api, Family::Imports],
            script: Vec::new(),
            rate_limit: None,
        }
    }
}

impl FaultConfig {
    /// No faults (same as `default()`).
    pub fn none() -> FaultConfig {
        FaultConfig::default()
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> FaultConfig {
        self.seed = seed;
        self
    }

    /// Sets the share of 500/502/503/504 answers.
    pub fn server_errors(mut self, rate: f64) -> FaultConfig {
        self.server_error_rate = rate;
        self
    }

    /// Sets the share of 429 answers and their `Retry-After`.
    pub fn rate_limits(mut self, rate: f64, retry_after_secs: u64) -> FaultConfig {
        self.rate_limit_rate = rate;
        self.retry_after_secs = retry_after_secs;
        self
    }

    /// Adds latency to every answer.
    pub fn latency(mut self, latency: Duration) -> FaultConfig {
        self.latency_ms = millis(latency);
        self
    }

    /// Makes a share of answers slower than `delay`.
    pub fn slow(mut self, rate: f64, delay: Duration) -> FaultConfig {
        self.slow_rate = rate;
        self.slow_ms = millis(delay);
        self
    }

    /// Sets the share of dropped connections.
    pub fn drops(mut self, rate: f64) -> FaultConfig {
        self.drop_rate = rate;
        self
    }

    /// Sets the share of malformed bodies.
    pub fn malformed(mut self, rate: f64) -> FaultConfig {
        self.malformed_rate = rate;
        self
    }

    /// Applies faults after processing (see the field).
    pub fn after_processing(mut self, after: bool) -> FaultConfig {
        self.after_processing = after;
        self
    }

    /// Sets the affected families.
    pub fn families(mut self, families: impl IntoIterator<Item = Family>) -> FaultConfig {
        self.families = families.into_iter().collect();
        self
    }

    /// Sets (or with `None` removes) the rate limit.
    pub fn rate_limit(mut self, limit: impl Into<Option<RateLimit>>) -> FaultConfig {
        self.rate_limit = limit.into();
        self
    }

    /// Sets the scripted faults for the next requests.
    pub fn script(mut self, faults: impl IntoIterator<Item = Fault>) -> FaultConfig {
        self.script = faults.into_iter().collect();
        self
    }

    fn is_active(&self) -> bool {
        self.server_error_rate > 0.0
            || self.rate_limit_rate > 0.0
            || self.latency_ms > 0
            || self.slow_rate > 0.0
            || self.drop_rate > 0.0
            || self.malformed_rate > 0.0
            || !self.script.is_empty()
            || self.rate_limit.is_some()
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// What to do with one request.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Wait this long before answering.
    pub(crate) delay: Duration,
    /// A fault that replaces the answer (status, rate limit, drop, malformed).
    pub(crate) fault: Option<Fault>,
    /// Apply `fault` after processing the request.
    pub(crate) after: bool,
    /// For the log.
    pub(crate) label: Option<String>,
}

struct Inner {
    config: FaultConfig,
    rng: StdRng,
    script: VecDeque<Fault>,
    buckets: HashMap<String, Bucket>,
}

/// The fault injector shared by the listeners.
pub(crate) struct FaultEngine {
    active: AtomicBool,
    inner: Mutex<Inner>,
}

impl FaultEngine {
    pub(crate) fn new(config: FaultConfig) -> FaultEngine {
        let engine = FaultEngine {
            active: AtomicBool::new(false),
            inner: Mutex::new(Inner {
                config: FaultConfig::default(),
                rng: StdRng::seed_from_u64(0),
                script: VecDeque::new(),
                buckets: HashMap::new(),
            }),
        };
        engine.set(config);
        engine
    }

    /// Replaces the configuration and reseeds the generator.
    pub(crate) fn set(&self, config: FaultConfig) {
        let mut inner = self.lock();
        inner.rng = StdRng::seed_from_u64(config.seed);
        inner.script = config.script.iter().cloned().collect();
        inner.buckets.clear();
        self.active.store(config.is_active(), Ordering::Release);
        inner.config = config;
    }

    pub(crate) fn config(&self) -> FaultConfig {
        let inner = self.lock();
        let mut config = inner.config.clone();
        config.script = inner.script.iter().cloned().collect();
        config
    }

    /// Appends faults to the script.
    pub(crate) fn push(&self, faults: impl IntoIterator<Item = Fault>) {
        let mut inner = self.lock();
        inner.script.extend(faults);
        self.active.store(true, Ordering::Release);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Decides the fate of one request of `client` (its `Authorization` value).
    pub(crate) fn plan(&self, family: Family, client: &str) -> Plan {
        self.plan_at(family, client, Instant::now())
    }

    fn plan_at(&self, family: Family, client: &str, now: Instant) -> Plan {
        if !self.active.load(Ordering::Acquire) {
            return Plan::default();
        }
        let mut inner = self.lock();
        if !inner.config.families.contains(&family) {
            return Plan::default();
        }
        let mut plan = Plan {
            delay: Duration::from_millis(inner.config.latency_ms),
            after: inner.config.after_processing,
            ..Plan::default()
        };
        if let Some(limit) = inner.config.rate_limit {
            let bucket = match inner.buckets.get_mut(client) {
                Some(b) => b,
                None => inner
                    .buckets
                    .entry(client.to_owned())
                    .or_insert(Bucket::full(limit, now)),
            };
            if let Err(retry_after_secs) = bucket.take(limit, now) {
                plan.after = false;
                plan.label = Some(format!(
                    "rate limit exceeded (retry after {retry_after_secs} s)"
                ));
                plan.fault = Some(Fault::RateLimit { retry_after_secs });
                return plan;
            }
        }
        let fault = match inner.script.pop_front() {
            Some(f) => Some(f),
            None => draw(&mut inner),
        };
        if inner.script.is_empty() && !inner.config.is_active_without_script() {
            self.active.store(false, Ordering::Release);
        }
        match fault {
            None | Some(Fault::Pass) => {}
            Some(Fault::Slow { millis }) => {
                plan.delay += Duration::from_millis(millis);
                plan.label = Some(Fault::Slow { millis }.label());
            }
            Some(f) => {
                plan.label = Some(f.label());
                plan.fault = Some(f);
            }
        }
        plan
    }
}

impl FaultConfig {
    fn is_active_without_script(&self) -> bool {
        let mut c = self.clone();
        c.script.clear();
        c.is_active()
    }
}

fn draw(inner: &mut Inner) -> Option<Fault> {
    let c = &inner.config;
    let total =
        c.drop_rate + c.server_error_rate + c.rate_limit_rate + c.malformed_rate + c.slow_rate;
    if total <= 0.0 {
        return None;
    }
    let u: f64 = inner.rng.random();
    let mut edge = c.drop_rate;
    if u < edge {
        return Some(Fault::Drop);
    }
    edge += c.server_error_rate;
    if u < edge {
        let statuses = &c.server_error_statuses;
        let status = if statuses.is_empty() {
            500
        } else {
            statuses[inner.rng.random_range(0..statuses.len())]
        };
        return Some(Fault::Status(status));
    }
    edge += c.rate_limit_rate;
    if u < edge {
        return Some(Fault::RateLimit {
            retry_after_secs: c.retry_after_secs,
        });
    }
    edge += c.malformed_rate;
    if u < edge {
        return Some(Fault::Malformed);
    }
    edge += c.slow_rate;
    if u < edge {
        return Some(Fault::Slow { millis: c.slow_ms });
    }
    None
}

/// The answer that replaces a normal one. `None` for [`Fault::Drop`] (no answer at all).
pub(crate) fn response(fault: &Fault, family: Family, path: &str) -> Option<Response> {
    let xml = family == Family::Api && path.starts_with("/v4.1/") && path.ends_with(".xml");
    let format = if xml { Format::Xml } else { Format::Json };
    let v41 = family == Family::Api && path.starts_with("/v4.1/");
    match fault {
        Fault::Drop => None,
        Fault::Pass | Fault::Slow { .. } => None,
        Fault::Status(code) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let reason = status.canonical_reason().unwrap_or("Error");
            Some(if matches!(code, 502..=504) {
                let page = format!(
                    "<html><head><title>{code} {reason}</title></head><body><center><h1>{code} {reason}</h1></center></body></html>"
                );
                respond::raw(status, "text/html", page)
            } else if v41 {
                respond::v41_error(format, status, reason, i64::from(*code))
            } else if family == Family::Auth {
                respond::json(
                    status,
                    &respond::Val::obj()
                        .with("error", "server_error")
                        .with("error_description", reason),
                )
            } else {
                respond::message(status, "Server Error")
            })
        }
        Fault::RateLimit { retry_after_secs } => {
            let mut r = if v41 {
                respond::v41_error(
                    format,
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too Many Requests",
                    429,
                )
            } else {
                respond::message(StatusCode::TOO_MANY_REQUESTS, "Too Many Attempts.")
            };
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            Some(r)
        }
        Fault::Malformed => Some(if xml {
            respond::raw(
                StatusCode::OK,
                "application/xml",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Data><item><id>1</i",
            )
        } else {
            respond::raw(
                StatusCode::OK,
                "application/json",
                "{\"Data\":[{\"id\":\"1\",\"na",
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default() {
        let engine = FaultEngine::new(FaultConfig::default());
        let plan = engine.plan(Family::Api, "");
        assert!(plan.fault.is_none() && plan.delay.is_zero());
    }

    #[test]
    fn same_seed_same_faults() {
        let config = FaultConfig::default()
            .seed(7)
            .server_errors(0.3)
            .drops(0.2)
            .rate_limits(0.2, 2);
        let run = || {
            let engine = FaultEngine::new(config.clone());
            (0..50)
                .map(|_| engine.plan(Family::Api, "").label)
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        assert!(a.iter().any(Option::is_some));
        assert!(a.iter().any(Option::is_none));
    }

    #[test]
    fn json_form() {
        let config: FaultConfig = serde_json::from_str(
            r#"{"seed":3,"latency_ms":5,"families":["auth"],
                "script":["pass","drop","malformed",{"status":503},{"rate_limit":{"retry_after_secs":2}},{"slow":{"millis":9}}]}"#,
        )
        .unwrap();
        assert_eq!(config.seed, 3);
        assert_eq!(config.families, vec![Family::Auth]);
        assert_eq!(config.server_error_statuses, vec![500, 502, 503, 504]);
        assert_eq!(config.script[3], Fault::Status(503));
        assert_eq!(
            config.script[4],
            Fault::RateLimit {
                retry_after_secs: 2
            }
        );
        assert_eq!(config.script[5], Fault::Slow { millis: 9 });
    }

    #[test]
    fn token_bucket_per_client() {
        let limit = RateLimit::new(2.0, 3);
        let engine = FaultEngine::new(FaultConfig::default().rate_limit(limit));
        let t0 = Instant::now();
        let limited = |client: &str, at: Instant| {
            engine
                .plan_at(Family::Api, client, at)
                .fault
                .map(|f| match f {
                    Fault::RateLimit { retry_after_secs } => retry_after_secs,
                    other => panic!("{other:?}"),
                })
        };
        let burst: Vec<_> = (0..5).map(|_| limited("Bearer a", t0)).collect();
        assert_eq!(burst, vec![None, None, None, Some(1), Some(1)]);
        assert_eq!(
            limited("Bearer b", t0),
            None,
            "another client has its own bucket"
        );
        // Half a second later one token is back (2 per second), then none.
        let later = t0 + Duration::from_millis(500);
        assert_eq!(limited("Bearer a", later), None);
        assert_eq!(limited("Bearer a", later), Some(1));
        // The bucket never holds more than the burst.
        let much_later = t0 + Duration::from_secs(60);
        let refilled: Vec<_> = (0..4).map(|_| limited("Bearer a", much_later)).collect();
        assert_eq!(refilled, vec![None, None, None, Some(1)]);
        let slow = RateLimit::new(0.1, 1);
        let mut bucket = Bucket::full(slow, t0);
        assert_eq!(bucket.take(slow, t0), Ok(()));
        assert_eq!(bucket.take(slow, t0), Err(10));
        assert_eq!(RateLimit::per_second(200.0).burst, 200);
        assert_eq!(RateLimit::per_second(0.5).burst, 1);
    }

    #[test]
    fn script_then_nothing() {
        let engine = FaultEngine::new(FaultConfig::default().script([
            Fault::Status(503),
            Fault::Pass,
            Fault::Drop,
        ]));
        assert_eq!(
            engine.plan(Family::Auth, "").fault,
            None,
            "auth is not affected by default"
        );
        assert_eq!(engine.plan(Family::Api, "").fault, Some(Fault::Status(503)));
        assert_eq!(engine.plan(Family::Api, "").fault, None);
        assert_eq!(engine.plan(Family::Imports, "").fault, Some(Fault::Drop));
        assert_eq!(engine.plan(Family::Imports, "").fault, None);
    }
}
