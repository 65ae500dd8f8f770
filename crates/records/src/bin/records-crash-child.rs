//! Test support, not a tool: the child process of the records crash tests. It appends
//! from 4 threads to the store named by `ACE_RECORDS_CHILD_URL` until it is killed (or
//! 60 s pass), writing "id transaction_id" of every acknowledged append to the file named
//! by `ACE_RECORDS_CHILD_ACKS`. The test SIGKILLs it and checks that every acknowledged
//! record is present and the chain verifies.

use records::{NewRecord, RecordKind, RecordStore};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("ACE_RECORDS_CHILD_URL")?;
    let acks = std::env::var("ACE_RECORDS_CHILD_ACKS")?;
    let store: Arc<dyn RecordStore> = Arc::from(records::open(&url)?);
    let file = Arc::new(Mutex::new(std::fs::File::create(acks)?));
    let deadline = Instant::now() + Duration::from_secs(60);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (store, file) = (store.clone(), file.clone());
            std::thread::spawn(move || -> Result<(), String> {
                let mut i = 0;
                while Instant::now() < deadline {
                    let got = store.append(record(t, i)).map_err(|e| e.to_string())?;
                    let line = format!("{} child-{t}-{i}\n", got.id);
                    file.lock()
                        .map_err(|e| e.to_string())?
                        .write_all(line.as_bytes())
                        .map_err(|e| e.to_string())?;
                    i += 1;
                }
                Ok(())
            })
        })
        .collect();
    for t in threads {
        if let Ok(Err(e)) = t.join() {
            return Err(e.into());
        }
    }
    Ok(())
}

fn record(thread: usize, i: usize) -> NewRecord {
    NewRecord {
        kind: RecordKind::Determination,
        actor: "crash-child".into(),
        input: serde_json::json!({"transaction": {"eccn": "4D004", "destination": "DE", "n": i}}),
        output: serde_json::json!({"outcome": "ACE"}),
        ruleset: Some("r".repeat(64)),
        list_snapshot: Some("s".repeat(64)),
        transaction_id: Some(format!("child-{thread}-{i}")),
    }
}
