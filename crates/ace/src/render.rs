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
    holds_section(&mut s, d);
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

/// For HOLD: what is open, and the answer under each resolution.
fn holds_section(s: &mut String, d: &Determination) {
    if d.holds.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\n  ON HOLD — not an authorization. Resolve {} first:",
        if d.holds.len() == 1 {
            "this open item".to_string()
        } else {
            format!("these {} open items", d.holds.len())
        }
    );
    for (i, h) in d.holds.iter().enumerate() {
        let _ = writeln!(s, "  {}. {}", i + 1, h.question);
        let _ = writeln!(s, "     open because {}", h.reason);
        let _ = writeln!(s, "     {}", h.if_true_line());
    }
    if let Some(clear) = &d.if_all_clear {
        let _ = writeln!(
            s,
            "  if every match is a false positive: {}",
            clear.summary()
        );
    }
    let _ = writeln!(
        s,
        "  (record the review in `ace serve`'s UI or POST /v1/reviews; the answer is re-decided)"
    );
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
        for m in &p.resolved {
            let state = match &m.lapsed {
                Some(why) => format!("LAPSED ({why}), open again"),
                None => "applied".to_string(),
            };
            let _ = writeln!(
                s,
                "  {} \"{}\": REVIEWED {:?} {} \"{}\" (score {:.2}) — {}; {state}",
                p.role.label(),
                p.name,
                m.list,
                m.id,
                m.name,
                m.score,
                m.decided
            );
        }
        if p.hits.is_empty() && p.needs_review.is_empty() && p.resolved.is_empty() {
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
            let generic = if m.generic_only {
                " [generic words only]"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "  {} \"{}\": NEEDS REVIEW{generic} {:?} {} \"{}\" (matched \"{}\", score {:.2}) — {}",
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
