//! Answering HTTP requests from the current [`super::state::Snapshot`]: an
//! axum router with one fallback handler (the URL is parsed by
//! [`super::paths`], so no routing table can disagree with it).

use super::access::Audience;
use super::inject::{self, Injection, PageFlag};
use super::paths::{self, Mount, Target, Tool, INTERNAL_MOUNT};
use super::reload::{self, Reloader, HEARTBEAT};
use super::state::{AggregateError, Shared, Snapshot};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

const RELOAD_SCRIPT: &str = include_str!("assets/reload.js");
const OVERLAY_STYLE: &str = include_str!("assets/overlay.css");

/// Shown instead of the diagnostics when they must not leave this machine
/// (they quote record sources, internal fields included).
const WITHHELD: &str = "The build failed. The diagnostics are printed on the terminal running \
`changeportal serve`; they are not shown here because this server is reachable from the \
network and they can quote internal fields.\n";

/// Everything a request handler needs.
#[derive(Clone)]
pub struct Context {
    /// The current snapshot.
    pub shared: Arc<Shared>,
    /// The live-reload fan-out.
    pub reloader: Arc<Reloader>,
    /// Who can reach the server: decides the `Host` check, whether the
    /// internal site is served and whether diagnostics are shown
    /// ([`super::access`]).
    pub audience: Audience,
}

/// The router answering every request from `context`; every response
/// carries `Cache-Control: no-store` (unless set) and
/// `X-Content-Type-Options: nosniff`.
pub fn router(context: Context) -> Router {
    Router::new()
        .fallback(handle)
        .with_state(context)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
}

/// Answers one request.
async fn handle(State(context): State<Context>, request: Request) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok());
    if !context.audience.allows_host(host) {
        return text(StatusCode::FORBIDDEN, forbidden_reason(context.audience));
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        let mut response = text(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and HEAD are supported\n",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let url = request.uri().to_string();
    let target = paths::parse(&url);
    // A rebuild publishes the record pages first: any other file waits
    // for the aggregates of the same snapshot (or of the newer one that
    // superseded them), so a response never mixes two builds.
    let mut snapshot = context.shared.current();
    if let (Some(site), Target::Site { mount, key }) = (&snapshot.site, &target) {
        let key = file_key(key);
        let mut site = Arc::clone(site);
        while site.complete(*mount, &key).await == Err(AggregateError::Superseded) {
            let newer = context.shared.current();
            match &newer.site {
                Some(next) if !Arc::ptr_eq(next, &site) => site = Arc::clone(next),
                _ => break,
            }
            snapshot = newer;
        }
    }
    answer(&context, &snapshot, target, &url)
}

/// The file a site key names: `index.html` of a folder key.
fn file_key(key: &str) -> std::borrow::Cow<'_, str> {
    if key.is_empty() || key.ends_with('/') {
        std::borrow::Cow::Owned(crate::paths::index_of(key))
    } else {
        std::borrow::Cow::Borrowed(key)
    }
}

fn forbidden_reason(audience: Audience) -> &'static str {
    match audience {
        Audience::Loopback => "forbidden: serve answers only to localhost names\n",
        Audience::Network { .. } => {
            "forbidden: serve answers only to an IP address or a localhost name in the URL \
             (use http://ADDRESS:PORT/, not a host name)\n"
        }
    }
}

/// The response to a `GET` of `url` (as sent: origin-form).
fn answer(context: &Context, snapshot: &Snapshot, target: Target, url: &str) -> Response {
    let view = View {
        snapshot,
        problems: shown_problems(context.audience, snapshot),
        diagnostics: context.audience.shows_diagnostics(),
    };
    if is_internal(&target) && !context.audience.serves_internal() {
        return view.not_found(Mount::Public);
    }
    match target {
        Target::Tool(Tool::Events) => event_stream(context),
        Target::Tool(Tool::ReloadScript) => asset(RELOAD_SCRIPT, "text/javascript; charset=utf-8"),
        Target::Tool(Tool::OverlayStyle) => asset(OVERLAY_STYLE, "text/css; charset=utf-8"),
        Target::Redirect(location) => redirect(&location),
        Target::NotFound => text(StatusCode::NOT_FOUND, "not found\n"),
        Target::BadRequest(reason) => {
            text(StatusCode::BAD_REQUEST, &format!("bad request: {reason}\n"))
        }
        Target::Site { mount, key } => view.site_file(url, mount, &key),
    }
}

/// Whether `target` is the internal site or its mount point.
fn is_internal(target: &Target) -> bool {
    match target {
        Target::Site { mount, .. } => *mount == Mount::Internal,
        Target::Redirect(location) => location == INTERNAL_MOUNT,
        _ => false,
    }
}

/// The diagnostics pages may show: the snapshot's, or [`WITHHELD`] when
/// the audience must not see them.
fn shown_problems(audience: Audience, snapshot: &Snapshot) -> Option<&str> {
    let problems = snapshot.problems.as_deref()?;
    Some(if audience.shows_diagnostics() {
        problems
    } else {
        WITHHELD
    })
}

/// Opens a live-reload event stream, or 503 when too many are open.
fn event_stream(context: &Context) -> Response {
    let Some(subscription) = context.reloader.subscribe() else {
        return text(StatusCode::SERVICE_UNAVAILABLE, "too many open pages\n");
    };
    let current = context.shared.current().generation.clone();
    let events = Sse::new(reload::events(subscription, current))
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat"));
    (
        [(HeaderName::from_static("x-accel-buffering"), "no")],
        events,
    )
        .into_response()
}

/// A snapshot as one request sees it.
struct View<'a> {
    snapshot: &'a Snapshot,
    problems: Option<&'a str>,
    /// Whether the audience may see diagnostics (the flags panel).
    diagnostics: bool,
}

impl View<'_> {
    /// A file of a site, with the reload script (and overlay) in HTML pages.
    fn site_file(&self, url: &str, mount: Mount, key: &str) -> Response {
        let Some(site) = &self.snapshot.site else {
            let problems = self.problems.unwrap_or("no build yet");
            let page = inject::error_page(&self.snapshot.generation, problems);
            return html(StatusCode::INTERNAL_SERVER_ERROR, page);
        };
        let file_key = file_key(key);
        if let Some(bytes) = site.get(mount, &file_key) {
            return self.file(&file_key, bytes, site.flags_of(mount, &file_key));
        }
        if site
            .get(mount, &crate::paths::index_of(&format!("{key}/")))
            .is_some()
        {
            return redirect(&folder_url(url));
        }
        self.not_found(mount)
    }

    /// A file; an HTML page gets the reload script, the overlay and the
    /// panel of `flags` (those of the internal record page it is, shown only
    /// to an audience that may see diagnostics).
    fn file(&self, key: &str, bytes: &[u8], flags: &[PageFlag]) -> Response {
        let content_type = paths::content_type(key);
        if content_type.starts_with("text/html") {
            let flags = if self.diagnostics { flags } else { &[] };
            return html(StatusCode::OK, self.inject_into(bytes, flags));
        }
        respond(StatusCode::OK, content_type, bytes.to_vec())
    }

    /// The theme's `404.html` of the site (the public one for the internal
    /// site when it has none), else plain text.
    fn not_found(&self, mount: Mount) -> Response {
        let page = self.snapshot.site.as_ref().and_then(|site| {
            site.get(mount, "404.html")
                .or_else(|| site.get(Mount::Public, "404.html"))
        });
        match page {
            Some(bytes) => html(StatusCode::NOT_FOUND, self.inject_into(bytes, &[])),
            None => text(StatusCode::NOT_FOUND, "not found\n"),
        }
    }

    fn inject_into(&self, bytes: &[u8], flags: &[PageFlag]) -> String {
        inject::inject(
            &String::from_utf8_lossy(bytes),
            Injection {
                generation: &self.snapshot.generation,
                problems: self.problems,
                flags,
            },
        )
    }
}

/// `url` (already validated) with a `/` added to its path, query kept.
fn folder_url(url: &str) -> String {
    match url.split_once('?') {
        Some((path, query)) => format!("{path}/?{query}"),
        None => format!("{url}/"),
    }
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    respond(StatusCode::OK, content_type, body)
}

fn html(status: StatusCode, page: String) -> Response {
    respond(status, "text/html; charset=utf-8", page)
}

fn text(status: StatusCode, body: &str) -> Response {
    respond(status, "text/plain; charset=utf-8", body.to_string())
}

/// A 302 to `location`, or 400 when it cannot be a header value.
fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => {
            let mut response = text(StatusCode::FOUND, "redirecting\n");
            response.headers_mut().insert(header::LOCATION, location);
            response
        }
        Err(_) => text(
            StatusCode::BAD_REQUEST,
            "bad request: the path is not ASCII\n",
        ),
    }
}

fn respond(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::rebuild::Problems;

    #[test]
    fn folder_redirects_keep_the_query() {
        assert_eq!(folder_url("/changes/a?x=1"), "/changes/a/?x=1");
        assert_eq!(folder_url("/changes/a"), "/changes/a/");
    }

    #[test]
    fn only_an_audience_that_sees_the_internal_site_sees_diagnostics() {
        let shared = Shared::new();
        shared.publish_problems(&Problems::Message(
            "content/changes/a.md:3: author: CANARY".to_string(),
        ));
        let snapshot = shared.current();
        let local = shown_problems(Audience::Loopback, &snapshot);
        assert!(local.is_some_and(|p| p.contains("CANARY")));
        let lan = shown_problems(
            Audience::Network {
                expose_internal: false,
            },
            &snapshot,
        );
        assert_eq!(lan, Some(WITHHELD));
        let exposed = shown_problems(
            Audience::Network {
                expose_internal: true,
            },
            &snapshot,
        );
        assert!(exposed.is_some_and(|p| p.contains("CANARY")));
    }

    #[test]
    fn internal_targets_are_recognised() {
        for url in ["/internal", "/internal/", "/internal/changes/chg-0001.html"] {
            assert!(is_internal(&paths::parse(url)), "{url}");
        }
        for url in ["/", "/changes/", "/internalx/", "/__changeportal/events"] {
            assert!(!is_internal(&paths::parse(url)), "{url}");
        }
    }
}
