//! Live credentials: every value credgate injected or minted, in every form an upstream may echo
//! it back in, found by exact comparison.
//!
//! Why not one Aho-Corasick automaton over all forms: with a thousand live credentials there are
//! tens of thousands of forms, and a general automaton over that many patterns runs at a few
//! hundred MB/s, far from a memory pass. Secrets are long, so a sampled q-gram filter does
//! better: every form of at least `LONG_FORM` bytes contains, at one of its first `step`
//! offsets, an 8-byte window that starts at a multiple of `step` in the stream. The scan looks
//! only at those windows (one load, one multiply, one bit test per `step` bytes), and verifies the
//! rare hits against the forms indexed under that window. Shorter forms (6 to 15 bytes) go into
//! a small Aho-Corasick automaton that is only run when one exists.

use std::collections::HashMap as StdHashMap;

use foldhash::HashMap;
use std::sync::{Arc, RwLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use arc_swap::ArcSwap;

use crate::creds::{ExposeSecret, SecretString};

mod forms;
pub use forms::encoded_forms;

/// Shorter forms are not scrubbed: they would redact ordinary text, and a secret that short is
/// not a secret worth the name.
pub const MIN_FORM_LEN: usize = 6;
/// Forms at least this long go through the sampled filter; shorter ones through the automaton.
const LONG_FORM: usize = 16;
const Q: usize = 8;
/// Sampling stride cap: a larger stride means fewer probes but more index entries per form.
const MAX_STEP: usize = 32;
const HASH_K: u64 = 0x9E37_79B9_7F4A_7C15;
/// Probe hits verified together (see [`LiveSet::verify_batch`]).
const BATCH: usize = 16;

/// An occurrence of a live form: `[start, end)` in the scanned bytes.
pub type Span = (usize, usize);

/// An immutable index over a set of exact values. The probe path is flat: one bit test, then
/// (on a hit) one open-addressed slot, a contiguous run of groups, for a group of several forms
/// one probe of its flat tail table, and one comparison against the form's bytes in an arena.
/// No per-group maps or vectors, and every hop names the next one's address directly: with
/// hundreds of live forms in a body each dependent load is a likely cache miss, and those were
/// most of the cost. Hits are verified in batches, so that the misses of several hits overlap
/// (see `verify_batch`).
pub struct LiveSet {
    /// The long forms end to end, sorted; `spans[i]` is form `i`'s start and length.
    arena: Vec<u8>,
    spans: Vec<(u32, u32)>,
    bits: Vec<u64>,
    shift: u32,
    step: usize,
    /// q-gram (little-endian u64 of 8 bytes) -> its groups, open-addressed by the q-gram's hash.
    slots: Vec<Slot>,
    slot_shift: u32,
    groups: Vec<Group>,
    /// Per group of several forms, an open-addressed table of its forms by their tail q-gram.
    tails: Vec<Tail>,
    short: Option<AhoCorasick>,
    /// The short forms, sorted.
    short_forms: Vec<Box<[u8]>>,
    max_len: usize,
    /// The bytes some form holds. No occurrence spans any other byte, so one near the end of a
    /// chunk (a line end, a quote, a brace) settles everything before it.
    in_forms: Box<[bool; 256]>,
}

/// One q-gram's groups: `groups[first..first + len]`; `len == 0` marks an empty slot.
/// No `Debug`: `q` is 8 bytes of a live credential (so is `Tail::tail_q`).
#[derive(Clone, Copy, Default)]
struct Slot {
    q: u64,
    first: u32,
    len: u32,
}

/// The forms that have one q-gram at one offset. Credentials often share a prefix
/// (`sk_live_51…`, `hvs.CAES…`, an STS session token's), so a probe can hit a q-gram that
/// hundreds of forms share; a second q-gram at `tail` (the last 8 bytes of the shortest of them)
/// tells them apart through the group's table in `tails` (`1 << table_log2` entries from
/// `start`): one probe, where a binary search over a thousand forms took ten dependent cache
/// misses (8.6% of the secret-dense benchmark).
///
/// A group of one form (most of them, once past a shared prefix) has `table_log2 == 0` and holds
/// the form's span in the arena (`start`, `len`): the probe compares its bytes at once.
#[derive(Debug, Clone, Copy)]
struct Group {
    off: u8,
    table_log2: u8,
    tail: u16,
    start: u32,
    len: u32,
}

/// A tail-table entry: a form's tail q-gram and its span in the arena; `len == 0` is empty.
/// Forms that share a tail q-gram sit in one probe sequence, all visited before an empty entry.
#[derive(Clone, Copy, Default)]
struct Tail {
    tail_q: u64,
    start: u32,
    len: u32,
}

impl std::fmt::Debug for LiveSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSet")
            .field("forms", &self.spans.len())
            .finish_non_exhaustive()
    }
}

/// Where a tail q-gram starts probing a group's table of `1 << log2` entries.
#[inline]
fn tail_slot(tail_q: u64, log2: u8) -> usize {
    (tail_q.wrapping_mul(HASH_K) >> (64 - u32::from(log2))) as usize
}

#[inline]
fn qgram(b: &[u8], at: usize) -> u64 {
    // A fixed-size read: `copy_from_slice` into an array was a `memcpy` call per q-gram in
    // builds without LTO.
    u64::from_le_bytes(*b[at..].first_chunk::<Q>().expect("a whole q-gram at `at`"))
}

impl LiveSet {
    pub fn empty() -> Self {
        Self::new(std::iter::empty())
    }

    pub fn new<I: IntoIterator<Item = Vec<u8>>>(values: I) -> Self {
        let mut all: Vec<Vec<u8>> = values
            .into_iter()
            .filter(|v| v.len() >= MIN_FORM_LEN)
            .collect();
        all.sort();
        all.dedup();
        let max_len = all.iter().map(Vec::len).max().unwrap_or(0);
        let mut in_forms = Box::new([false; 256]);
        for &b in all.iter().flatten() {
            in_forms[usize::from(b)] = true;
        }
        let (long, short): (Vec<_>, Vec<_>) = all.into_iter().partition(|f| f.len() >= LONG_FORM);
        let min_long = long.iter().map(Vec::len).min().unwrap_or(LONG_FORM);
        let step = (min_long - Q + 1).min(MAX_STEP);
        let mut by_gram: HashMap<(u64, u8), Vec<u32>> =
            HashMap::with_capacity_and_hasher(long.len() * step, Default::default());
        for (i, f) in long.iter().enumerate() {
            for o in 0..step {
                by_gram
                    .entry((qgram(f, o), o as u8))
                    .or_default()
                    .push(i as u32);
            }
        }
        // ~32 bits per distinct q-gram keeps the false-hit rate near 3%. Sized by distinct
        // q-grams, not forms times offsets: credentials sharing a prefix (`hvs.CAES…`, a service's
        // key format) share most of their q-grams, and a table that fits in L1/L2 is what keeps
        // the probe per `step` bytes cheap.
        let distinct: std::collections::HashSet<u64, foldhash::fast::RandomState> =
            by_gram.keys().map(|&(q, _)| q).collect();
        let log2 = (distinct.len().max(1) * 32)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(12, 24);
        let mut bits = vec![0u64; (1usize << log2) / 64];
        let shift = 64 - log2;
        for &q in &distinct {
            let h = (q.wrapping_mul(HASH_K) >> shift) as usize;
            bits[h >> 6] |= 1 << (h & 63);
        }
        let mut keys: Vec<(u64, u8)> = by_gram.keys().copied().collect();
        keys.sort_unstable();
        let slot_log2 = (distinct.len().max(1) * 2)
            .next_power_of_two()
            .trailing_zeros();
        let mut slots = vec![Slot::default(); 1 << slot_log2];
        let slot_shift = 64 - slot_log2;
        // Forms' spans in the arena first: groups and tail tables point straight at the bytes.
        let mut arena = Vec::with_capacity(long.iter().map(Vec::len).sum());
        let spans: Vec<(u32, u32)> = long
            .iter()
            .map(|f| {
                let span = (arena.len() as u32, f.len() as u32);
                arena.extend_from_slice(f);
                span
            })
            .collect();
        let mut groups: Vec<Group> = Vec::with_capacity(keys.len());
        let mut tails: Vec<Tail> = Vec::new();
        // Forms that share a prefix share its q-gram at every offset within it: one group per
        // offset, all with the same forms and so the same table. Built once, the tables of 1,000
        // credentials with a common prefix took 6.3 MB (every probe a last-level cache miss)
        // rather than 1.3.
        let mut tables: HashMap<&[u32], (u8, u16, u32)> = HashMap::default();
        for run in keys.chunk_by(|a, b| a.0 == b.0) {
            let q = run[0].0;
            let mut at = (q.wrapping_mul(HASH_K) >> slot_shift) as usize;
            while slots[at].len != 0 {
                at = (at + 1) & (slots.len() - 1);
            }
            slots[at] = Slot {
                q,
                first: groups.len() as u32,
                len: run.len() as u32,
            };
            for key in run {
                let forms = &by_gram[key];
                if let [only] = forms[..] {
                    let (start, len) = spans[only as usize];
                    groups.push(Group {
                        off: key.1,
                        table_log2: 0,
                        tail: 0,
                        start,
                        len,
                    });
                    continue;
                }
                let (table_log2, tail, table) = *tables.entry(forms).or_insert_with(|| {
                    let tail = forms
                        .iter()
                        .map(|&i| long[i as usize].len())
                        .min()
                        .unwrap_or(Q)
                        - Q;
                    // At least 4 entries (so `table_log2 > 0`), at most half full.
                    let table_log2 = (forms.len() * 2).next_power_of_two().trailing_zeros();
                    let table = tails.len();
                    tails.resize(table + (1 << table_log2), Tail::default());
                    for &i in forms {
                        let tail_q = qgram(&long[i as usize], tail);
                        let mut h = tail_slot(tail_q, table_log2 as u8);
                        while tails[table + h].len != 0 {
                            h = (h + 1) & ((1 << table_log2) - 1);
                        }
                        let (start, len) = spans[i as usize];
                        tails[table + h] = Tail { tail_q, start, len };
                    }
                    (table_log2 as u8, tail as u16, table as u32)
                });
                groups.push(Group {
                    off: key.1,
                    table_log2,
                    tail,
                    start: table,
                    len: 0,
                });
            }
        }
        let short_forms: Vec<Box<[u8]>> =
            short.iter().map(|f| f.clone().into_boxed_slice()).collect();
        let short = if short.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&short)
                .ok()
        };
        Self {
            arena,
            spans,
            bits,
            shift,
            step,
            slots,
            slot_shift,
            groups,
            tails,
            short,
            short_forms,
            max_len,
            in_forms,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty() && self.short.is_none()
    }

    /// The longest form: how far back an occurrence that is not complete yet may start.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The earliest an occurrence not complete yet can start, at or after `from`: `max_len - 1`
    /// bytes before the end, or just after the last byte there that no form holds, whichever is
    /// later. A few lookups per chunk: at a chunk that ends a JSON line or an event, nothing is
    /// held back for the live credentials.
    pub fn settled(&self, hay: &[u8], from: usize) -> usize {
        let start = hay
            .len()
            .saturating_sub(self.max_len.saturating_sub(1))
            .max(from);
        hay[start..]
            .iter()
            .rposition(|&b| !self.in_forms[usize::from(b)])
            .map_or(start, |i| start + i + 1)
    }

    /// The first position at or after `from` where the rest of `hay` is a proper prefix of some
    /// form (`hay.len()` when there is none): the earliest an occurrence not complete yet can
    /// start. A binary search per position of the tail, so it is for small chunks (events).
    pub fn tail_hold(&self, hay: &[u8], from: usize) -> usize {
        let start = self.settled(hay, from);
        // Both lists are sorted: the forms that start with `t` are one run from `partition_point`.
        fn extends<'a>(run: impl Iterator<Item = &'a [u8]>, t: &[u8]) -> bool {
            run.take_while(|f| f.starts_with(t))
                .any(|f| f.len() > t.len())
        }
        let form = |&(start, len): &(u32, u32)| &self.arena[start as usize..][..len as usize];
        let long = |t: &[u8]| {
            let i = self.spans.partition_point(|f| form(f) < t);
            extends(self.spans[i..].iter().map(form), t)
        };
        let short = |t: &[u8]| {
            let i = self.short_forms.partition_point(|f| &f[..] < t);
            extends(self.short_forms[i..].iter().map(|f| &f[..]), t)
        };
        (start..hay.len())
            .find(|&p| long(&hay[p..]) || short(&hay[p..]))
            .unwrap_or(hay.len())
    }

    /// Appends every occurrence that starts at or after `from` and ends by `hay.len()`, in no
    /// particular order; `base` is `hay[0]`'s offset in the stream, so sampling positions are
    /// the same however the stream is chunked.
    pub fn occurrences(&self, hay: &[u8], from: usize, base: u64, out: &mut Vec<Span>) {
        if !self.spans.is_empty() && hay.len() >= Q {
            let step = self.step as u64;
            let abs = base + from as u64;
            let mut p = from + ((step - abs % step) % step) as usize;
            let last = hay.len() - Q;
            let mut hits = [(0usize, 0u64); BATCH];
            let mut slots = [Slot::default(); BATCH];
            let mut n = 0;
            while p <= last {
                let q = qgram(hay, p);
                let h = (q.wrapping_mul(HASH_K) >> self.shift) as usize;
                if self.bits[h >> 6] & (1 << (h & 63)) != 0 {
                    hits[n] = (p, q);
                    slots[n] = self.slots[self.slot_of(q)];
                    n += 1;
                    if n == BATCH {
                        self.verify_batch(hay, &hits, &slots, from, out);
                        n = 0;
                    }
                }
                p += self.step;
            }
            self.verify_batch(hay, &hits[..n], &slots[..n], from, out);
        }
        if let Some(ac) = &self.short {
            // Leftmost-longest finds one match per start; restarting one byte after each start
            // finds every start, which is all the selection needs.
            let mut at = from;
            while let Some(m) = ac.find(aho_corasick::Input::new(hay).span(at..hay.len())) {
                out.push((m.start(), m.end()));
                at = m.start() + 1;
            }
        }
    }

    /// Verifies a batch of probe hits. Each hit walks a chain of dependent loads (slot, group,
    /// tail entry, form bytes), and with a thousand live credentials each is likely a cache miss:
    /// one hit after another, the misses come one at a time. So each hit's slot is loaded as the
    /// probe finds it (`slots`, in flight while the scan goes on), and the batch loads every
    /// hit's first group, then its tail entry and form bytes, each stage's loads independent of
    /// one another and so in flight together; the verification after it finds them in cache.
    /// The stages only read: what they find is thrown away.
    #[cold]
    #[inline(never)]
    fn verify_batch(
        &self,
        hay: &[u8],
        hits: &[(usize, u64)],
        slots: &[Slot],
        from: usize,
        out: &mut Vec<Span>,
    ) {
        let mut groups = [None; BATCH];
        for ((g, s), &(_, q)) in groups.iter_mut().zip(slots).zip(hits) {
            if s.len != 0 && s.q == q {
                *g = Some(self.groups[s.first as usize]);
            }
        }
        let mut touched = 0u64;
        for (g, &(p, _)) in groups.iter().zip(hits) {
            let Some(g) = g else { continue };
            let Some(s) = p.checked_sub(g.off as usize) else {
                continue;
            };
            let start = if g.table_log2 == 0 {
                g.start
            } else {
                let t = s + g.tail as usize;
                if t + Q > hay.len() {
                    continue;
                }
                let table = &self.tails[g.start as usize..][..1 << g.table_log2];
                table[tail_slot(qgram(hay, t), g.table_log2)].start
            };
            touched ^= u64::from(self.arena.get(start as usize).copied().unwrap_or(0));
        }
        std::hint::black_box(touched);
        for &(p, q) in hits {
            self.verify(hay, p, q, from, out);
        }
    }

    /// Where `q`'s probe sequence starts in `slots`.
    #[inline]
    fn slot_of(&self, q: u64) -> usize {
        (q.wrapping_mul(HASH_K) >> self.slot_shift) as usize & (self.slots.len() - 1)
    }

    fn verify(&self, hay: &[u8], p: usize, q: u64, from: usize, out: &mut Vec<Span>) {
        let mask = self.slots.len() - 1;
        let mut at = self.slot_of(q);
        let slot = loop {
            let slot = self.slots[at];
            if slot.len == 0 {
                return;
            }
            if slot.q == q {
                break slot;
            }
            at = (at + 1) & mask;
        };
        for g in &self.groups[slot.first as usize..][..slot.len as usize] {
            let Some(s) = p.checked_sub(g.off as usize) else {
                continue;
            };
            if s < from {
                continue;
            }
            if g.table_log2 == 0 {
                self.compare(hay, s, g.start, g.len, out);
                continue;
            }
            let t = s + g.tail as usize;
            if t + Q > hay.len() {
                continue;
            }
            let tail_q = qgram(hay, t);
            let table = &self.tails[g.start as usize..][..1 << g.table_log2];
            let mut h = tail_slot(tail_q, g.table_log2);
            loop {
                let e = table[h];
                if e.len == 0 {
                    break;
                }
                if e.tail_q == tail_q {
                    self.compare(hay, s, e.start, e.len, out);
                }
                h = (h + 1) & (table.len() - 1);
            }
        }
    }

    /// Records an occurrence at `s` when the form at `arena[start..start + len]` is there.
    #[inline]
    fn compare(&self, hay: &[u8], s: usize, start: u32, len: u32, out: &mut Vec<Span>) {
        let f = &self.arena[start as usize..][..len as usize];
        if hay.get(s..s + f.len()) == Some(f) {
            out.push((s, s + f.len()));
        }
    }
}

/// The set of live credentials, keyed by whatever the caller uses to identify a credential slot,
/// each with a version so that re-registering an unchanged credential costs one map lookup.
pub struct LiveSecrets {
    entries: RwLock<StdHashMap<String, (u64, Vec<SecretString>)>>,
    set: ArcSwap<LiveSet>,
}

impl std::fmt::Debug for LiveSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSecrets").finish_non_exhaustive()
    }
}

impl LiveSecrets {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            entries: RwLock::default(),
            set: ArcSwap::from_pointee(LiveSet::empty()),
        })
    }

    /// Makes sure version `version` of `key`'s wire forms is in the index.
    pub fn observe(&self, key: &str, version: u64, forms: impl FnOnce() -> Vec<SecretString>) {
        if let Some((v, _)) = self
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
        {
            if *v == version {
                return;
            }
        }
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        entries.insert(key.to_string(), (version, forms()));
        let all = entries
            .values()
            .flat_map(|(_, fs)| fs.iter())
            .flat_map(|s| encoded_forms(s.expose_secret()));
        self.set.store(Arc::new(LiveSet::new(all)));
    }

    /// Forgets `key` (a credential that expired or was revoked).
    pub fn forget(&self, key: &str) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.remove(key).is_some() {
            let all = entries
                .values()
                .flat_map(|(_, fs)| fs.iter())
                .flat_map(|s| encoded_forms(s.expose_secret()));
            self.set.store(Arc::new(LiveSet::new(all)));
        }
    }

    /// The current index; a request keeps the one it started with.
    pub fn snapshot(&self) -> Arc<LiveSet> {
        self.set.load_full()
    }
}

#[cfg(test)]
mod tests;
