use super::*;

/// What [`judge`] says of the word between `«` and `»` in `text` (taken as the whole input),
/// in words: `value:<the value>`, `not a value`, `undecided` or `more`.
fn judged(text: &str, spaced: bool, eof: bool) -> String {
    let start = text.find('«').expect("a marked word");
    let end = text.find('»').expect("a marked word") - '«'.len_utf8();
    let hay = text.replace(['«', '»'], "");
    match judge(hay.as_bytes(), 0, start..end, eof, spaced) {
        Judged::Value(v) => format!("value:{}", &hay[v]),
        Judged::NotAValue => "not a value".into(),
        Judged::Undecided => "undecided".into(),
        Judged::NeedMore => "more".into(),
    }
}

#[test]
fn how_a_bare_value_was_written_decides_it() {
    // (text, spaced (a password rule), expected)
    let table = [
        // Set by a machine: env files, query strings, logfmt, XML.
        ("POSTGRES_PASSWORD=«postgres»\nX=1", false, "value:postgres"),
        (
            "https://h/login?user=ann&password=«letmein»&next=/",
            false,
            "value:letmein",
        ),
        (
            "level=warn password=«hunter» user=ann",
            false,
            "value:hunter",
        ),
        (
            "spring.datasource.password=«postgres»\n",
            false,
            "value:postgres",
        ),
        (
            "    environment:\n      - POSTGRES_PASSWORD=«gitea»\n",
            false,
            "value:gitea",
        ),
        ("<password>«admin»</password>", false, "value:admin"),
        (
            "&lt;password&gt;«admin»&lt;/password&gt;",
            false,
            "value:admin",
        ),
        (
            "{\"x\":\"\\u003cpassword\\u003e«admin»\\u003c/password\\u003e\"}",
            false,
            "value:admin",
        ),
        (
            "{&quot;password&quot;: &quot;«admin»&quot;}",
            false,
            "value:admin",
        ),
        (
            "{&#x27;password&#x27;: &#x27;«admin»&#x27;}",
            false,
            "value:admin",
        ),
        // Code: a variable, a keyword argument, a comparison.
        ("password = «pwd»\n", false, "undecided"),
        ("connect(user=u,password=«pwd»,port=1)", false, "undecided"),
        ("if password=«=stored»:", false, "not a value"),
        (
            "{\"password\": «null», \"user\": \"ann\"}",
            true,
            "undecided",
        ),
        (
            "db = connect(\n    host=h,\n    password=«pwd»\n)",
            false,
            "undecided",
        ),
        ("  password: «pwd»,\n", true, "undecided"),
        ("{:password => «pwd»}", false, "undecided"),
        // YAML: a plain scalar runs to the end of its line, without its comment.
        ("password: «admin»\n", true, "value:admin"),
        ("password: «admin»  # the default\n", true, "value:admin"),
        (
            "password: «correct» horse battery staple\n",
            true,
            "value:correct horse battery staple",
        ),
        (
            "password: «Tr0ub4dor» and more # rotated\n",
            true,
            "value:Tr0ub4dor and more",
        ),
        ("password: «Tr0ub» &dor;x\n", true, "value:Tr0ub &dor;x"),
        (
            "secret: «correct» horse battery staple\n",
            false,
            "undecided",
        ),
        ("password: «correct» horse battery staple", true, "more"),
        // Prose after `key: `.
        (
            "PASSWORD: «Set» this to the password of the admin account.\n",
            true,
            "not a value",
        ),
        (
            "client_secret: «Obtained» from the OAuth app settings page.</p>",
            false,
            "not a value",
        ),
        (
            "Password: «must» be at least 12 characters long\n",
            true,
            "not a value",
        ),
        (
            "Password: «don't» share it with anyone\n",
            true,
            "value:don't share it with anyone",
        ),
        // A sentence without a docs word is a passphrase, unless it is long and ends in a
        // full stop.
        (
            "password: «Mary» had a little lamb\n",
            true,
            "value:Mary had a little lamb",
        ),
        (
            "password: «Correct» horse and battery\n",
            true,
            "value:Correct horse and battery",
        ),
        ("secret: «Summer» is here\n", false, "undecided"),
        (
            "password: «don't» panic now\n",
            true,
            "value:don't panic now",
        ),
        ("f('password: «hunter» two')", true, "value:hunter two"),
        (
            "Password: «Optional.» Defaults to empty\n",
            true,
            "not a value",
        ),
        (
            "fields username: and password: «both» required\n",
            true,
            "not a value",
        ),
        ("  Password: «!Ref» DbPassword\n", true, "not a value"),
        ("password: «!Summer2024»\n", true, "value:!Summer2024"),
        // A long option's value, or the name of one in capitals in a command's help.
        ("mysql --password «Xy7kLm2p» -u root", false, "undecided"),
        ("  --api-key «TEXT»  Your API key\n", false, "not a value"),
        ("gh --token «GITHUB_TOKEN»\n", false, "not a value"),
        ("the password «TEXT»\n", false, "undecided"),
        (
            " --secret «source=ssh-key»,target=ssh",
            false,
            "not a value",
        ),
        (" --token «dGVzdDp0b2tlbg==» -v", false, "undecided"),
        // An apostrophe inside a word is the value's own.
        (
            "password: «it's-a-Secret-99»\n",
            true,
            "value:it's-a-Secret-99",
        ),
        ("DB_PASSWORD=«O'Brien-1987»\n", false, "value:O'Brien-1987"),
        (
            "Password: «Don't» use your email password.\n",
            true,
            "not a value",
        ),
        // Several keys on one line are not one value.
        ("{password: «abc», user: bob}\n", true, "undecided"),
        ("password: «x7Qm2» user: bob\n", true, "undecided"),
    ];
    let mut wrong = Vec::new();
    for (text, spaced, expected) in table {
        let got = judged(text, spaced, !expected.eq("more"));
        if got != expected {
            wrong.push(format!("{text:?}: {got}, expected {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_line_is_read_only_so_far() {
    // Past `LINE_MAX` the line counts as cut, however much more has arrived or will.
    let long = format!("password: «abc» {}", "x ".repeat(LINE_MAX));
    for eof in [false, true] {
        assert_eq!(judged(&long, true, eof), "undecided");
    }
    // Short of it, the line's end is waited for unless the input ended.
    let short = "password: «abc» def";
    assert_eq!(judged(short, true, false), "more");
    assert_eq!(judged(short, true, true), "value:abc def");
    assert_eq!(judged("KEY=«abc»", false, false), "more");
    // An apostrophe is a word's own or the end of a quoted string: the next byte tells, also
    // when it is the line's last to be read.
    assert_eq!(judged("password: «don»'", true, false), "more");
    assert_eq!(judged("password: «don»'", true, true), "value:don");
    // The apostrophe as the window's last byte (the value starts at 10, the x at 14).
    let edge = format!("password: «abc» {}'t", "x".repeat(LINE_MAX - 5));
    assert_eq!(judged(&edge[..edge.len() - 1], true, false), "more");
    assert_eq!(judged(&edge, true, false), "undecided");
    assert_eq!(judged("KEY=«abc»", false, true), "value:abc");
}

/// Through the engine: what each way of writing becomes, the same for every split.
#[test]
fn bare_values_scrub_alike_in_every_chunking() {
    use crate::scrub::{tests::run, LiveSet, ScrubPolicy};
    let body = "POSTGRES_PASSWORD=postgres\npassword: correct horse battery staple\n\
        PASSWORD: Set this to the admin password.\n    password=pwd\n)\n\
        <password>admin</password> level=warn password=hunter user=ann\n\
        password: x7Qm2 and more  # rotated";
    let b = body.as_bytes();
    let (p, set) = (
        ScrubPolicy::default(),
        std::sync::Arc::new(LiveSet::empty()),
    );
    let (whole, counts) = run(&p, &set, &[b]);
    let expected = "POSTGRES_PASSWORD=[REDACTED:password]\npassword: [REDACTED:password]\n\
        PASSWORD: Set this to the admin password.\n    password=pwd\n)\n\
        <password>[REDACTED:password]</password> level=warn password=[REDACTED:password] user=ann\n\
        password: [REDACTED:password]  # rotated";
    assert_eq!(String::from_utf8_lossy(&whole), expected);
    assert_eq!(counts.get("password"), 5);
    for cut in 0..=b.len() {
        let (out, _) = run(&p, &set, &[&b[..cut], &b[cut..]]);
        assert_eq!(out, whole, "cut at {cut}");
    }
}

/// [`is_prose`] as it was first written: a slice comparison per word and listed word.
fn naive_is_prose(line: &[u8]) -> bool {
    let has = |list: &[&[u8]], w: &[u8]| list.iter().any(|p| p.eq_ignore_ascii_case(w));
    let words = || {
        line.split(|b| !b.is_ascii_alphabetic())
            .filter(|w| !w.is_empty())
    };
    words().any(|w| has(DOCS_WORDS, w))
        || (words().count() >= 6 && line.ends_with(b".") && words().any(|w| has(FUNCTION_WORDS, w)))
}

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    /// The one-pass word walk reads lines as the slice comparisons did: lines of listed words
    /// in any case, near misses (a letter more or less, 8 letters and more) and punctuation.
    #[test]
    fn is_prose_reads_as_the_naive_walk(
        parts in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(DOCS_WORDS.to_vec()).prop_map(<[u8]>::to_vec),
                proptest::sample::select(FUNCTION_WORDS.to_vec()).prop_map(<[u8]>::to_vec),
                proptest::sample::select(DOCS_WORDS.to_vec()).prop_map(|w| [w, &b"s"[..]].concat()),
                proptest::sample::select(DOCS_WORDS.to_vec()).prop_map(|w| w[1..].to_vec()),
                "[a-zA-Z]{1,12}".prop_map(String::into_bytes),
                "[ .,:;'0-9-]{1,3}".prop_map(String::into_bytes),
            ],
            0..24,
        ),
        upper in proptest::collection::vec(proptest::bool::ANY, 0..64),
    ) {
        let mut line: Vec<u8> = parts.join(&b' ');
        for (b, up) in line.iter_mut().zip(&upper) {
            if *up {
                b.make_ascii_uppercase();
            }
        }
        prop_assert_eq!(
            is_prose(&line),
            naive_is_prose(&line),
            "{:?}",
            String::from_utf8_lossy(&line)
        );
    }
}
