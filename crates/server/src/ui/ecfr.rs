//! Citations as links to the eCFR: `15 CFR 740.22(c)(1)(ii)` →
//! `https://www.ecfr.gov/current/title-15/section-740.22#p-740.22(c)(1)(ii)`,
//! `15 CFR part 738, supp. no. 1` → the supplement's appendix page, `15 CFR part 746` → the
//! part, `ECCN 4D004` → the Commerce Control List (part 774, supp. no. 1).

use super::html::{html, Markup};

const BASE: &str = "https://www.ecfr.gov/current/title-15";

/// One reference found in a citation: where it is and where it links to.
#[derive(Debug, PartialEq, Eq)]
struct Reference {
    start: usize,
    end: usize,
    url: String,
}

/// The eCFR address of one reference (`15 CFR 746.8`, `15 CFR part 738, supp. no. 1 (NS1)`,
/// `ECCN 4D004`), or `None` when `reference` does not start with one.
pub fn ecfr_url(reference: &str) -> Option<String> {
    parse_at(reference, 0).map(|r| r.url)
}

/// `citation` as HTML: every reference becomes a link to the eCFR; the rest is text.
pub fn link_citation(citation: &str) -> Markup {
    // (text before the reference, the reference's text, its address)
    let mut pieces: Vec<(&str, &str, String)> = Vec::new();
    let mut done = 0;
    for r in references(citation) {
        pieces.push((&citation[done..r.start], &citation[r.start..r.end], r.url));
        done = r.end;
    }
    let rest = &citation[done..];
    html! {
        @for (before, text, url) in &pieces {
            (before)
            a.cite href=(url) rel="noopener noreferrer" target="_blank" { (text) }
        }
        (rest)
    }
}

/// Every reference in `text`, in order, without overlaps. A bare section number that
/// follows a `15 CFR` section after `, `, `; ` or ` and ` (`15 CFR 734.3(b), 734.7`) is a
/// reference too.
fn references(text: &str) -> Vec<Reference> {
    let mut found: Vec<Reference> = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if !text.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let Some(r) = parse_at(text, i) else {
            i += 1;
            continue;
        };
        let mut end = r.end;
        let section = r.url.contains("/section-");
        found.push(r);
        if section {
            while let Some(next) = continuation(text, end) {
                end = next.end;
                found.push(next);
            }
        }
        i = end;
    }
    found
}

/// A reference starting exactly at byte `at` of `text`.
fn parse_at(text: &str, at: usize) -> Option<Reference> {
    let rest = &text[at..];
    if let Some(after) = rest.strip_prefix("15 CFR ") {
        let offset = at + "15 CFR ".len();
        return part_or_supplement(after, at, offset).or_else(|| section(after, at, offset));
    }
    if let Some(after) = rest.strip_prefix("ECCN ") {
        let len = eccn_len(after)?;
        return Some(Reference {
            start: at,
            end: at + "ECCN ".len() + len,
            url: supplement_url("774", "1"),
        });
    }
    None
}

/// `part 738, supp. no. 1 (NS1)` or `part 746`, starting at `after`.
fn part_or_supplement(after: &str, start: usize, offset: usize) -> Option<Reference> {
    let tail = after.strip_prefix("part ")?;
    let part = digits(tail);
    if part.is_empty() {
        return None;
    }
    let mut len = "part ".len() + part.len();
    let supp_tail = &after[len..];
    if let Some(s) = supp_tail.strip_prefix(", supp. no. ") {
        let number = digits(s);
        if !number.is_empty() {
            len += ", supp. no. ".len() + number.len();
            len += column_suffix(&after[len..]);
            return Some(Reference {
                start,
                end: offset + len,
                url: supplement_url(part, number),
            });
        }
    }
    Some(Reference {
        start,
        end: offset + len,
        url: format!("{BASE}/part-{part}"),
    })
}

/// A section number with its paragraphs, `740.22(c)(1)(ii)`, starting at `after`.
fn section(after: &str, start: usize, offset: usize) -> Option<Reference> {
    let (number, paragraphs) = section_parts(after)?;
    let len = number.len() + paragraphs.len();
    Some(Reference {
        start,
        end: offset + len,
        url: section_url(number, paragraphs),
    })
}

/// A bare section number continuing a list after a section reference ending at `end`.
fn continuation(text: &str, end: usize) -> Option<Reference> {
    let rest = &text[end..];
    let sep = [", ", "; ", " and "]
        .into_iter()
        .find(|sep| rest.starts_with(sep))?;
    let after = &rest[sep.len()..];
    let (number, paragraphs) = section_parts(after)?;
    let start = end + sep.len();
    Some(Reference {
        start,
        end: start + number.len() + paragraphs.len(),
        url: section_url(number, paragraphs),
    })
}

/// `("740.22", "(c)(1)(ii)")` from the start of `s`: a section is `part.section`, three
/// digits before the dot.
fn section_parts(s: &str) -> Option<(&str, &str)> {
    let part = digits(s);
    if part.len() != 3 || !s[part.len()..].starts_with('.') {
        return None;
    }
    let sec = digits(&s[part.len() + 1..]);
    if sec.is_empty() {
        return None;
    }
    let number = &s[..part.len() + 1 + sec.len()];
    let mut len = 0;
    let rest = &s[number.len()..];
    while let Some(p) = paragraph(&rest[len..]) {
        len += p;
    }
    Some((number, &rest[..len]))
}

/// The length of one paragraph designation `(c)`, `(1)`, `(ii)`, `(A)` at the start of `s`.
fn paragraph(s: &str) -> Option<usize> {
    let inner = s.strip_prefix('(')?;
    let close = inner.find(')')?;
    let label = &inner[..close];
    let ok =
        !label.is_empty() && label.len() <= 4 && label.chars().all(|c| c.is_ascii_alphanumeric());
    ok.then_some(close + 2)
}

/// A Country Chart column named after a supplement, ` (NS1)`: its length, else 0.
fn column_suffix(s: &str) -> usize {
    let Some(inner) = s.strip_prefix(" (") else {
        return 0;
    };
    let Some(close) = inner.find(')') else {
        return 0;
    };
    let label = &inner[..close];
    let column = !label.is_empty()
        && label.len() <= 4
        && label
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if column {
        close + 3
    } else {
        0
    }
}

/// The length of an ECCN (`4D004`, `5A001.j.1`) at the start of `s`, if one is there.
fn eccn_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let shape = b.len() >= 5
        && b[0].is_ascii_digit()
        && b[1].is_ascii_uppercase()
        && b[2..5].iter().all(u8::is_ascii_digit);
    if !shape {
        return None;
    }
    let mut len = 5;
    while b.len() > len + 1 && b[len] == b'.' && b[len + 1].is_ascii_alphanumeric() {
        len += 1;
        while len < b.len() && b[len].is_ascii_alphanumeric() {
            len += 1;
        }
    }
    Some(len)
}

/// The leading ASCII digits of `s`.
fn digits(s: &str) -> &str {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    &s[..n]
}

fn section_url(number: &str, paragraphs: &str) -> String {
    if paragraphs.is_empty() {
        format!("{BASE}/section-{number}")
    } else {
        format!("{BASE}/section-{number}#p-{number}{paragraphs}")
    }
}

fn supplement_url(part: &str, number: &str) -> String {
    format!("{BASE}/part-{part}/appendix-Supplement%20No.%20{number}%20to%20Part%20{part}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraph_links_to_the_paragraph_anchor() {
        assert_eq!(
            ecfr_url("15 CFR 740.22(c)(1)(ii)").unwrap(),
            "https://www.ecfr.gov/current/title-15/section-740.22#p-740.22(c)(1)(ii)"
        );
    }

    #[test]
    fn bare_section_links_to_the_section() {
        assert_eq!(
            ecfr_url("15 CFR 746.8").unwrap(),
            "https://www.ecfr.gov/current/title-15/section-746.8"
        );
    }

    #[test]
    fn supplement_links_to_the_appendix() {
        assert_eq!(
            ecfr_url("15 CFR part 738, supp. no. 1 (NS1)").unwrap(),
            "https://www.ecfr.gov/current/title-15/part-738/appendix-Supplement%20No.%201%20to%20Part%20738"
        );
    }

    #[test]
    fn part_and_eccn() {
        assert_eq!(
            ecfr_url("15 CFR part 746").unwrap(),
            "https://www.ecfr.gov/current/title-15/part-746"
        );
        assert!(ecfr_url("ECCN 4D004")
            .unwrap()
            .ends_with("part-774/appendix-Supplement%20No.%201%20to%20Part%20774"));
        assert_eq!(ecfr_url("86 FR 58205"), None);
    }

    #[test]
    fn every_reference_of_a_citation_is_linked_and_the_rest_escaped() {
        let html = link_citation("15 CFR 744.11; 15 CFR part 744, supp. no. 4 <x>").into_string();
        assert!(html.contains(r#"href="https://www.ecfr.gov/current/title-15/section-744.11" "#));
        assert!(html.contains(">15 CFR 744.11</a>"));
        assert!(html.contains(">15 CFR part 744, supp. no. 4</a>"));
        assert!(html.ends_with(" &lt;x&gt;"));
    }

    #[test]
    fn a_list_of_sections_links_each() {
        let html = link_citation("15 CFR 734.3(b)(3)(i), 734.7").into_string();
        assert!(html.contains("section-734.3#p-734.3(b)(3)(i)"));
        assert!(html.contains(r#"section-734.7" "#));
        assert!(html.contains(">734.7</a>"));
    }

    #[test]
    fn trailing_words_stay_outside_the_link() {
        let html = link_citation("15 CFR 740.22(c)(1)(ii)(A) (interim rule)").into_string();
        assert!(html.contains("#p-740.22(c)(1)(ii)(A)\""));
        assert!(html.ends_with("</a> (interim rule)"));
        assert_eq!(
            link_citation("no reference — here").into_string(),
            "no reference — here"
        );
    }
}
