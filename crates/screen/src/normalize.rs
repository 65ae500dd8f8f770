//! From a name as published or typed to the tokens the scorer compares.
//!
//! Pipeline: case folding → transliteration of non-Latin scripts
//! ([`crate::translit`], `deunicode` as the fallback for CJK and the rest) →
//! NFKD with combining marks stripped → apostrophes dropped (typographic
//! ones, and the leading one standing for Arabic ayn in "'ABBAS") → split on
//! punctuation and space, with dotted abbreviations joined ("S.A." → `sa`) →
//! "SURNAME, Given" reordered to natural order → legal forms canonicalised.

use crate::keys;
use crate::legal;
use crate::translit::{self, Script};
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// What a name is known to name; decides legal-form and comma handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A natural person: no legal forms, "SURNAME, Given" is reordered.
    Person,
    /// A company, organisation, vessel or aircraft: legal forms, no reordering.
    Organisation,
    /// Not known: both rules apply where they are unambiguous.
    Unknown,
}

impl NameKind {
    /// The name kind for a list's or a query's party kind.
    pub fn from_party(kind: Option<lists::model::PartyKind>) -> NameKind {
        use lists::model::PartyKind;
        match kind {
            Some(PartyKind::Individual) => NameKind::Person,
            Some(PartyKind::Entity | PartyKind::Vessel | PartyKind::Aircraft) => {
                NameKind::Organisation
            }
            Some(PartyKind::Unknown) | None => NameKind::Unknown,
        }
    }
}

/// One normalized token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The compared form: lower-case ASCII; legal forms are canonical (`jsc`).
    pub text: String,
    /// The token as it read after transliteration, before canonicalisation
    /// ("aktsionernoe obshchestvo"), for explanations.
    pub display: String,
    /// Part of a legal form.
    pub legal: bool,
    /// Transliterated from a consonant-only script (Arabic, Hebrew).
    pub abjad: bool,
    /// For Arabic-script tokens, the letter classes of the original letters
    /// ([`crate::keys::arabic_class`]), one per letter; empty otherwise.
    pub arabic: String,
}

/// A raw token before legal-form handling.
#[derive(Debug, Default, Clone)]
struct Raw {
    text: String,
    abjad: bool,
    arabic: String,
}

/// Normalizes one name into tokens.
pub fn tokenize(name: &str, kind: NameKind) -> Vec<Token> {
    Split::new(name).tokens(kind)
}

/// A name case-folded, transliterated and split, before the steps that
/// depend on the kind of name ([`tokenize`] is `Split::new(name).tokens(kind)`):
/// a name read as several kinds is split once.
#[derive(Debug, Clone)]
pub(crate) struct Split {
    raw: Vec<Raw>,
    comma_at: Option<usize>,
}

impl Split {
    pub(crate) fn new(name: &str) -> Split {
        let (raw, comma_at) = split_raw(name);
        let (raw, comma_at) = expand_dots_and_articles(raw, comma_at);
        Split { raw, comma_at }
    }

    /// The tokens of the name read as a `kind` name.
    pub(crate) fn tokens(self, kind: NameKind) -> Vec<Token> {
        let raw = if kind != NameKind::Organisation {
            reorder_surname_first(self.raw, self.comma_at).0
        } else {
            self.raw
        };
        arabic_name_parts(apply_legal_forms(raw, kind))
    }
}

/// Case folding, transliteration and splitting. Returns the raw tokens and,
/// when the name has exactly one comma outside parentheses, the number of
/// tokens before it.
fn split_raw(name: &str) -> (Vec<Raw>, Option<usize>) {
    let mut sp = Splitter::default();
    for c in name.chars() {
        if c.is_ascii() {
            sp.ascii(c);
        } else {
            for lc in c.to_lowercase() {
                sp.non_ascii(lc);
            }
        }
    }
    sp.finish()
}

#[derive(Default)]
struct Splitter {
    tokens: Vec<Raw>,
    cur: Raw,
    depth: usize,
    commas: usize,
    comma_at: Option<usize>,
}

impl Splitter {
    fn ascii(&mut self, c: char) {
        match c {
            'a'..='z' | '0'..='9' | '.' => self.cur.text.push(c),
            'A'..='Z' => self.cur.text.push(c.to_ascii_lowercase()),
            '\'' | '`' => {}
            '(' | '[' | '{' => {
                self.depth += 1;
                self.boundary();
            }
            ')' | ']' | '}' => {
                self.depth = self.depth.saturating_sub(1);
                self.boundary();
            }
            ',' => {
                self.boundary();
                if self.depth == 0 {
                    self.commas += 1;
                    self.comma_at = Some(self.tokens.len());
                }
            }
            _ => self.boundary(),
        }
    }

    fn non_ascii(&mut self, c: char) {
        if is_apostrophe(c) {
            return;
        }
        if c == 'ع' && self.cur.text.is_empty() {
            // A word-initial ayn is romanised as its vowel ("Umar", "Abbas").
            self.cur.text.push('a');
            self.cur.arabic.push('9');
            self.cur.abjad = true;
            return;
        }
        if matches!(c, 'υ' | 'ύ') && self.cur.text.ends_with('o') {
            // Greek ου is one vowel, "u" ("Παπαδόπουλος" → "papadopoulos").
            self.cur.text.push('u');
            return;
        }
        if let Some((latin, script)) = translit::transliterate(c) {
            self.cur.text.push_str(latin);
            self.cur.abjad |= script == Script::Abjad;
            self.cur.arabic.extend(keys::arabic_class(c));
            return;
        }
        let mut pending = Vec::new();
        decompose_compatible(c, |d| pending.push(d));
        for d in pending {
            self.decomposed(d);
        }
    }

    fn decomposed(&mut self, d: char) {
        if is_combining_mark(d) || is_apostrophe(d) {
            return;
        }
        if d.is_ascii() {
            return self.ascii(d);
        }
        if let Some((latin, script)) = translit::transliterate(d) {
            self.cur.text.push_str(latin);
            self.cur.abjad |= script == Script::Abjad;
            self.cur.arabic.extend(keys::arabic_class(d));
            return;
        }
        if !d.is_alphanumeric() {
            return self.boundary();
        }
        match deunicode::deunicode_char(d) {
            Some(ascii) => ascii.chars().for_each(|a| self.ascii(a)),
            None => self.boundary(),
        }
    }

    fn boundary(&mut self) {
        if !self.cur.text.is_empty() {
            self.tokens.push(std::mem::take(&mut self.cur));
        }
        self.cur.abjad = false;
        self.cur.arabic.clear();
    }

    fn finish(mut self) -> (Vec<Raw>, Option<usize>) {
        self.boundary();
        let comma = if self.commas == 1 {
            self.comma_at
        } else {
            None
        };
        (self.tokens, comma)
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '`' | '´' | '‘' | '’' | 'ʼ' | 'ʻ' | 'ʽ' | 'ʾ' | 'ʿ' | '′' | '＇' | 'ˈ'
    )
}

/// Dotted abbreviations: "s.a." → `sa` (all parts single letters), otherwise
/// dots separate ("co.ltd" → `co`, `ltd`). Arabic-script words with the article
/// written on ("الحسن" → "alhsn") are split into `al` and the rest, as Latin
/// spellings write it ("AL-HASAN"). Keeps the comma position in step.
fn expand_dots_and_articles(raw: Vec<Raw>, comma_at: Option<usize>) -> (Vec<Raw>, Option<usize>) {
    let mut out = Vec::with_capacity(raw.len());
    let mut new_comma = None;
    for (i, r) in raw.into_iter().enumerate() {
        if comma_at == Some(i) {
            new_comma = Some(out.len());
        }
        let parts = split_dotted(&r.text);
        let codes = if parts.len() == 1 {
            r.arabic
        } else {
            String::new()
        };
        for part in parts {
            push_with_article(&mut out, part, r.abjad, codes.clone());
        }
    }
    if comma_at.is_some() && new_comma.is_none() {
        new_comma = Some(out.len());
    }
    (out, new_comma)
}

fn split_dotted(text: &str) -> Vec<String> {
    if !text.contains('.') {
        return vec![text.to_string()];
    }
    let parts: Vec<&str> = text.split('.').filter(|p| !p.is_empty()).collect();
    if parts.len() > 1 && parts.iter().all(|p| p.len() == 1) {
        return vec![parts.concat()];
    }
    parts.into_iter().map(str::to_string).collect()
}

fn push_with_article(out: &mut Vec<Raw>, text: String, abjad: bool, arabic: String) {
    let article = arabic.is_empty() || arabic.starts_with("0L");
    // After "عبد" the article is split even before a two-letter name
    // ("عبد الحی" / "ABDUL HAI"), but not in "عبد الله".
    let after_abd = out.last().is_some_and(|r| r.abjad && r.text == "abd");
    let long = text.len() > 4 || (after_abd && text.len() == 4 && text != "allh");
    if abjad && article && long && text.starts_with("al") {
        out.push(Raw {
            text: "al".into(),
            abjad,
            arabic: arabic.get(..2).unwrap_or_default().to_string(),
        });
        out.push(Raw {
            text: text[2..].to_string(),
            abjad,
            arabic: arabic.get(2..).unwrap_or_default().to_string(),
        });
    } else {
        out.push(Raw {
            text,
            abjad,
            arabic,
        });
    }
}

/// "MADURO MOROS, Nicolas" → "nicolas maduro moros", unless what follows the
/// comma is a legal form or a generational suffix ("ACME, INC.", "SMITH, JR").
fn reorder_surname_first(raw: Vec<Raw>, comma_at: Option<usize>) -> (Vec<Raw>, Option<usize>) {
    let Some(at) = comma_at else {
        return (raw, None);
    };
    if at == 0 || at >= raw.len() {
        return (raw, None);
    }
    let tail_is_suffix = raw[at..]
        .iter()
        .all(|r| legal::is_legal_word(&r.text) || is_generational(&r.text));
    if tail_is_suffix {
        return (raw, None);
    }
    let mut raw = raw;
    raw.rotate_left(at);
    (raw, None)
}

fn is_generational(t: &str) -> bool {
    matches!(t, "jr" | "sr" | "ii" | "iii" | "iv")
}

fn apply_legal_forms(raw: Vec<Raw>, kind: NameKind) -> Vec<Token> {
    let texts: Vec<String> = raw.iter().map(|r| r.text.clone()).collect();
    let forms = if kind == NameKind::Person {
        vec![None; texts.len()]
    } else {
        legal::recognise(&texts)
    };
    let mut out: Vec<Token> = Vec::with_capacity(raw.len());
    for (r, form) in raw.into_iter().zip(forms) {
        match form {
            Some("") => {
                if let Some(last) = out.last_mut() {
                    last.display.push(' ');
                    last.display.push_str(&r.text);
                }
            }
            Some(canon) => out.push(Token {
                text: canon.to_string(),
                display: r.text,
                legal: true,
                abjad: r.abjad,
                arabic: String::new(),
            }),
            None => out.push(Token {
                display: r.text.clone(),
                text: r.text,
                legal: false,
                abjad: r.abjad,
                arabic: r.arabic,
            }),
        }
    }
    out
}

/// Arabic name particles and compounds, which lists and people write many
/// ways, made one on both sides of a comparison:
///
/// * the article: "el", "ul" and sun-letter forms ("ar-Rahman", "ad-Din",
///   "ash-Shami") become `al`; "ibn", "ben" and Arabic "بن" become `bin`,
///   "abou" and "أبو" `abu`;
/// * "Abdul X", "Abdel-X", "Abdulx", "Abdurrahman" and Arabic "عبدالX" are
///   split as "Abd al-X" is (`abd`, `al`, `x`), "Abdullah" and "عبدالله" as
///   "Abd Allah";
/// * "Xullah", "Xallah" and "Xالله" are split as "X Allah" is.
pub fn arabic_name_parts(tokens: Vec<Token>) -> Vec<Token> {
    let mut toks = tokens;
    for i in 0..toks.len() {
        if toks[i].legal {
            continue;
        }
        let next = toks
            .get(i + 1)
            .filter(|t| !t.legal)
            .map(|t| t.text.as_str());
        if let Some(c) = particle(&toks[i].text, next, toks[i].abjad) {
            toks[i].text = c.to_string();
        }
    }
    for i in 0..toks.len() {
        let has_next = toks.get(i + 1).is_some_and(|t| !t.legal);
        let t = &toks[i];
        if t.legal || t.abjad {
            continue;
        }
        if let Some(fixed) = misspelt_abd(&t.text, has_next) {
            toks[i].text = fixed;
        }
    }
    if !toks.iter().any(|t| {
        t.text.starts_with("abd")
            || t.text.contains("llah")
            || t.text.ends_with("allh")
            || t.text.contains("din")
            || t.text.contains("dyn")
            || t.text.contains("deen")
            || t.text.starts_with('e')
            || t.text.starts_with("binal")
            || t.text.starts_with("benal")
            || t.text.starts_with("ibnal")
    }) {
        return toks;
    }
    let mut out: Vec<Token> = Vec::with_capacity(toks.len() + 2);
    for t in toks {
        if t.legal {
            out.push(t);
            continue;
        }
        let text = t.text.clone();
        if let Some(rest) = article_after_abd(out.last(), &t) {
            out.push(part(&t, "al", String::new()));
            out.push(part(&t, rest, String::new()));
            continue;
        }
        if let Some(rest) = ABD_PREFIXES.iter().find_map(|p| text.strip_prefix(p)) {
            if rest.is_empty() || rest.len() >= 2 {
                let abjad_ok = t.arabic.starts_with("9BD0L");
                let codes = |r: std::ops::Range<usize>| {
                    if abjad_ok {
                        arabic_codes(&t.arabic, r)
                    } else {
                        String::new()
                    }
                };
                out.push(part(&t, "abd", codes(0..3)));
                if matches!(rest, "lah" | "la" | "lh") {
                    out.push(part(&t, "allah", codes(3..usize::MAX)));
                } else {
                    out.push(part(&t, "al", codes(3..5)));
                    if !rest.is_empty() {
                        out.push(part(&t, rest, codes(5..usize::MAX)));
                    }
                }
                continue;
            }
        }
        if let Some((stem, din)) = din_split(&text, t.abjad) {
            let n = t.arabic.chars().count();
            let codes = |r: std::ops::Range<usize>| {
                if t.abjad && n == text.len() {
                    arabic_codes(&t.arabic, r)
                } else {
                    String::new()
                }
            };
            let s = stem.len();
            if s > 0 {
                out.push(part(&t, stem, codes(0..s)));
            }
            out.push(part(&t, "al", codes(s..s + 2)));
            out.push(part(&t, din, codes(s + 2..usize::MAX)));
            continue;
        }
        if let Some(rest) = bin_al(&text, t.abjad) {
            out.push(part(&t, "bin", String::new()));
            out.push(part(&t, "al", String::new()));
            out.push(part(&t, rest, String::new()));
            continue;
        }
        if let Some(rest) = assimilated_article(&text, t.abjad) {
            out.push(part(&t, "al", String::new()));
            out.push(part(&t, rest, String::new()));
            continue;
        }
        let suffix = if t.abjad { "allh" } else { "allah" };
        let stem = ["ullah", "ollah", "allah", "allh"]
            .iter()
            .filter(|s| t.abjad || **s != "allh")
            .find_map(|s| text.strip_suffix(s));
        if let Some(stem) = stem.filter(|s| s.len() >= 3 && !s.starts_with("abd")) {
            let n = t.arabic.chars().count();
            let (a, b) = if t.abjad && n == text.len() {
                (
                    t.arabic.get(..stem.len()).unwrap_or_default().to_string(),
                    t.arabic.get(stem.len()..).unwrap_or_default().to_string(),
                )
            } else {
                (String::new(), String::new())
            };
            out.push(part(&t, stem, a));
            out.push(part(&t, suffix, b));
            continue;
        }
        out.push(t);
    }
    out
}

/// The rest of a Latin word written with its article after "Abd" ("Abd
/// Alrahman", "Abd Elaziz", "Abd Ulkarim" for Abd al-Rahman...): "Abd" is
/// always followed by the article and a divine name, so the word is split as
/// "al-Rahman" is. Not "Abd Allah", which stays `allah`; the rest has at
/// least 3 letters.
fn article_after_abd<'t>(prev: Option<&Token>, t: &'t Token) -> Option<&'t str> {
    if t.abjad || !prev.is_some_and(|p| p.text == "abd" && !p.abjad) {
        return None;
    }
    let rest = ["al", "el", "ul"]
        .iter()
        .find_map(|a| t.text.strip_prefix(a))?;
    (rest.len() >= 3 && !matches!(rest, "lah" | "lh")).then_some(rest)
}

/// "Xuddin", "Xeddine", "Xaldin" and Arabic "Xالدين" (`X al-Din`, as in
/// "Salahuddin", "Noureddine", "نورالدين") split as "X ad-Din" is: the stem
/// (at least 3 letters, 2 in Arabic script) and `din` (`dyn` in Arabic
/// script). The second word written apart ("Nur Aldin", "Jamal Uddin",
/// "Salah Eddine") has no stem and is `al din` too.
fn din_split(text: &str, abjad: bool) -> Option<(&str, &'static str)> {
    const LATIN: &[&str] = &[
        "uddin", "uddine", "uddeen", "oddin", "eddin", "eddine", "addin", "aldin", "aldine",
        "uldin", "eldin", "eldine", "oldin",
    ];
    let (stem, din) = if abjad {
        (text.strip_suffix("aldyn")?, "dyn")
    } else {
        (LATIN.iter().find_map(|s| text.strip_suffix(s))?, "din")
    };
    let min = if abjad { 2 } else { 3 };
    let apart = !abjad && stem.is_empty();
    ((stem.len() >= min || apart) && stem.is_ascii()).then_some((stem, din))
}

/// "Binalshibh", "Benalhaj": "bin al-X" (son of al-X) written as one word;
/// the rest of the word after `bin al`, at least 4 letters, so that "Binali"
/// or "Benalla" stay whole.
fn bin_al(text: &str, abjad: bool) -> Option<&str> {
    if abjad {
        return None;
    }
    let rest = ["binal", "benal", "ibnal"]
        .iter()
        .find_map(|p| text.strip_prefix(p))?;
    (rest.len() >= 4).then_some(rest)
}

/// A Latin token starting with the Arabic article assimilated to a doubled
/// sun letter ("Essaadi", "Ettounsi", "Ezzaouia" for as-Saadi, at-Tounsi,
/// az-Zaouia): the rest of the word, to be read after `al`. The rest must
/// be at least 5 letters, so that "Ennis" or "Eddie" stay whole.
///
/// "Elsseid" (el-Sseid) is read the same way: `al` and "seid".
fn assimilated_article(text: &str, abjad: bool) -> Option<&str> {
    let b = text.as_bytes();
    let sun = |c: u8| matches!(c, b's' | b't' | b'd' | b'z' | b'r' | b'n');
    if abjad || b.len() < 7 || b[0] != b'e' {
        return None;
    }
    if b[1] == b'l' && b[2] == b[3] && sun(b[2]) {
        return Some(&text[3..]);
    }
    (b[1] == b[2] && sun(b[1])).then(|| &text[2..])
}

/// A Latin word starting with a misspelt "Abdul" / "Abdel" (one edit:
/// "Adbul", "Abdl", "Abudl", "Abdu", "Adbel") written apart (`has_next`) or
/// run together with at least 4 more letters ("Adbulrahman"), respelled
/// "abdul" + the rest so that it splits as "Abd al-X" does; "Adb" before
/// another word is "abd". The misspelt prefix must keep its `b` and `d`, and
/// the assimilated forms ("Abdur", "Abdus") are not guessed ("Abdirahman"
/// stays whole). `None` when the word is spelt right or is no such prefix.
fn misspelt_abd(text: &str, has_next: bool) -> Option<String> {
    const FORMS: &[&str] = &["abdul", "abdel", "abdal", "abdol", "abdoul", "abdool"];
    let b = text.as_bytes();
    if b.len() < 3
        || b[0] != b'a'
        || !text.is_ascii()
        || text == "abd"
        || ABD_PREFIXES.iter().any(|p| text.starts_with(p))
    {
        return None;
    }
    if text == "adb" {
        return has_next.then(|| "abd".to_string());
    }
    for len in 4..=b.len().min(6) {
        let (p, rest) = text.split_at(len);
        let apart = rest.is_empty() && has_next;
        if !(apart || rest.len() >= 4) || !(p.contains('b') && p.contains('d')) {
            continue;
        }
        if FORMS
            .iter()
            .any(|f| crate::keys::osa_distance(p, f, 1) == 1)
        {
            return Some(format!("abdul{rest}"));
        }
    }
    None
}

const ABD_PREFIXES: &[&str] = &[
    "abdoul", "abdool", "abdul", "abdel", "abdal", "abdol", "abdur", "abdus",
];

/// The canonical spelling of an Arabic particle, given the next token.
fn particle(t: &str, next: Option<&str>, abjad: bool) -> Option<&'static str> {
    match t {
        "el" | "ul" | "ol" if next.is_some() => return Some("al"),
        "ibn" | "ben" | "ebn" => return Some("bin"),
        "bn" if abjad => return Some("bin"),
        "abou" => return Some("abu"),
        "abw" if abjad => return Some("abu"),
        // "ولد" (son of) is written "ould" in Mauritanian names; "في" is
        // "in" in the English names of organisations ("AL-QAIDA IN IRAQ").
        "wld" if abjad => return Some("ould"),
        "fy" if abjad => return Some("in"),
        // "و" (and) written apart, as Persian and Urdu writing does
        // ("جیش المھاجرین و الأنصار" / "JAISH AL-MUHAJIREEN WA ANSAR").
        "w" if abjad && next.is_some() => return Some("wa"),
        _ => {}
    }
    // Sun letters: "ar-Rahman", "ad-Din", "ash-Shami", "uz-Zaman".
    let b = t.as_bytes();
    if (2..=3).contains(&b.len()) && matches!(b[0], b'a' | b'e' | b'u') {
        let cons = &t[1..];
        let sun = matches!(cons, "t" | "th" | "d" | "dh" | "r" | "z" | "s" | "sh" | "n");
        if sun && next.is_some_and(|n| n.len() > cons.len() + 1 && n.starts_with(cons)) {
            return Some("al");
        }
    }
    None
}

/// The letter classes `r` of a split Arabic-script token, the end clamped
/// to the codes' length (`start..usize::MAX` is "to the end").
fn arabic_codes(codes: &str, r: std::ops::Range<usize>) -> String {
    codes
        .get(r.start..r.end.min(codes.len()))
        .unwrap_or_default()
        .to_string()
}

/// A part of a split token.
fn part(t: &Token, text: &str, arabic: String) -> Token {
    Token {
        text: text.to_string(),
        display: text.to_string(),
        legal: false,
        abjad: t.abjad,
        arabic,
    }
}

/// The tokens with every Arabic-script two-letter word that is not a
/// particle joined to the Arabic-script word after it ("لا لا" → `lala`,
/// "ما يشو" → `mayshw`): names written as one word in Latin script are often
/// split after a non-joining letter in Arabic script; so are the Pashto and
/// Persian name suffixes "خیل" (`khel`) and "زاده" (`zada`) written apart
/// ("شهيد خيل" / "SHAHIDKHEL"). A word starting with
/// "بن" (son of) and at least three more letters is split after it ("بنحسين"
/// → `bin hsyn`). `None` when there is nothing to join or split.
pub fn join_short_abjad(tokens: &[Token]) -> Option<Vec<Token>> {
    let joins = |t: &Token, next: &Token| {
        t.abjad
            && next.abjad
            && !t.legal
            && !next.legal
            && ((t.text.len() == 2 && !matches!(t.text.as_str(), "al" | "in"))
                || (t.text.len() >= 3 && matches!(next.text.as_str(), "khyl" | "zadh")))
    };
    if !tokens.windows(2).any(|w| joins(&w[0], &w[1]))
        && !tokens.iter().any(|t| bin_split(t).is_some())
    {
        return None;
    }
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len() + 1);
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        if let Some(rest) = bin_split(t) {
            out.push(part(t, "bin", t.arabic[..2].to_string()));
            out.push(part(t, rest, t.arabic[2..].to_string()));
            i += 1;
            continue;
        }
        match tokens.get(i + 1).filter(|n| joins(t, n)) {
            Some(n) => {
                out.push(Token {
                    text: format!("{}{}", t.text, n.text),
                    display: format!("{}{}", t.display, n.display),
                    legal: false,
                    abjad: true,
                    arabic: format!("{}{}", t.arabic, n.arabic),
                });
                i += 2;
            }
            None => {
                out.push(t.clone());
                i += 1;
            }
        }
    }
    Some(out)
}

/// The rest of an Arabic-script word starting with "بن" and at least three
/// more letters (see [`join_short_abjad`]).
fn bin_split(t: &Token) -> Option<&str> {
    if t.abjad && !t.legal && t.text.len() >= 5 && t.arabic.len() == t.text.len() {
        t.text.strip_prefix("bn")
    } else {
        None
    }
}

/// Splits run-together tokens ("aldubai", "deltaaero", "abumarzuq") into two
/// known tokens when the whole is unknown: lists write "AL-DUBAI", people
/// type "Aldubai". `known` says whether a token exists on the other side (the
/// index vocabulary, or the other name); `matches_whole` whether the token as
/// it is already meets something there (a typo is not a compound). The
/// shortest known prefix wins.
pub fn split_compounds(
    tokens: Vec<Token>,
    known: impl Fn(&str) -> bool,
    matches_whole: impl Fn(&Token) -> bool,
) -> Vec<Token> {
    let mut out = Vec::with_capacity(tokens.len());
    for t in tokens {
        let split = compound_split(&t, &known).filter(|_| !matches_whole(&t));
        match split {
            Some((a, b)) => {
                out.push(Token {
                    display: a.clone(),
                    text: a,
                    arabic: String::new(),
                    ..t.clone()
                });
                out.push(Token {
                    display: b.clone(),
                    text: b,
                    arabic: String::new(),
                    ..t
                });
            }
            None => out.push(t),
        }
    }
    out
}

fn compound_split(t: &Token, known: &impl Fn(&str) -> bool) -> Option<(String, String)> {
    if t.legal || t.text.len() < 5 || !t.text.is_ascii() || known(&t.text) {
        return None;
    }
    (2..=t.text.len() - 2)
        .map(|i| t.text.split_at(i))
        .filter(|(_, b)| b.len() >= 3 || (!t.abjad && is_code(b, b, b)))
        .find(|(a, b)| {
            known(a) && known(b) && (t.text.len() >= 6 || (!t.abjad && is_code(&t.text, a, b)))
        })
        .map(|(a, b)| (a.to_string(), b.to_string()))
}

/// A five-letter token is split only when it reads as a code, not a word
/// ("EP-MNH", "P4-MGU" typed "Epmnh", "P4mgu"), and a two-letter tail is
/// split off only when it is one ("GARANT-SV" typed "Garantsv"): it has a digit, or one of
/// the parts has no vowel ("Dalia" is not "da" + "lia"); not in Arabic
/// script, whose romanisation has no short vowels.
fn is_code(whole: &str, a: &str, b: &str) -> bool {
    let voweless = |s: &str| !s.bytes().any(|c| b"aeiouy".contains(&c));
    whole.bytes().any(|c| c.is_ascii_digit()) || voweless(a) || voweless(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(name: &str, kind: NameKind) -> Vec<String> {
        tokenize(name, kind).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn diacritics_and_case_are_folded() {
        assert_eq!(
            texts("GÉDÉON Kyungu", NameKind::Person),
            vec!["gedeon", "kyungu"]
        );
        assert_eq!(texts("Straße", NameKind::Unknown), vec!["strasse"]);
    }

    #[test]
    fn apostrophes_are_dropped_not_split() {
        assert_eq!(
            texts("'ABBAS, Yasir", NameKind::Person),
            vec!["yasir", "abbas"]
        );
        assert_eq!(texts("SA’D", NameKind::Person), vec!["sad"]);
        assert_eq!(texts("O'Brien", NameKind::Unknown), vec!["obrien"]);
    }

    #[test]
    fn surname_comma_form_is_reordered() {
        assert_eq!(
            texts("MADURO MOROS, Nicolas", NameKind::Unknown),
            vec!["nicolas", "maduro", "moros"]
        );
        assert_eq!(texts("ACME, INC.", NameKind::Unknown), vec!["acme", "inc"]);
        assert_eq!(texts("SMITH, JR", NameKind::Person), vec!["smith", "jr"]);
    }

    #[test]
    fn dotted_abbreviations_join() {
        assert_eq!(
            texts("Grupo X, S.A. de C.V.", NameKind::Organisation),
            vec!["grupo", "x", "sa"]
        );
        assert_eq!(
            texts("ACME CO.,LTD.", NameKind::Organisation),
            vec!["acme", "co", "ltd"]
        );
    }

    #[test]
    fn scripts_are_transliterated() {
        assert_eq!(
            texts("Умаров Доку Хаматович", NameKind::Person),
            vec!["umarov", "doku", "khamatovich"]
        );
        let arabic = tokenize("محمد الحسن", NameKind::Person);
        assert_eq!(
            arabic.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(),
            vec!["mhmd", "al", "hsn"]
        );
        assert!(arabic.iter().all(|t| t.abjad));
        assert_eq!(texts("王伟", NameKind::Person), vec!["wang", "wei"]);
    }

    #[test]
    fn run_together_tokens_split_into_known_ones() {
        let known = |t: &str| ["al", "dubai", "delta", "aero"].contains(&t);
        let split = |s: &str| -> Vec<String> {
            split_compounds(tokenize(s, NameKind::Unknown), known, |_| false)
                .into_iter()
                .map(|t| t.text)
                .collect()
        };
        assert_eq!(split("Aldubai"), vec!["al", "dubai"]);
        assert_eq!(split("Deltaaero"), vec!["delta", "aero"]);
        assert_eq!(split("Alexander"), vec!["alexander"]);
    }

    #[test]
    fn five_letter_codes_split_but_five_letter_words_do_not() {
        let known = |t: &str| ["ep", "mnh", "p4", "mgu", "da", "lia"].contains(&t);
        let split = |s: &str| -> Vec<String> {
            split_compounds(tokenize(s, NameKind::Unknown), known, |_| false)
                .into_iter()
                .map(|t| t.text)
                .collect()
        };
        assert_eq!(split("Epmnh"), vec!["ep", "mnh"]);
        assert_eq!(split("P4mgu"), vec!["p4", "mgu"]);
        assert_eq!(split("Dalia"), vec!["dalia"]);
        // A two-letter tail only when it has no vowel ("GARANT-SV").
        let known = |t: &str| ["garant", "sv", "ana", "na"].contains(&t);
        let split = |s: &str| -> Vec<String> {
            split_compounds(tokenize(s, NameKind::Unknown), known, |_| false)
                .into_iter()
                .map(|t| t.text)
                .collect()
        };
        assert_eq!(split("Garantsv"), vec!["garant", "sv"]);
        assert_eq!(split("Garantna"), vec!["garantna"]);
    }

    #[test]
    fn legal_forms_are_canonical_and_remember_their_spelling() {
        let t = tokenize("Aktsionernoe Obshchestvo Pozitiv", NameKind::Unknown);
        assert_eq!(t[0].text, "jsc");
        assert_eq!(t[0].display, "aktsionernoe obshchestvo");
        assert!(t[0].legal);
        assert_eq!(t.len(), 2);
        assert!(!tokenize("Ao Wei", NameKind::Person)[0].legal);
    }

    #[test]
    fn din_compounds_split_like_ad_din() {
        let t = |s: &str| texts(s, NameKind::Unknown);
        assert_eq!(t("SALAHUDDIN"), ["salah", "al", "din"]);
        assert_eq!(t("Noureddine"), ["nour", "al", "din"]);
        assert_eq!(t("Badroldin"), ["badr", "al", "din"]);
        assert_eq!(t("نورالدين"), ["nwr", "al", "dyn"]);
        // Too short a stem: a name of its own.
        assert_eq!(t("Aladdin"), ["aladdin"]);
        // The second word written apart.
        assert_eq!(t("Nur Aldin"), ["nur", "al", "din"]);
        assert_eq!(t("Jamal Uddin"), ["jamal", "al", "din"]);
        assert_eq!(t("Salah Eddine"), t("SALAHEDDINE"));
    }

    #[test]
    fn article_written_on_after_abd_is_split() {
        let t = |s: &str| texts(s, NameKind::Unknown);
        assert_eq!(t("Abd Alrahman"), ["abd", "al", "rahman"]);
        assert_eq!(t("Abd Alrahman"), t("ABD AL-RAHMAN"));
        assert_eq!(t("Abd Elaziz"), t("Abdelaziz"));
        // Abd Allah stays one name; elsewhere "Al..." is a word of its own.
        assert_eq!(t("Abd Allah"), ["abd", "allah"]);
        assert_eq!(t("Ali Alrahman"), ["ali", "alrahman"]);
        assert_eq!(t("Abd Alan"), ["abd", "alan"]);
    }

    #[test]
    fn article_after_abd_is_split_before_short_names() {
        let t = |s: &str| texts(s, NameKind::Unknown);
        assert_eq!(t("عبد الحی"), ["abd", "al", "hy"]);
        assert_eq!(t("عبد الله"), ["abd", "allh"]);
        // Elsewhere a four-letter word keeps its al.
        assert_eq!(t("محمد الحی"), ["mhmd", "alhy"]);
    }

    #[test]
    fn split_arabic_script_parts_keep_their_letter_classes() {
        let run_together = tokenize("عبدالحی", NameKind::Unknown);
        let apart = tokenize("عبد الحی", NameKind::Unknown);
        assert_eq!(run_together, apart);
        assert_eq!(run_together[2].arabic, "HY");
        let din = tokenize("نورالدين", NameKind::Unknown);
        assert_eq!(din[2].arabic, "DYN");
    }

    #[test]
    fn bin_al_written_as_one_word_is_split() {
        let t = |s: &str| texts(s, NameKind::Unknown);
        assert_eq!(t("BINALSHIBH"), ["bin", "al", "shibh"]);
        assert_eq!(t("BINALSHIBH"), t("BIN AL-SHIBH"));
        assert_eq!(t("بن الشيبة"), ["bin", "al", "shyba"]);
        assert_eq!(t("Binali Benalla"), ["binali", "benalla"]);
    }

    #[test]
    fn waw_written_apart_is_wa() {
        let t = |s: &str| texts(s, NameKind::Unknown);
        assert_eq!(
            t("جيش المهاجرين و انصار"),
            ["jysh", "al", "mhajryn", "wa", "ansar"]
        );
        // Not at the end, and "و" starting a word stays part of it.
        assert_eq!(t("انصار و"), ["ansar", "w"]);
        assert_eq!(t("وليد"), ["wlyd"]);
    }

    #[test]
    fn assimilated_article_is_split() {
        let t = |s: &str| texts(s, NameKind::Unknown);
        assert_eq!(t("ESSAADI"), ["al", "saadi"]);
        assert_eq!(t("Elsseid"), ["al", "seid"]);
        assert_eq!(t("Ennis Eddie"), ["ennis", "eddie"]);
    }

    #[test]
    fn short_arabic_words_join_and_bin_splits() {
        let j = |s: &str| {
            join_short_abjad(&tokenize(s, NameKind::Unknown))
                .map(|v| v.into_iter().map(|t| t.text).collect::<Vec<_>>())
        };
        assert_eq!(j("علي ما يشو").unwrap(), ["aly", "mayshw"]);
        assert_eq!(j("لا لا آخوند").unwrap(), ["lala", "akhwnd"]);
        assert_eq!(j("بنحسين").unwrap(), ["bin", "hsyn"]);
        assert_eq!(j("سيد شهيد خيل").unwrap(), ["syd", "shhydkhyl"]);
        // The article is not joined; Latin words are left alone.
        assert_eq!(j("عبد الحق"), None);
        assert_eq!(j("Li Ma Wei"), None);
    }
}
