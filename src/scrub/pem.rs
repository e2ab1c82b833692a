//! Private key blocks (PEM, OpenSSH, PGP, also JSON-escaped): from `-----BEGIN <label with
//! PRIVATE KEY>-----` to its matching END line. A block can be far longer than any token, so it
//! is scanned directly rather than by a bounded regex, and a block with no end within the hard
//! cap fails the stream closed.

use super::held::Held;
use super::patterns::{Verdict, HARD_CAP};

const PEM_BEGIN: &[u8] = b"-----BEGIN ";

/// A private key block: `-----BEGIN <label with PRIVATE KEY>-----` to its END line. A block
/// still open at the end of the bytes so far waits; `held` keeps how far its END line was
/// looked for, so that a block arriving in small pieces (64 bytes at a time, a slow upstream)
/// is searched once over, not from its BEGIN line at every piece.
pub fn pem(hay: &[u8], at: usize, eof: bool, rule: u16, held: &mut Held) -> Verdict {
    const MAX_LABEL: usize = 64;
    let rest = &hay[at + PEM_BEGIN.len()..];
    let Some(close) = memchr::memmem::find(&rest[..rest.len().min(MAX_LABEL + 5)], b"-----") else {
        return if !eof && rest.len() < MAX_LABEL + 5 {
            Verdict::NeedMore
        } else {
            Verdict::NoMatch
        };
    };
    let label = &rest[..close];
    if !label
        .iter()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b' ')
        || memchr::memmem::find(label, b"PRIVATE KEY").is_none()
    {
        return Verdict::NoMatch;
    }
    let body_from = at + PEM_BEGIN.len() + close + 5;
    match key_material_follows(&hay[body_from..], eof) {
        Some(true) => {}
        Some(false) => return Verdict::NoMatch,
        None => return Verdict::NeedMore,
    }
    let mut end_marker = b"-----END ".to_vec();
    end_marker.extend_from_slice(label);
    end_marker.extend_from_slice(b"-----");
    let limit = hay.len().min(at + HARD_CAP);
    // No END line starts before where the last search of this block stopped.
    let from = held
        .get(at, rule)
        .and_then(|memo| memo.no_end_before)
        .map_or(body_from, |p| {
            body_from.max(p.saturating_sub(held.base) as usize)
        })
        .min(limit);
    match memchr::memmem::find(&hay[from..limit], &end_marker) {
        Some(i) => Verdict::Match {
            start: at,
            end: from + i + end_marker.len(),
            rule,
        },
        None if hay.len() >= at + HARD_CAP => Verdict::Overflow,
        // The input ended inside the key: everything after BEGIN is key material.
        None if eof => Verdict::Match {
            start: at,
            end: hay.len(),
            rule,
        },
        None => {
            let searched = held.base + limit.saturating_sub(end_marker.len() - 1) as u64;
            held.of(at, rule).no_end_before = Some(searched);
            Verdict::NeedMore
        }
    }
}

/// Separator bytes looked past before a block's key material (deep YAML indentation, a
/// string literal's continuation lines).
const MAX_SEPARATORS: usize = 256;
/// Base64 bytes that make the start of a block's body key material.
const MIN_BASE64: usize = 16;

/// Whether key material follows a BEGIN line: after line ends (raw, JSON-escaped as `\n` or `\\n`,
/// or spaces where a key was put on one line), and the quotes, `+` and `,` of string literals that
/// split a key in source code (`"…-----\n" +` then `"MIIE…"`), a header (`Proc-Type:`, `Version:`)
/// or at least [`MIN_BASE64`] bytes of base64. Markup or an entity (`<br>`, `&#10;`) may be a line
/// end and counts, as does base64 cut off by the end of the input. `None`: the bytes end before it
/// is known. Docs that name a BEGIN line (`"...-----BEGIN PRIVATE KEY-----... in PEM format"`,
/// MSAL's docstrings) hold none of these; without this check such a line with no END line after it
/// waited for the hard cap and failed the stream closed.
fn key_material_follows(body: &[u8], eof: bool) -> Option<bool> {
    let more = || if eof { Some(true) } else { None };
    let mut i = 0;
    loop {
        if i > MAX_SEPARATORS {
            return Some(false);
        }
        match body.get(i) {
            None => return more(),
            Some(b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'\'' | b'`' | b'+' | b',') => i += 1,
            Some(b'\\') => {
                let run = body[i..].iter().take_while(|&&b| b == b'\\').count();
                match body.get(i + run) {
                    Some(b'n' | b'r') => i += run + 1,
                    // Another escape (`\/` in base64, `\u000a`): as before, key material.
                    Some(_) => return Some(true),
                    None => return more(),
                }
            }
            Some(b'<' | b'&') => return Some(true),
            Some(_) => break,
        }
    }
    let rest = &body[i..];
    let name = rest
        .iter()
        .take(32)
        .take_while(|b| b.is_ascii_alphabetic() || **b == b'-')
        .count();
    match rest.get(name) {
        Some(b':') if name > 0 => return Some(true),
        None if name < 32 => return more(),
        _ => {}
    }
    let base64 = rest
        .iter()
        .take(MIN_BASE64)
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\\'))
        .count();
    if base64 == MIN_BASE64 {
        Some(true)
    } else if base64 == rest.len() {
        more()
    } else {
        Some(false)
    }
}
