//! The direct matcher agrees with the regex engine, on every default rule it takes over, at every
//! position of generated inputs built from the rules' own anchors and delimiters.

use proptest::prelude::*;
use regex_automata::util::syntax;
use regex_automata::{meta, Anchored, Input};

use super::{Found, KnownRun, Simple, Skip};
use crate::scrub::rules::{Verify, DEFAULT_RULES};

fn config() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false)
}

type Case = (meta::Regex, Simple, Vec<&'static str>, usize, &'static str);

/// (regex, its simple matcher, its anchors, window, the regex's source) for every default rule
/// that has one.
fn simple_rules() -> &'static [Case] {
    static RULES: std::sync::OnceLock<Vec<Case>> = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        DEFAULT_RULES
            .iter()
            .filter_map(|r| {
                let re = r.verify.bounded()?;
                let hir = syntax::parse_with(re, &config()).unwrap();
                let window = hir.properties().maximum_len().unwrap() + 1;
                let simple = Simple::new(&hir)?;
                let meta = meta::Builder::new()
                    .syntax(config())
                    .configure(meta::Config::new().utf8_empty(false))
                    .build(re)
                    .unwrap();
                Some((meta, simple, r.anchors.to_vec(), window, re))
            })
            .collect()
    })
}

/// What the regex path reports: the first participating group, else the whole match.
fn by_regex(re: &meta::Regex, hay: &[u8], start: usize, window: usize) -> Option<(usize, usize)> {
    let input = Input::new(hay)
        .span(start..(start + window).min(hay.len()))
        .anchored(Anchored::Yes);
    let mut caps = re.create_captures();
    re.search_captures(&input, &mut caps);
    if !caps.is_match() {
        return None;
    }
    let span = (1..caps.group_len())
        .find_map(|g| caps.get_group(g))
        .or_else(|| caps.get_group(0))?;
    Some((span.start, span.end))
}

/// A verdict made with the rule's window in view (or at the end of the input), which must be
/// final.
fn decided(found: Found) -> Option<(usize, usize)> {
    assert_ne!(found, Found::More, "a walk with its window in view decides");
    found.secret().map(|r| (r.start, r.end))
}

#[test]
fn most_token_rules_take_the_direct_path() {
    let n = simple_rules().len();
    println!(
        "{n} of {} default rules match directly",
        DEFAULT_RULES.len()
    );
    assert!(n >= 18, "only {n} rules are simple");
    // Slack's literals (with the rotated `xoxe.xoxp-`) are written prefix-free for this.
    assert!(
        simple_rules().iter().any(|c| c.4.contains("xoxe\\.xoxp-")),
        "slack_token left to the regex engine"
    );
}

#[test]
fn shapes_that_need_backtracking_are_left_to_the_regex_engine() {
    for re in [
        r"a[a-z]{1,5}b{0,3}[a-z]",
        r"(a|ab)c",
        r"x(?:[a-c]|$)[a-c]{2,4}",
        // A run that takes a backslash, before an ending that may begin with one.
        r"x[a-z\\]{1,5}(?:[^a-z\\]|\\[^/]|$)",
        // An escaping run before a step that begins with a backslash.
        r"x(?:[a-z/]|\\/){1,5}\\n",
    ] {
        let hir = syntax::parse_with(re, &config()).unwrap();
        assert!(Simple::new(&hir).is_none(), "{re}");
    }
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[0-9A-Za-z]{0,70}",
        2 => "[0-9a-f]{1,70}",
        2 => proptest::sample::select(vec![
            ".", "-", "_", ":", "@", "/", "=", " ", "\"", "'", "\n", "+", "%3D", ".eyJ", "://", "==",
            // JSON string escapes: a slash (`\/`), and others a token may run into.
            "\\/", "\\", "\\n", "\\\"", ":\\/\\/", "\\u002B", "\\u0026", "\\u00",
        ])
        .prop_map(str::to_string),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn direct_matches_equal_regex_matches(
        rule in any::<proptest::sample::Index>(),
        anchor in any::<proptest::sample::Index>(),
        head in proptest::collection::vec(piece(), 0..3),
        tail in proptest::collection::vec(piece(), 0..8),
        eof in any::<bool>(),
    ) {
        let rules = simple_rules();
        let (re, simple, anchors, window, _) = &rules[rule.index(rules.len())];
        let mut s = head.concat();
        s.push_str(anchors[anchor.index(anchors.len())]);
        s.push_str(&tail.concat());
        let hay = s.as_bytes();
        // Walked from every position in turn, as a stream walks its candidates, remembering
        // runs (the walk asserts that each remembered run is the run a fresh walk finds).
        let mut known = KnownRun::default();
        for start in 0..hay.len() {
            if !eof && start + window > hay.len() {
                break;
            }
            let want = by_regex(re, hay, start, *window);
            let got = decided(simple.find(hay, start, eof));
            // At the end of a chunk (not eof) `$` cannot match: the regex engine sees the same.
            prop_assert_eq!(got, want, "rule {:?} at {} in {:?}", re, start, s);
            let remembered = decided(simple.find_known(hay, start, eof, Skip::NONE, &mut known));
            prop_assert_eq!(remembered, want, "remembering runs, at {} in {:?}", start, s);
            // Where an anchor is, skipping the steps it proves changes nothing.
            for a in anchors {
                if hay[start..].starts_with(a.as_bytes()) {
                    let skip = simple.skip_for(a.as_bytes());
                    let skipped = decided(simple.find_from(hay, start, eof, skip));
                    prop_assert_eq!(skipped, want, "anchor {:?} at {} in {:?}", a, start, s);
                    // Cut short anywhere after the anchor, the walk waits or already says what
                    // it says with everything in view.
                    for cut in start + a.len()..hay.len() {
                        let early = simple.find_from(&hay[..cut], start, false, skip);
                        if early != Found::More {
                            prop_assert_eq!(
                                early.secret().map(|r| (r.start, r.end)), want,
                                "cut at {} after anchor {:?} at {} in {:?}", cut, a, start, s
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Case-insensitive words become one folded literal (never across the secret's edges), and
/// still agree with the regex in every case mix and near miss.
#[test]
fn case_insensitive_words_fold_into_one_literal() {
    for (re, folds) in [
        (r"(?i:bearer)[ \t]{1,4}([0-9a-z]{2,8})(?:[^0-9a-z]|$)", 1),
        (r"(?i:ab)((?i:cd)-[0-9]{2})", 2),
        (r"x(?i:y)([0-9]{2})", 0),
    ] {
        let hir = syntax::parse_with(re, &config()).unwrap();
        let simple = Simple::new(&hir).unwrap();
        let n = simple
            .steps
            .iter()
            .filter(|s| matches!(s, super::Step::Fold(_)))
            .count();
        assert_eq!(n, folds, "{re}: {:?}", simple.steps);
        let meta = meta::Builder::new()
            .syntax(config())
            .configure(meta::Config::new().utf8_empty(false))
            .build(re)
            .unwrap();
        let window = hir.properties().maximum_len().unwrap() + 1;
        for hay in [
            "Bearer ab12 ",
            "bEaReR\tzz",
            "BEARER  q",
            "beare x1234",
            "bearex ab12",
            "abCD-12",
            "ABcd-1",
            "aBcD-99x",
            "xY12",
            "xy1",
        ] {
            let hay = hay.as_bytes();
            for start in 0..hay.len() {
                let want = by_regex(&meta, hay, start, window);
                let got = decided(simple.find(hay, start, true));
                assert_eq!(got, want, "{re} at {start} in {:?}", hay);
            }
        }
    }
}
/// Rules whose runs take JSON escapes (`\/`, `\u002B`) agree with the regex engine on tokens
/// with escapes at their start, middle and end, around the run bounds, and before every kind of
/// ending: a quote, another escape (`\n`, `\"`, `\u0026`), an escape cut short, the end of
/// the input.
#[test]
fn escaped_slashes_agree_with_the_regex() {
    let alnum = "Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2m".repeat(4);
    let mut escaping = 0;
    for (re, simple, anchors, window, src) in simple_rules() {
        if !src.contains(r"\\/") {
            continue;
        }
        escaping += 1;
        for anchor in anchors {
            // Around the bounds: `whsec_`'s 128 (with `services` before the body) is where a run
            // stops before an escape it could take, and only the ending decides.
            for len in [2, 5, 7, 19, 23, 40, 85, 86, 90, 119, 120, 121, 128] {
                for sep in ["\\/", "/", "", "\\/\\/", "\\u002B", "\\u002b\\/", "+"] {
                    for end in [
                        "", "\"", "\\n", "\\\"", "\\/", "\\", "==", "== ", " ", "\\u002B",
                        "\\u0026", "\\u002", "\\u00", "\\u", "\\u002x", "\\u003c/",
                    ] {
                        let body = &alnum[..len];
                        let (a, b) = body.split_at(len / 3);
                        for token in [
                            format!("{a}{sep}{b}"),
                            format!("{sep}{body}"),
                            format!("{body}{sep}"),
                        ] {
                            let s = format!("x {anchor}services{sep}{token}{end}");
                            let hay = s.as_bytes();
                            for eof in [true, false] {
                                for start in 0..hay.len() {
                                    if !eof && start + window > hay.len() {
                                        break;
                                    }
                                    let want = by_regex(re, hay, start, *window);
                                    let got = decided(simple.find(hay, start, eof));
                                    assert_eq!(got, want, "{src} at {start} in {s:?} (eof {eof})");
                                    // A final backslash may begin `\/`: cut anywhere, the walk
                                    // waits or says the same.
                                    for cut in (start + 1..hay.len())
                                        .filter(|_| eof && (start == 2 || want.is_some()))
                                    {
                                        let early = simple.find(&hay[..cut], start, false);
                                        assert!(
                                            early == Found::More
                                                || early.secret().map(|r| (r.start, r.end)) == want,
                                            "{src} cut at {cut}, from {start} in {s:?}"
                                        );
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        escaping >= 5,
        "only {escaping} direct rules take escaped slashes"
    );
}

/// A run that takes both member escapes, before an ending that takes any other escape.
const ESCAPING: &str = r"k((?:[a-z/+]|\\/|\\u002[bB]){2,6})(?:[^a-z/+\\]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)";

/// Every kind of step, cut short at every byte: the walk waits, or already says what it says on
/// the whole input. And it does decide early: a short token is settled once its terminator is in
/// view, long before the rule's longest match is.
#[test]
fn cut_short_walks_wait_or_decide_finally() {
    for (re, hays) in [
        (
            r"ab[cd]([0-9]{2,4})\b",
            &["abc12 x", "abd1234", "abx12", "ab", "abc1", "abc12345"][..],
        ),
        (
            r"x(?:foo|bar)([0-9]{2,40})(?:[^0-9]|$)",
            &[
                "xfoo12\"}",
                "xbar1",
                "xbaz12",
                "xfo",
                "xfoo12345678901234567890;x",
            ],
        ),
        (
            r"(?i:bearer)[ \t]{1,4}([0-9a-z]{2,80})(?:[^0-9a-z]|$)",
            &["Bearer ab12\"", "bEaRe", "BEARER\t\tq9", "beare x"],
        ),
        (r"x[ab]?y([0-9]{1,9})", &["xay1", "xy12", "xcy1", "x"]),
        (
            ESCAPING,
            &[
                r"kab\/cd\n",
                r"kab\/cd\",
                r"kab\",
                r"k\/\/\",
                r"kabc\/",
                "kab\"x",
                r"kab\u002Bcd\u0026",
                r"kab\u002bc\u002",
                r"kab\u00",
                r"kab\u002x",
                // The run is full: the final backslash is the ending's.
                r"kabcdef\",
                r"kabcdef\u002",
            ],
        ),
    ] {
        let hir = syntax::parse_with(re, &config()).unwrap();
        let simple = Simple::new(&hir).unwrap_or_else(|| panic!("{re} is simple"));
        let mut early = 0;
        // Each as the whole input, and followed by one more byte.
        for hay in hays.iter().flat_map(|h| [h.to_string(), format!("{h} ")]) {
            let hay = hay.as_bytes();
            for start in 0..hay.len() {
                let want = simple.find(hay, start, true);
                assert_ne!(want, Found::More);
                for cut in start..=hay.len() {
                    let got = simple.find(&hay[..cut], start, false);
                    assert!(
                        got == Found::More || got == want,
                        "{re}: {got:?} cut at {cut}, {want:?} from {start} in {hay:?}"
                    );
                    early += usize::from(matches!(got, Found::Secret(_)));
                }
            }
        }
        assert!(early > 0, "{re}: no match decided before the end");
    }
}

/// Every default rule the direct matcher takes that has a long form (`Bearer`), with its long
/// regex.
fn rules_with_long_forms() -> Vec<(Simple, meta::Regex, Vec<&'static str>)> {
    DEFAULT_RULES
        .iter()
        .filter_map(|r| {
            let Verify::Keyword {
                bounded: re, long, ..
            } = r.verify
            else {
                return None;
            };
            let simple = Simple::new(&syntax::parse_with(re, &config()).unwrap())?;
            let long = meta::Builder::new()
                .syntax(config())
                .configure(meta::Config::new().utf8_empty(false))
                .build(long)
                .unwrap();
            Some((simple, long, r.anchors.to_vec()))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Wherever a rule's long form takes a value longer than its bounded form can, the walk says
    /// so (`Capped`) or matches: a walk that says `No` is never followed by the long form, so
    /// this is what keeps a long `Bearer` value from going out.
    #[test]
    fn a_value_only_the_long_form_takes_is_capped(
        rule in 0..rules_with_long_forms().len(),
        blanks in prop_oneof![Just(" "), Just("\t"), Just("  "), Just("     ")],
        len in prop_oneof![0usize..20, 4080usize..4110, 4090usize..5000],
        member in prop_oneof![Just("a"), Just("Z9"), Just("\\/"), Just("\\u002B"), Just("-._~+/")],
        tail in prop_oneof![
            Just(""), Just(" "), Just("\""), Just("="), Just("=="), Just("==="), Just("\\n"),
            Just("\\u002"), Just("<"), Just("a"), Just("\\/"), Just("\\u002B"),
        ],
    ) {
        let (simple, long, anchors) = &rules_with_long_forms()[rule];
        let value: String = member.repeat(len / member.len() + 1);
        let hay = format!("{}{blanks}{}{tail}", anchors[0].trim_end(), &value[..len]);
        let found = simple.find_from(hay.as_bytes(), 0, true, Skip::NONE);
        let input = Input::new(hay.as_bytes()).anchored(Anchored::Yes);
        let mut caps = long.create_captures();
        long.search_captures(&input, &mut caps);
        let longer = caps.get_group(1).is_some_and(|g| g.len() > crate::scrub::rules::KEYWORD_VALUE_MAX);
        if longer {
            prop_assert!(
                matches!(found, Found::Capped | Found::Secret(_)),
                "{found:?} for {:.40}… ({} bytes)", hay, hay.len()
            );
        }
        if found == Found::Capped {
            prop_assert!(len >= 4096 || blanks.len() > 4 || tail.starts_with("==="), "{hay:.60}");
        }
    }
}

/// Values of 4,093 to 4,099 bytes in every member and ending: where the bound cuts the run at
/// an escape or just before the padding (which the generated cases above rarely hit).
#[test]
fn values_at_the_bound_are_capped_wherever_the_long_form_takes_them() {
    let (simple, long, _) = &rules_with_long_forms()[0];
    let mut caps = long.create_captures();
    for len in 4093..=4099 {
        for member in ["a", "\\/", "\\u002b"] {
            for tail in [
                "", " ", "a", "\\/", "\\u002B", "=", "==", "===", "\\n", "\"",
            ] {
                let mut value = "a".repeat(len - 1);
                value.push_str(member);
                let hay = format!("Bearer {value}{tail}");
                let found = simple.find_from(hay.as_bytes(), 0, true, Skip::NONE);
                long.search_captures(
                    &Input::new(hay.as_bytes()).anchored(Anchored::Yes),
                    &mut caps,
                );
                let longer = caps
                    .get_group(1)
                    .is_some_and(|g| g.len() > crate::scrub::rules::KEYWORD_VALUE_MAX);
                assert!(
                    !longer || matches!(found, Found::Capped | Found::Secret(_)),
                    "{found:?}: {len} bytes, then {member:?} and {tail:?}"
                );
            }
        }
    }
}

/// A `Bearer` followed by a word in prose is turned down by the walk alone.
#[test]
fn short_bearer_words_are_not_capped() {
    let (simple, _, _) = &rules_with_long_forms()[0];
    for hay in [
        "Bearer Bearer ",
        "Bearer token",
        "Bearer <token>",
        "bearer abc def",
    ] {
        let found = simple.find_from(hay.as_bytes(), 0, true, Skip::NONE);
        assert_eq!(found, Found::No, "{hay}");
    }
    let long = format!("Bearer {}", "a".repeat(5000));
    let found = simple.find_from(long.as_bytes(), 0, true, Skip::NONE);
    assert_eq!(found, Found::Capped);
}

/// Anchors repeated inside a run of their own token's class (`-eyJ-eyJ…`): every anchor is a
/// candidate whose run goes on to the rule's maximum. Remembering the run walks each byte about
/// once per rule, where a walk from every anchor went over up to 1,024 bytes for each 4.
#[test]
fn anchors_inside_their_own_run_walk_each_byte_once() {
    let rules = simple_rules();
    for piece in ["-eyJ", "sk-", "glpat-", "xoxb-", "-pypi-AgEIcHlwaS5vcmc"] {
        let hay = piece.repeat(40_000 / piece.len());
        let hay = hay.as_bytes();
        let mut walked_by_some = false;
        for (_, simple, anchors, _, re) in rules {
            let mut known = KnownRun::default();
            for a in anchors.iter().filter(|a| piece.contains(*a)) {
                let skip = simple.skip_for(a.as_bytes());
                let mut at = 0;
                while let Some(p) = memchr::memmem::find(&hay[at..], a.as_bytes()) {
                    let found = simple.find_known(hay, at + p, true, skip, &mut known);
                    let fresh = simple.find_from(hay, at + p, true, skip);
                    assert_eq!(found, fresh, "{re} at {} in {piece:?}s", at + p);
                    at += p + 1;
                }
            }
            walked_by_some |= known.walked > 0;
            assert!(
                known.walked <= 2 * hay.len(),
                "{re}: {} bytes walked over {} of {piece:?}",
                known.walked,
                hay.len()
            );
        }
        assert!(
            walked_by_some,
            "no rule with a remembered run is anchored in {piece:?}"
        );
    }
}
