//! Accepting connections and running HTTP/1.1 on them with hyper, within
//! the bounds of [`super::limits`]; requests go to the axum router of
//! [`super::server`].

use super::limits::{
    IdleTimeout, Slot, Slots, HEADER_TIMEOUT, IDLE_TIMEOUT, MAX_BUFFER, MAX_CONNECTIONS,
};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::io::ErrorKind;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

/// Pause after an accept error such as running out of file descriptors, so
/// that the loop does not spin while the condition lasts.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// What a connection gets when every slot holds a connection that sent a
/// request (written once, without waiting; the connection is then closed).
const FULL: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Length: 30\r\nRetry-After: 1\r\nConnection: close\r\n\r\ntoo many connections, retry.\r\n";

/// Accepts connections on `listener` forever, each answered by `router`
/// on its own task, at most [`MAX_CONNECTIONS`] at once.
pub async fn serve(listener: TcpListener, router: Router) {
    let slots = Slots::new(MAX_CONNECTIONS);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(error) => {
                if !is_per_connection(error.kind()) {
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
                continue;
            }
        };
        match slots.admit() {
            Some(slot) => {
                tokio::spawn(connection(stream, slot, router.clone()));
            }
            // Best effort: a full socket buffer just means no explanation.
            None => drop(stream.try_write(FULL)),
        }
    }
}

/// Errors about one connection that went away before it was accepted.
fn is_per_connection(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
    )
}

/// Serves one connection until it closes, times out or is evicted.
async fn connection(stream: TcpStream, slot: Slot, router: Router) {
    // Small responses go out at once; failure only costs latency.
    drop(stream.set_nodelay(true));
    let slot = Arc::new(slot);
    let io = TokioIo::new(IdleTimeout::new(stream, IDLE_TIMEOUT));
    let requests = Arc::clone(&slot);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        requests.mark_served();
        router.clone().oneshot(request)
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(MAX_BUFFER)
        .title_case_headers(true);
    let served = builder.serve_connection(io, service);
    // Either way the connection is dropped (closed) here; its errors
    // (timeouts, resets) concern a client that is gone.
    tokio::select! {
        _ = served => {}
        () = slot.evicted() => {}
    }
}
