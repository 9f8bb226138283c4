//! Adaptive send rate for bulk work: slows down when the service answers 429 and speeds
//! back up while it accepts, after smithy-rs's adaptive retry mode (`ClientRateLimiter`:
//! a client-side token bucket whose fill rate follows CUBIC).
//!
//! A cap on requests in flight alone cannot respect a per-second limit: by Little's law
//! the rate is concurrency / round trip, so 64 in flight at a 1 ms round trip is
//! 64,000/s, and holding 200/s would take 0.2 in flight. So the limiter paces sends by
//! rate; the configured concurrency stays the upper bound on requests in flight.
//!
//! - Until the first 429 nothing is paced.
//! - A 429 cuts the rate to `BETA` times the rate the service was accepting (successes
//!   over the last second, or the current rate if lower), once per congestion event:
//!   answers to requests sent before the last cut do not cut again (as TCP reacts once
//!   per window), so the 429s of one burst do not collapse the rate.
//! - Each success lets the rate grow along the cubic curve of smithy-rs back to the rate
//!   of the last cut, and beyond it, slowly at first, to probe for more.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures::future::Either;

/// The share of the accepted rate kept after a 429 (smithy-rs: 0.7; 0.8 kept more of
/// the rate at the same share of 429s in the simulations below).
const BETA: f64 = 0.8;
/// How fast the rate grows back after a cut (smithy-rs: 0.4).
const SCALE: f64 = 0.4;
/// The lowest rate, in requests per second (smithy-rs: 0.5).
const MIN_RATE: f64 = 0.5;
/// Successes over this window estimate what the service accepts.
const WINDOW_S: f64 = 1.0;
/// A shorter history than this says too little about a rate.
const MIN_SPAN_S: f64 = 0.05;

/// The pacing state; time is seconds since the limiter was made, passed in so the
/// arithmetic is tested without clocks.
#[derive(Debug)]
struct RateState {
    /// Pacing is on (after the first 429).
    enabled: bool,
    /// Sends per second allowed.
    rate: f64,
    /// Tokens in the bucket, up to [`capacity`](Self::capacity).
    tokens: f64,
    last_refill: f64,
    /// The rate cut from at the last 429, and when.
    last_max: f64,
    last_cut_at: f64,
    /// Cuts so far; a permit remembers the epoch it was sent in.
    epoch: u64,
    /// Times of recent successes.
    successes: VecDeque<f64>,
    throttled: u64,
}

impl RateState {
    fn new() -> Self {
        RateState {
            enabled: false,
            rate: f64::INFINITY,
            tokens: 0.0,
            last_refill: 0.0,
            last_max: 0.0,
            last_cut_at: 0.0,
            epoch: 0,
            successes: VecDeque::new(),
            throttled: 0,
        }
    }

    /// A tenth of a second's worth: a service's bucket may allow little burst.
    fn capacity(&self) -> f64 {
        (self.rate * 0.1).max(1.0)
    }

    fn refill(&mut self, now: f64) {
        let elapsed = (now - self.last_refill).max(0.0);
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity());
        self.last_refill = now;
    }

    /// `Ok(epoch)` to send now, or how long to wait before asking again.
    fn try_acquire(&mut self, now: f64) -> Result<u64, Duration> {
        if !self.enabled {
            return Ok(self.epoch);
        }
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(self.epoch);
        }
        let wait = (1.0 - self.tokens) / self.rate;
        // Never a zero wait: a sleep of nothing would spin without the clock advancing.
        Err(Duration::from_secs_f64(wait.max(1e-6)))
    }

    fn forget_old(&mut self, now: f64) {
        while self.successes.front().is_some_and(|t| now - t > WINDOW_S) {
            self.successes.pop_front();
        }
    }

    /// Successes per second over the last window.
    fn accepted_rate(&mut self, now: f64) -> f64 {
        self.forget_old(now);
        let span = match self.successes.front() {
            Some(first) => (now - first).clamp(MIN_SPAN_S, WINDOW_S),
            None => WINDOW_S,
        };
        self.successes.len() as f64 / span
    }

    fn on_success(&mut self, now: f64) {
        self.successes.push_back(now);
        self.forget_old(now);
        if !self.enabled {
            return;
        }
        let k = (self.last_max * (1.0 - BETA) / SCALE).cbrt();
        let dt = now - self.last_cut_at - k;
        let cubic = SCALE * dt.powi(3) + self.last_max;
        self.refill(now);
        // Never above twice what the service accepts: growth needs evidence.
        let ceiling = 2.0 * self.accepted_rate(now).max(self.last_max * BETA);
        self.set_rate(cubic.min(ceiling));
    }

    fn on_throttle(&mut self, now: f64, sent_in: u64) {
        self.throttled += 1;
        if sent_in != self.epoch {
            return; // a request of the burst already answered by a cut
        }
        let accepted = self.accepted_rate(now).max(MIN_RATE);
        let base = if self.enabled {
            accepted.min(self.rate)
        } else {
            accepted
        };
        self.refill(now);
        self.enabled = true;
        self.last_max = base;
        self.last_cut_at = now;
        self.epoch += 1;
        self.set_rate(base * BETA);
        self.tokens = self.tokens.min(1.0);
    }

    fn set_rate(&mut self, rate: f64) {
        self.rate = rate.max(MIN_RATE);
        self.tokens = self.tokens.min(self.capacity());
    }
}

/// An adaptive limit on the send rate, shared by every request of one bulk job.
#[derive(Debug)]
pub(crate) struct AdaptiveLimiter {
    start: Instant,
    state: Mutex<RateState>,
}

impl AdaptiveLimiter {
    pub(crate) fn new() -> Self {
        AdaptiveLimiter {
            start: Instant::now(),
            state: Mutex::new(RateState::new()),
        }
    }

    fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    fn with<R>(&self, f: impl FnOnce(&mut RateState) -> R) -> R {
        // The state stays consistent whatever panicked while holding it.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut state)
    }

    /// Waits until a request may be sent.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Permit {
        loop {
            let now = self.now();
            match self.with(|s| s.try_acquire(now)) {
                Ok(epoch) => {
                    return Permit {
                        limiter: self.clone(),
                        epoch,
                    };
                }
                Err(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// The paced rate in requests per second, once a 429 turned pacing on.
    pub(crate) fn rate(&self) -> Option<f64> {
        self.with(|s| s.enabled.then_some(s.rate))
    }

    /// Answers 429 seen so far.
    pub(crate) fn throttled(&self) -> u64 {
        self.with(|s| s.throttled)
    }
}

/// Leave to send one request; tell it how the request was answered.
#[derive(Debug)]
pub(crate) struct Permit {
    limiter: Arc<AdaptiveLimiter>,
    epoch: u64,
}

impl Permit {
    /// The request was answered: 429 (`throttled`) or anything else the service chose
    /// to answer. Transport failures say nothing about the rate: just drop the permit.
    pub(crate) fn answered(self, throttled: bool) {
        let now = self.limiter.now();
        self.limiter.with(|s| {
            if throttled {
                s.on_throttle(now, self.epoch)
            } else {
                s.on_success(now)
            }
        });
    }
}

tokio::task_local! {
    static LIMITER: Arc<AdaptiveLimiter>;
}

/// Runs `fut` with every attempt it sends paced by `limiter` (see [`limiter`]);
/// `None`: as it is (no task-local to set and restore on every poll). Not an
/// `async fn`: one taking a future holds it twice (as its argument and as what it
/// awaits), and a bulk import's per-record future is large.
pub(crate) fn scope<F: Future>(
    limiter: Option<Arc<AdaptiveLimiter>>,
    fut: F,
) -> impl Future<Output = F::Output> {
    match limiter {
        Some(limiter) => Either::Left(LIMITER.scope(limiter, fut)),
        None => Either::Right(fut),
    }
}

/// For the middleware, before each attempt: the limiter to take a permit from when the
/// call runs under [`scope`] with one; `None` (send at once) otherwise.
pub(crate) fn limiter() -> Option<Arc<AdaptiveLimiter>> {
    LIMITER.try_with(Arc::clone).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives the state against a server that accepts `limit` requests per second
    /// (a token bucket of `burst`), the client sending whenever the limiter lets it and
    /// answers arriving `rtt` later. Returns (accepted, throttled) over `secs`.
    fn simulate(limit: f64, burst: f64, rtt: f64, secs: f64) -> (u64, u64, RateState) {
        let mut s = RateState::new();
        let (mut server_tokens, mut server_last) = (burst, 0.0);
        let mut in_flight: VecDeque<(f64, u64, bool)> = VecDeque::new();
        let (mut now, mut ok, mut throttled) = (0.0f64, 0u64, 0u64);
        let step = 1e-4;
        while now < secs {
            while in_flight.front().is_some_and(|(at, _, _)| *at <= now) {
                let Some((_, epoch, accepted)) = in_flight.pop_front() else {
                    break;
                };
                if accepted {
                    s.on_success(now);
                } else {
                    s.on_throttle(now, epoch);
                }
            }
            // 64 in flight at most, as the bulk import's cap.
            while in_flight.len() < 64 {
                let Ok(epoch) = s.try_acquire(now) else {
                    break;
                };
                server_tokens = (server_tokens + (now - server_last) * limit).min(burst);
                server_last = now;
                let accepted = server_tokens >= 1.0;
                if accepted {
                    server_tokens -= 1.0;
                    ok += 1;
                } else {
                    throttled += 1;
                }
                in_flight.push_back((now + rtt, epoch, accepted));
            }
            now += step;
        }
        (ok, throttled, s)
    }

    #[test]
    fn sends_freely_until_the_first_429() {
        let mut s = RateState::new();
        for i in 0..10_000 {
            assert!(s.try_acquire(i as f64 * 1e-6).is_ok());
            s.on_success(i as f64 * 1e-6);
        }
        assert!(!s.enabled);
    }

    #[test]
    fn a_429_cuts_to_a_share_of_what_was_accepted() {
        let mut s = RateState::new();
        // 100 successes over the last second, then a 429.
        for i in 0..100 {
            s.on_success(1.0 + i as f64 / 100.0);
        }
        s.on_throttle(2.0, 0);
        assert!(s.enabled);
        let expected = 100.0 / 0.99 * BETA;
        assert!((s.rate - expected).abs() < 1.0, "{} vs {expected}", s.rate);
    }

    #[test]
    fn one_burst_of_429s_cuts_once() {
        let mut s = RateState::new();
        for i in 0..100 {
            s.on_success(i as f64 / 100.0);
        }
        let epoch = s.try_acquire(1.0).unwrap();
        s.on_throttle(1.0, epoch);
        let after_first = s.rate;
        // The other 63 of the same burst were sent before the cut.
        for _ in 0..63 {
            s.on_throttle(1.001, epoch);
        }
        assert_eq!(s.rate, after_first);
        assert_eq!(s.throttled, 64);
        // A request sent after the cut and throttled cuts again.
        let later = s.epoch;
        s.on_throttle(1.5, later);
        assert!(s.rate < after_first);
    }

    #[test]
    fn paces_at_the_rate_once_enabled() {
        let mut s = RateState::new();
        for i in 0..100 {
            s.on_success(i as f64 / 100.0);
        }
        s.on_throttle(1.0, 0);
        let rate = s.rate;
        // Over 10 s without answers the limiter lets through about rate * 10 (+ one).
        let (mut sent, mut t) = (0u64, 1.0);
        while t < 11.0 {
            match s.try_acquire(t) {
                Ok(_) => sent += 1,
                Err(wait) => {
                    assert!(wait > Duration::ZERO);
                    t += wait.as_secs_f64();
                }
            }
        }
        let expected = rate * 10.0;
        assert!(
            (sent as f64 - expected).abs() <= 2.0,
            "{sent} sent, {expected} expected"
        );
    }

    #[test]
    fn grows_back_after_a_cut_and_beyond() {
        let mut s = RateState::new();
        for i in 0..200 {
            s.on_success(i as f64 / 200.0);
        }
        s.on_throttle(1.0, 0);
        let cut = s.rate;
        let last_max = s.last_max;
        // Successes keep arriving at the cut rate's ceiling; the rate climbs.
        let mut t = 1.0;
        while t < 30.0 {
            t += 1.0 / 400.0;
            s.on_success(t);
        }
        assert!(s.rate > cut);
        assert!(
            s.rate > last_max,
            "{} after 29 s, last max {last_max}",
            s.rate
        );
    }

    #[test]
    fn never_below_the_floor() {
        let mut s = RateState::new();
        for i in 0..1000 {
            let epoch = s.epoch;
            s.on_throttle(i as f64, epoch);
        }
        assert!(s.rate >= MIN_RATE);
        assert!(s.try_acquire(2000.0).is_ok());
    }

    #[test]
    fn holds_a_service_limit_with_few_429s() {
        // 200/s with a burst of 50, a 1 ms round trip, 60 s.
        let (ok, throttled, _) = simulate(200.0, 50.0, 0.001, 60.0);
        let sent = ok + throttled;
        assert!(ok as f64 >= 0.9 * 200.0 * 60.0, "{ok} accepted in 60 s");
        assert!(
            (throttled as f64) <= 0.05 * sent as f64,
            "{throttled} of {sent} throttled"
        );
    }

    #[test]
    fn holds_a_limit_with_a_long_round_trip() {
        // 50/s, no burst allowance beyond one, 80 ms round trip: the answers that cut
        // come late, and the start (64 sent at once) is slow to recover (~0.85 of it).
        let (ok, throttled, _) = simulate(50.0, 1.0, 0.08, 60.0);
        let sent = ok + throttled;
        assert!(ok as f64 >= 0.8 * 50.0 * 60.0, "{ok} accepted in 60 s");
        assert!(
            (throttled as f64) <= 0.05 * sent as f64,
            "{throttled} of {sent} throttled"
        );
    }

    #[tokio::test]
    async fn permits_outside_a_scope_are_none_and_inside_are_paced() {
        assert!(super::limiter().is_none());
        let limiter = Arc::new(AdaptiveLimiter::new());
        let got = scope(Some(limiter.clone()), async {
            match super::limiter() {
                Some(l) => Some(l.acquire().await),
                None => None,
            }
        })
        .await;
        let permit = got.expect("a permit inside the scope");
        permit.answered(true);
        assert_eq!(limiter.throttled(), 1);
        assert!(limiter.rate().is_some());
    }
}
