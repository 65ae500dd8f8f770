//! Connections over a real socket: a client that sends its headers too slowly, or sits
//! idle, is cut off after the header-read timeout; on shutdown an idle kept-alive
//! connection does not keep the server from stopping; a flood of idle connections and the
//! largest transactions allowed neither grow memory nor slow other answers past a bound.

mod common;

use server::{serve_with, ServeOptions};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{mpsc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A server with `options` on a free port; send on the returned channel to stop it, and
/// join the handle to see it stopped.
fn start(
    options: ServeOptions,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    std::thread::JoinHandle<std::io::Result<()>>,
) {
    let s = common::sqlite();
    let state = s.state.clone();
    let (addr_tx, addr_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let handle = std::thread::spawn(move || {
        let _keep = s;
        serve_with(
            state,
            "127.0.0.1:0",
            options,
            move |addr| {
                let _ = addr_tx.send(addr);
            },
            async move {
                let _ = stop_rx.await;
            },
        )
    });
    let addr = addr_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("server started");
    (addr, stop_tx, handle)
}

/// Reads until the server closes the connection (or `limit` passes); the time it took.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).expect("timeout");
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some(started.elapsed())
            }
            Err(_) => return None,
        }
    }
}

fn quick() -> ServeOptions {
    ServeOptions {
        header_read_timeout: Duration::from_millis(500),
        shutdown_grace: Duration::from_secs(5),
    }
}

#[test]
fn slow_headers_and_idle_connections_are_cut_off() {
    let _alone = alone();
    let (addr, stop, handle) = start(quick());
    // Half a request line, then nothing.
    let mut slow = TcpStream::connect(addr).expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: ace\r\n")
        .expect("write");
    let took = closed_within(&mut slow, Duration::from_secs(10)).expect("closed");
    assert!(took < Duration::from_secs(5), "slow headers kept {took:?}");
    // Connected, silent.
    let mut idle = TcpStream::connect(addr).expect("connect");
    let took = closed_within(&mut idle, Duration::from_secs(10)).expect("closed");
    assert!(
        took < Duration::from_secs(5),
        "an idle connection kept {took:?}"
    );
    // A whole request is still answered.
    let mut ok = TcpStream::connect(addr).expect("connect");
    ok.write_all(b"GET /healthz HTTP/1.1\r\nHost: ace\r\nConnection: close\r\n\r\n")
        .expect("write");
    let mut answer = String::new();
    ok.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let _ = stop.send(());
    handle.join().expect("thread").expect("served");
}

#[test]
fn an_idle_kept_alive_connection_does_not_delay_shutdown() {
    let _alone = alone();
    let (addr, stop, handle) = start(ServeOptions {
        header_read_timeout: Duration::from_secs(120),
        shutdown_grace: Duration::from_secs(60),
    });
    let mut kept = TcpStream::connect(addr).expect("connect");
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: ace\r\n\r\n")
        .expect("write");
    kept.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut buf = [0u8; 1024];
    let n = kept.read(&mut buf).expect("answer");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // The connection stays open (keep-alive) and idle; stop the server.
    let started = Instant::now();
    let _ = stop.send(());
    handle.join().expect("thread").expect("served");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "shutdown waited {:?} for an idle connection",
        started.elapsed()
    );
}

/// The tests of this file run one at a time: one measures the process's resident memory,
/// which the others (20,000-party transactions) would grow while it measures.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn alone() -> MutexGuard<'static, ()> {
    // A test that failed while holding it poisons it; the next still runs alone.
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// The process's resident memory in KiB (Linux), or `None` elsewhere.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One `GET /healthz` on a new connection: how long until the whole answer arrived.
fn healthz_latency(addr: SocketAddr) -> Duration {
    let started = Instant::now();
    let mut c = TcpStream::connect(addr).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: ace\r\nConnection: close\r\n\r\n")
        .expect("write");
    let mut answer = String::new();
    c.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    started.elapsed()
}

#[test]
fn an_idle_flood_is_cut_off_without_growing_memory_or_slowing_answers() {
    let _alone = alone();
    let (addr, stop, handle) = start(quick());
    let before = rss_kib();
    // 320 connections that say nothing, and 80 that send half a request (400 in all: with
    // the server's ends, 800 descriptors, under the common limit of 1,024).
    let mut flood: Vec<TcpStream> = (0..400)
        .filter_map(|i| {
            let mut c = TcpStream::connect(addr).ok()?;
            if i % 5 == 0 {
                let _ = c.write_all(b"POST /v1/determinations HTTP/1.1\r\nHost: ace\r\n");
            }
            Some(c)
        })
        .collect();
    assert_eq!(flood.len(), 400, "connections opened");
    // Answers stay quick while the flood is open.
    let latency = healthz_latency(addr);
    assert!(
        latency < Duration::from_secs(1),
        "/healthz took {latency:?} behind 400 idle connections"
    );
    // Every flooding connection is closed by the header-read timeout.
    let still_open = flood
        .iter_mut()
        .map(|c| closed_within(c, Duration::from_secs(10)))
        .filter(Option::is_none)
        .count();
    assert_eq!(still_open, 0, "connections left open after the timeout");
    if let (Some(before), Some(after)) = (before, rss_kib()) {
        assert!(
            after < before + 64 * 1024,
            "resident memory grew from {before} KiB to {after} KiB"
        );
    }
    let _ = stop.send(());
    handle.join().expect("thread").expect("served");
}

/// `POST /v1/determinations` with `body` and `token`; the status line.
fn post_status(addr: SocketAddr, token: &str, body: &str) -> String {
    let mut c = TcpStream::connect(addr).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let request = format!(
        "POST /v1/determinations HTTP/1.1\r\nHost: ace\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    c.write_all(request.as_bytes()).expect("write");
    let mut answer = String::new();
    let _ = c.read_to_string(&mut answer);
    answer.lines().next().unwrap_or_default().to_string()
}

#[test]
fn the_largest_transactions_allowed_do_not_stall_the_server() {
    let _alone = alone();
    let s = common::sqlite();
    let token = s.analyst.clone();
    let state = s.state.clone();
    let (addr_tx, addr_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let handle = std::thread::spawn(move || {
        let _keep = s;
        serve_with(
            state,
            "127.0.0.1:0",
            quick(),
            move |addr| {
                let _ = addr_tx.send(addr);
            },
            async move {
                let _ = stop_rx.await;
            },
        )
    });
    let addr: SocketAddr = addr_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("server started");
    // Every list at its cap, every name new (each is screened).
    let parties = |n: usize, what: &str| -> Vec<serde_json::Value> {
        (0..n)
            .map(|i| serde_json::json!({"name": format!("Zelvora {what} {i} Handels GmbH"), "country": "AT"}))
            .collect()
    };
    let mut tx = common::transaction("Example GmbH");
    tx["intermediate_consignees"] = serde_json::json!(parties(
        decide::transaction::MAX_INTERMEDIATE_CONSIGNEES,
        "Spedition"
    ));
    tx["end_user"]["owners"] =
        serde_json::json!(parties(decide::transaction::MAX_OWNERS, "Holding"));
    let body = tx.to_string();
    let heavy: Vec<_> = (0..6)
        .map(|_| {
            let (token, body) = (token.clone(), body.clone());
            std::thread::spawn(move || post_status(addr, &token, &body))
        })
        .collect();
    // While the six are decided, the server still answers at once.
    let worst = (0..5)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(20));
            healthz_latency(addr)
        })
        .max()
        .unwrap_or_default();
    for h in heavy {
        let status = h.join().expect("thread");
        assert!(status.contains(" 201 "), "{status}");
    }
    assert!(
        worst < Duration::from_millis(500),
        "/healthz took {worst:?} beside six of the largest transactions"
    );
    let _ = stop_tx.send(());
    handle.join().expect("thread").expect("served");
}
