//! The OpenAPI document, generated from the handlers' annotations and the types'
//! `ToSchema` derives (the domain crates derive it behind their `openapi` feature).

use super::{decisions, ops, records, reference, ROLES};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ace",
        description = "License Exception ACE determinations, restricted-party screening and hash-chained records over HTTP. JSON in and out; the transaction document is the one of `ace check --input`. Errors are RFC 9457 problem documents (`application/problem+json`: `type`, `title`, `status`, `detail`, plus `error`, `field` and `message`) — 400 names the field, 401 without a token (with `WWW-Authenticate: Bearer`), 403 for a role that may not, 404/405 for a path or method not served, 413 over 1 MiB, 415 for a body not sent as `application/json`.",
    ),
    paths(
        ops::healthz, ops::metrics, ops::openapi,
        decisions::determination, decisions::current_determination, decisions::review_queue,
        decisions::screening, decisions::review, decisions::red_flag_review,
        decisions::classification, decisions::questions, decisions::matrix,
        records::list, records::one, records::replay, records::impact, records::export, records::verify, records::tokens, records::create_token, records::revoke_token, records::rotate_token,
        reference::lists, reference::rules, reference::groups, reference::group,
        reference::country, reference::eccns, reference::eccn, reference::embargoes,
        reference::periods,
    ),
    modifiers(&Security),
)]
struct Api;

/// Adds the bearer-token scheme and the role matrix.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(ROLES))
                    .build(),
            ),
        );
        let description = openapi.info.description.take().unwrap_or_default();
        openapi.info.description = Some(format!("{description}\n\n```\n{ROLES}\n```"));
    }
}

/// The document served at `/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    Api::openapi()
}
