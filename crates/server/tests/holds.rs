//! HOLD over the API: a review-band match holds the determination; a review on it
//! re-decides into a new record that supersedes the held one (a true match gives the
//! list's effect, the last false positive releases it to the all-clear outcome); the
//! review queue lists held lines and drops them once superseded; a clearance applies to
//! later determinations and lapses when the entry changes. On SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::{held_determination, transaction, TestServer};
use serde_json::{json, Value};

/// Outcomes from least to most restrictive, for picking the strictest open item.
fn severity(outcome: &Value) -> usize {
    [
        "NOT_SUBJECT",
        "NLR",
        "ACE",
        "HOLD",
        "LICENSE_REQUIRED",
        "PROHIBITED",
    ]
    .iter()
    .position(|o| outcome == *o)
    .unwrap_or(0)
}

fn holds(answer: &Value) -> Vec<Value> {
    answer["holds"].as_array().cloned().unwrap_or_default()
}

/// The review of open item `hold` of determination `record_id`.
fn review_of(record_id: &Value, party: &str, hold: &Value, verdict: &str) -> Value {
    json!({
        "record_id": record_id,
        "party": party,
        "list": hold["list"],
        "entry_id": hold["entry_id"],
        "verdict": verdict,
        "reason": format!("checked the address and registry entry: {verdict}"),
    })
}

fn queued_lines(queue: &Value) -> Vec<i64> {
    queue["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["line"].as_i64())
        .collect()
}

mod cases {
    use super::*;

    pub async fn a_review_band_match_holds_and_a_true_match_supersedes_it(s: &TestServer) {
        let (held, name) = held_determination(s).await;
        let id = held["record_id"].clone();
        let open = holds(&held);
        assert!(!open.is_empty(), "{held}");
        assert!(held["if_all_clear"]["outcome"].is_string(), "{held}");
        // What the reviewer needs is in the answer: the entry as listed.
        let party = &held["screening"]["parties"][0];
        let m = &party["needs_review"][0];
        assert!(m["entry"]["entry_hash"].is_string(), "{m}");
        for field in ["aliases", "countries", "addresses", "programs"] {
            assert!(m["entry"][field].is_array(), "{field}: {m}");
        }
        assert!(m["entry"]["source_url"].is_string(), "{m}");

        let queue = s.get("/v1/review-queue", &s.reviewer).await;
        assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
        assert!(queued_lines(&queue.body).contains(&id.as_i64().unwrap_or(-1)));
        let item = &queue.body["items"][0];
        assert_eq!(item["record_id"], item["line"]);
        assert!(item["open"][0]["entry"]["entry_hash"].is_string(), "{item}");
        assert_eq!(
            s.get("/v1/review-queue", &s.analyst).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            s.get("/v1/review-queue", &s.auditor).await.status,
            StatusCode::OK
        );

        // The strictest open item, confirmed: the list's effect.
        let strictest = open
            .iter()
            .max_by_key(|h| severity(&h["if_true"]["outcome"]))
            .cloned()
            .unwrap_or_default();
        let mut no_reason = review_of(&id, &name, &strictest, "true_match");
        no_reason["reason"] = json!("");
        let refused = s.post("/v1/reviews", &s.reviewer, &no_reason).await;
        assert_eq!(refused.body["field"], "reason", "{}", refused.body);
        let by_analyst = s
            .post(
                "/v1/reviews",
                &s.analyst,
                &review_of(&id, &name, &strictest, "true_match"),
            )
            .await;
        assert_eq!(by_analyst.status, StatusCode::FORBIDDEN);

        let reviewed = s
            .post(
                "/v1/reviews",
                &s.reviewer,
                &review_of(&id, &name, &strictest, "true_match"),
            )
            .await;
        assert_eq!(reviewed.status, StatusCode::CREATED, "{}", reviewed.body);
        assert_eq!(reviewed.body["country"], "DE", "{}", reviewed.body);
        assert!(reviewed.body["entry_hash"].is_string(), "{}", reviewed.body);
        let redecided = &reviewed.body["redecided"];
        assert_eq!(redecided["supersedes"], id, "{redecided}");
        assert_eq!(redecided["review_record"], reviewed.body["record_id"]);
        assert_eq!(
            redecided["outcome"], strictest["if_true"]["outcome"],
            "{redecided}"
        );
        let new_id = redecided["record_id"].clone();

        // The record says the same, and the original stays as it was.
        let record = s.get(&format!("/v1/records/{new_id}"), &s.auditor).await;
        assert_eq!(record.body["output"]["supersedes"], id);
        assert_eq!(record.body["actor"], "rita");
        let original = s.get(&format!("/v1/records/{id}"), &s.auditor).await;
        assert_eq!(original.body["output"]["outcome"], "HOLD");

        let current = s.get(&format!("/v1/determinations/{id}"), &s.auditor).await;
        assert_eq!(current.status, StatusCode::OK, "{}", current.body);
        assert_eq!(current.body["superseded"], true);
        assert_eq!(current.body["current"]["id"], new_id);
        let line: Vec<(Value, Value)> = current.body["line"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| (l["record_id"].clone(), l["outcome"].clone()))
            .collect();
        assert_eq!(
            line,
            vec![
                (id.clone(), json!("HOLD")),
                (new_id.clone(), redecided["outcome"].clone())
            ]
        );
        assert_eq!(current.body["line"][1]["actor"], "rita");
        let from_new = s
            .get(&format!("/v1/determinations/{new_id}"), &s.auditor)
            .await;
        assert_eq!(from_new.body["superseded"], false);
        assert_eq!(from_new.body["line"], current.body["line"]);

        // Settled: the queue no longer lists it.
        let queue = s.get("/v1/review-queue", &s.reviewer).await;
        assert!(!queued_lines(&queue.body).contains(&id.as_i64().unwrap_or(-1)));
        let not_a_determination = s
            .get(
                &format!("/v1/determinations/{}", reviewed.body["record_id"]),
                &s.auditor,
            )
            .await;
        assert_eq!(not_a_determination.status, StatusCode::NOT_FOUND);
        assert!(s.verified());
    }

    pub async fn false_positives_release_the_hold_and_clear_later_determinations(s: &TestServer) {
        let (held, name) = held_determination(s).await;
        let id = held["record_id"].clone();
        let open = holds(&held);
        let mut last = Value::Null;
        for (i, hold) in open.iter().enumerate() {
            let reviewed = s
                .post(
                    "/v1/reviews",
                    &s.reviewer,
                    &review_of(&id, &name, hold, "false_positive"),
                )
                .await;
            assert_eq!(reviewed.status, StatusCode::CREATED, "{}", reviewed.body);
            last = reviewed.body["redecided"].clone();
            if i + 1 < open.len() {
                assert_eq!(last["outcome"], "HOLD", "{last}");
                assert_eq!(holds(&last).len(), open.len() - i - 1);
            }
        }
        // Released: the all-clear outcome, a line of 1 + one record per review.
        assert_eq!(last["outcome"], held["if_all_clear"]["outcome"], "{last}");
        assert!(last["holds"].is_null(), "{last}");
        let current = s.get(&format!("/v1/determinations/{id}"), &s.auditor).await;
        assert_eq!(current.body["current"]["id"], last["record_id"]);
        assert_eq!(
            current.body["line"].as_array().map(Vec::len),
            Some(open.len() + 1)
        );
        let queue = s.get("/v1/review-queue", &s.reviewer).await;
        assert!(!queued_lines(&queue.body).contains(&id.as_i64().unwrap_or(-1)));

        // A later determination of the same party is cleared by the decisions.
        let later = s
            .post("/v1/determinations", &s.analyst, &transaction(&name))
            .await;
        assert_eq!(later.status, StatusCode::CREATED, "{}", later.body);
        assert_eq!(later.body["outcome"], held["if_all_clear"]["outcome"]);
        let resolved = &later.body["screening"]["parties"][0]["resolved"];
        assert_eq!(
            resolved.as_array().map(Vec::len),
            Some(open.len()),
            "{resolved}"
        );
        assert_eq!(resolved[0]["verdict"], "false_positive");
        assert!(resolved[0]["lapsed"].is_null());
        // The same name in another country is not cleared by them.
        let mut elsewhere = transaction(&name);
        elsewhere["destination"] = json!("FR");
        let abroad = s.post("/v1/determinations", &s.analyst, &elsewhere).await;
        assert_eq!(abroad.body["outcome"], "HOLD", "{}", abroad.body);

        // The entries change (a new alias): the clearances lapse, the match is open again.
        let changed: Vec<(Value, Value)> = open
            .iter()
            .map(|h| (h["list"].clone(), h["entry_id"].clone()))
            .collect();
        let after_update = s.router_with_lists(|entries| {
            for e in entries.iter_mut() {
                let list = serde_json::to_value(e.list).unwrap_or_default();
                if changed.contains(&(list, json!(e.id))) {
                    e.aliases.push(lists::model::Alias {
                        name: "A Newly Listed Alias".into(),
                        kind: lists::model::AliasKind::Aka,
                    });
                }
            }
        });
        let again = s
            .post_to(
                &after_update,
                "/v1/determinations",
                &s.analyst,
                &transaction(&name),
            )
            .await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
        assert_eq!(again.body["outcome"], "HOLD", "{}", again.body);
        let lapsed = &again.body["screening"]["parties"][0]["resolved"][0]["lapsed"];
        assert!(
            lapsed.as_str().is_some_and(|l| l.contains("changed")),
            "{}",
            again.body
        );
        assert!(s.verified());
    }

    pub async fn the_queue_is_oldest_first_and_paged(s: &TestServer) {
        let (first, name) = held_determination(s).await;
        let mut other = transaction(&name);
        other["destination"] = json!("FR");
        let second = s.post("/v1/determinations", &s.analyst, &other).await;
        assert_eq!(second.body["outcome"], "HOLD", "{}", second.body);
        let page = s.get("/v1/review-queue?limit=1", &s.reviewer).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_eq!(page.body["items"][0]["record_id"], first["record_id"]);
        let next = page.body["next_after"].as_i64().expect("a next page");
        let rest = s
            .get(
                &format!("/v1/review-queue?limit=1&after={next}"),
                &s.reviewer,
            )
            .await;
        assert_eq!(rest.body["items"][0]["record_id"], second.body["record_id"]);
        let bad = s.get("/v1/review-queue?limit=0", &s.reviewer).await;
        assert_eq!(
            (bad.status, bad.body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("limit"))
        );
    }
}

/// The cases, once per back end.
macro_rules! suite {
    ($backend:ident) => {
        mod $backend {
            use super::*;

            #[test]
            fn a_review_band_match_holds_and_a_true_match_supersedes_it() {
                let s = common::$backend();
                common::run(cases::a_review_band_match_holds_and_a_true_match_supersedes_it(&s));
            }

            #[test]
            fn false_positives_release_the_hold_and_clear_later_determinations() {
                let s = common::$backend();
                common::run(
                    cases::false_positives_release_the_hold_and_clear_later_determinations(&s),
                );
            }

            #[test]
            fn the_queue_is_oldest_first_and_paged() {
                let s = common::$backend();
                common::run(cases::the_queue_is_oldest_first_and_paged(&s));
                let items =
                    common::off_runtime(|| server::service::review_queue(&s.state).expect("queue"));
                assert_eq!(items.len(), 2);
            }
        }
    };
}

suite!(sqlite);
suite!(postgres);
