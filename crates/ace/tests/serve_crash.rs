//! Crash safety: `ace serve` is killed with SIGKILL while it is acknowledging
//! determinations under load. Afterwards the chain verifies and every determination the
//! server acknowledged (201 with a record id) is in the store.

use assert_cmd::cargo::cargo_bin;
use std::collections::HashSet;
use std::io::{Read, Write};
use std::process::Command;
use support::Served;

mod support;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn post(addr: &str, token: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let request = format!(
        "POST /v1/determinations HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

fn start_server(data: &std::path::Path) -> Served {
    let mut serve = Command::new(cargo_bin("ace"));
    serve
        .env("ACE_DATA_DIR", data)
        .args(["serve", "--listen", "127.0.0.1:0"]);
    Served::start(serve)
}

#[test]
fn sigkill_under_load_loses_no_acknowledged_record() {
    let dir = tempfile::tempdir().expect("dir");
    let out = Command::new(cargo_bin("ace"))
        .env("ACE_DATA_DIR", dir.path())
        .args(["tokens", "create", "--name", "load", "--role", "analyst"])
        .output()
        .expect("token");
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let server = start_server(dir.path());
    let addr = server.addr.clone();
    // One request first, with time to spare: a debug build on a busy machine may take
    // seconds over its first determination, and the load below gives up on an error.
    let warm = r#"{"date":"2024-06-01","item":{"eccn":"4D004"},"destination":"DE","end_user":{"name":"Warm-up GmbH","kind":"non_government"}}"#;
    let started = Instant::now();
    while post(&addr, &token, warm).ok().map(|(status, _)| status) != Some(201) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the server never answered a determination"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let stop = Arc::new(AtomicBool::new(false));
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let workers: Vec<_> = (0..8)
        .map(|t| {
            let (stop, acked, addr, token) = (stop.clone(), acked.clone(), addr.clone(), token.clone());
            std::thread::spawn(move || {
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let id = format!("crash-{t}-{i}");
                    let body = format!(r#"{{"id":"{id}","date":"2024-06-01","item":{{"eccn":"4D004"}},"destination":"DE","end_user":{{"name":"Worker {t} GmbH","kind":"non_government"}}}}"#);
                    match post(&addr, &token, &body) {
                        Ok((201, reply)) if reply.contains("\"record_id\"") => acked.lock().expect("lock").push(id),
                        Ok(_) => {}
                        // A slow answer is not the end; a refused connection is (the server is gone).
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {}
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();

    let start = Instant::now();
    while acked.lock().expect("lock").len() < 150 && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.join();
    }

    let acked = acked.lock().expect("lock").clone();
    assert!(
        acked.len() >= 100,
        "too few acknowledged before the kill: {}",
        acked.len()
    );
    let store =
        records::open(&dir.path().join("records.sqlite3").to_string_lossy()).expect("store");
    let report = store.verify().expect("verify");
    assert!(
        report.ok,
        "chain broken after SIGKILL: {:?}",
        report.first_broken
    );
    let stored: HashSet<String> = store
        .list(&records::Filter::default())
        .expect("list")
        .into_iter()
        .filter_map(|r| r.transaction_id)
        .collect();
    let missing: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged determinations missing after SIGKILL, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );

    // The server comes back on the same store and the CLI agrees.
    start_server(dir.path()).kill();
    let out = Command::new(cargo_bin("ace"))
        .env("ACE_DATA_DIR", dir.path())
        .args(["records", "verify"])
        .output()
        .expect("verify");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
