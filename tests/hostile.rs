//! Hostile content: path traversal in ids, file names and system keys, ids
//! that collide once lower-cased, YAML bombs and deep nesting, huge numbers and
//! extreme dates, oversized files, special files, records raising thousands of
//! flags, a 50,000-file content tree, script injection in bodies, and the
//! Content-Security-Policy of both sites.
//!
//! Every run goes through the real binary under a hang guard that also samples
//! the child's peak memory, so "bounded time and memory" is checked, not
//! assumed. The README's Reliability table is taken from these tests.

mod common;

#[path = "../fuzz/src/html_check.rs"]
mod html_check;

use common::{normal_record, PORTAL_YAML};
use serde::Deserialize;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The reference "now" of every run.
const NOW: &str = "2026-11-24";

/// A run that takes longer than this counts as hung (a guard, not a speed
/// goal: the slowest healthy run here takes a few seconds).
const HANG_GUARD: Duration = Duration::from_secs(180);

/// A run whose peak resident memory exceeds this counts as unbounded.
const MEMORY_GUARD_KB: u64 = 1024 * 1024;

/// What a guarded run produced.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// Highest `VmHWM` seen while polling the child (a lower bound of its peak).
    peak_rss_kb: u64,
}

impl Run {
    /// The flags of a `--format json` run.
    fn flags(&self) -> Vec<Reported> {
        self.stdout
            .lines()
            .filter(|line| line.starts_with('{'))
            .map(|line| serde_json::from_str(line).expect("a JSON flag per line"))
            .collect()
    }

    fn flags_with(&self, code: &str) -> Vec<Reported> {
        self.flags()
            .into_iter()
            .filter(|f| f.code == code)
            .collect()
    }

    /// Fails unless the process exited by itself, without a panic.
    fn assert_clean_exit(&self, allowed: &[i32]) {
        assert!(!self.stderr.contains("panicked"), "panic:\n{}", self.stderr);
        let code = self.code.unwrap_or_else(|| {
            panic!(
                "killed by a signal (crash or stack overflow):\n{}",
                self.stderr
            )
        });
        assert!(
            allowed.contains(&code),
            "exit code {code}, expected one of {allowed:?}\n{}",
            self.stderr
        );
        assert!(
            self.peak_rss_kb < MEMORY_GUARD_KB,
            "peak memory {} MB",
            self.peak_rss_kb / 1024
        );
    }
}

/// One line of `--format json`.
#[derive(Debug, Deserialize)]
struct Reported {
    code: String,
    file: String,
    line: usize,
    message: String,
}

/// Runs the binary in `dir` with `args`; output goes to files so that a large
/// report cannot block the child on a full pipe.
fn run(dir: &Path, args: &[&str]) -> Run {
    let capture = tempfile::tempdir().expect("tempdir");
    let stdout_path = capture.path().join("stdout");
    let stderr_path = capture.path().join("stderr");
    let mut child = common::bin()
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).expect("stdout file"))
        .stderr(File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .expect("spawn changeportal");
    let status_path = PathBuf::from(format!("/proc/{}/status", child.id()));
    let started = Instant::now();
    let mut peak_rss_kb = 0;
    let status = loop {
        peak_rss_kb = peak_rss_kb.max(high_water_mark_kb(&status_path));
        if let Some(status) = child.try_wait().expect("poll child") {
            break status;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("changeportal {args:?} did not finish within {HANG_GUARD:?}");
        }
        if peak_rss_kb > MEMORY_GUARD_KB {
            let _ = child.kill();
            panic!(
                "changeportal {args:?} used more than {} MB",
                MEMORY_GUARD_KB / 1024
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        code: status.code(),
        stdout: std::fs::read_to_string(stdout_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(stderr_path).unwrap_or_default(),
        peak_rss_kb,
    }
}

/// `VmHWM` (peak resident set) from `/proc/<pid>/status`, 0 when unreadable.
fn high_water_mark_kb(status_path: &Path) -> u64 {
    std::fs::read_to_string(status_path)
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn check(dir: &Path) -> Run {
    run(dir, &["check", "--format", "json", "--now", NOW])
}

fn build(dir: &Path, out: &str) -> Run {
    run(
        dir,
        &["build", "--out", out, "--format", "json", "--now", NOW],
    )
}

/// A portal in `<base>/portal`, so that `<base>` shows anything written
/// outside the portal and its output.
struct Sandbox {
    base: tempfile::TempDir,
}

impl Sandbox {
    fn new(config: &str) -> Self {
        let base = tempfile::tempdir().expect("tempdir");
        let sandbox = Self { base };
        sandbox.write("portal.yaml", config.as_bytes());
        std::fs::create_dir_all(sandbox.root().join("content/changes")).expect("mkdir");
        sandbox
    }

    fn base(&self) -> &Path {
        self.base.path()
    }

    fn root(&self) -> PathBuf {
        self.base.path().join("portal")
    }

    fn write(&self, relative: &str, bytes: &[u8]) -> PathBuf {
        let path = self.root().join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, bytes).expect("write");
        path
    }

    fn record(&self, name: &str, text: &str) -> PathBuf {
        self.write(&format!("content/changes/{name}"), text.as_bytes())
    }

    /// Every path below the base, except the portal's `out/`.
    fn paths_outside_out(&self) -> Vec<PathBuf> {
        let out = self.root().join("out");
        let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(self.base())
            .into_iter()
            .filter_map(Result::ok)
            .map(|entry| entry.into_path())
            .filter(|path| !path.starts_with(&out))
            .collect();
        paths.sort();
        paths
    }
}

/// `normal_record` with its `id:` line replaced.
fn record_with_id(id_yaml: &str) -> String {
    normal_record("CHG-1").replacen("id: CHG-1", &format!("id: {id_yaml}"), 1)
}

#[test]
fn path_traversal_ids_are_invalid_records_and_nothing_is_written() {
    let sandbox = Sandbox::new(PORTAL_YAML);
    let escape = sandbox.base().join("escaped");
    let ids = [
        "../../etc/passwd".to_string(),
        "/etc/passwd".to_string(),
        format!("\"{}\"", escape.display()),
        "\"%2e%2e%2fescaped\"".to_string(),
        "\"..\\\\..\\\\escaped\"".to_string(),
        "\"C:\\\\escaped\"".to_string(),
        "\"..\"".to_string(),
        "\".\"".to_string(),
        "\"a\\0b\"".to_string(),
        "\"chg\\u2024one\"".to_string(),
    ];
    for (index, id) in ids.iter().enumerate() {
        sandbox.record(&format!("r{index}.md"), &record_with_id(id));
    }
    let before = sandbox.paths_outside_out();
    let checked = check(&sandbox.root());
    checked.assert_clean_exit(&[1]);
    let invalid = checked.flags_with("invalid-record");
    for (index, id) in ids.iter().enumerate() {
        let file = format!("content/changes/r{index}.md");
        let flag = invalid
            .iter()
            .find(|flag| flag.file == file)
            .unwrap_or_else(|| panic!("no invalid-record for id {id}"));
        assert_eq!(flag.line, 2, "{flag:?}");
    }
    let built = build(&sandbox.root(), "out");
    built.assert_clean_exit(&[1]);
    assert!(
        built.stderr.contains("nothing was written"),
        "{}",
        built.stderr
    );
    assert!(!sandbox.root().join("out").exists());
    assert!(!escape.exists());
    assert_eq!(sandbox.paths_outside_out(), before);
}

#[test]
fn file_names_never_become_output_paths() {
    let sandbox = Sandbox::new(PORTAL_YAML);
    for (index, name) in [
        "x..%2f..%2fescaped.md",
        "%2e%2e.md",
        "back\\slash.md",
        "-rf.md",
        "sp ace.md",
    ]
    .iter()
    .enumerate()
    {
        sandbox.record(name, &normal_record(&format!("CHG-{index}")));
    }
    let bad_page = sandbox.write(
        "content/pages/%2e%2e%2fescaped.md",
        b"---\ntitle: Escape\n---\nx\n",
    );
    let refused = build(&sandbox.root(), "out");
    refused.assert_clean_exit(&[1]);
    let invalid = refused.flags_with("invalid-record");
    assert_eq!(
        invalid.len(),
        1,
        "only the page name is refused: {invalid:?}"
    );
    assert_eq!(invalid[0].file, "content/pages/%2e%2e%2fescaped.md");
    std::fs::remove_file(bad_page).expect("rm");
    let before = sandbox.paths_outside_out();
    let built = build(&sandbox.root(), "out");
    built.assert_clean_exit(&[0]);
    assert_eq!(sandbox.paths_outside_out(), before);
    for index in 0..5 {
        let page = sandbox
            .root()
            .join(format!("out/public/changes/chg-{index}/index.html"));
        assert!(page.is_file(), "{} missing", page.display());
    }
}

#[test]
fn traversal_in_system_keys_stays_inside_out() {
    // No catalogue: systems are free text, and each gets an internal page.
    let config = PORTAL_YAML
        .split("systems:\n")
        .next()
        .expect("config head")
        .to_string()
        + &PORTAL_YAML[PORTAL_YAML.find("policy:").expect("policy")..];
    let sandbox = Sandbox::new(&config);
    let record = normal_record("CHG-1").replace(
        "systems: [api]",
        "systems: [\"../../../escaped\", \"/tmp/escaped-abs\", \"..\", \"%2e%2e\", \"a\\\\..\\\\b\"]",
    );
    sandbox.record("a.md", &record);
    let before = sandbox.paths_outside_out();
    let built = build(&sandbox.root(), "out");
    built.assert_clean_exit(&[0, 1]);
    assert_eq!(sandbox.paths_outside_out(), before, "{}", built.stderr);
    assert!(!Path::new("/tmp/escaped-abs").exists());

    // With a catalogue whose keys try the same.
    let config = PORTAL_YAML.replace(
        "  api: { title: Public API, owner: platform }",
        "  \"../../escaped\": { title: Escape }\n  api: { title: Public API, owner: platform }",
    );
    let sandbox = Sandbox::new(&config);
    sandbox.record(
        "a.md",
        &normal_record("CHG-1").replace("systems: [api]", "systems: [\"../../escaped\"]"),
    );
    let before = sandbox.paths_outside_out();
    let built = build(&sandbox.root(), "out");
    built.assert_clean_exit(&[0, 1, 2]);
    assert_eq!(sandbox.paths_outside_out(), before, "{}", built.stderr);
}

#[test]
fn ids_that_collide_once_lower_cased_are_duplicates() {
    let sandbox = Sandbox::new(PORTAL_YAML);
    sandbox.record("2025/a.md", &normal_record("CHG-0001"));
    sandbox.record("2026/b.md", &normal_record("chg-0001"));
    sandbox.record("2026/c.md", &normal_record("Chg-0001"));
    let checked = check(&sandbox.root());
    checked.assert_clean_exit(&[1]);
    let duplicates = checked.flags_with("duplicate-id");
    assert_eq!(duplicates.len(), 2, "{duplicates:?}");
    assert!(duplicates
        .iter()
        .all(|f| f.message.contains("content/changes/2025/a.md")));
    let built = build(&sandbox.root(), "out");
    built.assert_clean_exit(&[1]);
    assert!(!sandbox.root().join("out").exists());
}

/// A billion-laughs document: 9^9 "lol"s once expanded.
fn alias_bomb(key: &str) -> String {
    let mut bomb = format!("{key}: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let mut previous = 'a';
    for name in 'b'..='i' {
        let refs = vec![format!("*{previous}"); 9].join(", ");
        bomb.push_str(&format!("x{name}: &{name} [{refs}]\n"));
        previous = name;
    }
    bomb
}

#[test]
fn yaml_alias_bombs_give_a_diagnostic_in_bounded_time_and_memory() {
    let sandbox = Sandbox::new(PORTAL_YAML);
    // Before any known field, as the only content, and after a valid record.
    sandbox.record(
        "first.md",
        &format!("---\n{}id: CHG-1\n---\n", alias_bomb("lol")),
    );
    sandbox.record("only.md", &format!("---\n{}---\n", alias_bomb("links")));
    let tail = normal_record("CHG-3")
        .replace("---\nInvoice", &format!("{}---\nInvoice", alias_bomb("zz")));
    sandbox.record("tail.md", &tail);
    let checked = check(&sandbox.root());
    checked.assert_clean_exit(&[1]);
    let files: Vec<String> = checked.flags().into_iter().map(|f| f.file).collect();
    for name in ["first", "only", "tail"] {
        assert!(
            files.contains(&format!("content/changes/{name}.md")),
            "no diagnostic for {name}: {files:?}"
        );
    }

    let sandbox = Sandbox::new(&format!("{PORTAL_YAML}{}", alias_bomb("x-bomb")));
    let checked = check(&sandbox.root());
    checked.assert_clean_exit(&[2]);
    assert!(checked.stderr.contains("portal.yaml"), "{}", checked.stderr);
}

#[test]
fn deeply_nested_yaml_and_markdown_do_not_overflow_the_stack() {
    // A million levels: the YAML scanner is quadratic in flow depth, so this
    // took hours before the loader refused brackets nested past 25,000.
    let sandbox = Sandbox::new(PORTAL_YAML);
    let depth = 1_000_000;
    sandbox.record(
        "flow.md",
        &format!("---\nid: {}{}\n---\n", "[".repeat(depth), "]".repeat(depth)),
    );
    sandbox.record(
        "maps.md",
        &format!(
            "---\nid: {}{}\n---\n",
            "{a: ".repeat(depth),
            "}".repeat(depth)
        ),
    );
    let block: String = (0..5_000)
        .map(|i| format!("{}- \n", "  ".repeat(i)))
        .collect();
    sandbox.record("block.md", &format!("---\nlinks:\n{block}---\n"));
    let checked = check(&sandbox.root());
    checked.assert_clean_exit(&[1]);
    let flags = checked.flags();
    assert_eq!(flags.len(), 3, "{flags:?}");
    assert!(
        flags
            .iter()
            .filter(|f| !f.file.ends_with("block.md"))
            .all(|f| f.message.contains("recursion limit")),
        "{flags:?}"
    );

    // Deep markdown in a public body goes through the renderer and sanitizer.
    let sandbox = Sandbox::new(PORTAL_YAML);
    let bodies = [
        "> ".repeat(50_000) + "quote\n",
        "- ".repeat(50_000) + "list\n",
        // The HTML parser behind the sanitizer is quadratic in nesting depth
        // (50,000 levels take half a minute in a debug build): 10,000 keeps
        // the test quick and still far deeper than any recursion could go.
        "<div>".repeat(10_000) + "html" + &"</div>".repeat(10_000),
        "[".repeat(50_000) + &"]".repeat(50_000),
        "*".repeat(50_000) + "a" + &"*".repeat(50_000),
    ];
    for (index, body) in bodies.iter().enumerate() {
        let record = normal_record(&format!("CHG-{index}")).replace(
            "Invoice search is now faster.\n\n<!--",
            &format!("{body}\n\n<!--"),
        );
        sandbox.record(&format!("r{index}.md"), &record);
    }
    let built = build(&sandbox.root(), "out");
    built.assert_clean_exit(&[0]);
}

#[test]
fn huge_numbers_are_refused_or_handled() {
    let sandbox = Sandbox::new(PORTAL_YAML);
    let record = normal_record("CHG-1")
        .replace("risk: low", "risk: 1e999999")
        .replace(
            "title: Faster invoice search",
            "title: 123456789012345678901234567890",
        );
    sandbox.record("a.md", &record);
    sandbox.record(
        "b.md",
        &normal_record("CHG-2").replace("created: 2026-01-01", "created: 99999999999999999999"),
    );
    let checked = check(&sandbox.root());
    checked.assert_clean_exit(&[1]);
    let files: Vec<String> = checked
        .flags_with("invalid-record")
        .into_iter()
        .map(|f| f.file)
        .collect();
    assert!(
        files.contains(&"content/changes/a.md".to_string()),
        "{files:?}"
    );
    assert!(
        files.contains(&"content/changes/b.md".to_string()),
        "{files:?}"
    );

    for (knob, value) in [
        ("notice_days: 30", "notice_days: 99999999999999999999"),
        ("min: 2", "min: -1"),
        ("review_within_days: 3", "review_within_days: 1e400"),
    ] {
        let sandbox = Sandbox::new(&PORTAL_YAML.replace(knob, value));
        sandbox.record("a.md", &normal_record("CHG-1"));
        let checked = check(&sandbox.root());
        checked.assert_clean_exit(&[2]);
        assert!(
            checked.stdout.contains("\"file\":\"portal.yaml\""),
            "{value}: {}",
            checked.stderr
        );
    }
}

/// An emergency change deployed at `deployed`, so that every deadline rule
/// (approval window, review, post-incident) does date arithmetic on it.
fn emergency_record(id: &str, created: &str, deployed: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: Edge of time\ntype: security\nclass: emergency\nstatus: deployed\n\
         visibility: public\nsummary: Edge.\nauthor: Sam Writer\ncreated: {created}\n\
         scheduled: {deployed}\ndeployed: {deployed}\n\
         emergency: {{ reason: r, declared_by: Dana Lee, declared_at: {created} }}\n---\nBody.\n"
    )
}

#[test]
fn largest_day_counts_and_extreme_dates_do_not_crash() {
    let config = PORTAL_YAML
        .replace("within_days: 2", "within_days: 4294967295")
        .replace("review_within_days: 3", "review_within_days: 4294967295")
        .replace(
            "post_incident_within_days: 7",
            "post_incident_within_days: 4294967295",
        )
        .replace("notice_days: 30", "notice_days: 4294967295");
    let sandbox = Sandbox::new(&config);
    sandbox.record(
        "a.md",
        &emergency_record("CHG-1", "2026-01-01", "2026-01-02T00:00:00Z"),
    );
    let checked = check(&sandbox.root());
    checked.assert_clean_exit(&[0, 1, 2]);
    build(&sandbox.root(), "out").assert_clean_exit(&[0, 1, 2]);

    // The first and last instants an RFC 3339 date can name: in UTC they
    // fall in year -1 and year 10000.
    let sandbox = Sandbox::new(PORTAL_YAML);
    sandbox.record(
        "first.md",
        &emergency_record(
            "CHG-1",
            "0000-01-01T00:00:00+23:59",
            "0000-01-01T00:00:00+23:59",
        ),
    );
    sandbox.record(
        "last.md",
        &emergency_record(
            "CHG-2",
            "9999-12-31T23:59:59-23:59",
            "9999-12-31T23:59:59-23:59",
        ),
    );
    let checked = check(&sandbox.root());
    checked.assert_clean_exit(&[1]);
    let out_of_range = checked.flags_with("invalid-record");
    assert_eq!(out_of_range.len(), 2, "{out_of_range:?}");
    assert!(out_of_range
        .iter()
        .all(|f| f.message.contains("out of range")));
    build(&sandbox.root(), "out").assert_clean_exit(&[1]);
}

#[test]
fn records_dated_years_apart_do_not_blow_up_the_output() {
    // The extremes that stay inside years 0000-9999 in UTC are valid; two
    // records 10,000 years apart must not make the build write a page for
    // every month in between (120,000 pages, 1.5 GB: a typo such as
    // `created: 0026-01-01` would do the same).
    let sandbox = Sandbox::new(PORTAL_YAML);
    sandbox.record(
        "first.md",
        &emergency_record("CHG-1", "0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z"),
    );
    sandbox.record(
        "last.md",
        &emergency_record("CHG-2", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
    );
    build(&sandbox.root(), "out").assert_clean_exit(&[0]);
    let files = walkdir::WalkDir::new(sandbox.root().join("out"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .count();
    assert!(files < 1_000, "two records gave {files} output files");
}

#[test]
fn a_100_mb_file_is_refused_by_size_without_being_read() {
    let sandbox = Sandbox::new(PORTAL_YAML);
    sandbox.record("ok.md", &normal_record("CHG-1"));
    let big = sandbox.record("big.md", "---\nid: CHG-2\n");
    File::options()
        .write(true)
        .open(&big)
        .and_then(|file| file.set_len(100 * 1024 * 1024))
        .expect("grow file");
    let checked = check(&sandbox.root());
    checked.assert_clean_exit(&[1]);
    let flags = checked.flags_with("invalid-record");
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0].file, "content/changes/big.md");
    assert!(flags[0].message.contains("100 MB"), "{}", flags[0].message);
    assert!(
        flags[0].message.contains("limited to"),
        "{}",
        flags[0].message
    );
    assert!(
        checked.peak_rss_kb < 100 * 1024,
        "the file was read: peak {} MB",
        checked.peak_rss_kb / 1024
    );
}

#[test]
fn special_files_never_block_or_flood_the_loader() {
    let sandbox = Sandbox::new(PORTAL_YAML);
    sandbox.record("ok.md", &normal_record("CHG-1"));
    let changes = sandbox.root().join("content/changes");
    std::os::unix::fs::symlink("/dev/zero", changes.join("zero.md")).expect("symlink");
    std::os::unix::fs::symlink("/dev/urandom", changes.join("random.md")).expect("symlink");
    std::os::unix::fs::symlink(changes.join("missing.md"), changes.join("dangling.md"))
        .expect("symlink");
    let fifo = Command::new("mkfifo")
        .arg(changes.join("pipe.md"))
        .status()
        .expect("mkfifo");
    assert!(fifo.success());
    let checked = check(&sandbox.root());
    checked.assert_clean_exit(&[1]);
    let refused: Vec<(String, usize)> = checked
        .flags_with("invalid-record")
        .into_iter()
        .map(|flag| (flag.file, flag.line))
        .collect();
    assert_eq!(
        refused,
        [
            ("content/changes/dangling.md".to_string(), 1),
            ("content/changes/pipe.md".to_string(), 1),
            ("content/changes/random.md".to_string(), 1),
            ("content/changes/zero.md".to_string(), 1),
        ]
    );
    let built = build(&sandbox.root(), "out");
    built.assert_clean_exit(&[1]);
    assert!(!sandbox.root().join("out").exists());
}

#[test]
fn five_thousand_flags_on_one_record_are_all_reported() {
    let sandbox = Sandbox::new(PORTAL_YAML);
    let approvals: String = (0..5_000)
        .map(|i| {
            format!(
                "  - {{ by: Stranger {i}, role: engineering, decision: approve, at: 2026-01-10T09:00:00Z }}\n"
            )
        })
        .collect();
    let record =
        normal_record("CHG-1").replace("approvals:\n", &format!("approvals:\n{approvals}"));
    sandbox.record("a.md", &record);
    let checked = check(&sandbox.root());
    checked.assert_clean_exit(&[0, 1]);
    let strangers = checked.flags_with("approver-not-on-board");
    assert_eq!(strangers.len(), 5_000);
    let mut lines: Vec<usize> = strangers.iter().map(|f| f.line).collect();
    lines.dedup();
    assert_eq!(lines.len(), 5_000, "each flag points at its own approval");
    let human = run(&sandbox.root(), &["check", "--now", NOW]);
    human.assert_clean_exit(&[0, 1]);
    assert!(human.stderr.contains("approver-not-on-board"));
    build(&sandbox.root(), "out").assert_clean_exit(&[0]);
}

/// A small valid internal record.
fn tiny_record(id: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: Routine change {id}\ntype: maintenance\nclass: standard\n\
         status: deployed\nauthor: Sam Writer\ncreated: 2026-01-01\ndeployed: 2026-01-02\n---\nDone.\n"
    )
}

#[test]
fn fifty_thousand_files_are_all_checked() {
    let sandbox = Sandbox::new(PORTAL_YAML);
    let changes = sandbox.root().join("content/changes");
    for folder in 0..100 {
        let dir = changes.join(format!("f{folder:03}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        for index in 0..500 {
            let id = format!("CHG-{folder:03}-{index:03}");
            std::fs::write(dir.join(format!("{id}.md")), tiny_record(&id)).expect("write");
        }
    }
    let checked = run(&sandbox.root(), &["check", "--now", NOW]);
    checked.assert_clean_exit(&[0]);
    assert!(
        checked.stderr.contains("checked 50000 record(s)"),
        "{}",
        checked.stderr
    );
}

/// Bodies that try to get script into the public site.
const INJECTIONS: &[&str] = &[
    "<script>alert('body')</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(2)\">click</a>",
    "[link](javascript:alert(3)) ![img](javascript:alert(4))",
    "<a href=\"java&#x09;script:alert(5)\">tab</a> <a href=\"&#106;avascript:alert(6)\">ent</a>",
    "<svg onload=alert(7)></svg><iframe src=\"https://evil.example\"></iframe>",
    "<style>body{display:none}</style><form action=\"https://evil.example\"><button>x</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    "<!-- comment --><div onclick=\"alert(8)\">x</div>",
];

/// A portal whose public records carry injection attempts in every text that
/// reaches the public site.
fn injection_portal() -> Sandbox {
    let sandbox = Sandbox::new(PORTAL_YAML);
    for (index, attack) in INJECTIONS.iter().enumerate() {
        let record = normal_record(&format!("CHG-{index}"))
            .replace(
                "title: Faster invoice search",
                &format!("title: {}", serde_json::to_string(attack).expect("json")),
            )
            .replace(
                "summary: Invoice search is now faster.",
                &format!("summary: {}", serde_json::to_string(attack).expect("json")),
            )
            .replace(
                "Invoice search is now faster.\n\n<!--",
                &format!("{attack}\n\n<!--"),
            );
        sandbox.record(&format!("r{index}.md"), &record);
    }
    sandbox.write(
        "content/pages/about.md",
        format!("---\ntitle: About\n---\n{}\n", INJECTIONS.join("\n\n")).as_bytes(),
    );
    sandbox
}

/// Every `.html` file below `dir`, with its text.
fn html_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let pages: Vec<(PathBuf, String)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "html"))
        .map(|entry| {
            let text = std::fs::read_to_string(entry.path()).expect("utf-8 page");
            (entry.into_path(), text)
        })
        .collect();
    assert!(!pages.is_empty(), "no pages in {}", dir.display());
    pages
}

/// Whether a tag is markup the injections tried to smuggle in (escaped text
/// in an attribute such as `<meta name="description">` is harmless).
fn is_injected(tag: &html_check::Tag) -> bool {
    let smuggled_url = tag.attributes.iter().any(|(name, value)| {
        matches!(
            name.as_str(),
            "href" | "src" | "action" | "formaction" | "data"
        ) && (value.contains("evil.example") || value.contains("alert("))
    });
    let refresh = tag.name == "meta"
        && tag
            .attribute("http-equiv")
            .is_some_and(|value| value.eq_ignore_ascii_case("refresh"));
    let style = tag.name == "style" && tag.raw_text.contains("display:none");
    smuggled_url || refresh || style
}

#[test]
fn injected_markup_never_runs_on_the_public_site() {
    let sandbox = injection_portal();
    build(&sandbox.root(), "out").assert_clean_exit(&[0]);
    let public = sandbox.root().join("out/public");
    for (path, html) in html_files(&public) {
        let problems = html_check::page_problems(&html);
        assert!(problems.is_empty(), "{}: {problems:?}", path.display());
        let injected: Vec<_> = html_check::tags(&html)
            .into_iter()
            .filter(is_injected)
            .collect();
        assert!(injected.is_empty(), "{}: {injected:?}", path.display());
    }
    let feeds: Vec<PathBuf> = walkdir::WalkDir::new(&public)
        .into_iter()
        .filter_map(Result::ok)
        .map(|entry| entry.into_path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
        .collect();
    assert!(!feeds.is_empty(), "no feeds");
    for path in feeds {
        let xml = std::fs::read_to_string(&path).expect("utf-8 feed");
        for html in feed_descriptions(&xml) {
            let problems = html_check::body_problems(&html);
            assert!(
                problems.is_empty(),
                "{}: {problems:?} in {html}",
                path.display()
            );
            let injected: Vec<_> = html_check::tags(&html)
                .into_iter()
                .filter(is_injected)
                .collect();
            assert!(injected.is_empty(), "{}: {injected:?}", path.display());
        }
    }
}

/// The HTML a feed reader renders from each `<description>` and
/// `<content:encoded>`: CDATA as is, else the text with XML references decoded.
fn feed_descriptions(xml: &str) -> Vec<String> {
    let mut found = Vec::new();
    for element in ["description", "content:encoded"] {
        let open = format!("<{element}>");
        let close = format!("</{element}>");
        let mut rest = xml;
        while let Some(start) = rest.find(&open) {
            let after = &rest[start + open.len()..];
            let Some(end) = after.find(&close) else { break };
            let inner = &after[..end];
            found.push(match inner.trim().strip_prefix("<![CDATA[") {
                Some(cdata) => cdata.trim_end().trim_end_matches("]]>").to_string(),
                None => html_check::decode_entities(inner),
            });
            rest = &after[end..];
        }
    }
    found
}

/// The directives of a CSP, by name.
fn directives(policy: &str) -> Vec<(String, Vec<String>)> {
    policy
        .split(';')
        .filter_map(|directive| {
            let mut words = directive.split_whitespace();
            let name = words.next()?.to_ascii_lowercase();
            Some((name, words.map(str::to_string).collect()))
        })
        .collect()
}

/// The sources that decide what scripts may run: `script-src`, else
/// `default-src`; `None` when neither is set (anything may run).
fn script_sources(policy: &str) -> Option<Vec<String>> {
    let all = directives(policy);
    let find = |name: &str| all.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    find("script-src").or_else(|| find("default-src"))
}

/// A strict CSP: scripts only from nowhere or the site itself, never inline
/// or `eval`, and no `'unsafe-inline'` anywhere.
fn assert_strict_csp(path: &Path, html: &str) {
    let policy = html_check::csp_meta(html)
        .unwrap_or_else(|| panic!("{}: no Content-Security-Policy meta", path.display()));
    assert!(
        !policy.contains("'unsafe-inline'") && !policy.contains("'unsafe-eval'"),
        "{}: {policy}",
        path.display()
    );
    let scripts = script_sources(&policy).unwrap_or_else(|| {
        panic!(
            "{}: CSP sets neither script-src nor default-src: {policy}",
            path.display()
        )
    });
    assert!(
        !scripts.is_empty() && scripts.iter().all(|s| s == "'none'" || s == "'self'"),
        "{}: scripts allowed from {scripts:?}",
        path.display()
    );
    let problems = html_check::page_problems(html);
    assert!(problems.is_empty(), "{}: {problems:?}", path.display());
}

#[test]
fn every_page_of_both_sites_has_a_strict_csp() {
    let sandbox = injection_portal();
    sandbox.record("internal.md", &tiny_record("CHG-INT"));
    build(&sandbox.root(), "out").assert_clean_exit(&[0]);
    for site in ["public", "internal"] {
        for (path, html) in html_files(&sandbox.root().join("out").join(site)) {
            assert_strict_csp(&path, &html);
        }
    }
}
