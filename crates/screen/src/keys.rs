//! Spelling-variant keys and edit distance over normalized (lower-case ASCII)
//! tokens.
//!
//! * [`loose_key`] folds the differences between romanisation schemes
//!   (`kh`→`h`, `y`/`j`→`i`, `ou`→`u`, `ts`→`c`, doubled letters...), so that
//!   "Khamatovich", "Hamatovich" and "Chamatowitsch"-style spellings meet.
//! * [`vowel_key`] additionally turns every run of vowels into one `*`, so that
//!   "Muhammad", "Mohammed" and "Mohamed" share a key (Arabic names are
//!   written without short vowels, so every romanisation guesses them).
//! * [`consonant_key`] drops vowels and semivowels altogether.
//! * [`class_key`] is the key an Arabic- or Hebrew-script token shares with
//!   its Latin spellings: every consonant is mapped to a class of letters that
//!   romanisations confuse (ت/ث/ط and `t`/`th`; د/ذ/ض/ظ/ز and `d`/`dh`/`z`;
//!   س/ص/ش and `s`/`sh`/`ch`; ح/ه/خ and `h`/`kh`; ك/ق and `k`/`q`; ج/غ and
//!   `j`/`g`/`gh`), vowels, alef, ayn and hamza are dropped except at the start,
//!   waw and ya are kept only at the start, doubled classes are merged and a
//!   final `h` (taa marbuta, "Hamzah"/"Hamza") is dropped. Arabic letters are
//!   classed before romanisation ([`arabic_class`]), so digraphs cannot form
//!   across letters (ط + ه is not ث).

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
        // An English-style long i after a vowel: "Saeed", "Naeem", "Raees"
        // are سعيد, نعيم, رئيس, romanised "Said", "Naim", "Rais" too. Read
        // as `a` + `ee`, not as German `ae` + `e` ("Schaefer").
        ("aee", "ai"),
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

/// The raw class code of an Arabic-script letter (see [`class_key`]): `0` for
/// alef, hamza seats and taa marbuta, `I` for alef maksura (a vowel too), `9` for ayn, `W`/`Y` for
/// waw/ya, otherwise the consonant class.
pub fn arabic_class(c: char) -> Option<char> {
    Some(match c {
        'ا' | 'أ' | 'آ' | 'إ' | 'ٱ' | 'ء' | 'ؤ' | 'ئ' | 'ة' => '0',
        // Alef maksura: a vowel like alef, but kept apart because Persian
        // and Afghan writing use it for a final ya ("حقانى" / "HAQQANI").
        'ى' => 'I',
        'ع' => '9',
        'و' => 'W',
        'ي' | 'ی' => 'Y',
        'ب' | 'پ' => 'B',
        'ت' | 'ث' | 'ط' => 'T',
        'ج' | 'غ' | 'گ' => 'G',
        'ح' | 'ه' | 'ھ' | 'خ' => 'H',
        'د' | 'ذ' | 'ض' | 'ظ' | 'ز' | 'ژ' => 'D',
        'ر' => 'R',
        'س' | 'ص' | 'ش' | 'چ' => 'S',
        'ف' => 'F',
        'ق' | 'ك' | 'ک' => 'K',
        'ل' => 'L',
        'م' => 'M',
        'ن' => 'N',
        _ => return None,
    })
}

/// The raw class codes of a Latin (lower-case ASCII) spelling, digraphs first.
pub fn latin_class_codes(text: &str) -> String {
    const DIGRAPHS: &[(&str, &str)] = &[
        ("sch", "S"),
        ("th", "T"),
        ("dh", "D"),
        ("kh", "H"),
        ("sh", "S"),
        ("ch", "S"),
        ("gh", "G"),
        ("dj", "G"),
        ("ph", "F"),
        ("ck", "K"),
    ];
    let b = text.as_bytes();
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    'outer: while i < b.len() {
        for (from, to) in DIGRAPHS {
            if b[i..].starts_with(from.as_bytes()) {
                out.push_str(to);
                i += from.len();
                continue 'outer;
            }
        }
        out.push_str(match b[i] {
            b'a' | b'e' | b'i' | b'o' | b'u' => "0",
            b'b' | b'p' => "B",
            b't' => "T",
            b'd' | b'z' => "D",
            b'j' | b'g' => "G",
            b'h' => "H",
            b'k' | b'q' | b'c' => "K",
            b'x' => "KS",
            b'f' => "F",
            b'v' | b'w' => "W",
            b'y' => "Y",
            b'l' => "L",
            b'm' => "M",
            b'n' => "N",
            b'r' => "R",
            b's' => "S",
            _ => "",
        });
        i += 1;
    }
    out
}

/// The class key of raw class codes (from [`arabic_class`] or
/// [`latin_class_codes`]); see the module doc.
pub fn class_key(codes: &str) -> String {
    let mut out = String::with_capacity(codes.len());
    for (i, c) in codes.chars().enumerate() {
        let c = match c {
            '0' | '9' | 'I' if i == 0 => 'A',
            '0' | '9' | 'I' => continue,
            'W' | 'Y' if i > 0 => continue,
            c => c,
        };
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    if out.len() > 2 && out.ends_with('H') {
        out.pop();
    }
    out
}

/// Optimal-string-alignment Damerau-Levenshtein distance (adjacent
/// transpositions count as one edit), stopping early once it exceeds `limit`;
/// returns `limit + 1` in that case.
///
/// Bit-parallel for ASCII tokens up to 64 bytes; otherwise only the diagonal
/// band `|i - j| <= limit` of the table is computed (a cell outside it is at
/// least `|i - j|`). No allocation below 64 bytes.
pub fn osa_distance(a: &str, b: &str, limit: usize) -> usize {
    osa_bytes(a.as_bytes(), b.as_bytes(), limit)
}

/// [`osa_distance`] of byte strings.
pub(crate) fn osa_bytes(a: &[u8], b: &[u8], limit: usize) -> usize {
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    if a.is_empty() {
        return b.len().min(limit + 1);
    }
    if a.len() <= 64 && a.is_ascii() && b.is_ascii() {
        return osa_bits(a, b).min(limit + 1);
    }
    if b.len() >= BAND_WIDTH || limit >= usize::from(u8::MAX) - 1 {
        return osa_full(a, b, limit);
    }
    osa_banded(a, b, limit)
}

/// [`osa_distance`] over the band `|i - j| <= limit` of the table, values
/// capped at `limit + 1`, on the stack (`b` shorter than [`BAND_WIDTH`]).
fn osa_banded(a: &[u8], b: &[u8], limit: usize) -> usize {
    let cap = limit as u8 + 1;
    let capped = |v: usize| v.min(usize::from(cap)) as u8;
    let mut prev2 = [cap; BAND_WIDTH];
    let mut prev = [cap; BAND_WIDTH];
    let mut cur = [cap; BAND_WIDTH];
    for (j, p) in prev.iter_mut().enumerate().take(b.len() + 1) {
        *p = capped(j);
    }
    for i in 1..=a.len() {
        let lo = i.saturating_sub(limit).max(1);
        let hi = (i + limit).min(b.len());
        cur[0] = capped(i);
        if lo > 1 {
            cur[lo - 1] = cap;
        }
        let mut row_min = cur[0];
        for j in lo..=hi {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            let d = d.min(cap);
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if hi < b.len() {
            cur[hi + 1] = cap;
        }
        if row_min > limit as u8 {
            return limit + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    usize::from(prev[b.len()])
}

/// The full OSA distance of ASCII strings, `a` of 1 to 64 bytes: Hyyrö's
/// bit-parallel algorithm (2003), one column of the table per byte of `b`.
/// Equal to the table's value: its rows' minima never decrease, so the
/// early exit of [`osa_distance`] only ever cuts distances above the limit.
fn osa_bits(a: &[u8], b: &[u8]) -> usize {
    let mut peq = [0u64; 128];
    for (i, &c) in a.iter().enumerate() {
        peq[usize::from(c & 0x7f)] |= 1 << i;
    }
    let last = 1u64 << (a.len() - 1);
    let (mut vp, mut vn, mut d0, mut pm_prev) = (!0u64, 0u64, 0u64, 0u64);
    let mut dist = a.len();
    for &c in b {
        let pm = peq[usize::from(c & 0x7f)];
        let tr = ((!d0 & pm) << 1) & pm_prev;
        d0 = (((pm & vp).wrapping_add(vp)) ^ vp) | pm | vn | tr;
        let hp = vn | !(d0 | vp);
        let hn = d0 & vp;
        if hp & last != 0 {
            dist += 1;
        } else if hn & last != 0 {
            dist -= 1;
        }
        let hp = (hp << 1) | 1;
        let hn = hn << 1;
        vp = hn | !(d0 | hp);
        vn = hp & d0;
        pm_prev = pm;
    }
    dist
}

/// Row width of the stack rows of [`osa_distance`].
const BAND_WIDTH: usize = 64;

/// [`osa_distance`] over full rows on the heap, for long tokens.
fn osa_full(a: &[u8], b: &[u8], limit: usize) -> usize {
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
    let mut out: Vec<String> = Vec::with_capacity(s.len());
    for_each_delete(s.as_bytes(), |d| {
        out.push(String::from_utf8_lossy(d).into_owned())
    });
    out
}

/// Calls `f` with each string of [`single_deletes`], in the same order,
/// without allocating for tokens up to 64 bytes. Tokens are ASCII; these
/// are bytes, so a byte of another script's letter may go alone.
pub(crate) fn for_each_delete(b: &[u8], mut f: impl FnMut(&[u8])) {
    let mut buf = [0u8; 64];
    let mut long = Vec::new();
    for i in 0..b.len() {
        if i > 0 && b[i] == b[i - 1] {
            continue;
        }
        if b.len() <= buf.len() {
            buf[..i].copy_from_slice(&b[..i]);
            buf[i..b.len() - 1].copy_from_slice(&b[i + 1..]);
            f(&buf[..b.len() - 1]);
        } else {
            long.clear();
            long.extend_from_slice(&b[..i]);
            long.extend_from_slice(&b[i + 1..]);
            f(&long);
        }
    }
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
    fn vowel_then_long_ee_is_a_long_i() {
        assert_eq!(loose_key("saeed"), loose_key("said"));
        assert_eq!(loose_key("naeem"), loose_key("naim"));
        assert_eq!(loose_key("raees"), loose_key("rais"));
        // "ae" alone is still the German umlaut, and Saad is another name.
        assert_eq!(loose_key("schaefer"), loose_key("schefer"));
        assert_ne!(loose_key("saeed"), loose_key("saad"));
        assert_ne!(loose_key("saeed"), loose_key("sayed"));
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
    fn class_key_meets_arabic_letters() {
        let ar = |s: &str| class_key(&s.chars().filter_map(arabic_class).collect::<String>());
        let la = |s: &str| class_key(&latin_class_codes(s));
        assert_eq!(ar("محمد"), la("muhammad"));
        assert_eq!(ar("طه"), la("taha"));
        assert_eq!(ar("كاظم"), la("kazim"));
        assert_eq!(ar("عبدالغفار"), la("abdalghafar"));
        assert_eq!(ar("حمزة"), la("hamzah"));
        assert_eq!(ar("يوسف"), la("yousef"));
        assert_eq!(ar("رمضان"), la("ramazan"));
    }

    #[test]
    fn osa_counts_transpositions_once() {
        assert_eq!(osa_distance("umarov", "umraov", 2), 1);
        assert_eq!(osa_distance("umarov", "umarov", 2), 0);
        assert_eq!(osa_distance("umarov", "omarav", 2), 2);
        assert_eq!(osa_distance("abc", "xyzabc", 2), 3);
    }

    #[test]
    fn banded_osa_agrees_with_full_rows() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "acb",
            "umarov",
            "umraov",
            "omarav",
            "khamatovich",
            "hamatovich",
            "khamatavikh",
            "abcdef",
            "badcfe",
            "xyzabc",
            "muhammad",
            "mohammed",
        ];
        for a in words {
            for b in words {
                for limit in 0..4 {
                    let full = osa_full(a.as_bytes(), b.as_bytes(), limit);
                    let full = if a.len().abs_diff(b.len()) > limit {
                        limit + 1
                    } else {
                        full
                    };
                    assert_eq!(osa_distance(a, b, limit), full, "{a} {b} {limit}");
                }
            }
        }
    }

    #[test]
    fn bit_parallel_osa_agrees_with_the_table() {
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        for _ in 0..20_000 {
            let word = |next: &mut dyn FnMut(u64) -> u64| -> String {
                let len = next(14) as usize;
                (0..len).map(|_| char::from(b'a' + next(4) as u8)).collect()
            };
            let (a, b) = (word(&mut next), word(&mut next));
            for limit in 0..4 {
                let full = osa_full(a.as_bytes(), b.as_bytes(), limit);
                let full = if a.len().abs_diff(b.len()) > limit {
                    limit + 1
                } else {
                    full
                };
                assert_eq!(osa_distance(&a, &b, limit), full, "{a} {b} {limit}");
            }
        }
        let long = "a".repeat(70);
        assert_eq!(osa_distance(&long, &long[1..], 2), 1);
        assert_eq!(osa_distance("ümarov", "umarov", 2), 2);
    }

    #[test]
    fn deletes_skip_duplicates() {
        assert_eq!(single_deletes("abb"), vec!["bb", "ab"]);
    }
}
