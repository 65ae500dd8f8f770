//! What the CSL CSV and CSL JSON parsers share: list names, one row's fields, and
//! how rows become entries.

use super::text::{country_alpha2, is_alpha2, push_unique, short_hash, weak_akas};
use crate::model::{Alias, AliasKind, Entry, ListId, PartyKind};

/// Maps a CSL `source` value (`Entity List (EL) - Bureau of Industry and Security`),
/// or a bare short code (`EL`), to its list.
pub(crate) fn list_from_source(source: &str) -> Option<ListId> {
    let source = source.trim();
    list_from_code(source).or_else(|| parenthesised_codes(source).find_map(list_from_code))
}

/// The text inside each `( )` pair, e.g. `NS-MBS List` in
/// `Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department`.
fn parenthesised_codes(source: &str) -> impl Iterator<Item = &str> {
    source
        .split('(')
        .skip(1)
        .filter_map(|part| part.split(')').next())
}

fn list_from_code(code: &str) -> Option<ListId> {
    let list = match code.trim().to_ascii_uppercase().as_str() {
        "EL" => ListId::EntityList,
        "DPL" => ListId::DeniedPersons,
        "UVL" => ListId::Unverified,
        "MEU" => ListId::MilitaryEndUser,
        "SDN" => ListId::Sdn,
        "SSI" => ListId::Ssi,
        "FSE" => ListId::Fse,
        "PLC" => ListId::Plc,
        "MBS" | "NS-MBS" | "NS-MBS LIST" => ListId::MenuBased,
        "CMIC" => ListId::Cmic,
        "CAP" | "CAPTA" => ListId::Capta,
        "ISN" => ListId::Isn,
        "DTC" => ListId::Debarred,
        "UN" => ListId::UnConsolidated,
        _ => return None,
    };
    Some(list)
}

/// Maps the CSL `type` column to a party kind.
pub(crate) fn kind_from_type(kind: &str) -> PartyKind {
    match kind.trim().to_ascii_lowercase().as_str() {
        "individual" => PartyKind::Individual,
        "entity" => PartyKind::Entity,
        "vessel" => PartyKind::Vessel,
        "aircraft" => PartyKind::Aircraft,
        _ => PartyKind::Unknown,
    }
}

/// One CSL row, format-independent, already split into values.
#[derive(Debug, Default)]
pub(crate) struct CslRow {
    pub id: String,
    pub entity_number: String,
    pub kind: String,
    pub programs: Vec<String>,
    pub name: String,
    /// Addresses as display strings, with the country each ends in (if any).
    pub addresses: Vec<(String, Option<String>)>,
    pub federal_register_notice: String,
    pub start_date: String,
    pub end_date: String,
    pub license_requirement: String,
    pub license_policy: String,
    pub remarks: String,
    pub alt_names: Vec<String>,
    /// Citizenship and nationality values (codes or names).
    pub citizenships: Vec<String>,
}

/// The country code a CSV address ends with: `Komitas 26/114, Yerevan, Armenia, AM`
/// gives `AM`; an address that is only a code (`AF`) gives that code.
pub(crate) fn trailing_country(address: &str) -> Option<String> {
    let last = address.rsplit(',').next().unwrap_or_default().trim();
    is_alpha2(last).then(|| last.to_owned())
}

/// Removes the stray `and ` the Entity List puts before its last alias
/// (`Samar Gul Khalil; ...; and Haji Khalil`). Applied to every alias of the row,
/// because the partial 2023 CSL also has it mid-list (after a `;` inside a name).
pub(crate) fn strip_stray_and(aliases: &mut [String]) {
    for alias in aliases {
        if let Some(rest) = alias.strip_prefix("and ") {
            *alias = rest.trim_start().to_owned();
        }
    }
}

fn some_text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Turns a row into an entry. `list` must already be known.
pub(crate) fn row_to_entry(mut row: CslRow, list: ListId) -> Entry {
    if list == ListId::EntityList {
        strip_stray_and(&mut row.alt_names);
    }
    let mut aliases: Vec<Alias> = Vec::new();
    for name in row.alt_names {
        add_alias(&mut aliases, &row.name, name, AliasKind::Aka);
    }
    for name in weak_akas(&row.remarks) {
        add_alias(&mut aliases, &row.name, name, AliasKind::Weak);
    }
    let mut countries = Vec::new();
    let mut addresses = Vec::new();
    for (address, country) in row.addresses {
        if let Some(code) = country {
            push_unique(&mut countries, code);
        }
        if !address.is_empty() {
            push_unique(&mut addresses, address);
        }
    }
    for value in &row.citizenships {
        if let Some(code) = country_alpha2(value) {
            push_unique(&mut countries, code);
        }
    }
    let id = stable_id(&row.id, &row.entity_number, list, &row.name);
    Entry {
        list,
        id,
        name: row.name.trim().to_owned(),
        aliases,
        kind: kind_from_type(&row.kind),
        countries,
        addresses,
        programs: row.programs,
        license_requirement: some_text(&row.license_requirement),
        license_policy: some_text(&row.license_policy),
        federal_register: some_text(&row.federal_register_notice),
        start_date: some_text(&row.start_date),
        end_date: some_text(&row.end_date),
        remarks: some_text(&row.remarks),
    }
}

/// The CSL id, else the OFAC entity number, else a hash of list and name.
fn stable_id(id: &str, entity_number: &str, list: ListId, name: &str) -> String {
    [id, entity_number]
        .iter()
        .map(|s| s.trim())
        .find(|s| !s.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| short_hash(&[&format!("{list:?}"), name.trim()]))
}

fn add_alias(aliases: &mut Vec<Alias>, primary: &str, name: String, kind: AliasKind) {
    let name = name.trim().to_owned();
    let duplicate = name.is_empty()
        || name == primary.trim()
        || aliases.iter().any(|a| a.name == name && a.kind == kind);
    if !duplicate {
        aliases.push(Alias { name, kind });
    }
}

/// Merges rows that share list, id and name — the CSL publishes a party with several
/// addresses (or FR citations) as several rows with the same id — into the first of
/// them. Rows that share an id but not a name are left apart (the snapshot
/// validation rejects them as duplicate ids). Returns how many rows were merged away.
pub(crate) fn merge_same_party(entries: &mut Vec<Entry>, lines: &mut Vec<usize>) -> usize {
    let mut first_index: std::collections::HashMap<(ListId, String, String), usize> =
        std::collections::HashMap::new();
    let mut keep = vec![true; entries.len()];
    for i in 0..entries.len() {
        let key = (
            entries[i].list,
            entries[i].id.clone(),
            entries[i].name.clone(),
        );
        match first_index.get(&key) {
            Some(&first) => {
                let extra = entries[i].clone();
                merge_into(&mut entries[first], extra);
                keep[i] = false;
            }
            None => {
                first_index.insert(key, i);
            }
        }
    }
    let merged = keep.iter().filter(|k| !**k).count();
    let mut flags = keep.iter();
    entries.retain(|_| flags.next().copied().unwrap_or(true));
    let mut flags = keep.iter();
    lines.retain(|_| flags.next().copied().unwrap_or(true));
    merged
}

fn merge_into(target: &mut Entry, extra: Entry) {
    for alias in extra.aliases {
        if !target.aliases.contains(&alias) {
            target.aliases.push(alias);
        }
    }
    for value in extra.countries {
        push_unique(&mut target.countries, value);
    }
    for value in extra.addresses {
        push_unique(&mut target.addresses, value);
    }
    for value in extra.programs {
        push_unique(&mut target.programs, value);
    }
    join_distinct(&mut target.federal_register, extra.federal_register);
    join_distinct(&mut target.remarks, extra.remarks);
    fill(&mut target.license_requirement, extra.license_requirement);
    fill(&mut target.license_policy, extra.license_policy);
    fill(&mut target.start_date, extra.start_date);
    fill(&mut target.end_date, extra.end_date);
}

fn fill(target: &mut Option<String>, extra: Option<String>) {
    if target.is_none() {
        *target = extra;
    }
}

fn join_distinct(target: &mut Option<String>, extra: Option<String>) {
    match (target.as_mut(), extra) {
        (Some(have), Some(more)) if !have.split(" | ").any(|p| p == more) => {
            have.push_str(" | ");
            have.push_str(&more);
        }
        (None, more) => *target = more,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_map_to_lists() {
        let cases = [
            (
                "Entity List (EL) - Bureau of Industry and Security",
                ListId::EntityList,
            ),
            (
                "Military End User (MEU) List - Bureau of Industry and Security",
                ListId::MilitaryEndUser,
            ),
            (
                "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department",
                ListId::MenuBased,
            ),
            ("Capta List (CAP) - Treasury Department", ListId::Capta),
            ("ITAR Debarred (DTC) - State Department", ListId::Debarred),
            ("SDN", ListId::Sdn),
        ];
        for (source, list) in cases {
            assert_eq!(list_from_source(source), Some(list), "{source}");
        }
        assert_eq!(list_from_source("Something Else (XYZ)"), None);
    }

    #[test]
    fn trailing_and_and_country() {
        let mut aliases = vec!["A".to_owned(), "and Haji Khalil".to_owned()];
        strip_stray_and(&mut aliases);
        assert_eq!(aliases, ["A", "Haji Khalil"]);
        assert_eq!(
            trailing_country("Komitas 26/114, Yerevan, Armenia, AM").as_deref(),
            Some("AM")
        );
        assert_eq!(trailing_country("AF").as_deref(), Some("AF"));
        assert_eq!(trailing_country("Tehran, Iran"), None);
    }
}
