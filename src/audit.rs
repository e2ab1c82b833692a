//! One canonical JSON line per request: who asked for what, what was decided and why, and what
//! happened. Never a credential, never an agent key, never a query value.
//!
//! Lines are written whole with one `write_all` under a lock, so concurrent requests never
//! interleave; a failed write is counted in metrics and logged, and never fails the request.

use std::fs::OpenOptions;
use std::io::Write;

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

/// Where lines go. Lines are handed to one writer thread over a bounded channel: request
/// threads never contend on the file, and the writer batches whatever is queued into one
/// buffered write, flushing as soon as the queue is empty, so a line is on disk within
/// microseconds when idle and writes coalesce under load. When the queue is full, requests wait
/// (back-pressure): an audit line is never dropped.
pub struct AuditLog {
    sink: AuditSink,
    tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("sink", &self.sink)
            .finish()
    }
}

const QUEUE: usize = 16 * 1024;

fn sink_label(sink: &AuditSink) -> &'static str {
    match sink {
        AuditSink::Stdout => "stdout",
        AuditSink::File(_) => "file",
        AuditSink::Off => "off",
    }
}

fn run_writer(
    rx: std::sync::mpsc::Receiver<Vec<u8>>,
    out: Box<dyn Write + Send>,
    label: &'static str,
    metrics: Metrics,
) {
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, out);
    let fail = |e: std::io::Error| {
        metrics.audit_write_errors.with_label_values(&[label]).inc();
        log::error!("audit line not written to {label}: {e}");
    };
    while let Ok(first) = rx.recv() {
        if let Err(e) = w.write_all(&first) {
            fail(e);
        }
        while let Ok(more) = rx.try_recv() {
            if let Err(e) = w.write_all(&more) {
                fail(e);
            }
        }
        if let Err(e) = w.flush() {
            fail(e);
        }
    }
    let _ = w.flush();
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
        let (tx, writer) = match out {
            Some(out) => {
                let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
                let label = sink_label(sink);
                let writer = std::thread::Builder::new()
                    .name("credgate-audit".into())
                    .spawn(move || run_writer(rx, out, label, metrics))?;
                (Some(tx), Some(writer))
            }
            None => (None, None),
        };
        Ok(Self {
            sink: sink.clone(),
            tx,
            writer,
        })
    }

    pub fn write(&self, rec: &AuditRecord<'_>) {
        let Some(tx) = &self.tx else { return };
        let mut line = match serde_json::to_vec(rec) {
            Ok(l) => l,
            Err(_) => return,
        };
        line.push(b'\n');
        if tx.send(line).is_err() {
            log::error!(
                "audit writer gone; line for request {} lost",
                rec.request_id
            );
        }
    }
}

impl Drop for AuditLog {
    /// Writes out what is queued (a reload or shutdown loses no line).
    fn drop(&mut self) {
        self.tx.take();
        if let Some(w) = self.writer.take() {
            let _ = w.join();
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
