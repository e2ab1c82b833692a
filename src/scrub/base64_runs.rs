//! Secrets inside base64. APIs hand out files and messages base64-encoded in JSON: GitHub's
//! contents API (`"content": "QVdTX0FD…\n…"`, wrapped with `\n` escapes), Gmail's message bodies
//! (base64url), GCP Secret Manager payloads. A committed `.env` file, a welcome e-mail with an API
//! key: the token is there only as base64, which no rule matches and every client decodes. So,
//! on routes that ask for it (`scrub: base64: decode`), runs of base64 text are decoded and the
//! decoded bytes scanned with the same rules; a run that holds a secret is redacted whole. Not
//! by default: even sampled, the search costs clean JSON about a sixth of its speed.
//!
//! Finding runs is a sampled pass, so that clean bodies pay little: a run of at least
//! [`MIN_RUN`] bytes holds two consecutive stream offsets that are multiples of [`STRIDE`], so
//! only those offsets are looked at, and a run is walked only where both may be in one. A run
//! inside a redaction already found is stepped over, and so is one whose first quartets are no
//! base64 of ASCII text (tokens, ids, digests: see [`text_like`]). The rest are decoded when they
//! hold both cases of letters and one alphabet, and scanned when what they decode to is text.
//! A run is at most [`MAX_RUN`] long; a longer one (an image) is cut into `MAX_RUN` pieces,
//! decoded as they come. A run wrapped over real line breaks (a MIME part, 76 characters a line)
//! is one run (see [`wrapped_end`]).

use std::ops::Range;

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

use super::patterns::HARD_CAP;

/// The shortest run decoded: 36 bytes of text. Files and messages are longer, and a token
/// encoded alone (a Kubernetes Secret's value) usually is too; shorter runs are mostly ids and
/// words, and sampling for them cost clean JSON a third of its speed.
pub const MIN_RUN: usize = 48;
/// Sampling stride: any run of `MIN_RUN` bytes holds two consecutive multiples of it.
const STRIDE: usize = MIN_RUN / 2;
// The probes between two samples are written out for this stride.
const _: () = assert!(STRIDE == 24);
/// The longest run decoded as one: past it, the run is held back no longer.
pub const MAX_RUN: usize = HARD_CAP;

/// Bytes that may be in a run: the two base64 alphabets, and the backslash of an escape a JSON
/// string may hold inside one (`\n`, `\r`, `\/`).
static IN_RUN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_' | b'\\');
        b += 1;
    }
    t
};

/// [`IN_RUN`] but the backslash: the bytes that are run members on their own.
static MEMBER: [bool; 256] = {
    let mut t = IN_RUN;
    t[b'\\' as usize] = false;
    t
};

/// What the next run is, at or after a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// A run decided by the bytes so far: ended by a byte outside it, by the end of the input,
    /// or cut at `MAX_RUN`.
    Run(Range<usize>),
    /// A run (or bytes that may begin one) from here reaches the end of the bytes so far.
    Open(usize),
    /// No run worth decoding starts before this position: a run whose first [`PROBE`] bytes
    /// are no base64 of text (a token, an id, a digest), stepped over whole (or a `MAX_RUN`
    /// piece of it) without being decoded.
    Skip(usize),
    /// No run starts before the end of the bytes so far.
    Done,
}

/// The bytes of a run [`text_like`] looks at before the run is walked to its end.
const PROBE: usize = 32;

/// The length of the run bytes at the start of `hay` (escapes whole), at most `max`; and whether
/// the bytes ended inside an escape (a lone backslash at the end).
fn walk(hay: &[u8], max: usize) -> (usize, bool) {
    let limit = hay.len().min(max);
    let mut i = 0;
    while i < limit {
        // Eight members at a time, the common case; a block with anything else goes byte by
        // byte (an escape, or the run's end).
        if let Some(block) = hay.get(i..i + 8).filter(|_| i + 8 <= limit) {
            let members = block.iter().fold(true, |all, &b| all & MEMBER[b as usize]);
            if members {
                i += 8;
                continue;
            }
        }
        match hay[i] {
            b'\\' => match hay.get(i + 1) {
                Some(b'n' | b'r' | b'/') => i += 2,
                Some(_) => return (i, false),
                None => return (i, true),
            },
            b if IN_RUN[b as usize] => i += 1,
            _ => return (i, false),
        }
    }
    (i.min(max), false)
}

/// The next run in `hay` that starts at or after `from`; `base` is `hay[0]`'s stream offset (the
/// sampled offsets are the stream's, so the answer does not depend on the chunking), `eof`
/// whether the input ends with `hay`. Trailing `=` padding belongs to the run.
///
/// `known(q)` is where a redaction already found around stream offset `q` ends, if one holds
/// it: a token the rules took is base64-like too, and there is nothing to decode inside it.
///
/// `resume` carries what an earlier search walked of a run that was still open (see
/// [`Resume`]); it is updated whenever a run is found open again.
pub fn next_run(
    hay: &[u8],
    from: usize,
    base: u64,
    eof: bool,
    mut known: impl FnMut(u64) -> Option<u64>,
    resume: &mut Resume,
) -> Next {
    let stride = STRIDE as u64;
    let sample_from = |p: usize| p + ((stride - (base + p as u64) % stride) % stride) as usize;
    let mut q = sample_from(from);
    while q + STRIDE < hay.len() {
        // Both samples and every fourth byte between: words and ids shorter than a run rarely
        // pass, and a run of `MIN_RUN` through `q` and `q + STRIDE` always does. Written out:
        // an iterator here was a call per sample.
        let w = &hay[q..=q + STRIDE];
        let member = |d: usize| IN_RUN[w[d] as usize];
        if !(member(0)
            && member(STRIDE)
            && member(4)
            && member(8)
            && member(12)
            && member(16)
            && member(20))
        {
            q += STRIDE;
            continue;
        }
        if let Some(end) = known(base + q as u64) {
            q = sample_from(((end - base) as usize).max(q + 1));
            continue;
        }
        // The run around `q`: back to its start (never before `from`), then forward; a
        // backslash that begins no escape on the way ends one run, and the next begins after it.
        let mut start = q;
        while start > from && IN_RUN[hay[start - 1] as usize] {
            start -= 1;
        }
        let (mut len, mut cut) = walk(&hay[start..], PROBE);
        while start + len < q && !cut {
            start += len + 1;
            (len, cut) = walk(&hay[start..], PROBE);
        }
        if len == PROBE && !text_like(&hay[start..start + PROBE]) {
            // Not base64 of text: step over the whole run. One that may go on past what has
            // arrived is held until it ends (at most `MAX_RUN`): stepping over its first bytes
            // only, as this once did, let the next search begin a run inside it, where a search
            // over the whole body began none, and the output depended on the chunking.
            let (len, cut) = resume.walk(hay, start, base);
            if (start + len == hay.len() || cut) && len < MAX_RUN && !eof {
                return Next::Open(start);
            }
            return Next::Skip(start + len);
        }
        if len == PROBE {
            (len, cut) = resume.walk(hay, start, base);
        }
        let mut end = start + len;
        if end < q + STRIDE {
            // Two runs, not one (or none: the walk stopped at a backslash that begins no escape
            // it takes): go on from the first one's end, and past `q` whatever it was.
            let next = end + 1 + ((stride - (base + end as u64 + 1) % stride) % stride) as usize;
            q = next.max(q + STRIDE);
            continue;
        }
        if len == MAX_RUN {
            return Next::Run(start..end);
        }
        if end == hay.len() || cut {
            return if eof {
                Next::Run(start..end)
            } else {
                Next::Open(start)
            };
        }
        match resume.wrapped_end(hay, start, end, eof, base) {
            Some(e) => end = e,
            None => return Next::Open(start),
        }
        for _ in 0..2 {
            match hay.get(end) {
                Some(b'=') => end += 1,
                None if !eof => return Next::Open(start),
                _ => break,
            }
        }
        return Next::Run(start..end);
    }
    // No run of `MIN_RUN` before the last sample; the bytes after it may begin one.
    if eof {
        return Next::Done;
    }
    let mut start = hay.len();
    while start > from && (IN_RUN[hay[start - 1] as usize] || hay[start - 1] == b'=') {
        start -= 1;
    }
    if start < hay.len() {
        Next::Open(start)
    } else {
        Next::Done
    }
}

/// What the search walked of a run that had not ended in the bytes so far, kept between calls
/// so that the next call goes on from there. Without it a run arriving in small pieces (a
/// hostile or trickling upstream; the run may be 64 KiB, see [`MAX_RUN`]) was walked from its
/// start at every piece: work quadratic in the run's length over the piece size.
///
/// Bytes never change once they have arrived, so what was walked stays walked: each call
/// resumes at the first byte it has not seen as a run member (the walk's own state there is
/// empty, as it stops before an escape it cannot finish), and the wrapped-line search at the
/// end of the last whole line.
#[derive(Debug, Default, Clone, Copy)]
pub struct Resume {
    /// The run's first byte, as a stream offset.
    start: u64,
    /// Run bytes from `start` walked so far.
    walked: usize,
    /// Past the first line: where the last whole wrapped line walked ends, from `start`.
    lines: usize,
}

impl Resume {
    /// `walk(&hay[start..], MAX_RUN)`, going on from what an earlier call walked of the same
    /// run.
    fn walk(&mut self, hay: &[u8], start: usize, base: u64) -> (usize, bool) {
        let at = base + start as u64;
        let done = if self.start == at {
            self.walked.min(hay.len() - start)
        } else {
            0
        };
        let (more, cut) = walk(&hay[start + done..], MAX_RUN - done);
        let len = done + more;
        if start + len == hay.len() || cut {
            *self = Self {
                start: at,
                walked: len,
                lines: 0,
            };
        }
        (len, cut)
    }

    /// [`wrapped_end`], going on from the last whole line an earlier call walked of the run.
    fn wrapped_end(
        &mut self,
        hay: &[u8],
        start: usize,
        end: usize,
        eof: bool,
        base: u64,
    ) -> Option<usize> {
        let at = base + start as u64;
        let lines = if self.start == at && start + self.lines <= hay.len() {
            self.lines.max(end - start)
        } else {
            end - start
        };
        let (found, last_whole) = wrapped_end(hay, start, end, start + lines, eof);
        if found.is_none() {
            if self.start != at {
                *self = Self {
                    start: at,
                    walked: end - start,
                    lines: 0,
                };
            }
            self.lines = last_whole - start;
        }
        found
    }
}

/// Where a run that ends at a line break ends when it is wrapped over lines: a MIME part
/// (`Content-Transfer-Encoding: base64`, 76 characters a line with CRLF), a PEM block or a
/// wrapped file carries one base64 text over many lines, and a secret in it is cut by a line
/// break as often as not. The lines that follow, each after one line break (`\r\n` or `\n`),
/// as long as the run's first line (`start..end`) or, once, shorter (the last), are the same
/// run. `None` when the bytes end before that is decided (never at `eof`), with where the last
/// whole line walked ends. `from` is the end of a whole line already walked (`end` when none
/// was), where the walk over the lines begins.
///
/// Encoders wrap at a multiple of 4 characters (76, 64, 60), so every line begins a quartet,
/// and for text its first character is one of `A-Z a-f` (see [`text_like`]): a line that does
/// not (a MIME boundary, `--b1_5f3a…`, is all base64 characters too) ends the run.
fn wrapped_end(
    hay: &[u8],
    start: usize,
    end: usize,
    from: usize,
    eof: bool,
) -> (Option<usize>, usize) {
    let width = end - start;
    if width % 4 != 0 {
        return (Some(end), end);
    }
    let mut end = from;
    loop {
        let line = end
            + match &hay[end..] {
                [b'\r', b'\n', ..] => 2,
                [b'\n', ..] => 1,
                [b'\r'] if !eof => return (None, end),
                _ => return (Some(end), end),
            };
        if line + width > MAX_RUN + start {
            return (Some(end), end);
        }
        let rest = &hay[line..];
        let n = rest
            .iter()
            .take(width + 1)
            .take_while(|&&b| MEMBER[b as usize])
            .count();
        if n == rest.len() && !eof {
            // The line may go on, or be followed by more.
            return (None, end);
        }
        if n == 0 || n > width || !quartet_start(rest[0]) {
            return (Some(end), end);
        }
        end = line + n;
        if n < width {
            return (Some(end), end);
        }
    }
}

/// Whether the first quartets of a run read as base64 of ASCII text: the first character of a
/// quartet holds a byte's top six bits, so for bytes below 0x80 it is one of `A-Z a-f`. Most
/// base64-like ids and random tokens fail within a few quartets, before anything is decoded.
fn text_like(run: &[u8]) -> bool {
    // One quartet may miss: a non-ASCII letter, a byte-order mark. An escape shifts the
    // quartets: the run is then taken as text-like, and decoding decides.
    if run[..PROBE].contains(&b'\\') {
        return true;
    }
    let mut misses = 0;
    for &b in run[..PROBE].iter().step_by(4) {
        misses += usize::from(!quartet_start(b));
    }
    misses <= 1
}

/// Whether `b` can begin a quartet of base64 of ASCII text: it holds a byte's top six bits.
fn quartet_start(b: u8) -> bool {
    b.is_ascii_uppercase() || (b'a'..=b'f').contains(&b)
}

/// Decoded bytes a secret could be in: text, with a few bytes of anything else at most (UTF-8
/// letters, a stray control byte).
fn is_text(bytes: &[u8]) -> bool {
    let other = bytes
        .iter()
        .filter(|&&b| !(b.is_ascii_graphic() || matches!(b, b' ' | b'\t' | b'\n' | b'\r')))
        .count();
    other * 10 <= bytes.len()
}

/// The bytes a run decodes to, when it is worth decoding: at least `MIN_RUN` long, base64 of
/// text by its first quartets, both cases of letters, one alphabet, valid base64 once its
/// escapes are taken out, and text once decoded.
pub fn decode(run: &[u8]) -> Option<Vec<u8>> {
    if run.len() < MIN_RUN || !text_like(run) {
        return None;
    }
    let mut text = Vec::with_capacity(run.len());
    let mut i = 0;
    while i < run.len() {
        match run[i] {
            b'\\' => {
                if run.get(i + 1) == Some(&b'/') {
                    text.push(b'/');
                }
                i += 2;
            }
            b'=' => break,
            // The line breaks of a wrapped run (see `wrapped_end`).
            b'\r' | b'\n' => i += 1,
            b => {
                text.push(b);
                i += 1;
            }
        }
    }
    let (upper, lower) = (
        text.iter().any(u8::is_ascii_uppercase),
        text.iter().any(u8::is_ascii_lowercase),
    );
    let url = text.iter().any(|b| matches!(b, b'-' | b'_'));
    let standard = text.iter().any(|b| matches!(b, b'+' | b'/'));
    if !(upper && lower) || (url && standard) || text.len() < MIN_RUN {
        return None;
    }
    // A last lone character carries no whole byte.
    if text.len() % 4 == 1 {
        text.pop();
    }
    let engine = if url { &URL_SAFE } else { &STANDARD };
    engine.decode(&text).ok().filter(|d| is_text(d))
}

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
static STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
static URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

#[cfg(test)]
mod tests;
