//! `verify MANIFEST` (SPEC 6): exit 0 on an unchanged portal; exit 1 naming
//! exactly the record changed by one byte, deleted or added; exit 2 for a
//! manifest that cannot be read. The manifest of `export --manifest` is the
//! site's `export/manifest.json` for the same period and "now".

mod common;

use common::{normal_record, stderr, stdout, TempPortal};

const NOW: &str = "2026-06-01";

fn portal() -> TempPortal {
    let portal = TempPortal::new();
    for n in 1..=4 {
        portal.record(
            &format!("2026/chg-{n}.md"),
            &normal_record(&format!("CHG-{n}")),
        );
    }
    // Never deployed: not part of the population, so not in the manifest.
    let proposed = normal_record("CHG-9")
        .replace("status: deployed", "status: proposed")
        .replace("deployed: 2026-03-01T10:30:00Z\n", "");
    portal.record("2026/chg-9.md", &proposed);
    portal
}

/// Writes the manifest of all dates to `manifest.json` beside the portal.
fn manifest(portal: &TempPortal) -> std::path::PathBuf {
    let path = portal.root().join("manifest.json");
    let output = portal.run(&["export", "--now", NOW, "--manifest", path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    path
}

fn verify(portal: &TempPortal, manifest: &std::path::Path) -> (Option<i32>, String) {
    let output = portal.run(&["verify", manifest.to_str().unwrap()]);
    (output.status.code(), stdout(&output))
}

#[test]
fn an_unchanged_portal_verifies_and_the_manifest_is_the_sites() {
    let portal = portal();
    let path = manifest(&portal);
    let (code, out) = verify(&portal, &path);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("verified: 4 record(s)"), "{out}");

    let text = std::fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["generated_at"], "2026-06-01T00:00:00Z");
    assert_eq!(json["count"], 4);
    let records = json["records"].as_array().unwrap();
    assert_eq!(records[0]["id"], "CHG-1");
    assert_eq!(records[0]["path"], "content/changes/2026/chg-1.md");
    let bytes = std::fs::read(portal.root().join("content/changes/2026/chg-1.md")).unwrap();
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(records[0]["sha256"], digest.as_str());
    assert_eq!(json["population_sha256"].as_str().unwrap().len(), 64);

    let out = portal.root().join("out");
    let built = portal.run(&["build", "--now", NOW, "--out", out.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));
    let site = std::fs::read_to_string(out.join("internal/export/manifest.json")).unwrap();
    assert_eq!(site, text, "export --manifest writes the site's manifest");
}

#[test]
fn one_changed_byte_is_named() {
    let portal = portal();
    let path = manifest(&portal);
    let file = portal.root().join("content/changes/2026/chg-2.md");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("Load tested.", "Load tested!");
    std::fs::write(&file, text).unwrap();
    let (code, out) = verify(&portal, &path);
    assert_eq!(code, Some(1));
    assert_eq!(out, "changed CHG-2 content/changes/2026/chg-2.md\n");
}

#[test]
fn a_deleted_record_is_named() {
    let portal = portal();
    let path = manifest(&portal);
    std::fs::remove_file(portal.root().join("content/changes/2026/chg-3.md")).unwrap();
    let (code, out) = verify(&portal, &path);
    assert_eq!(code, Some(1));
    assert_eq!(out, "removed CHG-3 content/changes/2026/chg-3.md\n");
}

#[test]
fn an_added_record_is_named() {
    let portal = portal();
    let path = manifest(&portal);
    portal.record("2026/chg-5.md", &normal_record("CHG-5"));
    let (code, out) = verify(&portal, &path);
    assert_eq!(code, Some(1));
    assert_eq!(out, "added CHG-5 content/changes/2026/chg-5.md\n");
}

#[test]
fn records_outside_the_population_do_not_matter_but_config_changes_do() {
    let portal = portal();
    let path = manifest(&portal);
    std::fs::remove_file(portal.root().join("content/changes/2026/chg-9.md")).unwrap();
    assert_eq!(
        verify(&portal, &path).0,
        Some(0),
        "CHG-9 was never deployed"
    );

    // A stricter rule in portal.yaml changes every record's exported flags,
    // not their files: the population is named.
    let config = std::fs::read_to_string(portal.root().join("portal.yaml")).unwrap();
    let stricter = config.replace("normal: { min: 2,", "normal: { min: 3,");
    assert_ne!(stricter, config);
    std::fs::write(portal.root().join("portal.yaml"), stricter).unwrap();
    let (code, out) = verify(&portal, &path);
    assert_eq!(code, Some(1));
    assert!(out.starts_with("population "), "{out}");
    assert!(
        out.contains("the record files match but their export differs"),
        "{out}"
    );
}

#[test]
fn an_unreadable_manifest_is_a_usage_error() {
    let portal = portal();
    let missing = portal.root().join("nope.json");
    assert_eq!(verify(&portal, &missing).0, Some(2));
    let garbage = portal.write("garbage.json", b"{\"records\": 3}");
    let output = portal.run(&["verify", garbage.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is not a manifest"),
        "{}",
        stderr(&output)
    );
}
