//! `changeportal serve` end to end: a child process on a temporary portal,
//! talked to over loopback with a minimal HTTP/1.1 client. Every wait is
//! bounded; the server is stopped even when an assertion fails.

mod common;

use common::{normal_record, tools, TempPortal};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long any single wait may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(5);
/// How often a page is fetched while waiting for a change.
const POLL: Duration = Duration::from_millis(50);
/// The promise: an edit is served within this long.
const PROMISED: Duration = Duration::from_secs(2);

/// A running `serve`, stopped on drop.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    /// Starts `serve --port 0` on `root` and reads the URL it prints.
    fn start(root: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_changeportal"))
            .args(["serve", "--port", "0", "--now", "2026-11-24", "--root"])
            .arg(root)
            .env_remove("SOURCE_DATE_EPOCH")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start serve");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(at) = line.find("http://") {
                    let address = line[at + 7..].trim_end_matches('/').to_string();
                    let _ = sender.send(address);
                }
            }
        });
        let address = match receiver.recv_timeout(Duration::from_secs(30)) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                panic!("serve printed no URL within 30 s");
            }
        };
        assert!(address.starts_with("127.0.0.1:"), "not loopback: {address}");
        Server { child, address }
    }

    fn get(&self, path: &str) -> Reply {
        get(&self.address, path)
    }

    /// Fetches `path` every [`POLL`] until `done` holds; returns the reply
    /// and how long it took, or fails after [`PATIENCE`].
    fn poll(&self, path: &str, what: &str, done: impl Fn(&Reply) -> bool) -> (Reply, Duration) {
        let started = Instant::now();
        loop {
            let reply = self.get(path);
            if done(&reply) {
                return (reply, started.elapsed());
            }
            assert!(
                started.elapsed() < PATIENCE,
                "waited {:?} for {what}; last reply {}:\n{}",
                started.elapsed(),
                reply.status,
                reply.body
            );
            std::thread::sleep(POLL);
        }
    }

    /// Sends SIGINT (Ctrl-C) and waits for the process to end.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(POLL);
        }
        panic!("serve did not stop within {PATIENCE:?} of Ctrl-C");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A parsed HTTP response.
struct Reply {
    status: u16,
    headers: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// One `GET` with the path sent exactly as given (no normalisation).
fn get(address: &str, path: &str) -> Reply {
    get_with_host(address, path, address)
}

/// One `GET` to `address` naming `host` in the `Host` header.
fn get_with_host(address: &str, path: &str, host: &str) -> Reply {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("header end");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("status code");
    Reply {
        status,
        headers: head.to_string(),
        body: body.to_string(),
    }
}

/// A portal with one public record titled `title`, at `content/changes/2026/chg-0001.md`.
fn portal_with(title: &str) -> TempPortal {
    let portal = TempPortal::new();
    portal.record("2026/chg-0001.md", &record_titled(title));
    portal.record("2026/chg-0002.md", &normal_record("CHG-0002"));
    portal
}

fn record_titled(title: &str) -> String {
    normal_record("CHG-0001").replace("title: Faster invoice search", &format!("title: {title}"))
}

const PAGE: &str = "/changes/chg-0001/";
const OVERLAY: &str = "id=\"changeportal-overlay\"";

#[test]
fn edits_are_served_broken_edits_keep_the_last_good_build_and_fixes_recover() {
    let portal = portal_with("Original zebra title");
    let server = Server::start(portal.root());
    let first = server.get(PAGE);
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.body.contains("Original zebra title"));
    assert!(first.body.contains("/__changeportal/reload.js"));
    assert!(!first.body.contains(OVERLAY));

    portal.record("2026/chg-0001.md", &record_titled("Edited giraffe title"));
    let (_, took) = server.poll(PAGE, "the edited title", |r| {
        r.body.contains("Edited giraffe title")
    });
    assert!(
        took <= PROMISED,
        "the edit took {took:?} to be served (promised {PROMISED:?})"
    );

    let broken = "---\nid: CHG-0001\ntitle: [unclosed\ntype: improvement\n---\nBody\n";
    portal.record("2026/chg-0001.md", broken);
    let (reply, _) = server.poll(PAGE, "the error overlay", |r| r.body.contains(OVERLAY));
    assert_eq!(reply.status, 200);
    assert!(
        reply.body.contains("Edited giraffe title"),
        "the last good build is not served"
    );
    let overlay = &reply.body[reply.body.find(OVERLAY).unwrap()..];
    assert!(
        overlay.contains("content/changes/2026/chg-0001.md"),
        "{overlay}"
    );
    assert!(overlay.contains("invalid-record"), "{overlay}");
    let other = server.get("/changes/chg-0002/");
    assert!(
        other.body.contains(OVERLAY),
        "the overlay is not on every page"
    );

    portal.record("2026/chg-0001.md", &record_titled("Recovered okapi title"));
    let (reply, _) = server.poll(PAGE, "recovery", |r| {
        r.body.contains("Recovered okapi title") && !r.body.contains(OVERLAY)
    });
    assert_eq!(reply.status, 200);
    server.stop();
}

#[test]
fn the_event_stream_announces_each_rebuild() {
    let portal = portal_with("Stream test");
    let server = Server::start(portal.root());
    let mut events = EventStream::open(&server.address);
    let hello = events.next("hello");
    assert_eq!(
        hello,
        generation_of(&server.get("/").body),
        "hello is not the served generation"
    );

    portal.record("2026/chg-0001.md", &record_titled("Stream test edited"));
    let announced = events.next("reload");
    assert_ne!(announced, hello);
    let page = server.get(PAGE);
    assert!(
        page.body.contains("Stream test edited"),
        "reload announced before the new site was served"
    );
    assert_eq!(announced, generation_of(&page.body));
    server.stop();
}

/// The `data-generation` of the injected reload script.
fn generation_of(html: &str) -> String {
    let at = html.find("data-generation=\"").expect("reload script") + "data-generation=\"".len();
    html[at..].split('"').next().unwrap().to_string()
}

/// A client of `/__changeportal/events`.
struct EventStream {
    stream: TcpStream,
    buffer: String,
}

impl EventStream {
    /// Opens the stream and checks its response header.
    fn open(address: &str) -> EventStream {
        let mut stream = TcpStream::connect(address).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        write!(
            stream,
            "GET /__changeportal/events HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut events = EventStream {
            stream,
            buffer: String::new(),
        };
        while !events.buffer.contains("\r\n\r\n") {
            events.read_more("the response header");
        }
        let (head, rest) = events.buffer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.contains("Content-Type: text/event-stream"), "{head}");
        events.buffer = rest.to_string();
        events
    }

    /// Waits for the next event called `name` and returns its data.
    fn next(&mut self, name: &str) -> String {
        let marker = format!("event: {name}\ndata: ");
        loop {
            if let Some(start) = self.buffer.find(&marker) {
                let data_start = start + marker.len();
                if let Some(length) = self.buffer[data_start..].find("\n\n") {
                    let data = self.buffer[data_start..data_start + length].to_string();
                    self.buffer.drain(..data_start + length + 2);
                    return data;
                }
            }
            self.read_more(&marker);
        }
    }

    fn read_more(&mut self, waiting_for: &str) {
        let started = Instant::now();
        let mut chunk = [0u8; 4096];
        loop {
            assert!(
                started.elapsed() < PATIENCE,
                "waited {PATIENCE:?} for {waiting_for:?}; got {:?}",
                self.buffer
            );
            match self.stream.read(&mut chunk) {
                Ok(0) => panic!("stream closed; got {:?}", self.buffer),
                Ok(n) => {
                    self.buffer.push_str(&String::from_utf8_lossy(&chunk[..n]));
                    return;
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => panic!("read error {e}; got {:?}", self.buffer),
            }
        }
    }
}

#[test]
fn path_traversal_never_reaches_the_portal_files() {
    let portal = portal_with("Traversal test");
    let server = Server::start(portal.root());
    for path in [
        "/../portal.yaml",
        "/%2e%2e/portal.yaml",
        "/%2e%2e%2fportal.yaml",
        "/..%5cportal.yaml",
        "/internal/../../portal.yaml",
        "/internal/%2e%2e/%2e%2e/portal.yaml",
        "/portal.yaml",
        "/content/changes/2026/chg-0001.md",
        "//portal.yaml",
        "/%00portal.yaml",
    ] {
        let reply = server.get(path);
        assert!(
            matches!(reply.status, 400 | 404),
            "{path} got {}",
            reply.status
        );
        assert!(
            !reply.body.contains("base_url"),
            "{path} leaked portal.yaml"
        );
        assert!(
            !reply.body.contains("Internal notes."),
            "{path} leaked a record"
        );
    }
    server.stop();
}

#[test]
fn folders_mounts_content_types_and_the_theme_404() {
    let portal = portal_with("Routing test");
    let server = Server::start(portal.root());
    let redirect = server.get("/changes/chg-0001");
    assert_eq!(redirect.status, 302);
    assert_eq!(redirect.header("Location"), Some("/changes/chg-0001/"));
    assert_eq!(
        server.get("/internal").header("Location"),
        Some("/internal/")
    );
    let internal = server.get("/internal/");
    assert_eq!(internal.status, 200);
    assert!(internal.body.contains("/__changeportal/reload.js"));
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/feed.xml", "application/rss+xml; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        (
            "/__changeportal/reload.js",
            "text/javascript; charset=utf-8",
        ),
        ("/__changeportal/overlay.css", "text/css; charset=utf-8"),
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("Content-Type"), Some(content_type), "{path}");
    }
    let rebound = get_with_host(&server.address, "/internal/", "attacker.example");
    assert_eq!(rebound.status, 403, "a foreign Host name was answered");
    assert!(!rebound.body.contains("<html"), "{}", rebound.body);
    assert_eq!(get_with_host(&server.address, "/", "localhost").status, 200);
    let feed = server.get("/feed.xml");
    assert!(
        !feed.body.contains("__changeportal"),
        "the reload script reached a feed"
    );
    let missing = server.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    let theme_404 = String::from_utf8(portal_file_after_build(&portal, "public/404.html")).unwrap();
    let title = theme_404
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap();
    assert!(missing.body.contains(title), "not the theme's 404 page");
    server.stop();
}

/// Builds the portal with `build` and reads one output file back.
fn portal_file_after_build(portal: &TempPortal, relative: &str) -> Vec<u8> {
    let out = tempfile::tempdir().unwrap();
    let output = portal.run(&[
        "build",
        "--now",
        "2026-11-24",
        "--out",
        out.path().join("site").to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    std::fs::read(out.path().join("site").join(relative)).unwrap()
}

#[test]
fn build_output_never_carries_the_reload_script() {
    let portal = portal_with("Build test");
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    let output = portal.run(&[
        "build",
        "--now",
        "2026-11-24",
        "--out",
        site.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    for entry in walkdir::WalkDir::new(&site).into_iter().map(Result::unwrap) {
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains("__changeportal"),
                "{} carries serve's script",
                entry.path().display()
            );
        }
    }
}

#[test]
fn a_first_build_that_fails_serves_an_error_page_until_fixed() {
    let portal = TempPortal::new();
    portal.record(
        "2026/chg-0001.md",
        "---\nid: CHG-0001\ntitle: x\nstatus: shipped\n---\n",
    );
    let server = Server::start(portal.root());
    for path in ["/", "/changes/chg-0001/", "/internal/anything"] {
        let reply = server.get(path);
        assert_eq!(reply.status, 500, "{path}");
        assert!(
            reply.body.contains("content/changes/2026/chg-0001.md"),
            "{}",
            reply.body
        );
        assert!(reply.body.contains("/__changeportal/reload.js"));
    }
    portal.record("2026/chg-0001.md", &record_titled("Fixed first build"));
    let (reply, _) = server.poll(PAGE, "the first good build", |r| r.status == 200);
    assert!(reply.body.contains("Fixed first build"));
    assert!(!reply.body.contains(OVERLAY));
    server.stop();
}

#[test]
fn open_pages_reload_by_themselves_in_a_real_browser() {
    if tools::skip_external("live reload in headless Chromium") {
        return;
    }
    let portal = portal_with("Browser original title");
    let server = Server::start(portal.root());
    let screenshot = portal.root().join("overlay.png");
    let url = format!("http://{}", server.address);
    let record = portal.root().join("content/changes/2026/chg-0001.md");
    tools::run_browser_script(
        "live_reload.mjs",
        &["playwright-core"],
        &[url.as_ref(), record.as_os_str(), screenshot.as_os_str()],
    );
    assert!(
        screenshot.metadata().is_ok_and(|m| m.len() > 5_000),
        "no screenshot"
    );
    if let Ok(keep) = std::env::var("CHANGEPORTAL_KEEP_SCREENSHOT") {
        std::fs::copy(&screenshot, keep).unwrap();
    }
    server.stop();
}

#[test]
fn a_broken_template_override_shows_the_overlay_until_removed() {
    let portal = portal_with("Template test");
    let server = Server::start(portal.root());
    assert!(!server.get("/").body.contains(OVERLAY));
    let broken = portal.write("templates/public/broken.html", b"{% if %}never closed");
    let (reply, _) = server.poll("/", "the template error overlay", |r| {
        r.body.contains(OVERLAY)
    });
    assert!(reply.body.contains("broken.html"), "{}", reply.body);
    assert!(
        reply.body.contains("Template test"),
        "the last good build is not served"
    );
    std::fs::remove_file(broken).unwrap();
    server.poll("/", "recovery from the template error", |r| {
        !r.body.contains(OVERLAY)
    });
    server.stop();
}
