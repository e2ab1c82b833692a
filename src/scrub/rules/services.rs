//! Token formats of services beyond the core list (`rules.rs`) that every route gets: the AI
//! platforms agents are built on (tracing, vector stores, search) and `age` keys. Each format
//! carries its own prefix, so a rule needs no context and its false positives are near zero;
//! the value classes and lengths are written from each vendor's documented format (and checked
//! against gitleaks' and trufflehog's descriptions), a little looser where a vendor only
//! documents a prefix. More services are in the opt-in `extended` pack (`extended.rs`), for
//! what their anchors cost every clean body.

use super::{rule, Check, RuleDef};

/// The default services' rules.
pub const SERVICE_RULES: &[RuleDef] = &[
    // AI platforms beyond model providers: tracing, vector stores, search.
    rule(
        "langsmith_api_key",
        "ai",
        &["lsv2_pt_", "lsv2_sk_"],
        r"(?-u:\b)((?:lsv2_pt_|lsv2_sk_)[0-9a-f]{32}_[0-9a-f]{10})(?-u:\b)",
        8,
        Check::NotPlaceholder,
    ),
    rule(
        "langfuse_secret_key",
        "ai",
        &["sk-lf-"],
        r"(?-u:\b)(sk-lf-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?-u:\b)",
        6,
        Check::NotPlaceholder,
    ),
    rule(
        "pinecone_api_key",
        "ai",
        &["pcsk_"],
        r"(?-u:\b)(pcsk_[0-9A-Za-z]{4,8}_[0-9A-Za-z]{50,80})(?-u:\b)",
        5,
        Check::NotPlaceholder,
    ),
    rule(
        "tavily_api_key",
        "ai",
        &["tvly-"],
        r"(?-u:\b)(tvly-[0-9A-Za-z-]{32,48})(?:[^0-9A-Za-z-]|$)",
        5,
        Check::TokenLike,
    ),
    // Keys.
    rule(
        "private_key",
        "keys",
        &["AGE-SECRET-KEY-1"],
        r"(?-u:\b)(AGE-SECRET-KEY-1[0-9A-Z]{58})(?-u:\b)",
        0,
        Check::None,
    ),
];
