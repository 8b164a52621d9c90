//! `serve` stays bounded and keeps answering whatever clients do (case
//! `serve-idle-connections`, fixture in `tests/cases/`): connections that
//! send half a request or nothing, more of them than the connection cap,
//! keep-alive connections left idle, and an open page's event stream that
//! must outlive those timeouts. Waits are bounded generously (the timeouts
//! are 10 s; nothing is asserted closer than several seconds to them).

#![cfg(target_os = "linux")]

mod serve_client;

use changeportal::serve::limits::{HEADER_TIMEOUT, MAX_CONNECTIONS};
use serve_client::{parse_reply, EventStream, Server};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Longest wait for the server to end connections it should end.
const ENDING_PATIENCE: Duration = Duration::from_secs(45);
/// A normal request must be answered within this long, even under load.
const ANSWER_PATIENCE: Duration = Duration::from_secs(10);
/// Threads serve may use however many clients there are (it uses about 7).
const MAX_THREADS: usize = 32;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/serve-idle-connections")
}

/// Room for the connections these tests hold, within the hard limit.
fn raise_open_files_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    let _ = setrlimit(
        Resource::Nofile,
        Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        },
    );
}

/// How a test client behaves before going idle.
#[derive(Clone, Copy, Debug)]
enum Idle {
    /// Sends half a request head.
    Partial,
    /// Sends nothing.
    Silent,
    /// Completes one keep-alive `HEAD /` and reads its answer.
    KeptAlive,
}

fn open(address: &str, idle: Idle) -> TcpStream {
    let mut stream = TcpStream::connect(address)
        .unwrap_or_else(|e| panic!("connect ({idle:?}): {e} (raise `ulimit -n`?)"));
    match idle {
        Idle::Partial => stream
            .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
            .expect("send half a head"),
        Idle::Silent => {}
        Idle::KeptAlive => {
            let head = head_request(&mut stream);
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        }
    }
    stream
}

/// Sends `HEAD /` (keep-alive) and reads the response head.
fn head_request(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .expect("send HEAD");
    stream
        .set_read_timeout(Some(ANSWER_PATIENCE))
        .expect("timeout");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            other => panic!("HEAD answer cut short: {other:?} after {head:?}"),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Whether the server closed, reset or answered `stream`.
fn ended(stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).expect("nonblocking");
    let mut byte = [0u8; 1];
    !matches!(stream.peek(&mut byte), Err(e) if e.kind() == ErrorKind::WouldBlock)
}

/// Waits until the server ended every stream; returns how many it ended.
fn wait_until_all_ended(streams: &[TcpStream]) -> usize {
    let started = Instant::now();
    loop {
        let count = streams.iter().filter(|stream| ended(stream)).count();
        if count == streams.len() || started.elapsed() > ENDING_PATIENCE {
            return count;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// A `GET /` on a new connection, answered within [`ANSWER_PATIENCE`].
fn normal_request(server: &Server) -> u16 {
    let started = Instant::now();
    let reply = server.get("/");
    assert!(
        started.elapsed() < ANSWER_PATIENCE,
        "a normal request took {:?}",
        started.elapsed()
    );
    reply.status
}

fn threads_of(server: &Server) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid()))
        .expect("read /proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|count| count.trim().parse().ok())
        .expect("Threads: line")
}

#[test]
fn idle_connections_beyond_the_cap_are_ended_and_never_lock_out_a_request() {
    raise_open_files_limit();
    let server = Server::start(&fixture());
    let mix = [
        (Idle::Partial, MAX_CONNECTIONS),
        (Idle::Silent, 150),
        (Idle::KeptAlive, 5),
        (Idle::Partial, 50),
    ];
    let streams: Vec<TcpStream> = mix
        .iter()
        .flat_map(|&(idle, count)| std::iter::repeat_n(idle, count))
        .map(|idle| open(&server.address, idle))
        .collect();
    assert!(streams.len() > MAX_CONNECTIONS);

    assert_eq!(normal_request(&server), 200, "the server stopped answering");
    let threads = threads_of(&server);
    assert!(
        threads <= MAX_THREADS,
        "{threads} threads for {} connections",
        streams.len()
    );

    let count = wait_until_all_ended(&streams);
    assert_eq!(
        count,
        streams.len(),
        "only {count} of {} idle connections ended within {ENDING_PATIENCE:?}",
        streams.len()
    );
    assert_eq!(normal_request(&server), 200);
    server.stop();
}

#[test]
fn when_every_slot_served_a_request_new_connections_get_503_until_they_idle_out() {
    raise_open_files_limit();
    let server = Server::start(&fixture());
    let held: Vec<TcpStream> = (0..MAX_CONNECTIONS)
        .map(|_| open(&server.address, Idle::KeptAlive))
        .collect();
    let mut extra = TcpStream::connect(&server.address).expect("connect");
    extra
        .set_read_timeout(Some(ANSWER_PATIENCE))
        .expect("timeout");
    let _ = extra.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let mut raw = Vec::new();
    let _ = extra.read_to_end(&mut raw);
    let refused = parse_reply(&raw);
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert!(refused.header("Retry-After").is_some());

    // Keep-alive connections end after the header timeout; then the server
    // answers again.
    assert_eq!(wait_until_all_ended(&held), held.len());
    assert_eq!(normal_request(&server), 200);
    server.stop();
}

#[test]
fn an_open_page_outlives_the_header_and_keep_alive_timeouts() {
    let portal = tempfile::tempdir().expect("temp dir");
    copy_fixture(portal.path());
    let server = Server::start(portal.path());
    let opened = Instant::now();
    let mut events = EventStream::open(&server.address);
    let hello = events.next("hello");
    // The heartbeat comes every 15 s, after the 10 s header timeout.
    events.wait_for(": heartbeat\n\n", Duration::from_secs(30));
    assert!(opened.elapsed() > HEADER_TIMEOUT);

    let record = portal.path().join("content/changes/CHG-0001.md");
    let text = std::fs::read_to_string(&record).expect("record");
    std::fs::write(&record, text.replace("Title CHG-0001", "Edited title")).expect("edit");
    let reload = events.next("reload");
    assert_ne!(reload, hello);
    server.stop();
}

fn copy_fixture(to: &Path) {
    for entry in walkdir::WalkDir::new(fixture()) {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.path().strip_prefix(fixture()).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
