//! The condition language of `questions.toml` (`ask_if`, named conditions, contradictions).
//!
//! ```text
//! expr  := and ("||" and)*
//! and   := unary ("&&" unary)*
//! unary := "!" unary | "(" expr ")" | name ("==" | "!=") 'option' | name
//! ```
//!
//! Parsing only builds the tree; [`crate::questionnaire`] checks that the names exist and
//! evaluates it against answers.

use serde::{Serialize, Serializer};

/// A parsed condition, kept together with its source text (which is what serializes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    source: String,
    expr: Expr,
}

/// The tree of a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A yes/no question answered yes, or a named condition that holds.
    Name(String),
    /// A choice question answered with this option.
    Is {
        /// The question id.
        question: String,
        /// The option id.
        option: String,
    },
    /// Negation.
    Not(Box<Expr>),
    /// Every part holds.
    All(Vec<Expr>),
    /// Some part holds.
    Any(Vec<Expr>),
}

impl Condition {
    /// Parses `source`; the error says what was expected and where.
    pub fn parse(source: &str) -> Result<Self, String> {
        let tokens = tokenize(source)?;
        let mut parser = Parser { tokens, at: 0 };
        let expr = parser.any()?;
        if let Some(extra) = parser.peek() {
            return Err(format!(
                "unexpected {extra:?} after a complete condition in `{source}`"
            ));
        }
        Ok(Self {
            source: source.to_string(),
            expr,
        })
    }

    /// The text as written in the data file.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed tree.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl Expr {
    /// Visits every name the expression mentions: `(name, Some(option))` for comparisons,
    /// `(name, None)` for bare names.
    pub fn for_each_name<'a>(&'a self, visit: &mut dyn FnMut(&'a str, Option<&'a str>)) {
        match self {
            Expr::Name(name) => visit(name, None),
            Expr::Is { question, option } => visit(question, Some(option)),
            Expr::Not(inner) => inner.for_each_name(visit),
            Expr::All(parts) | Expr::Any(parts) => {
                parts.iter().for_each(|part| part.for_each_name(visit))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Name(String),
    Quoted(String),
    And,
    Or,
    Not,
    Equal,
    NotEqual,
    Open,
    Close,
}

fn tokenize(source: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = source.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let token = match c {
            c if c.is_whitespace() => continue,
            '(' => Token::Open,
            ')' => Token::Close,
            '&' | '|' | '=' => {
                if chars.next_if(|&(_, next)| next == c).is_none() {
                    return Err(format!("expected `{c}{c}` at position {at} in `{source}`"));
                }
                match c {
                    '&' => Token::And,
                    '|' => Token::Or,
                    _ => Token::Equal,
                }
            }
            '!' if chars.next_if(|&(_, next)| next == '=').is_some() => Token::NotEqual,
            '!' => Token::Not,
            '\'' => Token::Quoted(quoted(&mut chars).ok_or_else(|| {
                format!("unterminated 'quoted option' at position {at} in `{source}`")
            })?),
            c if is_name_char(c) => {
                let mut name = c.to_string();
                while let Some((_, next)) = chars.next_if(|&(_, next)| is_name_char(next)) {
                    name.push(next);
                }
                Token::Name(name)
            }
            other => {
                return Err(format!(
                    "unexpected character `{other}` at position {at} in `{source}`; \
                     accepted: names, 'options', ==, !=, !, &&, ||, parentheses"
                ))
            }
        };
        tokens.push(token);
    }
    Ok(tokens)
}

fn quoted(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> Option<String> {
    let mut text = String::new();
    for (_, c) in chars.by_ref() {
        if c == '\'' {
            return Some(text);
        }
        text.push(c);
    }
    None
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn eat(&mut self, token: &Token) -> bool {
        let matches = self.peek() == Some(token);
        if matches {
            self.at += 1;
        }
        matches
    }

    fn any(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.all()?];
        while self.eat(&Token::Or) {
            parts.push(self.all()?);
        }
        Ok(collapse(parts, Expr::Any))
    }

    fn all(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.unary()?];
        while self.eat(&Token::And) {
            parts.push(self.unary()?);
        }
        Ok(collapse(parts, Expr::All))
    }

    fn unary(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Token::Not) => Ok(Expr::Not(Box::new(self.unary()?))),
            Some(Token::Open) => {
                let inner = self.any()?;
                if self.eat(&Token::Close) {
                    Ok(inner)
                } else {
                    Err("expected `)`".to_string())
                }
            }
            Some(Token::Name(name)) => self.comparison(name),
            other => Err(format!(
                "expected a name, `!` or `(`, found {}",
                other.map_or("the end".to_string(), |t| format!("{t:?}"))
            )),
        }
    }

    fn comparison(&mut self, question: String) -> Result<Expr, String> {
        let negated = if self.eat(&Token::Equal) {
            false
        } else if self.eat(&Token::NotEqual) {
            true
        } else {
            return Ok(Expr::Name(question));
        };
        let Some(Token::Quoted(option)) = self.next() else {
            return Err(format!(
                "expected a 'quoted option id' after `{question} ==` or `!=`"
            ));
        };
        let is = Expr::Is { question, option };
        Ok(if negated { Expr::Not(Box::new(is)) } else { is })
    }
}

fn collapse(mut parts: Vec<Expr>, combine: fn(Vec<Expr>) -> Expr) -> Expr {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        combine(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> Expr {
        Expr::Name(n.to_string())
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let c = Condition::parse("a || b && !c").unwrap();
        assert_eq!(
            c.expr(),
            &Expr::Any(vec![
                name("a"),
                Expr::All(vec![name("b"), Expr::Not(Box::new(name("c")))])
            ])
        );
    }

    #[test]
    fn comparisons_and_parentheses() {
        let c = Condition::parse("(item_type != 'hardware') && x == 'y'").unwrap();
        assert_eq!(
            c.expr(),
            &Expr::All(vec![
                Expr::Not(Box::new(Expr::Is {
                    question: "item_type".into(),
                    option: "hardware".into()
                })),
                Expr::Is {
                    question: "x".into(),
                    option: "y".into()
                }
            ])
        );
    }

    #[test]
    fn malformed_conditions_are_refused_with_a_reason() {
        for bad in ["a &", "a == b", "(a", "a b", "a == 'x", "a # b", ""] {
            assert!(Condition::parse(bad).is_err(), "{bad} should not parse");
        }
    }
}
