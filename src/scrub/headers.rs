//! Response header scrubbing. Every value goes through the same engine as bodies; two headers
//! get more:
//!
//! - `Set-Cookie`: a session cookie is a credential the upstream minted for credgate's identity,
//!   so a cookie value of 8 bytes or more is redacted whole (route option `set_cookie: keep`
//!   turns this off); the attributes (`Path`, `HttpOnly`, ...) are kept.
//! - `Location` (and `Content-Location`, `Link`, `Refresh`): a redirect may carry a secret
//!   percent-encoded in a way no encoded form anticipates (`sk_live_%41bc`), so the value is also
//!   percent-decoded and scanned; if the decoded value holds something, the decoded, scrubbed
//!   value is what goes out (re-encoded where a header needs it).

use http::header::{self, HeaderName};
use percent_encoding::{percent_decode, percent_encode, AsciiSet, CONTROLS};

use super::patterns::Caches;
use super::stream::{Counts, Scanner};

/// Characters that cannot stand in a header value or would change a URL's structure.
const HEADER_UNSAFE: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'`');
const MIN_COOKIE_VALUE: usize = 8;

fn url_like(name: &HeaderName) -> bool {
    name == header::LOCATION
        || name == header::CONTENT_LOCATION
        || name == header::LINK
        || name.as_str() == "refresh"
}

/// Scrubs one header value.
pub fn scrub_value(
    sc: &Scanner,
    caches: &mut Caches,
    name: &HeaderName,
    value: &[u8],
) -> (Vec<u8>, Counts) {
    if name == header::SET_COOKIE && sc.redact_cookies {
        return set_cookie(sc, caches, value);
    }
    let (out, mut counts) = sc.scrub_all(value, caches);
    if !url_like(name) {
        return (out, counts);
    }
    let decoded: Vec<u8> = percent_decode(&out).collect();
    if decoded == out {
        return (out, counts);
    }
    let (dec_out, dec_counts) = sc.scrub_all(&decoded, caches);
    if dec_counts.total() == 0 {
        return (out, counts);
    }
    for (k, n) in &dec_counts.0 {
        counts.add(k, *n);
    }
    (
        percent_encode(&dec_out, HEADER_UNSAFE)
            .to_string()
            .into_bytes(),
        counts,
    )
}

fn set_cookie(sc: &Scanner, caches: &mut Caches, value: &[u8]) -> (Vec<u8>, Counts) {
    let semi = memchr::memchr(b';', value).unwrap_or(value.len());
    let (pair, attrs) = value.split_at(semi);
    let Some(eq) = memchr::memchr(b'=', pair) else {
        return sc.scrub_all(value, caches);
    };
    let (cname, cval) = (&pair[..eq], &pair[eq + 1..]);
    let (mut out, mut counts) = sc.scrub_all(cname, caches);
    out.push(b'=');
    let (val_out, val_counts) = sc.scrub_all(cval, caches);
    let bare = cval.trim_ascii().trim_matches(|b| *b == b'"');
    let whole_redaction =
        val_counts.total() == 1 && val_out.starts_with(b"[REDACTED:") && val_out.ends_with(b"]");
    if whole_redaction || bare.len() < MIN_COOKIE_VALUE {
        out.extend_from_slice(&val_out);
        for (k, n) in &val_counts.0 {
            counts.add(k, *n);
        }
    } else {
        out.extend_from_slice(b"[REDACTED:cookie]");
        counts.add(&std::sync::Arc::from("cookie"), 1);
    }
    let (attr_out, attr_counts) = sc.scrub_all(attrs, caches);
    out.extend_from_slice(&attr_out);
    for (k, n) in &attr_counts.0 {
        counts.add(k, *n);
    }
    (out, counts)
}

trait TrimQuotes {
    fn trim_matches(&self, f: impl Fn(&u8) -> bool) -> &[u8];
}

impl TrimQuotes for [u8] {
    fn trim_matches(&self, f: impl Fn(&u8) -> bool) -> &[u8] {
        let start = self.iter().position(|b| !f(b)).unwrap_or(self.len());
        let end = self.iter().rposition(|b| !f(b)).map_or(start, |e| e + 1);
        &self[start..end.max(start)]
    }
}
