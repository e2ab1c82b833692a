//! Protocol upgrades: credgate never switches protocols.
//!
//! After a `101 Switching Protocols` the bytes are no longer HTTP messages: WebSocket frames
//! (compressed with `permessage-deflate` whenever the client offers it, as most clients do) or
//! HTTP/2 frames with HPACK-coded headers. The scrubber would see them as one raw body it cannot
//! decode, so a compressed secret would pass, and a redaction would break the framing. Pingora's
//! default forwards a WebSocket handshake; so, in three layers:
//!
//! - an offer the request can go on without (`h2c`, which curl's `--http2` sends through a
//!   proxy) is simply not forwarded, and the request goes on as HTTP/1.1, which RFC 9113 lets any
//!   server choose;
//! - any other offer (WebSocket) is refused with a reason before anything is forwarded, rather
//!   than stripped into a plain `GET` the upstream would answer with a puzzling 400;
//! - every upstream request is sent with Pingora's `deny_upgrades` policy (no upgrade field is
//!   ever forwarded), and an upstream that answers 101 anyway fails closed (see the proxy's
//!   response filter).

use http::header::{self, HeaderMap};
use pingora::upstreams::peer::HttpUpstreamRequestPolicy;

/// How every upstream request is forwarded: hop-by-hop fields stripped, as by default, and no
/// upgrade field, whatever the agent sent.
pub fn request_policy() -> HttpUpstreamRequestPolicy {
    HttpUpstreamRequestPolicy::deny_upgrades()
}

/// What a request's `Upgrade` header asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// No `Upgrade` header.
    Absent,
    /// Only protocols the request can go on without (`h2c`), or an empty header: not forwarded,
    /// and the request goes on.
    Declinable,
    /// A protocol the client needs (WebSocket, anything else): refused.
    Refused,
}

/// Classifies the request's upgrade offer. Every `Upgrade` line counts: the header is a
/// comma-separated list, and a list may be split over several lines.
pub fn offer(headers: &HeaderMap) -> Offer {
    let mut lines = headers.get_all(header::UPGRADE).iter().peekable();
    if lines.peek().is_none() {
        return Offer::Absent;
    }
    let declinable = lines.all(|v| {
        v.as_bytes()
            .split(|&b| b == b',')
            .map(<[u8]>::trim_ascii)
            .all(|p| p.is_empty() || p.eq_ignore_ascii_case(b"h2c"))
    });
    if declinable {
        Offer::Declinable
    } else {
        Offer::Refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pingora::http::RequestHeader;

    fn req(headers: &[(&str, &str)]) -> RequestHeader {
        let mut r = RequestHeader::build("GET", b"/", None).unwrap();
        for (k, v) in headers {
            r.append_header(k.to_string(), *v).unwrap();
        }
        r
    }

    /// A pin on the policy, not on behaviour: with the refusal in `admit` in place, no request
    /// reaches the upstream with an offer this policy would strip.
    #[test]
    fn no_upgrade_field_is_ever_forwarded() {
        use pingora::upstreams::peer::H1UpgradePolicy;
        let p = request_policy();
        assert_eq!(p.h1_upgrade, H1UpgradePolicy::Deny);
        assert!(p.strip_hop_by_hop && p.strip_connection_nominated);
    }

    #[test]
    fn offers_are_classified() {
        use Offer::*;
        let table: &[(&[(&str, &str)], Offer)] = &[
            (&[], Absent),
            (&[("Connection", "keep-alive")], Absent),
            (&[("Upgrade", "h2c")], Declinable),
            (&[("Upgrade", "H2C")], Declinable),
            (&[("Upgrade", " h2c , ")], Declinable),
            (&[("Upgrade", "")], Declinable),
            (&[("Upgrade", "h2c"), ("Upgrade", "h2c")], Declinable),
            (&[("Upgrade", "websocket")], Refused),
            (&[("Upgrade", "WebSocket")], Refused),
            (&[("Upgrade", "h2c, websocket")], Refused),
            (&[("Upgrade", "h2c"), ("Upgrade", "websocket")], Refused),
            (&[("Upgrade", "TLS/1.0")], Refused),
            (&[("Upgrade", "h2")], Refused),
        ];
        for (headers, want) in table {
            assert_eq!(offer(&req(headers).headers), *want, "{headers:?}");
        }
    }
}
