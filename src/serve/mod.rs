//! `changeportal serve`: build both sites into memory, serve them on
//! localhost, rebuild when a source changes, and reload open pages.
//!
//! Design:
//! - **In memory.** Each rebuild runs the same pipeline as `build`, but
//!   incrementally ([`crate::build::incremental`]): only the record files
//!   the watcher reported are parsed again, the whole portal is checked
//!   again, and only the record pages whose inputs changed are rendered
//!   again; the rendered files are kept in maps ([`state::Site`]). Nothing
//!   is written to disk, so serve never touches `out/` and a request can
//!   only ever reach a rendered file (path traversal has no file system to
//!   reach; it is still rejected with 400, see [`paths`]).
//! - **Record pages first.** A new build replaces the served snapshot in
//!   one step as soon as its record pages are complete, and open pages are
//!   told to reload; every other file of the same build (lists, feeds,
//!   indexes, exports, figures, assets) is rendered on a thread of its own,
//!   and a request for one of them waits (asynchronously) until they are
//!   there, so a response never mixes two builds. A newer rebuild cancels
//!   that rendering; requests waiting for it move to the newer build.
//! - **One port, two mounts.** The public site is served at `/` and the
//!   internal site at `/internal/`; both use relative links, so they work
//!   there unchanged. serve's own files live under `/__changeportal/`
//!   (`events`, `reload.js`, `overlay.css`).
//! - **Live reload** by server-sent events ([`reload`]): HTML responses get
//!   a `<script src="/__changeportal/reload.js">` at serve time only (built
//!   output never carries it); a page's Content-Security-Policy meta tag is
//!   relaxed in the served copy to allow same-origin scripts, connections
//!   and style sheets ([`inject`]).
//! - **Broken edits** (a record that no longer parses, a broken template or
//!   `portal.yaml`) keep the last good build served, with the diagnostics in
//!   an overlay on every page until a build succeeds again; they are printed
//!   on the terminal too. When the very first build fails, every path gets an
//!   error page with the diagnostics, which reloads once the portal builds.
//! - **Watching and debounce** ([`watch`]): `portal.yaml`, the deploy log, `content/`,
//!   `templates/` and `static/`; events are coalesced until 20 ms pass
//!   without one (at most 1 s), editor temporaries and reads are ignored,
//!   and changes made during a rebuild trigger exactly one more. The theme
//!   is compiled again only when `templates/` or `static/` changed.
//! - **Loopback only** by default (`--bind 127.0.0.1`). On any other
//!   address only the public site is served unless `--expose-internal`,
//!   and requests must name the server by address or a localhost name
//!   (SPEC section 6; [`access`]). On loopback, requests whose `Host` is not
//!   a localhost name get 403, so a web page cannot read the internal site
//!   by rebinding its DNS name to 127.0.0.1.
//! - **Bounded**: axum on hyper and tokio, a fixed pool of threads, at most
//!   512 connections, 10 s to send a request head, 60 s of network idle
//!   ([`limits`], which gives the reasons); event streams are capped at 64.
//! - **Stopping**: Ctrl-C ends the process; nothing is buffered on disk.

pub mod access;
pub mod inject;
pub mod limits;
pub mod listen;
pub mod paths;
pub mod rebuild;
pub mod reload;
pub mod server;
pub mod state;
pub mod watch;

use crate::model::Timestamp;
use access::Audience;
use rebuild::{Builder, Outcome, Terminal};
use reload::Reloader;
use state::Shared;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;
use watch::{Changes, Watcher};

/// How to serve.
#[derive(Debug, Clone)]
pub struct Options {
    /// The portal folder.
    pub root: PathBuf,
    /// Address to bind (an IP address or a host name).
    pub bind: String,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// Fixed "now" for time-dependent rules; `None` resolves it at each build.
    pub now: Option<Timestamp>,
    /// Serve the internal site on a non-loopback address too (SPEC section 6).
    pub expose_internal: bool,
}

/// Why `serve` could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The folder holds no `portal.yaml` ([`crate::load::not_a_portal`]).
    #[error("{0}")]
    NotAPortal(String),
    /// A system call failed: `what` says what serve was doing ("listen on
    /// 127.0.0.1 port 1111").
    #[error("cannot {what}: {source}")]
    Io {
        /// What serve was doing.
        what: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file watcher could not start or watch a folder.
    #[error("cannot {what}: {source}")]
    Watch {
        /// What serve was doing ("watch /x/content").
        what: String,
        /// The watcher's error.
        source: notify::Error,
    },
    /// The Ctrl-C handler could not be installed.
    #[error("cannot handle Ctrl-C: {0}")]
    CtrlC(#[from] ctrlc::Error),
    /// The file watcher's channel closed.
    #[error("the file watcher stopped")]
    WatcherStopped,
}

impl ServeError {
    /// An [`ServeError::Io`] for `what`, to use in `map_err`.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ServeError {
        let what = what.into();
        move |source| ServeError::Io { what, source }
    }
}

/// Serves until the process is stopped; returns only on errors (cannot
/// listen, not a portal, the watcher failed).
pub fn run(options: &Options) -> Result<std::convert::Infallible, ServeError> {
    crate::load::require_portal(&options.root).map_err(ServeError::NotAPortal)?;
    stop_on_ctrl_c()?;
    // Watch before the first build, so that no edit made during it is lost.
    let mut watcher = Watcher::start(&options.root)?;
    let listener = bind(&options.bind, options.port)?;
    let address = listener
        .local_addr()
        .map_err(ServeError::io("read the listening address"))?;
    let context = server::Context {
        shared: Arc::new(Shared::new()),
        reloader: Arc::new(Reloader::default()),
        audience: Audience::of_bind(address.ip(), options.expose_internal),
    };
    let mut builder = Builder::new(options.root.clone(), options.now);
    let mut terminal = Terminal::default();
    rebuild(
        &mut builder,
        &mut terminal,
        &context,
        &Changes::everything(),
    );
    let runtime = runtime()?;
    let listener = {
        let _entered = runtime.enter();
        tokio::net::TcpListener::from_std(listener)
            .map_err(ServeError::io(format!("listen on {address}")))?
    };
    print_urls(address, context.audience, &options.root)?;
    runtime.spawn(listen::serve(listener, server::router(context.clone())));
    while let Some(changes) = watcher.next_changes() {
        watcher.refresh(&changes);
        rebuild(&mut builder, &mut terminal, &context, &changes);
    }
    Err(ServeError::WatcherStopped)
}

/// The runtime answering requests: [`limits::WORKER_THREADS`] threads
/// whatever the number of clients (rebuilds run on the calling thread).
fn runtime() -> Result<tokio::runtime::Runtime, ServeError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(limits::WORKER_THREADS)
        .max_blocking_threads(1)
        .thread_name("changeportal-serve")
        .enable_io()
        .enable_time()
        .build()
        .map_err(ServeError::io("start the server threads"))
}

/// Installs an explicit Ctrl-C handler: serve then stops even when it was
/// started with SIGINT ignored (non-interactive shells start background jobs
/// that way). Sites live in memory only, so exiting at once loses nothing.
fn stop_on_ctrl_c() -> Result<(), ServeError> {
    ctrlc::set_handler(|| {
        eprintln!("stopped");
        std::process::exit(0);
    })?;
    Ok(())
}

/// Builds the record pages, swaps the result in, tells open pages, then
/// renders the aggregates on a thread of their own (requests for them wait,
/// [`state::Site::complete`]); a newer rebuild cancels the last one's.
fn rebuild(
    builder: &mut Builder,
    terminal: &mut Terminal,
    context: &server::Context,
    changes: &Changes,
) {
    let started = Instant::now();
    let generation = match builder.build(changes) {
        Outcome::Built(built) => {
            terminal.built(&built, changes, started.elapsed());
            let cancel = built.pending.canceller();
            let site = Arc::new(built.site);
            let generation = context.shared.publish_site(Arc::clone(&site));
            if let Some(previous) = context.shared.replace_canceller(cancel) {
                previous.store(true, Ordering::Relaxed);
            }
            let pending = built.pending;
            let context = context.clone();
            std::thread::spawn(move || match pending.run() {
                None if site.is_complete() => context.shared.completed(site),
                None => {}
                Some(message) => {
                    let problems = rebuild::Problems::Message(message);
                    if let Some(generation) = context.shared.fall_back(&site, &problems) {
                        eprintln!("{}", problems.text());
                        eprintln!("build failed (rendering lists, feeds and indexes); still serving the last good build");
                        context.reloader.broadcast(&generation);
                    }
                }
            });
            generation
        }
        Outcome::Failed(problems) => {
            let has_site = context.shared.current().site.is_some();
            terminal.failed(&problems, has_site, changes);
            context.shared.publish_problems(&problems)
        }
    };
    context.reloader.broadcast(&generation);
}

/// Listens on `address` (an IP address, or a name tried address by
/// address) and `port`, non-blocking, ready for tokio.
fn bind(address: &str, port: u16) -> Result<TcpListener, ServeError> {
    let addresses: Vec<SocketAddr> = match address.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => (address, port)
            .to_socket_addrs()
            .map_err(ServeError::io(format!("resolve --bind {address}")))?
            .collect(),
    };
    let listen = format!("listen on {address} port {port}");
    let listener = TcpListener::bind(&addresses[..]).map_err(ServeError::io(listen.clone()))?;
    listener
        .set_nonblocking(true)
        .map_err(ServeError::io(listen))?;
    Ok(listener)
}

fn print_urls(
    address: SocketAddr,
    audience: Audience,
    root: &std::path::Path,
) -> Result<(), ServeError> {
    let browse = browsable(address);
    let internal = if audience.serves_internal() {
        format!("http://{browse}{}", paths::INTERNAL_MOUNT)
    } else {
        "not served on this address (see the warning)".to_string()
    };
    let mut out = std::io::stdout().lock();
    let lines = format!(
        "changeportal serve: watching {root} (portal.yaml, content/, templates/, static/)\n  \
         public site:   http://{browse}/\n  \
         internal site: {internal}\n\
         Press Ctrl-C to stop.\n",
        root = root.display(),
    );
    out.write_all(lines.as_bytes())
        .and_then(|()| out.flush())
        .map_err(ServeError::io("print the URLs"))?;
    if let Some(warning) = exposure_warning(address, audience) {
        eprintln!("{warning}");
    }
    Ok(())
}

/// What to tell the user about who can reach the server, if anything.
fn exposure_warning(address: SocketAddr, audience: Audience) -> Option<String> {
    let reach = if address.ip().is_unspecified() {
        format!("{address} (every interface)")
    } else {
        address.to_string()
    };
    match audience {
        Audience::Loopback => None,
        Audience::Network {
            expose_internal: false,
        } => Some(format!(
            "warning: listening on {reach}, which is not loopback: only the public site is \
             served; the internal audit site ({internal}) answers 404 and build diagnostics \
             stay on this terminal. To serve the internal site to everyone who can reach \
             {reach}, add --expose-internal.",
            internal = paths::INTERNAL_MOUNT,
        )),
        Audience::Network {
            expose_internal: true,
        } => Some(format!(
            "warning: --expose-internal: the internal audit site ({internal}) is exposed on \
             {reach}; everyone who can reach it can read internal records and build \
             diagnostics.",
            internal = paths::INTERNAL_MOUNT,
        )),
    }
}

/// The address to put in a URL: loopback for an unspecified bind address.
fn browsable(address: SocketAddr) -> SocketAddr {
    match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), address.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), address.port())
        }
        _ => address,
    }
}
