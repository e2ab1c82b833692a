//! Settings whose name and value are two fields of one record: the form every environment
//! variable and parameter API returns. A Kubernetes container's `env` (`{"name": "DB_PASSWORD",
//! "value": "…"}`, or the same in YAML as `kubectl get -o yaml` writes it), an ECS task
//! definition's `environment`, GitLab's and Vercel's CI variables (`{"key": "DEPLOY_TOKEN",
//! "value": "…"}`), SSM parameters (`{"Name": "/prod/db/password", "Type": "SecureString",
//! "Value": "…"}`), CloudFormation's `ParameterKey`/`ParameterValue`, .NET's settings files
//! (`<setting name="Password"><value>…</value>`), and a container's arguments as a YAML list
//! (`- --db-password` and `- …` on the next line). An agent that reads a deployment or a
//! pipeline's variables gets them all, and the keyword rules see only `name` and `value` as
//! keys.
//!
//! The setting's name must end with the keyword rules' key (`DB_PASSWORD`, `STRIPE_SECRET_KEY`,
//! `DEPLOY_TOKEN`), and the value is judged by the same checks: a placeholder, a variable
//! (`$(DB_PASSWORD)`) or a pagination cursor's name (`NEXT_PAGE_TOKEN`) is left. The rules are
//! tried at the keyword rules' candidates, from where their walk over the key ends
//! (`assignment::assigned`), so clean bodies and prose pay nothing; the regex runs only
//! where the bytes after the key may begin one of these forms.
//!
//! Left out: a record whose value comes before its name (`{"value": "…", "name": "…"}`, which
//! a streaming verdict would have to hold back for the whole record), more than two fields
//! between the two or one whose name begins as the value's key does (`v`, `V`, `P`: see
//! `field_rest!`), YAML and XML inside a JSON string, and any of these as HTML entities.

use super::{Check, RuleDef, Verify};

/// Blanks and line ends between a record's fields: pretty-printed JSON indents a Deployment's
/// `env` entries by 40 spaces or more.
macro_rules! gap {
    () => {
        r"[ \t\r\n]{0,128}"
    };
}

/// `gap!` inside a JSON string, whose line ends are escapes, and the escaped quote after it:
/// blanks and `\n`s, written so that the backslash of either leads one way.
macro_rules! escaped_gap_quote {
    () => {
        r#"[ \t]{0,64}\\(?:[nrt][ \t]{0,64}\\){0,8}""#
    };
}

/// A field between the name and the value (`"Type": "SecureString",`) after its opening quote
/// `$q`: a short string, number or word, under a name that does not begin as the value's key
/// does (`v`, `V`, `P`), so that the byte after the quote tells which it is.
macro_rules! field_rest {
    ($q:literal) => {
        concat!(
            r"[A-OQ-UW-Za-uw-z_][A-Za-z_]{0,31}",
            $q,
            r"[ \t]{0,4}:[ \t]{0,4}(?:",
            $q,
            r#"[^"'\\\r\n]{0,64}"#,
            $q,
            r"|[0-9A-Za-z.]{1,16})[ \t]{0,4},"
        )
    };
}

/// The value's key after its opening quote `$q` (`value": `).
macro_rules! value_key_rest {
    ($q:literal) => {
        concat!("(?:[vV]alue|ParameterValue)", $q, r"[ \t]{0,4}:[ \t]{0,4}")
    };
}

/// Up to two fields and then the value's key, each after `$gap_q` (the gap before it and its
/// opening quote), the fields' own quotes `$q`: the opening quote is written once, before the
/// byte that tells a field from the key.
macro_rules! fields_then_value_key {
    ($q:literal, $gap_q:expr) => {
        concat!(
            $gap_q,
            "(?:",
            field_rest!($q),
            $gap_q,
            "(?:",
            field_rest!($q),
            $gap_q,
            ")?)?",
            value_key_rest!($q)
        )
    };
}

/// The forms after the name's key (`(?i:KEY)`), as one alternation, each followed by its
/// value: JSON's next field(s) up to `"value": ` and then `$json`; the same inside a JSON
/// string (`kubectl`'s last-applied-configuration annotation holds the whole object again as
/// one: `{\"name\":\"DB_PASSWORD\",\"value\":\"…\"}`) and then `$escaped`, after its `\"`;
/// YAML's next line, `value: ` or a list's `- ` (the second only after a long option, which
/// `assignment::assigned` checks) and then `$yaml`; .NET's `<setting name="…" …>` and its
/// `<value>` element, and then `$xml`.
///
/// Written so that each byte leads one way (one-pass): with the values left out, it is the
/// rule's openers (see `RegexVerifier::capture_forms_with`), and a match's value is found from
/// where they end and the closer that tells, not by a general capture search (which cost a
/// body of `password` / `value: …` lines 112x clean JSON's instructions; 37x this way).
macro_rules! named_value {
    ($key:literal, $json:expr, $escaped:expr, $yaml:expr, $xml:expr) => {
        concat!(
            "(?i:",
            $key,
            r#")(?:["'][ \t]{0,4}(?:,"#,
            fields_then_value_key!(r#"["']"#, concat!(gap!(), r#"["']"#)),
            $json,
            r"|\r?\n[ \t]{0,128}(?:value:|-)[ \t]{1,4}",
            $yaml,
            r#"|(?:[A-Za-z]{1,32}[ \t]{0,4}=[ \t]{0,4}["'][^"'<>\r\n]{0,64}["'][ \t]{0,4}){0,3}>"#,
            gap!(),
            "<value>",
            $xml,
            r#")|\\"[ \t]{0,4},"#,
            fields_then_value_key!(r#"\\""#, escaped_gap_quote!()),
            r#"\\""#,
            $escaped,
            r"|[ \t]{0,4}\r?\n[ \t]{0,128}(?:value:|-)[ \t]{1,4}",
            $yaml,
            ")"
        )
    };
}

/// `named_value!`'s values, `$reps` long, closed by `$dq`, `$sq`, `$delim`, `$esc_dq` and
/// `$xml_end` as the keyword rules' are.
macro_rules! named_value_with {
    ($key:literal, $reps:expr, $dq:literal, $sq:literal, $delim:expr, $esc_dq:literal, $xml_end:literal) => {
        named_value!(
            $key,
            concat!("(?:", quoted_values!($reps, $dq, $sq), ")"),
            escaped_value!($reps, $esc_dq),
            concat!(
                "(?:",
                quoted_values!($reps, $dq, $sq),
                "|((?:",
                bare_unit!(),
                "){",
                $reps,
                "})",
                $delim,
                ")"
            ),
            concat!(r"([^<\r\n]{", $reps, "})", $xml_end)
        )
    };
}

/// A named-value rule for a keyword rule's kind, key, least value length and check: values up
/// to 4,096 bytes, and longer ones by the unbounded form, as a keyword rule's. No anchors of
/// its own: it is tried where its keyword rule's key is followed by what may be the next
/// field, line or element (`assignment::Assigned::Named`), so the candidate loop walks each
/// keyword's key once.
macro_rules! named_value_rule {
    ($kind:literal, $key:literal, $min:tt, $check:expr) => {
        RuleDef {
            kind: $kind,
            pack: "keywords",
            anchors: &[],
            back: 1,
            verify: Verify::NamedValue {
                bounded: named_value_with!(
                    $key,
                    concat!($min, ",4096"),
                    r#"""#,
                    "'",
                    bare_end!(),
                    r#"\\""#,
                    "</"
                ),
                long: named_value_with!(
                    $key,
                    "1,",
                    r#"(?:"|\\?$)"#,
                    "(?:'|$)",
                    bare_end_or_cut!(),
                    r#"(?:\\"|\\{0,3}$)"#,
                    "(?:</|<?$)"
                ),
                openers: Some(named_value!($key, r#"["']"#, "", r#"["']?"#, "")),
            },
            keep: 0,
            check: $check,
            standalone: false,
        }
    };
}

/// One rule per keyword rule, with its kind, key and check (`rules.rs`): tried at the keyword
/// rule's candidates where no assignment follows the key.
pub const NAMED_VALUE_RULES: &[RuleDef] = &[
    named_value_rule!(
        "password",
        "pass(?:w(?:or)?d|phrase)?|pwd",
        "3",
        Check::Passphrase
    ),
    named_value_rule!(
        "secret",
        "secret(?:_?(?:(?:access_?)?key|text|string|binary))?",
        "6",
        Check::NotPlaceholder
    ),
    named_value_rule!("api_key", "api[_-]?key", "8", Check::NotPlaceholder),
    named_value_rule!("token", "token", "12", Check::TokenAssignment),
    // The `key` rule's (`named_keys.rs`): tried only where its name judge took the word
    // before `_key` (`APP_KEY`, not `PARTITION_KEY`).
    named_value_rule!("key", "_key", "16", Check::NamedKey),
];
