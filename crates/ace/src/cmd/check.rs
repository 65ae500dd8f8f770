//! `ace check`: one transaction in, one cited determination out.

use super::{bad, read_input, today};
use crate::cli::*;
use crate::context::Context;
use crate::render;
use anyhow::Result;
use decide::screening::{screen_parties, ScreeningReport};
use decide::transaction::*;
use decide::{parse_input, Determination};

pub fn run(cx: &Context, args: CheckArgs) -> Result<u8> {
    let law = cx.law()?;
    let mut input = match &args.input {
        Some(path) => parse_input(&read_input(path)?).map_err(|e| bad(e.to_string()))?,
        None => from_flags(&args)?,
    };
    input.check_names().map_err(|e| bad(e.to_string()))?;
    if let Some(date) = input.date.as_deref().and_then(ear::parse_date) {
        let field = if args.input.is_some() {
            "date"
        } else {
            "--as-of"
        };
        super::not_future(field, date, args.allow_future)?;
    }
    let mut age = None;
    let screening = if args.no_screen || !has_named_party(&input) {
        None
    } else {
        let (meta, screener) = cx.screening_as_of(input.date.as_deref())?;
        let max_age = lists::snapshot::max_age_days_from_env().map_err(bad)?;
        age = Some(SnapshotAge {
            days: meta.age_days(today()),
            warning: lists::snapshot::staleness_warning(&meta, today(), max_age),
        });
        input.screened_against = Some(ScreenedSnapshot {
            hash: meta.hash.clone(),
            published: meta.published_on(),
        });
        match local_record_store(cx, &args) {
            // Review decisions recorded next to this data directory (by `ace serve`'s
            // reviewers) apply here as they do on the server.
            Some(store) => {
                let state = server::AppState::new(law.clone(), screener, meta, store);
                Some(
                    server::service::screen_with_reviews(&state, &mut input, today())
                        .map_err(|e| bad(e.to_string()))?,
                )
            }
            None => Some(screen_parties(
                &mut input,
                &screener,
                &meta.hash,
                screen::DEFAULT_THRESHOLD,
                screen::DEFAULT_REVIEW_THRESHOLD,
            )),
        }
    };
    let (tx, determination) =
        decide::determine(&input, &law, today()).map_err(|e| bad(e.to_string()))?;
    print(&args, &tx, &determination, screening.as_ref(), age.as_ref())?;
    Ok(determination.outcome.exit_code() as u8)
}

/// The record store whose review decisions screening applies: `--database` (or
/// ACE_DATABASE), else the data directory's records file when it exists; none when there
/// is no store (nothing is created) or `--no-reviews` is given.
fn local_record_store(
    cx: &Context,
    args: &CheckArgs,
) -> Option<std::sync::Arc<dyn records::RecordStore>> {
    if args.no_reviews {
        return None;
    }
    let (store, _) = super::records::open_existing_store(cx, &args.db).ok()?;
    Some(std::sync::Arc::from(store))
}

/// How old the list snapshot screened against is: every answer that screened says so.
struct SnapshotAge {
    days: Option<i64>,
    warning: Option<String>,
}

fn print(
    args: &CheckArgs,
    tx: &Transaction,
    d: &Determination,
    screening: Option<&ScreeningReport>,
    age: Option<&SnapshotAge>,
) -> Result<()> {
    if args.json {
        let mut value = serde_json::to_value(d)?;
        if let (Some(obj), Some(s)) = (value.as_object_mut(), screening) {
            obj.insert(
                "list_snapshot".into(),
                serde_json::Value::String(s.snapshot.clone()),
            );
            if let Some(age) = age {
                obj.insert("list_snapshot_age_days".into(), serde_json::json!(age.days));
                if let Some(w) = &age.warning {
                    obj.insert("warnings".into(), serde_json::json!([w]));
                }
            }
            obj.insert("screening".into(), serde_json::to_value(s)?);
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print!("{}", render::determination(tx, d, screening));
        if let Some(age) = age {
            match (&age.warning, age.days) {
                (Some(w), _) => println!("! {w}"),
                (None, Some(days)) => println!("List snapshot data {days} day(s) old."),
                (None, None) => {}
            }
        }
    }
    Ok(())
}

fn has_named_party(input: &TransactionInput) -> bool {
    let named = |p: &Option<PartyInput>| p.as_ref().is_some_and(|p| p.name.is_some());
    named(&input.end_user)
        || named(&input.consignee)
        || named(&input.purchaser)
        || input
            .intermediate_consignees
            .iter()
            .any(|p| p.name.is_some())
}

/// Builds the JSON contract from the flags, so both paths share one validation.
fn from_flags(a: &CheckArgs) -> Result<TransactionInput> {
    let item = match &a.classification {
        Some(path) => item_from_classification(&read_input(path)?, path)?,
        None => ItemInput {
            eccn: a.eccn.clone(),
            published: a.published,
            ..ItemInput::default()
        },
    };
    let item = ItemInput {
        digital_artifacts: a.digital_artifacts,
        incident_owner: a.incident_owner.map(|o| match o {
            IncidentOwnerArg::FavorableTreatment => IncidentOwner::FavorableTreatment,
            IncidentOwnerArg::Government => IncidentOwner::Government,
            IncidentOwnerArg::Other => IncidentOwner::Other,
        }),
        ..item
    };
    let end_user = PartyInput {
        name: a.end_user_name.clone(),
        kind: a.end_user.map(|k| match k {
            EndUserKindArg::Government => EndUserKind::Government,
            EndUserKindArg::NonGovernment => EndUserKind::NonGovernment,
        }),
        government_role: a.government_role.map(government_role),
        country: a.end_user_country.clone(),
        favorable_treatment: a.favorable_treatment.map(|f| match f {
            FavorableArg::UsSubsidiary => FavorableTreatment::UsSubsidiary,
            FavorableArg::BankingFinancial => FavorableTreatment::BankingFinancial,
            FavorableArg::Insurance => FavorableTreatment::Insurance,
            FavorableArg::CivilHealthMedical => FavorableTreatment::CivilHealthMedical,
        }),
        ..PartyInput::default()
    };
    let party = |name: &Option<String>, country: &Option<String>| {
        (name.is_some() || country.is_some()).then(|| PartyInput {
            name: name.clone(),
            country: country.clone(),
            ..PartyInput::default()
        })
    };
    let intermediate_consignees = a
        .intermediates
        .iter()
        .enumerate()
        .map(|(i, spec)| intermediate(i, spec))
        .collect::<Result<Vec<_>>>()?;
    Ok(TransactionInput {
        date: a.as_of.clone(),
        item: Some(item),
        destination: a.to.clone(),
        end_user: Some(end_user),
        consignee: party(&a.consignee, &a.consignee_country),
        purchaser: party(&a.purchaser, &a.purchaser_country),
        intermediate_consignees,
        exporter: a.exporter_country.as_ref().map(|c| PartyInput {
            country: Some(c.clone()),
            ..PartyInput::default()
        }),
        red_flags: a.red_flags.clone(),
        resolved_red_flags: a.resolved_red_flags.clone(),
        confirmed_red_flags: a.confirmed_red_flags.clone(),
        purpose: a.purpose.map(|p| match p {
            PurposeArg::VulnerabilityDisclosure => Purpose::VulnerabilityDisclosure,
            PurposeArg::CyberIncidentResponse => Purpose::CyberIncidentResponse,
            PurposeArg::CriminalOrCivilInvestigation => Purpose::CriminalOrCivilInvestigation,
        }),
        deemed_export: a.deemed_export,
        knowledge_unauthorized_use: a.knowledge_unauthorized_use,
        military_intelligence_end_use: a.military_intelligence,
        ..TransactionInput::default()
    })
}

/// `--intermediate NAME,COUNTRY[,ROLE[,KIND]]`.
pub(crate) fn intermediate(i: usize, spec: &str) -> Result<PartyInput> {
    let flag = format!("--intermediate (#{})", i + 1);
    let parts: Vec<&str> = spec.split(',').map(str::trim).collect();
    let (name, country) = match parts.as_slice() {
        [name, country, ..] if !name.is_empty() && !country.is_empty() => (name, country),
        _ => {
            return Err(bad(format!(
                "{flag}: '{spec}' — give NAME,COUNTRY[,forwarder|distributor[,government|non_government]], e.g. \"Example Logistics,TR,forwarder\""
            )))
        }
    };
    let role = match parts.get(2).copied() {
        None | Some("") => None,
        Some("forwarder") => Some(IntermediateRole::Forwarder),
        Some("distributor") => Some(IntermediateRole::Distributor),
        Some(other) => {
            return Err(bad(format!(
                "{flag}: role '{other}' — accepted: forwarder (only moves the goods) or distributor (takes title)"
            )))
        }
    };
    let kind = match parts.get(3).copied() {
        None | Some("") => None,
        Some("government") => Some(EndUserKind::Government),
        Some("non_government") => Some(EndUserKind::NonGovernment),
        Some(other) => {
            return Err(bad(format!(
                "{flag}: kind '{other}' — accepted: government or non_government"
            )))
        }
    };
    Ok(PartyInput {
        name: Some(name.to_string()),
        country: Some(country.to_string()),
        role,
        kind,
        ..PartyInput::default()
    })
}

fn government_role(r: GovernmentRoleArg) -> GovernmentRole {
    match r {
        GovernmentRoleArg::PoliceOrJudicial => GovernmentRole::PoliceOrJudicial,
        GovernmentRoleArg::NationalCsirt => GovernmentRole::NationalCsirt,
        GovernmentRoleArg::Military => GovernmentRole::Military,
        GovernmentRoleArg::Intelligence => GovernmentRole::Intelligence,
        GovernmentRoleArg::ResearchInstitution => GovernmentRole::ResearchInstitution,
        GovernmentRoleArg::InternationalOrganization => GovernmentRole::InternationalOrganization,
        GovernmentRoleArg::Other => GovernmentRole::Other,
    }
}

/// `ace check --classification RESULT.json`: the ECCN of an `ace classify --json` result.
fn item_from_classification(text: &str, path: &std::path::Path) -> Result<ItemInput> {
    let c: classify::Classification = serde_json::from_str(text).map_err(|e| {
        bad(format!(
            "--classification {}: not an `ace classify --json` result: {e}",
            path.display()
        ))
    })?;
    match c.result {
        classify::ClassResult::Eccn { eccn, .. } => Ok(ItemInput { eccn: Some(eccn), ..ItemInput::default() }),
        classify::ClassResult::NotSubjectToEar { .. } => Ok(ItemInput { published: true, ..ItemInput::default() }),
        classify::ClassResult::NotCybersecurityItem { likely, reason } => Err(bad(format!(
            "--classification: the item is not a cybersecurity item ({reason}); likely {likely}: outside what ace decides"
        ))),
        classify::ClassResult::EvaluateUnderEnc { eccn, reason } => Err(bad(format!(
            "--classification: {eccn} — {reason}: evaluate under License Exception ENC (15 CFR 740.17); outside what ace decides"
        ))),
    }
}
