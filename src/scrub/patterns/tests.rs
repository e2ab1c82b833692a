//! Pattern-set tests: the copy helpers, and that a verdict made before a candidate's whole
//! window is in view is final.

use proptest::prelude::*;

use super::{append_short, Caches, Label, PatternSet, Verdict, SHORT};
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
    /// DFA, PEM, long values) decides only what no later byte can change.
    #[test]
    fn verdicts_before_the_window_is_in_view_are_final(
        pieces in proptest::collection::vec(piece(), 1..14),
    ) {
        let set = default_set();
        let hay = pieces.concat();
        let hay = hay.as_bytes();
        let mut caches = Caches::default();
        for at in 0..hay.len() {
            let full = set.verify(hay, at, true, &mut caches);
            for cut in at + 1..hay.len() {
                let early = set.verify(&hay[..cut], at, false, &mut caches);
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
    let full = set.verify(hay, 0, true, &mut caches);
    assert_eq!(full, Verdict::NoMatch);
    for cut in 1..hay.len() {
        let early = set.verify(&hay[..cut], 0, false, &mut caches);
        assert!(
            early == Verdict::NeedMore || early == full,
            "cut at {cut}: {early:?}"
        );
    }
}
