//! `ace tokens`: create and list API tokens.

use super::records::open_store;
use crate::cli::{RoleArg, TokensCommand};
use crate::context::Context;
use crate::exit;
use anyhow::Result;
use records::Role;

pub fn run(cx: &Context, command: TokensCommand) -> Result<u8> {
    match command {
        TokensCommand::Create { name, role, db } => {
            let (store, _) = open_store(cx, &db)?;
            let secret = store
                .create_token(&name, role_of(role))
                .map_err(token_error)?;
            println!("{secret}");
        }
        TokensCommand::List { json, db } => {
            let (store, _) = super::records::open_existing_store(cx, &db)?;
            let tokens = store.list_tokens()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&tokens)?);
            } else {
                for t in tokens {
                    println!("{:<24} {:<9} {}", t.name, t.role.as_str(), t.created_at);
                }
            }
        }
    }
    Ok(exit::OK)
}

fn role_of(role: RoleArg) -> Role {
    match role {
        RoleArg::Analyst => Role::Analyst,
        RoleArg::Reviewer => Role::Reviewer,
        RoleArg::Auditor => Role::Auditor,
        RoleArg::Admin => Role::Admin,
    }
}

/// A bad name or a taken one is the user's to fix (exit 2).
fn token_error(e: records::Error) -> anyhow::Error {
    match e {
        records::Error::InvalidTokenName(_) | records::Error::DuplicateToken(_) => {
            super::bad(format!("--name: {e}"))
        }
        other => other.into(),
    }
}
