//! Pattern-set tests: the copy helpers, and that a verdict made before a candidate's whole
//! window is in view is final.

use proptest::prelude::*;

use super::{append_short, Caches, Candidates, Held, Label, PatternSet, Verdict, SHORT};
use crate::scrub::held::WALK_AFTER;
use crate::scrub::rules::{RuleDef, DEFAULT_RULES};

/// Every length around the block size, from sources shorter and longer than a block, after
/// zero to two bytes of earlier output: the same bytes as a plain copy.
#[test]
fn short_appends_equal_plain_copies() {
    let src: Vec<u8> = (0..=u8::MAX).cycle().take(3 * SHORT).collect();
    for len in [0, 1, SHORT - 1, SHORT, SHORT + 1, 2 * SHORT + 5] {
        for n in (0..=len).filter(|n| n.abs_diff(SHORT) <= 2 || *n <= 2 || *n == len) {
            for prior in 0..3 {
                let mut out = vec![7u8; prior];
                append_short(&mut out, &src[..len], n);
                let mut want = vec![7u8; prior];
                want.extend_from_slice(&src[..n]);
                assert_eq!(out, want, "len {len}, n {n}, prior {prior}");
            }
        }
    }
}

#[test]
fn labels_of_any_length_are_written_whole() {
    for kind in [
        "k",
        "aws_access_key_id",
        &"x".repeat(SHORT),
        &"y".repeat(3 * SHORT),
    ] {
        let mut out = b"ab".to_vec();
        Label::new(kind).write(&mut out);
        assert_eq!(out, format!("ab[REDACTED:{kind}]").as_bytes());
    }
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[0-9A-Za-z]{0,40}",
        1 => "[A-Za-z0-9+/=]{0,50}",
        4 => proptest::sample::select(vec![
            // Keys and prefixes the keyword, URL, cookie and header rules start at.
            "\"password\": \"", "password=", "\"token\":\"", "api_key: ", "secret=",
            "\"prompt_tokens\":", "<password>", "\\u003cpassword\\u003e", "client_secret",
            "AWS_SECRET_ACCESS_KEY=", "Authorization: Bearer ", "Basic ", "postgres://",
            "mongodb+srv://app:", "@db", "Set-Cookie: sid=", "X-Vault-Token: s.",
            "twilio_auth_token=", "token ", "the secret is ", "&lt;password&gt;",
            "&quot;token&quot;:&quot;", "&quot;", "&lt;/password&gt;", "&amp;",
            "&#34;secret&#34;: &#34;", "&#x22;", "&#3",
            "&#x27;password&#x27;: &#x27;", "&#39;", "&#x2", "&apos;", "&ap",
            "&am", "&#43;", "&#4", "&lt;", "&l", "\\&quot;", "\\&#34;", "\\&",
            // What ends values, or runs on inside them.
            "\"", "'", ",", " ", "\n", ";", "&", "}", "\\n", "\\/", "\\u002B", "</password>",
            "\\u003c/password\\u003e", "=", ":", "@", "xxxx",
        ])
        .prop_map(str::to_string),
    ]
}

fn default_set() -> &'static PatternSet {
    static SET: std::sync::OnceLock<PatternSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        let all: Vec<&RuleDef> = DEFAULT_RULES.iter().collect();
        PatternSet::new(&all, &[]).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    /// Cut short anywhere after a candidate, the verdict waits (`NeedMore`) or is the one made
    /// with the whole input in view: every verifier (direct walk, regex settled by its lazy
    /// DFA, PEM, long values) decides only what no later byte can change. With what the calls
    /// before it left (`Held`, kept across the cuts as a stream keeps it across chunks), each
    /// verdict is the one a fresh call makes.
    #[test]
    fn verdicts_before_the_window_is_in_view_are_final(
        pieces in proptest::collection::vec(piece(), 1..14),
    ) {
        let set = default_set();
        let hay = pieces.concat();
        let hay = hay.as_bytes();
        let mut caches = Caches::default();
        for at in 0..hay.len() {
            let full = set.verify(hay, at, true, &mut caches, &mut Held::default());
            let mut held = Held::default();
            for cut in at + 1..hay.len() {
                let early = set.verify(&hay[..cut], at, false, &mut caches, &mut held);
                let fresh = set.verify(&hay[..cut], at, false, &mut caches, &mut Held::default());
                prop_assert_eq!(
                    early, fresh,
                    "held: at {} cut at {} in {:?}", at, cut, String::from_utf8_lossy(hay)
                );
                if early != Verdict::NeedMore {
                    prop_assert_eq!(
                        early, full,
                        "at {} cut at {} in {:?}", at, cut, String::from_utf8_lossy(hay)
                    );
                }
            }
        }
    }
}

/// With exactly a regex rule's window in view and more input to come, no verdict is made that
/// the next byte could change (`$` matched at the end of the bytes so far; see
/// `the_end_of_the_bytes_so_far_is_not_the_end_of_the_input`).
#[test]
fn a_verdict_at_the_window_edge_waits_for_the_next_byte() {
    let set = default_set();
    let body = format!("{} x", "sk-proj-".repeat(40));
    let hay = body.as_bytes();
    let mut caches = Caches::default();
    let full = set.verify(hay, 0, true, &mut caches, &mut Held::default());
    assert_eq!(full, Verdict::NoMatch);
    let mut held = Held::default();
    for cut in 1..hay.len() {
        let early = set.verify(&hay[..cut], 0, false, &mut caches, &mut held);
        assert!(
            early == Verdict::NeedMore || early == full,
            "cut at {cut}: {early:?}"
        );
    }
}

/// A candidate whose value still runs at the end of the bytes so far is not walked again from
/// its start when more arrive: the walk goes on where it stopped (and the bounded regex, once
/// it has found nothing in its whole window, is not searched again), so a value of tens of KiB
/// arriving a few bytes at a time costs one walk, not one per piece. Bytes never change once
/// they have arrived; here one that was already walked is changed to a closing quote to show
/// it is not looked at again: a fresh call ends the value there, the resumed one still waits.
#[test]
fn a_waiting_value_is_walked_once_however_it_arrives() {
    let set = default_set();
    let mut caches = Caches::default();
    // Within the bounded regex's window (its settle walk), and far past it (the unbounded
    // regex's walk; the byte changed is inside the window, which the bounded regex would see).
    for (n, cuts, changed_at) in [
        (1000, [300, 500, 700, 900], 890),
        (40_000, [30_000, 32_000, 34_000, 36_000], 20_000),
    ] {
        let value: String = (0..n)
            .map(|i| char::from(b"Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H-_"[i * 7 % 32]))
            .collect();
        let body = format!(r#"{{"password": "{value}", "n": 1}}"#);
        let hay = body.as_bytes();
        let at = set
            .next_candidate(hay, 0, 0, &mut Candidates::default())
            .unwrap();
        // The long value's walk takes over only after that many waits.
        assert!(cuts.len() > usize::from(WALK_AFTER));
        let mut held = Held::default();
        for cut in cuts {
            let v = set.verify(&hay[..cut], at, false, &mut caches, &mut held);
            assert_eq!(v, Verdict::NeedMore, "{n}: cut at {cut}");
        }
        let mut changed = hay.to_vec();
        changed[changed_at] = b'"';
        let more = &changed[..cuts[3] + 10];
        let fresh = set.verify(more, at, false, &mut caches, &mut Held::default());
        assert!(matches!(fresh, Verdict::Match { .. }), "{n}: {fresh:?}");
        let resumed = set.verify(more, at, false, &mut caches, &mut held);
        assert_eq!(resumed, Verdict::NeedMore, "{n}");
    }
}
