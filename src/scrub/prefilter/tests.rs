use proptest::prelude::*;

use super::{Candidates, Prefilter};

/// The leftmost position at or after `from` where a whole anchor starts.
fn naive(hay: &[u8], from: usize, lits: &[Vec<u8>]) -> Option<usize> {
    (from..hay.len()).find(|&p| lits.iter().any(|l| hay[p..].starts_with(l)))
}

/// Every candidate, in order, as the body grows to each of `ends` (the cache carries over).
fn check(lits: &[Vec<u8>], hay: &[u8], ends: &[usize]) {
    let prefilter = Prefilter::new(lits).unwrap();
    let max_anchor = lits.iter().map(Vec::len).max().unwrap();
    let mut cache = Candidates::default();
    let mut from = 0;
    for &end in ends.iter().chain([&hay.len()]) {
        let view = &hay[..end.max(from).min(hay.len())];
        loop {
            let got = prefilter.next(view, from, 0, max_anchor, &mut cache);
            assert_eq!(
                got,
                naive(view, from, lits),
                "from {from} in {} bytes",
                view.len()
            );
            match got {
                Some(p) => from = p + 1,
                None => break,
            }
        }
    }
}

fn default_like_anchors() -> Vec<Vec<u8>> {
    [
        "ghp_", "gho_", "glpat-", "xoxb-", "AKIA", "ASIA", "://", "eyJ", "Bearer ", "bearer ",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn candidates_are_exactly_the_anchor_starts(
        pieces in proptest::collection::vec(
            prop_oneof![
                "[a-zA-Z:/_ .-]{0,40}".prop_map(String::into_bytes),
                (0usize..10).prop_map(|i| default_like_anchors()[i].clone()),
            ],
            0..40,
        ),
        ends in proptest::collection::vec(0usize..600, 0..6),
    ) {
        let hay: Vec<u8> = pieces.concat();
        let mut ends = ends;
        ends.sort_unstable();
        check(&default_like_anchors(), &hay, &ends);
    }

    #[test]
    fn planned_searchers_miss_nothing_on_random_anchor_sets(
        lits in proptest::collection::btree_set("[a-dA-D_.-]{3,6}", 1..50),
        hay in "[a-dA-D_.-]{0,400}",
    ) {
        let lits: Vec<Vec<u8>> = lits.into_iter().map(String::into_bytes).collect();
        check(&lits, hay.as_bytes(), &[]);
    }
}
