//! The scrubbing engine end to end: recall and false positives on a corpus of token formats and
//! look-alike public text; through the running proxy, pattern redactions by kind in bodies,
//! headers, redirects, event streams split across flushes, per-route options, metrics and audit;
//! fail-closed on an unbounded key block; and (ignored, run by hand in release) memory while a
//! 1 GiB body streams through.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use credgate::scrub::{base62_crc32, scrub_all, LiveSet, ScrubPolicy};

use crate::harness::*;

fn crc_token(prefix: &str, random: &str) -> String {
    format!(
        "{prefix}{random}{}",
        std::str::from_utf8(&base62_crc32(random.as_bytes())).unwrap()
    )
}

const R30: &str = "Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H";
const B64_40: &str = "Hx9kP2mQ7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9o";

/// (expected kind, text containing one secret, the secret itself).
fn positives() -> Vec<(&'static str, String, String)> {
    let s = |k: &'static str, text: String, secret: &str| (k, text, secret.to_string());
    let sts_token = format!(
        "FwoGZXIvYXdzEJr//////////wEaDM{}",
        "Q7vL4nR8sT1wY6zB3cF5".repeat(8)
    );
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAv7Q2kR9\nZx81Kq0PLm3N7vBt2YwR5sA\n-----END RSA PRIVATE KEY-----";
    let ossh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";
    let pgp = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF9x2kQBCAC7\n-----END PGP PRIVATE KEY BLOCK-----";
    let gcp = r#"{"type":"service_account","private_key_id":"1a2b","private_key":"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n","client_email":"x@p.iam.gserviceaccount.com"}"#;
    let jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiaWF0IjoxNTE2MjM5MDIyfQ.NHVaYe26MbtOYhSKkoKYdFVomg4i8ZJd8_-RU8VNbftc4TSMb4bXP3l3YlNWACwyXPGffz5aXHc6lty1Y2t4SWRqGteragsVdZufDn5BlnJl9pdR_kdVFUsra2rWKEofkZeIC4yWytE58sMIihvo9H1ScmmVwBcQP6XETqYd0aSHp1gOa9RdUPDvoXQ5oqygTqVtxaDr6wUFKrKItgBMzWIdNZ6y7O9E0DhEPTbE9rfBo6KTFsHAZnMg4k68CDp2woYIaXbmYTWcvbzIuHO7_37GT79XdIwkm95QJ7hYC9RiwrV7mesbY4PAahERJawntho0my942XheVLmGwLMBkQ";
    let anthropic = format!(
        "sk-ant-api03-{}-{}AA",
        "Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2m".repeat(2),
        "abcDEF012"
    );
    // Inside JSON strings as PHP (and others, by default) write them: every `/` as `\/`.
    let esc = |v: &str| v.replace('/', "\\/");
    let secret40 = esc(&format!("{}/{}", &B64_40[..13], &B64_40[14..]));
    let azure86 = B64_40.repeat(2) + "abcdef";
    let azure86 = esc(&format!("{}/{}", &azure86[..40], &azure86[41..]));
    let sas = esc("Q7vL4nR8sT1wY6zB3cF5/gJ0dK2eA7iU9oHx9kP2m%2Bx%3D");
    vec![
        s("aws_secret_access_key", format!(r#"{{"SecretAccessKey":"{secret40}"}}"#), &secret40),
        s("aws_session_token", format!(r#"{{"SessionToken":"{}"}}"#, esc(&sts_token)), &esc(&sts_token)),
        s("azure_storage_key", format!(r#"{{"c":"DefaultEndpointsProtocol=https;AccountName=x;AccountKey={azure86}==;EndpointSuffix=core.windows.net"}}"#), &azure86),
        s("azure_sas_signature", format!(r#"{{"url":"https:\/\/x.blob.core.windows.net\/c\/b?sv=2022-11-02&sp=r&sig={sas}\u0026se=2026"}}"#), &sas),
        s("stripe_webhook_secret", r#"{"secret":"whsec_Q7vL4nR8sT1wY6\/zB3cF5gJ0dK2eA7iU9"}"#.into(), r"whsec_Q7vL4nR8sT1wY6\/zB3cF5gJ0dK2eA7iU9"),
        s("slack_webhook", r#"{"hook":"https:\/\/hooks.slack.com\/services\/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"}"#.into(), r"T01AB2CD3\/B04EF5GH6\/Q7vL4nR8sT1wY6zB3cF5gJ0d"),
        s("google_refresh_token", r#"{"refresh":"1\/\/0gQ7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2mQ7v"}"#.into(), r"1\/\/0gQ7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2mQ7v"),
        s("connection_string_password", r#"{"url":"postgres:\/\/app:Sup3rS3cret@db:5432\/app"}"#.into(), "Sup3rS3cret"),
        s("bearer_token", r#"{"Authorization":"Bearer 8f2c1e9a7b\/6d5c4e3f2a"}"#.into(), r"8f2c1e9a7b\/6d5c4e3f2a"),
        s("bearer_token", r#"{"log":"Authorization: Bearer 8f2c1e9a7b6d5c4e3f2a\nnext line"}"#.into(), "8f2c1e9a7b6d5c4e3f2a"),
        s("basic_credentials", r#"{"Authorization":"Basic YWxpY2U6czNjcjN0Pz8\/"}"#.into(), r"YWxpY2U6czNjcjN0Pz8\/"),
        // Inside JSON strings as .NET writes them by default: `+` as `\u002B`.
        s("azure_storage_key", format!(r#"{{"c":"DefaultEndpointsProtocol=https;AccountName=x;AccountKey={}==;EndpointSuffix=core.windows.net"}}"#, azure86.replacen("\\/", "\\u002B", 1)), &azure86.replacen("\\/", "\\u002B", 1)),
        s("aws_secret_access_key", format!(r#"{{"SecretAccessKey":"{}"}}"#, secret40.replacen("\\/", "\\u002B", 1)), &secret40.replacen("\\/", "\\u002B", 1)),
        s("bearer_token", r#"{"Authorization":"Bearer 8f2c1e9a7b\u002B6d5c4e3f2a"}"#.into(), r"8f2c1e9a7b\u002B6d5c4e3f2a"),
        s("basic_credentials", r#"{"Authorization":"Basic YWxpY2U6VHIwdWJ\u002BNA=="}"#.into(), r"YWxpY2U6VHIwdWJ\u002BNA=="),
        // Inside JSON strings as Go writes them by default: `<`, `>` and `&` as `\u003c`,
        // `\u003e`, `\u0026`.
        s("aws_secret_access_key", format!(r#"{{"body":"\u003cSecretAccessKey\u003e{B64_40}\u003c/SecretAccessKey\u003e"}}"#), B64_40),
        s("aws_session_token", format!(r#"{{"body":"\u003cSessionToken\u003e{}\u003c/SessionToken\u003e"}}"#, esc(&sts_token)), &esc(&sts_token)),
        s("password", r#"{"body":"\u003cPassword\u003eTr0ub4dor3\u003c/Password\u003e"}"#.into(), "Tr0ub4dor3"),
        s("azure_sas_signature", r#"{"url":"https://x.blob.core.windows.net/c/b?sv=2022-11-02\u0026sp=r\u0026sig=Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2m%2Bx%3D\u0026se=2026"}"#.into(), "Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2m%2Bx%3D"),
        // Inside HTML as a page embeds JSON (an attribute) or XML (text): with entities.
        s("api_key", r#"<div data-props="{&quot;api_key&quot;:&quot;Q7vL4nR8sT1wY6zB&quot;,&quot;n&quot;:1}"></div>"#.into(), "Q7vL4nR8sT1wY6zB"),
        s("password", "<pre>&lt;Password&gt;Tr0ub4dor3&lt;/Password&gt;</pre>".into(), "Tr0ub4dor3"),
        // Quotes as Go's html/template and Jinja write them (`&#34;`), and in hex.
        s("secret", r#"<div data-config="{&#34;client_secret&#34;: &#34;Q7vL4nR8sT1wY6zB3c&#34;}">"#.into(), "Q7vL4nR8sT1wY6zB3c"),
        s("token", r#"<x data-p="{&#x22;access_token&#x22;:&#x22;Q7vL4nR8sT1wY6zB3cF5&#x22;}">"#.into(), "Q7vL4nR8sT1wY6zB3cF5"),
        // A Python `repr` on a page (a debug page's local variables): single quotes as Django
        // and `html.escape` write them (`&#x27;`), and as Jinja and Go do (`&#39;`).
        s("password", "<pre>{&#x27;user&#x27;: &#x27;app&#x27;, &#x27;password&#x27;: &#x27;Tr0ub4dor-3x&#x27;}</pre>".into(), "Tr0ub4dor-3x"),
        s("api_key", r#"<td>{&#39;api_key&#39;: &#39;Q7vL4nR8sT1wY6zB3cF5dA&#39;}</td>"#.into(), "Q7vL4nR8sT1wY6zB3cF5dA"),
        // The value's own `&`, `<` and `+` escaped as well.
        s("password", "<pre>{&#x27;password&#x27;: &#x27;Tr0ub&amp;dor&lt;3x&#x27;}</pre>".into(), "Tr0ub&amp;dor&lt;3x"),
        s("secret", r#"<div data-p="{&#34;client_secret&#34;:&#34;Q7vL4n&#43;R8sT1w&amp;Y6zB&#34;}">"#.into(), "Q7vL4n&#43;R8sT1w&amp;Y6zB"),
        s("password", "<pre>&lt;password&gt;Tr0ub&amp;dor-3x&lt;/password&gt;</pre>".into(), "Tr0ub&amp;dor-3x"),
        // A JSON-escaped quote inside the value, as a page writes it: `\&quot;`, `\&#34;`.
        s("password", r#"<div data-p="{&quot;password&quot;:&quot;Tr0ub\&quot;dor-3x&quot;,&quot;n&quot;:1}">"#.into(), r"Tr0ub\&quot;dor-3x"),
        s("secret", r#"<div data-p="{&#34;client_secret&#34;:&#34;Q7vL4n\&#34;R8sT1wY6zB&#34;}">"#.into(), r"Q7vL4n\&#34;R8sT1wY6zB"),
        // A quote of the other kind inside: an apostrophe in JSON, and a repr that switched to
        // double quotes because its value holds a single one.
        s("password", r#"<div data-p="{&quot;password&quot;:&quot;it&#39;s-Tr0ub4dor&quot;}">"#.into(), "it&#39;s-Tr0ub4dor"),
        s("password", "<pre>{&#x27;password&#x27;: &quot;Tr0ub&#x27;4dor-3x&quot;}</pre>".into(), "Tr0ub&#x27;4dor-3x"),
        s("api_key", "<pre>{&#x27;api_key&#x27;: &#x27;Q7vL4n&quot;R8sT1wY6zB&#x27;}</pre>".into(), "Q7vL4n&quot;R8sT1wY6zB"),
        s("aws_access_key_id", "AWS_ACCESS_KEY_ID=AKIA2OGYBAH6TJ5WXYZQ".into(), "AKIA2OGYBAH6TJ5WXYZQ"),
        s("aws_access_key_id", r#"{"AccessKeyId":"ASIA2OGYBAH6TJ5WXYZQ"}"#.into(), "ASIA2OGYBAH6TJ5WXYZQ"),
        s("aws_secret_access_key", format!("aws_secret_access_key = {B64_40}\n"), B64_40),
        s("aws_secret_access_key", format!("<SecretAccessKey>{B64_40}</SecretAccessKey>"), B64_40),
        s("aws_session_token", format!("<SessionToken>{sts_token}</SessionToken>"), &sts_token),
        s("aws_session_token", format!(r#"{{"SessionToken": "{sts_token}"}}"#), &sts_token),
        s("stripe_secret_key", "key: sk_live_51HqLyjWDarjtT1zdp7dcQ7vL4nR8sT1wY".into(), "sk_live_51HqLyjWDarjtT1zdp7dcQ7vL4nR8sT1wY"),
        s("stripe_secret_key", "rk_live_51HqLyjWDarjtT1zdp7dcQ7vL4n".into(), "rk_live_51HqLyjWDarjtT1zdp7dcQ7vL4n"),
        s("stripe_webhook_secret", "whsec_Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9".into(), "whsec_Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9"),
        s("github_token", format!("token {}", crc_token("ghp_", R30)), &crc_token("ghp_", R30)),
        s("github_token", crc_token("gho_", R30), &crc_token("gho_", R30)),
        s("github_token", crc_token("ghs_", R30), &crc_token("ghs_", R30)),
        s("github_token", crc_token("ghu_", R30), &crc_token("ghu_", R30)),
        s("github_token", crc_token("ghr_", R30), &crc_token("ghr_", R30)),
        s("github_fine_grained_token", format!("github_pat_11ABCDEFG0123456789abc_{}", "Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2mQ7vL4nR8sT1wY6zB3cF"), &format!("github_pat_11ABCDEFG0123456789abc_{}", "Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2mQ7vL4nR8sT1wY6zB3cF")),
        s("gitlab_token", "glpat-Q7vL4nR8sT1wY6zB3cF5".into(), "glpat-Q7vL4nR8sT1wY6zB3cF5"),
        s("slack_token", "xoxb-284619375012-5830274619384-Qw3rT9yUi0pLk7JhG5fDs2Az".into(), "xoxb-284619375012-5830274619384-Qw3rT9yUi0pLk7JhG5fDs2Az"),
        // Token rotation: a refresh token, and an access token with its `xoxe.` prefix, also
        // as an env line (whose `TOKEN=` key once made it a generic `token`).
        s("slack_token", r#"{"refresh_token":"xoxe-1-My0xLTI4NDYxOTM3NTAxMi1Rdz"}"#.into(), "xoxe-1-My0xLTI4NDYxOTM3NTAxMi1Rdz"),
        s("slack_token", r#"{"user":"U0123","access":"xoxe.xoxp-1-Mi0yLTI4NDYxOTM3NTAxMi05ODc2"}"#.into(), "xoxe.xoxp-1-Mi0yLTI4NDYxOTM3NTAxMi05ODc2"),
        s("slack_token", "SLACK_BOT_TOKEN=xoxe.xoxb-1-Mi0yLTI4NDYxOTM3NTAxMi05ODc2\n".into(), "xoxe.xoxb-1-Mi0yLTI4NDYxOTM3NTAxMi05ODc2"),
        s("slack_webhook", "https://hooks.slack.com/services/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".into(), "T01AB2CD3/B04EF5GH6/Q7vL4nR8sT1wY6zB3cF5gJ0d"),
        s("openai_api_key", format!("OPENAI_API_KEY=sk-proj-{}", "Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2m_x-Y"), "sk-proj-Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2m_x-Y"),
        // The older shape, `T3BlbkFJ` (base64 of `OpenAI`) in the middle; also `sk-` and 48
        // characters, which the generic `ai_api_key` rule would take, but the format comes first.
        s("openai_api_key", r#"{"key": "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"}"#.into(), "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"),
        s("anthropic_api_key", format!("\"{anthropic}\""), &anthropic),
        s("google_api_key", "AIzaSyDQ7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9".into(), "AIzaSyDQ7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9"),
        s("google_oauth_token", "ya29.a0AfH6SMBQ7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9".into(), "ya29.a0AfH6SMBQ7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9"),
        s("google_refresh_token", "1//0gQ7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2mQ7v".into(), "1//0gQ7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2mQ7v"),
        s("google_client_secret", "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".into(), "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"),
        s("private_key", gcp.into(), "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),
        s("private_key", pem.into(), "MIIEowIBAAKCAQEAv7Q2kR9"),
        s("private_key", ossh.into(), "b3BlbnNzaC1rZXktdjEAAAAA"),
        s("private_key", pgp.into(), "lQOYBF9x2kQBCAC7"),
        s("azure_storage_key", format!("DefaultEndpointsProtocol=https;AccountName=x;AccountKey={}==;EndpointSuffix=core.windows.net", B64_40.repeat(2) + "abcdef"), &(B64_40.repeat(2) + "abcdef")),
        s("azure_sas_signature", "https://x.blob.core.windows.net/c/b?sv=2022-11-02&se=2026-01-01&sp=r&sig=Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2m%2Bx%3D".into(), "Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2m%2Bx%3D"),
        s("twilio_auth_token", "TWILIO_AUTH_TOKEN=9f2c1e9a7b6d5c4e3f2a1b0c9d8e7f6a".into(), "9f2c1e9a7b6d5c4e3f2a1b0c9d8e7f6a"),
        s("twilio_auth_token", r#"{"twilioAuthToken": "9f2c1e9a7b6d5c4e3f2a1b0c9d8e7f6a"}"#.into(), "9f2c1e9a7b6d5c4e3f2a1b0c9d8e7f6a"),
        s("twilio_auth_token", "twilio.auth_token = 9f2c1e9a7b6d5c4e3f2a1b0c9d8e7f6a".into(), "9f2c1e9a7b6d5c4e3f2a1b0c9d8e7f6a"),
        s("private_key", format!("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPublic-Lines: 1\nAAAAC3NzaC1lZDI1NTE5AAAAIHx9kP2m\nPrivate-Lines: 1\n{B64_40}\nPrivate-MAC: 4b1d0e\n"), B64_40),
        s("github_token", r#"{"token":"v1.9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"}"#.into(), "v1.9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"),
        s("gitlab_token", "glft-Q7vL4nR8sT1wY6zB3cF5".into(), "glft-Q7vL4nR8sT1wY6zB3cF5"),
        s("gitlab_token", "CI_JOB_TOKEN is glcbt-64_Q7vL4nR8sT1wY6zB3cF5gJ0d".into(), "glcbt-64_Q7vL4nR8sT1wY6zB3cF5gJ0d"),
        s("gitlab_token", "gloas-Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2m".into(), "gloas-Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2m"),
        s("huggingface_token", "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".into(), "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"),
        s("openrouter_api_key", format!("sk-or-v1-{}", "9f86d081884c7d659a2feaa0c55ad015".repeat(2)), &format!("sk-or-v1-{}", "9f86d081884c7d659a2feaa0c55ad015".repeat(2))),
        s("ai_api_key", "DEEPSEEK_KEY sk-9f2c1e9a7b6d5c4e3f2a1b0c9d8e7f6a".into(), "sk-9f2c1e9a7b6d5c4e3f2a1b0c9d8e7f6a"),
        s("groq_api_key", format!("gsk_{}", "Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2mQ7vL4nR8sT1w"), &format!("gsk_{}", "Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2mQ7vL4nR8sT1w")),
        s("xai_api_key", format!("xai-{}", "Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2m".repeat(2)), &format!("xai-{}", "Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2m".repeat(2))),
        s("perplexity_api_key", "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".into(), "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"),
        s("replicate_api_token", "r8_Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9k".into(), "r8_Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9k"),
        s("vault_token", r#"{"auth":{"client_token":"s.Q7vL4nR8sT1wY6zB3cF5gJ0d"}}"#.into(), "s.Q7vL4nR8sT1wY6zB3cF5gJ0d"),
        s("vault_token", "X-Vault-Token: s.Q7vL4nR8sT1wY6zB3cF5gJ0d".into(), "s.Q7vL4nR8sT1wY6zB3cF5gJ0d"),
        s("vault_token", format!("b.AAAAAQ{}", "Kr9x2Lm4Pq7vZ1sT3wY6".repeat(5)), &format!("b.AAAAAQ{}", "Kr9x2Lm4Pq7vZ1sT3wY6".repeat(5))),
        s("sendgrid_api_key", "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".into(), "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"),
        s("npm_token", format!("//registry.npmjs.org/:_authToken={}", crc_token("npm_", R30)), &crc_token("npm_", R30)),
        s("pypi_token", format!("pypi-AgEIcHlwaS5vcmc{}", "Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2m_-".repeat(2)), &format!("pypi-AgEIcHlwaS5vcmc{}", "Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9oHx9kP2m_-".repeat(2))),
        s("huggingface_token", "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".into(), "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"),
        s("vault_token", "X-Vault-Token: hvs.CAESIQ7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9".into(), "hvs.CAESIQ7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9"),
        s("jwt", format!(r#"{{"id_token":"{jwt}"}}"#), jwt),
        s("connection_string_password", "DATABASE_URL=postgres://app:Sup3rS3cret@db:5432/app".into(), "Sup3rS3cret"),
        s("connection_string_password", "mysql://root:Sup3rS3cret@127.0.0.1/x".into(), "Sup3rS3cret"),
        s("connection_string_password", "mongodb+srv://svc:Sup3rS3cret@cluster0.mongodb.net/db".into(), "Sup3rS3cret"),
        s("connection_string_password", "redis://:Sup3rS3cret@cache:6379/0".into(), "Sup3rS3cret"),
        s("connection_string_password", "amqp://guest:Sup3rS3cret@rabbit:5672/".into(), "Sup3rS3cret"),
        s("connection_string_password", "jdbc:mysql://app:Sup3rS3cret@db:3306/x".into(), "Sup3rS3cret"),
        s("password", "jdbc:postgresql://db/x?user=app&password=Sup3rS3cret&ssl=true".into(), "Sup3rS3cret"),
        s("bearer_token", r#"{"headers":{"Authorization":"Bearer 8f2c1e9a7b6d5c4e3f2a"}}"#.into(), "8f2c1e9a7b6d5c4e3f2a"),
        s("basic_credentials", r#""Authorization": "Basic YWxpY2U6czNjcjN0UGFzcw==""#.into(), "YWxpY2U6czNjcjN0UGFzcw=="),
        s("cookie", r#"{"Set-Cookie": "session=8f2c1e9a7b6d5c4e3f2a1b0c"}"#.into(), "8f2c1e9a7b6d5c4e3f2a1b0c"),
        s("password", r#"{"password": "Tr0ub4dor&3"}"#.into(), "Tr0ub4dor&3"),
        s("password", "db:\n  password: Tr0ub4dor-3\n".into(), "Tr0ub4dor-3"),
        s("password", "DB_PASSWORD=Tr0ub4dor3\n".into(), "Tr0ub4dor3"),
        s("password", "/login?user=a&password=Tr0ub4dor3&next=/".into(), "Tr0ub4dor3"),
        s("secret", r#"{"client_secret": "Q7vL4nR8sT1wY6zB"}"#.into(), "Q7vL4nR8sT1wY6zB"),
        s("api_key", "X_API_KEY=Q7vL4nR8sT1wY6zB\n".into(), "Q7vL4nR8sT1wY6zB"),
        s("api_key", r#"apiKey: 'Q7vL4nR8sT1wY6zB'"#.into(), "Q7vL4nR8sT1wY6zB"),
        s("token", r#"{"access_token":"Q7vL4nR8sT1wY6zB3cF5"}"#.into(), "Q7vL4nR8sT1wY6zB3cF5"),
        s("password", r#"{"message":"{\"user\":\"ann\",\"password\": \"Tr0ub4dor-3\"}"}"#.into(), "Tr0ub4dor-3"),
        // A bare value inside a JSON string, with its `/` and `+` escaped (PHP writes every `/`
        // as `\/`, .NET a `+` as `\u002B`): an `.env` file or a log line returned as a string.
        s("secret", r#"{"file":"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI\/K7MDENG\/bPxRfiCYzQ9a8bR2xkLm\nREGION=x"}"#.into(), r"wJalrXUtnFEMI\/K7MDENG\/bPxRfiCYzQ9a8bR2xkLm"),
        s("password", r#"{"log":"connecting with password=Tr0ub4dor\u002B3x\/yz\\retry"}"#.into(), r"Tr0ub4dor\u002B3x\/yz"),
        // Close to the code that names a secret (`code.rs`), and secrets still.
        s("password", "DB_PASSWORD=Xy7q(Lm3\n".into(), "Xy7q(Lm3"),
        s("password", "password: Summer.2024\n".into(), "Summer.2024"),
        s("api_key", "api_key=prod_9f8a7b6c5d4e3f2a\n".into(), "prod_9f8a7b6c5d4e3f2a"),
        s("api_key", r#"{"api_key": "process.env.Q7vL4nR8sT1wY6zB"}"#.into(), "process.env.Q7vL4nR8sT1wY6zB"),
        // Lower-case words set as values (see `plain_value.rs`): an env file, a query string,
        // an XML element, YAML; a passphrase is its whole line.
        s("password", "POSTGRES_USER=app\nPOSTGRES_PASSWORD=postgres\n".into(), "postgres"),
        s("password", "GET /login?user=ann&password=letmein&next=/home".into(), "letmein"),
        s("password", "<user>ann</user><password>admin</password>".into(), "admin"),
        s("password", "<pre>{&quot;user&quot;: &quot;ann&quot;, &quot;password&quot;: &quot;admin&quot;}</pre>".into(), "admin"),
        s("password", "stringData:\n  password: correct horse battery staple\n".into(), "correct horse battery staple"),
        s("password", "db:\n  password: Tr0ub4dor and more  # rotated monthly\n".into(), "Tr0ub4dor and more"),
        // An apostrophe inside a bare value is the value's own.
        s("password", "db:\n  password: it's-a-Secret-99\n".into(), "it's-a-Secret-99"),
        s("password", "DB_PASSWORD=O'Brien-1987\nDB_USER=app\n".into(), "O'Brien-1987"),
        // A long option and its value on a command line, as a CI log or a script shows it.
        s("password", "+ mysql -u root --password Xy7kLm2pQ9zz app < dump.sql".into(), "Xy7kLm2pQ9zz"),
        s("secret", "$ az ad sp create-for-rbac --client-secret 'Q7vL4nR8sT1wY6zB'".into(), "Q7vL4nR8sT1wY6zB"),
        s("token", "run: ./deploy --api-url https://x --auth-token Q7vL4nR8sT1wY6zB3cF5\n".into(), "Q7vL4nR8sT1wY6zB3cF5"),
        s("password", r#"{"containers":[{"name":"api","args":["serve","--db-password","Sup3rS3cret-9","--port","8080"]}]}"#.into(), "Sup3rS3cret-9"),
        // A setting named in one XML attribute and held in the next: .NET's appSettings,
        // Spring's and Ant's properties, an HTML form's filled-in field; also inside JSON.
        s("password", r#"<appSettings><add key="SmtpPassword" value="Xy7#kLm2pQ9z" /></appSettings>"#.into(), "Xy7#kLm2pQ9z"),
        s("secret", r#"<add key='Auth:ClientSecret' value='Q7vL4nR8sT1wY6zB' />"#.into(), "Q7vL4nR8sT1wY6zB"),
        s("api_key", r#"<add key="ApiKey" value="a8f5f167f44f4964e6c998dee827110c"/>"#.into(), "a8f5f167f44f4964e6c998dee827110c"),
        s("password", r#"<property name="db.password" value="Sup3rS3cret"/>"#.into(), "Sup3rS3cret"),
        s("password", r#"<input type="password" name="pw" value="hunter2"> <input name="password" value="Tr0ub4dor3">"#.into(), "Tr0ub4dor3"),
        s("token", r#"{"file":"<add key=\"AuthToken\" value=\"Q7vL4nR8sT1wY6zB3cF5\" />"}"#.into(), "Q7vL4nR8sT1wY6zB3cF5"),
    ]
}

/// Public or placeholder text that looks like secrets and must pass unchanged.
fn negatives() -> Vec<String> {
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==".repeat(4);
    [
        "pk_live_51HqLyjWDarjtT1zdp7dcQ7vL4nR8sT1wY",
        "pk_test_TYooMQauvdEDq54NiTphI7jx",
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkq\n-----END CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----",
        r#"{"keys":[{"kty":"RSA","kid":"abc123","use":"sig","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB"}]}"#,
        "6f1c2a9e-0b7d-4c3e-9a51-2f8e7d6c5b4a",
        "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        r#"{"id":"ch_3MmlLrLkdIwHu7ix0snN0B15","customer":"cus_NffrFeUfNV2Hib","payment_intent":"pi_3MtwBwLkdIwHu7ix28a3tqPa"}"#,
        "Use your secret key, e.g. sk_test_... or sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
        "curl -H 'Authorization: Bearer <token>' -H 'Authorization: Bearer YOUR_API_TOKEN_HERE'",
        "password: ********",
        "api_key: ${API_KEY}",
        r#"{"password": null, "secret": false, "token": "", "passwordless": true}"#,
        "AWS example key AKIAIOSFODNN7EXAMPLE",
        "card ****1234, masked [REDACTED:credential]",
        r#"{"token_type":"Bearer","expires_in":3600,"next_page_token":"CgwI1o2BqgYQ8K3yWBIA"}"#,
        r#"{"usage":{"prompt_tokens":12,"completion_tokens":345,"total_tokens":357},"max_tokens":1024}"#,
        "https://example.com:8080/a/b?c=d and postgres://localhost:5432/db",
        "mailto:someone@example.com",
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7Q2kR9Zx81Kq0PLm3N7vBt2YwR5sA user@host",
        "Reset your password: click the link we sent you.",
        "Use Basic authentication or the Bearer authentication scheme.",
        "task-1234 and desk-5678 are fine",
        "release v1.2.3 and v1.10.0; see s.t. and e.g. s.dir, the sk-learn docs and api_org_settings",
        "Twilio: set twilio_enabled: true and twilioRegion = us1",
        "<p>Forgot your password &amp; username? Tokens &quot;expire&quot; after an hour.</p>",
        "<pre>&lt;password&gt;********&lt;/password&gt; {&quot;password&quot;:null}</pre>",
        "<p>Don&#39;t reuse a password&#39;s hint: the token&#x27;s scope is `read`.</p>",
        "<pre>{&#x27;password&#x27;: &#x27;********&#x27;, &#x27;api_key&#x27;: &#x27;&lt;your-key&gt;&#x27;}</pre>",
        r#"<input type="password" name="password"><label for="password">Password</label>"#,
        r#"{"client_secret_expires_at": 0, "api_key_id": "key_123", "secrets": []}"#,
        "https://github.com/rust-lang/rust/commit/9fceb02d0ae598e95dc970b74767f19372d61af8",
        "ghp_Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4Hxxxxxx",
        "npm_Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H000000",
        r#"{"message":"{\"password\": \"changeme\", \"token\": \"${TOKEN}\", \"passwordless\": true}"}"#,
        // Source code that names a secret: a repository file or an API description's sample,
        // as agents read them.
        "const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY });",
        r#"{"source":"var client = new OpenAIClient(apiKey: Environment.GetEnvironmentVariable(\"OPENAI_API_KEY\"));"}"#,
        "secret = os.environ[\"SECRET\"]\napi_key = os.getenv(\"API_KEY\")\npassword = getpass.getpass()",
        "    def __init__(self, username: str, password: str) -> None: ...",
        "client = Client(aws_access_key=aws_access_key, aws_secret_key=aws_secret_key)",
        r#"return {"api_key": requestor.api_key, "network_token": NetworkToken}"#,
        "stripe.Customer.create(api_key=\"sk_test_123\")\nclient = Anthropic(api_key=\"my-anthropic-api-key\")",
        "environment:\n  - DATABASE_PASSWORD=/run/secrets/db-password\n  - ENV_API_KEY=\"ANTHROPIC_API_KEY\"\n",
        // The same compose file returned as a JSON string with its slashes escaped (PHP).
        r#"{"file":"environment:\n  - DATABASE_PASSWORD=\/run\/secrets\/db-password\n"}"#,
        // Prose after `key: `, capitalised or not.
        "PASSWORD: Set this to the password of the admin account.\nPassword: must be at least 12 characters long",
        "<li>client_secret: Obtained from the OAuth app settings page.</li>",
        "password = pwd\nif password==stored:\n    login(user=u,password=pwd,port=1)",
        "db = connect(\n    host=h,\n    password=pwd\n)\nconst opts = {\n  password: pwd,\n};",
        "class Login:\n    password: bytes | str\n    api_key: str\ninterface Login {\n  password: number\n}",
        "- Password: $POSTGRES_PW (see .env)",
        // Settings whose names only start with a keyword, and empty or placeholder values.
        r#"<add key="PasswordMinLength" value="12345" /><add key="TokenLifetime" value="3600"/>"#,
        r#"<input type="password" name="password" value=""><add key="ApiKey" value="YOUR_API_KEY"/>"#,
        r#"<property name="password" value="${db.password}"/>"#,
        // A command's help and docs naming options.
        // A form's anti-forgery token, which the agent must send back to submit it.
        r#"<input type="hidden" name="authenticity_token" value="Q7vL4nR8sT1wY6zB3cF5gJ0dK2eA7iU9" autocomplete="off"><input type="hidden" name="csrfmiddlewaretoken" value="Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H">"#,
        r#"{"required":["username","password","email"],"args":["--token","--verbose"]}"#,
        "auth:\n  allowEmptyPassword: yes\n  storePassword: off\n",
        "  mysqldump --password --single-transaction --api-key --no-tablespaces db\n",
        "docker service create --secret source=ssh-key,target=ssh --secret secret.json redis\n",
        "Options:\n  --password TEXT      Password for the account\n  --api-key API_KEY  Your key\n  --token <token>\n",
        "Use --password to set it; pass --token with care, or --password-stdin.\ndocker login --password \"$DOCKER_PASSWORD\" --password $(cat /run/secrets/pw)",
        "echo 'password=changeme' | login\nlet token = localStorage.getItem('token');",
        "def verify(payload: str, secret: str):\n    return verify_signature(payload=payload, secret=secret)\nclient = OpenAI(api_key=\"My API Key\")",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("<img src=\"data:image/png;base64,{png}\">")])
    .collect()
}

#[test]
fn corpus_recall_and_false_positives() {
    let p = ScrubPolicy::default();
    let live = Arc::new(LiveSet::empty());
    let pos = positives();
    let mut missed = Vec::new();
    for (kind, text, secret) in &pos {
        let (out, counts) = scrub_all(&p, &live, text.as_bytes());
        let out = String::from_utf8_lossy(&out);
        if out.contains(secret.as_str()) || counts.get(kind) == 0 {
            missed.push(format!("{kind}: {text} -> {out}"));
        }
        // Exactly the secret is replaced: not a byte of its delimiters more, none of it less
        // (these three redact a little more than the corpus names: the whole key block, the
        // webhook path, the key's padding).
        let exact = text.replace(secret.as_str(), &format!("[REDACTED:{kind}]"));
        let wider = ["private_key", "slack_webhook", "azure_storage_key"].contains(kind);
        if counts.total() == 1 && !wider && out != exact {
            missed.push(format!("{kind}: {text} -> {out}, expected {exact}"));
        }
    }
    let neg = negatives();
    let mut fps = Vec::new();
    for text in &neg {
        let (out, counts) = scrub_all(&p, &live, text.as_bytes());
        if counts.total() > 0 {
            fps.push(format!("{text} -> {}", String::from_utf8_lossy(&out)));
        }
    }
    let kinds: std::collections::BTreeSet<&str> = pos.iter().map(|p| p.0).collect();
    println!(
        "scrub corpus: recall {}/{} ({} kinds), false positives {}/{}",
        pos.len() - missed.len(),
        pos.len(),
        kinds.len(),
        fps.len(),
        neg.len()
    );
    assert!(missed.is_empty(), "missed:\n{}", missed.join("\n"));
    assert!(fps.is_empty(), "false positives:\n{}", fps.join("\n"));
}

#[test]
fn every_corpus_secret_split_at_every_offset_is_caught() {
    let p = ScrubPolicy::default();
    let live = Arc::new(LiveSet::empty());
    for (kind, text, _) in positives() {
        assert_every_cut_scrubs_as_whole(&p, &live, text.as_bytes(), kind);
    }
}

/// Pushed in two pieces cut at any offset, `body` comes out as it does whole.
pub fn assert_every_cut_scrubs_as_whole(
    p: &ScrubPolicy,
    live: &Arc<LiveSet>,
    body: &[u8],
    what: &str,
) {
    let (whole, _) = scrub_all(p, live, body);
    for cut in 0..=body.len() {
        let mut s = p.scrubber(live.clone());
        let mut out = Vec::new();
        out.extend_from_slice(
            &s.push(Some(&body[..cut]), false)
                .unwrap()
                .unwrap_or_default(),
        );
        out.extend_from_slice(
            &s.push(Some(&body[cut..]), true)
                .unwrap()
                .unwrap_or_default(),
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&whole),
            "{what} cut at {cut}"
        );
    }
}

/// A one-connection-at-a-time upstream that answers every request with `head` and then writes
/// each of `chunks` as its own HTTP chunk, flushed separately.
fn chunked_upstream(head: &'static str, chunks: Vec<Vec<u8>>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            skip_request_head(&s);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\n{head}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            );
            for c in &chunks {
                let _ = write!(s, "{:x}\r\n", c.len());
                let _ = s.write_all(c);
                let _ = s.write_all(b"\r\n");
                let _ = s.flush();
            }
            let _ = s.write_all(b"0\r\n\r\n");
        }
    });
    port
}

fn route_with(handle: &str, port: u16, secret: &SecretFile, scrub: &str) -> String {
    format!(
        "{}scrub:\n{scrub}\n",
        route(handle, port, BEARER, &secret.credential(), ALLOW_ALL)
    )
}

#[test]
fn event_stream_with_tokens_split_across_flushes_and_events() {
    let gh = crc_token("ghp_", R30);
    let live = "live-credential-for-sse-123";
    let events = format!(
        concat!(
            "data: {{\"delta\":\"your key is {}\"}}\n\n",
            "data: {{\"delta\":\"{} and pg postgres://u:Sup3rS3cret@db/x\"}}\n\n",
            "data: {{\"delta\":\", echo {}\"}}\n\n",
            "data: {{\"delta\":\"{}.\"}}\n\n",
        ),
        &gh[..10],
        &gh[10..],
        &live[..9],
        &live[9..],
    );
    // One flush per 7 bytes: every secret straddles several flushes, and the GitHub token and
    // the live credential each straddle two events.
    let chunks: Vec<Vec<u8>> = events.as_bytes().chunks(7).map(<[u8]>::to_vec).collect();
    let port = chunked_upstream("Content-Type: text/event-stream\r\n", chunks.clone());
    let secret = SecretFile::new(live);
    let cg = Credgate::start(
        &[(
            "s.yaml",
            route_with("SSE", port, &secret, "  replacement: kind"),
        )],
        "",
    );
    let r = cg.via("SSE", &format!("http://127.0.0.1:{port}/events"));
    assert_eq!(r.status, 200);
    let deltas: String = r
        .body
        .split("\n\n")
        .filter_map(|e| e.strip_prefix("data: "))
        .map(|d| {
            let v: serde_json::Value = serde_json::from_str(d).unwrap();
            v["delta"].as_str().unwrap().to_string()
        })
        .collect();
    // What the agent assembles holds each secret as one redaction, and no piece of any.
    assert_eq!(
        deltas,
        "your key is [REDACTED:github_token] and pg postgres://u:[REDACTED:connection_string_password]@db/x, echo [REDACTED:credential]."
    );
    for piece in [&gh[..10], &gh[10..], &live[..9], &live[9..], "Sup3rS3cret"] {
        assert!(!r.body.contains(piece), "{piece}: {}", r.body);
    }
    let line = &cg.audit_n(1)[0];
    assert_eq!(line["redactions_by_kind"]["github_token"], 1, "{line}");
    assert_eq!(line["redactions_by_kind"]["connection_string_password"], 1);
    assert_eq!(line["redactions_by_kind"]["credential"], 1);
    assert_eq!(line["scrub"], "scanned_events");

    // `event_streams: per_event` is the route's explicit choice of latency over reassembly.
    let port2 = chunked_upstream("Content-Type: text/event-stream\r\n", chunks);
    let cg2 = Credgate::start(
        &[(
            "s.yaml",
            route_with("SSE", port2, &secret, "  event_streams: per_event"),
        )],
        "",
    );
    let r2 = cg2.via("SSE", &format!("http://127.0.0.1:{port2}/events"));
    assert!(r2.body.contains(&gh[10..]), "{}", r2.body);
    assert_eq!(cg2.audit_n(1)[0]["scrub"], "scanned");
}

#[test]
fn pattern_redactions_through_the_proxy_by_kind_with_route_options() {
    let gh = crc_token("ghp_", R30);
    let body =
        format!("{{\"new_key\":\"{gh}\",\"acme\":\"acme_0123456789abcdef\",\"ok\":\"ch_3Mml\"}}");
    let chunks: Vec<Vec<u8>> = body.as_bytes().chunks(5).map(<[u8]>::to_vec).collect();
    let port = chunked_upstream(
        "Content-Type: application/json\r\nX-Debug: token=Q7vL4nR8sT1wY6zB3cF5\r\n",
        chunks,
    );
    let secret = SecretFile::new("live-credential-for-json-123");
    let scrub = "  replacement: keep_prefix\n  extra_patterns:\n    - {kind: acme_key, regex: 'acme_[a-z0-9]{16}', keep_prefix: 5}";
    let cg = Credgate::start(&[("j.yaml", route_with("JSON", port, &secret, scrub))], "");
    let r = cg.via("JSON", &format!("http://127.0.0.1:{port}/keys"));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        "{\"new_key\":\"ghp_[REDACTED:github_token]\",\"acme\":\"acme_[REDACTED:acme_key]\",\"ok\":\"ch_3Mml\"}"
    );
    assert_eq!(r.header("x-debug"), Some("token=[REDACTED:token]"));
    let line = &cg.audit_n(1)[0];
    assert_eq!(line["redactions_by_kind"]["github_token"], 1, "{line}");
    assert_eq!(line["redactions_by_kind"]["acme_key"], 1);
    assert_eq!(line["redactions_by_kind"]["token"], 1);
    assert_eq!(line["redactions"], 3);
    let m = cg.metrics();
    assert!(
        m.contains("credgate_scrub_redactions_total{kind=\"github_token\",location=\"body\"} 1"),
        "{m}"
    );
    assert!(m.contains("credgate_scrub_redactions_total{kind=\"token\",location=\"header\"} 1"));
}

#[test]
fn binary_types_a_route_skips_pass_through_and_are_audited() {
    let secret = SecretFile::new("live-credential-for-png-123");
    let port = httpbin().port();
    let cg = Credgate::start(
        &[(
            "b.yaml",
            route_with("BIN", port, &secret, "  skip_content_types: [image/*]"),
        )],
        "",
    );
    let r = cg.via("BIN", &format!("http://127.0.0.1:{port}/image/png"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert!(
        r.header("content-length").is_some(),
        "unchanged body keeps its length"
    );
    assert_eq!(cg.audit_n(1)[0]["scrub"], "body_skipped");
}

#[test]
fn httpbin_redirect_and_drip_through_the_engine() {
    let secret = SecretFile::new("ghp_EchoedBackByUpstream1234567890abcd");
    let port = httpbin().port();
    let cg = Credgate::start(
        &[(
            "h.yaml",
            route_with("HB", port, &secret, "  packs: [default]"),
        )],
        "",
    );
    // A redirect whose target carries a token-shaped value, partly percent-encoded.
    let gh = crc_token("ghp_", R30);
    let target = format!("https://evil.example/cb?k={}", gh.replacen('Z', "%5A", 1));
    let enc: String = target.bytes().map(|b| format!("%{b:02X}")).collect();
    let r = cg.via(
        "HB",
        &format!("http://127.0.0.1:{port}/redirect-to?url={enc}"),
    );
    assert_eq!(r.status, 302);
    let loc = r.header("location").unwrap();
    assert!(!loc.contains("x81Kq0PLm3N7"), "{loc}");
    assert!(loc.contains("[REDACTED:github_token]"), "{loc}");
    // /drip streams bytes slowly; nothing to redact, nothing lost.
    let r = cg.via(
        "HB",
        &format!("http://127.0.0.1:{port}/drip?numbytes=50&duration=0.2&delay=0"),
    );
    assert_eq!((r.status, r.body.len()), (200, 50));
    assert_eq!(r.body, "*".repeat(50));
}

#[test]
fn an_endless_private_key_block_fails_closed_through_the_proxy() {
    let mut chunks = vec![b"ok -----BEGIN PRIVATE KEY-----\n".to_vec()];
    chunks.extend(std::iter::repeat_n(vec![b'A'; 8192], 20));
    fails_closed_through_the_proxy(chunks, "keys", "AAAAAAAA", "scrub_overflow");
}

/// A value repeating its own key thousands of times (each copy a candidate turned down by its
/// check) fails closed on the scrubber's work budget, with its own reason.
#[test]
fn a_value_repeating_its_key_fails_closed_on_the_work_budget() {
    let chunks = std::iter::repeat_n(format!("{} \n", "token=".repeat(10_000)).into_bytes(), 8);
    fails_closed_through_the_proxy(chunks.collect(), "keywords", "token=token=", "scrub_budget");
}

/// Sends `chunks` through a route scrubbing with `pack`: the response fails before `absent`
/// gets out, and the audit line names `reason`.
fn fails_closed_through_the_proxy(chunks: Vec<Vec<u8>>, pack: &str, absent: &str, reason: &str) {
    let port = chunked_upstream("Content-Type: text/plain\r\n", chunks);
    let secret = SecretFile::new("live-credential-for-pem-123");
    let cg = Credgate::start(
        &[(
            "p.yaml",
            route_with("PEM", port, &secret, &format!("  packs: [{pack}]")),
        )],
        "",
    );
    let out = std::process::Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "20",
            "-x",
            &cg.alice(),
            "-H",
            "X-Cred-Handle: PEM",
        ])
        .arg(format!("http://127.0.0.1:{port}/key"))
        .output()
        .unwrap();
    let body = String::from_utf8_lossy(&out.stdout);
    assert!(!body.contains(absent), "withheld: {body}");
    let line = &cg.audit_n(1)[0];
    // Failing before the response head went out, credgate answers 502 with the reason;
    // after, it aborts the stream.
    assert!(
        !out.status.success() || body.contains(&format!("\"{reason}\"")),
        "the stream is aborted, not ended cleanly: {line}: {body}"
    );
    assert_eq!(line["scrub"], "failed_closed", "{line}");
    assert_eq!(line["redactions_by_kind"][reason], 1);
    assert_eq!(line["decision"], "error", "{line}");
    assert_eq!(line["reason"], reason, "{line}");
}

/// Run by hand: `cargo test --release --test it -- --ignored one_gib --nocapture`.
#[test]
#[ignore]
fn one_gib_streams_through_with_bounded_memory() {
    const TOTAL: usize = 1 << 30;
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((mut s, _)) = l.accept() else { return };
        skip_request_head(&s);
        let rec = br#"{"id":"ch_3MmlLrLkdIwHu7ix0snN0B15","object":"charge","amount":1099,"url":"https://example.com/o/1"},"#;
        let block: Vec<u8> = rec.iter().copied().cycle().take(64 << 10).collect();
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {TOTAL}\r\n\r\n"
        );
        for _ in 0..TOTAL / block.len() {
            if s.write_all(&block).is_err() {
                return;
            }
        }
    });
    let secret = SecretFile::new("live-credential-for-gib-123");
    let cg = Credgate::start(
        &[(
            "g.yaml",
            route_with("GIB", port, &secret, "  packs: [default]"),
        )],
        "",
    );
    let rss = || {
        let s = std::fs::read_to_string("/proc/self/status").unwrap();
        let kb = |k: &str| -> u64 {
            s.lines()
                .find(|l| l.starts_with(k))
                .unwrap()
                .split_whitespace()
                .nth(1)
                .unwrap()
                .parse()
                .unwrap()
        };
        (kb("VmRSS:"), kb("VmHWM:"))
    };
    let (before, _) = rss();
    let mut c = TcpStream::connect(cg.proxy).unwrap();
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("alice:{ALICE_KEY}"));
    write!(c, "GET http://127.0.0.1:{port}/big HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nProxy-Authorization: Basic {auth}\r\nX-Cred-Handle: GIB\r\nConnection: close\r\n\r\n").unwrap();
    let started = std::time::Instant::now();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0usize;
    let mut peak = before;
    loop {
        let k = c.read(&mut buf).unwrap();
        if k == 0 {
            break;
        }
        n += k;
        if n % (64 << 20) < k {
            peak = peak.max(rss().0);
        }
    }
    let (_, hwm) = rss();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "1 GiB through credgate: received {n} bytes in {secs:.1}s ({:.0} MiB/s); RSS before {} MiB, peak sampled {} MiB, VmHWM {} MiB, growth {} MiB",
        n as f64 / secs / 1048576.0,
        before / 1024,
        peak / 1024,
        hwm / 1024,
        (peak.max(hwm) - before) / 1024
    );
    assert!(n > TOTAL, "whole body received (plus chunk framing)");
    assert!(
        (peak - before) < 64 * 1024,
        "RSS grew by {} KiB",
        peak - before
    );
}
