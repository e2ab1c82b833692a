//! Secret keys under names that say what they are for (`APP_KEY`, `ENCRYPTION_KEY`,
//! `MASTER_KEY`, `SIGNING_KEY`, `HMAC_KEY`, `NEW_RELIC_LICENSE_KEY`): a `.env` file or a
//! config dump holds them as plainly as passwords, and none has a format of its own to be
//! found by.
//!
//! The anchors are where the name ends (`_key`, `_KEY`), not each name's first letters: `_k`
//! and `_K` are rare pairs in prose, HTML and logs, where a list of names' own beginnings
//! (`aster_key`, `uth_key`, `pp_key`, …) would add dozens of anchors starting with the
//! commonest pairs of English. The word before the anchor is judged first (`key_name`), so a
//! `partition_key` costs a few bytes' look, not the keyword regex. These two anchors cost
//! clean JSON 0.2%, logs 0.3% and a mix of Go and Java sources 1.1% more instructions.
//! Camel-cased and kebab-cased names (`signingKey`, `X-Auth-Key`) are left out: every anchor
//! starting with `K` tried (`Key`, `Key"`, `Key:`, `Key=`) cost clean JSON 14.5% more, through
//! the prefilter's bucket masks, though clean JSON holds no `K`-led anchor at all; with `-key`,
//! `-Key` and `-KEY` as well, clean JSON cost 5.2% more and a mix of Python sources 14%.

use super::{Check, RuleDef, Verify};

pub const NAMED_KEY_RULES: &[RuleDef] = &[keyword!(
    "key",
    &["_key", "_KEY"],
    "_key",
    "16",
    Check::NamedKey,
    back = 0
)];
