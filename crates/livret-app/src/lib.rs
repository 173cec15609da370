//! livret-app: the livret's local web interface. One process runs the device's libp2p node
//! (as `livret serve` does) and serves pages on the loopback address only; the browser talks
//! to nothing else.
//!
//! This crate holds no policy: every action calls the same `livret` API as the command line,
//! and a refused action shows the API's message in the page, having written nothing. Its own
//! rules are those of a local web server (see [`security`]): loopback only, one-time login
//! token → session cookie, CSRF token on every POST, `Host` and `Origin` checked, a strict
//! Content-Security-Policy, bounded bodies.

mod backup;
mod bilans;
mod care;
mod common;
mod family;
mod home;
pub mod i18n;
mod jury;
mod photo;
mod redeem;
mod scan;
mod school;
pub mod security;
mod sessions;
mod state;
mod teacher;
mod teams;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use livret::SharedDevice;
use livret_net::Node;

pub use photo::decode_qr_text;
pub use security::{check_listen, ListenError, CSP};

/// The app's default port (the node's is 4715).
pub const DEFAULT_PORT: u16 = 4716;

/// The default `--listen` address.
pub fn default_listen() -> String {
    format!("127.0.0.1:{DEFAULT_PORT}")
}

/// The routes, behind the security middleware.
fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(common::login))
        .route("/lang/{code}", get(common::switch_lang))
        .route("/assets/app.css", get(common::css))
        .route("/assets/app.js", get(common::js))
        .route("/sync", post(common::sync))
        .route("/sync/status", get(common::sync_progress))
        .route("/children", post(family::add_child))
        .route("/livrets/{id}", get(family::livret))
        .route(
            "/livrets/{id}/invite",
            get(family::invite_form).post(family::invite),
        )
        .route("/livrets/{id}/invite/events", get(family::invite_events))
        .route("/livrets/{id}/grants", get(family::grants))
        .route(
            "/livrets/{id}/redeems",
            get(redeem::claims).post(redeem::decide),
        )
        .route("/accept/code", get(redeem::code))
        .route(
            "/livrets/{id}/grants/{grant}/revoke",
            get(family::revoke_confirm).post(family::revoke),
        )
        .route("/livrets/{id}/audit", get(family::audit))
        .route("/livrets/{id}/livret.pdf", get(family::pdf))
        .route(
            "/livrets/{id}/accompagnement",
            get(care::accompagnement).post(care::write_measure),
        )
        .route("/livrets/{id}/accompagnement/open", post(care::open))
        .route(
            "/livrets/{id}/forget",
            get(care::forget_confirm).post(care::forget),
        )
        .route(
            "/livrets/{id}/delete",
            get(care::delete_confirm).post(care::delete),
        )
        .route(
            "/livrets/{id}/extract",
            get(jury::extract_form_page).post(jury::extract),
        )
        .route("/scan", post(scan::scan))
        .route("/devices", get(backup::page_get))
        .route("/devices/revoke", post(backup::revoke))
        .route("/recovery", post(backup::recovery))
        .route("/import", post(backup::import))
        .route("/livrets/{id}/export.json", get(backup::export))
        .route("/trust", post(family::trust))
        .route("/certify", post(school::certify))
        .route("/certificate", post(teacher::import_certificate))
        .route("/accept", post(teacher::accept))
        .route("/accept/photo", post(teacher::accept_photo))
        .route("/classes/{class}", get(teacher::class))
        .route("/teams", get(teams::teams).post(teams::create))
        .route("/teams/sync", post(teams::sync_colleague))
        .route("/teams/{team}/members", post(teams::add_member))
        .route("/teams/{team}/remove", post(teams::remove_member))
        .route("/teams/{team}/card", get(teams::card))
        .route("/livrets/{id}/team", get(teams::grant_form))
        .route("/livrets/{id}/team/read", post(teams::read_card))
        .route("/livrets/{id}/team/photo", post(teams::read_photo))
        .route("/livrets/{id}/team/grant", post(teams::grant))
        .route(
            "/classes/{class}/grid",
            get(teacher::grid).post(teacher::save_grid),
        )
        .route(
            "/livrets/{id}/cycle",
            get(bilans::cycle_form).post(bilans::cycle_save),
        )
        .route("/classes/{class}/lsu.xml", get(bilans::lsu_export))
        .route("/lsu/import", post(bilans::lsu_import))
        .route("/lsu/confirm", post(bilans::lsu_confirm))
        .route("/lsu/school", post(bilans::lsu_school))
        .route("/lsu/pupil", post(bilans::lsu_pupil))
        .fallback(common::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(security::MAX_UPLOAD))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        .with_state(state)
}

use state::AppState;

/// The app bound to its address, not yet serving.
pub struct App {
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
}

impl App {
    /// Binds the app on `listen` (loopback only) for the device `dev` and its running `node`.
    pub async fn bind(dev: SharedDevice, node: Node, listen: SocketAddr) -> std::io::Result<App> {
        if !listen.ip().is_loopback() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                ListenError::NotLoopback(listen.to_string()).to_string(),
            ));
        }
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        Ok(App {
            state: Arc::new(AppState::new(dev, node, addr)),
            listener,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.state.addr
    }

    /// The address to open, with the one-time login token (`None` once used).
    pub fn login_url(&self) -> Option<String> {
        let token = self.state.sessions.login_token()?;
        Some(format!("http://{}/login?token={token}", self.addr()))
    }

    /// Serves until `shutdown` resolves.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = router(self.state);
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Tries to open `url` in the browser (xdg-open, open); failure is not an error.
pub fn open_browser(url: &str) -> bool {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}
