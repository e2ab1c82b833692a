//! The default pattern pack: token formats credgate redacts even when it never saw the value
//! (an upstream returning a freshly created key, another service's token, a pasted connection
//! string). Our own rules, written from the formats' public descriptions.
//!
//! Each rule names the literal anchors that start it (what the prefilter looks for), how many
//! bytes before the anchor its regex begins (keyword rules anchor inside the key), an anchored
//! regex whose first participating capture group (or whole match) is the secret, how much of the
//! secret is a public, fixed prefix a human may keep, and a check that cuts false positives
//! (checksums where the format has one, placeholders, character classes).
//!
//! Every regex is bounded: its longest match is the rule's hold-back window. Order matters: at
//! one anchor position the first rule that matches wins, so specific rules come first.

use super::checks::Check;

/// How a rule verifies a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// An anchored, bounded regex.
    Regex(&'static str),
    /// A value of any length (keyword assignments, `Bearer` values).
    Keyword {
        /// The regex for values up to [`KEYWORD_VALUE_MAX`].
        bounded: &'static str,
        /// The same with no bound (see `keyword!`), tried only where `bounded` finds nothing.
        long: &'static str,
        /// The key and what opens the value in each of `bounded`'s forms, written one-pass
        /// (`keyword_regex.rs`'s `openers!`): a match's value is found from where this ends and
        /// the closer it tells, where a general capture search over a keyword regex's hundreds
        /// of states spent ~300 instructions per byte of the match (see
        /// `RegexVerifier::capture_forms_with`).
        openers: Option<&'static str>,
    },
    /// A setting named in one field and valued in another (`named_value.rs`): values of any
    /// length, as a keyword rule's, found from where its openers end.
    NamedValue {
        /// The regex for values up to [`KEYWORD_VALUE_MAX`].
        bounded: &'static str,
        /// The same with no bound on the value, tried only where `bounded` finds nothing.
        long: &'static str,
        /// The key and what opens the value in each form, one-pass (as `Keyword`'s).
        openers: Option<&'static str>,
    },
    /// A PEM/OpenSSH/PGP private key block: from `-----BEGIN` to its `-----END` line.
    PemPrivateKey,
}

impl Verify {
    /// The regex for values up to [`KEYWORD_VALUE_MAX`] (the only one, for a plain regex rule).
    pub fn bounded(&self) -> Option<&'static str> {
        match *self {
            Verify::Regex(re) | Verify::Keyword { bounded: re, .. } => Some(re),
            Verify::NamedValue { bounded, .. } => Some(bounded),
            Verify::PemPrivateKey => None,
        }
    }
}

/// One rule of a pack.
#[derive(Debug, Clone, Copy)]
pub struct RuleDef {
    pub kind: &'static str,
    pub pack: &'static str,
    pub anchors: &'static [&'static str],
    pub back: usize,
    pub verify: Verify,
    pub keep: usize,
    pub check: Check,
    /// The anchors are searched for in every body. `false`: the rule only labels the value of a
    /// keyword match (`"client_token": "s.…"`), for formats whose anchor is too common to search
    /// for on its own.
    pub standalone: bool,
}

const fn rule(
    kind: &'static str,
    pack: &'static str,
    anchors: &'static [&'static str],
    regex: &'static str,
    keep: usize,
    check: Check,
) -> RuleDef {
    RuleDef {
        kind,
        pack,
        anchors,
        back: 0,
        verify: Verify::Regex(regex),
        keep,
        check,
        standalone: true,
    }
}

#[macro_use]
mod keyword_regex;

/// The longest value a [`Verify::Keyword`] rule's bounded regex takes (`keyword!`'s `4096`).
pub const KEYWORD_VALUE_MAX: usize = 4096;

const fn keyed(
    kind: &'static str,
    anchors: &'static [&'static str],
    back: usize,
    regex: &'static str,
    check: Check,
) -> RuleDef {
    RuleDef {
        kind,
        pack: "keywords",
        anchors,
        back,
        verify: Verify::Regex(regex),
        keep: 0,
        check,
        standalone: true,
    }
}

mod command_line;
mod extended;
mod named_keys;
mod named_value;
mod services;
mod wrapped;

/// Every built-in rule: the core formats, then other services' (`services.rs`), credentials
/// known by their wrapping (`wrapped.rs`), and the opt-in packs: passwords given to command-line
/// tools (`command_line.rs`) and `extended` (`extended.rs`); last, the keyword rules' named
/// values (`named_value.rs`), which have no anchors of their own. At one position the first
/// matching rule wins, and no later part shares an anchor position with an earlier one's rule
/// that could match there.
pub const DEFAULT_RULES: &[RuleDef] = &concat_rules::<RULE_COUNT>(RULE_PARTS);

const RULE_PARTS: &[&[RuleDef]] = &[
    CORE_RULES,
    services::SERVICE_RULES,
    wrapped::WRAPPED_RULES,
    command_line::COMMAND_LINE_RULES,
    extended::EXTENDED_RULES,
    named_keys::NAMED_KEY_RULES,
    named_value::NAMED_VALUE_RULES,
];

/// Packs that `default` leaves out, for what their anchors cost every clean body: a route names
/// them to get them (`extended.rs`, `command_line.rs`).
pub const OPT_IN_PACKS: &[&str] = &["extended", "command_lines"];

impl RuleDef {
    /// Whether `default` (and a route without `packs`) selects this rule.
    pub fn in_default(&self) -> bool {
        !OPT_IN_PACKS.contains(&self.pack)
    }
}

const RULE_COUNT: usize = {
    let mut n = 0;
    let mut p = 0;
    while p < RULE_PARTS.len() {
        n += RULE_PARTS[p].len();
        p += 1;
    }
    n
};

/// The parts one after the other (a `const` table cannot be built with iterators).
const fn concat_rules<const N: usize>(parts: &[&[RuleDef]]) -> [RuleDef; N] {
    let mut out = [parts[0][0]; N];
    let (mut n, mut p) = (0, 0);
    while p < parts.len() {
        let mut i = 0;
        while i < parts[p].len() {
            out[n] = parts[p][i];
            n += 1;
            i += 1;
        }
        p += 1;
    }
    assert!(n == N);
    out
}

/// The core formats, most specific first.
const CORE_RULES: &[RuleDef] = &[
    // Private key blocks, also JSON-escaped (GCP service-account `private_key`).
    RuleDef {
        kind: "private_key",
        pack: "keys",
        anchors: &["-----BEGIN "],
        back: 0,
        verify: Verify::PemPrivateKey,
        keep: 0,
        check: Check::None,
        standalone: true,
    },
    // PuTTY's own key files: the private lines between `Private-Lines: N` and `Private-MAC`.
    rule(
        "private_key",
        "keys",
        &["Private-Lines:"],
        r"Private-Lines:[ \t]{0,4}[0-9]{1,3}\r?\n((?:[A-Za-z0-9+/=]{1,128}\r?\n?){1,64})",
        0,
        Check::None,
    ),
    // AWS.
    rule(
        "aws_access_key_id",
        "cloud",
        &["AKIA", "ASIA", "ABIA", "ACCA"],
        r"(?-u:\b)((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?-u:\b)",
        4,
        Check::NotPlaceholder,
    ),
    keyed(
        "aws_secret_access_key",
        &["ecretAccessKey", "ecret_access_key", "ECRET_ACCESS_KEY"],
        1,
        concat!(
            r#"(?i:secret_?access_?key)(?:(?:\\?["'])?[ \t]{0,4}(?:=>|:|=)[ \t]{0,4}["']?|>|\\u003[eE])"#,
            r"((?:[A-Za-z0-9/+]|\\/|\\u002[bB]){40})(?:[^A-Za-z0-9/+=\\]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)"
        ),
        Check::NotPlaceholder,
    ),
    keyed(
        "aws_session_token",
        &["essionToken", "ession_token", "ESSION_TOKEN"],
        1,
        concat!(
            r#"(?i:session_?token)(?:(?:\\?["'])?[ \t]{0,4}(?:=>|:|=)[ \t]{0,4}["']?|>|\\u003[eE])"#,
            r"((?:[A-Za-z0-9/+=]|\\/|\\u002[bB]){100,4096})(?:[^A-Za-z0-9/+=\\]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)"
        ),
        Check::NotPlaceholder,
    ),
    // Azure.
    rule(
        "azure_storage_key",
        "cloud",
        &["AccountKey="],
        r"AccountKey=((?:[A-Za-z0-9+/]|\\/|\\u002[bB]){86}==)",
        0,
        Check::None,
    ),
    rule(
        "azure_sas_signature",
        "cloud",
        &["sig="],
        r#"(?-u:\b)sig=((?:[A-Za-z0-9%+/]|\\/|\\u002[bB]){40,120}(?:=|%3[Dd]){0,2})(?:[&\s"'<]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)"#,
        0,
        Check::None,
    ),
    // After `&` as Go escapes it inside JSON strings (`\u0026sig=`), where `\b` fails: found at
    // the same `sig=` anchor, its regex starting 6 bytes before it. (An anchor of its own,
    // `\u0026sig=`, loosened a Teddy bucket: +10% on clean JSON.)
    RuleDef {
        kind: "azure_sas_signature",
        pack: "cloud",
        anchors: &["sig="],
        back: 6,
        verify: Verify::Regex(
            r#"\\u0026sig=((?:[A-Za-z0-9%+/]|\\/|\\u002[bB]){40,120}(?:=|%3[Dd]){0,2})(?:[&\s"'<]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)"#,
        ),
        keep: 0,
        check: Check::None,
        standalone: true,
    },
    // Google.
    rule(
        "google_api_key",
        "cloud",
        &["AIza"],
        r"(?-u:\b)(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)",
        4,
        Check::None,
    ),
    rule(
        "google_oauth_token",
        "cloud",
        &["ya29."],
        r"(?-u:\b)(ya29\.[0-9A-Za-z_-]{20,2048})(?:[^0-9A-Za-z_-]|$)",
        5,
        Check::None,
    ),
    rule(
        "google_refresh_token",
        "cloud",
        &["1//0", r"1\/\/0"],
        r"(?-u:\b)(1(?://|\\/\\/)0[0-9A-Za-z_-]{40,512})(?:[^0-9A-Za-z_-]|$)",
        4,
        Check::None,
    ),
    rule(
        "google_client_secret",
        "cloud",
        &["GOCSPX-"],
        r"(GOCSPX-[0-9A-Za-z_-]{28})(?:[^0-9A-Za-z_-]|$)",
        7,
        Check::None,
    ),
    // Stripe (publishable `pk_` keys are public and left alone).
    rule(
        "stripe_secret_key",
        "payments",
        &["sk_live_", "sk_test_", "rk_live_", "rk_test_"],
        r"(?-u:\b)([sr]k_(?:live|test)_[0-9A-Za-z]{20,247})(?-u:\b)",
        8,
        Check::NotPlaceholder,
    ),
    rule(
        "stripe_webhook_secret",
        "payments",
        &["whsec_"],
        r"(?-u:\b)(whsec_(?:[0-9A-Za-z+/=]|\\/|\\u002[bB]){24,128})(?:[^0-9A-Za-z+/=\\]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)",
        6,
        Check::NotPlaceholder,
    ),
    // GitHub: classic tokens carry a CRC32 of their random part.
    rule(
        "github_token",
        "vcs",
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        r"(?-u:\b)(gh[pousr]_[0-9A-Za-z]{36})(?-u:\b)",
        4,
        Check::Base62Crc32,
    ),
    // GitHub App installation tokens of the older format.
    rule(
        "github_token",
        "vcs",
        &["v1."],
        r"(?-u:\b)(v1\.[0-9a-f]{40})(?-u:\b)",
        3,
        Check::None,
    ),
    rule(
        "github_fine_grained_token",
        "vcs",
        &["github_pat_"],
        r"(?-u:\b)(github_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59})(?-u:\b)",
        11,
        Check::None,
    ),
    rule(
        "gitlab_token",
        "vcs",
        &[
            "glpat-",
            "gldt-",
            "glrt-",
            "glptt-",
            "glsoat-",
            "glft-",
            "glimt-",
            "glagent-",
            "glcbt-",
            "gloas-",
            "glffct-",
            "GR1348941",
        ],
        // Whole literals, not `gl(?:pat|dt|…)-`: an alternation of literals is one step of the
        // direct matcher, a factored one sends the rule to the regex engine.
        r"(?-u:\b)((?:glpat-|gldt-|glrt-|glptt-|glsoat-|glft-|glimt-|glagent-|glcbt-|gloas-|glffct-|GR1348941)[0-9A-Za-z_.-]{20,300})(?:[^0-9A-Za-z_.-]|$)",
        6,
        Check::NotPlaceholder,
    ),
    // Slack.
    rule(
        "slack_token",
        "chat",
        &[
            "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xapp-", "xoxe.xox",
        ],
        // Whole literals, as for GitLab: the direct matcher takes the rule. A rotated access
        // token (`xoxe.xoxp-1-…`) is one token with its `xoxe.` prefix, so that an env line
        // (`SLACK_BOT_TOKEN=xoxe.xoxp-…`) is labelled as Slack's, not as a generic `token`;
        // the literals end with the dash, so that none is a prefix of another.
        r"(?-u:\b)((?:xoxe\.xoxp-|xoxe\.xoxb-|xoxb-|xoxp-|xoxa-|xoxr-|xoxs-|xoxe-|xapp-)[0-9A-Za-z-]{10,250})(?:[^0-9A-Za-z-]|$)",
        5,
        Check::NotPlaceholder,
    ),
    rule(
        "slack_webhook",
        "chat",
        &["hooks.slack.com/", r"hooks.slack.com\/"],
        r"hooks\.slack\.com(?:/|\\/)((?:services|workflows|triggers)(?:/|\\/)(?:[0-9A-Za-z_/+-]|\\/|\\u002[bB]){20,250})",
        0,
        Check::NotPlaceholder,
    ),
    // AI providers.
    rule(
        "anthropic_api_key",
        "ai",
        &["sk-"],
        r"(?-u:\b)(sk-ant-(?:api|admin|oat|sid)[0-9]{2}-[0-9A-Za-z_-]{32,200})(?:[^0-9A-Za-z_-]|$)",
        7,
        Check::None,
    ),
    rule(
        "openai_api_key",
        "ai",
        &["sk-"],
        r"(?-u:\b)(sk-(?:(?:proj|svcacct|admin|None)-[0-9A-Za-z_-]{40,250}|[0-9A-Za-z]{20}T3BlbkFJ[0-9A-Za-z]{20}))(?:[^0-9A-Za-z_-]|$)",
        3,
        Check::None,
    ),
    rule(
        "openrouter_api_key",
        "ai",
        &["sk-"],
        r"(?-u:\b)(sk-or-v1-[0-9a-f]{64})(?-u:\b)",
        9,
        Check::None,
    ),
    // Other providers' `sk-` keys (DeepSeek, Moonshot, older OpenAI, proxies): long and random.
    rule(
        "ai_api_key",
        "ai",
        &["sk-"],
        r"(?-u:\b)(sk-[0-9A-Za-z]{32,100})(?-u:\b)",
        3,
        Check::TokenLike,
    ),
    rule(
        "huggingface_token",
        "ai",
        &["hf_", "api_org_"],
        r"(?-u:\b)((?:hf|api_org)_[A-Za-z]{34})(?-u:\b)",
        3,
        Check::NotPlaceholder,
    ),
    rule(
        "groq_api_key",
        "ai",
        &["gsk_"],
        r"(?-u:\b)(gsk_[0-9A-Za-z]{52})(?-u:\b)",
        4,
        Check::None,
    ),
    rule(
        "xai_api_key",
        "ai",
        &["xai-"],
        r"(?-u:\b)(xai-[0-9A-Za-z]{80})(?-u:\b)",
        4,
        Check::None,
    ),
    rule(
        "perplexity_api_key",
        "ai",
        &["pplx-"],
        r"(?-u:\b)(pplx-[0-9A-Za-z]{48})(?-u:\b)",
        5,
        Check::None,
    ),
    rule(
        "replicate_api_token",
        "ai",
        &["r8_"],
        r"(?-u:\b)(r8_[0-9A-Za-z]{37})(?-u:\b)",
        3,
        Check::None,
    ),
    // Email and messaging services.
    rule(
        "sendgrid_api_key",
        "saas",
        &["SG."],
        r"(?-u:\b)(SG\.[0-9A-Za-z_-]{22}\.[0-9A-Za-z_-]{43})(?:[^0-9A-Za-z_-]|$)",
        3,
        Check::None,
    ),
    // Package registries: npm tokens carry the same CRC32 as GitHub's.
    rule(
        "npm_token",
        "registries",
        &["npm_"],
        r"(?-u:\b)(npm_[0-9A-Za-z]{36})(?-u:\b)",
        4,
        Check::Base62Crc32,
    ),
    rule(
        "pypi_token",
        "registries",
        &["pypi-Ag"],
        r"(?-u:\b)(pypi-Ag[0-9A-Za-z_-]{60,300})(?:[^0-9A-Za-z_-]|$)",
        5,
        Check::None,
    ),
    // Vault / OpenBao.
    rule(
        "vault_token",
        "vault",
        &["hvs.", "hvb.", "hvr.", "b.AAAAAQ"],
        r"(?-u:\b)((?:hvs|hvb|hvr|b)\.[0-9A-Za-z_-]{24,600})(?:[^0-9A-Za-z_-]|$)",
        4,
        Check::NotPlaceholder,
    ),
    // Legacy service tokens, `s.` and 24 characters: `s.` is everywhere in prose (and a
    // delimiter-led anchor such as `"s.` makes the SIMD prefilter fire all over JSON), so they are
    // recognised as the value of a token key (`X-Vault-Token: s.…`, `"client_token": "s.…"`).
    RuleDef {
        standalone: false,
        ..rule(
            "vault_token",
            "vault",
            &["s."],
            r"(?-u:\b)(s\.[0-9A-Za-z]{24})(?:[^0-9A-Za-z_.-]|$)",
            2,
            Check::TokenLike,
        )
    },
    // JWTs: a JSON header and a JSON payload (both start `{"`, base64url `eyJ`), any signature.
    rule(
        "jwt",
        "generic",
        &["eyJ"],
        r"(?-u:\b)(eyJ[0-9A-Za-z_-]{8,1024}\.eyJ[0-9A-Za-z_-]{2,8192}\.[0-9A-Za-z_-]{0,1024})(?:[^0-9A-Za-z_.-]|$)",
        0,
        Check::None,
    ),
    // `scheme://user:password@host`: database and broker connection strings, any URL userinfo.
    rule(
        "connection_string_password",
        "generic",
        &["://", r":\/\/"],
        r#":(?://|\\/\\/)[^:/?#@\s"'<>\[\]{}]{0,256}:([^@/?#\s"'<>{}]{1,256})@"#,
        0,
        Check::NotPlaceholder,
    ),
    // Authorization values echoed back (httpbin `/headers`, debug endpoints, error pages).
    // Values of any length, as keyword values are: an opaque session blob can pass 4 KiB.
    RuleDef {
        kind: "bearer_token",
        pack: "generic",
        anchors: &["Bearer ", "bearer ", "BEARER "],
        back: 0,
        verify: Verify::Keyword {
            bounded: r"(?i:bearer)[ \t]{1,4}((?:[0-9A-Za-z._~+/-]|\\/|\\u002[bB]){8,4096}={0,2})(?:[^0-9A-Za-z._~+/=\\-]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)",
            long: r"(?i:bearer)[ \t]{1,4}((?:[0-9A-Za-z._~+/-]|\\/|\\u002[bB])+={0,2})(?:[^0-9A-Za-z._~+/=\\-]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)",
            // A direct matcher already (see `simple`).
            openers: None,
        },
        keep: 0,
        check: Check::TokenLike,
        standalone: true,
    },
    rule(
        "basic_credentials",
        "generic",
        &["Basic ", "basic ", "BASIC "],
        r"(?i:basic)[ \t]{1,4}((?:[0-9A-Za-z+/]|\\/|\\u002[bB]){6,1024}={0,2})(?:[^0-9A-Za-z+/=\\]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)",
        0,
        Check::BasicPair,
    ),
    rule(
        "cookie",
        "generic",
        &["Set-Cookie", "set-cookie", "SET-COOKIE"],
        r#"(?i:set-cookie)\\?["']?[ \t]{0,4}[:=][ \t]{0,4}\\?["']?[^=;\s"'\\]{1,128}=([^;\s"'\\,]{6,4096})"#,
        0,
        Check::NotPlaceholder,
    ),
    // Twilio's auth token is 32 bare hex digits: caught next to its name (`TWILIO_AUTH_TOKEN`,
    // `twilioAuthToken`, `twilio_secret`), never on its own.
    keyed(
        "twilio_auth_token",
        &["wilio", "WILIO"],
        1,
        concat!(
            r#"(?i:twilio)[0-9A-Za-z_.-]{0,24}(?:\\?["'])?[ \t]{0,4}(?:=>|:|=)[ \t]{0,4}(?:\\?["'])?"#,
            r"([0-9a-f]{32})(?:[^0-9A-Za-z]|$)"
        ),
        Check::None,
    ),
    // `password` / `secret` / `api_key` / `token` assignments in JSON, YAML, env files, query
    // strings, XML. `secret` also as AWS Secrets Manager's `SecretString` and `SecretBinary`,
    // whose values are the secret itself. `password` also under the abbreviated names `.env`
    // files and connection strings use (`DB_PASS`, `SMTP_PASS`, nodemailer's `pass:`,
    // `MYSQL_PWD`, ODBC's `Pwd=`), which its check judges more strictly (`Check::Passphrase`).
    // Its anchors start with the key: `pass` serves `password` too, one candidate for both;
    // `pwd` only with the byte after it, as `pwd` alone in three cases cost clean JSON 7.4%.
    keyword!(
        "password",
        &["pass", "Pass", "PASS", "PWD=", "PWD:", "PWD\"", "Pwd=", "pwd="],
        "pass(?:w(?:or)?d|phrase)?|pwd",
        "3",
        Check::Passphrase,
        back = 0
    ),
    keyword!(
        "secret",
        &["ecret", "ECRET"],
        "secret(?:_?(?:(?:access_?)?key(?:_?base)?|text|string|binary))?",
        "6",
        Check::NotPlaceholder
    ),
    keyword!(
        "api_key",
        &["pi_key", "piKey", "pi-key", "pi-Key", "pikey", "PI_KEY", "PIKEY", "PI-KEY", "PI-Key"],
        "api[_-]?key",
        "8",
        Check::NotPlaceholder
    ),
    keyword!(
        "token",
        &["oken", "OKEN"],
        "token",
        "12",
        Check::TokenAssignment
    ),
    // A private key's raw material under its name: a wallet's hex key (`PRIVATE_KEY=0x4c08…`,
    // as every Ethereum tutorial's `.env` has it), a base58 or base64 key, a PEM body without
    // its lines. A PEM block here is the PEM rule's (tried first, at the value).
    keyword!(
        "private_key",
        &["rivate_key", "rivateKey", "RIVATE_KEY"],
        "private[_-]?key",
        "32",
        Check::KeyMaterial
    ),
];

/// Pack names a route may select (`default` is all of them).
pub fn pack_names() -> Vec<&'static str> {
    let mut v: Vec<&str> = DEFAULT_RULES.iter().map(|r| r.pack).collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests;
