//! ISO 3166-1 country table for `ace`, with the names and aliases that people
//! and government restricted-party lists actually type.
//!
//! The table is bundled into the binary from `data/countries.tsv` (one row per
//! country: alpha-2, alpha-3, English short name, `|`-separated aliases) and
//! parsed once, on first use. It holds all 249 ISO 3166-1 alpha-2 codes plus
//! `XK` (Kosovo), the user-assigned code used by the U.S. government lists.
//!
//! * [`by_code`] resolves an alpha-2 or alpha-3 code.
//! * [`lookup`] resolves a code, name or alias, tolerating case, surrounding
//!   space, diacritics, punctuation/spacing differences and a leading or
//!   trailing "The" — but it never guesses: `"Germny"` and the ambiguous
//!   `"Congo"` return `None`.
//! * [`suggest`] offers close candidates for an error message.
//!
//! ```
//! let tr = countries::lookup("Turkiye").unwrap();
//! assert_eq!(tr.alpha2, "TR");
//! assert_eq!(countries::lookup("türkiye"), Some(tr));
//! assert_eq!(countries::lookup("Korea,North").unwrap().alpha2, "KP");
//! assert!(countries::lookup("Germny").is_none());
//! assert_eq!(countries::suggest("Germny", 3)[0].alpha2, "DE");
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The bundled data file (see its header comment for sources).
const DATA: &str = include_str!("../data/countries.tsv");

/// One country (or territory) of ISO 3166-1, plus `XK` Kosovo.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code, upper case (`"DE"`).
    pub alpha2: &'static str,
    /// ISO 3166-1 alpha-3 code, upper case (`"DEU"`). For Kosovo this is the
    /// U.S. GENC code `XKS` (ISO assigns none).
    pub alpha3: &'static str,
    /// English short name used for display (`"Germany"`, `"North Korea"`).
    pub name: &'static str,
    /// Other names that resolve to this country: the ISO form when `name` is a
    /// common form, official names, and spellings used by U.S. and UN lists.
    pub aliases: Vec<&'static str>,
}

impl fmt::Display for Country {
    /// Formats as `Name (A2)`, e.g. `Germany (DE)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.alpha2)
    }
}

/// The parsed table and its indexes, built once.
struct Table {
    countries: Vec<Country>,
    /// Upper-case alpha-2 and alpha-3 codes → index into `countries`.
    codes: HashMap<String, usize>,
    /// Normalized name/alias → index into `countries` (codes are in `codes`).
    keys: HashMap<String, usize>,
    /// Normalized names and aliases (not codes), for [`suggest`].
    name_keys: Vec<(String, usize)>,
    /// Normalized keys that two countries both claimed (dropped from `keys`).
    /// Codes take part in this check too. Must be empty for the shipped
    /// table; kept so the tests can report it.
    #[cfg_attr(not(test), allow(dead_code))]
    conflicts: Vec<(String, &'static str, &'static str)>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| build(DATA))
}

/// Parses the TSV. Malformed rows are a bug in the bundled file, so they panic
/// (the unit tests exercise this on every run).
fn parse(data: &'static str) -> Vec<Country> {
    let mut out = Vec::new();
    for (lineno, line) in data.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&'static str> = line.split('\t').collect();
        assert!(
            cols.len() == 3 || cols.len() == 4,
            "countries.tsv line {}: expected 3 or 4 tab-separated columns, got {}",
            lineno + 1,
            cols.len()
        );
        let aliases = cols
            .get(3)
            .map(|a| {
                a.split('|')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        out.push(Country {
            alpha2: cols[0].trim(),
            alpha3: cols[1].trim(),
            name: cols[2].trim(),
            aliases,
        });
    }
    out
}

fn build(data: &'static str) -> Table {
    let countries = parse(data);
    let mut codes = HashMap::new();
    // Codes and names share one key space for the ambiguity check, so that an
    // alias can never shadow (or be shadowed by) another country's code.
    let mut keys: HashMap<String, usize> = HashMap::new();
    let mut name_keys = Vec::new();
    let mut conflicts = Vec::new();
    let mut dropped: Vec<String> = Vec::new();

    for (i, c) in countries.iter().enumerate() {
        codes.insert(c.alpha2.to_ascii_uppercase(), i);
        codes.insert(c.alpha3.to_ascii_uppercase(), i);
        let names = std::iter::once(c.name).chain(c.aliases.iter().copied());
        let mut candidates: Vec<String> = vec![normalize(c.alpha2), normalize(c.alpha3)];
        for n in names {
            let k = normalize(n);
            if !k.is_empty() {
                name_keys.push((k.clone(), i));
                candidates.push(k);
            }
        }
        for k in candidates {
            if k.is_empty() {
                continue;
            }
            match keys.get(&k) {
                Some(&j) if j != i => {
                    conflicts.push((k.clone(), countries[j].alpha2, c.alpha2));
                    dropped.push(k);
                }
                Some(_) => {}
                None => {
                    keys.insert(k, i);
                }
            }
        }
    }
    // An ambiguous key must resolve to neither country.
    for k in &dropped {
        keys.remove(k);
    }
    name_keys.retain(|(k, _)| !dropped.contains(k));
    // From here on `keys` holds names and aliases only: codes are matched
    // through `codes`, and only when the input looks like a code (see
    // `lookup`), so "N/A" does not become Namibia.
    keys.clear();
    for (k, i) in &name_keys {
        keys.insert(k.clone(), *i);
    }
    name_keys.sort();
    name_keys.dedup();

    Table {
        countries,
        codes,
        keys,
        name_keys,
        conflicts,
    }
}

/// Folds a name to its matching key: compatibility-decomposed, diacritics
/// removed, lower case, `&` read as "and", "St"/"St." read as "Saint", a
/// leading or trailing "The" dropped, and every character that is not a letter
/// or digit removed (so spacing and punctuation do not matter).
fn normalize(s: &str) -> String {
    let mut folded = String::with_capacity(s.len());
    for ch in s.nfkd() {
        if is_combining_mark(ch) {
            continue;
        }
        for lc in ch.to_lowercase() {
            match lc {
                'ø' => folded.push('o'),
                'æ' => folded.push_str("ae"),
                'œ' => folded.push_str("oe"),
                'ß' => folded.push_str("ss"),
                'đ' | 'ð' => folded.push('d'),
                'ł' => folded.push('l'),
                'ı' => folded.push('i'),
                'þ' => folded.push_str("th"),
                '&' => folded.push_str(" and "),
                _ => folded.push(lc),
            }
        }
    }
    let mut tokens: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.len() > 1 && tokens[0] == "the" {
        tokens.remove(0);
    }
    if tokens.len() > 1 && tokens[tokens.len() - 1] == "the" {
        tokens.pop();
    }
    let mut key = String::with_capacity(folded.len());
    for t in tokens {
        key.push_str(if t == "st" { "saint" } else { t });
    }
    key
}

/// All countries, in table order (sorted by alpha-2 code).
pub fn all() -> &'static [Country] {
    &table().countries
}

/// Finds a country by ISO 3166-1 alpha-2 or alpha-3 code, case-insensitively
/// and ignoring surrounding whitespace (`"de"`, `"DEU"`). Names are not
/// accepted here; use [`lookup`] for those. `"UK"` is not a code (use `"GB"`).
pub fn by_code(code: &str) -> Option<&'static Country> {
    let t = table();
    let code = code.trim();
    if !(2..=3).contains(&code.len()) {
        return None;
    }
    t.codes
        .get(&code.to_ascii_uppercase())
        .map(|&i| &t.countries[i])
}

/// Resolves a code, name or alias to its country.
///
/// Tolerates case, surrounding whitespace, diacritics (`"Türkiye"` ==
/// `"Turkiye"`), punctuation and spacing (`"Korea,North"`, `"Cote d’Ivoire"`
/// with a typographic apostrophe), `&` for "and", `St.` for "Saint", and a
/// leading "The" (`"The Gambia"`) or trailing ", The" (`"Gambia, The"`).
/// Anything else is not guessed: misspellings and ambiguous names such as
/// `"Congo"` or `"Korea"` return `None` (see [`suggest`]).
///
/// An input of exactly two or three ASCII letters is first tried as a code
/// (as by [`by_code`]); so `"NA"`/`"na"` is Namibia, while `"N/A"` resolves to
/// nothing. Callers reading free-text fields where a bare "NA" means "not
/// available" (the UN list does this) must filter that value themselves.
pub fn lookup(input: &str) -> Option<&'static Country> {
    let t = table();
    let trimmed = input.trim();
    if (2..=3).contains(&trimmed.len()) && trimmed.bytes().all(|b| b.is_ascii_alphabetic()) {
        if let Some(c) = by_code(trimmed) {
            return Some(c);
        }
    }
    let key = normalize(trimmed);
    if key.is_empty() {
        return None;
    }
    t.keys.get(&key).map(|&i| &t.countries[i])
}

/// Up to `n` countries whose names or aliases are closest to `input`, best
/// first, for error messages such as "unknown country 'Germny'; did you mean
/// Germany (DE)?".
///
/// Candidates are names that start with the (normalized) input, then names
/// within a small edit distance of it, then names that contain it. An input
/// that [`lookup`] resolves comes back first. Returns an empty vector when
/// nothing is reasonably close.
pub fn suggest(input: &str, n: usize) -> Vec<&'static Country> {
    let t = table();
    let q: Vec<char> = normalize(input).chars().collect();
    if q.is_empty() || n == 0 {
        return Vec::new();
    }
    let qs: String = q.iter().collect();
    let max_edits = (q.len() / 3).clamp(1, 4);

    // Best (class, score) per country; lower is better.
    let mut best: HashMap<usize, (u8, usize)> = HashMap::new();
    if let Some(c) = lookup(input) {
        let i = t.codes[c.alpha2];
        best.insert(i, (0, 0));
    }
    for (key, i) in &t.name_keys {
        let klen = key.chars().count();
        let score = if q.len() >= 2 && key.starts_with(&qs) {
            Some((1, klen - q.len()))
        } else if let Some(d) = edit_distance(&q, key, max_edits) {
            Some((2, d))
        } else if q.len() >= 4 && key.contains(&qs) {
            Some((3, klen - q.len()))
        } else {
            None
        };
        if let Some(s) = score {
            best.entry(*i)
                .and_modify(|b| {
                    if s < *b {
                        *b = s
                    }
                })
                .or_insert(s);
        }
    }
    let mut ranked: Vec<(u8, usize, &'static Country)> = best
        .into_iter()
        .map(|(i, (c, s))| (c, s, &t.countries[i]))
        .collect();
    ranked.sort_by(|a, b| (a.0, a.1, a.2.name).cmp(&(b.0, b.1, b.2.name)));
    ranked.into_iter().take(n).map(|(_, _, c)| c).collect()
}

/// Levenshtein distance between `a` and `b`, or `None` if it exceeds `max`.
fn edit_distance(a: &[char], b: &str, max: usize) -> Option<usize> {
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests;
