//! The test suite every back end runs, written over `&dyn RecordStore` plus raw SQL access.

#![allow(dead_code)]

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use records::{
    check_anchor, record_hash, DeterminationLink, Filter, Format, Head, NewRecord, NewReview,
    NewToken, RecordKind, RecordStore, ReviewKey, Role, Verdict,
};
use serde_json::json;

/// A database under test: how to open it and how to reach it behind the store's back.
pub trait Db {
    /// URL or path for `records::open`.
    fn url(&self) -> String;
    /// Runs raw SQL (several statements allowed); the error text on failure.
    fn exec(&self, sql: &str) -> Result<(), String>;
    /// Runs a query whose first column is text; that column of every row.
    fn query_text(&self, sql: &str) -> Result<Vec<String>, String>;
    /// SQL that drops the append-only and linearity triggers of `records`.
    fn drop_guards_sql(&self) -> &'static str;
    /// SQL that drops the append-only triggers of `reviews` and `determinations`.
    fn drop_index_guards_sql(&self) -> &'static str;
    /// SQL that drops the append-only triggers of `dictionaries`.
    fn drop_dictionary_guards_sql(&self) -> &'static str;
    /// Runs a query whose first column is a BLOB (bytea); that column of every row.
    fn query_blobs(&self, sql: &str) -> Result<Vec<Vec<u8>>, String>;
    /// A literal of these bytes as a BLOB (bytea).
    fn blob_literal(&self, bytes: &[u8]) -> String;
    /// A query whose one text value is the bytes the records take on disk (rows, indexes,
    /// the determination index).
    fn size_sql(&self) -> &'static str;

    /// A new store handle (another "process").
    fn open(&self) -> Box<dyn RecordStore> {
        match records::open(&self.url()) {
            Ok(store) => store,
            Err(e) => panic!("cannot open {}: {e}", self.url()),
        }
    }
}

pub fn determination(n: usize) -> NewRecord {
    NewRecord {
        kind: RecordKind::Determination,
        actor: "alice".into(),
        input: json!({"transaction": {"eccn": "5A002.a", "destination": "DE", "n": n}}),
        output: json!({"outcome": "ACE", "trace": [{"citation": "740.22(a)", "held": true, "because": "ok"}]}),
        ruleset: Some("r".repeat(64)),
        list_snapshot: Some("s".repeat(64)),
        transaction_id: None,
    }
}

fn append_n(store: &dyn RecordStore, n: usize) {
    for i in 0..n {
        store.append(determination(i)).expect("append");
    }
}

fn assert_verified(store: &dyn RecordStore, records: u64) {
    let report = store.verify().expect("verify");
    assert!(report.ok, "chain broken: {:?}", report.first_broken);
    assert_eq!(report.records, records);
}

fn broken_at(store: &dyn RecordStore) -> (i64, String) {
    let report = store.verify().expect("verify");
    assert!(!report.ok, "tampering went unnoticed");
    let link = report.first_broken.expect("a broken link");
    (link.id, link.problem)
}

pub fn append_get_list(db: &dyn Db) {
    let store = db.open();
    let first = store.append(determination(0)).expect("append");
    assert_eq!(first.id, 1);
    assert_eq!(first.prev_hash, records::GENESIS_HASH);
    assert_eq!(first.hash, record_hash(&first));
    assert_eq!(first.ace_version, records::ACE_VERSION);
    assert_eq!(store.get(1).expect("get"), Some(first.clone()));
    assert_eq!(store.get(2).expect("get"), None);

    let mut screening = determination(1);
    screening.kind = RecordKind::Screening;
    screening.actor = "bob".into();
    let second = store.append(screening).expect("append");
    assert_eq!(
        (second.id, second.prev_hash.as_str()),
        (2, first.hash.as_str())
    );
    let many = store
        .append_many(vec![determination(2), determination(3), determination(4)])
        .expect("many");
    assert_eq!(many.iter().map(|r| r.id).collect::<Vec<_>>(), vec![3, 4, 5]);
    assert_eq!(store.count().expect("count"), 5);

    let all = store.list(&Filter::default()).expect("list");
    assert_eq!(
        all.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    let bobs = Filter {
        actor: Some("bob".into()),
        ..Filter::default()
    };
    assert_eq!(store.list(&bobs).expect("list").len(), 1);
    let screenings = Filter {
        kind: Some(RecordKind::Screening),
        ..Filter::default()
    };
    assert_eq!(store.list(&screenings).expect("list")[0].id, 2);
    let page = Filter {
        after_id: Some(2),
        limit: Some(2),
        ..Filter::default()
    };
    assert_eq!(
        store
            .list(&page)
            .expect("list")
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>(),
        vec![3, 4]
    );
    let future = Filter {
        since: Some("2999-01-01".into()),
        ..Filter::default()
    };
    assert!(store.list(&future).expect("list").is_empty());
    let past = Filter {
        until: Some("2000-01-01T00:00:00+01:00".into()),
        ..Filter::default()
    };
    assert!(store.list(&past).expect("list").is_empty());
    let bad = Filter {
        since: Some("last tuesday".into()),
        ..Filter::default()
    };
    assert!(store.list(&bad).is_err());
    assert_eq!(
        store.head().expect("head"),
        Some(Head {
            id: 5,
            hash: all[4].hash.clone()
        })
    );
}

pub fn numbers_and_text_survive_storage(db: &dyn Db) {
    let store = db.open();
    let mut r = determination(0);
    r.input = json!({"floats": [0.1, 1e300, -0.0, 2.5e-8, 1.7976931348623157e308], "big": 18446744073709551615u64,
                     "neg": -9223372036854775808i64, "text": "é \u{1F600} \"q\" \\ \n \u{7}", "z": {"b": 1, "a": 2}});
    let appended = store.append(r.clone()).expect("append");
    let stored = store.get(appended.id).expect("get").expect("present");
    assert_eq!(stored.input, r.input);
    assert_eq!(record_hash(&stored), stored.hash);
    assert_verified(store.as_ref(), 1);
}

pub fn chain_verifies(db: &dyn Db) {
    let store = db.open();
    assert_verified(store.as_ref(), 0);
    append_n(store.as_ref(), 2500);
    assert_verified(store.as_ref(), 2500);
    let records = store
        .list(&Filter {
            limit: Some(3),
            ..Filter::default()
        })
        .expect("list");
    assert_eq!(records[1].prev_hash, records[0].hash);
    assert_eq!(records[2].prev_hash, records[1].hash);
}

pub fn edited_output_is_detected(db: &dyn Db) {
    let store = db.open();
    append_n(store.as_ref(), 10);
    db.exec(db.drop_guards_sql()).expect("drop triggers");
    db.exec(r#"UPDATE records SET output = '{"outcome":"NLR"}' WHERE id = 5"#)
        .expect("tamper");
    let (id, problem) = broken_at(store.as_ref());
    assert_eq!(id, 5);
    assert!(problem.starts_with("hash mismatch: stored "), "{problem}");
}

pub fn edit_with_recomputed_hash_is_detected_at_the_next_link(db: &dyn Db) {
    let store = db.open();
    append_n(store.as_ref(), 10);
    let mut forged = store.get(5).expect("get").expect("record 5");
    forged.output = json!({"outcome": "NLR"});
    forged.hash = record_hash(&forged);
    db.exec(db.drop_guards_sql()).expect("drop triggers");
    let sql = format!(
        r#"UPDATE records SET output = '{{"outcome":"NLR"}}', output_z = NULL, hash = '{}' WHERE id = 5"#,
        forged.hash
    );
    db.exec(&sql).expect("tamper");
    let (id, problem) = broken_at(store.as_ref());
    assert_eq!(id, 6);
    assert!(
        problem.starts_with("prev_hash does not match record 5's hash"),
        "{problem}"
    );
}

pub fn deleted_middle_record_is_detected(db: &dyn Db) {
    let store = db.open();
    append_n(store.as_ref(), 10);
    db.exec(db.drop_guards_sql()).expect("drop triggers");
    db.exec("DELETE FROM records WHERE id = 5").expect("tamper");
    let (id, problem) = broken_at(store.as_ref());
    assert_eq!(id, 6);
    assert_eq!(problem, "id 5 missing (gap between 4 and 6)");
}

pub fn swapped_records_are_detected(db: &dyn Db) {
    let store = db.open();
    append_n(store.as_ref(), 10);
    db.exec(db.drop_guards_sql()).expect("drop triggers");
    db.exec(
        "UPDATE records SET id = -5 WHERE id = 5;
         UPDATE records SET id = 5 WHERE id = 6;
         UPDATE records SET id = 6 WHERE id = -5;",
    )
    .expect("tamper");
    let (id, problem) = broken_at(store.as_ref());
    assert_eq!(id, 5);
    assert!(problem.starts_with("hash mismatch"), "{problem}");
}

pub fn deleted_tail_needs_the_anchor(db: &dyn Db) {
    let store = db.open();
    append_n(store.as_ref(), 10);
    let anchor = store.head().expect("head").expect("a head");
    assert_eq!(check_anchor(store.as_ref(), &anchor).expect("anchor"), None);
    db.exec(db.drop_guards_sql()).expect("drop triggers");
    db.exec("DELETE FROM records WHERE id > 7").expect("tamper");
    // The determination index still has the deleted records' rows.
    let (id, problem) = broken_at(store.as_ref());
    assert_eq!(id, 8);
    assert!(problem.contains("does not exist"), "{problem}");
    db.exec(db.drop_index_guards_sql())
        .expect("drop index triggers");
    db.exec("DELETE FROM determinations WHERE record_id > 7")
        .expect("tamper with the index too");
    // The shortened chain is still a valid chain: only the noted head shows the loss.
    assert_verified(store.as_ref(), 7);
    let missing = check_anchor(store.as_ref(), &anchor)
        .expect("anchor")
        .expect("loss detected");
    assert_eq!(missing.id, 10);
    assert!(missing.problem.contains("missing"), "{}", missing.problem);
}

/// Rewrites record `id`'s outcome and recomputes the hashes of it and every later record,
/// as an attacker with write access would (the triggers dropped beforehand; the output as
/// text, its compressed frame removed — a row keeps one or the other), keeping the
/// determination index in step so that `verify` has nothing to object to.
fn rewrite_and_recompute(db: &dyn Db, store: &dyn RecordStore, id: i64, outcome: &str) {
    let head = store.head().expect("head").expect("a head");
    let mut prev = store
        .get(id - 1)
        .expect("get")
        .expect("the record before")
        .hash;
    for n in id..=head.id {
        let mut r = store.get(n).expect("get").expect("record");
        if n == id {
            r.output["outcome"] = json!(outcome);
        }
        r.prev_hash = prev;
        r.hash = record_hash(&r);
        let output = records::canonical_json(&r.output).replace('\'', "''");
        db.exec(&format!(
            "UPDATE records SET output = '{output}', output_z = NULL, prev_hash = '{}', hash = '{}' WHERE id = {n}",
            r.prev_hash, r.hash
        ))
        .expect("rewrite behind the store's back");
        prev = r.hash;
    }
    db.exec(&format!(
        "UPDATE determinations SET outcome = '{outcome}' WHERE record_id = {id}"
    ))
    .expect("rewrite the index too");
}

/// A server's checkpointer checks the records appended since the head it signed last, as
/// `verify` does, and signs nothing over a broken one: an edited record, a recomputed hash
/// (caught at the next link), a record deleted in the middle.
pub fn checkpoints_refuse_a_broken_segment(db: &dyn Db) {
    use records::checkpoint::{Checkpointer, SigningKey};
    let dir = tempfile::tempdir().expect("dir");
    let (key, _) = SigningKey::load_or_create(&dir.path().join("checkpoint.key")).expect("key");
    let store = db.open();
    append_n(store.as_ref(), 4);
    let mut signer = Checkpointer::new(key);
    let first = signer.next(store.as_ref()).expect("sign").expect("a head");
    assert_eq!(first.head_id, 4);
    append_n(store.as_ref(), 4);
    db.exec(db.drop_guards_sql()).expect("drop triggers");
    // Record 6's actor changed: its own hash no longer matches.
    db.exec("UPDATE records SET actor = 'mallory' WHERE id = 6")
        .expect("tamper");
    let refused = signer.next(store.as_ref()).expect_err("nothing signed");
    let said = refused.to_string();
    assert!(
        said.contains("the chain is broken at record 6") && said.contains("hash mismatch"),
        "{said}"
    );
    // Put back, record 7 deleted: a gap.
    db.exec("UPDATE records SET actor = (SELECT actor FROM records WHERE id = 5) WHERE id = 6")
        .expect("restore");
    db.exec("DELETE FROM determinations WHERE record_id = 7")
        .ok();
    db.exec("DELETE FROM records WHERE id = 7").expect("delete");
    let refused = signer.next(store.as_ref()).expect_err("nothing signed");
    let said = refused.to_string();
    assert!(
        said.contains("the chain is broken at record 8") && said.contains("id 7 missing"),
        "{said}"
    );
}

/// The issue's two attacks — the newest records deleted, record 5 rewritten
/// (LICENSE_REQUIRED → NLR) with the later hashes recomputed — pass `verify` but not a
/// signed checkpoint of the head, in the database or in an export.
pub fn checkpoints_detect_truncation_and_a_recomputed_chain(db: &dyn Db) {
    use records::checkpoint::{
        check_anchor, verify_export, write_checkpoint, Anchor, Checkpoint, Checkpointer, SigningKey,
    };
    let dir = tempfile::tempdir().expect("dir");
    let (key, _) = SigningKey::load_or_create(&dir.path().join("checkpoint.key")).expect("key");
    let store = db.open();
    for n in 0..8 {
        let mut r = determination(n);
        if n == 4 {
            r.output["outcome"] = json!("LICENSE_REQUIRED");
        }
        store.append(r).expect("append");
    }
    let mut signer = Checkpointer::new(key);
    let signed = signer.next(store.as_ref()).expect("sign").expect("a head");
    assert_eq!((signed.head_id, signed.records), (8, 8));
    assert_eq!(
        signer.next(store.as_ref()).expect("again"),
        None,
        "head unchanged"
    );
    let file = write_checkpoint(&dir.path().join("checkpoints"), &signed).expect("write");
    let first = Checkpoint::read(&file).expect("a signed checkpoint verifies");
    let anchor = Anchor::Head(first.head());
    assert_eq!(check_anchor(store.as_ref(), &anchor).expect("check"), None);
    let hash_only = Anchor::Hash(first.head_hash.clone());
    assert_eq!(
        check_anchor(store.as_ref(), &hash_only).expect("check"),
        None
    );

    // Truncation: records 7 and 8 deleted, their index rows too.
    db.exec(db.drop_guards_sql()).expect("drop triggers");
    db.exec(db.drop_index_guards_sql())
        .expect("drop index triggers");
    db.exec("DELETE FROM determinations WHERE record_id > 6; DELETE FROM records WHERE id > 6")
        .expect("truncate");
    assert_verified(store.as_ref(), 6);
    let found = check_anchor(store.as_ref(), &anchor)
        .expect("check")
        .expect("truncation detected");
    assert_eq!(found.id, 8);
    assert!(
        found.problem.contains("truncation") && found.problem.contains("ends at record 6"),
        "{}",
        found.problem
    );
    // A server that signed the head notices at its next tick, and signs nothing.
    let refused = signer.next(store.as_ref()).expect_err("nothing signed");
    assert!(refused.to_string().contains("truncation"), "{refused}");
    let found = check_anchor(store.as_ref(), &hash_only)
        .expect("check")
        .expect("truncation detected by the hash alone");
    assert!(
        found.problem.contains("no record has hash"),
        "{}",
        found.problem
    );

    // Cut and refilled: new records 7 and 8 do not carry the signed hash.
    append_n(store.as_ref(), 2);
    assert_verified(store.as_ref(), 8);
    let found = check_anchor(store.as_ref(), &anchor)
        .expect("check")
        .expect("refill detected");
    assert!(
        found.problem.contains("rewritten chain"),
        "{}",
        found.problem
    );

    // A recomputed chain: a checkpoint of the chain as it is now, then record 5 rewritten.
    let signed =
        Checkpointer::new(SigningKey::load(&dir.path().join("checkpoint.key")).expect("key"))
            .next(store.as_ref())
            .expect("sign")
            .expect("a head");
    let anchor = Anchor::Head(signed.head());
    let mut genuine = Vec::new();
    store
        .export(&Filter::default(), Format::Jsonl, &mut genuine)
        .expect("export");
    rewrite_and_recompute(db, store.as_ref(), 5, "NLR");
    assert_eq!(
        store.get(5).expect("get").expect("record 5").output["outcome"],
        "NLR"
    );
    assert_verified(store.as_ref(), 8);
    let found = check_anchor(store.as_ref(), &anchor)
        .expect("check")
        .expect("recomputed chain detected");
    assert_eq!(found.id, 8);
    assert!(
        found.problem.contains("rewritten chain"),
        "{}",
        found.problem
    );

    // The same without the database: an export against the checkpoint.
    let mut tampered = Vec::new();
    store
        .export(&Filter::default(), Format::Jsonl, &mut tampered)
        .expect("export");
    let anchors = [anchor];
    let before = verify_export(genuine.as_slice(), &anchors).expect("check export");
    assert_eq!(
        (before.records, before.first_broken, before.anchors),
        (8, None, vec![None])
    );
    let after = verify_export(tampered.as_slice(), &anchors).expect("check export");
    assert_eq!((after.records, &after.first_broken), (8, &None));
    assert!(
        after.anchors[0]
            .as_ref()
            .is_some_and(|b| b.id == 8 && b.problem.contains("rewritten chain")),
        "{:?}",
        after.anchors
    );
    let cut = genuine
        .split(|b| *b == b'\n')
        .take(6)
        .collect::<Vec<_>>()
        .join(&b'\n');
    let cut = verify_export(cut.as_slice(), &anchors).expect("check export");
    assert!(
        cut.anchors[0]
            .as_ref()
            .is_some_and(|b| b.problem.contains("truncation")),
        "{:?}",
        cut.anchors
    );
}

pub fn database_refuses_update_delete_and_forks(db: &dyn Db) {
    let store = db.open();
    append_n(store.as_ref(), 3);
    let update = db.exec("UPDATE records SET actor = 'mallory' WHERE id = 2");
    assert!(update.expect_err("update refused").contains("append-only"));
    let delete = db.exec("DELETE FROM records WHERE id = 3");
    assert!(delete.expect_err("delete refused").contains("append-only"));
    let fork = db.exec(
        "INSERT INTO records (id, kind, created_at, actor, input, output, ace_version, prev_hash, hash)
         VALUES (9, 'review', 'x', 'm', '{}', '{}', '0', 'p', 'h')",
    );
    assert!(fork.expect_err("fork refused").contains("chain"));
    let head = store.head().expect("head").expect("a head");
    let insert = |id: i64, prev: &str| {
        format!("({id}, 'review', 'x', 'm', '{{}}', '{{}}', '0', '{prev}', 'h{id}')")
    };
    let columns = "INSERT INTO records (id, kind, created_at, actor, input, output, ace_version, prev_hash, hash) VALUES ";
    // The next id, but not linked to the head.
    let unlinked = db.exec(&format!("{columns}{}", insert(4, "not-the-head")));
    assert!(unlinked.expect_err("unlinked refused").contains("chain"));
    // Several rows in one statement: the first links to the head, the second to nothing.
    let broken_batch = db.exec(&format!(
        "{columns}{}, {}",
        insert(4, &head.hash),
        insert(5, "wrong")
    ));
    assert!(broken_batch
        .expect_err("broken batch refused")
        .contains("chain"));
    // A gap after the head.
    let gap = db.exec(&format!("{columns}{}", insert(5, "h4")));
    assert!(gap.expect_err("gap refused").contains("chain"));
    // Rows that do link (the check itself is not what refuses everything).
    db.exec(&format!(
        "{columns}{}, {}",
        insert(4, &head.hash),
        insert(5, "h4")
    ))
    .expect("a linked batch is accepted");
    assert_eq!(store.count().expect("count"), 5);
    // A linked row naming a zstd dictionary that is not there: unreadable, so refused.
    let frame = db.blob_literal(&[0]);
    let no_dictionary = db.exec(&format!(
        "INSERT INTO records (id, kind, created_at, actor, input, output, ace_version, prev_hash, hash, dictionary, input_z, output_z)
         VALUES (6, 'review', 'x', 'm', '', '', '0', 'h5', 'h6', 999, {frame}, {frame})"
    ));
    let refused = no_dictionary.expect_err("a missing dictionary is refused");
    assert!(
        refused.contains("dictionar") || refused.contains("FOREIGN KEY"),
        "{refused}"
    );
    assert_eq!(store.count().expect("count"), 5);
}

pub fn idempotent_by_transaction_id(db: &dyn Db) {
    let store = db.open();
    let mut r = determination(1);
    r.transaction_id = Some("tx-1".into());
    let first = store.append(r.clone()).expect("append");
    let mut changed = r.clone();
    changed.output = json!({"outcome": "different"});
    let again = store.append(changed).expect("append again");
    assert_eq!(again, first);
    let mut screening = r.clone();
    screening.kind = RecordKind::Screening;
    assert_eq!(store.append(screening).expect("other kind").id, 2);
    // Within one transaction, too.
    let mut r3 = determination(3);
    r3.transaction_id = Some("tx-3".into());
    let batch = store
        .append_many(vec![r3.clone(), r3.clone(), r.clone()])
        .expect("many");
    assert_eq!(
        batch.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![3, 3, 1]
    );
    assert_eq!(store.count().expect("count"), 3);
    assert_verified(store.as_ref(), 3);
}

pub fn concurrent_appends_stay_linear(db: &dyn Db) {
    let store: Arc<dyn RecordStore> = Arc::from(db.open());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                (0..200)
                    .map(|i| {
                        store
                            .append(determination(t * 1000 + i))
                            .expect("append")
                            .id
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids: Vec<i64> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=1600).collect::<Vec<i64>>());
    assert_verified(store.as_ref(), 1600);
}

pub fn two_handles_share_one_chain(db: &dyn Db) {
    let handles: Vec<Arc<dyn RecordStore>> = vec![Arc::from(db.open()), Arc::from(db.open())];
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = handles[t % 2].clone();
            std::thread::spawn(move || {
                (0..100)
                    .map(|i| {
                        let mut r = determination(i);
                        r.transaction_id = Some(format!("h{t}-{i}"));
                        let got = store.append(r).expect("append");
                        (got.id, got.transaction_id)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let acked: Vec<(i64, Option<String>)> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect();
    let reader = db.open();
    assert_verified(reader.as_ref(), 800);
    for (id, transaction_id) in acked {
        let stored = reader
            .get(id)
            .expect("get")
            .expect("acknowledged record present");
        assert_eq!(stored.transaction_id, transaction_id);
    }
}

pub fn records_prepared_on_other_threads_append_in_the_order_handed_over(db: &dyn Db) {
    let store = db.open();
    let other = db.open();
    // Prepared on worker threads (as `ace batch --record` does), some for another handle.
    let prepared: Vec<records::Prepared> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|t| {
                let preparer = if t == 3 {
                    other.preparer()
                } else {
                    store.preparer()
                };
                scope.spawn(move || {
                    (0..25)
                        .map(|i| {
                            let r = determination(t * 25 + i);
                            let head = records::RecordHead {
                                transaction_id: Some(format!("p{}", t * 25 + i)),
                                ..head_of(&r)
                            };
                            let text = |v| records::Canonical::of(v).expect("canonical");
                            preparer.prepare(head, text(&r.input), text(&r.output))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    let (tx, rx) = std::sync::mpsc::channel();
    for p in prepared {
        assert!(p.transaction_id().is_some_and(|t| t.starts_with('p')));
        let tx = tx.clone();
        store.append_prepared_then(p, Box::new(move |r| tx.send(r).expect("send")));
    }
    drop(tx);
    let appended: Vec<records::Appended> = rx.iter().map(|r| r.expect("appended")).collect();
    assert!(appended.iter().all(|a| a.new));
    let ids: Vec<i64> = appended.iter().map(|a| a.id).collect();
    assert_eq!(
        ids,
        (1..=100).collect::<Vec<_>>(),
        "in the order handed over"
    );
    assert_verified(store.as_ref(), 100);
    // Each exports as the full document it was, whichever handle prepared it.
    for (n, id) in [(0, 1), (80, 81), (99, 100)] {
        let stored = store.get(id).expect("get").expect("present");
        assert_eq!(stored.input, determination(n).input);
        assert_eq!(stored.output, determination(n).output);
        assert_eq!(stored.transaction_id, Some(format!("p{n}")));
        assert_eq!(stored.hash, appended[n].hash);
    }
    // Prepared again, the same record is not appended twice: its place comes back.
    let again = determination(5);
    let head = records::RecordHead {
        transaction_id: Some("p5".into()),
        ..head_of(&again)
    };
    let text = |v| records::Canonical::of(v).expect("canonical");
    let prepared = store
        .preparer()
        .prepare(head, text(&again.input), text(&again.output));
    let (tx, rx) = std::sync::mpsc::channel();
    store.append_prepared_then(prepared, Box::new(move |r| tx.send(r).expect("send")));
    let existing = rx.recv().expect("answer").expect("appended");
    assert_eq!((existing.id, existing.new), (6, false));
    assert_eq!(store.count().expect("count"), 100);
}

pub fn export_formats(db: &dyn Db) {
    let store = db.open();
    append_n(store.as_ref(), 5);
    let mut jsonl = Vec::new();
    assert_eq!(
        store
            .export(&Filter::default(), Format::Jsonl, &mut jsonl)
            .expect("export"),
        5
    );
    let text = String::from_utf8(jsonl).expect("utf8");
    let lines: Vec<records::Record> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("record"))
        .collect();
    assert_eq!(lines, store.list(&Filter::default()).expect("list"));
    let mut csv = Vec::new();
    let since = Filter {
        after_id: Some(3),
        ..Filter::default()
    };
    assert_eq!(
        store.export(&since, Format::Csv, &mut csv).expect("export"),
        2
    );
    let csv = String::from_utf8(csv).expect("utf8");
    assert!(csv.starts_with("id,kind,created_at,actor,"));
    assert_eq!(csv.lines().count(), 3);
    assert!(csv
        .lines()
        .nth(1)
        .expect("row")
        .starts_with("4,determination,"));
    auditor_recomputes_with_python(&text);
}

/// The canonical serialization as documented can be recomputed by an independent tool.
fn auditor_recomputes_with_python(jsonl: &str) {
    let script = r#"
import sys, json, hashlib
prev = "0" * 64
for line in sys.stdin:
    r = json.loads(line); h = r.pop("hash")
    c = json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(c.encode()).hexdigest() == h, r["id"]
    assert r["prev_hash"] == prev, r["id"]
    prev = h
print("ok")
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 is needed for the auditor test");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(jsonl.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("python3");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
}

pub fn reviews_are_recorded_and_found(db: &dyn Db) {
    let store = db.open();
    append_n(store.as_ref(), 1);
    let review = NewReview {
        party: "ACME Trading LLC".into(),
        party_key: "acme trading".into(),
        list: "SDN".into(),
        entry_id: "12345".into(),
        verdict: Verdict::FalsePositive,
        reason: "different address and date of incorporation".into(),
        actor: "rita".into(),
        screening_record: Some(1),
        list_snapshot: Some("s".repeat(64)),
        transaction_id: Some("review-1".into()),
        country: None,
        entry_hash: None,
    };
    let record = store.record_review(review.clone()).expect("review");
    assert_eq!(
        (record.id, record.kind, record.actor.as_str()),
        (2, RecordKind::Review, "rita")
    );
    let again = store
        .record_review(review.clone())
        .expect("same review again");
    assert_eq!(again.id, 2);
    let found = store
        .reviews_for("acme trading", "SDN", "12345")
        .expect("reviews");
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].record_id, found[0].verdict),
        (2, Verdict::FalsePositive)
    );
    assert_eq!(found[0].reason, review.reason);
    assert_eq!(found[0].screening_record, Some(1));
    assert!(store
        .reviews_for("acme trading", "SDN", "99999")
        .expect("reviews")
        .is_empty());
    // Several keys at once: answers line up with the keys asked, repeats included.
    let key = |party: &str, list: &str, entry: &str| ReviewKey {
        party_key: party.into(),
        list: list.into(),
        entry_id: entry.into(),
    };
    let other = NewReview {
        party_key: "acme trading".into(),
        entry_id: "777".into(),
        verdict: Verdict::TrueMatch,
        transaction_id: Some("review-2".into()),
        ..review.clone()
    };
    store.record_review(other).expect("second review");
    let keys = [
        key("acme trading", "SDN", "99999"),
        key("acme trading", "SDN", "12345"),
        key("acme trading", "EL", "12345"),
        key("acme trading", "SDN", "777"),
        key("acme trading", "SDN", "12345"),
    ];
    let many = store.reviews_for_keys(&keys).expect("many");
    let ids: Vec<Vec<i64>> = many
        .iter()
        .map(|found| found.iter().map(|r| r.record_id).collect())
        .collect();
    assert_eq!(ids, vec![vec![], vec![2], vec![], vec![3], vec![2]]);
    assert_eq!(many[3][0].verdict, Verdict::TrueMatch);
    // Answered without I/O where the store can (SQLite: an idle connection; PostgreSQL: the
    // review index once loaded): the same answer as the database, never a stale one.
    let at_hand = wait_until(|| store.reviews_at_hand(&keys));
    assert_eq!(at_hand, many);
    assert!(store.reviews_for_keys(&[]).expect("none").is_empty());
    let no_reason = NewReview {
        reason: " ".into(),
        transaction_id: None,
        ..review
    };
    assert!(store.record_review(no_reason).is_err());
    assert_verified(store.as_ref(), 3);
}

/// A review with the party's country and the entry's content hash.
fn review_of(party: &str, screened: i64) -> NewReview {
    NewReview {
        party: party.into(),
        party_key: party.to_lowercase(),
        list: "EL".into(),
        entry_id: "42".into(),
        verdict: Verdict::FalsePositive,
        reason: "another company, another address".into(),
        actor: "rita".into(),
        screening_record: Some(screened),
        list_snapshot: Some("s".repeat(64)),
        transaction_id: None,
        country: Some("DE".into()),
        entry_hash: Some("e".repeat(64)),
    }
}

pub fn reviews_keep_country_and_entry_hash_and_an_edited_row_is_named(db: &dyn Db) {
    let store = db.open();
    append_n(store.as_ref(), 1);
    let record = store
        .record_review(review_of("Beispiel AG", 1))
        .expect("review");
    assert_eq!(record.input["country"], "DE");
    assert_eq!(record.input["entry_hash"], "e".repeat(64));
    let found = store.reviews_for("beispiel ag", "EL", "42").expect("found");
    assert_eq!(
        (found[0].country.as_deref(), found[0].entry_hash.clone()),
        (Some("DE"), Some("e".repeat(64)))
    );
    append_n(store.as_ref(), 1);
    assert_verified(store.as_ref(), 3);
    // The database refuses to change or remove a decision...
    for sql in [
        "UPDATE reviews SET reason = 'edited' WHERE record_id = 2",
        "DELETE FROM reviews WHERE record_id = 2",
        "UPDATE determinations SET outcome = 'NLR' WHERE record_id = 1",
        "DELETE FROM determinations WHERE record_id = 3",
    ] {
        let refused = db.exec(sql).expect_err(sql);
        assert!(refused.contains("append-only"), "{sql}: {refused}");
    }
    // ...and when someone gets past the triggers, verify names the row and the field.
    db.exec(db.drop_index_guards_sql()).expect("drop guards");
    db.exec("UPDATE reviews SET verdict = 'true_match' WHERE record_id = 2")
        .expect("edit behind the store's back");
    let (id, problem) = broken_at(store.as_ref());
    assert_eq!(id, 2, "{problem}");
    assert!(
        problem.contains("reviews row of record 2") && problem.contains("verdict"),
        "{problem}"
    );
    db.exec("UPDATE reviews SET verdict = 'false_positive', country = NULL WHERE record_id = 2")
        .expect("another edit");
    let (_, problem) = broken_at(store.as_ref());
    assert!(problem.contains("country"), "{problem}");
    db.exec("UPDATE reviews SET country = 'DE' WHERE record_id = 2")
        .expect("undo");
    assert_verified(store.as_ref(), 3);
    db.exec("DELETE FROM reviews WHERE record_id = 2")
        .expect("remove a decision");
    let (id, problem) = broken_at(store.as_ref());
    assert_eq!(id, 2);
    assert!(problem.contains("no row in the reviews table"), "{problem}");
    db.exec("UPDATE determinations SET outcome = 'NLR' WHERE record_id = 3")
        .expect("edit an index row");
    let (id, _) = broken_at(store.as_ref());
    assert_eq!(id, 2, "the first disagreement is named first");
}

/// A determination with an outcome, superseding another when `supersedes` is given.
fn decided(outcome: &str, supersedes: Option<(i64, i64)>) -> NewRecord {
    let mut output = json!({"outcome": outcome, "trace": []});
    if let Some((old, review)) = supersedes {
        output["supersedes"] = json!(old);
        output["review_record"] = json!(review);
    }
    NewRecord {
        output,
        ..determination(0)
    }
}

pub fn determination_lines_and_the_held_queue(db: &dyn Db) {
    let store = db.open();
    let ids = |links: &[DeterminationLink]| links.iter().map(|l| l.record_id).collect::<Vec<_>>();
    let a = store.append(decided("HOLD", None)).expect("a").id;
    let b = store.append(decided("ACE", None)).expect("b").id;
    let c = store.append(decided("HOLD", None)).expect("c").id;
    let held = store.held(0, 10).expect("held");
    assert_eq!(ids(&held), vec![a, c]);
    let review = store
        .record_review(review_of("Beispiel AG", a))
        .expect("review")
        .id;
    // One match of two resolved: still held, the newer record is the current state.
    let d = store
        .append(decided("HOLD", Some((a, review))))
        .expect("d")
        .id;
    let held = store.held(0, 10).expect("held");
    assert_eq!(ids(&held), vec![d, c], "oldest line first");
    assert_eq!(held[0].line, a);
    assert_eq!(ids(&store.held(a, 10).expect("after")), vec![c]);
    assert_eq!(ids(&store.held(0, 1).expect("limit")), vec![d]);
    let e = store
        .append(decided("ACE", Some((d, review))))
        .expect("e")
        .id;
    assert_eq!(ids(&store.held(0, 10).expect("held")), vec![c]);
    let line = store.determination_line(d).expect("line");
    assert_eq!(ids(&line), vec![a, d, e]);
    assert_eq!(line[2].supersedes, Some(d));
    assert_eq!(line[2].review_record, Some(review));
    assert_eq!(line[2].outcome.as_deref(), Some("ACE"));
    assert_eq!(ids(&store.determination_line(b).expect("alone")), vec![b]);
    assert!(store.determination_line(review).expect("review").is_empty());
    assert_verified(store.as_ref(), 6);
    db.exec(db.drop_index_guards_sql()).expect("drop guards");
    db.exec(&format!(
        "UPDATE determinations SET outcome = 'HOLD' WHERE record_id = {e}"
    ))
    .expect("edit");
    let (id, problem) = broken_at(store.as_ref());
    assert_eq!(id, e);
    assert!(problem.contains("outcome"), "{problem}");
}

/// The head of `record`, as a preparer takes it.
fn head_of(record: &NewRecord) -> records::RecordHead {
    records::RecordHead {
        kind: record.kind,
        actor: record.actor.clone(),
        ruleset: record.ruleset.clone(),
        list_snapshot: record.list_snapshot.clone(),
        transaction_id: record.transaction_id.clone(),
    }
}

/// `record` prepared as a server prepares a determination, `fields` for its index.
fn prepared_with(
    store: &dyn RecordStore,
    record: &NewRecord,
    fields: records::DeterminationFields,
) -> records::Prepared {
    let text = |v| records::Canonical::of(v).expect("canonical");
    store.preparer().prepare_determination(
        head_of(record),
        text(&record.input),
        text(&record.output),
        fields,
    )
}

/// `record` prepared with the index fields its output says, appended; its id.
fn append_with_fields(store: &dyn RecordStore, record: NewRecord) -> i64 {
    let fields = records::DeterminationFields {
        outcome: record.output["outcome"].as_str().map(str::to_string),
        supersedes: record.output["supersedes"].as_i64(),
        review_record: record.output["review_record"].as_i64(),
    };
    let prepared = prepared_with(store, &record, fields);
    let (tx, rx) = std::sync::mpsc::channel();
    store.append_prepared_then(prepared, Box::new(move |r| tx.send(r).expect("send")));
    rx.recv().expect("answered").expect("appended").id
}

/// A server prepares each determination with the index fields of the value it wrote the
/// output from (`prepare_determination`), not reading the text again: the index holds
/// what the text says, and verify agrees.
pub fn determinations_prepared_with_their_fields_are_indexed_as_read(db: &dyn Db) {
    let store = db.open();
    let a = append_with_fields(store.as_ref(), decided("HOLD", None));
    let review = store
        .record_review(review_of("Beispiel AG", a))
        .expect("review")
        .id;
    let b = append_with_fields(store.as_ref(), decided("ACE", Some((a, review))));
    let line = store.determination_line(a).expect("line");
    let held: Vec<i64> = store
        .held(0, 10)
        .expect("held")
        .iter()
        .map(|l| l.record_id)
        .collect();
    assert!(held.is_empty(), "the HOLD is superseded: {held:?}");
    assert_eq!(line.len(), 2);
    assert_eq!(line[0].outcome.as_deref(), Some("HOLD"));
    assert_eq!((line[1].record_id, line[1].line), (b, a));
    assert_eq!(line[1].outcome.as_deref(), Some("ACE"));
    assert_eq!(line[1].supersedes, Some(a));
    assert_eq!(line[1].review_record, Some(review));
    assert_verified(store.as_ref(), 3);
    // Fields other than the text says are refused where they are checked (debug builds).
    if cfg!(debug_assertions) {
        let wrong = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let says_hold = records::DeterminationFields {
                outcome: Some("HOLD".into()),
                ..Default::default()
            };
            prepared_with(store.as_ref(), &decided("ACE", None), says_hold)
        }));
        assert!(wrong.is_err(), "an index outcome the text does not say");
    }
}

/// A token to create, by `admin`, with no expiry.
pub fn new_token(name: &str, role: Role) -> NewToken {
    NewToken {
        name: name.to_string(),
        role,
        expires_at: None,
        actor: "admin".to_string(),
    }
}

pub fn tokens_store_only_a_hash(db: &dyn Db) {
    let store = db.open();
    let secret = store
        .create_token(&new_token("alice", Role::Analyst))
        .expect("create");
    let token = store
        .authenticate(&secret)
        .expect("auth")
        .expect("known secret");
    assert_eq!((token.name.as_str(), token.role), ("alice", Role::Analyst));
    assert_eq!(store.authenticate("ace_not-a-secret").expect("auth"), None);
    assert!(matches!(
        store.create_token(&new_token("alice", Role::Admin)),
        Err(records::Error::DuplicateToken(_))
    ));
    assert!(store
        .create_token(&new_token("bad name", Role::Admin))
        .is_err());
    store
        .create_token(&new_token("bob", Role::Auditor))
        .expect("create");
    let names: Vec<String> = store
        .list_tokens()
        .expect("list")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, vec!["alice", "bob"]);
    // Only the SHA-256 of the secret is stored.
    let stored = db
        .query_text("SELECT secret_sha256 FROM tokens WHERE name = 'alice'")
        .expect("query");
    assert_eq!(stored, vec![records::sha256_hex(secret.as_bytes())]);
    let everything = db
        .query_text("SELECT name || role || secret_sha256 || created_at FROM tokens")
        .expect("query");
    assert!(
        everything.iter().all(|row| !row.contains(&secret[4..])),
        "the secret itself was stored"
    );
}

/// The `event` of every access record, oldest first, with its actor and token.
fn access_events(store: &dyn RecordStore) -> Vec<(String, String, String)> {
    let filter = Filter {
        kind: Some(RecordKind::Access),
        ..Filter::default()
    };
    store
        .list(&filter)
        .expect("list")
        .into_iter()
        .map(|r| {
            let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
            (text(&r.input["event"]), r.actor, text(&r.input["token"]))
        })
        .collect()
}

pub fn revoked_tokens_stop_at_once_and_keep_their_name(db: &dyn Db) {
    let store = db.open();
    let other_server = db.open();
    let secret = store
        .create_token(&new_token("carol", Role::Reviewer))
        .expect("create");
    assert!(other_server.authenticate(&secret).expect("auth").is_some());
    let revoked = store.revoke_token("carol", "root").expect("revoke");
    assert!(revoked.revoked_at.is_some());
    assert_eq!(revoked.status(&"9".repeat(4)), "revoked");
    // Every handle on the database sees it at once: nothing is cached.
    assert_eq!(other_server.authenticate(&secret).expect("auth"), None);
    assert!(matches!(
        store.revoke_token("carol", "root"),
        Err(records::Error::TokenRevoked(_))
    ));
    assert!(matches!(
        store.revoke_token("nobody", "root"),
        Err(records::Error::UnknownToken(_))
    ));
    // The name stays taken: records name it as an actor.
    assert!(matches!(
        store.create_token(&new_token("carol", Role::Admin)),
        Err(records::Error::DuplicateToken(_))
    ));
    assert_eq!(
        access_events(store.as_ref()),
        vec![
            ("token_created".into(), "admin".into(), "carol".into()),
            ("token_revoked".into(), "root".into(), "carol".into()),
        ]
    );
    assert!(store.verify().expect("verify").ok);
}

/// What `store` answers without waiting for the token of `secret` (its name), polled until
/// `wanted` or two seconds (well under the PostgreSQL index's 5 s refresh: a notification
/// must bring a change made elsewhere).
fn at_hand_becomes(store: &dyn RecordStore, secret: &str, wanted: Option<&str>) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(2) {
        let answered = store
            .authenticate_at_hand(secret)
            .map(|found| found.expect("token lookup").map(|t| t.name));
        if answered == Some(wanted.map(String::from)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

pub fn tokens_at_hand_follow_changes_made_elsewhere(db: &dyn Db) {
    let server = db.open();
    let cli = db.open();
    let secret = cli
        .create_token(&new_token("dave", Role::Analyst))
        .expect("create");
    assert!(at_hand_becomes(server.as_ref(), &secret, Some("dave")));
    // Expired behind every store's back, as `ace tokens` never does but time does.
    db.exec("UPDATE tokens SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE name = 'dave'")
        .expect("expire");
    assert!(at_hand_becomes(server.as_ref(), &secret, None));
    let other = cli
        .create_token(&new_token("erin", Role::Reviewer))
        .expect("create");
    assert!(at_hand_becomes(server.as_ref(), &other, Some("erin")));
    cli.revoke_token("erin", "root").expect("revoke");
    assert!(at_hand_becomes(server.as_ref(), &other, None));
    // Never a token the database does not hold as active.
    assert_eq!(server.authenticate(&other).expect("auth"), None);
}

pub fn rotated_tokens_take_a_new_secret(db: &dyn Db) {
    let store = db.open();
    let old = store
        .create_token(&new_token("ci", Role::Analyst))
        .expect("create");
    let session = store
        .sign_in(&old, Duration::from_secs(3600))
        .expect("sign in")
        .expect("active");
    let new = store.rotate_token("ci", "admin").expect("rotate");
    assert_ne!(old, new);
    assert_eq!(store.authenticate(&old).expect("auth"), None);
    let token = store.authenticate(&new).expect("auth").expect("new secret");
    assert_eq!((token.name.as_str(), token.role), ("ci", Role::Analyst));
    // A session started with the old secret ended with it.
    assert_eq!(store.session(&session.id).expect("session"), None);
    assert_eq!(
        access_events(store.as_ref())
            .into_iter()
            .map(|e| e.0)
            .collect::<Vec<_>>(),
        vec!["token_created", "sign_in", "token_rotated"]
    );
}

pub fn expired_tokens_do_not_authenticate(db: &dyn Db) {
    let store = db.open();
    let mut soon = new_token("temp", Role::Analyst);
    soon.expires_at = Some(records::parse_expiry("2099-01-01", chrono::Utc::now()).expect("date"));
    let secret = store.create_token(&soon).expect("create");
    let token = store.authenticate(&secret).expect("auth").expect("active");
    assert_eq!(
        token.expires_at.as_deref(),
        Some("2099-01-01T00:00:00.000000Z")
    );
    let session = store
        .sign_in(&secret, Duration::from_secs(60))
        .expect("sign in")
        .expect("active");
    // Expire it behind the store's back, as time would.
    db.exec("UPDATE tokens SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE name = 'temp'")
        .expect("expire");
    assert_eq!(store.authenticate(&secret).expect("auth"), None);
    assert_eq!(store.session(&session.id).expect("session"), None);
    let listed = store.list_tokens().expect("list");
    assert_eq!(
        listed[0].status(&chrono::Utc::now().to_rfc3339()),
        "expired"
    );
}

pub fn sessions_are_shared_and_end_with_their_token(db: &dyn Db) {
    let server_a = db.open();
    let server_b = db.open();
    let secret = server_a
        .create_token(&new_token("dora", Role::Reviewer))
        .expect("create");
    assert_eq!(
        server_a
            .sign_in("ace_wrong", Duration::from_secs(60))
            .expect("sign in"),
        None
    );
    let signed = server_a
        .sign_in(&secret, Duration::from_secs(3600))
        .expect("sign in")
        .expect("active");
    assert_eq!(signed.id.len(), 64);
    // The other server knows the session: no sticky sessions needed.
    let seen = server_b
        .session(&signed.id)
        .expect("session")
        .expect("shared");
    assert_eq!(seen, signed.session);
    assert_eq!(seen.role, Role::Reviewer);
    // Only the id's hash is stored.
    let stored = db.query_text("SELECT id_sha256 FROM sessions").expect("q");
    assert_eq!(stored, vec![records::sha256_hex(signed.id.as_bytes())]);
    // Sign-out ends it everywhere; a second sign-out records nothing.
    let other = server_a
        .sign_in(&secret, Duration::from_secs(3600))
        .expect("sign in")
        .expect("active");
    server_b.sign_out(&signed.id).expect("sign out");
    server_b.sign_out(&signed.id).expect("sign out again");
    assert_eq!(server_a.session(&signed.id).expect("session"), None);
    assert!(server_a.session(&other.id).expect("session").is_some());
    // Revoking the token ends its remaining session on every server.
    server_b.revoke_token("dora", "admin").expect("revoke");
    assert_eq!(server_a.session(&other.id).expect("session"), None);
    let events: Vec<String> = access_events(server_a.as_ref())
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(
        events,
        vec![
            "token_created",
            "sign_in",
            "sign_in",
            "sign_out",
            "token_revoked"
        ]
    );
    let all = server_a.list(&Filter::default()).expect("list");
    let sign_out = all
        .iter()
        .find(|r| r.input["event"] == "sign_out")
        .expect("sign-out record");
    assert_eq!(sign_out.actor, "dora");
    let text = serde_json::to_string(&all).expect("json");
    assert!(!text.contains(&signed.id) && !text.contains(&secret));
    assert!(server_a.verify().expect("verify").ok);
}

/// Environment variables of the child appender.
pub const CHILD_URL: &str = "ACE_RECORDS_CHILD_URL";
pub const CHILD_ACKS: &str = "ACE_RECORDS_CHILD_ACKS";

/// Runs the `records-crash-child` binary, SIGKILLs it mid-stream, and
/// checks the chain and every acknowledged record.
pub fn killed_writer_loses_nothing(db: &dyn Db, dir: &Path) {
    drop(db.open()); // migrate first, so the child starts appending at once
    let acks = dir.join("acks.txt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_records-crash-child"))
        .env(CHILD_URL, db.url())
        .env(CHILD_ACKS, &acks)
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn child");
    let deadline = Instant::now() + Duration::from_secs(60);
    while ack_lines(&acks).len() < 500 {
        assert!(
            Instant::now() < deadline,
            "child acknowledged too little in 60 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let acked = ack_lines(&acks);
    let store = db.open();
    let report = store.verify().expect("verify");
    assert!(
        report.ok,
        "chain broken after SIGKILL: {:?}",
        report.first_broken
    );
    let mut seen = HashSet::new();
    for (id, transaction_id) in &acked {
        let stored = store
            .get(*id)
            .expect("get")
            .expect("acknowledged record lost");
        assert_eq!(
            stored.transaction_id.as_deref(),
            Some(transaction_id.as_str())
        );
        seen.insert(*id);
    }
    assert!(report.records >= seen.len() as u64);
    // The store is usable after the crash.
    store.append(determination(0)).expect("append after crash");
    assert!(store.verify().expect("verify").ok);
}

fn ack_lines(path: &Path) -> Vec<(i64, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let (id, transaction_id) = l.split_once(' ')?;
            Some((id.parse().ok()?, transaction_id.to_string()))
        })
        .collect()
}

// ---- Compact records (issue 14, item 3) ----

/// A real determination (tests/fixtures/determination.json: examples/transaction.json and
/// what `ace check --json` answered) made the `n`th of a stream: its parties named anew and its
/// id numbered, as a company's determinations differ from one another.
pub fn real_determination(n: usize) -> NewRecord {
    const FIXTURE: &str = include_str!("../fixtures/determination.json");
    const COMPANIES: [&str; 6] = [
        "Nordlicht Systems GmbH",
        "Pacific Networks BV",
        "Kestrel Analytics Ltd",
        "Baltic Trading AG",
        "Sunrise Software KK",
        "Andes Consulting SARL",
    ];
    let name = format!("{} {}", COMPANIES[n % COMPANIES.len()], n / COMPANIES.len());
    let text = FIXTURE.replace("Example GmbH", &name);
    let mut doc: serde_json::Value = serde_json::from_str(&text).expect("the fixture is JSON");
    doc["input"]["id"] = json!(format!("tx-{n:06}"));
    let ruleset = doc["output"]["ruleset"].as_str().map(str::to_string);
    let snapshot = doc["output"]["list_snapshot"].as_str().map(str::to_string);
    NewRecord {
        kind: RecordKind::Determination,
        actor: "analyst-1".into(),
        input: doc["input"].take(),
        output: doc["output"].take(),
        ruleset,
        list_snapshot: snapshot,
        transaction_id: Some(format!("tx-{n:06}")),
    }
}

/// How many rows are stored compact (texts empty, frames and a dictionary named), how many
/// as text.
fn storage_counts(db: &dyn Db) -> (u64, u64) {
    let count = |condition: &str| -> u64 {
        db.query_text(&format!(
            "SELECT CAST(COUNT(*) AS TEXT) FROM records WHERE {condition}"
        ))
        .expect("count")[0]
            .parse()
            .expect("a number")
    };
    (
        count("dictionary IS NOT NULL AND input = '' AND output = '' AND input_z IS NOT NULL AND output_z IS NOT NULL"),
        count("dictionary IS NULL AND input_z IS NULL AND output_z IS NULL"),
    )
}

/// One column of record `id` as stored (a BLOB or bytea).
fn stored_frame(db: &dyn Db, column: &str, id: i64) -> Vec<u8> {
    db.query_blobs(&format!("SELECT {column} FROM records WHERE id = {id}"))
        .expect("query")
        .pop()
        .expect("the row")
}

/// Decompresses a frame with a dictionary of the database's `dictionaries` table, with zstd
/// alone: what an auditor does with `zstd -d -D` (docs/records-format.md).
fn decompress_as_an_auditor(db: &dyn Db, id: i64, column: &str) -> String {
    let dictionary_id = db
        .query_text(&format!(
            "SELECT CAST(dictionary AS TEXT) FROM records WHERE id = {id}"
        ))
        .expect("query")[0]
        .clone();
    let dictionary = db
        .query_blobs(&format!(
            "SELECT bytes FROM dictionaries WHERE id = {dictionary_id}"
        ))
        .expect("query")
        .pop()
        .expect("the dictionary");
    let sha256 = db
        .query_text(&format!(
            "SELECT sha256 FROM dictionaries WHERE id = {dictionary_id}"
        ))
        .expect("query")[0]
        .clone();
    assert_eq!(
        records::sha256_hex(&dictionary),
        sha256,
        "the dictionary is the one its hash names"
    );
    let frame = stored_frame(db, column, id);
    let mut dctx = zstd_safe::DCtx::create();
    let mut text = Vec::with_capacity(1 << 20);
    dctx.decompress_using_dict(&mut text, &frame, &dictionary)
        .expect("a standard zstd frame");
    String::from_utf8(text).expect("UTF-8")
}

/// Done-when of issue 14 item 3: a compacted record reads, exports (JSONL and CSV) and
/// verifies as the full document it was, and standard zstd with the stored dictionary gives
/// back exactly the texts that were hashed.
pub fn compact_records_read_export_and_verify_as_the_full_documents(db: &dyn Db) {
    let store = db.open();
    let news: Vec<NewRecord> = (0..12).map(real_determination).collect();
    let appended = store.append_many(news.clone()).expect("append");
    assert_eq!(
        storage_counts(db),
        (12, 0),
        "every determination is stored compact"
    );
    assert_verified(store.as_ref(), 12);

    for (new, record) in news.iter().zip(&appended) {
        assert_eq!(record.hash, record_hash(record));
        let read = store.get(record.id).expect("get").expect("present");
        assert_eq!(&read, record);
        assert_eq!((&read.input, &read.output), (&new.input, &new.output));
        assert_eq!(
            decompress_as_an_auditor(db, record.id, "input_z"),
            records::canonical_json(&new.input)
        );
        assert_eq!(
            decompress_as_an_auditor(db, record.id, "output_z"),
            records::canonical_json(&new.output)
        );
    }
    assert_eq!(store.list(&Filter::default()).expect("list"), appended);

    let mut jsonl = Vec::new();
    store
        .export(&Filter::default(), Format::Jsonl, &mut jsonl)
        .expect("export");
    let expected: String = appended
        .iter()
        .map(|r| serde_json::to_string(r).expect("JSON") + "\n")
        .collect();
    assert_eq!(String::from_utf8(jsonl).expect("UTF-8"), expected);

    let mut csv = Vec::new();
    store
        .export(&Filter::default(), Format::Csv, &mut csv)
        .expect("export");
    let csv = String::from_utf8(csv).expect("UTF-8");
    let quoted = |text: String| format!("\"{}\"", text.replace('"', "\"\""));
    for r in &appended {
        let line = format!(
            "{},determination,{},{},{},{},{},{},{},{},{},{}",
            r.id,
            r.created_at,
            r.actor,
            r.ruleset.clone().unwrap_or_default(),
            r.list_snapshot.clone().unwrap_or_default(),
            r.ace_version,
            r.transaction_id.clone().unwrap_or_default(),
            r.prev_hash,
            r.hash,
            quoted(records::canonical_json(&r.input)),
            quoted(records::canonical_json(&r.output)),
        );
        assert!(
            csv.lines().any(|l| l == line),
            "record {} is not in the CSV export as its full document",
            r.id
        );
    }
    // Small records that would not shrink stay text: both kinds of row in one chain.
    let tiny = NewRecord {
        kind: RecordKind::Access,
        actor: "admin".into(),
        input: json!({}),
        output: json!({"ok": true}),
        ruleset: None,
        list_snapshot: None,
        transaction_id: None,
    };
    let tiny = store.append(tiny).expect("append");
    assert_eq!(storage_counts(db), (12, 1));
    assert_eq!(store.get(tiny.id).expect("get"), Some(tiny));
    assert_verified(store.as_ref(), 13);
}

/// Editing a compact row's stored bytes shows in `verify` however it is done: another row's
/// frame, the text edited and compressed again, a cut frame, the text kept twice, the
/// dictionary changed (with its guard dropped).
pub fn edited_compact_rows_are_detected(db: &dyn Db) {
    let store = db.open();
    store
        .append_many((0..10).map(real_determination).collect())
        .expect("append");
    assert_verified(store.as_ref(), 10);
    db.exec(db.drop_guards_sql()).expect("drop triggers");

    // Record 9 takes record 8's output: a valid frame, another text.
    db.exec(
        "UPDATE records SET output_z = (SELECT output_z FROM records WHERE id = 8) WHERE id = 9",
    )
    .expect("tamper");
    let (id, problem) = broken_at(store.as_ref());
    assert_eq!(id, 9);
    assert!(problem.starts_with("hash mismatch: stored "), "{problem}");

    // Record 7's outcome rewritten and compressed again with the database's own dictionary.
    let dictionary = db
        .query_blobs("SELECT bytes FROM dictionaries")
        .expect("query")
        .remove(0);
    let genuine = decompress_as_an_auditor(db, 7, "output_z");
    let forged = genuine.replace(r#""outcome":"ACE""#, r#""outcome":"NLR""#);
    assert_ne!(forged, genuine);
    let mut cctx = zstd_safe::CCtx::create();
    let mut frame = Vec::with_capacity(zstd_safe::compress_bound(forged.len()));
    cctx.compress_using_dict(&mut frame, forged.as_bytes(), &dictionary, 3)
        .expect("compress");
    db.exec(&format!(
        "UPDATE records SET output_z = {} WHERE id = 7",
        db.blob_literal(&frame)
    ))
    .expect("tamper");
    let (id, problem) = broken_at(store.as_ref());
    assert_eq!(id, 7);
    assert!(problem.starts_with("hash mismatch: stored "), "{problem}");

    // Record 5's input cut short: it no longer decompresses.
    db.exec("UPDATE records SET input_z = substr(input_z, 1, 20) WHERE id = 5")
        .expect("tamper");
    let (id, problem) = broken_at(store.as_ref());
    assert_eq!(id, 5);
    assert!(problem.contains("input_z does not decompress"), "{problem}");

    // Record 3's input also kept as text, unchanged: the text is what is read (the hash still
    // holds), but a row that keeps a text twice is not a row ace writes.
    let input = decompress_as_an_auditor(db, 3, "input_z").replace('\'', "''");
    db.exec(&format!(
        "UPDATE records SET input = '{input}' WHERE id = 3"
    ))
    .expect("tamper");
    let (id, problem) = broken_at(store.as_ref());
    assert_eq!(id, 3);
    assert!(problem.contains("input is stored twice"), "{problem}");

    // The dictionaries are append-only; changed behind the guard, record 1 no longer reads.
    let refused = db
        .exec("UPDATE dictionaries SET sha256 = sha256")
        .expect_err("dictionaries are append-only");
    assert!(refused.contains("append-only"), "{refused}");
    db.exec(db.drop_dictionary_guards_sql())
        .expect("drop the dictionaries' triggers");
    let mut changed = dictionary.clone();
    let middle = changed.len() / 2;
    changed[middle..].fill(b'x');
    db.exec(&format!(
        "UPDATE dictionaries SET bytes = {}",
        db.blob_literal(&changed)
    ))
    .expect("tamper");
    let fresh = db.open();
    let (id, _) = broken_at(fresh.as_ref());
    assert_eq!(id, 1);
}

/// A database written before compact rows keeps working: rows stored as text (as every ace
/// wrote them until now) and compact rows follow one another in one chain, and it verifies.
pub fn old_text_rows_and_compact_rows_share_one_chain(db: &dyn Db) {
    let store = db.open();
    let first = store
        .append_many(vec![real_determination(0), real_determination(1)])
        .expect("append");
    // Record 3 written the old way: texts in `input` and `output`, no frame, its index row.
    let mut old = records::Record {
        id: 3,
        kind: RecordKind::Determination,
        created_at: first[1].created_at.clone(),
        actor: "batch".into(),
        input: real_determination(2).input,
        output: real_determination(2).output,
        ruleset: real_determination(2).ruleset,
        list_snapshot: real_determination(2).list_snapshot,
        ace_version: "0.1.0".into(),
        transaction_id: Some("old-3".into()),
        prev_hash: first[1].hash.clone(),
        hash: String::new(),
    };
    old.hash = record_hash(&old);
    let text = |v: &serde_json::Value| records::canonical_json(v).replace('\'', "''");
    db.exec(&format!(
        "INSERT INTO records (id, kind, created_at, actor, input, output, ruleset, list_snapshot, ace_version, transaction_id, prev_hash, hash)
         VALUES (3, 'determination', '{}', 'batch', '{}', '{}', '{}', '{}', '0.1.0', 'old-3', '{}', '{}');
         INSERT INTO determinations (record_id, outcome, supersedes, review_record, line)
         VALUES (3, 'ACE', NULL, NULL, 3);",
        old.created_at,
        text(&old.input),
        text(&old.output),
        old.ruleset.clone().unwrap_or_default(),
        old.list_snapshot.clone().unwrap_or_default(),
        old.prev_hash,
        old.hash
    ))
    .expect("an old-format row");
    let later = store
        .append_many(vec![real_determination(3), real_determination(4)])
        .expect("append after it");
    assert_eq!(later[0].prev_hash, old.hash);
    assert_eq!(storage_counts(db), (4, 1));
    assert_verified(store.as_ref(), 5);
    assert_eq!(store.get(3).expect("get"), Some(old.clone()));
    let mut jsonl = Vec::new();
    store
        .export(&Filter::default(), Format::Jsonl, &mut jsonl)
        .expect("export");
    let lines: Vec<String> = String::from_utf8(jsonl)
        .expect("UTF-8")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[2], serde_json::to_string(&old).expect("JSON"));
    // The same record found again by its transaction id, from the text row.
    let mut again = real_determination(2);
    again.transaction_id = Some("old-3".into());
    assert_eq!(store.append(again).expect("idempotent").id, 3);
    // And an edit of the old row is still found.
    db.exec(db.drop_guards_sql()).expect("drop triggers");
    db.exec("UPDATE records SET output = replace(output, '\"ACE\"', '\"NLR\"') WHERE id = 3")
        .expect("tamper");
    let (id, problem) = broken_at(store.as_ref());
    assert_eq!(id, 3);
    assert!(problem.starts_with("hash mismatch"), "{problem}");
}

/// Issue 14's goal: a typical determination takes at most 1 KB on disk, all of it counted
/// (the row, its indexes, the determination index), measured over a few hundred real ones.
pub fn a_typical_determination_takes_at_most_1_kb_on_disk(db: &dyn Db) {
    let store = db.open();
    store
        .append_many((0..50).map(real_determination).collect())
        .expect("warm up");
    let size = || -> u64 {
        db.query_text(db.size_sql()).expect("size")[0]
            .parse()
            .expect("a number")
    };
    let before = size();
    let n = 1000;
    for chunk in (50..50 + n).collect::<Vec<_>>().chunks(100) {
        store
            .append_many(chunk.iter().map(|&i| real_determination(i)).collect())
            .expect("append");
    }
    let per_record = (size() - before) / n as u64;
    let plain: usize = (50..50 + n)
        .map(|i| {
            let r = real_determination(i);
            records::canonical_json(&r.input).len() + records::canonical_json(&r.output).len()
        })
        .sum::<usize>()
        / n;
    eprintln!("{per_record} bytes on disk per determination (its texts alone: {plain} bytes)");
    assert!(
        per_record <= 1024,
        "{per_record} bytes per determination on disk"
    );
    assert_verified(store.as_ref(), 50 + n as u64);
}

/// One `#[test]` per suite function for a back end; `$db` makes a fresh database.
#[macro_export]
macro_rules! suite {
    ($db:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let db = $db;
                common::$name(&db);
            }
        )*
    };
}

/// The suite every back end runs: each back end's test file calls this once with its
/// fresh-database expression, so a test added here runs on SQLite and PostgreSQL alike.
#[macro_export]
macro_rules! every_backend {
    ($db:expr) => {
        suite!($db;
            append_get_list,
            numbers_and_text_survive_storage,
            chain_verifies,
            edited_output_is_detected,
            edit_with_recomputed_hash_is_detected_at_the_next_link,
            deleted_middle_record_is_detected,
            swapped_records_are_detected,
            deleted_tail_needs_the_anchor,
            checkpoints_detect_truncation_and_a_recomputed_chain,
            checkpoints_refuse_a_broken_segment,
            database_refuses_update_delete_and_forks,
            idempotent_by_transaction_id,
            concurrent_appends_stay_linear,
            two_handles_share_one_chain,
            records_prepared_on_other_threads_append_in_the_order_handed_over,
            export_formats,
            reviews_are_recorded_and_found,
            reviews_keep_country_and_entry_hash_and_an_edited_row_is_named,
            determination_lines_and_the_held_queue,
            determinations_prepared_with_their_fields_are_indexed_as_read,
            tokens_store_only_a_hash,
            revoked_tokens_stop_at_once_and_keep_their_name,
            tokens_at_hand_follow_changes_made_elsewhere,
            rotated_tokens_take_a_new_secret,
            expired_tokens_do_not_authenticate,
            sessions_are_shared_and_end_with_their_token,
            compact_records_read_export_and_verify_as_the_full_documents,
            edited_compact_rows_are_detected,
            old_text_rows_and_compact_rows_share_one_chain,
            a_typical_determination_takes_at_most_1_kb_on_disk,
        );

        #[test]
        fn killed_writer_loses_nothing() {
            let db = $db;
            common::killed_writer_loses_nothing(&db, db.dir.path());
        }
    };
}

/// Polls `probe` until it answers (10 s at most): for state a store loads in the background.
pub fn wait_until<T>(mut probe: impl FnMut() -> Option<T>) -> T {
    let started = std::time::Instant::now();
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "no answer within 10 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
