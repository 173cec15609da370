//! An exam jury's screens, and the family's page that shows a jury an extract: the family
//! invites a jury (`invite_jury`: an anonymized, read-only extract); the jury accepts it (the
//! same `/accept` as a teacher: pasted text, camera or photo), lists its extracts and reads
//! each with its verification (`verify`). Each action is one call of the `livret` API.

use std::sync::Arc;

use axum::extract::{Form, Path, State};
use axum::response::Response;
use livret::core::vocab::{Date, Millesime};
use livret::core::{LivretId, Localized, Section};
use livret::{Relation, DEFAULT_INVITATION_MINUTES};
use maud::{html, Markup};

use crate::common::{error_box, inline_svg, notice, resolve, section_label, trust_section, Page};
use crate::i18n;
use crate::state::AppState;

/// The jury's home: its extracts (never a name) and accepting one.
pub fn home(page: &Page, state: &AppState, error: Option<&str>, done: Option<&str>) -> Response {
    let s = page.s;
    let list = match state.device().list() {
        Ok(l) => l,
        Err(e) => return page.api_error(&e),
    };
    let extracts: Vec<_> = list
        .iter()
        .filter(|l| l.relation == Relation::Grantee)
        .collect();
    let upload = format!("/accept/photo?csrf={}", page.csrf);
    let body = html! {
        h1 { (s.extracts) }
        @if let Some(d) = done { (notice(d)) }
        @if let Some(e) = error { (error_box(s, e)) }
        @if extracts.is_empty() { p { (s.no_extracts) } }
        ul.cards {
            @for (i, l) in extracts.iter().enumerate() {
                li { a href={ "/livrets/" (l.livret_id) } { (s.extract_word) " " (i + 1) } }
            }
        }
        section aria-labelledby="accept-h" {
            h2 #accept-h { (s.accept_extract) }
            form.stack method="post" action="/accept" {
                (page.csrf_field())
                h3 { (s.accept_camera) }
                (crate::scan::scanner(page, "accept-scanner", "invitation", true, s.camera_button))
                label for="invitation" { (s.accept_text) }
                textarea #invitation name="invitation" rows="3" required autocomplete="off" spellcheck="false" {}
                button type="submit" { (s.accept_button) }
            }
            form.stack method="post" action=(upload) enctype="multipart/form-data" {
                h3 { (s.accept_photo) }
                label for="photo" { (s.photo) }
                input #photo type="file" name="photo" accept="image/png,image/jpeg" required;
                button type="submit" { (s.photo_button) }
            }
        }
        (trust_section(page, state, None, None))
        (crate::common::sync_status(page, state))
    };
    page.render_form(error.is_some(), s.extracts, body)
}

/// The verification of an extract, at the top of its page.
pub fn verification(page: &Page, state: &AppState, livret: LivretId) -> Markup {
    let s = page.s;
    let report = state.device().verify(livret);
    html! {
        section.verification #verification aria-labelledby="verify-h" {
            h2 #verify-h { (s.verification) }
            @match &report {
                Ok(r) => {
                    p role="status" { (i18n::verified(page.lang, r.checked, r.valid, r.certified)) }
                    @if r.failures.is_empty() {
                        p.ok { (s.verify_all_ok) }
                    } @else {
                        h3 { (s.verify_failures) }
                        ul.bad {
                            @for f in &r.failures {
                                li { (f.section.localized(page.lang)) " — " code { (f.key) } " : " (f.reason.localized(page.lang)) }
                            }
                        }
                    }
                }
                Err(e) => { (error_box(s, &e.localized(page.lang))) }
            }
        }
    }
}

fn current_year(state: &AppState) -> u16 {
    let now = state.device().now();
    Date::from_unix_seconds(now)
        .ok()
        .and_then(|d| Millesime::of_date(d).ok())
        .map(Millesime::year)
        .unwrap_or(2025)
}

fn extract_form(page: &Page, state: &AppState, id: &str, error: Option<&str>) -> Response {
    let s = page.s;
    let year = current_year(state);
    let options = [
        Section::Annee(year),
        Section::Annee(year.saturating_sub(1)),
        Section::Cycles,
        Section::Attestations,
    ];
    let body = html! {
        h1 { (s.extract) }
        @if let Some(e) = error { (error_box(s, e)) }
        p { (s.extract_help) }
        form.stack method="post" action={ "/livrets/" (id) "/extract" } {
            (page.csrf_field())
            fieldset {
                legend { (s.sections) }
                @for (i, sec) in options.iter().enumerate() {
                    @let name = sec.to_string();
                    div.check {
                        input type="checkbox" id={ "xsec" (i) } name="sections" value=(name) checked[i == 0];
                        label for={ "xsec" (i) } { (section_label(page.lang, &name)) }
                    }
                }
            }
            label for="x-until" { (s.extract_until) }
            input #x-until type="date" name="until";
            button type="submit" { (s.show_extract) }
        }
        p { a href={ "/livrets/" (id) } { (s.back_to_livret) } }
    };
    page.render_form(error.is_some(), s.extract, body)
}

/// `GET /livrets/{id}/extract`: choosing the sections of a jury's extract.
pub async fn extract_form_page(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = resolve(&page, &state, &id) {
        return *r;
    }
    extract_form(&page, &state, &id, None)
}

/// `POST /livrets/{id}/extract`: `invite_jury`, then its QR code and text.
pub async fn extract(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let until = form
        .iter()
        .find(|(k, _)| k == "until")
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let result = (|| -> livret::Result<(livret::InvitationOut, Vec<String>)> {
        let mut sections = Vec::new();
        for (_, v) in form.iter().filter(|(k, _)| k == "sections") {
            sections.push(Section::from_typed(v).map_err(livret::Error::from)?);
        }
        let mut d = state.device();
        let known: Vec<String> = d.grants(livret)?.into_iter().map(|g| g.grant_id).collect();
        let addrs = d.invitation_addresses()?;
        let inv = d.invite_jury(
            livret,
            &sections,
            until.as_deref(),
            DEFAULT_INVITATION_MINUTES,
            addrs,
        )?;
        Ok((inv, known))
    })();
    let (inv, known) = match result {
        Ok(i) => i,
        Err(e) => return extract_form(&page, &state, &id, Some(&e.localized(page.lang))),
    };
    let svg = match inv.qr() {
        Ok(q) => q.to_svg(),
        Err(e) => return page.api_error(&e),
    };
    let s = page.s;
    page.render(
        s.extract,
        html! {
            h1 { (s.extract) }
            p { (s.extract_help) }
            figure.qr { (inline_svg(&svg, s.extract)) }
            label for="invitation-text" { (s.invitation_text) }
            textarea #invitation-text readonly rows="4" { (inv.invitation) }
            p { (s.invitation_once) " " (inv.expires_at.replace('T', " ").replace('Z', " UTC")) "." }
            p { (s.until) " " (inv.until) }
            // The family confirms who redeemed it: the page moves there live.
            p #redeem-status role="status" aria-live="polite"
                data-events={ "/livrets/" (id) "/invite/events?known=" (known.join(",")) }
                data-done=(s.redeemed_by) { (s.waiting_redeem) }
            p { a href={ "/livrets/" (id) } { (s.back_to_livret) } }
        },
    )
}
