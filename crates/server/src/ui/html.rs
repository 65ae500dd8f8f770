//! Building HTML as strings: one escape function every user-provided or stored value
//! goes through, and the page frame (header, navigation, footer) every page shares.
//!
//! Rule of this module and its callers: a `format!` that builds HTML interpolates only
//! literals, numbers, other HTML built here, or `esc(...)` of a string.

use super::session::Session;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use records::Role;

/// Escapes `s` for HTML text and for double- or single-quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Percent-encodes `s` for a URL query value (RFC 3986 unreserved characters kept).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A hidden form field carrying the session's CSRF token.
pub fn csrf_field(session: &Session) -> String {
    format!(
        r#"<input type="hidden" name="csrf" value="{}">"#,
        esc(&session.csrf)
    )
}

/// The first 12 hex digits of a hash, with the whole hash as a tooltip.
pub fn short_hash(hash: &str) -> String {
    let short: String = hash.chars().take(12).collect();
    format!(
        r#"<code class="hash" title="{}">{}</code>"#,
        esc(hash),
        esc(&short)
    )
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

/// A full page: `<head>`, the header with navigation (when signed in), `main`, footer.
pub fn page(title: &str, session: Option<&Session>, current: Nav, main: &str) -> Html<String> {
    Html(format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · ace</title>
<link rel="icon" href="/ui/assets/logo.svg" type="image/svg+xml">
<link rel="stylesheet" href="/ui/assets/ui.css">
<script src="/ui/assets/ui.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
{header}
<main id="main">
{main}
</main>
<footer class="site-footer">{notice}</footer>
</body>
</html>"##,
        title = esc(title),
        header = header(session, current),
        notice = esc(decide::NOT_LEGAL_ADVICE),
    ))
}

/// The site header: brand, navigation and the signed-in token with a sign-out button.
fn header(session: Option<&Session>, current: Nav) -> String {
    let Some(session) = session else {
        return r#"<header class="site-header"><a class="brand" href="/ui"><img src="/ui/assets/logo.svg" alt="" width="28" height="28"> ace <span>export compliance</span></a></header>"#.to_string();
    };
    let item = |nav: Nav, href: &str, label: &str| {
        let here = if nav == current {
            r#" aria-current="page""#
        } else {
            ""
        };
        format!(r#"<li><a href="{href}"{here}>{label}</a></li>"#)
    };
    format!(
        r#"<header class="site-header">
<a class="brand" href="/ui"><img src="/ui/assets/logo.svg" alt="" width="28" height="28"> ace <span>export compliance</span></a>
<nav aria-label="Main"><ul>{}{}{}{}{}</ul></nav>
<form class="signout" method="post" action="/ui/logout">{}<span class="who">{} <span class="role">{}</span></span> <button type="submit" class="link">Sign out</button></form>
</header>"#,
        item(Nav::Determine, "/ui", "Determination"),
        item(Nav::Classify, "/ui/classify", "Classify"),
        item(Nav::Map, "/ui/map", "Map"),
        item(Nav::Records, "/ui/records", "Records"),
        if may_see_queue(session.role) {
            item(Nav::Queue, "/ui/queue", "Review queue")
        } else {
            String::new()
        },
        csrf_field(session),
        esc(&session.token_name),
        esc(session.role.as_str()),
    )
}

/// An error page with a status code: a heading and one escaped message.
pub fn error_page(status: StatusCode, session: Option<&Session>, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let body = format!(
        r#"<h1>{}</h1><p class="notice error" role="alert">{}</p><p><a href="/ui">Back to the determination form</a></p>"#,
        esc(title),
        esc(message)
    );
    (status, page(title, session, Nav::None, &body)).into_response()
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
    fn escapes_every_special_character() {
        assert_eq!(
            esc(r#"<script>alert("x&'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&amp;&#39;y&#39;)&lt;/script&gt;"
        );
    }

    #[test]
    fn leaves_plain_and_non_ascii_text_alone() {
        assert_eq!(esc("Türkiye — 4D004"), "Türkiye — 4D004");
        assert_eq!(esc(""), "");
    }

    #[test]
    fn url_encoding_keeps_unreserved_only() {
        assert_eq!(
            url_encode("4D001.a (for 4D004)"),
            "4D001.a%20%28for%204D004%29"
        );
        assert_eq!(url_encode("a&b=c"), "a%26b%3Dc");
    }
}
