//! Assignment prechecks: a key is never longer than [`KEY_MAX`], and a run of key bytes past
//! it is ruled out without waiting for its end.

use regex_syntax::hir::{Class, Hir, HirKind};
use regex_syntax::ParserBuilder;

use super::*;
use crate::scrub::rules::DEFAULT_RULES;

/// The longest run of key bytes a regex's start can match, and whether the run stops inside
/// `h` (at a byte that is no key byte): an upper bound, from the leading parts of a
/// concatenation whose bytes may all be key bytes.
fn key_run(h: &Hir) -> (usize, bool) {
    let is_key = is_key_byte;
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => (0, false),
        HirKind::Literal(lit) => {
            let n = lit.0.iter().take_while(|b| is_key(**b)).count();
            (n, n < lit.0.len())
        }
        HirKind::Class(Class::Bytes(c)) => {
            let key = c.iter().any(|r| (r.start()..=r.end()).any(is_key));
            (usize::from(key), !key)
        }
        HirKind::Class(Class::Unicode(c)) => {
            let key = c
                .iter()
                .any(|r| (r.start()..=r.end()).any(|ch| u8::try_from(ch).is_ok_and(is_key)));
            (usize::from(key), !key)
        }
        HirKind::Capture(c) => key_run(&c.sub),
        HirKind::Repetition(r) => match key_run(&r.sub) {
            (n, false) => (
                n.saturating_mul(r.max.map_or(usize::MAX, |m| m as usize)),
                false,
            ),
            stopped => stopped,
        },
        HirKind::Concat(parts) => {
            let mut total = 0;
            for p in parts {
                let (n, stop) = key_run(p);
                total += n;
                if stop {
                    return (total, true);
                }
            }
            (total, false)
        }
        HirKind::Alternation(alts) => alts
            .iter()
            .map(key_run)
            .fold((0, false), |a, b| (a.0.max(b.0), a.1 || b.1)),
    }
}

/// Every rule that needs an assignment (the keyword pack, `cookie`) matches at most
/// [`KEY_MAX`] key bytes from its start: its key.
#[test]
fn every_key_fits_key_max() {
    let mut rules = 0;
    for r in DEFAULT_RULES
        .iter()
        .filter(|r| r.pack == "keywords" || r.kind == "cookie")
    {
        let Some(re) = r.verify.bounded() else {
            panic!("{}: not an assignment rule", r.kind)
        };
        let hir = ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(re)
            .unwrap();
        let (longest, _) = key_run(&hir);
        assert!(longest <= KEY_MAX, "{}: a key of {longest} bytes", r.kind);
        rules += 1;
    }
    assert_eq!(
        rules, 15,
        "the keyword pack's nine rules, its five named-value rules and cookie"
    );
}

/// A run of key bytes longer than any key is no assignment, decided without its end (which may
/// be tens of KiB away, or past the hold-back cap); one that fits waits for what follows.
#[test]
fn a_run_past_key_max_is_no_assignment_and_does_not_wait() {
    let long = [b"token".as_slice(), &[b'B'; KEY_MAX]].concat();
    assert_eq!(assignment_value(&long, 0, false), Ok(None));
    assert!(not_an_assignment(&long, 0));
    let long_then_assigned = [long.as_slice(), b"=value"].concat();
    assert_eq!(assignment_value(&long_then_assigned, 0, true), Ok(None));
    let fits = [b"token".as_slice(), &[b'B'; KEY_MAX - 5]].concat();
    assert_eq!(assignment_value(&fits, 0, false), Err(()));
    assert!(!not_an_assignment(&fits, 0));
    let assigned = [fits.as_slice(), b"=value"].concat();
    assert_eq!(
        assignment_value(&assigned, 0, true),
        Ok(Some(assigned.len() - 5))
    );
}

/// `key>` is an XML element only where a tag opens the key; elsewhere it is code (a
/// comparison) or a shell redirect, and no assignment.
#[test]
fn key_then_gt_is_an_element_only_inside_a_tag() {
    // (bytes, the rule's key in them, whether `key>` there is an element)
    for (hay, key, element) in [
        ("<token>v4lue</token>", "token", true),
        ("<Token>v4lue</Token>", "Token", true),
        ("<access_token>v4lue</access_token>", "token", true),
        ("<ns:password>v4lue</ns:password>", "password", true),
        ("<db.password>v4lue</db.password>", "password", true),
        ("if(a.token>0&&b.length)</script>", "token", false),
        ("echo $TOKEN>/tmp/out", "TOKEN", false),
        ("x = token>limit ? a : b", "token", false),
        ("token>v4lue</token>", "token", false),
    ] {
        let start = hay.find(key).unwrap();
        let value = assignment_value(hay.as_bytes(), start, true);
        assert_eq!(value.unwrap().is_some(), element, "{hay}");
        assert_eq!(not_an_assignment(hay.as_bytes(), start), !element, "{hay}");
    }
}

/// Through the scrubber, in every chunking: an element's value is redacted; a page's inline
/// script comparing a `token` field is left as it is (its "value" ran to `</script>`).
#[test]
fn an_inline_script_is_not_an_element() {
    use std::sync::Arc;

    use crate::scrub::{LiveSet, ScrubPolicy};
    let script = "<script>if(a.token>0&&b.size){go(a.token,b.size)}</script>";
    let element = "<session><api_token>Zx81Kq0PLm3N7vBt2YwR</api_token></session>";
    let body = format!("{script}\n{element}\n");
    let want = format!("{script}\n<session><api_token>[REDACTED:token]</api_token></session>\n");
    let (policy, live) = (ScrubPolicy::default(), Arc::new(LiveSet::new(Vec::new())));
    for step in [1, 7, 64, body.len()] {
        let chunks: Vec<&[u8]> = body.as_bytes().chunks(step).collect();
        let (out, _) = crate::scrub::tests::run(&policy, &live, &chunks);
        assert_eq!(String::from_utf8(out).unwrap(), want, "in pieces of {step}");
    }
}

/// An XML element may name a setting in one attribute and hold its value in the next; the
/// value starts after `value=` and its quote (escaped inside a JSON string), and a key whose
/// attribute is followed by any other attribute is no assignment.
#[test]
fn an_attribute_pair_is_an_assignment() {
    // (bytes, the rule's key in them, the value's first bytes or none)
    for (hay, key, value) in [
        (r#"<add key="ApiKey" value="Xy7k"/>"#, "Key", Some("Xy7k")),
        (
            r#"<add key='SmtpPassword'  value = 'Xy7k'/>"#,
            "Password",
            Some("Xy7k"),
        ),
        (
            r#"<property name="db.password" value="Xy7k"/>"#,
            "password",
            Some("Xy7k"),
        ),
        (
            r#"{"f":"<add key=\"AuthToken\" value=\"Xy7k\"/>"}"#,
            "Token",
            Some("Xy7k"),
        ),
        (r#"<add key="ApiKey" valueType="x"/>"#, "Key", None),
        (r#"<input type="password" name="pw">"#, "password", None),
        (r#"<add key="ApiKey" value=Xy7k/>"#, "Key", None),
    ] {
        let start = hay.find(key).unwrap();
        let found = assignment_value(hay.as_bytes(), start, true).unwrap();
        assert_eq!(found.map(|v| &hay[v..v + 4]), value, "{hay}");
        // `valueType` is ruled out by the regex, not here: a superset.
        let ruled_out = not_an_assignment(hay.as_bytes(), start);
        assert_eq!(ruled_out, hay.contains("name=\"pw\""), "{hay}");
    }
}

/// A key followed by a blank is an assignment only as a long option's name, after `--`.
#[test]
fn a_long_option_is_an_assignment() {
    // (bytes, the rule's key in them, the value's first bytes or none)
    for (hay, key, value) in [
        ("mysql --password Xy7k -u root", "password", Some("Xy7k")),
        (
            "az ad sp create --client-secret  'Xy7k'",
            "secret",
            Some("Xy7k"),
        ),
        ("cli --db-password \"Xy7k\"", "password", Some("Xy7k")),
        ("gh auth login --with-token\tXy7k", "token", Some("Xy7k")),
        ("reset the password Xy7k now", "password", None),
        ("a-password Xy7k", "password", None),
        ("x---password Xy7k", "password", None),
        ("ab--password Xy7k", "password", None),
        (
            r#"{"args":["--db-password", "Xy7k"]}"#,
            "password",
            Some("Xy7k"),
        ),
        (r#"args: ['--token','Xy7k']"#, "token", Some("Xy7k")),
        (r#"["username", "password", "Xy7k"]"#, "password", None),
    ] {
        let start = hay.find(key).unwrap();
        let found = assignment_value(hay.as_bytes(), start, true).unwrap();
        assert_eq!(found.map(|v| &hay[v..v + 4]), value, "{hay}");
        assert_eq!(
            not_an_assignment(hay.as_bytes(), start),
            value.is_none(),
            "{hay}"
        );
    }
}

/// A key's string followed by a comma and another string is an assignment as PHP's constant
/// (`define( 'DB_PASSWORD', '…' )`), with up to 16 blanks before the value, as WordPress aligns
/// its keys', and as an environment variable's default; not as another call's arguments or a
/// list's next item.
#[test]
fn a_setting_call_is_an_assignment() {
    // (bytes, the rule's key in them, the value's first bytes or none)
    for (hay, key, value) in [
        ("define( 'DB_PASSWORD', 'Xy7k' );", "PASSWORD", Some("Xy7k")),
        ("define('DB_PASSWORD','Xy7k');", "PASSWORD", Some("Xy7k")),
        ("DEFINE(\"password\", \"Xy7k\");", "password", Some("Xy7k")),
        (
            "define( 'AUTH_KEY',         'Xy7k' );",
            "_KEY",
            Some("Xy7k"),
        ),
        ("define( 'NONCE_KEY',\t\t'Xy7k' );", "_KEY", Some("Xy7k")),
        (
            "Config::define('API_TOKEN', 'Xy7k');",
            "TOKEN",
            Some("Xy7k"),
        ),
        // 17 blanks: more than any alignment.
        ("define('AUTH_KEY',                 'Xy7k');", "_KEY", None),
        ("undefine('DB_PASSWORD', 'Xy7k');", "PASSWORD", None),
        ("redefine( 'DB_PASSWORD', 'Xy7k' );", "PASSWORD", None),
        ("$form->add('password', 'Xy7k');", "password", None),
        ("define( 'DB_PASSWORD', getenv('X') );", "PASSWORD", None),
        ("define DB_PASSWORD, 'Xy7k'", "PASSWORD", None),
        // Defaults for environment variables.
        (
            "SECRET_KEY = os.environ.get('DJANGO_SECRET_KEY', 'Xy7k')",
            "SECRET_KEY'",
            Some("Xy7k"),
        ),
        (
            "os.getenv(\"DB_PASSWORD\", \"Xy7k\")",
            "PASSWORD",
            Some("Xy7k"),
        ),
        (
            "os.environ.setdefault('API_TOKEN', 'Xy7k')",
            "TOKEN",
            Some("Xy7k"),
        ),
        (
            "ENV.fetch(\"STRIPE_SECRET\", \"Xy7k\")",
            "SECRET",
            Some("Xy7k"),
        ),
        ("'key' => env('APP_KEY', 'Xy7k'),", "_KEY", Some("Xy7k")),
        ("dotenv('APP_KEY', 'Xy7k')", "_KEY", None),
        ("self.env('APP_KEY', 'Xy7k')", "_KEY", None),
        ("requests.get('password', 'Xy7k')", "password", None),
    ] {
        let start = hay.find(key).unwrap();
        let found = assignment_value(hay.as_bytes(), start, true).unwrap();
        assert_eq!(found.map(|v| &hay[v..v + 4]), value, "{hay}");
        if value.is_some() {
            assert!(!not_an_assignment(hay.as_bytes(), start), "{hay}");
        }
    }
}

/// A key is taken for a named value's (`Assigned::Named`) wherever its rule's regex matches,
/// and never turned down before the bytes that rule it out have come: at every length of the
/// bytes, a match of the whole is waited for or taken. Prose and plain assignments are not.
#[test]
fn a_named_value_is_taken_wherever_its_regex_matches() {
    use crate::scrub::rules::Verify;
    use regex_automata::{meta, Anchored, Input};
    let regex = |kind: &str| {
        let re = DEFAULT_RULES
            .iter()
            .find_map(|r| match r.verify {
                Verify::NamedValue { bounded, .. } if r.kind == kind => Some(bounded),
                _ => None,
            })
            .unwrap();
        meta::Builder::new()
            .syntax(
                regex_automata::util::syntax::Config::new()
                    .unicode(false)
                    .utf8(false),
            )
            .configure(meta::Config::new().nfa_size_limit(None))
            .build(re)
            .unwrap()
    };
    // (bytes, the rule's kind, its key in them, whether the regex matches there)
    for (hay, kind, key, matches) in [
        (
            r#"{"name":"DB_PASSWORD","value":"Xy7kQ"}"#,
            "password",
            "PASSWORD",
            true,
        ),
        (
            r#"{"key" : "API_TOKEN" ,"value":"Xy7kQ9wLm3Zr"}"#,
            "token",
            "TOKEN",
            true,
        ),
        (
            r#"{\"name\":\"DB_PASSWORD\",\"Type\":\"x\", \"value\":\"Xy7kQ\"}"#,
            "password",
            "PASSWORD",
            true,
        ),
        (
            "- name: DB_PASSWORD\r\n  value: Xy7kQ\n",
            "password",
            "PASSWORD",
            true,
        ),
        (
            "- name: 'DB_PASSWORD'  \n  value: Xy7kQ\n",
            "password",
            "PASSWORD",
            true,
        ),
        (
            "args:\n- --client-secret\n- Xy7kQ9\n",
            "secret",
            "secret",
            true,
        ),
        (
            "args:\n- --client-secret \n  - Xy7kQ9\n",
            "secret",
            "secret",
            true,
        ),
        (
            "<setting name=\"ApiKey\" x=\"y\">\n<value>Xy7kQ9wL</value>",
            "api_key",
            "Api",
            true,
        ),
        (
            "<setting name=\"ApiKey\">\n<value>Xy7kQ9wL</value>",
            "api_key",
            "Api",
            true,
        ),
        (r#"{"password":"Xy7kQ"}"#, "password", "password", false),
        ("reset the password now", "password", "password", false),
        (
            "- name: DB_PASSWORD\n  valueFrom:\n",
            "password",
            "PASSWORD",
            false,
        ),
        (r#"["password","email"]"#, "password", "password", false),
    ] {
        let re = regex(kind);
        let start = hay.find(key).unwrap();
        let found = re
            .search(&Input::new(hay).range(start..).anchored(Anchored::Yes))
            .is_some();
        assert_eq!(found, matches, "{hay}");
        if found {
            assert_eq!(
                assigned(hay.as_bytes(), start, true),
                Ok(Assigned::Named),
                "{hay}"
            );
            for end in start..hay.len() {
                let cut = assigned(&hay.as_bytes()[..end], start, false);
                assert!(
                    matches!(cut, Err(()) | Ok(Assigned::Named)),
                    "{hay}: {cut:?} at {end}"
                );
            }
        }
    }
    // Turned down: prose, a list of strings, a next line of anything but `value:`, a YAML item after no option
    // (which the regex alone would take, as a keyword's regex takes `password "x"`: the option
    // is looked for before the key, out of the regex's reach), a word after a quoted name with
    // no blank between; and a plain assignment is one.
    for hay in [
        "password reset",
        "password\nvalues: x",
        "password\n- x",
        r#""password"is"#,
        r#"["password", "email"]"#,
        r#"{"a":["password",\n  "x"]}"#,
    ] {
        let start = hay.find("password").unwrap();
        assert_eq!(
            assigned(hay.as_bytes(), start, true),
            Ok(Assigned::No),
            "{hay}"
        );
    }
    assert_eq!(
        assigned(br#""password": "x""#, 1, true),
        Ok(Assigned::Value(13))
    );
}
