//! Properties that must hold for every transaction, whatever its details.

use decide::transaction::{
    EndUserKind, FavorableTreatment, GovernmentRole, ItemInput, PartyInput, Purpose,
};
use decide::{decide, Outcome, TransactionInput};
use ear::{parse_date, Law};
use proptest::prelude::*;
use std::sync::OnceLock;

fn law() -> &'static Law {
    static LAW: OnceLock<Law> = OnceLock::new();
    LAW.get_or_init(|| Law::bundled().expect("rules"))
}

const ECCNS: [&str; 10] = [
    "4A005",
    "4D004",
    "4D001.a (for 4D004)",
    "4E001.a (for 4A005)",
    "4E001.c",
    "5A001.j",
    "5B001.a (for 5A001.j)",
    "5D001.c (for 5A001.j)",
    "5E001.a (for 5A001.j)",
    "5D001.e",
];
const DESTS: [&str; 24] = [
    "CN", "IL", "DE", "CA", "AU", "GB", "RU", "IR", "CU", "KP", "SY", "TW", "CY", "KH", "NI", "SA",
    "AE", "VN", "MO", "HK", "BR", "IN", "UA-43", "BY",
];
const DATES: [&str; 8] = [
    "2022-03-07",
    "2022-05-25",
    "2022-05-26",
    "2023-06-01",
    "2024-03-15",
    "2024-04-19",
    "2024-05-30",
    "2026-02-03",
];

fn end_user() -> impl Strategy<Value = PartyInput> {
    (
        prop::option::of(prop::sample::select(vec![
            EndUserKind::Government,
            EndUserKind::NonGovernment,
        ])),
        prop::option::of(prop::sample::select(vec![
            GovernmentRole::PoliceOrJudicial,
            GovernmentRole::NationalCsirt,
            GovernmentRole::Military,
            GovernmentRole::Other,
        ])),
        prop::option::of(prop::sample::select(vec![
            FavorableTreatment::UsSubsidiary,
            FavorableTreatment::BankingFinancial,
            FavorableTreatment::Insurance,
            FavorableTreatment::CivilHealthMedical,
        ])),
        any::<bool>(),
    )
        .prop_map(|(kind, role, ft, on_behalf)| PartyInput {
            kind: Some(kind.unwrap_or(EndUserKind::NonGovernment)),
            government_role: if kind == Some(EndUserKind::Government) {
                role
            } else {
                None
            },
            favorable_treatment: ft,
            acting_on_behalf_of_government: on_behalf,
            ..PartyInput::default()
        })
}

fn transaction() -> impl Strategy<Value = TransactionInput> {
    (
        prop::sample::select(ECCNS.to_vec()),
        prop::sample::select(DESTS.to_vec()),
        prop::sample::select(DATES.to_vec()),
        end_user(),
        prop::option::of(prop::sample::select(vec![
            Purpose::VulnerabilityDisclosure,
            Purpose::CyberIncidentResponse,
            Purpose::CriminalOrCivilInvestigation,
        ])),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(eccn, dest, date, end_user, purpose, deemed, artifacts, knowledge)| {
                TransactionInput {
                    date: Some(date.into()),
                    item: Some(ItemInput {
                        eccn: Some(eccn.into()),
                        digital_artifacts: artifacts,
                        ..ItemInput::default()
                    }),
                    destination: Some(dest.into()),
                    end_user: Some(end_user),
                    purpose,
                    deemed_export: deemed,
                    knowledge_unauthorized_use: knowledge,
                    ..TransactionInput::default()
                }
            },
        )
}

/// The outcome, or None where the input is (correctly) rejected.
fn outcome(input: &TransactionInput) -> Option<(Outcome, decide::Determination)> {
    let today = parse_date("2026-11-22")?;
    let tx = input.validate(law(), today).ok()?;
    let d = decide(&tx, law()).ok()?;
    Some((d.outcome, d))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn no_e1_or_e2_destination_ever_yields_ace(input in transaction()) {
        if let Some((o, d)) = outcome(&input) {
            let date = parse_date(input.date.as_deref().unwrap_or_default()).unwrap_or_default();
            let dest = &d.destination;
            let in_e = ["E:1", "E:2"].iter().any(|g| law().in_group(g, dest, date));
            prop_assert!(!(in_e && o == Outcome::Ace), "ACE to {dest}");
        }
    }

    #[test]
    fn knowledge_of_unauthorized_use_never_creates_ace(input in transaction()) {
        let mut with = input.clone();
        with.knowledge_unauthorized_use = true;
        let mut without = input;
        without.knowledge_unauthorized_use = false;
        if let (Some((o_without, _)), Some((o_with, _))) = (outcome(&without), outcome(&with)) {
            prop_assert!(!(o_without != Outcome::Ace && o_with == Outcome::Ace));
            prop_assert!(o_with != Outcome::Ace, "ACE despite knowledge of unauthorized use");
        }
    }

    #[test]
    fn an_nlr_outcome_never_depends_on_the_end_user(input in transaction(), other in end_user()) {
        if let Some((Outcome::NoLicenseRequired, _)) = outcome(&input) {
            let mut changed = input.clone();
            changed.end_user = Some(other);
            if let Some((o, _)) = outcome(&changed) {
                prop_assert_eq!(o, Outcome::NoLicenseRequired);
            }
        }
    }

    #[test]
    fn every_finding_is_cited_and_decisions_are_deterministic(input in transaction()) {
        if let Some((_, d)) = outcome(&input) {
            prop_assert!(d.trace.iter().all(|f| f.citation.contains("CFR") || f.citation.contains("FR")));
            let (_, again) = outcome(&input).expect("same input decides again");
            prop_assert_eq!(d, again);
        }
    }

    #[test]
    fn arbitrary_json_never_panics(s in "\\PC{0,200}") {
        let _ = decide::parse_input(&s);
    }
}
