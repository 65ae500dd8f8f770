//! The page frame every page shares (header, navigation, footer), built with [`maud`]:
//! every value interpolated into a template is escaped by the template engine, so no
//! page can forget to escape one. HTML that is already markup is a [`Markup`]; a plain
//! `String` is always text.
//!
//! URL query values are percent-encoded with [`query_value`] before they go into an
//! `href` (which the template then escapes as an attribute).

use super::session::Session;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
pub use maud::{html, Markup, DOCTYPE};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use records::Role;

/// What a URL query value keeps unencoded: RFC 3986's unreserved characters.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes `s` for a URL query value (RFC 3986 unreserved characters kept).
pub fn query_value(s: &str) -> String {
    utf8_percent_encode(s, QUERY_VALUE).to_string()
}

/// A hidden form field carrying the session's CSRF token.
pub fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

/// The first 12 hex digits of a hash, with the whole hash as a tooltip.
pub fn short_hash(hash: &str) -> Markup {
    let short: String = hash.chars().take(12).collect();
    html! { code.hash title=(hash) { (short) } }
}

/// Which navigation entry is the current page.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Determine,
    Classify,
    Map,
    Records,
    Queue,
    None,
}

/// The `<head>` of every page.
pub fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · ace" }
            link rel="icon" href="/ui/assets/logo.svg" type="image/svg+xml";
            link rel="stylesheet" href="/ui/assets/ui.css";
            script src="/ui/assets/ui.js" defer {}
        }
    }
}

/// A full page: `<head>`, the header with navigation (when signed in), `main`, footer.
pub fn page(title: &str, session: Option<&Session>, current: Nav, main: Markup) -> Html<String> {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip href="#main" { "Skip to content" }
                (header(session, current))
                main #main { (main) }
                footer.site-footer { (decide::NOT_LEGAL_ADVICE) }
            }
        }
    };
    Html(markup.into_string())
}

/// The brand link at the start of the header.
fn brand() -> Markup {
    html! {
        a.brand href="/ui" {
            img src="/ui/assets/logo.svg" alt="" width="28" height="28";
            " ace " span { "export compliance" }
        }
    }
}

/// The site header: brand, navigation and the signed-in token with a sign-out button.
fn header(session: Option<&Session>, current: Nav) -> Markup {
    let Some(session) = session else {
        return html! { header.site-header { (brand()) } };
    };
    let item = |nav: Nav, href: &str, label: &str| {
        html! { li { a href=(href) aria-current=[(nav == current).then_some("page")] { (label) } } }
    };
    html! {
        header.site-header {
            (brand())
            nav aria-label="Main" {
                ul {
                    (item(Nav::Determine, "/ui", "Determination"))
                    (item(Nav::Classify, "/ui/classify", "Classify"))
                    (item(Nav::Map, "/ui/map", "Map"))
                    (item(Nav::Records, "/ui/records", "Records"))
                    @if may_see_queue(session.role) {
                        (item(Nav::Queue, "/ui/queue", "Review queue"))
                    }
                }
            }
            form.signout method="post" action="/ui/logout" {
                (csrf_field(session))
                span.who { (session.token_name) " " span.role { (session.role.as_str()) } }
                " "
                button.link type="submit" { "Sign out" }
            }
        }
    }
}

/// An error page with a status code: a heading and one message.
pub fn error_page(status: StatusCode, session: Option<&Session>, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let body = html! {
        h1 { (title) }
        p.notice.error role="alert" { (message) }
        p { a href="/ui" { "Back to the determination form" } }
    };
    (status, page(title, session, Nav::None, body)).into_response()
}

/// Whether a role may submit determinations.
pub fn may_determine(role: Role) -> bool {
    matches!(role, Role::Analyst | Role::Reviewer | Role::Admin)
}

/// Whether a role may decide on screening matches.
pub fn may_review(role: Role) -> bool {
    matches!(role, Role::Reviewer | Role::Admin)
}

/// Whether a role sees the review queue.
pub fn may_see_queue(role: Role) -> bool {
    matches!(role, Role::Reviewer | Role::Auditor | Role::Admin)
}

/// A human label for a list code as serialized by `lists` (`EL`, `SDN`, ...).
pub fn list_label(code: &str) -> &str {
    match code {
        "EL" => "Entity List",
        "DPL" => "Denied Persons List",
        "UVL" => "Unverified List",
        "MEU" => "Military End User List",
        "SDN" => "OFAC SDN List",
        "SSI" => "OFAC Sectoral Sanctions",
        "FSE" => "OFAC Foreign Sanctions Evaders",
        "PLC" => "OFAC Non-SDN PLC",
        "MBS" => "OFAC Non-SDN Menu-Based Sanctions",
        "CMIC" => "OFAC Non-SDN CMIC",
        "CAP" => "OFAC CAPTA List",
        "ISN" => "State Dept. Nonproliferation Sanctions",
        "DTC" => "ITAR Debarred",
        "UN" => "UN Security Council Consolidated List",
        other => other,
    }
}

/// The label of a trace step as serialized by `decide` (`country_chart`, ...).
pub fn step_label(step: &str) -> String {
    match step {
        "period" => "Period".into(),
        "subject_to_ear" => "Subject to the EAR".into(),
        "classification" => "Classification".into(),
        "parties" => "Parties (lists)".into(),
        "end_use" => "End use (part 744)".into(),
        "embargo" => "Embargoes (part 746)".into(),
        "country_chart" => "Country Chart".into(),
        "license_exception" => "License Exception ACE".into(),
        "route" => "Route (every leg)".into(),
        "note" => "Note".into(),
        other => other.replace('_', " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_escape_every_special_character() {
        let markup = html! { p title=(r#"a"b"#) { (r#"<script>alert("x&y")</script>"#) } };
        assert_eq!(
            markup.into_string(),
            r#"<p title="a&quot;b">&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;</p>"#
        );
    }

    #[test]
    fn templates_leave_plain_and_non_ascii_text_alone() {
        assert_eq!(
            html! { (("Türkiye — 4D004")) }.into_string(),
            "Türkiye — 4D004"
        );
    }

    #[test]
    fn query_values_keep_unreserved_characters_only() {
        assert_eq!(
            query_value("4D001.a (for 4D004)"),
            "4D001.a%20%28for%204D004%29"
        );
        assert_eq!(query_value("a&b=c"), "a%26b%3Dc");
        assert_eq!(query_value("Côte"), "C%C3%B4te");
    }
}
