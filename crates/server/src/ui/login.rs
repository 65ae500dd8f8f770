//! Signing in with an API token, and signing out.

use super::html::{html, page, Nav};
use super::session::{self, Signed, COOKIE_NAME, LIFETIME, LOGIN_COOKIE};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use std::time::Duration;

/// How long the sign-in form stays valid.
const LOGIN_NONCE_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// The sign-in form as posted.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    nonce: String,
}

/// A form posted with only its CSRF token (sign-out, verify).
#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

/// `GET /ui/login`: the form, with a fresh double-submit nonce.
pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if session::from_headers(&state, &headers).await.is_some() {
        return session::see_other("/ui");
    }
    login_page(&headers, StatusCode::OK, None)
}

/// The sign-in page with an optional error; sets the nonce cookie.
fn login_page(headers: &HeaderMap, status: StatusCode, error: Option<&str>) -> Response {
    let nonce = session::random_token();
    let body = html! {
        section.card.narrow {
            h1 { "Sign in" }
            p.muted {
                "Paste your API token. An administrator creates one with "
                code { "ace tokens create --name NAME --role ROLE" } "."
            }
            @if let Some(e) = error { p.notice.error role="alert" { (e) } }
            form.stack method="post" action="/ui/login" {
                input type="hidden" name="nonce" value=(nonce);
                label for="token" { "API token" }
                input id="token" name="token" type="password" autocomplete="off" required autofocus;
                button.primary type="submit" { "Sign in" }
            }
        }
    };
    let mut response = (status, page("Sign in", None, Nav::None, body)).into_response();
    let cookie = session::set_cookie(headers, LOGIN_COOKIE, &nonce, LOGIN_NONCE_LIFETIME);
    response.headers_mut().append(SET_COOKIE, cookie);
    response
}

/// `POST /ui/login`: checks the nonce and the token, then starts a session.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = session::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if form.nonce.is_empty() || !session::same_secret(&form.nonce, &expected) {
        return login_page(
            &headers,
            StatusCode::FORBIDDEN,
            Some("The sign-in form expired or was not sent by this browser. Try again."),
        );
    }
    let secret = form.token.trim().to_string();
    match session::sign_in(&state, secret).await {
        Ok(Some(signed)) => {
            let mut response = session::see_other("/ui");
            let set = response.headers_mut();
            set.append(
                SET_COOKIE,
                session::set_cookie(&headers, COOKIE_NAME, &signed.id, LIFETIME),
            );
            set.append(
                SET_COOKIE,
                session::set_cookie(&headers, LOGIN_COOKIE, "", Duration::ZERO),
            );
            response
        }
        Ok(None) => login_page(
            &headers,
            StatusCode::UNAUTHORIZED,
            Some("Unknown, expired or revoked token."),
        ),
        Err(e) => login_page(
            &headers,
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(&format!("Record store: {e}")),
        ),
    }
}

/// `POST /ui/logout`: ends the session (CSRF-checked) and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Some(refused) = signed.csrf_refusal(&form.csrf) {
        return refused;
    }
    if let Err(e) = session::sign_out(&state, signed.id.clone()).await {
        return super::html::error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(&signed.session),
            &format!(
                "Signing out could not be recorded ({e}); the session is still open. Try again."
            ),
        );
    }
    let mut response = session::see_other("/ui/login");
    response.headers_mut().append(
        SET_COOKIE,
        session::set_cookie(&headers, COOKIE_NAME, "", Duration::ZERO),
    );
    response
}
