//! The listeners: one per host family, HTTP/1.1 on hyper, with graceful shutdown. Faults
//! and the request log wrap every request here.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::App;
use crate::faults;
use crate::log::{AuthKind, Family, LoggedRequest};
use crate::routes;

/// How long shutdown waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(5);

/// The error that makes hyper close a connection without an answer.
#[derive(Debug)]
pub(crate) struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

/// One request: faults, routing, logging.
async fn serve(
    app: Arc<App>,
    family: Family,
    request: Request<Incoming>,
) -> Result<Response, Dropped> {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(crate::log::redact_query);
    let auth = AuthKind::of(request.headers());
    let client = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let plan = app.faults.plan(family, client);
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    let early = plan.fault.as_ref().filter(|_| !plan.after);
    let response = match early {
        Some(fault) => faults::response(fault, family, &path),
        None => {
            let answer = routes::handle(&app, family, request.map(Body::new)).await;
            match &plan.fault {
                Some(fault) => faults::response(fault, family, &path),
                None => Some(answer),
            }
        }
    };
    let status = response.as_ref().map_or(0, |r| r.status().as_u16());
    app.log.push(LoggedRequest {
        family,
        method,
        path,
        query,
        status,
        auth,
        fault: plan.label,
    });
    response.ok_or(Dropped)
}

/// A bound listener, before it runs.
pub(crate) struct Bound {
    pub(crate) family: Family,
    pub(crate) listener: TcpListener,
    pub(crate) addr: SocketAddr,
}

/// Binds `addr` (port 0: a free port).
pub(crate) async fn bind(family: Family, addr: SocketAddr) -> std::io::Result<Bound> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    Ok(Bound {
        family,
        listener,
        addr,
    })
}

/// Accepts connections until `shutdown` turns true, then drains.
pub(crate) async fn run(bound: Bound, app: Arc<App>, mut shutdown: watch::Receiver<bool>) {
    let graceful = GracefulShutdown::new();
    let family = bound.family;
    loop {
        let accepted = tokio::select! {
            accepted = bound.listener.accept() => accepted,
            () = crate::persist::stopped(&mut shutdown) => break,
        };
        let Ok((stream, _)) = accepted else {
            // Out of file descriptors and the like: wait a little instead of spinning.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = service_fn(move |request| serve(app.clone(), family, request));
        let connection = http1::Builder::new()
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(bound.listener);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
}
