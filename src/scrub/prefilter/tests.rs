use proptest::prelude::*;

use super::{Candidates, Prefilter};

/// The leftmost position at or after `from` where a whole anchor starts.
fn naive(hay: &[u8], from: usize, lits: &[Vec<u8>]) -> Option<usize> {
    (from..hay.len()).find(|&p| lits.iter().any(|l| hay[p..].starts_with(l)))
}

/// The prefilter over `lits` as a function of (body, from, cache), with the stream starting at
/// the body's first byte.
fn searcher(lits: &[Vec<u8>]) -> impl Fn(&[u8], usize, &mut Candidates) -> Option<usize> {
    let prefilter = Prefilter::new(lits).unwrap();
    let max_anchor = lits.iter().map(Vec::len).max().unwrap();
    move |hay, from, cache| prefilter.next(hay, from, 0, max_anchor, cache)
}

/// Every candidate, in order, as the body grows to each of `ends` (the cache carries over).
/// Candidates in `matches` are treated as matches ending `match_len` bytes on (the stream
/// notes them): for the next `NEAR` bytes a candidate may also be a position where only an
/// anchor's first pair is, never later than the next anchor start; elsewhere candidates are
/// exactly the anchor starts.
fn check_with(lits: &[Vec<u8>], hay: &[u8], ends: &[usize], matches: &[usize], match_len: usize) {
    let next = searcher(lits);
    let mut cache = Candidates::default();
    let mut from = 0;
    let mut near = 0;
    let mut last_end = 0;
    let mut found = 0;
    for &end in ends.iter().chain([&hay.len()]) {
        let view = &hay[..end.max(from).min(hay.len())];
        loop {
            let got = next(view, from, &mut cache);
            let want = naive(view, from, lits);
            if got != want {
                let p = got.expect("an anchor start was skipped");
                let pair_only = lits.iter().any(|l| view[p..].starts_with(&l[..2]));
                assert!(
                    p < near && pair_only && want.is_none_or(|w| p < w),
                    "from {from}: got {got:?}, want {want:?} (near {near}) in {} bytes",
                    view.len()
                );
            }
            match got {
                Some(p) if matches.contains(&found) && p + match_len <= view.len() => {
                    // The walk runs only after a match that came soon after the previous one.
                    near = if p - last_end < super::NEAR as usize {
                        p + match_len + super::NEAR as usize
                    } else {
                        0
                    };
                    from = p + match_len;
                    last_end = from;
                    cache.after_match(p as u64, from as u64);
                }
                Some(p) => from = p + 1,
                None => break,
            }
            found += 1;
        }
    }
}

fn check(lits: &[Vec<u8>], hay: &[u8], ends: &[usize]) {
    check_with(lits, hay, ends, &[], 0);
}

fn default_like_anchors() -> Vec<Vec<u8>> {
    [
        "ghp_", "gho_", "glpat-", "xoxb-", "AKIA", "ASIA", "://", "eyJ", "Bearer ", "bearer ",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

/// Text, default-like anchors, and anchors' first pairs alone (the pair walk's false
/// candidates), concatenated.
fn body() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            "[a-zA-Z:/_ .-]{0,40}".prop_map(String::into_bytes),
            (0usize..10).prop_map(|i| default_like_anchors()[i].clone()),
            proptest::sample::select(vec!["gh", "gl", "AK", "be", "ey", ":/"])
                .prop_map(|s| s.as_bytes().to_vec()),
        ],
        0..40,
    )
    .prop_map(|pieces| pieces.concat())
}

/// Where the body grows to, in order.
fn ends() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(0usize..600, 0..6).prop_map(|mut ends| {
        ends.sort_unstable();
        ends
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn candidates_are_exactly_the_anchor_starts(hay in body(), ends in ends()) {
        check(&default_like_anchors(), &hay, &ends);
    }

    /// After matches, the pair walk may add candidates but never skips an anchor start.
    #[test]
    fn after_a_match_no_anchor_is_skipped(
        hay in body(),
        ends in ends(),
        matches in proptest::collection::vec(0usize..30, 0..10),
        match_len in 1usize..30,
    ) {
        check_with(&default_like_anchors(), &hay, &ends, &matches, match_len);
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

/// An anchor at every distance from a match's end, inside the pair walk, at its edge and past
/// it, is the next candidate.
#[test]
fn anchors_at_every_distance_after_a_match_are_found() {
    let next = searcher(&default_like_anchors());
    for gap in 0..super::NEAR as usize + 16 {
        let hay = format!("zzzghp_{}AKIAzz", "z".repeat(gap));
        let hay = hay.as_bytes();
        let mut cache = Candidates::default();
        assert_eq!(next(hay, 0, &mut cache), Some(3));
        cache.after_match(3, 7);
        assert_eq!(next(hay, 7, &mut cache), Some(7 + gap), "gap {gap}");
    }
}

/// After a match far from the previous one the walk stays off: candidates are exactly the
/// anchor starts (`ghpz` has an anchor's first and second pairs but is not one); after a match
/// close to the previous one, the walk reports such a position too.
#[test]
fn the_walk_follows_only_matches_close_to_the_previous_one() {
    let next = searcher(&default_like_anchors());
    let hay = format!(
        "{}ghp_zzghpzAKIAzzghpzAKIA{}",
        "z".repeat(100),
        "z".repeat(20)
    );
    let hay = hay.as_bytes();
    let mut cache = Candidates::default();
    assert_eq!(next(hay, 0, &mut cache), Some(100));
    cache.after_match(100, 104);
    assert_eq!(next(hay, 104, &mut cache), Some(110));
    cache.after_match(110, 114);
    assert_eq!(next(hay, 114, &mut cache), Some(116));
    assert_eq!(next(hay, 117, &mut cache), Some(120));
}
