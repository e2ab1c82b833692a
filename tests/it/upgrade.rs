//! Protocol upgrades through the running proxy. credgate never switches: a WebSocket handshake
//! is refused before it is forwarded, an `h2c` offer (curl's `--http2`) is not forwarded and the
//! request goes on as HTTP/1.1, and an upstream that answers 101 anyway fails closed. Before
//! this, a WebSocket handshake and an unasked 101 both switched, and what followed went to the
//! agent as a raw body (frames compressed with `permessage-deflate` unscanned).

use std::io::Write;
use std::net::TcpListener;

use crate::harness::*;
use crate::upstream::Upstream;

const SECRET: &str = "sk_live_51UpgradeSecretValue0042";

/// credgate with one route, `ECHO`, to `up`.
fn via_echo(up: &Upstream) -> (Credgate, SecretFile) {
    let secret = SecretFile::new(SECRET);
    let routes = [(
        "echo.yaml",
        route("ECHO", up.port(), BEARER, &secret.credential(), ALLOW_ALL),
    )];
    (Credgate::start(&routes, ""), secret)
}

#[test]
fn a_websocket_handshake_is_refused_before_anything_is_forwarded() {
    let up = Upstream::start();
    let (cg, _secret) = via_echo(&up);
    let target = format!("http://127.0.0.1:{}/socket", up.port());
    // A WebSocket offer alone, with compression offered (as most clients do), and in a list
    // that also offers h2c: the request cannot go on without the switch either way.
    for (i, upgrade) in ["websocket", "h2c, WebSocket"].iter().enumerate() {
        let r = curl(&[
            "-x",
            &cg.alice(),
            "-H",
            "X-Cred-Handle: ECHO",
            "-H",
            "Connection: Upgrade",
            "-H",
            &format!("Upgrade: {upgrade}"),
            "-H",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "-H",
            "Sec-WebSocket-Version: 13",
            "-H",
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
            &target,
        ]);
        assert_eq!(r.status, 501, "{}", r.raw());
        assert_eq!(r.reason(), "upgrade_not_supported", "{}", r.raw());
        assert_eq!(r.json()["handle"], "ECHO", "{}", r.raw());
        let line = &cg.audit_n(i + 1)[i];
        assert_eq!(line["decision"], "deny", "{line}");
        assert_eq!(line["reason"], "upgrade_not_supported", "{line}");
        assert_eq!(line["handle"], "ECHO", "{line}");
        // Refused before the credential was resolved.
        assert_eq!(line["credential_cache"], serde_json::Value::Null, "{line}");
    }
    assert!(up.seen().is_empty(), "{:?}", up.seen());
}

/// Pingora's default upstream policy already drops an h2c offer; this pins that credgate's own
/// policy (no upgrade field at all) keeps it so, and that curl's `--http2` still works.
#[test]
fn an_h2c_offer_is_dropped_and_the_request_goes_on_as_http11() {
    let up = Upstream::start();
    let (cg, _secret) = via_echo(&up);
    let target = format!("http://127.0.0.1:{}/echo", up.port());
    // curl sends `Connection: Upgrade, HTTP2-Settings`, `Upgrade: h2c` and `HTTP2-Settings`
    // through a proxy when asked for HTTP/2 on an http:// URL.
    let r = curl(&[
        "--http2",
        "-x",
        &cg.alice(),
        "-H",
        "X-Cred-Handle: ECHO",
        &target,
    ]);
    assert_eq!(r.status, 200, "{}", r.raw());
    let seen = up.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].header("upgrade"), None, "{seen:?}");
    assert_eq!(seen[0].header("http2-settings"), None, "{seen:?}");
    let connection = seen[0].header("connection").unwrap_or_default();
    assert!(
        !connection.to_ascii_lowercase().contains("upgrade"),
        "{seen:?}"
    );
    assert_eq!(
        seen[0].header("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    let line = &cg.audit_n(1)[0];
    assert_eq!(line["decision"], "allow", "{line}");
    assert_eq!(line["status"], 200, "{line}");
}

/// An upstream that answers `101 Switching Protocols` to a request that asked for no upgrade,
/// then writes raw bytes holding a secret. Hand-written: no real server switches unasked, and
/// this is the fault being injected.
fn unasked_switch_upstream(payload: &'static str) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((mut s, _)) = l.accept() else { return };
        skip_request_head(&s);
        let _ = write!(
            s,
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n{payload}"
        );
        let _ = s.flush();
    });
    port
}

#[test]
fn an_upstream_that_switches_protocols_unasked_fails_closed() {
    // A secret deflated the way permessage-deflate would carry it: no scanner could read it.
    const PAYLOAD: &str = "\u{1}compressed-frame-bytes-of-a-secret";
    let port = unasked_switch_upstream(PAYLOAD);
    let secret = SecretFile::new(SECRET);
    let cg = Credgate::start(
        &[(
            "s.yaml",
            route("SWITCH", port, BEARER, &secret.credential(), ALLOW_ALL),
        )],
        "",
    );
    let r = cg.via("SWITCH", &format!("http://127.0.0.1:{port}/plain"));
    assert_eq!(r.status, 502, "{}", r.raw());
    assert_eq!(r.reason(), "upstream_switched_protocols", "{}", r.raw());
    assert!(!r.raw().contains("compressed-frame"), "{}", r.raw());
    let line = &cg.audit_n(1)[0];
    assert_eq!(line["decision"], "error", "{line}");
    assert_eq!(line["reason"], "upstream_switched_protocols", "{line}");
    assert_eq!(line["upstream_status"], 101, "{line}");
}
