//! A compiled pattern pack: one literal prefilter over every rule's anchors, and per-rule
//! anchored verification that runs only where an anchor occurs.
//!
//! Clean bodies are the common case, so the cost that matters is the prefilter's: a few dozen
//! case-sensitive literals, which Aho-Corasick searches with its SIMD (Teddy) prefilter at
//! memory-like speed. Verification is a bounded, anchored regex (or the PEM block scanner), and
//! every verdict depends only on the bytes in `[anchor - LOOK_BEHIND, anchor + window)`, which is
//! what makes the streaming output independent of chunking.

use std::sync::Arc;

use regex_automata::dfa::onepass;
use regex_automata::meta;
use regex_automata::nfa::thompson;
use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input};
use regex_syntax::hir::{Hir, HirKind, Look};

use super::checks::{self, Check};
use super::prefilter::{Candidates, Prefilter};
use super::rules::{RuleDef, Verify};
use super::simple::Simple;

/// Bytes before an anchor a verifier may look at (key prefixes, `\b`, cursor-key checks).
pub const LOOK_BEHIND: usize = 32;
/// The longest single match (a PEM block, a keyword value): past it the engine fails closed.
pub const HARD_CAP: usize = 64 * 1024;
const PEM_BEGIN: &[u8] = b"-----BEGIN ";

/// One compiled rule.
pub struct Rule {
    pub kind: Arc<str>,
    /// `[REDACTED:<kind>]`, written once here rather than in three pieces per redaction.
    pub label: Box<[u8]>,
    pub keep: usize,
    back: usize,
    check: Check,
    verifier: Verifier,
    /// Bytes after `anchor - back` that must be available for a verdict (unless at the end).
    window: usize,
    /// A context rule (`password: ...`, `Bearer ...`): a value that is itself a known format
    /// is reported as that format.
    context: bool,
    /// A `key: value` rule: no verdict is possible unless the key is followed by `=`, `:` or `>`.
    assignment: bool,
}

enum Verifier {
    /// The regex, and the same regex as a one-pass DFA when it is one (most token formats are):
    /// then a single one-pass scan over the candidate both decides and yields the captures,
    /// where the general path runs a lazy DFA and then a capture engine over the match.
    Regex(meta::Regex, Option<Box<onepass::DFA>>, Option<Shape>),
    /// Most token formats: literals and bounded class runs a greedy walk decides exactly.
    Simple(Simple),
    Pem,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("kind", &self.kind).finish()
    }
}

/// What a verifier says about a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Redact `[start, end)` (absolute in the haystack) as rule `rule`.
    Match {
        start: usize,
        end: usize,
        rule: u16,
    },
    NoMatch,
    /// Not enough bytes yet to decide.
    NeedMore,
    /// A match would be longer than [`HARD_CAP`]: fail closed.
    Overflow,
}

/// A pattern the caller adds (per-route extra patterns): a kind, a regex that starts with a
/// literal of at least 3 bytes, and how many bytes of the match are a public prefix.
#[derive(Debug, Clone)]
pub struct ExtraPattern {
    pub kind: String,
    pub regex: String,
    pub keep: usize,
}

/// A rule's anchor literal. Verification compares it at every candidate, so its first 8 bytes
/// are kept as a word and a mask: one load and one comparison instead of a `memcmp` call.
struct Anchor {
    bytes: Box<[u8]>,
    word: u64,
    mask: u64,
    rule: u16,
}

impl Anchor {
    fn new(bytes: &[u8], rule: u16) -> Self {
        let mut w = [0u8; 8];
        let head = bytes.len().min(8);
        w[..head].copy_from_slice(&bytes[..head]);
        Self {
            bytes: bytes.into(),
            word: u64::from_le_bytes(w),
            mask: u64::MAX >> (8 * (8 - head)),
            rule,
        }
    }

    /// Whether `rest` begins with the anchor.
    #[inline]
    fn is_at(&self, rest: &[u8]) -> bool {
        match rest.get(..8) {
            Some(w) => {
                let w = u64::from_le_bytes(w.try_into().unwrap_or_default());
                w & self.mask == self.word
                    && (self.bytes.len() <= 8 || rest.starts_with(&self.bytes))
            }
            None => rest.starts_with(&self.bytes),
        }
    }
}

/// A compiled set of rules.
pub struct PatternSet {
    rules: Vec<Rule>,
    prefilter: Option<Prefilter>,
    /// Anchors by their first byte, each list in rule order.
    by_first: Vec<Vec<Anchor>>,
    /// By rule: whether its anchors are in the prefilter (see `RuleDef::standalone`).
    standalone: Vec<bool>,
    max_anchor: usize,
}

impl std::fmt::Debug for PatternSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatternSet")
            .field("rules", &self.rules.len())
            .finish_non_exhaustive()
    }
}

fn syntax_config() -> syntax::Config {
    // Bytes, not UTF-8: bodies may be anything, and ASCII classes are what token formats use.
    syntax::Config::new().unicode(false).utf8(false)
}

/// Where the secret sits in a match of a simply shaped rule (`\b(SECRET)(?:[^X]|$)`,
/// `literal(SECRET)`, `\b(SECRET)\b`), so that it is found from the match bounds alone, with
/// no capture search.
#[derive(Debug, Clone, Copy)]
struct Shape {
    /// Fixed literal bytes before the secret.
    lead: usize,
    /// The secret is followed by one byte of a class or by the end of the input.
    one_byte_after: bool,
}

fn shape(hir: &Hir) -> Option<Shape> {
    let HirKind::Concat(parts) = hir.kind() else {
        return None;
    };
    let cap = parts
        .iter()
        .position(|h| matches!(h.kind(), HirKind::Capture(_)))?;
    let mut lead = 0;
    for h in &parts[..cap] {
        match h.kind() {
            HirKind::Look(_) => {}
            HirKind::Literal(lit) => lead += lit.0.len(),
            _ => return None,
        }
    }
    let HirKind::Capture(c) = parts[cap].kind() else {
        return None;
    };
    if c.index != 1 || c.sub.properties().explicit_captures_len() != 0 {
        return None;
    }
    let one_byte_after = match &parts[cap + 1..] {
        [] => false,
        [h] if matches!(h.kind(), HirKind::Look(_)) => false,
        [h] => match h.kind() {
            HirKind::Alternation(alts) if alts.len() == 2 => {
                let class = |h: &Hir| matches!(h.kind(), HirKind::Class(_));
                let end = |h: &Hir| matches!(h.kind(), HirKind::Look(Look::End));
                if (class(&alts[0]) && end(&alts[1])) || (end(&alts[0]) && class(&alts[1])) {
                    true
                } else {
                    return None;
                }
            }
            _ => return None,
        },
        _ => return None,
    };
    Some(Shape {
        lead,
        one_byte_after,
    })
}

/// Where the value of a `key = value` / `"key": "value"` / `<Key>value` assignment starts, the
/// key starting at `start`: `Ok(None)` when this is no assignment, `Err(())` when the bytes end
/// before that is known (and more will come). A superset of what the keyword regexes accept, so
/// a format found here is one the keyword match would have led to.
fn assignment_value(hay: &[u8], start: usize, eof: bool) -> Result<Option<usize>, ()> {
    let at = |i: usize| match hay.get(i) {
        Some(&b) => Ok(Some(b)),
        None if eof => Ok(None),
        None => Err(()),
    };
    let mut i = start;
    while at(i)?.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        i += 1;
    }
    if at(i)? == Some(b'>') {
        return Ok(Some(i + 1));
    }
    if at(i)? == Some(b'\\') {
        i += 1;
    }
    if matches!(at(i)?, Some(b'"' | b'\'')) {
        i += 1;
    }
    let blanks = |mut i: usize| -> Result<usize, ()> {
        let mut n = 0;
        while n < 4 && matches!(at(i)?, Some(b' ' | b'\t')) {
            i += 1;
            n += 1;
        }
        Ok(i)
    };
    i = blanks(i)?;
    match at(i)? {
        Some(b'=') if at(i + 1)? == Some(b'>') => i += 2,
        Some(b':' | b'=') => i += 1,
        _ => return Ok(None),
    }
    i = blanks(i)?;
    if matches!(at(i)?, Some(b'"' | b'\'')) {
        i += 1;
    }
    Ok(Some(i))
}

/// Keyword rules need the key followed by an optional quote, blanks and `=`, `:` or `>`; prose
/// (`the password reset page`, `a token from your dashboard`) fails that in a few bytes. `true`
/// only when the bytes present already rule an assignment out.
fn not_an_assignment(hay: &[u8], start: usize) -> bool {
    let mut i = start;
    let at = |i: usize| hay.get(i).copied();
    while at(i).is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        i += 1;
    }
    if at(i) == Some(b'\\') {
        i += 1;
    }
    if matches!(at(i), Some(b'"' | b'\'')) {
        i += 1;
    }
    while matches!(at(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    at(i).is_some_and(|b| !matches!(b, b'=' | b':' | b'>'))
}

/// The verifier for `re` and its longest match.
fn compile_regex(re: &str) -> Result<(Verifier, usize), String> {
    let hir = syntax::parse_with(re, &syntax_config()).map_err(|e| e.to_string())?;
    let shape = shape(&hir);
    let max = hir
        .properties()
        .maximum_len()
        .ok_or("the pattern has no maximum length (use bounded repetition like {8,64})")?;
    if max > HARD_CAP {
        return Err(format!(
            "the longest match is {max} bytes; the limit is {HARD_CAP}"
        ));
    }
    if let Some(simple) = Simple::new(&hir) {
        return Ok((Verifier::Simple(simple), max));
    }
    // Large counted repetitions (`{8,4096}`) make NFAs of thousands of states, and capture
    // extraction over those is slow. The search span already stops at the longest match, so the
    // same regex with those upper bounds removed finds exactly the same matches within it.
    let relaxed = relax_bounds(re);
    let hir = syntax::parse_with(&relaxed, &syntax_config()).map_err(|e| e.to_string())?;
    let re = meta::Builder::new()
        .configure(meta::Config::new().utf8_empty(false))
        .build_from_hir(&hir)
        .map_err(|e| e.to_string())?;
    let onepass = onepass::Builder::new()
        .syntax(syntax_config())
        .thompson(thompson::Config::new().utf8(false))
        .build(&relaxed)
        .ok()
        .map(Box::new);
    Ok((Verifier::Regex(re, onepass, shape), max))
}

/// `x{8,1024}` -> `x{8,}` for upper bounds of 64 or more.
fn relax_bounds(re: &str) -> String {
    let mut out = String::with_capacity(re.len());
    let mut rest = re;
    while let Some(i) = rest.find(',') {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        let digits = tail[1..].bytes().take_while(u8::is_ascii_digit).count();
        let closes = tail.as_bytes().get(1 + digits) == Some(&b'}');
        let big = tail[1..1 + digits].parse::<usize>().is_ok_and(|n| n >= 64);
        // `{m,n}` itself: digits back to an unescaped `{`.
        let counted = head.rfind('{').is_some_and(|o| {
            let d = &head[o + 1..];
            !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) && !head[..o].ends_with('\\')
        });
        if closes && big && counted {
            out.push_str(",}");
            rest = &tail[2 + digits..];
        } else {
            out.push(',');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// What a redaction of `kind` is written as.
pub fn redaction_label(kind: &str) -> Box<[u8]> {
    format!("[REDACTED:{kind}]").into_bytes().into()
}

/// The literal prefix of an extra pattern, which becomes its anchor.
fn literal_prefix(re: &str) -> Option<String> {
    use regex_automata::util::syntax::parse_with;
    let hir = parse_with(re, &syntax_config()).ok()?;
    let seq = regex_syntax::hir::literal::Extractor::new().extract(&hir);
    let lits = seq.literals()?;
    if lits.len() != 1 {
        return None;
    }
    let lit = String::from_utf8(lits[0].as_bytes().to_vec()).ok()?;
    (lit.len() >= 3).then_some(lit)
}

impl PatternSet {
    /// Compiles `rules` (a selection of the default pack) and `extra` per-route patterns.
    pub fn new(rules: &[&RuleDef], extra: &[ExtraPattern]) -> Result<Self, String> {
        let mut compiled = Vec::new();
        let mut anchors: Vec<(Vec<u8>, u16)> = Vec::new();
        let mut standalone: Vec<bool> = Vec::new();
        for def in rules {
            let idx = compiled.len() as u16;
            let (verifier, window) = match def.verify {
                Verify::Regex(re) => {
                    let (verifier, max) =
                        compile_regex(re).map_err(|e| format!("rule {}: {e}", def.kind))?;
                    (verifier, max + 1)
                }
                Verify::PemPrivateKey => (Verifier::Pem, HARD_CAP),
            };
            anchors.extend(def.anchors.iter().map(|a| (a.as_bytes().to_vec(), idx)));
            standalone.push(def.standalone);
            compiled.push(Rule {
                kind: Arc::from(def.kind),
                label: redaction_label(def.kind),
                keep: def.keep,
                back: def.back,
                check: def.check,
                verifier,
                window,
                context: def.pack == "keywords" || matches!(def.kind, "bearer_token" | "cookie"),
                assignment: def.pack == "keywords" || def.kind == "cookie",
            });
        }
        for x in extra {
            let idx = compiled.len() as u16;
            let anchor = literal_prefix(&x.regex).ok_or_else(|| {
                format!(
                    "pattern {:?} must start with a fixed literal of at least 3 characters (e.g. acme_[a-z0-9]{{32}})",
                    x.regex
                )
            })?;
            let (verifier, max) = compile_regex(&x.regex)?;
            anchors.push((anchor.into_bytes(), idx));
            standalone.push(true);
            compiled.push(Rule {
                kind: Arc::from(x.kind.as_str()),
                label: redaction_label(&x.kind),
                keep: x.keep,
                back: 0,
                check: Check::None,
                verifier,
                window: max + 1,
                context: false,
                assignment: false,
            });
        }
        let mut lits: Vec<Vec<u8>> = anchors
            .iter()
            .filter(|(_, i)| standalone[*i as usize])
            .map(|(a, _)| a.clone())
            .collect();
        lits.sort();
        lits.dedup();
        // A literal that begins with another (`ecretAccessKey`, `ecret`) adds nothing: the
        // prefilter reports the position, and verification tries every anchor found there.
        // Sorted, such a literal directly follows its shortest prefix in the list.
        lits.dedup_by(|longer, shorter| longer.starts_with(shorter));
        let prefilter = if lits.is_empty() {
            None
        } else {
            Some(Prefilter::new(&lits)?)
        };
        let mut by_first: Vec<Vec<Anchor>> = (0..256).map(|_| Vec::new()).collect();
        for (a, i) in &anchors {
            by_first[a[0] as usize].push(Anchor::new(a, *i));
        }
        for v in &mut by_first {
            // Rules are tried in pack order at one position.
            v.sort_by_key(|a| a.rule);
        }
        let max_anchor = lits.iter().map(Vec::len).max().unwrap_or(0);
        Ok(Self {
            rules: compiled,
            prefilter,
            by_first,
            standalone,
            max_anchor,
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn is_empty(&self) -> bool {
        self.prefilter.is_none()
    }

    /// The longest anchor: a candidate that starts closer than this to the end may be cut.
    pub fn max_anchor(&self) -> usize {
        self.max_anchor
    }

    /// The first position at or after `from` where the rest of `hay` is the beginning of some
    /// anchor, cut off by the end (`hay.len()` when there is none): the earliest a candidate
    /// still to come can start, once no complete anchor is left after `from`.
    pub fn tail_hold(&self, hay: &[u8], from: usize) -> usize {
        let start = hay
            .len()
            .saturating_sub(self.max_anchor.saturating_sub(1))
            .max(from);
        (start..hay.len())
            .find(|&p| {
                let rest = &hay[p..];
                self.by_first[rest[0] as usize]
                    .iter()
                    .any(|a| a.bytes.len() > rest.len() && a.bytes.starts_with(rest))
            })
            .unwrap_or(hay.len())
    }

    /// The next position at or after `from` where some anchor starts; `base` is `hay[0]`'s
    /// offset in the stream, and `cache` the stream's own [`Candidates`].
    #[inline]
    pub fn next_candidate(
        &self,
        hay: &[u8],
        from: usize,
        base: u64,
        cache: &mut Candidates,
    ) -> Option<usize> {
        self.prefilter
            .as_ref()?
            .next(hay, from, base, self.max_anchor, cache)
    }

    /// Verifies the candidate at `at`: the first rule (in pack order) whose anchor is there and
    /// which matches. `eof` says whether `hay` ends where the input ends.
    pub fn verify(&self, hay: &[u8], at: usize, eof: bool, caches: &mut Caches) -> Verdict {
        self.verify_rules(hay, at, eof, caches, true)
    }

    fn verify_rules(
        &self,
        hay: &[u8],
        at: usize,
        eof: bool,
        caches: &mut Caches,
        context: bool,
    ) -> Verdict {
        for anchor in &self.by_first[hay[at] as usize] {
            let idx = &anchor.rule;
            if !anchor.is_at(&hay[at..]) {
                if !eof && anchor.bytes.starts_with(&hay[at..]) {
                    return Verdict::NeedMore;
                }
                continue;
            }
            let rule = &self.rules[*idx as usize];
            // A first pass (at a prefilter candidate) runs standalone rules; the second (at a
            // keyword's value) runs the format rules, not the keyword rules again.
            if (rule.context && !context) || (context && !self.standalone[*idx as usize]) {
                continue;
            }
            let Some(start) = at.checked_sub(rule.back) else {
                continue;
            };
            // A context rule's own check waits: when its value is a known format, the format's
            // verdict is the one that counts.
            let defer = context && rule.context;
            // `"token": "ghp_..."` is a GitHub token, not just a token: a format at the value is
            // tried first, and when it matches the keyword's own (costlier) regex never runs.
            let mut tried = None;
            if defer && rule.assignment {
                match assignment_value(hay, start, eof) {
                    Err(()) => return Verdict::NeedMore,
                    Ok(Some(v)) if v < hay.len() => {
                        match self.verify_rules(hay, v, eof, caches, false) {
                            Verdict::NoMatch | Verdict::Overflow => {}
                            verdict => return verdict,
                        }
                        tried = Some(v);
                    }
                    // Not an assignment at all: the keyword regex cannot match either.
                    Ok(None) => continue,
                    Ok(Some(_)) => {}
                }
            }
            match self.verify_rule(rule, *idx, hay, start, eof, caches, !defer) {
                Verdict::NoMatch => continue,
                Verdict::Match {
                    start: s, end: e, ..
                } if defer => {
                    if tried != Some(s) {
                        match self.verify_rules(hay, s, eof, caches, false) {
                            Verdict::NoMatch | Verdict::Overflow => {}
                            v => return v,
                        }
                    }
                    match self.accept(rule, *idx, hay, start, s..e, true) {
                        Verdict::NoMatch => continue,
                        v => return v,
                    }
                }
                v => return v,
            }
        }
        Verdict::NoMatch
    }

    #[allow(clippy::too_many_arguments)]
    fn verify_rule(
        &self,
        rule: &Rule,
        idx: u16,
        hay: &[u8],
        start: usize,
        eof: bool,
        caches: &mut Caches,
        check: bool,
    ) -> Verdict {
        match &rule.verifier {
            Verifier::Pem => pem(hay, start, eof, idx),
            Verifier::Simple(simple) => {
                if rule.assignment && not_an_assignment(hay, start) {
                    return Verdict::NoMatch;
                }
                if start + rule.window > hay.len() && !eof {
                    return Verdict::NeedMore;
                }
                match simple.find(hay, start, eof) {
                    Some(span) => self.accept(rule, idx, hay, start, span, check),
                    None => Verdict::NoMatch,
                }
            }
            Verifier::Regex(re, op, shape) => {
                if rule.assignment && not_an_assignment(hay, start) {
                    return Verdict::NoMatch;
                }
                let end = start + rule.window;
                if end > hay.len() && !eof {
                    return Verdict::NeedMore;
                }
                let input = Input::new(hay)
                    .span(start..end.min(hay.len()))
                    .anchored(Anchored::Yes);
                let cache = caches.get(idx as usize, re, op.as_deref());
                if let Some(shape) = shape {
                    // A lazy DFA finds the match; the secret is its bounds less the fixed lead
                    // and the terminating byte (consumed unless the match ends the input, which
                    // is left to the capture search below).
                    let Some(m) = re.search_with(&mut cache.cache, &input) else {
                        return Verdict::NoMatch;
                    };
                    if !shape.one_byte_after || m.end() < hay.len() {
                        let span =
                            m.start() + shape.lead..m.end() - usize::from(shape.one_byte_after);
                        return self.accept(rule, idx, hay, start, span, check);
                    }
                }
                // The one-pass scan stops where the candidate stops matching, a few bytes in for
                // most non-matches. An anchored one-pass search cannot fail; if it ever did, the
                // general path below decides.
                let one_pass = match (op, cache.onepass.as_mut()) {
                    (Some(op), Some((opc, caps))) => op.try_search(opc, &input, caps).is_ok(),
                    _ => false,
                };
                let caps = match cache.onepass.as_mut() {
                    Some((_, caps)) if one_pass => caps,
                    _ => {
                        // The lazy DFA decides most candidates (a URL without a password, the
                        // word `password` in prose) in a few bytes; captures run only on a match,
                        // over it.
                        let Some(m) = re.search_with(&mut cache.cache, &input) else {
                            return Verdict::NoMatch;
                        };
                        let input = input.span(m.start()..m.end());
                        re.search_captures_with(&mut cache.cache, &input, &mut cache.caps);
                        &mut cache.caps
                    }
                };
                if !caps.is_match() {
                    return Verdict::NoMatch;
                }
                // The secret is the first capture group that took part, else the whole match.
                let span = (1..caps.group_len())
                    .find_map(|g| caps.get_group(g))
                    .or_else(|| caps.get_group(0));
                let Some(span) = span else {
                    return Verdict::NoMatch;
                };
                self.accept(rule, idx, hay, start, span.range(), check)
            }
        }
    }

    /// The verdict on a secret found at `span` by rule `idx` (its regex starting at `start`).
    fn accept(
        &self,
        rule: &Rule,
        idx: u16,
        hay: &[u8],
        start: usize,
        span: std::ops::Range<usize>,
        check: bool,
    ) -> Verdict {
        let quoted = span.start > 0 && matches!(hay[span.start - 1], b'"' | b'\'');
        let before = &hay[start.saturating_sub(LOOK_BEHIND - 1)..start];
        if span.is_empty()
            || (check && !checks::passes(rule.check, &hay[span.clone()], before, quoted))
        {
            return Verdict::NoMatch;
        }
        Verdict::Match {
            start: span.start,
            end: span.end,
            rule: idx,
        }
    }
}

/// A private key block: `-----BEGIN <label with PRIVATE KEY>-----` to its END line.
fn pem(hay: &[u8], at: usize, eof: bool, rule: u16) -> Verdict {
    const MAX_LABEL: usize = 64;
    let rest = &hay[at + PEM_BEGIN.len()..];
    let Some(close) = memchr::memmem::find(&rest[..rest.len().min(MAX_LABEL + 5)], b"-----") else {
        return if !eof && rest.len() < MAX_LABEL + 5 {
            Verdict::NeedMore
        } else {
            Verdict::NoMatch
        };
    };
    let label = &rest[..close];
    if !label
        .iter()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b' ')
        || memchr::memmem::find(label, b"PRIVATE KEY").is_none()
    {
        return Verdict::NoMatch;
    }
    let mut end_marker = b"-----END ".to_vec();
    end_marker.extend_from_slice(label);
    end_marker.extend_from_slice(b"-----");
    let body_from = at + PEM_BEGIN.len() + close + 5;
    let limit = hay.len().min(at + HARD_CAP);
    match memchr::memmem::find(&hay[body_from..limit], &end_marker) {
        Some(i) => Verdict::Match {
            start: at,
            end: body_from + i + end_marker.len(),
            rule,
        },
        None if hay.len() >= at + HARD_CAP => Verdict::Overflow,
        // The input ended inside the key: everything after BEGIN is key material.
        None if eof => Verdict::Match {
            start: at,
            end: hay.len(),
            rule,
        },
        None => Verdict::NeedMore,
    }
}

/// Per-scrubber regex scratch space, one per rule, made on first use.
#[derive(Default)]
pub struct Caches(Vec<Option<RuleCache>>);

pub struct RuleCache {
    cache: meta::Cache,
    caps: Captures,
    onepass: Option<(onepass::Cache, Captures)>,
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches").finish_non_exhaustive()
    }
}

impl Caches {
    fn get(&mut self, idx: usize, re: &meta::Regex, op: Option<&onepass::DFA>) -> &mut RuleCache {
        if self.0.len() <= idx {
            self.0.resize_with(idx + 1, || None);
        }
        self.0[idx].get_or_insert_with(|| RuleCache {
            cache: re.create_cache(),
            caps: re.create_captures(),
            onepass: op.map(|op| (op.create_cache(), op.create_captures())),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn relaxed_bounds_only_touch_large_counted_repetitions() {
        assert_eq!(
            super::relax_bounds(r"a{8,4096}b{2,8}c\{1,100}[,]{3,64}"),
            r"a{8,}b{2,8}c\{1,100}[,]{3,}"
        );
    }
}
