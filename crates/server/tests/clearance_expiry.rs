//! A false-positive clearance lasts the configured number of months
//! (`ace serve --clearance-months`), then lapses and the match is open again. Its own test
//! binary: the period is a setting of the whole server process.

mod common;

use axum::http::StatusCode;
use common::{held_determination, transaction};
use serde_json::json;

#[test]
fn a_clearance_lapses_after_its_period() {
    let s = common::sqlite();
    common::run(async {
        server::service::set_clearance_months(decide::clearance::DEFAULT_CLEARANCE_MONTHS);
        let (held, name) = held_determination(&s).await;
        for hold in held["holds"].as_array().into_iter().flatten() {
            let review = json!({
                "record_id": held["record_id"],
                "party": name,
                "list": hold["list"],
                "entry_id": hold["entry_id"],
                "verdict": "false_positive",
                "reason": "a different company at another address",
            });
            let a = s.post("/v1/reviews", &s.reviewer, &review).await;
            assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        }
        let cleared = s
            .post("/v1/determinations", &s.analyst, &transaction(&name))
            .await;
        assert_eq!(cleared.body["outcome"], held["if_all_clear"]["outcome"]);

        // A period of 0 months: every clearance decided today has expired.
        server::service::set_clearance_months(0);
        let expired = s
            .post("/v1/determinations", &s.analyst, &transaction(&name))
            .await;
        server::service::set_clearance_months(decide::clearance::DEFAULT_CLEARANCE_MONTHS);
        assert_eq!(expired.body["outcome"], "HOLD", "{}", expired.body);
        let lapsed = &expired.body["screening"]["parties"][0]["resolved"][0]["lapsed"];
        assert!(
            lapsed.as_str().is_some_and(|l| l.contains("expired")),
            "{}",
            expired.body
        );
        assert!(s.verified());
    });
}
