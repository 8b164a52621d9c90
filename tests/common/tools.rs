//! The external checkers the tests drive: the Nu HTML Checker (Java +
//! `node_modules/vnu-jar`) and headless Chromium through Node scripts in
//! `tests/browser/`. A test needing them fails when they are missing, unless
//! `CHANGEPORTAL_SKIP_EXTERNAL=1`.

use std::path::{Path, PathBuf};
use std::process::Command;

const JAVA: &str = "/usr/bin/java";
const CHROMIUM: &str = "/usr/bin/chromium";

/// Whether external-tool tests are switched off (prints a note if so).
pub fn skip_external(what: &str) -> bool {
    let skip = std::env::var("CHANGEPORTAL_SKIP_EXTERNAL").is_ok_and(|v| v == "1");
    if skip {
        eprintln!("skipped: {what} (CHANGEPORTAL_SKIP_EXTERNAL=1)");
    }
    skip
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the Nu HTML Checker once over `site` and asserts it reports no
/// error (or returns at once under `CHANGEPORTAL_SKIP_EXTERNAL=1`).
pub fn assert_nu_html_valid(site: &Path) {
    let jar = repo().join("node_modules/vnu-jar/build/dist/vnu.jar");
    if !Path::new(JAVA).exists() || !jar.exists() {
        if skip_external("the Nu HTML Checker") {
            return;
        }
        panic!(
            "the Nu HTML Checker needs {JAVA} and {} (apt-get install default-jre-headless; npm ci), or set CHANGEPORTAL_SKIP_EXTERNAL=1",
            jar.display()
        );
    }
    let output = Command::new(JAVA)
        .arg("-jar")
        .arg(&jar)
        .args(["--skip-non-html", "--errors-only"])
        .arg(site)
        .output()
        .expect("run the Nu HTML Checker");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && report.trim().is_empty(),
        "Nu HTML Checker errors:\n{report}"
    );
}

/// Runs `tests/browser/<script>` with Node and `args`, after checking that
/// Chromium and the `node_modules` packages it needs are installed; panics
/// with the script's output when it fails.
pub fn run_browser_script(script: &str, packages: &[&str], args: &[&std::ffi::OsStr]) {
    let repo = repo();
    assert!(
        Path::new(CHROMIUM).is_file(),
        "Chromium is missing: apt-get install -y chromium (or set CHANGEPORTAL_SKIP_EXTERNAL=1)"
    );
    for package in packages {
        assert!(
            repo.join("node_modules").join(package).is_dir(),
            "{package} is missing: run npm ci"
        );
    }
    let output = Command::new("node")
        .arg(repo.join("tests/browser").join(script))
        .args(args)
        .current_dir(&repo)
        .output()
        .expect("run node (is Node.js installed?)");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "browser test failed:\n{log}");
}

/// Parses every feed in `feeds` with Python's feedparser
/// (`tests/tools/feedparser_check.py`) and asserts none is malformed
/// ("bozo") and each has `expected_entries(path)` entries when that says
/// Some. Returns at once when the tool is missing and external tools are
/// skipped.
pub fn assert_feedparser_parses(
    feeds: &[PathBuf],
    expected_entries: impl Fn(&Path) -> Option<usize>,
) {
    if feeds.is_empty() {
        return;
    }
    let probe = Command::new("python3")
        .args(["-c", "import feedparser"])
        .output();
    if !probe.is_ok_and(|output| output.status.success()) {
        if skip_external("feedparser") {
            return;
        }
        panic!("feedparser is missing: pip install -r scripts/requirements-test.txt (or set CHANGEPORTAL_SKIP_EXTERNAL=1)");
    }
    let output = Command::new("python3")
        .arg(repo().join("tests/tools/feedparser_check.py"))
        .args(feeds)
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().count(), feeds.len(), "{stdout}");
    for line in stdout.lines() {
        let report: serde_json::Value = serde_json::from_str(line).expect("json line");
        let file = PathBuf::from(report["file"].as_str().unwrap_or_default());
        assert_eq!(
            report["bozo"],
            false,
            "feedparser: {} is malformed: {}",
            file.display(),
            report["error"]
        );
        if let Some(expected) = expected_entries(&file) {
            assert_eq!(
                report["entries"],
                expected as u64,
                "feedparser entries of {}",
                file.display()
            );
        }
    }
}

/// Parses every iCalendar file in `files` with Python's `icalendar`
/// (`tests/tools/ical_check.py`: strict parse, CRLF line ends, lines of at
/// most 75 octets) and returns each file's report (`{file, name, events:
/// [{uid, sequence, status, start, end, stamp, summary}]}`), in order.
/// `None` when the package is missing and external tools are skipped.
pub fn ical_reports(files: &[PathBuf]) -> Option<Vec<serde_json::Value>> {
    let probe = Command::new("python3")
        .args(["-c", "import icalendar"])
        .output();
    if !probe.is_ok_and(|output| output.status.success()) {
        if skip_external("python icalendar") {
            return None;
        }
        panic!("icalendar is missing: pip install -r scripts/requirements-test.txt (or set CHANGEPORTAL_SKIP_EXTERNAL=1)");
    }
    if files.is_empty() {
        return Some(Vec::new());
    }
    let output = Command::new("python3")
        .arg(repo().join("tests/tools/ical_check.py"))
        .args(files)
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "icalendar: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reports: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("json line"))
        .collect();
    assert_eq!(reports.len(), files.len());
    Some(reports)
}

/// Validates each JSON file of `instances` against the JSON Schema file
/// `schema` with Python's `jsonschema` (formats checked too;
/// `tests/tools/jsonschema_check.py`). Output: per instance, in order, the
/// validation errors (empty when valid); `None` when the tool is missing and
/// external tools are skipped.
pub fn jsonschema_errors(schema: &Path, instances: &[PathBuf]) -> Option<Vec<Vec<String>>> {
    let probe = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output();
    if !probe.is_ok_and(|output| output.status.success()) {
        if skip_external("the JSON Schema validator (python jsonschema)") {
            return None;
        }
        panic!("jsonschema is missing: pip install -r scripts/requirements-test.txt (or set CHANGEPORTAL_SKIP_EXTERNAL=1)");
    }
    let output = Command::new("python3")
        .arg(repo().join("tests/tools/jsonschema_check.py"))
        .arg(schema)
        .args(instances)
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "jsonschema_check.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reports: Vec<Vec<String>> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let report: serde_json::Value = serde_json::from_str(line).expect("json line");
            report["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .map(|error| error.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .collect();
    assert_eq!(reports.len(), instances.len());
    Some(reports)
}
