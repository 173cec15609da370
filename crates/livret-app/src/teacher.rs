//! The teacher's screens: accept an invitation (pasted text or a photo of the QR code), the
//! classes by pupil name, and the period grid whose changed cells are signed and stored at
//! once by « Signer et enregistrer ». Each cell is one call of the `livret` API; a refused
//! cell writes nothing and shows the API's message beside it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use livret::core::content::Draft;
use livret::core::vocab::{
    Date, Format, Millesime, Positioning, Rule, ValidationError, VieScolaire, KNOWN_DISCIPLINES,
};
use livret::core::{Lang, LivretId, Localized};
use livret::node;
use livret::{BatchMode, BatchWrite, LivretSummary, Relation};
use maud::{html, Markup};
use serde::Deserialize;

use crate::common::{error_box, notice, Page};
use crate::i18n;
use crate::state::AppState;

/// The subjects of a new grid.
pub const DEFAULT_SUBJECTS: [&str; 4] = ["FRANCS", "MATHEM", "HISGEO", "ANGLV1"];
/// The periods offered.
const PERIODS: [&str; 5] = ["1/3", "2/3", "3/3", "1/2", "2/2"];
/// The class key of pupils recorded without a class.
const NO_CLASS: &str = "-";

fn classes(list: &[LivretSummary]) -> BTreeMap<String, Vec<&LivretSummary>> {
    let mut out: BTreeMap<String, Vec<&LivretSummary>> = BTreeMap::new();
    for l in list.iter().filter(|l| l.relation == Relation::Grantee) {
        out.entry(l.class.clone().unwrap_or_else(|| NO_CLASS.to_string()))
            .or_default()
            .push(l);
    }
    out
}

fn class_name(page: &Page, class: &str) -> String {
    if class == NO_CLASS {
        page.s.no_class.to_string()
    } else {
        class.to_string()
    }
}

fn pupil_name(l: &LivretSummary) -> String {
    l.name.clone().unwrap_or_else(|| "?".into())
}

/// The teacher's home: classes, accepting an invitation.
pub fn home(page: &Page, state: &AppState, error: Option<&str>, done: Option<&str>) -> Response {
    let s = page.s;
    let list = match state.device().list() {
        Ok(l) => l,
        Err(e) => return page.api_error(&e),
    };
    let by_class = classes(&list);
    let upload = format!("/accept/photo?csrf={}", page.csrf);
    let body = html! {
        h1 { (s.classes) }
        nav.actions aria-label=(s.team.my_teams) {
            a href="/teams" { (s.team.my_teams) }
        }
        @if let Some(d) = done { (notice(d)) }
        @if let Some(e) = error { (error_box(s, e)) }
        @if by_class.is_empty() { p { (s.no_classes) } }
        ul.cards {
            @for (class, pupils) in &by_class {
                li {
                    a href={ "/classes/" (class) } { (s.class_word) " " (class_name(page, class)) }
                    " — "
                    (pupils.iter().map(|p| pupil_name(p)).collect::<Vec<_>>().join(", "))
                }
            }
        }
        section aria-labelledby="accept-h" {
            h2 #accept-h { (s.accept_title) }
            form.stack method="post" action="/accept" {
                (page.csrf_field())
                label for="class" { (s.accept_class) }
                input #class type="text" name="class" autocomplete="off";
                h3 { (s.accept_camera) }
                (crate::scan::scanner(page, "accept-scanner", "invitation", true, s.camera_button))
                label for="invitation" { (s.accept_text) }
                textarea #invitation name="invitation" rows="3" required autocomplete="off" spellcheck="false" {}
                button type="submit" { (s.accept_button) }
                p #accept-status role="status" aria-live="polite" {}
            }
            form.stack method="post" action=(upload) enctype="multipart/form-data" {
                h3 { (s.accept_photo) }
                label for="photo" { (s.photo) }
                input #photo type="file" name="photo" accept="image/png,image/jpeg" required;
                label for="photo-class" { (s.accept_class) }
                input #photo-class type="text" name="class" autocomplete="off";
                button type="submit" { (s.photo_button) }
            }
        }
        (device_section(page, state))
        (crate::common::sync_status(page, state))
    };
    page.render_form(error.is_some(), s.classes, body)
}

/// This device's id (for its school) and the certificate it carries.
fn device_section(page: &Page, state: &AppState) -> maud::Markup {
    let s = page.s;
    let (id, cert) = {
        let d = state.device();
        (d.device_id().to_string(), d.certificate().ok().flatten())
    };
    let svg = livret_export::qr::Qr::new(&id).ok().map(|q| q.to_svg());
    html! {
        section aria-labelledby="device-h" {
            h2 #device-h { (s.my_device) }
            p { (s.my_device_help) }
            @if let Some(svg) = &svg { figure.qr #device-qr { (crate::common::inline_svg(svg, s.device_qr)) } }
            p { code #device-id { (id) } }
            @if let Some(c) = &cert { p { (s.certificate) " : " (c.name) ", " (s.until) " " (c.until) } }
            form.stack method="post" action="/certificate" {
                (page.csrf_field())
                label for="certificate" { (s.certificate_text) }
                textarea #certificate name="certificate" rows="2" required autocomplete="off" spellcheck="false" {}
                button type="submit" { (s.import_button) }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct CertificateForm {
    #[serde(default)]
    certificate: String,
}

/// `POST /certificate`: imports the school's certificate of this device's key.
pub async fn import_certificate(
    page: Page,
    State(state): State<Arc<AppState>>,
    Form(form): Form<CertificateForm>,
) -> Response {
    let result = state.device().import_certificate(form.certificate.trim());
    match result {
        Ok(_) => home(&page, &state, None, Some(page.s.certificate_imported)),
        Err(e) => home(&page, &state, Some(&e.localized(page.lang)), None),
    }
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    invitation: String,
    #[serde(default)]
    class: String,
}

/// The home to show after accepting: the teacher's, or the jury's.
fn after_accept(
    page: &Page,
    state: &AppState,
    error: Option<&str>,
    done: Option<&str>,
) -> Response {
    if page.role == livret::core::Role::Jury {
        crate::jury::home(page, state, error, done)
    } else {
        home(page, state, error, done)
    }
}

async fn do_accept(page: &Page, state: &AppState, text: &str, class: &str) -> Response {
    let class = Some(class.trim()).filter(|c| !c.is_empty());
    let text = text.trim();
    match node::accept(&state.dev, &state.node, text, class).await {
        Ok(report) if report.refused.is_empty() && report.purged.is_empty() => {
            let name = livret::core::grant::InvitationView::bytes_from_text(text)
                .ok()
                .and_then(|b| livret::core::grant::InvitationView::open(&b).ok())
                .and_then(|v| {
                    state.device().list().ok().and_then(|l| {
                        l.into_iter()
                            .find(|x| x.livret_id == v.livret.to_string())
                            .and_then(|x| x.name)
                    })
                })
                .unwrap_or_default();
            let done = if page.role == livret::core::Role::Jury {
                page.s.extract_accepted.to_string()
            } else {
                i18n::accepted_invitation(page.lang, &name)
            };
            after_accept(page, state, None, Some(&done))
        }
        Ok(report) => after_accept(page, state, Some(&report.refused_text(page.lang)), None),
        Err(e) => after_accept(page, state, Some(&e.localized(page.lang)), None),
    }
}

/// `POST /accept`: an invitation by its text.
pub async fn accept(
    page: Page,
    State(state): State<Arc<AppState>>,
    Form(form): Form<AcceptForm>,
) -> Response {
    do_accept(&page, &state, &form.invitation, &form.class).await
}

/// `POST /accept/photo?csrf=…`: an invitation from a photo of its QR code, decoded here.
pub async fn accept_photo(
    page: Page,
    State(state): State<Arc<AppState>>,
    mut multipart: Multipart,
) -> Response {
    let mut photo: Option<Vec<u8>> = None;
    let mut class = String::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or("").to_string();
        let Ok(bytes) = field.bytes().await else {
            break;
        };
        match name.as_str() {
            "photo" => photo = Some(bytes.to_vec()),
            "class" => class = String::from_utf8_lossy(&bytes).into_owned(),
            _ => {}
        }
    }
    let text = match photo {
        Some(bytes) => tokio::task::spawn_blocking(move || crate::photo::decode_qr_text(&bytes))
            .await
            .ok()
            .flatten(),
        None => None,
    };
    match text {
        Some(t) => do_accept(&page, &state, &t, &class).await,
        None => after_accept(&page, &state, Some(page.s.no_qr), None),
    }
}

fn pupils_of(state: &AppState, class: &str) -> livret::Result<Vec<LivretSummary>> {
    let list = state.device().list()?;
    let mut out: Vec<LivretSummary> = list
        .into_iter()
        .filter(|l| {
            l.relation == Relation::Grantee && l.class.as_deref().unwrap_or(NO_CLASS) == class
        })
        .collect();
    out.sort_by_key(pupil_name);
    Ok(out)
}

fn current_year(state: &AppState) -> u16 {
    let now = state.device().now();
    Date::from_unix_seconds(now)
        .ok()
        .and_then(|d| Millesime::of_date(d).ok())
        .map(Millesime::year)
        .unwrap_or(2025)
}

#[derive(Deserialize)]
pub struct ClassQuery {
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    year: Option<u16>,
}

/// `GET /classes/{class}?period=…&year=…`: the pupils, the class's bilans of a period (by
/// every member of its teaching team; the school year under way unless `year` says another),
/// and the grid chooser.
pub async fn class(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(class): Path<String>,
    Query(q): Query<ClassQuery>,
) -> Response {
    class_page_of(
        &page,
        &state,
        &class,
        None,
        None,
        q.period.as_deref(),
        q.year,
    )
}

/// The class page, with a refusal or a notice (the LSU identifiers' forms answer with it).
pub fn class_page(
    page: &Page,
    state: &AppState,
    class: &str,
    error: Option<&str>,
    done: Option<&str>,
) -> Response {
    class_page_of(page, state, class, error, done, None, None)
}

/// The class's bilans of one period: per pupil and subject, where it stands on this device and
/// who signed it (this device, or a colleague of the team whose entry arrived by team sync).
fn class_bilans(page: &Page, state: &AppState, class: &str, year: u16, period: &str) -> Markup {
    let s = page.s;
    let ts = s.team;
    let (status, me, teams) = {
        let d = state.device();
        (
            d.class_status(class, year, period, &[]),
            d.device_id().to_string(),
            d.held_teams().unwrap_or_default(),
        )
    };
    // A class without a pupil here, or without a valid name: no table (the page says the rest).
    let Ok(status) = status else {
        return html! {};
    };
    let author = |a: &Option<String>| -> String {
        match a {
            None => String::new(),
            Some(a) if *a == me => ts.you.to_string(),
            Some(a) => {
                let subjects: Vec<String> = teams
                    .iter()
                    .flat_map(|t| t.members.iter())
                    .find(|m| m.device == *a)
                    .map(|m| m.subjects.clone())
                    .unwrap_or_default();
                if subjects.is_empty() {
                    format!("{} {}", ts.colleague, crate::common::short(a))
                } else {
                    format!(
                        "{} {} ({})",
                        ts.colleague,
                        crate::common::short(a),
                        subjects.join(", ")
                    )
                }
            }
        }
    };
    let state_word = |c: livret::CellState| match c {
        livret::CellState::Missing => ts.missing,
        livret::CellState::Draft => ts.draft,
        livret::CellState::Signed => ts.signed,
        livret::CellState::Received => ts.received,
    };
    html! {
        section #class-bilans aria-labelledby="class-bilans-h" {
            h2 #class-bilans-h { (ts.class_bilans) " — " (i18n::period_label(page.lang, period)) }
            p { (ts.class_bilans_help) }
            form.inline method="get" action={ "/classes/" (class) } {
                input type="hidden" name="year" value=(year);
                label for="bilans-period" { (s.period) " " }
                select #bilans-period name="period" {
                    @for p in PERIODS { option value=(p) selected[p == period] { (i18n::period_label(page.lang, p)) } }
                }
                " "
                button type="submit" { (ts.show_period) }
            }
            div.scroll tabindex="0" role="region" aria-label=(ts.class_bilans) {
                table.bilans {
                    thead { tr {
                        th scope="col" { (ts.pupil) }
                        th scope="col" { (ts.subject) }
                        th scope="col" { (ts.state) }
                        th scope="col" { (ts.author) }
                    } }
                    tbody {
                        @for p in &status.pupils {
                            @let name = p.name.clone().unwrap_or_else(|| p.livret_id.clone());
                            @for c in p.subjects.iter().filter(|c| c.state != livret::CellState::Missing) {
                                tr data-livret=(p.livret_id) data-subject=(c.subject) data-author=(c.author.clone().unwrap_or_default()) {
                                    th scope="row" { (name) }
                                    td { (c.subject) }
                                    td { (state_word(c.state)) }
                                    td { (author(&c.author)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn class_page_of(
    page: &Page,
    state: &AppState,
    class: &str,
    error: Option<&str>,
    done: Option<&str>,
    period: Option<&str>,
    bilans_year: Option<u16>,
) -> Response {
    let pupils = match pupils_of(state, class) {
        Ok(p) => p,
        Err(e) => return page.api_error(&e),
    };
    let s = page.s;
    let year = current_year(state);
    let title = format!("{} {}", s.class_word, class_name(page, class));
    let body = html! {
        h1 { (title) }
        @if let Some(d) = done { (notice(d)) }
        @if let Some(e) = error { (error_box(s, e)) }
        h2 { (s.pupils) }
        ul.cards {
            @for p in &pupils {
                li {
                    a href={ "/livrets/" (p.livret_id) } { (pupil_name(p)) }
                    " · "
                    a href={ "/livrets/" (p.livret_id) "/cycle" } aria-label={ (s.cycle_link) " — " (pupil_name(p)) } { (s.cycle_link) }
                }
            }
        }
        (class_bilans(page, state, class, bilans_year.unwrap_or(year), period.filter(|p| PERIODS.contains(p)).unwrap_or(PERIODS[0])))
        h2 { (s.open_grid) }
        form.stack method="get" action={ "/classes/" (class) "/grid" } {
            label for="year" { (s.year) }
            input #year type="number" name="year" min="2000" max="2100" value=(year);
            label for="period" { (s.period) }
            select #period name="period" {
                @for p in PERIODS { option value=(p) { (i18n::period_label(page.lang, p)) } }
            }
            fieldset {
                legend { (s.subjects) }
                div.columns {
                    @for (i, (code, label)) in KNOWN_DISCIPLINES.iter().enumerate() {
                        div.check {
                            input type="checkbox" id={ "subj" (i) } name="subjects" value=(code) checked[DEFAULT_SUBJECTS.contains(code)];
                            label for={ "subj" (i) } { (label) }
                        }
                    }
                }
            }
            button type="submit" { (s.open_grid) }
        }
        (lsu_section(page, state, class, year, &PERIODS, &pupils))
    };
    page.render_form(error.is_some(), &title, body)
}

/// What a cell of the grid holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Cell {
    level: String,
    mark: String,
    text: String,
}

impl Cell {
    fn is_empty(&self) -> bool {
        self.level.trim().is_empty() && self.mark.trim().is_empty() && self.text.trim().is_empty()
    }
}

/// A pupil's row: cells by subject code, synthesis, vie scolaire.
#[derive(Debug, Clone, Default)]
struct Row {
    cells: HashMap<String, Cell>,
    synthesis: String,
    vie: [String; 3],
}

/// The grid's parameters.
struct GridParams {
    year: u16,
    period: String,
    subjects: Vec<String>,
}

fn grid_params(state: &AppState, q: &[(String, String)]) -> GridParams {
    let get = |k: &str| {
        q.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
    };
    let year = get("year")
        .and_then(|y| y.parse().ok())
        .unwrap_or_else(|| current_year(state));
    let period = get("period").unwrap_or_else(|| "1/3".to_string());
    let mut subjects: Vec<String> = q
        .iter()
        .filter(|(k, _)| k == "subjects")
        .map(|(_, v)| v.trim().to_ascii_uppercase())
        .filter(|v| !v.is_empty() && v.len() <= 6 && v.bytes().all(|b| b.is_ascii_alphanumeric()))
        .collect();
    subjects.dedup();
    if subjects.is_empty() {
        subjects = DEFAULT_SUBJECTS.iter().map(|s| s.to_string()).collect();
    }
    GridParams {
        year,
        period,
        subjects,
    }
}

/// What the device holds for the pupils of a class in that period, by livret id: one read of
/// the year's sections per pupil, only that period's entries verified.
fn stored_rows(state: &AppState, class: &str, p: &GridParams) -> HashMap<String, Row> {
    let cells = match state.device().period_cells(class, p.year, &p.period) {
        Ok(c) => c,
        // A class name or period the API refuses holds nothing to show; saving says why.
        Err(_) => return HashMap::new(),
    };
    cells
        .into_iter()
        .map(|c| {
            let row = Row {
                cells: c
                    .subjects
                    .into_iter()
                    .map(|(code, cell)| {
                        (
                            code,
                            Cell {
                                level: cell.level.map(|l| l.to_string()).unwrap_or_default(),
                                mark: cell.mark.unwrap_or_default(),
                                text: cell.text,
                            },
                        )
                    })
                    .collect(),
                synthesis: c.synthesis.unwrap_or_default(),
                vie: c
                    .vie_scolaire
                    .map(|v| v.map(|n| n.to_string()))
                    .unwrap_or_default(),
            };
            (c.livret_id, row)
        })
        .collect()
}

fn subject_label(code: &str) -> String {
    livret::core::vocab::label_for(code)
        .map(str::to_string)
        .unwrap_or_else(|| code.to_string())
}

fn grid_query(p: &GridParams) -> String {
    let mut q: Vec<(&str, String)> =
        vec![("year", p.year.to_string()), ("period", p.period.clone())];
    for s in &p.subjects {
        q.push(("subjects", s.clone()));
    }
    serde_urlencoded::to_string(&q).unwrap_or_default()
}

/// Per-field errors and a summary, after a save.
#[derive(Default)]
struct Outcome {
    saved: usize,
    errors: HashMap<String, String>,
}

#[allow(clippy::too_many_arguments)]
fn render_grid(
    page: &Page,
    class: &str,
    p: &GridParams,
    pupils: &[LivretSummary],
    rows: &HashMap<String, Row>,
    outcome: Option<&Outcome>,
) -> Response {
    let s = page.s;
    let title = format!(
        "{} {} — {} {}-{}",
        s.class_word,
        class_name(page, class),
        i18n::period_label(page.lang, &p.period),
        p.year,
        p.year + 1
    );
    let action = format!("/classes/{class}/grid?{}", grid_query(p));
    let grid_key = format!("{class}|{}|{}", p.year, p.period);
    let errors = outcome.map(|o| &o.errors);
    let err = |name: &str| errors.and_then(|e| e.get(name)).cloned();
    let levels = [
        ("", s.level_none.to_string()),
        ("1", format!("1 — {}", short_level(page.lang, 1))),
        ("2", format!("2 — {}", short_level(page.lang, 2))),
        ("3", format!("3 — {}", short_level(page.lang, 3))),
        ("4", format!("4 — {}", short_level(page.lang, 4))),
    ];
    let empty = Row::default();
    let body = html! {
        h1 { (title) }
        p.help { (s.grid_help) }
        @if let Some(o) = outcome {
            @if o.saved > 0 || o.errors.is_empty() { (notice(&i18n::saved(page.lang, o.saved))) }
            @if !o.errors.is_empty() { (error_box(s, &i18n::refused_cells(page.lang, o.errors.len()))) }
        }
        form #grid method="post" action=(action) data-grid=(grid_key)
            data-clear-drafts[outcome.is_some()] {
            (page.csrf_field())
            div.scroll.grid-wrap {
                table.grid {
                    caption.visually-hidden { (title) }
                    thead {
                        tr {
                            th scope="col" { (s.pupil) }
                            @for code in &p.subjects { th scope="col" { (subject_label(code)) } }
                            th scope="col" { (s.synthesis) }
                            th scope="col" { (s.vie_scolaire) }
                        }
                    }
                    tbody {
                        @for pupil in pupils {
                            @let id = &pupil.livret_id;
                            @let name = pupil_name(pupil);
                            @let row = rows.get(id).unwrap_or(&empty);
                            tr {
                                th scope="row" { (name) }
                                @for code in &p.subjects {
                                    @let cell = row.cells.get(code).cloned().unwrap_or_default();
                                    @let base = format!("c.{id}.{code}");
                                    @let label = subject_label(code);
                                    @let e = err(&base);
                                    td.cell.cell-error[e.is_some()] {
                                        select name={ (base) ".level" } aria-label=(i18n::cell_label(&name, &label, s.positioning)) {
                                            @for (v, l) in &levels { option value=(v) selected[cell.level == *v] { (l) } }
                                        }
                                        input.mark type="text" inputmode="decimal" name={ (base) ".mark" } value=(cell.mark)
                                            aria-label=(i18n::cell_label(&name, &label, s.mark)) placeholder=(s.mark) size="5";
                                        textarea name={ (base) ".text" } rows="3" maxlength="600" data-max="600"
                                            aria-label=(i18n::cell_label(&name, &label, s.appreciation))
                                            aria-describedby={ (base) ".count" } { (cell.text) }
                                        span.count id={ (base) ".count" } aria-live="off" { (cell.text.chars().count()) " / 600" }
                                        span.draft-mark hidden { (s.draft) }
                                        @if let Some(msg) = e { p.cell-msg role="alert" { (s.cell_refused) " : " (msg) } }
                                    }
                                }
                                @let sbase = format!("s.{id}");
                                @let se = err(&sbase);
                                td.cell.cell-error[se.is_some()] {
                                    textarea name=(sbase) rows="4" maxlength="1000" data-max="1000"
                                        aria-label=(i18n::cell_label(&name, s.synthesis, s.synthesis))
                                        aria-describedby={ (sbase) ".count" } { (row.synthesis) }
                                    span.count id={ (sbase) ".count" } aria-live="off" { (row.synthesis.chars().count()) " / 1000" }
                                    span.draft-mark hidden { (s.draft) }
                                    @if let Some(msg) = se { p.cell-msg role="alert" { (s.cell_refused) " : " (msg) } }
                                }
                                @let vbase = format!("v.{id}");
                                @let ve = err(&vbase);
                                td.cell.vie.cell-error[ve.is_some()] {
                                    @for (i, (field, word)) in [("late", s.late), ("justified", s.justified), ("unjustified", s.unjustified)].iter().enumerate() {
                                        label.small {
                                            (word)
                                            input type="number" min="0" max="999" name={ (vbase) "." (field) }
                                                value=(row.vie[i]) aria-label=(i18n::cell_label(&name, s.vie_scolaire, word));
                                        }
                                    }
                                    span.draft-mark hidden { (s.draft) }
                                    @if let Some(msg) = ve { p.cell-msg role="alert" { (s.cell_refused) " : " (msg) } }
                                }
                            }
                        }
                    }
                }
            }
            @for code in &p.subjects { input type="hidden" name="subjects" value=(code); }
            button.primary #sign type="submit" { (s.sign_save) }
        }
    };
    let status = match outcome {
        Some(o) if !o.errors.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    page.render_status(status, &title, body)
}

fn short_level(lang: Lang, n: u8) -> &'static str {
    match (lang, n) {
        (Lang::Fr, 1) => "non atteints",
        (Lang::Fr, 2) => "partiellement atteints",
        (Lang::Fr, 3) => "atteints",
        (Lang::Fr, _) => "dépassés",
        (Lang::En, 1) => "not achieved",
        (Lang::En, 2) => "partly achieved",
        (Lang::En, 3) => "achieved",
        (Lang::En, _) => "exceeded",
    }
}

/// `GET /classes/{class}/grid?year=…&period=…&subjects=…`
pub async fn grid(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(class): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let p = grid_params(&state, &q);
    let pupils = match pupils_of(&state, &class) {
        Ok(p) => p,
        Err(e) => return page.api_error(&e),
    };
    let rows = stored_rows(&state, &class, &p);
    render_grid(&page, &class, &p, &pupils, &rows, None)
}

fn count(field: &'static str, text: &str) -> Result<u16, livret::Error> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(0);
    }
    t.parse::<u16>().map_err(|_| {
        livret::Error::from(ValidationError::new(
            field,
            Rule::BadFormat(Format::WholeNumber {
                min: 0,
                max: i64::from(VieScolaire::MAX),
            }),
        ))
    })
}

fn assess_cell(p: &GridParams, code: &str, cell: &Cell) -> livret::Result<Draft> {
    let level = match cell.level.trim() {
        "" => None,
        l => Some(
            l.parse::<Positioning>()
                .map_err(livret::Error::from)?
                .value(),
        ),
    };
    let mark = Some(cell.mark.trim()).filter(|m| !m.is_empty());
    livret::drafts::assessment(p.year, &p.period, code, None, level, mark, &cell.text)
}

fn vie_cell(p: &GridParams, vie: &[String; 3]) -> livret::Result<Draft> {
    let late = count("late", &vie[0])?;
    let justified = count("justified", &vie[1])?;
    let unjustified = count("unjustified", &vie[2])?;
    livret::drafts::vie_scolaire(p.year, &p.period, late, justified, unjustified)
}

/// `POST /classes/{class}/grid?…`: signs and stores every changed cell in one batch (one store
/// transaction per pupil); a refused cell shows its message and is not written.
pub async fn save_grid(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(class): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let p = grid_params(&state, &q);
    let pupils = match pupils_of(&state, &class) {
        Ok(p) => p,
        Err(e) => return page.api_error(&e),
    };
    let posted: HashMap<&str, &str> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let value = |k: &str| posted.get(k).map(|v| v.to_string());
    let lang = page.lang;
    let mut outcome = Outcome::default();
    let mut rows: HashMap<String, Row> = HashMap::new();
    let mut stored_all = stored_rows(&state, &class, &p);
    // Every changed cell becomes a draft (or an error at its place), then one batch.
    let mut batch: Vec<BatchWrite> = Vec::new();
    let mut places: Vec<String> = Vec::new();
    let mut add =
        |outcome: &mut Outcome, place: String, livret, draft: livret::Result<Draft>| match draft {
            Ok(draft) => {
                batch.push(BatchWrite { livret, draft });
                places.push(place);
            }
            Err(e) => {
                outcome.errors.insert(place, e.localized(lang));
            }
        };
    for pupil in &pupils {
        let Ok(livret) = pupil.livret_id.parse::<LivretId>() else {
            continue;
        };
        let id = &pupil.livret_id;
        let stored = stored_all.remove(id).unwrap_or_default();
        let mut shown = stored.clone();
        // Subjects.
        for code in &p.subjects {
            let base = format!("c.{id}.{code}");
            let (Some(level), Some(mark), Some(text)) = (
                value(&format!("{base}.level")),
                value(&format!("{base}.mark")),
                value(&format!("{base}.text")),
            ) else {
                continue;
            };
            let new = Cell { level, mark, text };
            let old = stored.cells.get(code).cloned().unwrap_or_default();
            if new.is_empty() || new == old {
                continue;
            }
            add(&mut outcome, base, livret, assess_cell(&p, code, &new));
            shown.cells.insert(code.clone(), new);
        }
        // Synthesis.
        let sbase = format!("s.{id}");
        if let Some(text) = value(&sbase) {
            if !text.trim().is_empty() && text != stored.synthesis {
                let draft = livret::drafts::synthesis(p.year, &p.period, &text);
                add(&mut outcome, sbase, livret, draft);
                shown.synthesis = text;
            }
        }
        // Vie scolaire.
        let vbase = format!("v.{id}");
        let vie = [
            value(&format!("{vbase}.late")).unwrap_or_default(),
            value(&format!("{vbase}.justified")).unwrap_or_default(),
            value(&format!("{vbase}.unjustified")).unwrap_or_default(),
        ];
        if vie.iter().any(|v| !v.trim().is_empty()) && vie != stored.vie {
            add(&mut outcome, vbase, livret, vie_cell(&p, &vie));
            shown.vie = vie;
        }
        rows.insert(id.clone(), shown);
    }
    if !batch.is_empty() {
        let results = state.device().write_batch(&batch, BatchMode::PerEntry);
        match results {
            Ok(results) => {
                for (place, r) in places.into_iter().zip(results) {
                    match r {
                        Ok(_) => outcome.saved += 1,
                        Err(e) => {
                            outcome.errors.insert(place, e.localized(lang));
                        }
                    }
                }
            }
            Err(e) => return page.api_error(&e),
        }
    }
    render_grid(&page, &class, &p, &pupils, &rows, Some(&outcome))
}

/// The LSU section of a class page: the identifiers the file needs, export of a period,
/// import of a file.
fn lsu_section(
    page: &Page,
    state: &AppState,
    class: &str,
    year: u16,
    periods: &[&str],
    pupils: &[livret::LivretSummary],
) -> Markup {
    let s = page.s;
    let upload = format!("/lsu/import?csrf={}", page.csrf);
    let ids = state.device().school_ids().ok();
    let id_be = |livret: &str| {
        ids.as_ref()
            .and_then(|v| v.pupils.iter().find(|p| p.livret_id == livret))
            .and_then(|p| p.id_be)
            .map(|n| n.to_string())
            .unwrap_or_default()
    };
    let (uai, head, sts) = ids
        .as_ref()
        .map(|v| {
            (
                v.uai.clone().unwrap_or_default(),
                v.head.clone().unwrap_or_default(),
                v.id_sts.map(|n| n.to_string()).unwrap_or_default(),
            )
        })
        .unwrap_or_default();
    html! {
        section aria-labelledby="lsu-h" {
            h2 #lsu-h { (s.lsu_title) }
            p { (s.lsu_help) }
            h3 { (s.lsu_ids) }
            form.stack method="post" action="/lsu/school" {
                (page.csrf_field())
                input type="hidden" name="class" value=(class);
                label for="lsu-uai" { (s.lsu_uai) }
                input #lsu-uai type="text" name="uai" value=(uai) autocomplete="off";
                label for="lsu-head" { (s.lsu_head) }
                input #lsu-head type="text" name="head" value=(head) autocomplete="off";
                label for="lsu-sts" { (s.lsu_sts) }
                input #lsu-sts type="text" inputmode="numeric" name="id_sts" value=(sts) autocomplete="off";
                button type="submit" { (s.lsu_save_ids) }
            }
            ul.idbe {
                @for (i, p) in pupils.iter().enumerate() {
                    li {
                        form.inline method="post" action="/lsu/pupil" {
                            (page.csrf_field())
                            input type="hidden" name="class" value=(class);
                            input type="hidden" name="livret" value=(p.livret_id);
                            label for={ "idbe" (i) } { (s.lsu_id_be) " — " (p.name.clone().unwrap_or_default()) }
                            " "
                            input id={ "idbe" (i) } type="text" inputmode="numeric" name="id_be" value=(id_be(&p.livret_id)) size="10" autocomplete="off";
                            " "
                            button type="submit" { (s.lsu_save_ids) }
                        }
                    }
                }
            }
            h3 { (s.lsu_export) }
            form.stack method="get" action={ "/classes/" (class) "/lsu.xml" } {
                label for="lsu-year" { (s.year) }
                input #lsu-year type="number" name="year" min="2000" max="2100" value=(year);
                label for="lsu-period" { (s.period) }
                select #lsu-period name="period" {
                    @for p in periods { option value=(p) { (i18n::period_label(page.lang, p)) } }
                }
                button type="submit" { (s.lsu_export) }
            }
            h3 { (s.lsu_import_title) }
            form.stack method="post" action=(upload) enctype="multipart/form-data" {
                label for="lsu-file" { (s.lsu_file) }
                input #lsu-file type="file" name="file" accept=".xml,application/xml,text/xml" required;
                button type="submit" { (s.lsu_preview) }
            }
        }
    }
}
