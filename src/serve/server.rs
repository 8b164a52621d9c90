//! Answering HTTP requests from the current [`super::state::Snapshot`].

use super::inject::{self, Injection};
use super::paths::{self, Mount, Target, Tool};
use super::reload::{self, Reloader};
use super::state::{Shared, Snapshot};
use std::sync::Arc;
use tiny_http::{Header, Method, Request, Response};

/// Threads answering ordinary requests (event streams get their own).
const WORKERS: usize = 4;

const RELOAD_SCRIPT: &str = include_str!("assets/reload.js");
const OVERLAY_STYLE: &str = include_str!("assets/overlay.css");

/// Everything a request handler needs.
#[derive(Clone)]
pub struct Context {
    /// The current snapshot.
    pub shared: Arc<Shared>,
    /// The live-reload fan-out.
    pub reloader: Arc<Reloader>,
    /// Answer only requests addressed to a loopback name (set when bound to
    /// a loopback address): a web page cannot then read the internal site
    /// through a DNS name rebound to 127.0.0.1.
    pub loopback_only: bool,
}

/// Starts the worker threads answering requests on `server`.
pub fn spawn_workers(server: Arc<tiny_http::Server>, context: Context) {
    for _ in 0..WORKERS {
        let server = Arc::clone(&server);
        let context = context.clone();
        std::thread::spawn(move || {
            while let Ok(request) = server.recv() {
                handle(request, &context);
            }
        });
    }
}

/// Answers one request. Errors writing to a client that went away are
/// ignored: there is nobody left to tell.
pub fn handle(request: Request, context: &Context) {
    if context.loopback_only && !is_loopback_host(&request) {
        let _ = request.respond(text(
            403,
            "forbidden: serve answers only to localhost names\n",
        ));
        return;
    }
    if !matches!(request.method(), Method::Get | Method::Head) {
        let mut response = text(405, "only GET and HEAD are supported\n");
        if let Some(allow) = header("Allow", "GET, HEAD") {
            response.add_header(allow);
        }
        let _ = request.respond(response);
        return;
    }
    let target = paths::parse(request.url());
    let response = match target {
        Target::Tool(Tool::Events) => return open_event_stream(request, context),
        Target::Tool(Tool::ReloadScript) => asset(RELOAD_SCRIPT, "text/javascript; charset=utf-8"),
        Target::Tool(Tool::OverlayStyle) => asset(OVERLAY_STYLE, "text/css; charset=utf-8"),
        Target::Redirect(location) => redirect(&location),
        Target::NotFound => text(404, "not found\n"),
        Target::BadRequest(reason) => text(400, &format!("bad request: {reason}\n")),
        Target::Site { mount, key } => {
            site_file(&context.shared.current(), request.url(), mount, &key)
        }
    };
    let _ = request.respond(response);
}

/// Whether the request's `Host` names this machine's loopback interface.
fn is_loopback_host(request: &Request) -> bool {
    request
        .headers()
        .iter()
        .find(|header| header.field.equiv("Host"))
        .is_some_and(|header| is_loopback_name(header.value.as_str()))
}

/// `localhost`, `*.localhost` or a loopback IP, with or without a port.
fn is_loopback_name(host: &str) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let name = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(""),
        None => host
            .rsplit_once(':')
            .map_or(host.as_str(), |(name, _)| name),
    };
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Hands the connection to a thread that streams reload events.
fn open_event_stream(request: Request, context: &Context) {
    let Some(subscription) = context.reloader.subscribe() else {
        let _ = request.respond(text(503, "too many open pages\n"));
        return;
    };
    let shared = Arc::clone(&context.shared);
    std::thread::spawn(move || {
        let writer = request.into_writer();
        reload::stream(writer, subscription, || shared.current().generation.clone());
    });
}

type Answer = Response<std::io::Cursor<Vec<u8>>>;

/// A file of a site, with the reload script (and overlay) in HTML pages.
fn site_file(snapshot: &Snapshot, url: &str, mount: Mount, key: &str) -> Answer {
    let Some(site) = &snapshot.site else {
        let problems = snapshot.problems.as_deref().unwrap_or("no build yet");
        let page = inject::error_page(&snapshot.generation, problems);
        return html(500, page);
    };
    let index = crate::paths::index_of(key);
    let file_key = if key.is_empty() || key.ends_with('/') {
        index.as_str()
    } else {
        key
    };
    if let Some(bytes) = site.get(mount, file_key) {
        return file(snapshot, file_key, bytes);
    }
    if site
        .get(mount, &crate::paths::index_of(&format!("{key}/")))
        .is_some()
    {
        return redirect(&folder_url(url));
    }
    not_found(snapshot, mount)
}

fn file(snapshot: &Snapshot, key: &str, bytes: &[u8]) -> Answer {
    let content_type = paths::content_type(key);
    if content_type.starts_with("text/html") {
        return html(200, inject_into(snapshot, bytes));
    }
    bytes_response(200, bytes.to_vec(), content_type)
}

/// The theme's `404.html` of the site (the public one for the internal site
/// when it has none), else plain text.
fn not_found(snapshot: &Snapshot, mount: Mount) -> Answer {
    let page = snapshot.site.as_ref().and_then(|site| {
        site.get(mount, "404.html")
            .or_else(|| site.get(Mount::Public, "404.html"))
    });
    match page {
        Some(bytes) => html(404, inject_into(snapshot, bytes)),
        None => text(404, "not found\n"),
    }
}

fn inject_into(snapshot: &Snapshot, bytes: &[u8]) -> String {
    inject::inject(
        &String::from_utf8_lossy(bytes),
        Injection {
            generation: &snapshot.generation,
            problems: snapshot.problems.as_deref(),
        },
    )
}

/// `url` (already validated) with a `/` added to its path, query kept.
fn folder_url(url: &str) -> String {
    match url.split_once('?') {
        Some((path, query)) => format!("{path}/?{query}"),
        None => format!("{url}/"),
    }
}

fn asset(body: &str, content_type: &str) -> Answer {
    bytes_response(200, body.as_bytes().to_vec(), content_type)
}

fn html(status: u16, page: String) -> Answer {
    bytes_response(status, page.into_bytes(), "text/html; charset=utf-8")
}

fn text(status: u16, body: &str) -> Answer {
    bytes_response(
        status,
        body.as_bytes().to_vec(),
        "text/plain; charset=utf-8",
    )
}

fn redirect(location: &str) -> Answer {
    match header("Location", location) {
        Some(location) => text(302, "redirecting\n").with_header(location),
        None => text(400, "bad request: the path is not ASCII\n"),
    }
}

fn bytes_response(status: u16, body: Vec<u8>, content_type: &str) -> Answer {
    let mut response = Response::from_data(body).with_status_code(status);
    for (name, value) in [
        ("Content-Type", content_type),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
    ] {
        if let Some(header) = header(name, value) {
            response.add_header(header);
        }
    }
    response
}

/// A header, or `None` when `value` is not ASCII.
fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_host_names_are_answered() {
        for host in [
            "127.0.0.1:8080",
            "localhost",
            "LOCALHOST:1111",
            "[::1]:1111",
            "127.0.0.2",
            "app.localhost:3000",
        ] {
            assert!(is_loopback_name(host), "{host}");
        }
        for host in [
            "attacker.example",
            "attacker.example:1111",
            "localhost.attacker.example",
            "10.0.0.1:1111",
            "[::2]:1",
            "",
        ] {
            assert!(!is_loopback_name(host), "{host}");
        }
    }

    #[test]
    fn folder_redirects_keep_the_query() {
        assert_eq!(folder_url("/changes/a?x=1"), "/changes/a/?x=1");
        assert_eq!(folder_url("/changes/a"), "/changes/a/");
    }
}
