//! Connections over a real socket: a client that sends its headers too slowly, or sits
//! idle, is cut off after the header-read timeout; on shutdown an idle kept-alive
//! connection does not keep the server from stopping.

mod common;

use server::{serve_with, ServeOptions};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
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
