//! The assertions the scrubbing tables share: a body whose one secret is redacted with nothing
//! around it, in one piece and at every cut, and bodies with nothing to redact.

use std::sync::Arc;

use credgate::scrub::{scrub_all, LiveSet, ScrubPolicy};

use crate::scrub_engine::assert_every_cut_scrubs_as_whole;

/// `text` scrubs to itself with `secret` replaced by `[REDACTED:<kind>]`, its one redaction,
/// and every cut of it scrubs as the whole.
pub fn assert_redacted_once(
    p: &ScrubPolicy,
    live: &Arc<LiveSet>,
    text: &str,
    secret: &str,
    kind: &str,
) {
    let (out, counts) = scrub_all(p, live, text.as_bytes());
    assert_eq!(
        String::from_utf8_lossy(&out),
        text.replace(secret, &format!("[REDACTED:{kind}]")),
        "{text}"
    );
    assert_eq!(counts.get(kind), 1, "{text}");
    assert_eq!(counts.total(), 1, "{text}");
    assert_every_cut_scrubs_as_whole(p, live, text.as_bytes(), text);
}

/// Nothing in any of `texts` is redacted.
pub fn assert_nothing_redacted(p: &ScrubPolicy, live: &Arc<LiveSet>, texts: &[&str]) {
    for text in texts {
        let (out, counts) = scrub_all(p, live, text.as_bytes());
        assert_eq!(counts.total(), 0, "{}", String::from_utf8_lossy(&out));
    }
}
