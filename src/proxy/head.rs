//! The scrub of a response's head: everything in it the agent can read. Header values go through
//! the engine with their header's own treatment (`scrub::headers`); a header's name and the
//! status line's reason phrase are text too, and Pingora forwards both as the upstream wrote them
//! (`HTTP/1.1 401 Invalid key sk_live_…`, a header named after a token).

use http::header::HeaderName;
use pingora::http::ResponseHeader;
use pingora::Result;

use crate::scrub::StreamScrubber;

/// Scrubs `resp` in place; returns the number of redactions. A header whose name holds a
/// secret is dropped (a name cannot hold the `[REDACTED:…]` marker), counted once however many
/// lines it has; a reason phrase that holds one is written scrubbed.
pub fn scrub(resp: &mut ResponseHeader, scrubber: &mut StreamScrubber) -> Result<u32> {
    let mut redactions = 0;
    let mut dropped: Vec<HeaderName> = Vec::new();
    // Names as the upstream wrote them: the `http` crate's are lower-cased, and a format that
    // is upper case only (`AKIA…`) would not match there.
    for (name, _) in resp.case_header_iter() {
        let written = name.as_slice();
        if dropped
            .iter()
            .any(|d| d.as_str().as_bytes().eq_ignore_ascii_case(written))
        {
            continue;
        }
        if let Some((_, n)) = scrubber.scrub_text(written) {
            redactions += n;
            if let Ok(h) = HeaderName::from_bytes(written) {
                dropped.push(h);
            }
        }
    }
    let mut changed: Vec<(HeaderName, Vec<Vec<u8>>)> = Vec::new();
    for name in resp.headers.keys() {
        if dropped.contains(name) {
            continue;
        }
        let mut any = false;
        let mut out = Vec::new();
        for v in resp.headers.get_all(name) {
            match scrubber.scrub_header(name, v.as_bytes()) {
                Some((s, n)) => {
                    any = true;
                    redactions += n;
                    out.push(s);
                }
                None => out.push(v.as_bytes().to_vec()),
            }
        }
        if any {
            changed.push((name.clone(), out));
        }
    }
    for name in dropped {
        resp.remove_header(&name);
    }
    for (name, values) in changed {
        resp.remove_header(&name);
        for v in values {
            resp.append_header(name.clone(), v.as_slice())?;
        }
    }
    let reason = resp.get_reason_phrase().map(str::to_owned);
    if let Some((out, n)) = reason.and_then(|r| scrubber.scrub_text(r.as_bytes())) {
        redactions += n;
        // The marker is printable ASCII, as a reason phrase must be.
        resp.set_reason_phrase(Some(&String::from_utf8_lossy(&out)))?;
    }
    Ok(redactions)
}
