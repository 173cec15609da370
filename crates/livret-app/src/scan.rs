//! Reading a QR code with the computer's camera: the page's script (assets/app.js) sends a
//! few frames a second to `POST /scan`, which decodes them here with the same decoder as a
//! photo (rqrr) and answers the text read, or nothing. The script then puts the text in the
//! form's field and, where the form asks for it, submits the form: the action is the same
//! request as a pasted text, with the same CSRF token and the same `livret` API call.

use axum::extract::Multipart;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use crate::common::Page;

/// The largest frame read (a camera picture as PNG or JPEG).
const MAX_FRAME: usize = 4 * 1024 * 1024;

/// `POST /scan?csrf=…` (multipart, one `frame` field): `200` with the text of the QR code read
/// (`text/plain`), `204` when the frame holds none.
pub async fn scan(_page: Page, mut multipart: Multipart) -> Response {
    let mut frame: Option<Vec<u8>> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() != Some("frame") {
            continue;
        }
        match field.bytes().await {
            Ok(b) if b.len() <= MAX_FRAME => frame = Some(b.to_vec()),
            _ => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        }
    }
    let Some(bytes) = frame else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let text = tokio::task::spawn_blocking(move || crate::photo::decode_qr_text(&bytes))
        .await
        .ok()
        .flatten();
    match text {
        Some(t) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            t,
        )
            .into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

/// The camera block of a form: a button that starts the camera, the preview and a status
/// line. `target` is the id of the field that receives the text read; with `submit`, the
/// field's form is then submitted.
pub fn scanner(page: &Page, id: &str, target: &str, submit: bool, label: &str) -> Markup {
    let s = page.s;
    html! {
        div.scanner id=(id) data-scan={ "/scan?csrf=" (page.csrf) } data-target=(target)
            data-submit=(if submit { "1" } else { "0" })
            data-starting=(s.camera_starting) data-looking=(s.camera_looking)
            data-read=(s.camera_read) data-failed=(s.camera_failed) {
            button.scan-start type="button" { (label) }
            " "
            button.scan-stop type="button" hidden { (s.camera_stop) }
            video.scan-video muted playsinline hidden aria-label=(s.camera_preview) {}
            p.scan-status role="status" aria-live="polite" {}
        }
    }
}
