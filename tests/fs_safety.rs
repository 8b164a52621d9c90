//! Filesystem safety of `build`: it writes and deletes nothing outside
//! `--out`; it refuses an `--out` that is the portal, its parent, a source
//! folder, a symlink to one of them, a file, or a folder it did not write; a
//! failed, killed or interrupted build leaves the previous output whole and
//! the next build cleans up after it; an unwritable output parent gives a
//! clear error.

mod common;

use changeportal::output::PREVIOUS_DIR;
use common::cases::copy_case_into;
use common::{normal_record, PORTAL_YAML};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-24";

/// A folder `<base>` holding the portal at `<base>/portal`, so that every
/// change anywhere near the portal shows in a snapshot of `<base>`.
struct Workspace {
    base: tempfile::TempDir,
}

impl Workspace {
    /// A portal with `records` valid public records.
    fn new(records: usize) -> Self {
        let base = tempfile::tempdir().expect("tempdir");
        let workspace = Self { base };
        let root = workspace.root();
        std::fs::create_dir_all(root.join("content/changes")).expect("mkdir");
        std::fs::write(root.join("portal.yaml"), PORTAL_YAML).expect("config");
        std::fs::write(root.join("README.md"), "the writer's own notes\n").expect("readme");
        std::fs::create_dir_all(root.join("content/pages")).expect("mkdir");
        std::fs::write(
            root.join("content/pages/about.md"),
            "---\ntitle: About\n---\nAbout us.\n",
        )
        .expect("page");
        for index in 0..records {
            workspace.record(index);
        }
        std::fs::write(workspace.base().join("sibling.txt"), "next to the portal\n")
            .expect("sibling");
        workspace
    }

    fn base(&self) -> &Path {
        self.base.path()
    }

    fn root(&self) -> PathBuf {
        self.base.path().join("portal")
    }

    fn record(&self, index: usize) {
        let text = normal_record(&format!("CHG-{index:05}")).replace(
            "Internal notes.\n",
            &"Internal notes with enough text to make every page a real write.\n".repeat(20),
        );
        let path = self.root().join(format!(
            "content/changes/{:02}/CHG-{index:05}.md",
            index % 50
        ));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("record");
    }

    /// Runs the binary in the portal root.
    fn run(&self, args: &[&str]) -> Output {
        common::run_in(&self.root(), args)
    }

    fn build(&self, out: &str) -> Output {
        self.run(&["build", "--out", out, "--now", NOW])
    }

    /// Starts a build of `out` without waiting for it.
    fn spawn_build(&self, out: &str) -> Child {
        common::bin()
            .args(["build", "--out", out, "--now", NOW])
            .current_dir(self.root())
            .env_remove("SOURCE_DATE_EPOCH")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn build")
    }

    /// Staging folders left beside the portal's `out/`.
    fn staging_folders(&self) -> Vec<String> {
        std::fs::read_dir(self.root())
            .expect("list portal")
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".changeportal-build-"))
            .collect()
    }
}

/// What a path holds: a folder, a file's bytes, or a symlink's target.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Folder,
    File(Vec<u8>),
    Link(PathBuf),
}

/// Every path below `dir` (symlinks not followed) and what it holds.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Node> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|entry| {
            let path = entry.path().to_path_buf();
            let kind = entry.file_type();
            let node = if kind.is_symlink() {
                Node::Link(std::fs::read_link(&path).expect("read link"))
            } else if kind.is_dir() {
                Node::Folder
            } else {
                Node::File(std::fs::read(&path).expect("read file"))
            };
            (
                path.strip_prefix(dir).expect("below dir").to_path_buf(),
                node,
            )
        })
        .collect()
}

/// A snapshot without the entries below `skip` (relative to the snapshot).
fn without(mut tree: BTreeMap<PathBuf, Node>, skip: &Path) -> BTreeMap<PathBuf, Node> {
    tree.retain(|path, _| !path.starts_with(skip));
    tree
}

/// Fails with the first difference, rather than two huge maps.
fn assert_same_tree(before: &BTreeMap<PathBuf, Node>, after: &BTreeMap<PathBuf, Node>, what: &str) {
    for (path, node) in before {
        match after.get(path) {
            None => panic!("{what}: {} disappeared", path.display()),
            Some(other) if other != node => panic!("{what}: {} changed", path.display()),
            _ => {}
        }
    }
    if let Some(path) = after.keys().find(|path| !before.contains_key(*path)) {
        panic!("{what}: {} appeared", path.display());
    }
}

#[test]
fn build_writes_and_deletes_nothing_outside_out() {
    let workspace = Workspace::new(5);
    let out = Path::new("portal/out");
    let before = snapshot(workspace.base());
    let first = workspace.build("out");
    assert!(first.status.success(), "{}", common::stderr(&first));
    assert_same_tree(
        &before,
        &without(snapshot(workspace.base()), out),
        "first build",
    );
    assert!(workspace.root().join("out/public/index.html").is_file());
    assert!(workspace.root().join("out/internal/index.html").is_file());

    // A rebuild replaces out/ and still touches nothing else, including a
    // file a user dropped into out/ (out/ belongs to the build).
    std::fs::write(workspace.root().join("out/stray.txt"), "x").expect("stray");
    workspace.record(99);
    let before = snapshot(workspace.base());
    let second = workspace.build("out");
    assert!(second.status.success(), "{}", common::stderr(&second));
    assert_same_tree(
        &without(before, out),
        &without(snapshot(workspace.base()), out),
        "rebuild",
    );
    assert!(!workspace.root().join("out/stray.txt").exists());
    assert!(workspace.staging_folders().is_empty());
}

#[test]
fn out_pointing_at_sources_or_their_parents_is_refused() {
    let workspace = Workspace::new(2);
    let root = workspace.root();
    let base = workspace.base();
    std::os::unix::fs::symlink(&root, base.join("link-to-root")).expect("symlink");
    std::os::unix::fs::symlink(root.join("content"), base.join("link-to-content"))
        .expect("symlink");
    std::os::unix::fs::symlink(base, root.join("link-to-parent")).expect("symlink");
    std::fs::create_dir_all(root.join("static")).expect("static");
    std::fs::create_dir_all(base.join("foreign")).expect("foreign");
    std::fs::write(
        base.join("foreign/index.html"),
        "<p>someone else's site</p>",
    )
    .expect("foreign");
    let root_text = root.display().to_string();
    let refused = [
        ".",
        "..",
        "/",
        root_text.as_str(),
        "content",
        "content/changes",
        "content/changes/2026",
        "static/site",
        "./content/../content",
        "../link-to-root",
        "../link-to-content",
        "../link-to-content/changes",
        "link-to-parent",
        "portal.yaml",
        "README.md",
        "../sibling.txt",
        "../foreign",
    ];
    let before = snapshot(base);
    for out in refused {
        let output = workspace.build(out);
        assert_eq!(
            output.status.code(),
            Some(2),
            "--out {out} was not refused: {}",
            common::stderr(&output)
        );
        assert!(
            common::stderr(&output).contains("refusing"),
            "--out {out}: {}",
            common::stderr(&output)
        );
        assert_same_tree(&before, &snapshot(base), &format!("--out {out}"));
    }
}

#[test]
fn an_empty_folder_or_a_previous_build_may_be_replaced() {
    let workspace = Workspace::new(2);
    std::fs::create_dir_all(workspace.base().join("empty")).expect("mkdir");
    let output = workspace.build("../empty");
    assert!(output.status.success(), "{}", common::stderr(&output));
    assert!(workspace.base().join("empty/public/index.html").is_file());
    let again = workspace.build("../empty");
    assert!(again.status.success(), "{}", common::stderr(&again));
}

#[test]
fn a_failed_build_leaves_the_previous_output_whole() {
    let workspace = Workspace::new(5);
    let first = workspace.build("out");
    assert!(first.status.success(), "{}", common::stderr(&first));
    let before = snapshot(workspace.base());
    std::fs::write(
        workspace.root().join("content/changes/broken.md"),
        "---\nid: [unclosed\n---\n",
    )
    .expect("broken record");
    let failed = workspace.build("out");
    assert_eq!(failed.status.code(), Some(1), "{}", common::stderr(&failed));
    let after = without(
        snapshot(workspace.base()),
        Path::new("portal/content/changes/broken.md"),
    );
    assert_same_tree(&before, &after, "failed build");
}

/// Whether `child` is still running; reaps it when it has exited.
fn is_running(child: &mut Child) -> bool {
    child.try_wait().expect("poll child").is_none()
}

/// Stops `child` with `signal` (`KILL` like a crash or the OOM killer, `INT`
/// like Ctrl-C) and reaps it. A child that already exited is not signalled.
fn stop(child: &mut Child, signal: &str) {
    if signal == "KILL" {
        child.kill().expect("kill child");
    } else if is_running(child) {
        // Not yet reaped, so the pid cannot belong to another process.
        let sent = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success());
    }
    child.wait().expect("reap child");
}

#[test]
fn killing_a_build_at_any_moment_leaves_the_previous_output_whole() {
    let workspace = Workspace::new(1500);
    let started = Instant::now();
    let first = workspace.build("out");
    let full_build = started.elapsed();
    assert!(first.status.success(), "{}", common::stderr(&first));
    // A second build keeps the first output for the next one to write into
    // (changeportal::output::PREVIOUS_DIR), so the kills below also hit
    // builds that took its folders over.
    let second = workspace.build("out");
    assert!(second.status.success(), "{}", common::stderr(&second));
    let output = || {
        without(
            snapshot(&workspace.root().join("out")),
            Path::new(PREVIOUS_DIR),
        )
    };
    let before = output();
    let mut interrupted = 0;

    // Kills spread over the whole run (loading, checking, rendering, writing).
    for (step, fraction) in [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.97]
        .iter()
        .enumerate()
    {
        let mut child = workspace.spawn_build("out");
        std::thread::sleep(full_build.mul_f64(*fraction));
        if is_running(&mut child) {
            interrupted += 1;
        }
        stop(&mut child, if step % 3 == 2 { "INT" } else { "KILL" });
        assert_same_tree(&before, &output(), "after a kill");
    }

    // Kills while the output is being written: as soon as the staging folder
    // appears, and a little after.
    for delay_ms in [0, 1, 3, 10, 30] {
        let mut child = workspace.spawn_build("out");
        let deadline = Instant::now() + full_build * 3;
        while is_running(&mut child) && Instant::now() < deadline {
            let staging = workspace
                .staging_folders()
                .into_iter()
                .any(|name| name.contains(&format!("-{}-", child.id())));
            if staging {
                std::thread::sleep(Duration::from_millis(delay_ms));
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        if is_running(&mut child) {
            interrupted += 1;
        }
        stop(&mut child, "KILL");
        assert_same_tree(&before, &output(), "a kill while writing");
    }
    eprintln!("{interrupted} of 13 kills hit a running build (a full build took {full_build:?})");
    assert!(
        interrupted >= 6,
        "only {interrupted} kills hit a running build (a full build took {full_build:?})"
    );

    // The next build succeeds, gives the same output, and removes the staging
    // folders the killed builds left.
    let next = workspace.build("out");
    assert!(next.status.success(), "{}", common::stderr(&next));
    assert_same_tree(&before, &output(), "the next build");
    assert_eq!(workspace.staging_folders(), Vec::<String>::new());
}

/// Runs `script` (with `$OUT_PARENT` set) in a private mount namespace where
/// `parent` is a read-only bind mount; the mount vanishes with the process.
/// `None` when mount namespaces are not available.
fn run_with_read_only(parent: &Path, workspace: &Workspace, args: &[&str]) -> Option<Output> {
    let probe = Command::new("unshare")
        .args(["--mount", "true"])
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|status| status.success()) {
        return None;
    }
    let script = r#"mount --bind "$OUT_PARENT" "$OUT_PARENT" && mount -o remount,bind,ro "$OUT_PARENT" && exec "$@""#;
    let output = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            "sh",
        ])
        .arg(env!("CARGO_BIN_EXE_changeportal"))
        .args(args)
        .env("OUT_PARENT", parent)
        .env_remove("SOURCE_DATE_EPOCH")
        .current_dir(workspace.root())
        .output()
        .expect("run unshare");
    Some(output)
}

#[test]
fn a_read_only_output_folder_gives_a_clear_error() {
    let workspace = Workspace::new(3);
    let parent = workspace.base().join("site");
    std::fs::create_dir_all(&parent).expect("mkdir");
    let out = parent.join("out");
    let out_text = out.display().to_string();
    let first = workspace.build(&out_text);
    assert!(first.status.success(), "{}", common::stderr(&first));
    let before = snapshot(workspace.base());
    let args = ["build", "--out", out_text.as_str(), "--now", NOW];
    // Permission bits do not stop root, so as root the folder is made
    // read-only with a bind mount in a private mount namespace instead.
    let is_root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    let output = if is_root {
        match run_with_read_only(&parent, &workspace, &args) {
            Some(output) => output,
            None => {
                eprintln!("skipped: running as root without mount namespaces, so no folder can be made read-only");
                return;
            }
        }
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o555)).expect("chmod");
        let output = workspace.run(&args);
        std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        output
    };
    let message = common::stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(
        message.contains(&parent.display().to_string())
            && (message.contains("Read-only file system") || message.contains("Permission denied")),
        "unclear error: {message}"
    );
    assert_same_tree(&before, &snapshot(workspace.base()), "read-only build");
}

#[test]
fn case_out_dotdot() {
    let base = tempfile::tempdir().expect("tempdir");
    copy_case_into("out-dotdot", base.path());
    let before = snapshot(base.path());
    let output = common::run_in(
        base.path(),
        &[
            "build",
            "--root",
            "portal",
            "--out",
            "zz/../portal",
            "--now",
            "2026-06-01",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", common::stderr(&output));
    assert!(
        common::stderr(&output)
            .contains("refusing to write to zz/../portal: it is the portal root"),
        "{}",
        common::stderr(&output)
    );
    assert_same_tree(&before, &snapshot(base.path()), "--out zz/../portal");
    assert!(!base.path().join("zz").exists());
}

/// Every spelling of a path that reaches the portal, a source folder or a
/// parent through missing folders, `..`, `.`, trailing slashes or links is
/// refused with exit 2 before anything is created; spellings that reach a
/// fresh folder build there without creating the missing folders they pass
/// through.
#[test]
fn out_is_resolved_before_any_folder_is_created() {
    let workspace = Workspace::new(1);
    let base = workspace.base();
    let base_text = base.display().to_string();
    std::os::unix::fs::symlink(workspace.root(), base.join("link")).expect("symlink");
    std::fs::create_dir_all(workspace.root().join("static")).expect("static");
    let run_from_base = |out: &str| {
        common::run_in(
            base,
            &["build", "--root", "portal", "--out", out, "--now", NOW],
        )
    };
    let run_from_root = |out: &str| workspace.build(out);
    type Runner<'a> = &'a dyn Fn(&str) -> Output;
    let refused: Vec<(Runner, String)> = [
        "zz/../portal",
        "zz/yy/../../portal",
        "zz/yy/../../portal/",
        "./portal/./",
        "portal/",
        "portal//",
        "portal/content/..",
        "portal/../portal",
        "portal/zz/..",
        "portal/zz/../..",
        "zz/..",
        "zz/../portal/content",
        "zz/../portal/content/changes/new",
        "portal/static/zz/../site",
        "portal/templates/zz",
        "link",
        "link/",
        "zz/../link",
        "link/zz/..",
        "link/content",
        "link/zz/../static/x",
    ]
    .iter()
    .map(|out| (&run_from_base as Runner, (*out).to_string()))
    .chain(
        [
            "zz/..",
            "zz/../.",
            "zz/../../portal",
            "../zz/../portal",
            "./zz/yy/../../content",
            "..",
            "../zz/..",
        ]
        .iter()
        .map(|out| (&run_from_root as Runner, (*out).to_string())),
    )
    .chain(
        [
            format!("{base_text}/zz/../portal"),
            format!("{base_text}/portal/./zz/.."),
            format!("{base_text}/portal/content/../"),
            format!("{base_text}/zz/yy/../../link/content"),
        ]
        .into_iter()
        .map(|out| (&run_from_base as Runner, out)),
    )
    .collect();
    let before = snapshot(base);
    for (run, out) in &refused {
        let output = run(out);
        assert_eq!(
            output.status.code(),
            Some(2),
            "--out {out} was not refused: {}",
            common::stderr(&output)
        );
        assert!(
            common::stderr(&output).contains(&format!("refusing to write to {out}")),
            "--out {out}: {}",
            common::stderr(&output)
        );
        assert_same_tree(&before, &snapshot(base), &format!("--out {out}"));
    }

    for (out, lands) in [
        ("zz/../fresh", "fresh"),
        ("zz/yy/../../fresh2/", "fresh2"),
        ("portal/zz/../out", "portal/out"),
        ("link/zz/../out2", "portal/out2"),
    ] {
        let output = run_from_base(out);
        assert!(
            output.status.success(),
            "--out {out}: {}",
            common::stderr(&output)
        );
        assert!(
            base.join(lands).join("public/index.html").is_file(),
            "{out}"
        );
        assert!(!base.join("zz").exists() && !base.join("portal/zz").exists());
        assert!(!base.join(lands).join("zz").exists());
    }
}

/// A portal on the tmpfs at `/dev/shm` (a common place for scratch work and
/// benchmarks) is read like any other: only devices under `/dev` are refused,
/// by their file type.
#[test]
fn a_portal_under_dev_shm_builds() {
    let shm = Path::new("/dev/shm");
    if !shm.is_dir() {
        eprintln!("skipped: no /dev/shm on this machine");
        return;
    }
    let base = tempfile::tempdir_in(shm).expect("tempdir in /dev/shm");
    let root = base.path().join("portal");
    std::fs::create_dir_all(root.join("content/changes")).expect("mkdir");
    std::fs::write(root.join("portal.yaml"), PORTAL_YAML).expect("config");
    std::fs::write(
        root.join("content/changes/CHG-0001.md"),
        normal_record("CHG-0001"),
    )
    .expect("record");
    let output = Command::new(env!("CARGO_BIN_EXE_changeportal"))
        .args(["build", "--now", NOW, "--root"])
        .arg(&root)
        .arg("--out")
        .arg(base.path().join("out"))
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(base
        .path()
        .join("out/public/changes/chg-0001/index.html")
        .is_file());
}

/// A build that writes into the previous output's folders (PREVIOUS_DIR)
/// gives the same tree as a build into a new folder: files of deleted
/// records are gone, a symlink or a stray folder planted in the kept copy
/// is replaced, never followed, and a file hard-linked elsewhere is
/// replaced, not overwritten.
#[test]
fn a_build_into_the_previous_output_equals_a_fresh_build() {
    let workspace = Workspace::new(5);
    for _ in 0..2 {
        let output = workspace.build("out");
        assert!(output.status.success(), "{}", common::stderr(&output));
    }
    let previous = workspace.root().join("out").join(PREVIOUS_DIR);
    assert!(
        previous.join("public/index.html").is_file(),
        "the first output is kept"
    );
    let outside = workspace.base().join("sibling.txt");
    let page = previous.join("public/changes/chg-00001/index.html");
    std::fs::remove_file(&page).expect("remove page");
    std::os::unix::fs::symlink(&outside, &page).expect("plant symlink");
    std::fs::remove_file(previous.join("public/feed.xml")).expect("remove feed");
    std::fs::create_dir_all(previous.join("public/feed.xml/x")).expect("plant folder");
    std::fs::write(previous.join("internal/stray.html"), "x").expect("stray");
    // A deployed copy made with hard links (`cp -al`) stays as it was.
    let deployed = workspace.base().join("deployed-index.html");
    std::fs::hard_link(previous.join("public/index.html"), &deployed).expect("hard link");
    let deployed_before = std::fs::read(&deployed).expect("deployed");
    std::fs::remove_file(workspace.root().join("content/changes/02/CHG-00002.md")).expect("delete");

    let third = workspace.build("out");
    assert!(third.status.success(), "{}", common::stderr(&third));
    let fresh = workspace.build("fresh");
    assert!(fresh.status.success(), "{}", common::stderr(&fresh));
    for site in ["public", "internal"] {
        assert_same_tree(
            &snapshot(&workspace.root().join("fresh").join(site)),
            &snapshot(&workspace.root().join("out").join(site)),
            site,
        );
    }
    assert_eq!(
        std::fs::read_to_string(&outside).expect("sibling"),
        "next to the portal\n",
        "the symlink's target is untouched"
    );
    assert_eq!(std::fs::read(&deployed).expect("deployed"), deployed_before);
}
