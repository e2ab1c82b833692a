//! The token formats beyond the core list: the default services (AI platforms, `age` keys),
//! credentials known by their wrapping (an `Authorization` header in other schemes, a Docker
//! registry login, a base64-encoded PEM key), and the opt-in `extended` pack. Each is caught
//! exactly, whole or split at any offset; the extended formats only where a route (or
//! `credgate scrub --packs`) asks for them; look-alikes and placeholders are left alone.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use credgate::scrub::{scrub_all, LiveSet, RawScrub, ScrubPolicy};

use crate::scrub_engine::assert_every_cut_scrubs_as_whole;

/// A random-looking string of `n` bytes from `alphabet`, the same on every run.
fn token(n: usize, alphabet: &str, seed: u64) -> String {
    let a = alphabet.as_bytes();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            a[(x % a.len() as u64) as usize] as char
        })
        .collect()
}

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const URLSAFE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX: &str = "0123456789abcdef";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// An Entra ID client secret's characters.
const ENTRA: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_~.-";

/// Whether a kind is in the default packs (the rest are `extended`).
fn in_default(kind: &str) -> bool {
    [
        "authorization",
        "basic_credentials",
        "private_key",
        "api_key",
        "langsmith_api_key",
        "langfuse_secret_key",
        "pinecone_api_key",
        "tavily_api_key",
    ]
    .contains(&kind)
}

/// (kind, text with one secret, the secret).
fn positives() -> Vec<(&'static str, String, String)> {
    let mut v = Vec::new();
    let mut add = |kind: &'static str, before: &str, secret: String, after: &str| {
        v.push((kind, format!("{before}{secret}{after}"), secret));
    };
    let t = token;
    // Default: wrapped credentials.
    let drf = t(40, HEX, 1);
    add(
        "authorization",
        r#"{"Authorization": "Token "#,
        drf,
        r#""}"#,
    );
    add(
        "authorization",
        "Authorization: SSWS ",
        format!("00{}", t(40, URLSAFE, 2)),
        "\r\n",
    );
    add(
        "authorization",
        r#"{\"authorization\":\"Bot "#,
        format!("{}.{}", t(24, ALNUM, 3), t(38, URLSAFE, 4)),
        r#"\"}"#,
    );
    add(
        "basic_credentials",
        "{\n\t\"auths\": {\n\t\t\"ghcr.io\": {\n\t\t\t\"auth\": \"",
        "ZG9ja2VydXNlcjpUcjB1YjRkb3IzUGFzcw==".to_string(),
        "\"\n\t\t}\n\t}\n}",
    );
    add("api_key", r#"{"X-Api-Key": ""#, t(32, ALNUM, 5), r#""}"#);
    // base64 of a PEM private key (kubeconfig's client-key-data), cut short: the run is the key.
    let pem = format!(
        "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2{}",
        t(600, B64, 6)
    );
    add("private_key", "    client-key-data: ", pem, "\n");
    add(
        "private_key",
        "key: ",
        format!("AGE-SECRET-KEY-1{}", t(58, UPPER, 7)),
        "\n",
    );
    // Default: AI platforms.
    add(
        "langsmith_api_key",
        "LANGSMITH_API=",
        format!("lsv2_pt_{}_{}", t(32, HEX, 8), t(10, HEX, 9)),
        "\n",
    );
    add(
        "langfuse_secret_key",
        r#"{"sk": ""#,
        "sk-lf-1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d".to_string(),
        r#""}"#,
    );
    add(
        "pinecone_api_key",
        "PINECONE=",
        format!("pcsk_{}_{}", t(6, ALNUM, 10), t(63, ALNUM, 11)),
        "\n",
    );
    add(
        "tavily_api_key",
        "tavily ",
        format!("tvly-dev-{}", t(32, ALNUM, 12)),
        " ok",
    );
    // Extended.
    add(
        "aws_bedrock_api_key",
        "BEDROCK=",
        format!("ABSK{}=", t(130, B64, 13)),
        "\n",
    );
    add(
        "aws_bedrock_api_key",
        r#"{"k": ""#,
        format!(
            "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t{}",
            t(120, B64, 14)
        ),
        r#""}"#,
    );
    add(
        "databricks_token",
        "DB=",
        format!("dapi{}", t(32, HEX, 15)),
        "\n",
    );
    add(
        "digitalocean_token",
        "DO=",
        format!("dop_v1_{}", t(64, HEX, 16)),
        "\n",
    );
    add(
        "heroku_api_key",
        "H=",
        format!("HRKU-AA{}", t(58, URLSAFE, 17)),
        "\n",
    );
    add(
        "flyio_token",
        "FlyV1 ",
        format!("fm2_{}", t(200, B64, 18)),
        "\n",
    );
    add(
        "supabase_token",
        "S=",
        format!("sbp_{}", t(40, HEX, 19)),
        "\n",
    );
    add(
        "openshift_token",
        "oc login ",
        format!("sha256~{}", t(43, URLSAFE, 20)),
        " --server",
    );
    add(
        "planetscale_token",
        "P=",
        format!("pscale_tkn_{}", t(43, ALNUM, 21)),
        "\n",
    );
    add(
        "tailscale_key",
        "T=",
        format!("tskey-auth-k{}CNTRL-{}", t(9, ALNUM, 22), t(33, ALNUM, 23)),
        "\n",
    );
    add(
        "doppler_token",
        "D=",
        format!("dp.pt.{}", t(43, ALNUM, 24)),
        "\n",
    );
    add(
        "pulumi_token",
        "P=",
        format!("pul-{}", t(40, HEX, 25)),
        "\n",
    );
    // The id before `.atlasv1.` is left; the secret after it goes.
    let tfc_id = t(14, ALNUM, 26);
    add(
        "terraform_token",
        &format!("TFC={tfc_id}.atlasv1."),
        t(67, URLSAFE, 27),
        "\n",
    );
    add(
        "grafana_token",
        "G=",
        format!("glsa_{}_{}", t(32, ALNUM, 28), t(8, HEX, 29)),
        "\n",
    );
    add(
        "sentry_token",
        "S=",
        format!("sntryu_{}", t(64, HEX, 30)),
        "\n",
    );
    add(
        "newrelic_key",
        "N=",
        format!("NRAK-{}", t(27, UPPER, 31)),
        "\n",
    );
    add(
        "postman_api_key",
        "P=",
        format!("PMAK-{}-{}", t(24, HEX, 32), t(34, HEX, 33)),
        "\n",
    );
    add(
        "onepassword_token",
        "OP=",
        format!("ops_eyJ{}", t(300, B64, 34)),
        "\n",
    );
    add(
        "linear_api_key",
        "L=",
        format!("lin_api_{}", t(40, ALNUM, 35)),
        "\n",
    );
    add(
        "atlassian_api_token",
        "A=",
        format!("ATATT3xFfGF0{}", t(180, URLSAFE, 36)),
        "\n",
    );
    add(
        "shopify_token",
        "S=",
        format!("shpat_{}", t(32, HEX, 37)),
        "\n",
    );
    add(
        "square_token",
        "S=",
        format!("sq0csp-{}", t(43, URLSAFE, 38)),
        "\n",
    );
    add(
        "shippo_api_key",
        "S=",
        format!("shippo_live_{}", t(40, HEX, 39)),
        "\n",
    );
    add(
        "notion_token",
        "N=",
        format!("ntn_{}{}", t(11, "0123456789", 40), t(35, ALNUM, 41)),
        "\n",
    );
    add(
        "brevo_api_key",
        "B=",
        format!("xkeysib-{}-{}", t(64, HEX, 42), t(16, ALNUM, 43)),
        "\n",
    );
    add(
        "telegram_bot_token",
        "https://api.telegram.org/bot123456789:",
        format!("AA{}", t(33, URLSAFE, 44)),
        "/getMe",
    );
    add(
        "discord_webhook",
        r#"{"url": "https:\/\/discord.com\/api\/webhooks\/123456789012345678\/"#,
        t(68, URLSAFE, 45),
        r#""}"#,
    );
    add(
        "teams_webhook",
        "https://acme.webhook.office.com/webhookb2/",
        format!(
            "1a2b3c4d-1a2b-1a2b-1a2b-1a2b3c4d5e6f@1a2b3c4d-1a2b-1a2b-1a2b-1a2b3c4d5e6f/IncomingWebhook/{}",
            t(32, HEX, 46)
        ),
        " ",
    );
    add(
        "rubygems_api_key",
        "R=",
        format!("rubygems_{}", t(48, HEX, 47)),
        "\n",
    );
    // Extended: Entra ID client secrets, redacted from the digit before `Q~` (the three
    // characters before it, Microsoft's own `hint`, stay: see `rules/extended.rs`).
    add(
        "azure_client_secret",
        "| Value | Ab~",
        format!("8Q~{}", t(34, ENTRA, 50)),
        " |",
    );
    add(
        "azure_client_secret",
        "cs=x.-",
        format!("7Q~{}", t(31, ENTRA, 51)),
        "&tenant=contoso",
    );
    v
}

/// Text that looks like these formats and holds no secret.
fn negatives() -> Vec<String> {
    vec![
        // Docs and placeholders.
        "Authorization: Token YOUR_API_TOKEN".into(),
        "Send an `Authorization: Token <token>` header.".into(),
        "authorization: required for every call".into(),
        "PINECONE_API_KEY=pcsk_...".into(),
        "TAVILY_API_KEY=tvly-YOUR_API_KEY".into(),
        "export LANGSMITH_API_KEY=lsv2_pt_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx_xxxxxxxxxx".into(),
        // A Docker config entry that is no login.
        "{\n\t\"auth\": \"required\"\n}".into(),
        // Certificates and public keys, base64-encoded (kubeconfig's certificate-authority-data).
        format!(
            "certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM{}",
            token(600, B64, 90)
        ),
        format!(
            "pub: LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K{}",
            token(200, B64, 91)
        ),
        // Other prose and ids around the new anchors.
        "The OAuth authorization=code flow; see /api/webhooks/ for delivery.".into(),
        "sha256~ is how OpenShift prefixes tokens".into(),
        // An Entra-like run without the three characters before its digit, or too long.
        format!("cs: 8Q~{}\n", token(34, ENTRA, 92)),
        format!("Abc8Q~{} ", token(35, ENTRA, 93)),
        "xyz8Q~xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".into(),
    ]
}

fn policy(packs: &[&str]) -> ScrubPolicy {
    ScrubPolicy::compile(RawScrub {
        packs: Some(packs.iter().map(|p| p.to_string()).collect()),
        ..Default::default()
    })
    .expect("valid packs")
}

#[test]
fn service_formats_are_caught_exactly_and_extended_ones_only_when_asked() {
    let live = Arc::new(LiveSet::empty());
    let default = ScrubPolicy::default();
    let all = policy(&["default", "extended"]);
    let mut wrong = Vec::new();
    let pos = positives();
    for (kind, text, secret) in &pos {
        let want = text.replace(secret.as_str(), &format!("[REDACTED:{kind}]"));
        let (out, counts) = scrub_all(&all, &live, text.as_bytes());
        let out = String::from_utf8_lossy(&out);
        if out != want || counts.get(kind) != 1 {
            wrong.push(format!("extended {kind}: {text} -> {out}"));
        }
        let (out, _) = scrub_all(&default, &live, text.as_bytes());
        let out = String::from_utf8_lossy(&out);
        let expected = if in_default(kind) { &want } else { text };
        if out != *expected {
            wrong.push(format!("default {kind}: {text} -> {out}"));
        }
    }
    let kinds: std::collections::BTreeSet<&str> = pos.iter().map(|p| p.0).collect();
    println!(
        "service formats: {} texts, {} kinds",
        pos.len(),
        kinds.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn service_format_look_alikes_are_left_alone() {
    let live = Arc::new(LiveSet::empty());
    let all = policy(&["default", "extended"]);
    for text in negatives() {
        let (out, counts) = scrub_all(&all, &live, text.as_bytes());
        assert_eq!(
            counts.total(),
            0,
            "{text} -> {}",
            String::from_utf8_lossy(&out)
        );
    }
}

#[test]
fn service_formats_split_at_every_offset_are_caught() {
    let live = Arc::new(LiveSet::empty());
    let all = policy(&["default", "extended"]);
    for (kind, text, _) in positives() {
        assert_every_cut_scrubs_as_whole(&all, &live, text.as_bytes(), kind);
    }
}

#[test]
fn a_format_at_an_authorization_value_labels_it() {
    let live = Arc::new(LiveSet::empty());
    // A valid classic token: 30 random characters and their CRC32.
    let random = "Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H";
    let crc = credgate::scrub::base62_crc32(random.as_bytes());
    let gh = format!("ghp_{random}{}", std::str::from_utf8(&crc).unwrap());
    let body = format!("Authorization: token {gh}");
    let (out, counts) = scrub_all(&ScrubPolicy::default(), &live, body.as_bytes());
    assert!(!String::from_utf8_lossy(&out).contains(&gh));
    assert_eq!(counts.total(), 1);
    assert_eq!(
        counts.get("github_token"),
        1,
        "the format's kind, not the header's: {}",
        String::from_utf8_lossy(&out)
    );
}

#[test]
fn packs_are_checked_and_extended_alone_selects_only_its_formats() {
    let err = ScrubPolicy::compile(RawScrub {
        packs: Some(vec!["default".into(), "extnded".into()]),
        ..Default::default()
    })
    .expect_err("an unknown pack is refused");
    assert_eq!(err[0].0, "scrub.packs[1]");
    assert!(
        err[0].2.contains("extended"),
        "the fix lists it: {:?}",
        err[0]
    );
    let live = Arc::new(LiveSet::empty());
    let only = policy(&["extended"]);
    let shopify = format!("shpat_{}", token(32, HEX, 99));
    let stripe = "sk_live_51HqLyjWDarjtT1zdp7dcXb2pYKrQ";
    let (out, counts) = scrub_all(&only, &live, format!("{shopify} {stripe}").as_bytes());
    assert_eq!(counts.get("shopify_token"), 1);
    assert!(
        String::from_utf8_lossy(&out).contains(stripe),
        "payments is not selected"
    );
}

#[test]
fn the_scrub_command_takes_packs() {
    let shopify = format!("x shpat_{} y", token(32, HEX, 98));
    let run = |args: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_credgate"))
            .arg("scrub")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run credgate scrub");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(shopify.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(&["--packs", "default,extended"]);
    assert_eq!(out.status.code(), Some(1), "something was redacted");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "x [REDACTED:shopify_token] y"
    );
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0), "default leaves it");
    assert_eq!(String::from_utf8_lossy(&out.stdout), shopify);
    let out = run(&["--packs", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--packs[0]: unknown pack \"nope\""));
}

/// An anchor cut off by a chunk's end is held back only where its rule could still match: an
/// Entra secret's `8Q~` needs three of its characters before it, so an event stream's `id: 8`
/// or a count ending a JSON line goes out at once, while `…Abc8` waits for the next bytes.
#[test]
fn a_cut_off_entra_anchor_is_held_only_after_its_three_characters() {
    let live = Arc::new(LiveSet::empty());
    let policy = policy(&["default", "extended"]);
    for (text, held) in [
        ("| Value | Abc8", 1),
        ("| Value | Abc8Q", 2),
        ("id: 8", 0),
        ("{\"count\": 7", 0),
        ("{\"n\": 7Q", 0),
    ] {
        let mut s = policy.scrubber(live.clone());
        let out = s
            .push(Some(text.as_bytes()), false)
            .expect("no overflow")
            .unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&out),
            text[..text.len() - held],
            "{text}"
        );
    }
}

/// Graph's answer to `addPassword` (a new Entra client secret) is redacted whole by every
/// route, under its key: the secret's own format is opt-in (`extended`).
#[test]
fn a_new_entra_secret_from_graph_is_redacted_whole_by_default() {
    let live = Arc::new(LiveSet::empty());
    let secret = format!("Ab~8Q~{}", token(34, ENTRA, 52));
    let body = format!(
        r#"{{"customKeyIdentifier":null,"displayName":"ci","endDateTime":"2027-05-30T12:00:00Z","hint":"Ab~","keyId":"0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b","secretText":"{secret}","startDateTime":"2026-11-30T12:00:00Z"}}"#
    );
    let (out, counts) = scrub_all(&ScrubPolicy::default(), &live, body.as_bytes());
    assert_eq!(
        String::from_utf8_lossy(&out),
        body.replace(&secret, "[REDACTED:secret]")
    );
    assert_eq!(counts.total(), 1);
}
