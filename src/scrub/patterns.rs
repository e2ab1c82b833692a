//! A compiled pattern pack: one literal prefilter over every rule's anchors, and per-rule
//! anchored verification that runs only where an anchor occurs.
//!
//! Clean bodies are the common case, so the cost that matters is the prefilter's: a few dozen
//! case-sensitive literals, which Aho-Corasick searches with its SIMD (Teddy) prefilter at
//! memory-like speed. Verification (`verifier`) is a direct matcher, a bounded anchored
//! regex or the PEM block scanner, and every verdict depends only on the bytes in
//! `[anchor - LOOK_BEHIND, anchor + window)`, which is what makes the streaming output
//! independent of chunking.

use std::sync::Arc;

use super::assignment::{assigned, not_an_assignment, Assigned};
use super::checks::{self, Check};
use super::code;
use super::held::Held;
use super::key_name::names_a_key;
use super::pem::pem;
use super::plain_value::{self, Judged};
use super::prefilter::{Candidates, Prefilter};
use super::rules::{RuleDef, Verify};
use super::simple::{Found, Literal, Skip};
use super::verifier::{compile_regex, literal_prefix, RegexVerifier, Verifier};

pub use super::verifier::Caches;

/// Bytes before an anchor a verifier may look at (key prefixes, `\b`, cursor-key checks).
pub const LOOK_BEHIND: usize = 32;
/// The longest single match (a PEM block, a keyword value): past it the engine fails closed.
pub const HARD_CAP: usize = 64 * 1024;

/// One compiled rule.
pub struct Rule {
    pub kind: Arc<str>,
    /// `[REDACTED:<kind>]`, written once here rather than in three pieces per redaction.
    pub label: Label,
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
    /// A setting named in one field and valued in another (`rules/named_value.rs`), tried only
    /// through its keyword rule's `named_rule`.
    named: bool,
    /// A keyword rule's named-value rule, tried where the key is followed by no assignment but
    /// maybe by the next field, line or element (`Assigned::Named`).
    named_rule: Option<u16>,
    /// A keyword rule (`password`, `secret`, `api_key`, `token`): a value that is code naming
    /// the secret is left alone (see `code`). Not a cookie's: a session id is a secret
    /// whatever it looks like.
    keyword: bool,
    /// A keyword rule's regex for values longer than `verifier` takes (see `long_value`).
    long: Option<RegexVerifier>,
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

/// A rule's anchor, compared at every candidate, and what it proves of the rule's match when it
/// is at the match's start.
struct Anchor {
    lit: Literal,
    rule: u16,
    skip: Skip,
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

/// What a redaction of `kind` is written as: `[REDACTED:<kind>]`, zero-padded to at least
/// [`SHORT`] bytes so that [`append_short`] can write it as one fixed-size block.
#[derive(Debug)]
pub struct Label {
    padded: Box<[u8]>,
    len: usize,
}

impl Label {
    pub fn new(kind: &str) -> Self {
        let mut padded = format!("[REDACTED:{kind}]").into_bytes();
        let len = padded.len();
        padded.resize(len.max(SHORT), 0);
        Self {
            padded: padded.into(),
            len,
        }
    }

    #[inline]
    pub fn write(&self, out: &mut Vec<u8>) {
        append_short(out, &self.padded, self.len);
    }
}

/// Copies of at most this many bytes go as one fixed-size block (see [`append_short`]).
pub const SHORT: usize = 64;

/// Appends `src[..n]` to `out`. When `n` is at most [`SHORT`] and `src` has that many bytes, it
/// copies a whole [`SHORT`]-byte block and truncates: a copy of fixed size compiles to a few
/// vector moves. On a body dense with secrets every redaction writes a label and the few dozen
/// clear bytes before it, and a `memcpy` call for each cost more than the copying.
#[inline]
pub fn append_short(out: &mut Vec<u8>, src: &[u8], n: usize) {
    match src.first_chunk::<SHORT>() {
        Some(block) if n <= SHORT => {
            let len = out.len();
            out.extend_from_slice(block);
            out.truncate(len + n);
        }
        _ => out.extend_from_slice(&src[..n]),
    }
}

impl PatternSet {
    /// Compiles `rules` (a selection of the default pack) and `extra` per-route patterns.
    pub fn new(rules: &[&RuleDef], extra: &[ExtraPattern]) -> Result<Self, String> {
        let mut compiled = Vec::new();
        let mut anchors: Vec<(Vec<u8>, u16)> = Vec::new();
        let mut standalone: Vec<bool> = Vec::new();
        for def in rules {
            let idx = compiled.len() as u16;
            let compile = |re| compile_regex(re).map_err(|e| format!("rule {}: {e}", def.kind));
            let (verifier, window, long) = match def.verify {
                Verify::Regex(re) => {
                    let (verifier, max) = compile(re)?;
                    (verifier, max + 1, None)
                }
                Verify::Keyword {
                    bounded,
                    long,
                    openers,
                }
                | Verify::NamedValue {
                    bounded,
                    long,
                    openers,
                } => {
                    let (mut verifier, max) = compile(bounded)?;
                    let mut long = RegexVerifier::unbounded(long)
                        .map_err(|e| format!("rule {}: {e}", def.kind))?;
                    if let Some(openers) = openers {
                        // The same openers find complete long values (the long regex's other
                        // ends are where the bytes end).
                        if let Verifier::Regex(rv) = &mut verifier {
                            rv.capture_forms_with(openers)
                                .map_err(|e| format!("rule {}: {e}", def.kind))?;
                        }
                        long.capture_forms_with(openers)
                            .map_err(|e| format!("rule {}: {e}", def.kind))?;
                    }
                    (verifier, max + 1, Some(long))
                }
                Verify::PemPrivateKey => (Verifier::Pem, HARD_CAP, None),
            };
            let named = matches!(def.verify, Verify::NamedValue { .. });
            anchors.extend(def.anchors.iter().map(|a| (a.as_bytes().to_vec(), idx)));
            standalone.push(def.standalone);
            compiled.push(Rule {
                kind: Arc::from(def.kind),
                label: Label::new(def.kind),
                keep: def.keep,
                back: def.back,
                check: def.check,
                verifier,
                window,
                context: def.pack == "keywords"
                    || matches!(def.kind, "bearer_token" | "cookie" | "authorization"),
                assignment: (def.pack == "keywords" && !named) || def.kind == "cookie",
                named,
                named_rule: None,
                keyword: def.pack == "keywords",
                long,
            });
        }
        // Each keyword rule tries its kind's named-value rule (`rules/named_value.rs`), when
        // selected.
        for k in 0..compiled.len() {
            if compiled[k].keyword && !compiled[k].named {
                compiled[k].named_rule = compiled
                    .iter()
                    .position(|r| r.named && r.kind == compiled[k].kind)
                    .map(|n| n as u16);
            }
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
                label: Label::new(&x.kind),
                keep: x.keep,
                back: 0,
                check: Check::None,
                verifier,
                window: max + 1,
                context: false,
                assignment: false,
                named: false,
                named_rule: None,
                keyword: false,
                long: None,
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
            let rule = &compiled[*i as usize];
            let skip = match &rule.verifier {
                Verifier::Simple(simple) if rule.back == 0 => simple.skip_for(a),
                _ => Skip::NONE,
            };
            by_first[a[0] as usize].push(Anchor {
                lit: Literal::new(a),
                rule: *i,
                skip,
            });
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
    /// anchor, cut off by the end, whose rule could match there (`hay.len()` when there is
    /// none): the earliest a candidate still to come can start, once no complete anchor is left
    /// after `from`.
    pub fn tail_hold(&self, hay: &[u8], from: usize) -> usize {
        let start = hay
            .len()
            .saturating_sub(self.max_anchor.saturating_sub(1))
            .max(from);
        (start..hay.len())
            .find(|&p| {
                let rest = &hay[p..];
                self.by_first[rest[0] as usize].iter().any(|a| {
                    a.lit.len() > rest.len()
                        && a.lit.bytes.starts_with(rest)
                        && self.admits_lead(a.rule, hay, p)
                })
            })
            .unwrap_or(hay.len())
    }

    /// Whether rule `idx`, anchored at `p`, could match given the bytes before `p` its regex
    /// starts at: verification skips an anchor with fewer bytes before it than that, and a
    /// direct matcher's fixed first steps tell (`Simple::admits_lead`).
    fn admits_lead(&self, idx: u16, hay: &[u8], p: usize) -> bool {
        let rule = &self.rules[idx as usize];
        match (p.checked_sub(rule.back), &rule.verifier) {
            _ if rule.back == 0 => true,
            (None, _) => false,
            (Some(s), Verifier::Simple(simple)) => simple.admits_lead(&hay[s..p]),
            (Some(_), _) => true,
        }
    }

    /// The next position at or after `from` where some anchor starts; `base` is `hay[0]`'s
    /// offset in the stream, and `cache` the stream's own `Candidates`.
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
    /// which matches. `eof` says whether `hay` ends where the input ends; `held` is what the
    /// stream's earlier calls left of a candidate that waited (see `held`).
    #[inline(always)]
    pub fn verify(
        &self,
        hay: &[u8],
        at: usize,
        eof: bool,
        caches: &mut Caches,
        held: &mut Held,
    ) -> Verdict {
        self.verify_rules::<true>(hay, at, eof, caches, held)
    }

    /// The rules whose anchor is at `at`: with `CONTEXT`, at a prefilter candidate (the
    /// standalone rules, a context rule's value tried as a format first); without, at such a
    /// value (the format rules). A const parameter, so that each pass is compiled on its own
    /// and the candidate's pass inlined into the candidate loop: on a body dense with secrets
    /// the calls were a share of each secret's cost.
    #[inline(always)]
    fn verify_rules<const CONTEXT: bool>(
        &self,
        hay: &[u8],
        at: usize,
        eof: bool,
        caches: &mut Caches,
        held: &mut Held,
    ) -> Verdict {
        let context = CONTEXT;
        for anchor in &self.by_first[hay[at] as usize] {
            let idx = &anchor.rule;
            if !anchor.lit.is_at(&hay[at..]) {
                if !eof && anchor.lit.bytes.starts_with(&hay[at..]) {
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
                // A named key's word is judged first: `_key` ends far more names than secrets'.
                if rule.check == Check::NamedKey
                    && !names_a_key(&hay[start.saturating_sub(LOOK_BEHIND - 1)..start])
                {
                    continue;
                }
                match assigned(hay, start, eof) {
                    Err(()) => return Verdict::NeedMore,
                    Ok(Assigned::Value(v)) if v < hay.len() => {
                        match self.verify_values(hay, v, eof, caches, held) {
                            Verdict::NoMatch | Verdict::Overflow => {}
                            verdict => return verdict,
                        }
                        tried = Some(v);
                    }
                    Ok(Assigned::Value(_)) => {}
                    // Maybe a setting named here and valued in the next field: its own rule
                    // decides, from the same key.
                    Ok(Assigned::Named) => match rule.named_rule {
                        Some(n) => match self.verify_named(n, hay, start, eof, caches, held) {
                            Verdict::NoMatch => continue,
                            v => return v,
                        },
                        None => continue,
                    },
                    // Not an assignment at all: the keyword regex cannot match either (or, for
                    // `key>` where no tag opens, is not let to).
                    Ok(Assigned::No) => continue,
                }
            }
            match self.verify_rule(
                rule,
                *idx,
                hay,
                start,
                eof,
                caches,
                held,
                !defer,
                anchor.skip,
            ) {
                Verdict::NoMatch => continue,
                Verdict::Match {
                    start: s, end: e, ..
                } if defer => {
                    if tried != Some(s) {
                        match self.verify_values(hay, s, eof, caches, held) {
                            Verdict::NoMatch | Verdict::Overflow => {}
                            v => return v,
                        }
                    }
                    let verdict = if rule.keyword {
                        self.accept_keyword(rule, *idx, hay, start, s..e, eof, held)
                    } else {
                        self.accept(rule, *idx, hay, start, s..e, true, held)
                    };
                    match verdict {
                        Verdict::NoMatch => continue,
                        v => return v,
                    }
                }
                v => return v,
            }
        }
        Verdict::NoMatch
    }

    /// A keyword rule's named-value rule `n` (`rules/named_value.rs`) at the key starting at
    /// `start`: as a deferred context rule's match, a format at the value first, then the
    /// keyword's checks. Out of line, as the rare path it is: the candidate loop inlines
    /// [`PatternSet::verify_rules`].
    #[inline(never)]
    fn verify_named(
        &self,
        n: u16,
        hay: &[u8],
        start: usize,
        eof: bool,
        caches: &mut Caches,
        held: &mut Held,
    ) -> Verdict {
        let rule = &self.rules[n as usize];
        let Verifier::Regex(rv) = &rule.verifier else {
            return Verdict::NoMatch;
        };
        match self.verify_regex(rule, n, rv, hay, start, eof, caches, held, false) {
            Verdict::Match {
                start: s, end: e, ..
            } => {
                match self.verify_values(hay, s, eof, caches, held) {
                    Verdict::NoMatch | Verdict::Overflow => {}
                    v => return v,
                }
                self.accept_keyword(rule, n, hay, start, s..e, eof, held)
            }
            v => v,
        }
    }

    /// [`PatternSet::verify_rules`] at a context rule's value, out of line.
    #[inline(never)]
    fn verify_values(
        &self,
        hay: &[u8],
        at: usize,
        eof: bool,
        caches: &mut Caches,
        held: &mut Held,
    ) -> Verdict {
        self.verify_rules::<false>(hay, at, eof, caches, held)
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn verify_rule(
        &self,
        rule: &Rule,
        idx: u16,
        hay: &[u8],
        start: usize,
        eof: bool,
        caches: &mut Caches,
        held: &mut Held,
        check: bool,
        skip: Skip,
    ) -> Verdict {
        match &rule.verifier {
            Verifier::Pem => pem(hay, start, eof, idx, held),
            Verifier::Simple(simple) => {
                if rule.assignment && not_an_assignment(hay, start) {
                    return Verdict::NoMatch;
                }
                // No wait for the rule's window: the walk's verdicts are final as soon as made.
                let known = held.known_run(idx);
                match (simple.find_known(hay, start, eof, skip, known), &rule.long) {
                    (Found::Secret(span), _) => {
                        self.accept(rule, idx, hay, start, span, check, held)
                    }
                    (Found::More, _) => Verdict::NeedMore,
                    // Only a value cut off by the bounded form's length can be longer than it
                    // takes: a short `Bearer` word in prose is turned down without the long
                    // form's regex (a microsecond per candidate).
                    (Found::Capped, Some(long)) => {
                        self.long_value(rule, idx, long, hay, start, eof, caches, held, check)
                    }
                    (Found::No | Found::Capped, _) => Verdict::NoMatch,
                }
            }
            Verifier::Regex(rv) => {
                self.verify_regex(rule, idx, rv, hay, start, eof, caches, held, check)
            }
        }
    }

    /// The verdict on a secret found at `span` by rule `idx` (its regex starting at `start`).
    /// A secret turned down by its check has cost its bytes: `held` counts them (see
    /// [`Held::turned_down`]).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn accept(
        &self,
        rule: &Rule,
        idx: u16,
        hay: &[u8],
        start: usize,
        span: std::ops::Range<usize>,
        check: bool,
        held: &mut Held,
    ) -> Verdict {
        if span.is_empty() {
            return Verdict::NoMatch;
        }
        // A keyword's checks run in `accept_keyword`: here they would skip its judging.
        debug_assert!(
            !(check && rule.keyword),
            "a keyword match checked by accept"
        );
        // What the checks look at is taken only when there are checks.
        if check && (rule.check != Check::None || rule.keyword) {
            let quoted = span.start > 0 && matches!(hay[span.start - 1], b'"' | b'\'');
            return self.checked(rule, idx, hay, start, span, quoted, held);
        }
        Verdict::Match {
            start: span.start,
            end: span.end,
            rule: idx,
        }
    }

    /// [`PatternSet::accept`] for a keyword rule's match, with its checks: a bare value is
    /// first judged by how it was written (see `plain_value`), which may grow it to a
    /// passphrase's line or wait for the line's end. Keyword rules are context rules, so this
    /// is their only way to a verdict. Out of line: inlined into every candidate's pass, the
    /// judging added 1.7% to a secret-dense body's instructions without running once (its
    /// values are quoted); out of line, 1.0%.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn accept_keyword(
        &self,
        rule: &Rule,
        idx: u16,
        hay: &[u8],
        start: usize,
        mut span: std::ops::Range<usize>,
        eof: bool,
        held: &mut Held,
    ) -> Verdict {
        if span.is_empty() {
            return Verdict::NoMatch;
        }
        let mut literal = span.start > 0 && matches!(hay[span.start - 1], b'"' | b'\'');
        if !literal {
            let from = start.saturating_sub(LOOK_BEHIND - 1);
            let spaced = rule.check == Check::Passphrase;
            match plain_value::judge(hay, from, span.clone(), eof, spaced) {
                // The word found is judged as itself first: a type or a variable does not
                // become a passphrase for having words after it (`password: bytes | str`).
                Judged::Value(value)
                    if value != span && code::names_a_secret(hay, from, span.clone()) =>
                {
                    held.turned_down(start, span.end);
                    return Verdict::NoMatch;
                }
                Judged::Value(value) => {
                    span = value;
                    literal = true;
                }
                Judged::NotAValue => {
                    held.turned_down(start, span.end);
                    return Verdict::NoMatch;
                }
                Judged::NeedMore => return Verdict::NeedMore,
                Judged::Undecided => {}
            }
        }
        self.checked(rule, idx, hay, start, span, literal, held)
    }

    /// The rule's checks on a found `span`; `literal` says the value was written as one (quoted,
    /// or judged so by `plain_value`). A keyword's value that is code naming the secret
    /// (`process.env.API_KEY`) is left as it is (see `code`).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn checked(
        &self,
        rule: &Rule,
        idx: u16,
        hay: &[u8],
        start: usize,
        span: std::ops::Range<usize>,
        literal: bool,
        held: &mut Held,
    ) -> Verdict {
        let from = start.saturating_sub(LOOK_BEHIND - 1);
        // A command's argument is judged with the quote before it: in single quotes a shell
        // expands nothing (`-p'$ecret'` is the password itself). A password with its key and
        // separator: an abbreviated key is judged by its name (`DB_PASS=`, `OLDPWD=`,
        // `--- PASS: `).
        let before = if matches!(rule.check, Check::Argument | Check::Passphrase) {
            &hay[from..span.start]
        } else {
            &hay[from..start]
        };
        if !checks::passes(rule.check, &hay[span.clone()], before, literal)
            || (rule.keyword && code::names_a_secret(hay, from, span.clone()))
        {
            held.turned_down(start, span.end);
            return Verdict::NoMatch;
        }
        Verdict::Match {
            start: span.start,
            end: span.end,
            rule: idx,
        }
    }
}

mod regex_path;

#[cfg(test)]
mod tests;
