//! `ace tokens`: create, list, revoke and rotate API tokens. Every change is recorded with
//! the local user as its actor (`cli:USER`).

use super::records::{open_existing_store, open_store};
use crate::cli::{RoleArg, TokensCommand};
use crate::context::Context;
use crate::exit;
use anyhow::Result;
use records::{NewToken, Role, Token};

pub fn run(cx: &Context, command: TokensCommand) -> Result<u8> {
    match command {
        TokensCommand::Create {
            name,
            role,
            expires,
            db,
        } => {
            let expires_at = expires
                .map(|e| records::parse_expiry(&e, chrono::Utc::now()))
                .transpose()
                .map_err(|e| super::bad(format!("--expires: {e}")))?;
            let (store, _) = open_store(cx, &db)?;
            let new = NewToken {
                name,
                role: role_of(role),
                expires_at,
                actor: cli_actor(),
            };
            let secret = store.create_token(&new).map_err(token_error)?;
            println!("{secret}");
        }
        TokensCommand::List { json, db } => {
            let (store, _) = open_existing_store(cx, &db)?;
            let tokens = store.list_tokens()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&tokens)?);
            } else {
                print_table(&tokens);
            }
        }
        TokensCommand::Revoke { name, db } => {
            let (store, _) = open_existing_store(cx, &db)?;
            let token = store
                .revoke_token(&name, &cli_actor())
                .map_err(token_error)?;
            eprintln!(
                "ace: token {} revoked at {}; its sessions ended",
                token.name,
                token.revoked_at.as_deref().unwrap_or("now")
            );
        }
        TokensCommand::Rotate { name, db } => {
            let (store, _) = open_existing_store(cx, &db)?;
            let secret = store
                .rotate_token(&name, &cli_actor())
                .map_err(token_error)?;
            println!("{secret}");
        }
    }
    Ok(exit::OK)
}

/// One line per token: name, role, status now, created, expires.
fn print_table(tokens: &[Token]) {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    println!(
        "{:<24} {:<9} {:<8} {:<28} EXPIRES",
        "NAME", "ROLE", "STATUS", "CREATED"
    );
    for t in tokens {
        println!(
            "{:<24} {:<9} {:<8} {:<28} {}",
            t.name,
            t.role.as_str(),
            t.status(&now),
            t.created_at,
            t.expires_at.as_deref().unwrap_or("never")
        );
    }
}

/// Who acts from the command line: `cli:` and the login name.
fn cli_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".to_string());
    format!("cli:{user}")
}

fn role_of(role: RoleArg) -> Role {
    match role {
        RoleArg::Analyst => Role::Analyst,
        RoleArg::Reviewer => Role::Reviewer,
        RoleArg::Auditor => Role::Auditor,
        RoleArg::Admin => Role::Admin,
    }
}

/// A bad, taken, unknown or revoked name is the user's to fix (exit 2).
fn token_error(e: records::Error) -> anyhow::Error {
    match e {
        records::Error::InvalidTokenName(_)
        | records::Error::DuplicateToken(_)
        | records::Error::UnknownToken(_)
        | records::Error::TokenRevoked(_) => super::bad(format!("--name: {e}")),
        other => other.into(),
    }
}
