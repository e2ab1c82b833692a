//! What verification already did for a candidate that waits for more bytes. A keyword value,
//! a `Bearer` token or any regex candidate still running at the end of the bytes so far is
//! verified again from its start at the next chunk; for a value of tens of KiB arriving in
//! small pieces (a slow or hostile upstream), walking it from its start at every piece made
//! the work quadratic: 64-byte pieces of 40 KB `password` values cost ~800x clean JSON. Bytes
//! never change once they have arrived, so the lazy DFA walks of the waiting candidate go on
//! from where they stopped, and a bounded regex that found nothing in its whole window is not
//! searched again.

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
}

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

    /// The memo of that candidate, if it is the one held.
    pub fn get(&mut self, start: usize, rule: u16) -> Option<&mut Memo> {
        (self.key == Some((self.base + start as u64, rule))).then_some(&mut self.memo)
    }
}
