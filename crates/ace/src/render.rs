//! Human-readable output: the outcome first, then the trace, then one line of
//! "guidance, not legal advice".

use decide::screening::ScreeningReport;
use decide::{Determination, Transaction, NOT_LEGAL_ADVICE};
use std::fmt::Write;

pub fn determination(
    tx: &Transaction,
    d: &Determination,
    screening: Option<&ScreeningReport>,
) -> String {
    let mut s = String::new();
    let what = d.eccn.as_deref().unwrap_or("published item");
    let _ = writeln!(s, "{} — {}", d.outcome, d.outcome.headline());
    let kind = if tx.deemed_export {
        "deemed export of"
    } else {
        "export of"
    };
    let _ = writeln!(
        s,
        "  {kind} {what} to {}, as of {} ({} text of 740.22)",
        tx.destination.label(),
        d.as_of,
        d.ace_version.as_deref().unwrap_or("-")
    );
    if let Some(policy) = &d.review_policy {
        let _ = writeln!(s, "  review policy: {policy}");
    }
    if d.unverified {
        let _ = writeln!(
            s,
            "  ! this answer rests on data marked unverified (see the findings marked '?')"
        );
    }
    let _ = writeln!(s, "\nTrace (every rule checked, in order):");
    for (i, f) in d.trace.iter().enumerate() {
        let mark = if f.held { "yes" } else { "no " };
        let doubt = if f.rests_on_unverified() { " ?" } else { "" };
        let _ = writeln!(
            s,
            "{:>3}. [{mark}] {}{doubt}\n       {}\n       because {}",
            i + 1,
            f.citation,
            f.check,
            f.because
        );
    }
    if let Some(r) = screening {
        screening_section(&mut s, r);
    }
    let _ = writeln!(
        s,
        "\nRules {} · {}",
        &d.ruleset[..12.min(d.ruleset.len())],
        NOT_LEGAL_ADVICE
    );
    s
}

fn screening_section(s: &mut String, r: &ScreeningReport) {
    let _ = writeln!(
        s,
        "\nScreening (list snapshot {}, hit ≥ {}, review ≥ {}):",
        &r.snapshot[..12.min(r.snapshot.len())],
        r.hit_threshold,
        r.review_threshold
    );
    for p in &r.parties {
        if p.hits.is_empty() && p.needs_review.is_empty() {
            let _ = writeln!(s, "  {} \"{}\": no match", p.role.label(), p.name);
        }
        for m in &p.hits {
            let _ = writeln!(
                s,
                "  {} \"{}\": HIT {:?} {} \"{}\" (matched \"{}\", score {:.2}) — {}",
                p.role.label(),
                p.name,
                m.list,
                m.id,
                m.name,
                m.matched,
                m.score,
                m.explanation.summary
            );
        }
        for m in &p.needs_review {
            let _ = writeln!(
                s,
                "  {} \"{}\": NEEDS REVIEW {:?} {} \"{}\" (matched \"{}\", score {:.2}) — {}",
                p.role.label(),
                p.name,
                m.list,
                m.id,
                m.name,
                m.matched,
                m.score,
                m.explanation.summary
            );
        }
    }
}
