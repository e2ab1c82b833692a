//! The per-response face of the engine: what the proxy holds for one response. It owns the
//! engine state and the regex scratch space, and adds what is about the response rather than
//! the scan: its headers, event-stream reassembly, a ranged response's window, a route's choice
//! to pass a binary type through, failing closed once (and staying failed), and the redaction
//! counts for the audit line and metrics.

use std::sync::Arc;

use bytes::Bytes;

use super::{Counts, Overflow, Scanner, State, NEVER};
use crate::scrub::counts::Tally;
use crate::scrub::patterns::Caches;
use crate::scrub::sse::{Sink, SseView};

/// Streaming scrubber for one response body.
#[derive(Debug)]
pub struct StreamScrubber {
    scanner: Scanner,
    caches: Caches,
    state: State,
    tally: Tally,
    /// Event-stream reassembly, when the body is `text/event-stream` and the route wants it.
    sse: Option<Box<SseView>>,
    /// Why the stream failed closed, once it has (and stays failed).
    failed: Option<Overflow>,
    /// Pass the body through untouched (a binary content type the route chose to skip).
    skip_body: bool,
    /// Body redactions, total (also in `body_counts`).
    pub redactions: u32,
    pub body_counts: Counts,
    pub header_counts: Counts,
}

impl StreamScrubber {
    pub fn new(scanner: Scanner) -> Self {
        Self {
            scanner,
            caches: Caches::default(),
            state: State::default(),
            tally: Tally::default(),
            sse: None,
            failed: None,
            skip_body: false,
            redactions: 0,
            body_counts: Counts::default(),
            header_counts: Counts::default(),
        }
    }

    pub fn scanner(&self) -> &Scanner {
        &self.scanner
    }

    /// Scans the body as an event stream too: secrets split across events are caught (see
    /// `sse`). Call before the first chunk.
    pub fn event_stream(&mut self) {
        self.sse = Some(Box::default());
        self.message_stream();
    }

    /// The body is a stream of messages (events, JSON lines): at the end of each chunk, hold back
    /// only bytes that could still begin a live credential. Other bodies hold back what follows
    /// the last byte no credential holds, up to the longest form's length: the same at a line
    /// end or a quote, but a chunk that ends in a run of credential bytes (`… "hello` or `… id
    /// 42`) keeps that run until the next chunk, and an upstream that waits for the client's
    /// reply after such a message would wait forever. The fine check costs a binary search per
    /// byte of such a run, too many for bulk bodies in 16 KiB chunks. Call before the first
    /// chunk.
    pub fn message_stream(&mut self) {
        self.state.fine_tail = true;
    }

    /// Writes only the original bytes at offsets `start..end` of the body, and the redactions
    /// that overlap them: for a range of a resource fetched with context on both sides, so that
    /// a secret cut by the range's edges is still seen whole and redacted, and ranges fetched one
    /// by one cannot be put back together into it. Call before the first chunk.
    pub fn window(&mut self, start: u64, end: u64) {
        self.state.window = Some((start, end));
    }

    pub fn reassembles_events(&self) -> bool {
        self.sse.is_some()
    }

    /// Passes the body through unscanned (headers are still scrubbed).
    pub fn skip_body(&mut self) {
        self.skip_body = true;
    }

    pub fn body_skipped(&self) -> bool {
        self.skip_body
    }

    /// Whether the stream failed closed.
    pub fn failed(&self) -> bool {
        self.failed.is_some()
    }

    /// Scrubs one header value; returns the replacement and the number of redactions when
    /// anything matched.
    pub fn scrub_header(
        &mut self,
        name: &http::HeaderName,
        value: &[u8],
    ) -> Option<(Vec<u8>, u32)> {
        let (out, counts) =
            crate::scrub::headers::scrub_value(&self.scanner, &mut self.caches, name, value);
        self.header_result(out, counts)
    }

    /// Scrubs text of the response head that is no header value (a header's name, the status
    /// line's reason phrase): as plain text, counted with the headers.
    pub fn scrub_text(&mut self, text: &[u8]) -> Option<(Vec<u8>, u32)> {
        let (out, counts) = self.scanner.scrub_all(text, &mut self.caches);
        self.header_result(out, counts)
    }

    fn header_result(&mut self, out: Vec<u8>, counts: Counts) -> Option<(Vec<u8>, u32)> {
        for (k, n) in &counts.0 {
            self.header_counts.add(k, *n);
        }
        let n = counts.total();
        (n > 0).then_some((out, n))
    }

    /// Feeds one chunk; returns what can be sent now. With `end`, flushes everything. After an
    /// [`Overflow`] nothing more is ever returned.
    pub fn push(&mut self, chunk: Option<&[u8]>, end: bool) -> Result<Option<Bytes>, Overflow> {
        if let Some(cause) = self.failed {
            return Err(cause);
        }
        if self.skip_body {
            let Some(c) = chunk else { return Ok(None) };
            let at = self.state.base;
            self.state.base += c.len() as u64;
            let (a, b) = self.state.window.unwrap_or((0, NEVER));
            let (from, to) = (a.clamp(at, self.state.base), b.clamp(at, self.state.base));
            return Ok(Some(Bytes::copy_from_slice(
                &c[(from - at) as usize..(to - at) as usize],
            )));
        }
        let r0 = self.state.base + self.state.buf.len() as u64;
        if let Some(c) = chunk {
            self.state.buf.extend_from_slice(c);
        }
        // Room for redactions longer than what they replace (`[REDACTED:aws_access_key_id]` for
        // a 20-byte key): on a body dense with secrets the output outgrew the buffered bytes in
        // most chunks, and growing it copied the chunk's output again (3% of such a body's time).
        let buffered = self.state.buf.len();
        let mut out = Vec::with_capacity(buffered + buffered / 2 + 64);
        let ext = match self.sse.as_mut() {
            None => Ok(NEVER),
            Some(v) => {
                let mut sink = Sink {
                    scanner: &self.scanner,
                    caches: &mut self.caches,
                    raw: &mut self.state.pending,
                };
                v.feed(chunk.unwrap_or_default(), r0, &mut sink)
                    .and_then(|()| v.resolve(end, &mut sink))
            }
        };
        let r = ext.and_then(|ext| {
            self.state.advance(
                &self.scanner,
                &mut self.caches,
                end,
                ext,
                &mut out,
                &mut self.tally,
            )
        });
        self.redactions += self.tally.drain_into(
            self.scanner.patterns.rules(),
            &self.scanner.live_kind,
            &mut self.body_counts,
        );
        if let Err(cause) = r {
            self.failed = Some(cause);
            self.state = State::default();
            self.body_counts.add(&Arc::from(cause.label()), 1);
            return Err(cause);
        }
        Ok(if out.is_empty() && !end {
            None
        } else {
            Some(Bytes::from(out))
        })
    }
}
