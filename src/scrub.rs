//! Response scrubbing: the last line of defence. Whatever an upstream returns, no credential
//! reaches the agent.
//!
//! Two things are redacted, in every response header and in the streamed body:
//!
//! - **Live credentials** ([`live`]): every value credgate injected or minted, in each form it
//!   went on the wire and in the encodings an upstream may echo it back in (base64 in both
//!   alphabets and at every alignment, percent- and form-encoding, JSON escapes, hex where the
//!   credential is binary). Redacted as `[REDACTED:credential]`.
//! - **Token-shaped strings** ([`rules`], compiled by [`patterns`]): formats credgate never saw
//!   (a freshly created key, another service's token, a pasted connection string), found by a
//!   literal prefilter and verified only at candidates. Redacted as `[REDACTED:<kind>]`.
//!
//! [`stream`] runs both over a body as it streams, with bounded hold-back and output that does
//! not depend on chunking; `headers` adds care for `Set-Cookie` and `Location`; [`config`] is
//! the per-route `scrub:` block. Nothing here ever logs or formats a scanned value.

mod assignment;
mod base64_runs;
mod checks;
mod code;
pub mod config;
mod counts;
mod headers;
mod held;
mod key_name;
pub mod live;
pub mod offline;
pub mod patterns;
mod pem;
mod placeholder;
mod plain_value;
mod prefilter;
pub mod rules;
mod simple;
mod sse;
pub mod stream;
mod verifier;

pub use checks::base62_crc32;
pub use config::{RawScrub, ScrubPolicy};
pub use live::{encoded_forms, LiveSecrets, LiveSet};
pub use patterns::{ExtraPattern, PatternSet, HARD_CAP, LOOK_BEHIND};
pub use stream::{Counts, Overflow, Replacement, Scanner, StreamScrubber, LIVE_KIND};

/// Scrubs a complete input with `policy` and the live set `live`: the output and the counts by
/// kind (what the streaming scrubber produces for any chunking of `input`).
pub fn scrub_all(
    policy: &ScrubPolicy,
    live: &std::sync::Arc<LiveSet>,
    input: &[u8],
) -> (Vec<u8>, Counts) {
    let s = policy.scrubber(live.clone());
    s.scanner()
        .scrub_all(input, &mut patterns::Caches::default())
}

#[cfg(test)]
mod tests;
