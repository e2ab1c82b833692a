//! Placeholders: which values are, and that the fast part search finds what a naive one does.

use proptest::prelude::*;

use super::*;

#[test]
fn placeholder_words_fit_the_length_mask() {
    assert!(PLACEHOLDER_WORDS.iter().all(|w| w.len() < 31));
}

#[test]
fn placeholders() {
    for p in [
        "****",
        "xxxxxxxx",
        "${DB_PASS}",
        "<your-key>",
        "sk_live_<key>",
        "<%= ENV['API_KEY'] %>",
        "<input",
        "YOUR_KEY>",
        "changeme",
        "null",
        "EXAMPLE1",
    ] {
        assert!(is_placeholder(p.as_bytes()), "{p}");
    }
    // One angle bracket amid other bytes is a symbol of the secret, or a `>` before a `<`.
    for s in [
        "s3cr3t-Value-9",
        "hunter22",
        "Qx|8f<tG-2!mZp#9@vLr^5sW&kN*7yB",
        "Tr0ub>dor&3",
        "aB3>x9<Qz",
    ] {
        assert!(!is_placeholder(s.as_bytes()), "{s}");
    }
}

/// Past 64 bytes `xxxx` alone does not make a placeholder (a long random value holds it by
/// chance), unless x is a quarter of the value; other parts still do at any length.
#[test]
fn long_values_are_placeholders_for_xxxx_only_when_mostly_x() {
    let random = "Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H".repeat(3);
    assert!(is_placeholder(format!("Zx81{}", "xxxx").as_bytes()));
    assert!(is_placeholder(format!("{}xxxx", &random[..60]).as_bytes()));
    for v in [
        format!("{}xxxx{}", &random[..40], &random[..40]),
        format!("{}XxXx", "Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H-_".repeat(160)),
    ] {
        assert!(!is_placeholder(v.as_bytes()), "{v:.80}");
    }
    for v in [
        format!("sk_live_{}", "x".repeat(80)),
        format!("{}{}", &random[..60], "x".repeat(20)),
        format!("{}{}", &random[..80], "example"),
        format!("{}...", &random[..80]),
    ] {
        assert!(is_placeholder(v.as_bytes()), "{v:.80}");
    }
}

#[test]
fn lower8_lowercases_every_byte_in_every_lane() {
    for b in 0..=255u8 {
        for lane in 0..8 {
            let mut w = [b'Q'; 8];
            w[lane] = b;
            let got = lower8(u64::from_le_bytes(w)).to_le_bytes();
            let mut want = w;
            want.make_ascii_lowercase();
            assert_eq!(got, want, "byte {b:#x} in lane {lane}");
        }
    }
}

/// Any part as a case-insensitive substring, or a `<` before a `>`, or `<` first or `>` last.
fn naive_has_part(t: &[u8]) -> bool {
    let opens = |i: usize| t[i] == b'<';
    t.first() == Some(&b'<')
        || t.last() == Some(&b'>')
        || (0..t.len()).any(|i| opens(i) && t[i..].contains(&b'>'))
        || (0..t.len()).any(|i| {
            PLACEHOLDER_PARTS.iter().any(|p| {
                t[i..].len() >= p.len() && t[i..i + p.len()].eq_ignore_ascii_case(p.as_bytes())
            })
        })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// Values built from pieces of parts (so that near misses and overlaps are common) and
    /// token bytes.
    #[test]
    fn part_search_equals_a_naive_search(
        pieces in proptest::collection::vec(
            proptest::prop_oneof![
                (0..PLACEHOLDER_PARTS.len(), 0usize..12, 1usize..12, proptest::bool::ANY)
                    .prop_map(|(k, from, len, upper)| {
                        let p = PLACEHOLDER_PARTS[k].as_bytes();
                        let from = from.min(p.len() - 1);
                        let mut v = p[from..(from + len).min(p.len())].to_vec();
                        if upper {
                            v.make_ascii_uppercase();
                        }
                        v
                    }),
                "[A-Za-z0-9_.<>*$%{-]{0,6}".prop_map(String::into_bytes),
            ],
            0..8,
        ),
    ) {
        let t = pieces.concat();
        proptest::prop_assert_eq!(has_placeholder_part(&t, ALL_PARTS), naive_has_part(&t));
    }
}

#[test]
fn words_past_the_end_are_zero_padded() {
    let bytes: Vec<u8> = (1..=20).collect();
    for len in 0..=bytes.len() {
        let t = &bytes[..len];
        for i in 0..=len + 8 {
            let mut want = [0u8; 8];
            for (k, w) in want.iter_mut().enumerate() {
                *w = t.get(i + k).copied().unwrap_or(0);
            }
            assert_eq!(word_at(t, i), u64::from_le_bytes(want), "len {len} at {i}");
        }
    }
}

#[test]
fn parts_are_found_at_every_offset_and_in_any_case() {
    let token = "Zx81Kq0PLm3N7vBt2YwR5";
    for part in PLACEHOLDER_PARTS.iter().chain(&["<key>", "<>"]) {
        for at in 0..=token.len() {
            for upper in [false, true] {
                let p = if upper {
                    part.to_ascii_uppercase()
                } else {
                    part.to_string()
                };
                let v = format!("{}{p}{}", &token[..at], &token[at..]);
                assert!(is_placeholder(v.as_bytes()), "{v}");
            }
        }
    }
}
