//! Policy decisions as a table: (agent, method, target, handle) -> (status, reason, audit
//! decision, rule). Every row goes through the running proxy, and every row's audit line is
//! checked, so the table also proves "one decision, one reason, one audit line".

use crate::harness::*;
use crate::upstream::Upstream;

struct Row {
    agent: &'static str,
    method: &'static str,
    path: &'static str,
    handle: Option<&'static str>,
    status: u16,
    reason: &'static str,
    decision: &'static str,
    rule: Option<&'static str>,
    /// What the upstream must have received (allowed rows).
    forwarded: Option<&'static str>,
}

const fn row(
    agent: &'static str,
    method: &'static str,
    path: &'static str,
    handle: Option<&'static str>,
    (status, reason, decision): (u16, &'static str, &'static str),
    rule: Option<&'static str>,
    forwarded: Option<&'static str>,
) -> Row {
    Row {
        agent,
        method,
        path,
        handle,
        status,
        reason,
        decision,
        rule,
        forwarded,
    }
}

const ALLOW: (u16, &str, &str) = (200, "rule_allow", "allow");
const NO_RULE: (u16, &str, &str) = (403, "no_matching_rule", "deny");

#[test]
fn policy_decision_table() {
    let up = Upstream::start();
    let secret = SecretFile::new("pk_policy_table_secret_0001");
    let rules = "  - {name: read-charges, action: allow, methods: [GET], paths: [\"/v1/charges\", \"/v1/charges/*\"]}\n  - {name: no-refunds, action: deny, methods: [POST], paths: [\"/v1/refunds/**\"], reason: refunds need a human}\n  - {name: intents, action: allow, methods: [post], paths: [\"/v1/payment_intents\"]}";
    let echo = route("ECHO", up.port(), BEARER, &secret.credential(), rules);
    let report = route(
        "DRYRUN",
        up.port(),
        BEARER,
        &secret.credential(),
        "  - {name: reads, action: allow, methods: [GET], paths: [\"/read/**\"]}",
    )
    .replace("rules:", "mode: report\nrules:");
    let cg = Credgate::start(&[("echo.yaml", echo), ("dryrun.yaml", report)], "");

    let e = Some("ECHO");
    let table = [
        row(
            "alice",
            "GET",
            "/v1/charges",
            e,
            ALLOW,
            Some("read-charges"),
            Some("/v1/charges"),
        ),
        row(
            "alice",
            "GET",
            "/v1/charges/ch_1",
            e,
            ALLOW,
            Some("read-charges"),
            Some("/v1/charges/ch_1"),
        ),
        row(
            "alice",
            "GET",
            "/v1//charges",
            e,
            ALLOW,
            Some("read-charges"),
            Some("/v1/charges"),
        ),
        row(
            "alice",
            "GET",
            "/v1/%63harges",
            e,
            ALLOW,
            Some("read-charges"),
            Some("/v1/charges"),
        ),
        row(
            "alice",
            "POST",
            "/v1/payment_intents",
            e,
            ALLOW,
            Some("intents"),
            Some("/v1/payment_intents"),
        ),
        row(
            "alice",
            "GET",
            "/v1/charges/ch_1/refund",
            e,
            NO_RULE,
            None,
            None,
        ),
        row("alice", "GET", "/v1/CHARGES", e, NO_RULE, None, None),
        row("alice", "GET", "/v1/charges;x=1", e, NO_RULE, None, None),
        row("alice", "DELETE", "/v1/charges", e, NO_RULE, None, None),
        row(
            "alice",
            "POST",
            "/v1/refunds/re_1",
            e,
            (403, "rule_deny", "deny"),
            Some("no-refunds"),
            None,
        ),
        row(
            "bob",
            "GET",
            "/v1/charges",
            e,
            (403, "agent_not_allowed", "deny"),
            None,
            None,
        ),
        row(
            "alice",
            "GET",
            "/v1/charges/%2e%2e/refunds",
            e,
            (400, "dot_segment_in_path", "deny"),
            None,
            None,
        ),
        row(
            "alice",
            "GET",
            "/v1/charges/../refunds",
            e,
            (400, "dot_segment_in_path", "deny"),
            None,
            None,
        ),
        row(
            "alice",
            "GET",
            "/v1/charges/..%2frefunds",
            e,
            (400, "encoded_path_separator", "deny"),
            None,
            None,
        ),
        row(
            "alice",
            "GET",
            "/v1/%c0%ae%c0%ae/x",
            e,
            (400, "invalid_utf8_in_path", "deny"),
            None,
            None,
        ),
        row(
            "alice",
            "GET",
            "/v1/charges",
            Some("NOPE"),
            (403, "unknown_handle", "deny"),
            None,
            None,
        ),
        row(
            "alice",
            "GET",
            "/v1/charges",
            None,
            (403, "no_handle", "deny"),
            None,
            None,
        ),
        row(
            "alice",
            "GET",
            "/v1/charges",
            Some("BAD HANDLE"),
            (400, "malformed_handle", "deny"),
            None,
            None,
        ),
        row(
            "alice",
            "GET",
            "/read/a/b",
            Some("DRYRUN"),
            ALLOW,
            Some("reads"),
            Some("/read/a/b"),
        ),
        row(
            "alice",
            "POST",
            "/read/a",
            Some("DRYRUN"),
            (200, "no_matching_rule", "would_deny"),
            None,
            Some("/read/a"),
        ),
    ];

    for (i, r) in table.iter().enumerate() {
        let before = up.seen().len();
        let key = if r.agent == "alice" {
            ALICE_KEY
        } else {
            BOB_KEY
        };
        let url = format!("http://127.0.0.1:{}{}", up.port(), r.path);
        let mut args = vec![
            "--path-as-is".to_string(),
            "-x".into(),
            cg.proxy_url(r.agent, key),
            "-X".into(),
            r.method.into(),
        ];
        if let Some(h) = r.handle {
            args.push("-H".into());
            args.push(format!("X-Cred-Handle: {h}"));
        }
        args.push(url);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let resp = curl(&argv);
        let ctx = format!(
            "row {i}: {} {} {:?} -> {}",
            r.method,
            r.path,
            r.handle,
            resp.raw()
        );
        assert_eq!(resp.status, r.status, "{ctx}");
        if r.status != 200 {
            assert_eq!(resp.reason(), r.reason, "{ctx}");
        }
        if r.reason == "rule_deny" {
            assert_eq!(resp.json()["message"], "refunds need a human", "{ctx}");
        }
        let seen = up.seen();
        match r.forwarded {
            Some(p) => {
                assert_eq!(seen.len(), before + 1, "{ctx}");
                assert_eq!(seen.last().unwrap().uri, p, "{ctx}");
                assert_eq!(seen.last().unwrap().method, r.method, "{ctx}");
            }
            None => assert_eq!(seen.len(), before, "not forwarded: {ctx}"),
        }
        let audit = cg.audit_n(i + 1);
        assert_eq!(audit.len(), i + 1, "one audit line per request: {ctx}");
        let a = audit.last().unwrap();
        assert_eq!(a["decision"], r.decision, "{ctx}");
        assert_eq!(a["reason"], r.reason, "{ctx}");
        assert_eq!(a["rule"].as_str(), r.rule, "{ctx}");
        assert_eq!(a["status"], r.status, "{ctx}");
    }
}
