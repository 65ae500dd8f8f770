//! How much a token says about who a party is.
//!
//! In an index, a token's weight comes from its rarity: inverse document
//! frequency over the index's entries (all names and aliases of an entry count
//! once), mapped onto `[MIN_WEIGHT, 1]` so that a token found in one entry
//! weighs 1 and one found in 0.4 % of the entries or more weighs the minimum.
//! A built-in table of tokens that are common in the world's names ("Mohammed",
//! "Ali", "Maria", "Wang") and company names ("Group", "Trading",
//! "International") caps the weight, since a small or skewed index does not
//! know that. Without an index ([`crate::compare`]), the table alone is used,
//! and other tokens weigh [`DEFAULT_WEIGHT`].

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// The weight of a token with no evidence of being common.
pub const DEFAULT_WEIGHT: f64 = 0.8;
/// The weight of any legal-form token.
pub const LEGAL_WEIGHT: f64 = 0.03;
/// The floor for very common tokens.
pub const MIN_WEIGHT: f64 = 0.05;
/// Single letters (initials) say little.
const INITIAL_WEIGHT: f64 = 0.15;

/// The weight of a token found in `df` of `entries` index entries (0 if unseen).
pub fn idf_weight(df: usize, entries: usize) -> f64 {
    let common_at = (entries as f64 * 0.004).max(3.0);
    let df = df.max(1) as f64;
    if df >= common_at {
        return MIN_WEIGHT;
    }
    MIN_WEIGHT + (1.0 - MIN_WEIGHT) * (common_at / df).ln() / common_at.ln()
}

/// The cap for a token known to be common, if it is one.
pub fn prior_weight(token: &str) -> Option<f64> {
    if token.len() == 1 {
        return Some(INITIAL_WEIGHT);
    }
    priors().get(token).copied()
}

/// The caps of [`STOP`], [`VERY_COMMON`] and [`COMMON`] in one map (built
/// once): the weight of every query token is looked up, and scanning the
/// tables cost thousands of comparisons per token. A token in several tables
/// keeps the cap of the last inserted, which is the order of precedence the
/// scan had: `STOP`, then `VERY_COMMON`, then `COMMON`.
fn priors() -> &'static FxHashMap<&'static str, f64> {
    static PRIORS: OnceLock<FxHashMap<&'static str, f64>> = OnceLock::new();
    PRIORS.get_or_init(|| {
        let mut map = FxHashMap::default();
        for (table, cap) in [(COMMON, 0.2), (VERY_COMMON, 0.08), (STOP, 0.02)] {
            for &t in table {
                map.insert(t, cap);
            }
        }
        map
    })
}

/// The generic words of `data/generic_words.txt`: the vocabulary of
/// government bodies and companies ("ministry", "public", "security",
/// "trading", "company"), which names different bodies in every country.
pub fn is_generic(token: &str) -> bool {
    static GENERIC: OnceLock<rustc_hash::FxHashSet<&'static str>> = OnceLock::new();
    GENERIC
        .get_or_init(|| {
            include_str!("../data/generic_words.txt")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .collect()
        })
        .contains(token)
}

/// The weight of a token without an index.
pub fn default_weight(token: &str, legal: bool) -> f64 {
    if legal {
        return LEGAL_WEIGHT;
    }
    prior_weight(token).unwrap_or(DEFAULT_WEIGHT)
}

/// The weight of a token in an index of `entries` entries.
pub fn indexed_weight(token: &str, legal: bool, df: usize, entries: usize) -> f64 {
    if legal {
        return LEGAL_WEIGHT;
    }
    let idf = idf_weight(df, entries);
    prior_weight(token).map_or(idf, |p| p.min(idf))
}

/// Particles and connectives.
const STOP: &[&str] = &[
    "and", "of", "the", "de", "del", "della", "la", "le", "les", "el", "al", "ul", "y", "e", "et",
    "und", "da", "do", "dos", "das", "di", "du", "van", "von", "der", "den", "for", "in", "on",
    "at", "to", "an", "bin", "ibn", "bint", "ben", "ould", "wa", "und", "mr", "mrs", "dr",
];

/// Tokens so common in names that they identify no one on their own.
const VERY_COMMON: &[&str] = &[
    // Arabic and Persian given names, patronymic particles and honorifics.
    "mohammed",
    "muhammad",
    "mohammad",
    "mohamed",
    "mohamad",
    "muhamad",
    "muhammed",
    "mohd",
    "ahmed",
    "ahmad",
    "ali",
    "hassan",
    "hasan",
    "hussein",
    "husain",
    "hussain",
    "husayn",
    "abdul",
    "abdel",
    "abd",
    "abdullah",
    "abdallah",
    "abdulla",
    "abu",
    "omar",
    "umar",
    "khalid",
    "khaled",
    "ibrahim",
    "ismail",
    "yusuf",
    "youssef",
    "yousef",
    "mustafa",
    "mahmoud",
    "mahmud",
    "said",
    "saeed",
    "saleh",
    "salih",
    "karim",
    "rahman",
    "hamid",
    "hamed",
    "jamal",
    "nasser",
    "nasir",
    "aziz",
    "rashid",
    "haji",
    "hajji",
    "sheikh",
    "shaikh",
    "mullah",
    "mawlawi",
    "maulawi",
    "reza",
    "hossein",
    "mehdi",
    "javad",
    // Hispanic and Portuguese.
    "maria",
    "jose",
    "juan",
    "carlos",
    "luis",
    "jorge",
    "antonio",
    "manuel",
    "francisco",
    "jesus",
    "pedro",
    "miguel",
    "ana",
    "garcia",
    "rodriguez",
    "martinez",
    "lopez",
    "gonzalez",
    "hernandez",
    "perez",
    "sanchez",
    "ramirez",
    "torres",
    "flores",
    "gomez",
    "diaz",
    "cruz",
    "morales",
    "reyes",
    "silva",
    "santos",
    // English.
    "john",
    "james",
    "robert",
    "michael",
    "william",
    "david",
    "richard",
    "joseph",
    "thomas",
    "mary",
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "miller",
    "davis",
    "wilson",
    // Chinese, Korean, Indian.
    "wang",
    "li",
    "zhang",
    "liu",
    "chen",
    "yang",
    "huang",
    "zhao",
    "wu",
    "zhou",
    "xu",
    "sun",
    "ma",
    "zhu",
    "hu",
    "guo",
    "he",
    "lin",
    "gao",
    "luo",
    "zheng",
    "liang",
    "wei",
    "min",
    "jun",
    "hui",
    "ying",
    "jie",
    "kim",
    "park",
    "choi",
    "lee",
    "kumar",
    "singh",
    "sharma",
    "patel",
    "gupta",
    "khan",
    "shah",
    // Russian.
    "ivan",
    "sergey",
    "sergei",
    "alexander",
    "aleksandr",
    "vladimir",
    "andrey",
    "andrei",
    "dmitry",
    "dmitriy",
    "nikolay",
    "nikolai",
    "mikhail",
    "yuri",
    "yuriy",
    "igor",
    "oleg",
    "ivanov",
    "petrov",
    "smirnov",
    "kuznetsov",
    "popov",
    // Company words.
    "group",
    "trading",
    "trade",
    "international",
    "intl",
    "global",
    "general",
    "holding",
    "holdings",
    "industries",
    "industry",
    "industrial",
    "services",
    "service",
    "enterprise",
    "enterprises",
    "import",
    "export",
    "bank",
    "investment",
    "investments",
    "company",
    "national",
    "united",
    "new",
    "commercial",
    "the",
];

/// Tokens common enough in names to weigh little, but not nothing.
const COMMON: &[&str] = &[
    "technology",
    "technologies",
    "tech",
    "development",
    "shipping",
    "maritime",
    "marine",
    "logistics",
    "petroleum",
    "oil",
    "gas",
    "energy",
    "construction",
    "engineering",
    "electronics",
    "electronic",
    "electric",
    "capital",
    "management",
    "consulting",
    "solutions",
    "systems",
    "partners",
    "associates",
    "foundation",
    "society",
    "organization",
    "organisation",
    "center",
    "centre",
    "institute",
    "research",
    "university",
    "first",
    "star",
    "gold",
    "golden",
    "royal",
    "east",
    "west",
    "north",
    "south",
    "middle",
    "asia",
    "europe",
    "china",
    "iran",
    "russia",
    "america",
    "hong",
    "kong",
    "shenzhen",
    "beijing",
    "shanghai",
    "dubai",
    "moscow",
    "tehran",
    "products",
    "supply",
    "supplies",
    "manufacturing",
    "machinery",
    "equipment",
    "materials",
    "chemical",
    "chemicals",
    "pharmaceutical",
    "medical",
    "aviation",
    "air",
    "airlines",
    "transport",
    "agency",
    "office",
    "ministry",
    "committee",
    "army",
    "force",
    "forces",
    "corps",
    "guard",
    "islamic",
    "republic",
    "state",
    "scientific",
    "science",
    "production",
    "plant",
    "factory",
    "free",
    "zone",
    "sons",
    "brothers",
    "family",
    "express",
    "line",
    "lines",
    "sea",
    "ocean",
    "navigation",
    "food",
    "foods",
    "textile",
    "steel",
    "metal",
    "metals",
    "mining",
    "resources",
    "exchange",
    "finance",
    "financial",
    "insurance",
    "credit",
    "fund",
    "trust",
    "media",
    "communication",
    "communications",
    "telecom",
    "network",
    "software",
    "digital",
    "security",
    "defense",
    "defence",
    "precision",
    "instruments",
    "optical",
    "semiconductor",
    "microelectronics",
    "components",
    "parts",
    "motor",
    "motors",
    "power",
    "heavy",
    "great",
    "grand",
    "world",
    "universal",
    "green",
    "sky",
    "sun",
    "silver",
    "diamond",
    "alpha",
    "prime",
    "union",
    "alliance",
    "commerce",
    "business",
    "house",
    "city",
    "port",
    "branch",
    "ltd",
    "co",
    "corporation",
    "limited",
    "inc",
    "s",
    "agro",
    "tanker",
    "ship",
    "abdulrahman",
    "abdel",
    "jose",
    "lei",
    "yan",
    "ping",
    "hong",
    "qiang",
    "xin",
    "ming",
    "hua",
    "ling",
    "raj",
    "ram",
    "devi",
    "rao",
    "reddy",
    "nguyen",
    "tran",
    "le",
    "pham",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_tokens_weigh_more_than_common_ones() {
        let n = 30_000;
        assert!((idf_weight(1, n) - 1.0).abs() < 1e-9);
        assert!(idf_weight(5, n) > idf_weight(50, n));
        assert_eq!(idf_weight(5_000, n), MIN_WEIGHT);
    }

    #[test]
    fn generic_words_are_read_from_the_data_file() {
        for w in ["ministry", "public", "security", "trading", "company", "of"] {
            assert!(is_generic(w), "{w}");
        }
        for w in ["huawei", "iran", "air", "#", ""] {
            assert!(!is_generic(w), "{w}");
        }
        // Every word is written as normalisation writes tokens.
        for line in include_str!("../data/generic_words.txt").lines() {
            let w = line.trim();
            if w.is_empty() || w.starts_with('#') {
                continue;
            }
            assert!(
                w.bytes().all(|b| b.is_ascii_lowercase()),
                "{w:?} is not a normalized token"
            );
        }
    }

    #[test]
    fn the_built_in_table_caps_index_weights() {
        assert!(indexed_weight("mohammed", false, 1, 30_000) <= 0.08);
        assert!(indexed_weight("group", false, 1, 30_000) <= 0.08);
        assert_eq!(indexed_weight("ltd", true, 1, 30_000), LEGAL_WEIGHT);
        assert_eq!(default_weight("candiru", false), DEFAULT_WEIGHT);
    }
}
