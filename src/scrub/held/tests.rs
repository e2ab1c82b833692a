//! The work budget: a body whose turned-down candidates overlap without end fails closed, at
//! the same byte however it arrives; real bodies full of placeholders pass.

use std::sync::Arc;

use super::*;
use crate::scrub::{LiveSet, Overflow, ScrubPolicy};

/// Pushes `body` in `piece`-byte chunks: the bytes sent, and why the scrubber failed.
fn scrub_in(body: &[u8], piece: usize) -> (Vec<u8>, Option<Overflow>) {
    let mut s = ScrubPolicy::default().scrubber(Arc::new(LiveSet::new(Vec::new())));
    let mut sent = Vec::new();
    let chunks: Vec<&[u8]> = body.chunks(piece).collect();
    for (i, c) in chunks.iter().enumerate() {
        match s.push(Some(c), i + 1 == chunks.len()) {
            Ok(b) => sent.extend_from_slice(&b.unwrap_or_default()),
            Err(cause) => return (sent, Some(cause)),
        }
    }
    (sent, None)
}

/// A value holding its own key thousands of times (each copy a candidate whose value runs to
/// the same end and is turned down) fails closed instead of being verified from every copy.
#[test]
fn a_value_of_its_own_key_repeated_fails_closed_alike_in_every_chunking() {
    let body = format!("{} \n", "token=".repeat(10_000)).repeat(4);
    fails_on_the_budget(&body, &[7, 1000, 16 << 10, body.len()]);
}

/// Asserts that `body` fails closed on the work budget pushed in each of `pieces`: what goes
/// out before the failure depends on the pieces; the failure does not.
fn fails_on_the_budget(body: &str, pieces: &[usize]) {
    for &piece in pieces {
        assert_eq!(
            scrub_in(body.as_bytes(), piece).1,
            Some(Overflow::Budget),
            "in {piece}-byte pieces"
        );
    }
}

/// A line of thousands of `token&gt;` (each a candidate in the form of XML in a page's text,
/// whose value runs to the line's end, where no closer is, and every search fails there): the
/// searches that found nothing count against the budget too. Before they did, a body of such
/// lines took a minute per 4 MiB.
#[test]
fn searches_failing_at_the_same_far_end_fail_closed() {
    let body = format!("{}\n", "token&gt;".repeat(6_000)).repeat(8);
    fails_on_the_budget(&body, &[1000, 16 << 10, body.len()]);
}

/// Keywords whose long values find nothing, in the shapes real bodies have them, stay well
/// inside the budget: a word in prose (its search dies in a few bytes), an element left open
/// on a long line and one in escaped page text, no closer on the line (each search dies at the
/// line end), and a script's comparison (no element at all).
#[test]
fn keywords_that_find_nothing_in_real_shapes_pass() {
    let body = format!(
        "<p>Your password must be 12 characters.</p>\n<token>{long}\n<p>Send &lt;api_token&gt;{long}</p>\n<script>\nif(a.token>0&&b.token>c.length){{{long}}}\n</script>\n",
        long = "x=y+1;".repeat(5_000)
    )
    .repeat(20);
    let (sent, failed) = scrub_in(body.as_bytes(), 16 << 10);
    assert_eq!(failed, None);
    assert!(sent == body.as_bytes(), "the body was changed");
}

/// Bodies full of turned-down values (placeholders, one per line, and masked values next to
/// each other) stay well inside the budget.
#[test]
fn placeholders_on_every_line_pass() {
    let body = "password=***\ntoken: xxxxxxxxxxxxxxxx\n".repeat(40_000);
    let (sent, failed) = scrub_in(body.as_bytes(), 16 << 10);
    assert_eq!(failed, None);
    assert_eq!(sent, body.as_bytes());
}

/// Work counts once a verdict is final: a candidate verified again after waiting for more
/// bytes is counted once.
#[test]
fn waiting_verifications_are_not_counted() {
    let mut held = Held::default();
    for _ in 0..3 {
        held.turned_down(0, 1000);
        assert!(held.turned_any_down());
        assert!(!held.settle(true));
    }
    held.turned_down(0, 1000);
    assert!(!held.settle(false));
    assert!(!held.turned_any_down());
    assert_eq!((held.work, held.work_at), (1000, 1000));
    // The same secret turned down from 1,064 more candidates (all starting at 0: the most
    // overlap there is) passes 16 bytes a byte of its 1,000 and the slack only at the last.
    let budget = WORK_PER_BYTE * 1000 + WORK_SLACK;
    let mut settled = 1;
    loop {
        held.turned_down(0, 1000);
        if held.settle(false) {
            break;
        }
        settled += 1;
    }
    assert_eq!(settled, budget / 1000);
}

/// A stream's decoded base64 runs share one budget. Each run here is well inside a budget of
/// its own (its values overlap, but it is 3 KB); together they pass the shared one at the
/// second run, which is redacted whole, as a decoded run past the budget is, however the body
/// arrives. With a budget per run, every run had the whole slack to spend again.
#[test]
fn decoded_runs_share_one_budget() {
    use base64::Engine;
    let run =
        base64::engine::general_purpose::STANDARD.encode(format!("{}\n", "token=".repeat(500)));
    let body = format!(r#"{{"a":"{run}","b":"{run}","c":"{run}"}}"#);
    let policy = ScrubPolicy {
        decode_base64: true,
        ..ScrubPolicy::default()
    };
    let alone = format!(r#"{{"a":"{run}"}}"#);
    for piece in [100, 4096, body.len()] {
        let mut s = policy.scrubber(Arc::new(LiveSet::new(Vec::new())));
        let out = s
            .push(Some(alone.as_bytes()), true)
            .unwrap()
            .unwrap_or_default();
        assert_eq!(out, alone.as_bytes(), "one run alone is inside the budget");
        let mut s = policy.scrubber(Arc::new(LiveSet::new(Vec::new())));
        let mut out = Vec::new();
        let chunks: Vec<&[u8]> = body.as_bytes().chunks(piece).collect();
        for (i, c) in chunks.iter().enumerate() {
            out.extend(
                s.push(Some(c), i + 1 == chunks.len())
                    .unwrap()
                    .unwrap_or_default(),
            );
        }
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.starts_with(&format!(r#"{{"a":"{run}","b":"[REDACTED"#)),
            "{piece}: {out:.80}"
        );
        assert!(
            !out.contains(&format!(r#""c":"{run}""#)),
            "in {piece}-byte pieces"
        );
    }
}

/// A private key block arriving in 64-byte pieces: each search for its END line goes on from
/// where the last stopped, and the block is found whole once its END line is in.
#[test]
fn a_key_block_in_small_pieces_is_searched_once_over() {
    use crate::scrub::patterns::Verdict;
    use crate::scrub::pem::pem;
    let body = format!(
        "{{\"key\": \"-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\"}}",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC".repeat(60)
    );
    let at = body.find("-----BEGIN").unwrap();
    let end = body.find("KEY-----\"").unwrap() + "KEY-----".len();
    let mut held = Held::default();
    // The search trusts the memo: told that no END line starts before the real one's end, it
    // looks past it.
    held.of(at, 7).no_end_before = Some(end as u64);
    assert_eq!(
        pem(body.as_bytes(), at, false, 7, &mut held),
        Verdict::NeedMore
    );
    let mut held = Held::default();
    let mut searched = 0;
    for len in (at + 64..=body.len()).step_by(64).chain([body.len()]) {
        match pem(&body.as_bytes()[..len], at, len == body.len(), 7, &mut held) {
            Verdict::NeedMore => {
                let now = held.get(at, 7).and_then(|m| m.no_end_before).unwrap();
                assert!(
                    now > searched && now as usize <= len,
                    "{now} after {searched} at {len}"
                );
                searched = now;
            }
            Verdict::Match { start, end: e, .. } => {
                assert_eq!((start, e), (at, end));
                assert!(len >= end);
                return;
            }
            v => panic!("{v:?} at {len}"),
        }
    }
    panic!("the block was never found");
}
