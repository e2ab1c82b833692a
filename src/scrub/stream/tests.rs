//! Interval merging: what a stable sort of the three runs of `pending` gives.

use super::{merge_runs, Interval};

fn iv(start: u64, end: u64, rule: Option<u16>, silent: bool) -> Interval {
    Interval {
        start,
        end,
        rule,
        silent,
    }
}

/// Three sorted runs, interleaved and with equal keys across runs: two merges give what a
/// stable sort gives, and the second leaves nothing past its end behind.
#[test]
fn merging_three_runs_equals_a_stable_sort() {
    let runs = [
        vec![
            iv(90, 91, Some(1), false),
            iv(121, 145, None, false),
            iv(198, 207, Some(1), true),
        ],
        vec![
            iv(82, 89, Some(1), false),
            iv(121, 145, None, false),
            iv(178, 184, Some(2), false),
        ],
        vec![
            iv(10, 20, None, false),
            iv(121, 145, None, false),
            iv(235, 259, None, false),
        ],
    ];
    let mut v: Vec<Interval> = runs.concat();
    let mut want = v.clone();
    want.sort_by_key(Interval::key);
    let mut scratch = Vec::new();
    let (first, second) = (runs[0].len(), runs[0].len() + runs[1].len());
    merge_runs(&mut v, first, second, &mut scratch);
    assert_eq!(v.len(), want.len());
    let all = v.len();
    merge_runs(&mut v, second, all, &mut scratch);
    let keys = |v: &[Interval]| v.iter().map(Interval::key).collect::<Vec<_>>();
    assert_eq!(keys(&v), keys(&want));
}
