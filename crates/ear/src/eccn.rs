//! Export Control Classification Numbers, with the "for" qualifiers that decide whether a
//! development software or technology entry is a cybersecurity item (740.22(b)(1)).
//!
//! Accepted syntax: `4D004`, `4E001.c`, `5D002.c.1`, `EAR99`, and qualified forms
//! `4D001.a (for 4D004)`, `4E001.a (for 4D001.a (for 4A005 or 4D004))`. Case and spacing
//! are forgiven; the qualifier word `for` is required inside the parentheses.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One ECCN, possibly qualified by the item(s) it is "for".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Eccn {
    /// `4D001`, or `EAR99`.
    pub base: String,
    /// Paragraphs below the base: `["a"]` for `4D001.a`, `["c", "1"]` for `5D002.c.1`.
    pub paragraphs: Vec<String>,
    /// The items this entry is "for" (alternatives joined by "or"); empty when unqualified.
    pub for_items: Vec<Eccn>,
}

/// Hardware, software or technology, from the ECCN's product-group letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductGroup {
    /// Groups A (systems, equipment, components), B (test, inspection, production
    /// equipment) and C (materials).
    Hardware,
    /// Group D.
    Software,
    /// Group E.
    Technology,
}

/// Why a string is not an ECCN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{input}' is not an ECCN: {reason} (expected e.g. 4D004, 4E001.c, 5A001.j or 4D001.a (for 4D004))")]
pub struct EccnParseError {
    pub input: String,
    pub reason: String,
}

impl Eccn {
    /// The CCL entry this ECCN falls under: base plus its first paragraph (`4D001.a`).
    pub fn entry_key(&self) -> String {
        match self.paragraphs.first() {
            Some(p) => format!("{}.{}", self.base, p),
            None => self.base.clone(),
        }
    }

    /// The ECCN without its "for" qualifier.
    pub fn unqualified(&self) -> String {
        let mut s = self.base.clone();
        for p in &self.paragraphs {
            s.push('.');
            s.push_str(p);
        }
        s
    }

    pub fn is_ear99(&self) -> bool {
        self.base == "EAR99"
    }

    /// Hardware, software or technology; `None` for EAR99.
    pub fn product_group(&self) -> Option<ProductGroup> {
        match self.base.as_bytes().get(1) {
            Some(b'A' | b'B' | b'C') => Some(ProductGroup::Hardware),
            Some(b'D') => Some(ProductGroup::Software),
            Some(b'E') => Some(ProductGroup::Technology),
            _ => None,
        }
    }

    /// Every single-target reading of this ECCN: `4D001.a (for 4A005 or 4D004)` expands
    /// to `4D001.a (for 4A005)` and `4D001.a (for 4D004)`, recursively.
    pub fn expand(&self) -> Vec<Eccn> {
        if self.for_items.is_empty() {
            return vec![self.clone()];
        }
        self.for_items
            .iter()
            .flat_map(Eccn::expand)
            .map(|target| Eccn {
                base: self.base.clone(),
                paragraphs: self.paragraphs.clone(),
                for_items: vec![target],
            })
            .collect()
    }
}

impl fmt::Display for Eccn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.unqualified())?;
        if !self.for_items.is_empty() {
            f.write_str(" (for ")?;
            for (i, target) in self.for_items.iter().enumerate() {
                if i > 0 {
                    f.write_str(" or ")?;
                }
                write!(f, "{target}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl FromStr for Eccn {
    type Err = EccnParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let fail = |reason: &str| EccnParseError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let mut parser = Parser {
            chars: input.chars().collect(),
            pos: 0,
        };
        let eccn = parser.eccn().map_err(|r| fail(&r))?;
        parser.skip_space();
        if parser.pos != parser.chars.len() {
            return Err(fail("unexpected text after the ECCN"));
        }
        Ok(eccn)
    }
}

impl Serialize for Eccn {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Eccn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A small recursive-descent parser; depth is bounded so hostile input cannot overflow
/// the stack.
struct Parser {
    chars: Vec<char>,
    pos: usize,
}

const MAX_NESTING: usize = 8;

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn eccn(&mut self) -> Result<Eccn, String> {
        self.eccn_at_depth(0)
    }

    fn eccn_at_depth(&mut self, depth: usize) -> Result<Eccn, String> {
        if depth > MAX_NESTING {
            return Err("\"for\" qualifiers nested too deeply".into());
        }
        self.skip_space();
        let base = self.base()?;
        let paragraphs = self.paragraphs()?;
        let save = self.pos;
        self.skip_space();
        let for_items = if self.peek() == Some('(') {
            self.pos += 1;
            self.qualifier(depth)?
        } else {
            self.pos = save;
            Vec::new()
        };
        if base == "EAR99" && (!paragraphs.is_empty() || !for_items.is_empty()) {
            return Err("EAR99 takes no paragraph or qualifier".into());
        }
        Ok(Eccn {
            base,
            paragraphs,
            for_items,
        })
    }

    fn base(&mut self) -> Result<String, String> {
        let rest: String = self.chars[self.pos..].iter().take(5).collect();
        if rest.eq_ignore_ascii_case("EAR99") {
            self.pos += 5;
            return Ok("EAR99".into());
        }
        let b: Vec<char> = rest.chars().collect();
        let well_formed = b.len() == 5
            && b[0].is_ascii_digit()
            && matches!(b[1].to_ascii_uppercase(), 'A'..='E')
            && b[2..].iter().all(char::is_ascii_digit);
        if !well_formed {
            return Err(
                "an ECCN starts with a category digit, a product group letter A-E and three digits"
                    .into(),
            );
        }
        self.pos += 5;
        Ok(format!(
            "{}{}{}",
            b[0],
            b[1].to_ascii_uppercase(),
            &rest[2..]
        ))
    }

    fn paragraphs(&mut self) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        while self.peek() == Some('.') {
            self.pos += 1;
            let start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
                self.pos += 1;
            }
            if self.pos == start {
                return Err("a '.' must be followed by a paragraph letter or number".into());
            }
            let p: String = self.chars[start..self.pos].iter().collect();
            out.push(p.to_ascii_lowercase());
        }
        Ok(out)
    }

    fn qualifier(&mut self, depth: usize) -> Result<Vec<Eccn>, String> {
        self.skip_space();
        if !self.keyword("for") {
            return Err("a qualifier reads \"(for <ECCN>)\"".into());
        }
        let mut items = vec![self.eccn_at_depth(depth + 1)?];
        loop {
            self.skip_space();
            match self.peek() {
                Some(')') => {
                    self.pos += 1;
                    return Ok(items);
                }
                Some(',') => {
                    self.pos += 1;
                    self.skip_space();
                    self.keyword("or");
                    self.skip_space();
                    self.keyword("for");
                }
                _ if self.keyword("or") => {
                    self.skip_space();
                    self.keyword("for");
                }
                _ => return Err("missing ')' after the \"for\" qualifier".into()),
            }
            items.push(self.eccn_at_depth(depth + 1)?);
        }
    }

    /// Consumes `word` (case-insensitive) if it comes next as a whole word.
    fn keyword(&mut self, word: &str) -> bool {
        let n = word.len();
        let candidate: String = self.chars[self.pos..].iter().take(n).collect();
        let boundary = self
            .chars
            .get(self.pos + n)
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        if candidate.eq_ignore_ascii_case(word) && boundary {
            self.pos += n;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Eccn {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_plain_and_qualified_forms() {
        assert_eq!(p("4D004").to_string(), "4D004");
        assert_eq!(p(" 4e001.C ").to_string(), "4E001.c");
        assert_eq!(p("4D001.a (for 4D004)").to_string(), "4D001.a (for 4D004)");
        assert_eq!(p("4D001.a(for 4D004)").to_string(), "4D001.a (for 4D004)");
        assert_eq!(
            p("4E001.a (for 4D001.a (for 4A005 or 4D004))").to_string(),
            "4E001.a (for 4D001.a (for 4A005 or 4D004))"
        );
        assert_eq!(p("5D002.c.1").paragraphs, vec!["c", "1"]);
        assert!(p("ear99").is_ear99());
    }

    #[test]
    fn comma_and_or_lists_are_alternatives() {
        let e = p("4E001.a (for 4A005, 4D001.a (for 4A005 or 4D004), or 4D004)");
        let readings: Vec<String> = e.expand().iter().map(Eccn::to_string).collect();
        assert_eq!(
            readings,
            vec![
                "4E001.a (for 4A005)",
                "4E001.a (for 4D001.a (for 4A005))",
                "4E001.a (for 4D001.a (for 4D004))",
                "4E001.a (for 4D004)",
            ]
        );
    }

    #[test]
    fn rejects_malformed_input_with_a_reason() {
        for bad in [
            "",
            "4D04",
            "4F001",
            "XD001",
            "4D001.",
            "4D001.a (4D004)",
            "4D001.a (for 4D004",
            "4D004 extra",
            "EAR99.a",
        ] {
            let err = bad.parse::<Eccn>().expect_err(bad);
            assert!(err.to_string().contains("not an ECCN"), "{bad}: {err}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let mut s = "4D004".to_string();
        for _ in 0..10_000 {
            s = format!("4E001.a (for {s})");
        }
        assert!(s.parse::<Eccn>().is_err());
    }

    #[test]
    fn product_groups() {
        assert_eq!(p("4A005").product_group(), Some(ProductGroup::Hardware));
        assert_eq!(p("5B001.a").product_group(), Some(ProductGroup::Hardware));
        assert_eq!(p("4D004").product_group(), Some(ProductGroup::Software));
        assert_eq!(p("4E001.c").product_group(), Some(ProductGroup::Technology));
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(s in "\\PC{0,40}") {
            let _ = s.parse::<Eccn>();
        }

        #[test]
        fn display_round_trips(s in "[0-9][A-E][0-9]{3}(\\.[a-z])?( \\(for [0-9][A-E][0-9]{3}\\))?") {
            let e: Eccn = s.parse().unwrap();
            let again: Eccn = e.to_string().parse().unwrap();
            proptest::prop_assert_eq!(e, again);
        }
    }
}
