//! How a rule decides a candidate: compiling a rule's regex into the cheapest verifier that is
//! exact for it (the direct matcher in `simple`; or a regex with a one-pass DFA, a match shape
//! that saves the capture search, or for a keyword rule a one-pass DFA of its common forms),
//! and running the regex ones. Split from `patterns` so that the pack's search-and-verify loop
//! reads on its own.

use std::ops::Range;

use regex_automata::dfa::onepass;
use regex_automata::hybrid;
use regex_automata::meta;
use regex_automata::nfa::thompson;
use regex_automata::util::captures::Captures;
use regex_automata::util::{start, syntax};
use regex_automata::{Anchored, Input, Match};
use regex_syntax::hir::{Hir, HirKind, Look};

use super::patterns::HARD_CAP;
use super::simple::Simple;
use forms::{bare_value_len, form_of, Closers};

/// How one rule decides a candidate.
pub enum Verifier {
    /// Formats a greedy walk cannot decide exactly: keyword assignments, connection strings.
    Regex(RegexVerifier),
    /// Most token formats: literals and bounded class runs a greedy walk decides exactly.
    Simple(Simple),
    /// A private key block (`pem`).
    Pem,
}

/// A rule's regex, and the same regex as a one-pass DFA when it is one (most token formats are):
/// then a single one-pass scan over the candidate both decides and yields the captures, where
/// the general path runs a lazy DFA and then a capture engine over the match.
pub struct RegexVerifier {
    re: meta::Regex,
    onepass: Option<Box<onepass::DFA>>,
    shape: Option<Shape>,
    /// The same regex as a lazy DFA, walked by hand to tell whether a candidate is settled
    /// before the rule's whole window is in view (see [`RegexVerifier::settles_within`]).
    lazy: Option<Box<hybrid::dfa::DFA>>,
    /// A keyword rule's key and the openers of its forms, as a lazy DFA (see
    /// [`RegexVerifier::capture_forms_with`]).
    openers: Option<Box<hybrid::dfa::DFA>>,
}

impl RegexVerifier {
    /// The secret of an anchored match at `span.start` within `span`: the first capture group
    /// that took part, else the whole match. `settled` is what a settle walk over the span
    /// found (see [`RegexVerifier::settles_within`]), which the search would find again.
    pub fn find(
        &self,
        hay: &[u8],
        span: Range<usize>,
        settled: Option<Settled>,
        cache: &mut RuleCache,
    ) -> Option<Range<usize>> {
        let input = Input::new(hay).span(span.clone()).anchored(Anchored::Yes);
        let search = |cache: &mut meta::Cache| match settled {
            Some(Settled(end)) => {
                let m = end.map(|end| Match::must(0, span.start..end));
                debug_assert_eq!(m, self.re.search_with(cache, &input));
                m
            }
            None => self.re.search_with(cache, &input),
        };
        if self.openers.is_some() {
            let m = search(&mut cache.cache)?;
            return self.secret_in(input, m, cache);
        }
        if let Some(shape) = self.shape {
            // A lazy DFA finds the match; the secret is its bounds less the fixed lead and the
            // terminating byte (consumed unless the match ends the input, which is left to the
            // capture search below).
            let m = search(&mut cache.cache)?;
            if !shape.one_byte_after || m.end() < hay.len() {
                return Some(m.start() + shape.lead..m.end() - usize::from(shape.one_byte_after));
            }
        }
        // The one-pass scan stops where the candidate stops matching, a few bytes in for most
        // non-matches. An anchored one-pass search cannot fail; if it ever did, the general path
        // below decides.
        let one_pass = match (&self.onepass, cache.onepass.as_mut()) {
            (Some(op), Some((opc, caps))) => op.try_search(opc, &input, caps).is_ok(),
            _ => false,
        };
        let caps = match cache.onepass.as_mut() {
            Some((_, caps)) if one_pass => caps,
            _ => {
                // The lazy DFA decides most candidates (a URL without a password, the word
                // `password` in prose) in a few bytes; captures run only on a match, over it.
                let m = search(&mut cache.cache)?;
                let input = input.span(m.start()..m.end());
                self.re
                    .search_captures_with(&mut cache.cache, &input, &mut cache.caps);
                &mut cache.caps
            }
        };
        secret_of(caps)
    }

    /// Whether an anchored match at `start` is already settled by the bytes in `hay`, which end
    /// before the rule's window does and before the input does: the lazy DFA reaches its dead
    /// state inside them, so no later byte can start, extend or end a match, and searching
    /// `start..hay.len()` gives the verdict the whole window would. A keyword candidate
    /// (`"token":"Hi"`, the word `password` in prose) is then decided at its terminator instead
    /// of holding the stream back for the 4 KiB its value may take.
    ///
    /// `None` when the walk is still alive at the end of the bytes, or the lazy DFA gives up:
    /// the caller waits for more bytes, as it would without this check. Settled, the walk has
    /// passed the match the search would find, and the search need not walk it again. `held`
    /// is where an earlier call for the same candidate left the walk alive (then it goes on
    /// from there), and where this one leaves it.
    pub fn settles_within(
        &self,
        hay: &[u8],
        start: usize,
        cache: &mut RuleCache,
        held: &mut Option<Walked>,
    ) -> Option<Settled> {
        match self.walk_on(hay, start, cache, held) {
            Some((Walk::Dead { matched, .. }, ..)) => Some(Settled(matched.map(|len| start + len))),
            _ => None,
        }
    }

    /// Whether the anchored match at `start` ends where `hay` ends ([`RegexVerifier::find_match`]
    /// would return one with `end() == hay.len()`), decided by a walk that goes on from `held`
    /// (see [`RegexVerifier::settles_within`]): for a long value still running, which waits for
    /// more bytes, without searching it from its start again. The walk is leftmost-first, as the
    /// search is: every match it passes is dropped for a later one of higher priority, so the
    /// search's match ends at `hay.len()` exactly when the walk is alive there and its
    /// end-of-input transition is a match. `false` also when the lazy DFA gives up.
    pub fn runs_to_end(
        &self,
        hay: &[u8],
        start: usize,
        cache: &mut RuleCache,
        held: &mut Option<Walked>,
    ) -> bool {
        match self.walk_on(hay, start, cache, held) {
            Some((Walk::Alive(w), dfa, cache)) => {
                dfa.next_eoi_state(cache, w.sid).is_ok_and(|s| s.is_match())
            }
            _ => false,
        }
    }

    /// How many bytes from `start` a search anchored there walks before it stops: where the
    /// lazy DFA dies, else the end of `hay`. For the work a search that found nothing cost.
    pub fn walks_before_failing(&self, hay: &[u8], start: usize, cache: &mut RuleCache) -> usize {
        match self.walk_on(hay, start, cache, &mut None) {
            Some((Walk::Dead { walked, .. }, ..)) => walked,
            _ => hay.len() - start,
        }
    }

    /// The lazy DFA walked from `start`, or on from `held`, leaving in `held` where it stopped
    /// alive; with the DFA and its cache, to look further at the state it stopped in. `None`
    /// without a lazy DFA.
    fn walk_on<'c>(
        &self,
        hay: &[u8],
        start: usize,
        cache: &'c mut RuleCache,
        held: &mut Option<Walked>,
    ) -> Option<(Walk, &hybrid::dfa::DFA, &'c mut hybrid::dfa::Cache)> {
        let dfa = self.lazy.as_deref()?;
        let cache = cache.lazy.get_or_insert_with(|| dfa.create_cache());
        let walked = walk(dfa, cache, hay, start, held.take());
        if let Walk::Alive(w) = walked {
            *held = Some(w);
        }
        Some((walked, dfa, cache))
    }

    /// A regex with no bound on its match (the long keyword and `Bearer` values): no simple
    /// matcher, no one-pass DFA; the caller bounds the bytes it searches. Its lazy DFA tells
    /// whether a value still runs on (see [`RegexVerifier::runs_to_end`]).
    pub fn unbounded(re_str: &str) -> Result<Self, String> {
        let re = meta::Builder::new()
            .syntax(syntax_config())
            .configure(meta_config())
            .build(re_str)
            .map_err(|e| e.to_string())?;
        Ok(Self {
            re,
            onepass: None,
            shape: None,
            lazy: lazy_dfa(re_str),
            openers: None,
        })
    }

    /// Finds a keyword rule's value from `openers`, the key and what opens each of the rule's
    /// forms, and the match's end. A keyword regex is not one-pass (after `\` or `&` an escaped
    /// or entity-quoted value may go on or end), and a general capture search over its hundreds
    /// of states costs ~300 instructions per byte of the match: a body of long `password`
    /// values scrubbed at a fortieth of clean JSON's speed, one of entity-quoted JSON in a
    /// page's attributes (`data-x="{&quot;password&quot;:&quot;…&quot;}"`) at a thirty-fourth.
    ///
    /// Exact, not a guess: each form is told by its opener (after the key, a separator and a
    /// quote, an escaped quote, an entity or nothing; `>`; `\u003e`; `&gt;`), and each byte of
    /// `openers` leads one way (it is built one-pass, as the proof), so the value starts where
    /// `openers` ends. Each form's value ends at a closer the opener tells: a fixed string (a
    /// quote, `\"`, `</`, `\u003c/`, a quote entity of the opening one's kind, `&lt;/`), or one
    /// byte after a bare value; or, in the unbounded regex, where the bytes end. No closer of a
    /// form is a suffix of another, so short of the end of the bytes the match ends with
    /// exactly one of its form's closers, and the value is what lies between. A match that
    /// ends the bytes ends at the first byte its value may not hold, in the forms whose values
    /// hold no escapes (see `forms`); in the others it is left to the general search. A
    /// property test checks that every keyword rule finds the same value this way as by the
    /// general search.
    pub fn capture_forms_with(&mut self, openers: &str) -> Result<(), String> {
        // Built one-pass only as the proof that each byte leads one way; run as a lazy DFA,
        // which finds where the openers end in a few instructions a byte, where a one-pass
        // search keeps capture slots at every byte (~40).
        onepass::Builder::new()
            .syntax(syntax_config())
            .thompson(thompson::Config::new().utf8(false))
            .build(openers)
            .map_err(|e| format!("the keyword openers are not one-pass: {e}"))?;
        self.openers = Some(lazy_dfa(openers).ok_or("the keyword openers make no lazy DFA")?);
        Ok(())
    }

    /// The whole match of a regex without a shape, anchored at `span.start` (past the secret by
    /// its terminator, if any): where it ends tells whether its secret is wanted yet (a value
    /// still running at the end of the bytes so far is not), so that the capture search runs
    /// once, when the verdict is known, rather than over the value so far at every chunk.
    pub fn find_match(
        &self,
        hay: &[u8],
        span: Range<usize>,
        cache: &mut RuleCache,
    ) -> Option<Match> {
        let input = Input::new(hay).span(span).anchored(Anchored::Yes);
        self.re.search_with(&mut cache.cache, &input)
    }

    /// The secret of `m`, which [`RegexVerifier::find_match`] found in the same `hay` and `span`.
    pub fn secret_of_match(
        &self,
        hay: &[u8],
        span: Range<usize>,
        m: Match,
        cache: &mut RuleCache,
    ) -> Option<Range<usize>> {
        let input = Input::new(hay).span(span).anchored(Anchored::Yes);
        self.secret_in(input, m, cache)
    }

    /// The secret of `m`, a match the lazy DFA found: from its opener and closer where it is a
    /// keyword rule's match that does not end the bytes, else by the general capture search
    /// over it.
    fn secret_in(&self, input: Input<'_>, m: Match, cache: &mut RuleCache) -> Option<Range<usize>> {
        let input = input.span(m.start()..m.end());
        if let Some(secret) = self.form_secret(input.haystack(), m, cache) {
            return Some(secret);
        }
        self.re
            .search_captures_with(&mut cache.cache, &input, &mut cache.caps);
        secret_of(&cache.caps)
    }

    /// The value of `m`, a keyword rule's match, from its opener and its closer (see
    /// [`RegexVerifier::capture_forms_with`]). `None` (the general search decides) where `m`
    /// ends the bytes in a form whose values hold escapes.
    fn form_secret(&self, hay: &[u8], m: Match, cache: &mut RuleCache) -> Option<Range<usize>> {
        let openers = self.openers.as_deref()?;
        let cache = cache.openers.get_or_insert_with(|| openers.create_cache());
        let input = Input::new(hay)
            .span(m.start()..m.end())
            .anchored(Anchored::Yes);
        let start = openers.try_search_fwd(cache, &input).ok()??.offset();
        let value = &hay[start..m.end()];
        let form = form_of(&hay[m.start()..start]);
        let end = match form.closers {
            // Its delimiter is a byte or a whole escape: the value is walked instead.
            Closers::Bare => start + bare_value_len(value),
            Closers::OneOf(closers) if m.end() < hay.len() => {
                m.end() - closers.iter().find(|c| value.ends_with(c))?.len()
            }
            // Ended by `$` (whole or cut short, in the unbounded regex). Where no value byte
            // may begin a closer, the value ends at the first byte that does. (Decoded base64
            // is scanned as a whole input: each `token=token=…` value in it ended the bytes,
            // and the general search over 48 KB cost 37 million instructions.)
            Closers::OneOf(_) => {
                let stop = form.stop?;
                start
                    + value
                        .iter()
                        .position(|&b| stop[b as usize])
                        .unwrap_or(value.len())
            }
        };
        (end > start).then_some(start..end)
    }
}

/// The secret of a match: the first capture group that took part, else the whole match.
fn secret_of(caps: &Captures) -> Option<Range<usize>> {
    if !caps.is_match() {
        return None;
    }
    (1..caps.group_len())
        .find_map(|g| caps.get_group(g))
        .or_else(|| caps.get_group(0))
        .map(|span| span.range())
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

/// The verifier for `re` and its longest match.
pub fn compile_regex(re: &str) -> Result<(Verifier, usize), String> {
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
        .configure(meta_config())
        .build_from_hir(&hir)
        .map_err(|e| e.to_string())?;
    let onepass = onepass::Builder::new()
        .syntax(syntax_config())
        .thompson(thompson::Config::new().utf8(false))
        .build(&relaxed)
        .ok()
        .map(Box::new);
    let lazy = lazy_dfa(&relaxed);
    Ok((
        Verifier::Regex(RegexVerifier {
            re,
            onepass,
            shape,
            lazy,
            openers: None,
        }),
        max,
    ))
}

/// `re` as a lazy DFA, leftmost-first as the meta regex searches: its dead state is where the
/// search would stop. Its cache, one per scrubber and rule, is capped well below the 2 MiB
/// default: a candidate walks a few hundred states at most, and clearing a full cache only
/// costs time. `None` where it cannot be built (the walks then report nothing settled).
fn lazy_dfa(re: &str) -> Option<Box<hybrid::dfa::DFA>> {
    hybrid::dfa::Builder::new()
        .configure(
            hybrid::dfa::Config::new()
                .cache_capacity(LAZY_CACHE)
                .skip_cache_capacity_check(true),
        )
        .syntax(syntax_config())
        .thompson(thompson::Config::new().utf8(false))
        .build(re)
        .ok()
        .map(Box::new)
}

/// A lazy DFA walk from a candidate's start that was alive where the bytes so far ended.
#[derive(Debug, Clone, Copy)]
pub struct Walked {
    /// Bytes walked from the start.
    len: usize,
    sid: hybrid::LazyStateID,
    /// The cache's clear count when `sid` was reached: a state id is valid only until the
    /// cache is next cleared (a later walk then starts over).
    clears: usize,
    /// The end of the last match passed, in bytes from the start.
    matched: Option<usize>,
}

enum Walk {
    /// Dead inside the bytes: with the end of the leftmost-first match it passed (bytes from
    /// the start), as a search would find it.
    Dead {
        matched: Option<usize>,
        /// Bytes walked from the start before the byte it died at.
        walked: usize,
    },
    Alive(Walked),
    GaveUp,
}

/// Where a settled candidate's anchored match ends, if it has one.
#[derive(Debug, Clone, Copy)]
pub struct Settled(Option<usize>);

/// Walks `dfa` anchored at `start` to where it dies or `hay` ends, going on from `from` (an
/// earlier walk of the same candidate over a prefix of these bytes) while its state is valid.
fn walk(
    dfa: &hybrid::dfa::DFA,
    cache: &mut hybrid::dfa::Cache,
    hay: &[u8],
    start: usize,
    from: Option<Walked>,
) -> Walk {
    let resume = from.filter(|w| w.clears == cache.clear_count() && start + w.len <= hay.len());
    let (mut sid, at, mut matched) = match resume {
        Some(w) => (w.sid, start + w.len, w.matched),
        None => {
            let config = start::Config::new()
                .anchored(Anchored::Yes)
                .look_behind(start.checked_sub(1).map(|i| hay[i]));
            match dfa.start_state(cache, &config) {
                Ok(sid) => (sid, start, None),
                Err(_) => return Walk::GaveUp,
            }
        }
    };
    for (i, &b) in hay[at..].iter().enumerate() {
        match dfa.next_state(cache, sid, b) {
            Ok(next) if next.is_dead() => {
                return Walk::Dead {
                    matched,
                    walked: at + i - start,
                }
            }
            Ok(next) if !next.is_quit() => {
                // A lazy DFA's match states are a byte late: the match ended before `b`. A
                // later one replaces it, as in a leftmost-first search.
                if next.is_match() {
                    matched = Some(at + i - start);
                }
                sid = next;
            }
            _ => return Walk::GaveUp,
        }
    }
    // A clear during the walk keeps the current state valid (the lazy DFA carries it over).
    Walk::Alive(Walked {
        len: hay.len() - start,
        sid,
        clears: cache.clear_count(),
        matched,
    })
}

/// The byte budget of a lazy DFA's cache, per rule and scrubber: the settle check's (see
/// `compile_regex`) and the meta regex's (forward and reverse each), well below the 2 MiB
/// default, so that what a hostile body can make one response hold stays small.
const LAZY_CACHE: usize = 256 * 1024;

fn meta_config() -> meta::Config {
    meta::Config::new()
        .utf8_empty(false)
        .hybrid_cache_capacity(LAZY_CACHE)
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

/// The literal prefix of an extra pattern, which becomes its anchor.
pub fn literal_prefix(re: &str) -> Option<String> {
    let hir = syntax::parse_with(re, &syntax_config()).ok()?;
    let seq = regex_syntax::hir::literal::Extractor::new().extract(&hir);
    let lits = seq.literals()?;
    if lits.len() != 1 {
        return None;
    }
    let lit = String::from_utf8(lits[0].as_bytes().to_vec()).ok()?;
    (lit.len() >= 3).then_some(lit)
}

/// Per-scrubber regex scratch space, one per rule, made on first use.
#[derive(Default)]
pub struct Caches(Vec<Option<RuleCache>>);

pub struct RuleCache {
    cache: meta::Cache,
    caps: Captures,
    onepass: Option<(onepass::Cache, Captures)>,
    /// Made on first use: only matches in the other forms need it.
    openers: Option<hybrid::dfa::Cache>,
    /// Made on first use: only candidates near the end of the bytes so far need it.
    lazy: Option<hybrid::dfa::Cache>,
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches").finish_non_exhaustive()
    }
}

impl Caches {
    pub fn get(&mut self, idx: usize, rv: &RegexVerifier) -> &mut RuleCache {
        let (re, op) = (&rv.re, rv.onepass.as_deref());
        if self.0.len() <= idx {
            self.0.resize_with(idx + 1, || None);
        }
        self.0[idx].get_or_insert_with(|| RuleCache {
            cache: re.create_cache(),
            caps: re.create_captures(),
            onepass: op.map(|op| (op.create_cache(), op.create_captures())),
            openers: None,
            lazy: None,
        })
    }
}

mod forms;

#[cfg(test)]
mod tests;
