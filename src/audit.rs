//! One canonical JSON line per request: who asked for what, what was decided and why, and what
//! happened. Never a credential, never an agent key, never a query value.
//!
//! Lines are written whole with one `write_all` under a lock, so concurrent requests never
//! interleave; a failed write is counted in metrics and logged, and never fails the request.

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::Mutex;

use serde::Serialize;

use crate::config::AuditSink;
use crate::metrics::Metrics;

/// One audit record.
#[derive(Debug, Default, Serialize)]
pub struct AuditRecord<'a> {
    pub time: String,
    pub request_id: &'a str,
    pub client: Option<String>,
    pub agent: Option<&'a str>,
    pub handle: Option<&'a str>,
    pub rule: Option<&'a str>,
    /// allow | deny | would_deny | error
    pub decision: &'a str,
    pub reason: &'a str,
    pub method: &'a str,
    pub host: Option<&'a str>,
    /// Canonical path, and query with values replaced by `*`.
    pub path: &'a str,
    pub status: u16,
    pub upstream_status: Option<u16>,
    pub bytes_out: usize,
    pub redactions: u32,
    /// Redactions by kind (`credential`, `github_token`, ...), body and headers together.
    pub redactions_by_kind: std::collections::BTreeMap<&'a str, u32>,
    /// `scanned`, `body_skipped` (a binary type the route skips) or `failed_closed`; absent
    /// when no upstream response was scrubbed.
    pub scrub: Option<&'a str>,
    pub credential_source: Option<&'a str>,
    pub credential_cache: Option<&'a str>,
    pub credential_id: Option<&'a str>,
    pub latency_ms: f64,
}

/// Replaces every query value with `*`: values may be secrets an agent was told to pass.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) => format!("{k}=*"),
            None => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Where lines go.
pub struct AuditLog {
    sink: AuditSink,
    out: Option<Mutex<Box<dyn Write + Send>>>,
    metrics: Metrics,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("sink", &self.sink)
            .finish()
    }
}

impl AuditLog {
    pub fn open(sink: &AuditSink, metrics: Metrics) -> std::io::Result<Self> {
        let out: Option<Box<dyn Write + Send>> = match sink {
            AuditSink::Stdout => Some(Box::new(std::io::stdout())),
            AuditSink::File(p) => {
                if let Some(dir) = p.parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir)?;
                    }
                }
                Some(Box::new(
                    OpenOptions::new().create(true).append(true).open(p)?,
                ))
            }
            AuditSink::Off => None,
        };
        Ok(Self {
            sink: sink.clone(),
            out: out.map(Mutex::new),
            metrics,
        })
    }

    pub fn write(&self, rec: &AuditRecord<'_>) {
        let Some(out) = &self.out else { return };
        let mut line = match serde_json::to_vec(rec) {
            Ok(l) => l,
            Err(_) => return,
        };
        line.push(b'\n');
        let mut w = out.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = w.write_all(&line).and_then(|_| w.flush()) {
            let sink = match self.sink {
                AuditSink::Stdout => "stdout",
                AuditSink::File(_) => "file",
                AuditSink::Off => "off",
            };
            self.metrics
                .audit_write_errors
                .with_label_values(&[sink])
                .inc();
            log::error!("audit line for request {} not written: {e}", rec.request_id);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_redacted() {
        assert_eq!(
            super::redact_query("a=1&key=sk_live_x&flag"),
            "a=*&key=*&flag"
        );
    }
}
