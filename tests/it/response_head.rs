//! The response head through the running proxy: what Pingora forwards as the upstream wrote it
//! besides header values. A reason phrase and a header's name are scrubbed like any text, and a
//! transfer coding other than chunked (which Pingora passes on undecoded) is refused. The
//! upstreams are hand-written: servers that do this are rare, and the point is what credgate does
//! when one does. Before these fixes all three reached the agent as sent.

use std::io::{Read, Write};
use std::net::TcpListener;

use crate::harness::*;

const STRIPE: &str = "sk_live_51HabcDEFxyzQq0123456789abcdefABCDEF";

/// Sends one request through credgate to an upstream that answers `reply`; returns everything
/// the agent read and the request's audit line.
fn through(reply: Vec<u8>) -> (String, serde_json::Value) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((mut s, _)) = l.accept() else { return };
        skip_request_head(&s);
        let _ = s.write_all(&reply);
    });
    let secret = SecretFile::new("live-credential-for-head-1");
    let cg = Credgate::start(
        &[(
            "h.yaml",
            route("HEAD", port, BEARER, &secret.credential(), ALLOW_ALL),
        )],
        "",
    );
    let mut c = raw_get(&cg, port, "HEAD", "/x");
    let mut got = Vec::new();
    c.read_to_end(&mut got).unwrap();
    let line = cg.audit_n(1).remove(0);
    (String::from_utf8_lossy(&got).into_owned(), line)
}

#[test]
fn a_secret_in_the_reason_phrase_is_redacted() {
    let (got, line) = through(
        format!(
            "HTTP/1.1 401 Invalid key {STRIPE}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno"
        )
        .into_bytes(),
    );
    let status = got.lines().next().unwrap_or_default();
    assert_eq!(
        status, "HTTP/1.1 401 Invalid key [REDACTED:stripe_secret_key]",
        "{got}"
    );
    assert!(!got.contains("sk_live_51"), "{got}");
    assert_eq!(line["redactions_by_kind"]["stripe_secret_key"], 1, "{line}");
}

#[test]
fn a_header_named_after_a_secret_is_dropped() {
    let (got, line) = through(
        format!("HTTP/1.1 200 OK\r\n{STRIPE}: 1\r\nAKIAQWERTYUIOPASDFGH: 2\r\nX-Kept: yes\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            .into_bytes(),
    );
    assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{got}");
    assert!(got.to_ascii_lowercase().contains("x-kept: yes"), "{got}");
    assert!(!got.contains("sk_live_51"), "{got}");
    // Upper case only: matched as the upstream wrote it, not as the lower-cased name.
    assert!(!got.to_ascii_uppercase().contains("AKIAQWERTY"), "{got}");
    assert_eq!(line["redactions_by_kind"]["stripe_secret_key"], 1, "{line}");
    assert_eq!(line["redactions_by_kind"]["aws_access_key_id"], 1, "{line}");
}

#[test]
fn a_transfer_coding_other_than_chunked_is_refused() {
    // `key sk_live_… end`, gzipped: passed on, the agent's client could inflate it.
    const GZIPPED: &[u8] = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xcb\x4e\xad\x54\x28\xce\x8e\xcf\xc9\x2c\x4b\x8d\x37\x35\xf4\x48\x4c\x4a\x76\x71\x75\xab\xa8\xac\x0a\x2c\x34\x30\x34\x32\x36\x31\x35\x33\xb7\xb0\x04\x0a\xa6\xa4\xa6\x39\x3a\x39\x03\xa5\x14\x52\xf3\x52\x00\xd4\x20\xe4\x33\x34\x00\x00\x00";
    let mut reply = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n{:x}\r\n",
        GZIPPED.len()
    )
    .into_bytes();
    reply.extend_from_slice(GZIPPED);
    reply.extend_from_slice(b"\r\n0\r\n\r\n");
    let (got, line) = through(reply);
    assert!(got.starts_with("HTTP/1.1 502 "), "{got}");
    assert!(
        got.contains(r#""reason":"undecodable_content_encoding""#),
        "{got}"
    );
    assert!(!got.contains("Transfer-Encoding: gzip"), "{got}");
    assert_eq!(line["reason"], "undecodable_content_encoding", "{line}");
}

/// A `103 Early Hints` before the final response goes to the agent too (Pingora forwards
/// informational responses), and its head is scrubbed like the final one's: reason phrase,
/// header names and values. Passes on the
/// code it was written against: it pins that the head filter keeps running for them.
#[test]
fn an_informational_response_is_scrubbed_like_the_final_one() {
    let (got, line) = through(
        format!("HTTP/1.1 103 Early Hints {STRIPE}\r\n{STRIPE}: 1\r\nLink: </s?key={STRIPE}>; rel=preload\r\nX-Hint: {STRIPE}\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            .into_bytes(),
    );
    assert!(
        got.starts_with("HTTP/1.1 103 Early Hints [REDACTED:stripe_secret_key]\r\n"),
        "{got}"
    );
    assert!(
        got.contains("link: </s?key=[REDACTED:stripe_secret_key]>; rel=preload\r\n"),
        "{got}"
    );
    assert!(got.contains("\r\n\r\nHTTP/1.1 200 OK\r\n"), "{got}");
    assert!(!got.contains("sk_live_51"), "{got}");
    // The reason phrase, the header named after the key and two values.
    assert_eq!(line["redactions_by_kind"]["stripe_secret_key"], 4, "{line}");
}

/// Trailers of a chunked response are not forwarded (Pingora's HTTP/1 client reads and drops
/// them), so a secret in one never reaches the agent. Pins that too.
#[test]
fn a_secret_in_a_trailer_never_reaches_the_agent() {
    let (got, line) = through(
        format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Token\r\nConnection: close\r\n\r\n2\r\nok\r\n0\r\nX-Token: {STRIPE}\r\n\r\n")
            .into_bytes(),
    );
    assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{got}");
    assert!(got.ends_with("\r\n2\r\nok\r\n0\r\n\r\n"), "{got}");
    assert!(!got.contains("sk_live_51"), "{got}");
    assert_eq!(line["status"], 200, "{line}");
}
