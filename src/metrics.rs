//! Prometheus metrics. Every label comes from a bounded set: handles are configured names (an
//! unknown handle an agent sends is counted as `unknown`), reasons and results are fixed labels,
//! statuses are classes. Nothing secret, and nothing an agent controls, becomes a label.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// All of credgate's metrics, in their own registry (one per server instance).
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub request_duration: HistogramVec,
    pub upstream_duration: HistogramVec,
    pub credential_resolutions: IntCounterVec,
    pub credential_fetch_duration: HistogramVec,
    pub scrub_redactions: IntCounterVec,
    pub auth_failures: IntCounterVec,
    pub config_reloads: IntCounterVec,
    pub config_last_reload_success: IntGauge,
    pub routes: IntGauge,
    pub audit_write_errors: IntCounterVec,
}

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
            registry
                .register(Box::new(c.clone()))
                .expect("unique metric");
            c
        };
        let histogram = |name: &str, help: &str, labels: &[&str]| {
            let h = HistogramVec::new(
                HistogramOpts::new(name, help).buckets(LATENCY_BUCKETS.to_vec()),
                labels,
            )
            .expect("valid metric");
            registry
                .register(Box::new(h.clone()))
                .expect("unique metric");
            h
        };
        let gauge = |name: &str, help: &str| {
            let g = IntGauge::new(name, help).expect("valid metric");
            registry
                .register(Box::new(g.clone()))
                .expect("unique metric");
            g
        };
        Self {
            requests: counter(
                "credgate_requests_total",
                "Requests handled, by policy decision, handle and response status class.",
                &["decision", "handle", "status_class"],
            ),
            request_duration: histogram(
                "credgate_request_duration_seconds",
                "Time from request start to the end of the response, by decision.",
                &["decision"],
            ),
            upstream_duration: histogram(
                "credgate_upstream_response_duration_seconds",
                "Time from request start until the upstream response header arrived, by handle.",
                &["handle"],
            ),
            credential_resolutions: counter(
                "credgate_credential_resolutions_total",
                "Credential resolutions by handle, source kind and result (hit, fetched, unavailable, refused, timeout).",
                &["handle", "source", "result"],
            ),
            credential_fetch_duration: histogram(
                "credgate_credential_fetch_duration_seconds",
                "Time taken to fetch or mint a credential from its source, by source kind.",
                &["source"],
            ),
            scrub_redactions: counter(
                "credgate_scrub_redactions_total",
                "Values redacted from responses, by kind and location (body, header).",
                &["kind", "location"],
            ),
            auth_failures: counter(
                "credgate_auth_failures_total",
                "Failed or refused proxy authentications, by reason.",
                &["reason"],
            ),
            config_reloads: counter(
                "credgate_config_reloads_total",
                "Configuration reload attempts by result (success, error).",
                &["result"],
            ),
            config_last_reload_success: gauge(
                "credgate_config_last_reload_success_timestamp_seconds",
                "Unix time of the last successful configuration load.",
            ),
            routes: gauge("credgate_routes", "Routes (handles) in the active configuration."),
            audit_write_errors: counter(
                "credgate_audit_write_errors_total",
                "Audit lines that could not be written, by sink.",
                &["sink"],
            ),
            registry,
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        buf
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// `2xx`, `4xx`, ... or `none` when no response was sent.
pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        500..=599 => "5xx",
        _ => "none",
    }
}
