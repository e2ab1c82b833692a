//! Long values: keyword values up to the scrub cap redacted whole in every form of assignment
//! and chunking, the bound on what the bounded keyword regexes take, and failing closed past
//! the cap.

use super::*;

/// A long value that happens to hold `xxxx` (about one random 2.5 KB value in 400) is a secret,
/// not a placeholder: it was let through whole before.
#[test]
fn long_values_holding_xxxx_are_redacted() {
    let p = ScrubPolicy::default();
    let set = live(&[]);
    let value = format!(
        "{}xXxX{}",
        "Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H-_".repeat(40),
        "Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H-_".repeat(40)
    );
    for body in [
        format!(r#"{{"password": "{value}"}}"#),
        format!(r#"{{"Authorization": "Bearer {value}"}}"#),
    ] {
        let (out, counts) = run(&p, &set, &[body.as_bytes()]);
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains("xXxX"), "{out:.200}");
        assert_eq!(counts.total(), 1, "{out:.200}");
    }
}

/// Keyword values of any length up to the cap (a long client secret, an opaque token) are
/// redacted whole, in every form of assignment, and the same however the body is cut: past
/// 4 KiB by the keyword rules' second regex (the 4 KiB limit before let such values through).
#[test]
fn long_keyword_values_are_redacted_whole() {
    let p = ScrubPolicy::default();
    let set = live(&[]);
    let value = |n: usize| -> String {
        (0..n)
            .map(|i| char::from(b"Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H-_"[i * 7 % 32]))
            .collect()
    };
    for n in [3000, 4097, 9000, 60_000] {
        let value = value(n);
        for (key, body) in [
            (
                "password",
                format!(r#"{{"password": "{value}", "next": 1}}"#),
            ),
            (
                "client_secret",
                format!(r#"{{"client_secret": "{value}", "next": 1}}"#),
            ),
            ("api_key", format!("x=1&api_key={value}&next=1")),
            (
                "access_token",
                format!("<r><access_token>{value}</access_token></r>"),
            ),
            ("secret", format!("{{'secret': '{value}', 'next': 1}}")),
            (
                "bearer",
                format!(r#"{{"Authorization": "Bearer {value}", "next": 1}}"#),
            ),
            (
                "escaped xml",
                format!(r#"{{"b": "\u003caccess_token\u003e{value}\u003c/access_token\u003e"}}"#),
            ),
            (
                "html xml",
                format!("<pre>&lt;access_token&gt;{value}&lt;/access_token&gt;</pre>"),
            ),
            (
                "html json",
                format!(
                    r#"<div data-p="{{&quot;secret&quot;:&quot;{value}&quot;,&quot;n&quot;:1}}">"#
                ),
            ),
            (
                "html json, decimal quotes",
                format!(r#"<div data-p="{{&#34;secret&#34;:&#34;{value}&#34;,&#34;n&#34;:1}}">"#),
            ),
            (
                "python repr in html",
                format!("<pre>{{&#x27;secret&#x27;: &#x27;{value}&#x27;, &#x27;n&#x27;: 1}}</pre>"),
            ),
            (
                "python repr in html, a single quote in the value",
                format!(
                    "<pre>{{&#x27;secret&#x27;: &quot;{}&#x27;{}&quot;, &#x27;n&#x27;: 1}}</pre>",
                    &value[..n / 2],
                    &value[n / 2..]
                ),
            ),
            (
                "python repr in html, entities in the value",
                format!(
                    "<pre>{{&#x27;secret&#x27;: &#x27;{}&amp;{}&#x27;, &#x27;n&#x27;: 1}}</pre>",
                    &value[..n / 2],
                    &value[n / 2..]
                ),
            ),
        ] {
            let b = body.as_bytes();
            let (whole, counts) = run(&p, &set, &[b]);
            let whole = String::from_utf8(whole).unwrap();
            assert!(!whole.contains(&value[..64]), "{key} {n}: {whole:.200}");
            assert!(!whole.contains(&value[n - 64..]), "{key} {n}: {whole:.200}");
            assert!(whole.len() < 200, "{key} {n}: {whole:.200}");
            assert_eq!(counts.total(), 1, "{key} {n}");
            for cut in (0..b.len()).step_by(b.len() / 4 + 1) {
                let (out, _) = run(&p, &set, &split_at_cuts(b, [cut, cut + 4100]));
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    whole,
                    "{key} {n}, cut at {cut}"
                );
            }
        }
    }
}

/// Long values arriving a few bytes at a time (a slow or hostile upstream) come out as they do
/// whole. Each piece goes on with the waiting value's walk (see `held`) instead of walking it
/// from its key again, which made 64-byte pieces of 40 KB values cost ~800x clean JSON.
#[test]
fn long_values_in_small_pieces_are_redacted_as_whole() {
    let p = ScrubPolicy::default();
    let set = live(&[]);
    for n in [9000, 40_000] {
        let value: String = (0..n)
            .map(|i| char::from(b"Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H-_"[i * 7 % 32]))
            .collect();
        for body in [
            format!(r#"{{"password": "{value}", "next": 1}}"#),
            format!(r#"{{"Authorization": "Bearer {value}", "next": 1}}"#),
            format!("<r><access_token>{value}</access_token></r>"),
            format!(r#"<div data-p="{{&quot;secret&quot;:&quot;{value}&quot;,&quot;n&quot;:1}}">"#),
        ] {
            let b = body.as_bytes();
            let (whole, counts) = run(&p, &set, &[b]);
            assert_eq!(counts.total(), 1, "{n}: {:.60}", body);
            assert!(!whole.windows(64).any(|w| w == &value.as_bytes()[..64]));
            for piece in [61, 997] {
                let pieces: Vec<&[u8]> = b.chunks(piece).collect();
                let (out, _) = run(&p, &set, &pieces);
                assert_eq!(out, whole, "{n} in {piece}-byte pieces: {:.60}", body);
            }
        }
    }
}

/// The long-value path keeps only values longer than `KEYWORD_VALUE_MAX`, trusting the bounded
/// regex with the rest: were the two limits to part, values between them would be redacted by
/// neither. Every repetition in a bounded regex that can hold a value (an upper bound past 8) is
/// bounded at the constant.
#[test]
fn long_value_rules_bound_their_values_at_keyword_value_max() {
    let mut rules = Vec::new();
    for r in super::rules::DEFAULT_RULES {
        if let super::rules::Verify::Keyword { bounded, .. } = r.verify {
            // A run of blanks holds no value (an argument list's, before PHP's aligned values).
            let bounds: Vec<usize> = bounded
                .split(',')
                .zip(bounded.split(',').skip(1))
                .filter(|(before, _)| !before.ends_with(r"[ \t]{0"))
                .filter_map(|(_, rest)| rest.split_once('}')?.0.parse().ok())
                .filter(|&max| max > 8)
                .collect();
            assert!(!bounds.is_empty(), "{}", r.kind);
            for max in bounds {
                // A long option's bare value is its first unit and up to 4,095 more.
                let units = [max, max + 1];
                assert!(
                    units.contains(&super::rules::KEYWORD_VALUE_MAX),
                    "{}: {max}",
                    r.kind
                );
            }
            rules.push(r.kind);
        }
    }
    rules.sort_unstable();
    assert_eq!(
        rules,
        [
            "api_key",
            "bearer_token",
            "key",
            "password",
            "private_key",
            "secret",
            "token"
        ]
    );
}

/// A keyword value still going at the 64 KiB cap fails the body closed, with none of it sent;
/// one cut off by the end of the body is redacted to the end.
#[test]
fn keyword_values_past_the_cap_fail_closed() {
    let p = ScrubPolicy::default();
    for key in [&br#"{"password": ""#[..], b"Authorization: Bearer "] {
        let mut s = p.scrubber(live(&[]));
        let mut body = key.to_vec();
        body.extend(std::iter::repeat_n(b'Q', HARD_CAP + 10));
        let (leaked, failed) = push_until_failure(&mut s, &body);
        assert!(failed && s.failed());
        assert!(
            !leaked.contains(&b'Q'),
            "no part of the value before failing"
        );
    }

    let mut body = b"password=".to_vec();
    body.extend((0..5000).map(|i| b"Qz8Kw3"[i % 6]));
    let (out, counts) = run(&p, &live(&[]), &split_at_cuts(&body, [2000, 4500]));
    assert_eq!(
        String::from_utf8_lossy(&out[..out.len().min(80)]),
        "password=[REDACTED:password]"
    );
    assert_eq!(counts.total(), 1);

    // The unbounded regex takes values of any length; what the bounded one turned down as too
    // short stays as it is, at the end of the input too.
    for body in [
        &b"password=ab"[..],
        br#"{"password": "ab"}"#,
        b"token: abc",
        b"Bearer realm",
    ] {
        let (out, counts) = run(&p, &live(&[]), &[body]);
        assert_eq!(out, body);
        assert_eq!(counts.total(), 0);
    }
}

/// JSON inside a JSON string (a log line's message, a queued job's payload, an API that returns
/// a document as a string): the value's quotes are escaped too, `{\"password\": \"…\"}`, and
/// the value may hold escapes of its own (`\\\"` is an escaped quote inside it). Redacted whole,
/// in every chunking.
#[test]
fn keyword_values_in_json_inside_a_json_string_are_redacted() {
    let p = ScrubPolicy::default();
    let set = live(&[]);
    for (value, body) in [
        (
            "hunter2-Tr0ub4dor",
            r#"{"log":"{\"user\":\"ann\",\"password\": \"hunter2-Tr0ub4dor\",\"n\":1}"}"#,
        ),
        (
            r#"q\\\"uo\\\\te\/d"#,
            r#"{"log":"{\"password\":\"q\\\"uo\\\\te\/d\"}"}"#,
        ),
        (
            "Zx81Kq0PLm3N7vBt2YwR",
            r#"["{\"api_key\": \"Zx81Kq0PLm3N7vBt2YwR\"}"]"#,
        ),
    ] {
        let want = body.replacen(value, "[REDACTED:", 1);
        let (out, counts) = run(&p, &set, &[body.as_bytes()]);
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.starts_with(&want[..want.find("[REDACTED:").unwrap() + 10]),
            "{out}"
        );
        assert!(!out.contains(value), "{out}");
        assert_eq!(counts.total(), 1, "{out}");
        for cut in 0..body.len() {
            let (split, _) = run(
                &p,
                &set,
                &[&body.as_bytes()[..cut], &body.as_bytes()[cut..]],
            );
            assert_eq!(String::from_utf8(split).unwrap(), out, "cut at {cut}");
        }
    }
}
