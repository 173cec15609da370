//! The school's screen: its card as a QR code, and certifying a teacher's key. Each action is
//! one call of the `livret` API.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use axum::Form;
use livret::core::Localized;
use maud::html;
use serde::Deserialize;

use crate::common::{error_box, inline_svg, Page};
use crate::state::AppState;

/// The school's home: its card, the certify form and, after certifying, the certificate.
pub fn home(
    page: &Page,
    state: &AppState,
    error: Option<&str>,
    certificate: Option<&livret::SignedCard>,
) -> Response {
    let s = page.s;
    let card = match state.device().school_card() {
        Ok(c) => c,
        Err(e) => return page.api_error(&e),
    };
    let svg = match card.qr() {
        Ok(q) => q.to_svg(),
        Err(e) => return page.api_error(&e),
    };
    let cert_svg = certificate.and_then(|c| c.qr().ok()).map(|q| q.to_svg());
    let body = html! {
        h1 { (s.school_card) }
        nav.actions aria-label=(s.team.teams_title) {
            a.button href="/teams" { (s.team.teams_title) }
        }
        p { (s.school_card_help) }
        figure.qr { (inline_svg(&svg, s.school_card)) }
        label for="card-text" { (s.school_card) }
        textarea #card-text readonly rows="3" { (card.text) }
        section aria-labelledby="certify-h" {
            h2 #certify-h { (s.certify_title) }
            @if let Some(e) = error { (error_box(s, e)) }
            @if let (Some(c), Some(svg)) = (certificate, &cert_svg) {
                h3 { (s.certificate) }
                p { (s.certificate_help) }
                figure.qr { (inline_svg(svg, s.certificate)) }
                label for="certificate-text" { (s.certificate) }
                textarea #certificate-text readonly rows="4" { (c.text) }
            }
            form.stack method="post" action="/certify" {
                (page.csrf_field())
                (crate::scan::scanner(page, "teacher-scanner", "teacher", false, s.scan_teacher))
                label for="teacher" { (s.teacher_id) }
                input #teacher type="text" name="teacher" required autocomplete="off" spellcheck="false";
                label for="teacher-name" { (s.teacher_name) }
                input #teacher-name type="text" name="name" required autocomplete="off";
                label for="cert-until" { (s.until) }
                input #cert-until type="date" name="until" required;
                button type="submit" { (s.certify_button) }
            }
        }
    };
    page.render_form(error.is_some(), s.school_card, body)
}

#[derive(Deserialize)]
pub struct CertifyForm {
    #[serde(default)]
    teacher: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    until: String,
}

/// `POST /certify`
pub async fn certify(
    page: Page,
    State(state): State<Arc<AppState>>,
    Form(form): Form<CertifyForm>,
) -> Response {
    let result = state
        .device()
        .certify(form.teacher.trim(), &form.name, &form.until);
    match result {
        Ok(cert) => home(&page, &state, None, Some(&cert)),
        Err(e) => home(&page, &state, Some(&e.localized(page.lang)), None),
    }
}
