//! A date after today is refused by the API (400 naming the field), as `ace` refuses it
//! without `--allow-future`: the regulation is known only as it stands.

mod common;

use axum::http::StatusCode;
use common::transaction;

#[test]
fn dates_after_today_are_refused_naming_the_field() {
    let s = common::sqlite();
    let today = chrono::Utc::now().date_naive().to_string();
    common::run(async {
        for (uri, field) in [
            (
                "/v1/matrix?eccn=4D004&end_user=government&as_of=9999-12-31",
                "as_of",
            ),
            ("/v1/rules/groups?as_of=9999-12-31", "as_of"),
        ] {
            let a = s.get(uri, &s.auditor).await;
            assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}: {}", a.body);
            assert_eq!(a.body["field"], field, "{uri}: {}", a.body);
            let message = a.body.to_string();
            assert!(
                message.contains("after today") && message.contains(&today),
                "{uri}: {message}"
            );
        }
        let today_is_fine = s
            .get(
                &format!("/v1/matrix?eccn=4D004&end_user=government&as_of={today}"),
                &s.auditor,
            )
            .await;
        assert_eq!(
            today_is_fine.status,
            StatusCode::OK,
            "{}",
            today_is_fine.body
        );

        let before = s.count();
        let mut future = transaction("Example GmbH");
        future["date"] = "9999-12-31".into();
        let a = s.post("/v1/determinations", &s.analyst, &future).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
        assert_eq!(a.body["field"], "date", "{}", a.body);
        assert_eq!(s.count(), before, "nothing recorded");
        let a = s
            .post(
                "/v1/determinations",
                &s.analyst,
                &transaction("Example GmbH"),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    });
}
