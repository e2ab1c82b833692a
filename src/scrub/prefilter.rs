//! The literal prefilter: where any rule's anchor occurs, so that verification runs only
//! there. Its speed is the speed of scrubbing a clean body; on a body dense with secrets, a
//! pair walk after each match ([`Pairs`]) saves the Teddy call per secret.

use aho_corasick::{packed, AhoCorasick, AhoCorasickBuilder, MatchKind};

mod buckets;

/// The literal search over every anchor: Teddy (SIMD) where the CPU has it, an automaton
/// elsewhere. One Teddy searcher over all ~90 anchors runs at a few hundred MB/s on JSON: its
/// buckets' nibble masks get so loose that most blocks need verifying. So the anchors are split
/// over a few searchers, with anchors of similar first bytes sharing a bucket ([`buckets`]), and
/// a per-stream cache of each searcher's next hit ([`Candidates`]) means every byte is searched
/// once per searcher, not once per candidate.
pub enum Prefilter {
    /// The searchers, and the pair walk when every anchor has at least 3 bytes.
    Teddy(Vec<packed::Searcher>, Option<Pairs>),
    Automaton(AhoCorasick),
}

/// The anchors' first and second byte pairs, as bit sets over `u16::from_le_bytes([a, b])`
/// (8 KiB each).
///
/// Right after a match, the next candidate is often a few dozen bytes away (a body dense with
/// secrets), where a Teddy call costs more in setup and verification than a scalar walk over
/// those bytes. So for [`NEAR`] bytes after a match that came soon after the previous one (see
/// [`Candidates::after_match`]), positions whose first pair and second pair (bytes 0-1 and 1-2)
/// are those of some anchors are candidates: a superset of the anchor starts, which
/// verification (an exact anchor comparison first) sorts out. Elsewhere the candidates are
/// exactly the anchor starts.
///
/// The walk looks at every other position only: an anchor (3 bytes or more) at `p` has its
/// first pair at `p` or its second pair at `p + 1`, and one of the two is at an even distance
/// from where the walk began. So a walk over pairs `j, j + 2, ...` against the union of first
/// and second pairs (`either`) misses no anchor, and tests `j - 1` and `j` exactly where the
/// union has the pair: half the steps of a walk over every position, at a few more tests where
/// the union has a pair that neither exact test confirms.
pub struct Pairs {
    first: Box<[u64; 1024]>,
    second: Box<[u64; 1024]>,
    either: Box<[u64; 1024]>,
}

/// How far after a match the pair walk replaces the Teddy search: about where a walk at a few
/// instructions per byte costs what one Teddy call costs.
const NEAR: u64 = 64;

impl Pairs {
    /// For anchors of at least 3 bytes (the Teddy searchers' minimum).
    fn new(lits: &[Vec<u8>]) -> Self {
        let mut first = Box::new([0u64; 1024]);
        let mut second = Box::new([0u64; 1024]);
        let mut either = Box::new([0u64; 1024]);
        let set = |bits: &mut [u64; 1024], a: u8, b: u8| {
            let k = usize::from(u16::from_le_bytes([a, b]));
            bits[k / 64] |= 1 << (k % 64);
        };
        for l in lits {
            set(&mut first, l[0], l[1]);
            set(&mut second, l[1], l[2]);
            set(&mut either, l[0], l[1]);
            set(&mut either, l[1], l[2]);
        }
        Self {
            first,
            second,
            either,
        }
    }

    /// The first position in `from..stop` whose first and second pairs are anchors' (the test
    /// of the second runs only where the first passed); `stop` is at most `hay.len() - 2`.
    #[inline]
    fn first(&self, hay: &[u8], from: usize, stop: usize) -> Option<usize> {
        let has = |bits: &[u64; 1024], a: u8, b: u8| {
            let k = usize::from(u16::from_le_bytes([a, b]));
            bits[k / 64] >> (k % 64) & 1 != 0
        };
        let exact = |p: usize| {
            has(&self.first, hay[p], hay[p + 1]) && has(&self.second, hay[p + 1], hay[p + 2])
        };
        // The pairs at `from`, `from + 2`, ..., up to the one at `stop` or `stop - 1`; `p` is
        // never `stop` or past it, and `p + 2 <= stop + 1 < hay.len()`.
        for (i, pair) in hay[from..stop + 2].chunks_exact(2).enumerate() {
            if has(&self.either, pair[0], pair[1]) {
                let j = from + 2 * i;
                if j > from && exact(j - 1) {
                    return Some(j - 1);
                }
                if j < stop && exact(j) {
                    return Some(j);
                }
            }
        }
        None
    }
}

/// Anchors per searcher when they cannot be planned (an anchor shorter than 3 bytes).
const TEDDY_GROUP: usize = 24;

impl Prefilter {
    pub fn new(lits: &[Vec<u8>]) -> Result<Self, String> {
        let groups: Vec<Vec<Vec<u8>>> = if lits.iter().all(|l| l.len() >= 3) {
            buckets::plan(lits).into_iter().map(|s| s.order).collect()
        } else {
            lits.chunks(TEDDY_GROUP).map(<[_]>::to_vec).collect()
        };
        let teddy = groups
            .iter()
            .map(|group| teddy(group))
            .collect::<Option<Vec<_>>>();
        if let Some(t) = teddy {
            let pairs = lits.iter().all(|l| l.len() >= 3).then(|| Pairs::new(lits));
            return Ok(Self::Teddy(t, pairs));
        }
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(lits)
            .map(Self::Automaton)
            .map_err(|e| e.to_string())
    }

    /// The next position at or after `from` where some anchor starts, or (within [`NEAR`] bytes
    /// after a match noted in `cache`) may start; `base` is `hay[0]`'s offset in the stream,
    /// `max_anchor` the longest anchor, and `cache` the stream's own [`Candidates`].
    ///
    /// The walk near a match is inlined into the caller: on a body dense with secrets it runs
    /// once per secret, and the call was a share of its cost. The search is not.
    #[inline(always)]
    pub fn next(
        &self,
        hay: &[u8],
        from: usize,
        base: u64,
        max_anchor: usize,
        cache: &mut Candidates,
    ) -> Option<usize> {
        let mut from = from;
        if let Self::Teddy(_, Some(pairs)) = self {
            if base + (from as u64) < cache.near {
                // No anchor fits in the last two bytes.
                let stop = ((cache.near - base) as usize).min(hay.len().saturating_sub(2));
                if from < stop {
                    if let Some(p) = pairs.first(hay, from, stop) {
                        return Some(p);
                    }
                    // No anchor starts before `stop`: Teddy takes over there.
                    from = stop;
                }
            }
        }
        self.search(hay, from, base, max_anchor, cache)
    }

    /// [`Prefilter::next`] past the walk near a match.
    #[inline(never)]
    fn search(
        &self,
        hay: &[u8],
        from: usize,
        base: u64,
        max_anchor: usize,
        cache: &mut Candidates,
    ) -> Option<usize> {
        let groups = match self {
            Self::Automaton(ac) => {
                return ac
                    .find(aho_corasick::Input::new(hay).span(from..hay.len()))
                    .map(|m| m.start())
            }
            Self::Teddy(groups, _) => groups,
        };
        if cache.hits.len() != groups.len() {
            cache.hits = vec![Hit::Unknown; groups.len()];
        }
        let from_abs = base + from as u64;
        let end_abs = base + hay.len() as u64;
        let cut = max_anchor.saturating_sub(1) as u64;
        if end_abs > cache.searched_end {
            cache.bytes_came(cut);
            cache.searched_end = end_abs;
        }
        let mut best: Option<u64> = None;
        // An index loop: `zip` was a call of its own per candidate in builds without LTO.
        for (k, g) in groups.iter().enumerate() {
            let hit = &mut cache.hits[k];
            let search_from = match *hit {
                Hit::At(a) if a >= from_abs => {
                    best = Some(best.map_or(a, |b| b.min(a)));
                    continue;
                }
                Hit::None { end, .. } if end >= end_abs => continue,
                Hit::None { resume, .. } => resume.max(from_abs),
                _ => from_abs,
            };
            let span = aho_corasick::Span::from((search_from - base) as usize..hay.len());
            *hit = match g.find_in(hay, span) {
                Some(m) => {
                    let a = base + m.start() as u64;
                    best = Some(best.map_or(a, |b| b.min(a)));
                    Hit::At(a)
                }
                None => Hit::None {
                    resume: end_abs.saturating_sub(cut).max(search_from),
                    end: end_abs,
                },
            };
        }
        best.map(|b| (b - base) as usize)
    }
}

/// A slim Teddy searcher over `group`, in that order (the order decides its buckets); `None`
/// where the CPU has no Teddy.
fn teddy(group: &[Vec<u8>]) -> Option<packed::Searcher> {
    packed::Config::new()
        .match_kind(packed::MatchKind::LeftmostFirst)
        .only_teddy(true)
        // Fat Teddy (16 buckets) is chosen by default above 32 anchors; the plan is for slim.
        .only_teddy_fat(Some(false))
        .heuristic_pattern_limits(false)
        .builder()
        .extend(group)
        .build()
}

/// Per stream: where each Teddy group's next candidate is, in absolute stream offsets (the
/// scanned buffer shifts as it drains; offsets do not), and where the pair walk after the last
/// match ends.
#[derive(Debug, Default, Clone)]
pub struct Candidates {
    hits: Vec<Hit>,
    /// The end of the bytes the last search saw.
    searched_end: u64,
    near: u64,
    /// Where the previous match ended.
    last_end: u64,
}

impl Candidates {
    /// A match found at candidate `at` ended at `end` (absolute). When this candidate came
    /// soon after the previous match, the next one likely will too, and the next [`NEAR`] bytes
    /// are walked; otherwise (secrets hundreds of bytes apart) a walk would only add its cost to
    /// the Teddy call that follows it.
    pub fn after_match(&mut self, at: u64, end: u64) {
        self.near = if at.saturating_sub(self.last_end) < NEAR {
            end + NEAR
        } else {
            0
        };
        self.last_end = end;
    }

    /// Bytes came since the last search: an anchor that search's end cut off, complete now,
    /// may start before a group's cached candidate (a longer anchor around a complete one:
    /// `htpasswd ` around `passwd`). Such an anchor starts within `cut` bytes of that end, so a
    /// candidate there is searched for again from there. Once per chunk, out of the search
    /// loop: a check per group there cost HTML 1.2% more instructions.
    #[cold]
    fn bytes_came(&mut self, cut: u64) {
        let stale_from = self.searched_end.saturating_sub(cut);
        for hit in &mut self.hits {
            if matches!(*hit, Hit::At(a) if a >= stale_from) {
                *hit = Hit::None {
                    resume: stale_from,
                    end: 0,
                };
            }
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
enum Hit {
    #[default]
    Unknown,
    /// The group's leftmost candidate at or after where it last searched.
    At(u64),
    /// No candidate of the group in the bytes up to `end`; once more bytes arrive the search
    /// resumes at `resume` (where an anchor cut off by `end` could start).
    None { resume: u64, end: u64 },
}

#[cfg(test)]
mod tests;
