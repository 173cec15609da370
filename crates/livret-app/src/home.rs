//! `GET /`: the home page of the device's role. Above the role pages, which it dispatches to.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use livret::core::Role;

use crate::common::Page;
use crate::state::AppState;

/// `GET /`: the home of the device's role.
pub async fn home(page: Page, State(state): State<Arc<AppState>>) -> Response {
    match page.role {
        Role::Family => crate::family::home(&page, &state, None, None),
        Role::Teacher => crate::teacher::home(&page, &state, None, None),
        Role::School => crate::school::home(&page, &state, None, None),
        Role::Jury => crate::jury::home(&page, &state, None, None),
    }
}
