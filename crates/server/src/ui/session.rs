//! Browser sessions and CSRF protection.
//!
//! Design: signing in posts an API token; [`records::RecordStore::sign_in`] checks it and
//! keeps the session **in the record store's database** (the SHA-256 of a random 256-bit
//! id, the token's name, a random 256-bit CSRF token and an absolute expiry of
//! [`LIFETIME`], never past the token's own), and records the sign-in. Every server on the
//! same database therefore knows every session: several servers behind one load balancer
//! need no sticky sessions, and a restart signs nobody out. A session counts only while its
//! token is active with the secret it was started with, so revoking or rotating the token
//! ends it at once on every server. The browser only holds the id, in the cookie
//! `ace_session` (`HttpOnly; SameSite=Strict; Path=/`, plus `Secure` when the request came
//! over https through a proxy that says so in `X-Forwarded-Proto`). The token secret is
//! never stored.
//!
//! Every state-changing form (`POST`) carries the session's CSRF token in a hidden field
//! `csrf`; a missing or different one is refused with 403 before anything is done. The
//! sign-in form, which has no session yet, uses a double-submit nonce: a short-lived
//! cookie `ace_login` and the same value in the form.

use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
pub use records::Session;
use records::{Role, SignIn};
use std::time::Duration;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "ace_session";
/// The sign-in nonce cookie's name.
pub const LOGIN_COOKIE: &str = "ace_login";
/// How long a session lasts after sign-in.
pub const LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);

/// 32 random bytes as 64 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    if let Err(e) = getrandom::getrandom(&mut bytes) {
        // Without an OS random source no session can be safe: refuse to go on.
        panic!("no OS random source for session ids: {e}");
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts a session for the token of `secret` (recorded); `Ok(None)` when the secret is no
/// active token's.
pub async fn sign_in(state: &AppState, secret: String) -> Result<Option<SignIn>, String> {
    let store = state.store().clone();
    tokio::task::spawn_blocking(move || store.sign_in(&secret, LIFETIME))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// Ends a session (recorded).
pub async fn sign_out(state: &AppState, id: String) -> Result<(), String> {
    let store = state.store().clone();
    tokio::task::spawn_blocking(move || store.sign_out(&id))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// The live session with this id, if any (a store error counts as none: sign in again).
async fn find(state: &AppState, id: String) -> Option<Session> {
    let store = state.store().clone();
    match tokio::task::spawn_blocking(move || store.session(&id)).await {
        Ok(Ok(found)) => found,
        Ok(Err(e)) => {
            eprintln!("ace: session look-up failed (the browser is asked to sign in): {e}");
            None
        }
        Err(_) => None,
    }
}

/// The value of cookie `name` in the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The session the request's cookie names, with its id.
pub async fn from_headers(state: &AppState, headers: &HeaderMap) -> Option<Signed> {
    let id = cookie(headers, COOKIE_NAME)?;
    let session = find(state, id.clone()).await?;
    Some(Signed { id, session })
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure behind https.
pub fn set_cookie(headers: &HeaderMap, name: &str, value: &str, max_age: Duration) -> HeaderValue {
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let cookie = format!(
        "{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        max_age.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A request from a signed-in browser; any other is sent to the sign-in page.
#[derive(Debug, Clone)]
pub struct Signed {
    pub id: String,
    pub session: Session,
}

impl Signed {
    /// The refusal (403 page) of a form whose CSRF token is not this session's; `None`
    /// when the token is right.
    pub fn csrf_refusal(&self, sent: &str) -> Option<Response> {
        if !sent.is_empty() && same_secret(sent, &self.session.csrf) {
            return None;
        }
        Some(super::html::error_page(
            StatusCode::FORBIDDEN,
            Some(&self.session),
            "This form could not be verified (missing or wrong CSRF token). Reload the page and try again.",
        ))
    }

    /// The refusal (403 page) of a role that is not allowed to do `action`; `None` when
    /// it is.
    pub fn role_refusal(&self, allowed: fn(Role) -> bool, action: &str) -> Option<Response> {
        if allowed(self.session.role) {
            return None;
        }
        Some(super::html::error_page(
            StatusCode::FORBIDDEN,
            Some(&self.session),
            &format!("The role {} cannot {action}.", self.session.role.as_str()),
        ))
    }
}

/// A 303 redirect.
pub fn see_other(to: &str) -> Response {
    let location = HeaderValue::from_str(to).unwrap_or_else(|_| HeaderValue::from_static("/ui"));
    (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response()
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match from_headers(state, &parts.headers).await {
            Some(signed) => Ok(signed),
            None => {
                let mut response = see_other("/ui/login");
                if cookie(&parts.headers, COOKIE_NAME).is_some() {
                    // An expired, ended or unknown session: clear the stale cookie.
                    let clear = set_cookie(&parts.headers, COOKIE_NAME, "", Duration::ZERO);
                    response.headers_mut().insert(SET_COOKIE, clear);
                }
                Err(response)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random() {
        assert_ne!(random_token(), random_token());
    }

    #[test]
    fn cookie_flags() {
        let mut headers = HeaderMap::new();
        let plain = set_cookie(&headers, COOKIE_NAME, "abc", LIFETIME);
        assert_eq!(
            plain.to_str().unwrap(),
            "ace_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=28800"
        );
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(set_cookie(&headers, COOKIE_NAME, "abc", LIFETIME)
            .to_str()
            .unwrap()
            .ends_with("; Secure"));
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
