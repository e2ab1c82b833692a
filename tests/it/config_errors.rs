//! Configuration mistakes: each names the file, the field and a fix, and `credgate check` exits
//! non-zero with that text.

use std::path::Path;
use std::process::Command;

use credgate::config::Config;

const GOOD_PROXY: &str = "listen:\n  proxy: 127.0.0.1:0\n  admin: 127.0.0.1:0\nagents:\n  - name: alice\n    key_sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae\n";

fn route_with(upstream: &str, rest: &str) -> String {
    format!("handle: H\nupstream:\n{upstream}\nagents: [alice]\ncredential: {{source: env, var: X}}\ninject: {{kind: bearer}}\n{rest}")
}

const HOSTS_OK: &str = "  hosts: [api.example.com]";
const RULES_OK: &str = "rules:\n  - {action: allow, paths: [\"/**\"]}";

/// Writes proxy.yaml and routes, loads, returns the error text.
fn load_err(proxy: &str, routes: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("routes")).unwrap();
    std::fs::write(dir.path().join("proxy.yaml"), proxy).unwrap();
    for (n, r) in routes {
        std::fs::write(dir.path().join("routes").join(n), r).unwrap();
    }
    match Config::load(&dir.path().join("proxy.yaml")) {
        Ok(_) => panic!("config was accepted: {proxy} {routes:?}"),
        Err(e) => e.to_string(),
    }
}

/// (case name, proxy.yaml, route files, three fragments the error must contain).
type Case = (
    &'static str,
    String,
    Vec<(&'static str, String)>,
    [&'static str; 3],
);

#[test]
fn config_error_table() {
    let cases: Vec<Case> = vec![
        ("unknown key in proxy.yaml", format!("{GOOD_PROXY}lisen: x\n"), vec![],
            ["proxy.yaml", "unknown field `lisen`", "correct its spelling"]),
        ("bad listen address", GOOD_PROXY.replace("proxy: 127.0.0.1:0", "proxy: localhost:80"), vec![],
            ["listen.proxy", "is not an IP:port address", "127.0.0.1:8080"]),
        ("agent key in clear", GOOD_PROXY.replace("2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", "hunter2"), vec![],
            ["agents[0].key_sha256", "not a hex SHA-256", "credgate gen-key"]),
        ("unset env without default", GOOD_PROXY.replace("127.0.0.1:0\n  admin", "${CREDGATE_TEST_UNSET_LISTEN}\n  admin"), vec![],
            ["listen.proxy", "CREDGATE_TEST_UNSET_LISTEN is not set", "${NAME:-value}"]),
        ("unknown key in a route", GOOD_PROXY.into(), vec![("r.yaml", route_with(HOSTS_OK, &format!("{RULES_OK}\nmethdos: [GET]")))],
            ["r.yaml", "unknown field `methdos`", "accepted fields"]),
        ("rule key typo", GOOD_PROXY.into(), vec![("r.yaml", route_with(HOSTS_OK, "rules:\n  - {action: allow, path: [\"/**\"]}"))],
            ["rules[0].path", "unknown field `path`", "paths"]),
        ("unknown agent", GOOD_PROXY.into(), vec![("r.yaml", route_with(HOSTS_OK, RULES_OK).replace("[alice]", "[mallory]"))],
            ["agents[0]", "unknown agent \"mallory\"", "one of: alice"]),
        ("upstream with a path", GOOD_PROXY.into(), vec![("r.yaml", route_with("  hosts: [\"https://api.example.com/v1\"]", RULES_OK))],
            ["upstream.hosts[0]", "is a URL or has a path", "upstream.scheme"]),
        ("private upstream without opt-in", GOOD_PROXY.into(), vec![("r.yaml", route_with("  hosts: [169.254.169.254]", RULES_OK))],
            ["upstream.hosts[0]", "loopback, private or link-local", "allow_private: true"]),
        ("localhost without opt-in", GOOD_PROXY.into(), vec![("r.yaml", route_with("  hosts: [LocalHost]", RULES_OK))],
            ["upstream.hosts[0]", "loopback", "allow_private"]),
        ("glob that can never match", GOOD_PROXY.into(), vec![("r.yaml", route_with(HOSTS_OK, "rules:\n  - {action: allow, paths: [\"v1/charges\"]}"))],
            ["rules[0].paths[0]", "can never match", "starts with `/`"]),
        ("glob with dot segment", GOOD_PROXY.into(), vec![("r.yaml", route_with(HOSTS_OK, "rules:\n  - {action: allow, paths: [\"/a/../b\"]}"))],
            ["rules[0].paths[0]", "dot segments", "canonical path"]),
        ("rule after a catch-all", GOOD_PROXY.into(), vec![("r.yaml", route_with(HOSTS_OK, "rules:\n  - {action: deny, paths: [\"/**\"]}\n  - {name: late, action: allow, methods: [GET], paths: [\"/x\"]}"))],
            ["rules[1]", "rule late can never match", "move this rule above"]),
        ("approve not yet supported", GOOD_PROXY.into(), vec![("r.yaml", route_with(HOSTS_OK, "rules:\n  - {action: approve, paths: [\"/**\"]}"))],
            ["rules[0].action", "not supported", "deny"]),
        ("no rules", GOOD_PROXY.into(), vec![("r.yaml", route_with(HOSTS_OK, "rules: []"))],
            ["rules", "every request would be denied", "add at least one rule"]),
        ("bad method", GOOD_PROXY.into(), vec![("r.yaml", route_with(HOSTS_OK, "rules:\n  - {action: allow, methods: [FETCH!], paths: [\"/**\"]}"))],
            ["rules[0].methods[0]", "not an HTTP method", "GET"]),
        ("duplicate handles", GOOD_PROXY.into(), vec![("a.yaml", route_with(HOSTS_OK, RULES_OK)), ("b.yaml", route_with(HOSTS_OK, RULES_OK))],
            ["b.yaml", "already defined in", "a.yaml"]),
        ("reserved injection header", GOOD_PROXY.into(), vec![("r.yaml", route_with(HOSTS_OK, RULES_OK).replace("{kind: bearer}", "{kind: header, name: Host}"))],
            ["inject.name", "credgate manages itself", "Authorization"]),
        ("ca_file missing", GOOD_PROXY.into(), vec![("r.yaml", route_with("  hosts: [api.example.com]\n  ca_file: nope.pem", RULES_OK))],
            ["upstream.ca_file", "cannot read", "PEM"]),
        ("handle with a newline", GOOD_PROXY.into(), vec![("r.yaml", route_with(HOSTS_OK, RULES_OK).replace("handle: H", "handle: \"A\\r\\nX: y\""))],
            ["handle", "not a valid handle", "STRIPE_LIVE"]),
        ("vault source without vault section", GOOD_PROXY.into(), vec![("r.yaml", route_with(HOSTS_OK, RULES_OK).replace("{source: env, var: X}", "{source: vault_kv, path: a, field: b}"))],
            ["credential.source", "no `vault:` section", "add `vault:"]),
        ("vault address not a URL", format!("{GOOD_PROXY}vault:\n  address: vault.internal\n  auth: {{method: token}}\n"), vec![],
            ["vault.address", "is not an http(s) URL", "https://"]),
        ("host with a port", GOOD_PROXY.into(), vec![("r.yaml", route_with("  hosts: [api.example.com:8443]", RULES_OK))],
            ["upstream.hosts[0]", "has a port", "upstream.port"]),
    ];
    for (name, proxy, routes, expect) in cases {
        let routes: Vec<(&str, &str)> = routes.iter().map(|(n, r)| (*n, r.as_str())).collect();
        let err = load_err(&proxy, &routes);
        for want in expect {
            assert!(err.contains(want), "{name}: expected {want:?} in:\n{err}");
        }
        assert!(
            err.contains("fix:"),
            "{name}: every error carries a fix:\n{err}"
        );
    }
}

#[test]
fn a_bad_agent_hash_is_reported_once_not_again_in_routes() {
    let proxy = GOOD_PROXY.replace(
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        "not-a-hash",
    );
    let err = load_err(&proxy, &[("r.yaml", &route_with(HOSTS_OK, RULES_OK))]);
    assert!(err.starts_with("1 configuration error:"), "{err}");
    assert!(err.contains("agents[0].key_sha256"), "{err}");
}

#[test]
fn several_errors_are_reported_at_once() {
    let err = load_err(
        &GOOD_PROXY.replace("127.0.0.1:0\n  admin: 127.0.0.1:0", "nope\n  admin: nope"),
        &[],
    );
    assert!(err.starts_with("2 configuration errors:"), "{err}");
}

#[test]
fn check_command_exits_non_zero_with_the_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("routes")).unwrap();
    std::fs::write(dir.path().join("proxy.yaml"), GOOD_PROXY).unwrap();
    std::fs::write(
        dir.path().join("routes/bad.yaml"),
        route_with(
            HOSTS_OK,
            "rules:\n  - {action: allow, paths: [\"/**\"], extra: 1}",
        ),
    )
    .unwrap();
    let out = run_check(&dir.path().join("proxy.yaml"));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.yaml: field `rules[0].extra`: unknown field `extra`"),
        "{stderr}"
    );
    assert!(stderr.contains("unknown field `extra`"), "{stderr}");
    assert!(
        stderr.contains("(line 8, column"),
        "the line is named: {stderr}"
    );
}

pub fn run_check(config: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_credgate"))
        .args(["check", "-c"])
        .arg(config)
        .output()
        .expect("run credgate check")
}
