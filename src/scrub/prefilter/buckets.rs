//! Which anchors share a Teddy searcher, and which of its eight buckets each one lands in.
//!
//! A Teddy searcher costs about one pass over the body whatever its anchors, plus a
//! verification each time one of its buckets' nibble masks accepts a position. Teddy's own
//! bucket assignment is round-robin, which is right for arbitrary patterns but scatters our
//! families (`glpat-`/`glptt-`/`glrt-`, `xoxb-`/`xoxp-`, case variants) over every bucket, so
//! every mask grows loose and the ~90 default anchors needed four searchers. Here anchors with
//! similar first bytes share a bucket, scored by how often each bucket would fire on typical
//! text (byte and byte-pair frequencies), and the number of searchers is the one with the lowest
//! modelled cost: two for the default pack. The Teddy searches alone run about 2x faster on the
//! JSON benchmark body and 3x on a 4 MiB mix of real JSON, HTML and Markdown files.
//!
//! The plan only decides speed. Every anchor is in some searcher whatever the plan, so what is
//! found does not depend on it.

use std::collections::{HashMap, HashSet};

/// How often each byte occurs in response-like text, per 65,536 bytes (floor 1): the mean of
/// the byte frequencies of ~400 JSON files, ~400 HTML pages and ~230 log and Markdown files.
#[rustfmt::skip]
static BYTE_WEIGHT: [u16; 256] = [
    1, 1, 1, 1, 1, 1, 1, 1, 1, 19, 1073, 1, 1, 18, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    10086, 26, 2316, 178, 23, 27, 59, 49, 147, 144, 34, 50, 487, 1137, 1484, 1313,
    528, 635, 557, 438, 371, 261, 351, 229, 266, 234, 1027, 84, 757, 504, 761, 8,
    10, 158, 92, 195, 143, 177, 99, 43, 27, 313, 6, 26, 124, 134, 94, 101,
    153, 5, 149, 224, 166, 80, 35, 103, 9, 13, 8, 93, 84, 93, 13, 250,
    153, 2656, 561, 1718, 1404, 4065, 740, 676, 1073, 2592, 68, 218, 1646, 1101, 2289, 2435,
    1287, 61, 2410, 2663, 3518, 1134, 406, 253, 258, 518, 84, 195, 22, 195, 71, 1,
    8, 3, 2, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 2, 4, 1, 1, 1, 3, 4, 1, 1, 1, 1, 1, 2,
    1, 1, 1, 1, 1, 1, 1, 9, 1, 1, 1, 1, 2, 1, 1, 1,
    1, 2, 1, 1, 1, 1, 1, 5, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 14, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 8, 4, 1, 6, 6, 5, 5, 5, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
];

/// The 256 most frequent byte pairs in the same files, per 65,536 pairs: text is far from a
/// string of independent bytes (`ch` is 4x as common as `c` and `h` apart, and Stripe-style ids
/// `ch_…` made a bucket holding `hf_`, `rk_`, `sk_` fire on every JSON object).
#[rustfmt::skip]
static PAIR_WEIGHT: [(u8, u8, u16); 256] = [
    (b' ', b' ', 5240), (b'\n', b' ', 745), (b'o', b'n', 601), (b' ', b'"', 571), (b'i', b'n', 534), (b'e', b'r', 518),
    (b'r', b'e', 514), (b't', b'i', 480), (b'a', b't', 457), (b'e', b' ', 448), (b't', b'e', 444), (b'"', b':', 442),
    (b':', b' ', 432), (b'd', b'e', 390), (b'e', b's', 387), (b'=', b'"', 387), (b'i', b't', 386), (b's', b't', 384),
    (b't', b'h', 366), (b'o', b'r', 363), (b'i', b'o', 350), (b'<', b'/', 349), (b'c', b'o', 344), (b',', b'\n', 337),
    (b' ', b'c', 332), (b' ', b't', 317), (b'e', b'n', 317), (b'l', b'e', 295), (b'a', b's', 291), (b'n', b't', 290),
    (b'>', b'<', 288), (b's', b's', 278), (b'a', b'n', 275), (b' ', b'-', 275), (b'm', b'e', 271), (b't', b'a', 270),
    (b'r', b'a', 269), (b'l', b'a', 265), (b'h', b'e', 264), (b'p', b'e', 263), (b'a', b'r', 262), (b'n', b'g', 261),
    (b'c', b'l', 253), (b'e', b'"', 252), (b's', b' ', 249), (b'l', b'i', 244), (b's', b'e', 240), (b'n', b' ', 237),
    (b't', b'r', 236), (b'.', b'.', 229), (b't', b' ', 223), (b't', b'o', 219), (b'e', b't', 216), (b'"', b'>', 216),
    (b'e', b'd', 214), (b'r', b'o', 201), (b'a', b'l', 200), (b'r', b'i', 199), (b' ', b'a', 196), (b'"', b' ', 194),
    (b'e', b'c', 193), (b'p', b'a', 192), (b'n', b's', 189), (b'o', b'd', 188), (b' ', b'i', 184), (b's', b'=', 180),
    (b's', b'i', 176), (b'e', b'f', 176), (b'u', b's', 171), (b'c', b't', 169), (b' ', b'<', 165), (b'a', b' ', 164),
    (b'd', b' ', 162), (b'"', b's', 159), (b'm', b'a', 158), (b'c', b'e', 157), (b'r', b's', 153), (b'h', b't', 152),
    (b'.', b'/', 151), (b' ', b's', 150), (b'o', b'c', 148), (b' ', b'h', 148), (b'"', b',', 147), (b'h', b'a', 147),
    (b'r', b' ', 146), (b'o', b'm', 145), (b' ', b'}', 145), (b'{', b'\n', 143), (b'a', b'i', 143), (b'i', b'c', 141),
    (b's', b'/', 139), (b't', b'y', 138), (b' ', b'f', 138), (b'd', b'i', 138), (b'i', b's', 136), (b'}', b',', 135),
    (b'i', b'l', 135), (b'/', b's', 134), (b'm', b'p', 134), (b'n', b'"', 131), (b'n', b'd', 130), (b':', b'"', 129),
    (b'a', b'm', 128), (b'n', b'c', 127), (b'e', b'm', 126), (b'g', b' ', 126), (b'o', b'u', 124), (b'c', b'h', 122),
    (b'v', b'e', 122), (b'u', b'l', 122), (b':', b':', 122), (b'h', b'r', 122), (b'i', b'm', 120), (b'h', b'o', 120),
    (b' ', b'1', 120), (b' ', b'o', 120), (b'.', b'1', 119), (b's', b'"', 119), (b's', b'p', 115), (b'u', b't', 115),
    (b'i', b'd', 114), (b'"', b't', 114), (b',', b' ', 113), (b'f', b'i', 113), (b' ', b'{', 112), (b'f', b'=', 111),
    (b'e', b'l', 111), (b'e', b'a', 110), (b'y', b'p', 110), (b'u', b'r', 110), (b'/', b'a', 110), (b'o', b' ', 110),
    (b't', b'"', 108), (b' ', b'r', 108), (b'u', b'm', 108), (b'r', b'u', 108), (b'f', b'o', 108), (b'/', b'p', 107),
    (b'g', b'e', 107), (b't', b't', 106), (b'a', b'p', 106), (b'"', b'\n', 105), (b'n', b'o', 104), (b'i', b'v', 102),
    (b' ', b'd', 102), (b'a', b'>', 101), (b'u', b'n', 100), (b'<', b'a', 100), (b'p', b'>', 99), (b'r', b't', 99),
    (b'l', b'o', 98), (b'd', b'o', 98), (b'r', b'c', 98), (b's', b':', 98), (b'.', b' ', 97), (b'e', b'x', 97),
    (b't', b'm', 96), (b's', b'h', 95), (b'n', b'e', 94), (b'o', b't', 94), (b'n', b'a', 93), (b'l', b'l', 90),
    (b'p', b't', 89), (b'p', b'r', 87), (b'o', b'p', 87), (b'm', b'l', 87), (b'1', b'.', 86), (b'n', b'i', 86),
    (b'/', b'.', 86), (b'l', b'u', 85), (b'i', b'e', 84), (b'p', b'l', 83), (b'3', b'.', 83), (b'.', b'h', 83),
    (b'a', b'c', 83), (b'a', b'd', 82), (b' ', b'2', 82), (b'/', b'c', 81), (b'y', b' ', 81), (b'2', b'0', 81),
    (b't', b's', 81), (b'i', b'b', 80), (b'l', b't', 80), (b'c', b'k', 79), (b'>', b' ', 79), (b's', b'u', 78),
    (b'y', b't', 77), (b'e', b'>', 77), (b'c', b'r', 77), (b' ', b'p', 76), (b'c', b'a', 75), (b'I', b'n', 75),
    (b'e', b'.', 75), (b's', b'o', 75), (b't', b'.', 75), (b' ', b'l', 74), (b'n', b'u', 74), (b'R', b'e', 73),
    (b'-', b'W', 73), (b't', b'-', 72), (b'u', b'e', 72), (b'n', b'-', 72), (b'o', b'o', 71), (b'2', b'.', 71),
    (b't', b'p', 71), (b':', b'{', 71), (b' ', b'b', 70), (b' ', b'e', 70), (b'.', b'c', 70), (b'/', b'd', 70),
    (b'1', b'2', 69), (b'm', b'i', 69), (b'i', b'g', 69), (b'<', b's', 68), (b'4', b' ', 68), (b'r', b'"', 67),
    (b'\n', b'\n', 67), (b'"', b'm', 67), (b'o', b'f', 66), (b'6', b'4', 66), (b'"', b'.', 66), (b'p', b'y', 66),
    (b'/', b't', 65), (b'f', b' ', 65), (b' ', b'n', 65), (b'/', b'i', 65), (b'.', b'2', 64), (b'0', b'0', 64),
    (b'd', b'a', 64), (b'e', b'=', 63), (b' ', b'm', 63), (b'n', b'>', 63), (b'o', b'l', 63), (b'p', b'o', 63),
    (b'b', b'e', 63), (b'a', b'b', 63), (b'C', b'o', 62), (b'l', b' ', 62), (b'-', b' ', 62), (b'~', b'~', 62),
    (b'i', b'p', 62), (b'c', b'u', 62), (b't', b'l', 61), (b'-', b'1', 61), (b'b', b'u', 61), (b' ', b'`', 61),
    (b' ', b'w', 61), (b'd', b'.', 61), (b'3', b' ', 60), (b'-', b'I', 60), (b'0', b'.', 60), (b'p', b's', 59),
    (b'l', b'd', 59), (b'I', b't', 59), (b'/', b'/', 59), (b'i', b'a', 59),
];

/// Buckets of a slim Teddy searcher.
pub const BUCKETS: usize = 8;
/// Bytes a mask covers: Teddy masks `min(4, shortest anchor)` bytes. The searcher that holds
/// the 3-byte anchors masks 3, the others 4.
const MASK: usize = 4;
const SHORT_MASK: usize = 3;
/// Modelled costs, in passes over one byte: a bucket firing (leaving the SIMD loop and
/// verifying), and each anchor it verifies. Measured: a pass is ~0.1 ns/byte, a firing 10-20 ns.
const FIRE: f64 = 150.0;
const FIRE_PER_ANCHOR: f64 = 10.0;

/// Per masked position, the low and high nibbles some member has there.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
struct Masks([(u16, u16); MASK]);

impl Masks {
    fn of(lit: &[u8]) -> Self {
        let mut m = Self::default();
        for (j, &b) in lit.iter().take(MASK).enumerate() {
            m.0[j] = (1 << (b & 15), 1 << (b >> 4));
        }
        m
    }

    fn union(mut self, other: Self) -> Self {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            a.0 |= b.0;
            a.1 |= b.1;
        }
        self
    }

    /// The chance that a position of typical text passes the first `m` masks (per position,
    /// Teddy accepts every byte whose low nibble and high nibble are both in the mask), as a
    /// chain of byte pairs: P(b0 b1) * P(b1 b2) / P(b1) * ...
    fn fire_rate(&self, m: usize) -> f64 {
        let mut p = pair_mass(self.0[0], self.0[1]);
        for j in 2..m {
            let given = byte_mass(self.0[j - 1]);
            if given <= 0.0 {
                return 0.0;
            }
            p *= pair_mass(self.0[j - 1], self.0[j]) / given;
        }
        p
    }
}

fn accepts((lo, hi): (u16, u16), b: u8) -> bool {
    lo >> (b & 15) & 1 != 0 && hi >> (b >> 4) & 1 != 0
}

fn unigram(b: u8) -> f64 {
    f64::from(BYTE_WEIGHT[usize::from(b)]) / 65536.0
}

/// The chance that a byte of typical text passes one position's mask.
fn byte_mass((lo, hi): (u16, u16)) -> f64 {
    bits(hi)
        .flat_map(|h| bits(lo).map(move |l| unigram((h << 4 | l) as u8)))
        .sum()
}

/// The chance that two consecutive bytes pass two consecutive masks: independent bytes,
/// corrected by the frequent pairs' real weights.
fn pair_mass(x: (u16, u16), y: (u16, u16)) -> f64 {
    let independent = byte_mass(x) * byte_mass(y);
    let correction: f64 = PAIR_WEIGHT
        .iter()
        .filter(|&&(a, b, _)| accepts(x, a) && accepts(y, b))
        .map(|&(a, b, w)| f64::from(w) / 65536.0 - unigram(a) * unigram(b))
        .sum();
    (independent + correction).max(0.0)
}

fn bits(mut set: u16) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (set != 0).then(|| {
            let b = set.trailing_zeros() as usize;
            set &= set - 1;
            b
        })
    })
}

/// Anchors whose first bytes agree in their low nibbles: Teddy puts them in one bucket whatever
/// order they come in, so they move together.
struct Atom {
    lits: Vec<usize>,
    masks: Masks,
    short: bool,
}

#[derive(Clone, Default)]
struct Bucket {
    atoms: Vec<usize>,
    masks: Masks,
    anchors: usize,
}

impl Bucket {
    fn cost(&self, m: usize, rates: &mut Rates) -> f64 {
        cost(self.masks, self.anchors, m, rates)
    }

    fn cost_with(&self, atom: &Atom, m: usize, rates: &mut Rates) -> f64 {
        cost(
            self.masks.union(atom.masks),
            self.anchors + atom.lits.len(),
            m,
            rates,
        )
    }

    fn add(&mut self, a: usize, atom: &Atom) {
        self.atoms.push(a);
        self.masks = self.masks.union(atom.masks);
        self.anchors += atom.lits.len();
    }

    fn without(&self, a: usize, atoms: &[Atom]) -> Self {
        let mut b = Self::default();
        for &x in self.atoms.iter().filter(|&&x| x != a) {
            b.add(x, &atoms[x]);
        }
        b
    }
}

/// Fire rates already modelled: the search asks for the same buckets many times over.
#[derive(Default)]
struct Rates(HashMap<(Masks, usize), f64>);

impl Rates {
    fn get(&mut self, masks: Masks, m: usize) -> f64 {
        *self
            .0
            .entry((masks, m))
            .or_insert_with(|| masks.fire_rate(m))
    }
}

fn cost(masks: Masks, anchors: usize, m: usize, rates: &mut Rates) -> f64 {
    if anchors == 0 {
        return 0.0;
    }
    rates.get(masks, m) * (FIRE + FIRE_PER_ANCHOR * anchors as f64)
}

fn low_nibbles(lit: &[u8], n: usize) -> Vec<u8> {
    lit.iter().take(n).map(|b| b & 15).collect()
}

/// One planned searcher.
#[derive(Debug)]
pub struct Searcher {
    /// The order in which to add the anchors to a slim Teddy builder so that its buckets are the
    /// planned ones. An anchor may appear twice (see [`insertion_order`]).
    pub order: Vec<Vec<u8>>,
    /// The planned buckets' anchors (what tests compare Teddy's buckets with).
    #[cfg(test)]
    pub buckets: Vec<Vec<Vec<u8>>>,
}

/// Splits `lits` (each at least 3 bytes long) into searchers.
pub fn plan(lits: &[Vec<u8>]) -> Vec<Searcher> {
    let atoms = atoms(lits);
    let mut rates = Rates::default();
    let any_short = atoms.iter().any(|a| a.short);
    // The short anchors all go to the first searcher, so that only its masks shrink to 3 bytes.
    let mask_of = |b: usize| {
        if b < BUCKETS && any_short {
            SHORT_MASK
        } else {
            MASK
        }
    };
    let allowed = |a: &Atom, b: usize| !a.short || b < BUCKETS;
    // Atoms that fire most on their own are placed first, so that they get buckets to themselves.
    let mut order: Vec<usize> = (0..atoms.len()).collect();
    order.sort_by(|&a, &b| {
        let rate = |x: usize| atoms[x].masks.fire_rate(SHORT_MASK);
        rate(b).total_cmp(&rate(a))
    });
    let mut best: Option<(f64, Vec<Bucket>)> = None;
    let mut best_at = 0;
    for searchers in 1..=atoms.len().div_ceil(BUCKETS).max(1) {
        // The greedy placement depends on the order atoms come in, and one order can land far
        // from the best: a few orders are tried and the cheapest kept.
        let mut here: Option<(f64, Vec<Bucket>)> = None;
        for start in 0..STARTS {
            let order = start_order(&order, start);
            let Some(buckets) = place(&atoms, &order, searchers, &mask_of, &allowed, &mut rates)
            else {
                continue;
            };
            let total = searchers as f64
                + buckets
                    .iter()
                    .enumerate()
                    .map(|(b, k)| k.cost(mask_of(b), &mut rates))
                    .sum::<f64>();
            if here.as_ref().is_none_or(|(c, _)| total < *c) {
                here = Some((total, buckets));
            }
        }
        let Some((total, buckets)) = here else {
            continue;
        };
        match &best {
            Some((c, _)) if total >= *c => {
                // Each searcher adds a pass, and past the best count the firings saved no
                // longer pay for it: stop rather than plan ever more searchers.
                if searchers > best_at + 1 {
                    break;
                }
            }
            _ => {
                best = Some((total, buckets));
                best_at = searchers;
            }
        }
    }
    let Some((_, buckets)) = best else {
        return Vec::new();
    };
    buckets
        .chunks(BUCKETS)
        .filter(|s| s.iter().any(|k| k.anchors > 0))
        .map(|s| {
            let planned: Vec<PlannedBucket> = s
                .iter()
                .enumerate()
                .map(|(b, k)| PlannedBucket {
                    rate: k.masks.fire_rate(mask_of(b)),
                    lits: k
                        .atoms
                        .iter()
                        .flat_map(|&a| atoms[a].lits.iter().map(|&i| lits[i].clone()))
                        .collect(),
                })
                .collect();
            Searcher {
                #[cfg(test)]
                buckets: planned.iter().map(|b| b.lits.clone()).collect(),
                order: insertion_order(planned),
            }
        })
        .collect()
}

/// Orders tried per searcher count (see [`plan`]).
const STARTS: usize = 8;

/// The `start`th order to place atoms in: the fire-rate order itself first, then that order
/// with neighbours swapped at pseudo-random points (deterministic, so a pack always gets the
/// same plan), which keeps the busiest atoms early but lets the greedy steps meet them in
/// another sequence.
fn start_order(order: &[usize], start: usize) -> Vec<usize> {
    let mut v = order.to_vec();
    let mut x = (start as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for _ in 0..start * v.len() / 2 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let i = (x % v.len().max(2) as u64) as usize;
        if i + 1 < v.len() {
            v.swap(i, i + 1);
        }
    }
    v
}

/// Places every atom in one of `searchers * BUCKETS` buckets, greedily in `order` and then by
/// single moves that lower the modelled cost; `None` when some atom fits nowhere.
fn place(
    atoms: &[Atom],
    order: &[usize],
    searchers: usize,
    mask_of: &dyn Fn(usize) -> usize,
    allowed: &dyn Fn(&Atom, usize) -> bool,
    rates: &mut Rates,
) -> Option<Vec<Bucket>> {
    let mut buckets = vec![Bucket::default(); searchers * BUCKETS];
    // Teddy tries a firing bucket's anchors one by one, and a bucket with more keys than
    // the others needs repeats elsewhere to keep its turns (see `insertion_order`): keep
    // buckets even.
    let cap = atoms.len().div_ceil(searchers * BUCKETS) + 1;
    let fits = |a: usize, b: usize, k: &Bucket| allowed(&atoms[a], b) && k.atoms.len() < cap;
    let mut home = vec![0; atoms.len()];
    for &a in order {
        let cheapest = buckets
            .iter()
            .enumerate()
            .filter(|(b, k)| fits(a, *b, k))
            .map(|(b, k)| {
                (
                    b,
                    k.cost_with(&atoms[a], mask_of(b), rates) - k.cost(mask_of(b), rates),
                )
            })
            .min_by(|x, y| x.1.total_cmp(&y.1));
        let Some((b, _)) = cheapest else {
            break;
        };
        home[a] = b;
        buckets[b].add(a, &atoms[a]);
    }
    if buckets.iter().map(|k| k.atoms.len()).sum::<usize>() < atoms.len() {
        return None;
    }
    // Then move single atoms wherever that lowers the total, until none moves.
    for _ in 0..20 {
        let mut moved = false;
        for a in 0..atoms.len() {
            let from = home[a];
            let without = buckets[from].without(a, atoms);
            let saved =
                buckets[from].cost(mask_of(from), rates) - without.cost(mask_of(from), rates);
            let cheapest = buckets
                .iter()
                .enumerate()
                .filter(|(b, k)| *b != from && fits(a, *b, k))
                .map(|(b, k)| {
                    (
                        b,
                        k.cost_with(&atoms[a], mask_of(b), rates) - k.cost(mask_of(b), rates),
                    )
                })
                .min_by(|x, y| x.1.total_cmp(&y.1));
            if let Some((to, added)) = cheapest {
                if added + 1e-12 < saved {
                    buckets[from] = without;
                    buckets[to].add(a, &atoms[a]);
                    home[a] = to;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    Some(buckets)
}

fn atoms(lits: &[Vec<u8>]) -> Vec<Atom> {
    let mut atoms: Vec<Atom> = Vec::new();
    let mut by_key: HashMap<Vec<u8>, usize> = HashMap::new();
    for (i, l) in lits.iter().enumerate() {
        let short = l.len() < MASK;
        match by_key.get(&low_nibbles(l, SHORT_MASK)) {
            Some(&a) => {
                let atom = &mut atoms[a];
                atom.lits.push(i);
                atom.masks = atom.masks.union(Masks::of(l));
                atom.short |= short;
            }
            None => {
                by_key.insert(low_nibbles(l, SHORT_MASK), atoms.len());
                atoms.push(Atom {
                    lits: vec![i],
                    masks: Masks::of(l),
                    short,
                });
            }
        }
    }
    atoms
}

struct PlannedBucket {
    rate: f64,
    lits: Vec<Vec<u8>>,
}

/// The order in which to add the planned buckets' anchors to a Teddy builder so that it puts
/// each in its planned bucket. Teddy (aho-corasick 1.x, `packed/teddy/generic.rs`) gives the
/// anchor with id `i` bucket `7 - i % 8`, unless an earlier anchor has the same low nibbles over
/// the mask, whose bucket it then joins. So an anchor starting a new key is added on its
/// bucket's turn; a turn its bucket cannot use goes to an anchor whose key is already placed,
/// or else to a repeat of an anchor of the quietest bucket (a repeat only costs a comparison
/// when that bucket fires). If Teddy ever assigns differently, only speed changes.
fn insertion_order(mut planned: Vec<PlannedBucket>) -> Vec<Vec<u8>> {
    planned.sort_by_key(|b| std::cmp::Reverse(b.lits.len()));
    let total: usize = planned.iter().map(|b| b.lits.len()).sum();
    let mask = planned
        .iter()
        .flat_map(|b| &b.lits)
        .map(Vec::len)
        .min()
        .unwrap_or(MASK)
        .min(MASK);
    let repeat = planned
        .iter()
        .filter(|b| !b.lits.is_empty())
        .min_by(|x, y| x.rate.total_cmp(&y.rate))
        .and_then(|b| b.lits.first().cloned());
    let mut left: Vec<Vec<Vec<u8>>> = planned.into_iter().map(|b| b.lits).collect();
    left.resize(BUCKETS, Vec::new());
    let mut placed_keys: HashSet<Vec<u8>> = HashSet::new();
    let mut out: Vec<Vec<u8>> = Vec::with_capacity(total);
    let mut placed = 0;
    while placed < total {
        // Teddy bucket `7 - turn` is planned bucket `turn`.
        let turn = out.len() % BUCKETS;
        let is_placed = |l: &Vec<u8>| placed_keys.contains(&low_nibbles(l, mask));
        let fresh = left[turn].iter().position(|l| !is_placed(l));
        let follower =
            || (0..BUCKETS).find_map(|b| left[b].iter().position(is_placed).map(|i| (b, i)));
        if let Some(i) = fresh {
            let l = left[turn].remove(i);
            placed_keys.insert(low_nibbles(&l, mask));
            out.push(l);
            placed += 1;
        } else if let Some((b, i)) = follower() {
            out.push(left[b].remove(i));
            placed += 1;
        } else {
            let r = repeat
                .as_ref()
                .filter(|r| placed_keys.contains(&low_nibbles(r, mask)))
                .unwrap_or(&out[0]);
            out.push(r.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests;
