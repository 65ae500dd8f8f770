//! Browser sessions and CSRF protection.
//!
//! Design: signing in posts an API token; once [`records::RecordStore::authenticate`]
//! accepts it, a session is kept **server-side** in this process (a map from a random
//! 256-bit id to the token's name, its role, a random 256-bit CSRF token and an absolute
//! expiry of [`LIFETIME`]). The browser only holds the id, in the cookie `ace_session`
//! (`HttpOnly; SameSite=Strict; Path=/`, plus `Secure` when the request came over https
//! through a proxy that says so in `X-Forwarded-Proto`). The token secret is never stored.
//!
//! Every state-changing form (`POST`) carries the session's CSRF token in a hidden field
//! `csrf`; a missing or different one is refused with 403 before anything is done. The
//! sign-in form, which has no session yet, uses a double-submit nonce: a short-lived
//! cookie `ace_login` and the same value in the form.
//!
//! Sessions die with the process (sign in again after a restart); with several servers
//! behind one address, the balancer must keep a browser on one server (sticky sessions).

use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use records::Role;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "ace_session";
/// The sign-in nonce cookie's name.
pub const LOGIN_COOKIE: &str = "ace_login";
/// How long a session lasts after sign-in.
pub const LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);

/// A signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    /// The API token's name: the actor of everything done in this session.
    pub token_name: String,
    pub role: Role,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
    expires: Instant,
}

/// The sessions of this process.
fn sessions() -> &'static Mutex<HashMap<String, Session>> {
    static SESSIONS: OnceLock<Mutex<HashMap<String, Session>>> = OnceLock::new();
    SESSIONS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Locks the session map; a poisoned lock still holds valid data (entries are replaced whole).
fn lock() -> std::sync::MutexGuard<'static, HashMap<String, Session>> {
    sessions()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// 32 random bytes as 64 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    if let Err(e) = getrandom::getrandom(&mut bytes) {
        // Without an OS random source no session can be safe: refuse to go on.
        panic!("no OS random source for session ids: {e}");
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts a session for a token; returns its id. Expired sessions are dropped on the way.
pub fn create(token_name: &str, role: Role) -> String {
    let id = random_token();
    let session = Session {
        token_name: token_name.to_string(),
        role,
        csrf: random_token(),
        expires: Instant::now() + LIFETIME,
    };
    let mut map = lock();
    let now = Instant::now();
    map.retain(|_, s| s.expires > now);
    map.insert(id.clone(), session);
    id
}

/// Ends a session.
pub fn destroy(id: &str) {
    lock().remove(id);
}

/// The live session with this id.
fn find(id: &str) -> Option<Session> {
    let map = lock();
    map.get(id).filter(|s| s.expires > Instant::now()).cloned()
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
pub fn from_headers(headers: &HeaderMap) -> Option<(String, Session)> {
    let id = cookie(headers, COOKIE_NAME)?;
    find(&id).map(|s| (id, s))
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

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Response> {
        match from_headers(&parts.headers) {
            Some((id, session)) => Ok(Signed { id, session }),
            None => {
                let mut response = see_other("/ui/login");
                if cookie(&parts.headers, COOKIE_NAME).is_some() {
                    // An expired or unknown session: clear the stale cookie.
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
    fn sessions_are_found_by_id_until_destroyed() {
        let id = create("alice", Role::Reviewer);
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("x=1; {COOKIE_NAME}={id}")).unwrap(),
        );
        let (found, session) = from_headers(&headers).unwrap();
        assert_eq!(found, id);
        assert_eq!(session.token_name, "alice");
        assert_eq!(session.csrf.len(), 64);
        destroy(&id);
        assert!(from_headers(&headers).is_none());
    }

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
