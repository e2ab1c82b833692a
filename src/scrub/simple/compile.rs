//! From a rule's parsed regex to the steps of a [`Simple`] matcher, and the check that a greedy
//! walk over them is exact: done once per rule when a pack is compiled, apart from the walk that
//! runs on every candidate. A regex that does not have the shape, or whose runs could give back
//! bytes to the step after them, gets no simple matcher and stays with the regex engine.

use std::ops::Range;

use regex_syntax::hir::{Class, Hir, HirKind, Look};

use super::{is_word, End, Literal, Set, Simple, Step, ESCAPED_PLUS, ESCAPED_SLASH, ESCAPE_END};

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

/// The byte a one-byte class stands for when it is that byte in both ASCII cases (`[bB]`, or
/// `[-]`), lower-cased.
fn case_closed(step: &Step) -> Option<u8> {
    let Step::Run {
        set,
        min: 1,
        max: 1,
        esc: false,
    } = step
    else {
        return None;
    };
    let first = set.iter().position(|&b| b)? as u8;
    let lower = first.to_ascii_lowercase();
    let members = set.iter().filter(|&&b| b).count();
    let want = if lower.is_ascii_lowercase() { 2 } else { 1 };
    (members == want && set[lower as usize] && set[lower.to_ascii_uppercase() as usize])
        .then_some(lower)
}

/// Merges runs of two or more case-closed one-byte classes into [`Step::Fold`] literals, within
/// the secret and outside it (never across its edges); returns the steps and the secret's new
/// range.
fn fold_cases(steps: Vec<Step>, secret: Range<usize>) -> (Vec<Step>, Range<usize>) {
    let old_len = steps.len();
    let mut out: Vec<Step> = Vec::with_capacity(old_len);
    let mut new_secret = secret.clone();
    let mut pending: Vec<u8> = Vec::new();
    let flush = |pending: &mut Vec<u8>, out: &mut Vec<Step>| match pending.len() {
        0 => {}
        1 => {
            let b = pending[0];
            let mut set = Box::new([false; 256]);
            set[b as usize] = true;
            set[b.to_ascii_uppercase() as usize] = true;
            out.push(Step::Run {
                set,
                min: 1,
                max: 1,
                esc: false,
            });
            pending.clear();
        }
        _ => out.push(Step::Fold(std::mem::take(pending).into())),
    };
    for (k, step) in steps.into_iter().enumerate() {
        if k == secret.start || k == secret.end {
            flush(&mut pending, &mut out);
        }
        if k == secret.start {
            new_secret.start = out.len();
        }
        if k == secret.end {
            new_secret.end = out.len();
        }
        match case_closed(&step) {
            Some(b) => pending.push(b),
            None => {
                flush(&mut pending, &mut out);
                out.push(step);
            }
        }
    }
    flush(&mut pending, &mut out);
    if secret.end == old_len {
        new_secret.end = out.len();
    }
    (out, new_secret)
}

/// `re` parsed as the rules are.
fn parsed(re: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(re)
        .ok()
}

/// The class of `(?:[set]|\\/|\\u002[bB])` (in any order), where `set` holds `/` and `+` and
/// not `\`: the escapes of exactly those two members.
fn escaping_class(alts: &[Hir]) -> Option<Set> {
    let [_, _, _] = alts else { return None };
    let set = alts.iter().find_map(|a| match a.kind() {
        HirKind::Class(c) => set_of(c),
        _ => None,
    })?;
    let escapes = [parsed(ESCAPED_SLASH)?, parsed(ESCAPED_PLUS)?];
    let all_there = escapes.iter().all(|e| alts.contains(e));
    (all_there && set[usize::from(b'/')] && set[usize::from(b'+')] && !set[usize::from(b'\\')])
        .then_some(set)
}

fn byte_set(b: u8) -> Set {
    let mut set = Box::new([false; 256]);
    set[b as usize] = true;
    set
}

fn push_item(h: &Hir, steps: &mut Vec<Step>) -> Option<()> {
    match h.kind() {
        HirKind::Empty => {}
        HirKind::Literal(l) => steps.push(Step::Lit(Literal::new(&l.0))),
        HirKind::Class(c) => steps.push(Step::Run {
            set: set_of(c)?,
            min: 1,
            max: 1,
            esc: false,
        }),
        HirKind::Repetition(r) if r.greedy => {
            let (set, esc) = match r.sub.kind() {
                HirKind::Class(c) => (set_of(c)?, false),
                HirKind::Literal(l) if l.0.len() == 1 => (byte_set(l.0[0]), false),
                HirKind::Alternation(alts) => (escaping_class(alts)?, true),
                _ => return None,
            };
            steps.push(Step::Run {
                set,
                min: r.min as usize,
                max: r.max? as usize,
                esc,
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
            steps.push(Step::Alt(lits.iter().map(|l| Literal::new(l)).collect()));
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
        Step::Lit(l) => f[l.bytes[0] as usize] = true,
        Step::Alt(ls) => ls.iter().for_each(|l| f[l.bytes[0] as usize] = true),
        Step::Fold(l) => {
            f[l[0] as usize] = true;
            f[l[0].to_ascii_uppercase() as usize] = true;
        }
        Step::Run { set, min, esc, .. } => {
            f = **set;
            f[usize::from(b'\\')] |= *esc;
            return (f, *min == 0);
        }
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
                HirKind::Alternation(alts) if i == last && matches!(alts.len(), 2 | 3) => {
                    let class = alts.iter().find_map(|a| match a.kind() {
                        HirKind::Class(c) => set_of(c),
                        _ => None,
                    })?;
                    alts.iter()
                        .find(|a| matches!(a.kind(), HirKind::Look(Look::End)))?;
                    let esc = alts.len() == 3;
                    if esc && (class[usize::from(b'\\')] || !alts.contains(&parsed(ESCAPE_END)?)) {
                        return None;
                    }
                    end = End::DelimiterOrEof(class, esc);
                }
                HirKind::Capture(_) | HirKind::Look(_) => return None,
                _ => push_item(h, &mut steps)?,
            }
        }
        let secret = secret.unwrap_or(0..steps.len());
        // A step's index is a byte in what the walk remembers (`KnownRun`).
        if steps.is_empty() || secret.is_empty() || steps.len() > usize::from(u8::MAX) {
            return None;
        }
        let (steps, secret) = fold_cases(steps, secret);
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
            let Step::Run { set, min, max, esc } = &self.steps[i] else {
                continue;
            };
            // A fixed count leaves no choice, escapes or not: each member is told by its first
            // two bytes (`\` is never in an escaping run's class).
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
                    End::DelimiterOrEof(t, end_esc) => {
                        for b in 0..256 {
                            follow[b] |= t[b];
                        }
                        // Its backslash never begins a member escape, which is all an
                        // escaping run takes at a backslash.
                        follow[usize::from(b'\\')] |= *end_esc && !*esc;
                    }
                }
            }
            let takes = |b: usize| set[b] || (*esc && b == usize::from(b'\\'));
            if (0..256).any(|b| takes(b) && follow[b]) {
                return false;
            }
        }
        let word_edge = |step: &Step, at_start: bool| match step {
            Step::Lit(Literal { bytes: l, .. }) | Step::Fold(l) => {
                is_word(if at_start { l[0] } else { l[l.len() - 1] })
            }
            Step::Alt(ls) => ls.iter().all(|l| {
                let l = &l.bytes;
                is_word(if at_start { l[0] } else { l[l.len() - 1] })
            }),
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
}
