//! The classification questionnaire as a page (`GET /ui/classify`): one question at a
//! time with its help text and citation, the earlier answers carried in the query string,
//! ending with the result and a button that carries the ECCN into the determination form.

use super::ecfr::link_citation;
use super::html::{esc, page, url_encode, Nav};
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
    page("Classify", Some(&signed.session), Nav::Classify, &body).into_response()
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
fn query_value(a: &Answered) -> String {
    match &a.value {
        AnswerValue::Bool(true) => "yes".into(),
        AnswerValue::Bool(false) => "no".into(),
        AnswerValue::Text(t) => t.clone(),
    }
}

/// An answer as people read it.
fn answer_label(a: &Answered) -> String {
    match a.question.kind {
        QuestionKind::YesNo => query_value(a),
        QuestionKind::Choice => {
            let id = query_value(a);
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
                url_encode(&a.question.id),
                url_encode(&query_value(a))
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The answers so far, each with a link to change it (which drops the later ones).
fn path_list(path: &[Answered]) -> String {
    if path.is_empty() {
        return String::new();
    }
    let mut out = String::from(r#"<ol class="qa-path">"#);
    for (i, a) in path.iter().enumerate() {
        out.push_str(&format!(
            r#"<li><span class="q">{}</span> <strong class="a">{}</strong> <span class="cite-wrap">{}</span> <a class="change" href="/ui/classify?{}">Change<span class="visually-hidden"> the answer to “{}”</span></a></li>"#,
            esc(&a.question.text),
            esc(&answer_label(a)),
            link_citation(&a.question.citation),
            esc(&query_of(path, i)),
            esc(&a.question.text),
        ));
    }
    out.push_str("</ol>");
    out
}

/// The page asking `question`.
fn ask(path: &[Answered], question: &Question) -> String {
    let hidden: String = path
        .iter()
        .map(|a| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                esc(&a.question.id),
                esc(&query_value(a))
            )
        })
        .collect();
    let choices: Vec<(String, String)> = match question.kind {
        QuestionKind::YesNo => vec![("yes".into(), "Yes".into()), ("no".into(), "No".into())],
        QuestionKind::Choice => question
            .options
            .iter()
            .map(|o| (o.id.clone(), o.label.clone()))
            .collect(),
    };
    let radios: String = choices
        .iter()
        .enumerate()
        .map(|(i, (value, label))| {
            format!(
                r#"<div class="choice"><input type="radio" id="a-{i}" name="{name}" value="{value}" required{first}><label for="a-{i}">{label}</label></div>"#,
                name = esc(&question.id),
                value = esc(value),
                label = esc(label),
                first = if i == 0 { " autofocus" } else { "" },
            )
        })
        .collect();
    let unverified = if question.confidence == classify::Confidence::Unverified {
        r#"<p class="unverified-note">The rule behind this question is a reconstruction, not the read text: a result that depends on it says so.</p>"#
    } else {
        ""
    };
    format!(
        r#"<h1>Classify the item</h1>
<p class="lead">Is it subject to the EAR, is it a “cybersecurity item” (15 CFR 740.22(b)(1)), and under which ECCN? Question {n}.</p>
{path}
<form method="get" action="/ui/classify" class="card question">
{hidden}
<fieldset><legend class="q-text">{text}</legend>
<p class="q-cite">{cite}</p>
<div class="help">{help}</div>
{unverified}
<div class="choices">{radios}</div>
</fieldset>
<div class="actions"><button type="submit" class="primary">Next</button> <a href="/ui/classify" class="button subtle">Start over</a></div>
</form>"#,
        n = path.len() + 1,
        path = path_list(path),
        text = esc(&question.text),
        cite = link_citation(&question.citation),
        help = paragraphs(&question.help),
    )
}

/// Help text as paragraphs (blank lines separate them).
fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", esc(p.trim())))
        .collect()
}

/// The page with the result, once every applicable question is answered.
fn finish(path: &[Answered]) -> String {
    let mut answers = Answers::new();
    for a in path {
        answers.set(&a.question.id, a.value.clone());
    }
    match service::classify(&answers) {
        Ok(c) => result_page(path, &c),
        Err(e) => format!(
            r#"<h1>Classify the item</h1>{}<p class="notice error" role="alert">{}</p><p><a href="/ui/classify" class="button">Start over</a></p>"#,
            path_list(path),
            esc(&e.to_string())
        ),
    }
}

/// The result: headline, details, the path with citations, and the way on.
fn result_page(path: &[Answered], c: &Classification) -> String {
    let details: Vec<String> = match &c.result {
        ClassResult::Eccn { notes, .. } => notes.clone(),
        ClassResult::NotCybersecurityItem { reason, .. }
        | ClassResult::NotSubjectToEar { reason, .. }
        | ClassResult::EvaluateUnderEnc { reason, .. } => vec![reason.clone()],
    };
    let details: String = details
        .iter()
        .map(|d| format!("<li>{}</li>", esc(d)))
        .collect();
    let next = match &c.result {
        ClassResult::Eccn { eccn, .. } => format!(
            r#"<a class="button primary" id="use-eccn" href="/ui?eccn={}">Use {} in a determination</a>"#,
            esc(&url_encode(eccn)),
            esc(eccn)
        ),
        ClassResult::NotSubjectToEar { .. } => {
            r#"<p>Not subject to the EAR: no license or exception is needed under the EAR. A determination with “Published” checked records this.</p>"#.to_string()
        }
        _ => String::new(),
    };
    let mut steps = String::new();
    for (i, s) in c.path.iter().enumerate() {
        steps.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td><strong>{}</strong></td><td>{}</td><td>{}</td></tr>",
            i + 1,
            esc(&s.text),
            esc(&s.answer),
            esc(&s.effect),
            link_citation(&s.citation)
        ));
    }
    format!(
        r#"<h1>Classification result</h1>
<section class="banner o-result" role="status"><span class="symbol" aria-hidden="true">§</span><div><p class="code">{kind}</p><p class="headline">{headline}</p></div></section>
<section class="card">{details_list}<div class="actions">{next} <a class="button subtle" href="/ui/classify?{back}">Change the last answer</a> <a class="button subtle" href="/ui/classify">Start over</a></div></section>
<section class="card"><h2>How the result was reached</h2>
<table class="qa"><thead><tr><th scope="col">#</th><th scope="col">Question</th><th scope="col">Answer</th><th scope="col">Establishes</th><th scope="col">Citation</th></tr></thead><tbody>{steps}</tbody></table>
<p class="muted">Questionnaire {hash}. Classification guidance from the regulation as encoded; confirm with the CCL text.</p></section>"#,
        kind = esc(&c.result.kind().replace('_', " ")),
        headline = esc(&c.result.headline()),
        details_list = if details.is_empty() {
            String::new()
        } else {
            format!(r#"<ul class="notes">{details}</ul>"#)
        },
        back = esc(&query_of(path, path.len().saturating_sub(1))),
        hash = esc(&c.questionnaire_hash.chars().take(12).collect::<String>()),
    )
}
