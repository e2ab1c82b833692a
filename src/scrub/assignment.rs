//! Keyword rules (`password`, `secret`, `api_key`, `token`) anchor inside a key; these decide,
//! in a few bytes and without a regex, whether the key is followed by an assignment at all, and
//! where its value starts (so that a known format at the value is tried first).

use super::patterns::LOOK_BEHIND;

/// [`assigned`]'s value start alone: `Ok(None)` for no assignment (named value or not).
#[cfg(test)]
pub fn assignment_value(hay: &[u8], start: usize, eof: bool) -> Result<Option<usize>, ()> {
    Ok(match assigned(hay, start, eof)? {
        Assigned::Value(v) => Some(v),
        Assigned::Named | Assigned::No => None,
    })
}

/// What follows a keyword rule's key (see [`assigned`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assigned {
    /// An assignment whose value starts here.
    Value(usize),
    /// No assignment, but maybe a setting's name whose value is in the next field, line or
    /// element (`rules/named_value.rs`): its quote, a comma and the next field's name, a tag's
    /// attributes or `>`, or a line end and a next line of `value: ` (or `- ` after a long
    /// option).
    Named,
    /// Neither.
    No,
}

/// Where the value of a `key = value` / `"key": "value"` / `<Key>value` /
/// `key="Key" value="value"` assignment starts, the key starting at `start`; else whether the
/// key may name a setting valued in the next field instead ([`Assigned::Named`]), told by the
/// bytes right after the key, which the assignment's walk stands at; `Err(())` when the bytes
/// end before that is known (and more will come). A superset of what the keyword regexes
/// accept, so a format found here is one the keyword match would have led to; but for `key>`
/// where no tag opens the key (see [`opens_a_tag`]), which is no assignment though the XML
/// form would match. A keyword in prose costs one byte's test more for the named forms; as
/// rules of their own, at the same anchors, they cost HTML prose (`token`, `password` in every
/// paragraph) 14% more instructions.
#[inline]
pub fn assigned(hay: &[u8], start: usize, eof: bool) -> Result<Assigned, ()> {
    let at = |i: usize| byte_at(hay, i, eof);
    // Whether `lit` (ASCII, compared in either case) is at `i`: decided at the first byte that
    // differs, more bytes waited for only while it can be.
    let is_at = |i: usize, lit: &[u8]| -> Result<bool, ()> {
        for (k, b) in lit.iter().enumerate() {
            if !at(i + k)?.is_some_and(|c| c.eq_ignore_ascii_case(b)) {
                return Ok(false);
            }
        }
        Ok(true)
    };
    let blanks = |mut i: usize| -> Result<usize, ()> {
        let mut n = 0;
        while n < 4 && matches!(at(i)?, Some(b' ' | b'\t')) {
            i += 1;
            n += 1;
        }
        Ok(i)
    };
    // `=`, `:` or `=>` after blanks, then blanks: where the value (or its quote) starts.
    let separator = |i: usize| -> Result<Option<usize>, ()> {
        let i = blanks(i)?;
        let i = match at(i)? {
            Some(b'=') if at(i + 1)? == Some(b'>') => i + 2,
            Some(b':' | b'=') => i + 1,
            _ => return Ok(None),
        };
        blanks(i).map(Some)
    };
    // The length of the quote entity at `i`, if one is there.
    let quote_entity = |i: usize| -> Result<Option<usize>, ()> {
        for e in QUOT_ENTITIES {
            if is_at(i, e)? {
                return Ok(Some(e.len()));
            }
        }
        Ok(None)
    };
    // After the quote that closes an attribute naming the key: blanks, `value`, `=` and its
    // quote (or an escaped one, inside a JSON string), where the value starts.
    let attribute_value = |i: usize| -> Result<Option<usize>, ()> {
        let v = blanks(i)?;
        for (k, b) in VALUE_ATTRIBUTE.iter().enumerate() {
            if at(v + k)? != Some(*b) {
                return Ok(None);
            }
        }
        let Some(i) = separator(v + VALUE_ATTRIBUTE.len())? else {
            return Ok(None);
        };
        Ok(match at(i)? {
            Some(b'"' | b'\'') => Some(i + 1),
            Some(b'\\') if at(i + 1)? == Some(b'"') => Some(i + 2),
            _ => None,
        })
    };
    // The rest of the key, as a slice walk: this runs at every keyword candidate.
    let key = hay.get(start..).map_or(0, |rest| {
        rest.iter()
            .take(KEY_MAX + 1)
            .take_while(|b| is_key_byte(**b))
            .count()
    });
    if key > KEY_MAX {
        return Ok(Assigned::No);
    }
    let mut i = start + key;
    let value = |v: Option<usize>| v.map_or(Assigned::No, Assigned::Value);
    if at(i)? == Some(b'>') {
        return Ok(value(opens_a_tag(hay, start).then_some(i + 1)));
    }
    if at(i)? == Some(b'&') {
        // HTML entities, as a page embeds XML (`&lt;Key&gt;value`), JSON
        // (`&quot;key&quot;:&quot;value`) or a Python `repr` (`&#x27;key&#x27;: &#x27;value`).
        if is_at(i, GT_ENTITY)? {
            return Ok(Assigned::Value(i + GT_ENTITY.len()));
        }
        let Some(q) = quote_entity(i)? else {
            return Ok(Assigned::No);
        };
        let Some(mut v) = separator(i + q)? else {
            return Ok(Assigned::No);
        };
        if let Some(q) = quote_entity(v)? {
            v += q;
        }
        return Ok(Assigned::Value(v));
    }
    if at(i)? == Some(b'\\') {
        // `>` as Go escapes it inside JSON strings: `\u003e` (either case).
        if is_at(i + 1, ESCAPED_GT)? {
            return Ok(Assigned::Value(i + 1 + ESCAPED_GT.len()));
        }
        i += 1;
    }
    let quoted = matches!(at(i)?, Some(b'"' | b'\''));
    if quoted {
        i += 1;
    }
    let Some(mut i) = separator(i)? else {
        let after_quote = i;
        if quoted {
            // `"--password", "…"`: a long option and its value in an argument list; a
            // setting's name and value given to a call (`define( 'DB_PASSWORD', '…' )`).
            let next = blanks(i)?;
            if at(next)? == Some(b',') && argument_list(hay, start) {
                let mut v = next + 1;
                while v - next <= ARGUMENT_BLANKS && matches!(at(v)?, Some(b' ' | b'\t')) {
                    v += 1;
                }
                return Ok(value(matches!(at(v)?, Some(b'"' | b'\'')).then_some(v + 1)));
            }
            // `key="SmtpPassword" value="…"`: an XML element's attribute pair.
            if let Some(v) = attribute_value(i)? {
                return Ok(Assigned::Value(v));
            }
            return after_name(hay, start, after_quote, next, eof);
        }
        if !long_option(hay, start) {
            // A YAML name's line end (`- name: DB_PASSWORD`); prose (`a token from`) is turned
            // down at its blank.
            return Ok(
                if matches!(at(i)?, Some(b'\r' | b'\n')) && next_line_names(hay, i, start, eof)? {
                    Assigned::Named
                } else {
                    Assigned::No
                },
            );
        }
        // `--password Xy7…`: a long option's value, after blanks (and maybe a quote); or, on
        // the next line, a YAML list's next item.
        let v = blanks(i)?;
        if matches!(at(v)?, Some(b'\r' | b'\n')) {
            return after_name(hay, start, after_quote, v, eof);
        }
        if v == i {
            return Ok(Assigned::No);
        }
        return Ok(Assigned::Value(match at(v)? {
            Some(b'"' | b'\'') => v + 1,
            _ => v,
        }));
    };
    if matches!(at(i)?, Some(b'"' | b'\'')) {
        i += 1;
    } else if at(i)? == Some(b'\\') && at(i + 1)? == Some(b'"') {
        // JSON inside a JSON string: `\"key\": \"value\"`.
        i += 2;
    }
    Ok(Assigned::Value(i))
}

/// What follows a key with no assignment, where a named setting's next field, element or line
/// may (see [`Assigned::Named`]): at `i`, after the key's quote (if any: then `after_quote` is
/// past it) and blanks. Out of line: the candidate loop inlines [`assigned`], and with this
/// inside it a secret-dense body's instructions grew 0.4% more.
#[inline(never)]
fn after_name(
    hay: &[u8],
    start: usize,
    after_quote: usize,
    i: usize,
    eof: bool,
) -> Result<Assigned, ()> {
    let quoted = after_quote > start && matches!(hay[after_quote - 1], b'"' | b'\'');
    let named = match hay.get(i) {
        None if eof => false,
        None => return Err(()),
        Some(b',') => quoted && next_is_a_key(hay, i + 1, eof)?,
        Some(b'>') => quoted,
        Some(b) if b.is_ascii_alphabetic() => quoted && i > after_quote,
        Some(b'\r' | b'\n') => next_line_names(hay, i, start, eof)?,
        Some(_) => false,
    };
    Ok(if named { Assigned::Named } else { Assigned::No })
}

/// The byte at `i`: `Ok(None)` past the end of the input, `Err(())` past the bytes so far
/// (more will come).
#[inline(always)]
fn byte_at(hay: &[u8], i: usize, eof: bool) -> Result<Option<u8>, ()> {
    match hay.get(i) {
        Some(&b) => Ok(Some(b)),
        None if eof => Ok(None),
        None => Err(()),
    }
}

/// Whether a record's next field starts at `i`, after a comma: blanks and line ends (also as a
/// JSON string's escapes), then a quoted name of letters and `_` (its quotes maybe escaped) and
/// a colon. A list of strings (`["password", "email"]`, or `"password",` thousands of times
/// over in a hostile body) is turned down here, not by a regex search per string.
fn next_is_a_key(hay: &[u8], mut i: usize, eof: bool) -> Result<bool, ()> {
    let at = |i: usize| byte_at(hay, i, eof);
    let gap = i;
    while i - gap < 1024 {
        match (at(i)?, at(i + 1)?) {
            (Some(b' ' | b'\t' | b'\r' | b'\n'), _) => i += 1,
            (Some(b'\\'), Some(b'n' | b'r' | b't')) => i += 2,
            _ => break,
        }
    }
    let escaped = at(i)? == Some(b'\\');
    i += usize::from(escaped);
    if !matches!(at(i)?, Some(b'"' | b'\'')) {
        return Ok(false);
    }
    i += 1;
    let name = i;
    while at(i)?.is_some_and(|b| b.is_ascii_alphabetic() || b == b'_') && i - name <= 32 {
        i += 1;
    }
    if i == name {
        return Ok(false);
    }
    i += usize::from(escaped && at(i)? == Some(b'\\'));
    if !matches!(at(i)?, Some(b'"' | b'\'')) {
        return Ok(false);
    }
    i += 1;
    while matches!(at(i)?, Some(b' ' | b'\t')) {
        i += 1;
    }
    Ok(at(i)? == Some(b':'))
}

/// Whether the line after the line end at `i` is a named setting's value: `value:`, or `-` (a
/// YAML list's item) after a long option. Within a named-value rule's reach: its regex takes
/// at most 128 blanks of indentation.
#[inline(never)]
fn next_line_names(hay: &[u8], mut i: usize, start: usize, eof: bool) -> Result<bool, ()> {
    let at = |i: usize| byte_at(hay, i, eof);
    if at(i)? == Some(b'\r') {
        i += 1;
    }
    if at(i)? != Some(b'\n') {
        return Ok(false);
    }
    i += 1;
    let indent = i;
    while matches!(at(i)?, Some(b' ' | b'\t')) && i - indent < 128 {
        i += 1;
    }
    Ok(match at(i)? {
        Some(b'-') => long_option(hay, start),
        Some(b'v') => {
            for (k, b) in NAMED_VALUE_KEY.iter().enumerate() {
                if at(i + k)? != Some(*b) {
                    return Ok(false);
                }
            }
            true
        }
        _ => false,
    })
}

/// Longer than the key of any rule that needs an assignment (`secret_access_key`, 17 bytes; a
/// test checks). A longer run of key bytes from a candidate's start is no key of its rule, and
/// is not walked to its end: a run of tens of KiB with `oken` in it was walked from each of its
/// anchors (quadratic: 973x clean JSON for runs of 4 KiB), and one longer than the hold-back
/// cap kept its candidates waiting for the run's end and failed the body closed.
pub const KEY_MAX: usize = 32;

/// A byte a key may hold: `twilio.auth_token` is one key (a `.` in a dotted config path).
fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Whether the key starting at `start` is a tag's name: the run of key bytes it ends
/// (`<access_token>`) follows `<`, or a namespace's `:` (`<ns:token>`). `key>` is XML's form
/// only then: `a.token>0&&…</script>` in a page's script is a comparison, whose "value" ran to
/// the next `</` and was redacted. Looks at most [`LOOK_BEHIND`] bytes before the anchor, as
/// every verdict may; a longer run opens no tag.
pub fn opens_a_tag(hay: &[u8], start: usize) -> bool {
    let before = &hay[start.saturating_sub(LOOK_BEHIND - 1)..start];
    let run = before.iter().rev().take_while(|b| is_key_byte(**b)).count();
    run < before.len() && matches!(before[before.len() - 1 - run], b'<' | b':')
}

/// Whether the key starting at `start` is a long option's name, or its last word: it follows
/// `--` and maybe words joined by `-` (`--password`, `--client-secret`, `--db-password`). A
/// command line's option and its value (`--password Xy7…`) is an assignment whose separator
/// is a blank, which elsewhere is prose (`the password reset page`). Looks at most
/// [`LOOK_BEHIND`] bytes before the anchor, as every verdict may.
#[inline(always)]
pub fn long_option(hay: &[u8], start: usize) -> bool {
    // Prose (`a token from`) has a blank before the key: turned down at that byte, without a
    // call. This runs at every keyword followed by a blank.
    start > 0 && is_option_byte(hay[start - 1]) && option_name_before(hay, start)
}

/// [`long_option`] past its first test.
#[inline(never)]
fn option_name_before(hay: &[u8], start: usize) -> bool {
    ends_with_long_option(&hay[start.saturating_sub(LOOK_BEHIND - 1)..start])
}

/// Whether `bytes` end with a long option's name or the first words of one (`--`, `--client-`,
/// `--password`). What precedes the `--` is no part of a word (a command, a quote; a run that
/// fills `bytes` is no name), and a third `-` would make it a rule of dashes.
pub fn ends_with_long_option(bytes: &[u8]) -> bool {
    let run = bytes
        .iter()
        .rev()
        .take_while(|b| is_option_byte(**b))
        .count();
    let name = &bytes[bytes.len() - run..];
    run < bytes.len()
        && name.starts_with(b"--")
        && name.get(2).is_none_or(u8::is_ascii_alphanumeric)
}

/// The attribute that holds a setting's value where another names it (`<add key="ApiKey"
/// value="…"/>`, `<property name="db.password" value="…"/>`).
const VALUE_ATTRIBUTE: &[u8] = b"value";
/// A YAML setting's value key after its name's line (`- name: DB_PASSWORD` / `value: …`).
const NAMED_VALUE_KEY: &[u8] = b"value:";
/// `\u003e` after its backslash.
const ESCAPED_GT: &[u8] = b"u003e";
/// HTML's `>`.
const GT_ENTITY: &[u8] = b"&gt;";
/// `"` and `'` as named, decimal and hex entities (the rules' `quote_entity`).
const QUOT_ENTITIES: [&[u8]; 6] = [
    b"&quot;", b"&#34;", b"&#x22;", b"&#39;", b"&#x27;", b"&apos;",
];

/// Keyword rules need the key followed by an optional quote, blanks and `=`, `:` or `>` (or
/// `\u003e`, `&gt;`, `&quot;`, or a quote and `value`); prose (`the password reset page`, `a
/// token from your dashboard`) fails that in a few bytes. `true` only when the bytes present
/// already rule an assignment out.
pub fn not_an_assignment(hay: &[u8], start: usize) -> bool {
    let mut i = start;
    let at = |i: usize| hay.get(i).copied();
    while at(i).is_some_and(is_key_byte) {
        i += 1;
        if i - start > KEY_MAX {
            return true;
        }
    }
    let key_end = i;
    if at(i) == Some(b'\\') {
        // Maybe `\u003e`, an escaped `>`: not ruled out.
        if at(i + 1) == Some(b'u') {
            return false;
        }
        i += 1;
    }
    if at(i) == Some(b'&') {
        // Maybe `&gt;` or `&quot;`: not ruled out.
        return false;
    }
    let quoted = matches!(at(i), Some(b'"' | b'\''));
    if quoted {
        i += 1;
    }
    while matches!(at(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if quoted && at(i) == Some(VALUE_ATTRIBUTE[0]) {
        // Maybe `key="ApiKey" value="…"`: ruled out by a byte that is not `value`'s.
        return (1..VALUE_ATTRIBUTE.len())
            .any(|k| at(i + k).is_some_and(|b| b != VALUE_ATTRIBUTE[k]));
    }
    let ruled_out = at(i).is_some_and(|b| !matches!(b, b'=' | b':' | b'>'))
        || (at(i) == Some(b'>') && i == key_end && !opens_a_tag(hay, start));
    // `--password Xy7…`: a blank after a long option's name; `"--password", "…"` and
    // `define('DB_PASSWORD', '…')`: the key's string and the next in an argument list.
    let option_value = matches!(at(key_end), Some(b' ' | b'\t'));
    let argument = quoted && at(i) == Some(b',');
    ruled_out && !(option_value && long_option(hay, start) || argument && argument_list(hay, start))
}

/// The most blanks between an argument list's comma and the value's quote: WordPress aligns
/// its `define`s' values with up to nine (`define( 'AUTH_KEY',         '…' )`).
const ARGUMENT_BLANKS: usize = 16;

/// Whether the quoted key starting at `start` is followed by its value as the next string of
/// an argument list: the key is a long option's name (`"--password", "…"`), or a setting's
/// that a call defines or reads with a default ([`setting_call`]). Elsewhere a string after a
/// key's string is a list's next item (`["password", "email"]`) or another call's argument
/// (`$form->add('password', 'Password')`), no value. Looks at most [`LOOK_BEHIND`] bytes
/// before the anchor, as every verdict may.
#[inline(never)]
pub fn argument_list(hay: &[u8], start: usize) -> bool {
    long_option(hay, start) || setting_call(&hay[start.saturating_sub(LOOK_BEHIND - 1)..start])
}

/// Whether `before` (the bytes before a key) ends with one of [`SETTING_CALLS`], its `(`,
/// blanks, a quote and the name's words before the key: `define( 'DB_`, `os.getenv("DB_`,
/// `env('APP`.
fn setting_call(before: &[u8]) -> bool {
    let name = before.iter().rev().take_while(|b| is_key_byte(**b)).count();
    let Some((&quote, rest)) = before[..before.len() - name].split_last() else {
        return false;
    };
    let blanks = rest
        .iter()
        .rev()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    let Some((&b'(', rest)) = rest[..rest.len() - blanks].split_last() else {
        return false;
    };
    let call = rest.iter().rev().take_while(|b| is_key_byte(**b)).count();
    let call = &rest[rest.len() - call..];
    matches!(quote, b'"' | b'\'')
        && SETTING_CALLS.iter().any(|&(c, dotted)| {
            call.eq_ignore_ascii_case(c)
                || dotted
                    && call.len() > c.len()
                    && call[call.len() - c.len() - 1] == b'.'
                    && call[call.len() - c.len()..].eq_ignore_ascii_case(c)
        })
}

/// Calls whose first two arguments are a setting's name and its value: PHP's constants
/// (`define( 'DB_PASSWORD', '…' )`, WordPress's `wp-config.php`), and a default for an
/// environment variable, which is where a fallback secret is written into code: Python's
/// `os.getenv`, `os.environ.get` and `os.environ.setdefault` (Django's
/// `SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "…")`), Ruby's `ENV.fetch` and Laravel's
/// `env('APP_KEY', '…')`. With whether the name may end a dotted path (`os.getenv`), else it
/// must be the whole call's (`env`, not `dotenv`'s or any object's `.env(`). Compared
/// case-blind, as PHP's function names are.
const SETTING_CALLS: &[(&[u8], bool)] = &[
    (b"define", false),
    (b"getenv", true),
    (b"environ.get", true),
    (b"environ.setdefault", true),
    (b"ENV.fetch", false),
    (b"env", false),
];

/// A byte of a long option's name (`--client-secret`): a letter, a digit or `-`.
fn is_option_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

#[cfg(test)]
mod tests;
