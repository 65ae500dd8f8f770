use super::*;
use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

fn code(input: &str) -> Option<&'static str> {
    lookup(input).map(|c| c.alpha2)
}

#[test]
fn table_shape() {
    let all = all();
    assert_eq!(all.len(), 250, "249 ISO 3166-1 codes plus XK");
    let mut a2 = HashSet::new();
    let mut a3 = HashSet::new();
    for c in all {
        assert!(
            c.alpha2.len() == 2 && c.alpha2.bytes().all(|b| b.is_ascii_uppercase()),
            "bad alpha2 {:?}",
            c.alpha2
        );
        assert!(
            c.alpha3.len() == 3 && c.alpha3.bytes().all(|b| b.is_ascii_uppercase()),
            "bad alpha3 {:?} for {}",
            c.alpha3,
            c.alpha2
        );
        assert!(a2.insert(c.alpha2), "duplicate alpha2 {}", c.alpha2);
        assert!(a3.insert(c.alpha3), "duplicate alpha3 {}", c.alpha3);
        assert!(!c.name.is_empty(), "{} has no name", c.alpha2);
        for a in &c.aliases {
            assert!(!a.contains('\t'), "tab in alias of {}", c.alpha2);
        }
    }
    assert!(
        all.windows(2).all(|w| w[0].alpha2 < w[1].alpha2),
        "table not sorted by alpha2"
    );
    assert!(a2.contains("XK"));
    assert_eq!(by_code("XK").unwrap().name, "Kosovo");
}

#[test]
fn every_key_maps_to_one_country() {
    let t = table();
    assert!(
        t.conflicts.is_empty(),
        "ambiguous keys (key, first, second): {:?}",
        t.conflicts
    );
    // Every code, name and alias resolves back to its own country.
    for c in all() {
        for s in [c.alpha2, c.alpha3, c.name]
            .into_iter()
            .chain(c.aliases.iter().copied())
        {
            assert_eq!(
                lookup(s).map(|x| x.alpha2),
                Some(c.alpha2),
                "{s:?} should resolve to {}",
                c.alpha2
            );
        }
        assert_eq!(by_code(c.alpha2), Some(c));
        assert_eq!(by_code(c.alpha3), Some(c));
    }
}

#[test]
fn required_aliases() {
    let cases: &[(&str, &[&str])] = &[
        ("MM", &["Burma", "Myanmar"]),
        ("MO", &["Macao", "Macau"]),
        ("TR", &["Türkiye", "Turkiye", "Turkey"]),
        ("CZ", &["Czechia", "Czech Republic"]),
        (
            "KP",
            &[
                "Korea, North",
                "North Korea",
                "DPRK",
                "Democratic People's Republic of Korea",
                "Korea, Democratic People's Republic of",
            ],
        ),
        (
            "KR",
            &[
                "Korea, South",
                "South Korea",
                "Republic of Korea",
                "Korea, Republic of",
            ],
        ),
        (
            "IR",
            &[
                "Iran",
                "Iran (Islamic Republic of)",
                "Iran, Islamic Republic of",
            ],
        ),
        ("SY", &["Syria", "Syrian Arab Republic"]),
        ("RU", &["Russia", "Russian Federation"]),
        ("VN", &["Vietnam", "Viet Nam"]),
        ("LA", &["Laos", "Lao People's Democratic Republic"]),
        ("BO", &["Bolivia", "Bolivia (Plurinational State of)"]),
        ("VE", &["Venezuela", "Venezuela (Bolivarian Republic of)"]),
        (
            "CD",
            &[
                "Congo, Democratic Republic of the",
                "Democratic Republic of the Congo",
                "DRC",
                "Congo (Kinshasa)",
            ],
        ),
        ("CG", &["Congo, Republic of the", "Congo (Brazzaville)"]),
        ("CI", &["Cote d'Ivoire", "Côte d'Ivoire", "Ivory Coast"]),
        ("CV", &["Cabo Verde", "Cape Verde"]),
        ("SZ", &["Eswatini", "Swaziland"]),
        (
            "MK",
            &[
                "North Macedonia",
                "Macedonia",
                "The former Yugoslav Republic of Macedonia",
            ],
        ),
        ("MD", &["Moldova", "Republic of Moldova"]),
        ("TZ", &["Tanzania", "United Republic of Tanzania"]),
        (
            "GB",
            &[
                "United Kingdom",
                "UK",
                "Great Britain",
                "United Kingdom of Great Britain and Northern Ireland",
            ],
        ),
        (
            "US",
            &["United States", "USA", "US", "United States of America"],
        ),
        ("TW", &["Taiwan", "Taiwan, Province of China"]),
        ("HK", &["Hong Kong", "Hong Kong SAR"]),
        (
            "PS",
            &[
                "Palestinian Territories",
                "West Bank",
                "Gaza",
                "State of Palestine",
            ],
        ),
        ("FM", &["Micronesia, Federated States of"]),
        ("BS", &["Bahamas, The"]),
        ("GM", &["Gambia, The"]),
        ("VA", &["Holy See", "Vatican City"]),
        ("TL", &["Timor-Leste", "East Timor"]),
        ("BN", &["Brunei", "Brunei Darussalam"]),
        ("KG", &["Kyrgyzstan", "Kyrgyz Republic"]),
        ("SK", &["Slovakia", "Slovak Republic"]),
        ("GE", &["Georgia"]),
        ("XK", &["Kosovo"]),
        ("DE", &["Germany", "DE", "DEU"]),
    ];
    for (want, inputs) in cases {
        for input in *inputs {
            assert_eq!(code(input), Some(*want), "lookup({input:?})");
        }
    }
}

#[test]
fn tolerant_variants() {
    let cases = [
        ("  türkiye ", "TR"),
        ("TURKIYE", "TR"),
        ("TÜRKİYE", "TR"),
        ("Korea,North", "KP"),
        ("korea north", "KP"),
        ("KOREA (NORTH)", "KP"),
        ("Cote d’Ivoire", "CI"),
        ("Côte d’Ivoire", "CI"),
        ("COTE D IVOIRE", "CI"),
        ("cotedivoire", "CI"),
        ("The Gambia", "GM"),
        ("Gambia", "GM"),
        ("the bahamas", "BS"),
        ("Bahamas", "BS"),
        ("The Netherlands", "NL"),
        ("St Kitts & Nevis", "KN"),
        ("St. Lucia", "LC"),
        ("Bosnia & Herzegovina", "BA"),
        ("Åland Islands", "AX"),
        ("Curaçao", "CW"),
        ("Réunion", "RE"),
        ("Sao Tome and Principe", "ST"),
        ("São Tomé and Príncipe", "ST"),
        ("U.S.A.", "US"),
        ("u.k.", "GB"),
        ("Timor Leste", "TL"),
        ("Guinea Bissau", "GW"),
        ("\tmacau\n", "MO"),
        ("Ｊａｐａｎ", "JP"), // full-width letters
    ];
    for (input, want) in cases {
        assert_eq!(code(input), Some(want), "lookup({input:?})");
    }
}

#[test]
fn by_code_only_takes_codes() {
    assert_eq!(by_code("de").unwrap().name, "Germany");
    assert_eq!(by_code(" DEU ").unwrap().alpha2, "DE");
    assert_eq!(by_code("xks").unwrap().alpha2, "XK");
    assert!(by_code("UK").is_none(), "UK is not an ISO code");
    assert!(by_code("Germany").is_none());
    assert!(by_code("").is_none());
    assert!(by_code("ZZ").is_none());
}

#[test]
fn no_guessing() {
    for input in [
        "Germny",
        "Germani",
        "Congo",
        "congo",
        "Korea",
        "Virgin Islands",
        "Atlantis",
        "",
        "   ",
        "The",
        "-0-",
        "Guinea-Bisau",
        "N/A",
        "n.a.",
        "D.E.",
    ] {
        assert!(lookup(input).is_none(), "lookup({input:?}) should be None");
    }
    // Real but distinct names stay distinct.
    assert_eq!(code("Niger"), Some("NE"));
    assert_eq!(code("Nigeria"), Some("NG"));
    assert_eq!(code("Sudan"), Some("SD"));
    assert_eq!(code("South Sudan"), Some("SS"));
    assert_eq!(code("Dominica"), Some("DM"));
    assert_eq!(code("Dominican Republic"), Some("DO"));
    assert_eq!(code("Samoa"), Some("WS"));
    assert_eq!(code("American Samoa"), Some("AS"));
    assert_eq!(code("Guinea"), Some("GN"));
    // Codes only match inputs that look like codes.
    assert_eq!(code("na"), Some("NA"));
    assert_eq!(code(" deu "), Some("DE"));
}

#[test]
fn suggestions() {
    let s = suggest("Germny", 3);
    assert_eq!(s.first().map(|c| c.alpha2), Some("DE"));
    assert_eq!(
        format!("did you mean {}?", s[0]),
        "did you mean Germany (DE)?"
    );

    let congo: Vec<_> = suggest("Congo", 5).iter().map(|c| c.alpha2).collect();
    assert!(congo.contains(&"CD") && congo.contains(&"CG"), "{congo:?}");
    assert_eq!(
        &congo[..2].iter().collect::<BTreeSet<_>>(),
        &["CD", "CG"].iter().collect()
    );

    let korea: Vec<_> = suggest("Korea", 5).iter().map(|c| c.alpha2).collect();
    assert!(korea.contains(&"KP") && korea.contains(&"KR"), "{korea:?}");

    assert_eq!(suggest("Rusia", 3).first().map(|c| c.alpha2), Some("RU"));
    assert_eq!(
        suggest("Phillipines", 3).first().map(|c| c.alpha2),
        Some("PH")
    );
    assert_eq!(
        suggest("Kazakstan", 3).first().map(|c| c.alpha2),
        Some("KZ")
    );
    // A resolvable input is suggested first.
    assert_eq!(suggest("Niger", 3).first().map(|c| c.alpha2), Some("NE"));
    assert!(suggest("Niger", 1).len() == 1);
    assert!(suggest("Germny", 0).is_empty());
    assert!(suggest("", 5).is_empty());
    assert!(suggest("qqqqqqqqqq", 5).is_empty());
}

#[test]
fn normalize_rules() {
    assert_eq!(normalize("Korea, North"), "koreanorth");
    assert_eq!(normalize("Gambia, The"), "gambia");
    assert_eq!(normalize("The Gambia"), "gambia");
    assert_eq!(normalize("St. Lucia"), "saintlucia");
    assert_eq!(normalize("Trinidad & Tobago"), "trinidadandtobago");
    assert_eq!(normalize("Côte d’Ivoire"), "cotedivoire");
    assert_eq!(normalize("the"), "the");
    assert_eq!(normalize(""), "");
}

// ---- coverage of the country values used by the real lists -------------

/// Values in the lists that do not denote one current country, skipped on
/// purpose.
const NON_COUNTRY: &[&str] = &[
    "-0-",          // OFAC "no value"
    "undetermined", // OFAC
    "na",           // UN "not available"
    "former Soviet Union",
    "Netherlands Antilles", // dissolved 2010 (ISO 3166-3 AN): now CW, SX, BQ
    // Bare "Congo" is the UN M49 name of CG, but is deliberately ambiguous here.
    "Congo",
    // OFAC sanctioned regions: screening treats them separately from countries.
    "Region: Crimea",
    "Region: Gaza",
    "Region: Kafia Kingi",
    "Region: Northern Mali",
];

fn lists_dir() -> Option<PathBuf> {
    let rel = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/lists");
    [rel, PathBuf::from("/work/shared/data/lists")]
        .into_iter()
        .find(|p| p.is_dir())
}

/// Splits one CSV record (OFAC legacy format: comma-separated, `"`-quoted).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Column 5 (country) of an OFAC legacy `add.csv`.
fn ofac_countries(path: &std::path::Path) -> BTreeSet<String> {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    text.lines()
        .map(csv_fields)
        .filter_map(|f| f.get(4).map(|s| s.trim().to_string()))
        .filter(|s| !s.is_empty())
        .collect()
}

fn xml_unescape(s: &str) -> String {
    s.replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The `<VALUE>`s inside each `<NATIONALITY>` of the UN consolidated list.
fn un_nationalities(path: &std::path::Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = BTreeSet::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("<NATIONALITY>") {
        rest = &rest[start + "<NATIONALITY>".len()..];
        let end = rest.find("</NATIONALITY>").unwrap_or(rest.len());
        let mut block = &rest[..end];
        while let Some(v) = block.find("<VALUE>") {
            block = &block[v + "<VALUE>".len()..];
            let e = block.find("</VALUE>").unwrap_or(block.len());
            let value = xml_unescape(block[..e].trim());
            if !value.is_empty() {
                out.insert(value);
            }
            block = &block[e..];
        }
        rest = &rest[end..];
    }
    out
}

#[test]
fn list_country_values_resolve() {
    let Some(dir) = lists_dir() else {
        println!("NOTE: shared/data/lists not found; skipping list coverage test");
        return;
    };
    let mut sources: Vec<(String, BTreeSet<String>)> = Vec::new();
    for rel in ["ofac_sdn/add.csv", "ofac_cons/cons_add.csv"] {
        let p = dir.join(rel);
        if p.is_file() {
            sources.push((rel.to_string(), ofac_countries(&p)));
        } else {
            println!("NOTE: {} absent; skipped", p.display());
        }
    }
    let un = dir.join("un/UN_consolidated.xml");
    if un.is_file() {
        sources.push(("un/UN_consolidated.xml".to_string(), un_nationalities(&un)));
    } else {
        println!("NOTE: {} absent; skipped", un.display());
    }

    let mut unresolved = Vec::new();
    let mut checked = 0;
    for (src, values) in &sources {
        assert!(!values.is_empty(), "{src}: no country values read");
        for v in values {
            if NON_COUNTRY.contains(&v.as_str()) {
                // "na" is Namibia's code, so only check the longer values.
                if v.len() > 3 {
                    assert!(lookup(v).is_none(), "{v:?} is listed as a non-country");
                }
                continue;
            }
            checked += 1;
            if lookup(v).is_none() {
                unresolved.push(format!("{src}: {v:?}"));
            }
        }
    }
    assert!(
        unresolved.is_empty(),
        "unresolved list country values:\n  {}",
        unresolved.join("\n  ")
    );
    println!("list coverage: {checked} distinct values resolved");
}

#[test]
fn spot_check_list_spellings() {
    // A few values as they appear in the lists, checked even without the files.
    let cases = [
        ("Cote d Ivoire", "CI"),
        ("Virgin Islands, British", "VG"),
        ("Palestinian", "PS"),
        ("The Gambia", "GM"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB"),
        ("Iran (Islamic Republic of)", "IR"),
        ("Russian Federation", "RU"),
        ("State of Palestine", "PS"),
        ("Guinea-Bissau", "GW"),
        ("MAN, ISLE OF", "IM"),
        ("PRC", "CN"),
    ];
    for (input, want) in cases {
        assert_eq!(code(input), Some(want), "lookup({input:?})");
    }
}
