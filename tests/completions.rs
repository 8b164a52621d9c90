//! `changeportal completions SHELL` and `changeportal man`: generated from
//! the command-line definition, so they name every subcommand and option.

mod common;

use std::process::Command;

fn run(args: &[&str]) -> String {
    let output = common::bin().args(args).output().expect("run");
    assert!(output.status.success(), "{}", common::stderr(&output));
    common::stdout(&output)
}

#[test]
fn bash_completion_is_a_valid_script_naming_every_subcommand() {
    let script = run(&["completions", "bash"]);
    for word in ["gate", "schema", "completions", "--path-prefix", "--quiet"] {
        assert!(script.contains(word), "{word} missing");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("changeportal.bash");
    std::fs::write(&path, &script).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(syntax.status.success(), "{}", common::stderr(&syntax));
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        assert!(run(&["completions", shell]).contains("gate"), "{shell}");
    }
    let unknown = common::bin()
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn man_page_is_roff_with_every_subcommand() {
    let page = run(&["man"]);
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH changeportal 1"),
        "{page}"
    );
    assert!(page.contains(".TH changeportal 1"));
    for command in ["build", "check", "gate", "schema", "completions", "man"] {
        assert!(
            page.contains(&format!("changeportal\\-{command}")),
            "{command}"
        );
    }
    let gate = run(&["man", "gate"]);
    assert!(gate.contains(".TH changeportal-gate 1"), "{gate}");
    assert!(gate.contains("\\-\\-at"), "{gate}");
    let unknown = common::bin().args(["man", "nope"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
}
