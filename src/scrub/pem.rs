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
    let mut end_marker = b"-----END ".to_vec();
    end_marker.extend_from_slice(label);
    end_marker.extend_from_slice(b"-----");
    let body_from = at + PEM_BEGIN.len() + close + 5;
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
