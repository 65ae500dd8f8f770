//! The questionnaire data, the traversal, and the errors of `classify`.

use std::collections::BTreeSet;

use classify::{
    classify, next_question, questionnaire, AnswerValue, Answers, ClassResult, ClassifyError,
    Question, QuestionKind, Questionnaire,
};

/// The ECCN strings `ace check` accepts (plus the flagged 5E001.a (for 5B001.a …)).
const ECCN_SYNTAX: &[&str] = &[
    "4A005",
    "4D004",
    "4E001.c",
    "5A001.j",
    "5D001.e",
    "4D001.a (for 4D004)",
    "4D001.a (for 4A005)",
    "4E001.a (for 4D004)",
    "4E001.a (for 4A005)",
    "4E001.a (for 4D001.a (for 4D004))",
    "4E001.a (for 4D001.a (for 4A005))",
    "5B001.a (for 5A001.j)",
    "5D001.a (for 5A001.j)",
    "5D001.c (for 5A001.j)",
    "5D001.c (for 5B001.a (for 5A001.j))",
    "5E001.a (for 5A001.j)",
    "5E001.a (for 5D001.a (for 5A001.j))",
    "5E001.a (for 5B001.a (for 5A001.j))",
];

const ENC_ENTRIES: &[&str] = &["5A002.a", "5A004.a", "5A004.b", "5D002.c.1", "5D002.c.3"];

fn text(s: &str) -> AnswerValue {
    AnswerValue::Text(s.to_string())
}

fn answers(pairs: &[(&str, AnswerValue)]) -> Answers {
    let mut a = Answers::new();
    for (id, value) in pairs {
        a.set(id, value.clone());
    }
    a
}

fn values(question: &Question) -> Vec<AnswerValue> {
    match question.kind {
        QuestionKind::YesNo => vec![AnswerValue::Bool(true), AnswerValue::Bool(false)],
        QuestionKind::Choice => question.options.iter().map(|o| text(&o.id)).collect(),
    }
}

#[test]
fn the_bundled_data_validates() {
    let parsed = Questionnaire::parse(classify::QUESTIONS_TOML).unwrap();
    assert!(parsed.questions.len() >= 25);
    for question in &parsed.questions {
        assert!(!question.help.is_empty(), "{} has no help", question.id);
        assert!(
            !question.citation.is_empty(),
            "{} has no citation",
            question.id
        );
    }
    assert_eq!(parsed.hash.len(), 64);
}

/// Every path through the questionnaire, answered every possible way, ends in a result:
/// the data (what is asked) and the code (what is decided) agree. Every question is asked
/// on some path, and every ECCN produced has the accepted syntax.
#[test]
fn every_path_through_the_questionnaire_is_decided() {
    let q = questionnaire();
    let mut stack = vec![Answers::new()];
    let (mut paths, mut asked, mut results) = (0, BTreeSet::new(), BTreeSet::new());
    while let Some(partial) = stack.pop() {
        match next_question(q, &partial) {
            Some(question) => {
                asked.insert(question.id.clone());
                for value in values(question) {
                    let mut more = partial.clone();
                    more.set(&question.id, value);
                    stack.push(more);
                }
            }
            None => {
                paths += 1;
                let classification = classify(&partial)
                    .unwrap_or_else(|e| panic!("undecided path {:?}: {e}", partial.0));
                assert!(classification.ignored.is_empty());
                let result = classification.result;
                match &result {
                    ClassResult::Eccn { eccn, .. } => {
                        assert!(ECCN_SYNTAX.contains(&eccn.as_str()), "{eccn}")
                    }
                    ClassResult::EvaluateUnderEnc { eccn, .. } => {
                        assert!(ENC_ENTRIES.contains(&eccn.as_str()), "{eccn}")
                    }
                    _ => {}
                }
                results.insert(format!("{} {:?}", result.kind(), result.eccn()));
            }
        }
    }
    let never: Vec<&str> = q
        .questions
        .iter()
        .map(|qn| qn.id.as_str())
        .filter(|id| !asked.contains(*id))
        .collect();
    assert!(never.is_empty(), "never asked: {never:?}");
    assert!(paths > 100, "{paths} paths");
    eprintln!("{paths} complete paths, {} distinct results", results.len());
    for eccn in ECCN_SYNTAX.iter() {
        assert!(
            results.iter().any(|r| r.contains(&format!("\"{eccn}\""))),
            "{eccn} is never reached"
        );
    }
}

#[test]
fn next_question_skips_questions_whose_conditions_are_false() {
    let q = questionnaire();
    let first = next_question(q, &Answers::new()).unwrap();
    assert_eq!(first.id, "item_type");
    // Hardware is never "published": the 734.3(b)(3) questions are skipped.
    let hardware = answers(&[("item_type", text("hardware"))]);
    assert_eq!(next_question(q, &hardware).unwrap().id, "function_family");
    // Published software without encryption: nothing more to ask.
    let published = answers(&[
        ("item_type", text("software")),
        ("published", AnswerValue::Bool(true)),
        ("published_encryption", AnswerValue::Bool(false)),
    ]);
    assert!(next_question(q, &published).is_none());
    // A debugger skips the rest of the intrusion-software definition.
    let debugger = answers(&[
        ("item_type", text("hardware")),
        ("function_family", text("intrusion")),
        ("item_role", text("operates")),
        ("excluded_kind", text("debugger")),
    ]);
    assert!(next_question(q, &debugger).is_none());
}

#[test]
fn answers_to_skipped_questions_are_ignored_not_used() {
    let a = answers(&[
        ("item_type", text("software")),
        ("published", AnswerValue::Bool(true)),
        ("published_encryption", AnswerValue::Bool(false)),
        ("function_family", text("intrusion")),
    ]);
    let classification = classify(&a).unwrap();
    assert_eq!(classification.ignored, vec!["function_family".to_string()]);
    assert_eq!(classification.path.len(), 3);
}

#[test]
fn a_missing_answer_names_the_question_and_what_it_accepts() {
    let a = answers(&[("item_type", text("software"))]);
    let err = classify(&a).unwrap_err();
    assert!(matches!(&err, ClassifyError::Missing { question, .. } if question == "published"));
    let message = err.to_string();
    assert!(message.contains("`published`"), "{message}");
    assert!(message.contains("true or false"), "{message}");

    let err = classify(&Answers::new()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("`item_type`"), "{message}");
    assert!(
        message.contains("'hardware', 'software', 'technology'"),
        "{message}"
    );
}

#[test]
fn contradictory_answers_name_the_questions() {
    let a = answers(&[
        ("item_type", text("hardware")),
        ("published", AnswerValue::Bool(true)),
    ]);
    let err = classify(&a).unwrap_err();
    let ClassifyError::Contradictory { questions, .. } = &err else {
        panic!("expected Contradictory, got {err}");
    };
    assert!(questions.contains(&"item_type".to_string()));
    assert!(questions.contains(&"published".to_string()));
    assert!(err.to_string().contains("published"), "{err}");

    let qos = answers(&[
        ("marketing_qos_qoe", AnswerValue::Bool(true)),
        ("hard_selector_search", AnswerValue::Bool(true)),
        ("relational_mapping", AnswerValue::Bool(true)),
    ]);
    let err = classify(&qos).unwrap_err().to_string();
    assert!(err.contains("marketing_qos_qoe"), "{err}");
}

#[test]
fn unknown_questions_and_invalid_answers_are_refused() {
    let err = classify(&answers(&[("item_kind", text("software"))])).unwrap_err();
    assert!(matches!(err, ClassifyError::UnknownQuestion { .. }));
    assert!(err.to_string().contains("`item_kind`"));

    let err = classify(&answers(&[("item_type", text("firmware"))])).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("`item_type`") && message.contains("'software'"),
        "{message}"
    );

    let err = classify(&answers(&[("item_type", AnswerValue::Bool(true))])).unwrap_err();
    assert!(matches!(err, ClassifyError::InvalidAnswer { .. }));
}

#[test]
fn yes_and_no_may_be_spelled_out() {
    let a = answers(&[
        ("item_type", text("technology")),
        ("published", text("yes")),
    ]);
    let classification = classify(&a).unwrap();
    assert!(matches!(
        classification.result,
        ClassResult::NotSubjectToEar { .. }
    ));
    assert_eq!(classification.path[1].answer, "yes");
}

#[test]
fn unverified_rules_are_flagged_in_the_result_and_the_path() {
    let a = answers(&[
        ("item_type", text("software")),
        ("published", AnswerValue::Bool(true)),
        ("published_encryption", AnswerValue::Bool(true)),
        ("encryption_source_public", AnswerValue::Bool(true)),
    ]);
    let classification = classify(&a).unwrap();
    let ClassResult::NotSubjectToEar { reason, .. } = &classification.result else {
        panic!("{:?}", classification.result);
    };
    assert!(reason.contains("unverified"), "{reason}");
    assert!(!classification.path[2].effect.contains("unverified"));
    assert!(classification.path[3].effect.contains("unverified"));
}

#[test]
fn a_classification_round_trips_through_json_with_the_agreed_shape() {
    let a = answers(&[
        ("item_type", text("hardware")),
        ("function_family", text("network_surveillance")),
        ("item_role", text("operates")),
        ("marketing_qos_qoe", AnswerValue::Bool(true)),
    ]);
    let classification = classify(&a).unwrap();
    let json = serde_json::to_value(&classification).unwrap();
    assert_eq!(json["result"]["kind"], "not_cybersecurity_item");
    assert_eq!(json["questionnaire_hash"].as_str().map(str::len), Some(64));
    let back: classify::Classification = serde_json::from_value(json).unwrap();
    assert_eq!(back, classification);
    assert_eq!(back.answers(questionnaire()), a);
}

fn data_with(question_extra: &str) -> String {
    format!(
        r#"
version = 1
[[question]]
id = "a"
text = "A?"
kind = "yes_no"
citation = "c"
help = "h"
if_yes = "y"
if_no = "n"
[[question]]
id = "b"
text = "B?"
kind = "choice"
citation = "c"
help = "h"
{question_extra}
[[question.option]]
id = "one"
label = "One"
effect = "e"
[[question.option]]
id = "two"
label = "Two"
effect = "e"
"#
    )
}

#[test]
fn bad_conditions_in_the_data_are_refused_at_load() {
    assert!(Questionnaire::parse(&data_with("ask_if = \"a\"")).is_ok());
    for (bad, says) in [
        ("ask_if = \"zzz\"", "`zzz`"),
        ("ask_if = \"b == 'one'\"", "not asked before"),
        ("ask_if = \"a == 'one'\"", "yes/no question"),
        ("ask_if = \"a &&\"", "expected"),
    ] {
        let err = Questionnaire::parse(&data_with(bad))
            .unwrap_err()
            .to_string();
        assert!(err.contains(says), "{bad}: {err}");
    }
}
