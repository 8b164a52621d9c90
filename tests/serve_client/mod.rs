//! A running `changeportal serve` child process and a minimal HTTP/1.1
//! client for the serve tests. Every wait is bounded; the server is stopped
//! even when an assertion fails.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// How long any single wait may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(5);
/// How often a page is fetched while waiting for a change.
pub const POLL: Duration = Duration::from_millis(50);

/// A running `serve`, stopped on drop.
pub struct Server {
    child: Child,
    /// `host:port` of the URL serve printed for the public site.
    pub address: String,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `serve --port 0` on loopback and reads the URL it prints.
    pub fn start(root: &Path) -> Server {
        let server = Server::start_with(root, &[]);
        assert!(
            server.address.starts_with("127.0.0.1:"),
            "not loopback: {}",
            server.address
        );
        server
    }

    /// Starts `serve --port 0 --now 2026-11-24 --root ROOT EXTRA...` and
    /// reads the URL it prints.
    pub fn start_with(root: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_changeportal"))
            .args(["serve", "--port", "0", "--now", "2026-11-24", "--root"])
            .arg(root)
            .args(extra)
            .env_remove("SOURCE_DATE_EPOCH")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start serve");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(at) = line.find("http://") {
                    let address = line[at + 7..].trim_end_matches('/').to_string();
                    let _ = sender.send(address);
                }
            }
        });
        let log = Arc::new(Mutex::new(String::new()));
        let writer = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = writer.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let address = match receiver.recv_timeout(Duration::from_secs(30)) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                panic!("serve printed no URL within 30 s");
            }
        };
        Server {
            child,
            address,
            stderr: log,
        }
    }

    /// The port serve listens on.
    pub fn port(&self) -> u16 {
        let port = self.address.rsplit(':').next().expect("port");
        port.parse().expect("numeric port")
    }

    /// The process id of serve.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What serve printed on stderr so far, once it holds `expected`
    /// (or after [`PATIENCE`]).
    pub fn stderr_once_it_says(&self, expected: &str) -> String {
        let started = Instant::now();
        loop {
            let log = self.stderr.lock().unwrap().clone();
            if log.contains(expected) || started.elapsed() > PATIENCE {
                return log;
            }
            std::thread::sleep(POLL);
        }
    }

    /// One `GET` of `path` from the printed address.
    pub fn get(&self, path: &str) -> Reply {
        get(&self.address, path)
    }

    /// Fetches `path` every [`POLL`] until `done` holds; returns the reply
    /// and how long it took, or fails after [`PATIENCE`].
    pub fn poll(&self, path: &str, what: &str, done: impl Fn(&Reply) -> bool) -> (Reply, Duration) {
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
    pub fn stop(mut self) {
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
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Reply {
    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// One `GET` with the path sent exactly as given (no normalisation).
pub fn get(address: &str, path: &str) -> Reply {
    get_with_host(address, path, address)
}

/// One `GET` to `address` naming `host` in the `Host` header.
pub fn get_with_host(address: &str, path: &str, host: &str) -> Reply {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    parse_reply(&raw)
}

/// Splits a complete response into status, header block and body.
pub fn parse_reply(raw: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(raw).into_owned();
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

/// A client of `/__changeportal/events`.
pub struct EventStream {
    stream: TcpStream,
    buffer: String,
}

impl EventStream {
    /// Opens the stream and checks its response header.
    pub fn open(address: &str) -> EventStream {
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
            events.read_more("the response header", PATIENCE);
        }
        let (head, rest) = events.buffer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.contains("Content-Type: text/event-stream"), "{head}");
        events.buffer = rest.to_string();
        events
    }

    /// Waits for the next event called `name` and returns its data.
    pub fn next(&mut self, name: &str) -> String {
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
            self.read_more(&marker, PATIENCE);
        }
    }

    /// Waits up to `patience` in all for `text` to arrive; drops what came
    /// before it.
    pub fn wait_for(&mut self, text: &str, patience: Duration) {
        let started = Instant::now();
        loop {
            if let Some(at) = self.buffer.find(text) {
                self.buffer.drain(..at + text.len());
                return;
            }
            let left = patience.saturating_sub(started.elapsed());
            assert!(
                !left.is_zero(),
                "waited {patience:?} for {text:?}; got {:?}",
                self.buffer
            );
            self.read_more(text, left);
        }
    }

    fn read_more(&mut self, waiting_for: &str, patience: Duration) {
        let started = Instant::now();
        let mut chunk = [0u8; 4096];
        loop {
            assert!(
                started.elapsed() < patience,
                "waited {patience:?} for {waiting_for:?}; got {:?}",
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
                        std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => panic!("read error {e}; got {:?}", self.buffer),
            }
        }
    }
}
