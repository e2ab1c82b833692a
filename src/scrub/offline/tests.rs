use std::io::Read;

use super::*;
use crate::scrub::RawScrub;

/// A Stripe secret key of the live shape (never a real one).
const STRIPE: &str = "sk_live_51HqLyjWDarjtT1zdp7dcXcFZkzJq4m8VnTbRx2";

fn policy(yaml: &str) -> ScrubPolicy {
    let raw: RawScrub = serde_yaml_ng::from_str(yaml).unwrap();
    ScrubPolicy::compile(raw).unwrap()
}

/// A reader that hands out at most `n` bytes per call, as a pipe may.
struct Trickle<'a>(&'a [u8], usize);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.len().min(self.1).min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fn scrub(p: &ScrubPolicy, ct: Option<&str>, body: &[u8], piece: usize) -> (String, Outcome) {
    let mut out = Vec::new();
    let outcome = scrub_body(p, ct, &mut Trickle(body, piece), &mut out).unwrap();
    (String::from_utf8(out).unwrap(), outcome)
}

#[test]
fn a_body_comes_out_as_the_agent_would_see_it_in_any_pieces() {
    let body = format!(
        "{{\"id\":\"ch_3MmlLrLkdIwHu7ix0snN0B15\",\"key\":\"{STRIPE}\",\"sha\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}}"
    );
    let p = ScrubPolicy::default();
    let expected = body.replace(STRIPE, "[REDACTED:stripe_secret_key]");
    for piece in [1, 7, 100_000] {
        let (out, outcome) = scrub(&p, Some("application/json"), body.as_bytes(), piece);
        assert_eq!(out, expected, "in {piece}-byte reads");
        assert_eq!(outcome.counts.get("stripe_secret_key"), 1);
        assert_eq!(outcome.counts.total(), 1);
        assert!(outcome.failed.is_none() && !outcome.skipped);
    }
    let clean = b"{\"object\":\"list\",\"data\":[]}";
    let (out, outcome) = scrub(&p, None, clean, 5);
    assert_eq!(out.as_bytes(), clean);
    assert_eq!(outcome.summary(), "nothing redacted");
}

#[test]
fn the_route_block_decides_what_is_redacted_and_how() {
    let body = format!("key={STRIPE} acme=acme_0123456789abcdef0123456789abcdef\n");
    let p = policy(
        "disable: [stripe_secret_key]\nreplacement: keep_prefix\nextra_patterns:\n  - {kind: acme_api_key, regex: 'acme_[a-f0-9]{32}', keep_prefix: 5}\n",
    );
    let (out, outcome) = scrub(&p, Some("text/plain"), body.as_bytes(), 64);
    assert_eq!(
        out,
        format!("key={STRIPE} acme=acme_[REDACTED:acme_api_key]\n")
    );
    assert_eq!(outcome.summary(), "1 redaction: acme_api_key 1");
}

#[test]
fn an_event_stream_is_reassembled_as_on_the_wire() {
    // The key split across two events: no single event holds it.
    let (a, b) = STRIPE.split_at(20);
    let body = format!(
        "data: {{\"delta\":{{\"text\":\"{a}\"}}}}\n\ndata: {{\"delta\":{{\"text\":\"{b}\"}}}}\n\n"
    );
    let p = ScrubPolicy::default();
    let (out, outcome) = scrub(&p, Some("text/event-stream"), body.as_bytes(), 9);
    assert!(!out.contains(a) && !out.contains(b), "{out}");
    assert_eq!(outcome.counts.get("stripe_secret_key"), 1);
    // The same bytes as plain text are two harmless halves.
    let (out, outcome) = scrub(&p, Some("text/plain"), body.as_bytes(), 9);
    assert_eq!(out, body);
    assert_eq!(outcome.counts.total(), 0);
}

#[test]
fn a_type_the_route_skips_passes_through() {
    let p = policy("skip_content_types: [image/*]\n");
    let body = format!("GIF89a {STRIPE}");
    let (out, outcome) = scrub(&p, Some("image/gif"), body.as_bytes(), 3);
    assert_eq!(out, body);
    assert!(outcome.skipped);
    assert_eq!(
        outcome.summary(),
        "passed through unscanned: the route skips this content type"
    );
}

#[test]
fn a_body_that_fails_closed_stops_where_the_agents_would() {
    // A private key block that never ends: past the 64 KiB cap the rest is withheld.
    let mut body = b"before\n-----BEGIN RSA PRIVATE KEY-----\n".to_vec();
    body.extend(std::iter::repeat_n(b'A', 200_000));
    let (out, outcome) = scrub(&ScrubPolicy::default(), None, &body, 4096);
    assert_eq!(outcome.failed, Some(Overflow::Cap));
    assert!(out.len() < 100, "withheld: {} bytes out", out.len());
    assert!(!out.contains("AAAA"));
    // The failure is the outcome, not a kind of redaction.
    assert_eq!(outcome.counts.get("scrub_overflow"), 0);
    assert!(
        outcome
            .summary()
            .starts_with("failed closed (scrub_overflow)"),
        "{}",
        outcome.summary()
    );
}
