//! What every page shares: the layout, the request's context, login, language, assets, sync.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use livret::core::{Lang, LivretId, Localized, Role, Section};
use livret::node;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::Deserialize;

use crate::i18n::{self, Strings};
use crate::security::request_lang;
use crate::sessions::Session;
use crate::state::AppState;

/// The context of a page: language, texts, the session's CSRF token, the device.
pub struct Page {
    pub lang: Lang,
    pub s: &'static Strings,
    pub csrf: String,
    pub name: String,
    pub role: Role,
    pub path: String,
}

impl FromRequestParts<Arc<AppState>> for Page {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let Some(session) = parts.extensions.get::<Session>().cloned() else {
            return Err(StatusCode::UNAUTHORIZED.into_response());
        };
        let lang = request_lang(&parts.headers, &state.lang_cookie);
        let (name, role) = {
            let d = state.device();
            (d.name().to_string(), d.role())
        };
        Ok(Page {
            lang,
            s: i18n::strings(lang),
            csrf: session.csrf,
            name,
            role,
            // The language switch comes back here: a page answering a POST has no address
            // to come back to, so it goes home.
            path: if parts.method == axum::http::Method::GET {
                parts.uri.path().to_string()
            } else {
                "/".to_string()
            },
        })
    }
}

impl Page {
    /// The hidden CSRF field of every form.
    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(self.csrf); }
    }

    /// The role in words.
    pub fn role_word(&self) -> &'static str {
        self.role_label(self.role)
    }

    /// A role in words.
    pub fn role_label(&self, role: Role) -> &'static str {
        match role {
            Role::Family => self.s.role_family,
            Role::Teacher => self.s.role_teacher,
            Role::School => self.s.role_school,
            Role::Jury => self.s.role_jury,
        }
    }

    /// A form's page: 422 when it shows a refusal (`refused`), 200 otherwise.
    pub fn render_form(&self, refused: bool, title: &str, body: Markup) -> Response {
        if refused {
            self.render_status(StatusCode::UNPROCESSABLE_ENTITY, title, body)
        } else {
            self.render(title, body)
        }
    }

    /// A whole page, status 200.
    pub fn render(&self, title: &str, body: Markup) -> Response {
        self.render_status(StatusCode::OK, title, body)
    }

    /// A whole page with a status.
    pub fn render_status(&self, status: StatusCode, title: &str, body: Markup) -> Response {
        let s = self.s;
        let other = s.other_lang_code;
        let markup = html! {
            (DOCTYPE)
            html lang=(lang_code(self.lang)) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " — " (s.app) }
                    link rel="stylesheet" href="/assets/app.css";
                    script src="/assets/app.js" defer {}
                }
                body {
                    a.skip href="#main" { (s.skip) }
                    header.top {
                        nav aria-label=(s.app) {
                            a.brand href="/" { (s.app) }
                            span.device { (self.name) " · " (self.role_word()) }
                            form.inline #sync-form method="post" action="/sync" {
                                (self.csrf_field())
                                button type="submit" { (s.sync) }
                            }
                            a.lang href={ "/lang/" (other) "?back=" (self.path) } lang=(other) hreflang=(other) { (s.other_lang) }
                        }
                    }
                    div #sync-progress role="status" aria-live="polite" hidden {
                        p #sync-progress-title { (s.sync_progress) }
                        ul.sync {}
                    }
                    main #main tabindex="-1" {
                        (body)
                    }
                    footer { p { (s.footer) } }
                }
            }
        };
        (status, Html(markup.into_string())).into_response()
    }

    /// An error of the API as a page.
    pub fn api_error(&self, e: &livret::Error) -> Response {
        let msg = e.localized(self.lang);
        let status = match e {
            livret::Error::UnknownLivret(_) | livret::Error::UnknownGrant(_) => {
                StatusCode::NOT_FOUND
            }
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        self.render_status(
            status,
            self.s.error_title,
            html! {
                (error_box(self.s, &msg))
                p { a href="/" { (self.s.home) } }
            },
        )
    }
}

/// The box that shows a refusal.
pub fn error_box(s: &Strings, message: &str) -> Markup {
    html! {
        div.error role="alert" {
            strong { (s.error_title) " : " } (message)
        }
    }
}

/// A notice of success.
pub fn notice(message: &str) -> Markup {
    html! { p.notice role="status" { (message) } }
}

/// `fr` or `en`.
pub fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "fr",
        Lang::En => "en",
    }
}

/// A date (seconds since 1970) as people read it.
pub fn date_text(lang: Lang, secs: i64) -> String {
    let iso = livret::rfc3339(secs);
    let (date, time) = iso.split_once('T').unwrap_or((&iso, ""));
    let parts: Vec<&str> = date.split('-').collect();
    let hm = time.get(..5).unwrap_or("");
    match (lang, parts.as_slice()) {
        (Lang::Fr, [y, m, d]) => format!("{d}/{m}/{y} {hm} UTC"),
        _ => format!("{date} {hm} UTC"),
    }
}

/// A 303 redirect.
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    token: String,
}

/// `GET /login?token=…`: spends the one-time token, sets the session cookie.
pub async fn login(
    State(state): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let lang = request_lang(&headers, &state.lang_cookie);
    let s = i18n::strings(lang);
    let Some(id) = state.sessions.redeem(&q.token) else {
        let body = html! {
            (DOCTYPE)
            html lang=(lang_code(lang)) { head { meta charset="utf-8"; title { (s.app) } } body { p { (s.login_refused) } } }
        };
        return (StatusCode::UNAUTHORIZED, Html(body.into_string())).into_response();
    };
    let cookie = format!(
        "{}={id}; HttpOnly; SameSite=Strict; Path=/",
        state.sessions.cookie
    );
    // A page that moves on by itself: the cookie is then sent by a same-site navigation.
    let body = html! {
        (DOCTYPE)
        html lang=(lang_code(lang)) {
            head {
                meta charset="utf-8";
                meta http-equiv="refresh" content="0;url=/";
                title { (s.app) }
            }
            body { p { (s.logged_in) " " a href="/" { (s.continue_) } } }
        }
    };
    (
        StatusCode::OK,
        [(header::SET_COOKIE, cookie)],
        Html(body.into_string()),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct BackQuery {
    #[serde(default)]
    back: String,
}

/// A local path to go back to (never another site).
pub fn local_path(back: &str) -> &str {
    if back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') {
        back
    } else {
        "/"
    }
}

/// `GET /lang/{fr|en}`: the language switch.
pub async fn switch_lang(
    State(state): State<Arc<AppState>>,
    Path(code): Path<String>,
    Query(q): Query<BackQuery>,
) -> Response {
    let code = if code == "en" { "en" } else { "fr" };
    let cookie = format!(
        "{}={code}; SameSite=Strict; Path=/; Max-Age=31536000",
        state.lang_cookie
    );
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(local_path(&q.back)),
    )
        .into_response()
}

/// The style sheet.
pub async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../assets/app.css"),
    )
        .into_response()
}

/// The script.
pub async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../assets/app.js"),
    )
        .into_response()
}

/// Anything else.
pub async fn not_found(page: Page) -> Response {
    page.render_status(
        StatusCode::NOT_FOUND,
        page.s.not_found,
        html! { h1 { (page.s.not_found) } p { a href="/" { (page.s.home) } } },
    )
}

/// A short form of a device id.
pub fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

/// `POST /sync`: one session with every device this one knows to dial.
pub async fn sync(page: Page, State(state): State<Arc<AppState>>) -> Response {
    let lang = page.lang;
    let targets = match node::known_peers(&state.dev) {
        Ok(t) => t,
        Err(e) => return page.api_error(&e),
    };
    // Progress, one line per peer as its session ends: `GET /sync/status` reads it while this
    // request runs (app.js shows it in the page the button was pressed on).
    let started = {
        let mut status = state
            .sync
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if status.running {
            false
        } else {
            status.running = true;
            status.total = targets.len();
            status.lines.clear();
            true
        }
    };
    if !started {
        return page.render_status(
            StatusCode::CONFLICT,
            page.s.sync,
            html! { (error_box(page.s, page.s.sync_running)) p { a href="/" { (page.s.home) } } },
        );
    }
    // Ends the run even when the request is dropped half-way (the browser left the page):
    // otherwise every later sync would wait for a run that never ends.
    let _running = RunningGuard(&state);
    let mut lines = Vec::new();
    for (peer, addrs) in targets {
        let who = short(&peer.to_string());
        let line = match node::sync_with(&state.dev, &state.node, peer, addrs).await {
            Ok(r) => {
                let name = if r.peer_name.is_empty() {
                    who
                } else {
                    r.peer_name.clone()
                };
                let ok = r.refused.is_empty() && r.purged.is_empty();
                (
                    ok,
                    i18n::sync_line(
                        lang,
                        &name,
                        r.synced.len(),
                        r.received_changes,
                        &r.refused_lines(lang),
                    ),
                )
            }
            Err(e) => (false, i18n::sync_failed(lang, &who, &e.localized(lang))),
        };
        state
            .sync
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .lines
            .push(line.clone());
        lines.push(line);
    }
    let now = state.device().now();
    {
        let mut status = state
            .sync
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        status.at = Some(now);
        status.lines = lines.clone();
        status.running = false;
    }
    let s = page.s;
    page.render(
        s.sync,
        html! {
            h1 { (s.sync) }
            @if lines.is_empty() { p role="status" { (s.no_peer) } }
            div role="status" {
                ul.sync #sync-report {
                    @for (ok, line) in &lines {
                        li.ok[*ok].bad[!*ok] { (line) }
                    }
                }
            }
            p { a href="/" { (s.home) } }
        },
    )
}

/// Marks the app's sync as finished when dropped.
struct RunningGuard<'a>(&'a AppState);

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.0
            .sync
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .running = false;
    }
}

/// `GET /sync/status`: the running (or last) sync as JSON: `running`, `total`, and one line
/// per peer met so far (`ok`, `text`).
pub async fn sync_progress(_page: Page, State(state): State<Arc<AppState>>) -> Response {
    let status = state
        .sync
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let lines: Vec<serde_json::Value> = status
        .lines
        .iter()
        .map(|(ok, text)| serde_json::json!({ "ok": ok, "text": text }))
        .collect();
    let body = serde_json::json!({
        "running": status.running,
        "total": status.total,
        "lines": lines,
    });
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// The devices this one exchanged with (from its journal: the last section sent to or
/// received from each), newest first, with the names this device knows.
fn devices_seen(state: &AppState) -> Vec<(String, String)> {
    let (journal, names) = {
        let d = state.device();
        let journal = d.audit(None).unwrap_or_default();
        let mut names: std::collections::BTreeMap<String, String> = Default::default();
        for l in d.list().unwrap_or_default() {
            if l.relation != livret::Relation::Owner {
                continue;
            }
            if let Ok(id) = d.resolve_livret(&l.livret_id) {
                for g in d.grants(id).unwrap_or_default() {
                    if !g.audience_name.is_empty() {
                        names.insert(g.audience, g.audience_name);
                    }
                }
            }
        }
        (journal, names)
    };
    let mut last: std::collections::BTreeMap<String, String> = Default::default();
    for e in journal.iter().filter(|e| {
        e.outcome == livret::AuditOutcome::Accepted
            && matches!(
                e.action,
                livret::AuditAction::Sent | livret::AuditAction::Received
            )
    }) {
        if let Some(p) = &e.peer {
            let at = last.entry(p.clone()).or_default();
            if e.at > *at {
                *at = e.at.clone();
            }
        }
    }
    let mut out: Vec<(String, String)> = last
        .into_iter()
        .map(|(peer, at)| {
            let name = names.get(&peer).cloned().unwrap_or_else(|| short(&peer));
            (name, at)
        })
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1));
    out
}

/// The last sync, one paragraph.
pub fn sync_status(page: &Page, state: &AppState) -> Markup {
    let status = state
        .sync
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let s = page.s;
    html! {
        section.syncstatus aria-labelledby="sync-h" {
            h2 #sync-h { (s.last_sync) }
            @if let Some(at) = status.at {
                p { (date_text(page.lang, at)) }
                ul { @for (_, l) in &status.lines { li { (l) } } }
            } @else {
                p { (s.never_synced) }
            }
            @let seen = devices_seen(state);
            h3 { (s.devices_seen) }
            @if seen.is_empty() { p { (s.no_device_seen) } }
            @else {
                ul.seen {
                    @for (name, at) in &seen {
                        li { span.peer { (name) } " — " (s.last_exchange) " " (at.replace('T', " ").replace('Z', " UTC")) }
                    }
                }
            }
        }
    }
}

/// Inline SVG from a trusted generator (the QR module), without its XML prologue.
pub fn inline_svg(svg: &str, label: &str) -> Markup {
    let start = svg.find("<svg").unwrap_or(0);
    let body = &svg[start..];
    let body = body.replacen(
        "<svg",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\"",
            html! { (label) }.into_string()
        ),
        1,
    );
    PreEscaped(body)
}

/// The trusted schools and the form to add one.
pub(crate) fn trust_section(
    page: &Page,
    state: &AppState,
    error: Option<&str>,
    done: Option<&str>,
) -> Markup {
    let s = page.s;
    let anchors = state.device().trust_list().unwrap_or_default();
    html! {
        section #trust aria-labelledby="trust-h" {
            h2 #trust-h { (s.trust_title) }
            @if let Some(d) = done { (notice(d)) }
            @if let Some(e) = error { (error_box(s, e)) }
            @if anchors.is_empty() { p { (s.no_trust) } }
            ul {
                @for a in &anchors {
                    li { (a.name.clone().unwrap_or_else(|| short(&a.school))) @if let Some(u) = &a.uai { " (" (u) ")" } }
                }
            }
            form.stack method="post" action="/trust" {
                (page.csrf_field())
                label for="card" { (s.trust_text) }
                textarea #card name="card" rows="2" required autocomplete="off" spellcheck="false" {}
                button type="submit" { (s.trust_button) }
            }
        }
    }
}

pub(crate) fn resolve(page: &Page, state: &AppState, id: &str) -> Result<LivretId, Box<Response>> {
    state
        .device()
        .resolve_livret(id)
        .map_err(|e| Box::new(page.api_error(&e)))
}

/// A section's name in words.
pub(crate) fn section_label(lang: Lang, section: &str) -> String {
    match section.parse::<Section>() {
        Ok(s) => match lang {
            Lang::Fr => s.french_label(),
            Lang::En => s.english_label(),
        },
        Err(_) => section.to_string(),
    }
}
