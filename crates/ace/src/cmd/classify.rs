//! `ace classify`: the questionnaire, interactive or from an answers file.

use super::bad;
use crate::cli::ClassifyArgs;
use crate::exit;
use anyhow::Result;

pub fn run(a: ClassifyArgs) -> Result<u8> {
    if a.list_questions {
        return list_questions(a.json);
    }
    let result = match &a.answers {
        Some(path) => {
            let answers = classify::load_answers(path).map_err(|e| bad(e.to_string()))?;
            classify::classify(&answers).map_err(|e| bad(e.to_string()))?
        }
        None => classify::interactive::run().map_err(|e| bad(e.to_string()))?,
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        println!("{}", result.summary());
        println!("{}", decide::NOT_LEGAL_ADVICE);
    }
    Ok(exit::OK)
}

/// `ace classify --list-questions`: the ids an answers file uses, each with its text and
/// the answers it accepts.
fn list_questions(json: bool) -> Result<u8> {
    let q = classify::questionnaire();
    if json {
        println!("{}", serde_json::to_string_pretty(&q.questions)?);
        return Ok(exit::OK);
    }
    println!(
        "{} questions, in the order they are asked (answers file: question id: answer).\n",
        q.questions.len()
    );
    for question in &q.questions {
        println!("{}", question.id);
        println!("  {}", question.text);
        match question.kind {
            classify::QuestionKind::YesNo => println!("  accepted: true (yes) or false (no)"),
            classify::QuestionKind::Choice => {
                println!("  accepted: one of");
                for o in &question.options {
                    println!("    {:<24} {}", o.id, o.label);
                }
            }
        }
        if let Some(condition) = &question.ask_if {
            println!("  asked when: {}", condition.source());
        }
        println!("  citation: {}\n", question.citation);
    }
    Ok(exit::OK)
}
