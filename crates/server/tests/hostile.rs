//! Hostile clients: made-up HTTP methods do not grow /metrics, and oversized party, line
//! and owner lists are refused before anything is screened.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

#[test]
fn made_up_methods_do_not_grow_the_metrics() {
    let s = common::sqlite();
    common::run(async {
        let metrics = |s: &common::TestServer| {
            let app = s.app.clone();
            async move {
                let r = app
                    .oneshot(
                        Request::get("/metrics")
                            .body(Body::empty())
                            .expect("request"),
                    )
                    .await
                    .expect("answer");
                let bytes = r.into_body().collect().await.expect("body").to_bytes();
                String::from_utf8_lossy(&bytes).into_owned()
            }
        };
        let before = metrics(&s).await.len();
        for i in 0..2000 {
            let method =
                Method::from_bytes(format!("X{i}{}", "Z".repeat(200)).as_bytes()).expect("method");
            let request = Request::builder()
                .method(method)
                .uri("/v1/records")
                .body(Body::empty())
                .expect("request");
            let r = s.app.clone().oneshot(request).await.expect("answer");
            assert!(r.status().is_client_error(), "{}", r.status());
        }
        let after = metrics(&s).await;
        assert!(!after.contains("ZZZZ"), "a made-up method became a label");
        assert!(
            after.len() < before + 4096,
            "/metrics grew from {before} to {} bytes",
            after.len()
        );
    });
}

#[test]
fn oversized_lists_are_refused_naming_the_field() {
    let s = common::sqlite();
    common::run(async {
        let many = |n: usize| -> Vec<serde_json::Value> {
            (0..n)
                .map(|i| json!({"name": format!("Example Forwarding {i} GmbH"), "country": "AT"}))
                .collect()
        };
        let mut tx = common::transaction("Example GmbH");
        tx["intermediate_consignees"] =
            json!(many(decide::transaction::MAX_INTERMEDIATE_CONSIGNEES + 1));
        let r = s.post("/v1/determinations", &s.analyst, &tx).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.body["field"], "intermediate_consignees");
        assert!(r.body["message"].as_str().unwrap_or("").contains("at most"));

        let mut tx = common::transaction("Example GmbH");
        tx["end_user"]["owners"] = json!(many(decide::transaction::MAX_OWNERS + 1));
        let r = s.post("/v1/determinations", &s.analyst, &tx).await;
        assert_eq!(r.body["field"], "owners", "{}", r.body);

        // Nothing was recorded for the refused requests.
        assert_eq!(s.count(), 0);
        // At the cap, the route is decided.
        let mut tx = common::transaction("Example GmbH");
        tx["intermediate_consignees"] = json!(many(3));
        let r = s.post("/v1/determinations", &s.analyst, &tx).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    });
}
