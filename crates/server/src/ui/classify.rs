//! The classification questionnaire as a page (`GET /ui/classify`): one question at a
//! time with its help text and citation, the earlier answers carried in the query string,
//! ending with the result and a button that carries the ECCN into the determination form.

use super::ecfr::link_citation;
use super::html::{html, page, query_value, Markup, Nav};
use super::session::Signed;
use crate::service;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use classify::{
    AnswerValue, Answers, ClassResult, Classification, Question, QuestionKind, Questionnaire,
};

/// One answered question on the way to the next.
struct Answered<'q> {
    question: &'q Question,
    value: AnswerValue,
}

/// `GET /ui/classify?question_id=answer&...`.
pub async fn show(signed: Signed, Query(pairs): Query<Vec<(String, String)>>) -> Response {
    let q = service::questionnaire();
    let given = answers_from(q, &pairs);
    let (path, next) = walk(q, &given);
    let body = match next {
        Some(question) => ask(&path, question),
        None => finish(&path),
    };
    page("Classify", Some(&signed.session), Nav::Classify, body).into_response()
}

/// The answers in the query string, typed by their questions; anything else is ignored.
fn answers_from(q: &Questionnaire, pairs: &[(String, String)]) -> Answers {
    let mut answers = Answers::new();
    for (id, value) in pairs {
        let Some(question) = q.question(id) else {
            continue;
        };
        let value = match question.kind {
            QuestionKind::YesNo => match value.as_str() {
                "yes" => AnswerValue::Bool(true),
                "no" => AnswerValue::Bool(false),
                _ => continue,
            },
            QuestionKind::Choice => AnswerValue::Text(value.clone()),
        };
        if question.accepts(&value) {
            answers.set(id, value);
        }
    }
    answers
}

/// The questions asked so far, in order, and the next one: repeatedly the next question
/// given only the answers before it, so a skipped question's answer never steers.
fn walk<'q>(q: &'q Questionnaire, given: &Answers) -> (Vec<Answered<'q>>, Option<&'q Question>) {
    let mut so_far = Answers::new();
    let mut path = Vec::new();
    while let Some(question) = classify::next_question(q, &so_far) {
        let Some(value) = given.get(&question.id) else {
            return (path, Some(question));
        };
        so_far.set(&question.id, value.clone());
        path.push(Answered {
            question,
            value: value.clone(),
        });
    }
    (path, None)
}

/// An answer as the query string carries it.
fn answer_value(a: &Answered) -> String {
    match &a.value {
        AnswerValue::Bool(true) => "yes".into(),
        AnswerValue::Bool(false) => "no".into(),
        AnswerValue::Text(t) => t.clone(),
    }
}

/// An answer as people read it.
fn answer_label(a: &Answered) -> String {
    match a.question.kind {
        QuestionKind::YesNo => answer_value(a),
        QuestionKind::Choice => {
            let id = answer_value(a);
            a.question
                .option(&id)
                .map(|o| o.label.clone())
                .unwrap_or(id)
        }
    }
}

/// The query string of the first `n` answers.
fn query_of(path: &[Answered], n: usize) -> String {
    path.iter()
        .take(n)
        .map(|a| {
            format!(
                "{}={}",
                query_value(&a.question.id),
                query_value(&answer_value(a))
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The answers so far, each with a link to change it (which drops the later ones).
fn path_list(path: &[Answered]) -> Markup {
    html! {
        @if !path.is_empty() {
            ol.qa-path {
                @for (i, a) in path.iter().enumerate() {
                    li {
                        span.q { (a.question.text) } " "
                        strong.a { (answer_label(a)) } " "
                        span.cite-wrap { (link_citation(&a.question.citation)) } " "
                        a.change href={ "/ui/classify?" (query_of(path, i)) } {
                            "Change" span.visually-hidden { " the answer to “" (a.question.text) "”" }
                        }
                    }
                }
            }
        }
    }
}

/// The page asking `question`.
fn ask(path: &[Answered], question: &Question) -> Markup {
    let choices: Vec<(String, String)> = match question.kind {
        QuestionKind::YesNo => vec![("yes".into(), "Yes".into()), ("no".into(), "No".into())],
        QuestionKind::Choice => question
            .options
            .iter()
            .map(|o| (o.id.clone(), o.label.clone()))
            .collect(),
    };
    let unverified = question.confidence == classify::Confidence::Unverified;
    html! {
        h1 { "Classify the item" }
        p.lead {
            "Is it subject to the EAR, is it a “cybersecurity item” (15 CFR 740.22(b)(1)), and under which ECCN? Question "
            (path.len() + 1) "."
        }
        (path_list(path))
        form.card.question method="get" action="/ui/classify" {
            @for a in path {
                input type="hidden" name=(a.question.id) value=(answer_value(a));
            }
            fieldset {
                legend.q-text { (question.text) }
                p.q-cite { (link_citation(&question.citation)) }
                div.help { (paragraphs(&question.help)) }
                @if unverified {
                    p.unverified-note { "The rule behind this question is a reconstruction, not the read text: a result that depends on it says so." }
                }
                div.choices {
                    @for (i, (value, label)) in choices.iter().enumerate() {
                        div.choice {
                            input type="radio" id={ "a-" (i) } name=(question.id) value=(value) required autofocus[i == 0];
                            label for={ "a-" (i) } { (label) }
                        }
                    }
                }
            }
            div.actions {
                button.primary type="submit" { "Next" } " "
                a.button.subtle href="/ui/classify" { "Start over" }
            }
        }
    }
}

/// Help text as paragraphs (blank lines separate them).
fn paragraphs(text: &str) -> Markup {
    html! {
        @for p in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
            p { (p.trim()) }
        }
    }
}

/// The page with the result, once every applicable question is answered.
fn finish(path: &[Answered]) -> Markup {
    let mut answers = Answers::new();
    for a in path {
        answers.set(&a.question.id, a.value.clone());
    }
    match service::classify(&answers) {
        Ok(c) => result_page(path, &c),
        Err(e) => html! {
            h1 { "Classify the item" }
            (path_list(path))
            p.notice.error role="alert" { (e.to_string()) }
            p { a.button href="/ui/classify" { "Start over" } }
        },
    }
}

/// The result: headline, details, the path with citations, and the way on.
fn result_page(path: &[Answered], c: &Classification) -> Markup {
    let details: Vec<String> = match &c.result {
        ClassResult::Eccn { notes, .. } => notes.clone(),
        ClassResult::NotCybersecurityItem { reason, .. }
        | ClassResult::NotSubjectToEar { reason, .. }
        | ClassResult::EvaluateUnderEnc { reason, .. } => vec![reason.clone()],
    };
    html! {
        h1 { "Classification result" }
        section.banner.o-result role="status" {
            span.symbol aria-hidden="true" { "§" }
            div { p.code { (c.result.kind().replace('_', " ")) } p.headline { (c.result.headline()) } }
        }
        section.card {
            @if !details.is_empty() {
                ul.notes { @for d in &details { li { (d) } } }
            }
            div.actions {
                @match &c.result {
                    ClassResult::Eccn { eccn, .. } => {
                        a.button.primary id="use-eccn" href={ "/ui?eccn=" (query_value(eccn)) } { "Use " (eccn) " in a determination" }
                    },
                    ClassResult::NotSubjectToEar { .. } => {
                        p { "Not subject to the EAR: no license or exception is needed under the EAR. A determination with “Published” checked records this." }
                    },
                    _ => {},
                }
                " "
                a.button.subtle href={ "/ui/classify?" (query_of(path, path.len().saturating_sub(1))) } { "Change the last answer" }
                " "
                a.button.subtle href="/ui/classify" { "Start over" }
            }
        }
        section.card {
            h2 { "How the result was reached" }
            div.table-scroll role="region" aria-label="How the result was reached" tabindex="0" { table.qa {
                thead { tr {
                    th scope="col" { "#" } th scope="col" { "Question" } th scope="col" { "Answer" }
                    th scope="col" { "Establishes" } th scope="col" { "Citation" }
                } }
                tbody {
                    @for (i, s) in c.path.iter().enumerate() {
                        tr {
                            td { (i + 1) } td { (s.text) } td { strong { (s.answer) } }
                            td { (s.effect) } td { (link_citation(&s.citation)) }
                        }
                    }
                }
            } }
            p.muted {
                "Questionnaire " (c.questionnaire_hash.chars().take(12).collect::<String>())
                ". Classification guidance from the regulation as encoded; confirm with the CCL text."
            }
        }
    }
}
