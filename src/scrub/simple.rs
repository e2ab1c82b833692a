//! A direct matcher for the shape most token formats have: fixed literals and bounded runs of a
//! byte class, with a word boundary or one delimiter byte at the ends (`\b(AKIA[A-Z2-7]{16})\b`,
//! `eyJ[..]{8,1024}\.eyJ[..]{2,8192}\.[..]{0,1024}`, `://[^:..]{0,256}:([^@..]{1,256})@`).
//!
//! On bodies dense with secrets, verification dominates, and a general regex engine pays a fixed
//! cost per call (input setup, strategy dispatch, cache bookkeeping) that is larger than the work
//! of matching a 40-byte token. When every run is followed by bytes outside its class, a greedy
//! walk is the only possible match, so one pass over the bytes with a 256-entry table decides
//! it. Rules of any other shape keep the regex engine; a test checks both agree on every rule.

use std::ops::Range;

use regex_syntax::hir::{Class, Hir, HirKind, Look};

type Set = Box<[bool; 256]>;

#[derive(Debug, Clone)]
enum Step {
    Lit(Box<[u8]>),
    /// One of several literals, none a prefix of another: at most one matches at a position.
    Alt(Vec<Box<[u8]>>),
    Run {
        set: Set,
        min: usize,
        max: usize,
    },
}

#[derive(Debug, Clone)]
enum End {
    Free,
    /// `\b` after a word byte: the next byte is not a word byte, or the input ends.
    WordBoundary,
    /// `(?:[set]|$)`: one byte of `set` (consumed), or the end of the input.
    DelimiterOrEof(Set),
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

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn set_of(class: &Class) -> Option<Set> {
    let mut set = Box::new([false; 256]);
    match class {
        Class::Bytes(c) => {
            for r in c.ranges() {
                for b in r.start()..=r.end() {
                    set[b as usize] = true;
                }
            }
        }
        Class::Unicode(c) => {
            for r in c.ranges() {
                let (s, e) = (u32::from(r.start()), u32::from(r.end()));
                if e > 0x7f {
                    return None;
                }
                for b in s..=e {
                    set[b as usize] = true;
                }
            }
        }
    }
    Some(set)
}

/// How many leading bytes of `hay` are in `set`: eight at a time while they all are (tokens are
/// tens of bytes of one class), then byte by byte.
#[inline]
fn run(set: &[bool; 256], hay: &[u8]) -> usize {
    let mut n = 0;
    while let Some(c) = hay.get(n..n + 8) {
        let all = c.iter().fold(true, |acc, &b| acc & set[b as usize]);
        if !all {
            break;
        }
        n += 8;
    }
    while n < hay.len() && set[hay[n] as usize] {
        n += 1;
    }
    n
}

fn byte_set(b: u8) -> Set {
    let mut set = Box::new([false; 256]);
    set[b as usize] = true;
    set
}

fn push_item(h: &Hir, steps: &mut Vec<Step>) -> Option<()> {
    match h.kind() {
        HirKind::Empty => {}
        HirKind::Literal(l) => steps.push(Step::Lit(l.0.clone())),
        HirKind::Class(c) => steps.push(Step::Run {
            set: set_of(c)?,
            min: 1,
            max: 1,
        }),
        HirKind::Repetition(r) if r.greedy => {
            let set = match r.sub.kind() {
                HirKind::Class(c) => set_of(c)?,
                HirKind::Literal(l) if l.0.len() == 1 => byte_set(l.0[0]),
                _ => return None,
            };
            steps.push(Step::Run {
                set,
                min: r.min as usize,
                max: r.max? as usize,
            });
        }
        HirKind::Alternation(alts) => {
            let lits = alts
                .iter()
                .map(|a| match a.kind() {
                    HirKind::Literal(l) => Some(l.0.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            let prefix_free = lits.iter().enumerate().all(|(i, a)| {
                lits.iter()
                    .enumerate()
                    .all(|(j, b)| i == j || !b.starts_with(a))
            });
            if !prefix_free || lits.iter().any(|l| l.is_empty()) {
                return None;
            }
            steps.push(Step::Alt(lits));
        }
        HirKind::Concat(parts) => {
            for p in parts {
                push_item(p, steps)?;
            }
        }
        _ => return None,
    }
    Some(())
}

/// The bytes a step can start with, and whether it can match empty.
fn first(step: &Step) -> ([bool; 256], bool) {
    let mut f = [false; 256];
    match step {
        Step::Lit(l) => f[l[0] as usize] = true,
        Step::Alt(ls) => ls.iter().for_each(|l| f[l[0] as usize] = true),
        Step::Run { set, min, .. } => return (**set, *min == 0),
    }
    (f, false)
}

impl Simple {
    /// The matcher for `hir`, when it has the simple shape and a greedy walk is exact.
    pub fn new(hir: &Hir) -> Option<Self> {
        let parts: Vec<&Hir> = match hir.kind() {
            HirKind::Concat(p) => p.iter().collect(),
            _ => vec![hir],
        };
        let mut steps = Vec::new();
        let mut start_boundary = false;
        let mut secret = None;
        let mut end = End::Free;
        let last = parts.len() - 1;
        for (i, h) in parts.iter().enumerate() {
            match h.kind() {
                HirKind::Look(Look::WordAscii) if i == 0 => start_boundary = true,
                HirKind::Look(Look::WordAscii) if i == last => end = End::WordBoundary,
                HirKind::Capture(c) if secret.is_none() => {
                    let s = steps.len();
                    push_item(&c.sub, &mut steps)?;
                    secret = Some(s..steps.len());
                }
                HirKind::Alternation(alts) if i == last && alts.len() == 2 => {
                    let class = alts.iter().find_map(|a| match a.kind() {
                        HirKind::Class(c) => set_of(c),
                        _ => None,
                    })?;
                    alts.iter()
                        .find(|a| matches!(a.kind(), HirKind::Look(Look::End)))?;
                    end = End::DelimiterOrEof(class);
                }
                HirKind::Capture(_) | HirKind::Look(_) => return None,
                _ => push_item(h, &mut steps)?,
            }
        }
        let secret = secret.unwrap_or(0..steps.len());
        if steps.is_empty() || secret.is_empty() {
            return None;
        }
        let s = Self {
            start_boundary,
            steps,
            secret,
            end,
        };
        s.greedy_is_exact().then_some(s)
    }

    /// Every run stops where the next step must begin (its follow bytes are outside its class),
    /// so the greedy walk is the only way to match; and boundary looks see word bytes.
    fn greedy_is_exact(&self) -> bool {
        let n = self.steps.len();
        for i in 0..n {
            let Step::Run { set, min, max } = &self.steps[i] else {
                continue;
            };
            if min == max {
                continue;
            }
            let mut follow = [false; 256];
            let mut j = i + 1;
            let mut reaches_end = true;
            while j < n {
                let (f, empty) = first(&self.steps[j]);
                for b in 0..256 {
                    follow[b] |= f[b];
                }
                if !empty {
                    reaches_end = false;
                    break;
                }
                j += 1;
            }
            if reaches_end {
                match &self.end {
                    End::Free => {}
                    End::WordBoundary => {
                        if (0..=255u8).any(|b| set[b as usize] && !is_word(b)) {
                            return false;
                        }
                    }
                    End::DelimiterOrEof(t) => {
                        for b in 0..256 {
                            follow[b] |= t[b];
                        }
                    }
                }
            }
            if (0..256).any(|b| set[b] && follow[b]) {
                return false;
            }
        }
        let word_edge = |step: &Step, at_start: bool| match step {
            Step::Lit(l) => is_word(if at_start { l[0] } else { l[l.len() - 1] }),
            Step::Alt(ls) => ls
                .iter()
                .all(|l| is_word(if at_start { l[0] } else { l[l.len() - 1] })),
            Step::Run { set, min, .. } => {
                *min > 0 && (0..=255u8).all(|b| !set[b as usize] || is_word(b))
            }
        };
        if self.start_boundary && !word_edge(&self.steps[0], true) {
            return false;
        }
        if matches!(self.end, End::WordBoundary) && !word_edge(&self.steps[n - 1], false) {
            return false;
        }
        true
    }

    /// The secret's span when the rule matches at `start`. `hay` holds at least the rule's
    /// window after `start`, or ends where the input ends (`eof`).
    pub fn find(&self, hay: &[u8], start: usize, eof: bool) -> Option<Range<usize>> {
        if self.start_boundary && start > 0 && is_word(hay[start - 1]) {
            return None;
        }
        let mut i = start;
        let (mut s, mut e) = (start, start);
        for (k, step) in self.steps.iter().enumerate() {
            if k == self.secret.start {
                s = i;
            }
            let rest = &hay[i..];
            i += match step {
                Step::Lit(l) => {
                    if !rest.starts_with(l) {
                        return None;
                    }
                    l.len()
                }
                Step::Alt(ls) => ls.iter().find(|l| rest.starts_with(l))?.len(),
                // One byte of a class (`(?i:bearer)` is six of these): no run loop.
                Step::Run { set, min, max: 1 } => match rest.first() {
                    Some(&b) if set[b as usize] => 1,
                    _ if *min == 0 => 0,
                    _ => return None,
                },
                Step::Run { set, min, max } => {
                    let n = run(set, &rest[..rest.len().min(*max)]);
                    if n < *min {
                        return None;
                    }
                    n
                }
            };
            if k + 1 == self.secret.end {
                e = i;
            }
        }
        let ok = match (&self.end, hay.get(i)) {
            (End::Free, _) => true,
            (End::WordBoundary, Some(&b)) => !is_word(b),
            (End::DelimiterOrEof(t), Some(&b)) => t[b as usize],
            (_, None) => eof,
        };
        ok.then_some(s..e)
    }
}

#[cfg(test)]
mod tests;
