//! The UI through the whole application router (`tower::ServiceExt::oneshot`): sign-in,
//! sessions, CSRF and roles, and what the pages show.

use crate::state::AppState;
use axum::body::Body;
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use records::Role;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

/// The bundled regulation and list snapshot, loaded once.
fn bundled() -> &'static (ear::Law, lists::Snapshot) {
    static BUNDLED: OnceLock<(ear::Law, lists::Snapshot)> = OnceLock::new();
    BUNDLED.get_or_init(|| {
        (
            ear::Law::bundled().expect("rules"),
            lists::bundled().expect("lists"),
        )
    })
}

/// An application over a temporary store, with one token per role.
struct Fixture {
    app: Router,
    state: AppState,
    tokens: Vec<(Role, String)>,
    _dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = records::open(&dir.path().join("r.sqlite3").to_string_lossy()).unwrap();
        let tokens = [Role::Analyst, Role::Reviewer, Role::Auditor, Role::Admin]
            .into_iter()
            .map(|role| {
                let new = records::NewToken {
                    name: role.as_str().to_string(),
                    role,
                    expires_at: None,
                    actor: "admin".to_string(),
                };
                (role, store.create_token(&new).unwrap())
            })
            .collect();
        let (law, snapshot) = bundled();
        let screener = screen::Screener::new(snapshot.entries.clone());
        let state = AppState::new(
            law.clone(),
            screener,
            snapshot.meta.clone(),
            Arc::from(store),
        );
        Fixture {
            app: crate::router(state.clone()),
            state,
            tokens,
            _dir: dir,
        }
    }

    fn token(&self, role: Role) -> &str {
        &self.tokens.iter().find(|(r, _)| *r == role).unwrap().1
    }

    async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    async fn get(&self, uri: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::get(uri);
        if let Some(c) = cookie {
            request = request.header(COOKIE, c);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    async fn post(&self, uri: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Reply {
        let body = form
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    super::html::query_value(k),
                    super::html::query_value(v)
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let mut request =
            Request::post(uri).header("content-type", "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            request = request.header(COOKIE, c);
        }
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    /// Signs in with the role's token; returns the session cookie and the CSRF token.
    async fn sign_in(&self, role: Role) -> (String, String) {
        let form = self.get("/ui/login", None).await;
        let nonce = hidden(&form.body, "nonce");
        let login_cookie = cookie_pair(&form, "ace_login");
        let signed = self
            .post(
                "/ui/login",
                Some(&login_cookie),
                &[("nonce", &nonce), ("token", self.token(role))],
            )
            .await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
        let session = cookie_pair(&signed, "ace_session");
        let home = self.get("/ui", Some(&session)).await;
        assert_eq!(home.status, StatusCode::OK);
        (session.clone(), hidden(&home.body, "csrf"))
    }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// The value of the first hidden field `name` in a page.
fn hidden(body: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name}"))
        + marker.len();
    body[start..].split('"').next().unwrap().to_string()
}

/// `name=value` of a cookie the reply sets.
fn cookie_pair(reply: &Reply, name: &str) -> String {
    reply
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no cookie {name}"))
        .to_string()
}

fn determination<'a>(
    csrf: &'a str,
    destination: &'a str,
    name: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("eccn", "4D004"),
        ("destination", destination),
        ("end_user_name", name),
        ("end_user_kind", "non_government"),
    ]
}

#[tokio::test]
async fn pages_need_a_session() {
    let f = Fixture::new();
    for uri in [
        "/ui",
        "/ui/records",
        "/ui/map",
        "/ui/classify",
        "/ui/determinations/1",
        "/ui/queue",
    ] {
        let reply = f.get(uri, None).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(reply.location(), "/ui/login");
    }
    let stale = f.get("/ui", Some("ace_session=0000")).await;
    assert_eq!(stale.location(), "/ui/login");
    assert!(cookie_pair(&stale, "ace_session").ends_with('='));
    assert_eq!(f.get("/", None).await.location(), "/ui");
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie() {
    let f = Fixture::new();
    let form = f.get("/ui/login", None).await;
    let nonce = hidden(&form.body, "nonce");
    let login_cookie = cookie_pair(&form, "ace_login");
    let reply = f
        .post(
            "/ui/login",
            Some(&login_cookie),
            &[("nonce", &nonce), ("token", f.token(Role::Reviewer))],
        )
        .await;
    assert_eq!(reply.location(), "/ui");
    let set = reply
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("ace_session="))
        .unwrap();
    assert!(set.contains("; HttpOnly; SameSite=Strict; Path=/"), "{set}");

    let wrong = f
        .post(
            "/ui/login",
            Some(&login_cookie),
            &[("nonce", &nonce), ("token", "nope")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Unknown, expired or revoked token."));
    let no_nonce = f
        .post("/ui/login", None, &[("token", f.token(Role::Reviewer))])
        .await;
    assert_eq!(no_nonce.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn forms_without_the_session_csrf_token_are_refused() {
    let f = Fixture::new();
    let (session, csrf) = f.sign_in(Role::Analyst).await;
    let missing = f
        .post(
            "/ui/determinations",
            Some(&session),
            &determination("", "DE", "Acme"),
        )
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.body.contains("CSRF"));
    let wrong = "0".repeat(64);
    let forged = f
        .post(
            "/ui/determinations",
            Some(&session),
            &determination(&wrong, "DE", "Acme"),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let verify = f.post("/ui/records/verify", Some(&session), &[]).await;
    assert_eq!(verify.status, StatusCode::FORBIDDEN);
    let ok = f
        .post(
            "/ui/determinations",
            Some(&session),
            &determination(&csrf, "DE", "Acme"),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(ok.location().starts_with("/ui/determinations/"));
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let f = Fixture::new();
    let (session, csrf) = f.sign_in(Role::Analyst).await;
    let refused = f.post("/ui/logout", Some(&session), &[("csrf", "x")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let out = f
        .post("/ui/logout", Some(&session), &[("csrf", &csrf)])
        .await;
    assert_eq!(out.location(), "/ui/login");
    assert_eq!(f.get("/ui", Some(&session)).await.location(), "/ui/login");
}

#[tokio::test]
async fn sessions_live_in_the_store_and_end_when_the_token_is_revoked() {
    let f = Fixture::new();
    let (session, _) = f.sign_in(Role::Reviewer).await;
    // A second server on the same database knows the session (no sticky sessions).
    let other = Fixture {
        app: crate::router(f.state.clone()),
        state: f.state.clone(),
        tokens: Vec::new(),
        _dir: tempfile::tempdir().unwrap(),
    };
    assert_eq!(
        other.get("/ui", Some(&session)).await.status,
        StatusCode::OK
    );
    f.state
        .store()
        .revoke_token("reviewer", "admin")
        .expect("revoke");
    // At once, with no cache to wait out: the session and the API token both stop.
    let after = f.get("/ui", Some(&session)).await;
    assert_eq!(after.location(), "/ui/login");
    let api = f
        .send(
            Request::get("/v1/records")
                .header(
                    "authorization",
                    format!("Bearer {}", f.token(Role::Reviewer)),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    // Sign-in and revocation are records.
    let events: Vec<String> = f
        .state
        .store()
        .list(&records::Filter {
            kind: Some(records::RecordKind::Access),
            ..records::Filter::default()
        })
        .unwrap()
        .into_iter()
        .map(|r| r.input["event"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        events.iter().filter(|e| *e == "sign_in").count(),
        1,
        "{events:?}"
    );
    assert_eq!(events.last().map(String::as_str), Some("token_revoked"));
    // The revoked token cannot sign in again.
    let form = f.get("/ui/login", None).await;
    let refused = f
        .post(
            "/ui/login",
            Some(&cookie_pair(&form, "ace_login")),
            &[
                ("nonce", &hidden(&form.body, "nonce")),
                ("token", f.token(Role::Reviewer)),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.body.contains("revoked"), "{}", refused.body);
}

#[tokio::test]
async fn result_page_shows_the_outcome_trace_and_hit() {
    let f = Fixture::new();
    let (session, csrf) = f.sign_in(Role::Analyst).await;
    let posted = f
        .post(
            "/ui/determinations",
            Some(&session),
            &determination(&csrf, "Israel", "NSO Group"),
        )
        .await;
    let page = f.get(posted.location(), Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"data-outcome="LICENSE_REQUIRED""#));
    assert!(page
        .body
        .contains(r#"href="https://www.ecfr.gov/current/title-15/section-744.11"#));
    assert!(page.body.contains("NSO Group"));
    assert!(page.body.contains("Entity List"));
    // An analyst sees no review buttons.
    assert!(!page.body.contains(r#"value="false_positive""#));
    let record = posted.location().rsplit('/').next().unwrap();
    let memo = f
        .get(&format!("/ui/records/{record}/memo"), Some(&session))
        .await;
    assert!(memo.body.contains("Export Determination Memo"));
    assert!(memo.body.contains("Guidance, not legal advice"));
}

#[tokio::test]
async fn user_text_is_escaped() {
    let f = Fixture::new();
    let (session, csrf) = f.sign_in(Role::Analyst).await;
    let name = r#"<script>alert("x")</script>"#;
    let posted = f
        .post(
            "/ui/determinations",
            Some(&session),
            &determination(&csrf, "DE", name),
        )
        .await;
    let page = f.get(posted.location(), Some(&session)).await;
    assert!(!page.body.contains(name));
    assert!(page
        .body
        .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    assert!(page.headers.get("content-security-policy").is_some());
}

#[tokio::test]
async fn bad_input_is_shown_on_the_form() {
    let f = Fixture::new();
    let (session, csrf) = f.sign_in(Role::Analyst).await;
    let reply = f
        .post(
            "/ui/determinations",
            Some(&session),
            &determination(&csrf, "Atlantis", "Acme"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("destination"));
    assert!(reply.body.contains(r#"value="Atlantis""#));
}

#[tokio::test]
async fn roles_are_enforced_by_the_server() {
    let f = Fixture::new();
    let (auditor, csrf) = f.sign_in(Role::Auditor).await;
    let form = f.get("/ui", Some(&auditor)).await;
    assert!(form.body.contains("disabled>Screen and decide"));
    let refused = f
        .post(
            "/ui/determinations",
            Some(&auditor),
            &determination(&csrf, "DE", "Acme"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let (analyst, analyst_csrf) = f.sign_in(Role::Analyst).await;
    let posted = f
        .post(
            "/ui/determinations",
            Some(&analyst),
            &determination(&analyst_csrf, "DE", "Cytrox Digital Labs"),
        )
        .await;
    let record = posted.location().rsplit('/').next().unwrap().to_string();
    let review = [
        ("csrf", analyst_csrf.as_str()),
        ("record", record.as_str()),
        ("party", "0"),
        ("group", "needs_review"),
        ("index", "0"),
        ("verdict", "false_positive"),
        ("reason", "different company"),
    ];
    let refused = f.post("/ui/reviews", Some(&analyst), &review).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // The auditor reads records and verifies the chain.
    let verified = f
        .post("/ui/records/verify", Some(&auditor), &[("csrf", &csrf)])
        .await;
    assert!(verified.body.contains("Chain intact"));
}

#[tokio::test]
async fn a_false_positive_is_recorded_and_shown_on_later_determinations() {
    let f = Fixture::new();
    let (session, csrf) = f.sign_in(Role::Reviewer).await;
    let first = f
        .post(
            "/ui/determinations",
            Some(&session),
            &determination(&csrf, "DE", "Cytrox Digital Labs"),
        )
        .await;
    let page = f.get(first.location(), Some(&session)).await;
    assert!(
        page.body.contains(r#"value="false_positive""#),
        "a reviewer sees the buttons"
    );
    let record = first.location().rsplit('/').next().unwrap().to_string();
    let review = [
        ("csrf", csrf.as_str()),
        ("record", record.as_str()),
        ("party", "0"),
        ("group", "needs_review"),
        ("index", "0"),
        ("verdict", "false_positive"),
        ("reason", "a German start-up, not the listed company"),
        ("confirmed", "yes"),
    ];
    let done = f.post("/ui/reviews", Some(&session), &review).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let after = f
        .get(&format!("/ui/determinations/{record}"), Some(&session))
        .await;
    assert!(after.body.contains("False positive"));
    assert!(after.body.contains("on this determination"));
    let second = f
        .post(
            "/ui/determinations",
            Some(&session),
            &determination(&csrf, "DE", "Cytrox Digital Labs"),
        )
        .await;
    let later = f.get(second.location(), Some(&session)).await;
    // The decision is applied: the match is settled, shown with who decided and why.
    assert!(later.body.contains("Settled by earlier review decisions"));
    assert!(later
        .body
        .contains("a German start-up, not the listed company"));
    assert!(later.body.contains("applied to this determination"));
}

#[tokio::test]
async fn map_classify_records_and_assets() {
    let f = Fixture::new();
    let (session, _) = f.sign_in(Role::Auditor).await;
    let map = f
        .get("/ui/map?eccn=4D004&end_user=government", Some(&session))
        .await;
    assert!(map
        .body
        .contains(r#"data-code="CN" data-outcome="LICENSE_REQUIRED""#));
    assert!(map.body.contains(r#"data-code="DE" data-outcome="ACE""#));
    let classify = f.get("/ui/classify", Some(&session)).await;
    assert!(classify.body.contains("Question 1"));
    assert!(classify.body.contains("https://www.ecfr.gov/"));
    let records = f.get("/ui/records?kind=review&q=x", Some(&session)).await;
    assert_eq!(records.status, StatusCode::OK);
    let css = f.get("/ui/assets/ui.css", None).await;
    assert_eq!(
        css.headers.get("content-type").unwrap(),
        "text/css; charset=utf-8"
    );
    assert!(css.body.contains("@media print"));
    assert_eq!(
        f.get("/ui/assets/x.js", None).await.status,
        StatusCode::NOT_FOUND
    );
}

/// The record id a determination post redirected to.
fn record_of(reply: &Reply) -> String {
    reply.location().rsplit('/').next().unwrap().to_string()
}

/// The HTML of the page's outcome banner.
fn banner_of(body: &str) -> &str {
    let start = body.find(r#"<section class="banner"#).expect("a banner");
    let end = body[start..].find("</section>").unwrap() + start;
    &body[start..end]
}

/// The review-band name of the brief: HOLD with two open matches against Cytrox AD.
const HELD_NAME: &str = "Cytrox Digital Labs";

#[tokio::test]
async fn a_hold_is_an_amber_banner_with_each_open_item_and_its_buttons() {
    let f = Fixture::new();
    let (session, csrf) = f.sign_in(Role::Reviewer).await;
    let posted = f
        .post(
            "/ui/determinations",
            Some(&session),
            &determination(&csrf, "DE", HELD_NAME),
        )
        .await;
    let page = f.get(posted.location(), Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK);
    let banner = banner_of(&page.body);
    assert!(banner.contains(r#"class="banner o-hold""#), "{banner}");
    assert!(banner.contains(r#"data-outcome="HOLD""#));
    let opening = &banner[..banner.find('>').unwrap()];
    assert!(!opening.contains("o-ace"), "a HOLD never looks like ACE");
    assert!(banner.contains("On hold — not an authorization"));
    assert!(banner.contains(r#"<span class="symbol" aria-hidden="true">‖</span>"#));
    assert_eq!(banner.matches(r#"<li class="hold-item""#).count(), 2);
    assert!(banner.contains(r#"data-list="EL""#) && banner.contains(r#"data-list="SDN""#));
    assert!(banner.contains("Why it is open:"));
    assert_eq!(banner.matches("If true:").count(), 2);
    assert!(banner.contains("If every match is a false positive:"));
    assert!(banner.contains(
        r#"<span class="pill o-ace" data-outcome="ACE" title="ACE"><span aria-hidden="true">✓</span> Authorized under License Exception ACE</span>"#
    ));
    assert!(banner.contains("Is the end user Cytrox Digital Labs the"));
    // The review buttons of each open match are in the banner, the reason a textarea.
    assert_eq!(banner.matches(r#"value="true_match""#).count(), 2);
    assert_eq!(banner.matches(r#"value="false_positive""#).count(), 2);
    assert_eq!(
        banner
            .matches(r#"<textarea id="reason-hold-match-"#)
            .count(),
        2
    );
    assert!(
        !page.body.contains(r#"<input id="reason-"#),
        "no single-line reason box"
    );
    // An analyst sees the open items, not the buttons.
    let (analyst, _) = f.sign_in(Role::Analyst).await;
    let seen = f.get(posted.location(), Some(&analyst)).await;
    let banner = banner_of(&seen.body);
    assert_eq!(banner.matches(r#"<li class="hold-item""#).count(), 2);
    assert!(!banner.contains("<form"));
}

#[tokio::test]
async fn the_memo_of_a_hold_has_a_watermark_and_no_signature_block() {
    let f = Fixture::new();
    let (session, csrf) = f.sign_in(Role::Analyst).await;
    let held = f
        .post(
            "/ui/determinations",
            Some(&session),
            &determination(&csrf, "DE", HELD_NAME),
        )
        .await;
    let memo = f
        .get(
            &format!("/ui/records/{}/memo", record_of(&held)),
            Some(&session),
        )
        .await;
    assert_eq!(memo.status, StatusCode::OK);
    assert!(memo.body.contains(r#"<body class="memo held">"#));
    assert!(memo
        .body
        .contains(r#"<div class="watermark" aria-hidden="true" data-watermark="ON HOLD"></div>"#));
    assert!(!memo.body.contains(r#"class="signature""#));
    assert!(!memo.body.contains("Name and title"));
    assert!(memo.body.contains(r#"data-signable="no""#));
    assert!(memo.body.contains("Not for signature"));
    assert!(memo
        .body
        .contains("open: Is the end user Cytrox Digital Labs the"));
    assert!(!memo.body.contains("<form"), "no review buttons on paper");

    // A settled determination without open matches is signable and has no watermark.
    let clear = f
        .post(
            "/ui/determinations",
            Some(&session),
            &determination(&csrf, "DE", "Acme Widgets"),
        )
        .await;
    let memo = f
        .get(
            &format!("/ui/records/{}/memo", record_of(&clear)),
            Some(&session),
        )
        .await;
    assert!(memo
        .body
        .contains(r#"<section class="signature" data-signable="yes">"#));
    assert!(!memo.body.contains("watermark"));
}

#[tokio::test]
async fn a_review_asks_for_confirmation_before_anything_is_recorded() {
    let f = Fixture::new();
    let (session, csrf) = f.sign_in(Role::Reviewer).await;
    let held = f
        .post(
            "/ui/determinations",
            Some(&session),
            &determination(&csrf, "DE", HELD_NAME),
        )
        .await;
    let record = record_of(&held);
    let mut review = vec![
        ("csrf", csrf.as_str()),
        ("record", record.as_str()),
        ("party", "0"),
        ("group", "needs_review"),
        ("index", "0"),
        ("verdict", "true_match"),
        ("reason", "same company\nchecked the address"),
    ];
    let asked = f.post("/ui/reviews", Some(&session), &review).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(asked.body.contains("<h1>Confirm: true match</h1>"));
    assert!(asked.body.contains(r#"name="confirmed" value="yes""#));
    assert!(asked.body.contains("Record: true match"));
    assert!(asked.body.contains("becomes <span class=\"pill o-"));
    let reviews = f.get("/ui/records?kind=review", Some(&session)).await;
    assert!(
        reviews.body.contains("No record matches."),
        "nothing recorded before the confirmation"
    );
    review.push(("confirmed", "yes"));
    let done = f.post("/ui/reviews", Some(&session), &review).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(done.location().starts_with("/ui/determinations/"));
    let reviews = f.get("/ui/records?kind=review", Some(&session)).await;
    assert!(reviews.body.contains("true match"));
    // The review decided the determination again: the browser goes to the new record,
    // the old one says it is superseded and offers no buttons, the memo prints the new.
    let now = done.location().rsplit('/').next().unwrap().to_string();
    assert_ne!(now, record, "a new record supersedes the held one");
    let current = f.get(done.location(), Some(&session)).await;
    assert!(current
        .body
        .contains(&format!(r#"href="/ui/determinations/{record}""#)));
    assert!(current.body.contains("Decided again after reviews"));
    let old = f
        .get(&format!("/ui/determinations/{record}"), Some(&session))
        .await;
    assert!(old.body.contains(r#"class="notice superseded""#));
    assert!(!banner_of(&old.body).contains("<form"));
    let memo = f
        .get(&format!("/ui/records/{record}/memo"), Some(&session))
        .await;
    assert!(memo
        .body
        .contains(&format!("this memo shows the current state, record #{now}")));
    // A review on the superseded record is refused: decisions are made on the current one.
    let stale = f.post("/ui/reviews", Some(&session), &review).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
}

#[test]
fn a_match_waiting_for_review_keeps_any_memo_unsigned() {
    let record: records::Record = serde_json::from_value(serde_json::json!({
        "id": 7, "kind": "determination", "created_at": "2026-01-02T03:04:05.000000Z",
        "actor": "a", "input": {}, "ruleset": null, "list_snapshot": null,
        "ace_version": "0", "transaction_id": null, "prev_hash": "0", "hash": "1",
        "output": {
            "outcome": "PROHIBITED",
            "screening": {"parties": [{
                "role": "end_user", "name": "Acme", "party_key": "acme",
                "hits": [],
                "needs_review": [{"list": "UN", "id": "9", "name": "ACME CO", "score": 0.75}]
            }]}
        }
    }))
    .unwrap();
    let det = super::render::determination(&record);
    let mut reviews = super::render::Reviews::new();
    let open = super::hold::unsigned_because(&record, det, &reviews);
    assert_eq!(open.len(), 1);
    assert!(
        open[0].starts_with("pending review: is Acme the ACME CO"),
        "{open:?}"
    );
    reviews.insert(
        ("acme".into(), "UN".into(), "9".into()),
        vec![records::ReviewDecision {
            record_id: 8,
            party: "Acme".into(),
            party_key: "acme".into(),
            list: "UN".into(),
            entry_id: "9".into(),
            verdict: records::Verdict::FalsePositive,
            reason: "other company".into(),
            actor: "r".into(),
            screening_record: Some(7),
            created_at: "2026-01-02T04:00:00.000000Z".into(),
            country: None,
            entry_hash: None,
        }],
    );
    assert!(super::hold::unsigned_because(&record, det, &reviews).is_empty());
}

#[tokio::test]
async fn the_queue_lists_held_determinations_oldest_first_for_reviewers() {
    let f = Fixture::new();
    let (session, csrf) = f.sign_in(Role::Reviewer).await;
    let first = record_of(
        &f.post(
            "/ui/determinations",
            Some(&session),
            &determination(&csrf, "DE", HELD_NAME),
        )
        .await,
    );
    let _settled = f
        .post(
            "/ui/determinations",
            Some(&session),
            &determination(&csrf, "Israel", "NSO Group"),
        )
        .await;
    let second = record_of(
        &f.post(
            "/ui/determinations",
            Some(&session),
            &determination(&csrf, "FR", HELD_NAME),
        )
        .await,
    );
    let queue = f.get("/ui/queue", Some(&session)).await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue
        .body
        .contains(r#"href="/ui/queue" aria-current="page""#));
    let a = queue
        .body
        .find(&format!(r#"data-record="{first}""#))
        .expect("first listed");
    let b = queue
        .body
        .find(&format!(r#"data-record="{second}""#))
        .expect("second listed");
    assert!(a < b, "oldest first");
    assert!(!queue.body.contains("License required</span></td>"));
    assert!(queue
        .body
        .contains(&format!(r#"href="/ui/determinations/{first}#hold-0""#)));
    // Auditors see it; analysts have neither the link nor the page.
    let (auditor, _) = f.sign_in(Role::Auditor).await;
    assert_eq!(
        f.get("/ui/queue", Some(&auditor)).await.status,
        StatusCode::OK
    );
    let (analyst, _) = f.sign_in(Role::Analyst).await;
    assert!(!f
        .get("/ui", Some(&analyst))
        .await
        .body
        .contains("/ui/queue"));
    assert_eq!(
        f.get("/ui/queue", Some(&analyst)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[test]
fn the_reviewer_sees_what_the_list_says_of_the_entry() {
    let m = serde_json::json!({
        "list": "SDN", "id": "123", "name": "CYTROX AD",
        "programs": ["CYBER2"],
        "addresses": ["Sofia, Bulgaria"],
        "countries": ["BG", "MK"],
        "aliases": [{"name": "CYTROX", "kind": "strong"}, "CYTROX EMEA"],
        "start_date": "2023-07-18",
        "federal_register": "88 FR 45798",
        "source_url": "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=123",
    });
    let html = super::render::entry_facts(&m).into_string();
    for expected in [
        "OFAC SDN List (SDN)",
        "CYBER2",
        "Sofia, Bulgaria",
        "Bulgaria (BG)",
        "CYTROX; CYTROX EMEA",
        "2023-07-18",
        "88 FR 45798",
        r#"href="https://sanctionssearch.ofac.treas.gov/Details.aspx?id=123""#,
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
    // Only what is there; a javascript: source is not a link.
    let bare = serde_json::json!({"list": "EL", "id": "1", "source_url": "javascript:alert(1)"});
    let html = super::render::entry_facts(&bare).into_string();
    assert!(!html.contains("href=\"javascript"));
    assert!(!html.contains("Programs"));
}

#[tokio::test]
async fn the_auditor_replays_a_determination_from_its_page() {
    let f = Fixture::new();
    let (analyst, csrf) = f.sign_in(Role::Analyst).await;
    let posted = f
        .post(
            "/ui/determinations",
            Some(&analyst),
            &determination(&csrf, "DE", "Example Optics GmbH"),
        )
        .await;
    let record = record_of(&posted);
    let (auditor, csrf) = f.sign_in(Role::Auditor).await;
    let page = f
        .get(&format!("/ui/determinations/{record}"), Some(&auditor))
        .await;
    let action = format!(r#"action="/ui/determinations/{record}/replay""#);
    assert!(page.body.contains(&action), "no Replay button");
    let uri = format!("/ui/determinations/{record}/replay");
    let forged = f.post(&uri, Some(&auditor), &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let replayed = f.post(&uri, Some(&auditor), &[("csrf", &csrf)]).await;
    assert_eq!(replayed.status, StatusCode::OK);
    assert!(
        replayed.body.contains(r#"data-replay="identical""#),
        "{}",
        replayed.body
    );
    let hashes: Vec<&str> = replayed
        .body
        .split(r#"<code class="hash">"#)
        .skip(1)
        .filter_map(|s| s.split('<').next())
        .filter(|h| h.starts_with("sha256:"))
        .collect();
    assert_eq!(hashes.len(), 2, "{}", replayed.body);
    assert_eq!(hashes[0], hashes[1]);
}

#[tokio::test]
async fn the_form_takes_parties_legs_lines_owners_and_red_flags() {
    let f = Fixture::new();
    let (session, csrf) = f.sign_in(Role::Analyst).await;
    let form = f.get("/ui", Some(&session)).await;
    for field in [
        r#"name="purchaser_country""#,
        r#"name="leg0_country""#,
        r#"name="leg0_role""#,
        r#"name="line0_eccn""#,
        r#"name="end_user_owners""#,
        r#"name="flag_kyc-3""#,
        r#"name="exporter_country""#,
    ] {
        assert!(form.body.contains(field), "the form has {field}");
    }
    // "Add an intermediate consignee" shows the form again with a second row, keeping
    // what was typed, and decides nothing.
    let added = f
        .post(
            "/ui/determinations",
            Some(&session),
            &[
                ("csrf", &csrf),
                ("eccn", "4D004"),
                ("destination", "DE"),
                ("leg0_name", "Example Forwarding GmbH"),
                ("leg0_country", "AT"),
                ("legs", "1"),
                ("add", "leg"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert!(
        added.body.contains(r#"name="leg1_name""#),
        "a second leg row"
    );
    assert!(added.body.contains(r#"value="Example Forwarding GmbH""#));
    // Adding a row decides nothing: no determination is recorded.
    let determinations = records::Filter {
        kind: Some(records::RecordKind::Determination),
        ..records::Filter::default()
    };
    assert!(f.state.store().list(&determinations).unwrap().is_empty());
    // A distributor in Russia on the route: the leg that reaches it decides (746.8).
    let posted = f
        .post(
            "/ui/determinations",
            Some(&session),
            &[
                ("csrf", &csrf),
                ("destination", "DE"),
                ("end_user_kind", "non_government"),
                ("leg0_name", "Example Trading LLC"),
                ("leg0_country", "RU"),
                ("leg0_role", "distributor"),
                ("leg0_kind", "non_government"),
                ("line0_eccn", "4D004"),
                ("line0_description", "exploit delivery platform"),
                ("line0_quantity", "1"),
                ("line1_eccn", "EAR99"),
                ("line1_description", "rack hardware"),
                ("end_user_owners", "Example Holding, DE, 100"),
                ("flag_kyc-3", "on"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let id: i64 = posted
        .location()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let record = f.state.store().get(id).unwrap().expect("recorded");
    let input = &record.input;
    assert_eq!(input["intermediate_consignees"][0]["country"], "RU");
    assert_eq!(input["intermediate_consignees"][0]["role"], "distributor");
    assert_eq!(input["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        input["items"][0]["description"],
        "exploit delivery platform"
    );
    assert_eq!(input["end_user"]["owners"][0]["percent"], 100.0);
    assert_eq!(input["red_flags"], serde_json::json!(["kyc-3"]));
    let outcome = record.output["outcome"].as_str().unwrap_or("");
    assert!(
        outcome == "HOLD" || outcome == "LICENSE_REQUIRED",
        "a stated red flag and a leg to Russia never authorize: {outcome}"
    );
    // Bad numbers and owner lines name their field.
    let bad = f
        .post(
            "/ui/determinations",
            Some(&session),
            &[
                ("csrf", &csrf),
                ("destination", "DE"),
                ("line0_eccn", "4D004"),
                ("line0_quantity", "many"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("items[0].quantity"), "{}", bad.body);
}

#[tokio::test]
async fn a_reviewer_resolves_a_red_flag_after_confirming() {
    let f = Fixture::new();
    let (session, csrf) = f.sign_in(Role::Reviewer).await;
    let posted = f
        .post(
            "/ui/determinations",
            Some(&session),
            &[
                ("csrf", &csrf),
                ("eccn", "4D004"),
                ("destination", "DE"),
                ("end_user_kind", "non_government"),
                ("purchaser_country", "RU"),
            ],
        )
        .await;
    let page = f.get(posted.location(), Some(&session)).await;
    let banner = banner_of(&page.body);
    assert!(banner.contains(r#"data-outcome="HOLD""#), "{banner}");
    assert!(
        banner.contains(r#"action="/ui/red-flag-reviews""#),
        "{banner}"
    );
    assert!(
        banner.contains(r#"name="flag" value="buyer-location""#),
        "{banner}"
    );
    let record = posted.location().rsplit('/').next().unwrap().to_string();
    let form = [
        ("csrf", csrf.as_str()),
        ("record", record.as_str()),
        ("flag", "buyer-location"),
        ("verdict", "resolved"),
        (
            "reason",
            "end-user statement and bill of lading to Munich checked",
        ),
    ];
    // First the confirmation page; nothing is recorded yet.
    let before = f
        .state
        .store()
        .list(&records::Filter::default())
        .unwrap()
        .len();
    let asked = f.post("/ui/red-flag-reviews", Some(&session), &form).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(asked.body.contains("Confirm: red flag resolved"));
    assert!(asked.body.contains(r#"name="confirmed" value="yes""#));
    assert_eq!(
        f.state
            .store()
            .list(&records::Filter::default())
            .unwrap()
            .len(),
        before
    );
    // Confirmed: recorded, and the determination decided again is ACE.
    let mut confirmed = form.to_vec();
    confirmed.push(("confirmed", "yes"));
    let done = f
        .post("/ui/red-flag-reviews", Some(&session), &confirmed)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_ne!(done.location(), posted.location());
    let now = f.get(done.location(), Some(&session)).await;
    assert!(banner_of(&now.body).contains(r#"data-outcome="ACE""#));
    // An analyst cannot resolve red flags.
    let (analyst, analyst_csrf) = f.sign_in(Role::Analyst).await;
    let mut by_analyst = form.to_vec();
    by_analyst[0] = ("csrf", analyst_csrf.as_str());
    let refused = f
        .post("/ui/red-flag-reviews", Some(&analyst), &by_analyst)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_impact_page_is_for_reviewers_and_auditors() {
    let f = Fixture::new();
    let (auditor, _) = f.sign_in(Role::Auditor).await;
    let page = f.get("/ui/impact", Some(&auditor)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Impact of a list change"));
    // This server knows no earlier snapshot: the page says so and offers the form.
    assert!(page.body.contains("no earlier snapshot"), "{}", page.body);
    assert!(page.body.contains(r#"name="from""#));
    // Compared with itself, nothing changes.
    let active = f.state.snapshot().hash.clone();
    let same = f
        .get(&format!("/ui/impact?from={active}"), Some(&auditor))
        .await;
    assert!(same.body.contains(r#"data-impact="none""#), "{}", same.body);
    let (analyst, _) = f.sign_in(Role::Analyst).await;
    let refused = f.get("/ui/impact", Some(&analyst)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_result_page_words_the_outcome_and_dates_the_lists() {
    let f = Fixture::new();
    let (session, csrf) = f.sign_in(Role::Analyst).await;
    let posted = f
        .post(
            "/ui/determinations",
            Some(&session),
            &determination(&csrf, "Israel", "NSO Group"),
        )
        .await;
    let page = f.get(posted.location(), Some(&session)).await;
    let banner = banner_of(&page.body);
    // Words first; the machine code stays, small, for whoever needs it.
    assert!(
        banner.contains(r#"<p class="label">License required</p>"#),
        "{banner}"
    );
    assert!(banner.contains(r#"<code class="code">LICENSE_REQUIRED</code>"#));
    // The list snapshot's date and its age, on the day of the determination and today.
    let date = f
        .state
        .snapshot()
        .data_date()
        .expect("the bundled snapshot is dated")
        .to_string();
    assert!(
        banner.contains(&format!(r#"data-lists-date="{date}""#)),
        "{banner}"
    );
    assert!(banner.contains(&format!("Lists as of <strong>{date}</strong>")));
    assert!(banner.contains("when decided") && banner.contains("today."));
    // Pills elsewhere read in words too, with the code in data-outcome.
    let records = f.get("/ui/records", Some(&session)).await;
    assert!(records.body.contains(
        r#"data-outcome="LICENSE_REQUIRED" title="LICENSE_REQUIRED"><span aria-hidden="true">!</span> License required</span>"#
    ));
}

#[test]
fn a_record_without_a_known_snapshot_says_its_age_is_unknown() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let unknown =
        super::render::lists_age(Some("abcdef0123456789"), None, None, today, 7).into_string();
    assert!(unknown.contains("its age is unknown"), "{unknown}");
    assert!(unknown.contains(r#"class="lists-age stale""#));
    let none = super::render::lists_age(None, None, None, today, 7).into_string();
    assert!(none.contains("No list snapshot"), "{none}");
}

/// The settings of a company with a letterhead.
fn letterhead() -> super::settings::Settings {
    super::settings::Settings::parse(
        r#"
[memo]
company = "Example Security GmbH"
address = ["Friedrichstraße 1", "10117 Berlin"]
exporter = "Example Security GmbH <export@example.com>"
reference_prefix = "EXP-"
"#,
    )
    .expect("valid settings")
}

#[tokio::test]
async fn the_memo_has_the_letterhead_reference_exporter_item_and_a_licence_field() {
    let f = Fixture::new();
    let before = f.sign_in(Role::Analyst).await;
    let plain = f
        .post(
            "/ui/determinations",
            Some(&before.0),
            &determination(&before.1, "DE", "Acme Widgets"),
        )
        .await;
    let memo = f
        .get(
            &format!("/ui/records/{}/memo", record_of(&plain)),
            Some(&before.0),
        )
        .await;
    assert!(
        memo.body.contains("[Company name — set it in the server"),
        "without settings the memo says where the letterhead comes from"
    );

    assert!(f.state.set_ui_settings(letterhead()).is_ok());
    let (session, csrf) = (before.0, before.1);
    let mut form = determination(&csrf, "DE", "Acme Widgets");
    form.push(("reference", "PO-2026-117"));
    form.push(("item_description", "Exploit development kit <v2>"));
    let posted = f.post("/ui/determinations", Some(&session), &form).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let id = record_of(&posted);
    let memo = f
        .get(&format!("/ui/records/{id}/memo"), Some(&session))
        .await;
    for expected in [
        r#"<p class="company">Example Security GmbH</p>"#,
        r#"<p class="address-line">Friedrichstraße 1</p>"#,
        r#"<p class="address-line">10117 Berlin</p>"#,
        "Example Security GmbH &lt;export@example.com&gt;",
        r#"<strong class="reference">PO-2026-117</strong>"#,
        "4D004 — Exploit development kit &lt;v2&gt;",
        r#"<label for="licence-number">Licence number</label>"#,
        r#"<input class="fill-in" id="licence-number""#,
        "Lists as of",
    ] {
        assert!(memo.body.contains(expected), "the memo shows {expected}");
    }
    // The transaction names the described item too (not an empty ECCN "decided as").
    assert_eq!(
        memo.body
            .matches("4D004 — Exploit development kit &lt;v2&gt;")
            .count(),
        2,
        "in the letterhead's block and in the transaction"
    );
    assert!(!memo.body.contains("(decided as"));
    assert_eq!(
        memo.body.matches("Lists as of").count(),
        1,
        "said once, in the header"
    );
    // The recorded transaction carries the reference as its id and the description on
    // its (one) line.
    let record = f
        .state
        .store()
        .get(id.parse().unwrap())
        .unwrap()
        .expect("recorded");
    assert_eq!(record.transaction_id.as_deref(), Some("PO-2026-117"));
    assert_eq!(
        record.input["items"][0]["description"],
        "Exploit development kit <v2>"
    );
    // Without a reference the memo makes one from the record number.
    let memo = f
        .get(
            &format!("/ui/records/{}/memo", record_of(&plain)),
            Some(&session),
        )
        .await;
    let generated = format!("EXP-{:06}", record_of(&plain).parse::<i64>().unwrap());
    assert!(
        memo.body.contains(&format!(
            r#"<strong class="reference">{generated}</strong> <span class="muted">(from the record number)</span>"#
        )),
        "{}",
        memo.body
    );
    assert!(memo.body.contains("4D004 — no description given"));
}

#[tokio::test]
async fn a_reference_names_one_determination() {
    let f = Fixture::new();
    let (session, csrf) = f.sign_in(Role::Analyst).await;
    let mut first = determination(&csrf, "DE", "Acme Widgets");
    first.push(("reference", "FILE-7"));
    let posted = f.post("/ui/determinations", Some(&session), &first).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    // The same request again is the same record (an interrupted submit is safe to repeat).
    let again = f.post("/ui/determinations", Some(&session), &first).await;
    assert_eq!(again.location(), posted.location());
    // Another transaction under that reference is refused on the form, which keeps what
    // was typed.
    let mut other = determination(&csrf, "FR", "Acme Widgets");
    other.push(("reference", "FILE-7"));
    let refused = f.post("/ui/determinations", Some(&session), &other).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused
        .body
        .contains("already used by another determination"));
    assert!(refused.body.contains(r#"value="FILE-7""#));
}

#[tokio::test]
async fn the_map_is_a_world_map_of_outcomes_with_a_table_beside_it() {
    let f = Fixture::new();
    let (session, _) = f.sign_in(Role::Analyst).await;
    let map = f
        .get("/ui/map?eccn=4D004&end_user=government", Some(&session))
        .await;
    assert_eq!(map.status, StatusCode::OK);
    let svg_start = map.body.find("<svg").expect("an SVG map");
    let svg_end = map.body.find("</svg>").expect("closed");
    let svg = &map.body[svg_start..svg_end];
    // Each country is a link (focusable) with its outcome in its name and its reason in
    // its title, coloured by outcome.
    assert!(svg.contains(
        r##"<a class="country o-license-required" href="#dest-CN" data-code="CN" data-outcome="LICENSE_REQUIRED" aria-label="China: License required">"##
    ), "{}", &svg[..2000.min(svg.len())]);
    assert!(svg.contains(r#"aria-label="Germany: Authorized under License Exception ACE""#));
    let cn = &svg[svg.find(r##"href="#dest-CN""##).unwrap()..];
    let title = &cn[cn.find("<title>").unwrap()..cn.find("</title>").unwrap()];
    assert!(
        title.contains("a government end user in China (CN), which is in D:1"),
        "the reason, in the review's words, is in the title: {title}"
    );
    // Real outlines: every country with one is there, most of the world's countries.
    assert!(svg.matches(r#"<a class="country"#).count() > 200);
    // The exporter's own country is drawn, not a destination.
    assert!(!svg.contains(r##"href="#dest-US""##));
    // The table beside it has every destination, the regions of part 746 too, with the
    // reason written out and linked.
    let row = &map.body[map.body.find(r#"id="dest-CN""#).expect("China's row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("License required") && row.contains(r#"class="cite""#),
        "{row}"
    );
    assert!(row.contains("NS1 has an X for CN"), "{row}");
    // NLR says why: the Country Chart's columns for it.
    let nlr = &map.body[map.body.find(r#"id="dest-CA""#).expect("Canada's row")..];
    let nlr = &nlr[..nlr.find("</tr>").unwrap()];
    assert!(nlr.contains(r#"data-outcome="NLR""#), "{nlr}");
    assert!(
        nlr.contains("NS1") && !nlr.contains("740.22(b)(1); reasons"),
        "{nlr}"
    );
    assert!(row.contains("/ui?eccn=4D004&amp;destination=CN&amp;end_user_kind=government"));
    let region = f
        .state
        .law()
        .regions()
        .first()
        .expect("a region")
        .id
        .clone();
    assert!(map.body.contains(&format!(r#"id="dest-{region}""#)));
    assert!(!svg.contains(&format!(r##"href="#dest-{region}""##)));
    // The legend in words, with counts.
    assert!(map.body.contains(r#"<li data-outcome="PROHIBITED">"#));
    assert!(map.body.contains("Authorized under License Exception ACE"));
}

#[tokio::test]
async fn a_record_page_with_an_id_that_cannot_be_one_is_the_ui_not_found_page() {
    let f = Fixture::new();
    let (session, csrf) = f.sign_in(Role::Auditor).await;
    for id in ["abc", "0", "-3", "99999999999999999999"] {
        for path in [
            format!("/ui/records/{id}"),
            format!("/ui/records/{id}/memo"),
            format!("/ui/determinations/{id}"),
        ] {
            let page = f.get(&path, Some(&session)).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}: {}", page.body);
            assert_eq!(
                page.headers.get("content-type").unwrap(),
                "text/html; charset=utf-8",
                "{path}"
            );
            assert!(page.body.contains("There is no such page."), "{path}");
        }
        let replay = f
            .post(
                &format!("/ui/determinations/{id}/replay"),
                Some(&session),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(
            replay.status,
            StatusCode::NOT_FOUND,
            "{id}: {}",
            replay.body
        );
    }
}
