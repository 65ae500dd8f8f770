//! Every answer carries a request id (the caller's `x-request-id`, or a new one), and
//! bodies are gzip-compressed for clients that accept it.

mod common;

use axum::body::Body;
use axum::http::{header, Request};
use http_body_util::BodyExt;
use tower::ServiceExt;

#[test]
fn request_ids_and_gzip() {
    let s = common::sqlite();
    common::run(async {
        let r = s
            .app
            .clone()
            .oneshot(
                Request::get("/healthz")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("answer");
        let id = r
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert_eq!(id.len(), 36, "a UUID: {id}");
        let r = s
            .app
            .clone()
            .oneshot(
                Request::get("/healthz")
                    .header("x-request-id", "caller-42")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("answer");
        assert_eq!(
            r.headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok()),
            Some("caller-42")
        );
        let r = s
            .app
            .clone()
            .oneshot(
                Request::get("/openapi.json")
                    .header(header::ACCEPT_ENCODING, "gzip")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("answer");
        assert_eq!(
            r.headers()
                .get(header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok()),
            Some("gzip")
        );
        let zipped = r.into_body().collect().await.expect("body").to_bytes();
        assert_eq!(&zipped[..2], &[0x1f, 0x8b], "a gzip stream");
        // Without Accept-Encoding the body is plain JSON.
        let r = s
            .app
            .clone()
            .oneshot(
                Request::get("/openapi.json")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("answer");
        assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
    });
}
