//! API tokens and roles: who is calling (`Authorization: Bearer <token>`) and what that
//! role may do.
//!
//! | role     | read records, lists, rules | determinations, screenings, classifications | reviews | tokens |
//! |----------|:--:|:--:|:--:|:--:|
//! | analyst  | ✓ | ✓ |   |   |
//! | reviewer | ✓ | ✓ | ✓ |   |
//! | auditor  | ✓ |   |   |   |
//! | admin    | ✓ | ✓ | ✓ | ✓ |

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use records::{Role, Token};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What a request wants to do, for the role check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read records, lists, rules, the questionnaire, the matrix.
    Read,
    /// Create determinations, screenings and classifications.
    Create,
    /// Decide on screening hits.
    Review,
    /// Manage tokens and lists.
    Admin,
}

impl Permission {
    /// How the permission reads in a 403 message.
    fn action(self) -> &'static str {
        match self {
            Permission::Read => "read records",
            Permission::Create => "create determinations, screenings or classifications",
            Permission::Review => "record review decisions (reviewer or admin only)",
            Permission::Admin => "manage tokens or lists (admin only)",
        }
    }
}

/// Whether `role` has `permission`.
pub fn allows(role: Role, permission: Permission) -> bool {
    match role {
        Role::Admin => true,
        Role::Reviewer => permission != Permission::Admin,
        Role::Analyst => matches!(permission, Permission::Read | Permission::Create),
        Role::Auditor => permission == Permission::Read,
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's name: recorded as the actor.
    pub name: String,
    pub role: Role,
}

impl Caller {
    /// `Ok` when the caller's role has `permission`, else 403.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if allows(self.role, permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                role: self.role.as_str().to_string(),
                action: permission.action().to_string(),
            })
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let secret = bearer(parts).ok_or(ApiError::Unauthenticated)?;
        let token = authenticate(state, secret).await?;
        Ok(Caller {
            name: token.name,
            role: token.role,
        })
    }
}

/// The secret of an `Authorization: Bearer <secret>` header.
fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.trim().split_once(' ')?;
    let secret = secret.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !secret.is_empty()).then(|| secret.to_string())
}

/// The token of a secret: from the cache, else from the store (off the async threads).
async fn authenticate(state: &AppState, secret: String) -> Result<Token, ApiError> {
    let key = records::sha256_hex(secret.as_bytes());
    if let Some(token) = state.inner.tokens.get(&key) {
        return Ok(token);
    }
    let store = state.store().clone();
    let found = tokio::task::spawn_blocking(move || store.authenticate(&secret))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let token = found.ok_or(ApiError::Unauthenticated)?;
    state.inner.tokens.put(key, token.clone());
    Ok(token)
}

/// How long a verified token is trusted without asking the store again.
const TOKEN_TTL: Duration = Duration::from_secs(60);
/// Most tokens remembered; the cache is cleared when full.
const TOKEN_CACHE_MAX: usize = 10_000;

/// Recently verified tokens by the SHA-256 of their secret, so that a request does not
/// cost a database read. Only successes are kept: a new token works at once.
#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, (Token, Instant)>>,
}

impl TokenCache {
    fn get(&self, key: &str) -> Option<Token> {
        let entries = self.entries.lock().ok()?;
        let (token, at) = entries.get(key)?;
        (at.elapsed() < TOKEN_TTL).then(|| token.clone())
    }

    fn put(&self, key: String, token: Token) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= TOKEN_CACHE_MAX {
                entries.clear();
            }
            entries.insert(key, (token, Instant::now()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_matrix() {
        use Permission::*;
        let can = |r, p| allows(r, p);
        assert!(can(Role::Analyst, Create) && !can(Role::Analyst, Review));
        assert!(can(Role::Reviewer, Review) && !can(Role::Reviewer, Admin));
        assert!(can(Role::Auditor, Read) && !can(Role::Auditor, Create));
        assert!([Read, Create, Review, Admin]
            .iter()
            .all(|p| can(Role::Admin, *p)));
    }
}
