//! `GET /v1/records/export`: the records as CSV or JSON Lines, filtered like the list.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn get(s: &common::TestServer, uri: &str, token: &str) -> (StatusCode, String, String) {
    let request = Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let response = s.app.clone().oneshot(request).await.expect("answer");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        content_type,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

#[test]
fn records_export_as_csv_and_json_lines() {
    let s = common::sqlite();
    common::run(async {
        for name in ["Example GmbH", "Example Bakery Supplies GmbH"] {
            let a = s
                .post("/v1/determinations", &s.analyst, &common::transaction(name))
                .await;
            assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        }
        let (status, content_type, csv) = get(&s, "/v1/records/export", &s.auditor).await;
        assert_eq!(status, StatusCode::OK, "{csv}");
        assert!(content_type.starts_with("text/csv"), "{content_type}");
        let lines: Vec<&str> = csv.lines().collect();
        assert!(
            lines[0].contains("id") && lines[0].contains("hash"),
            "{}",
            lines[0]
        );
        assert_eq!(
            lines.len() as u64,
            1 + s.base + 2,
            "a header, the fixture's token records and two determinations: {csv}"
        );
        assert!(csv.contains("Example Bakery Supplies GmbH"));

        let (status, content_type, jsonl) = get(
            &s,
            "/v1/records/export?format=jsonl&kind=determination",
            &s.auditor,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type, "application/x-ndjson");
        let ids: Vec<i64> = jsonl
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json line"))
            .filter_map(|v| v["id"].as_i64())
            .collect();
        let base = s.base as i64;
        assert_eq!(ids, vec![base + 1, base + 2]);

        let (status, _, body) = get(&s, "/v1/records/export?format=xml", &s.auditor).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let problem: serde_json::Value = serde_json::from_str(&body).expect("problem");
        assert_eq!(problem["field"], "format");
        let (status, _, _) = get(&s, "/v1/records/export?since=yesterday", &s.auditor).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    });
}

#[test]
fn the_records_list_pages_both_ways() {
    let s = common::sqlite();
    common::run(async {
        for i in 0..5 {
            let a = s
                .post(
                    "/v1/determinations",
                    &s.analyst,
                    &common::transaction(&format!("Example Widgets {i} GmbH")),
                )
                .await;
            assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        }
        let ids = |page: &serde_json::Value| -> Vec<i64> {
            page["records"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["id"].as_i64())
                .collect()
        };
        let first = s.get("/v1/records?limit=2", &s.auditor).await;
        assert_eq!(ids(&first.body), vec![1, 2]);
        assert_eq!(first.body["next_after_id"], 2);
        assert!(first.body["prev_before_id"].is_null());
        let second = s.get("/v1/records?limit=2&after_id=2", &s.auditor).await;
        assert_eq!(ids(&second.body), vec![3, 4]);
        assert_eq!(second.body["prev_before_id"], 3);
        // Back from the third page: the two records before it, oldest first.
        let back = s.get("/v1/records?limit=2&before_id=5", &s.auditor).await;
        assert_eq!(ids(&back.body), vec![3, 4]);
        assert_eq!(back.body["next_after_id"], 4);
        assert_eq!(back.body["prev_before_id"], 3);
        let start = s.get("/v1/records?limit=2&before_id=2", &s.auditor).await;
        assert_eq!(ids(&start.body), vec![1]);
        assert!(start.body["prev_before_id"].is_null(), "{}", start.body);
    });
}
