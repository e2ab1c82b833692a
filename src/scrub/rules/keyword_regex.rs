//! The regex of a keyword assignment (`password`, `secret`, `api_key`, `token`), built from
//! macros because it is one long alternation per key: the same value in each syntax a key may
//! be assigned in (JSON, YAML, env files, query strings, XML, XML inside JSON as Go escapes
//! it, and HTML entities as a page embeds any of them), each closed by its own terminator. The
//! regexes must be `&'static str` for the `const` pack table, so they are put together with
//! `concat!` at compile time.

/// A quote as an HTML entity, double (`&quot;`, `&#34;`, `&#x22;`) or single (`&#39;`, as
/// Jinja, Go's html/template and Rails write it; `&#x27;`, as Django and Python's `html.escape`
/// do; `&apos;`): a page embeds JSON with the first, a Python `repr` (a debug page's local
/// variables) with the second.
macro_rules! quote_entity {
    () => {
        "(?:&quot;|&#34;|&#[xX]22;|&#39;|&#[xX]27;|&apos;)"
    };
}

/// The double-quote entities of `quote_entity!`.
macro_rules! dq_entity {
    () => {
        "(?:&quot;|&#34;|&#[xX]22;)"
    };
}

/// The single-quote entities of `quote_entity!`.
macro_rules! sq_entity {
    () => {
        "(?:&#39;|&#[xX]27;|&apos;)"
    };
}

/// One byte of an entity-quoted value, as alternatives: a JSON-escaped quote (`\&quot;`), tried
/// first so that its backslash does not end the value in front of it; any byte but `&` and line
/// ends; the value's own `&`, `<`, `>` and `+` as entities (`Tr0ub&amp;dor`). A quote of the
/// other kind than the value's own is one more alternative, added by the form.
macro_rules! entity_value_unit {
    () => {
        r#"\\(?:&quot;|&#34;|&#[xX]22;)|[^&\r\n]|&(?:amp|lt|gt|#(?:38|43|60|62));"#
    };
}

/// A backslash that begins neither member escape of a bare value (`\/`, `\u002b`): the
/// value ends there. `simple::ESCAPE_END`, as a literal for `concat!`.
macro_rules! escape_end {
    () => {
        r"\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))"
    };
}

/// What ends a bare value: a byte it may not hold, or a backslash that begins no member escape.
macro_rules! bare_end {
    () => {
        concat!(r#"(?:[\s"'<>&,;{}\[\]]|"#, escape_end!(), "|$)")
    };
}

/// `bare_end!` in an unbounded regex, which also ends where the bytes do, inside what may be a
/// member escape.
macro_rules! bare_end_or_cut {
    () => {
        concat!(
            r#"(?:[\s"'<>&,;{}\[\]]|"#,
            escape_end!(),
            r"|(?:\\(?:u(?:0(?:0(?:2)?)?)?)?)?$)"
        )
    };
}

/// A value between double quotes (with backslash escapes) or single quotes, as alternatives,
/// its bytes repeated `$reps` times and closed by `$dq` or `$sq`.
macro_rules! quoted_values {
    ($reps:expr, $dq:literal, $sq:literal) => {
        concat!(
            r#""((?:[^"\\\r\n]|\\[^\r\n]){"#,
            $reps,
            "})",
            $dq,
            r#"|'([^'\r\n]{"#,
            $reps,
            "})",
            $sq,
        )
    };
}

/// A value between escaped quotes, inside a JSON string (`\"value\"`), after its opening
/// `\"`: a unit of the value is a byte, an escape other than of a quote or a backslash (`\n`,
/// `\/`), or an escape of the inner string (`\\` and then a byte or an escape: `\\\"` is a
/// quote inside the value); repeated `$reps` times and closed by `$esc_dq`.
macro_rules! escaped_value {
    ($reps:expr, $esc_dq:literal) => {
        concat!(
            r#"((?:[^"\\\r\n]|\\[^"\\\r\n]|\\\\(?:[^"\\\r\n]|\\[^\r\n])){"#,
            $reps,
            "})",
            $esc_dq
        )
    };
}

/// A unit of a bare value: a byte, a member escape, or letters or digits with apostrophes
/// between them (`O'Brien`, `it's-a-Secret`; `rock'n'roll`, up to three in a row), tried first
/// so that a letter before an apostrophe is not taken alone.
macro_rules! bare_unit {
    () => {
        r#"[0-9A-Za-z](?:'[0-9A-Za-z]){1,3}|[^\s"'<>&,;{}\[\]\\]|\\/|\\u002[bB]"#
    };
}

/// A keyword rule's least value length less one (`keyword!`'s `$min`): the units of a long
/// option's bare value after its first.
macro_rules! one_less {
    ("3") => {
        "2"
    };
    ("6") => {
        "5"
    };
    ("8") => {
        "7"
    };
    ("12") => {
        "11"
    };
    ("16") => {
        "15"
    };
    ("32") => {
        "31"
    };
}

/// The first forms of `assignment!`, the common ones (quoted, single-quoted or bare after a
/// separator, and XML), as the start of its alternation, left open: `assignment!` adds its other
/// forms and closes it. A separator is written `=>?|:` rather than `=>|:|=`, the same strings,
/// so that each byte leaves one way on (see `openers!`); keys are written the same way
/// (`pass(?:w(?:or)?d|phrase)`).
macro_rules! plain_forms {
    ($key:literal, $reps:expr, $dq:literal, $sq:literal, $delim:expr, $xml:literal) => {
        concat!(
            "(?i:",
            $key,
            r#")(?:(?:\\?["'])?[ \t]{0,4}(?:=>?|:)[ \t]{0,4}(?:"#,
            quoted_values!($reps, $dq, $sq),
            "|",
            "((?:",
            bare_unit!(),
            "){",
            $reps,
            "})",
            $delim,
            ")",
            r#"|>([^<\r\n]{"#,
            $reps,
            "})",
            $xml,
        )
    };
}

/// What opens the value in each of `assignment!`'s forms (to follow the key): a separator or
/// blanks (a long option), and then a quote, an escaped quote (JSON inside a JSON string) or
/// nothing (a bare value); a quote and `value=` and its quote (an attribute pair), or a quote,
/// a comma and the next quote (an argument list); `>` (XML); `\u003e` (XML as Go escapes it);
/// a quote entity after an entity-quoted key and a separator; or `&gt;`. The same strings as those forms' openers, factored so that each byte
/// leaves one way on (a one-pass DFA): where this matches, the value starts where it ends.
/// Which opener it was tells the value's closer (see `RegexVerifier::capture_forms_with`).
macro_rules! openers {
    () => {
        concat!(
            r#"(?:\\(?:["'][ \t]{0,4}(?:(?:=>?|:)[ \t]{0,4}(?:\\"|["']?)|value[ \t]{0,4}=[ \t]{0,4}\\["'])|u003[eE])"#,
            r#"|["'][ \t]{0,4}(?:(?:=>?|:)[ \t]{0,4}(?:\\"|["']?)|value[ \t]{0,4}=[ \t]{0,4}["']|,[ \t]{0,16}["'])"#,
            r#"|(?:=>?|:)[ \t]{0,4}(?:\\"|["']?)"#,
            r#"|[ \t]{1,4}(?:(?:=>?|:)[ \t]{0,4})?(?:\\"|["']?)"#,
            "|>",
            r#"|&(?:gt;|(?:quot;|#(?:3[49]|[xX]2[27]);|apos;)[ \t]{0,4}(?:=>?|:)[ \t]{0,4}"#,
            r#"&(?:quot;|#(?:3[49]|[xX]2[27]);|apos;)))"#,
        )
    };
}

/// A `key: value` / `key=value` / `"key": "value"` / `<Key>value</Key>` assignment whose key
/// ends with `key` (the last also as Go escapes it inside JSON strings,
/// `\u003cKey\u003evalue\u003c/Key\u003e`; the JSON and XML forms also with HTML's entities, as
/// a page embeds them: `{&quot;key&quot;:&quot;value&quot;}` in an attribute, a Python `repr`
/// as `{&#x27;key&#x27;: &#x27;value&#x27;}` (any `quote_entity!`), and
/// `&lt;Key&gt;value&lt;/Key&gt;` in text; and the attribute-pair, long-option and
/// argument-list forms), its value repeated `$reps` times (`3,4096`; a long option's bare
/// value, its first unit and `$rest` more), each
/// form's value closed by `$dq`, `$sq`, `$delim`, `$esc_dq`, `$xml`, `$esc_xml` and `$html_xml`;
/// the entity-quoted value by a quote entity of its own kind, or by what `$html_q` adds (more
/// alternatives, each starting with `|`; none for the bounded regex). The regex starts `back`
/// bytes before the anchor (at the key's first letter).
macro_rules! assignment {
    ($key:literal, $reps:expr, $rest:expr, $dq:literal, $sq:literal, $delim:expr, $esc_dq:literal, $xml:literal, $esc_xml:literal, $html_q:expr, $html_xml:literal) => {
        concat!(
            plain_forms!($key, $reps, $dq, $sq, $delim, $xml),
            // JSON inside a JSON string (a log line's message, a payload passed as a string):
            // `{\"key\": \"value\"}`.
            r#"|(?:\\?["'])?[ \t]{0,4}(?:=>?|:)[ \t]{0,4}\\""#,
            escaped_value!($reps, $esc_dq),
            // An XML element naming the setting in one attribute and holding its value in the
            // next, as .NET's appSettings (`<add key="SmtpPassword" value="…"/>`) and Spring's
            // and Ant's properties (`<property name="db.password" value="…"/>`) write it; also
            // inside a JSON string (`key=\"Password\" value=\"…\"`). The values are those of
            // the quoted forms above, so their closers are too.
            r#"|["'][ \t]{1,4}value[ \t]{0,4}=[ \t]{0,4}(?:"#,
            quoted_values!($reps, $dq, $sq),
            ")",
            r#"|\\"[ \t]{1,4}value[ \t]{0,4}=[ \t]{0,4}\\""#,
            escaped_value!($reps, $esc_dq),
            // A long option and its value, as a command line writes them (`--client-secret
            // Xy7…`, `--password "…"`): only after `--`, which the candidate's precheck looks
            // for before the key (`assignment::long_option`). A bare value here does not start
            // with `=` or `:`, where the separated form would have taken it, nor with `-`,
            // another option (`--password --verbose`): the first unit, then `$rest` more.
            r#"|[ \t]{1,4}(?:"#,
            quoted_values!($reps, $dq, $sq),
            r#"|((?:[0-9A-Za-z](?:'[0-9A-Za-z]){1,3}|[^\s"'<>&,;{}\[\]\\=:-]|\\/|\\u002[bB])(?:"#,
            bare_unit!(),
            "){",
            $rest,
            "})",
            $delim,
            ")",
            // The same as the next string of an argument list (`"args": ["--password",
            // "…"]` in a container's spec, `docker inspect`'s `Args`), and a setting's name
            // and value given to a call (`define( 'AUTH_KEY',         '…' )`, where WordPress
            // aligns its values with up to nine blanks; `os.getenv("DB_PASSWORD", "…")`),
            // which `assignment::argument_list` looks for before the key.
            r#"|["'][ \t]{0,4},[ \t]{0,16}(?:"#,
            quoted_values!($reps, $dq, $sq),
            ")",
            // XML inside a JSON string as Go writes it by default: `\u003cKey\u003evalue\u003c/`.
            r#"|\\u003[eE]([^<\\\r\n]{"#,
            $reps,
            "})",
            $esc_xml,
            // HTML entities: `&quot;key&quot;: &quot;value&quot;` and `&gt;value&lt;/`. The
            // value is closed by a quote of the kind that opened it, and holds the other kind
            // (`&quot;it&#39;s&quot;` in JSON, `&#x27;say &quot;hi&quot;&#x27;` in a repr).
            "|",
            quote_entity!(),
            r#"[ \t]{0,4}(?:=>?|:)[ \t]{0,4}(?:"#,
            dq_entity!(),
            "((?:",
            entity_value_unit!(),
            "|",
            sq_entity!(),
            "){",
            $reps,
            "})(?:",
            dq_entity!(),
            $html_q,
            ")|",
            sq_entity!(),
            "((?:",
            entity_value_unit!(),
            "|",
            dq_entity!(),
            "){",
            $reps,
            "})(?:",
            sq_entity!(),
            $html_q,
            "))",
            // Here `&lt;` begins the closer (`&lt;/Key&gt;`), so a value's `<` is not taken.
            r#"|&gt;((?:[^&<\r\n]|&(?:amp|gt|#(?:38|43|62));){"#,
            $reps,
            "})",
            $html_xml,
            ")"
        )
    };
}

/// A keyword rule: the assignment with values of `$min` to 4,096 bytes, and the same with no
/// bound on the value, whose end may also be where the searched bytes end (`$`): a value over
/// 4 KiB is found whole once its end is in sight, and one that goes on past the scrub cap is
/// known to. The second takes any length (`+`, not `{4097,}`, which compiles to thousands of
/// states per form and as many per scrubber's regex cache); `long_value` keeps what is longer
/// than [`KEYWORD_VALUE_MAX`](super::KEYWORD_VALUE_MAX). The anchors start `back` bytes into
/// the key: one, so that a key's first letter in either case needs no anchors of its own; none,
/// where the anchors start with the key (`pass`, `PWD=`) and its check judges the name the key
/// ends.
macro_rules! keyword {
    ($kind:literal, $anchors:expr, $key:literal, $min:tt, $check:expr) => {
        keyword!($kind, $anchors, $key, $min, $check, back = 1)
    };
    ($kind:literal, $anchors:expr, $key:literal, $min:tt, $check:expr, back = $back:literal) => {
        RuleDef {
            kind: $kind,
            pack: "keywords",
            anchors: $anchors,
            back: $back,
            verify: Verify::Keyword {
                bounded: assignment!(
                    $key,
                    concat!($min, ",4096"),
                    concat!(one_less!($min), ",4095"),
                    r#"""#,
                    "'",
                    bare_end!(),
                    r#"\\""#,
                    "</",
                    r"\\u003[cC]/",
                    "",
                    "&lt;/"
                ),
                long: assignment!(
                    $key,
                    "1,",
                    "0,",
                    r#"(?:"|\\?$)"#,
                    "(?:'|$)",
                    bare_end_or_cut!(),
                    r#"(?:\\"|\\{0,3}$)"#,
                    "(?:</|<?$)",
                    r"(?:\\u003[cC]/|(?:\\(?:u(?:0(?:0(?:3[cC]?)?)?)?)?)?$)",
                    // Or the bytes end inside a quote or a value entity.
                    "|(?:&(?:q(?:u(?:o(?:t)?)?)?|a(?:p(?:o(?:s)?)?|m(?:p)?)?|l(?:t)?|g(?:t)?|#(?:3[4-9]?|4(?:3)?|6[02]?|[xX](?:2[27]?)?)?)?)?$",
                    "(?:&lt;/|(?:&(?:l(?:t;?)?|a(?:m(?:p)?)?|g(?:t)?|#(?:3(?:8)?|4(?:3)?|6(?:2)?)?)?)?$)"
                ),
                openers: Some(concat!("(?i:", $key, ")", openers!())),
            },
            keep: 0,
            check: $check,
            standalone: true,
        }
    };
}
