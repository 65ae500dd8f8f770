//! Generates the labelled development set `bench/screening/devset.jsonl`
//! from the bundled lists, deterministically (seed below).
//!
//! Listed queries: real entries, each perturbed one realistic way (typos,
//! reordering, a dropped middle name, a changed legal form, romanisation
//! variants, an alias, the UN original-script name, a Cyrillic rendering).
//! Not-listed queries: invented names of several cultures and companies, and
//! hard negatives sharing a listed surname or a listed company's common words.
//!
//! `cargo run --release -p screen --example devset [OUT]`

#[path = "common/mod.rs"]
mod common;

use common::{entry_key, is_latin, Case, Rng};
use lists::model::{AliasKind, Entry, PartyKind};
use rustc_hash::FxHashSet;
use screen::normalize::{tokenize, NameKind};
use std::io::Write;

const SEED: u64 = 0x5C4E_E41D_2026_0731;
const PER_KIND: usize = 400;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_path = std::env::args()
        .nth(1)
        .map_or_else(common::devset_path, Into::into);
    let entries = common::load_all()?;
    let mut rng = Rng::new(SEED);
    let listed_keys = listed_name_keys(&entries);
    let mut cases = listed_cases(&entries, &mut rng);
    cases.extend(not_listed_cases(&entries, &listed_keys, &mut rng));
    let mut f = std::io::BufWriter::new(std::fs::File::create(&out_path)?);
    for c in &cases {
        writeln!(f, "{}", serde_json::to_string(c)?)?;
    }
    eprintln!("wrote {} cases to {}", cases.len(), out_path.display());
    Ok(())
}

/// Sorted non-legal token lists of every listed name, to keep invented
/// "not listed" names from being listed names after all.
fn listed_name_keys(entries: &[Entry]) -> FxHashSet<Vec<String>> {
    entries
        .iter()
        .flat_map(|e| e.names().map(|(n, _)| name_key(n)).collect::<Vec<_>>())
        .collect()
}

fn name_key(name: &str) -> Vec<String> {
    let mut t: Vec<String> = tokenize(name, NameKind::Unknown)
        .into_iter()
        .filter(|t| !t.legal)
        .map(|t| t.text)
        .collect();
    t.sort();
    t
}

type Perturb = fn(&Entry, &mut Rng) -> Option<String>;

fn listed_cases(entries: &[Entry], rng: &mut Rng) -> Vec<Case> {
    let kinds: [(&str, Perturb); 11] = [
        ("exact", |e, _| Some(e.name.clone())),
        ("case_punct", |e, _| Some(case_punct(&e.name))),
        ("typo1", |e, r| typos(&e.name, 1, r)),
        ("typo2", |e, r| typos(&e.name, 2, r)),
        ("reorder", reorder),
        ("drop_middle", drop_middle),
        ("legal_form", legal_form),
        ("translit_variant", translit_variant),
        ("alias", alias),
        ("script_cyrillic", cyrillic),
        ("script_original", original_script),
    ];
    let mut out = Vec::new();
    for (kind, f) in kinds {
        let mut made = 0;
        let mut tries = 0;
        while made < PER_KIND && tries < 200_000 {
            tries += 1;
            let e = rng.pick(entries);
            let Some(q) = f(e, rng) else { continue };
            if q.trim().is_empty() {
                continue;
            }
            out.push(Case {
                query: q,
                label: "listed".into(),
                kind: kind.into(),
                expected: Some(entry_key(e)),
                source: Some(e.name.clone()),
            });
            made += 1;
        }
    }
    out
}

fn words(name: &str) -> Vec<String> {
    name.split_whitespace().map(str::to_string).collect()
}

fn case_punct(name: &str) -> String {
    let s: String = name
        .chars()
        .filter(|c| !matches!(c, ',' | '.' | '\'' | '-'))
        .collect();
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    title_case(&s)
}

fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(cs.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `n` typos, each in a different name token (a run of letters: "AL-MAL"
/// is two tokens) of at least 5 letters. A typo in a 3-letter token makes
/// another name ("MAL" / "MLA"), not a misspelling of this one.
fn typos(name: &str, n: usize, rng: &mut Rng) -> Option<String> {
    if !is_latin(name) {
        return None;
    }
    let cs: Vec<char> = name.chars().collect();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        if cs[i].is_alphabetic() {
            let start = i;
            while i < cs.len() && cs[i].is_alphabetic() {
                i += 1;
            }
            if i - start >= 5 {
                runs.push((start, i));
            }
        } else {
            i += 1;
        }
    }
    if runs.len() < n {
        return None;
    }
    let mut chosen: Vec<(usize, usize)> = Vec::new();
    for _ in 0..n {
        chosen.push(runs.remove(rng.below(runs.len())));
    }
    chosen.sort_unstable();
    let mut out = String::new();
    let mut at = 0;
    for (a, b) in chosen {
        out.extend(&cs[at..a]);
        let run: String = cs[a..b].iter().collect();
        out.push_str(&one_typo(&run, rng));
        at = b;
    }
    out.extend(&cs[at..]);
    Some(out)
}

fn one_typo(w: &str, rng: &mut Rng) -> String {
    let mut cs: Vec<char> = w.chars().collect();
    let letters: Vec<usize> = (0..cs.len()).filter(|&i| cs[i].is_alphabetic()).collect();
    let i = *rng.pick(&letters);
    let upper = cs[i].is_uppercase();
    let random_letter = || {
        let c = char::from(b'a' + (rng_byte(w, i) % 26));
        if upper {
            c.to_ascii_uppercase()
        } else {
            c
        }
    };
    match rng.below(4) {
        0 => {
            cs[i] = if cs[i].eq_ignore_ascii_case(&random_letter()) {
                'x'
            } else {
                random_letter()
            }
        }
        1 => {
            cs.remove(i);
        }
        2 => cs.insert(i, random_letter()),
        _ => {
            if i + 1 < cs.len() && cs[i + 1].is_alphabetic() && cs[i] != cs[i + 1] {
                cs.swap(i, i + 1);
            } else {
                cs.remove(i);
            }
        }
    }
    cs.into_iter().collect()
}

/// A deterministic letter choice that does not need the RNG borrowed twice.
fn rng_byte(w: &str, i: usize) -> u8 {
    let h = w.bytes().fold(i as u64 * 31 + 7, |h, b| {
        h.wrapping_mul(131).wrapping_add(u64::from(b))
    });
    (h % 251) as u8
}

/// Persons: "SURNAME, Given" → "Given SURNAME" (and back), or a rotation.
fn reorder(e: &Entry, rng: &mut Rng) -> Option<String> {
    if let Some((sur, given)) = e.name.split_once(", ") {
        if e.kind == PartyKind::Individual && !given.contains(',') {
            return Some(format!("{given} {sur}"));
        }
    }
    let ws = words(&e.name);
    if ws.len() < 2 || e.kind != PartyKind::Individual {
        return None;
    }
    let k = 1 + rng.below(ws.len() - 1);
    let mut r = ws.clone();
    r.rotate_left(k);
    Some(r.join(" "))
}

/// Persons of three or more name parts lose one middle part.
fn drop_middle(e: &Entry, rng: &mut Rng) -> Option<String> {
    if e.kind != PartyKind::Individual {
        return None;
    }
    let natural = match e.name.split_once(", ") {
        Some((sur, given)) => format!("{given} {sur}"),
        None => e.name.clone(),
    };
    let ws = words(&natural);
    if ws.len() < 3 {
        return None;
    }
    let i = 1 + rng.below(ws.len() - 2);
    let mut r = ws;
    r.remove(i);
    Some(r.join(" "))
}

const LEGAL_SWAPS: &[(&str, &[&str])] = &[
    ("LTD", &["LIMITED", "CO., LTD.", ""]),
    ("LIMITED", &["LTD", "LTD.", ""]),
    ("LLC", &["L.L.C.", "OOO", "LIMITED LIABILITY COMPANY", ""]),
    ("INC", &["INCORPORATED", "CORP", ""]),
    ("CORPORATION", &["CORP.", "CO", ""]),
    ("CO", &["COMPANY", "CORP", ""]),
    ("JSC", &["AO", "OAO", "AKTSIONERNOE OBSHCHESTVO", ""]),
    ("OAO", &["JSC", "PAO", ""]),
    (
        "OOO",
        &["LLC", "OBSHCHESTVO S OGRANICHENNOY OTVETSTVENNOSTYU", ""],
    ),
    ("GMBH", &["AG", ""]),
    ("S.A.", &["SA", "S.A. DE C.V.", ""]),
    ("SA", &["S.A.", ""]),
    ("PTE", &["PTE. LTD.", ""]),
];

/// Entities: a legal form replaced by an equivalent, added or dropped.
fn legal_form(e: &Entry, rng: &mut Rng) -> Option<String> {
    if e.kind == PartyKind::Individual {
        return None;
    }
    let ws: Vec<String> = words(&e.name);
    let norm = |w: &str| {
        w.trim_matches(|c: char| c == ',' || c == '.')
            .to_ascii_uppercase()
    };
    for (i, w) in ws.iter().enumerate().rev() {
        if let Some((_, repl)) = LEGAL_SWAPS.iter().find(|(f, _)| *f == norm(w)) {
            let mut r = ws.clone();
            r[i] = rng.pick(repl).to_string();
            return Some(r.join(" ").split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    if e.kind == PartyKind::Entity && ws.len() >= 2 {
        return Some(format!(
            "{} {}",
            e.name,
            rng.pick(&["LTD", "LLC", "INC.", "CO., LTD.", "GMBH", "JSC"])
        ));
    }
    None
}

const VARIANTS: &[(&str, &str)] = &[
    ("KH", "H"),
    ("Y", "I"),
    ("OU", "U"),
    ("SH", "SCH"),
    ("CH", "TCH"),
    ("TS", "TZ"),
    ("OV", "OW"),
    ("EV", "EW"),
    ("IY", "Y"),
    ("YU", "IU"),
    ("YA", "IA"),
    ("MOHAMMED", "MUHAMMAD"),
    ("MUHAMMAD", "MOHAMED"),
    ("MOHAMMAD", "MUHAMMED"),
    ("HUSSEIN", "HUSAYN"),
    ("HUSSAIN", "HUSEIN"),
    ("ABDUL", "ABDEL"),
    ("AL-", "EL-"),
    ("EI", "EY"),
    ("Q", "K"),
    ("X", "KS"),
    ("DH", "D"),
    ("OO", "U"),
    ("EE", "I"),
    ("YOU", "YU"),
    ("OSAMA", "USAMA"),
    ("OMAR", "UMAR"),
    ("YUSUF", "YOUSSEF"),
];

/// Romanisation variants of one or two spellings, each rewriting the
/// published name (a rewrite never applies to the output of another:
/// "CHEN" → "TCHEN", not "TTCHEN").
fn translit_variant(e: &Entry, rng: &mut Rng) -> Option<String> {
    let s = e.name.to_uppercase();
    if !is_latin(&s) {
        return None;
    }
    let applicable: Vec<&(&str, &str)> = VARIANTS.iter().filter(|(f, _)| s.contains(f)).collect();
    if applicable.is_empty() {
        return None;
    }
    let mut edits: Vec<(usize, usize, &str)> = Vec::new();
    for _ in 0..1 + rng.below(2) {
        let (from, to) = rng.pick(&applicable);
        if let Some(pos) = s.find(from) {
            let end = pos + from.len();
            if edits.iter().all(|&(a, b, _)| end <= a || pos >= b) {
                edits.push((pos, end, to));
            }
        }
    }
    edits.sort_unstable_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = s.clone();
    for (a, b, to) in edits {
        out.replace_range(a..b, to);
    }
    (out != s).then_some(out)
}

/// A strong alias, typed in title case.
fn alias(e: &Entry, rng: &mut Rng) -> Option<String> {
    let strong: Vec<&str> = e
        .aliases
        .iter()
        .filter(|a| a.kind != AliasKind::Weak && is_latin(&a.name))
        .map(|a| a.name.as_str())
        .collect();
    if strong.is_empty() {
        return None;
    }
    let chosen: &str = strong[rng.below(strong.len())];
    Some(title_case(&case_punct(chosen)))
}

/// Russian-looking names written in Cyrillic.
fn cyrillic(e: &Entry, _: &mut Rng) -> Option<String> {
    let natural = match e.name.split_once(", ") {
        Some((sur, given)) => format!("{given} {sur}"),
        None => e.name.clone(),
    };
    let lower = natural.to_lowercase();
    let russian = ["ov", "ev", "in", "ich", "na", "sky", "aya", "enko"]
        .iter()
        .any(|s| lower.split_whitespace().any(|w| w.ends_with(s)));
    let from_region = e
        .countries
        .iter()
        .any(|c| matches!(c.as_str(), "RU" | "BY" | "UA" | "KZ" | "KG"));
    if !(russian && from_region && e.kind == PartyKind::Individual && lower.is_ascii()) {
        return None;
    }
    Some(to_cyrillic(&lower))
}

fn to_cyrillic(s: &str) -> String {
    const MAP: &[(&str, &str)] = &[
        ("shch", "щ"),
        ("zh", "ж"),
        ("kh", "х"),
        ("ts", "ц"),
        ("ch", "ч"),
        ("sh", "ш"),
        ("yu", "ю"),
        ("ya", "я"),
        ("ye", "е"),
        ("yo", "ё"),
        ("iy", "ий"),
        ("yy", "ый"),
        ("a", "а"),
        ("b", "б"),
        ("v", "в"),
        ("g", "г"),
        ("d", "д"),
        ("e", "е"),
        ("z", "з"),
        ("i", "и"),
        ("y", "ы"),
        ("k", "к"),
        ("l", "л"),
        ("m", "м"),
        ("n", "н"),
        ("o", "о"),
        ("p", "п"),
        ("r", "р"),
        ("s", "с"),
        ("t", "т"),
        ("u", "у"),
        ("f", "ф"),
        ("c", "к"),
        ("h", "х"),
        ("j", "й"),
        ("w", "в"),
        ("x", "кс"),
        ("q", "к"),
    ];
    let mut out = String::new();
    let mut rest = s;
    'outer: while !rest.is_empty() {
        for (from, to) in MAP {
            if let Some(r) = rest.strip_prefix(from) {
                out.push_str(to);
                rest = r;
                continue 'outer;
            }
        }
        let mut cs = rest.chars();
        if let Some(c) = cs.next() {
            out.push(c);
        }
        rest = cs.as_str();
    }
    out
}

/// The UN original-script name (Arabic or Cyrillic) of a UN entry.
fn original_script(e: &Entry, _: &mut Rng) -> Option<String> {
    e.aliases
        .iter()
        .find(|a| !is_latin(&a.name))
        .map(|a| a.name.clone())
}

const FIRST: &[(&str, &[&str])] = &[
    (
        "anglo",
        &[
            "James",
            "Emily",
            "Oliver",
            "Charlotte",
            "George",
            "Amelia",
            "Harry",
            "Jessica",
            "Thomas",
            "Sophie",
            "Daniel",
            "Grace",
            "Matthew",
            "Hannah",
            "Andrew",
            "Lucy",
            "Benjamin",
            "Chloe",
            "Samuel",
            "Rebecca",
        ],
    ),
    (
        "hispanic",
        &[
            "Alejandro",
            "Valentina",
            "Santiago",
            "Camila",
            "Mateo",
            "Lucia",
            "Diego",
            "Sofia",
            "Javier",
            "Isabel",
            "Fernando",
            "Paula",
            "Ricardo",
            "Gabriela",
            "Andres",
            "Daniela",
            "Emilio",
            "Carmen",
            "Rafael",
            "Elena",
        ],
    ),
    (
        "arabic",
        &[
            "Khalid", "Fatima", "Tariq", "Aisha", "Yasin", "Layla", "Bilal", "Mariam", "Faisal",
            "Noor", "Hamza", "Zainab", "Samir", "Rania", "Walid", "Huda", "Nabil", "Salma",
            "Adnan", "Dalia",
        ],
    ),
    (
        "russian",
        &[
            "Artem",
            "Anastasia",
            "Maksim",
            "Ekaterina",
            "Kirill",
            "Olga",
            "Pavel",
            "Tatiana",
            "Roman",
            "Irina",
            "Denis",
            "Svetlana",
            "Anton",
            "Yulia",
            "Egor",
            "Natalia",
            "Stanislav",
            "Polina",
            "Vadim",
            "Ksenia",
        ],
    ),
    (
        "chinese",
        &[
            "Jianguo", "Xiaoling", "Haoran", "Meiling", "Zihan", "Yuxuan", "Chenxi", "Ruoxi",
            "Zhiwei", "Shuang", "Tianyu", "Xinyi", "Junjie", "Yiming", "Haoyu", "Jiayi", "Mingzhe",
            "Wenjing", "Zeyu", "Shihan",
        ],
    ),
    (
        "indian",
        &[
            "Aarav",
            "Priya",
            "Vihaan",
            "Ananya",
            "Arjun",
            "Diya",
            "Rohan",
            "Kavya",
            "Aditya",
            "Ishita",
            "Siddharth",
            "Meera",
            "Karthik",
            "Neha",
            "Rahul",
            "Pooja",
            "Vikram",
            "Sneha",
            "Nikhil",
            "Shreya",
        ],
    ),
];

/// The invented Arabic given names and surnames above, in Arabic script:
/// not-listed queries that must not meet listed names on consonant skeletons.
const ARABIC_FIRST: &[&str] = &[
    "خالد",
    "فاطمة",
    "طارق",
    "عائشة",
    "ياسين",
    "ليلى",
    "بلال",
    "مريم",
    "فيصل",
    "نور",
    "حمزة",
    "زينب",
    "سمير",
    "رانيا",
    "وليد",
    "هدى",
    "نبيل",
    "سلمى",
    "عدنان",
    "داليا",
];
const ARABIC_LAST: &[&str] = &[
    "المنصوري",
    "حداد",
    "خوري",
    "نصرالله",
    "التميمي",
    "بركات",
    "درويش",
    "فاروق",
    "غانم",
    "حجازي",
    "جابر",
    "كنعان",
    "محفوظ",
    "قاسم",
    "الرفاعي",
    "صباغ",
    "شحادة",
    "طحان",
    "الزعبي",
    "الخطيب",
];

const LAST: &[(&str, &[&str])] = &[
    (
        "anglo",
        &[
            "Whitfield",
            "Harrington",
            "Pemberton",
            "Caldwell",
            "Ashworth",
            "Blackwood",
            "Fairbanks",
            "Thornton",
            "Kingsley",
            "Waverly",
            "Hollis",
            "Prescott",
            "Langley",
            "Mercer",
            "Sutcliffe",
            "Bradshaw",
            "Hawthorne",
            "Ellery",
            "Radcliffe",
            "Wexford",
        ],
    ),
    (
        "hispanic",
        &[
            "Villanueva",
            "Echeverria",
            "Montalvo",
            "Quintero",
            "Arriaga",
            "Bustamante",
            "Cisneros",
            "Galindo",
            "Iturbide",
            "Larrea",
            "Madariaga",
            "Olmedo",
            "Pizarro",
            "Saavedra",
            "Urquiza",
            "Zavala",
            "Barrientos",
            "Carvajal",
            "Escobedo",
            "Navarrete",
        ],
    ),
    (
        "arabic",
        &[
            "Al-Mansouri",
            "Haddad",
            "Khoury",
            "Nasrallah",
            "Al-Tamimi",
            "Barakat",
            "Darwish",
            "Farouk",
            "Ghanem",
            "Hijazi",
            "Jaber",
            "Kanaan",
            "Mahfouz",
            "Qasim",
            "Rifai",
            "Sabbagh",
            "Shehadeh",
            "Tahan",
            "Zoubi",
            "Al-Khatib",
        ],
    ),
    (
        "russian",
        &[
            "Lebedev",
            "Morozov",
            "Volkov",
            "Zaitsev",
            "Orlova",
            "Belyaev",
            "Tarasov",
            "Komarova",
            "Kiselev",
            "Gusev",
            "Nikitina",
            "Shcherbakov",
            "Baranov",
            "Fomina",
            "Davydov",
            "Zhuravlev",
            "Gerasimova",
            "Bogdanov",
            "Ovchinnikov",
            "Markova",
        ],
    ),
    (
        "chinese",
        &[
            "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
            "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo",
        ],
    ),
    (
        "indian",
        &[
            "Sharma",
            "Iyer",
            "Nair",
            "Reddy",
            "Chatterjee",
            "Banerjee",
            "Menon",
            "Pillai",
            "Deshpande",
            "Kulkarni",
            "Joshi",
            "Mehta",
            "Bhatt",
            "Agarwal",
            "Malhotra",
            "Kapoor",
            "Srinivasan",
            "Venkatesan",
            "Rao",
            "Naidu",
        ],
    ),
];

const COMPANY_WORDS: &[&str] = &[
    "Quillfeather",
    "Brambleton",
    "Larkspur",
    "Thistlewood",
    "Marigold",
    "Ashgrove",
    "Copperfield",
    "Juniperhill",
    "Kestrelwing",
    "Moonstone",
    "Wrenford",
    "Hazelmere",
    "Maple",
    "Orion",
    "Sunrise",
    "Blue River",
    "Evergreen",
    "Summit",
    "Harbor",
    "Crescent",
    "Northstar",
    "Cedar",
    "Falcon",
    "Silverline",
    "Redwood",
    "Lakeside",
    "Pioneer",
    "Keystone",
    "Brightwater",
    "Granite",
    "Meridian",
    "Oakridge",
    "Pinnacle",
    "Riverside",
    "Sterling",
    "Trident",
    "Willow",
];
const COMPANY_TAILS: &[&str] = &[
    "Trading",
    "Group",
    "Trading Group",
    "International",
    "Industries",
    "Technologies",
    "Logistics",
    "Holdings",
    "Shipping",
    "Electronics",
    "Engineering",
    "Import Export",
    "General Trading",
    "Global Services",
];
const LEGAL: &[&str] = &[
    "LLC",
    "Ltd",
    "Co., Ltd.",
    "Inc.",
    "GmbH",
    "JSC",
    "S.A.",
    "FZE",
    "Pte Ltd",
    "Limited",
    "",
];

/// Every token of every listed name.
fn listed_vocabulary(entries: &[Entry]) -> FxHashSet<String> {
    entries
        .iter()
        .flat_map(|e| {
            e.names()
                .flat_map(|(n, _)| tokenize(n, NameKind::Unknown))
                .map(|t| t.text)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn not_listed_cases(
    entries: &[Entry],
    listed: &FxHashSet<Vec<String>>,
    rng: &mut Rng,
) -> Vec<Case> {
    let vocabulary = listed_vocabulary(entries);
    // Invented companies get distinctive words that no listed name uses, so that
    // only their common words ("Trading", "Group") are shared with the lists.
    let fresh: Vec<&str> = COMPANY_WORDS
        .iter()
        .copied()
        .filter(|w| {
            tokenize(w, NameKind::Unknown)
                .iter()
                .all(|t| !vocabulary.contains(&t.text))
        })
        .collect();
    let mut out = Vec::new();
    let push = |q: String, kind: &str, out: &mut Vec<Case>| {
        if !listed.contains(&name_key(&q)) {
            out.push(Case {
                query: q,
                label: "not_listed".into(),
                kind: kind.into(),
                expected: None,
                source: None,
            });
        }
    };
    for (ci, (culture, firsts)) in FIRST.iter().enumerate() {
        let lasts = LAST[ci].1;
        for _ in 0..250 {
            let q = person(culture, firsts, lasts, rng);
            push(q, &format!("person_{culture}"), &mut out);
        }
    }
    for _ in 0..250 {
        let q = format!(
            "{} {} {}",
            rng.pick(ARABIC_FIRST),
            rng.pick(ARABIC_FIRST),
            rng.pick(ARABIC_LAST)
        );
        push(q, "person_arabic_script", &mut out);
    }
    for _ in 0..300 {
        let q = format!(
            "{} {} {}",
            rng.pick(&fresh),
            rng.pick(COMPANY_TAILS),
            rng.pick(LEGAL)
        );
        push(q.trim().to_string(), "company", &mut out);
    }
    let persons: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.kind == PartyKind::Individual && e.name.contains(", "))
        .collect();
    for _ in 0..400 {
        let e = rng.pick(&persons);
        let sur = e.name.split(", ").next().unwrap_or_default();
        let (_, firsts) = rng.pick(FIRST);
        push(
            format!("{} {}", rng.pick(firsts), title_case(&sur.to_lowercase())),
            "hard_shared_surname",
            &mut out,
        );
    }
    let companies: Vec<&Entry> = entries
        .iter()
        .filter(|e| {
            e.kind != PartyKind::Individual && words(&e.name).len() >= 2 && has_common_word(&e.name)
        })
        .collect();
    for _ in 0..400 {
        let e = rng.pick(&companies);
        push(
            replace_distinctive(&e.name, &fresh, rng),
            "hard_company_word",
            &mut out,
        );
    }
    out
}

fn person(culture: &str, firsts: &[&str], lasts: &[&str], rng: &mut Rng) -> String {
    match culture {
        "hispanic" => format!(
            "{} {} {}",
            rng.pick(firsts),
            rng.pick(lasts),
            rng.pick(lasts)
        ),
        "arabic" => format!(
            "{} {} {}",
            rng.pick(firsts),
            rng.pick(firsts),
            rng.pick(lasts)
        ),
        "russian" => {
            let patronymic = format!(
                "{}ovich",
                rng.pick(&["Ivan", "Petr", "Sergey", "Nikolaev", "Andre", "Pavl"])
            );
            format!("{} {} {}", rng.pick(firsts), patronymic, rng.pick(lasts))
        }
        "chinese" => format!("{} {}", rng.pick(lasts), rng.pick(firsts)),
        _ => format!("{} {}", rng.pick(firsts), rng.pick(lasts)),
    }
}

const COMMON_WORDS: &[&str] = &[
    "TRADING",
    "GROUP",
    "INTERNATIONAL",
    "INDUSTRIES",
    "TECHNOLOGY",
    "TECHNOLOGIES",
    "ELECTRONICS",
    "SHIPPING",
    "COMPANY",
    "HOLDING",
    "ENGINEERING",
    "GENERAL",
    "SERVICES",
];

fn has_common_word(name: &str) -> bool {
    words(name)
        .iter()
        .any(|w| COMMON_WORDS.contains(&w.to_ascii_uppercase().trim_matches(',')))
}

/// Keeps the common words and legal form of a listed company name, replaces
/// the distinctive ones.
fn replace_distinctive(name: &str, fresh: &[&str], rng: &mut Rng) -> String {
    let mut out = Vec::new();
    let mut replaced = false;
    for w in words(name) {
        let up = w.to_ascii_uppercase();
        let bare = up.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        let keep = COMMON_WORDS.contains(&bare)
            || screen::legal::is_legal_word(&bare.to_ascii_lowercase());
        if keep {
            out.push(w);
        } else if !replaced {
            out.push(rng.pick(fresh).to_uppercase());
            replaced = true;
        }
    }
    out.join(" ")
}
