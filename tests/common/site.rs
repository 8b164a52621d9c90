//! Reading built sites back: the example portal's output, its pages and the
//! attribute values in them.

use super::{run_in, stderr};
use std::path::{Path, PathBuf};

/// A copy of the example portal (the repository root's `portal.yaml`, other
/// top-level files such as a deploy log, `content/`, `static/` and
/// `templates/`) in a temp folder outside git: the repository's own history
/// is one import commit of the example, which the git provenance flags
/// would rightly report as backdated, and HEAD's id would change every
/// snapshot. Provenance is tested on scripted histories
/// (`tests/provenance.rs`). Returns the guard and the portal root.
pub fn example_copy() -> (tempfile::TempDir, PathBuf) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("example");
    for entry in walkdir::WalkDir::new(source).max_depth(1).min_depth(1) {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            // `.git` (a file in a worktree) and other dot files are no part
            // of the portal.
            continue;
        }
        if entry.file_type().is_file() {
            std::fs::create_dir_all(&root).unwrap();
            std::fs::copy(entry.path(), root.join(&name)).unwrap();
        } else if ["content", "static", "templates"].contains(&name.as_str()) {
            copy_tree(entry.path(), &root.join(&name));
        }
    }
    (dir, root)
}

/// Copies the folder `from` into `to`.
fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The example portal ([`example_copy`]) built at the reference instant
/// into a temp folder; returns the folder (keep it alive) and `out`.
pub fn build_example() -> (tempfile::TempDir, PathBuf) {
    let (dir, root) = example_copy();
    let out = dir.path().join("out");
    let output = run_in(
        &root,
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
    files_with_extension(dir, "html")
}

/// Every file below `dir` whose extension is `extension`, sorted.
pub fn files_with_extension(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| entry.unwrap().into_path())
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
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
/// The rows of the internal site's records index
/// (`records/search-index.js`: `window.changeportalRecords = {...};`), one
/// JSON array per record, positions as `src/render/internal/records.rs`
/// documents them (0: id, 11: missed figures, 17: search words).
pub fn records_index(internal: &Path) -> Vec<Vec<serde_json::Value>> {
    let path = internal.join("records/search-index.js");
    let script =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let json = script
        .split_once("window.changeportalRecords = ")
        .and_then(|(_, rest)| rest.trim_end().strip_suffix(';'))
        .unwrap_or_else(|| {
            panic!(
                "{} is not `window.changeportalRecords = {{...}};`",
                path.display()
            )
        });
    let index: serde_json::Value = serde_json::from_str(json).expect("records index is JSON");
    index["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| row.as_array().expect("a row is an array").clone())
        .collect()
}

/// The records table's pages as they list records without JavaScript
/// (`records/index.html`, then `records/page-2.html`, ... while they
/// exist), in order.
pub fn records_pages(internal: &Path) -> Vec<String> {
    let mut pages =
        vec![std::fs::read_to_string(internal.join("records/index.html"))
            .expect("records/index.html")];
    while let Ok(page) =
        std::fs::read_to_string(internal.join(format!("records/page-{}.html", pages.len() + 1)))
    {
        pages.push(page);
    }
    pages
}
