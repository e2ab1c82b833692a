//! Response scrubbing: no credential credgate injected reaches the agent.
//!
//! Every live credential, in each form it is put on the wire and in the encodings an upstream may
//! echo it back in (base64, URL-safe base64, percent-encoding, JSON escaping), goes into one
//! Aho-Corasick automaton that is swapped when the live set changes. Bodies are scrubbed as a
//! stream: [`StreamScrubber`] holds back at most `longest pattern - 1` bytes between chunks, so
//! the output is the same however the body is chunked.
//!
//! This is the hook the full engine (token-shaped patterns, per-route packs) extends.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use arc_swap::ArcSwap;
use base64::Engine;
use bytes::{Bytes, BytesMut};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::creds::{ExposeSecret, SecretString};

/// What replaces a live credential.
pub const REDACTED: &[u8] = b"[REDACTED:credential]";

/// Shorter forms are not scrubbed: they would redact ordinary text, and a secret that short is
/// not a secret worth the name (`credgate check` cannot see secret values, the audit log notes it).
const MIN_FORM_LEN: usize = 6;

/// An immutable automaton over a set of exact values.
pub struct ExactSet {
    ac: Option<AhoCorasick>,
    max_len: usize,
}

impl std::fmt::Debug for ExactSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExactSet")
            .field(
                "patterns",
                &self.ac.as_ref().map_or(0, |a| a.patterns_len()),
            )
            .finish()
    }
}

impl ExactSet {
    pub fn empty() -> Self {
        Self {
            ac: None,
            max_len: 0,
        }
    }

    pub fn new<I: IntoIterator<Item = Vec<u8>>>(values: I) -> Self {
        let mut pats: Vec<Vec<u8>> = values
            .into_iter()
            .filter(|v| v.len() >= MIN_FORM_LEN)
            .collect();
        pats.sort();
        pats.dedup();
        if pats.is_empty() {
            return Self::empty();
        }
        let max_len = pats.iter().map(Vec::len).max().unwrap_or(0);
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&pats)
            .ok();
        Self { ac, max_len }
    }

    pub fn is_empty(&self) -> bool {
        self.ac.is_none()
    }

    /// Replaces every match in `input`; returns the output and the number of replacements.
    pub fn scrub_all(&self, input: &[u8]) -> (Vec<u8>, u32) {
        let mut out = Vec::with_capacity(input.len());
        let n = self.scrub_prefix(input, input.len(), &mut out);
        (out, n.1)
    }

    /// Scrubs `buf` up to the point beyond which a match could still change with more data
    /// (`settled_upto`), appending the settled output to `out`. Returns (bytes consumed, redactions).
    fn scrub_prefix(&self, buf: &[u8], settled_upto: usize, out: &mut Vec<u8>) -> (usize, u32) {
        let Some(ac) = &self.ac else {
            out.extend_from_slice(&buf[..settled_upto]);
            return (settled_upto, 0);
        };
        let mut pos = 0;
        let mut count = 0;
        for m in ac.find_iter(buf) {
            // A match starting at or after the settled point may still grow (leftmost-longest).
            if m.start() >= settled_upto {
                break;
            }
            out.extend_from_slice(&buf[pos..m.start()]);
            out.extend_from_slice(REDACTED);
            pos = m.end();
            count += 1;
        }
        let end = settled_upto.max(pos);
        out.extend_from_slice(&buf[pos..end]);
        (end, count)
    }
}

/// Encodings in which an upstream may echo a value back.
pub fn encoded_forms(value: &str) -> Vec<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let mut forms = vec![
        value.as_bytes().to_vec(),
        STANDARD.encode(value).into_bytes(),
        STANDARD_NO_PAD.encode(value).into_bytes(),
        URL_SAFE_NO_PAD.encode(value).into_bytes(),
        utf8_percent_encode(value, NON_ALPHANUMERIC)
            .to_string()
            .into_bytes(),
    ];
    if let Ok(json) = serde_json::to_string(value) {
        let inner = &json[1..json.len() - 1];
        forms.push(inner.as_bytes().to_vec());
        forms.push(inner.replace('/', "\\/").into_bytes());
    }
    forms
}

/// The set of live credentials, keyed by whatever the caller uses to identify a credential slot,
/// each with a version so that re-registering an unchanged credential costs one map lookup.
pub struct LiveSecrets {
    entries: RwLock<HashMap<String, (u64, Vec<SecretString>)>>,
    set: ArcSwap<ExactSet>,
}

impl std::fmt::Debug for LiveSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSecrets").finish_non_exhaustive()
    }
}

impl LiveSecrets {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            entries: RwLock::default(),
            set: ArcSwap::from_pointee(ExactSet::empty()),
        })
    }

    /// Makes sure version `version` of `key`'s wire forms is in the automaton.
    pub fn observe(&self, key: &str, version: u64, forms: impl FnOnce() -> Vec<SecretString>) {
        if let Some((v, _)) = self
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
        {
            if *v == version {
                return;
            }
        }
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        entries.insert(key.to_string(), (version, forms()));
        let all = entries
            .values()
            .flat_map(|(_, fs)| fs.iter())
            .flat_map(|s| encoded_forms(s.expose_secret()));
        self.set.store(Arc::new(ExactSet::new(all)));
    }

    /// The current automaton; a request keeps the one it started with.
    pub fn snapshot(&self) -> Arc<ExactSet> {
        self.set.load_full()
    }
}

/// Streaming scrubber for one response body.
#[derive(Debug)]
pub struct StreamScrubber {
    set: Arc<ExactSet>,
    held: BytesMut,
    pub redactions: u32,
}

impl StreamScrubber {
    pub fn new(set: Arc<ExactSet>) -> Self {
        Self {
            set,
            held: BytesMut::new(),
            redactions: 0,
        }
    }

    /// The automaton this scrubber uses (also used for the response headers).
    pub fn set(&self) -> Arc<ExactSet> {
        self.set.clone()
    }

    /// Feeds one chunk; returns what can be sent now. With `end`, flushes everything.
    pub fn push(&mut self, chunk: Option<&[u8]>, end: bool) -> Option<Bytes> {
        if self.set.is_empty() && self.held.is_empty() {
            return chunk.map(Bytes::copy_from_slice);
        }
        if let Some(c) = chunk {
            self.held.extend_from_slice(c);
        }
        let buf = self.held.split().freeze();
        let settled = if end {
            buf.len()
        } else {
            // A match can start no earlier than len - (max_len - 1) and still be incomplete.
            buf.len().saturating_sub(self.set.max_len.saturating_sub(1))
        };
        let mut out = Vec::with_capacity(buf.len() + 32);
        let (consumed, n) = self.set.scrub_prefix(&buf, settled, &mut out);
        self.redactions += n;
        self.held.extend_from_slice(&buf[consumed..]);
        if out.is_empty() && !end {
            None
        } else {
            Some(Bytes::from(out))
        }
    }
}

/// Scrubs one header value; returns the replacement when anything matched.
pub fn scrub_header_value(set: &ExactSet, value: &[u8]) -> Option<(Vec<u8>, u32)> {
    if set.is_empty() {
        return None;
    }
    let (out, n) = set.scrub_all(value);
    (n > 0).then_some((out, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(vals: &[&str]) -> Arc<ExactSet> {
        Arc::new(ExactSet::new(vals.iter().flat_map(|v| encoded_forms(v))))
    }

    fn run(set: &Arc<ExactSet>, chunks: &[&[u8]]) -> (Vec<u8>, u32) {
        let mut s = StreamScrubber::new(set.clone());
        let mut out = Vec::new();
        for (i, c) in chunks.iter().enumerate() {
            if let Some(b) = s.push(Some(c), i + 1 == chunks.len()) {
                out.extend_from_slice(&b);
            }
        }
        (out, s.redactions)
    }

    #[test]
    fn every_split_of_a_secret_is_caught() {
        let secret = "sk_live_51HabcDEF/xyz+";
        let body = format!(
            r#"{{"echo":"{secret}","b64":"{}","more":"text"}}"#,
            base64::engine::general_purpose::STANDARD.encode(secret)
        );
        let s = set(&[secret]);
        let (whole, n) = run(&s, &[body.as_bytes()]);
        assert_eq!(n, 2);
        let whole_text = String::from_utf8(whole.clone()).unwrap();
        assert!(!whole_text.contains("sk_live_51"), "{whole_text}");
        for cut in 0..=body.len() {
            for cut2 in cut..=body.len() {
                let b = body.as_bytes();
                let (out, n2) = run(&s, &[&b[..cut], &b[cut..cut2], &b[cut2..]]);
                assert_eq!(out, whole, "cuts {cut} {cut2}");
                assert_eq!(n2, n);
            }
        }
    }

    #[test]
    fn json_and_url_encodings() {
        let secret = "ab/cd\"ef gh";
        let s = set(&[secret]);
        for echoed in [r#"ab\/cd\"ef gh"#, r#"ab/cd\"ef gh"#, "ab%2Fcd%22ef%20gh"] {
            let (out, n) = s.scrub_all(echoed.as_bytes());
            assert_eq!(n, 1, "{echoed}");
            assert_eq!(out, REDACTED);
        }
    }

    #[test]
    fn empty_set_passes_through_and_short_values_are_ignored() {
        let s = set(&["abc"]);
        let (out, n) = run(&s, &[b"abc abc"]);
        assert_eq!((out.as_slice(), n), (&b"abc abc"[..], 0));
    }

    #[test]
    fn live_set_versions() {
        let live = LiveSecrets::new();
        live.observe("k", 1, || {
            vec![SecretString::from("secret-one".to_string())]
        });
        assert_eq!(live.snapshot().scrub_all(b"x secret-one").1, 1);
        // Same version: the closure is not even called.
        live.observe("k", 1, || panic!("must not rebuild"));
        live.observe("k", 2, || {
            vec![SecretString::from("secret-two".to_string())]
        });
        let s = live.snapshot();
        assert_eq!(s.scrub_all(b"secret-two").1, 1);
        assert_eq!(s.scrub_all(b"secret-one").1, 0);
    }
}
