//! API token secrets: made from 32 random bytes, stored only as their SHA-256.

use crate::canonical::sha256_hex;
use crate::error::{Error, Result};

/// Prefix of every secret, so a leaked one is recognisable in logs and scanners.
const SECRET_PREFIX: &str = "ace_";

/// A new random secret: `ace_` and 64 hex digits.
pub(crate) fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
    Ok(format!("{SECRET_PREFIX}{}", hex::encode(bytes)))
}

/// What is stored for a secret.
pub(crate) fn secret_hash(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// Token names: 1–64 letters, digits, `.`, `_`, `-`, `@` (they appear as actors in records).
pub(crate) fn check_name(name: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if name.is_empty() || name.len() > 64 || !name.chars().all(allowed) {
        return Err(Error::InvalidTokenName(name.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_prefixed() {
        let (a, b) = (
            new_secret().unwrap_or_default(),
            new_secret().unwrap_or_default(),
        );
        assert!(a.starts_with("ace_") && a.len() == 68);
        assert_ne!(a, b);
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("alice@example.com").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
    }
}
