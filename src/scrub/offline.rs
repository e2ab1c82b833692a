//! `credgate scrub`: a sample body scrubbed offline, exactly as a route would scrub it on the
//! wire. An ops team writing a route's `scrub:` block (packs, `disable`, extra patterns, the
//! replacement style) needs to see what it redacts and, as much, what it leaves alone, before
//! the route goes live; and a sample response kept next to the route becomes a regression check
//! in their CI (the exit status says whether anything was redacted). The body goes through the
//! same streaming engine in the same mode the proxy picks for its content type (event-stream
//! reassembly, message streams, a type the route passes through), so what this prints is what
//! an agent would receive. There is no upstream and there are no live credentials here: token
//! formats and the route's own patterns only.

use std::io::{self, Read, Write};
use std::sync::Arc;

use super::{Counts, LiveSet, Overflow, ScrubPolicy};

/// What scrubbing one body did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Redactions by kind (the kinds the audit line and metrics use).
    pub counts: Counts,
    /// The route passes this content type through unscanned.
    pub skipped: bool,
    /// Why the body failed closed, if it did: the output stops where the agent's would.
    pub failed: Option<Overflow>,
}

/// Bytes read per push: what a proxied body arrives in, give or take.
const CHUNK: usize = 64 * 1024;

/// Scrubs `input` to `output` with `policy`, as the proxy does for a response of `content_type`.
/// Memory stays bounded as on the wire: the input is streamed, never read whole.
pub fn scrub_body(
    policy: &ScrubPolicy,
    content_type: Option<&str>,
    input: &mut dyn Read,
    output: &mut dyn Write,
) -> io::Result<Outcome> {
    let mut scrubber = policy.scrubber(Arc::new(LiveSet::empty()));
    let skipped = policy.skips(content_type);
    if skipped {
        scrubber.skip_body();
    } else if policy.reassembles(content_type) {
        scrubber.event_stream();
    } else if ScrubPolicy::is_message_stream(content_type) {
        scrubber.message_stream();
    }
    let mut buf = vec![0u8; CHUNK];
    let mut failed = None;
    loop {
        let n = match input.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let end = n == 0;
        match scrubber.push((!end).then(|| &buf[..n]), end) {
            Ok(Some(out)) => output.write_all(&out)?,
            Ok(None) => {}
            Err(cause) => {
                failed = Some(cause);
                break;
            }
        }
        if end {
            break;
        }
    }
    output.flush()?;
    let mut counts = Counts::default();
    // A failure is counted under its label as if it were a kind (for the audit line); here it
    // is reported as what it is.
    for (kind, n) in &scrubber.body_counts.0 {
        if failed.is_none_or(|f| kind.as_ref() != f.label()) {
            counts.add(kind, *n);
        }
    }
    Ok(Outcome {
        counts,
        skipped,
        failed,
    })
}

impl Outcome {
    /// One line for a person: what was redacted, by kind, most frequent first.
    pub fn summary(&self) -> String {
        if self.skipped {
            return "passed through unscanned: the route skips this content type".into();
        }
        let mut kinds: Vec<(&str, u32)> = self.counts.0.iter().map(|(k, n)| (&**k, *n)).collect();
        kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let found = match self.counts.total() {
            0 => "nothing redacted".to_string(),
            n => format!(
                "{n} redaction{}: {}",
                if n == 1 { "" } else { "s" },
                kinds
                    .iter()
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        match self.failed {
            None => found,
            Some(cause) => format!(
                "failed closed ({}): {cause}; before that, {found}",
                cause.label()
            ),
        }
    }
}

#[cfg(test)]
mod tests;
