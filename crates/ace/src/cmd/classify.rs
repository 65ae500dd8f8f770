//! `ace classify`: the questionnaire, interactive or from an answers file.

use super::bad;
use crate::cli::ClassifyArgs;
use crate::exit;
use anyhow::Result;

pub fn run(a: ClassifyArgs) -> Result<u8> {
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
