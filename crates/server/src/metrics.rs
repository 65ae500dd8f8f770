//! `/metrics` in the Prometheus text format, hand-written: requests by route, method and
//! status; a latency histogram per route; records appended.

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
struct Histogram {
    /// Observations at or below each bound (not cumulative; summed when rendered).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }
}

#[derive(Default)]
struct Counters {
    /// (route, method, status) → requests.
    requests: BTreeMap<(String, String, u16), u64>,
    /// route → latency.
    latency: BTreeMap<String, Histogram>,
}

/// What the server counts.
#[derive(Default)]
pub struct Metrics {
    counters: Mutex<Counters>,
    records_appended: AtomicU64,
}

impl Metrics {
    /// Counts one answered request.
    pub fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let Ok(mut c) = self.counters.lock() else {
            return;
        };
        *c.requests
            .entry((route.to_string(), method.to_string(), status))
            .or_default() += 1;
        c.latency
            .entry(route.to_string())
            .or_default()
            .observe(seconds);
    }

    /// Counts a record appended by this server.
    pub fn record_appended(&self) {
        self.records_appended.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP ace_http_requests_total HTTP requests answered, by route, method and status.\n",
        );
        out.push_str("# TYPE ace_http_requests_total counter\n");
        if let Ok(c) = self.counters.lock() {
            for ((route, method, status), n) in &c.requests {
                let _ = writeln!(
                    out,
                    "ace_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
            out.push_str("# HELP ace_http_request_duration_seconds Time to answer, by route.\n");
            out.push_str("# TYPE ace_http_request_duration_seconds histogram\n");
            for (route, h) in &c.latency {
                render_histogram(&mut out, &escape(route), h);
            }
        }
        out.push_str(
            "# HELP ace_records_appended_total Records this server appended to the store.\n",
        );
        out.push_str("# TYPE ace_records_appended_total counter\n");
        let _ = writeln!(
            out,
            "ace_records_appended_total {}",
            self.records_appended.load(Ordering::Relaxed)
        );
        out
    }
}

fn render_histogram(out: &mut String, route: &str, h: &Histogram) {
    let name = "ace_http_request_duration_seconds";
    let mut cumulative = 0;
    for (bound, n) in BUCKETS.iter().zip(h.buckets) {
        cumulative += n;
        let _ = writeln!(
            out,
            "{name}_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
        );
    }
    let _ = writeln!(
        out,
        "{name}_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
        h.count
    );
    let _ = writeln!(out, "{name}_sum{{route=\"{route}\"}} {}", h.sum);
    let _ = writeln!(out, "{name}_count{{route=\"{route}\"}} {}", h.count);
}

/// A label value as the text format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware (a route layer, so the matched route template is known): times and counts
/// every request.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_string();
    // Only the methods the API answers are label values: a client sending made-up
    // method names must not grow /metrics (and the server's memory) without bound.
    let method = match request.method().as_str() {
        m @ ("GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "OPTIONS" | "PATCH") => m,
        _ => "OTHER",
    }
    .to_string();
    let response = next.run(request).await;
    state.inner.metrics.observe(
        &route,
        &method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
