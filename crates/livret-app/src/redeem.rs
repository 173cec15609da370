//! The family confirms who redeemed an invitation (issue 13, finding 10): the page that shows
//! each waiting redeem (name, role, and the code the redeeming device shows) with « Confirmer »
//! and « Refuser », and the code a teacher's page shows while it waits. The rules are in
//! `livret::Device` (`redeem_claims`, `confirm_redeem`); this module renders and converts.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use livret::core::{Localized, Role};
use livret::RedeemClaimView;
use maud::html;
use serde::Deserialize;

use crate::common::Page;
use crate::i18n;
use crate::state::AppState;

/// The role a redeemer gave, in words (as it gave it when it is none we know).
fn role_word(page: &Page, role: &str) -> String {
    role.parse::<Role>()
        .map(|r| page.role_label(r).to_string())
        .unwrap_or_else(|_| role.to_string())
}

/// `GET /livrets/{id}/redeems`: the redeems of this livret waiting for the family.
pub async fn claims(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Response {
    let listed = {
        let d = state.device();
        d.resolve_livret(&id).and_then(|l| d.redeem_claims(Some(l)))
    };
    match listed {
        Ok(list) => claims_page(&page, &id, &list, None),
        Err(e) => page.api_error(&e),
    }
}

fn claims_page(
    page: &Page,
    id: &str,
    list: &[RedeemClaimView],
    message: Option<(bool, &str)>,
) -> Response {
    let lang = page.lang;
    let title = i18n::redeem_title(lang);
    let body = html! {
        h1 { (title) }
        @if let Some((ok, m)) = message {
            @if ok { p.notice role="status" { (m) } } @else { p.error role="alert" { (m) } }
        }
        @if list.is_empty() {
            p { (i18n::redeem_none(lang)) }
        }
        @for c in list {
            section.claim aria-labelledby={ "claim-" (c.invitation) } {
                h2 id={ "claim-" (c.invitation) } {
                    (i18n::redeem_who(lang, &c.name, &role_word(page, &c.role)))
                }
                p { (i18n::redeem_code_label(lang)) " " strong.code { (c.code) } }
                p { (i18n::redeem_check(lang)) }
                p { (i18n::redeem_what(lang, &c.rights, &c.sections.join(", "))) }
                p { (i18n::redeem_lapses(lang, &c.lapses_at.replace('T', " ").replace('Z', " UTC"))) }
                form.inline method="post" action={ "/livrets/" (id) "/redeems" } {
                    (page.csrf_field())
                    input type="hidden" name="invitation" value=(c.invitation);
                    button type="submit" name="decision" value="confirm" { (i18n::redeem_confirm(lang)) }
                    " "
                    button.danger type="submit" name="decision" value="refuse" { (i18n::redeem_refuse(lang)) }
                }
            }
        }
        p { a href={ "/livrets/" (id) "/grants" } { (page.s.grants) } " · " a href={ "/livrets/" (id) } { (page.s.back_to_livret) } }
    };
    page.render(title, body)
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    invitation: String,
    #[serde(default)]
    decision: String,
}

/// `POST /livrets/{id}/redeems`: the family's answer to one waiting redeem.
pub async fn decide(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let confirm = match form.decision.as_str() {
        "confirm" => true,
        "refuse" => false,
        _ => {
            return page.render_status(
                StatusCode::BAD_REQUEST,
                page.s.error_title,
                html! { p.error role="alert" { (i18n::redeem_bad_decision(page.lang)) } },
            )
        }
    };
    let (answer, list) = {
        let mut d = state.device();
        let livret = match d.resolve_livret(&id) {
            Ok(l) => l,
            Err(e) => return page.api_error(&e),
        };
        let answer = d.confirm_redeem(&form.invitation, confirm);
        (answer, d.redeem_claims(Some(livret)).unwrap_or_default())
    };
    match answer {
        Ok(c) => {
            let m = i18n::redeem_done(page.lang, confirm, &c.name);
            claims_page(&page, &id, &list, Some((true, &m)))
        }
        Err(e) => claims_page(&page, &id, &list, Some((false, &e.localized(page.lang)))),
    }
}

#[derive(Deserialize)]
pub struct CodeQuery {
    #[serde(default)]
    invitation: String,
}

/// `GET /accept/code?invitation=…`: the code this device shows while the family confirms (the
/// teacher's page asks for it as it sends the invitation). Plain text; 400 with the reason.
pub async fn code(
    page: Page,
    State(state): State<Arc<AppState>>,
    Query(q): Query<CodeQuery>,
) -> Response {
    let code = livret::redeem_code_for(&state.device(), q.invitation.trim());
    match code {
        Ok(c) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "text/plain; charset=utf-8",
            )],
            i18n::redeem_waiting(page.lang, &c),
        )
            .into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e.localized(page.lang)).into_response(),
    }
}

/// Whether the family has a redeem waiting on this livret (for the invite page's live events).
pub fn waiting(state: &AppState, livret: livret::core::LivretId) -> bool {
    state
        .device()
        .redeem_claims(Some(livret))
        .is_ok_and(|l| !l.is_empty())
}
