//! Errors are RFC 9457 problem documents (`application/problem+json`, with the `error`,
//! `field` and `message` members ace always sent); 401 says how to authenticate; unknown
//! paths and methods get a body; a JSON body must be declared as JSON; UI pages are not
//! cached.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
}

async fn send(s: &common::TestServer, request: Request<Body>) -> Reply {
    let response = s.app.clone().oneshot(request).await.expect("answer");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

fn problem(r: &Reply, status: StatusCode, error: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(
        r.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    assert_eq!(r.body["type"], "about:blank");
    assert_eq!(r.body["status"], status.as_u16());
    assert_eq!(r.body["title"], status.canonical_reason().unwrap_or(""));
    assert_eq!(r.body["error"], error);
    assert!(r.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(r.body["detail"], r.body["message"]);
}

#[test]
fn errors_are_problem_documents() {
    let s = common::sqlite();
    common::run(async {
        // 401 with the scheme to use.
        let r = send(
            &s,
            Request::get("/v1/records")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
        problem(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
        assert_eq!(
            r.headers
                .get(header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok()),
            Some("Bearer realm=\"ace\"")
        );
        let bearer = format!("Bearer {}", s.analyst);
        // 400 keeps naming the field.
        let r = send(
            &s,
            Request::post("/v1/determinations")
                .header(header::AUTHORIZATION, &bearer)
                .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
                .body(Body::from(
                    r#"{"item":{"eccn":"4D004"},"destination":"Narnia"}"#,
                ))
                .expect("request"),
        )
        .await;
        problem(&r, StatusCode::BAD_REQUEST, "bad_input");
        assert_eq!(r.body["field"], "destination");
        // A body not declared as JSON: 415, saying what was sent.
        let r = send(
            &s,
            Request::post("/v1/determinations")
                .header(header::AUTHORIZATION, &bearer)
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from(
                    r#"{"item":{"eccn":"4D004"},"destination":"DE"}"#,
                ))
                .expect("request"),
        )
        .await;
        problem(
            &r,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        );
        assert!(r.body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("text/plain"));
        // An unknown path and an unanswered method get a body too.
        let r = send(
            &s,
            Request::get("/v1/nothing-here")
                .header(header::AUTHORIZATION, &bearer)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
        problem(&r, StatusCode::NOT_FOUND, "not_found");
        let r = send(
            &s,
            Request::delete("/v1/records")
                .header(header::AUTHORIZATION, &bearer)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
        problem(&r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
        // UI pages are not kept in caches; the assets are.
        let page = send(
            &s,
            Request::get("/ui/login")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
        assert_eq!(
            page.headers
                .get(header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
        let css = send(
            &s,
            Request::get("/ui/assets/ui.css")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
        assert_ne!(
            css.headers
                .get(header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
    });
}

#[test]
fn a_record_path_id_that_is_not_a_positive_integer_is_a_400_naming_id() {
    let s = common::sqlite();
    common::run(async {
        let bearer = format!("Bearer {}", s.analyst);
        let get = |path: String| {
            Request::get(path)
                .header(header::AUTHORIZATION, &bearer)
                .body(Body::empty())
                .expect("request")
        };
        let post = |path: String| {
            Request::post(path)
                .header(header::AUTHORIZATION, &bearer)
                .body(Body::empty())
                .expect("request")
        };
        for id in ["abc", "0", "-3", "1.5", "99999999999999999999"] {
            for request in [
                get(format!("/v1/records/{id}")),
                get(format!("/v1/determinations/{id}")),
                post(format!("/v1/determinations/{id}/replay")),
            ] {
                let path = request.uri().to_string();
                let r = send(&s, request).await;
                problem(&r, StatusCode::BAD_REQUEST, "bad_input");
                assert_eq!(r.body["field"], "id", "{path}");
                assert!(
                    r.body["detail"]
                        .as_str()
                        .is_some_and(|d| d.contains("a positive integer")),
                    "{path}: {}",
                    r.body
                );
            }
        }
        // A well-formed id that no record has stays a 404.
        let r = send(&s, get("/v1/records/424242".into())).await;
        problem(&r, StatusCode::NOT_FOUND, "not_found");
    });
}
