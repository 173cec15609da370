//! The app's own security, in one middleware every request goes through:
//!
//! - the listen address is loopback only ([`check_listen`]);
//! - the `Host` header must name that address (`127.0.0.1:PORT` or `localhost:PORT`), else
//!   421: a page of another site whose name resolves to 127.0.0.1 (DNS rebinding) gets nothing;
//! - a one-time login token becomes a session cookie (HttpOnly, SameSite=Strict, Path=/); every
//!   other request without a session gets 401;
//! - every POST carries the session's CSRF token (a hidden form field; in the query string for
//!   a file upload) and, when the browser sends an `Origin`, it is the app's own; else 403;
//! - request bodies are bounded; every response carries a Content-Security-Policy that allows
//!   nothing but the app itself, `nosniff` and `no-referrer`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use livret_core::{Lang, Localized};

use crate::sessions::same_token;
#[cfg(test)]
use crate::sessions::Sessions;
use crate::state::AppState;

/// The Content-Security-Policy of every response.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The largest body of a file upload (a photo of a QR code).
pub const MAX_UPLOAD: usize = 8 * 1024 * 1024;
/// The largest body of an ordinary form (a whole period grid fits many times).
pub const MAX_FORM: usize = 2 * 1024 * 1024;

/// A listen address refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenError {
    /// Not an address with a port.
    Invalid(String),
    /// Not a loopback address.
    NotLoopback(String),
}

impl std::fmt::Display for ListenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.localized(Lang::Fr))
    }
}

impl std::error::Error for ListenError {}

impl Localized for ListenError {
    fn localized(&self, lang: Lang) -> String {
        match (self, lang) {
            (ListenError::Invalid(a), Lang::Fr) => format!(
                "champ « listen » : adresse « {a} » invalide ; attendu 127.0.0.1:PORT"
            ),
            (ListenError::Invalid(a), Lang::En) => {
                format!("field \"listen\": invalid address \"{a}\"; expected 127.0.0.1:PORT")
            }
            (ListenError::NotLoopback(a), Lang::Fr) => format!(
                "adresse d'écoute « {a} » refusée : l'application ne s'ouvre que sur l'adresse locale de cet ordinateur (127.0.0.1 ou [::1]), jamais sur le réseau"
            ),
            (ListenError::NotLoopback(a), Lang::En) => format!(
                "listen address \"{a}\" refused: the app only listens on this computer's loopback address (127.0.0.1 or [::1]), never on the network"
            ),
        }
    }
}

/// Parses the `--listen` address and refuses anything but a loopback address.
pub fn check_listen(text: &str) -> Result<SocketAddr, ListenError> {
    let text = text.trim();
    let addr: SocketAddr = match text.strip_prefix("localhost:") {
        Some(port) => format!("127.0.0.1:{port}")
            .parse()
            .map_err(|_| ListenError::Invalid(text.to_string()))?,
        None => text
            .parse()
            .map_err(|_| ListenError::Invalid(text.to_string()))?,
    };
    if addr.ip().is_loopback() {
        Ok(addr)
    } else {
        Err(ListenError::NotLoopback(text.to_string()))
    }
}

/// The value of a cookie in the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The language of a request: the switch cookie, else `Accept-Language`, else French.
pub fn request_lang(headers: &HeaderMap, cookie_name: &str) -> Lang {
    if let Some(l) = cookie(headers, cookie_name).and_then(|v| Lang::from_locale(&v)) {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .filter_map(|part| Lang::from_locale(part.split(';').next().unwrap_or("")))
                .next()
        })
        .unwrap_or_default()
}

fn plain(status: StatusCode, lang: Lang, fr: &str, en: &str) -> Response {
    let body = match lang {
        Lang::Fr => fr,
        Lang::En => en,
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

fn set_security_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
}

/// The middleware: Host, session, Origin, CSRF, body bounds, headers.
pub async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let mut response = check(state, request, next).await;
    set_security_headers(response.headers_mut());
    response
}

async fn check(state: Arc<AppState>, request: Request, next: Next) -> Response {
    let lang = request_lang(request.headers(), &state.lang_cookie);
    // 1. Host: only the address the app listens on (DNS rebinding).
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !state.allowed_hosts.iter().any(|h| h == host) {
        return plain(
            StatusCode::MISDIRECTED_REQUEST,
            lang,
            "Adresse refusée : ouvrez l'application à l'adresse affichée par « livret app ».",
            "Address refused: open the app at the address printed by \"livret app\".",
        );
    }
    let path = request.uri().path().to_string();
    if path == "/login" && request.method() == Method::GET {
        return next.run(request).await;
    }
    // 2. A session.
    let session =
        cookie(request.headers(), &state.sessions.cookie).and_then(|id| state.sessions.get(&id));
    let Some(session) = session else {
        return plain(
            StatusCode::UNAUTHORIZED,
            lang,
            "Session absente : ouvrez l'adresse de connexion affichée par « livret app » (elle ne sert qu'une fois ; relancez « livret app » pour en obtenir une nouvelle).",
            "No session: open the login address printed by \"livret app\" (it works once; restart \"livret app\" for a new one).",
        );
    };
    if request.method() == Method::GET || request.method() == Method::HEAD {
        let mut request = request;
        request.extensions_mut().insert(session);
        return next.run(request).await;
    }
    if request.method() != Method::POST {
        return plain(
            StatusCode::METHOD_NOT_ALLOWED,
            lang,
            "Méthode refusée.",
            "Method not allowed.",
        );
    }
    // 3. Origin, when the browser tells it, is the app's own. Under `Referrer-Policy:
    // no-referrer` a browser sends `Origin: null` for the app's own forms; it is accepted only
    // with `Sec-Fetch-Site: same-origin` (a header no page script can set).
    let fetch_site = request
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let own = origin
            .strip_prefix("http://")
            .is_some_and(|o| state.allowed_hosts.iter().any(|h| h == o));
        let own_null = origin == "null" && fetch_site.as_deref() == Some("same-origin");
        if !own && !own_null {
            return plain(
                StatusCode::FORBIDDEN,
                lang,
                "Requête refusée : elle ne vient pas de l'application.",
                "Request refused: it does not come from the app.",
            );
        }
    }
    if request
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site" || v == "same-site")
    {
        return plain(
            StatusCode::FORBIDDEN,
            lang,
            "Requête refusée : elle ne vient pas de l'application.",
            "Request refused: it does not come from the app.",
        );
    }
    // 4. The CSRF token, and a bounded body.
    let refused_csrf = || {
        plain(
            StatusCode::FORBIDDEN,
            lang,
            "Requête refusée : jeton de formulaire absent ou invalide. Rechargez la page et recommencez.",
            "Request refused: missing or invalid form token. Reload the page and try again.",
        )
    };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (parts, body) = request.into_parts();
    let request = if content_type.starts_with("multipart/form-data") {
        let token = parts.uri.query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()
                .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf"))
                .map(|(_, v)| v)
        });
        if !token.is_some_and(|t| same_token(&t, &session.csrf)) {
            return refused_csrf();
        }
        let bytes = match axum::body::to_bytes(body, MAX_UPLOAD).await {
            Ok(b) => b,
            Err(_) => return too_large(lang),
        };
        Request::from_parts(parts, Body::from(bytes))
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let bytes = match axum::body::to_bytes(body, MAX_FORM).await {
            Ok(b) => b,
            Err(_) => return too_large(lang),
        };
        let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf"))
            .map(|(_, v)| v);
        if !token.is_some_and(|t| same_token(&t, &session.csrf)) {
            return refused_csrf();
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        return refused_csrf();
    };
    let mut request = request;
    request.extensions_mut().insert(session);
    next.run(request).await
}

fn too_large(lang: Lang) -> Response {
    plain(
        StatusCode::PAYLOAD_TOO_LARGE,
        lang,
        "Envoi trop volumineux.",
        "Upload too large.",
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_loopback_listens() {
        assert!(check_listen("127.0.0.1:4716").is_ok());
        assert!(check_listen("[::1]:4716").is_ok());
        assert!(check_listen("localhost:4716").is_ok());
        assert!(matches!(
            check_listen("0.0.0.0:4716"),
            Err(ListenError::NotLoopback(_))
        ));
        assert!(matches!(
            check_listen("192.168.1.10:4716"),
            Err(ListenError::NotLoopback(_))
        ));
        assert!(matches!(
            check_listen("nowhere"),
            Err(ListenError::Invalid(_))
        ));
        let fr = check_listen("0.0.0.0:4716")
            .unwrap_err()
            .localized(Lang::Fr);
        assert!(
            fr.contains("refusée") && fr.contains("0.0.0.0:4716"),
            "{fr}"
        );
    }

    #[test]
    fn login_token_works_once() {
        let s = Sessions::new(1);
        let t = s.login_token().unwrap();
        assert!(s.redeem("wrong").is_none());
        let id = s.redeem(&t).unwrap();
        assert!(s.get(&id).is_some());
        assert!(s.redeem(&t).is_none());
        assert!(s.login_token().is_none());
    }
}
