//! A direct matcher for the shape most token formats have: fixed literals and bounded runs of a
//! byte class, with a word boundary or one delimiter byte at the ends (`\b(AKIA[A-Z2-7]{16})\b`,
//! `eyJ[..]{8,1024}\.eyJ[..]{2,8192}\.[..]{0,1024}`, `://[^:..]{0,256}:([^@..]{1,256})@`).
//!
//! On bodies dense with secrets, verification dominates, and a general regex engine pays a fixed
//! cost per call (input setup, strategy dispatch, cache bookkeeping) that is larger than the work
//! of matching a 40-byte token. When every run is followed by bytes outside its class, a greedy
//! walk is the only possible match, so one pass over the bytes with a 256-entry table decides
//! it. Rules of any other shape keep the regex engine; a test checks both agree on every rule.
//!
//! Runs may also take JSON escapes of their members as one member each: `\/` (PHP writes it
//! for `/` inside strings) and `\u002b` (.NET writes it for `+`), as in
//! `(?:[set]|\\/|\\u002[bB]){m,n}`. Their backslash is never in the run's class, and the two
//! differ at their second byte, so the walk still has one choice at each point.
//!
//! This file is the walk, which runs on every candidate; `compile` turns a rule's regex into its
//! steps once, and proves the greedy walk exact for them.

use std::ops::Range;

type Set = Box<[bool; 256]>;

/// A literal compared at candidate positions: its first 8 bytes are kept as a word and a mask,
/// one load and one comparison instead of a `memcmp` call (which cost more than the rest of a
/// short token's match).
#[derive(Debug, Clone)]
pub struct Literal {
    pub bytes: Box<[u8]>,
    word: u64,
    mask: u64,
}

impl Literal {
    pub fn new(bytes: &[u8]) -> Self {
        let mut w = [0u8; 8];
        let head = bytes.len().min(8);
        w[..head].copy_from_slice(&bytes[..head]);
        Self {
            bytes: bytes.into(),
            word: u64::from_le_bytes(w),
            mask: u64::MAX >> (8 * (8 - head)),
        }
    }

    /// Whether `rest` begins with the literal.
    #[inline]
    pub fn is_at(&self, rest: &[u8]) -> bool {
        match rest.get(..8) {
            Some(w) => {
                let w = u64::from_le_bytes(w.try_into().unwrap_or_default());
                w & self.mask == self.word
                    && (self.bytes.len() <= 8 || rest.starts_with(&self.bytes))
            }
            None => rest.starts_with(&self.bytes),
        }
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }
}

#[derive(Debug, Clone)]
enum Step {
    Lit(Literal),
    /// One of several literals, none a prefix of another: at most one matches at a position.
    Alt(Vec<Literal>),
    /// A literal in any ASCII case (`(?i:bearer)`), lower-cased: one comparison where the
    /// regex has a one-byte class per letter.
    Fold(Box<[u8]>),
    /// `min..=max` members of `set`; with `esc`, the JSON escapes of `/` and `+` (`\/`,
    /// `\u002b`) are members too, each counted as one (`(?:[set]|\\/|\\u002[bB]){m,n}`).
    Run {
        set: Set,
        min: usize,
        max: usize,
        esc: bool,
    },
}

#[derive(Debug, Clone)]
enum End {
    Free,
    /// `\b` after a word byte: the next byte is not a word byte, or the input ends.
    WordBoundary,
    /// `(?:[set]|$)`: one byte of `set` (consumed), or the end of the input. With `esc`
    /// (`(?:[set]|`[`ESCAPE_END`]`|$)`), also a backslash that begins no member escape: a token
    /// followed by `\n`, `\"` or `\u0026` inside a JSON string ends there, one followed by `\/`
    /// or `\u002b` goes on.
    DelimiterOrEof(Set, bool),
}

/// A compiled simple rule.
#[derive(Debug, Clone)]
pub struct Simple {
    start_boundary: bool,
    steps: Vec<Step>,
    /// `steps[secret]` are the secret (the first capture group, or everything).
    secret: Range<usize>,
    end: End,
}

/// A table rather than three range tests: a token's boundary is tested at both its ends.
fn is_word(b: u8) -> bool {
    static WORD: [bool; 256] = {
        let mut t = [false; 256];
        let mut b = 0;
        while b < 256 {
            t[b] = (b as u8).is_ascii_alphanumeric() || b as u8 == b'_';
            b += 1;
        }
        t
    };
    WORD[usize::from(b)]
}

/// How many leading bytes of `hay` are in `set`: eight at a time (tokens are tens of bytes of
/// one class), the first block with a byte outside ending the run at its first such byte
/// without a loop; byte by byte only for the last few bytes.
#[inline]
fn run(set: &[bool; 256], hay: &[u8]) -> usize {
    let mut blocks = hay.chunks_exact(8);
    let mut n = 0;
    for c in &mut blocks {
        let inside = c
            .iter()
            .enumerate()
            .fold(0u32, |m, (j, &b)| m | u32::from(set[b as usize]) << j);
        if inside != 0xff {
            return n + inside.trailing_ones() as usize;
        }
        n += 8;
    }
    n + blocks
        .remainder()
        .iter()
        .take_while(|&&b| set[b as usize])
        .count()
}

/// Runs whose maximum is above this are remembered (see [`KnownRun`]): a shorter one costs a
/// candidate at most this many bytes of walk however its anchors repeat.
const REMEMBERED_RUN: usize = 64;

/// The last long run of a rule's class that the rule's walk went over, by absolute offsets in
/// the stream. Anchors can repeat inside a run of their own token's class (`-eyJ-eyJ…`,
/// `glpat-glpat-…`): each is a candidate whose run goes on to the rule's maximum (1,024 bytes
/// for a JWT's header), so a body of them cost ~165x clean JSON, walking the same bytes again
/// from every anchor. Bytes never change once they have arrived, so a run starting inside a known
/// one is known up to that one's end and walked only past it: every byte is walked about once
/// per rule.
#[derive(Debug, Default, Clone, Copy)]
pub struct KnownRun {
    /// The step whose class the run is of.
    step: u8,
    /// Every byte in `from..to` is a member.
    from: u64,
    to: u64,
    /// The byte at `to` is there and is not a member: a run inside ends exactly at `to`.
    ended: bool,
    /// The offset of the bytes' first byte in the stream, for the walk under way.
    pub base: u64,
    /// Bytes walked through this memo: what the tests hold to the length of the bytes.
    #[cfg(test)]
    pub walked: usize,
}

impl KnownRun {
    /// [`run`] over `rest` (at `i` in the bytes, cut to `max` bytes) for step `k`, from what
    /// is known, remembering a long run. Runs of real tokens are shorter than
    /// [`REMEMBERED_RUN`]: they cost two comparisons more than a plain walk.
    #[inline]
    fn run(&mut self, k: u8, set: &[bool; 256], rest: &[u8], i: usize, max: usize) -> usize {
        let at = self.base + i as u64;
        if at < self.to && self.from <= at && self.step == k {
            return self.go_on(k, set, rest, at, max);
        }
        let n = run(set, &rest[..rest.len().min(max)]);
        #[cfg(test)]
        {
            // With the byte that ended the run.
            self.walked += n + 1;
        }
        if n >= REMEMBERED_RUN {
            self.remember(k, set, rest, at, at, n);
        }
        n
    }

    /// A run starting inside the known one: known up to its end, walked only past it.
    #[cold]
    #[inline(never)]
    fn go_on(&mut self, k: u8, set: &[bool; 256], rest: &[u8], at: u64, max: usize) -> usize {
        let lim = rest.len().min(max);
        // `to` is never past the bytes so far: `rest` reaches it.
        let known = (self.to - at) as usize;
        let n = if known >= lim {
            lim
        } else if self.ended {
            known
        } else {
            let more = run(set, &rest[known..lim]);
            #[cfg(test)]
            {
                self.walked += more + 1;
            }
            known + more
        };
        debug_assert_eq!(
            n,
            run(set, &rest[..lim]),
            "a known run walks as a fresh one"
        );
        if at + n as u64 > self.to {
            self.remember(k, set, rest, at, self.from, n);
        }
        n
    }

    /// Step `k`'s run from `from` to `n` bytes into `rest` (at absolute offset `at`).
    fn remember(&mut self, k: u8, set: &[bool; 256], rest: &[u8], at: u64, from: u64, n: usize) {
        self.step = k;
        self.from = from;
        self.to = at + n as u64;
        self.ended = rest.get(n).is_some_and(|&b| !set[b as usize]);
    }
}

/// The escapes a run takes as members (for its `/` and `+`), as regexes.
const ESCAPED_SLASH: &str = r"\\/";
const ESCAPED_PLUS: &str = r"\\u002[bB]";
/// A backslash that begins neither escape: what an escaping run's ending takes at a backslash.
pub const ESCAPE_END: &str = r"\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))";

/// The length of the member escape at the start of `hay` (`\/` or `\u002b`), if any.
pub(in crate::scrub) fn member_escape(hay: &[u8]) -> Option<usize> {
    match hay {
        [b'\\', b'/', ..] => Some(2),
        [b'\\', b'u', b'0', b'0', b'2', b'b' | b'B', ..] => Some(6),
        _ => None,
    }
}

/// Whether `hay` starts with a backslash that begins no member escape, decided by the bytes
/// present (as [`ESCAPE_END`]: the byte where it departs from both escapes must be there).
fn ends_escaping_run(hay: &[u8]) -> bool {
    let Some((&b'\\', rest)) = hay.split_first() else {
        return false;
    };
    // Where the bytes after the backslash first depart from `u002b`/`u002B` (or from `/` at
    // the first byte).
    match rest {
        [] => false,
        [b'/', ..] => false,
        [c, ..] if *c != b'u' => true,
        _ => rest
            .iter()
            .zip(b"u002")
            .position(|(a, b)| a != b)
            .map(|_| true)
            .unwrap_or_else(|| rest.get(4).is_some_and(|c| !matches!(c, b'b' | b'B'))),
    }
}

/// Whether `tail` (the rest of the bytes so far) is a proper beginning of a member escape:
/// `\`, `\u`, ..., `\u002`. Then whether it is one depends on bytes still to come.
fn cut_in_escape(tail: &[u8]) -> bool {
    !tail.is_empty() && b"\\u002".starts_with(tail)
}

/// [`run`] where the member escapes are members too: how many members (at most `max`) lead
/// `hay`, and how many bytes they take. The escapes are rare, so the run between them is the
/// fast one.
fn run_escaped(set: &[bool; 256], hay: &[u8], max: usize) -> (usize, usize) {
    let (mut members, mut bytes) = (0, 0);
    loop {
        let rest = &hay[bytes..];
        let n = run(set, &rest[..rest.len().min(max - members)]);
        members += n;
        bytes += n;
        match member_escape(&hay[bytes..]) {
            Some(len) if members < max => {
                members += 1;
                bytes += len;
            }
            _ => return (members, bytes),
        }
    }
}

impl Simple {
    /// What a walk from `start` decides (see [`Found`]); `eof` says whether `hay` ends where the
    /// input ends.
    #[cfg(test)]
    pub fn find(&self, hay: &[u8], start: usize, eof: bool) -> Found {
        self.find_from(hay, start, eof, Skip::NONE)
    }

    /// Whether a match could begin with `lead`, the bytes before the anchor of a rule that
    /// starts that many bytes before it: `false` only where a fixed-width first step turns one
    /// of them down (three of an Entra secret's characters before its `8Q~`). An anchor cut off by
    /// a chunk's end is held back only where its rule could still match.
    pub fn admits_lead(&self, lead: &[u8]) -> bool {
        let mut i = 0;
        for step in &self.steps {
            let rest = &lead[i..];
            if rest.is_empty() {
                return true;
            }
            i += match step {
                Step::Lit(l) => {
                    let n = l.len().min(rest.len());
                    if l.bytes[..n] != rest[..n] {
                        return false;
                    }
                    n
                }
                Step::Run {
                    set,
                    min,
                    max,
                    esc: false,
                } if min == max => {
                    let n = (*max).min(rest.len());
                    if !rest[..n].iter().all(|&b| set[b as usize]) {
                        return false;
                    }
                    n
                }
                _ => return true,
            };
        }
        true
    }

    /// What an anchor already proves when it is at the match's start: the leading steps it
    /// matches on its own (the literal prefix, `(?i:bearer)`, `gh[pousr]_`), which verification
    /// then need not compare again.
    pub fn skip_for(&self, anchor: &[u8]) -> Skip {
        let mut pos = 0;
        let mut skip = Skip::NONE;
        for (k, step) in self.steps.iter().enumerate() {
            // Steps up to the secret's last are never skipped whole: its end is taken from the
            // walk.
            if k + 1 >= self.secret.end || k >= usize::from(u8::MAX) {
                break;
            }
            let rest = &anchor[pos..];
            let n = match step {
                Step::Lit(l) if l.is_at(rest) => l.len(),
                Step::Alt(ls) => match ls.iter().find(|l| l.is_at(rest)) {
                    Some(l) => l.len(),
                    None => break,
                },
                Step::Fold(l)
                    if rest.len() >= l.len() && rest[..l.len()].eq_ignore_ascii_case(l) =>
                {
                    l.len()
                }
                Step::Run {
                    set,
                    min: 1,
                    max: 1,
                    esc: false,
                } if rest.first().is_some_and(|&b| set[b as usize]) => 1,
                _ => break,
            };
            if k == self.secret.start {
                skip.secret_at = pos as u8;
            }
            pos += n;
            if pos > usize::from(u8::MAX) {
                break;
            }
            skip.steps = (k + 1) as u8;
            skip.bytes = pos as u8;
        }
        skip
    }

    /// [`Simple::find_known`] with nothing known.
    #[cfg(test)]
    pub fn find_from(&self, hay: &[u8], start: usize, eof: bool, skip: Skip) -> Found {
        self.find_known(hay, start, eof, skip, &mut KnownRun::default())
    }

    /// What a walk from `start` decides, with the anchor's proven steps skipped (`skip` from
    /// [`Simple::skip_for`] for the anchor that is at `start`), going on from the rule's known
    /// run (see [`KnownRun`]; its `base` is `hay[0]`'s offset in the stream).
    pub fn find_known(
        &self,
        hay: &[u8],
        start: usize,
        eof: bool,
        skip: Skip,
        known: &mut KnownRun,
    ) -> Found {
        let mut capped = false;
        match self.walk(hay, start, eof, skip, &mut capped, known) {
            Found::No if capped => Found::Capped,
            found => found,
        }
    }

    /// [`Simple::find_known`]'s walk; sets `capped` when a run stops at its maximum with a
    /// member next (the walk turns down a longer run the regex's bound would too).
    fn walk(
        &self,
        hay: &[u8],
        start: usize,
        eof: bool,
        skip: Skip,
        capped: &mut bool,
        known: &mut KnownRun,
    ) -> Found {
        if self.start_boundary && start > 0 && is_word(hay[start - 1]) {
            return Found::No;
        }
        let first = usize::from(skip.steps);
        let mut i = start + usize::from(skip.bytes);
        let (mut s, mut e) = (start, start);
        if self.secret.start < first {
            s = start + usize::from(skip.secret_at);
        }
        for (k, step) in self.steps.iter().enumerate().skip(first) {
            if k == self.secret.start {
                s = i;
            }
            let rest = &hay[i..];
            i += match step {
                Step::Lit(l) => {
                    if !l.is_at(rest) {
                        return cut_short(rest, &l.bytes, eof, <[u8]>::eq);
                    }
                    l.len()
                }
                Step::Alt(ls) => match ls.iter().find(|l| l.is_at(rest)) {
                    Some(l) => l.len(),
                    None => {
                        return ls
                            .iter()
                            .map(|l| cut_short(rest, &l.bytes, eof, <[u8]>::eq))
                            .find(|f| *f == Found::More)
                            .unwrap_or(Found::No)
                    }
                },
                Step::Fold(l) => match rest.get(..l.len()) {
                    Some(head) if head.eq_ignore_ascii_case(l) => l.len(),
                    _ => return cut_short(rest, l, eof, <[u8]>::eq_ignore_ascii_case),
                },
                // One byte of a class: no run loop.
                Step::Run {
                    set,
                    min,
                    max: 1,
                    esc: false,
                } => match rest.first() {
                    Some(&b) if set[b as usize] => 1,
                    None if !eof => return Found::More,
                    _ if *min == 0 => 0,
                    _ => return Found::No,
                },
                Step::Run {
                    set,
                    min,
                    max,
                    esc: false,
                } => {
                    let n = if *max > REMEMBERED_RUN {
                        known.run(k as u8, set, rest, i, *max)
                    } else {
                        run(set, &rest[..rest.len().min(*max)])
                    };
                    // Every byte so far is a member: the run may go on.
                    if n == rest.len() && n < *max && !eof {
                        return Found::More;
                    }
                    if n < *min {
                        return Found::No;
                    }
                    *capped |= n == *max && rest.get(n).is_some_and(|&b| set[b as usize]);
                    n
                }
                Step::Run {
                    set,
                    min,
                    max,
                    esc: true,
                } => {
                    let (members, bytes) = run_escaped(set, rest, *max);
                    // The run took every byte so far, or the bytes end inside what may be a
                    // member escape.
                    let tail = &rest[bytes..];
                    if members < *max && !eof && (tail.is_empty() || cut_in_escape(tail)) {
                        return Found::More;
                    }
                    if members < *min {
                        return Found::No;
                    }
                    *capped |= members == *max
                        && (tail.first().is_some_and(|&b| set[b as usize])
                            || member_escape(tail).is_some());
                    bytes
                }
            };
            if k + 1 == self.secret.end {
                e = i;
            }
        }
        let ok = match (&self.end, hay.get(i)) {
            (End::Free, _) => true,
            (_, None) if !eof => return Found::More,
            (_, None) => true,
            (End::WordBoundary, Some(&b)) => !is_word(b),
            (End::DelimiterOrEof(t, esc), Some(&b)) => {
                t[b as usize]
                    || (*esc && b == b'\\' && {
                        let tail = &hay[i..];
                        if !eof && cut_in_escape(tail) {
                            return Found::More;
                        }
                        ends_escaping_run(tail)
                    })
            }
        };
        if ok {
            Found::Secret(s..e)
        } else {
            Found::No
        }
    }
}

/// What a walk from a candidate decides. A verdict other than `More` is final: it is what the
/// walk says on any longer input with these bytes at its start, so a candidate is decided as soon
/// as its walk has seen a mismatch or its terminator, not once the rule's longest match is in
/// view (which a token written with escapes makes several times longer than the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The rule matches; the secret's span.
    Secret(Range<usize>),
    /// The rule does not match.
    No,
    /// The bytes end before the walk can decide (never at the end of the input).
    More,
    /// No match, with a run cut off by its maximum: the same rule with that run unbounded might
    /// match here (a `Bearer` value over 4 KiB, which the rule's long form takes). With every
    /// run ended by a non-member the unbounded rule fails too, so a `No` needs no second look.
    Capped,
}

impl Found {
    #[cfg(test)]
    pub fn secret(self) -> Option<Range<usize>> {
        match self {
            Found::Secret(r) => Some(r),
            _ => None,
        }
    }
}

/// The verdict on a literal step that does not match `rest`: `More` when `rest` is a proper
/// prefix of it (by `same`) and more bytes may come.
#[cold]
fn cut_short(rest: &[u8], lit: &[u8], eof: bool, same: fn(&[u8], &[u8]) -> bool) -> Found {
    if !eof && rest.len() < lit.len() && same(rest, &lit[..rest.len()]) {
        Found::More
    } else {
        Found::No
    }
}

/// The leading steps of a rule an anchor at the match's start proves (see [`Simple::skip_for`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Skip {
    steps: u8,
    bytes: u8,
    /// Where the secret starts, when it starts inside the skipped steps.
    secret_at: u8,
}

impl Skip {
    pub const NONE: Self = Self {
        steps: 0,
        bytes: 0,
        secret_at: 0,
    };
}

mod compile;

#[cfg(test)]
mod tests;
