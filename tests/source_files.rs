//! SPEC 5, "only files inside the portal are ever published": a symlink
//! under `static/`, `templates/` or `content/` whose target lies outside the
//! portal, a dangling link, and any special file (FIFO, socket, device,
//! `/proc`) are refused: `check` reports an `invalid-record` error at
//! `path:1:1` naming the link and its target (exit 1), and `build` exits 1
//! writing nothing, not even the `--out` folder. Links whose target is inside
//! the portal keep working.
//!
//! Every run is guarded by a timeout: a FIFO that is opened blocks forever.

mod common;

use common::cases::copy_case_into;
use common::{normal_record, PORTAL_YAML};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const NOW: &str = "2026-06-01";

/// A run that takes longer than this is a hang (a FIFO opened for reading).
const HANG_GUARD: Duration = Duration::from_secs(30);

/// One line of `--format json`.
#[derive(Debug, Deserialize)]
struct Reported {
    code: String,
    level: String,
    file: String,
    line: usize,
    column: usize,
    message: String,
}

/// Runs `command` (in `dir`), killing it and failing the test if it hangs.
fn run_guarded(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command: Command = common::bin();
    command
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn changeportal");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("changeportal {args:?} hung (a special file was opened?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn flags(output: &Output) -> Vec<Reported> {
    common::stdout(output)
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).expect("a JSON flag per line"))
        .collect()
}

/// A portal at `<base>/portal` with one valid record, a secret file next to
/// it (outside the portal) and a shared file inside it.
struct Sandbox {
    base: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let base = tempfile::tempdir().expect("tempdir");
        let sandbox = Self { base };
        sandbox.write("portal/portal.yaml", PORTAL_YAML);
        sandbox.write("portal/content/changes/CHG-1.md", &normal_record("CHG-1"));
        sandbox.write("secret.txt", "SECRET-OUTSIDE-THE-PORTAL\n");
        sandbox.write("secret-dir/key.md", "SECRET-OUTSIDE-THE-PORTAL\n");
        sandbox.write("portal/shared/note.txt", "shared inside the portal\n");
        sandbox.write("portal/shared/CHG-2.md", &normal_record("CHG-2"));
        sandbox
    }

    fn base(&self) -> &Path {
        self.base.path()
    }

    fn root(&self) -> PathBuf {
        self.base.path().join("portal")
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.base.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    fn check(&self) -> Output {
        run_guarded(
            &self.root(),
            &["check", "--format", "json", "--now", NOW],
            &[],
        )
    }

    fn build(&self) -> Output {
        run_guarded(
            &self.root(),
            &["build", "--out", "../out", "--now", NOW],
            &[("DEPLOY_TOKEN", "s3cr3t")],
        )
    }
}

#[test]
fn case_static_symlink_escape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("portal");
    copy_case_into("static-symlink-escape", &root);
    std::fs::create_dir_all(root.join("static")).expect("static");
    std::os::unix::fs::symlink("/proc/self/environ", root.join("static/env.txt")).expect("link");
    std::os::unix::fs::symlink("/etc/passwd", root.join("static/passwd.txt")).expect("link");

    let checked = run_guarded(
        &root,
        &["check", "--root", ".", "--format", "json", "--now", NOW],
        &[],
    );
    assert_eq!(
        checked.status.code(),
        Some(1),
        "{}",
        common::stderr(&checked)
    );
    let reported = flags(&checked);
    let summary: Vec<(&str, &str, &str, usize, usize)> = reported
        .iter()
        .map(|f| {
            (
                f.code.as_str(),
                f.level.as_str(),
                f.file.as_str(),
                f.line,
                f.column,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("invalid-record", "deny", "static/env.txt", 1, 1),
            ("invalid-record", "deny", "static/passwd.txt", 1, 1),
        ]
    );
    assert!(reported[0]
        .message
        .contains("static/env.txt -> /proc/self/environ"));
    assert!(reported[1]
        .message
        .contains("static/passwd.txt -> /etc/passwd"));

    let out = dir.path().join("out");
    let built = run_guarded(
        &root,
        &[
            "build",
            "--root",
            ".",
            "--out",
            &out.to_string_lossy(),
            "--now",
            NOW,
        ],
        &[("DEPLOY_TOKEN", "s3cr3t")],
    );
    assert_eq!(built.status.code(), Some(1), "{}", common::stderr(&built));
    assert!(common::stderr(&built).contains("static/env.txt -> /proc/self/environ"));
    assert!(!out.exists(), "build wrote {}", out.display());
}

/// Where an entry goes: the folder and the entry's name, so that the loader
/// would read it (`.md` under `content/`).
const PLACES: &[&str] = &[
    "static/x.txt",
    "static/deep/er/x.txt",
    "templates/public/x.txt",
    "templates/public/page.html",
    "content/changes/x.md",
    "content/changes/2026/x.md",
    "content/pages/x.md",
    "content/other/x.md",
];

/// How an entry is made at `path` (`base` holds the portal at `portal/`).
#[derive(Debug, Clone, Copy)]
enum Entry {
    /// `/proc/self/environ`: the build's environment.
    ProcEnviron,
    /// `/etc/passwd`.
    EtcPasswd,
    /// A link to `<base>/secret.txt`, written as an absolute path.
    AbsoluteOutside,
    /// A link to `<base>/secret.txt` written with enough `..` to get there.
    RelativeOutside,
    /// A link to the folder `<base>/secret-dir`.
    FolderOutside,
    /// A link to a link (in the same folder) to `<base>/secret.txt`.
    ChainOutside,
    /// A link to a file that does not exist.
    Dangling,
    /// A FIFO (opening it for reading would block).
    Fifo,
    /// A Unix socket.
    Socket,
    /// A link to `/dev/zero`.
    Device,
}

const REFUSED: &[Entry] = &[
    Entry::ProcEnviron,
    Entry::EtcPasswd,
    Entry::AbsoluteOutside,
    Entry::RelativeOutside,
    Entry::FolderOutside,
    Entry::ChainOutside,
    Entry::Dangling,
    Entry::Fifo,
    Entry::Socket,
    Entry::Device,
];

impl Entry {
    /// Makes the entry at `<portal>/<place>`; returns the socket listener to
    /// keep alive, if any, and the text its diagnostic must contain.
    fn make(
        self,
        sandbox: &Sandbox,
        place: &str,
    ) -> (Option<std::os::unix::net::UnixListener>, String) {
        let path = sandbox.root().join(place);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let depth = place.matches('/').count() + 1;
        let link = |target: &str| {
            std::os::unix::fs::symlink(target, &path).expect("symlink");
            format!("{place} -> {target}")
        };
        let secret = sandbox.base().join("secret.txt").display().to_string();
        match self {
            Entry::ProcEnviron => (None, link("/proc/self/environ")),
            Entry::EtcPasswd => (None, link("/etc/passwd")),
            Entry::AbsoluteOutside => (None, link(&secret)),
            Entry::RelativeOutside => (None, link(&format!("{}secret.txt", "../".repeat(depth)))),
            Entry::FolderOutside => {
                let place = place.rsplit_once('/').map_or(place, |(folder, _)| folder);
                let folder_link = sandbox.root().join(place).join("linked");
                let target = sandbox.base().join("secret-dir");
                std::os::unix::fs::symlink(&target, &folder_link).expect("symlink");
                (None, format!("{place}/linked -> {}", target.display()))
            }
            Entry::ChainOutside => {
                let middle = path.with_file_name("middle.md");
                std::os::unix::fs::symlink(&secret, &middle).expect("symlink");
                (None, format!("{} -> {secret}", link("middle.md")))
            }
            Entry::Dangling => (None, link("missing-target.md")),
            Entry::Fifo => {
                let made = Command::new("mkfifo").arg(&path).status().expect("mkfifo");
                assert!(made.success());
                (None, format!("{place} is a FIFO"))
            }
            Entry::Socket => {
                let listener = std::os::unix::net::UnixListener::bind(&path).expect("socket");
                (Some(listener), format!("{place} is a socket"))
            }
            Entry::Device => (None, link("/dev/zero")),
        }
    }
}

#[test]
fn links_out_of_the_portal_and_special_files_are_refused_everywhere() {
    for place in PLACES {
        for entry in REFUSED {
            let what = format!("{entry:?} at {place}");
            let sandbox = Sandbox::new();
            let (_socket, expected) = entry.make(&sandbox, place);
            let checked = sandbox.check();
            assert_eq!(
                checked.status.code(),
                Some(1),
                "{what}: check\n{}",
                common::stderr(&checked)
            );
            let reported = flags(&checked);
            assert!(
                reported.iter().any(|flag| flag.code == "invalid-record"
                    && flag.level == "deny"
                    && (flag.line, flag.column) == (1, 1)
                    && flag.message.contains(&expected)),
                "{what}: no flag saying `{expected}`: {reported:#?}"
            );
            let built = sandbox.build();
            assert_eq!(
                built.status.code(),
                Some(1),
                "{what}: build\n{}",
                common::stderr(&built)
            );
            assert!(
                !sandbox.base().join("out").exists(),
                "{what}: build wrote out/"
            );
        }
    }
}

#[test]
fn links_inside_the_portal_keep_working() {
    let sandbox = Sandbox::new();
    let root = sandbox.root();
    std::fs::create_dir_all(root.join("static/docs")).expect("static");
    std::fs::create_dir_all(root.join("templates/public")).expect("templates");
    std::os::unix::fs::symlink("../shared/note.txt", root.join("static/note.txt")).expect("link");
    std::os::unix::fs::symlink(root.join("shared"), root.join("static/docs/shared")).expect("link");
    std::os::unix::fs::symlink(
        "../../shared/note.txt",
        root.join("templates/public/note2.txt"),
    )
    .expect("link");
    std::os::unix::fs::symlink(
        "../../shared/CHG-2.md",
        root.join("content/changes/CHG-2.md"),
    )
    .expect("link");
    let checked = sandbox.check();
    assert_eq!(
        checked.status.code(),
        Some(0),
        "{}",
        common::stderr(&checked)
    );
    assert!(flags(&checked).is_empty(), "{:#?}", flags(&checked));
    let built = sandbox.build();
    assert_eq!(built.status.code(), Some(0), "{}", common::stderr(&built));
    let out = sandbox.base().join("out");
    for site in ["public", "internal"] {
        let note = std::fs::read_to_string(out.join(site).join("note.txt")).expect("note");
        assert_eq!(note, "shared inside the portal\n");
        assert!(out.join(site).join("docs/shared/note.txt").is_file());
    }
    assert!(out.join("public/note2.txt").is_file());
    assert!(out.join("public/changes/chg-2/index.html").is_file());
}

#[test]
fn a_static_folder_linked_out_of_the_portal_is_refused_as_a_whole() {
    let sandbox = Sandbox::new();
    let target = sandbox.base().join("secret-dir");
    std::os::unix::fs::symlink(&target, sandbox.root().join("static")).expect("link");
    let checked = sandbox.check();
    assert_eq!(checked.status.code(), Some(1));
    let reported = flags(&checked);
    assert_eq!(reported.len(), 1, "{reported:#?}");
    assert_eq!(reported[0].file, "static");
    assert!(reported[0]
        .message
        .contains(&format!("static -> {}", target.display())));
    assert_eq!(sandbox.build().status.code(), Some(1));
    assert!(!sandbox.base().join("out").exists());
}

/// The theme loader refuses on its own what the scan refuses: defence in
/// depth for a file that changes between `check` and the render, and the
/// path `serve` takes when it reloads the theme.
#[test]
fn the_theme_loader_never_reads_outside_the_portal() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.root().join("static")).expect("static");
    std::os::unix::fs::symlink("/etc/passwd", sandbox.root().join("static/passwd.txt"))
        .expect("link");
    let error = changeportal::render::Theme::load(&sandbox.root()).expect_err("refused");
    assert!(
        error.0.contains("static/passwd.txt -> /etc/passwd"),
        "{}",
        error.0
    );
    let fifo = sandbox.root().join("templates/public/pipe.txt");
    std::fs::create_dir_all(fifo.parent().expect("parent")).expect("mkdir");
    std::fs::remove_file(sandbox.root().join("static/passwd.txt")).expect("unlink");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    let error = changeportal::render::Theme::load(&sandbox.root()).expect_err("refused");
    assert!(error.0.contains("is a FIFO"), "{}", error.0);
}

/// `serve` loads and checks through the same pipeline as `check`, so such a
/// link is a build-blocking flag there too, shown in its overlay instead of
/// being published.
#[test]
fn the_shared_pipeline_blocks_the_render_serve_uses() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.root().join("static")).expect("static");
    std::os::unix::fs::symlink("/proc/self/environ", sandbox.root().join("static/env.txt"))
        .expect("link");
    let now = changeportal::model::Timestamp::parse(NOW).expect("now");
    let analysis = changeportal::build::Build::new(sandbox.root(), now)
        .analyze()
        .expect("config loads");
    assert!(analysis.buildable(false).is_err());
    assert!(analysis
        .flags
        .iter()
        .any(|flag| flag.file == "static/env.txt" && flag.message.contains("/proc/self/environ")));
}
