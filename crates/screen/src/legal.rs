//! Legal-form recognition: "LIMITED" and "LTD", "AO", "JSC" and "AKTSIONERNOE
//! OBSHCHESTVO" are the same thing and say almost nothing about who a party is.
//!
//! Forms are recognised on normalized tokens and replaced by one canonical
//! token per family (`jsc`, `llc`, `ltd`, ...). Short forms that are also
//! ordinary words or name parts ("AO", "SA", "AD", "CO") are only recognised at
//! the start or in the trailing run of a name.

/// Multi-token spellings, longest first within a family, and their canonical form.
const PHRASES: &[(&[&str], &str)] = &[
    (
        &["obshchestvo", "s", "ogranichennoy", "otvetstvennostyu"],
        "llc",
    ),
    (
        &["obshchestvo", "s", "ogranichennoi", "otvetstvennostiu"],
        "llc",
    ),
    (
        &["obshchestvo", "s", "ogranichennoj", "otvetstvennostju"],
        "llc",
    ),
    (
        &["tovarystvo", "z", "obmezhenoyu", "vidpovidalnistyu"],
        "llc",
    ),
    (&["limited", "liability", "company"], "llc"),
    (&["ltd", "liability", "company"], "llc"),
    (&["liability", "company"], "llc"),
    (&["limited", "liability", "partnership"], "llp"),
    (&["otkrytoe", "aktsionernoe", "obshchestvo"], "jsc"),
    (&["zakrytoe", "aktsionernoe", "obshchestvo"], "jsc"),
    (&["publichnoe", "aktsionernoe", "obshchestvo"], "jsc"),
    (&["aktsionernoe", "obshchestvo"], "jsc"),
    (&["aktsionerne", "tovarystvo"], "jsc"),
    (&["open", "joint", "stock", "company"], "jsc"),
    (&["closed", "joint", "stock", "company"], "jsc"),
    (&["public", "joint", "stock", "company"], "jsc"),
    (&["joint", "stock", "company"], "jsc"),
    (&["open", "jointstock", "company"], "jsc"),
    (&["closed", "jointstock", "company"], "jsc"),
    (&["public", "jointstock", "company"], "jsc"),
    (&["jointstock", "company"], "jsc"),
    (&["public", "limited", "company"], "plc"),
    (&["private", "limited", "company"], "ltd"),
    (&["private", "limited"], "ltd"),
    (&["pvt", "ltd"], "ltd"),
    (&["s", "de", "rl", "de", "cv"], "srl"),
    (&["sa", "de", "cv"], "sa"),
    (&["sapi", "de", "cv"], "sa"),
    (&["societe", "anonyme"], "sa"),
    (&["sociedad", "anonima"], "sa"),
    (&["sociedade", "anonima"], "sa"),
    (&["anonymi", "etaireia"], "ae"),
    (&["anonimi", "etaireia"], "ae"),
    (&["zartkoruen", "mukodo", "reszvenytarsasag"], "zrt"),
    (&["nyilvanosan", "mukodo", "reszvenytarsasag"], "nyrt"),
    (&["korlatolt", "felelossegu", "tarsasag"], "kft"),
    (&["gesellschaft", "mit", "beschrankter", "haftung"], "gmbh"),
    (&["besloten", "vennootschap"], "bv"),
    (&["naamloze", "vennootschap"], "nv"),
    (&["societa", "per", "azioni"], "spa"),
    (&["societa", "a", "responsabilita", "limitata"], "srl"),
    (&["sociedad", "de", "responsabilidad", "limitada"], "srl"),
    (&["sdn", "bhd"], "sdnbhd"),
    (&["free", "zone", "establishment"], "fze"),
    (&["free", "zone", "company"], "fze"),
    (&["free", "zone", "co"], "fze"),
    (&["fz", "llc"], "fze"),
    (&["fz", "co"], "fze"),
    (&["aktsionerno", "druzhestvo"], "ad"),
];

/// Single tokens that are always legal forms, wherever they stand.
fn unambiguous(token: &str) -> Option<&'static str> {
    Some(match token {
        "ltd" | "limited" | "ltda" | "limitada" => "ltd",
        "llc" | "ooo" | "tov" | "too" => "llc",
        "llp" => "llp",
        "corp" | "corporation" => "corp",
        "inc" | "incorporated" => "inc",
        "jsc" | "ojsc" | "cjsc" | "pjsc" | "jsco" | "oao" | "zao" | "pao" | "aktsionernoe" => "jsc",
        "gmbh" => "gmbh",
        "plc" => "plc",
        "pte" => "pte",
        "pty" => "pty",
        "pvt" => "ltd",
        "srl" | "sarl" => "srl",
        "spa" => "spa",
        "zrt" => "zrt",
        "nyrt" => "nyrt",
        "kft" => "kft",
        "ead" => "ead",
        "ood" | "eood" => "ood",
        "bhd" => "bhd",
        "sdnbhd" => "sdnbhd",
        "tbk" => "tbk",
        "fze" | "fzco" | "fzc" | "fzllc" | "fz" => "fze",
        "gmbhco" => "gmbh",
        "sro" => "sro",
        "oyj" => "oy",
        "aktiengesellschaft" => "ag",
        _ => return None,
    })
}

/// Short forms that are legal forms only at a name's start or in its trailing run.
fn edge_only(token: &str) -> Option<&'static str> {
    Some(match token {
        "ao" => "jsc",
        "co" | "company" | "cos" => "co",
        "sa" | "sas" | "sae" => "sa",
        "ag" => "ag",
        "ad" => "ad",
        "ae" => "ae",
        "bv" => "bv",
        "nv" => "nv",
        "as" | "asa" => "as",
        "ab" => "ab",
        "oy" => "oy",
        "pt" => "pt",
        "sal" => "sal",
        "est" | "establishment" => "est",
        "lp" => "lp",
        "kg" => "kg",
        "cv" => "cv",
        "sc" => "sc",
        "rt" => "rt",
        _ => return None,
    })
}

/// Whether a single token is a legal-form word in any position.
pub fn is_legal_word(token: &str) -> bool {
    unambiguous(token).is_some() || edge_only(token).is_some()
}

/// For each token, `Some(canonical form)` if it belongs to a legal form.
/// Multi-token phrases give their canonical form to their first token and
/// `Some("")` to the rest (the caller drops those).
pub fn recognise(tokens: &[String]) -> Vec<Option<&'static str>> {
    let corrected: Vec<String>;
    let tokens = if tokens.iter().any(|t| correct(t).is_some()) {
        corrected = tokens
            .iter()
            .map(|t| correct(t).map_or_else(|| t.clone(), str::to_string))
            .collect();
        &corrected[..]
    } else {
        tokens
    };
    let mut out = vec![None; tokens.len()];
    mark_phrases(tokens, &mut out);
    for (i, t) in tokens.iter().enumerate() {
        if out[i].is_none() {
            out[i] = unambiguous(t);
        }
    }
    mark_edges(tokens, &mut out);
    keep_one_real_token(&mut out);
    out
}

/// Legal-form words long enough to be recognised with a typo or a
/// romanisation variant in them ("LIMTIED", "COMPANI", "AKTZIONERNOE").
const LONG_WORDS: &[&str] = &[
    "limited",
    "liability",
    "company",
    "corporation",
    "incorporated",
    "aktsionernoe",
    "obshchestvo",
    "ogranichennoy",
    "otvetstvennostyu",
    "publichnoe",
    "zakrytoe",
    "otkrytoe",
    "joint",
    "stock",
    "closed",
    "public",
    "private",
    "partnership",
    "establishment",
    "gesellschaft",
    "sociedad",
    "anonima",
    "anonyme",
];

/// The legal-form word a token is a misspelling of: one edit from a word
/// of [`LONG_WORDS`] (two from 9 letters), for tokens of 4 letters or more.
/// One edit leaves the first two or the last two letters of a word of four
/// or more in place, which rules out most tokens without computing a distance.
fn correct(token: &str) -> Option<&'static str> {
    use crate::keys::osa_distance;
    let t = token.as_bytes();
    if t.len() < 4 || !token.is_ascii() {
        return None;
    }
    let limit = if t.len() >= 9 { 2 } else { 1 };
    LONG_WORDS.iter().copied().find(|w| {
        let wb = w.as_bytes();
        wb.len().abs_diff(t.len()) <= limit
            && (wb[..2] == t[..2] || wb[wb.len() - 2..] == t[t.len() - 2..])
            && w != &token
            && osa_distance(token, w, limit) <= limit
    })
}

/// The phrases of [`PHRASES`] by their first word, in their order there.
fn phrases_by_first_word() -> &'static rustc_hash::FxHashMap<&'static str, Vec<usize>> {
    static MAP: std::sync::OnceLock<rustc_hash::FxHashMap<&'static str, Vec<usize>>> =
        std::sync::OnceLock::new();
    MAP.get_or_init(|| {
        let mut map: rustc_hash::FxHashMap<&'static str, Vec<usize>> = Default::default();
        for (i, (phrase, _)) in PHRASES.iter().enumerate() {
            map.entry(phrase[0]).or_default().push(i);
        }
        map
    })
}

fn mark_phrases(tokens: &[String], out: &mut [Option<&'static str>]) {
    let by_first = phrases_by_first_word();
    let mut i = 0;
    'outer: while i < tokens.len() {
        let Some(starting) = by_first.get(tokens[i].as_str()) else {
            i += 1;
            continue;
        };
        for (phrase, canon) in starting.iter().map(|&p| &PHRASES[p]) {
            let end = i + phrase.len();
            if end <= tokens.len()
                && tokens[i..end]
                    .iter()
                    .zip(phrase.iter())
                    .all(|(t, p)| t == p)
            {
                out[i] = Some(canon);
                out[i + 1..end].iter_mut().for_each(|o| *o = Some(""));
                i = end;
                continue 'outer;
            }
        }
        i += 1;
    }
}

/// Edge-only forms: the first token, and every token of the trailing run of
/// legal forms (walking back from the end while tokens are legal forms).
fn mark_edges(tokens: &[String], out: &mut [Option<&'static str>]) {
    if tokens.len() < 2 {
        return;
    }
    if out[0].is_none() {
        out[0] = edge_only(&tokens[0]);
    }
    for i in (1..tokens.len()).rev() {
        if out[i].is_none() {
            out[i] = edge_only(&tokens[i]);
        }
        if out[i].is_none() {
            break;
        }
    }
}

/// A name made only of legal-form words ("Limited Company") is a name, not a
/// legal form: leave it as plain tokens.
fn keep_one_real_token(out: &mut [Option<&'static str>]) {
    if out.iter().all(Option::is_some) {
        out.iter_mut().for_each(|o| *o = None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> Vec<Option<&'static str>> {
        let tokens: Vec<String> = s.split(' ').map(str::to_string).collect();
        recognise(&tokens)
    }

    #[test]
    fn russian_forms_are_one_family() {
        assert_eq!(canon("ao positive technologies")[0], Some("jsc"));
        assert_eq!(canon("positive technologies jsc")[2], Some("jsc"));
        assert_eq!(
            canon("aktsionernoe obshchestvo pozitiv"),
            vec![Some("jsc"), Some(""), None]
        );
        assert_eq!(
            canon("obshchestvo s ogranichennoy otvetstvennostyu romashka")[0],
            Some("llc")
        );
    }

    #[test]
    fn trailing_run_and_mid_name_short_forms() {
        assert_eq!(canon("acme co ltd"), vec![None, Some("co"), Some("ltd")]);
        assert_eq!(
            canon("banco sa de cv"),
            vec![None, Some("sa"), Some(""), Some("")]
        );
        // "SA" inside a name is not a legal form.
        assert_eq!(canon("abu sa ad trading")[1], None);
    }

    #[test]
    fn misspelt_legal_forms_are_recognised() {
        assert_eq!(canon("hatef shipping company limtied")[3], Some("ltd"));
        assert_eq!(
            canon("limited liabiliti compani fawaris"),
            vec![Some("llc"), Some(""), Some(""), None]
        );
        assert_eq!(canon("aktzionernoe obshtchestvo pozitiv")[0], Some("jsc"));
        assert_eq!(canon("point trading")[0], None);
    }

    #[test]
    fn free_zone_and_limitada_spellings_are_one_form() {
        assert_eq!(
            canon("gulf star free zone establishment"),
            vec![None, None, Some("fze"), Some(""), Some("")]
        );
        assert_eq!(canon("gulf star fzco")[2], Some("fze"));
        assert_eq!(canon("gulf star fze")[2], Some("fze"));
        assert_eq!(canon("andes comercial limitada")[2], Some("ltd"));
        assert_eq!(canon("andes comercial ltda")[2], Some("ltd"));
    }

    #[test]
    fn a_name_of_legal_words_only_stays_a_name() {
        assert_eq!(canon("limited company"), vec![None, None]);
    }
}
