//! The middleware every generated client of the facade sends through: credentials
//! (cg-auth), retries, per-attempt tracing, and what the facade learns of each call.

use std::cell::RefCell;
use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

use cg_auth::{AuthError, AuthMiddleware, Middleware, Operation, PrepareError};
use futures::FutureExt;
use futures::future::{BoxFuture, Either};
use reqwest::StatusCode;
use tracing::Instrument;

use crate::retry::{RetryPolicy, parse_retry_after};

/// What happened during one facade call, read back after the raw call returns.
#[derive(Clone, Debug, Default)]
pub(crate) struct CallRecord {
    /// Attempts sent.
    pub attempts: u32,
    /// Status of the last answer.
    pub last_status: Option<u16>,
    /// Whether an earlier attempt may have reached the server (the last one is a resend).
    pub resent_after_ambiguity: bool,
    /// Whether some attempt ended without telling whether the server acted on it
    /// (5xx without Retry-After, timeout, connection dropped after sending).
    pub fate_unknown: bool,
    /// Retry-After of the last answer.
    pub retry_after: Option<Duration>,
    /// The token request timed out (the call fails as a timeout, not as refused credentials).
    pub auth_timed_out: bool,
    /// Why credentials could not be attached, typed (progenitor carries only its text).
    pub auth_error: Option<AuthError>,
}

tokio::task_local! {
    // A `RefCell` in the scope's own slot, taken back when the call ends: no shared
    // allocation or lock per call (the middleware runs inside the call's future).
    static CALL: RefCell<CallRecord>;
    /// A caller's choice of `resend_ambiguous_records` for the calls it runs (bulk import).
    static RESEND_AMBIGUOUS: bool;
}

/// Runs `fut` with `resend_ambiguous_records` set to `on` (`Some`), whatever the
/// client's policy; `None`: as it is (no task-local to set and restore on every poll).
/// Not an `async fn`: one taking a future holds it twice (as its argument and as what
/// it awaits).
pub(crate) fn with_resend_ambiguous<F: Future>(
    on: Option<bool>,
    fut: F,
) -> impl Future<Output = F::Output> {
    match on {
        Some(on) => Either::Left(RESEND_AMBIGUOUS.scope(on, fut)),
        None => Either::Right(fut),
    }
}

/// Runs the future `make` builds with a fresh [`CallRecord`] the middleware fills in.
/// It is built inside the scope, so it is held once (not as an argument and again as
/// what is awaited).
pub(crate) fn record_call<Fut: Future>(
    make: impl FnOnce() -> Fut,
) -> impl Future<Output = (Fut::Output, CallRecord)> {
    CALL.scope(RefCell::new(CallRecord::default()), async move {
        let out = make().await;
        let record = CALL
            .try_with(|r| r.try_borrow_mut().map(|mut r| std::mem::take(&mut *r)))
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        (out, record)
    })
}

fn note(f: impl FnOnce(&mut CallRecord)) {
    let _ = CALL.try_with(|r| {
        // Never held across an await, so never borrowed twice; a miss only loses a note.
        if let Ok(mut r) = r.try_borrow_mut() {
            f(&mut r)
        }
    });
}

/// Whether resending `op` is safe after an answer or failure of this kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    /// The server did not act on the request (connect error, 429).
    NotProcessed,
    /// The server may have acted on it (5xx, timeout, dropped connection).
    Unknown,
}

/// The spec's `x-cg-idempotent` decides; a write that sends a survey is resent after an
/// unknown fate only when the caller opted in (`resend_records`), and any other write
/// that is not idempotent never is.
fn may_resend(op: &Operation, fate: Fate, resend_records: bool) -> bool {
    match fate {
        Fate::NotProcessed => true,
        Fate::Unknown => op.idempotent || (op.sends_survey && resend_records),
    }
}

/// What a resend needs: the copy of the request and why the last attempt failed.
struct Retry {
    request: reqwest::Request,
    attempt: u32,
    fate: Fate,
    retry_after: Option<Duration>,
}

/// Auth from cg-auth, then retries by [`RetryPolicy`], with a span per attempt.
#[derive(Debug)]
pub(crate) struct SdkMiddleware {
    pub auth: AuthMiddleware,
    pub retry: RetryPolicy,
}

impl SdkMiddleware {
    fn may_resend(&self, op: &Operation, fate: Fate) -> bool {
        let resend_records = RESEND_AMBIGUOUS
            .try_with(|on| *on)
            .unwrap_or(self.retry.resend_ambiguous_records);
        may_resend(op, fate, resend_records)
    }

    /// The first attempt, then (boxed, as rare) the retries. Not an `async fn`: the
    /// first attempt's request goes to reqwest before the future is returned, and
    /// combinators hold each future once (an `async` block awaiting a future it
    /// captured holds it twice).
    fn run<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        op: Operation,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a {
        self.attempt(client, request, op, 1)
            .then(move |(result, retry)| match retry {
                None => Either::Left(std::future::ready(result)),
                Some(retry) => Either::Right(Box::pin(self.retry(client, result, retry, op))),
            })
    }

    /// Attempt `attempt`. Sent at once unless the call is paced (bulk import's adaptive
    /// limiter), so the request is held in the future only while it waits for a permit.
    fn attempt<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        op: Operation,
        attempt: u32,
    ) -> impl Future<Output = (reqwest::Result<reqwest::Response>, Option<Retry>)> + Send + 'a {
        match crate::adaptive::limiter() {
            None => Either::Left(self.send_attempt(client, request, None, op, attempt)),
            // Boxed: the waiting request is not part of every attempt's future.
            Some(limiter) => Either::Right(Box::pin(async move {
                let permit = limiter.acquire().await;
                self.send_attempt(client, request, Some(permit), op, attempt)
                    .await
            })),
        }
    }

    /// Sends one attempt and reads what its answer (or failure) allows next.
    fn send_attempt<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        permit: Option<crate::adaptive::Permit>,
        op: Operation,
        attempt: u32,
    ) -> impl Future<Output = (reqwest::Result<reqwest::Response>, Option<Retry>)> + Send + 'a {
        // A streaming body cannot be cloned: such a request is sent once. The copy
        // also serves the auth layer's resend after a 401 (one copy per attempt).
        let spare = request.try_clone();
        // The clock is read only for the attempt's events: a read per attempt shows
        // in a bulk import's CPU per record.
        let started = tracing::enabled!(tracing::Level::DEBUG).then(Instant::now);
        let span = tracing::debug_span!("cg.attempt", operation = op.id, attempt);
        self.auth
            .send_keeping(client, request, spare, op)
            .instrument(span.clone())
            .map(move |(result, spare)| {
                if let (Some(permit), Ok(answer)) = (permit, &result) {
                    permit.answered(answer.status() == StatusCode::TOO_MANY_REQUESTS);
                }
                let elapsed_ms = started.map_or(0, |t| t.elapsed().as_millis() as u64);
                let (fate, retry_after) = match &result {
                    Ok(response) => {
                        let status = response.status();
                        let retry_after = response
                            .headers()
                            .get(reqwest::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| parse_retry_after(v, SystemTime::now()));
                        note(|r| {
                            r.attempts = attempt;
                            r.last_status = Some(status.as_u16());
                            r.retry_after = retry_after;
                        });
                        span.in_scope(|| {
                            tracing::debug!(status = status.as_u16(), elapsed_ms, "answer")
                        });
                        if status == StatusCode::TOO_MANY_REQUESTS {
                            (Some(Fate::NotProcessed), retry_after)
                        } else if status.is_server_error() {
                            // A 503 with Retry-After is the service shedding load before acting.
                            let fate = if status == StatusCode::SERVICE_UNAVAILABLE
                                && retry_after.is_some()
                            {
                                Fate::NotProcessed
                            } else {
                                Fate::Unknown
                            };
                            (Some(fate), retry_after)
                        } else {
                            (None, None)
                        }
                    }
                    Err(e) => {
                        note(|r| r.attempts = attempt);
                        span.in_scope(
                            || tracing::debug!(error = %without_query(e), elapsed_ms, "no answer"),
                        );
                        let fate = if e.is_connect() {
                            Fate::NotProcessed
                        } else {
                            Fate::Unknown
                        };
                        (Some(fate), None)
                    }
                };
                let Some(fate) = fate else {
                    return (result, None);
                };
                if fate == Fate::Unknown {
                    note(|r| r.fate_unknown = true);
                }
                if attempt >= self.retry.max_attempts || !self.may_resend(&op, fate) {
                    return (result, None);
                }
                let retry = spare.map(|request| Retry {
                    request,
                    attempt,
                    fate,
                    retry_after,
                });
                (result, retry)
            })
    }

    /// Resends until an attempt needs no retry or may not have one; `result` is the
    /// last attempt's, returned when the resend cannot be prepared.
    async fn retry(
        &self,
        client: &reqwest::Client,
        mut result: reqwest::Result<reqwest::Response>,
        mut retry: Retry,
        op: Operation,
    ) -> reqwest::Result<reqwest::Response> {
        loop {
            let Retry {
                request,
                attempt,
                fate,
                retry_after,
            } = retry;
            let request = match self.reauthorize(request, op).await {
                Ok(request) => request,
                Err(_) => return result,
            };
            if fate == Fate::Unknown {
                note(|r| r.resent_after_ambiguity = true);
            }
            let delay = self.retry.delay(attempt, retry_after);
            tracing::debug!(
                operation = op.id,
                attempt,
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            drop(result);
            tokio::time::sleep(delay).await;
            match self.attempt(client, request, op, attempt + 1).await {
                (last, None) => return last,
                (last, Some(next)) => {
                    result = last;
                    retry = next;
                }
            }
        }
    }

    /// A token may have been refreshed meanwhile: attach the current credentials.
    async fn reauthorize(
        &self,
        mut request: reqwest::Request,
        op: Operation,
    ) -> Result<reqwest::Request, PrepareError> {
        request.headers_mut().remove(reqwest::header::AUTHORIZATION);
        self.auth
            .authenticator()
            .authorize(&mut request, op)
            .await?;
        Ok(request)
    }
}

impl Middleware for SdkMiddleware {
    fn prepare<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        operation: Operation,
    ) -> BoxFuture<'a, Result<(), PrepareError>> {
        Box::pin(async move {
            let authorized = self
                .auth
                .authenticator()
                .authorize(request, operation)
                .await;
            authorized.map_err(|e| {
                if matches!(&e, AuthError::Transport(t) if t.is_timeout()) {
                    note(|r| r.auth_timed_out = true);
                }
                note(|r| r.auth_error = Some(e.clone()));
                PrepareError::from(e)
            })
        })
    }

    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: Operation,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        Box::pin(self.run(client, request, operation))
    }
}

/// The error's text with its URL's query string removed (it may hold an e-mail address
/// or a phone number).
pub(crate) fn without_query(e: &reqwest::Error) -> String {
    let text = e.to_string();
    match e.url() {
        Some(url) if url.query().is_some() => {
            let mut bare = url.clone();
            bare.set_query(None);
            text.replace(url.as_str(), bare.as_str())
        }
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(all(feature = "imports", feature = "hierarchy"))]
    #[test]
    fn resends_follow_the_operation_facts() {
        use cg_raw_hierarchy::ops::{ADD_DIVISION, LIST_HIERARCHY};
        use cg_raw_imports::ops::{PUT_ACCOUNT, PUT_RECORD};
        for op in [PUT_RECORD, PUT_ACCOUNT, ADD_DIVISION, LIST_HIERARCHY] {
            assert!(may_resend(&op, Fate::NotProcessed, false), "{}", op.id);
        }
        assert!(!may_resend(&PUT_RECORD, Fate::Unknown, false));
        assert!(may_resend(&PUT_RECORD, Fate::Unknown, true), "opted in");
        assert!(
            !may_resend(&ADD_DIVISION, Fate::Unknown, true),
            "no survey, still not idempotent"
        );
        assert!(may_resend(&PUT_ACCOUNT, Fate::Unknown, false));
        assert!(may_resend(&LIST_HIERARCHY, Fate::Unknown, false));
        let unknown = cg_raw_imports::operation("notInTheSpec");
        assert!(!may_resend(&unknown, Fate::Unknown, true));
    }

    #[tokio::test]
    async fn errors_lose_the_query_string() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let e = cg_auth::tls::client_builder()
            .build()
            .expect("client")
            .get(format!(
                "http://127.0.0.1:{port}/v4.1/anonymize.json?email=joe%40example.com&telephone=123"
            ))
            .send()
            .await
            .expect_err("nothing listens");
        assert!(e.to_string().contains("joe%40example.com"), "{e}");
        let shown = without_query(&e);
        assert!(!shown.contains("joe") && !shown.contains("123"), "{shown}");
        assert!(shown.contains("/v4.1/anonymize.json"), "{shown}");
    }
}
