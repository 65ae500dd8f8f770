//! The HTTP API end to end through `router()`: tokens and roles, bad input, records,
//! idempotency, reviews, the OpenAPI document — on SQLite, and the recording paths again
//! on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::{transaction, TestServer};
use serde_json::{json, Value};

/// The first screening hit of the first party of a determination's answer.
fn first_hit(answer: &Value) -> &Value {
    &answer["screening"]["parties"][0]["hits"][0]
}

/// The answer without the fields of its record, i.e. what the record's output keeps.
fn without_record_fields(answer: &Value) -> Value {
    let mut v = answer.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("record_id");
        o.remove("record_hash");
        o.remove("replayed");
    }
    v
}

mod cases {
    use super::*;

    pub async fn determination_is_recorded_and_readable(s: &TestServer) {
        let input = transaction("Example GmbH");
        let a = s.post("/v1/determinations", &s.analyst, &input).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        assert_eq!(a.body["outcome"], "ACE");
        assert_eq!(a.body["replayed"], false);
        let id = a.body["record_id"].as_i64().expect("record id");
        let r = s.get(&format!("/v1/records/{id}"), &s.auditor).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body["kind"], "determination");
        assert_eq!(r.body["actor"], "alice");
        assert_eq!(r.body["hash"], a.body["record_hash"]);
        assert_eq!(r.body["output"], without_record_fields(&a.body));
        assert_eq!(r.body["input"], input);
        assert_eq!(s.count(), 1);
    }

    pub async fn the_same_id_is_recorded_once(s: &TestServer) {
        let mut input = transaction("Example GmbH");
        input["id"] = json!("PO-4711");
        let first = s.post("/v1/determinations", &s.analyst, &input).await;
        assert_eq!(first.status, StatusCode::CREATED);
        let again = s.post("/v1/determinations", &s.reviewer, &input).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.body);
        assert_eq!(again.body["replayed"], true);
        assert_eq!(again.body["record_id"], first.body["record_id"]);
        input["destination"] = json!("FR");
        let other = s.post("/v1/determinations", &s.analyst, &input).await;
        assert_eq!(other.status, StatusCode::CONFLICT, "{}", other.body);
        assert_eq!(other.body["field"], "id");
        assert_eq!(s.count(), 1);
    }

    pub async fn hostile_input_is_refused_and_nothing_recorded(s: &TestServer) {
        let post = |body: Vec<u8>| s.send("POST", "/v1/determinations", Some(&s.analyst), body);
        let a = post(vec![b'{'; 10]).await;
        assert_eq!(
            (a.status, a.body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("body"))
        );
        assert!(
            a.body["message"]
                .as_str()
                .unwrap_or("")
                .contains("malformed JSON"),
            "{}",
            a.body
        );

        let a = post(b"{\"destination\": \"DE\xff\"}".to_vec()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
        assert!(
            a.body["message"].as_str().unwrap_or("").contains("UTF-8"),
            "{}",
            a.body
        );

        let nested = format!(
            "{{\"id\": {}1{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let a = post(nested.into_bytes()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);

        let mut big = transaction("x");
        big["end_user"]["name"] = json!("A".repeat(2 * 1024 * 1024));
        let a = post(big.to_string().into_bytes()).await;
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(a.body["error"], "too_large");

        let long = transaction(&"Acme ".repeat(20_000));
        let a = post(long.to_string().into_bytes()).await;
        assert_eq!(
            (a.status, a.body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("end_user.name"))
        );

        let mut unknown = transaction("Example GmbH");
        unknown["end_user"]["nmae"] = json!("typo");
        let a = post(unknown.to_string().into_bytes()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
        assert_eq!(a.body["field"], "end_user.nmae", "{}", a.body);

        let a = post(json!({"item": {"eccn": "4D004"}}).to_string().into_bytes()).await;
        assert_eq!(
            (a.status, a.body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("destination"))
        );

        let a = post(
            json!({"item": {"eccn": "4D004"}, "destination": "Atlantis"})
                .to_string()
                .into_bytes(),
        )
        .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
        assert_eq!(s.count(), 0, "nothing is recorded for a rejected request");
    }

    pub async fn sql_looking_text_is_only_text(s: &TestServer) {
        let name = "'; DROP TABLE records; --";
        let a = s
            .post("/v1/determinations", &s.analyst, &transaction(name))
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        let bad_token = s.get("/v1/records", name).await;
        assert_eq!(bad_token.status, StatusCode::UNAUTHORIZED);
        let bad_kind = s
            .get(
                "/v1/records?kind=%27%3B%20DROP%20TABLE%20records%3B%20--",
                &s.auditor,
            )
            .await;
        assert_eq!(
            (bad_kind.status, bad_kind.body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("kind"))
        );
        let by_actor = s
            .get("/v1/records?actor=%27%20OR%20%271%27%3D%271", &s.auditor)
            .await;
        assert_eq!(by_actor.body["records"], json!([]));
        let bad_id = s
            .get("/v1/records/1%3B%20DROP%20TABLE%20records", &s.auditor)
            .await;
        assert_eq!(
            (bad_id.status, bad_id.body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("id"))
        );
        let first = s.base + 1;
        let record = s.get(&format!("/v1/records/{first}"), &s.auditor).await;
        assert_eq!(record.body["input"]["end_user"]["name"], name);
        assert_eq!(s.count(), 1);
        assert!(s.verified());
    }

    pub async fn a_false_positive_clears_the_next_determination(s: &TestServer) {
        let first = s
            .post("/v1/determinations", &s.analyst, &transaction("NSO Group"))
            .await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        let hit = first_hit(&first.body).clone();
        assert!(hit.is_object(), "NSO Group should hit: {}", first.body);
        assert_eq!(hit["reviews"], json!([]));
        let review = json!({
            "record_id": first.body["record_id"],
            "party": "NSO Group",
            "list": hit["list"],
            "entry_id": hit["id"],
            "verdict": "false_positive",
            "reason": "our customer is NSO Group Trading Ltd of Cyprus, not the listed entity"
        });
        let by_analyst = s.post("/v1/reviews", &s.analyst, &review).await;
        assert_eq!(by_analyst.status, StatusCode::FORBIDDEN);
        let by_auditor = s.post("/v1/reviews", &s.auditor, &review).await;
        assert_eq!(by_auditor.status, StatusCode::FORBIDDEN);
        let mut wrong_entry = review.clone();
        wrong_entry["entry_id"] = json!("no-such-entry");
        let a = s.post("/v1/reviews", &s.reviewer, &wrong_entry).await;
        assert_eq!(
            (a.status, a.body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("entry_id"))
        );
        let mut no_reason = review.clone();
        no_reason["reason"] = json!("  ");
        let a = s.post("/v1/reviews", &s.reviewer, &no_reason).await;
        assert_eq!(
            (a.status, a.body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("reason"))
        );
        assert_eq!(s.count(), 1);

        let decided = s.post("/v1/reviews", &s.reviewer, &review).await;
        assert_eq!(decided.status, StatusCode::CREATED, "{}", decided.body);
        assert_eq!(decided.body["verdict"], "false_positive");
        assert_eq!(decided.body["actor"], "rita");
        // The determination reviewed is re-decided into a record that supersedes it.
        assert_eq!(
            decided.body["redecided"]["supersedes"],
            first.body["record_id"]
        );
        assert_eq!(s.count(), 3);

        let cleared = |answer: &Value| -> Value {
            answer["screening"]["parties"][0]["resolved"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["id"] == hit["id"] && r["list"] == hit["list"])
                .cloned()
                .unwrap_or_default()
        };
        let in_hits = |answer: &Value| {
            answer["screening"]["parties"][0]["hits"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|m| m["id"] == hit["id"] && m["list"] == hit["list"])
        };
        let next = s
            .post("/v1/determinations", &s.analyst, &transaction("NSO GROUP"))
            .await;
        assert!(!in_hits(&next.body), "cleared: {}", next.body);
        let resolved = cleared(&next.body);
        assert_eq!(resolved["verdict"], "false_positive", "{}", next.body);
        assert!(resolved["decided"]
            .as_str()
            .is_some_and(|d| d.contains("rita")));
        assert_eq!(resolved["entry"]["id"], hit["id"]);
        // The very same name again: its matches come from the server's screening memo,
        // the decisions from the store, so the decision applies there too.
        let same = s
            .post("/v1/determinations", &s.analyst, &transaction("NSO Group"))
            .await;
        assert!(!in_hits(&same.body));
        assert_eq!(cleared(&same.body)["score"], hit["score"]);

        // A screening shows the match with the decision recorded on it.
        let screened = s
            .post("/v1/screenings", &s.analyst, &json!({"name": "nso group"}))
            .await;
        assert_eq!(screened.status, StatusCode::CREATED, "{}", screened.body);
        let shown = screened.body["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["id"] == hit["id"])
            .cloned()
            .unwrap_or_default();
        assert_eq!(shown["reviews"][0]["verdict"], "false_positive");
        let reviews = s.get("/v1/records?kind=review", &s.auditor).await;
        assert_eq!(reviews.body["records"].as_array().map(Vec::len), Some(1));
        assert!(s.verified());
    }
}

/// The recording cases, once per back end.
macro_rules! recording_suite {
    ($backend:ident) => {
        mod $backend {
            use super::*;

            #[test]
            fn determination_is_recorded_and_readable() {
                let s = common::$backend();
                common::run(cases::determination_is_recorded_and_readable(&s));
            }

            #[test]
            fn the_same_id_is_recorded_once() {
                let s = common::$backend();
                common::run(cases::the_same_id_is_recorded_once(&s));
            }

            #[test]
            fn hostile_input_is_refused_and_nothing_recorded() {
                let s = common::$backend();
                common::run(cases::hostile_input_is_refused_and_nothing_recorded(&s));
            }

            #[test]
            fn sql_looking_text_is_only_text() {
                let s = common::$backend();
                common::run(cases::sql_looking_text_is_only_text(&s));
            }

            #[test]
            fn a_false_positive_clears_the_next_determination() {
                let s = common::$backend();
                common::run(cases::a_false_positive_clears_the_next_determination(&s));
            }
        }
    };
}

recording_suite!(sqlite);
recording_suite!(postgres);

#[test]
fn no_token_is_401_and_a_wrong_role_is_403() {
    let s = common::sqlite();
    common::run(async {
        let body = transaction("Example GmbH").to_string().into_bytes();
        let a = s
            .send("POST", "/v1/determinations", None, body.clone())
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.body["error"], "unauthenticated");
        let a = s
            .send(
                "POST",
                "/v1/determinations",
                Some("ace_not-a-token"),
                body.clone(),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        for uri in [
            "/v1/records",
            "/v1/records/1",
            "/v1/lists",
            "/v1/rules",
            "/v1/tokens",
        ] {
            assert_eq!(
                s.send("GET", uri, None, Vec::new()).await.status,
                StatusCode::UNAUTHORIZED,
                "{uri}"
            );
        }
        let a = s
            .send("POST", "/v1/determinations", Some(&s.auditor), body)
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert_eq!(a.body["error"], "forbidden");
        let screening = json!({"name": "Example GmbH"});
        assert_eq!(
            s.post("/v1/screenings", &s.auditor, &screening)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let answers = json!({"item_type": "software"});
        assert_eq!(
            s.post("/v1/classifications", &s.auditor, &answers)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        for token in [&s.analyst, &s.reviewer, &s.auditor] {
            assert_eq!(
                s.get("/v1/tokens", token).await.status,
                StatusCode::FORBIDDEN
            );
            let t = json!({"name": "mallory", "role": "admin"});
            assert_eq!(
                s.post("/v1/tokens", token, &t).await.status,
                StatusCode::FORBIDDEN
            );
        }
        for token in [&s.analyst, &s.reviewer, &s.auditor, &s.admin] {
            assert_eq!(s.get("/v1/records", token).await.status, StatusCode::OK);
            assert_eq!(s.get("/v1/lists", token).await.status, StatusCode::OK);
        }
        assert_eq!(s.count(), 0);
    });
}

#[test]
fn an_admin_creates_tokens_that_work_at_once() {
    let s = common::sqlite();
    common::run(async {
        let a = s
            .post(
                "/v1/tokens",
                &s.admin,
                &json!({"name": "bob", "role": "auditor"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        let secret = a.body["token"].as_str().expect("secret").to_string();
        assert_eq!(s.get("/v1/records", &secret).await.status, StatusCode::OK);
        let dup = s
            .post(
                "/v1/tokens",
                &s.admin,
                &json!({"name": "bob", "role": "admin"}),
            )
            .await;
        assert_eq!(
            (dup.status, dup.body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("name"))
        );
        let listed = s.get("/v1/tokens", &s.admin).await;
        let names: Vec<&str> = listed
            .body
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["name"].as_str())
            .collect();
        assert!(names.contains(&"bob") && !listed.body.to_string().contains(&secret));
    });
}

#[test]
fn tokens_are_revoked_rotated_and_expire_over_the_api() {
    let s = common::sqlite();
    common::run(async {
        let created = s
            .post(
                "/v1/tokens",
                &s.admin,
                &json!({"name": "ci", "role": "analyst", "expires": "90d"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert!(created.body["expires_at"].as_str().is_some());
        let old = created.body["token"].as_str().expect("secret").to_string();
        let bad = s
            .post(
                "/v1/tokens",
                &s.admin,
                &json!({"name": "x", "role": "analyst", "expires": "2001-01-01"}),
            )
            .await;
        assert_eq!(
            (bad.status, bad.body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("expires"))
        );
        // Rotation: the new secret works, the old one stops at once.
        let rotated = s.post("/v1/tokens/ci/rotate", &s.admin, &json!({})).await;
        assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
        let new = rotated.body["token"].as_str().expect("secret").to_string();
        assert_eq!(
            s.get("/v1/lists", &old).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(s.get("/v1/lists", &new).await.status, StatusCode::OK);
        // Only an admin revokes; then the token stops at once and stays revoked.
        let refused = s
            .send("DELETE", "/v1/tokens/ci", Some(&s.reviewer), Vec::new())
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let revoked = s
            .send("DELETE", "/v1/tokens/ci", Some(&s.admin), Vec::new())
            .await;
        assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
        assert!(revoked.body["revoked_at"].as_str().is_some());
        let after = s.get("/v1/lists", &new).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);
        let again = s
            .send("DELETE", "/v1/tokens/ci", Some(&s.admin), Vec::new())
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        let unknown = s
            .send("DELETE", "/v1/tokens/nobody", Some(&s.admin), Vec::new())
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let reused = s
            .post(
                "/v1/tokens",
                &s.admin,
                &json!({"name": "ci", "role": "admin"}),
            )
            .await;
        assert_eq!(reused.status, StatusCode::BAD_REQUEST);
        // Each change is an access record naming the admin who made it.
        let access = s
            .get("/v1/records?kind=access&actor=root", &s.auditor)
            .await;
        let events: Vec<&str> = access.body["records"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["input"]["event"].as_str())
            .collect();
        assert_eq!(
            events,
            vec!["token_created", "token_rotated", "token_revoked"]
        );
    });
}

#[test]
fn records_are_listed_filtered_and_paged() {
    let s = common::sqlite();
    common::run(async {
        for name in ["Example GmbH", "Beispiel AG"] {
            assert_eq!(
                s.post("/v1/determinations", &s.analyst, &transaction(name))
                    .await
                    .status,
                StatusCode::CREATED
            );
        }
        assert_eq!(
            s.post(
                "/v1/screenings",
                &s.reviewer,
                &json!({"name": "Example GmbH", "country": "Germany"})
            )
            .await
            .status,
            StatusCode::CREATED
        );
        // The fixture's four tokens were recorded first (access records 1 to base).
        let base = s.base;
        assert_eq!(base, 4);
        let all = s.get("/v1/records", &s.auditor).await;
        assert_eq!(
            all.body["records"].as_array().map(Vec::len),
            Some(base as usize + 3)
        );
        let access = s.get("/v1/records?kind=access", &s.auditor).await;
        assert_eq!(access.body["records"][0]["input"]["event"], "token_created");
        let screenings = s.get("/v1/records?kind=screening", &s.auditor).await;
        assert_eq!(screenings.body["records"][0]["actor"], "rita");
        assert_eq!(screenings.body["records"].as_array().map(Vec::len), Some(1));
        let after = base + 1;
        let page = s
            .get(&format!("/v1/records?limit=1&after_id={base}"), &s.auditor)
            .await;
        assert_eq!(page.body["next_after_id"], after);
        let rest = s
            .get(&format!("/v1/records?limit=3&after_id={after}"), &s.auditor)
            .await;
        assert_eq!(rest.body["records"][0]["id"], after + 1);
        assert!(rest.body.get("next_after_id").is_none());
        let since = s
            .get("/v1/records?since=2000-01-01&actor=alice", &s.auditor)
            .await;
        assert_eq!(since.body["records"].as_array().map(Vec::len), Some(2));
        let bad = s.get("/v1/records?since=yesterday", &s.auditor).await;
        assert_eq!(
            (bad.status, bad.body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("since"))
        );
        let bad = s.get("/v1/records?limit=0", &s.auditor).await;
        assert_eq!(bad.body["field"], "limit");
        let bad = s.get("/v1/records?colour=red", &s.auditor).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            s.get("/v1/records/99", &s.auditor).await.status,
            StatusCode::NOT_FOUND
        );
        let verified = s.get("/v1/records/verify", &s.auditor).await;
        assert_eq!(
            (
                verified.body["ok"].as_bool(),
                verified.body["records"].as_u64()
            ),
            (Some(true), Some(base + 3))
        );
    });
}

#[test]
fn classification_names_the_missing_question() {
    let s = common::sqlite();
    common::run(async {
        let a = s.post("/v1/classifications", &s.analyst, &json!({})).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
        assert_eq!(a.body["field"], "item_type", "{}", a.body);
        let a = s
            .post(
                "/v1/classifications",
                &s.analyst,
                &json!({"item_type": "software", "published": true, "published_encryption": false}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert_eq!(a.body["result"]["kind"], "not_subject_to_ear");
        let a = s
            .post(
                "/v1/classifications",
                &s.analyst,
                &json!({"no_such_question": true}),
            )
            .await;
        assert_eq!(a.body["field"], "no_such_question");
        let q = s.get("/v1/classifications/questions", &s.auditor).await;
        assert_eq!(q.status, StatusCode::OK);
        assert!(q.body["questions"]
            .as_array()
            .is_some_and(|qs| !qs.is_empty()));
        assert_eq!(s.count(), 0);
    });
}

#[test]
fn matrix_rules_and_lists_answer() {
    let s = common::sqlite();
    common::run(async {
        let m = s
            .get(
                "/v1/matrix?eccn=4D004&end_user=government&as_of=2024-01-01",
                &s.auditor,
            )
            .await;
        assert_eq!(m.status, StatusCode::OK, "{}", m.body);
        let rows = m.body.as_array().expect("rows");
        assert!(rows
            .iter()
            .any(|r| r["code"] == "CN" && r["outcome"] == "LICENSE_REQUIRED"));
        let bad = s
            .get("/v1/matrix?eccn=4D004&end_user=martian", &s.auditor)
            .await;
        assert_eq!(bad.body["field"], "end_user");
        let bad = s
            .get("/v1/matrix?eccn=9Z999&end_user=government", &s.auditor)
            .await;
        assert_eq!(
            (bad.status, bad.body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("eccn"))
        );
        for uri in [
            "/v1/rules",
            "/v1/rules/groups?as_of=2024-01-01",
            "/v1/rules/groups/D:5",
            "/v1/rules/countries/Hong%20Kong?as_of=2024-01-01",
            "/v1/rules/eccns",
            "/v1/rules/eccns/4D004",
            "/v1/rules/embargoes",
            "/v1/rules/periods",
            "/v1/lists",
        ] {
            let a = s.get(uri, &s.auditor).await;
            assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.body);
        }
        let hk = s
            .get("/v1/rules/countries/HK?as_of=2024-01-01", &s.auditor)
            .await;
        assert_eq!(hk.body["code"], "CN");
        assert_eq!(
            s.get("/v1/rules/groups/Z:9", &s.auditor).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            s.get("/v1/rules/countries/Atlantis", &s.auditor)
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
    });
}

#[test]
fn openapi_lists_every_route_and_ops_answer() {
    let s = common::sqlite();
    common::run(async {
        let doc = s.send("GET", "/openapi.json", None, Vec::new()).await;
        assert_eq!(doc.status, StatusCode::OK);
        assert!(doc.body["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.")));
        for (method, path) in server::api::ROUTES {
            assert!(
                doc.body["paths"][path][method].is_object(),
                "{method} {path} missing from /openapi.json"
            );
        }
        let documented: usize = doc.body["paths"].as_object().map_or(0, |p| {
            p.values()
                .map(|m| m.as_object().map_or(0, |m| m.len()))
                .sum()
        });
        assert_eq!(documented, server::api::ROUTES.len());
        // A path parameter is a `{name}` of its path; every other parameter is in the
        // query (generated clients build the URL from this).
        for (path, methods) in doc.body["paths"].as_object().into_iter().flatten() {
            for (method, op) in methods.as_object().into_iter().flatten() {
                for p in op["parameters"].as_array().into_iter().flatten() {
                    let name = p["name"].as_str().unwrap_or("");
                    let expected = if path.contains(&format!("{{{name}}}")) {
                        "path"
                    } else {
                        "query"
                    };
                    assert_eq!(p["in"], expected, "{method} {path} parameter {name}");
                }
            }
        }
        assert_eq!(
            doc.body["paths"]["/v1/records"]["get"]["parameters"]
                .as_array()
                .map(|p| p.iter().all(|p| p["in"] == "query")),
            Some(true)
        );
        assert!(doc.body["components"]["schemas"]["TransactionInput"].is_object());
        assert!(doc.body["components"]["securitySchemes"]["bearer"].is_object());

        assert_eq!(
            s.send("GET", "/healthz", None, Vec::new()).await.status,
            StatusCode::OK
        );
        assert_eq!(
            s.post(
                "/v1/determinations",
                &s.analyst,
                &transaction("Example GmbH")
            )
            .await
            .status,
            StatusCode::CREATED
        );
        let metrics = s.send("GET", "/metrics", None, Vec::new()).await;
        let text = metrics.body.as_str().unwrap_or_default();
        assert!(text.contains("ace_http_requests_total{route=\"/v1/determinations\",method=\"POST\",status=\"201\"} 1"), "{text}");
        assert!(text.contains(
            "ace_http_request_duration_seconds_bucket{route=\"/v1/determinations\",le=\"+Inf\"} 1"
        ));
        assert!(text.contains("ace_records_appended_total 1"));
    });
}
