//! Red flags over the API: a buyer in a country of concern holds the determination; a
//! person resolves the flag (`resolved`: released to the all-clear answer) or confirms it
//! (`confirmed`: the hold's "if true" answer), as a review record that the chain verifies,
//! and the determination is decided again into a record that supersedes the held one.
//! On SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::TestServer;
use serde_json::{json, Value};

/// 4D004 to Germany, bought by a company in Russia: the buyer-location red flag holds it.
fn bought_from_russia() -> Value {
    json!({
        "date": "2024-06-01",
        "item": {"eccn": "4D004"},
        "destination": "DE",
        "end_user": {"kind": "non_government"},
        "purchaser": {"country": "RU"}
    })
}

fn flag_review(record_id: &Value, flag: &str, verdict: &str) -> Value {
    json!({
        "record_id": record_id,
        "flag": flag,
        "verdict": verdict,
        "reason": format!("checked the end-user statement and the shipping documents: {verdict}"),
    })
}

mod cases {
    use super::*;

    async fn held(s: &TestServer) -> Value {
        let held = s
            .post("/v1/determinations", &s.analyst, &bought_from_russia())
            .await;
        assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
        assert_eq!(held.body["outcome"], "HOLD", "{}", held.body);
        let flag = &held.body["holds"][0];
        assert_eq!(flag["kind"], "red_flag", "{}", held.body);
        assert_eq!(flag["flag"], "buyer-location", "{}", held.body);
        held.body
    }

    pub async fn a_resolved_flag_releases_the_hold(s: &TestServer) {
        let held = held(s).await;
        let id = held["record_id"].clone();
        let answer = s
            .post(
                "/v1/red-flag-reviews",
                &s.reviewer,
                &flag_review(&id, "buyer-location", "resolved"),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        let redecided = &answer.body["redecided"];
        assert_eq!(
            redecided["outcome"], held["if_all_clear"]["outcome"],
            "{redecided}"
        );
        assert_eq!(redecided["outcome"], "ACE", "{redecided}");
        assert_eq!(redecided["supersedes"], id, "{redecided}");
        assert_eq!(redecided["review_record"], answer.body["record_id"]);
        // The current state of the line is the release.
        let current = s
            .get(&format!("/v1/determinations/{}", id), &s.auditor)
            .await;
        assert_eq!(current.status, StatusCode::OK, "{}", current.body);
        assert_eq!(
            current.body["current"]["output"]["outcome"], "ACE",
            "{}",
            current.body
        );
        assert_eq!(current.body["superseded"], true, "{}", current.body);
        // The resolution is part of the re-decided record's input.
        assert_eq!(
            current.body["current"]["input"]["resolved_red_flags"],
            json!(["buyer-location"]),
            "{}",
            current.body
        );
        assert!(s.verified());
    }

    pub async fn a_confirmed_flag_gives_the_if_true_answer(s: &TestServer) {
        let held = held(s).await;
        let id = held["record_id"].clone();
        let answer = s
            .post(
                "/v1/red-flag-reviews",
                &s.reviewer,
                &flag_review(&id, "buyer-location", "confirmed"),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        let redecided = &answer.body["redecided"];
        assert_eq!(
            redecided["outcome"], held["holds"][0]["if_true"]["outcome"],
            "{redecided}"
        );
        assert_eq!(redecided["outcome"], "LICENSE_REQUIRED", "{redecided}");
        let cites_746_8 = redecided["trace"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["because"].as_str().is_some_and(|b| b.contains("746.8")));
        assert!(cites_746_8, "{redecided}");
        assert!(s.verified());
    }

    pub async fn only_an_open_flag_by_a_reviewer_with_a_reason(s: &TestServer) {
        let held = held(s).await;
        let id = held["record_id"].clone();
        let by_analyst = s
            .post(
                "/v1/red-flag-reviews",
                &s.analyst,
                &flag_review(&id, "buyer-location", "resolved"),
            )
            .await;
        assert_eq!(
            by_analyst.status,
            StatusCode::FORBIDDEN,
            "{}",
            by_analyst.body
        );
        let not_open = s
            .post(
                "/v1/red-flag-reviews",
                &s.reviewer,
                &flag_review(&id, "kyc-3", "resolved"),
            )
            .await;
        assert_eq!(
            not_open.status,
            StatusCode::BAD_REQUEST,
            "{}",
            not_open.body
        );
        assert_eq!(not_open.body["field"], "flag", "{}", not_open.body);
        assert!(
            not_open.body["message"]
                .as_str()
                .is_some_and(|m| m.contains("buyer-location")),
            "the open flags are named: {}",
            not_open.body
        );
        let mut no_reason = flag_review(&id, "buyer-location", "resolved");
        no_reason["reason"] = json!("  ");
        let refused = s
            .post("/v1/red-flag-reviews", &s.reviewer, &no_reason)
            .await;
        assert_eq!(refused.body["field"], "reason", "{}", refused.body);
        let mut bad_verdict = flag_review(&id, "buyer-location", "maybe");
        bad_verdict["verdict"] = json!("maybe");
        let refused = s
            .post("/v1/red-flag-reviews", &s.reviewer, &bad_verdict)
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    }
}

/// The cases, once per back end.
macro_rules! suite {
    ($backend:ident) => {
        mod $backend {
            use super::*;

            #[test]
            fn a_resolved_flag_releases_the_hold() {
                let s = common::$backend();
                common::run(cases::a_resolved_flag_releases_the_hold(&s));
            }

            #[test]
            fn a_confirmed_flag_gives_the_if_true_answer() {
                let s = common::$backend();
                common::run(cases::a_confirmed_flag_gives_the_if_true_answer(&s));
            }

            #[test]
            fn only_an_open_flag_by_a_reviewer_with_a_reason() {
                let s = common::$backend();
                common::run(cases::only_an_open_flag_by_a_reviewer_with_a_reason(&s));
            }
        }
    };
}

suite!(sqlite);
suite!(postgres);
