//! Where each output comes from (SPEC section 5): the paths both sites
//! generate, and the check that no two sources share one output path.
//!
//! Every output file has exactly one source: the build itself (pages, feeds,
//! sitemaps, exports: [`generated`]), the theme (its assets, which a file of
//! the same path under `templates/` replaces, as intended), a file under
//! `static/` (copied into both sites), or an extra page
//! `content/pages/<slug>.md` (published at `<slug>/index.html`, see
//! [`paths::public::extra_page_dir`]). Two sources claiming one path, or one
//! claiming a file where another needs a folder (`feed.xml` and
//! `feed.xml/index.html`), is a clash: `check` reports it and `build` writes nothing. A folder the build owns
//! (`changes/`, `feeds/`, ...) takes nothing from `static/` or the pages, so
//! new feed and page names inside it can never clash later. A `static/` file
//! may not replace a theme asset: that is what `templates/` is for.

use crate::paths;
use include_dir::{include_dir, Dir};
use std::collections::BTreeMap;
use std::collections::HashMap;

/// One of the two sites of a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Site {
    /// `out/public/`.
    Public,
    /// `out/internal/`.
    Internal,
}

impl Site {
    /// Both sites.
    pub const ALL: [Site; 2] = [Site::Public, Site::Internal];

    /// The site's folder name under `--out` (and in the theme).
    pub fn name(self) -> &'static str {
        match self {
            Site::Public => "public",
            Site::Internal => "internal",
        }
    }
}

/// Who wants a path written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The build itself.
    Generated,
    /// A theme asset: the embedded theme's file (e.g. `public/static/style.css`)
    /// or the `templates/` file that replaces or adds it.
    Theme(String),
    /// A portal file: `static/...` or `content/pages/<slug>.md`.
    Source(String),
}

impl Origin {
    /// Whether the portal's author wrote it (and so can rename it).
    fn is_portal_file(&self) -> bool {
        match self {
            Origin::Generated => false,
            Origin::Theme(file) => file.starts_with("templates/"),
            Origin::Source(_) => true,
        }
    }

    /// The portal file to report a clash at.
    fn file(&self) -> Option<&str> {
        match self {
            Origin::Theme(file) | Origin::Source(file) if self.is_portal_file() => Some(file),
            _ => None,
        }
    }
}

/// A path some source wants in a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The site it goes to.
    pub site: Site,
    /// Path relative to the site root, `/`-separated, e.g. `about/index.html`.
    pub path: String,
    /// True for a folder the build owns as a whole (nothing else may go in it).
    pub folder: bool,
    /// Who wants it.
    pub origin: Origin,
}

impl Claim {
    /// A file `path` of `site` wanted by `origin`.
    pub fn file(site: Site, path: impl Into<String>, origin: Origin) -> Self {
        Self {
            site,
            path: path.into(),
            folder: false,
            origin,
        }
    }

    /// How a clash message names this claim.
    fn describe(&self) -> String {
        let site = self.site.name();
        match &self.origin {
            Origin::Generated if self.folder => {
                format!(
                    "the {site} site's `{}/` folder, which the build generates",
                    self.path
                )
            }
            Origin::Generated => format!("`{}`, which the build generates", self.path),
            Origin::Theme(file) if !self.origin.is_portal_file() => {
                format!("the theme's `{}` (theme file `{file}`)", self.path)
            }
            Origin::Theme(file) | Origin::Source(file) => {
                format!("`{}` from `{file}`", self.path)
            }
        }
    }
}

/// The output claims of the extra page `file` (e.g. `content/pages/about.md`)
/// with `slug`.
pub fn page_claim(file: &str, slug: &str) -> Claim {
    Claim::file(
        Site::Public,
        paths::index_of(&paths::public::extra_page_dir(slug)),
        Origin::Source(file.to_string()),
    )
}

/// The output claims of `static/<relative>`: the same path in both sites.
pub fn static_claims(relative: &str) -> Vec<Claim> {
    Site::ALL
        .iter()
        .map(|site| {
            Claim::file(
                *site,
                relative,
                Origin::Source(format!("static/{relative}")),
            )
        })
        .collect()
}

/// Every path the build generates (theme assets aside): exact files and the
/// folders it owns, for both sites, as [`crate::paths`] lists them
/// (`public::FILES`, `public::FOLDERS`, `internal::FILES`,
/// `internal::FOLDERS`).
pub fn generated() -> Vec<Claim> {
    let sets = [
        (Site::Public, paths::public::FILES, false),
        (Site::Public, paths::public::FOLDERS, true),
        (Site::Internal, paths::internal::FILES, false),
        (Site::Internal, paths::internal::FOLDERS, true),
    ];
    sets.iter()
        .flat_map(|(site, paths, folder)| {
            paths.iter().map(move |path| Claim {
                site: *site,
                path: (*path).to_string(),
                folder: *folder,
                origin: Origin::Generated,
            })
        })
        .collect()
}

/// Whether `path` of `site` is generated by the build (an exact file or
/// inside a folder it owns). The drift test checks every rendered path
/// against this.
pub fn is_generated(site: Site, path: &str) -> bool {
    generated().iter().any(|claim| {
        claim.site == site
            && (claim.path == path
                || (claim.folder && path.starts_with(&format!("{}/", claim.path))))
    })
}

/// A portal file whose output path is taken by another source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    /// The portal file to report it at (relative to the portal root).
    pub file: String,
    /// What to tell its author: both paths and how to fix it.
    pub message: String,
}

/// Finds every clash among `claims`: two claims of one site with the same
/// path, one claim's path inside a folder the build owns, or one claim's
/// file path being a parent folder of another's. Claims are taken in order
/// (give the build's and the theme's first); each clash is reported at the
/// later claim's portal file (else the earlier's), once per file. A clash
/// between two theme files of the build itself is not reported (never
/// happens with a consistent theme); the writer refuses it anyway.
pub fn clashes(claims: &[Claim]) -> Vec<Clash> {
    let mut taken = Taken::default();
    let mut found: Vec<Clash> = Vec::new();
    for (index, claim) in claims.iter().enumerate() {
        match taken.conflict(claims, index) {
            Some(other) => {
                let Some(file) = claim.origin.file().or_else(|| other.origin.file()) else {
                    continue;
                };
                if found.iter().all(|clash| clash.file != file) {
                    found.push(Clash {
                        file: file.to_string(),
                        message: clash_message(claim, other),
                    });
                }
            }
            None => taken.insert(claims, index),
        }
    }
    found
}

/// Paths claimed so far, per site.
#[derive(Default)]
struct Taken {
    /// Exact paths (files and owned folders) -> claim index.
    exact: HashMap<(Site, String), usize>,
    /// Folders some claimed file lies in -> the first such claim's index.
    parents: HashMap<(Site, String), usize>,
}

impl Taken {
    /// The earlier claim that claim `index` conflicts with, if any.
    fn conflict<'c>(&self, claims: &'c [Claim], index: usize) -> Option<&'c Claim> {
        let claim = &claims[index];
        let key = |path: &str| (claim.site, path.to_string());
        let hit = self
            .exact
            .get(&key(&claim.path))
            .or_else(|| self.parents.get(&key(&claim.path)))
            .or_else(|| {
                parent_folders(&claim.path).find_map(|folder| self.exact.get(&key(folder)))
            })?;
        claims.get(*hit)
    }

    fn insert(&mut self, claims: &[Claim], index: usize) {
        let claim = &claims[index];
        self.exact.insert((claim.site, claim.path.clone()), index);
        for folder in parent_folders(&claim.path) {
            self.parents
                .entry((claim.site, folder.to_string()))
                .or_insert(index);
        }
    }
}

/// `a/b/c.html` gives `a`, `a/b`.
fn parent_folders(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(end, _)| &path[..end])
}

fn clash_message(claim: &Claim, other: &Claim) -> String {
    let (mine, theirs) = if claim.origin.is_portal_file() {
        (claim, other)
    } else {
        (other, claim)
    };
    let site = mine.site.name();
    format!(
        "{} would be published at `{}` in the {site} site, which clashes with {}: \
         one output path, two sources",
        mine.origin.file().unwrap_or_default(),
        mine.path,
        theirs.describe()
    )
}

/// The built-in theme `default` (SPEC section 1), embedded in the binary:
/// Tera templates and the assets copied into each site.
pub static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// The portal folder whose files override the theme's.
pub const TEMPLATES_FOLDER: &str = "templates";

/// The portal folder copied as-is into both sites.
pub const STATIC_FOLDER: &str = "static";

/// Whether the theme file `path` is a Tera template (else an asset copied
/// to the same path in its site).
pub fn is_template(path: &str) -> bool {
    path.ends_with(".html") || path.ends_with(".xml")
}

/// Every file of the embedded theme folder `dir`: path (`public/base.html`)
/// and contents.
pub fn embedded_files(dir: &'static Dir<'static>) -> Vec<(String, &'static [u8])> {
    let mut files: Vec<(String, &'static [u8])> = dir
        .files()
        .map(|file| {
            let path = file.path().to_string_lossy().replace('\\', "/");
            (path, file.contents())
        })
        .collect();
    for sub in dir.dirs() {
        files.extend(embedded_files(sub));
    }
    files
}

/// The output paths of the theme's assets (SPEC 1, 5): those of the
/// embedded theme, each replaced by the file of the same path under
/// `templates/` when there is one, plus the other assets under
/// `templates/public/` and `templates/internal/`. `template_files` are the
/// paths of the files under `templates/`, relative to it (`public/x.png`).
pub fn asset_claims(template_files: &[String]) -> Vec<Claim> {
    let mut assets: BTreeMap<String, String> = embedded_files(&DEFAULT_THEME)
        .into_iter()
        .map(|(path, _)| (path.clone(), path))
        .collect();
    for path in template_files {
        assets.insert(path.clone(), format!("{TEMPLATES_FOLDER}/{path}"));
    }
    assets
        .into_iter()
        .filter(|(path, _)| !is_template(path))
        .filter_map(|(path, file)| {
            Site::ALL.iter().find_map(|site| {
                let relative = path.strip_prefix(&format!("{}/", site.name()))?;
                Some(Claim::file(*site, relative, Origin::Theme(file.clone())))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(clashes: &[Clash]) -> Vec<&str> {
        clashes.iter().map(|clash| clash.file.as_str()).collect()
    }

    #[test]
    fn a_page_named_like_a_generated_file_clashes() {
        let mut claims = generated();
        claims.push(page_claim("content/pages/feed.xml.md", "feed.xml"));
        claims.push(page_claim("content/pages/about.md", "about"));
        let found = clashes(&claims);
        assert_eq!(files(&found), ["content/pages/feed.xml.md"]);
        assert!(found[0]
            .message
            .contains("`feed.xml`, which the build generates"));
    }

    #[test]
    fn static_files_clash_with_owned_folders_generated_files_and_pages() {
        let mut claims = generated();
        claims.push(Claim::file(
            Site::Public,
            "static/style.css",
            Origin::Theme("public/static/style.css".to_string()),
        ));
        claims.push(page_claim("content/pages/about.md", "about"));
        for relative in [
            "about/index.html",
            "changes/m1/index.html",
            "export/changes.csv",
            "robots.txt",
            "static/style.css",
            "feeds",
            "logo.png",
            "static/logo.png",
        ] {
            claims.extend(static_claims(relative));
        }
        let found = clashes(&claims);
        assert_eq!(
            files(&found),
            [
                "static/about/index.html",
                "static/changes/m1/index.html",
                "static/export/changes.csv",
                "static/robots.txt",
                "static/static/style.css",
                "static/feeds",
            ]
        );
        assert!(found[0].message.contains("content/pages/about.md"));
    }

    #[test]
    fn a_templates_asset_may_replace_a_theme_asset_only() {
        let claims = [
            generated(),
            vec![
                Claim::file(
                    Site::Public,
                    "static/style.css",
                    Origin::Theme("templates/public/static/style.css".to_string()),
                ),
                Claim::file(
                    Site::Public,
                    "feed.json",
                    Origin::Theme("templates/public/feed.json".to_string()),
                ),
            ],
        ]
        .concat();
        assert_eq!(files(&clashes(&claims)), ["templates/public/feed.json"]);
    }

    #[test]
    fn generated_paths_cover_owned_folders() {
        assert!(is_generated(Site::Public, "feeds/systems/api.atom"));
        assert!(is_generated(Site::Public, "feed.xml"));
        assert!(!is_generated(Site::Public, "feed.xml/index.html"));
        assert!(!is_generated(Site::Public, "about/index.html"));
        assert!(is_generated(Site::Internal, "export/manifest.json"));
    }
}
