//! The middleware every generated client of the facade sends through: credentials
//! (cg-auth), retries, per-attempt tracing, and what the facade learns of each call.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use cg_auth::{AuthError, AuthMiddleware, Middleware, Operation, PrepareError};
use futures::future::BoxFuture;
use reqwest::{Method, StatusCode};
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
    /// Retry-After of the last answer.
    pub retry_after: Option<Duration>,
    /// The token request timed out (the call fails as a timeout, not as refused credentials).
    pub auth_timed_out: bool,
}

tokio::task_local! {
    static CALL: Arc<Mutex<CallRecord>>;
}

/// Runs `fut` with a fresh [`CallRecord`] the middleware fills in.
pub(crate) async fn record_call<F: std::future::Future>(fut: F) -> (F::Output, CallRecord) {
    let record = Arc::new(Mutex::new(CallRecord::default()));
    let out = CALL.scope(record.clone(), fut).await;
    let record = record.lock().map(|r| r.clone()).unwrap_or_default();
    (out, record)
}

fn note(f: impl FnOnce(&mut CallRecord)) {
    let _ = CALL.try_with(|r| {
        if let Ok(mut r) = r.lock() {
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

/// Auth from cg-auth, then retries by [`RetryPolicy`], with a span per attempt.
#[derive(Debug)]
pub(crate) struct SdkMiddleware {
    pub auth: AuthMiddleware,
    pub retry: RetryPolicy,
}

impl SdkMiddleware {
    fn may_resend(&self, op: &Operation, method: &Method, fate: Fate) -> bool {
        match fate {
            Fate::NotProcessed => true,
            Fate::Unknown if op.id == "putRecord" => self.retry.resend_ambiguous_records,
            // Reads and idempotent writes; a POST may have created something.
            Fate::Unknown => matches!(
                *method,
                Method::GET | Method::PUT | Method::DELETE | Method::HEAD
            ),
        }
    }

    async fn run(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        op: Operation,
    ) -> reqwest::Result<reqwest::Response> {
        let method = request.method().clone();
        let mut request = request;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            // Paced when the call runs under an adaptive limiter (bulk import).
            let permit = crate::adaptive::attempt_permit().await;
            // A streaming body cannot be cloned: such a request is sent once.
            let spare = request.try_clone();
            let started = Instant::now();
            let span = tracing::debug_span!("cg.attempt", operation = op.id, attempt);
            let result = self
                .auth
                .send(client, request, op)
                .instrument(span.clone())
                .await;
            if let (Some(permit), Ok(answer)) = (permit, &result) {
                permit.answered(answer.status() == StatusCode::TOO_MANY_REQUESTS);
            }
            let elapsed = started.elapsed();
            note(|r| r.attempts = attempt);

            let (fate, retry_after) = match &result {
                Ok(response) => {
                    let status = response.status();
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    note(|r| {
                        r.last_status = Some(status.as_u16());
                        r.retry_after = retry_after;
                    });
                    span.in_scope(|| {
                        tracing::debug!(
                            status = status.as_u16(),
                            elapsed_ms = elapsed.as_millis() as u64,
                            "answer"
                        )
                    });
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        (Some(Fate::NotProcessed), retry_after)
                    } else if status.is_server_error() {
                        // A 503 with Retry-After is the service shedding load before acting.
                        let fate =
                            if status == StatusCode::SERVICE_UNAVAILABLE && retry_after.is_some() {
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
                    span.in_scope(|| tracing::debug!(error = %e, elapsed_ms = elapsed.as_millis() as u64, "no answer"));
                    let fate = if e.is_connect() {
                        Fate::NotProcessed
                    } else {
                        Fate::Unknown
                    };
                    (Some(fate), None)
                }
            };
            let Some(fate) = fate else { return result };
            if attempt >= self.retry.max_attempts || !self.may_resend(&op, &method, fate) {
                return result;
            }
            let Some(next) = spare else { return result };
            let next = match self.reauthorize(next, op).await {
                Ok(next) => next,
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
            request = next;
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
