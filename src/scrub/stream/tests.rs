//! Interval merging (what a stable sort of the three runs of `pending` gives), and windows.

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

/// Ranges of a body fetched one by one, each scanned whole and written through its window:
/// put back together they hold redactions and clear text only, never a piece of a secret, however
/// small the ranges and however each is chunked.
#[test]
fn windows_put_back_together_hold_no_piece_of_a_secret() {
    use crate::scrub::{encoded_forms, LiveSet, ScrubPolicy};
    use std::sync::Arc;
    let live = "live-credential-ranged-0042";
    let stripe = "sk_live_51HabcDEFxyzQq0123456789abcdefABCDEF";
    let body = format!("lead text {stripe} middle {live} tail text\n");
    let policy = ScrubPolicy::default();
    let set = Arc::new(LiveSet::new(encoded_forms(live)));
    let windowed = |start: usize, end: usize, chunk: usize| {
        let mut s = policy.scrubber(set.clone());
        s.window(start as u64, end as u64);
        let mut out = Vec::new();
        let chunks: Vec<&[u8]> = body.as_bytes().chunks(chunk).collect();
        for (i, c) in chunks.iter().enumerate() {
            let b = s.push(Some(c), i + 1 == chunks.len()).unwrap();
            out.extend_from_slice(&b.unwrap_or_default());
        }
        out
    };
    for size in [1, 3, 8, 17, body.len()] {
        let mut joined = Vec::new();
        for start in (0..body.len()).step_by(size) {
            let end = (start + size).min(body.len());
            let out = windowed(start, end, body.len());
            for chunk in [1, 5, 16] {
                assert_eq!(
                    windowed(start, end, chunk),
                    out,
                    "{start}..{end} in {chunk}s"
                );
            }
            joined.extend(out);
        }
        let text = String::from_utf8(joined).unwrap();
        let clear = text
            .replace("[REDACTED:stripe_secret_key]", "")
            .replace("[REDACTED:credential]", "");
        assert_eq!(
            clear, "lead text  middle  tail text\n",
            "ranges of {size}: {text}"
        );
        assert!(
            text.contains("[REDACTED:stripe_secret_key]") && text.contains("[REDACTED:credential]")
        );
    }
}

/// A body the route passes through unscanned (a binary type) is still cut to its window.
#[test]
fn a_skipped_body_is_cut_to_its_window() {
    use crate::scrub::{LiveSet, ScrubPolicy};
    use std::sync::Arc;
    let mut s = ScrubPolicy::default().scrubber(Arc::new(LiveSet::new(Vec::new())));
    s.skip_body();
    s.window(3, 9);
    let mut out = Vec::new();
    for (c, end) in [(&b"0123"[..], false), (b"45", false), (b"6789ab", true)] {
        out.extend_from_slice(&s.push(Some(c), end).unwrap().unwrap_or_default());
    }
    assert_eq!(out, b"345678");
}
