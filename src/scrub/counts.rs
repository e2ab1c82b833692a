//! Redaction counts by kind: what the audit line and the metrics report (never a value).

use std::sync::Arc;

use super::patterns::Rule;

/// Redaction counts by kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts(pub Vec<(Arc<str>, u32)>);

impl Counts {
    pub fn add(&mut self, kind: &Arc<str>, n: u32) {
        // Kinds are the rules' own `Arc`s: a pointer comparison finds them, and the string
        // comparison is only the fallback (counts merged from another scrubber).
        let at = match self.0.iter().position(|(k, _)| Arc::ptr_eq(k, kind)) {
            Some(i) => Some(i),
            None => self.0.iter().position(|(k, _)| k == kind),
        };
        match at.map(|i| &mut self.0[i]) {
            Some((_, c)) => *c += n,
            None => self.0.push((kind.clone(), n)),
        }
    }

    pub fn total(&self) -> u32 {
        self.0.iter().map(|(_, n)| n).sum()
    }

    pub fn get(&self, kind: &str) -> u32 {
        self.0
            .iter()
            .find(|(k, _)| k.as_ref() == kind)
            .map_or(0, |(_, n)| *n)
    }
}

/// Redactions per rule while a chunk is written (the slot after the rules: live credentials),
/// in order of first occurrence: an index per redaction where [`Counts`] compares kinds, then
/// folded into `Counts` once per chunk.
#[derive(Debug, Default)]
pub struct Tally {
    by_slot: Vec<u32>,
    order: Vec<usize>,
}

impl Tally {
    #[inline]
    pub(super) fn add(&mut self, slot: usize) {
        if slot >= self.by_slot.len() {
            self.by_slot.resize(slot + 1, 0);
        }
        if self.by_slot[slot] == 0 {
            self.order.push(slot);
        }
        self.by_slot[slot] += 1;
    }

    /// Moves the tally into `counts`, kinds in order of first occurrence (so that the counts,
    /// like the output, do not depend on chunking); returns how many redactions it moved.
    pub(super) fn drain_into(
        &mut self,
        rules: &[Rule],
        live_kind: &Arc<str>,
        counts: &mut Counts,
    ) -> u32 {
        let mut moved = 0;
        for &slot in &self.order {
            let kind = match rules.get(slot) {
                Some(rule) => &rule.kind,
                None => live_kind,
            };
            let n = std::mem::take(&mut self.by_slot[slot]);
            counts.add(kind, n);
            moved += n;
        }
        self.order.clear();
        moved
    }
}
