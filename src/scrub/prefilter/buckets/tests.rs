use std::collections::BTreeSet;

use aho_corasick::packed;
use proptest::prelude::*;

use super::{plan, Searcher, BUCKETS};
use crate::scrub::rules::DEFAULT_RULES;

/// The default packs' searched anchors, as `PatternSet` computes them.
fn default_anchors() -> Vec<Vec<u8>> {
    let mut lits: Vec<Vec<u8>> = DEFAULT_RULES
        .iter()
        .filter(|r| r.standalone && r.in_default())
        .flat_map(|r| r.anchors.iter().map(|a| a.as_bytes().to_vec()))
        .collect();
    lits.sort();
    lits.dedup();
    lits.dedup_by(|longer, shorter| longer.starts_with(shorter));
    lits
}

fn assert_covers(lits: &[Vec<u8>]) {
    let searchers = plan(lits);
    let want: BTreeSet<&Vec<u8>> = lits.iter().collect();
    let mut seen = BTreeSet::new();
    for s in &searchers {
        let in_order: BTreeSet<&Vec<u8>> = s.order.iter().collect();
        let in_buckets: BTreeSet<&Vec<u8>> = s.buckets.iter().flatten().collect();
        assert_eq!(
            in_order, in_buckets,
            "a searcher's order is its buckets' anchors"
        );
        assert!(s.buckets.len() <= BUCKETS);
        for l in in_order {
            assert!(seen.insert(l), "{l:?} is in two searchers");
        }
    }
    assert_eq!(seen, want, "every anchor is in exactly one searcher");
}

#[test]
fn the_default_pack_is_planned_into_two_searchers() {
    let lits = default_anchors();
    assert!(lits.len() > 80, "{} anchors", lits.len());
    assert_covers(&lits);
    assert_eq!(plan(&lits).len(), 2);
}

/// The buckets Teddy actually built, read from its `Debug` output (aho-corasick has no API for
/// them). If a new aho-corasick version formats or assigns differently, this fails and the plan
/// needs revisiting; scrubbing itself stays correct either way, only slower.
fn teddy_buckets(order: &[Vec<u8>]) -> BTreeSet<BTreeSet<Vec<u8>>> {
    let searcher = packed::Config::new()
        .only_teddy(true)
        .only_teddy_fat(Some(false))
        .heuristic_pattern_limits(false)
        .builder()
        .extend(order)
        .build()
        .expect("this machine has Teddy");
    let debug = format!("{searcher:?}");
    let teddy = &debug[debug.find("search_kind: Teddy(").expect("Teddy")..];
    let list = &teddy[teddy.find("buckets: [").expect("buckets") + "buckets: [".len()..];
    let list = &list[..list.find("]]").expect("end of buckets") + 1];
    list.split("], [")
        .map(|bucket| {
            bucket
                .split("PatternID(")
                .skip(1)
                .map(|id| {
                    let id: usize = id[..id.find(')').unwrap()].parse().unwrap();
                    order[id].clone()
                })
                .collect::<BTreeSet<_>>()
        })
        .filter(|b| !b.is_empty())
        .collect()
}

fn planned_buckets(s: &Searcher) -> BTreeSet<BTreeSet<Vec<u8>>> {
    s.buckets
        .iter()
        .filter(|b| !b.is_empty())
        .map(|b| b.iter().cloned().collect())
        .collect()
}

#[test]
fn teddy_puts_the_default_anchors_in_the_planned_buckets() {
    if !is_x86_feature_detected!("ssse3") {
        return;
    }
    for s in plan(&default_anchors()) {
        assert_eq!(teddy_buckets(&s.order), planned_buckets(&s));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_anchor_set_is_covered(
        lits in proptest::collection::btree_set("[a-dA-D_.-]{3,8}", 1..60),
    ) {
        let lits: Vec<Vec<u8>> = lits.into_iter().map(String::into_bytes).collect();
        assert_covers(&lits);
        if is_x86_feature_detected!("ssse3") {
            for s in plan(&lits) {
                prop_assert_eq!(teddy_buckets(&s.order), planned_buckets(&s));
            }
        }
    }
}

#[test]
fn hundreds_of_anchors_are_all_planned() {
    // Route-specific patterns add anchors; planning must stay a small part of loading a config
    // (the search over searcher counts stops early; this must finish and cover).
    let lits: Vec<Vec<u8>> = (0..400u32)
        .map(|i| format!("{}{}_{i:03x}", (b'a' + (i % 26) as u8) as char, i % 7).into_bytes())
        .collect();
    assert_covers(&lits);
}
