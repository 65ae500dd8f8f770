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

/// The active token of a secret, asked of the store on every request: from its memory or a
/// connection at hand when it can answer without waiting (the PostgreSQL store's tokens are
/// kept current by notifications, so a revoked token stops on every server within a round
/// trip; SQLite reads the table), else off the async threads. Nothing is cached here.
async fn authenticate(state: &AppState, secret: String) -> Result<Token, ApiError> {
    let found = match state.store().authenticate_at_hand(&secret) {
        Some(found) => found?,
        None => {
            let store = state.store().clone();
            tokio::task::spawn_blocking(move || store.authenticate(&secret))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))??
        }
    };
    found.ok_or(ApiError::Unauthenticated)
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
