//! Event streams reassembled. An SSE client concatenates what it receives field by field: the
//! `data:` values of successive events, or in JSON events the values at one key path
//! (`choices.delta.content`, `delta.text`). A secret an upstream streams in pieces, `sk_live_51`
//! in one event and the rest in the next, reaches the agent whole although no single event holds
//! it, so scanning the raw bytes alone is not enough.
//!
//! Next to the raw scan, this keeps one logical stream per field path: the concatenated values,
//! each byte mapped back to its raw offset. The same engine resolves redactions over each logical
//! stream; a match is mapped back onto the raw pieces it came from, the first piece written as the
//! redaction and the others removed, so what the client assembles carries exactly one
//! `[REDACTED:<kind>]`. Raw output waits until every logical stream has decided the bytes it
//! covers: an event whose value ends in something that could begin a secret is held until the
//! next event on that path (or the end of the stream) settles it. That is one event of latency in
//! the worst case; a route that prefers per-event latency turns reassembly off.
//!
//! Events a client takes whole are not joined: a JSON-RPC message (a top-level `"jsonrpc"` key,
//! as MCP sends) and the SSE transport's `endpoint` event close the fields they wrote to at their
//! end. Their upstream typically waits for the agent's reply before sending more, so holding
//! them for a next event would hang the exchange.
//!
//! Bounds: at most [`MAX_PATHS`] logical streams (the least recently grown one is closed when a
//! new path needs a slot), and a stream that has not grown for [`IDLE`] raw bytes is closed.
//! Closing decides a stream's tail as if the body had ended. Both happen at line ends, fixed
//! points of the raw bytes, so the output stays independent of chunking.

use std::collections::VecDeque;

use super::patterns::{Caches, HARD_CAP};
use super::stream::{Interval, Overflow, Scanner, State, NEVER};

/// Logical streams kept at once.
pub const MAX_PATHS: usize = 32;
/// A logical stream that has not grown for this many raw bytes is closed.
pub const IDLE: u64 = (HARD_CAP / 2) as u64;
const MAX_DEPTH: usize = 32;
const MAX_KEY: usize = 64;
/// The path of plain (non-JSON) `data:` values.
const PLAIN: &[u8] = b"data";

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Line {
    #[default]
    Start,
    Name,
    Data,
    /// An `event:` line: its value (the event type) is kept.
    Event,
    Skip,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Payload {
    #[default]
    Undecided,
    Plain,
    Json,
    /// Nested too deep to track: the raw scan still covers it.
    Ignored,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Str {
    #[default]
    None,
    Key,
    /// A string value, appended to the logical stream at this index.
    Value(usize),
}

#[derive(Debug)]
struct Frame {
    object: bool,
    key: Vec<u8>,
    expect_key: bool,
}

/// A tolerant JSON tokenizer that only tracks where string values sit: malformed input just
/// yields odd paths until the event ends.
#[derive(Debug, Default)]
struct Json {
    stack: Vec<Frame>,
    string: Str,
    escaped: bool,
}

#[derive(Debug, Clone, Copy)]
struct Seg {
    log: u64,
    raw: u64,
    len: u64,
}

#[derive(Debug)]
struct PathStream {
    path: Vec<u8>,
    state: State,
    segs: VecDeque<Seg>,
    len: u64,
    /// Raw offset just after the last byte appended.
    last_raw: u64,
    /// Raw offset before which this stream has decided everything.
    hold: u64,
    dirty: bool,
    used: u64,
}

impl PathStream {
    fn new(path: Vec<u8>) -> Self {
        // A field's values are joined for secrets split across events, not searched for base64
        // (the raw bytes are): every value ending in a letter would wait for the next event.
        let mut state = State::without_base64();
        state.fine_tail = true;
        Self {
            path,
            state,
            segs: VecDeque::new(),
            len: 0,
            last_raw: 0,
            hold: NEVER,
            dirty: false,
            used: 0,
        }
    }

    fn append(&mut self, bytes: &[u8], raw: u64, clock: u64) {
        if bytes.is_empty() {
            return;
        }
        let n = bytes.len() as u64;
        match self.segs.back_mut() {
            Some(s) if s.raw + s.len == raw && s.log + s.len == self.len => s.len += n,
            _ => self.segs.push_back(Seg {
                log: self.len,
                raw,
                len: n,
            }),
        }
        self.state.buf.extend_from_slice(bytes);
        self.len += n;
        self.last_raw = raw + n;
        self.dirty = true;
        self.used = clock;
    }

    fn raw_at(&self, log: u64) -> u64 {
        self.segs
            .iter()
            .find(|s| log < s.log + s.len)
            .map_or(NEVER, |s| s.raw + (log.max(s.log) - s.log))
    }

    /// Resolves what can be decided and maps it onto the raw stream.
    fn resolve(
        &mut self,
        sc: &Scanner,
        caches: &mut Caches,
        eof: bool,
        raw: &mut Vec<Interval>,
    ) -> Result<(), Overflow> {
        let mut found = Vec::new();
        let hold = self.state.resolve(sc, caches, eof, &mut found)?;
        for iv in found {
            let mut first = true;
            for s in self.segs.iter() {
                let (from, to) = (iv.start.max(s.log), iv.end.min(s.log + s.len));
                if from >= to {
                    continue;
                }
                raw.push(Interval {
                    start: s.raw + (from - s.log),
                    end: s.raw + (to - s.log),
                    rule: iv.rule,
                    silent: !first,
                });
                first = false;
            }
        }
        self.hold = if hold == NEVER {
            NEVER
        } else {
            self.raw_at(hold)
        };
        while self
            .segs
            .front()
            .is_some_and(|s| s.log + s.len <= self.state.emitted)
        {
            self.segs.pop_front();
        }
        self.dirty = false;
        Ok(())
    }
}

/// The SSE side of one body's scrubber.
#[derive(Debug, Default)]
pub struct SseView {
    line: Line,
    name: [u8; 5],
    name_len: usize,
    /// The current event's type (`event:`), its first bytes.
    event_type: [u8; 16],
    event_type_len: usize,
    /// The current event is a JSON-RPC message (a top-level `"jsonrpc"` key).
    jsonrpc: bool,
    /// `clock` when the current event began: streams used since were appended to by it.
    event_clock: u64,
    /// The last line ended with `\r`: a `\n` right after it belongs to the same line end.
    cr: bool,
    /// At the start of a `data:` value, where one space is skipped.
    value_start: bool,
    payload: Payload,
    json: Json,
    streams: Vec<PathStream>,
    clock: u64,
}

/// What feeding needs from the scrubber: the engine, and where mapped redactions go.
pub struct Sink<'a> {
    pub scanner: &'a Scanner,
    pub caches: &'a mut Caches,
    pub raw: &'a mut Vec<Interval>,
}

impl SseView {
    /// Parses `chunk`, which starts at raw offset `r0`, into the logical streams.
    pub fn feed(&mut self, chunk: &[u8], r0: u64, sink: &mut Sink<'_>) -> Result<(), Overflow> {
        let mut i = 0;
        while i < chunk.len() {
            let b = chunk[i];
            if std::mem::take(&mut self.cr) && b == b'\n' {
                i += 1;
                continue;
            }
            match self.line {
                Line::Start | Line::Name if b == b'\n' || b == b'\r' => {
                    if self.line == Line::Start {
                        // A blank line dispatches the event.
                        self.dispatch(sink)?;
                    }
                    self.line = Line::Start;
                    self.end_line(r0 + i as u64, b, sink)?;
                    i += 1;
                }
                Line::Start => {
                    self.line = Line::Name;
                    self.name_len = 0;
                }
                Line::Name => {
                    if b == b':' {
                        // Only the first 5 bytes of a name are kept: a longer one is neither.
                        let name = &self.name[..self.name_len.min(5)];
                        self.line = match name {
                            b"data" => Line::Data,
                            b"event" if self.name_len == 5 => Line::Event,
                            _ => Line::Skip,
                        };
                        self.value_start = true;
                    } else {
                        if self.name_len < 5 {
                            self.name[self.name_len] = b;
                        }
                        self.name_len = self.name_len.saturating_add(1);
                    }
                    i += 1;
                }
                Line::Skip | Line::Data | Line::Event => {
                    let eol = memchr::memchr2(b'\n', b'\r', &chunk[i..]).map(|k| i + k);
                    let stop = eol.unwrap_or(chunk.len());
                    if self.line != Line::Skip {
                        let mut s = i;
                        if self.value_start && s < stop {
                            self.value_start = false;
                            s += usize::from(chunk[s] == b' ');
                        }
                        if self.line == Line::Data {
                            self.data(&chunk[s..stop], r0 + s as u64, sink)?;
                        } else {
                            for &b in &chunk[s..stop] {
                                if self.event_type_len < self.event_type.len() {
                                    self.event_type[self.event_type_len] = b;
                                }
                                self.event_type_len = self.event_type_len.saturating_add(1);
                            }
                        }
                    }
                    i = stop;
                    if let Some(e) = eol {
                        self.line = Line::Start;
                        self.end_line(r0 + e as u64, chunk[e], sink)?;
                        i = e + 1;
                    }
                }
            }
        }
        Ok(())
    }

    fn end_line(&mut self, at: u64, b: u8, sink: &mut Sink<'_>) -> Result<(), Overflow> {
        self.cr = b == b'\r';
        // A JSON string does not continue past its line (stream indices may change below).
        if matches!(self.json.string, Str::Value(_)) {
            self.json.string = Str::None;
        }
        let mut k = 0;
        while k < self.streams.len() {
            if at.saturating_sub(self.streams[k].last_raw) > IDLE {
                self.close(k, sink)?;
            } else {
                k += 1;
            }
        }
        Ok(())
    }

    /// The end of an event. A client takes a JSON-RPC message (MCP's, and any JSON-RPC over
    /// SSE) or the SSE transport's `endpoint` event whole, and never joins it with the next
    /// one; and the upstream may wait for the agent's reply before sending anything more. So
    /// the fields such an event wrote to are closed here, their tails decided as if the stream
    /// ended, rather than held for a next event that may only come after the reply.
    fn dispatch(&mut self, sink: &mut Sink<'_>) -> Result<(), Overflow> {
        let self_contained =
            self.jsonrpc || &self.event_type[..self.event_type_len.min(16)] == b"endpoint";
        if self_contained {
            let mut k = 0;
            while k < self.streams.len() {
                if self.streams[k].used > self.event_clock {
                    self.close(k, sink)?;
                } else {
                    k += 1;
                }
            }
        }
        self.payload = Payload::Undecided;
        self.json = Json::default();
        self.jsonrpc = false;
        self.event_type_len = 0;
        self.event_clock = self.clock;
        Ok(())
    }

    fn close(&mut self, k: usize, sink: &mut Sink<'_>) -> Result<(), Overflow> {
        let mut s = self.streams.swap_remove(k);
        s.resolve(sink.scanner, sink.caches, true, sink.raw)
    }

    /// Resolves every stream that grew (all of them at the end of the body); returns the raw
    /// offset before which all of them have decided everything.
    pub fn resolve(&mut self, eof: bool, sink: &mut Sink<'_>) -> Result<u64, Overflow> {
        let mut hold = NEVER;
        for s in &mut self.streams {
            if s.dirty || eof {
                s.resolve(sink.scanner, sink.caches, eof, sink.raw)?;
            }
            hold = hold.min(s.hold);
        }
        Ok(hold)
    }

    /// The logical stream for `path`, made (closing the least recently grown one when all slots
    /// are taken) if there is none.
    fn stream(&mut self, path: &[u8], sink: &mut Sink<'_>) -> Result<usize, Overflow> {
        if let Some(k) = self.streams.iter().position(|s| s.path == path) {
            return Ok(k);
        }
        if self.streams.len() == MAX_PATHS {
            let lru = (0..self.streams.len())
                .min_by_key(|&k| self.streams[k].used)
                .unwrap_or(0);
            self.close(lru, sink)?;
        }
        self.streams.push(PathStream::new(path.to_vec()));
        Ok(self.streams.len() - 1)
    }

    fn append(&mut self, k: usize, bytes: &[u8], raw: u64) {
        self.clock += 1;
        let clock = self.clock;
        self.streams[k].append(bytes, raw, clock);
    }

    /// One run of a `data:` value's bytes, at raw offset `raw`.
    fn data(
        &mut self,
        mut bytes: &[u8],
        mut raw: u64,
        sink: &mut Sink<'_>,
    ) -> Result<(), Overflow> {
        if self.payload == Payload::Undecided {
            let Some(first) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else {
                return Ok(());
            };
            self.payload = if matches!(bytes[first], b'{' | b'[' | b'"') {
                Payload::Json
            } else {
                Payload::Plain
            };
            bytes = &bytes[first..];
            raw += first as u64;
        }
        match self.payload {
            Payload::Plain => {
                let k = self.stream(PLAIN, sink)?;
                self.append(k, bytes, raw);
                Ok(())
            }
            Payload::Json => self.json(bytes, raw, sink),
            Payload::Undecided | Payload::Ignored => Ok(()),
        }
    }

    /// The JSON tokenizer over one run of bytes: string values go to the stream of their path.
    fn json(&mut self, bytes: &[u8], raw: u64, sink: &mut Sink<'_>) -> Result<(), Overflow> {
        let mut i = 0;
        while i < bytes.len() {
            match self.json.string {
                Str::Value(k) => {
                    let start = i;
                    let mut closed = false;
                    while i < bytes.len() {
                        let b = bytes[i];
                        if std::mem::take(&mut self.json.escaped) {
                        } else if b == b'\\' {
                            self.json.escaped = true;
                        } else if b == b'"' {
                            closed = true;
                            break;
                        }
                        i += 1;
                    }
                    self.append(k, &bytes[start..i], raw + start as u64);
                    if closed {
                        self.json.string = Str::None;
                        i += 1;
                    }
                }
                Str::Key => {
                    let b = bytes[i];
                    i += 1;
                    let depth = self.json.stack.len();
                    let Some(top) = self.json.stack.last_mut() else {
                        self.json.string = Str::None;
                        continue;
                    };
                    if std::mem::take(&mut self.json.escaped) {
                    } else if b == b'\\' {
                        self.json.escaped = true;
                        continue;
                    } else if b == b'"' {
                        self.json.string = Str::None;
                        top.expect_key = false;
                        self.jsonrpc |= depth == 1 && top.key == b"jsonrpc";
                        continue;
                    }
                    if top.key.len() < MAX_KEY {
                        top.key.push(b);
                    }
                }
                Str::None => {
                    let b = bytes[i];
                    i += 1;
                    match b {
                        b'{' | b'[' => {
                            if self.json.stack.len() == MAX_DEPTH {
                                self.payload = Payload::Ignored;
                                return Ok(());
                            }
                            self.json.stack.push(Frame {
                                object: b == b'{',
                                key: Vec::new(),
                                expect_key: b == b'{',
                            });
                        }
                        b'}' | b']' => {
                            self.json.stack.pop();
                        }
                        b',' => {
                            if let Some(top) = self.json.stack.last_mut() {
                                top.expect_key = top.object;
                            }
                        }
                        b'"' => match self.json.stack.last_mut() {
                            Some(top) if top.object && top.expect_key => {
                                top.key.clear();
                                self.json.string = Str::Key;
                            }
                            _ => {
                                let path = self.path();
                                let k = self.stream(&path, sink)?;
                                self.json.string = Str::Value(k);
                            }
                        },
                        _ => {}
                    }
                }
            }
        }
        Ok(())
    }

    /// `J.choices[].delta.content`: the keys down to the value about to start.
    fn path(&self) -> Vec<u8> {
        let mut p = b"J".to_vec();
        for f in &self.json.stack {
            if f.object {
                p.push(b'.');
                p.extend_from_slice(&f.key);
            } else {
                p.extend_from_slice(b"[]");
            }
        }
        p
    }
}

#[cfg(test)]
mod tests;
