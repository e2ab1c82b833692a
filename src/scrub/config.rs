//! Per-route scrubbing configuration (`scrub:` in a route file) and its compiled form.
//!
//! Live credentials are always scrubbed; what a route chooses is which token-format packs run
//! on top, extra formats of its own (an internal service's key format), how redactions read,
//! and which binary content types skip body scanning (each skip is audited).

use std::sync::{Arc, OnceLock};

use schemars::JsonSchema;
use serde::Deserialize;

use super::live::LiveSet;
use super::patterns::{ExtraPattern, PatternSet};
use super::rules::{pack_names, RuleDef, DEFAULT_RULES};
use super::stream::{Replacement, Scanner, StreamScrubber};

/// `scrub:` in a route file.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScrub {
    /// Token-format packs: `[default]` (every pack but `extended` and `command_lines`, the
    /// default), a list of pack names (keys, cloud, payments, vcs, chat, ai, saas, registries,
    /// vault, generic, keywords, extended, command_lines), `[default, extended, command_lines]`
    /// for every format, or `[]` for live credentials only.
    #[serde(default)]
    pub packs: Option<Vec<String>>,
    /// Kinds to turn off in the selected packs, e.g. `[jwt]`.
    #[serde(default)]
    pub disable: Vec<String>,
    /// This route's own formats.
    #[serde(default)]
    pub extra_patterns: Vec<RawExtraPattern>,
    /// `kind` (default): `[REDACTED:<kind>]`; `keep_prefix`: `sk_live_[REDACTED:<kind>]`, keeping
    /// a format's fixed public prefix so a human can tell what was there.
    #[serde(default)]
    pub replacement: Option<RawReplacement>,
    /// Content types (`image/png`, `application/octet-stream`, or `image/*`) whose bodies are
    /// passed through unscanned. Headers are still scrubbed; every skip is audited.
    #[serde(default)]
    pub skip_content_types: Vec<String>,
    /// `redact` (default): `Set-Cookie` values of 8 bytes or more are redacted; `keep`: only
    /// scanned like any header.
    #[serde(default)]
    pub set_cookie: Option<RawCookies>,
    /// `reassemble` (default): `text/event-stream` bodies are also scanned field by field across
    /// events, so a secret split over two events is caught; an event may then wait for the next
    /// one on the same field. `per_event`: only the raw bytes are scanned, nothing waits.
    #[serde(default)]
    pub event_streams: Option<RawEventStreams>,
    /// `off` (default): base64 is scanned as the text it is. `decode`: runs of base64 text (a
    /// file from GitHub's contents API, an e-mail body from Gmail's) are also decoded and
    /// scanned, and a run holding a secret is redacted whole; for routes whose APIs return
    /// content base64-encoded. Off by default for its cost: about a sixth of clean JSON's speed.
    #[serde(default)]
    pub base64: Option<RawBase64>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawBase64 {
    Decode,
    Off,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawEventStreams {
    Reassemble,
    PerEvent,
}

/// A route's own token format.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExtraPattern {
    /// Label in redactions, metrics and audit: `a-z 0-9 _`.
    pub kind: String,
    /// A regex that starts with a fixed literal of 3+ characters and has a bounded length,
    /// e.g. `acme_[A-Za-z0-9]{32}`.
    pub regex: String,
    /// Bytes of the match kept with `replacement: keep_prefix` (the fixed literal, typically).
    #[serde(default)]
    pub keep_prefix: usize,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawReplacement {
    Kind,
    KeepPrefix,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawCookies {
    Redact,
    Keep,
}

/// A route's compiled scrubbing policy.
#[derive(Debug, Clone)]
pub struct ScrubPolicy {
    pub patterns: Arc<PatternSet>,
    pub style: Replacement,
    pub skip_content_types: Vec<String>,
    pub redact_cookies: bool,
    /// Reassemble `text/event-stream` fields across events (see `sse`).
    pub reassemble_events: bool,
    /// Decode runs of base64 and scan them (see `base64_runs`).
    pub decode_base64: bool,
}

/// One configuration problem: field (relative to `scrub`), problem, fix.
pub type ScrubConfigError = (String, String, String);

fn default_patterns() -> Arc<PatternSet> {
    static DEFAULT: OnceLock<Arc<PatternSet>> = OnceLock::new();
    DEFAULT
        .get_or_init(|| {
            let default: Vec<&RuleDef> = DEFAULT_RULES.iter().filter(|r| r.in_default()).collect();
            Arc::new(PatternSet::new(&default, &[]).expect("the default pack compiles"))
        })
        .clone()
}

impl Default for ScrubPolicy {
    fn default() -> Self {
        Self {
            patterns: default_patterns(),
            style: Replacement::Kind,
            skip_content_types: Vec::new(),
            redact_cookies: true,
            reassemble_events: true,
            decode_base64: false,
        }
    }
}

/// Media types of message streams: server-sent events, and the JSON-lines family.
const MESSAGE_STREAMS: &[&str] = &[
    "text/event-stream",
    "application/x-ndjson",
    "application/ndjson",
    "application/jsonl",
    "application/x-jsonlines",
    "application/json-seq",
];

/// Whether `content_type`'s media type (parameters ignored, any case) is one of `types`.
fn media_type_in(content_type: Option<&str>, types: &[&str]) -> bool {
    content_type.is_some_and(|ct| {
        let media = ct.split(';').next().unwrap_or("").trim();
        types.iter().any(|t| media.eq_ignore_ascii_case(t))
    })
}

impl ScrubPolicy {
    /// A scrubber for one response, over the live credentials of this moment.
    pub fn scrubber(&self, live: Arc<LiveSet>) -> StreamScrubber {
        let mut sc = Scanner::new(self.patterns.clone(), live, self.style);
        sc.redact_cookies = self.redact_cookies;
        sc.decode_base64 = self.decode_base64;
        StreamScrubber::new(sc)
    }

    /// Whether a response of this `Content-Type` is an event stream this route reassembles.
    pub fn reassembles(&self, content_type: Option<&str>) -> bool {
        self.reassemble_events && media_type_in(content_type, &["text/event-stream"])
    }

    /// Whether a response of this `Content-Type` is a stream of messages (events, JSON lines)
    /// that a client acts on one by one, often while the upstream waits for it: every byte held
    /// back past a message's end delays it, so the scrubber holds back only what could still
    /// begin a live credential (see `StreamScrubber::message_stream`).
    pub fn is_message_stream(content_type: Option<&str>) -> bool {
        media_type_in(content_type, MESSAGE_STREAMS)
    }

    /// Whether a response of this `Content-Type` skips body scanning.
    pub fn skips(&self, content_type: Option<&str>) -> bool {
        let Some(ct) = content_type else {
            return false;
        };
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        self.skip_content_types
            .iter()
            .any(|s| match s.strip_suffix("/*") {
                Some(top) => mime.split('/').next() == Some(top),
                None => *s == mime,
            })
    }

    pub fn compile(raw: RawScrub) -> Result<Self, Vec<ScrubConfigError>> {
        let mut errs: Vec<ScrubConfigError> = Vec::new();
        let known = pack_names();
        let packs = raw.packs.unwrap_or_else(|| vec!["default".into()]);
        for (i, p) in packs.iter().enumerate() {
            if p != "default" && !known.contains(&p.as_str()) {
                errs.push((
                    format!("scrub.packs[{i}]"),
                    format!("unknown pack {p:?}"),
                    format!("use `default` or some of: {}", known.join(", ")),
                ));
            }
        }
        let kinds: Vec<&str> = DEFAULT_RULES.iter().map(|r| r.kind).collect();
        for (i, k) in raw.disable.iter().enumerate() {
            if !kinds.contains(&k.as_str()) {
                errs.push((
                    format!("scrub.disable[{i}]"),
                    format!("unknown kind {k:?}"),
                    format!("use one of: {}", kinds.join(", ")),
                ));
            }
        }
        let all = packs.iter().any(|p| p == "default");
        let selected: Vec<&RuleDef> = DEFAULT_RULES
            .iter()
            .filter(|r| (all && r.in_default()) || packs.iter().any(|p| p == r.pack))
            .filter(|r| !raw.disable.iter().any(|d| d == r.kind))
            .collect();
        let mut extra = Vec::new();
        for (i, x) in raw.extra_patterns.into_iter().enumerate() {
            let valid_kind = !x.kind.is_empty()
                && x.kind.len() <= 64
                && x.kind
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid_kind {
                errs.push((
                    format!("scrub.extra_patterns[{i}].kind"),
                    format!("{:?} is not a valid kind", x.kind),
                    "use a-z 0-9 _ (it becomes a metrics label), e.g. acme_api_key".into(),
                ));
            }
            // Each pattern is compiled alone first so that its error names its field.
            let p = ExtraPattern {
                kind: x.kind,
                regex: x.regex,
                keep: x.keep_prefix,
            };
            if let Err(e) = PatternSet::new(&[], std::slice::from_ref(&p)) {
                errs.push((
                    format!("scrub.extra_patterns[{i}].regex"),
                    e,
                    "write a bounded regex that starts with a fixed literal, e.g. acme_[A-Za-z0-9]{32}"
                        .into(),
                ));
            }
            extra.push(p);
        }
        for (i, ct) in raw.skip_content_types.iter().enumerate() {
            let ok = ct.split_once('/').is_some_and(|(a, b)| {
                !a.is_empty() && !b.is_empty() && !a.contains('*') && (b == "*" || !b.contains('*'))
            });
            if !ok {
                errs.push((
                    format!("scrub.skip_content_types[{i}]"),
                    format!("{ct:?} is not a content type"),
                    "write type/subtype (image/png) or type/* (image/*)".into(),
                ));
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        let only_default = packs.iter().all(|p| p == "default");
        let patterns = if all && only_default && raw.disable.is_empty() && extra.is_empty() {
            default_patterns()
        } else {
            Arc::new(PatternSet::new(&selected, &extra).map_err(|e| {
                vec![(
                    "scrub".to_string(),
                    e,
                    "check the extra patterns".to_string(),
                )]
            })?)
        };
        Ok(Self {
            patterns,
            style: match raw.replacement {
                Some(RawReplacement::KeepPrefix) => Replacement::KeepPrefix,
                _ => Replacement::Kind,
            },
            skip_content_types: raw
                .skip_content_types
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
            redact_cookies: !matches!(raw.set_cookie, Some(RawCookies::Keep)),
            reassemble_events: !matches!(raw.event_streams, Some(RawEventStreams::PerEvent)),
            decode_base64: matches!(raw.base64, Some(RawBase64::Decode)),
        })
    }
}
