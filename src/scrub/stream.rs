//! The streaming engine: redactions of one response body, chunk by chunk, with bounded
//! hold-back and output that is byte-identical however the body is chunked.
//!
//! Independent streams of redaction intervals are resolved over the buffered bytes: pattern
//! matches (candidates from the prefilter, verified in position order; a match skips candidates
//! inside it), live-credential occurrences (leftmost-longest, non-overlapping) and, on routes
//! that ask for it, base64 runs that hold a secret (decided behind the other two, see
//! `base64_runs`). Each stream has a frontier before which it knows every interval it will ever
//! produce; the union is emitted up to the lowest frontier, overlapping intervals merged into
//! one replacement. A window (a range cut from a widened one) limits what is written, not what
//! is scanned.
//! Every decision depends only on bytes within a bounded window of the position it is about, and
//! a stream stops at the first position whose window is not complete yet, so a split anywhere
//! changes when bytes are emitted, never what is emitted. What is held back is bounded by the
//! longest window; a match that would exceed [`HARD_CAP`] fails the stream closed.

use std::sync::Arc;

pub use super::counts::Counts;
use super::counts::Tally;
use super::held::{Budget, Held};
use super::live::LiveSet;
use super::patterns::{append_short, Caches, Label, PatternSet, Verdict, HARD_CAP, LOOK_BEHIND};
use super::prefilter::Candidates;

/// The kind recorded for a live credential.
pub const LIVE_KIND: &str = "credential";
pub(super) const NEVER: u64 = u64::MAX;
/// Original bytes kept before the emit point for look-behind.
const KEEP: u64 = 2 * LOOK_BEHIND as u64;

/// How a redaction is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Replacement {
    /// `[REDACTED:<kind>]`.
    #[default]
    Kind,
    /// `<public prefix>[REDACTED:<kind>]`, e.g. `sk_live_[REDACTED:stripe_secret_key]`, where
    /// the rule names a fixed public prefix (never for live credentials).
    KeepPrefix,
}

/// Why the stream failed closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Overflow {
    /// A single match would have exceeded the hard cap.
    #[error("a single redaction candidate exceeded the {HARD_CAP}-byte scrub cap; the rest of the body was withheld")]
    Cap,
    /// The body's candidates turned down by their checks overlapped past the verification
    /// budget (see `held::WORK_PER_BYTE`).
    #[error("the body's redaction candidates overlapped past the scrub's work budget; the rest of the body was withheld")]
    Budget,
}

impl Overflow {
    /// The label for metrics and the audit line.
    pub fn label(self) -> &'static str {
        match self {
            Overflow::Cap => "scrub_overflow",
            Overflow::Budget => "scrub_budget",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Interval {
    pub start: u64,
    pub end: u64,
    /// Rule index, or `None` for a live credential.
    pub rule: Option<u16>,
    /// A later piece of a secret split across SSE events: removed, not written as a redaction
    /// (the first piece carries it).
    pub silent: bool,
}

impl Interval {
    /// The total order of `pending`: start, written before silent, rule (live first), end.
    fn key(&self) -> (u64, bool, Option<u16>, u64) {
        (self.start, self.silent, self.rule, self.end)
    }

    /// `self.key() < other.key()`, deciding on the start alone in the common case: merging and
    /// order checks compare every interval of a secret-dense chunk, and the whole tuple
    /// comparison was a real share of that.
    #[inline]
    fn precedes(&self, other: &Self) -> bool {
        if self.start != other.start {
            return self.start < other.start;
        }
        self.key() < other.key()
    }
}

/// Whether `v` is in `pending`'s total order.
fn in_order(v: &[Interval]) -> bool {
    v.windows(2).all(|w| !w[1].precedes(&w[0]))
}

/// Merges the sorted runs `v[..mid]` and `v[mid..end]`, keeping the first run's interval first
/// on equal keys (what a stable sort does); `v[end..]` stays as it is.
fn merge_runs(v: &mut Vec<Interval>, mid: usize, end: usize, scratch: &mut Vec<Interval>) {
    if mid == 0 || mid == end || !v[mid].precedes(&v[mid - 1]) {
        return;
    }
    scratch.clear();
    scratch.reserve(v.len());
    let (a, b) = (&v[..mid], &v[mid..end]);
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if b[j].precedes(&a[i]) {
            scratch.push(b[j]);
            j += 1;
        } else {
            scratch.push(a[i]);
            i += 1;
        }
    }
    scratch.extend_from_slice(&a[i..]);
    scratch.extend_from_slice(&b[j..]);
    scratch.extend_from_slice(&v[end..]);
    std::mem::swap(v, scratch);
}

/// The shared, immutable parts of a scrubber: what to look for and how to write redactions.
#[derive(Debug, Clone)]
pub struct Scanner {
    pub patterns: Arc<PatternSet>,
    pub live: Arc<LiveSet>,
    pub style: Replacement,
    /// Redact `Set-Cookie` values whole (see `headers`).
    pub redact_cookies: bool,
    /// Decode runs of base64 and scan what they hold (see `base64_runs`).
    pub decode_base64: bool,
    live_kind: Arc<str>,
    live_label: Arc<Label>,
}

impl Scanner {
    pub fn new(patterns: Arc<PatternSet>, live: Arc<LiveSet>, style: Replacement) -> Self {
        Self {
            patterns,
            live,
            style,
            redact_cookies: true,
            decode_base64: false,
            live_kind: Arc::from(LIVE_KIND),
            live_label: Arc::new(Label::new(LIVE_KIND)),
        }
    }

    /// Scrubs a complete value (a header); returns the output and the counts.
    pub fn scrub_all(&self, input: &[u8], caches: &mut Caches) -> (Vec<u8>, Counts) {
        let mut st = State::default();
        let mut tally = Tally::default();
        st.buf.extend_from_slice(input);
        let mut out = Vec::with_capacity(input.len());
        // At the end of input nothing waits for more bytes, and the PEM scanner redacts to the end
        // rather than overflow, so this cannot fail.
        let _ = st.advance(self, caches, true, NEVER, &mut out, &mut tally);
        let mut counts = Counts::default();
        tally.drain_into(self.patterns.rules(), &self.live_kind, &mut counts);
        (out, counts)
    }

    /// The first redaction in `bytes` scanned as a whole body, without decoding base64 in them
    /// again: its rule, or `Some(None)` for a live credential.
    /// `budget` is the work budget its stream's runs share.
    fn first_redaction(
        &self,
        bytes: &[u8],
        caches: &mut Caches,
        budget: &mut Budget,
    ) -> Option<Option<u16>> {
        let mut st = State::without_base64();
        st.buf.extend_from_slice(bytes);
        st.held.resume(budget);
        let found = st.find_intervals(self, caches, true, bytes.len() as u64, NEVER);
        st.held.spent(budget, bytes.len());
        match found {
            Ok(_) => st.pending.first().map(|iv| iv.rule),
            // A candidate past the cap, or past the work budget, in decoded bytes: the run is
            // redacted whole, where a body would fail closed.
            Err(_) => Some(None),
        }
    }

    fn write_redaction(
        &self,
        iv: &Interval,
        original: &[u8],
        out: &mut Vec<u8>,
        tally: &mut Tally,
    ) {
        let rules = self.patterns.rules();
        let (slot, label, keep) = match iv.rule {
            None => (rules.len(), &*self.live_label, 0),
            Some(r) => {
                let rule = &rules[r as usize];
                (r as usize, &rule.label, rule.keep)
            }
        };
        if self.style == Replacement::KeepPrefix && keep > 0 {
            out.extend_from_slice(&original[..keep.min(original.len())]);
        }
        label.write(out);
        tally.add(slot);
    }
}

/// Per-body positions, all absolute offsets in the stream.
#[derive(Default)]
pub(super) struct State {
    /// Original bytes from `base` on.
    pub buf: Vec<u8>,
    base: u64,
    /// Everything before this has been written out (as itself or as a redaction).
    pub emitted: u64,
    /// Hold back only what could still begin a live credential, at a small cost per call
    /// (message streams: events and JSON lines, where every byte held back delays a message;
    /// see `StreamScrubber::message_stream`).
    pub fine_tail: bool,
    /// Pattern stream: where the candidate search resumes (no pending candidate before it).
    pat_scan: u64,
    /// Live stream: where the occurrence scan resumes, and the end of the last live match.
    live_scan: u64,
    live_pos: u64,
    pub pending: Vec<Interval>,
    /// Reused by the live stream for the occurrences of one call.
    occ: Vec<(usize, usize)>,
    /// The prefilter's next hits in this stream.
    cands: Candidates,
    /// What verification did for the candidate the pattern stream waits at.
    held: Held,
    /// Reused by `merge_runs`.
    scratch: Vec<Interval>,
    /// Only original bytes in `[start, end)` are written, and only the redactions that overlap
    /// them (a ranged response scanned with context around the range).
    window: Option<(u64, u64)>,
    /// Base64 stream: where the run search resumes, and what it walked of a run still open.
    b64_scan: u64,
    b64_resume: super::base64_runs::Resume,
    /// The work budget the decoded runs share.
    b64_budget: Budget,
    /// No base64 search (see [`State::without_base64`]).
    nested: bool,
}

/// The buffer holds response bytes not yet scrubbed: `Debug` shows positions and sizes only, so
/// formatting a request's context can never print a secret.
impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("base", &self.base)
            .field("emitted", &self.emitted)
            .field("buffered", &self.buf.len())
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl State {
    /// A state that does not search for base64 runs: for bytes decoded from one, and for an
    /// event stream's logical streams.
    pub(super) fn without_base64() -> Self {
        Self {
            nested: true,
            ..Self::default()
        }
    }

    fn rel(&self, abs: u64) -> usize {
        (abs - self.base) as usize
    }

    /// Runs the interval streams and leaves `pending` sorted in a total order, so the label of
    /// merged intervals does not depend on the order they were found in (which differs with
    /// chunking); returns the pattern frontier and the lower of the live and base64 ones.
    /// `pending` is four sorted runs: what was carried over (plus any event-stream pieces,
    /// sorted here if they broke the order), then the pattern stream's, the live stream's and
    /// the base64 stream's; linear merges replace a sort that cost ~5% of a secret-dense body's
    /// time. `ext` is the event-stream frontier: the base64 stream steps over a run inside a
    /// redaction already found, so it decides no run before every stream whose redactions could
    /// cover it has decided, the event stream's mapped pieces included.
    fn find_intervals(
        &mut self,
        sc: &Scanner,
        caches: &mut Caches,
        eof: bool,
        end: u64,
        ext: u64,
    ) -> Result<(u64, u64), Overflow> {
        if !in_order(&self.pending) {
            self.pending.sort_by_key(Interval::key);
        }
        let carried = self.pending.len();
        let fp = self.pattern_stream(sc, caches, eof, end)?;
        let patterns = self.pending.len();
        let fl = self.live_stream(sc, eof, end);
        merge_runs(&mut self.pending, carried, patterns, &mut self.scratch);
        let all = self.pending.len();
        merge_runs(&mut self.pending, patterns, all, &mut self.scratch);
        // Last, so that a run already inside a redaction is not decoded.
        let fb = self.base64_stream(sc, caches, eof, end.min(fp).min(fl).min(ext));
        let with_base64 = self.pending.len();
        merge_runs(&mut self.pending, all, with_base64, &mut self.scratch);
        // The runs are sorted by construction (the fuzz target checks this with debug assertions
        // on); should that ever not hold, sorting costs time, emitting out of order could leak.
        if !in_order(&self.pending) {
            debug_assert!(false, "interval runs were not sorted");
            self.pending.sort_by_key(Interval::key);
        }
        Ok((fp, fl.min(fb)))
    }

    /// Writes out everything decided. `ext` is a further frontier from outside (the SSE
    /// logical streams), whose intervals are already in `pending`.
    fn advance(
        &mut self,
        sc: &Scanner,
        caches: &mut Caches,
        eof: bool,
        ext: u64,
        out: &mut Vec<u8>,
        tally: &mut Tally,
    ) -> Result<(), Overflow> {
        let end = self.base + self.buf.len() as u64;
        let (fp, fl) = self.find_intervals(sc, caches, eof, end, ext)?;
        let frontier = fp.min(fl).min(ext);
        let mut done = 0;
        while done < self.pending.len() {
            let start = self.pending[done].start;
            let (mut stop, mut live, mut silent, mut rule) = (start, false, true, None);
            let mut k = done;
            while k < self.pending.len() && (k == done || self.pending[k].start < stop) {
                let iv = &self.pending[k];
                stop = stop.max(iv.end);
                if !iv.silent {
                    silent = false;
                    live |= iv.rule.is_none();
                    rule = rule.or(iv.rule);
                }
                k += 1;
            }
            if stop > frontier {
                // An interval not known yet could still start inside this one.
                break;
            }
            self.write_clear(out, start);
            if !silent && self.window.is_none_or(|(a, b)| start < b && stop > a) {
                let merged = Interval {
                    start,
                    end: stop,
                    rule: if live { None } else { rule },
                    silent,
                };
                sc.write_redaction(
                    &merged,
                    &self.buf[self.rel(start)..self.rel(stop)],
                    out,
                    tally,
                );
            }
            self.emitted = stop;
            done = k;
        }
        self.pending.drain(..done);
        let limit = frontier
            .min(end)
            .min(self.pending.first().map_or(NEVER, |iv| iv.start));
        if limit > self.emitted {
            self.write_clear(out, limit);
            self.emitted = limit;
        }
        if !eof && end - self.emitted > 2 * HARD_CAP as u64 {
            return Err(Overflow::Cap);
        }
        let cut = self.emitted.saturating_sub(KEEP).max(self.base) - self.base;
        self.buf.drain(..cut as usize);
        self.base += cut;
        Ok(())
    }

    /// Writes the original bytes from `emitted` to `to`, those inside the window if there is one.
    #[inline(always)]
    fn write_clear(&self, out: &mut Vec<u8>, to: u64) {
        let (from, to) = match self.window {
            None => (self.emitted, to),
            Some((a, b)) => (self.emitted.max(a), to.min(b)),
        };
        if from < to {
            append_short(out, &self.buf[self.rel(from)..], (to - from) as usize);
        }
    }

    /// Detect mode (an SSE logical stream): moves every interval now final into `found` without
    /// writing anything; returns the offset before which everything is decided (`NEVER` when
    /// that is everything so far).
    pub fn resolve(
        &mut self,
        sc: &Scanner,
        caches: &mut Caches,
        eof: bool,
        found: &mut Vec<Interval>,
    ) -> Result<u64, Overflow> {
        let end = self.base + self.buf.len() as u64;
        let (fp, fl) = self.find_intervals(sc, caches, eof, end, NEVER)?;
        let frontier = fp.min(fl);
        let mut done = 0;
        while done < self.pending.len() {
            let mut stop = self.pending[done].end;
            let mut k = done + 1;
            while k < self.pending.len() && self.pending[k].start < stop {
                stop = stop.max(self.pending[k].end);
                k += 1;
            }
            if stop > frontier {
                break;
            }
            done = k;
        }
        found.extend(self.pending.drain(..done));
        let hold = frontier
            .min(end)
            .min(self.pending.first().map_or(NEVER, |iv| iv.start));
        self.emitted = self.emitted.max(hold);
        let cut = self.emitted.saturating_sub(KEEP).max(self.base) - self.base;
        self.buf.drain(..cut as usize);
        self.base += cut;
        Ok(if hold >= end { NEVER } else { hold })
    }

    /// Resolves pattern candidates in order; returns the frontier before which every pattern
    /// interval is known.
    fn pattern_stream(
        &mut self,
        sc: &Scanner,
        caches: &mut Caches,
        eof: bool,
        end: u64,
    ) -> Result<u64, Overflow> {
        let p = &sc.patterns;
        if p.is_empty() {
            return Ok(NEVER);
        }
        // Where this call's scan began, or its last match ended: an anchor cut off by the end
        // of the bytes may start anywhere after it, also before a candidate that was turned
        // down or that waits (a complete anchor inside a longer cut one: `ECRET` in a cut
        // `AGE-SECRET-KEY-1`). The prefilter cannot report such an anchor yet.
        let mut settled = self.rel(self.pat_scan.max(self.emitted));
        loop {
            let from = self.rel(self.pat_scan.max(self.emitted));
            let Some(a) = p.next_candidate(&self.buf, from, self.base, &mut self.cands) else {
                if eof {
                    self.pat_scan = end;
                    return Ok(NEVER);
                }
                // Only an anchor cut off by the end may still come.
                let resume = self.base + p.tail_hold(&self.buf, settled.min(from)) as u64;
                self.pat_scan = resume;
                return Ok(resume);
            };
            let abs = self.base + a as u64;
            self.held.base = self.base;
            let verdict = p.verify(&self.buf, a, eof, caches, &mut self.held);
            if self.held.turned_any_down() && self.held.settle(matches!(verdict, Verdict::NeedMore))
            {
                return Err(Overflow::Budget);
            }
            match verdict {
                Verdict::Match {
                    start,
                    end: e,
                    rule,
                } => {
                    self.pending.push(Interval {
                        start: self.base + start as u64,
                        end: self.base + e as u64,
                        rule: Some(rule),
                        silent: false,
                    });
                    self.pat_scan = self.base + e as u64;
                    self.cands.after_match(abs, self.pat_scan);
                    settled = e;
                }
                Verdict::NoMatch => self.pat_scan = abs + 1,
                Verdict::NeedMore => {
                    let resume = abs.min(self.base + p.tail_hold(&self.buf, settled) as u64);
                    self.pat_scan = resume;
                    return Ok(resume);
                }
                Verdict::Overflow => return Err(Overflow::Cap),
            }
        }
    }

    /// Resolves base64 runs (see `base64_runs`) before `end`, the other streams' frontier (so
    /// that every redaction a run could be inside is known, whatever the chunking): a run whose
    /// decoded bytes hold a redaction becomes one interval, with that redaction's rule. Returns
    /// the frontier before which every such interval is known.
    fn base64_stream(&mut self, sc: &Scanner, caches: &mut Caches, eof: bool, end: u64) -> u64 {
        if self.nested || !sc.decode_base64 {
            return NEVER;
        }
        let eof = eof && end == self.base + self.buf.len() as u64;
        if self.b64_scan >= end && !eof {
            // Decided past where the other streams are now: nothing to do until they catch up.
            return self.b64_scan;
        }
        let hay = &self.buf[..self.rel(end)];
        use super::base64_runs::{decode, next_run, Next};
        let mut from = self.rel(self.b64_scan.max(self.emitted)).min(hay.len());
        let known_count = self.pending.len();
        let mut cursor = 0;
        loop {
            // The redactions found so far are sorted by start: one cursor walks them as the
            // search moves on.
            let known = &self.pending[..known_count];
            let inside = |q: u64| {
                while cursor < known.len() && known[cursor].end <= q {
                    cursor += 1;
                }
                known[cursor..]
                    .iter()
                    .take_while(|iv| iv.start <= q)
                    .map(|iv| iv.end)
                    .filter(|&e| e > q)
                    .max()
            };
            match next_run(hay, from, self.base, eof, inside, &mut self.b64_resume) {
                Next::Run(r) => {
                    let (s, e) = (self.base + r.start as u64, self.base + r.end as u64);
                    if let Some(rule) = decode(&hay[r.clone()])
                        .and_then(|d| sc.first_redaction(&d, caches, &mut self.b64_budget))
                    {
                        self.pending.push(Interval {
                            start: s,
                            end: e,
                            rule,
                            silent: false,
                        });
                    }
                    from = r.end;
                }
                Next::Skip(to) => from = to,
                Next::Open(at) => {
                    self.b64_scan = self.base + at as u64;
                    return self.b64_scan;
                }
                Next::Done => {
                    self.b64_scan = end;
                    return if eof { NEVER } else { end };
                }
            }
        }
    }

    /// Resolves live-credential occurrences; returns the frontier before which every live
    /// interval is known.
    fn live_stream(&mut self, sc: &Scanner, eof: bool, end: u64) -> u64 {
        let live = &sc.live;
        if live.is_empty() {
            return NEVER;
        }
        let from_abs = self.live_scan.max(self.live_pos).max(self.emitted);
        let from = self.rel(from_abs);
        let mut occ = std::mem::take(&mut self.occ);
        occ.clear();
        live.occurrences(&self.buf, from, self.base, &mut occ);
        let frontier = if eof {
            NEVER
        } else if self.fine_tail {
            self.base + live.tail_hold(&self.buf, from) as u64
        } else {
            // An occurrence that starts here or later may not be complete yet.
            self.base + live.settled(&self.buf, from) as u64
        };
        occ.sort_by_key(|&(s, e)| (s, std::cmp::Reverse(e)));
        for &(s, e) in &occ {
            let (s, e) = (self.base + s as u64, self.base + e as u64);
            if s < self.live_pos || s >= frontier {
                continue;
            }
            self.pending.push(Interval {
                start: s,
                end: e,
                rule: None,
                silent: false,
            });
            self.live_pos = e;
        }
        self.occ = occ;
        self.live_scan = if eof { end } else { frontier };
        frontier
    }
}

mod scrubber;
pub use scrubber::StreamScrubber;

#[cfg(test)]
mod tests;
