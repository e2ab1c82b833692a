//! Per-request state: everything the phases of one request share, and nothing that outlives it.

use std::sync::Arc;
use std::time::Instant;

use crate::config::Config;
use crate::creds::cache::Resolved;
use crate::policy::Decision;
use crate::routes::Route;
use crate::scrub::StreamScrubber;
use crate::target::Target;

use super::reject::Rejection;

/// Per-request context.
#[derive(Debug)]
pub struct Ctx {
    pub started: Instant,
    pub request_id: String,
    pub config: Option<Arc<Config>>,
    pub agent: Option<Arc<str>>,
    /// The route of the handle the agent named (`None` when absent or unknown).
    pub route: Option<Arc<Route>>,
    /// The normalized request target.
    pub target: Option<Target>,
    /// The host an absolute-form request named (audit only; may be unbound).
    pub requested_host: Option<String>,
    /// Normalized destination host (what the credential is bound to).
    pub dest_host: Option<String>,
    pub decision: Option<Decision>,
    pub rejection: Option<Rejection>,
    pub credential: Option<Resolved>,
    /// The header value carrying the credential (marked sensitive: `Debug` hides it).
    pub inject_header: Option<http::HeaderValue>,
    pub scrubber: Option<StreamScrubber>,
    pub upstream_status: Option<u16>,
    pub upstream_header_at: Option<Instant>,
    pub bytes_out: usize,
    /// SigV4 with a payload hash: read the body first, at most this many bytes.
    pub sign_body_limit: Option<usize>,
    /// SHA-256 (hex) of the request body read for signing.
    pub body_sha256: Option<String>,
    pub header_redactions: u32,
    /// The single byte range the agent asked for, fetched widened (see `range`).
    pub range: Option<super::range::ByteRange>,
}

impl Ctx {
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            request_id: uuid::Uuid::now_v7().simple().to_string(),
            config: None,
            agent: None,
            route: None,
            target: None,
            requested_host: None,
            dest_host: None,
            decision: None,
            rejection: None,
            credential: None,
            inject_header: None,
            scrubber: None,
            upstream_status: None,
            upstream_header_at: None,
            bytes_out: 0,
            sign_body_limit: None,
            body_sha256: None,
            header_redactions: 0,
            range: None,
        }
    }

    pub fn handle(&self) -> Option<&str> {
        self.route.as_ref().map(|r| r.handle.as_ref())
    }

    pub fn redactions(&self) -> u32 {
        self.header_redactions + self.scrubber.as_ref().map_or(0, |s| s.redactions)
    }
}

impl Default for Ctx {
    fn default() -> Self {
        Self::new()
    }
}
