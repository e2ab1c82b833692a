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
    assert_eq!(judged("KEY=«abc»", false, true), "value:abc");
}
