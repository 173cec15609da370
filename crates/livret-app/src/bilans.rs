//! The teacher's end-of-cycle bilans and the LSU file (import with a dry-run preview and a
//! confirmation, export as a download). Each action is one call of the `livret` API
//! (`Device::cycle`, `Device::import_lsu`, `Device::export_lsu`); a refused one shows the API's
//! message and has written nothing.

use std::sync::Arc;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Form;
use livret::core::vocab::{SocleComponent, SocleLevel};
use livret::core::{Lang, LivretId, Localized};
use livret::{EntryContent, EntryText};
use maud::{html, Markup};
use serde::Deserialize;

use crate::common::{error_box, notice, resolve, Page};
use crate::i18n;
use crate::state::AppState;

/// The cycles with a bilan de fin de cycle.
const CYCLES: [u8; 3] = [2, 3, 4];

fn current_year(state: &AppState) -> u16 {
    let now = state.device().now();
    livret::core::vocab::Date::from_unix_seconds(now)
        .ok()
        .and_then(|d| livret::core::vocab::Millesime::of_date(d).ok())
        .map(livret::core::vocab::Millesime::year)
        .unwrap_or(2025)
}

/// The level's words (the official scale).
fn level_label(lang: Lang, level: SocleLevel) -> &'static str {
    match (lang, level.value()) {
        (Lang::Fr, _) => level.label(),
        (Lang::En, 0) => "Exempted",
        (Lang::En, 1) => "Insufficient command",
        (Lang::En, 2) => "Fragile command",
        (Lang::En, 3) => "Satisfactory command",
        (Lang::En, _) => "Very good command",
    }
}

#[derive(Deserialize, Default)]
pub struct CycleQuery {
    #[serde(default)]
    cycle: Option<u8>,
    #[serde(default)]
    year: Option<u16>,
}

/// What the form shows: the levels by component code and the synthesis.
#[derive(Default)]
struct CycleValues {
    levels: std::collections::HashMap<String, String>,
    synthesis: String,
}

/// The bilan of that cycle and year this device holds for the pupil, if any.
fn stored_cycle(state: &AppState, livret: LivretId, cycle: u8, year: u16) -> CycleValues {
    let mut out = CycleValues::default();
    let Ok(view) = state.device().show(livret) else {
        return out;
    };
    for e in view.sections.iter().flat_map(|s| &s.entries) {
        let Some(EntryContent::Cycle {
            cycle: c,
            year: y,
            levels,
            synthesis,
            ..
        }) = &e.content
        else {
            continue;
        };
        if *c != cycle || *y != year {
            continue;
        }
        for (component, level) in SocleComponent::ALL.iter().zip(levels) {
            out.levels
                .insert(component.code().to_string(), level.to_string());
        }
        // A teacher's copy never has a withheld text (only a jury's extract does).
        if let EntryText::Text(t) = synthesis {
            out.synthesis = t.clone();
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn cycle_page(
    page: &Page,
    state: &AppState,
    livret: LivretId,
    cycle: u8,
    year: u16,
    values: &CycleValues,
    error: Option<&str>,
    done: Option<&str>,
) -> Response {
    let s = page.s;
    let name = state
        .device()
        .list()
        .ok()
        .and_then(|l| l.into_iter().find(|x| x.livret_id == livret.to_string()))
        .and_then(|x| x.name)
        .unwrap_or_else(|| "?".into());
    let title = format!("{} — {name}", s.cycle_title);
    let count = values.synthesis.chars().count();
    let body = html! {
        h1 { (title) }
        @if let Some(d) = done { (notice(d)) }
        @if let Some(e) = error { (error_box(s, e)) }
        form.stack method="get" action={ "/livrets/" (livret) "/cycle" } {
            label for="cycle-choice" { (s.cycle_word) }
            select #cycle-choice name="cycle" {
                @for c in CYCLES { option value=(c) selected[c == cycle] { (s.cycle_word) " " (c) } }
            }
            label for="cycle-year" { (s.year) }
            input #cycle-year type="number" name="year" min="2000" max="2100" value=(year);
            button type="submit" { (s.cycle_open) }
        }
        form.stack #cycle-form method="post" action={ "/livrets/" (livret) "/cycle" } {
            (page.csrf_field())
            input type="hidden" name="cycle" value=(cycle);
            input type="hidden" name="year" value=(year);
            fieldset {
                legend { (s.cycle_components) " — " (s.cycle_word) " " (cycle) ", " (year) "-" (year + 1) }
                @for (i, c) in SocleComponent::ALL.iter().enumerate() {
                    @let field = format!("level.{}", c.code());
                    @let current = values.levels.get(c.code()).cloned().unwrap_or_default();
                    div.field {
                        label for={ "comp" (i) } { (c.label()) }
                        select id={ "comp" (i) } name=(field) {
                            option value="" selected[current.is_empty()] { (s.level_none) }
                            @for l in SocleLevel::ALL {
                                @let v = l.value().to_string();
                                option value=(v) selected[current == v] { (l.value()) " — " (level_label(page.lang, *l)) }
                            }
                        }
                    }
                }
            }
            label for="cycle-synthesis" { (s.synthesis) }
            textarea #cycle-synthesis name="synthesis" rows="6" maxlength="1500" data-max="1500"
                aria-describedby="cycle-synthesis.count" { (values.synthesis) }
            span.count #"cycle-synthesis.count" aria-live="off" { (count) " / 1500" }
            button.primary type="submit" { (s.sign_save) }
        }
        p { a href={ "/livrets/" (livret) } { (s.back_to_livret) } }
    };
    page.render_form(error.is_some(), &title, body)
}

/// `GET /livrets/{id}/cycle?cycle=…&year=…`: the bilan de fin de cycle of a pupil.
pub async fn cycle_form(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<CycleQuery>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let cycle = q.cycle.unwrap_or(4);
    let year = q.year.unwrap_or_else(|| current_year(&state));
    let values = stored_cycle(&state, livret, cycle, year);
    cycle_page(&page, &state, livret, cycle, year, &values, None, None)
}

/// `POST /livrets/{id}/cycle`: signs and stores the bilan (`Device::cycle`).
pub async fn cycle_save(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let cycle: u8 = get("cycle").parse().unwrap_or(0);
    // A year that is not a number is 0, which the API refuses (never another year).
    let year: u16 = get("year").parse().unwrap_or(0);
    // The form's levels as the API reads them: `CODE=LEVEL,…` (the API checks them).
    let mut values = CycleValues::default();
    let mut levels = Vec::new();
    for c in SocleComponent::ALL {
        let v = get(&format!("level.{}", c.code()));
        if !v.is_empty() {
            levels.push(format!("{}={v}", c.code()));
        }
        values.levels.insert(c.code().to_string(), v);
    }
    values.synthesis = form
        .iter()
        .find(|(n, _)| n == "synthesis")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let result = state
        .device()
        .cycle(livret, cycle, year, &levels.join(","), &values.synthesis);
    match result {
        Ok(_) => cycle_page(
            &page,
            &state,
            livret,
            cycle,
            year,
            &values,
            None,
            Some(page.s.cycle_saved),
        ),
        Err(e) => cycle_page(
            &page,
            &state,
            livret,
            cycle,
            year,
            &values,
            Some(&e.localized(page.lang)),
            None,
        ),
    }
}

// ---- LSU ---------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct LsuExportQuery {
    #[serde(default)]
    year: Option<u16>,
    #[serde(default)]
    period: String,
}

/// `GET /classes/{class}/lsu.xml?year=…&period=…`: the LSU file of the class, downloaded.
pub async fn lsu_export(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(class): Path<String>,
    Query(q): Query<LsuExportQuery>,
) -> Response {
    let year = q.year.unwrap_or_else(|| current_year(&state));
    let result = state.device().export_lsu(&class, year, &q.period);
    match result {
        Ok(out) => {
            let safe: String = class
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            let disposition = format!("attachment; filename=\"lsu-{safe}-{year}.xml\"");
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/xml; charset=utf-8".to_string(),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                out.xml,
            )
                .into_response()
        }
        Err(e) => page.api_error(&e),
    }
}

fn status_word(lang: Lang, status: &str) -> String {
    match (lang, status) {
        (Lang::Fr, "written") => "écrit".into(),
        (Lang::Fr, "would-write") => "serait écrit".into(),
        (Lang::Fr, "invalid") => "refusé".into(),
        (Lang::Fr, "unmatched") => "aucun livret".into(),
        (Lang::En, "would-write") => "would be written".into(),
        (Lang::En, "unmatched") => "no livret".into(),
        (Lang::En, "invalid") => "refused".into(),
        (_, other) => other.to_string(),
    }
}

fn report_table(page: &Page, report: &livret::lsu::ImportReport) -> Markup {
    let s = page.s;
    html! {
        div.scroll {
            table #lsu-report {
                caption { (s.lsu_report) }
                thead { tr {
                    th scope="col" { (s.pupil) }
                    th scope="col" { (s.class_word) }
                    th scope="col" { (s.lsu_match) }
                    th scope="col" { (s.state) }
                    th scope="col" { (s.lsu_entries) }
                } }
                tbody {
                    @for p in &report.pupils {
                        tr {
                            th scope="row" { (p.name) }
                            td { (p.division) }
                            td { (p.matched_by) }
                            td {
                                (status_word(page.lang, &p.status))
                                @if let Some(r) = &p.reason { " — " (r) }
                            }
                            td { (p.entries.len()) }
                        }
                    }
                }
            }
        }
        @if !report.ignored.is_empty() {
            ul { @for i in &report.ignored { li { (i) } } }
        }
        (found_school_ids(page, report))
    }
}

/// The school identifiers the file carries: recorded, the same, or different from the one
/// recorded, which the import kept; a button replaces it (`POST /lsu/school`).
fn found_school_ids(page: &Page, report: &livret::lsu::ImportReport) -> Markup {
    use livret::lsu::{FoundStatus, SchoolIdField};
    let s = page.s;
    let class = report
        .pupils
        .first()
        .map(|p| p.division.as_str())
        .unwrap_or("");
    html! {
        @if !report.school_ids.is_empty() {
            h2 { (s.lsu_found_ids) }
            ul #lsu-school-ids {
                @for f in &report.school_ids {
                    li {
                        (f.field.localized(page.lang)) " : " strong { (f.found) } " — "
                        @match f.status {
                            FoundStatus::Recorded if report.dry_run => { (s.lsu_id_would_record) }
                            FoundStatus::Recorded => { (s.lsu_id_recorded) }
                            FoundStatus::Same => { (s.lsu_id_same) }
                            FoundStatus::Differs => {
                                (s.lsu_id_differs) " " (f.recorded.as_deref().unwrap_or(""))
                                form.inline method="post" action="/lsu/school" {
                                    (page.csrf_field())
                                    input type="hidden" name="class" value=(class);
                                    @let name = match f.field {
                                        SchoolIdField::Uai => "uai",
                                        SchoolIdField::Head => "head",
                                        SchoolIdField::IdSts => "id_sts",
                                    };
                                    input type="hidden" name=(name) value=(f.found);
                                    button type="submit" { (s.lsu_id_replace) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /lsu/import?csrf=…` (multipart `file`): the dry run, and a form to confirm it.
pub async fn lsu_import(
    page: Page,
    State(state): State<Arc<AppState>>,
    mut multipart: Multipart,
) -> Response {
    let mut xml: Option<String> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or("").to_string();
        let Ok(bytes) = field.bytes().await else {
            break;
        };
        if name == "file" {
            xml = Some(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    let s = page.s;
    let Some(xml) = xml.filter(|x| !x.trim().is_empty()) else {
        return lsu_result(&page, None, Some(s.lsu_no_file), None);
    };
    let report = state.device().import_lsu(&xml, true);
    match report {
        Ok(report) => {
            let token = state.keep_lsu(xml);
            lsu_result(&page, Some((&report, Some(token))), None, None)
        }
        Err(e) => lsu_result(&page, None, Some(&e.localized(page.lang)), None),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pending: String,
}

/// `POST /lsu/confirm`: imports the file previewed (kept in memory under its token).
pub async fn lsu_confirm(
    page: Page,
    State(state): State<Arc<AppState>>,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let Some(xml) = state.take_lsu(&form.pending) else {
        return lsu_result(&page, None, Some(page.s.lsu_expired), None);
    };
    let report = state.device().import_lsu(&xml, false);
    match report {
        Ok(report) => {
            let written: usize = report
                .pupils
                .iter()
                .filter(|p| p.status == "written")
                .map(|p| p.entries.len())
                .sum();
            let done = i18n::saved(page.lang, written);
            lsu_result(&page, Some((&report, None)), None, Some(&done))
        }
        Err(e) => lsu_result(&page, None, Some(&e.localized(page.lang)), None),
    }
}

type Shown<'a> = (&'a livret::lsu::ImportReport, Option<String>);

fn lsu_result(
    page: &Page,
    report: Option<Shown<'_>>,
    error: Option<&str>,
    done: Option<&str>,
) -> Response {
    let s = page.s;
    let body = html! {
        h1 { (s.lsu_import_title) }
        @if let Some(d) = done { (notice(d)) }
        @if let Some(e) = error { (error_box(s, e)) }
        @if let Some((r, pending)) = &report {
            @if r.dry_run { p role="status" { (s.lsu_dry_run) } }
            (report_table(page, r))
            @if let Some(token) = pending {
                form.stack method="post" action="/lsu/confirm" {
                    (page.csrf_field())
                    input type="hidden" name="pending" value=(token);
                    button.primary type="submit" { (s.lsu_confirm) }
                }
            }
        }
        p { a href="/" { (s.home) } }
    };
    page.render_form(error.is_some(), s.lsu_import_title, body)
}

/// A whole number typed in a form, or the API's kind of error for `field` (nothing is called).
fn number(field: &'static str, text: &str) -> Result<Option<u64>, livret::Error> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u64>().map(Some).map_err(|_| {
        livret::Error::from(livret::core::vocab::ValidationError::new(
            field,
            livret::core::vocab::Rule::BadFormat(livret::core::vocab::Format::WholeNumber {
                min: 1,
                max: i64::MAX,
            }),
        ))
    })
}

#[derive(Deserialize)]
pub struct SchoolIdsForm {
    #[serde(default)]
    class: String,
    #[serde(default)]
    uai: String,
    #[serde(default)]
    head: String,
    #[serde(default)]
    id_sts: String,
}

/// `POST /lsu/school`: the school's UAI, its head and this teacher's STS id
/// (`Device::set_school_ids`, which checks them all before writing any).
pub async fn lsu_school(
    page: Page,
    State(state): State<Arc<AppState>>,
    Form(form): Form<SchoolIdsForm>,
) -> Response {
    let some = |t: &str| Some(t.trim().to_string()).filter(|t| !t.is_empty());
    let result = number("id-sts", &form.id_sts).and_then(|sts| {
        state
            .device()
            .set_school_ids(some(&form.uai).as_deref(), some(&form.head).as_deref(), sts)
    });
    match result {
        Ok(()) => {
            crate::teacher::class_page(&page, &state, &form.class, None, Some(page.s.lsu_ids_saved))
        }
        Err(e) => crate::teacher::class_page(
            &page,
            &state,
            &form.class,
            Some(&e.localized(page.lang)),
            None,
        ),
    }
}

#[derive(Deserialize)]
pub struct PupilIdForm {
    #[serde(default)]
    class: String,
    #[serde(default)]
    livret: String,
    #[serde(default)]
    id_be: String,
}

/// `POST /lsu/pupil`: a pupil's id-be (`Device::set_pupil_id_be`).
pub async fn lsu_pupil(
    page: Page,
    State(state): State<Arc<AppState>>,
    Form(form): Form<PupilIdForm>,
) -> Response {
    let result = (|| {
        let mut d = state.device();
        let livret = d.resolve_livret(form.livret.trim())?;
        // An empty field is 0, which the API refuses with its own message.
        let n = number("id-be", &form.id_be)?.unwrap_or(0);
        d.set_pupil_id_be(livret, n)
    })();
    match result {
        Ok(()) => {
            crate::teacher::class_page(&page, &state, &form.class, None, Some(page.s.lsu_ids_saved))
        }
        Err(e) => crate::teacher::class_page(
            &page,
            &state,
            &form.class,
            Some(&e.localized(page.lang)),
            None,
        ),
    }
}
