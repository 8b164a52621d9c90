//! The CI recipes shipped in `docs/ci/` and `.pre-commit-hooks.yaml` work as
//! documented: the workflow files are valid YAML with the documented steps,
//! their commands run against the example portal with the real binary, and
//! the pre-commit hook runs through the `pre-commit` framework in a
//! temporary git repository.

mod common;

use common::{normal_record, tools};
use serde_yaml::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(relative: &str) -> Value {
    let text = std::fs::read_to_string(repo().join(relative)).expect("read recipe");
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{relative} is not YAML: {e}"))
}

/// PATH with the compiled binary's folder first, so recipes find
/// `changeportal`.
fn path_with_binary() -> String {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_changeportal"));
    let folder = binary
        .parent()
        .expect("bin folder")
        .to_string_lossy()
        .to_string();
    format!("{folder}:{}", std::env::var("PATH").unwrap_or_default())
}

/// Runs a recipe's shell text with bash in `dir`.
fn bash(dir: &Path, script: &str, env: &[(&str, &str)]) -> Output {
    Command::new("bash")
        .args(["-c", script])
        .current_dir(dir)
        .env("PATH", path_with_binary())
        .env("SOURCE_DATE_EPOCH", "1795478400") // 2026-11-24T00:00:00Z
        .envs(env.iter().copied())
        .output()
        .expect("run bash")
}

fn steps(job: &Value) -> &Vec<Value> {
    job["steps"].as_sequence().expect("steps")
}

fn step_running<'a>(job: &'a Value, command: &str) -> &'a Value {
    steps(job)
        .iter()
        .find(|step| {
            step["run"]
                .as_str()
                .is_some_and(|run| run.contains(command))
        })
        .unwrap_or_else(|| panic!("no step runs `{command}`"))
}

fn install_url(run: &str) -> &str {
    run.split_whitespace()
        .skip_while(|word| *word != "--git")
        .nth(1)
        .expect("cargo install --git URL")
}

#[test]
fn github_workflow_checks_uploads_sarif_and_gates_the_deploy() {
    let workflow = yaml("docs/ci/github-actions.yml");
    let check = &workflow["jobs"]["check"];
    assert_eq!(check["permissions"]["security-events"], "write");
    let install = step_running(check, "cargo install");
    assert_eq!(
        install_url(install["run"].as_str().unwrap()),
        env!("CARGO_PKG_REPOSITORY")
    );
    let run_check = step_running(check, "changeportal check");
    assert!(run_check["run"]
        .as_str()
        .unwrap()
        .contains("--format sarif > changeportal.sarif"));
    let upload = steps(check)
        .iter()
        .find(|step| {
            step["uses"]
                .as_str()
                .is_some_and(|uses| uses.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("an upload-sarif step");
    assert_eq!(upload["with"]["sarif_file"], "changeportal.sarif");
    assert_eq!(upload["if"], "always()");
    let deploy = &workflow["jobs"]["deploy"];
    assert_eq!(deploy["needs"], "check");
    let gate = step_running(deploy, "changeportal gate");
    assert_eq!(gate["env"]["CHANGE_ID"], "${{ inputs.change_id }}");

    // The steps' commands, run as the runner would, on the example portal.
    let work = tempfile::tempdir().unwrap();
    let output_file = work.path().join("github_output");
    // A copy outside git: the example's one import commit would make its
    // approvals backdated-evidence (tests/provenance.rs covers git).
    let (_copy, example) = common::site::example_copy();
    let root = example.to_string_lossy().to_string();
    let env = [
        ("PORTAL_ROOT", root.as_str()),
        ("GITHUB_OUTPUT", output_file.to_str().unwrap()),
        ("CHANGE_ID", "CHG-0044"),
    ];
    let ran = bash(work.path(), run_check["run"].as_str().unwrap(), &env);
    assert!(ran.status.success(), "{}", common::stderr(&ran));
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(work.path().join("changeportal.sarif")).unwrap(),
    )
    .expect("the step writes SARIF");
    assert_eq!(sarif["version"], "2.1.0");
    let outputs = std::fs::read_to_string(&output_file).unwrap();
    assert_eq!(
        outputs.trim(),
        "exit_code=1",
        "the example has deny-level flags"
    );
    let gated = bash(work.path(), gate["run"].as_str().unwrap(), &env);
    let decision: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("gate.json")).unwrap())
            .expect("gate.json");
    assert_eq!(decision["id"], "CHG-0044");
    assert_eq!(
        gated.status.code(),
        Some(if decision["allowed"] == true { 0 } else { 1 })
    );
}

#[test]
fn gitlab_snippet_reports_code_quality_from_the_sarif_log() {
    let pipeline = yaml("docs/ci/gitlab-ci.yml");
    let base = &pipeline[".changeportal"];
    let before: Vec<&str> = base["before_script"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(install_url(before[0]), env!("CARGO_PKG_REPOSITORY"));
    let job = &pipeline["changeportal-check"];
    assert_eq!(job["extends"], ".changeportal");
    assert_eq!(
        job["artifacts"]["reports"]["codequality"],
        "gl-code-quality-report.json"
    );
    let gate = &pipeline["changeportal-gate"];
    assert!(gate["script"][0]
        .as_str()
        .unwrap()
        .contains("changeportal gate"));
    if Command::new("jq").arg("--version").output().is_err()
        && tools::skip_external("the GitLab recipe's jq conversion")
    {
        return;
    }
    let script: Vec<&str> = job["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let work = tempfile::tempdir().unwrap();
    let root = repo().to_string_lossy().to_string();
    let ran = bash(work.path(), &script.join("\n"), &[("PORTAL_ROOT", &root)]);
    assert_eq!(ran.status.code(), Some(1), "{}", common::stderr(&ran));
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(work.path().join("gl-code-quality-report.json")).unwrap(),
    )
    .expect("code quality report");
    let issues = report.as_array().expect("an array of issues");
    assert!(!issues.is_empty());
    for issue in issues {
        assert!(issue["fingerprint"].as_str().is_some_and(|f| f.len() > 64));
        // Records, or the example's deploy log (`unrecorded-deploy`).
        assert!(issue["location"]["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("content/changes/") || p == "deploys.csv"));
        assert!(issue["location"]["lines"]["begin"].as_u64().is_some());
        assert!(matches!(
            issue["severity"].as_str(),
            Some("major" | "minor")
        ));
    }
}

fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("git");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        common::stderr(&output)
    );
}

/// `.pre-commit-config.yaml` for a portal in `portal/`: the published hook
/// as a local hook (same fields; `language: system` with the compiled
/// binary instead of pre-commit building the crate from the repository).
fn local_hook_config() -> String {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let mut hook = hooks[0].clone();
    assert_eq!(hook["id"], "changeportal-check");
    assert_eq!(hook["entry"], "changeportal check");
    hook["entry"] = format!("{} check", env!("CARGO_BIN_EXE_changeportal")).into();
    hook["language"] = "system".into();
    hook["args"] = serde_yaml::to_value(["--root", "portal", "--now=2026-06-01"]).unwrap();
    let config = serde_yaml::to_value(serde_json::json!({
        "repos": [{ "repo": "local", "hooks": [serde_json::to_value(&hook).unwrap()] }]
    }))
    .unwrap();
    serde_yaml::to_string(&config).unwrap()
}

#[test]
fn pre_commit_hook_checks_the_changed_records() {
    let probe = Command::new("pre-commit").arg("--version").output();
    if !probe.is_ok_and(|output| output.status.success()) {
        if tools::skip_external("the pre-commit hook (pre-commit)") {
            return;
        }
        panic!("pre-commit is missing: pip install -r scripts/requirements-test.txt");
    }
    let dir = tempfile::tempdir().unwrap();
    let repository = dir.path().join("repository");
    let portal = repository.join("portal");
    std::fs::create_dir_all(portal.join("content/changes/2026")).unwrap();
    std::fs::write(portal.join("portal.yaml"), common::PORTAL_YAML).unwrap();
    let clean = portal.join("content/changes/2026/CHG-0001.md");
    std::fs::write(&clean, normal_record("CHG-0001")).unwrap();
    let flagged = portal.join("content/changes/2026/CHG-0002.md");
    let self_approved = normal_record("CHG-0002").replace("by: Omar Haddad", "by: Sam Writer");
    std::fs::write(&flagged, self_approved).unwrap();
    std::fs::write(
        repository.join(".pre-commit-config.yaml"),
        local_hook_config(),
    )
    .unwrap();
    git(&repository, &["init", "-q"]);
    git(&repository, &["add", "."]);
    let run = |file: &str| {
        Command::new("pre-commit")
            .args(["run", "changeportal-check", "--files", file])
            .current_dir(&repository)
            .env("PRE_COMMIT_HOME", dir.path().join("cache"))
            .output()
            .expect("run pre-commit")
    };
    let passed = run("portal/content/changes/2026/CHG-0001.md");
    assert_eq!(passed.status.code(), Some(0), "{}", common::stdout(&passed));
    let failed = run("portal/content/changes/2026/CHG-0002.md");
    assert_eq!(failed.status.code(), Some(1), "{}", common::stdout(&failed));
    assert!(common::stdout(&failed).contains("[self-approval]"));
}
