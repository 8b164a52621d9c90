//! Reading built sites back: the example portal's output, its pages and the
//! attribute values in them.

use super::{run_in, stderr};
use std::path::{Path, PathBuf};

/// The example portal (the repository's `content/`) built at the reference
/// instant into a temp folder; returns the folder (keep it alive) and `out`.
pub fn build_example() -> (tempfile::TempDir, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = run_in(
        root,
        &[
            "build",
            "--root",
            &root.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
            "--now",
            "2026-11-24",
        ],
    );
    assert!(output.status.success(), "build failed: {}", stderr(&output));
    (dir, out)
}

/// Every `.html` file below `dir`, sorted.
pub fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| entry.unwrap().into_path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "html"))
        .collect();
    files.sort();
    files
}

/// The values of the named attributes (double-quoted, as the theme and the
/// markdown renderer write them), entities decoded.
pub fn attribute_values(html: &str, names: &[&str]) -> Vec<String> {
    let mut values = Vec::new();
    for name in names {
        let needle = format!(" {name}=\"");
        let mut rest = html;
        while let Some(start) = rest.find(&needle) {
            rest = &rest[start + needle.len()..];
            let end = rest.find('"').expect("closing quote");
            values.push(decode_entities(&rest[..end]));
            rest = &rest[end..];
        }
    }
    values
}

/// The text of an attribute value as the escaper wrote it, read back.
fn decode_entities(text: &str) -> String {
    text.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Serves `dir` on a loopback port from background threads (one per
/// connection, one request each); returns the port.
pub fn serve_dir(dir: PathBuf) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("local address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let dir = dir.clone();
            std::thread::spawn(move || answer_one_request(stream, &dir));
        }
    });
    port
}

/// Reads one request head from `stream` and answers it with a file of `dir`.
fn answer_one_request(mut stream: std::net::TcpStream, dir: &Path) {
    use std::io::{BufRead, Write};
    let mut request_line = String::new();
    let mut reader = std::io::BufReader::new(&stream);
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = target
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .trim_start_matches('/');
    let mut file = dir.join(path);
    if path.is_empty() || file.is_dir() {
        file = file.join("index.html");
    }
    let (status, kind, body) = match (path.contains(".."), std::fs::read(&file)) {
        (false, Ok(bytes)) => {
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript; charset=utf-8",
                Some("css") => "text/css; charset=utf-8",
                Some("json") => "application/json",
                Some("csv") => "text/csv; charset=utf-8",
                _ => "application/octet-stream",
            };
            ("200 OK", kind, bytes)
        }
        _ => ("404 Not Found", "text/plain", b"not found".to_vec()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}
