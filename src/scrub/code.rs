//! A keyword's value that is code naming a secret, not the secret: `apiKey:
//! process.env.OPENAI_API_KEY`, `password = getpass.getpass()`, `token = tokens[name]`.
//!
//! Agents read source through credgate (a repository's files, a raw file, an API description's
//! code samples), and redacting every lookup of a secret left the code unreadable: OpenAI's
//! published OpenAPI description came out with 38 `apiKey: [REDACTED:api_key]"OPENAI_API_KEY")`,
//! octokit's fixtures with `token: [REDACTED:token]` for `env.FIXTURES_USER_A_TOKEN_FULL_ACCESS`,
//! and a page of ordinary code (`secret = os.environ["SECRET"]`) lost 13 of 18 lines.
//!
//! Code shapes are looked for only in values written bare: a quoted value is a literal, and may
//! be the secret itself. And only shapes a random secret does not take: a call whose
//! parentheses balance (or whose argument opens with a quote, `f("NAME")`), a name indexed with
//! `[`, a member path of identifiers that reads as a configuration lookup (an object every
//! language names its settings by, or an upper-case name of an environment variable), a
//! variable named after its key, a parameter's type. A password such as `Summer.2024` or
//! `Xy7q(Lm3` is still a secret: a segment that is no identifier, and a parenthesis left open.
//!
//! Quoted or not, a value is also no secret when it names where the secret is (an environment
//! variable's name with a secret word in it, a shell variable, a secret file's path, a command
//! substitution) or is a stand-in of lower-case words (`sk_test_123`, `my-api-key`) or of
//! spaced words (`"My API Key"`): a weak password written that way (`my_secret_password`) is
//! the price, and is let through.

use super::checks;
use std::ops::Range;

/// Objects code reads settings and secrets from, as the first segment of a member path
/// (`process.env.X`, `settings.API_KEY`, `config.db.password`, `this.token`).
const ROOTS: &[&[u8]] = &[
    b"process",
    b"env",
    b"ENV",
    b"os",
    b"config",
    b"conf",
    b"cfg",
    b"settings",
    b"secrets",
    b"vars",
    b"self",
    b"this",
    b"Environment",
    b"System",
    b"credentials",
    b"creds",
    b"options",
    b"opts",
    b"params",
    b"props",
    b"ctx",
    b"context",
    b"req",
    b"request",
    b"app",
    b"window",
    b"import",
];

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$'
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// A member path of identifiers (`a`, `a.b`, `$_POST`), as its segments; `None` when `v` is not
/// one.
fn path(v: &[u8]) -> Option<impl Iterator<Item = &[u8]> + Clone> {
    let segments = v.split(|&b| b == b'.');
    segments
        .clone()
        .all(|s| s.first().is_some_and(|&b| is_ident_start(b)) && s.iter().all(|&b| is_ident(b)))
        .then_some(segments)
}

/// Whether the parentheses in `v` balance, none closed before it is opened.
fn balanced(v: &[u8]) -> bool {
    let mut depth = 0i32;
    v.iter().all(|&b| {
        depth += i32::from(b == b'(') - i32::from(b == b')');
        depth >= 0
    }) && depth == 0
}

/// An environment variable's name: upper case, digits and `_`, with a letter and a `_`
/// (`API_KEY`, `OPENAI_API_KEY`): the `_` keeps out an upper-case run of a random token.
fn is_env_name(s: &[u8]) -> bool {
    s.contains(&b'_')
        && s.iter().any(u8::is_ascii_uppercase)
        && s.iter()
            .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// A shell variable's name as scripts write one for a secret: capitals, digits and `_`,
/// starting with a capital or `_` (`PASSWORD`, `SP_SECRET`).
fn is_shell_variable(s: &[u8]) -> bool {
    s.first()
        .is_some_and(|&b| b.is_ascii_uppercase() || b == b'_')
        && s.iter()
            .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Words an environment variable that holds a secret is named with.
const SECRET_WORDS: &[&[u8]] = &[
    b"KEY",
    b"TOKEN",
    b"SECRET",
    b"PASS",
    b"PWD",
    b"CREDENTIAL",
    b"AUTH",
];

/// The key a value is assigned to, as far as `hay[lo..value]` shows it: the identifier before
/// the separator (`aws_secret_key` in `aws_secret_key=…`, `api_key` in `"api_key": …`),
/// lower-cased without `_` and `-`.
fn key_before(hay: &[u8], lo: usize, value: usize) -> Vec<u8> {
    let head = &hay[lo..value];
    let sep = head
        .iter()
        .rposition(|&b| !matches!(b, b'=' | b':' | b'>' | b' ' | b'\t' | b'"' | b'\'' | b'\\'))
        .map_or(0, |i| i + 1);
    let mut key: Vec<u8> = head[..sep]
        .iter()
        .rev()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        .filter(|b| b.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
        .collect();
    key.reverse();
    key
}

/// Types a parameter holding a secret is annotated with (`password: str)`, `token: bytes,`).
const TYPE_NAMES: &[&[u8]] = &[
    b"str",
    b"bytes",
    b"int",
    b"bool",
    b"Any",
    b"String",
    b"string",
    b"SecretStr",
    b"SecretBytes",
    // TypeScript's and Python's other primitives (`password: number` in an interface).
    b"number",
    b"boolean",
    b"any",
    b"unknown",
    b"object",
    b"float",
    b"bytearray",
];

/// Words that make a value of lower-case words a stand-in (`sk_test_123`, `test-key`,
/// `my-anthropic-api-key`, `org_key_abc`): see [`is_stand_in`].
const STAND_IN_WORDS: &[&[u8]] = &[
    b"test",
    b"testing",
    b"fake",
    b"dummy",
    b"mock",
    b"demo",
    b"my",
    b"key",
    b"token",
    b"secret",
    b"password",
];

/// A value of two or more lower-case words and short numbers, one of them a stand-in word: what
/// test suites and SDK examples pass as a key, named for what it stands for. A random secret
/// has upper case or long digit runs (a real Stripe test key, `sk_test_51Hq…`, is caught by its
/// own format first); the price is a password such as `my_secret_password`, let through.
fn is_stand_in(v: &[u8]) -> bool {
    let mut words = v.split(|&b| matches!(b, b'_' | b'-' | b'.'));
    let plain = words.clone().all(|w| {
        !w.is_empty()
            && (w.iter().all(u8::is_ascii_lowercase)
                || (w.len() <= 4 && w.iter().all(u8::is_ascii_digit)))
    });
    plain && words.clone().count() >= 2 && words.any(|w| STAND_IN_WORDS.contains(&w))
        || v == b"test"
        || is_run_together_stand_in(v)
        || is_spoken_stand_in(v)
}

/// Two stand-in words run together: `mypassword`, `yourpassword`, `mysecret`, `testtoken`, as
/// docs and examples set a value they do not mean. The price is the same as above.
fn is_run_together_stand_in(v: &[u8]) -> bool {
    const OWNERS: &[&[u8]] = &[b"my", b"your", b"some", b"test", b"fake", b"dummy", b"demo"];
    const NAMES: &[&[u8]] = &[b"password", b"pass", b"secret", b"token", b"key", b"apikey"];
    v.iter().all(u8::is_ascii_lowercase)
        && OWNERS
            .iter()
            .any(|o| v.strip_prefix(*o).is_some_and(|name| NAMES.contains(&name)))
}

/// Words of a stand-in written with spaces (`"My API Key"`, `"explicit token"`, `"secret
/// key"`): letters only, in any case, one of them naming what it stands for. `my` does not
/// count here: a passphrase (`my dog has fleas`) is a secret.
fn is_spoken_stand_in(v: &[u8]) -> bool {
    let mut words = v.split(|&b| b == b' ');
    words.clone().count() >= 2
        && words
            .clone()
            .all(|w| !w.is_empty() && w.iter().all(u8::is_ascii_alphabetic))
        && words.any(|w| {
            STAND_IN_WORDS
                .iter()
                .any(|s| *s != b"my" && w.eq_ignore_ascii_case(s))
        })
}

/// Words a variable holding a secret is named with in camel case, each at a hump.
const CAMEL_WORDS: &[&[u8]] = &[
    b"Password",
    b"Passwd",
    b"Pass",
    b"Pwd",
    b"Secret",
    b"Token",
    b"Key",
    b"Credential",
    b"Auth",
];

/// A variable in lower camel case named for the secret it holds (`aPassword`, `validToken`,
/// `clientSecret`, `newApiKey`): letters only, lower case first, a [`CAMEL_WORDS`] word at a
/// hump. A random secret has digits (all but 3% of 20-character ones) and meets such a word at
/// a hump rarely; a password written so (`myPassword`) reads as the stand-in it is.
fn is_camel_case_variable(v: &[u8]) -> bool {
    v.first().is_some_and(u8::is_ascii_lowercase)
        && v.iter().all(u8::is_ascii_alphabetic)
        && (1..v.len()).any(|i| {
            v[i - 1].is_ascii_lowercase() && CAMEL_WORDS.iter().any(|w| v[i..].starts_with(w))
        })
}

/// A file the secret is read from (`DATABASE_PASSWORD=/run/secrets/db-password`, the `_FILE`
/// convention of container images): an absolute path of two or more lower-case segments.
fn is_secret_file(v: &[u8]) -> bool {
    v.first() == Some(&b'/')
        && v[1..].split(|&b| b == b'/').count() >= 2
        && v[1..].split(|&b| b == b'/').all(|s| {
            !s.is_empty()
                && s.iter().all(|&b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
                })
        })
}

/// Whether the value at `span` of `hay` is code that names a secret rather than a secret: see
/// the module's doc. The verdict reads `hay[lo..]` only, with `lo` no further back than any
/// verdict may look, and `hay[span.end]`, when there, is the byte that ended the value (part of
/// the match): so it is the same however the bytes arrive.
pub fn names_a_secret(hay: &[u8], lo: usize, span: Range<usize>) -> bool {
    // A bare value inside a JSON string may hold its `/` and `+` escaped (`\/run\/secrets\/db`):
    // it is judged as the client reads it.
    let raw = &hay[span.clone()];
    let decoded;
    let v = if raw.contains(&b'\\') {
        decoded = checks::unescape_members(raw);
        &decoded[..]
    } else {
        raw
    };
    // The name of the variable that holds the secret, quoted or not (`ENV_API_KEY =
    // "ANTHROPIC_API_KEY"`, `key: DB_PASSWORD` in a manifest's secret reference).
    if is_env_name(v)
        && SECRET_WORDS
            .iter()
            .any(|w| v.windows(w.len()).any(|x| x == *w))
    {
        return true;
    }
    if is_stand_in(v) || is_secret_file(v) {
        return true;
    }
    // A shell variable holding it: `Password: $POSTGRES_PW`, `--password "$PASSWORD"`. After
    // a `$`, a name in capitals needs no `_` to be one. Prose may close it with a code span's
    // backtick or a full stop (`EBS_SECRETKEY=$AWS_SECRETKEY\``).
    if let Some(name) = v.strip_prefix(b"$") {
        let mut name = name;
        while let [rest @ .., b'`' | b'.'] = name {
            name = rest;
        }
        if is_shell_variable(name) {
            return true;
        }
    }
    // A shell's command substitution (`--password="$(cat /run/secrets/db)"`, doubled in a
    // compose file): the secret is read when the command runs. A bare one is cut at its first
    // space (`--password $(cat /run/secrets/db)`).
    let substitution = v.starts_with(b"$(") || v.starts_with(b"$$(");
    if substitution && (v.ends_with(b")") || hay.get(span.end) == Some(&b' ')) {
        return true;
    }
    let bare = span.start > 0 && matches!(hay[span.start - 1], b'=' | b':' | b' ' | b'\t');
    if !bare {
        return false;
    }
    let after = hay.get(span.end).copied();
    // Go's dereference or address-of before a call or a path (`*builders.Secret(`).
    let v = match v {
        [b'*' | b'&', rest @ ..] if rest.first().is_some_and(|&b| is_ident_start(b)) => rest,
        _ => v,
    };
    if let Some(open) = v.iter().position(|&b| b == b'(') {
        // A call: `getpass.getpass()`, `hashlib.sha256(raw).hexdigest()`, or one whose
        // innermost argument is a string, where the quote ends the bare value: `os.getenv("KEY")`,
        // `builders.Secret(builders.SecretName("foo"))`, and inside a JSON string (a code sample
        // in an API description) `os.getenv(\"KEY\")`. Or a call given variables (or calls of
        // them) and more arguments, where the `,` ends it: `strings.TrimSuffix(password, "\n")`,
        // `append(mock.calls.Password, info)`, `strings.TrimSuffix(string(raw), "\n")`. A `.`
        // in a name and no digit in the arguments keep out a password such as `Xy.7q(Lm3,`.
        let args = &v[open + 1..];
        let opened = v.ends_with(b"(")
            && args
                .split(|&b| b == b'(')
                .rev()
                .skip(1)
                .all(|a| path(a).is_some());
        let given_variables = after == Some(b',')
            && (v[..open].contains(&b'.') || args.contains(&b'.'))
            && !args.iter().any(u8::is_ascii_digit)
            && args
                .split(|&b| b == b'(' || b == b')')
                .all(|a| a.is_empty() || path(a).is_some())
            && balanced(args);
        let head = &v[..open];
        let called = (opened && matches!(after, Some(b'"' | b'\'' | b'\\' | b'\n' | b'\r')))
            || given_variables
            || (balanced(v) && v.ends_with(b")"));
        return called && path(head).is_some();
    }
    // The last argument of a call, `f(aws_secret_key=aws_secret_key)`, takes the `)`; a typed
    // parameter's, `def f(secret: str):` or `f(secret: string):`, the `):` too.
    let v = {
        let mut v = v;
        while let [rest @ .., b')' | b':'] = v {
            v = rest;
        }
        v
    };
    let Some(mut segments) = path(v) else {
        return false;
    };
    // A composite literal of a type in a package: Go's `configuration.Parameters{`,
    // `&oauth2.Token{`.
    let type_name = segments.clone().last().unwrap_or_default();
    if after == Some(b'{')
        && segments.clone().count() >= 2
        && type_name.first().is_some_and(u8::is_ascii_uppercase)
        && type_name.iter().any(u8::is_ascii_lowercase)
    {
        return true;
    }
    // An identifier indexed: `os.environ["SECRET"]`, `tokens[name]`, `$_POST['password']`.
    // A lone identifier also has no digit: a random token cut short by a `[` nearly always has.
    if after == Some(b'[') {
        return v.contains(&b'.') || v[0] == b'$' || !v.iter().any(u8::is_ascii_digit);
    }
    // A parameter's type: `def __init__(self, username: str, password: str)`.
    if TYPE_NAMES.contains(&v) {
        return true;
    }
    // A variable or member named after the key, passed on: `secret=secret`,
    // `aws_secret_key=aws_secret_key`, `api_key=resolved_api_key`, `"api_key":
    // requestor.api_key`, a type named as its field (`"confirmation_secret":
    // ConfirmationSecret`). Ending with the key's name counts only with a `_` or a `.`: a
    // password such as `MyPassword` ends with it too.
    let last = segments.clone().last().unwrap_or_default();
    let key = key_before(hay, lo, span.start);
    if !key.is_empty() {
        let name: Vec<u8> = last
            .iter()
            .filter(|b| b.is_ascii_alphanumeric())
            .map(u8::to_ascii_lowercase)
            .collect();
        if name == key || (name.ends_with(&key) && (v.contains(&b'_') || v.contains(&b'.'))) {
            return true;
        }
        // A member named as the key ends: `receivedAccessToken = res.AccessToken`.
        if v.contains(&b'.') && name.len() >= 5 && key.ends_with(&name) {
            return true;
        }
    }
    if is_camel_case_variable(v) {
        return true;
    }
    // A member path: `process.env.OPENAI_API_KEY`, `settings.API_KEY`, `config.db.password`.
    let root = segments.clone().next().unwrap_or_default();
    segments.clone().count() >= 2 && (ROOTS.contains(&root) || segments.any(is_env_name))
}

#[cfg(test)]
mod tests;
