//! The request target, normalized once.
//!
//! Policy must judge exactly the bytes that are forwarded, so this module produces one canonical
//! path (and host) and credgate forwards that, never the agent's original spelling. Anything
//! whose meaning differs between servers (encoded slashes, dot segments, backslashes, overlong
//! UTF-8, fragments, control characters) is refused rather than guessed at.

use std::fmt::Write;

/// A URI scheme credgate speaks to upstreams.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// The normalized request target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Present in forward-proxy (absolute-form) requests.
    pub authority: Option<Authority>,
    /// Canonical path: starts with `/`, no empty or dot segments, unreserved characters decoded,
    /// every other escape upper-case.
    pub path: String,
    /// Raw query string without `?`, if any.
    pub query: Option<String>,
}

/// Host and port of an absolute-form request target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    pub scheme: Scheme,
    /// Lower case, no trailing dot; IPv6 literals without brackets.
    pub host: String,
    pub port: u16,
    /// Whether the port was written explicitly.
    pub explicit_port: bool,
}

/// Why a request target was refused; `label()` is the JSON reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetError {
    Unsupported,
    BadAuthority,
    Fragment,
    BadEscape,
    EncodedSeparator,
    ControlCharacter,
    InvalidUtf8,
    DotSegment,
    Backslash,
}

impl TargetError {
    pub fn label(self) -> &'static str {
        match self {
            TargetError::Unsupported => "unsupported_request_target",
            TargetError::BadAuthority => "bad_authority",
            TargetError::Fragment => "fragment_in_target",
            TargetError::BadEscape => "bad_percent_escape",
            TargetError::EncodedSeparator => "encoded_path_separator",
            TargetError::ControlCharacter => "control_character_in_target",
            TargetError::InvalidUtf8 => "invalid_utf8_in_path",
            TargetError::DotSegment => "dot_segment_in_path",
            TargetError::Backslash => "backslash_in_path",
        }
    }
}

/// Parses the raw request target (`req.raw_path()` in Pingora).
pub fn parse(raw: &[u8]) -> Result<Target, TargetError> {
    let raw = std::str::from_utf8(raw).map_err(|_| TargetError::ControlCharacter)?;
    if raw.bytes().any(|b| b <= 0x20 || b == 0x7f || b >= 0x80) {
        return Err(TargetError::ControlCharacter);
    }
    if raw.contains('#') {
        return Err(TargetError::Fragment);
    }
    let (authority, rest) = if raw.starts_with('/') {
        (None, raw)
    } else {
        let lower = raw.get(..8).unwrap_or(raw).to_ascii_lowercase();
        let (scheme, after) = if lower.starts_with("http://") {
            (Scheme::Http, &raw[7..])
        } else if lower.starts_with("https://") {
            (Scheme::Https, &raw[8..])
        } else {
            return Err(TargetError::Unsupported);
        };
        let end = after.find(['/', '?']).unwrap_or(after.len());
        let auth = parse_authority(scheme, &after[..end])?;
        let rest = &after[end..];
        (Some(auth), if rest.is_empty() { "/" } else { rest })
    };
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (rest, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    Ok(Target {
        authority,
        path: canonical_path(path)?,
        query,
    })
}

/// Host normalization shared by request targets and route configuration.
pub fn normalize_host(host: &str) -> Option<String> {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if host.is_empty() || host.len() > 253 {
        return None;
    }
    if host.parse::<std::net::Ipv6Addr>().is_ok() || host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some(host);
    }
    let ok = host.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    });
    // An all-numeric dotted name that is not a valid IPv4 address ("127.1", "0x7f.1") is
    // refused: resolvers disagree about what it means.
    let numeric_like = host
        .split('.')
        .all(|l| l.bytes().all(|b| b.is_ascii_hexdigit() || b == b'x'))
        && host
            .split('.')
            .next_back()
            .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()));
    (ok && !numeric_like).then_some(host)
}

fn parse_authority(scheme: Scheme, auth: &str) -> Result<Authority, TargetError> {
    if auth.is_empty() || auth.contains('@') {
        return Err(TargetError::BadAuthority);
    }
    let (host, port) = if let Some(v6) = auth.strip_prefix('[') {
        let (h, rest) = v6.split_once(']').ok_or(TargetError::BadAuthority)?;
        if h.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(TargetError::BadAuthority);
        }
        match rest {
            "" => (h, None),
            p => (
                h,
                Some(p.strip_prefix(':').ok_or(TargetError::BadAuthority)?),
            ),
        }
    } else {
        match auth.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (auth, None),
        }
    };
    let explicit_port = port.is_some();
    let port = match port {
        None => scheme.default_port(),
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or(TargetError::BadAuthority)?,
    };
    let host = normalize_host(host).ok_or(TargetError::BadAuthority)?;
    Ok(Authority {
        scheme,
        host,
        port,
        explicit_port,
    })
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Canonicalizes an origin-form path (see [`Target::path`]).
pub fn canonical_path(path: &str) -> Result<String, TargetError> {
    if !path.starts_with('/') {
        return Err(TargetError::Unsupported);
    }
    let bytes = path.as_bytes();
    // First pass: decode escapes into (byte, was_escaped), rejecting the ambiguous ones.
    let mut decoded: Vec<(u8, bool)> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_val);
            let lo = bytes.get(i + 2).copied().and_then(hex_val);
            let (Some(hi), Some(lo)) = (hi, lo) else {
                return Err(TargetError::BadEscape);
            };
            let v = hi << 4 | lo;
            match v {
                b'/' => return Err(TargetError::EncodedSeparator),
                b'\\' => return Err(TargetError::Backslash),
                0..=0x1f | 0x7f => return Err(TargetError::ControlCharacter),
                _ => decoded.push((v, true)),
            }
            i += 3;
        } else {
            if b == b'\\' {
                return Err(TargetError::Backslash);
            }
            decoded.push((b, false));
            i += 1;
        }
    }
    let plain: Vec<u8> = decoded.iter().map(|(b, _)| *b).collect();
    if std::str::from_utf8(&plain).is_err() {
        return Err(TargetError::InvalidUtf8);
    }
    let mut out = String::with_capacity(path.len());
    let segments: Vec<&[(u8, bool)]> = decoded[1..].split(|(b, esc)| *b == b'/' && !esc).collect();
    let last = segments.len().saturating_sub(1);
    for (n, seg) in segments.iter().enumerate() {
        if seg.is_empty() {
            // Collapse `//`, but keep a trailing slash: `/a/` and `/a` are different resources.
            if n == last {
                out.push('/');
            }
            continue;
        }
        let text: Vec<u8> = seg.iter().map(|(b, _)| *b).collect();
        if text == b"." || text == b".." {
            return Err(TargetError::DotSegment);
        }
        out.push('/');
        for &(b, _) in seg.iter() {
            if is_unreserved(b) || (b.is_ascii_graphic() && !b"%?#/\\\"<>`{}|^[]".contains(&b)) {
                out.push(b as char);
            } else {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_paths() {
        let ok = [
            ("/", "/"),
            ("/v1/charges", "/v1/charges"),
            ("/v1//charges", "/v1/charges"),
            ("/v1/charges/", "/v1/charges/"),
            ("/%76%31/x", "/v1/x"),
            ("/a%20b", "/a%20b"),
            ("/a%2a", "/a*"),
            ("/a;jsessionid=1", "/a;jsessionid=1"),
            ("/caf%C3%A9", "/caf%C3%A9"),
            ("/.well-known/x", "/.well-known/x"),
        ];
        for (input, want) in ok {
            assert_eq!(canonical_path(input).as_deref(), Ok(want), "{input}");
        }
        let bad = [
            ("/a/../admin", TargetError::DotSegment),
            ("/a/%2e%2e/admin", TargetError::DotSegment),
            ("/a/%2E/b", TargetError::DotSegment),
            ("/a/.", TargetError::DotSegment),
            ("/a%2Fb", TargetError::EncodedSeparator),
            ("/a%2fb", TargetError::EncodedSeparator),
            ("/a%5cb", TargetError::Backslash),
            ("/a\\b", TargetError::Backslash),
            ("/%c0%ae%c0%ae/x", TargetError::InvalidUtf8),
            ("/a%00", TargetError::ControlCharacter),
            ("/a%zz", TargetError::BadEscape),
            ("/a%4", TargetError::BadEscape),
        ];
        for (input, want) in bad {
            assert_eq!(canonical_path(input), Err(want), "{input}");
        }
    }

    #[test]
    fn absolute_form_targets() {
        let t = parse(b"http://API.Stripe.com./v1/charges?limit=3").unwrap();
        let a = t.authority.unwrap();
        assert_eq!(
            (a.host.as_str(), a.port, a.explicit_port),
            ("api.stripe.com", 80, false)
        );
        assert_eq!(t.path, "/v1/charges");
        assert_eq!(t.query.as_deref(), Some("limit=3"));
        let t = parse(b"http://[::1]:8443").unwrap();
        assert_eq!(t.authority.unwrap().host, "::1");
        assert_eq!(t.path, "/");
        assert_eq!(parse(b"/x?y").unwrap().authority, None);
        for bad in [
            &b"http://user:pw@h/"[..],
            b"http://h:0/",
            b"http://h:99999/",
            b"http://exa mple/",
            b"http:///x",
            b"http://127.1/",
            b"ftp://h/",
            b"h:443",
            b"/a#frag",
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn host_normalization() {
        assert_eq!(
            normalize_host("Example.COM.").as_deref(),
            Some("example.com")
        );
        assert_eq!(normalize_host("10.0.0.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(normalize_host("0x7f.1"), None);
        assert_eq!(normalize_host("a..b"), None);
        assert_eq!(normalize_host("-a.b"), None);
        assert_eq!(
            normalize_host("xn--caf-dma.example").as_deref(),
            Some("xn--caf-dma.example")
        );
    }
}
