//! [`AuthMiddleware`]: the [`Middleware`] that authenticates requests and
//! answers a 401 by fetching a new token and sending once more.

use futures_core::future::BoxFuture;
use reqwest::StatusCode;

use crate::authenticator::Authenticator;
use crate::pipeline::{Middleware, Operation, Pipeline, PrepareError};

/// Authentication as a [`Middleware`]: `prepare` attaches credentials
/// ([`Authenticator::authorize`]), `execute` sends and handles one 401.
#[derive(Clone, Debug)]
pub struct AuthMiddleware {
    auth: Authenticator,
}

impl AuthMiddleware {
    /// Wraps an authenticator.
    pub fn new(auth: Authenticator) -> Self {
        AuthMiddleware { auth }
    }

    /// The authenticator.
    pub fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    /// A [`Pipeline`] running every request through this middleware.
    pub fn into_pipeline(self) -> Pipeline {
        Pipeline::new(self)
    }

    /// Sends `request`. If the answer is 401 and the request carried a bearer
    /// token from the cache, that token is invalidated, a new one fetched and
    /// the request sent once more. When the request cannot be cloned (a
    /// streaming body) or no new token can be had, the 401 is returned as is.
    pub async fn send(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation: Operation,
    ) -> reqwest::Result<reqwest::Response> {
        let copy = if self.auth.can_refresh() && carries_bearer(&request) {
            request.try_clone()
        } else {
            None
        };
        self.send_keeping(client, request, copy, operation).await.0
    }

    /// Like [`send`](Self::send), for a caller that keeps its own copy of `request`
    /// (taken after credentials were attached, e.g. to resend it later): on a 401 the
    /// new attempt is made from a clone of `copy`, so a request is not cloned twice
    /// before every send. `None`: a 401 is returned as is. The copy comes back with
    /// the answer.
    ///
    /// Not an `async fn`: the request goes to the client at once instead of being held
    /// in the returned future (a request is a few hundred bytes).
    pub fn send_keeping<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        copy: Option<reqwest::Request>,
        operation: Operation,
    ) -> impl Future<Output = (reqwest::Result<reqwest::Response>, Option<reqwest::Request>)> + Send + 'a
    {
        let pending = client.execute(request);
        async move {
            let response = match pending.await {
                Ok(response) if response.status() == StatusCode::UNAUTHORIZED => response,
                other => return (other, copy),
            };
            // Boxed: the rare path's state does not weigh on every request's future.
            let answer =
                Box::pin(self.after_unauthorized(client, response, copy.as_ref(), operation)).await;
            (answer, copy)
        }
    }

    async fn after_unauthorized(
        &self,
        client: &reqwest::Client,
        response: reqwest::Response,
        copy: Option<&reqwest::Request>,
        operation: Operation,
    ) -> reqwest::Result<reqwest::Response> {
        let retry = match copy.and_then(Authenticator::bearer_token_of) {
            Some(token) if self.auth.can_refresh() => copy
                .and_then(reqwest::Request::try_clone)
                .map(|r| (token, r)),
            _ => None,
        };
        let Some((used, mut again)) = retry else {
            tracing::debug!(
                operation = operation.id,
                "401 answer; not retried (no refreshable bearer token or body not cloneable)"
            );
            return Ok(response);
        };
        self.auth.invalidate(&used);
        if let Err(e) = self.auth.authorize(&mut again, operation).await {
            tracing::debug!(operation = operation.id, error = %e, "401 answer; could not get a new token");
            return Ok(response);
        }
        tracing::debug!(
            operation = operation.id,
            "401 answer; sending again with a new token"
        );
        drop(response);
        client.execute(again).await
    }
}

/// Whether `request` carries a bearer token (without copying it out).
fn carries_bearer(request: &reqwest::Request) -> bool {
    request
        .headers()
        .get(reqwest::header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().get(..7))
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case(b"bearer "))
}

impl Middleware for AuthMiddleware {
    fn prepare<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        operation: Operation,
    ) -> BoxFuture<'a, Result<(), PrepareError>> {
        Box::pin(async move {
            self.auth
                .authorize(request, operation)
                .await
                .map_err(PrepareError::from)
        })
    }

    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: Operation,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        Box::pin(self.send(client, request, operation))
    }
}
