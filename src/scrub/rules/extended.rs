//! The `extended` pack: token formats of cloud platforms, developer tools, commerce and chat
//! services, which a route opts into (`packs: [default, extended]`). Each carries its own
//! prefix and is as precise as the default formats, but every anchor joins the prefilter that
//! every clean body pays for: with these anchors the default set no longer fits two Teddy
//! searchers, and a third pass over every byte cost clean JSON about a fifth of its speed
//! (README, Response scrubbing). So they wait to be asked for.
//!
//! A rule may start `back` bytes before its anchor (Discord's webhooks, at `/webhooks/` rather
//! than at `dis` as in `display`) only where its secret starts at or after the anchor: bytes
//! before the last anchor cut off by a chunk's end are released, so a secret that began there
//! would be redacted from its anchor on, differently from the whole body.

use super::{rule, Check, RuleDef, Verify};

/// The `extended` pack's rules.
pub const EXTENDED_RULES: &[RuleDef] = &[
    // Cloud platforms.
    // Amazon Bedrock API keys: long-term (`ABSK` and base64), and short-term (a presigned URL,
    // base64, after a fixed prefix).
    rule(
        "aws_bedrock_api_key",
        "extended",
        &["ABSK"],
        r"(?-u:\b)(ABSK(?:[A-Za-z0-9+/]|\\/|\\u002[bB]){100,400}={0,2})(?:[^A-Za-z0-9+/=\\]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)",
        4,
        Check::NotPlaceholder,
    ),
    rule(
        "aws_bedrock_api_key",
        "extended",
        &["bedrock-api-key-"],
        r"(bedrock-api-key-(?:[A-Za-z0-9+/]|\\/|\\u002[bB]){40,4096}={0,2})(?:[^A-Za-z0-9+/=\\]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)",
        16,
        Check::NotPlaceholder,
    ),
    rule(
        "databricks_token",
        "extended",
        &["dapi"],
        r"(?-u:\b)(dapi[0-9a-f]{32})(?-u:\b)",
        4,
        Check::NotPlaceholder,
    ),
    rule(
        "digitalocean_token",
        "extended",
        &["dop_v1_", "doo_v1_", "dor_v1_"],
        r"(?-u:\b)((?:dop_v1_|doo_v1_|dor_v1_)[0-9a-f]{64})(?-u:\b)",
        7,
        Check::NotPlaceholder,
    ),
    rule(
        "heroku_api_key",
        "extended",
        &["HRKU-"],
        r"(?-u:\b)(HRKU-[0-9A-Za-z_-]{60})(?:[^0-9A-Za-z_-]|$)",
        5,
        Check::NotPlaceholder,
    ),
    rule(
        "supabase_token",
        "extended",
        &["sbp_"],
        r"(?-u:\b)(sbp_[0-9a-f]{40})(?-u:\b)",
        4,
        Check::NotPlaceholder,
    ),
    rule(
        "supabase_token",
        "extended",
        &["sb_secret_"],
        r"(?-u:\b)(sb_secret_[0-9A-Za-z_-]{20,100})(?:[^0-9A-Za-z_-]|$)",
        10,
        Check::NotPlaceholder,
    ),
    // Microsoft Entra ID (Azure AD) client secrets: three characters, a digit and `Q~`, then
    // 31-34 more. The anchor is the digit and `Q~` (the prefilter takes three bytes or more),
    // and the secret is redacted from there: a secret may not start before its anchor (see
    // above). The three characters before it stay, which Microsoft itself shows as the secret's
    // `hint` (Graph, the portal). They are still required, so that a cut-off `8Q~` is held at a
    // chunk's end only after three of them (`PatternSet::tail_hold`): an event stream's `id: 8`
    // goes out at once. Opt-in for its cost: in the default packs its ten digit-led anchors
    // cost clean HTML and logs 5-6% more (README). Under a key (`"secretText"`, Graph's answer
    // to `addPassword`; `client_secret`, `password`, `AZURE_CLIENT_SECRET=`) every route
    // redacts it whole.
    RuleDef {
        kind: "azure_client_secret",
        pack: "extended",
        anchors: &[
            "0Q~", "1Q~", "2Q~", "3Q~", "4Q~", "5Q~", "6Q~", "7Q~", "8Q~", "9Q~",
        ],
        back: 3,
        verify: Verify::Regex(
            r"[A-Za-z0-9_~.-]{3}([0-9]Q~[A-Za-z0-9_~.-]{31,34})(?:[^A-Za-z0-9_~.-]|$)",
        ),
        keep: 0,
        check: Check::NotPlaceholder,
        standalone: true,
    },
    // Developer and operations tools.
    rule(
        "doppler_token",
        "extended",
        &[
            "dp.pt.",
            "dp.st.",
            "dp.sa.",
            "dp.ct.",
            "dp.scim.",
            "dp.audit.",
        ],
        r"(?-u:\b)((?:dp\.pt\.|dp\.st\.|dp\.sa\.|dp\.ct\.|dp\.scim\.|dp\.audit\.)[0-9A-Za-z]{40,44})(?-u:\b)",
        6,
        Check::NotPlaceholder,
    ),
    rule(
        "grafana_token",
        "extended",
        &["glsa_"],
        r"(?-u:\b)(glsa_[0-9A-Za-z]{32}_[0-9A-Fa-f]{8})(?-u:\b)",
        5,
        Check::NotPlaceholder,
    ),
    rule(
        "grafana_token",
        "extended",
        &["glc_"],
        r"(?-u:\b)(glc_(?:[A-Za-z0-9+/]|\\/|\\u002[bB]){32,400}={0,3})(?:[^A-Za-z0-9+/=\\]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)",
        4,
        Check::NotPlaceholder,
    ),
    // Grafana's older API keys: base64 of `{"k":"…`. The JWT rule, tried first at `eyJ`, wants
    // two dots, which these do not have.
    rule(
        "grafana_token",
        "extended",
        &["eyJrIjoi"],
        r"(?-u:\b)(eyJrIjoi[0-9A-Za-z]{70,400}={0,3})(?:[^0-9A-Za-z=.]|$)",
        0,
        Check::NotPlaceholder,
    ),
    rule(
        "sentry_token",
        "extended",
        &["sntryu_"],
        r"(?-u:\b)(sntryu_[0-9a-f]{64})(?-u:\b)",
        7,
        Check::NotPlaceholder,
    ),
    // Sentry org tokens: base64 of a JSON claim set, `_`, and a 43-character secret.
    rule(
        "sentry_token",
        "extended",
        &["sntrys_"],
        r"(?-u:\b)(sntrys_eyJ(?:[A-Za-z0-9+/]|\\/|\\u002[bB]){10,600}={0,2}_(?:[A-Za-z0-9+/]|\\/|\\u002[bB]){43})(?:[^A-Za-z0-9+/=\\]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)",
        7,
        Check::NotPlaceholder,
    ),
    rule(
        "newrelic_key",
        "extended",
        &["NRAK-"],
        r"(?-u:\b)(NRAK-[0-9A-Z]{27})(?-u:\b)",
        5,
        Check::NotPlaceholder,
    ),
    rule(
        "newrelic_key",
        "extended",
        &["NRII-"],
        r"(?-u:\b)(NRII-[0-9A-Za-z_-]{32})(?:[^0-9A-Za-z_-]|$)",
        5,
        Check::NotPlaceholder,
    ),
    rule(
        "postman_api_key",
        "extended",
        &["PMAK-"],
        r"(?-u:\b)(PMAK-[0-9a-f]{24}-[0-9a-f]{34})(?-u:\b)",
        5,
        Check::NotPlaceholder,
    ),
    // 1Password service-account tokens: `ops_` and base64 of a JSON document.
    rule(
        "onepassword_token",
        "extended",
        &["ops_eyJ"],
        r"(?-u:\b)(ops_eyJ(?:[A-Za-z0-9+/_-]|\\/|\\u002[bB]){200,4096}={0,3})(?:[^A-Za-z0-9+/=_\\-]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)",
        4,
        Check::NotPlaceholder,
    ),
    rule(
        "linear_api_key",
        "extended",
        &["lin_api_"],
        r"(?-u:\b)(lin_api_[0-9A-Za-z]{40})(?-u:\b)",
        8,
        Check::NotPlaceholder,
    ),
    rule(
        "atlassian_api_token",
        "extended",
        &["ATATT3"],
        r"(?-u:\b)(ATATT3[0-9A-Za-z_=-]{150,250})(?:[^0-9A-Za-z_=-]|$)",
        6,
        Check::NotPlaceholder,
    ),
    // Commerce, payments beyond Stripe, and other SaaS APIs.
    rule(
        "shopify_token",
        "extended",
        &["shpat_", "shpca_", "shppa_", "shpss_"],
        r"(?-u:\b)((?:shpat_|shpca_|shppa_|shpss_)[0-9a-fA-F]{32})(?-u:\b)",
        6,
        Check::NotPlaceholder,
    ),
    rule(
        "square_token",
        "extended",
        &["sq0atp-", "sq0csp-"],
        r"(?-u:\b)((?:sq0atp-|sq0csp-)[0-9A-Za-z_-]{22,60})(?:[^0-9A-Za-z_-]|$)",
        7,
        Check::NotPlaceholder,
    ),
    // Square's current access tokens: `EAAA` and 60 characters.
    rule(
        "square_token",
        "extended",
        &["EAAA"],
        r"(?-u:\b)(EAAA[0-9A-Za-z_-]{60})(?:[^0-9A-Za-z_-]|$)",
        4,
        Check::TokenLike,
    ),
    rule(
        "notion_token",
        "extended",
        &["ntn_"],
        r"(?-u:\b)(ntn_[0-9]{11}[0-9A-Za-z]{35})(?-u:\b)",
        4,
        Check::NotPlaceholder,
    ),
    // Okta API tokens, in Okta's own authorization scheme.
    rule(
        "okta_token",
        "extended",
        &["SSWS "],
        r"SSWS[ \t]{1,4}(00[0-9A-Za-z_-]{40})(?:[^0-9A-Za-z_-]|$)",
        0,
        Check::NotPlaceholder,
    ),
    // Chat and notification webhooks.
    // Discord webhooks, at `/webhooks/` (`dis`, as in `display`, is everywhere): one rule per
    // host and slash, each starting a fixed distance before its anchor and all literals, so
    // that the direct matcher takes them.
    RuleDef {
        back: "discord.com/api".len(),
        ..rule(
            "discord_webhook",
            "extended",
            &["/webhooks/"],
            r"discord\.com/api/webhooks/[0-9]{17,20}/([0-9A-Za-z_-]{60,80})(?:[^0-9A-Za-z_-]|$)",
            0,
            Check::NotPlaceholder,
        )
    },
    RuleDef {
        back: "discordapp.com/api".len(),
        ..rule(
            "discord_webhook",
            "extended",
            &["/webhooks/"],
            r"discordapp\.com/api/webhooks/[0-9]{17,20}/([0-9A-Za-z_-]{60,80})(?:[^0-9A-Za-z_-]|$)",
            0,
            Check::NotPlaceholder,
        )
    },
    RuleDef {
        back: r"discord.com\/api".len(),
        ..rule(
            "discord_webhook",
            "extended",
            &[r"\/webhooks\/"],
            r"discord\.com\\/api\\/webhooks\\/[0-9]{17,20}\\/([0-9A-Za-z_-]{60,80})(?:[^0-9A-Za-z_-]|$)",
            0,
            Check::NotPlaceholder,
        )
    },
    RuleDef {
        back: r"discordapp.com\/api".len(),
        ..rule(
            "discord_webhook",
            "extended",
            &[r"\/webhooks\/"],
            r"discordapp\.com\\/api\\/webhooks\\/[0-9]{17,20}\\/([0-9A-Za-z_-]{60,80})(?:[^0-9A-Za-z_-]|$)",
            0,
            Check::NotPlaceholder,
        )
    },
    // Teams incoming webhooks: everything after `webhookb2/` (tenant, connector id and key).
    rule(
        "teams_webhook",
        "extended",
        &[".office.com/webhookb2/", r".office.com\/webhookb2\/"],
        r"\.office\.com(?:/|\\/)webhookb2(?:/|\\/)((?:[0-9A-Za-z@_/-]|\\/|\\u002[bB]){60,400})",
        0,
        Check::NotPlaceholder,
    ),
    // Fly.io: org tokens, and macaroons (`FlyV1 fm2_…,fm2_…`: each part is redacted).
    rule(
        "flyio_token",
        "extended",
        &["fo1_"],
        r"(?-u:\b)(fo1_[0-9A-Za-z_-]{43})(?:[^0-9A-Za-z_-]|$)",
        4,
        Check::NotPlaceholder,
    ),
    rule(
        "flyio_token",
        "extended",
        &["fm1a_", "fm1r_", "fm2_"],
        r"(?-u:\b)((?:fm1a_|fm1r_|fm2_)(?:[A-Za-z0-9+/]|\\/|\\u002[bB]){64,4096}={0,3})(?:[^A-Za-z0-9+/=\\]|\\(?:[^/u]|u(?:[^0]|0(?:[^0]|0(?:[^2]|2[^bB]))))|$)",
        4,
        Check::NotPlaceholder,
    ),
    rule(
        "openshift_token",
        "extended",
        &["sha256~"],
        r"(?-u:\b)(sha256~[0-9A-Za-z_-]{43})(?:[^0-9A-Za-z_-]|$)",
        7,
        Check::NotPlaceholder,
    ),
    rule(
        "planetscale_token",
        "extended",
        &["pscale_tkn_", "pscale_oauth_", "pscale_pw_"],
        r"(?-u:\b)((?:pscale_tkn_|pscale_oauth_|pscale_pw_)[0-9A-Za-z_.=-]{32,64})(?:[^0-9A-Za-z_.=-]|$)",
        7,
        Check::NotPlaceholder,
    ),
    rule(
        "scalingo_token",
        "extended",
        &["tk-us-"],
        r"(?-u:\b)(tk-us-[0-9A-Za-z_-]{48})(?:[^0-9A-Za-z_-]|$)",
        6,
        Check::NotPlaceholder,
    ),
    // Tailscale (`tskey-auth-…`, `tskey-api-…`, `tskey-client-…`): only the prefix is fixed.
    rule(
        "tailscale_key",
        "extended",
        &["tskey-"],
        r"(?-u:\b)(tskey-[0-9A-Za-z-]{30,120})(?:[^0-9A-Za-z-]|$)",
        6,
        Check::TokenLike,
    ),
    rule(
        "pulumi_token",
        "extended",
        &["pul-"],
        r"(?-u:\b)(pul-[0-9a-f]{40})(?-u:\b)",
        4,
        Check::NotPlaceholder,
    ),
    // Terraform Cloud / HCP Terraform: a 14-character id, `.atlasv1.`, and the secret.
    rule(
        "terraform_token",
        "extended",
        &["tlasv1."],
        r"tlasv1\.([0-9A-Za-z_=-]{60,70})(?:[^0-9A-Za-z_=-]|$)",
        0,
        Check::NotPlaceholder,
    ),
    rule(
        "dynatrace_token",
        "extended",
        &["dt0c01."],
        r"(?-u:\b)(dt0c01\.[0-9A-Za-z]{24}\.[0-9A-Za-z]{64})(?-u:\b)",
        7,
        Check::NotPlaceholder,
    ),
    rule(
        "prefect_api_key",
        "extended",
        &["pnu_"],
        r"(?-u:\b)(pnu_[0-9A-Za-z]{36})(?-u:\b)",
        4,
        Check::NotPlaceholder,
    ),
    rule(
        "artifactory_api_key",
        "extended",
        &["AKCp"],
        r"(?-u:\b)(AKCp[0-9A-Za-z]{69})(?-u:\b)",
        4,
        Check::NotPlaceholder,
    ),
    rule(
        "readme_api_key",
        "extended",
        &["rdme_"],
        r"(?-u:\b)(rdme_[0-9a-z]{70})(?-u:\b)",
        5,
        Check::NotPlaceholder,
    ),
    rule(
        "shippo_api_key",
        "extended",
        &["shippo_live_", "shippo_test_"],
        r"(?-u:\b)((?:shippo_live_|shippo_test_)[0-9a-f]{40})(?-u:\b)",
        12,
        Check::NotPlaceholder,
    ),
    rule(
        "duffel_api_key",
        "extended",
        &["duffel_live_", "duffel_test_"],
        r"(?-u:\b)((?:duffel_live_|duffel_test_)[0-9A-Za-z_=-]{43})(?:[^0-9A-Za-z_=-]|$)",
        12,
        Check::NotPlaceholder,
    ),
    rule(
        "easypost_api_key",
        "extended",
        &["EZAK", "EZTK"],
        r"(?-u:\b)((?:EZAK|EZTK)[0-9A-Za-z]{54})(?-u:\b)",
        4,
        Check::NotPlaceholder,
    ),
    rule(
        "brevo_api_key",
        "extended",
        &["xkeysib-", "xsmtpsib-"],
        r"(?-u:\b)((?:xkeysib-|xsmtpsib-)[0-9a-f]{64}-[0-9A-Za-z]{16})(?-u:\b)",
        8,
        Check::NotPlaceholder,
    ),
    rule(
        "typeform_token",
        "extended",
        &["tfp_"],
        r"(?-u:\b)(tfp_[0-9A-Za-z_.=-]{59})(?:[^0-9A-Za-z_.=-]|$)",
        4,
        Check::NotPlaceholder,
    ),
    rule(
        "frameio_token",
        "extended",
        &["fio-u-"],
        r"(?-u:\b)(fio-u-[0-9A-Za-z_=-]{64})(?:[^0-9A-Za-z_=-]|$)",
        6,
        Check::NotPlaceholder,
    ),
    rule(
        "rubygems_api_key",
        "extended",
        &["rubygems_"],
        r"(?-u:\b)(rubygems_[0-9a-f]{48})(?-u:\b)",
        9,
        Check::NotPlaceholder,
    ),
    rule(
        "clojars_token",
        "extended",
        &["CLOJARS_"],
        r"(?-u:\b)(CLOJARS_[0-9a-z]{60})(?-u:\b)",
        8,
        Check::NotPlaceholder,
    ),
    // Telegram bot tokens: the bot's id, `:`, and 35 characters starting `AA`; the id is public.
    // Here for its 3-byte anchor, which loosens the short-anchor searcher's buckets.
    RuleDef {
        back: 1,
        ..rule(
            "telegram_bot_token",
            "extended",
            &[":AA"],
            r"[0-9]:(AA[0-9A-Za-z_-]{33})(?:[^0-9A-Za-z_-]|$)",
            0,
            Check::NotPlaceholder,
        )
    },
];
