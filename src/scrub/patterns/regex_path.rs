//! The regex verifier's path: rules the direct matcher cannot take, and keyword or `Bearer`
//! values longer than a rule's bounded form. Kept out of line from the candidate loop, which
//! inlines the direct path: secret-dense bodies go through that one at every secret, and a
//! smaller loop compiled to fewer instructions per secret (1.2%).

use super::{Caches, Held, PatternSet, Rule, Verdict, HARD_CAP};
use crate::scrub::assignment::not_an_assignment;
use crate::scrub::held::WALK_AFTER;
use crate::scrub::rules::KEYWORD_VALUE_MAX;
use crate::scrub::verifier::RegexVerifier;

impl PatternSet {
    /// [`PatternSet::verify_rule`] for a rule the direct matcher cannot take: out of line, so
    /// that the inlined direct path stays small.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    pub(super) fn verify_regex(
        &self,
        rule: &Rule,
        idx: u16,
        rv: &RegexVerifier,
        hay: &[u8],
        start: usize,
        eof: bool,
        caches: &mut Caches,
        held: &mut Held,
        check: bool,
    ) -> Verdict {
        if rule.assignment && not_an_assignment(hay, start) {
            return Verdict::NoMatch;
        }
        let end = start + rule.window;
        let cache = caches.get(idx as usize, rv);
        // With the window's last byte the last one so far, `$` would match at the end of
        // the bytes so far as if it were the input's: one more byte, or a settled walk.
        let mut settled = None;
        if end >= hay.len() && !eof {
            settled = rv.settles_within(hay, start, cache, &mut held.of(start, idx).bounded);
            if settled.is_none() {
                return Verdict::NeedMore;
            }
        }
        // With a byte past the window, the search sees the same bytes at every call.
        let found = match held.get(start, idx) {
            Some(memo) if memo.bounded_none => None,
            _ => rv.find(hay, start..end.min(hay.len()), settled, cache),
        };
        match (found, &rule.long) {
            (Some(span), _) => self.accept(rule, idx, hay, start, span, check, held),
            (None, Some(long)) => {
                if end < hay.len() {
                    held.of(start, idx).bounded_none = true;
                }
                self.long_value(rule, idx, long, hay, start, eof, caches, held, check)
            }
            (None, None) => Verdict::NoMatch,
        }
    }

    /// A keyword or `Bearer` value longer than the rule's regex takes (over 4 KiB: a long client
    /// secret, an opaque token), once that regex (or the direct matcher) has turned the value
    /// down for good. The value is redacted whole when its end is within [`HARD_CAP`] bytes of
    /// the key; the verdict waits
    /// while the value runs to the end of the bytes so far, and a value still going at the cap
    /// fails the body closed, as a private key block does: a secret is never let through for
    /// being long.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn long_value(
        &self,
        rule: &Rule,
        idx: u16,
        long: &RegexVerifier,
        hay: &[u8],
        start: usize,
        eof: bool,
        caches: &mut Caches,
        held: &mut Held,
        check: bool,
    ) -> Verdict {
        // The search ends at the cap: there `$` matches a value that goes on.
        let cap = hay.len().min(start + HARD_CAP);
        let cache = caches.get(self.rules.len() + idx as usize, long);
        // The value ran on to the end of the bytes so far at earlier calls. While it still
        // does, short of the cap, the search below would say so too (its match ends there),
        // after walking the value from its key again at every chunk.
        if let Some(memo) = held.get(start, idx).filter(|m| m.long_waits >= WALK_AFTER) {
            if !eof && cap < start + HARD_CAP && long.runs_to_end(hay, start, cache, &mut memo.long)
            {
                return Verdict::NeedMore;
            }
        }
        let Some(m) = long.find_match(&hay[..cap], start..cap, cache) else {
            // The search died somewhere in the value, and a candidate inside it may walk to the
            // same place (`token&gt;` thousands of times on a line, each failing at its end):
            // the walk counts against the work budget, as a turned-down secret does.
            let walked = long.walks_before_failing(&hay[..cap], start, cache);
            held.turned_down(start, start + walked);
            return Verdict::NoMatch;
        };
        if !(m.end() < cap || (eof && cap == hay.len())) {
            if cap == start + HARD_CAP {
                return Verdict::Overflow;
            }
            let memo = held.of(start, idx);
            memo.long_waits = memo.long_waits.saturating_add(1);
            return Verdict::NeedMore;
        }
        // Ended by its own terminator, or by the end of the input. Not longer than the bounded
        // regex takes: a value it turned down for its length (too short).
        match long.secret_of_match(&hay[..cap], start..cap, m, cache) {
            Some(span) if span.len() > KEYWORD_VALUE_MAX => {
                self.accept(rule, idx, hay, start, span, check, held)
            }
            _ => Verdict::NoMatch,
        }
    }
}
