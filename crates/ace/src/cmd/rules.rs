//! `ace rules show`: any regulatory value with its dates and source; `ace rules calendar`:
//! every dated change in the rules data, past and announced.

use super::bad;
use crate::cli::RulesCommand;
use crate::context::Context;
use crate::exit;
use anyhow::Result;
use ear::{Date, Law};

pub fn run(cx: &Context, command: RulesCommand) -> Result<u8> {
    let (topic, name, as_of, allow_future) = match command {
        RulesCommand::Show {
            topic,
            name,
            as_of,
            allow_future,
        } => (topic, name, as_of, allow_future),
        RulesCommand::Calendar {
            country,
            from,
            json,
        } => return calendar(cx, country.as_deref(), from.as_deref(), json),
    };
    let law = cx.law()?;
    let date = match &as_of {
        None => None,
        Some(_) => Some(super::as_of(&as_of, allow_future)?),
    };
    let name = name.as_deref();
    match topic.as_str() {
        "group" => group(&law, need(name, "group", "a Country Group id, e.g. D:5")?, date)?,
        "groups" => law.groups().for_each(|g| println!("{:<5} {} ({} members) — {}", g.id, g.description, g.members.len(), g.provenance)),
        "country" => country(&law, need(name, "country", "an ISO code or country name")?, date)?,
        "eccn" => eccn(&law, need(name, "eccn", "an ECCN, e.g. 4D004")?)?,
        "column" => column(&law, need(name, "column", "NS1, NS2 or AT1")?, date)?,
        "embargo" | "embargoes" => embargoes(&law, name),
        "periods" => periods(&law),
        "items" => {
            println!("Cybersecurity items — {}", law.cybersecurity_items_provenance());
            law.cybersecurity_items().iter().for_each(|e| println!("  {e}"));
        }
        "hash" => println!("{}", law.hash()),
        other => return Err(bad(format!("rules show: unknown topic '{other}'; accepted: group, groups, country, eccn, column, embargoes, periods, items, hash"))),
    }
    if !law.overridden_files().is_empty() {
        println!(
            "\n(rules files overridden: {})",
            law.overridden_files().join(", ")
        );
    }
    Ok(exit::OK)
}

fn need<'a>(name: Option<&'a str>, topic: &str, what: &str) -> Result<&'a str> {
    name.ok_or_else(|| bad(format!("rules show {topic}: give {what}")))
}

fn group(law: &Law, id: &str, date: Option<Date>) -> Result<()> {
    let id = id.to_ascii_uppercase();
    let g = law.group(&id).ok_or_else(|| {
        bad(format!(
            "rules show group: unknown Country Group '{id}'; accepted: {}",
            law.groups()
                .map(|g| g.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    println!("Country Group {} — {}", g.id, g.description);
    println!("source: {}", g.provenance);
    if let Some(n) = &g.note {
        println!("note: {n}");
    }
    match date {
        Some(d) => println!("members on {d}:"),
        None => println!("members (every dated membership):"),
    }
    for m in g
        .members
        .iter()
        .filter(|m| date.is_none_or(|d| m.holds_on(d)))
    {
        let name = countries::by_code(&m.country)
            .map(|c| c.name)
            .unwrap_or(&m.country);
        println!(
            "  {:<3} {:<36} {} — {}",
            m.country,
            name,
            m.dates(),
            m.provenance
        );
    }
    Ok(())
}

fn country(law: &Law, input: &str, date: Option<Date>) -> Result<()> {
    let on = date.unwrap_or_else(super::today);
    let dest = law
        .resolve_destination(input, on)
        .map_err(|e| bad(format!("rules show country: {e}")))?;
    println!("{} as of {on}", dest.label());
    if let Some(p) = &dest.treated_as {
        println!("  treated as {} — {}", dest.code, p);
    }
    for (g, m) in law.groups_of(&dest.code, on) {
        println!("  Country Group {g:<5} {} — {}", m.dates(), m.provenance);
    }
    for col in law.columns() {
        if let Some(cell) = law.chart_cell(&col.id, &dest.code, on) {
            println!(
                "  Country Chart {:<4} {} — {}",
                col.id,
                if cell.x { "X" } else { "no X" },
                cell.provenance
            );
        }
    }
    if let Some(e) = law.embargo(dest.embargo_key(), on) {
        println!("  Embargo {} — {} — {}", e.section, e.scope, e.provenance);
    }
    if let Some(p) = law.military_intelligence(&dest.code, on) {
        println!("  744.22 military-intelligence destination — {p}");
    }
    Ok(())
}

fn eccn(law: &Law, input: &str) -> Result<()> {
    let e: ear::Eccn = input
        .parse()
        .map_err(|e: ear::eccn::EccnParseError| bad(format!("rules show eccn: {e}")))?;
    let key = e.entry_key();
    let entry = law.entry_any_date(&key).ok_or_else(|| {
        bad(format!(
            "rules show eccn: ace has no entry {key}; known: {}",
            law.entries()
                .iter()
                .map(|e| e.eccn.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    println!("{} — {}", entry.eccn, entry.heading);
    println!("  reasons for control: {}", entry.reasons.join(", "));
    println!("  {}", entry.ace_line);
    println!(
        "  in force: {}{}",
        entry
            .from
            .map(|d| format!("from {d}"))
            .unwrap_or_else(|| "throughout".into()),
        entry
            .until
            .map(|d| format!(" until {d}"))
            .unwrap_or_default()
    );
    for n in &entry.notes {
        println!("  note: {n}");
    }
    println!("  source: {}", entry.provenance);
    println!(
        "  {e} is {}a cybersecurity item (15 CFR 740.22(b)(1))",
        if law.is_cybersecurity_item(&e) {
            ""
        } else {
            "not "
        }
    );
    Ok(())
}

fn column(law: &Law, id: &str, date: Option<Date>) -> Result<()> {
    let id = id.to_ascii_uppercase();
    let col = law.column(&id).ok_or_else(|| {
        bad(format!(
            "rules show column: unknown column '{id}'; accepted: NS1, NS2, AT1"
        ))
    })?;
    println!("{} — {}", col.id, col.description);
    println!("source: {}", col.provenance);
    println!("rule: {:?}", col.rule);
    if let Some(d) = date {
        let no_x: Vec<&str> = countries::all()
            .iter()
            .filter(|c| law.chart_cell(&id, c.alpha2, d).is_some_and(|cell| !cell.x))
            .map(|c| c.alpha2)
            .collect();
        println!("no X on {d} ({}): {}", no_x.len(), no_x.join(" "));
    }
    Ok(())
}

fn embargoes(law: &Law, id: Option<&str>) {
    for e in law
        .embargoes()
        .iter()
        .filter(|e| id.is_none_or(|i| e.id.eq_ignore_ascii_case(i)))
    {
        println!(
            "{} {} — destinations {} — {}",
            e.section,
            e.id,
            e.destinations.join(", "),
            e.scope
        );
        println!(
            "  in force: {}{} — {}",
            e.from
                .map(|d| format!("from {d}"))
                .unwrap_or_else(|| "throughout".into()),
            e.until.map(|d| format!(" until {d}")).unwrap_or_default(),
            e.provenance
        );
    }
}

fn periods(law: &Law) {
    let (from, p) = law.controls_from();
    println!("cybersecurity controls from {from} — {p}");
    for v in law.ace_versions() {
        println!(
            "  740.22 {} text: from {}{} — {}",
            v.name,
            v.from,
            v.until.map(|u| format!(" until {u}")).unwrap_or_default(),
            v.provenance
        );
    }
}

/// `ace rules calendar`: every dated change, oldest first; `--country` keeps the changes
/// that concern that country (and those that concern every transaction), `--from` the
/// ones on or after a date. Changes after today are marked "announced".
fn calendar(cx: &Context, country: Option<&str>, from: Option<&str>, json: bool) -> Result<u8> {
    let law = cx.law()?;
    let country = match country {
        Some(c) => Some(
            law.resolve_destination(c, super::today())
                .map_err(|e| bad(format!("--country: {e}")))?
                .code,
        ),
        None => None,
    };
    let from = match from {
        Some(text) => Some(ear::parse_date(text).ok_or_else(|| {
            bad(format!(
                "--from: '{text}' is not a date; give YYYY-MM-DD, e.g. 2024-01-01"
            ))
        })?),
        None => None,
    };
    let today = chrono::Utc::now().date_naive();
    let changes: Vec<&std::sync::Arc<ear::calendar::KnownChange>> = law
        .calendar()
        .iter()
        .filter(|c| from.is_none_or(|f| c.date >= f))
        .filter(|c| country.as_deref().is_none_or(|code| c.concerns(&[code])))
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&changes)?);
        return Ok(exit::OK);
    }
    for c in &changes {
        let when = if c.date > today { " (announced)" } else { "" };
        println!(
            "{}{when}  {} — {} [{}]",
            c.date, c.what, c.source, c.confidence
        );
    }
    println!(
        "{} dated change(s); a determination within {} days of one that concerns it says so",
        changes.len(),
        ear::calendar::NEAR_DAYS
    );
    Ok(exit::OK)
}
