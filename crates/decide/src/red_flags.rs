//! Red flags (15 CFR part 732, supp. no. 3; the BIS/FinCEN Russia-diversion alerts): those
//! the transaction states, and those ace derives from where the parties are. Each holds the
//! answer ([`crate::hold`]) until a person resolves it (`resolved_red_flags`).

use crate::determination::{Hold, HoldKind, Outcome, Resolution};
use crate::error::InputError;
use crate::hold::resolution_of;
use crate::route::decide_settled;
use crate::transaction::{EndUserKind, PartyInput, Role, Transaction};
use ear::{DerivedFlag, Destination, Law, RedFlag};

/// A red flag raised on a transaction.
pub(crate) struct Raised<'a> {
    flag: &'a RedFlag,
    role: Option<Role>,
    party: Option<String>,
    /// What ace saw.
    because: String,
    /// Where the goods would really go if the flag stands: the party and its location.
    real_destination: Option<(usize, Destination)>,
}

/// Every red flag the transaction states or ace derives, less those a person resolved
/// (those a person confirmed are among them: [`crate::hold`] applies them).
pub(crate) fn raised<'a>(tx: &Transaction, law: &'a Law) -> Vec<Raised<'a>> {
    let mut out = Vec::new();
    let located_elsewhere = tx
        .locations
        .iter()
        .flatten()
        .any(|d| d.embargo_key() != tx.destination.embargo_key());
    if tx.red_flags.is_empty() && !located_elsewhere {
        return out;
    }
    for id in &tx.red_flags {
        if let Some(flag) = law.red_flag(id, tx.date) {
            out.push(Raised {
                flag,
                role: None,
                party: None,
                because: "stated by the exporter".to_string(),
                real_destination: None,
            });
        }
    }
    for flag in law.derived_red_flags(tx.date) {
        let found = match flag.derive {
            Some(DerivedFlag::PurchaserLocation) => purchaser_location(tx, law, flag),
            Some(DerivedFlag::Transshipment) => transshipment(tx, law, flag),
            None => None,
        };
        out.extend(found);
    }
    out.retain(|r| !tx.resolved_red_flags.contains(&r.flag.id));
    out
}

/// Whether `place` is a location the flag is about on the transaction's date.
fn of_concern(tx: &Transaction, law: &Law, flag: &RedFlag, place: &Destination) -> bool {
    let groups = law.group_ids_on(&place.code, tx.date);
    flag.groups.iter().any(|g| groups.contains(&g.as_str()))
        || (flag.embargoed && law.embargo(place.embargo_key(), tx.date).is_some())
}

/// 732 supp. 3 / FIN-2022-Alert003: a buyer in a country of concern, delivery elsewhere.
fn purchaser_location<'a>(tx: &Transaction, law: &Law, flag: &'a RedFlag) -> Option<Raised<'a>> {
    let (index, (_, purchaser)) = tx
        .all_parties()
        .enumerate()
        .find(|(_, (role, _))| *role == Role::Purchaser)?;
    let place = tx.locations.get(index)?.as_ref()?;
    if place.embargo_key() == tx.destination.embargo_key() || !of_concern(tx, law, flag, place) {
        return None;
    }
    Some(Raised {
        flag,
        role: Some(Role::Purchaser),
        party: purchaser.name.clone(),
        because: format!(
            "the purchaser is located in {} and the goods are delivered to {}",
            place.label(),
            tx.destination.label()
        ),
        real_destination: Some((index, place.clone())),
    })
}

/// FIN-2022-Alert003: a route through a transshipment country toward a party whose own
/// location is restricted (a part 746 destination) while the goods go elsewhere.
fn transshipment<'a>(tx: &Transaction, law: &Law, flag: &'a RedFlag) -> Option<Raised<'a>> {
    let located = || {
        tx.all_parties()
            .zip(&tx.locations)
            .enumerate()
            .filter_map(|(i, ((role, _), place))| place.as_ref().map(|p| (i, role, p)))
    };
    let via = located().find_map(|(_, role, place)| {
        (role == Role::IntermediateConsignee && flag.countries.contains(&place.code))
            .then_some(place)
    })?;
    let (index, role, restricted) = located().find(|(_, _, place)| {
        place.embargo_key() != tx.destination.embargo_key()
            && law.embargo(place.embargo_key(), tx.date).is_some()
    })?;
    let party = tx
        .all_parties()
        .nth(index)
        .and_then(|(_, p)| p.name.clone());
    Some(Raised {
        flag,
        role: Some(role),
        party,
        because: format!(
            "the route passes through {} and the {} is located in {}",
            via.label(),
            role.label(),
            restricted.label()
        ),
        real_destination: Some((index, restricted.clone())),
    })
}

impl Raised<'_> {
    /// Whether a person has confirmed this flag (the concern stands).
    pub(crate) fn confirmed_in(&self, tx: &Transaction) -> bool {
        tx.confirmed_red_flags.contains(&self.flag.id)
    }

    /// The hold: what a person must confirm, and the answer if the flag stands.
    pub(crate) fn hold(&self, settled: &Transaction, law: &Law) -> Result<Hold, InputError> {
        let if_true = match &self.real_destination {
            Some((index, place)) => {
                let d = decide_settled(&redirected(settled, *index, place), law)?;
                resolution_of(&d)
            }
            None => Resolution {
                outcome: Outcome::LicenseRequired,
                citations: vec![format!(
                    "{}: refrain from the transaction, or disclose the facts to BIS in a license application",
                    self.flag.provenance.source
                )],
            },
        };
        let question = match &self.real_destination {
            Some((_, place)) => format!(
                "Red flag {}: {} Is the item going to {} after all?",
                self.flag.id,
                self.flag.text,
                place.label()
            ),
            None => format!(
                "Red flag {}: {} Has it been resolved?",
                self.flag.id, self.flag.text
            ),
        };
        Ok(Hold {
            kind: HoldKind::RedFlag,
            role: self.role,
            flag: Some(self.flag.id.clone()),
            citation: Some(self.flag.provenance.source.clone()),
            party: self.party.clone(),
            list: None,
            entry_id: None,
            entry_name: None,
            score: None,
            reason: self.because.clone(),
            question,
            if_true,
        })
    }
}

/// The transaction as if the goods went to party `index` at `place`.
fn redirected(settled: &Transaction, index: usize, place: &Destination) -> Transaction {
    let party = settled
        .all_parties()
        .nth(index)
        .map(|(_, p)| p.clone())
        .unwrap_or_default();
    let mut t = settled.clone();
    t.destination = place.clone();
    t.end_user = PartyInput {
        kind: party.kind.or(Some(EndUserKind::NonGovernment)),
        lists: Vec::new(),
        ..party
    };
    t.parties
        .retain(|(role, _)| *role != Role::Purchaser && *role != Role::IntermediateConsignee);
    t.locations = Vec::new();
    t.red_flags = Vec::new();
    t
}
