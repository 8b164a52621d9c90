//! `serve --bind` on an address that is not loopback (SPEC section 6): only
//! the public site is served unless `--expose-internal`, build diagnostics
//! stay on the terminal, and `Host` must be an address or a localhost name.
//! Case `serve-bind-lan` (fixture in `tests/cases/serve-bind-lan/`) and its
//! family: IPv4 and IPv6 addresses, the every-interface binds `0.0.0.0` and
//! `::`, and other spellings of internal paths.
//!
//! A real non-loopback address needs a private network namespace: the test
//! runs itself again under `unshare -n` (or `-rn` where only user
//! namespaces are allowed), adds `10.99.0.1` and `fd99::1` to that
//! namespace's `lo`, and talks to serve there; no traffic leaves the
//! machine. Where `unshare` is not permitted the test says so and passes
//! without checking (the decision itself is unit-tested in
//! `src/serve/access.rs`).

mod common;
mod serve_client;

use serve_client::{get, get_with_host, Server};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Set in the copy of this test that runs inside the namespace.
const IN_NAMESPACE: &str = "CHANGEPORTAL_TEST_IN_NETNS";
const LAN_V4: &str = "10.99.0.1";
const LAN_V6: &str = "fd99::1";
/// Internal-only values of the fixture (record author, system owner).
const CANARIES: [&str; 2] = ["AUTHORCANARY", "SECRETOWNER"];

/// Internal URLs in several spellings; none may be served without the flag.
const INTERNAL_PATHS: [&str; 8] = [
    "/internal/",
    "/internal",
    "/internal/index.html",
    "/internal/changes/chg-0001.html",
    "/internal/changes/",
    "/%69nternal/changes/chg-0001.html",
    "/internal/flags/",
    "/internal/?x=1",
];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/serve-bind-lan")
}

#[test]
fn a_lan_bind_serves_only_the_public_site_unless_exposed() {
    if std::env::var_os(IN_NAMESPACE).is_some() {
        lan_binds_in_namespace();
    } else {
        run_in_private_network("a_lan_bind_serves_only_the_public_site_unless_exposed");
    }
}

#[test]
fn a_lan_bind_keeps_build_diagnostics_on_the_terminal() {
    if std::env::var_os(IN_NAMESPACE).is_some() {
        diagnostics_in_namespace();
    } else {
        run_in_private_network("a_lan_bind_keeps_build_diagnostics_on_the_terminal");
    }
}

/// Runs test `name` of this binary again inside a new network namespace.
fn run_in_private_network(name: &str) {
    let Some(flags) = ["-n", "-rn"].into_iter().find(|flags| {
        Command::new("unshare")
            .args([*flags, "--", "true"])
            .status()
            .is_ok_and(|status| status.success())
    }) else {
        eprintln!(
            "skipped: {name}: `unshare -n` and `unshare -rn` are not permitted here, \
             so no non-loopback address can be made; the rule is unit-tested in src/serve/access.rs"
        );
        return;
    };
    let test_binary = std::env::current_exe().expect("test binary");
    let output = Command::new("unshare")
        .args([flags, "--"])
        .arg(test_binary)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(IN_NAMESPACE, "1")
        .output()
        .expect("run unshare");
    assert!(
        output.status.success(),
        "the test failed inside the namespace:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("1 passed"),
        "the test did not run inside the namespace:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Brings `lo` up with the LAN addresses; returns whether IPv6 works.
fn add_lan_addresses() -> bool {
    ip(&["link", "set", "lo", "up"]);
    ip(&["addr", "add", &format!("{LAN_V4}/32"), "dev", "lo"]);
    let v6 = Command::new("ip")
        .args([
            "-6",
            "addr",
            "add",
            &format!("{LAN_V6}/128"),
            "dev",
            "lo",
            "nodad",
        ])
        .status()
        .is_ok_and(|status| status.success());
    if !v6 {
        eprintln!("note: no IPv6 in this namespace; IPv6 binds not checked");
    }
    v6
}

fn ip(args: &[&str]) {
    let status = Command::new("ip").args(args).status().expect("run ip");
    assert!(status.success(), "ip {args:?} failed");
}

/// A bind address and the address a LAN client connects to.
struct Bind {
    bind: &'static str,
    connect_to: &'static str,
}

fn binds(v6: bool) -> Vec<Bind> {
    let mut binds = vec![
        Bind {
            bind: LAN_V4,
            connect_to: LAN_V4,
        },
        Bind {
            bind: "0.0.0.0",
            connect_to: LAN_V4,
        },
    ];
    if v6 {
        binds.push(Bind {
            bind: LAN_V6,
            connect_to: "[fd99::1]",
        });
        binds.push(Bind {
            bind: "::",
            connect_to: "[fd99::1]",
        });
    }
    binds
}

fn lan_binds_in_namespace() {
    let v6 = add_lan_addresses();
    for bind in binds(v6) {
        let server = Server::start_with(&fixture(), &["--bind", bind.bind]);
        let lan = format!("{}:{}", bind.connect_to, server.port());
        assert_public_only(&server, &lan, bind.bind);
        server.stop();

        let server = Server::start_with(&fixture(), &["--bind", bind.bind, "--expose-internal"]);
        let lan = format!("{}:{}", bind.connect_to, server.port());
        assert_internal_exposed(&server, &lan, bind.bind);
        server.stop();
    }
}

fn assert_public_only(server: &Server, lan: &str, bind: &str) {
    let home = get(lan, "/");
    assert_eq!(home.status, 200, "{bind}: / {}", home.body);
    for path in INTERNAL_PATHS {
        let reply = get(lan, path);
        assert_eq!(reply.status, 404, "{bind}: {path} was served");
        for canary in CANARIES {
            assert!(
                !reply.body.contains(canary),
                "{bind}: {path} leaked {canary}"
            );
        }
    }
    let warning = server.stderr_once_it_says("--expose-internal");
    assert!(
        warning.contains("only the public site is served") && warning.contains("--expose-internal"),
        "{bind}: no warning: {warning}"
    );
    assert_host_guard(lan, bind);
}

fn assert_internal_exposed(server: &Server, lan: &str, bind: &str) {
    assert_eq!(get(lan, "/").status, 200, "{bind}");
    assert_eq!(get(lan, "/internal/").status, 200, "{bind}");
    let record = get(lan, "/internal/changes/chg-0001.html");
    assert_eq!(record.status, 200, "{bind}");
    assert!(
        record.body.contains("AUTHORCANARY"),
        "{bind}: {}",
        record.body
    );
    let warning = server.stderr_once_it_says("exposed on");
    assert!(
        warning.contains("internal audit site") && warning.contains("exposed on"),
        "{bind}: no warning: {warning}"
    );
    assert_host_guard(lan, bind);
}

/// Address literals and localhost names are answered, DNS names are not.
fn assert_host_guard(lan: &str, bind: &str) {
    assert_eq!(get_with_host(lan, "/", "localhost").status, 200, "{bind}");
    for host in ["attacker.example", "laptop.local:1111"] {
        let reply = get_with_host(lan, "/", host);
        assert_eq!(reply.status, 403, "{bind}: Host {host} was answered");
        assert!(!reply.body.contains("<html"), "{bind}: {}", reply.body);
    }
}

/// The fixture plus a record that does not parse, whose source carries a
/// canary, in a temporary folder.
fn broken_portal() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in walkdir::WalkDir::new(fixture()) {
        let entry = entry.expect("fixture entry");
        let relative = entry.path().strip_prefix(fixture()).expect("inside");
        let target = dir.path().join(relative);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
    std::fs::write(
        dir.path().join("content/changes/CHG-0002.md"),
        "---\nid: CHG-0002\ntitle: [unclosed DIAGCANARY\nauthor: DIAGCANARY\n---\nBody\n",
    )
    .expect("write broken record");
    dir
}

fn diagnostics_in_namespace() {
    add_lan_addresses();
    let portal = broken_portal();
    for (flags, shown) in [
        (&["--bind", LAN_V4][..], false),
        (&["--bind", LAN_V4, "--expose-internal"][..], true),
    ] {
        let server = Server::start_with(portal.path(), flags);
        let lan = format!("{LAN_V4}:{}", server.port());
        for path in ["/", "/changes/", "/internal/"] {
            let reply = get(&lan, path);
            let visible = reply.body.contains("CHG-0002.md") && reply.body.contains("DIAGCANARY");
            if shown {
                assert!(
                    visible,
                    "{flags:?}: {path} hides the diagnostics: {}",
                    reply.body
                );
            } else {
                assert!(
                    !reply.body.contains("DIAGCANARY") && !reply.body.contains("CHG-0002.md"),
                    "{flags:?}: {path} shows the diagnostics: {}",
                    reply.body
                );
            }
        }
        let terminal = server.stderr_once_it_says("DIAGCANARY");
        assert!(
            terminal.contains("CHG-0002.md"),
            "the terminal lacks the diagnostics: {terminal}"
        );
        server.stop();
    }
}
