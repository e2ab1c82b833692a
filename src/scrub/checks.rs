//! Post-match checks that keep public or placeholder text out of the redactions: checksums where
//! a format carries one (GitHub classic and npm tokens), placeholders (`sk_test_xxxx`, `****`,
//! `${DB_PASSWORD}`, `<your-key>`), and plausibility for context rules (a `Bearer` followed by a
//! word in prose is not a token).

use base64::Engine;

use super::placeholder::is_placeholder;

/// Which check a rule runs on its candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    None,
    /// Not a placeholder or an already masked value.
    NotPlaceholder,
    /// A password: as `NotPlaceholder`, and a YAML value may hold spaces (a passphrase runs to
    /// the end of its line; see `plain_value`). Under an abbreviated key (`pass`, `pwd`), as
    /// [`abbreviated_key_holds_a_password`] judges. `before` ends where the value starts.
    Passphrase,
    /// GitHub classic / npm: the last 6 characters are the base62 CRC32 of the 30 before them.
    Base62Crc32,
    /// A bearer token: not a placeholder, and random-looking (a digit, or long).
    TokenLike,
    /// HTTP Basic: base64 of printable `user:password`.
    BasicPair,
    /// A `token` assignment that is not a pagination cursor and looks random.
    TokenAssignment,
    /// A command's argument (`mysql -p…`): not a placeholder, and not where the secret is read
    /// from (see [`is_reference`]) unless single-quoted, where a shell expands nothing.
    /// `before` ends where the argument starts.
    Argument,
    /// A private key's material under its name: 32 bytes or more mixing two of lower-case,
    /// upper-case and digits, and no path or key file's name (`private_key:
    /// /etc/letsencrypt/live/…/privkey.pem`) or placeholder.
    KeyMaterial,
    /// A key under a name that says it is secret (`APP_KEY`, `ENCRYPTION_KEY`; see
    /// `key_name`): mixing two of lower-case, upper-case and digits, and no path, key file's
    /// name, resource name (`arn:aws:kms:…`, `projects/…/cryptoKeys/…`), URL, phrase or
    /// placeholder.
    NamedKey,
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The 6-character base62 CRC32 GitHub and npm append to their tokens' random part.
pub fn base62_crc32(data: &[u8]) -> [u8; 6] {
    let mut n = crc32fast::hash(data);
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// Each byte's base62 digit value (`u8::MAX` for a byte that is not a digit).
static BASE62_VALUE: [u8; 256] = {
    let mut v = [u8::MAX; 256];
    let mut i = 0;
    while i < BASE62.len() {
        v[BASE62[i] as usize] = i as u8;
        i += 1;
    }
    v
};

fn crc_ok(token: &[u8]) -> bool {
    // prefix `ghp_` / `npm_` (4 bytes), 30 random, 6 checksum. The checksum digits are read as
    // a number rather than the CRC written out (six divisions): every GitHub token found runs
    // this. Six base62 digits hold more than 32 bits, so equal numbers mean equal digits.
    if token.len() != 40 {
        return false;
    }
    let mut n: u64 = 0;
    for &b in &token[34..40] {
        let d = BASE62_VALUE[usize::from(b)];
        if d == u8::MAX {
            return false;
        }
        n = n * 62 + u64::from(d);
    }
    n == u64::from(crc32fast::hash(&token[4..34]))
}

/// A shell's or Windows' variable, expansion or substitution (`$MYSQL_PWD`, `${PW}`,
/// `$(cat /run/secrets/db)`, `` `cat f` ``, `%DB_PASSWORD%`): on a command line the shell puts
/// the secret there when the command runs, so the text holds its name, not the secret. A `$`
/// before a name is a variable even in a password-like word (`-p$ecret` and `-p"$ecret"` expand
/// `$ecret`; `-p'$ecret'` does not, see [`Check::Argument`]).
fn is_reference(v: &[u8]) -> bool {
    let name = |s: &[u8]| {
        s.first()
            .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
            && s.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
    };
    match v {
        [b'$', b'{' | b'(', ..] | [b'`', ..] => true,
        [b'$', rest @ ..] => name(rest),
        [b'%', rest @ .., b'%'] => name(rest),
        _ => false,
    }
}

/// `v` with the JSON escapes a token may hold for its `/` and `+` (`\/`, `\u002b`) decoded.
pub(super) fn unescape_members(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        let rest = &v[i..];
        let (byte, len) = match rest {
            [b'\\', b'/', ..] => (b'/', 2),
            [b'\\', b'u', b'0', b'0', b'2', b'b' | b'B', ..] => (b'+', 6),
            [b, ..] => (*b, 1),
            [] => break,
        };
        out.push(byte);
        i += len;
    }
    out
}

/// Neither prose nor a placeholder: an unquoted lower-case word after `password: ` or ` = ` is
/// prose or a variable in code far more often than a secret.
fn no_prose_or_placeholder(secret: &[u8], literal: bool) -> bool {
    let prose = !literal && secret.iter().all(u8::is_ascii_lowercase);
    !prose && !is_placeholder(secret)
}

/// Where a password's key (the last `pass` or `pwd` in `before`, which ends where the value
/// starts) is, and its length, when the key is abbreviated (not `password`, `passwd` or
/// `passphrase`).
fn abbreviated_key(before: &[u8]) -> Option<(usize, usize)> {
    let last = |from: usize, k: &[u8]| {
        before[from..]
            .windows(k.len())
            .rposition(|w| w.eq_ignore_ascii_case(k))
            .map(|at| (from + at, k.len()))
    };
    // From the right, `pass` is found within a few bytes of the value (every password match
    // runs this); `pwd` is looked for only after it, not over the whole look-behind.
    let pass = last(0, b"pass");
    let pwd = last(pass.map_or(0, |(at, _)| at), b"pwd");
    let (at, len) = pass.max(pwd)?;
    let rest = &before[at + len..];
    let long = len == 4
        && [&b"word"[..], b"wd", b"phrase"]
            .iter()
            .any(|w| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w));
    (!long).then_some((at, len))
}

/// A password under `pass` or `pwd`, at `key` in `before` ([`abbreviated_key`]). Those words
/// end more names than passwords', so the key must end a name of its own: after a separator
/// (`DB_PASS`, `smtp.pass`), or camel-cased (`dbPass`), not inside a word (`BYPASS`, `OLDPWD`,
/// `compass`). Go's and automake's test results (`--- PASS: TestLogin`) are no setting; nor
/// is a directory (`PWD=/home/ci`), a count (`"pass": 120`) or a word (`"pass": "partial"`,
/// `"pass": "Allow"` in a firewall rule): the value must be 6 bytes or more, mix two of
/// lower-case, upper-case and digits other than as a capitalised word, and be no placeholder.
fn abbreviated_key_holds_a_password(secret: &[u8], before: &[u8], key: (usize, usize)) -> bool {
    let (at, len) = key;
    let key = &before[at..at + len];
    let prev = at.checked_sub(1).map(|p| before[p]);
    let own_name = match prev {
        Some(p) if p.is_ascii_alphanumeric() => {
            key[0] == b'P' && (p.is_ascii_lowercase() || p.is_ascii_digit())
        }
        _ => true,
    };
    let prefixed = matches!(prev, Some(b'_' | b'-' | b'.'));
    let test_result = key == b"PASS" && !prefixed && before[at + len..].contains(&b':');
    let directory = is_directory(secret);
    let capitalised = matches!(secret, [first, rest @ ..]
        if first.is_ascii_uppercase() && rest.iter().all(u8::is_ascii_lowercase));
    own_name
        && !test_result
        && !directory
        && secret.len() >= 6
        && classes(secret) >= 2
        && !capitalised
        && !is_placeholder(secret)
}

/// Whether `v` is where a key is rather than the key: a directory, or a key file's name
/// (`config/keys/signing-key.pem`).
fn is_key_file(v: &[u8]) -> bool {
    is_directory(v)
        || [&b".pem"[..], b".key", b".der", b".p8", b".json"]
            .iter()
            .any(|e| v.ends_with(e))
}

/// Whether `v` names a key held by a service (a KMS key's ARN, alias or resource name) or is a
/// URL: where a key is, not the key.
fn is_resource_name(v: &[u8]) -> bool {
    [
        &b"arn:"[..],
        b"alias/",
        b"projects/",
        b"https://",
        b"http://",
    ]
    .iter()
    .any(|p| v.starts_with(p))
}

/// Whether `v` is words and spaces (`put your unique phrase here`, a description): a key with
/// spaces in it (a WordPress salt) has symbols between them.
fn is_phrase(v: &[u8]) -> bool {
    v.contains(&b' ') && v.iter().all(|b| b.is_ascii_alphanumeric() || *b == b' ')
}

/// Whether `v` is a path from a root, a home or the working directory (`/home/ci`, `~/src`,
/// `./keys`, `C:\Users`).
fn is_directory(v: &[u8]) -> bool {
    matches!(v, [b'/' | b'~', ..] | [b'.', b'/' | b'.', ..])
        || matches!(v, [d, b':', b'\\' | b'/', ..] if d.is_ascii_alphabetic())
}

/// How many of lower-case letters, upper-case letters and digits `v` holds: one pass that
/// stops once it has seen all three.
fn classes(v: &[u8]) -> usize {
    static CLASS: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            t[b] = if c.is_ascii_lowercase() {
                1
            } else if c.is_ascii_uppercase() {
                2
            } else if c.is_ascii_digit() {
                4
            } else {
                0
            };
            b += 1;
        }
        t
    };
    let mut seen = 0;
    for &b in v {
        seen |= CLASS[usize::from(b)];
        if seen == 7 {
            break;
        }
    }
    seen.count_ones() as usize
}

/// Runs `check` on a candidate: `secret` is the span to redact, `before` the bytes before the
/// key (up to the engine's look-behind), `literal` whether the value was written as one (in
/// quotes, or as `plain_value` judged it).
pub fn passes(check: Check, secret: &[u8], before: &[u8], literal: bool) -> bool {
    match check {
        Check::None => true,
        Check::Passphrase => match abbreviated_key(before) {
            Some(key) => abbreviated_key_holds_a_password(secret, before, key),
            None => no_prose_or_placeholder(secret, literal),
        },
        Check::NotPlaceholder => no_prose_or_placeholder(secret, literal),
        Check::Base62Crc32 => crc_ok(secret),
        Check::TokenLike => {
            (secret.iter().any(u8::is_ascii_digit) || secret.len() >= 32) && !is_placeholder(secret)
        }
        Check::BasicPair => {
            let engine = base64::engine::GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                base64::engine::GeneralPurposeConfig::new()
                    .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
                    .with_decode_allow_trailing_bits(true),
            );
            // Inside a JSON string the base64 may have its `/` and `+` escaped (`\/`, `\u002b`).
            let secret: std::borrow::Cow<[u8]> = if secret.contains(&b'\\') {
                unescape_members(secret).into()
            } else {
                secret.into()
            };
            match engine.decode(&secret) {
                Ok(d) => {
                    d.iter().all(|b| (0x20..0x7f).contains(b))
                        && d.contains(&b':')
                        && !is_placeholder(&d)
                }
                Err(_) => false,
            }
        }
        Check::Argument => {
            (before.last() == Some(&b'\'') || !is_reference(secret)) && !is_placeholder(secret)
        }
        Check::KeyMaterial => {
            secret.len() >= 32
                && !is_key_file(secret)
                && classes(secret) >= 2
                && !is_placeholder(secret)
        }
        Check::NamedKey => {
            !is_key_file(secret)
                && !is_resource_name(secret)
                && !is_phrase(secret)
                // Two classes: no lower-case word, so `no_prose_or_placeholder`'s prose test
                // would add nothing.
                && classes(secret) >= 2
                && !is_placeholder(secret)
        }
        Check::TokenAssignment => {
            let key: Vec<u8> = before
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'-')
                .filter(|b| b.is_ascii_alphanumeric())
                .map(u8::to_ascii_lowercase)
                .collect();
            // `key` is reversed: "next_page_" -> "egaptxen".
            let cursor = [
                "egap",
                "txen",
                "noitaunitnoc",
                "rosruc",
                "cnys",
                "emuser",
                "tsal",
            ]
            .iter()
            .any(|w| key.starts_with(w.as_bytes()));
            // A form's anti-forgery token (`csrf_token`, Rails' `authenticity_token` and
            // Django's `csrfmiddlewaretoken` in a hidden field's `value`): bound to the session
            // it was issued in, no credential without it, and what an agent must send back to
            // submit the form.
            let anti_forgery = ["frsc", "frsx", "yticitnehtua", "erawelddimfrsc"]
                .iter()
                .any(|w| key.starts_with(w.as_bytes()));
            // The cheaper test first: a value of one class (`token=token=…` thousands of times
            // over, in a hostile body) is turned down without the placeholder walk.
            !cursor && !anti_forgery && classes(secret) >= 2 && !is_placeholder(secret)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A checksum-valid token built from `random` (30 base62 characters).
    pub fn with_crc(prefix: &str, random: &str) -> String {
        let crc = base62_crc32(random.as_bytes());
        format!("{prefix}{random}{}", std::str::from_utf8(&crc).unwrap())
    }

    #[test]
    fn a_commands_argument_is_no_variable_substitution_or_placeholder() {
        for v in [
            "$MYSQL_PWD",
            "${DB_PASSWORD}",
            "$(cat /run/secrets/db)",
            "`cat pw`",
            "%PW%",
            "$pw",
        ] {
            assert!(!passes(Check::Argument, v.as_bytes(), b"", false), "{v}");
        }
        for v in ["<password>", "password", "changeit", "****"] {
            assert!(!passes(Check::Argument, v.as_bytes(), b"", false), "{v}");
        }
        // Lower-case letters only are a password here: no prose follows `-p`.
        for v in ["Xq7Lm3Zr9Kd4", "root", "50%off", "Sup3r S3cret"] {
            assert!(passes(Check::Argument, v.as_bytes(), b"", false), "{v}");
        }
        // In single quotes a shell expands nothing: `$uperS3cret` is the password.
        assert!(passes(Check::Argument, b"$uperS3cret", b"mysql -p'", true));
        assert!(!passes(
            Check::Argument,
            b"$uperS3cret",
            b"mysql -p\"",
            true
        ));
    }

    #[test]
    fn crc_accepts_valid_and_rejects_one_changed_character() {
        let t = with_crc("ghp_", "Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H");
        assert!(crc_ok(t.as_bytes()));
        let mut bad = t.clone().into_bytes();
        bad[10] = if bad[10] == b'a' { b'b' } else { b'a' };
        assert!(!crc_ok(&bad));
        // Checksums with leading zero digits and large values alike.
        let random = "Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H".repeat(2);
        for k in 0..30 {
            let r = &random[k..k + 30];
            assert!(crc_ok(with_crc("npm_", r).as_bytes()), "{r}");
        }
        // Every other digit, and a non-digit, at every checksum position.
        for at in 34..40 {
            for b in BASE62.iter().chain(b"_-.") {
                let mut v = t.clone().into_bytes();
                if v[at] == *b {
                    continue;
                }
                v[at] = *b;
                assert!(!crc_ok(&v), "{}", String::from_utf8_lossy(&v));
            }
        }
    }

    #[test]
    fn basic_needs_a_printable_pair() {
        // alice:s3cr3t
        assert!(passes(Check::BasicPair, b"YWxpY2U6czNjcjN0", b"", false));
        // alice:s3cr3t??? and alice:Tr0ub~4, their `/` and `+` escaped as in JSON strings.
        for escaped in [
            &b"YWxpY2U6czNjcjN0Pz8\\/"[..],
            b"YWxpY2U6VHIwdWJ\\u002BNA==",
        ] {
            assert!(passes(Check::BasicPair, escaped, b"", false));
        }
        assert!(!passes(Check::BasicPair, b"authentication", b"", false));
        assert!(!passes(
            Check::BasicPair,
            b"dXNlcjpwYXNzd29yZA==",
            b"",
            false
        )); // user:password
    }

    /// (bytes before the value, with the key; value; whether it is a password).
    const PASSWORD_KEYS: &[(&str, &str, bool)] = &[
        // Whole keys: as before, any value but prose and placeholders.
        ("DB_PASSWORD=", "hunter22", true),
        ("\"passwd\": \"", "hunter", true),
        ("BYPASSWORD=", "Xk92mPq7Lw", true),
        ("password: ", "changeme", false),
        // Abbreviated keys ending a name of their own.
        ("DB_PASS=", "Xk92mPq7Lw", true),
        ("spring.mail.pass=", "Xk92mPq7Lw", true),
        ("const dbPass = \"", "Xk92mPq7Lw", true),
        ("db2Pass=", "Xk92mPq7Lw", true),
        ("\"pass\": \"", "Xk92mPq7Lw", true),
        ("MYSQL_PWD=", "Xk92mPq7Lw", true),
        ("Uid=sa;Pwd=", "Xk92mPq7Lw", true),
        ("x-pass: ", "Xk92mPq7Lw", true),
        // Inside a word.
        ("BYPASS=", "Xk92mPq7Lw", false),
        ("bypass=", "Xk92mPq7Lw", false),
        ("OLDPWD=", "Xk92mPq7Lw", false),
        ("compass: ", "N12E45W", false),
        // Test results; a prefixed `PASS:` is a setting.
        ("--- PASS: ", "TestLogin2", false),
        ("PASS: ", "tests/basic2.sh", false),
        ("SMTP_PASS: ", "Xk92mPq7Lw", true),
        // Directories.
        ("PWD=", "/home/runner/work2", false),
        ("PWD=", "~/work2", false),
        ("PWD=", "./Build2", false),
        ("PWD=", "C:\\Users\\Ci2", false),
        // One class of characters: counts and words.
        ("\"pass\": ", "120", false),
        ("\"pass\": \"", "partial", false),
        ("DB_PASS=", "HUNTER", false),
        ("\"pass\": \"", "Allow", false),
        ("\"pass\": \"", "Accept", false),
        ("\"pass\": \"", "Tcp80", false),
        // Placeholders.
        ("DB_PASS=", "Example-Pass1", false),
        ("SMTP_PASS=", "<your-Pass2>", false),
    ];

    #[test]
    fn a_password_under_an_abbreviated_key_must_end_a_name_and_look_like_one() {
        for (before, value, password) in PASSWORD_KEYS {
            assert_eq!(
                passes(Check::Passphrase, value.as_bytes(), before.as_bytes(), true),
                *password,
                "{before}{value}"
            );
        }
    }

    #[test]
    fn key_material_is_long_mixed_and_no_path_or_file_name() {
        let hex = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
        for (v, key) in [
            (hex, true),
            ("5Kb8kLf9zgWQnogidDA76MzPL6TsZZY36hWXMssSzNydYXYB9KF", true),
            (
                "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7+x/9Zq",
                true,
            ),
            ("0x4c0883a69102937d6231471b5dbb6", false),
            ("/etc/letsencrypt/live/example.com/privkey.pem", false),
            ("config/keys/production-signing-key-2024.pem", false),
            ("~/secrets/deployer-private-key-material-v2", false),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ", false),
            ("your-private-key-here-0123456789abcdef", false),
        ] {
            assert_eq!(
                passes(Check::KeyMaterial, v.as_bytes(), b"", false),
                key,
                "{v}"
            );
        }
    }

    #[test]
    fn classes_counts_lower_upper_and_digits() {
        let late = format!("{}Z9", "a".repeat(100));
        for (v, want) in [
            ("", 0),
            ("---", 0),
            ("token=token=", 1),
            ("1234", 1),
            ("aB", 2),
            ("a-1", 2),
            ("aB1", 3),
            ("9zZ and more after all three", 3),
            (late.as_str(), 3),
        ] {
            assert_eq!(classes(v.as_bytes()), want, "{v}");
        }
    }

    #[test]
    fn pagination_and_anti_forgery_tokens_are_not_secrets() {
        let v = b"CgwI1o2BqgYQ8K3yWBIA";
        assert!(!passes(Check::TokenAssignment, v, b"{\"next_page_", true));
        assert!(passes(Check::TokenAssignment, v, b"{\"access_", true));
        for form in [
            &b"name=\"authenticity_"[..],
            b"name=\"csrfmiddleware",
            b"{\"csrf_",
            b"X-XSRF-",
        ] {
            let key = String::from_utf8_lossy(form);
            assert!(!passes(Check::TokenAssignment, v, form, true), "{key}");
        }
    }
}
