//! One canonical JSON line per request: who asked for what, what was decided and why, and what
//! happened. Never a credential, never an agent key, never a query value.
//!
//! Lines go whole through one writer thread per log, so concurrent requests never interleave; a
//! failed write is counted in metrics and logged, and never fails the request.

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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
        Self::to(sink, out, metrics)
    }

    /// A log of `sink`'s settings that writes to `out` (nothing when `None`).
    fn to(
        sink: &AuditSink,
        out: Option<Box<dyn Write + Send>>,
        metrics: Metrics,
    ) -> std::io::Result<Self> {
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

/// Writer threads of logs no longer in use. Each writes out what is queued and exits once its
/// log is dropped; [`finish`] waits for them at shutdown.
static RETIRED: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());

impl Drop for AuditLog {
    /// Never waits for the writer. After a reload the last holder of the old log is usually a
    /// proxy worker finishing a request, and joining there stalled every connection on that
    /// worker until the queue was written out: indefinitely, with a sink that does not drain (a
    /// full stdout pipe). The writer still writes every line queued: its channel yields them
    /// all before it reports the senders gone.
    fn drop(&mut self) {
        self.tx.take();
        if let Some(w) = self.writer.take() {
            let mut retired = RETIRED.lock().unwrap_or_else(PoisonError::into_inner);
            // Writers that are done need no waiting for: the list stays as short as the number
            // of logs still writing.
            retired.retain(|w| !w.is_finished());
            retired.push(w);
        }
    }
}

/// Waits, for at most `limit`, until every dropped log has written out its queue: at shutdown,
/// after the logs are dropped, so that the process does not exit with lines unwritten. Returns
/// how many writers were still busy at the limit (their sink not taking lines).
pub fn finish(limit: Duration) -> usize {
    let deadline = Instant::now() + limit;
    let mut busy = std::mem::take(&mut *RETIRED.lock().unwrap_or_else(PoisonError::into_inner));
    loop {
        busy.retain(|w| !w.is_finished());
        if busy.is_empty() || Instant::now() >= deadline {
            return busy.len();
        }
        // Writing out a queue takes microseconds to milliseconds; this runs once, at exit.
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::mpsc;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::{finish, AuditLog, AuditRecord};
    use crate::config::AuditSink;
    use crate::metrics::Metrics;

    /// A fake sink (fault injection: a real one that stops taking lines, such as a full pipe,
    /// cannot be released on cue): each write waits for a go-ahead, and what it wrote is kept.
    struct Stalled {
        go: mpsc::Receiver<()>,
        written: Arc<Mutex<Vec<u8>>>,
    }

    impl Write for Stalled {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let _ = self.go.recv();
            self.written.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Dropping a log whose sink is stalled returns at once (it was a join on the dropping
    /// thread: a proxy worker, after a reload), and the queued line is still written once the
    /// sink takes it, which `finish` waits for.
    #[test]
    fn dropping_a_log_does_not_wait_for_its_sink_and_loses_no_line() {
        let (go, wait) = mpsc::channel();
        let written = Arc::new(Mutex::new(Vec::new()));
        let sink = Stalled {
            go: wait,
            written: written.clone(),
        };
        let log = AuditLog::to(&AuditSink::Stdout, Some(Box::new(sink)), Metrics::new()).unwrap();
        log.write(&AuditRecord {
            request_id: "r-1",
            decision: "allow",
            ..Default::default()
        });
        let (dropped, done) = mpsc::channel();
        std::thread::spawn(move || {
            drop(log);
            dropped.send(()).unwrap();
        });
        // The sink still holds the line back: a drop that waited for it would not return.
        done.recv_timeout(Duration::from_secs(10))
            .expect("dropping the log waited for its stalled sink");
        assert!(written.lock().unwrap().is_empty());
        go.send(()).unwrap();
        assert_eq!(finish(Duration::from_secs(10)), 0);
        let line = String::from_utf8(written.lock().unwrap().clone()).unwrap();
        assert!(line.contains("\"request_id\":\"r-1\""), "{line}");
        assert!(line.ends_with('\n'));
    }

    #[test]
    fn query_values_are_redacted() {
        assert_eq!(
            super::redact_query("a=1&key=sk_live_x&flag"),
            "a=*&key=*&flag"
        );
    }
}
