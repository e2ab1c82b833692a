//! Live credentials: every value credgate injected or minted, in every form an upstream may echo
//! it back in, found by exact comparison.
//!
//! Why not one Aho-Corasick automaton over all forms: with a thousand live credentials there are
//! tens of thousands of forms, and a general automaton over that many patterns runs at a few
//! hundred MB/s, far from a memory pass. Secrets are long, so a sampled q-gram filter does
//! better: every form of at least [`LONG_FORM`] bytes contains, at one of its first `step`
//! offsets, an 8-byte window that starts at a multiple of `step` in the stream. The scan looks
//! only at those windows (one load, one multiply, one bit test per `step` bytes), and verifies the
//! rare hits against the forms indexed under that window. Shorter forms (6 to 15 bytes) go into
//! a small Aho-Corasick automaton that is only run when one exists.

use std::collections::HashMap as StdHashMap;

use foldhash::HashMap;
use std::sync::{Arc, RwLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use arc_swap::ArcSwap;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::creds::{ExposeSecret, SecretString};

/// Shorter forms are not scrubbed: they would redact ordinary text, and a secret that short is
/// not a secret worth the name.
pub const MIN_FORM_LEN: usize = 6;
/// Forms at least this long go through the sampled filter; shorter ones through the automaton.
const LONG_FORM: usize = 16;
const Q: usize = 8;
/// Sampling stride cap: a larger stride means fewer probes but more index entries per form.
const MAX_STEP: usize = 32;
const HASH_K: u64 = 0x9E37_79B9_7F4A_7C15;

/// An occurrence of a live form: `[start, end)` in the scanned bytes.
pub type Span = (usize, usize);

/// An immutable index over a set of exact values.
pub struct LiveSet {
    forms: Vec<Box<[u8]>>,
    /// q-gram (little-endian u64 of 8 bytes) -> the forms that have it, grouped by its offset.
    index: HashMap<u64, Vec<Group>>,
    bits: Vec<u64>,
    shift: u32,
    step: usize,
    short: Option<AhoCorasick>,
    /// The short forms, sorted (the long ones are `forms`, also sorted).
    short_forms: Vec<Box<[u8]>>,
    max_len: usize,
}

/// The forms that have one q-gram at one offset. Credentials often share a prefix (`sk_live_51…`,
/// a service's key format), so a probe can hit a q-gram that hundreds of forms share; a second
/// q-gram at `tail` (the last 8 bytes of the shortest of them) tells them apart in one lookup
/// instead of hundreds of comparisons.
struct Group {
    off: u8,
    tail: u16,
    by_tail: HashMap<u64, Vec<u32>>,
}

impl std::fmt::Debug for LiveSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSet")
            .field("forms", &self.forms.len())
            .finish_non_exhaustive()
    }
}

#[inline]
fn qgram(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; Q];
    w.copy_from_slice(&b[at..at + Q]);
    u64::from_le_bytes(w)
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
        let (long, short): (Vec<_>, Vec<_>) = all.into_iter().partition(|f| f.len() >= LONG_FORM);
        let min_long = long.iter().map(Vec::len).min().unwrap_or(LONG_FORM);
        let step = (min_long - Q + 1).min(MAX_STEP);
        let entries = long.len() * step;
        // ~32 bits per entry keeps the false-hit rate near 3% while the table stays in L2.
        let log2 = (entries.max(1) * 32)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(12, 24);
        let mut bits = vec![0u64; (1usize << log2) / 64];
        let shift = 64 - log2;
        let mut by_gram: HashMap<(u64, u8), Vec<u32>> =
            HashMap::with_capacity_and_hasher(entries, Default::default());
        for (i, f) in long.iter().enumerate() {
            for o in 0..step {
                let q = qgram(f, o);
                let h = (q.wrapping_mul(HASH_K) >> shift) as usize;
                bits[h >> 6] |= 1 << (h & 63);
                by_gram.entry((q, o as u8)).or_default().push(i as u32);
            }
        }
        let mut index: HashMap<u64, Vec<Group>> =
            HashMap::with_capacity_and_hasher(by_gram.len(), Default::default());
        for ((q, off), members) in by_gram {
            let tail = members
                .iter()
                .map(|&i| long[i as usize].len())
                .min()
                .unwrap_or(Q)
                - Q;
            let mut by_tail: HashMap<u64, Vec<u32>> = HashMap::default();
            for i in members {
                by_tail
                    .entry(qgram(&long[i as usize], tail))
                    .or_default()
                    .push(i);
            }
            index.entry(q).or_default().push(Group {
                off,
                tail: tail as u16,
                by_tail,
            });
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
            forms: long.into_iter().map(Vec::into_boxed_slice).collect(),
            index,
            bits,
            shift,
            step,
            short,
            short_forms,
            max_len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.forms.is_empty() && self.short.is_none()
    }

    /// The longest form: how far back an occurrence that is not complete yet may start.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The first position at or after `from` where the rest of `hay` is a proper prefix of some
    /// form (`hay.len()` when there is none): the earliest an occurrence not complete yet can
    /// start. A binary search per position of the tail, so it is for small chunks (events).
    pub fn tail_hold(&self, hay: &[u8], from: usize) -> usize {
        fn extends(sorted: &[Box<[u8]>], t: &[u8]) -> bool {
            let i = sorted.partition_point(|f| &f[..] < t);
            sorted[i..]
                .iter()
                .take_while(|f| f.starts_with(t))
                .any(|f| f.len() > t.len())
        }
        let start = hay
            .len()
            .saturating_sub(self.max_len.saturating_sub(1))
            .max(from);
        (start..hay.len())
            .find(|&p| extends(&self.forms, &hay[p..]) || extends(&self.short_forms, &hay[p..]))
            .unwrap_or(hay.len())
    }

    /// Appends every occurrence that starts at or after `from` and ends by `hay.len()`, in no
    /// particular order; `base` is `hay[0]`'s offset in the stream, so sampling positions are
    /// the same however the stream is chunked.
    pub fn occurrences(&self, hay: &[u8], from: usize, base: u64, out: &mut Vec<Span>) {
        if !self.forms.is_empty() && hay.len() >= Q {
            let step = self.step as u64;
            let abs = base + from as u64;
            let mut p = from + ((step - abs % step) % step) as usize;
            let last = hay.len() - Q;
            while p <= last {
                let q = qgram(hay, p);
                let h = (q.wrapping_mul(HASH_K) >> self.shift) as usize;
                if self.bits[h >> 6] & (1 << (h & 63)) != 0 {
                    self.verify(hay, p, q, from, out);
                }
                p += self.step;
            }
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

    #[cold]
    fn verify(&self, hay: &[u8], p: usize, q: u64, from: usize, out: &mut Vec<Span>) {
        let Some(groups) = self.index.get(&q) else {
            return;
        };
        for g in groups {
            let Some(s) = p.checked_sub(g.off as usize) else {
                continue;
            };
            let t = s + g.tail as usize;
            if s < from || t + Q > hay.len() {
                continue;
            }
            let Some(cands) = g.by_tail.get(&qgram(hay, t)) else {
                continue;
            };
            for &i in cands {
                let f = &self.forms[i as usize];
                if hay.get(s..s + f.len()) == Some(&f[..]) {
                    out.push((s, s + f.len()));
                }
            }
        }
    }
}

/// Percent-encoding that keeps RFC 3986 unreserved characters, as most URL builders do.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The base64 characters of `value` that do not depend on the bytes around it, when it sits at
/// byte offset `k` (mod 3) inside a longer encoded string (e.g. the password in `user:password`).
fn base64_core(value: &[u8], k: usize, engine: &impl Engine) -> Option<Vec<u8>> {
    let mut padded = vec![0u8; k];
    padded.extend_from_slice(value);
    padded.extend_from_slice(&[0, 0]);
    let enc = engine.encode(&padded).into_bytes();
    let first = (8 * k).div_ceil(6);
    let last = (8 * (k + value.len())) / 6;
    enc.get(first..last).map(<[u8]>::to_vec)
}

/// Every encoding in which an upstream may echo `value` back.
pub fn encoded_forms(value: &str) -> Vec<Vec<u8>> {
    use base64::engine::general_purpose::{
        GeneralPurpose, STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
    };
    let raw = value.as_bytes();
    let mut forms = vec![raw.to_vec()];
    let engines: [&GeneralPurpose; 4] = [&STANDARD, &URL_SAFE, &STANDARD_NO_PAD, &URL_SAFE_NO_PAD];
    for e in engines {
        forms.push(e.encode(raw).into_bytes());
    }
    for k in 0..3 {
        forms.extend(base64_core(raw, k, &STANDARD_NO_PAD));
        forms.extend(base64_core(raw, k, &URL_SAFE_NO_PAD));
    }
    let pct_upper = utf8_percent_encode(value, NON_ALPHANUMERIC).to_string();
    forms.push(pct_upper.to_ascii_lowercase_escapes());
    forms.push(pct_upper.into_bytes());
    forms.push(
        utf8_percent_encode(value, UNRESERVED)
            .to_string()
            .into_bytes(),
    );
    forms.push(url_form_encode(value).into_bytes());
    if let Ok(json) = serde_json::to_string(value) {
        let inner = &json[1..json.len() - 1];
        forms.push(inner.as_bytes().to_vec());
        forms.push(inner.replace('/', "\\/").into_bytes());
    }
    // Encoders that escape every non-alphanumeric character (`\u002f`, Go's `\u003c`, ...).
    let mut uesc = String::new();
    for c in value.chars() {
        if c.is_ascii_alphanumeric() {
            uesc.push(c);
        } else {
            let mut buf = [0u16; 2];
            for u in c.encode_utf16(&mut buf) {
                uesc.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    forms.push(uesc.to_ascii_uppercase_hex());
    forms.push(uesc.into_bytes());
    // A secret that is base64 of binary may come back as hex, or in the other base64 alphabet.
    for e in engines {
        if let Ok(bin) = e.decode(raw) {
            if bin.len() >= 12 && std::str::from_utf8(&bin).is_err() {
                forms.push(hex::encode(&bin).into_bytes());
                forms.push(hex::encode_upper(&bin).into_bytes());
                for e2 in engines {
                    forms.push(e2.encode(&bin).into_bytes());
                }
            }
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

/// `application/x-www-form-urlencoded`: space as `+`.
fn url_form_encode(value: &str) -> String {
    value
        .split(' ')
        .map(|p| utf8_percent_encode(p, UNRESERVED).to_string())
        .collect::<Vec<_>>()
        .join("+")
}

trait EscapeCase {
    /// `%2F` -> `%2f`: some encoders write lower-case hex.
    fn to_ascii_lowercase_escapes(&self) -> Vec<u8>;
    /// `\u002f` -> `\u002F`.
    fn to_ascii_uppercase_hex(&self) -> Vec<u8>;
}

impl EscapeCase for String {
    fn to_ascii_lowercase_escapes(&self) -> Vec<u8> {
        let mut b = self.as_bytes().to_vec();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() {
                b[i + 1] = b[i + 1].to_ascii_lowercase();
                b[i + 2] = b[i + 2].to_ascii_lowercase();
                i += 3;
            } else {
                i += 1;
            }
        }
        b
    }

    fn to_ascii_uppercase_hex(&self) -> Vec<u8> {
        let mut b = self.as_bytes().to_vec();
        let mut i = 0;
        while i + 6 <= b.len() {
            if b[i] == b'\\' && b[i + 1] == b'u' {
                for x in &mut b[i + 2..i + 6] {
                    *x = x.to_ascii_uppercase();
                }
                i += 6;
            } else {
                i += 1;
            }
        }
        b
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
