//! The family's devices and safekeeping: revoking a lost device (`revoke_device`), printing a
//! recovery sheet (`recovery_print`, then its PDF), exporting a livret as JSON (`export_json`)
//! and importing one (`import_json`). Each action is one call of the `livret` API; a refused
//! one shows the API's message and has written nothing.

use std::sync::Arc;

use axum::extract::{Form, Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use livret::core::Localized;
use livret::Relation;
use maud::html;
use serde::Deserialize;

use crate::common::{error_box, notice, resolve, Page};
use crate::i18n;
use crate::state::AppState;

/// `GET /devices`: the page.
pub async fn page_get(page: Page, State(state): State<Arc<AppState>>) -> Response {
    render(&page, &state, None, None)
}

fn render(page: &Page, state: &AppState, error: Option<&str>, done: Option<&str>) -> Response {
    let s = page.s;
    let (me, list, recovery) = {
        let d = state.device();
        (
            d.device_id().to_string(),
            d.list(),
            d.recovery_key().ok().flatten(),
        )
    };
    let list = match list {
        Ok(l) => l,
        Err(e) => return page.api_error(&e),
    };
    // Each livret this device owns, with the devices that own it (and whose parent they are).
    let owned: Vec<(String, Vec<livret::OwnerDeviceView>)> = {
        let d = state.device();
        list.iter()
            .filter(|l| l.relation == Relation::Owner)
            .filter_map(|l| {
                let id = l.livret_id.parse().ok()?;
                let devices = d.owner_devices(id).ok()?;
                Some((l.name.clone().unwrap_or_default(), devices))
            })
            .collect()
    };
    let lang = page.lang;
    let upload = format!("/import?csrf={}", page.csrf);
    let body = html! {
        h1 { (s.devices_title) }
        @if let Some(d) = done { (notice(d)) }
        @if let Some(e) = error { (error_box(s, e)) }
        section aria-labelledby="dev-h" {
            h2 #dev-h { (s.my_device) }
            p { (s.this_device_id) " " code #device-id { (me) } }
            @for (child, devices) in &owned {
                table.owners {
                    caption { (i18n::owners_caption(lang, child)) }
                    thead { tr {
                        th scope="col" { (i18n::owners_device(lang)) }
                        th scope="col" { (i18n::owners_parent(lang)) }
                        th scope="col" { (i18n::owners_state(lang)) }
                        th scope="col" { (i18n::owners_id(lang)) }
                    } }
                    tbody {
                        @for o in devices {
                            tr {
                                td { (o.name) @if o.this_device { " " small { (i18n::owners_this(lang)) } } }
                                td { (i18n::owners_kind(lang, &o.kind, o.parent_name.as_deref())) }
                                td { (i18n::owners_revoked(lang, o.revoked)) }
                                td { code { (o.device) } }
                            }
                        }
                    }
                }
            }
            h3 { (s.revoke_device_title) }
            p { (s.revoke_device_help) }
            form.stack method="post" action="/devices/revoke" {
                (page.csrf_field())
                label for="lost" { (s.lost_device_id) }
                input #lost type="text" name="device" required autocomplete="off" spellcheck="false";
                div.check {
                    input #keep type="checkbox" name="keep_grants" value="yes";
                    label for="keep" { (s.keep_grants) }
                }
                div.check {
                    input #revoke-confirm type="checkbox" name="confirm" value="yes" required;
                    label for="revoke-confirm" { (s.revoke_device_confirm) }
                }
                button.danger type="submit" { (s.revoke_device_button) }
            }
        }
        section aria-labelledby="rec-h" {
            h2 #rec-h { (s.recovery_title) }
            p { (s.recovery_help) }
            @if recovery.is_some() { p.warning { (s.recovery_again) } }
            form.stack method="post" action="/recovery" {
                (page.csrf_field())
                div.check {
                    input #rec-confirm type="checkbox" name="confirm" value="yes" required;
                    label for="rec-confirm" { (s.recovery_confirm) }
                }
                button type="submit" { (s.recovery_button) }
            }
        }
        section aria-labelledby="port-h" {
            h2 #port-h { (s.portability_title) }
            p { (s.portability_help) }
            ul {
                @for l in list.iter().filter(|l| l.relation == Relation::Owner) {
                    li {
                        a href={ "/livrets/" (l.livret_id) "/export.json" } download="livret.json" {
                            (s.export_json) " : " (l.name.clone().unwrap_or_default())
                        }
                    }
                }
            }
            form.stack method="post" action=(upload) enctype="multipart/form-data" {
                h3 { (s.import_json) }
                label for="import-file" { (s.import_file) }
                input #import-file type="file" name="file" accept="application/json,.json" required;
                label for="import-words" { (s.recovery_words) " (" (s.optional) ")" }
                textarea #import-words name="words" rows="2" autocomplete="off" spellcheck="false" {}
                button type="submit" { (s.import_button) }
            }
        }
        (crate::common::sync_status(page, state))
    };
    page.render_form(error.is_some(), s.devices_title, body)
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    device: String,
    #[serde(default)]
    keep_grants: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /devices/revoke`: `revoke_device`, once confirmed.
pub async fn revoke(
    page: Page,
    State(state): State<Arc<AppState>>,
    Form(form): Form<RevokeForm>,
) -> Response {
    if form.confirm != "yes" {
        return render(&page, &state, Some(page.s.confirm_missing), None);
    }
    let result = state
        .device()
        .revoke_device(form.device.trim(), form.keep_grants == "yes");
    match result {
        Ok(r) => render(
            &page,
            &state,
            None,
            Some(&i18n::device_revoked(page.lang, r.livrets.len())),
        ),
        Err(e) => render(&page, &state, Some(&e.localized(page.lang)), None),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    confirm: String,
}

/// `POST /recovery`: a new recovery sheet (the previous one stops working), as a PDF.
pub async fn recovery(
    page: Page,
    State(state): State<Arc<AppState>>,
    Form(form): Form<ConfirmForm>,
) -> Response {
    if form.confirm != "yes" {
        return render(&page, &state, Some(page.s.confirm_missing), None);
    }
    let result = {
        let mut d = state.device();
        let family = d.name().to_string();
        let date = livret::rfc3339(d.now())
            .chars()
            .take(10)
            .collect::<String>();
        d.recovery_print()
            .and_then(|sheet| sheet.pdf(&family, &date))
    };
    match result {
        Ok(pdf) => (
            [
                (header::CONTENT_TYPE, "application/pdf"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"feuille-de-recuperation.pdf\"",
                ),
            ],
            pdf,
        )
            .into_response(),
        Err(e) => render(&page, &state, Some(&e.localized(page.lang)), None),
    }
}

/// `GET /livrets/{id}/export.json`: everything this device holds of the livret.
pub async fn export(
    page: Page,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Response {
    let livret = match resolve(&page, &state, &id) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    let result = state.device().export_json(livret);
    match result.and_then(|v| {
        serde_json::to_vec_pretty(&v).map_err(|e| livret::Error::Protocol(e.to_string()))
    }) {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"livret.json\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => page.api_error(&e),
    }
}

/// `POST /import?csrf=…` (multipart: `file`, `words`): `import_json`.
pub async fn import(
    page: Page,
    State(state): State<Arc<AppState>>,
    mut multipart: Multipart,
) -> Response {
    let mut file: Option<Vec<u8>> = None;
    let mut words = String::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or("").to_string();
        let Ok(bytes) = field.bytes().await else {
            break;
        };
        match name.as_str() {
            "file" => file = Some(bytes.to_vec()),
            "words" => words = String::from_utf8_lossy(&bytes).into_owned(),
            _ => {}
        }
    }
    let Some(bytes) = file else {
        return render(&page, &state, Some(page.s.import_file), None);
    };
    let words = Some(words.trim()).filter(|w| !w.is_empty());
    let result = state.device().import_json(&bytes, words);
    match result {
        Ok(r) => render(
            &page,
            &state,
            None,
            Some(&i18n::imported(
                page.lang,
                r.name.as_deref().unwrap_or(""),
                r.entries,
            )),
        ),
        Err(e) => render(&page, &state, Some(&e.localized(page.lang)), None),
    }
}
