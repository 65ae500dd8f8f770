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
    route_section(&mut s, d);
    lines_section(&mut s, d);
    if let Some(policy) = &d.review_policy {
        let _ = writeln!(s, "  review policy: {policy}");
    }
    if d.unverified {
        let _ = writeln!(
            s,
            "  ! this answer rests on data marked unverified (see the findings marked '?')"
        );
    }
    known_changes_section(&mut s, d);
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

/// The route as a diagram: each leg with its kind and outcome, the deciding one marked.
fn route_section(s: &mut String, d: &Determination) {
    if d.legs.is_empty() {
        return;
    }
    let _ = writeln!(s, "\n  Route (every leg decided; the strictest decides):");
    for (i, leg) in d.legs.iter().enumerate() {
        let who = match &leg.party {
            Some(name) => format!("{} \"{name}\"", leg.role.label()),
            None => leg.role.label().to_string(),
        };
        let mark = if d.deciding_leg == Some(i) {
            "  ◀ decides"
        } else {
            ""
        };
        let doubt = if leg.unverified { " ?" } else { "" };
        let _ = writeln!(
            s,
            "  {} ──{}──▶ {}  {who}: {}{doubt}{mark}",
            leg.from,
            leg.kind.label(),
            leg.to,
            leg.outcome
        );
        if let Some(reading) = &leg.reading {
            let _ = writeln!(s, "      reading applied: {reading}");
        }
    }
}

/// An order's lines as a table.
fn lines_section(s: &mut String, d: &Determination) {
    if d.lines.is_empty() {
        return;
    }
    let _ = writeln!(s, "\n  Lines (each decided; the strictest decides):");
    let _ = writeln!(
        s,
        "  {:>4}  {:<24} {:<18} {:<30}",
        "line", "ECCN", "outcome", "description"
    );
    for l in &d.lines {
        let outcome = l
            .outcome
            .map(|o| o.code().to_string())
            .unwrap_or_else(|| "outside ace".to_string());
        let mark = if d.deciding_line == Some(l.line) {
            " ◀ decides"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "  {:>4}  {:<24} {:<18} {:<30}{mark}",
            l.line + 1,
            l.eccn.as_deref().unwrap_or("published"),
            outcome,
            l.description.as_deref().unwrap_or("")
        );
        if let Some(why) = &l.outside_scope {
            let _ = writeln!(s, "        {why}");
        }
    }
}

/// Rule changes within 30 days of the as-of date: the answer may differ on the other side.
fn known_changes_section(s: &mut String, d: &Determination) {
    if d.known_changes.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "  ! within 30 days of a known change of the rules (the answer may differ across it):"
    );
    for c in &d.known_changes {
        let _ = writeln!(
            s,
            "    {} {} — {} [{}]",
            c.date, c.what, c.source, c.confidence
        );
    }
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
    let flags = d.holds.iter().any(|h| h.flag.is_some());
    if let Some(clear) = &d.if_all_clear {
        let _ = writeln!(
            s,
            "  if every match is a false positive{}: {}",
            if flags {
                " and every red flag is resolved"
            } else {
                ""
            },
            clear.summary()
        );
    }
    if d.holds.iter().any(|h| h.flag.is_none()) {
        let _ = writeln!(
            s,
            "  (review a match in `ace serve`'s UI or POST /v1/reviews: the answer is decided again)"
        );
    }
    if flags {
        let _ = writeln!(
            s,
            "  (once a person has resolved a red flag: --resolved-red-flag ID, or resolved_red_flags in the JSON)"
        );
    }
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
