//! The forms a live credential may come back in. An upstream echoes what it was sent in its own
//! encoding: base64 in either alphabet, alone or inside a longer base64 string (the password
//! of a Basic header), percent-encoded as a URL or a form, JSON-escaped the way each common
//! encoder escapes, and hex or the other alphabet for a secret that is base64 of binary. Each
//! form is an exact string for the live index, made once per credential, so that bodies are
//! searched as they are instead of being decoded every way.

use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Percent-encoding that keeps RFC 3986 unreserved characters, as most URL builders do.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The base64 characters of `value` that do not depend on the bytes around it, when it sits at
/// byte offset `k` (mod 3) inside a longer encoded string (e.g. the password in `user:password`).
fn base64_core(value: &[u8], k: usize, engine: &impl Engine) -> Option<Vec<u8>> {
    let mut padded = vec![0u8; k];
    padded.extend_from_slice(value);
    padded.extend_from_slice(&[0, 0]);
    let enc = engine.encode(&padded).into_bytes();
    let first = (8 * k).div_ceil(6);
    let last = (8 * (k + value.len())) / 6;
    enc.get(first..last).map(<[u8]>::to_vec)
}

/// Every encoding in which an upstream may echo `value` back.
pub fn encoded_forms(value: &str) -> Vec<Vec<u8>> {
    use base64::engine::general_purpose::{
        GeneralPurpose, STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
    };
    let raw = value.as_bytes();
    let mut forms = vec![raw.to_vec()];
    let engines: [&GeneralPurpose; 4] = [&STANDARD, &URL_SAFE, &STANDARD_NO_PAD, &URL_SAFE_NO_PAD];
    for e in engines {
        forms.push(e.encode(raw).into_bytes());
    }
    for k in 0..3 {
        forms.extend(base64_core(raw, k, &STANDARD_NO_PAD));
        forms.extend(base64_core(raw, k, &URL_SAFE_NO_PAD));
    }
    let pct_upper = utf8_percent_encode(value, NON_ALPHANUMERIC).to_string();
    forms.push(pct_upper.to_ascii_lowercase_escapes());
    forms.push(pct_upper.into_bytes());
    forms.push(
        utf8_percent_encode(value, UNRESERVED)
            .to_string()
            .into_bytes(),
    );
    forms.push(url_form_encode(value).into_bytes());
    if let Ok(json) = serde_json::to_string(value) {
        let inner = &json[1..json.len() - 1];
        forms.push(inner.as_bytes().to_vec());
        forms.push(inner.replace('/', "\\/").into_bytes());
    }
    // Encoders that escape a few characters beyond what JSON requires, each its own way: .NET's
    // System.Text.Json (by default) writes `+` as `\u002B` (an AWS secret key or any base64
    // value holds one about half the time) and `"` as `\u0022`; Go's encoding/json writes `&`
    // as `\u0026`. The slash stays as it is in both.
    forms.push(json_escaping(
        value,
        &['"', '+', '<', '>', '&', '\'', '`'],
        true,
    ));
    forms.push(json_escaping(
        value,
        &['"', '+', '<', '>', '&', '\'', '`'],
        false,
    ));
    forms.push(json_escaping(value, &['<', '>', '&'], false));
    // Encoders that escape every non-alphanumeric character (`\u002f`, Go's `\u003c`, ...).
    let mut uesc = String::new();
    for c in value.chars() {
        if c.is_ascii_alphanumeric() {
            uesc.push(c);
        } else {
            let mut buf = [0u16; 2];
            for u in c.encode_utf16(&mut buf) {
                uesc.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    forms.push(uesc.to_ascii_uppercase_hex());
    forms.push(uesc.into_bytes());
    // A secret that is base64 of binary may come back as hex, or in the other base64 alphabet.
    for e in engines {
        if let Ok(bin) = e.decode(raw) {
            if bin.len() >= 12 && std::str::from_utf8(&bin).is_err() {
                forms.push(hex::encode(&bin).into_bytes());
                forms.push(hex::encode_upper(&bin).into_bytes());
                for e2 in engines {
                    forms.push(e2.encode(&bin).into_bytes());
                }
            }
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

/// `value` inside a JSON string, as an encoder writes it that also escapes `extra` as `\uXXXX`
/// (hex digits in upper or lower case) and everything else as the JSON grammar requires.
fn json_escaping(value: &str, extra: &[char], upper: bool) -> Vec<u8> {
    let mut out = String::with_capacity(value.len() + 16);
    for c in value.chars() {
        if extra.contains(&c) {
            let u = u32::from(c);
            out.push_str(&if upper {
                format!("\\u{u:04X}")
            } else {
                format!("\\u{u:04x}")
            });
        } else if let Ok(json) = serde_json::to_string(&c) {
            out.push_str(&json[1..json.len() - 1]);
        }
    }
    out.into_bytes()
}

/// `application/x-www-form-urlencoded`: space as `+`.
fn url_form_encode(value: &str) -> String {
    value
        .split(' ')
        .map(|p| utf8_percent_encode(p, UNRESERVED).to_string())
        .collect::<Vec<_>>()
        .join("+")
}

trait EscapeCase {
    /// `%2F` -> `%2f`: some encoders write lower-case hex.
    fn to_ascii_lowercase_escapes(&self) -> Vec<u8>;
    /// `\u002f` -> `\u002F`.
    fn to_ascii_uppercase_hex(&self) -> Vec<u8>;
}

impl EscapeCase for String {
    fn to_ascii_lowercase_escapes(&self) -> Vec<u8> {
        let mut b = self.as_bytes().to_vec();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() {
                b[i + 1] = b[i + 1].to_ascii_lowercase();
                b[i + 2] = b[i + 2].to_ascii_lowercase();
                i += 3;
            } else {
                i += 1;
            }
        }
        b
    }

    fn to_ascii_uppercase_hex(&self) -> Vec<u8> {
        let mut b = self.as_bytes().to_vec();
        let mut i = 0;
        while i + 6 <= b.len() {
            if b[i] == b'\\' && b[i + 1] == b'u' {
                for x in &mut b[i + 2..i + 6] {
                    *x = x.to_ascii_uppercase();
                }
                i += 6;
            } else {
                i += 1;
            }
        }
        b
    }
}
