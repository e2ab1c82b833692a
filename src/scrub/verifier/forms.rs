//! How a keyword value's form, told by its opener, ends: the closers a match of that form ends
//! with, and, where the form's values hold no escapes, the bytes a value may not hold (so that
//! a value ending the bytes is found without the general capture search). Kept apart from the
//! verifier that uses it because it restates, byte for byte, what `rules/keyword_regex.rs`
//! writes as regex; the property test over every form holds the two together.

use crate::scrub::simple::member_escape;

/// What a keyword value's form tells of its end.
pub struct Form {
    pub closers: Closers,
    /// In a form whose value holds no escapes, the bytes a value may not hold, one of which
    /// begins each closer.
    pub stop: Option<&'static [bool; 256]>,
}

/// How a keyword value ends, in the form its opener tells.
pub enum Closers {
    /// A bare value's delimiter: one byte (an apostrophe only where it is not between letters
    /// or digits), or a backslash that begins neither member escape (`\/`, `\u002b`, which
    /// the value holds); the value ends at the first byte it may not hold (see
    /// [`bare_value_len`]).
    Bare,
    /// One of these strings.
    OneOf(&'static [&'static [u8]]),
}

/// The form `opener` (a key and what follows it up to the value, as `openers!` matched it)
/// opens. The checks' order matters where one opener ends another's way: `=>` is a separator
/// (a bare value follows), `>` alone opens XML.
pub fn form_of(opener: &[u8]) -> Form {
    const GO_XML: &[&[u8]] = &[b"\\u003c/", b"\\u003C/"];
    let ends = |s: &[u8]| opener.ends_with(s);
    let escaped = |closers| Form {
        closers,
        stop: None,
    };
    let plain = |closers, stop| Form {
        closers,
        stop: Some(stop),
    };
    if ends(b"\\\"") {
        escaped(Closers::OneOf(&[b"\\\""]))
    } else if ends(b"\"") {
        escaped(Closers::OneOf(&[b"\""]))
    } else if ends(b"'") {
        plain(Closers::OneOf(&[b"'"]), &SINGLE_QUOTED_STOP)
    } else if ends(b"&gt;") {
        escaped(Closers::OneOf(&[b"&lt;/"]))
    } else if DOUBLE_QUOTE_ENTITIES.iter().any(|q| ends(q)) {
        escaped(Closers::OneOf(DOUBLE_QUOTE_ENTITIES))
    } else if SINGLE_QUOTE_ENTITIES.iter().any(|q| ends(q)) {
        escaped(Closers::OneOf(SINGLE_QUOTE_ENTITIES))
    } else if ends(b"u003e") || ends(b"u003E") {
        plain(Closers::OneOf(GO_XML), &GO_XML_STOP)
    } else if ends(b">") && !ends(b"=>") {
        plain(Closers::OneOf(&[b"</"]), &XML_STOP)
    } else {
        escaped(Closers::Bare)
    }
}

/// The bytes outside each escape-free form's value class, as `assignment!` writes them
/// (`'([^'\r\n]…`, `>([^<\r\n]…`, `\\u003[eE]([^<\\\r\n]…`, and a bare value's
/// `[^\s"'<>&,;{}\[\]\\]` between its member escapes and apostrophes).
/// The property test over every form checks them against the general search.
static SINGLE_QUOTED_STOP: [bool; 256] = byte_set(b"'\r\n");
static XML_STOP: [bool; 256] = byte_set(b"<\r\n");
static GO_XML_STOP: [bool; 256] = byte_set(b"<\\\r\n");
static BARE_STOP: [bool; 256] = byte_set(b" \t\n\x0b\x0c\r\"'<>&,;{}[]\\");

/// How long the bare value at the start of `value` is: its bytes up to the first one outside
/// its class, where a member escape (`\/`, `\u002b` in either case, as JSON encoders write a
/// `/` or `+` inside a string) is part of the value and any other backslash ends it, as does
/// an escape cut short by the end of the bytes; and an apostrophe is the value's own between
/// letters or digits (`O'Brien`, up to three in a row: `rock'n'roll`), else it ends the value.
pub fn bare_value_len(value: &[u8]) -> usize {
    let mut i = 0;
    while let Some(&b) = value.get(i) {
        if b == b'\\' {
            match member_escape(&value[i..]) {
                Some(len) => i += len,
                None => return i,
            }
        } else if b.is_ascii_alphanumeric() && apostrophe_follows(&value[i + 1..]) {
            // A letter or digit and up to three apostrophes each with one.
            i += 1;
            for _ in 0..3 {
                if !apostrophe_follows(&value[i..]) {
                    break;
                }
                i += 2;
            }
        } else if BARE_STOP[usize::from(b)] {
            return i;
        } else {
            i += 1;
        }
    }
    i
}

/// Whether `rest` starts with an apostrophe and a letter or a digit.
fn apostrophe_follows(rest: &[u8]) -> bool {
    matches!(rest, [b'\'', c, ..] if c.is_ascii_alphanumeric())
}

const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        set[bytes[i] as usize] = true;
        i += 1;
    }
    set
}

/// `dq_entity!` and `sq_entity!` (`rules/keyword_regex.rs`), spelled out.
const DOUBLE_QUOTE_ENTITIES: &[&[u8]] = &[b"&quot;", b"&#34;", b"&#x22;", b"&#X22;"];
const SINGLE_QUOTE_ENTITIES: &[&[u8]] = &[b"&#39;", b"&#x27;", b"&#X27;", b"&apos;"];
