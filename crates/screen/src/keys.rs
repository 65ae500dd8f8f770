//! Spelling-variant keys and edit distance over normalized (lower-case ASCII)
//! tokens.
//!
//! * [`loose_key`] folds the differences between romanisation schemes
//!   (`kh`→`h`, `y`/`j`→`i`, `ou`→`u`, `ts`→`c`, doubled letters...), so that
//!   "Khamatovich", "Hamatovich" and "Chamatowitsch"-style spellings meet.
//! * [`vowel_key`] additionally turns every run of vowels into one `*`, so that
//!   "Muhammad", "Mohammed" and "Mohamed" share a key (Arabic names are
//!   written without short vowels, so every romanisation guesses them).
//! * [`consonant_key`] drops vowels and semivowels altogether: the only key an
//!   Arabic- or Hebrew-script token can share with its Latin spelling.

/// Folds romanisation variants; see the module doc.
pub fn loose_key(token: &str) -> String {
    let folded = fold_digraphs(token.as_bytes());
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if out.ends_with(c) {
            continue;
        }
        out.push(c);
    }
    trim_final_vowel_h(&mut out);
    out
}

/// Multi-letter and single-letter substitutions, left to right, longest first.
fn fold_digraphs(b: &[u8]) -> String {
    const RULES: &[(&str, &str)] = &[
        ("shch", "s"),
        ("sch", "s"),
        ("tch", "c"),
        ("dzh", "i"),
        ("kh", "h"),
        ("gh", "g"),
        ("zh", "z"),
        ("dj", "i"),
        ("sh", "s"),
        ("ch", "c"),
        ("ts", "c"),
        ("tz", "c"),
        ("ph", "f"),
        ("th", "t"),
        ("dh", "d"),
        ("ck", "k"),
        ("ou", "u"),
        ("oo", "u"),
        ("ee", "i"),
        ("ie", "i"),
        ("ae", "e"),
        ("q", "k"),
        ("w", "v"),
        ("y", "i"),
        ("j", "i"),
        ("x", "ks"),
    ];
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    'outer: while i < b.len() {
        for (from, to) in RULES {
            if b[i..].starts_with(from.as_bytes()) {
                out.push_str(to);
                i += from.len();
                continue 'outer;
            }
        }
        out.push(char::from(b[i]));
        i += 1;
    }
    out
}

/// "Abdallah" and "Abdalla" are one name: a word-final `h` after a vowel is silent.
fn trim_final_vowel_h(s: &mut String) {
    let b = s.as_bytes();
    if b.len() > 3 && b[b.len() - 1] == b'h' && is_vowel(b[b.len() - 2]) {
        s.pop();
    }
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// The loose key with each run of vowels replaced by `*`.
pub fn vowel_key(loose: &str) -> String {
    let mut out = String::with_capacity(loose.len());
    for b in loose.bytes() {
        if is_vowel(b) {
            if !out.ends_with('*') {
                out.push('*');
            }
        } else {
            out.push(char::from(b));
        }
    }
    out
}

/// The loose key without vowels or the semivowel `v` (Arabic waw, `w` in the
/// loose key); a leading vowel or ayn becomes `a`, so "Umar", "Omar" and
/// Arabic "عمر" all give `amr`.
pub fn consonant_key(loose: &str) -> String {
    let mut out = String::with_capacity(loose.len());
    for (i, b) in loose.bytes().enumerate() {
        if i == 0 && is_vowel(b) {
            out.push('a');
        } else if !is_vowel(b) && (b != b'v' || i == 0) && !out.ends_with(char::from(b)) {
            out.push(char::from(b));
        }
    }
    out
}

/// Optimal-string-alignment Damerau-Levenshtein distance (adjacent
/// transpositions count as one edit), stopping early once it exceeds `limit`;
/// returns `limit + 1` in that case.
pub fn osa_distance(a: &str, b: &str, limit: usize) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let width = b.len() + 1;
    let mut prev2 = vec![0usize; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur = vec![0usize; width];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > limit {
            return limit + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()].min(limit + 1)
}

/// How many typos a token of this length may carry and still match: none
/// below 5 characters (short tokens are too easily confused), one up to 8,
/// two from 9.
pub fn typo_limit(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Every string obtained by deleting one byte (the symmetric-delete
/// neighbourhood used by the typo index), deduplicated.
pub fn single_deletes(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out: Vec<String> = Vec::with_capacity(b.len());
    for i in 0..b.len() {
        if i > 0 && b[i] == b[i - 1] {
            continue;
        }
        let mut d = String::with_capacity(b.len() - 1);
        d.push_str(&s[..i]);
        d.push_str(&s[i + 1..]);
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn romanisation_variants_share_a_loose_key() {
        assert_eq!(loose_key("khamatovich"), loose_key("hamatovich"));
        assert_eq!(loose_key("yuriy"), loose_key("iurii"));
        assert_eq!(loose_key("yuriy"), loose_key("jurij"));
        assert_eq!(loose_key("abdallah"), loose_key("abdalla"));
        assert_eq!(loose_key("youssef"), loose_key("yusef"));
    }

    #[test]
    fn vowel_key_merges_arabic_vowel_guesses() {
        let k = |s| vowel_key(&loose_key(s));
        assert_eq!(k("muhammad"), k("mohammed"));
        assert_eq!(k("mohamed"), k("muhammad"));
        assert_ne!(k("mahmoud"), k("muhammad"));
        assert_eq!(k("osama"), k("usama"));
    }

    #[test]
    fn consonant_key_meets_arabic_script() {
        let k = |s| consonant_key(&loose_key(s));
        assert_eq!(k("muhammad"), k("mhmd"));
        assert_eq!(k("umar"), k("amr"));
        assert_eq!(k("yusuf"), k("ywsf"));
    }

    #[test]
    fn osa_counts_transpositions_once() {
        assert_eq!(osa_distance("umarov", "umraov", 2), 1);
        assert_eq!(osa_distance("umarov", "umarov", 2), 0);
        assert_eq!(osa_distance("umarov", "omarav", 2), 2);
        assert_eq!(osa_distance("abc", "xyzabc", 2), 3);
    }

    #[test]
    fn deletes_skip_duplicates() {
        assert_eq!(single_deletes("abb"), vec!["bb", "ab"]);
    }
}
