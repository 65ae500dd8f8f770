//! The impact of a list change on recorded determinations: record determinations, activate
//! a snapshot that lists one of the parties, and get exactly the determinations that come
//! out differently, each with its outcome before and after and both traces. On SQLite and
//! PostgreSQL.

mod common;

use common::TestServer;
use lists::model::{Entry, ListId, PartyKind};
use serde_json::{json, Value};
use server::service::impact::{impact, ImpactDate};
use server::state::AppState;

/// The party the newer snapshot lists (on the Denied Persons List).
const NEWLY_DENIED: &str = "Quillfeather Instruments GmbH";

fn transaction(name: &str) -> Value {
    json!({
        "item": {"eccn": "4D004"},
        "destination": "DE",
        "end_user": {"name": name, "kind": "non_government"}
    })
}

/// The snapshot in service plus one Denied Persons entry for [`NEWLY_DENIED`].
fn newer_state(s: &TestServer) -> AppState {
    let mut entries = s.state.screener().screener().entries().to_vec();
    entries.push(Entry {
        list: ListId::DeniedPersons,
        id: "dpl-test-1".into(),
        name: NEWLY_DENIED.to_uppercase(),
        aliases: vec![],
        kind: PartyKind::Entity,
        countries: vec!["DE".into()],
        addresses: vec!["Munich, DE".into()],
        programs: vec![],
        license_requirement: None,
        license_policy: None,
        federal_register: None,
        start_date: Some("2026-01-05".into()),
        end_date: None,
        remarks: None,
    });
    let mut meta = s.state.snapshot().clone();
    meta.hash = "b".repeat(64);
    AppState::new(
        s.state.law().clone(),
        screen::Screener::new(entries),
        meta,
        std::sync::Arc::clone(s.state.store()),
    )
}

mod cases {
    use super::*;

    pub async fn a_newly_listed_party_changes_exactly_its_determinations(s: &TestServer) {
        let mut ids = Vec::new();
        for name in [NEWLY_DENIED, "Example Bakery Supplies GmbH", NEWLY_DENIED] {
            let answer = s
                .post("/v1/determinations", &s.analyst, &transaction(name))
                .await;
            assert_eq!(answer.body["outcome"], "ACE", "{}", answer.body);
            ids.push(answer.body["record_id"].as_i64().expect("record id"));
        }
        let after = newer_state(s);
        let before = s.state.clone();
        let today = chrono::Utc::now().date_naive();
        let report = common::off_runtime(move || {
            impact(&before, &after, ImpactDate::Today, today).expect("impact")
        });
        assert_eq!(report.examined, 3);
        let changed: Vec<i64> = report.changed.iter().map(|c| c.record_id).collect();
        assert_eq!(changed, vec![ids[0], ids[2]], "{report:?}");
        for c in &report.changed {
            assert_eq!(c.outcome_before, "ACE");
            assert_eq!(c.outcome_after, "PROHIBITED");
            assert!(
                c.deciding_after.iter().any(|x| x.contains("736.2(b)(4)")),
                "{:?}",
                c.deciding_after
            );
            assert!(c.trace_before.as_array().is_some_and(|t| !t.is_empty()));
            assert!(
                c.trace_after.to_string().contains("denied person"),
                "{}",
                c.trace_after
            );
            assert!(!c.trace_before.to_string().contains("denied person"));
        }
        assert_eq!(report.after.list_snapshot, "b".repeat(64));
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        // The same snapshot on both sides changes nothing.
        let same = s.state.clone();
        let unchanged = common::off_runtime(move || {
            impact(&same, &same, ImpactDate::Today, today).expect("impact")
        });
        assert!(unchanged.changed.is_empty(), "{unchanged:?}");
    }

    pub async fn a_superseded_record_is_not_weighed_again(s: &TestServer) {
        let (held, _) = common::held_determination(s).await;
        let determinations = || {
            let store = std::sync::Arc::clone(s.state.store());
            common::off_runtime(move || {
                store
                    .list(&records::Filter {
                        kind: Some(records::RecordKind::Determination),
                        ..records::Filter::default()
                    })
                    .expect("records")
                    .len()
            })
        };
        let lines = determinations();
        let id = held["record_id"].clone();
        let hold = &held["holds"][0];
        let review = json!({
            "record_id": id,
            "party": hold["party"],
            "list": hold["list"],
            "entry_id": hold["entry_id"],
            "verdict": "false_positive",
            "reason": "another company, another country",
        });
        let reviewed = s.post("/v1/reviews", &s.reviewer, &review).await;
        assert_eq!(
            reviewed.status,
            axum::http::StatusCode::CREATED,
            "{}",
            reviewed.body
        );
        let state = s.state.clone();
        let today = chrono::Utc::now().date_naive();
        let report = common::off_runtime(move || {
            impact(&state, &state, ImpactDate::Today, today).expect("impact")
        });
        // The held record and its re-decision form one line: only the current one counts.
        assert_eq!(determinations(), lines + 1);
        assert_eq!(report.examined, lines, "{report:?}");
    }

    pub async fn the_api_reports_it_for_reviewers_and_auditors(s: &TestServer) {
        let answer = s
            .post(
                "/v1/determinations",
                &s.analyst,
                &transaction("Example Bakery Supplies GmbH"),
            )
            .await;
        assert_eq!(answer.body["outcome"], "ACE", "{}", answer.body);
        let active = s.state.snapshot().hash.clone();
        let asked = s
            .get(&format!("/v1/impact?from={active}"), &s.auditor)
            .await;
        assert_eq!(asked.status, axum::http::StatusCode::OK, "{}", asked.body);
        assert_eq!(asked.body["examined"], 1, "{}", asked.body);
        assert_eq!(asked.body["changed"], json!([]), "{}", asked.body);
        assert_eq!(asked.body["as_of"], "today");
        let forbidden = s.get("/v1/impact", &s.analyst).await;
        assert_eq!(forbidden.status, axum::http::StatusCode::FORBIDDEN);
        // Nothing to compare with: no earlier snapshot is known to this server.
        let alone = s.get("/v1/impact", &s.reviewer).await;
        assert_eq!(
            alone.status,
            axum::http::StatusCode::BAD_REQUEST,
            "{}",
            alone.body
        );
        assert_eq!(alone.body["field"], "from", "{}", alone.body);
        let unknown = s.get("/v1/impact?from=zzzz", &s.reviewer).await;
        assert_eq!(unknown.body["field"], "from", "{}", unknown.body);
    }
}

/// The cases, once per back end.
macro_rules! suite {
    ($backend:ident) => {
        mod $backend {
            use super::*;

            #[test]
            fn a_newly_listed_party_changes_exactly_its_determinations() {
                let s = common::$backend();
                common::run(cases::a_newly_listed_party_changes_exactly_its_determinations(&s));
            }

            #[test]
            fn the_api_reports_it_for_reviewers_and_auditors() {
                let s = common::$backend();
                common::run(cases::the_api_reports_it_for_reviewers_and_auditors(&s));
            }

            #[test]
            fn a_superseded_record_is_not_weighed_again() {
                let s = common::$backend();
                common::run(cases::a_superseded_record_is_not_weighed_again(&s));
            }
        }
    };
}

suite!(sqlite);
suite!(postgres);
