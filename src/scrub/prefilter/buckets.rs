//! Which anchors share a Teddy searcher, and which of its eight buckets each one lands in.
//!
//! A Teddy searcher costs about one pass over the body whatever its anchors, plus a
//! verification each time one of its buckets' nibble masks accepts a position. Teddy's own
//! bucket assignment is round-robin, which is right for arbitrary patterns but scatters our
//! families (`glpat-`/`glptt-`/`glrt-`, `xoxb-`/`xoxp-`, case variants) over every bucket, so
//! every mask grows loose and the ~90 default anchors needed four searchers. Here anchors with
//! similar first bytes share a bucket, scored by how often each bucket would fire on typical
//! text (a byte-frequency model), and the number of searchers is the one with the lowest
//! modelled cost: two for the default pack, 1.9x faster on the JSON benchmark body and 3.5x on
//! a mix of real JSON, HTML and Markdown files.
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
#[derive(Clone, Copy, Default)]
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

    /// The chance that a position of typical text passes the first `m` masks: per position,
    /// Teddy accepts every byte whose low nibble and high nibble are both in the mask.
    fn fire_rate(&self, m: usize) -> f64 {
        self.0[..m]
            .iter()
            .map(|&(lo, hi)| {
                let weight: u32 = bits(hi)
                    .flat_map(|h| bits(lo).map(move |l| u32::from(BYTE_WEIGHT[h << 4 | l])))
                    .sum();
                f64::from(weight) / 65536.0
            })
            .product()
    }
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
    fn cost(&self, m: usize) -> f64 {
        cost(self.masks, self.anchors, m)
    }

    fn cost_with(&self, atom: &Atom, m: usize) -> f64 {
        cost(
            self.masks.union(atom.masks),
            self.anchors + atom.lits.len(),
            m,
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

fn cost(masks: Masks, anchors: usize, m: usize) -> f64 {
    if anchors == 0 {
        return 0.0;
    }
    masks.fire_rate(m) * (FIRE + FIRE_PER_ANCHOR * anchors as f64)
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
        let mut buckets = vec![Bucket::default(); searchers * BUCKETS];
        // Teddy tries a firing bucket's anchors one by one, and a bucket with more keys than
        // the others needs repeats elsewhere to keep its turns (see `insertion_order`): keep
        // buckets even.
        let cap = atoms.len().div_ceil(searchers * BUCKETS) + 1;
        let fits = |a: usize, b: usize, k: &Bucket| allowed(&atoms[a], b) && k.atoms.len() < cap;
        let mut home = vec![0; atoms.len()];
        for &a in &order {
            let cheapest = buckets
                .iter()
                .enumerate()
                .filter(|(b, k)| fits(a, *b, k))
                .map(|(b, k)| (b, k.cost_with(&atoms[a], mask_of(b)) - k.cost(mask_of(b))))
                .min_by(|x, y| x.1.total_cmp(&y.1));
            let Some((b, _)) = cheapest else {
                break;
            };
            home[a] = b;
            buckets[b].add(a, &atoms[a]);
        }
        if buckets.iter().map(|k| k.atoms.len()).sum::<usize>() < atoms.len() {
            continue;
        }
        // Then move single atoms wherever that lowers the total, until none moves.
        for _ in 0..20 {
            let mut moved = false;
            for a in 0..atoms.len() {
                let from = home[a];
                let without = buckets[from].without(a, &atoms);
                let saved = buckets[from].cost(mask_of(from)) - without.cost(mask_of(from));
                let cheapest = buckets
                    .iter()
                    .enumerate()
                    .filter(|(b, k)| *b != from && fits(a, *b, k))
                    .map(|(b, k)| (b, k.cost_with(&atoms[a], mask_of(b)) - k.cost(mask_of(b))))
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
        let total = searchers as f64
            + buckets
                .iter()
                .enumerate()
                .map(|(b, k)| k.cost(mask_of(b)))
                .sum::<f64>();
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
