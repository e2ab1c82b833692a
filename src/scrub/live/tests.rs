//! The live index finds exactly the occurrences a naive search finds.

use proptest::prelude::*;

use super::{LiveSet, Span, LONG_FORM};

/// What `occurrences` must find: every long form at every start, and at each start the
/// longest short form (the short automaton reports one match per start).
fn naive(forms: &[Vec<u8>], hay: &[u8], from: usize) -> Vec<Span> {
    let mut out = Vec::new();
    for s in from..hay.len() {
        let at = |f: &&Vec<u8>| hay[s..].starts_with(f);
        out.extend(
            forms
                .iter()
                .filter(|f| f.len() >= LONG_FORM)
                .filter(at)
                .map(|f| (s, s + f.len())),
        );
        out.extend(
            forms
                .iter()
                .filter(|f| f.len() < LONG_FORM)
                .filter(at)
                .map(|f| f.len())
                .max()
                .map(|n| (s, s + n)),
        );
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Forms over a two-letter alphabet, some with a shared prefix.
fn forms(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Vec<u8>>> {
    proptest::collection::vec(
        ("(pre-fix-)?", "[ab]{6,30}").prop_map(|(p, r)| format!("{p}{r}").into_bytes()),
        n,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Forms over a two-letter alphabet with a shared prefix: q-grams collide everywhere, so
    /// groups, tails and the tail tables' probe sequences all get exercised.
    #[test]
    fn occurrences_are_exactly_the_naive_ones(
        forms in forms(1..24),
        // Up to 40 picks: more probe hits in one call than a batch holds (`BATCH`).
        picks in proptest::collection::vec((0usize..24, "[ab-]{0,6}"), 0..40),
        from in 0usize..16,
        base in 0u64..64,
    ) {
        let mut hay = Vec::new();
        for (i, noise) in &picks {
            hay.extend_from_slice(&forms[i % forms.len()]);
            hay.extend_from_slice(noise.as_bytes());
        }
        let from = from.min(hay.len());
        let set = LiveSet::new(forms.iter().cloned());
        let mut got = Vec::new();
        set.occurrences(&hay, from, base, &mut got);
        got.sort_unstable();
        got.dedup();
        prop_assert_eq!(got, naive(&forms, &hay, from));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Nothing before `settled` or `tail_hold` can still become an occurrence: in any longer
    /// input, an occurrence starting before either ends within the bytes so far (so the naive
    /// search over them already has it).
    #[test]
    fn nothing_before_the_settled_point_is_cut_off(
        forms in forms(1..8),
        hay in "[ab\\-x\"]{0,60}",
        pick in 0usize..8,
        cut in 0usize..40,
        from in 0usize..16,
    ) {
        let set = LiveSet::new(forms.iter().cloned());
        // The bytes so far end with a form's first `cut` bytes; the longer input completes it.
        let form = &forms[pick % forms.len()];
        let cut = cut.min(form.len());
        let mut hay = hay.into_bytes();
        hay.extend_from_slice(&form[..cut]);
        let mut longer = hay.clone();
        longer.extend_from_slice(&form[cut..]);
        longer.extend_from_slice(b"x");
        let hay = &hay[..];
        let from = from.min(hay.len());
        for point in [set.settled(hay, from), set.tail_hold(hay, from)] {
            prop_assert!(point >= from && point <= hay.len());
            for (s, e) in naive(&forms, &longer, from) {
                if s < point {
                    prop_assert!(e <= hay.len(), "({s}, {e}) cut off before {point}");
                }
            }
        }
    }
}

/// A thousand credentials with a common prefix: the groups of that prefix's q-grams, one per
/// offset, hold the same forms and share one tail table (6 MiB when each had its own, where
/// every probe missed the cache), and every credential is still found in every form.
#[test]
fn forms_sharing_a_prefix_share_their_tail_tables() {
    let values: Vec<String> = (0..1000)
        .map(|i| format!("live-credential-{i:04}-Zq9x"))
        .collect();
    let set = LiveSet::new(values.iter().flat_map(|v| super::encoded_forms(v)));
    let bytes = set.tails.len() * std::mem::size_of::<super::Tail>();
    assert!(bytes < 2 << 20, "tail tables take {bytes} bytes");
    for v in values.iter().step_by(97) {
        for form in super::encoded_forms(v) {
            let hay = [b"x=".as_slice(), &form, b";"].concat();
            let mut out = Vec::new();
            set.occurrences(&hay, 0, 0, &mut out);
            assert!(out.contains(&(2, 2 + form.len())), "{v}");
        }
    }
    // All of them in one body: the probe hits come in full batches, and none is lost.
    let mut hay = Vec::new();
    let mut want = Vec::new();
    for v in &values {
        hay.extend_from_slice(b"{\"k\":\"");
        want.push((hay.len(), hay.len() + v.len()));
        hay.extend_from_slice(v.as_bytes());
        hay.extend_from_slice(b"\"},");
    }
    let mut out = Vec::new();
    set.occurrences(&hay, 0, 0, &mut out);
    out.sort_unstable();
    out.dedup();
    assert_eq!(out, want);
}
