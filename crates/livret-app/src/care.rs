//! The family's careful actions, each behind its own screen: opening the sensitive section
//! `accompagnement` behind the consent notice and writing a support measure in it; erasing an
//! entry or a section (confirmation); deleting a livret (confirmation). Each action is one
//! call of the `livret` API (`open_section`, `accompagnement`, `forget`, `delete_livret`); a
//! refused one shows the API's message and has written nothing.

use std::sync::Arc;

use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use livret::core::{Localized, Section};
use maud::html;
use serde::Deserialize;

use crate::common::{error_box, notice, Page};
use crate::common::{resolve, section_label};
use crate::family::entry_card;
use crate::i18n;
use crate::state::AppState;

/// The support measures offered (the API checks the word).
const MEASURES: [&str; 10] = [
    "PAP", "PAI", "PPRE", "PPS", "ULIS", "UPE2A", "SEGPA", "RASED", "CTR", "MDPH",
];

/// The form of a support measure, kept when refused.
#[derive(Debug, Default, Deserialize)]
pub struct MeasureForm {
    #[serde(default)]
    measure: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    note: String,
}

fn accompagnement_page(
    page: &Page,
    state: &AppState,
    id: &str,
    error: Option<&str>,
    done: Option<&str>,
    values: Option<&MeasureForm>,
) -> Response {
    let livret = match resolve(page, state, id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let (sections, view) = {
        let d = state.device();
        (d.sections(livret), d.show(livret))
    };
    let (sections, view) = match (sections, view) {
        (Ok(s), Ok(v)) => (s, v),
        (Err(e), _) | (_, Err(e)) => return page.api_error(&e),
    };
    let name = Section::Accompagnement.to_string();
    let open = sections
        .iter()
        .any(|x| x.section == Section::Accompagnement && x.open);
    let entries: Vec<&livret::EntryView> = view
        .sections
        .iter()
        .filter(|x| x.section == Section::Accompagnement)
        .flat_map(|x| x.entries.iter())
        .collect();
    let s = page.s;
    let empty = MeasureForm::default();
    let v = values.unwrap_or(&empty);
    let title = if open {
        section_label(page.lang, &name)
    } else {
        s.consent_title.to_string()
    };
    let body = html! {
        h1 { (title) }
        @if let Some(d) = done { (notice(d)) }
        @if let Some(e) = error { (error_box(s, e)) }
        @if !open {
            div.warning #consent-notice {
                p { (s.consent_what) }
                p { (s.consent_who) }
            }
            form.stack method="post" action={ "/livrets/" (id) "/accompagnement/open" } {
                (page.csrf_field())
                div.check {
                    input #consent type="checkbox" name="consent" value="yes" required;
                    label for="consent" { (s.consent_check) }
                }
                button type="submit" { (s.consent_button) }
            }
        } @else {
            p { span.badge.sensitive { (s.sensitive) } " " (s.consent_open) }
            h2 { (s.measures) }
            @if entries.is_empty() { p { (s.no_entries) } }
            @for e in &entries { (entry_card(page, e, Some((id, name.as_str())))) }
            form.stack method="post" action={ "/livrets/" (id) "/accompagnement" } {
                (page.csrf_field())
                label for="measure" { (s.measure) }
                select #measure name="measure" required {
                    @for m in MEASURES { option value=(m) selected[v.measure == m] { (m) } }
                }
                label for="m-start" { (s.measure_start) }
                input #m-start type="date" name="start" required value=(v.start);
                label for="m-end" { (s.measure_end) " (" (s.optional) ")" }
                input #m-end type="date" name="end" value=(v.end);
                label for="m-note" { (s.measure_note) " (" (s.optional) ")" }
                textarea #m-note name="note" rows="3" maxlength="1000" { (v.note) }
                button type="submit" { (s.measure_write) }
            }
        }
        p { a href={ "/livrets/" (id) } { (s.back_to_livret) } }
    };
    page.render_form(error.is_some(), &title, body)
}

/// `GET /livrets/{id}/accompagnement`: the consent notice while closed, the measures once open.
pub async fn accompagnement(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Response {
    accompagnement_page(&page, &state, &id, None, None, None)
}

#[derive(Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    consent: String,
}

/// `POST /livrets/{id}/accompagnement/open`: the family's consent, then `open_section`.
pub async fn open(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<ConsentForm>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    if form.consent != "yes" {
        return accompagnement_page(&page, &state, &id, Some(page.s.consent_missing), None, None);
    }
    let result = state.device().open_section(livret, Section::Accompagnement);
    match result {
        Ok(_) => accompagnement_page(&page, &state, &id, None, Some(page.s.consent_done), None),
        Err(e) => accompagnement_page(
            &page,
            &state,
            &id,
            Some(&e.localized(page.lang)),
            None,
            None,
        ),
    }
}

/// `POST /livrets/{id}/accompagnement`: a support measure, written and signed.
pub async fn write_measure(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<MeasureForm>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let end = Some(form.end.trim()).filter(|x| !x.is_empty());
    let note = Some(form.note.trim()).filter(|x| !x.is_empty());
    let result =
        state
            .device()
            .accompagnement(livret, form.measure.trim(), form.start.trim(), end, note);
    match result {
        Ok(_) => accompagnement_page(&page, &state, &id, None, Some(page.s.measure_done), None),
        Err(e) => accompagnement_page(
            &page,
            &state,
            &id,
            Some(&e.localized(page.lang)),
            None,
            Some(&form),
        ),
    }
}

/// What to erase: a section, and one of its entries or none.
#[derive(Debug, Default, Deserialize)]
pub struct ForgetQuery {
    #[serde(default)]
    section: String,
    #[serde(default)]
    entry: String,
}

fn forget_confirm_page(
    page: &Page,
    state: &AppState,
    id: &str,
    q: &ForgetQuery,
    error: Option<&str>,
) -> Response {
    let livret = match resolve(page, state, id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let view = match state.device().show(livret) {
        Ok(v) => v,
        Err(e) => return page.api_error(&e),
    };
    let s = page.s;
    let entry = view
        .sections
        .iter()
        .filter(|x| x.section.to_string() == q.section)
        .flat_map(|x| x.entries.iter())
        .find(|e| !q.entry.is_empty() && e.key == q.entry);
    let title = if q.entry.is_empty() {
        s.forget_section_title
    } else {
        s.forget_entry_title
    };
    let body = html! {
        h1 { (title) }
        @if let Some(e) = error { (error_box(s, e)) }
        p.lead { strong { (section_label(page.lang, &q.section)) } }
        @if let Some(e) = entry { (entry_card(page, e, None)) }
        p { (s.forget_explain) }
        form.inline method="post" action={ "/livrets/" (id) "/forget" } {
            (page.csrf_field())
            input type="hidden" name="section" value=(q.section);
            input type="hidden" name="entry" value=(q.entry);
            button.danger type="submit" { (if q.entry.is_empty() { s.forget_section } else { s.forget }) }
        }
        " "
        a.button href={ "/livrets/" (id) } { (s.cancel) }
    };
    page.render_form(error.is_some(), title, body)
}

/// `GET /livrets/{id}/forget?section=…[&entry=…]`: the confirmation.
pub async fn forget_confirm(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<ForgetQuery>,
) -> Response {
    forget_confirm_page(&page, &state, &id, &q, None)
}

/// `POST /livrets/{id}/forget`: `forget` (an entry, or the whole section).
pub async fn forget(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<ForgetQuery>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let entry = Some(form.entry.as_str()).filter(|x| !x.is_empty());
    let result = Section::from_typed(&form.section)
        .map_err(livret::Error::from)
        .and_then(|section| state.device().forget(livret, section, entry));
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            return forget_confirm_page(&page, &state, &id, &form, Some(&e.localized(page.lang)))
        }
    };
    let s = page.s;
    let label = section_label(page.lang, &report.section);
    let message = i18n::forgot(
        page.lang,
        entry.is_some(),
        &label,
        report.erased_entries,
        report.remaining_entries,
    );
    page.render(
        s.forget,
        html! {
            h1 { (s.forget) }
            (notice(&message))
            p { (s.forget_explain) }
            p { a href={ "/livrets/" (id) } { (s.back_to_livret) } }
        },
    )
}

fn delete_page(page: &Page, state: &AppState, id: &str, error: Option<&str>) -> Response {
    let livret = match resolve(page, state, id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let name = state
        .device()
        .show(livret)
        .ok()
        .and_then(|v| v.name)
        .unwrap_or_default();
    let s = page.s;
    let body = html! {
        h1 { (s.delete_title) }
        @if let Some(e) = error { (error_box(s, e)) }
        p.lead { strong { (name) } }
        p { (s.delete_explain) }
        form.stack method="post" action={ "/livrets/" (id) "/delete" } {
            (page.csrf_field())
            div.check {
                input #delete-confirm type="checkbox" name="confirm" value="yes" required;
                label for="delete-confirm" { (s.delete_confirm) }
            }
            div {
                button.danger type="submit" { (s.delete_livret) }
                " "
                a.button href={ "/livrets/" (id) } { (s.cancel) }
            }
        }
    };
    page.render_form(error.is_some(), s.delete_title, body)
}

/// `GET /livrets/{id}/delete`: the confirmation.
pub async fn delete_confirm(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Response {
    delete_page(&page, &state, &id, None)
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    confirm: String,
}

/// `POST /livrets/{id}/delete`: `delete_livret`, once confirmed.
pub async fn delete(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    if form.confirm != "yes" {
        return delete_page(&page, &state, &id, Some(page.s.delete_missing));
    }
    let result = state.device().delete_livret(livret);
    let s = page.s;
    match result {
        Ok(()) => page.render(
            s.delete_livret,
            html! {
                h1 { (s.delete_livret) }
                (notice(s.delete_done))
                p { (s.delete_explain) }
                p { a href="/" { (s.home) } }
            },
        ),
        Err(e) => delete_page(&page, &state, &id, Some(&e.localized(page.lang))),
    }
}
