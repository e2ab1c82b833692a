//! Engine tests: chunking invariance (every split, random chunkings), bounded hold-back, fail
//! closed, encodings of live values, headers, replacement styles, configuration.

use std::sync::Arc;

use base64::Engine;
use proptest::prelude::*;

use super::*;

fn live(vals: &[&str]) -> Arc<LiveSet> {
    Arc::new(LiveSet::new(vals.iter().flat_map(|v| encoded_forms(v))))
}

/// `chunks` pushed through a scrubber of `policy` (none failing): the output and the counts.
pub(super) fn run(policy: &ScrubPolicy, set: &Arc<LiveSet>, chunks: &[&[u8]]) -> (Vec<u8>, Counts) {
    let mut s = policy.scrubber(set.clone());
    let mut out = Vec::new();
    for (i, c) in chunks.iter().enumerate() {
        if let Some(b) = s.push(Some(c), i + 1 == chunks.len()).unwrap() {
            out.extend_from_slice(&b);
        }
    }
    if chunks.is_empty() {
        if let Some(b) = s.push(None, true).unwrap() {
            out.extend_from_slice(&b);
        }
    }
    (out, s.body_counts.clone())
}

/// Pushes `body` in 1,000-byte chunks until the scrubber fails: what it sent, and whether it
/// failed.
fn push_until_failure(s: &mut StreamScrubber, body: &[u8]) -> (Vec<u8>, bool) {
    let mut sent = Vec::new();
    for c in body.chunks(1000) {
        match s.push(Some(c), false) {
            Ok(b) => sent.extend_from_slice(&b.unwrap_or_default()),
            Err(_) => return (sent, true),
        }
    }
    (sent, false)
}

/// `b` cut at `cuts` (each taken modulo `b.len() + 1`, in any order).
pub(super) fn split_at_cuts(b: &[u8], cuts: impl IntoIterator<Item = usize>) -> Vec<&[u8]> {
    let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (b.len() + 1)).collect();
    cuts.sort_unstable();
    let mut chunks = Vec::new();
    let mut prev = 0;
    for c in cuts {
        chunks.push(&b[prev..c]);
        prev = c;
    }
    chunks.push(&b[prev..]);
    chunks
}

fn gh_token() -> String {
    let random = "Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H";
    let crc = base62_crc32(random.as_bytes());
    format!("ghp_{random}{}", std::str::from_utf8(&crc).unwrap())
}

const LIVE: &str = "sk_live_51HabcDEF/xyz+Qq";

fn mixed_body() -> String {
    format!(
        concat!(
            r#"{{"echo":"{live}","b64":"{b64}","gh":"{gh}","jwt":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2J5dGVz","#,
            r#""db":"postgres://app:Sup3rS3cret@db.internal:5432/app","password":"hunter2-X","#,
            r#""pk":"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----","ok":"ch_3MmlLrLkdIwHu7ix"}}"#
        ),
        live = LIVE,
        b64 = base64::engine::general_purpose::STANDARD.encode(LIVE),
        gh = gh_token(),
    )
}

#[test]
fn a_mixed_body_is_redacted_by_kind() {
    let p = ScrubPolicy::default();
    let (out, counts) = run(&p, &live(&[LIVE]), &[mixed_body().as_bytes()]);
    let out = String::from_utf8(out).unwrap();
    for kind in [
        "credential",
        "github_token",
        "jwt",
        "connection_string_password",
        "password",
        "private_key",
    ] {
        assert!(out.contains(&format!("[REDACTED:{kind}]")), "{kind}: {out}");
    }
    assert_eq!(counts.get("credential"), 2, "{out}");
    assert!(!out.contains("Sup3rS3cret") && !out.contains("MIIEow") && !out.contains("Zx81Kq"));
    assert!(
        out.contains("ch_3MmlLrLkdIwHu7ix"),
        "object ids stay: {out}"
    );
    assert!(out.contains("postgres://app:[REDACTED:connection_string_password]@db.internal"));
}

/// A keyword's value of a known format is labelled by its format in every way of writing the
/// assignment, the HTML entity ones included.
#[test]
fn keyword_values_of_a_known_format_keep_their_format_label() {
    let p = ScrubPolicy::default();
    let gh = gh_token();
    for body in [
        format!(r#"{{"token":"{gh}"}}"#),
        format!("token={gh}\n"),
        format!("<token>{gh}</token>"),
        format!("{{&quot;token&quot;:&quot;{gh}&quot;}}"),
        format!("{{&#34;token&#34;: &#34;{gh}&#34;}}"),
        format!("{{&#x27;token&#x27;: &#x27;{gh}&#x27;}}"),
        format!("{{&#39;token&#39;:&#39;{gh}&#39;}}"),
        format!("{{&apos;token&apos;: &apos;{gh}&apos;}}"),
        format!("&lt;token&gt;{gh}&lt;/token&gt;"),
    ] {
        let (out, counts) = run(&p, &live(&[]), &[body.as_bytes()]);
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("[REDACTED:github_token]"), "{body}: {out}");
        assert_eq!(counts.total(), 1, "{body}: {out}");
    }
}

#[test]
fn every_split_into_two_and_three_chunks_gives_the_same_output() {
    let p = ScrubPolicy::default();
    let set = live(&[LIVE]);
    let body = mixed_body();
    let b = body.as_bytes();
    let (whole, n) = run(&p, &set, &[b]);
    for cut in 0..=b.len() {
        let (out, n2) = run(&p, &set, &[&b[..cut], &b[cut..]]);
        assert_eq!(out, whole, "cut at {cut}");
        assert_eq!(n2, n);
    }
    // Three chunks around every secret boundary region (all pairs would be slow in debug).
    for cut in (0..b.len()).step_by(7) {
        for cut2 in (cut..=b.len()).step_by(5) {
            let (out, _) = run(&p, &set, &[&b[..cut], &b[cut..cut2], &b[cut2..]]);
            assert_eq!(out, whole, "cuts {cut} {cut2}");
        }
    }
}

#[test]
fn one_byte_chunks_and_empty_chunks() {
    let p = ScrubPolicy::default();
    let set = live(&[LIVE]);
    let body = mixed_body();
    let (whole, _) = run(&p, &set, &[body.as_bytes()]);
    let mut chunks: Vec<&[u8]> = body.as_bytes().chunks(1).collect();
    chunks.insert(3, b"");
    let (out, _) = run(&p, &set, &chunks);
    assert_eq!(out, whole);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Random bodies made of secret-bearing and filler pieces, cut at random points.
    #[test]
    fn random_chunkings_are_invariant(
        pieces in proptest::collection::vec(0usize..8, 1..24),
        cuts in proptest::collection::vec(0usize..2000, 0..12),
    ) {
        let gh = gh_token();
        let parts: [&str; 8] = [
            LIVE, "filler text, ", &gh, "\"password\": \"pa55-W0rd\", ",
            "eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.", "-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----",
            "https://user:pw123456@host/ ", "AKIAQWERTYUIOPASDFGH ",
        ];
        let body: String = pieces.iter().map(|i| parts[*i]).collect();
        let b = body.as_bytes();
        let p = ScrubPolicy::default();
        let set = live(&[LIVE]);
        let (whole, n) = run(&p, &set, &[b]);
        let (out, n2) = run(&p, &set, &split_at_cuts(b, cuts));
        prop_assert_eq!(&out, &whole);
        prop_assert_eq!(n2, n);
        prop_assert!(!String::from_utf8_lossy(&out).contains(LIVE));
    }
}

#[test]
fn live_encodings_including_embedded_base64_and_hex_of_binary() {
    let secret = "ab/cd\"ef gh+ij";
    let p = ScrubPolicy {
        patterns: Arc::new(PatternSet::new(&[], &[]).unwrap()),
        ..ScrubPolicy::default()
    };
    let set = live(&[secret]);
    // Go escapes `&` (and `<`, `>`), and leaves `+` and `/` alone.
    let go = live(&["k&v/w+x<y>z-0123"]);
    let (_, n) = run(&p, &go, &[br#"{"v":"k\u0026v/w+x\u003cy\u003ez-0123"}"#]);
    assert_eq!(n.get("credential"), 1);
    let std = base64::engine::general_purpose::STANDARD;
    let embedded = std.encode(format!("user:{secret}"));
    let echoes = [
        r#"ab\/cd\"ef gh+ij"#.to_string(),
        "ab%2Fcd%22ef%20gh%2Bij".to_string(),
        "ab%2fcd%22ef%20gh%2bij".to_string(),
        "ab%2Fcd%22ef+gh%2Bij".to_string(),
        r"ab\u002fcd\u0022ef\u0020gh\u002bij".to_string(),
        // .NET (`+` and `"` escaped, `/` not) and the same in lower-case hex.
        r"ab/cd\u0022ef gh\u002Bij".to_string(),
        r"ab/cd\u0022ef gh\u002bij".to_string(),
        std.encode(secret),
        embedded.clone(),
    ];
    for e in &echoes {
        let (out, n) = run(&p, &set, &[e.as_bytes()]);
        assert_eq!(
            n.get("credential"),
            1,
            "{e} -> {}",
            String::from_utf8_lossy(&out)
        );
    }
    // The password inside `user:password` base64: the stable middle of it is gone.
    let (out, _) = run(&p, &set, &[embedded.as_bytes()]);
    let out = String::from_utf8(out).unwrap();
    assert!(out.len() < embedded.len() / 2 + 24, "{out}");
    // A binary secret (base64 of random bytes) echoed as hex.
    let bin: Vec<u8> = (0u8..24)
        .map(|i| i.wrapping_mul(37).wrapping_add(200))
        .collect();
    let b64 = std.encode(&bin);
    let set = live(&[&b64]);
    let (out, n) = run(&p, &set, &[format!("key={}", hex::encode(&bin)).as_bytes()]);
    assert_eq!(n.get("credential"), 1, "{}", String::from_utf8_lossy(&out));
}

#[test]
fn short_values_are_ignored_and_many_live_values_work() {
    let p = ScrubPolicy::default();
    let (out, n) = run(&p, &live(&["abc"]), &[b"abc abc"]);
    assert_eq!((out.as_slice(), n.total()), (&b"abc abc"[..], 0));
    let vals: Vec<String> = (0..1000)
        .map(|i| format!("live-secret-{i:04}-Zq9"))
        .collect();
    let refs: Vec<&str> = vals.iter().map(String::as_str).collect();
    let set = live(&refs);
    let body = format!("a {} b {} c", vals[17], vals[999]);
    let (out, n) = run(&p, &set, &[body.as_bytes()]);
    assert_eq!(n.get("credential"), 2, "{}", String::from_utf8_lossy(&out));
    // A 6..15 byte secret goes through the short automaton.
    let (_, n) = run(&p, &live(&["Zq9-short"]), &[b"x Zq9-short y"]);
    assert_eq!(n.get("credential"), 1);
}

#[test]
fn live_values_sharing_a_long_prefix_are_told_apart() {
    // Forms of different lengths share their first q-grams; the index separates them by a second
    // q-gram at the shortest one's end.
    let prefix = "sk_live_51HsharedPrefixOfManyKeys_";
    let vals: Vec<String> = (0..300)
        .map(|i| format!("{prefix}{i:03}{}", "Zq9x".repeat(i % 5)))
        .collect();
    let refs: Vec<&str> = vals.iter().map(String::as_str).collect();
    let set = live(&refs);
    let p = ScrubPolicy::default();
    for v in [&vals[0], &vals[7], &vals[299]] {
        let body = format!(
            "<{v}> and {}",
            base64::engine::general_purpose::STANDARD.encode(v)
        );
        let (out, n) = run(&p, &set, &[body.as_bytes()]);
        assert_eq!(n.get("credential"), 2, "{}", String::from_utf8_lossy(&out));
    }
    let near = format!("{prefix}999Zq9x");
    let (out, n) = run(&p, &set, &[near.as_bytes()]);
    assert_eq!(n.get("credential"), 0, "{}", String::from_utf8_lossy(&out));
}

#[test]
fn live_set_versions_and_forget() {
    let ls = LiveSecrets::new();
    let sec = |s: &str| vec![crate::creds::SecretString::from(s.to_string())];
    ls.observe("k", 1, || sec("secret-one-111"));
    let p = ScrubPolicy::default();
    assert_eq!(run(&p, &ls.snapshot(), &[b"x secret-one-111"]).1.total(), 1);
    ls.observe("k", 1, || panic!("must not rebuild"));
    ls.observe("k", 2, || sec("secret-two-222"));
    let s = ls.snapshot();
    assert_eq!(run(&p, &s, &[b"secret-two-222"]).1.total(), 1);
    assert_eq!(run(&p, &s, &[b"secret-one-111"]).1.total(), 0);
    ls.forget("k");
    assert!(ls.snapshot().is_empty());
}

#[test]
fn hold_back_is_bounded_and_a_huge_key_block_fails_closed() {
    let p = ScrubPolicy::default();
    let set = live(&[LIVE]);
    let mut s = p.scrubber(set.clone());
    // A clean 1 MiB stream of words in 4 KiB chunks: what comes out lags by at most the
    // longest window.
    let chunk = b"lorem ipsum dolor ".repeat(4096 / 18);
    let mut out = 0usize;
    for i in 1..=256 {
        out += s.push(Some(&chunk), false).unwrap().map_or(0, |b| b.len());
        let held = i * chunk.len() - out;
        assert!(held <= 2 * LIVE.len() + 64, "held {held}");
    }
    // One run of base64 letters: held back until it ends, or for at most the cap on a run
    // decoded as one.
    let mut s = p.scrubber(set.clone());
    let chunk = vec![b'a'; 4096];
    let mut out = 0usize;
    for i in 1..=256 {
        out += s.push(Some(&chunk), false).unwrap().map_or(0, |b| b.len());
        let held = i * 4096 - out;
        assert!(held <= HARD_CAP + 4096, "held {held}");
    }
    // A private key block that never ends: after the cap, the stream fails closed.
    let mut s = p.scrubber(set);
    let mut body = b"-----BEGIN PRIVATE KEY-----\n".to_vec();
    body.extend(std::iter::repeat_n(b'A', HARD_CAP + 10));
    let (leaked, failed) = push_until_failure(&mut s, &body);
    assert!(failed && s.failed());
    assert!(
        !leaked.windows(8).any(|w| w == b"AAAAAAAA"),
        "no key material before failing"
    );
    assert!(s.push(Some(b"more"), true).is_err());
    assert_eq!(s.body_counts.get("scrub_overflow"), 1);
}

/// A candidate is settled once its terminator arrives, not once the rule's longest match is in
/// view (~24 KiB for a `Bearer` value that may hold `\u002B` escapes, 4 KiB for a keyword
/// value): a streamed body (SSE, a chat completion) is not held back behind every token in it.
#[test]
fn a_short_token_is_not_held_back_for_its_rules_window() {
    let p = ScrubPolicy::default();
    let mut s = p.scrubber(live(&[]));
    let token = "Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H";
    let head = format!("data: {{\"auth\":\"Bearer {token}\",\"n\":1}}\n\n");
    let out = s
        .push(Some(head.as_bytes()), false)
        .unwrap()
        .unwrap_or_default();
    let out = String::from_utf8(out.to_vec()).unwrap();
    assert_eq!(
        out,
        "data: {\"auth\":\"Bearer [REDACTED:bearer_token]\",\"n\":1}\n\n"
    );
    // Cut inside the token, the stream waits for the rest.
    let mut s = p.scrubber(live(&[]));
    let out = s.push(Some(&head.as_bytes()[..30]), false).unwrap();
    assert_eq!(out.unwrap_or_default(), &b"data: {\"auth\":\""[..]);
    // Keyword candidates (regex-decided): a chat completion's log-probability tokens and usage,
    // a password, each event out whole as soon as it arrives.
    for (event, want) in [
        (
            r#"data: {"logprobs":{"content":[{"token":"Hi","logprob":-0.1}]}}"#,
            None,
        ),
        (
            r#"data: {"usage":{"prompt_tokens":12,"completion_tokens":3}}"#,
            None,
        ),
        (
            r#"data: {"password":"hunter2hunter2","n":1}"#,
            Some(r#"data: {"password":"[REDACTED:password]","n":1}"#),
        ),
    ] {
        let mut s = p.scrubber(live(&[]));
        let event = format!("{event}\n\n");
        let out = s.push(Some(event.as_bytes()), false).unwrap();
        let want = want.map_or(event.clone(), |w| format!("{w}\n\n"));
        assert_eq!(out.unwrap_or_default(), want.as_bytes(), "{event}");
    }
}

#[test]
fn a_key_block_cut_by_the_end_of_the_body_is_redacted_to_the_end() {
    let p = ScrubPolicy::default();
    let (out, _) = run(
        &p,
        &live(&[]),
        &[b"x -----BEGIN EC PRIVATE KEY-----\nMHcCAQEE"],
    );
    assert_eq!(out, b"x [REDACTED:private_key]");
}

/// A BEGIN line that docs name, with prose after it and no END line (MSAL's docstrings:
/// `"private_key": "...-----BEGIN PRIVATE KEY-----... in PEM format"`), is no key block: the
/// body goes through, where it waited for the cap and failed closed. Key material after a BEGIN
/// line (base64, a header, JSON-escaped or one-line forms) is still a block, in any chunking.
#[test]
fn a_begin_line_named_in_docs_is_no_key_block() {
    let p = ScrubPolicy::default();
    let doc = format!(
        "Feed in {{\"private_key\": \"...-----BEGIN PRIVATE KEY-----... in PEM format\"}}\n{}",
        "More docs about certificates and thumbprints.\n".repeat(2000)
    );
    let (out, n) = run(&p, &live(&[]), &[doc.as_bytes()]);
    assert_eq!(n.total(), 0);
    assert_eq!(out, doc.as_bytes());
    for text in [
        "x -----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----",
        "see -----BEGIN OPENSSH PRIVATE KEY----- blocks below.",
    ] {
        let (out, n) = run(&p, &live(&[]), &[text.as_bytes()]);
        assert_eq!((out.as_slice(), n.total()), (text.as_bytes(), 0), "{text}");
    }
    for text in [
        "x -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
        r#"{"k":"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"}"#,
        "x -----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0A\n\nq83x\n-----END RSA PRIVATE KEY-----",
        "x -----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAA -----END OPENSSH PRIVATE KEY-----",
        "x -----BEGIN PGP PRIVATE KEY BLOCK-----\r\n\r\nlQdGBF4x8YEBEADJ4pQ2\r\n-----END PGP PRIVATE KEY BLOCK-----",
        "KEY = (\n    \"-----BEGIN RSA PRIVATE KEY-----\\n\"\n    \"MIIEowIBAAKCAQEAvQ2x\\n\"\n    \"-----END RSA PRIVATE KEY-----\"\n)",
        "k: |\n                        -----BEGIN EC PRIVATE KEY-----\n                        MHcCAQEEIBkq3x7Lm0pQ\n                        -----END EC PRIVATE KEY-----\n",
    ] {
        let whole = run(&p, &live(&[]), &[text.as_bytes()]);
        assert_eq!(whole.1.get("private_key"), 1, "{text}");
        for cut in 1..text.len() {
            let (a, b) = text.as_bytes().split_at(cut);
            assert_eq!(run(&p, &live(&[]), &[a, b]).0, whole.0, "{text} cut at {cut}");
        }
    }
}

#[test]
fn keep_prefix_style() {
    let raw: RawScrub =
        serde_yaml_ng::from_str("replacement: keep_prefix\nextra_patterns:\n  - {kind: acme_key, regex: 'acme_[a-z0-9]{16}', keep_prefix: 5}\n").unwrap();
    let p = ScrubPolicy::compile(raw).unwrap();
    let body = format!("{} acme_0123456789abcdef {LIVE}", gh_token());
    let (out, n) = run(&p, &live(&[LIVE]), &[body.as_bytes()]);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "ghp_[REDACTED:github_token] acme_[REDACTED:acme_key] [REDACTED:credential]"
    );
    assert_eq!(n.total(), 3);
}

#[test]
fn config_errors_name_the_field() {
    let raw: RawScrub = serde_yaml_ng::from_str(
        "packs: [vcs, nope]\ndisable: [jwtt]\nextra_patterns:\n  - {kind: Bad-Kind, regex: '[a-z]+'}\nskip_content_types: [png]\n",
    )
    .unwrap();
    let errs = ScrubPolicy::compile(raw).unwrap_err();
    let fields: Vec<&str> = errs.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        fields,
        [
            "scrub.packs[1]",
            "scrub.disable[0]",
            "scrub.extra_patterns[0].kind",
            "scrub.extra_patterns[0].regex",
            "scrub.skip_content_types[0]"
        ]
    );
    let raw: RawScrub = serde_yaml_ng::from_str("packs: []\n").unwrap();
    let p = ScrubPolicy::compile(raw).unwrap();
    let (out, _) = run(&p, &live(&[]), &[gh_token().as_bytes()]);
    assert_eq!(out, gh_token().as_bytes(), "no packs: live values only");
    assert!(!p.skips(None));
    let raw: RawScrub = serde_yaml_ng::from_str("skip_content_types: [image/*]\n").unwrap();
    let p = ScrubPolicy::compile(raw).unwrap();
    assert!(p.skips(Some("image/png; q=1")) && !p.skips(Some("text/html")));
}

#[test]
fn headers_set_cookie_and_location() {
    let p = ScrubPolicy::default();
    let mut s = p.scrubber(live(&[LIVE]));
    let sc = |s: &mut StreamScrubber, n: http::HeaderName, v: &str| {
        s.scrub_header(&n, v.as_bytes())
            .map(|(o, _)| String::from_utf8(o).unwrap())
    };
    use http::header::{LOCATION, SET_COOKIE, WWW_AUTHENTICATE};
    assert_eq!(
        sc(&mut s, SET_COOKIE, "sid=8f2c1e9a7b6d5c4e; Path=/; HttpOnly").as_deref(),
        Some("sid=[REDACTED:cookie]; Path=/; HttpOnly")
    );
    assert_eq!(
        sc(&mut s, SET_COOKIE, &format!("s={LIVE}; Secure")).as_deref(),
        Some("s=[REDACTED:credential]; Secure")
    );
    assert_eq!(sc(&mut s, SET_COOKIE, "lang=en; Path=/"), None);
    // Partly percent-encoded so that no precomputed form matches; decoding finds it.
    let odd = LIVE.replacen('D', "%44", 1);
    let loc = sc(
        &mut s,
        LOCATION,
        &format!("https://evil.example/cb?t={odd}&x=1"),
    )
    .unwrap();
    assert!(
        !loc.contains("51Habc") && loc.contains("[REDACTED:credential]"),
        "{loc}"
    );
    assert_eq!(
        sc(&mut s, LOCATION, "https://u:hunter2-X@example.com/").as_deref(),
        Some("https://u:[REDACTED:connection_string_password]@example.com/")
    );
    assert_eq!(sc(&mut s, WWW_AUTHENTICATE, "Basic realm=\"x\""), None);
    assert_eq!(s.header_counts.total(), 4);
}

#[test]
fn message_streams_are_known_by_media_type() {
    for (ct, want) in [
        (Some("text/event-stream"), true),
        (Some("Application/X-NDJSON; charset=utf-8"), true),
        (Some("application/jsonl"), true),
        (Some("application/json"), false),
        (Some("text/event-streams"), false),
        (None, false),
    ] {
        assert_eq!(ScrubPolicy::is_message_stream(ct), want, "{ct:?}");
    }
}

/// A chunk that ends a JSON line (a watch event, a log record) goes out whole although live
/// credentials are in play: no credential holds `}` or a line end, so no occurrence can be cut
/// there. A chunk that ends inside a run of credential bytes holds that run back.
#[test]
fn a_chunk_ending_at_a_byte_no_credential_holds_is_not_held_back() {
    let p = ScrubPolicy::default();
    let value = "Zq8Rt3Wv6Yb1-Nm4Kp7Hs2";
    let set = live(&[LIVE, value]);
    let event = "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Pod\",\"name\":\"web-7d4b9\"}}\n";
    let mut s = p.scrubber(set.clone());
    let out = s.push(Some(event.as_bytes()), false).unwrap();
    assert_eq!(out.unwrap_or_default(), event.as_bytes());
    let mut s = p.scrubber(set);
    let cut = format!("{{\"name\":\"web-7d4b9\",\"v\":\"{}", &value[..10]);
    let out = s.push(Some(cut.as_bytes()), false).unwrap();
    assert_eq!(
        out.unwrap_or_default(),
        "{\"name\":\"web-7d4b9\",\"v\":\"".as_bytes()
    );
}

/// Bodies built to be slow (an anchor repeated inside a run of its token's bytes, where each
/// candidate walks up to its rule's longest run): the same output however they are chunked,
/// and a real token after the repeats still redacted whole. `sk-proj-` found the window-edge
/// bug (`the_end_of_the_bytes_so_far_is_not_the_end_of_the_input`).
#[test]
fn anchors_repeated_inside_their_own_runs_scrub_alike_in_every_chunking() {
    let p = ScrubPolicy::default();
    let set = live(&[LIVE]);
    let token = "glpat-Q7vL4nR8sT1wY6zB3cF5";
    for piece in ["glpat-", "sk-", "xoxb-", "eyJ", "ghp_", "AIza", "sk-proj-"] {
        let body = format!("{} {token} {}", piece.repeat(300), piece.repeat(40));
        let b = body.as_bytes();
        let (whole, _) = run(&p, &set, &[b]);
        let out = String::from_utf8(whole.clone()).unwrap();
        assert!(out.contains(" [REDACTED:gitlab_token] "), "{piece}: {out}");
        for step in [1, 7, 64, 1000] {
            let chunks: Vec<&[u8]> = b.chunks(step).collect();
            assert_eq!(
                run(&p, &set, &chunks).0,
                whole,
                "{piece} in pieces of {step}"
            );
        }
    }
}

/// A regex rule's window in view exactly, with more input to come: the end of the bytes so
/// far is not the end of the input, and `$` must not match there. It did (for rules whose
/// regex may end at `$`, searched with their upper bounds relaxed): in 1-byte chunks,
/// `sk-proj-` and a long run became an OpenAI key ending at the 263rd byte, and the GitHub
/// token that run led into was cut by that false match, its last 26 characters sent in clear.
#[test]
fn the_end_of_the_bytes_so_far_is_not_the_end_of_the_input() {
    let p = ScrubPolicy::default();
    let set = live(&[LIVE]);
    let gh = gh_token();
    let body = format!("sk-proj-{}-{gh} end", "A".repeat(240));
    let b = body.as_bytes();
    let (whole, _) = run(&p, &set, &[b]);
    let want = format!("sk-proj-{}-[REDACTED:github_token] end", "A".repeat(240));
    assert_eq!(String::from_utf8(whole.clone()).unwrap(), want);
    for step in [1, 2, 3, 263] {
        let chunks: Vec<&[u8]> = b.chunks(step).collect();
        assert_eq!(run(&p, &set, &chunks).0, whole, "in pieces of {step}");
    }
}

mod long_values;

/// A long run of key bytes holding a keyword's anchor (a base64url blob with `oken` in it) is
/// passed on as it comes: no candidate waits for the run's end, which once failed bodies with
/// runs past the hold-back cap, and the assignment after it is still found.
#[test]
fn a_long_run_holding_a_keyword_is_not_held_back() {
    let blob = "oken".repeat(50_000);
    let body = format!("x={blob} password=Tr0ub4dor&3x\n");
    let mut s = ScrubPolicy::default().scrubber(live(&[]));
    let (sent, failed) = push_until_failure(&mut s, body.as_bytes());
    assert!(!failed);
    assert!(
        sent.len() >= blob.len(),
        "the run was held back: {} bytes sent",
        sent.len()
    );
    let (out, _) = run(&ScrubPolicy::default(), &live(&[]), &[body.as_bytes()]);
    assert!(
        out.ends_with(b"password=[REDACTED:password]&3x\n"),
        "{:?}",
        String::from_utf8_lossy(&out[out.len() - 40..])
    );
}
