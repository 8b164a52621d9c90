//! List pages: the home page and its following pages, the upcoming changes'
//! pages, the types index and one page per type.

use super::site::{PageRenderer, PageSpec};
use crate::model::record::ChangeType;
use crate::model::Timestamp;
use crate::paths::{self, public::paged_dir};
use crate::render::view::{type_label, ChangeCard, Published};
use crate::render::{OutputFile, RenderError};
use rayon::prelude::*;
use serde::Serialize;

/// Changes of one month, newest first.
#[derive(Debug, Serialize)]
struct MonthGroup<'a> {
    key: &'a str,
    label: &'a str,
    changes: Vec<ChangeCard<'a>>,
}

/// Links between the pages of a list (the home pages, a type's pages).
#[derive(Debug, Serialize)]
struct Pagination {
    current: usize,
    total: usize,
    previous: Option<String>,
    next: Option<String>,
    /// The previous page's link text (`Newer changes`).
    previous_label: &'static str,
    /// The next page's link text (`Older changes`).
    next_label: &'static str,
}

impl Pagination {
    /// Page `current` of `total` of the newest-first list at folder `base`.
    fn of(base: &str, current: usize, total: usize) -> Self {
        let path = |number| paths::index_of(&paged_dir(base, number));
        Pagination {
            current,
            total,
            previous: (current > 1).then(|| path(current - 1)),
            next: (current < total).then(|| path(current + 1)),
            previous_label: "Newer changes",
            next_label: "Older changes",
        }
    }

    /// Page `current` of `total` of the soonest-first list at `base`.
    fn soonest_first(base: &str, current: usize, total: usize) -> Self {
        Pagination {
            previous_label: "Sooner changes",
            next_label: "Later changes",
            ..Self::of(base, current, total)
        }
    }
}

/// The variables of a home page.
#[derive(Serialize)]
struct HomePage<'a> {
    /// The "Upcoming" section: on the first page only, at most `per_page`
    /// changes, soonest first.
    upcoming: &'a [ChangeCard<'a>],
    /// How many changes are upcoming in all (published ones only).
    upcoming_total: usize,
    /// The first page of every upcoming change, relative to the site root.
    upcoming_path: &'a str,
    /// Filter choices for the search script (see `static/search.js`).
    search: &'a SearchChoices,
    months: Vec<MonthGroup<'a>>,
    pagination: Pagination,
}

/// The variables of a page of the upcoming changes.
#[derive(Serialize)]
struct UpcomingPage<'a> {
    changes: &'a [ChangeCard<'a>],
    total: usize,
    pagination: Pagination,
}

/// The choices of the search form's selects: every type, and the titles of
/// the systems that published changes affect (so no choice hints at an
/// unpublished change).
#[derive(Debug, Serialize)]
pub struct SearchChoices {
    types: Vec<TypeChoice>,
    systems: Vec<String>,
}

/// A type in the search form.
#[derive(Debug, Serialize)]
struct TypeChoice {
    key: &'static str,
    label: &'static str,
}

impl SearchChoices {
    /// The choices for `published`.
    pub fn of(published: &[Published<'_>]) -> Self {
        let systems: std::collections::BTreeSet<&String> = published
            .iter()
            .flat_map(|entry| entry.change.systems.iter())
            .collect();
        SearchChoices {
            types: ChangeType::ALL
                .iter()
                .map(|&change_type| TypeChoice {
                    key: change_type.as_str(),
                    label: type_label(change_type),
                })
                .collect(),
            systems: systems.into_iter().cloned().collect(),
        }
    }
}

/// The variables of the types index.
#[derive(Serialize)]
struct TypesPage {
    types: Vec<TypeLink>,
}

/// The variables of a page of one type's changes.
#[derive(Serialize)]
struct TypePage<'a> {
    type_key: &'static str,
    type_label: &'static str,
    months: Vec<MonthGroup<'a>>,
    pagination: Pagination,
}

/// A type in the types index.
#[derive(Debug, Serialize)]
struct TypeLink {
    key: &'static str,
    label: &'static str,
    count: usize,
    path: String,
}

/// Home pages, the upcoming changes' pages, the types index and every
/// type's pages, rendered in parallel; `now` (an instant) decides the
/// "Upcoming" section, `per_page` is the number of changes per list page
/// (and the most the home page's "Upcoming" section shows). Errors: a
/// template fails.
pub fn list_pages(
    renderer: &PageRenderer<'_>,
    published: &[Published<'_>],
    now: &Timestamp,
    per_page: usize,
) -> Result<Vec<OutputFile>, RenderError> {
    let (mut upcoming, past): (Vec<&Published<'_>>, Vec<&Published<'_>>) =
        published.iter().partition(|entry| entry.is_upcoming(now));
    upcoming.sort_by(|a, b| {
        a.upcoming_start()
            .cmp(&b.upcoming_start())
            .then_with(|| a.change.slug.cmp(&b.change.slug))
    });
    let upcoming: Vec<ChangeCard<'_>> = upcoming.iter().map(|entry| entry.change.card()).collect();
    let search = SearchChoices::of(published);
    let lists = Lists {
        upcoming: &upcoming,
        past: &past,
        search: &search,
        per_page,
    };
    let ((home, soon), types) = rayon::join(
        || {
            rayon::join(
                || home_pages(renderer, &lists),
                || upcoming_pages(renderer, &lists),
            )
        },
        || type_pages(renderer, published, per_page),
    );
    let mut files = home?;
    files.extend(soon?);
    files.extend(types?);
    Ok(files)
}

/// What the home and upcoming pages are cut from.
struct Lists<'l, 'a> {
    /// Every upcoming change, soonest first.
    upcoming: &'l [ChangeCard<'a>],
    /// Every other published change, newest first.
    past: &'l [&'l Published<'a>],
    search: &'l SearchChoices,
    per_page: usize,
}

/// `index.html`, `page/2/index.html`...: the "Upcoming" section (at most
/// `per_page` changes, with a link to [`upcoming_pages`]) on the first
/// page, then every other change grouped by month, `per_page` per page.
fn home_pages(
    renderer: &PageRenderer<'_>,
    lists: &Lists<'_, '_>,
) -> Result<Vec<OutputFile>, RenderError> {
    let per_page = lists.per_page.max(1);
    let upcoming = &lists.upcoming[..lists.upcoming.len().min(per_page)];
    let upcoming_path = paths::index_of(&paths::public::upcoming_dir());
    let chunks = pages_of(lists.past, per_page);
    let total = chunks.len();
    chunks
        .par_iter()
        .enumerate()
        .map(|(index, chunk)| {
            let number = index + 1;
            let title = paged_title("Latest changes", number);
            let spec = PageSpec {
                template: "public/index.html",
                dir: paged_dir("", number),
                title: &title,
                section: "home",
            };
            let page = HomePage {
                upcoming: if number == 1 { upcoming } else { &[] },
                upcoming_total: lists.upcoming.len(),
                upcoming_path: &upcoming_path,
                search: lists.search,
                months: by_month(chunk.iter().copied()),
                pagination: Pagination::of("", number, total),
            };
            renderer.page(spec, &page)
        })
        .collect()
}

/// The title of page `number` (1-based) of a list called `label`: the label
/// alone on the first page, `<label>, page <number>` after it.
fn paged_title(label: &str, number: usize) -> String {
    if number == 1 {
        label.to_string()
    } else {
        format!("{label}, page {number}")
    }
}

/// `upcoming/index.html`, `upcoming/page/2/index.html`...: every upcoming
/// change, soonest first, `per_page` per page (one empty page when there
/// is none).
fn upcoming_pages(
    renderer: &PageRenderer<'_>,
    lists: &Lists<'_, '_>,
) -> Result<Vec<OutputFile>, RenderError> {
    let base = paths::public::upcoming_dir();
    let chunks = pages_of(lists.upcoming, lists.per_page);
    let total = chunks.len();
    chunks
        .par_iter()
        .enumerate()
        .map(|(index, chunk)| {
            let number = index + 1;
            let title = paged_title("Upcoming changes", number);
            let spec = PageSpec {
                template: "public/upcoming.html",
                dir: paged_dir(&base, number),
                title: &title,
                section: "home",
            };
            let page = UpcomingPage {
                changes: chunk,
                total: lists.upcoming.len(),
                pagination: Pagination::soonest_first(&base, number, total),
            };
            renderer.page(spec, &page)
        })
        .collect()
}

/// `types/index.html`, and `types/<type>/index.html` (then
/// `types/<type>/page/<n>/index.html`, `per_page` changes each) for every
/// type, even those without changes yet.
fn type_pages(
    renderer: &PageRenderer<'_>,
    published: &[Published<'_>],
    per_page: usize,
) -> Result<Vec<OutputFile>, RenderError> {
    let of_type = |change_type: ChangeType| {
        published
            .iter()
            .filter(move |entry| entry.change_type() == change_type)
    };
    let links: Vec<TypeLink> = ChangeType::ALL
        .iter()
        .map(|&change_type| TypeLink {
            key: change_type.as_str(),
            label: type_label(change_type),
            count: of_type(change_type).count(),
            path: paths::index_of(&paths::public::type_dir(change_type.as_str())),
        })
        .collect();
    let index = renderer.page(
        PageSpec {
            template: "public/types.html",
            dir: paths::public::types_dir(),
            title: "Changes by type",
            section: "types",
        },
        &TypesPage { types: links },
    )?;
    let pages: Vec<(ChangeType, usize, usize, Vec<&Published<'_>>)> = ChangeType::ALL
        .iter()
        .flat_map(|&change_type| {
            let entries: Vec<&Published<'_>> = of_type(change_type).collect();
            let chunks: Vec<Vec<&Published<'_>>> = pages_of(&entries, per_page)
                .into_iter()
                .map(<[_]>::to_vec)
                .collect();
            let total = chunks.len();
            chunks
                .into_iter()
                .enumerate()
                .map(move |(index, chunk)| (change_type, index + 1, total, chunk))
        })
        .collect();
    let mut files: Vec<OutputFile> = pages
        .par_iter()
        .map(|(change_type, number, total, chunk)| {
            let base = paths::public::type_dir(change_type.as_str());
            let label = type_label(*change_type);
            let title = paged_title(label, *number);
            let spec = PageSpec {
                template: "public/type.html",
                dir: paged_dir(&base, *number),
                title: &title,
                section: "types",
            };
            let page = TypePage {
                type_key: change_type.as_str(),
                type_label: label,
                months: by_month(chunk.iter().copied()),
                pagination: Pagination::of(&base, *number, *total),
            };
            renderer.page(spec, &page)
        })
        .collect::<Result<_, _>>()?;
    files.push(index);
    Ok(files)
}

/// `entries` cut into pages of `per_page`; an empty list is one empty page.
fn pages_of<T>(entries: &[T], per_page: usize) -> Vec<&[T]> {
    if entries.is_empty() {
        vec![&[]]
    } else {
        entries.chunks(per_page.max(1)).collect()
    }
}

/// Groups consecutive changes (already sorted newest first) by month.
fn by_month<'a>(entries: impl Iterator<Item = &'a Published<'a>>) -> Vec<MonthGroup<'a>> {
    let mut groups: Vec<MonthGroup<'a>> = Vec::new();
    for entry in entries {
        let change = &entry.change;
        match groups.last_mut() {
            Some(group) if group.key == change.month => group.changes.push(change.card()),
            _ => groups.push(MonthGroup {
                key: &change.month,
                label: &change.month_label,
                changes: vec![change.card()],
            }),
        }
    }
    groups
}
