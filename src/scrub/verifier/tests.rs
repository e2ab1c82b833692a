//! Verifiers: every regex rule settles early within its cache budget, bounds are relaxed only
//! where that is exact, and a keyword rule's values found from opener and closer are what its
//! full regex finds.

use proptest::prelude::*;

use super::{
    compile_regex, hybrid, relax_bounds, syntax_config, thompson, Caches, RegexVerifier, Verifier,
    LAZY_CACHE,
};
use crate::scrub::rules::{Verify, DEFAULT_RULES};

/// Without its lazy DFA a regex rule would still be right, but every candidate would wait
/// for its whole window again: each regex-decided default rule has one.
#[test]
fn every_regex_rule_settles_early_within_the_cache_budget() {
    let mut regex_rules = 0;
    for r in DEFAULT_RULES {
        let Some(re) = r.verify.bounded() else {
            continue;
        };
        if let (Verifier::Regex(rv), _) = compile_regex(re).unwrap() {
            regex_rules += 1;
            assert!(rv.lazy.is_some(), "{}", r.kind);
            // The meta regex builds its lazy DFAs only when they fit the budget (or it
            // falls back to slower engines): they do, forward and reverse.
            for reverse in [false, true] {
                let fits = hybrid::dfa::Builder::new()
                    .configure(hybrid::dfa::Config::new().cache_capacity(LAZY_CACHE))
                    .syntax(syntax_config())
                    .thompson(thompson::Config::new().utf8(false).reverse(reverse))
                    .build(&relax_bounds(re));
                assert!(fits.is_ok(), "{} (reverse {reverse})", r.kind);
            }
        }
    }
    assert!(regex_rules >= 10, "{regex_rules}");
}

/// A long value that waits is walked by its unbounded regex's lazy DFA (`runs_to_end`), whose
/// saved state is dropped whenever the cache is cleared: every unbounded regex has one, and
/// its cache fits the budget, so the walks do not restart from the key at every chunk.
#[test]
fn every_unbounded_regex_walks_within_the_cache_budget() {
    assert_eq!(long_regexes().count(), long_verifiers().len());
    for ((kind, v), long) in long_verifiers().iter().zip(long_regexes()) {
        assert!(v.lazy.is_some(), "{kind}");
        let fits = hybrid::dfa::Builder::new()
            .configure(hybrid::dfa::Config::new().cache_capacity(LAZY_CACHE))
            .syntax(syntax_config())
            .thompson(thompson::Config::new().utf8(false))
            .build(long);
        assert!(fits.is_ok(), "{kind}");
    }
    assert_eq!(long_verifiers().len(), 7);
}

/// The unbounded regex of every `Keyword` rule, in [`long_verifiers`]' order.
fn long_regexes() -> impl Iterator<Item = &'static str> {
    DEFAULT_RULES.iter().filter_map(|r| match r.verify {
        Verify::Keyword { long, .. } => Some(long),
        _ => None,
    })
}

#[test]
fn relaxed_bounds_only_touch_large_counted_repetitions() {
    assert_eq!(
        super::relax_bounds(r"a{8,4096}b{2,8}c\{1,100}[,]{3,64}"),
        r"a{8,}b{2,8}c\{1,100}[,]{3,}"
    );
}

/// A keyword rule's bounded and unbounded verifiers, each with and without its openers.
struct KeywordVerifiers {
    kind: &'static str,
    with: RegexVerifier,
    without: RegexVerifier,
    /// The bounded regex's longest match.
    max: usize,
    long_with: RegexVerifier,
    long_without: RegexVerifier,
}

/// Every keyword rule's [`KeywordVerifiers`], built once for the property test's thousands of
/// cases.
fn keyword_verifiers() -> &'static [KeywordVerifiers] {
    static ALL: std::sync::OnceLock<Vec<KeywordVerifiers>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        verifiers_with_openers(|v| match *v {
            Verify::Keyword {
                bounded,
                long,
                openers: Some(openers),
            } => Some((bounded, long, openers)),
            _ => None,
        })
    })
}

/// Every named-value rule's [`KeywordVerifiers`] (`rules/named_value.rs`).
fn named_verifiers() -> &'static [KeywordVerifiers] {
    static ALL: std::sync::OnceLock<Vec<KeywordVerifiers>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        verifiers_with_openers(|v| match *v {
            Verify::NamedValue {
                bounded,
                long,
                openers: Some(openers),
            } => Some((bounded, long, openers)),
            _ => None,
        })
    })
}

/// [`KeywordVerifiers`] for every default rule whose bounded, long and openers regexes `pick`
/// gives.
#[allow(clippy::type_complexity)]
fn verifiers_with_openers(
    pick: fn(&Verify) -> Option<(&'static str, &'static str, &'static str)>,
) -> Vec<KeywordVerifiers> {
    DEFAULT_RULES
        .iter()
        .filter_map(|r| {
            let (bounded, long, openers) = pick(&r.verify)?;
            let regex = || match compile_regex(bounded).unwrap() {
                (Verifier::Regex(rv), max) => (rv, max),
                _ => panic!(
                    "{}: a keyword rule's bounded regex is no direct matcher",
                    r.kind
                ),
            };
            let with_openers = |mut rv: RegexVerifier| {
                rv.capture_forms_with(openers)
                    .unwrap_or_else(|e| panic!("{}: {e}", r.kind));
                rv
            };
            let ((with, max), (without, _)) = (regex(), regex());
            Some(KeywordVerifiers {
                kind: r.kind,
                with: with_openers(with),
                without,
                max,
                long_with: with_openers(RegexVerifier::unbounded(long).unwrap()),
                long_without: RegexVerifier::unbounded(long).unwrap(),
            })
        })
        .collect()
}

/// The match over all of `hay` and its secret, with a fresh cache.
fn secret_and_end(v: &RegexVerifier, hay: &[u8]) -> Option<(std::ops::Range<usize>, usize)> {
    let mut caches = Caches::default();
    let cache = caches.get(0, v);
    let m = v.find_match(hay, 0..hay.len(), cache)?;
    Some((v.secret_of_match(hay, 0..hay.len(), m, cache)?, m.end()))
}

/// The secret `find` reports at the start of `hay`, with a fresh cache.
fn secret(v: &RegexVerifier, hay: &[u8], max: usize) -> Option<std::ops::Range<usize>> {
    let mut caches = Caches::default();
    v.find(hay, 0..hay.len().min(max), None, caches.get(0, v))
}

/// Each form of assignment: its value is found from its opener and closer, as the general
/// search finds it.
#[test]
fn every_form_of_assignment_has_its_value_found_from_opener_and_closer() {
    let value = "Zx81Kq0PLm3N7vBt2YwR";
    let forms = [
        format!(r#"password": "{value}","#),
        format!(r#"PASSWORD='{value}'"#),
        format!("passwd => {value};"),
        format!("passphrase={value}"),
        format!("password>{value}</password>"),
        format!(r"password\u003e{value}\u003c/password"),
        format!(r#"password\": \"{value}\","#),
        format!(r#"password: \"{value}\""#),
        format!("password&quot;: &quot;{value}&quot;"),
        format!("password&#x27;: &#x27;{value}&#x27;"),
        format!("password&#39;:&#39;{value}&#39;"),
        format!("password&#34; = &#X22;{value}&#x22;"),
        format!("password&gt;{value}&lt;/password"),
        format!(r#"Password" value="{value}" />"#),
        format!("password'  value = '{value}'/>"),
        format!(r#"password\" value=\"{value}\" />"#),
        format!(r#"password", "{value}"]"#),
        format!("password','{value}']"),
    ];
    let all = keyword_verifiers();
    assert_eq!(all.len(), 6, "every keyword rule has openers");
    let password = all.iter().find(|v| v.kind == "password").unwrap();
    assert_found_from_openers(password, &forms, value);
    // The abbreviated keys (`DB_PASS`, `Pwd=`), in the same forms.
    let short = renamed(&forms, ["pass", "pass", "PWD", "pwd", "Pass"]);
    assert_found_from_openers(password, &short, value);
    // The named keys (`APP_KEY`), whose regex starts at `_key`, in the same forms.
    let key = all.iter().find(|v| v.kind == "key").unwrap();
    let named = renamed(&forms, ["_key", "_key", "_KEY", "_key", "_Key"]);
    assert_found_from_openers(key, &named, value);
}

/// `forms` with their keys `passphrase`, `password`, `PASSWORD`, `passwd` and `Password`
/// replaced by `keys`, in that order.
fn renamed(forms: &[String], keys: [&str; 5]) -> Vec<String> {
    let from = ["passphrase", "password", "PASSWORD", "passwd", "Password"];
    forms
        .iter()
        .map(|f| {
            from.iter()
                .zip(keys)
                .fold(f.clone(), |f, (from, to)| f.replace(from, to))
        })
        .collect()
}

/// `value`, in each of `forms`, is what the general search finds and what `v`'s openers and
/// closers find.
fn assert_found_from_openers(v: &KeywordVerifiers, forms: &[String], value: &str) {
    let KeywordVerifiers {
        with, without, max, ..
    } = v;
    for hay in forms {
        // A closer that ends the bytes could be an unbounded regex's `$`: bytes after it (a
        // bare value's closer is the first).
        let hay = &[hay.as_bytes(), b" ;"].concat();
        let got = secret(without, hay, *max)
            .unwrap_or_else(|| panic!("no value in {}", String::from_utf8_lossy(hay)));
        assert_eq!(
            &hay[got.clone()],
            value.as_bytes(),
            "{}",
            String::from_utf8_lossy(hay)
        );
        let mut caches = Caches::default();
        let cache = caches.get(0, with);
        let m = with.find_match(hay, 0..hay.len(), cache).unwrap();
        assert_eq!(
            with.form_secret(hay, m, cache),
            Some(got),
            "{}",
            String::from_utf8_lossy(hay)
        );
    }
}

/// Each form of named value: its value is found from its opener and closer, as the general
/// search finds it.
#[test]
fn every_form_of_named_value_has_its_value_found_from_opener_and_closer() {
    let value = "Zx81Kq0PLm3N7vBt2YwR";
    let forms = [
        format!(r#"PASSWORD","value":"{value}"}}"#),
        format!("PASSWORD' ,\n    'Value' : '{value}'}}"),
        format!(r#"password","Type":"SecureString","Flags":0,"Value":"{value}","#),
        format!(r#"PASSWORD\",\"value\":\"{value}\"}}"#),
        format!(r#"PASSWORD\", \n  \"Type\": \"x\",\n  \"value\": \"{value}\"}}"#),
        format!("PASSWORD\n  value: {value}\n"),
        format!("PASSWORD\"\r\n  value: \"{value}\"\n"),
        format!("password\n        - '{value}'\n"),
        format!("Password\" serializeAs=\"String\">\r\n  <value>{value}</value>"),
        format!("Password\">\n<value>{value}</value>"),
    ];
    let password = named_verifiers()
        .iter()
        .find(|v| v.kind == "password")
        .unwrap();
    assert_found_from_openers(password, &forms, value);
}

/// A match that ends the bytes, in a form whose values hold no escapes, has its value found
/// from its opener too: the value ends at the first byte it may not hold (a closer, whole or
/// cut short, or none). Decoded base64 is scanned as a whole input, where every value of a
/// `token=token=…` run ends the bytes.
#[test]
fn a_plain_value_that_ends_the_bytes_is_found_from_its_opener() {
    let value = "Zx81Kq0PLm3N7vBt2YwR";
    let forms = [
        format!("token={value}"),
        format!("token={value}\n"),
        format!("token: {value}\t"),
        format!("token='{value}"),
        format!("token='{value}'"),
        format!("token' value='{value}"),
        format!("token>{value}"),
        format!("token>{value}<"),
        format!("token>{value}</"),
        format!(r"token\u003e{value}"),
        format!(r"token\u003e{value}\u003"),
        format!(r"token\u003e{value}\u003c/"),
    ];
    let v = keyword_verifiers()
        .iter()
        .find(|v| v.kind == "token")
        .unwrap();
    for hay in &forms {
        let hay = hay.as_bytes();
        let (secret, end) = secret_and_end(&v.long_without, hay)
            .unwrap_or_else(|| panic!("no value in {}", String::from_utf8_lossy(hay)));
        assert_eq!(&hay[secret.clone()], value.as_bytes());
        assert_eq!(end, hay.len(), "{}", String::from_utf8_lossy(hay));
        let mut caches = Caches::default();
        let cache = caches.get(0, &v.long_with);
        let m = v.long_with.find_match(hay, 0..hay.len(), cache).unwrap();
        assert_eq!(
            v.long_with.form_secret(hay, m, cache),
            Some(secret),
            "{}",
            String::from_utf8_lossy(hay)
        );
    }
}

/// A match that ends the bytes may end at the unbounded regex's `$` rather than at a closer:
/// there `\&quot;` is an escaped quote inside the value, not a backslash and then the closer.
#[test]
fn a_value_that_ends_the_bytes_is_left_to_the_general_search() {
    let value = br"Zx81Kq0PLm3N7vBt\&quot;";
    let hay = [&b"password&quot;:&quot;"[..], value].concat();
    let v = keyword_verifiers()
        .iter()
        .find(|v| v.kind == "password")
        .unwrap();
    let found = secret_and_end(&v.long_with, &hay).unwrap();
    assert_eq!(&hay[found.0.clone()], value);
    assert_eq!(Some(found), secret_and_end(&v.long_without, &hay));
}

/// Pieces of assignment syntax: quotes, escapes, separators, XML, entities, terminators.
const SYNTAX: &[&str] = &[
    "\"", "'", "\\\"", "\\'", "\\", " ", "\t", "=", ":", "=>", ">", "</", "<", "\\u003e",
    "\\u003c/", "&quot;", "&#34;", "&#x27;", "&apos;", "&amp;", "&gt;", "&lt;/", "\n", ",", ";",
    "}", "\\n", "\\/", "&", "&#39;", "&#X22;", "\\u003C/", "&#x22;", "\\&quot;",
];

fn syntax() -> impl Strategy<Value = String> {
    proptest::sample::select(SYNTAX).prop_map(String::from)
}

/// Value bytes, and now and then a piece of syntax inside the value.
fn value() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::prop_oneof![4 => "[A-Za-z0-9+/_.-]{1,8}", 1 => syntax()],
        0..6,
    )
    .prop_map(|v| v.concat())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

    /// A key, then an assignment put together from pieces of every syntax (most of them
    /// well-formed, many not): with its openers or without, every keyword rule finds the
    /// same value or none.
    #[test]
    fn openers_find_what_the_full_regex_finds(
        key in proptest::sample::select(vec![
            "password", "PassWord", "passwd", "passphrase", "secret", "secret_key", "secretKey",
            "SECRET_ACCESS_KEY", "secretaccess_key", "api_key", "api-key", "APIKEY", "token",
            "Token",
        ]),
        quote in proptest::sample::select(vec!["", "\"", "'", "\\\"", "&quot;", "&#x27;"]),
        blank in proptest::sample::select(vec!["", " ", "  ", "\t", "     "]),
        separator in proptest::sample::select(vec!["", "=", ":", "=>", "=>>", "::", ">", "\\u003e", "\\u003E", "&gt;"]),
        blank2 in proptest::sample::select(vec!["", " ", "\t"]),
        open in proptest::sample::select(vec![
            "", "\"", "'", "\\\"", "&quot;", "&#34;", "&#x27;", "&apos;", "&#39;", "&#X22;",
        ]),
        value in value(),
        close in proptest::sample::select(vec![
            "", "\"", "'", "\\\"", "</", "\\u003c/", "&quot;", "&#x27;", "&lt;/", " ", ",", "}", "\n", "&",
            "&#39;", "&#x22;", "&#X27;", "\\u003C/", "&apos;", "&#34;",
        ]),
        tail in proptest::collection::vec(syntax(), 0..3),
        cut in 0usize..6,
    ) {
        let hay = format!("{key}{quote}{blank}{separator}{blank2}{open}{value}{close}{}", tail.concat());
        // The long regexes also where the bytes end early (their other ends).
        let cut = &hay.as_bytes()[..hay.len() - cut.min(hay.len())];
        for v in keyword_verifiers() {
            proptest::prop_assert_eq!(
                secret(&v.with, hay.as_bytes(), v.max),
                secret(&v.without, hay.as_bytes(), v.max),
                "{} on {:?}", v.kind, hay
            );
            proptest::prop_assert_eq!(
                secret_and_end(&v.long_with, cut),
                secret_and_end(&v.long_without, cut),
                "{} (long) on {:?}", v.kind, String::from_utf8_lossy(cut)
            );
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

    /// A setting's name, then the next field(s), line or element put together from pieces of
    /// every form (most well-formed, many not): with its openers or without, every named-value
    /// rule finds the same value or none.
    #[test]
    fn named_openers_find_what_the_full_regex_finds(
        key in proptest::sample::select(vec![
            "DB_PASSWORD", "passwd", "CLIENT_SECRET", "SecretString", "API_KEY", "DEPLOY_TOKEN",
        ]),
        quote in proptest::sample::select(vec!["", "\"", "'", "\\\""]),
        blank in proptest::sample::select(vec!["", " ", "\t"]),
        between in proptest::sample::select(vec![
            ",", ", ", ",\n    ", "\n  ", "\r\n", "\n- ", ">", " x=\"y\">", " serializeAs=\"String\">\n ",
            ",\\n  ", "", ":",
        ]),
        fields in proptest::sample::select(vec![
            "", "\"Type\":\"SecureString\",", "'Flags': 0, ", "\\\"Type\\\": \\\"x\\\",",
            "\"a\":\"b\",\"c\":1,", "\"value\":\"x\",", "\"Value\":1,",
        ]),
        vkey in proptest::sample::select(vec![
            "\"value\": ", "'Value':", "\"ParameterValue\" : ", "\\\"value\\\":", "value: ", "- ",
            "<value>", "value:", "\"valueFrom\":",
        ]),
        open in proptest::sample::select(vec!["", "\"", "'", "\\\""]),
        value in value(),
        close in proptest::sample::select(vec![
            "", "\"", "'", "\\\"", "</", " ", ",", "}", "\n", "&",
        ]),
        tail in proptest::collection::vec(syntax(), 0..3),
        cut in 0usize..6,
    ) {
        let hay = format!(
            "{key}{quote}{blank}{between}{fields}{vkey}{open}{value}{close}{}",
            tail.concat()
        );
        let cut = &hay.as_bytes()[..hay.len() - cut.min(hay.len())];
        for v in named_verifiers() {
            // The rule starts at its key, inside the name.
            let at = hay.to_ascii_lowercase().find(match v.kind {
                "password" => "pass",
                "api_key" => "api",
                k => k,
            });
            let Some(at) = at else { continue };
            proptest::prop_assert_eq!(
                secret(&v.with, &hay.as_bytes()[at..], v.max),
                secret(&v.without, &hay.as_bytes()[at..], v.max),
                "{} on {:?}", v.kind, hay
            );
            if at <= cut.len() {
                proptest::prop_assert_eq!(
                    secret_and_end(&v.long_with, &cut[at..]),
                    secret_and_end(&v.long_without, &cut[at..]),
                    "{} (long) on {:?}", v.kind, String::from_utf8_lossy(cut)
                );
            }
        }
    }
}

/// Every `Keyword` rule's unbounded regex (the keyword rules' and `Bearer`'s).
fn long_verifiers() -> &'static [(&'static str, RegexVerifier)] {
    static ALL: std::sync::OnceLock<Vec<(&'static str, RegexVerifier)>> =
        std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        DEFAULT_RULES
            .iter()
            .filter_map(|r| match r.verify {
                Verify::Keyword { long, .. } => {
                    Some((r.kind, RegexVerifier::unbounded(long).unwrap()))
                }
                _ => None,
            })
            .collect()
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

    /// A long value is let wait (`runs_to_end`) exactly where the search would find its match
    /// ending at the end of the bytes so far, at every length the bytes may have: with a fresh
    /// walk, and with one that goes on from the last length's, as a stream's does.
    #[test]
    fn a_walk_tells_a_running_value_as_the_search_does(
        key in proptest::sample::select(vec![
            "password", "passwd", "secret", "api_key", "token", "Bearer", "bearer",
        ]),
        quote in proptest::sample::select(vec!["", "\"", "\\\"", "&quot;"]),
        separator in proptest::sample::select(vec!["", " ", "=", ": ", ">", "&gt;", "\t"]),
        open in proptest::sample::select(vec!["", "\"", "'", "\\\"", "&quot;", "&#x27;"]),
        value in value(),
        close in proptest::sample::select(vec!["", "\"", "'", "\\\"", "</", "&quot;", " ", ",", "\\n"]),
        tail in proptest::collection::vec(syntax(), 0..3),
    ) {
        let hay = format!("{key}{quote}{separator}{open}{value}{close}{}", tail.concat());
        let hay = hay.as_bytes();
        for (kind, v) in long_verifiers() {
            let mut caches = Caches::default();
            let mut held = None;
            for len in 1..=hay.len() {
                let cut = &hay[..len];
                let search = v
                    .find_match(cut, 0..len, caches.get(0, v))
                    .is_some_and(|m| m.end() == len);
                let fresh = v.runs_to_end(cut, 0, caches.get(1, v), &mut None);
                let resumed = v.runs_to_end(cut, 0, caches.get(2, v), &mut held);
                proptest::prop_assert_eq!(
                    (fresh, resumed), (search, search),
                    "{} at {} of {:?}", kind, len, String::from_utf8_lossy(hay)
                );
            }
        }
    }
}
