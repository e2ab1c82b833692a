//! The request path end to end: authentication, forward and reverse mode, placeholders,
//! injection kinds, destination binding, failures that fail closed, TLS with a route CA.

use crate::harness::*;
use crate::upstream::{TestCa, Upstream};

const SECRET: &str = "sk_live_51InjectedSecretValue0042";

fn stripe_like(up: &Upstream, secret: &SecretFile) -> Vec<(&'static str, String)> {
    vec![(
        "echo.yaml",
        route("ECHO", up.port(), BEARER, &secret.credential(), ALLOW_ALL),
    )]
}

#[test]
fn upstream_gets_the_credential_and_the_agent_sees_none_of_it() {
    let up = Upstream::start();
    let secret = SecretFile::new(SECRET);
    let cg = Credgate::start(&stripe_like(&up, &secret), "");
    let target = format!("http://127.0.0.1:{}/echo?q=1", up.port());
    let r = curl(&[
        "-x",
        &cg.alice(),
        "-H",
        "X-Cred-Handle: ECHO",
        "-H",
        "Authorization: Bearer agent-own",
        &target,
    ]);
    assert_eq!(r.status, 200, "{}", r.raw());
    // The upstream got exactly the injected credential, and none of the agent-only headers.
    let seen = up.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].header("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    assert_eq!(seen[0].header("x-cred-handle"), None);
    assert_eq!(seen[0].header("proxy-authorization"), None);
    assert_eq!(seen[0].uri, "/echo?q=1", "origin-form, query kept");
    assert_eq!(
        seen[0].header("host"),
        Some(format!("127.0.0.1:{}", up.port()).as_str())
    );
    // The upstream echoed it (raw and base64); the agent sees only redactions.
    assert!(!r.raw().contains(SECRET), "{}", r.raw());
    assert!(
        !r.raw().contains("c2tfbGl2ZV81MUluamVjdGVk"),
        "base64 form leaked: {}",
        r.raw()
    );
    assert!(r.body.contains("[REDACTED:credential]"));
    // One audit line, naming the decision, and no secret anywhere credgate wrote.
    let id = r.header("x-credgate-request-id");
    assert!(id.is_none(), "request id header is only on refusals");
    let audit = cg.audit_n(1);
    assert_eq!(audit.len(), 1);
    let a = &audit[0];
    assert_eq!(a["decision"], "allow");
    assert_eq!(a["agent"], "alice");
    assert_eq!(a["handle"], "ECHO");
    assert_eq!(a["rule"], "all");
    assert_eq!(a["path"], "/echo?q=*");
    assert_eq!(a["status"], 200);
    assert_eq!(a["upstream_status"], 200);
    assert_eq!(a["credential_source"], "file");
    assert!(a["redactions"].as_u64().unwrap() >= 2);
    let written = cg.everything_written();
    assert!(!written.contains(SECRET));
    assert!(!written.contains(ALICE_KEY));
    assert!(written.contains(
        "credgate_requests_total{decision=\"allow\",handle=\"ECHO\",status_class=\"2xx\"} 1"
    ));
    assert!(
        written.contains("credgate_scrub_redactions_total{kind=\"credential\",location=\"body\"}")
    );
}

#[test]
fn python_requests_through_http_proxy_with_the_handle_as_api_key() {
    let up = Upstream::start();
    let secret = SecretFile::new(SECRET);
    let cg = Credgate::start(&stripe_like(&up, &secret), "");
    // An unmodified SDK: it puts its "API key" (the handle) in Authorization and uses HTTP_PROXY.
    let out = python(
        r#"
import os, requests
r = requests.get(os.environ["TARGET"], headers={"Authorization": "Bearer ECHO"})
print(r.status_code)
print(r.text)
"#,
        &[
            ("HTTP_PROXY", &cg.alice()),
            ("TARGET", &format!("http://127.0.0.1:{}/echo", up.port())),
        ],
    );
    assert!(out.starts_with("200\n"), "{out}");
    assert!(!out.contains(SECRET));
    assert_eq!(
        up.seen()[0].header("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
}

#[test]
fn reverse_mode_uses_the_routes_upstream() {
    let up = Upstream::start();
    let secret = SecretFile::new(SECRET);
    let cg = Credgate::start(&stripe_like(&up, &secret), "");
    let r = curl(&[
        "-H",
        &format!(
            "Proxy-Authorization: Basic {}",
            b64(&format!("alice:{ALICE_KEY}"))
        ),
        "-H",
        "X-Cred-Handle: ECHO",
        &format!("http://{}/hello?x=1", cg.proxy),
    ]);
    assert_eq!(r.status, 200, "{}", r.raw());
    assert_eq!(r.body, "upstream-ok");
    assert_eq!(up.seen()[0].uri, "/hello?x=1");
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn injection_kinds_basic_header_query() {
    let up = Upstream::start();
    let secret = SecretFile::new(SECRET);
    let routes = vec![
        (
            "b.yaml",
            route(
                "BASIC",
                up.port(),
                "  kind: basic\n  username: svc",
                &secret.credential(),
                ALLOW_ALL,
            ),
        ),
        (
            "h.yaml",
            route(
                "HDR",
                up.port(),
                "  kind: header\n  name: X-Api-Key\n  prefix: \"Token \"",
                &secret.credential(),
                ALLOW_ALL,
            ),
        ),
        (
            "q.yaml",
            route(
                "QRY",
                up.port(),
                "  kind: query\n  param: api_key",
                &secret.credential(),
                ALLOW_ALL,
            ),
        ),
    ];
    let cg = Credgate::start(&routes, "");
    let base = format!("http://127.0.0.1:{}", up.port());

    let r = cg.via("BASIC", &format!("{base}/echo"));
    assert_eq!(r.status, 200);
    assert_eq!(
        up.seen()[0].header("authorization"),
        Some(format!("Basic {}", b64(&format!("svc:{SECRET}"))).as_str())
    );
    assert!(
        !r.body.contains(&b64(&format!("svc:{SECRET}"))),
        "{}",
        r.body
    );

    // The placeholder sits where the SDK puts its key: the custom header itself.
    let r = curl(&[
        "-x",
        &cg.alice(),
        "-H",
        "X-Api-Key: HDR",
        &format!("{base}/echo"),
    ]);
    assert_eq!(r.status, 200, "{}", r.raw());
    assert_eq!(
        up.seen()[1].header("x-api-key"),
        Some(format!("Token {SECRET}").as_str())
    );
    assert!(!r.body.contains(SECRET));

    // Query placeholder: the agent's api_key=QRY is replaced, never duplicated.
    let r = curl(&["-x", &cg.alice(), &format!("{base}/echo?a=1&api_key=QRY")]);
    assert_eq!(r.status, 200, "{}", r.raw());
    let uri = &up.seen()[2].uri;
    assert_eq!(uri.matches("api_key=").count(), 1, "{uri}");
    assert!(uri.starts_with("/echo?a=1&api_key=sk_live_51"), "{uri}");
    assert!(!r.body.contains(SECRET), "{}", r.body);
    // The audit never records the query value.
    assert_eq!(cg.audit_n(3).len(), 3);
    assert!(!std::fs::read_to_string(cg.path("audit.log"))
        .unwrap()
        .contains(SECRET));
}

#[test]
fn a_handle_is_never_sent_to_a_host_its_route_does_not_bind() {
    let up = Upstream::start();
    let other = Upstream::start();
    let secret = SecretFile::new(SECRET);
    let cg = Credgate::start(&stripe_like(&up, &secret), "");
    for target in [
        format!("http://127.0.0.1:{}/echo", other.port()), // same host, other port
        format!("http://localhost:{}/echo", up.port()),    // same address, other name
        "http://evil.example/echo".to_string(),
        format!("http://127.0.0.1.:{}/x", other.port()),
    ] {
        let r = cg.via("ECHO", &target);
        assert_eq!(
            (r.status, r.reason().as_str()),
            (403, "destination_not_bound"),
            "{target}"
        );
        assert_eq!(r.json()["handle"], "ECHO");
    }
    assert!(other.seen().is_empty(), "nothing was forwarded");
    assert!(up.seen().is_empty());
}

#[test]
fn proxy_authentication_and_brute_force_limit() {
    let up = Upstream::start();
    let secret = SecretFile::new(SECRET);
    let cg = Credgate::start(
        &stripe_like(&up, &secret),
        "limits:\n  auth_failures_per_minute: 3\n",
    );
    let target = format!("http://127.0.0.1:{}/echo", up.port());
    let r = curl(&[
        "-x",
        &format!("http://{}", cg.proxy),
        "-H",
        "X-Cred-Handle: ECHO",
        &target,
    ]);
    assert_eq!(r.status, 407);
    assert_eq!(
        r.header("proxy-authenticate"),
        Some("Basic realm=\"credgate\"")
    );
    assert_eq!(r.reason(), "missing_proxy_authorization");
    for _ in 0..3 {
        let r = curl(&[
            "-x",
            &cg.proxy_url("alice", "wrong"),
            "-H",
            "X-Cred-Handle: ECHO",
            &target,
        ]);
        assert_eq!(
            (r.status, r.reason().as_str()),
            (407, "bad_agent_credentials")
        );
    }
    // The allowance is used up: even the right key is refused from this address for a while.
    let r = cg.via("ECHO", &target);
    assert_eq!((r.status, r.reason().as_str()), (429, "auth_rate_limited"));
    assert_eq!(r.header("retry-after"), Some("60"));
    assert!(up.seen().is_empty());
    let m = cg.metrics();
    assert!(
        m.contains("credgate_auth_failures_total{reason=\"bad_agent_credentials\"} 3"),
        "{m}"
    );
    assert!(m.contains("credgate_auth_failures_total{reason=\"rate_limited\"} 1"));
    let audit = cg.audit_n(5);
    assert_eq!(audit.len(), 5);
    assert!(!std::fs::read_to_string(cg.path("audit.log"))
        .unwrap()
        .contains("wrong"));
}

#[test]
fn credential_failures_fail_closed_and_recover() {
    let up = Upstream::start();
    let secret = SecretFile::new(SECRET);
    let missing = secret.path.with_file_name("not-yet");
    let yaml = route(
        "LATE",
        up.port(),
        BEARER,
        &format!(
            "  source: file\n  path: {}\n  refresh: 1s",
            missing.display()
        ),
        ALLOW_ALL,
    );
    let cg = Credgate::start(&[("late.yaml", yaml)], "");
    let target = format!("http://127.0.0.1:{}/echo", up.port());
    let r = cg.via("LATE", &target);
    assert_eq!(
        (r.status, r.reason().as_str()),
        (503, "credential_unavailable")
    );
    assert_eq!(r.json()["handle"], "LATE");
    assert!(
        up.seen().is_empty(),
        "never forwarded without its credential"
    );
    // The secret appears (e.g. a Secret mounted late): the next request works.
    std::fs::write(&missing, "late-secret-value-123\n").unwrap();
    let r = cg.via("LATE", &target);
    assert_eq!(r.status, 200, "{}", r.raw());
    assert_eq!(
        up.seen()[0].header("authorization"),
        Some("Bearer late-secret-value-123")
    );
    assert!(cg.metrics().contains("credgate_credential_resolutions_total{handle=\"LATE\",result=\"unavailable\",source=\"file\"} 1"));
}

#[test]
fn upstream_failures_map_to_precise_statuses() {
    let up = Upstream::start();
    let secret = SecretFile::new(SECRET);
    let dead_port = free_port();
    let routes = vec![
        (
            "echo.yaml",
            route("ECHO", up.port(), BEARER, &secret.credential(), ALLOW_ALL),
        ),
        (
            "dead.yaml",
            route("DEAD", dead_port, BEARER, &secret.credential(), ALLOW_ALL),
        ),
    ];
    let cg = Credgate::start(&routes, "upstream:\n  read_timeout: 1s\n");
    let r = cg.via("DEAD", &format!("http://127.0.0.1:{dead_port}/"));
    assert_eq!(
        (r.status, r.reason().as_str()),
        (502, "upstream_unreachable"),
        "{}",
        r.raw()
    );
    let r = cg.via("ECHO", &format!("http://127.0.0.1:{}/hang", up.port()));
    assert_eq!(
        (r.status, r.reason().as_str()),
        (504, "upstream_timeout"),
        "{}",
        r.raw()
    );
    // An encoding credgate cannot decode is withheld, never passed through unscanned.
    let r = cg.via("ECHO", &format!("http://127.0.0.1:{}/deflate", up.port()));
    assert_eq!(
        (r.status, r.reason().as_str()),
        (502, "undecodable_content_encoding"),
        "{}",
        r.raw()
    );
    let lines = cg.audit_n(3);
    assert_eq!(lines.len(), 3);
    for line in lines {
        assert!(line["status"].as_u64().unwrap() >= 500);
        assert_eq!(line["decision"], "error");
    }
}

#[test]
fn redirects_are_passed_back_not_followed_and_location_is_scrubbed() {
    let up = Upstream::start();
    let secret = SecretFile::new(SECRET);
    let cg = Credgate::start(&stripe_like(&up, &secret), "");
    let r = cg.via("ECHO", &format!("http://127.0.0.1:{}/redirect", up.port()));
    assert_eq!(r.status, 302);
    let loc = r.header("location").unwrap();
    assert!(loc.starts_with("http://evil.example/collect?t="), "{loc}");
    assert!(!loc.contains(SECRET), "{loc}");
    assert_eq!(up.seen().len(), 1, "credgate did not follow the redirect");
}

#[test]
fn tls_upstream_with_a_per_route_ca() {
    let ca = TestCa::new();
    let up = Upstream::start_tls(&ca);
    let secret = SecretFile::new(SECRET);
    let ca_dir = tempfile::tempdir().unwrap();
    let ca_file = ca_dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca.ca_pem).unwrap();
    let tls_route = |handle: &str, ca: Option<&std::path::Path>| {
        format!(
            "handle: {handle}\nupstream:\n  scheme: https\n  hosts: [127.0.0.1]\n  port: {}\n  allow_private: true\n{}agents: [alice]\ncredential:\n{}\ninject:\n  kind: bearer\nrules:\n{ALLOW_ALL}\n",
            up.port(),
            ca.map(|p| format!("  ca_file: {}\n", p.display())).unwrap_or_default(),
            secret.credential()
        )
    };
    let cg = Credgate::start(
        &[
            ("tls.yaml", tls_route("TLS", Some(&ca_file))),
            ("sys.yaml", tls_route("SYSROOTS", None)),
        ],
        "",
    );
    // The agent speaks plain HTTP to credgate; credgate speaks TLS to the upstream.
    let r = cg.via("TLS", &format!("http://127.0.0.1:{}/echo", up.port()));
    assert_eq!(r.status, 200, "{}", r.raw());
    assert_eq!(
        up.seen()[0].header("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    assert!(!r.body.contains(SECRET));
    // Without the route's CA the test CA is not trusted: refused before any request is sent.
    let r = cg.via("SYSROOTS", &format!("http://127.0.0.1:{}/echo", up.port()));
    assert_eq!(
        (r.status, r.reason().as_str()),
        (502, "upstream_tls_error"),
        "{}",
        r.raw()
    );
    assert_eq!(up.seen().len(), 1);
}

#[test]
fn connect_tunnels_are_refused_with_a_reason() {
    let up = Upstream::start();
    let secret = SecretFile::new(SECRET);
    let cg = Credgate::start(&stripe_like(&up, &secret), "");
    let r = curl(&[
        "-p",
        "-x",
        &cg.alice(),
        "-H",
        "X-Cred-Handle: ECHO",
        &format!("https://127.0.0.1:{}/echo", up.port()),
    ]);
    assert_eq!(r.status, 405, "{}", r.raw());
    let audit = cg.audit_n(1);
    assert_eq!(audit[0]["reason"], "connect_not_supported");
    assert_eq!(audit[0]["method"], "CONNECT");
    assert!(up.seen().is_empty());
}

#[test]
fn head_answers_keep_their_content_length() {
    let up = Upstream::start();
    let secret = SecretFile::new(SECRET);
    let cg = Credgate::start(&stripe_like(&up, &secret), "");
    let r = curl(&[
        "-I",
        "-x",
        &cg.alice(),
        "-H",
        "X-Cred-Handle: ECHO",
        &format!("http://127.0.0.1:{}/plain", up.port()),
    ]);
    assert_eq!(r.status, 200, "{}", r.raw());
    assert_eq!(r.header("content-length"), Some("11"), "{}", r.raw());
}
