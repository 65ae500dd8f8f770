//! The access log: one line per request on standard error — the request id, method, path
//! (never the query string, which may carry names, nor any header: the token stays out of
//! logs), status and duration. Off with `ACE_ACCESS_LOG=off`.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use std::io::Write;
use std::sync::OnceLock;
use std::time::Instant;

/// Whether to write the access log (`ACE_ACCESS_LOG=off` turns it off; read once).
fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        !std::env::var("ACE_ACCESS_LOG").is_ok_and(|v| v.eq_ignore_ascii_case("off"))
    })
}

/// The middleware: writes the line once the answer's head is ready.
pub async fn log(request: Request, next: Next) -> Response {
    if !enabled() {
        return next.run(request).await;
    }
    let started = Instant::now();
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    // Bounded and printable: a hostile method or path cannot forge or flood log lines.
    let printable = |s: &str, max: usize| -> String {
        s.chars()
            .take(max)
            .map(|c| if c.is_control() { '?' } else { c })
            .collect()
    };
    let method = printable(request.method().as_str(), 16);
    let path = printable(request.uri().path(), 200);
    let id = printable(&id, 64);
    let response = next.run(request).await;
    let line = format!(
        "ace: access id={id} {method} {path} {} {:.1}ms\n",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    write_line(&line);
    response
}

/// Writes one log line with one `write` (standard error is unbuffered: `eprintln!` issues
/// one per formatted piece, eleven per line here). A line that cannot be written is
/// dropped: a closed log must not fail the request it describes.
fn write_line(line: &str) {
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}
