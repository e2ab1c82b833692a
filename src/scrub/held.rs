//! What verification already did for a candidate that waits for more bytes. A keyword value,
//! a `Bearer` token or any regex candidate still running at the end of the bytes so far is
//! verified again from its start at the next chunk; for a value of tens of KiB arriving in
//! small pieces (a slow or hostile upstream), walking it from its start at every piece made
//! the work quadratic: 64-byte pieces of 40 KB `password` values cost ~800x clean JSON. Bytes
//! never change once they have arrived, so the lazy DFA walks of the waiting candidate go on
//! from where they stopped, and a bounded regex that found nothing in its whole window is not
//! searched again.
//!
//! Also the stream's work budget: the bytes of secrets turned down by their checks, whose
//! candidates may overlap without end (a value holding its own key thousands of times). A
//! stream past it fails closed (see [`WORK_PER_BYTE`]); a stream's decoded base64 runs share
//! one (see [`Budget`]). And, per rule, the last long run of a token's class its direct matcher
//! walked, so that anchors repeated inside one run do not walk it again (see `KnownRun`).

use super::simple::KnownRun;
use super::verifier::Walked;

/// Per stream (body, event-stream logical stream, decoded base64 run): the candidate that
/// waited last, keyed by its absolute offset, since the stream's buffer drains under it.
#[derive(Debug, Default, Clone)]
pub struct Held {
    /// The offset of the bytes' first byte in the stream, set before each verification.
    pub base: u64,
    /// The candidate (absolute start of the rule's regex, rule index) the rest is about.
    key: Option<(u64, u16)>,
    memo: Memo,
    /// Bytes of secrets turned down by their checks, from their candidates' starts, counted
    /// once a candidate's verdict is final: see [`Held::turned_down`].
    work: u64,
    /// The absolute end of the last of those secrets.
    work_at: u64,
    /// The same two for the candidate being verified: counted by [`Held::settle`], or
    /// dropped when it waits for more bytes.
    work_now: u64,
    work_at_now: u64,
    /// Per rule, the last long run its direct matcher walked.
    runs: Vec<KnownRun>,
    /// Where these bytes start in the budget's count: 0, but for a decoded base64 run, whose
    /// stream's runs share one budget (see [`Budget`]).
    budget_base: u64,
}

/// The work budget of a stream's decoded base64 runs, carried from each run to the next as if
/// they were one stream. Each run is scanned as a whole input of its own: with a budget of its
/// own, each had the whole [`WORK_SLACK`] to spend, and a body of 48 KB runs decoding to
/// `token=token=…` spent it in every run.
#[derive(Debug, Default, Clone, Copy)]
pub struct Budget {
    work: u64,
    work_at: u64,
    /// Decoded bytes so far.
    bytes: u64,
}

/// Bytes of turned-down secrets that may be verified per byte of the stream (up to the last
/// such secret), besides [`WORK_SLACK`]. A secret turned down by its check (a placeholder, a
/// lower-case word) leaves the search to go on at the next candidate, which may lie inside it:
/// a value holding its own key thousands of times (`token=token=…`, `sessionToken=dummy…`)
/// had every one verified to the value's end, quadratic, minutes of CPU per 4 MiB. Real bodies
/// turn down a few placeholders that seldom overlap; a body past this budget fails closed, as
/// one past the hold-back cap does.
pub const WORK_PER_BYTE: u64 = 16;
/// See [`WORK_PER_BYTE`].
pub const WORK_SLACK: u64 = 1 << 20;

/// What is known of one rule's candidate.
#[derive(Debug, Default, Clone)]
pub struct Memo {
    /// How far the walk of the rule's bounded regex got, alive.
    pub bounded: Option<Walked>,
    /// How many times the search of the rule's unbounded regex (long values) found the value
    /// running to the end of the bytes so far. From [`WALK_AFTER`] on, a walk tells when it
    /// stops instead, going on from `long`.
    pub long_waits: u8,
    /// How far that walk got, alive.
    pub long: Option<Walked>,
    /// The bounded regex found nothing in its whole window: only the unbounded one is left.
    pub bounded_none: bool,
    /// A private key block's END line starts nowhere before this absolute offset.
    pub no_end_before: Option<u64>,
}

/// Waits of a long value after which its walk takes over from the search. The walk's first
/// step goes over the value so far, at a few times the search's cost per byte: a value that
/// arrives in a few large chunks (40 KB in 16 KiB chunks) is cheaper searched each time (with
/// 2 here, 40 KB `Bearer` values in 16 KiB chunks cost 8% more than before the walk), one that
/// trickles in is searched three times and then walked once.
pub const WALK_AFTER: u8 = 3;

impl Held {
    /// The memo of rule `rule`'s candidate starting at `start` in the bytes so far; anything
    /// known of another candidate is forgotten.
    pub fn of(&mut self, start: usize, rule: u16) -> &mut Memo {
        let key = Some((self.base + start as u64, rule));
        if self.key != key {
            self.key = key;
            self.memo = Memo::default();
        }
        &mut self.memo
    }

    /// A secret ending at `end` (in the bytes so far), found by a candidate whose regex
    /// starts at `start`, was turned down by its rule's check; or a long value's search from
    /// `start` walked to `end` and found nothing.
    pub fn turned_down(&mut self, start: usize, end: usize) {
        self.work_now += (end - start) as u64;
        self.work_at_now = self
            .work_at_now
            .max(self.budget_base + self.base + end as u64);
    }

    /// Whether the candidate being verified turned a secret down (most turn none down).
    #[inline]
    pub fn turned_any_down(&self) -> bool {
        self.work_now != 0
    }

    /// Ends the verification of a candidate that turned secrets down. They count only once its
    /// verdict is final (one that `waits` for more bytes is verified again), so that the count,
    /// and where it passes the budget, are the same however the bytes arrive. `true` when the
    /// stream is past its budget ([`WORK_PER_BYTE`]).
    pub fn settle(&mut self, waits: bool) -> bool {
        let (work, at) = (
            std::mem::take(&mut self.work_now),
            std::mem::take(&mut self.work_at_now),
        );
        if waits {
            return false;
        }
        self.work += work;
        self.work_at = self.work_at.max(at);
        self.work > WORK_PER_BYTE * self.work_at + WORK_SLACK
    }

    /// Rule `rule`'s known run, for bytes starting at [`Held::base`].
    #[inline]
    pub fn known_run(&mut self, rule: u16) -> &mut KnownRun {
        let i = usize::from(rule);
        if self.runs.len() <= i {
            self.grow_runs(i + 1);
        }
        let known = &mut self.runs[i];
        known.base = self.base;
        known
    }

    #[cold]
    fn grow_runs(&mut self, rules: usize) {
        self.runs.resize(rules, KnownRun::default());
    }

    /// Goes on with `budget`'s count, for the decoded base64 run that comes next.
    pub fn resume(&mut self, budget: &Budget) {
        self.work = budget.work;
        self.work_at = budget.work_at;
        self.budget_base = budget.bytes;
    }

    /// Leaves the count in `budget` after a decoded run of `len` bytes.
    pub fn spent(&self, budget: &mut Budget, len: usize) {
        budget.work = self.work;
        budget.work_at = self.work_at;
        budget.bytes += len as u64;
    }

    /// The memo of that candidate, if it is the one held.
    pub fn get(&mut self, start: usize, rule: u16) -> Option<&mut Memo> {
        (self.key == Some((self.base + start as u64, rule))).then_some(&mut self.memo)
    }
}

#[cfg(test)]
mod tests;
