//! What comes back is scrubbed of every injected credential: echoed in JSON (httpbin
//! `/headers`), gzip- and brotli-encoded, streamed, split across flushes, in response headers.

use crate::harness::*;
use crate::upstream::Upstream;

const SECRET: &str = "ghp_EchoedBackByUpstream1234567890abcd";

fn httpbin_route(secret: &SecretFile) -> (&'static str, String) {
    let port = httpbin().port();
    (
        "httpbin.yaml",
        route("HTTPBIN", port, BEARER, &secret.credential(), ALLOW_ALL),
    )
}

fn get(cg: &Credgate, path: &str) -> Resp {
    cg.via(
        "HTTPBIN",
        &format!("http://127.0.0.1:{}{path}", httpbin().port()),
    )
}

#[test]
fn httpbin_echoes_are_scrubbed_in_every_encoding() {
    let secret = SecretFile::new(SECRET);
    let cg = Credgate::start(&[httpbin_route(&secret)], "");
    for path in ["/headers", "/gzip", "/brotli", "/stream/5", "/anything?x=1"] {
        let r = get(&cg, path);
        assert_eq!(r.status, 200, "{path}: {}", r.raw());
        assert!(!r.raw().contains(SECRET), "{path} leaked: {}", r.raw());
        assert!(
            r.body.contains("Bearer [REDACTED:credential]"),
            "{path}: the echo was there and was scrubbed: {}",
            r.body
        );
        assert_eq!(
            r.header("content-encoding"),
            None,
            "{path}: decoded before scanning"
        );
    }
    // /stream/5 echoes the header five times: five redactions in its audit line.
    let lines = cg.audit_n(5);
    let stream = lines.iter().find(|l| l["path"] == "/stream/5").unwrap();
    assert_eq!(stream["redactions"], 5);
    // deflate cannot be decoded here: withheld, not passed through unscanned.
    let r = get(&cg, "/deflate");
    assert_eq!(
        (r.status, r.reason().as_str()),
        (502, "undecodable_content_encoding")
    );
    assert!(!r.raw().contains(SECRET));
}

#[test]
fn response_headers_are_scrubbed() {
    let secret = SecretFile::new(SECRET);
    let cg = Credgate::start(&[httpbin_route(&secret)], "");
    // httpbin sets whatever response headers it is asked to: as an upstream leaking the key would.
    let r = get(
        &cg,
        &format!("/response-headers?X-Leak=token%20{SECRET}&Set-Cookie=s%3D{SECRET}&X-Fine=ok"),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("x-leak"),
        Some("token [REDACTED:credential]"),
        "{}",
        r.raw()
    );
    assert_eq!(r.header("set-cookie"), Some("s=[REDACTED:credential]"));
    assert_eq!(r.header("x-fine"), Some("ok"));
    assert!(!r.raw().contains(SECRET));
    assert!(cg
        .metrics()
        .contains("credgate_scrub_redactions_total{kind=\"credential\",location=\"header\"}"));
}

#[test]
fn a_secret_split_across_flushes_is_caught() {
    let up = Upstream::start();
    let secret = SecretFile::new(SECRET);
    let cg = Credgate::start(
        &[(
            "u.yaml",
            route("UP", up.port(), BEARER, &secret.credential(), ALLOW_ALL),
        )],
        "",
    );
    let r = cg.via("UP", &format!("http://127.0.0.1:{}/split", up.port()));
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "start [REDACTED:credential] end");
    let r = cg.via("UP", &format!("http://127.0.0.1:{}/hdr", up.port()));
    assert_eq!(
        r.header("x-echo-auth"),
        Some("Bearer [REDACTED:credential]")
    );
    assert_eq!(
        r.header("set-cookie"),
        Some("session=[REDACTED:credential]; HttpOnly")
    );
    assert_eq!(r.header("x-plain"), Some("nothing to see"));
}

/// A repository file as GitHub's contents API returns it, base64 in JSON with `\n` every 60
/// characters, through a route with `base64: decode`: the AWS key inside it is redacted with its
/// whole run, the file beside it that holds none comes back as sent, and the JSON stays valid
/// (parsed here by Python's `json`).
#[test]
fn a_key_inside_a_base64_file_is_redacted() {
    let up = Upstream::start();
    let secret = SecretFile::new(SECRET);
    let cg = decoding_base64(&up, &secret);
    let out = python_get(
        &cg,
        &format!("http://127.0.0.1:{}/contents", up.port()),
        r#"
import base64
files = r.json()
print(files[0]["content"])
print(base64.b64decode(files[1]["content"]).decode().splitlines()[0])
"#,
    );
    assert_eq!(out, "[REDACTED:aws_access_key_id]\n\n# Project\n", "{out}");
    let line = &cg.audit_n(1)[0];
    assert_eq!(line["redactions_by_kind"]["aws_access_key_id"], 1, "{line}");
    // A route that does not ask for decoding (the default) gets the file as sent.
    let cg = Credgate::start(
        &[(
            "u.yaml",
            route("UP", up.port(), BEARER, &secret.credential(), ALLOW_ALL),
        )],
        "",
    );
    let r = cg.via("UP", &format!("http://127.0.0.1:{}/contents", up.port()));
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("REDACTED"), "{}", r.body);
}

/// A raw e-mail (`message/rfc822`, as mail APIs return one) with a `.env` attachment in base64
/// wrapped at 76 characters, the Stripe key in it cut by a line break, through a route with
/// `base64: decode`: the attachment is redacted whole and the message still parses (Python's
/// `email`), with the rest of it as sent. Before runs were joined over line breaks, the
/// line after the break went out and decoded to most of the key.
#[test]
fn a_key_in_a_wrapped_mail_attachment_is_redacted() {
    let up = Upstream::start();
    let secret = SecretFile::new(SECRET);
    let cg = decoding_base64(&up, &secret);
    let out = python_get(
        &cg,
        &format!("http://127.0.0.1:{}/message", up.port()),
        r#"
import email
msg = email.message_from_bytes(r.content)
for part in msg.walk():
    if part.get_filename() == ".env":
        print(part.get_payload().strip())
    elif part.get_content_type() == "text/plain":
        print(part.get_payload().strip())
"#,
    );
    assert_eq!(out, "Attached.\n[REDACTED:stripe_secret_key]\n", "{out}");
    let line = &cg.audit_n(1)[0];
    assert_eq!(line["redactions_by_kind"]["stripe_secret_key"], 1, "{line}");
}

/// credgate with one route to `up` that decodes base64 runs (`scrub: base64: decode`).
fn decoding_base64(up: &Upstream, secret: &SecretFile) -> Credgate {
    Credgate::start(
        &[(
            "u.yaml",
            format!(
                "{}scrub:\n  base64: decode\n",
                route("UP", up.port(), BEARER, &secret.credential(), ALLOW_ALL)
            ),
        )],
        "",
    )
}

/// Runs Python with `r`, the response to a `requests.get(url)` for handle `UP` through `cg` as
/// alice, then `then`; returns what it printed.
fn python_get(cg: &Credgate, url: &str, then: &str) -> String {
    let script = format!(
        "import os, requests\nr = requests.get(os.environ[\"URL\"], headers={{\"X-Cred-Handle\": \"UP\"}}, proxies={{\"http\": os.environ[\"PROXY\"]}})\n{then}"
    );
    python(&script, &[("URL", url), ("PROXY", &cg.alice())])
}
