//! Range requests. A scrubbed response is only safe as a whole: a secret cut by a range's edges
//! is a string no rule matches, so an agent that asked for `bytes=0-9`, then `bytes=10-19`, and
//! so on, would get every piece of a secret in clear and could put them back together. So
//! credgate asks the upstream for the range widened by [`context`] on each side (the longest
//! match the scrubber can make, plus its look-behind), scans all of it, and writes only the
//! requested bytes (`StreamScrubber::window`): a secret that reaches into the range is seen whole
//! and redacted there, however the agent slices. Offsets stay the resource's own, so clients that
//! fetch a resource in parts (`aws s3 cp`, resumed downloads) get the `Content-Range` they asked
//! for.
//!
//! Only a single range is widened. Anything else (several ranges, units other than bytes, a
//! malformed header) is not forwarded, with its `If-Range`: the upstream then sends the whole
//! resource with `200`, which RFC 9110 lets any server do. A `206` that is not the one range asked
//! for fails closed (`502 upstream_bad_range`): there is no telling which bytes to send.

use http::header;
use pingora::http::{RequestHeader, ResponseHeader};

use super::reject::Rejection;
use crate::scrub::{StreamScrubber, HARD_CAP, LOOK_BEHIND};

/// Bytes fetched on each side of a requested range: the longest pattern match or the longest
/// form of a live credential (a long token percent- or `\u`-escaped can be longer), plus the
/// look-behind before a match.
pub fn context(longest_live_form: usize) -> u64 {
    (HARD_CAP.max(longest_live_form) + LOOK_BEHIND) as u64
}

/// A single byte range as an agent asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=first-last` or `bytes=first-`.
    From { first: u64, last: Option<u64> },
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

fn number(s: &str) -> Option<u64> {
    let s = s.trim();
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// A `Range` header holding exactly one valid byte range.
pub fn parse(v: &[u8]) -> Option<ByteRange> {
    let v = std::str::from_utf8(v).ok()?.trim();
    let (unit, spec) = v.split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    match (first.trim().is_empty(), last.trim().is_empty()) {
        (true, false) => number(last).filter(|&n| n > 0).map(ByteRange::Suffix),
        (false, true) => Some(ByteRange::From {
            first: number(first)?,
            last: None,
        }),
        (false, false) => {
            let (first, last) = (number(first)?, number(last)?);
            (first <= last).then_some(ByteRange::From {
                first,
                last: Some(last),
            })
        }
        (true, true) => None,
    }
}

/// The `Range` header sent upstream: the range with `context` bytes on each side.
pub fn widened(r: ByteRange, context: u64) -> String {
    match r {
        ByteRange::From { first, last } => format!(
            "bytes={}-{}",
            first.saturating_sub(context),
            last.map_or(String::new(), |l| l.saturating_add(context).to_string())
        ),
        ByteRange::Suffix(n) => format!("bytes=-{}", n.saturating_add(context)),
    }
}

/// The headers of a `206` that are digests of the bytes the upstream sent (`Content-MD5`,
/// `Content-Digest`, S3's `x-amz-checksum-*`, which moto and S3 send when the widened range is
/// the whole object): they do not hold for the part cut from them, and a client that checks
/// them (botocore does) would refuse it.
fn body_digests(headers: &http::HeaderMap) -> Vec<http::HeaderName> {
    headers
        .keys()
        .filter(|k| {
            let k = k.as_str();
            k == "content-md5" || k == "content-digest" || k.starts_with("x-amz-checksum-")
        })
        .cloned()
        .collect()
}

/// A `206` response's `Content-Range: bytes first-last/total` (`total` may be `*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentRange {
    pub first: u64,
    pub last: u64,
    pub total: Option<u64>,
}

pub fn parse_content_range(v: &[u8]) -> Option<ContentRange> {
    let v = std::str::from_utf8(v).ok()?.trim();
    let (unit, rest) = v.split_once(' ')?;
    if !unit.eq_ignore_ascii_case("bytes") {
        return None;
    }
    let (span, total) = rest.trim().split_once('/')?;
    let (first, last) = span.split_once('-')?;
    let (first, last) = (number(first)?, number(last)?);
    let total = match total.trim() {
        "*" => None,
        t => Some(number(t)?),
    };
    (first <= last && total.is_none_or(|t| last < t)).then_some(ContentRange { first, last, total })
}

/// What to send of a widened range the upstream returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slice {
    /// Body offsets `start..end` of what the upstream sent, announced as `content_range`.
    Window {
        start: u64,
        end: u64,
        content_range: String,
    },
    /// The requested range is past the end of the resource: `416`, and nothing of the body.
    Unsatisfiable { content_range: String },
}

/// Where the range the agent asked for lies in the widened range `got`.
pub fn slice(asked: ByteRange, got: ContentRange) -> Slice {
    let (first, last) = match asked {
        ByteRange::From { first, last } => (first, last.map_or(got.last, |l| l.min(got.last))),
        ByteRange::Suffix(n) => {
            let end = got.total.map_or(got.last + 1, |t| t.min(got.last + 1));
            (end.saturating_sub(n), got.last)
        }
    };
    let first = first.max(got.first);
    let total = got.total.map_or("*".to_string(), |t| t.to_string());
    if first > last {
        return Slice::Unsatisfiable {
            content_range: format!("bytes */{total}"),
        };
    }
    Slice::Window {
        start: first - got.first,
        end: last - got.first + 1,
        content_range: format!("bytes {first}-{last}/{total}"),
    }
}

/// Rewrites the upstream request's `Range`: a single byte range of a `GET` is widened by
/// `context` and returned; any other `Range` is removed, with its `If-Range`.
pub fn forward(req: &mut RequestHeader, context: u64) -> pingora::Result<Option<ByteRange>> {
    let Some(v) = req.headers.get(header::RANGE) else {
        return Ok(None);
    };
    let single = (req.method == http::Method::GET)
        .then(|| parse(v.as_bytes()))
        .flatten();
    match single {
        Some(r) => req.insert_header(header::RANGE, widened(r, context))?,
        None => {
            req.remove_header(&header::RANGE);
            req.remove_header(&header::IF_RANGE);
        }
    }
    Ok(single)
}

/// Cuts the range the agent asked for from the widened `206` the upstream sent: the
/// scrubber's window, `Content-Range`, the digests that no longer hold, and (for a body passed
/// through unscanned, whose length is then known) `Content-Length`.
pub fn cut(
    asked: ByteRange,
    resp: &mut ResponseHeader,
    scrubber: &mut StreamScrubber,
    skipped: bool,
) -> Result<(), Rejection> {
    let got = resp
        .headers
        .get(header::CONTENT_RANGE)
        .and_then(|v| parse_content_range(v.as_bytes()))
        // Not the single range asked for: there is no telling which bytes to send.
        .ok_or(Rejection::UpstreamBadRange)?;
    let (start, end, content_range) = match slice(asked, got) {
        Slice::Window {
            start,
            end,
            content_range,
        } => (start, end, content_range),
        Slice::Unsatisfiable { content_range } => {
            resp.set_status(416).map_err(|_| Rejection::Internal)?;
            (0, 0, content_range)
        }
    };
    scrubber.window(start, end);
    for name in body_digests(&resp.headers) {
        resp.remove_header(&name);
    }
    let mut set = |name, value: String| {
        resp.insert_header(name, value)
            .map_err(|_| Rejection::Internal)
    };
    set(header::CONTENT_RANGE, content_range)?;
    if skipped {
        set(header::CONTENT_LENGTH, (end - start).to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ByteRange::*;

    #[test]
    fn ranges_are_parsed() {
        let table: &[(&str, Option<ByteRange>)] = &[
            (
                "bytes=0-9",
                Some(From {
                    first: 0,
                    last: Some(9),
                }),
            ),
            (
                "bytes=100-",
                Some(From {
                    first: 100,
                    last: None,
                }),
            ),
            ("bytes=-500", Some(Suffix(500))),
            (
                " Bytes = 5 - 5 ",
                Some(From {
                    first: 5,
                    last: Some(5),
                }),
            ),
            ("bytes=9-0", None),
            ("bytes=-0", None),
            ("bytes=-", None),
            ("bytes=0-9,20-29", None),
            ("items=0-9", None),
            ("bytes=a-9", None),
            ("bytes=+1-9", None),
            ("bytes=99999999999999999999-", None),
            ("", None),
        ];
        for (v, want) in table {
            assert_eq!(parse(v.as_bytes()), *want, "{v:?}");
        }
    }

    #[test]
    fn the_context_covers_the_longest_match_and_live_form() {
        let at_least = (HARD_CAP + LOOK_BEHIND) as u64;
        assert_eq!(context(0), at_least);
        assert_eq!(context(HARD_CAP), at_least);
        assert_eq!(context(100_000), (100_000 + LOOK_BEHIND) as u64);
    }

    #[test]
    fn ranges_are_widened_by_the_context() {
        let c = context(0);
        let table = [
            (
                From {
                    first: 0,
                    last: Some(9),
                },
                format!("bytes=0-{}", 9 + c),
            ),
            (
                From {
                    first: 2 * c,
                    last: Some(3 * c),
                },
                format!("bytes={c}-{}", 4 * c),
            ),
            (
                From {
                    first: 7,
                    last: None,
                },
                "bytes=0-".to_string(),
            ),
            (Suffix(10), format!("bytes=-{}", 10 + c)),
            (
                From {
                    first: 1,
                    last: Some(u64::MAX),
                },
                format!("bytes=0-{}", u64::MAX),
            ),
        ];
        for (r, want) in table {
            assert_eq!(widened(r, c), want, "{r:?}");
        }
    }

    #[test]
    fn content_ranges_are_parsed() {
        let cr = |first, last, total| Some(ContentRange { first, last, total });
        let table = [
            ("bytes 0-9/100", cr(0, 9, Some(100))),
            ("bytes 0-9/*", cr(0, 9, None)),
            ("BYTES  5-5/6", cr(5, 5, Some(6))),
            ("bytes 0-9/9", None),
            ("bytes 9-0/100", None),
            ("bytes */100", None),
            ("items 0-9/100", None),
        ];
        for (v, want) in table {
            assert_eq!(parse_content_range(v.as_bytes()), want, "{v:?}");
        }
    }

    /// The agent's range, what the widened request brought back, and what is sent.
    #[test]
    fn the_asked_range_is_cut_from_the_widened_one() {
        let got = |first, last, total| ContentRange { first, last, total };
        let window = |start, end, cr: &str| Slice::Window {
            start,
            end,
            content_range: cr.to_string(),
        };
        let table = [
            // Context on both sides.
            (
                From {
                    first: 100,
                    last: Some(109),
                },
                got(0, 1000, Some(5000)),
                window(100, 110, "bytes 100-109/5000"),
            ),
            (
                From {
                    first: 100,
                    last: Some(109),
                },
                got(50, 1000, None),
                window(50, 60, "bytes 100-109/*"),
            ),
            // The resource ends inside the range, or before it.
            (
                From {
                    first: 100,
                    last: Some(109),
                },
                got(0, 104, Some(105)),
                window(100, 105, "bytes 100-104/105"),
            ),
            (
                From {
                    first: 100,
                    last: None,
                },
                got(0, 99, Some(100)),
                Slice::Unsatisfiable {
                    content_range: "bytes */100".into(),
                },
            ),
            (
                From {
                    first: 90,
                    last: None,
                },
                got(0, 99, Some(100)),
                window(90, 100, "bytes 90-99/100"),
            ),
            // The last n bytes, of a long resource and of one shorter than n.
            (
                Suffix(10),
                got(4000, 4999, Some(5000)),
                window(990, 1000, "bytes 4990-4999/5000"),
            ),
            (Suffix(10), got(0, 4, Some(5)), window(0, 5, "bytes 0-4/5")),
        ];
        for (asked, got, want) in table {
            assert_eq!(slice(asked, got), want, "{asked:?} {got:?}");
        }
    }
}
