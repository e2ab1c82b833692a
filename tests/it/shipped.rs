//! The shipped proxy.yaml and routes/ are real examples: they parse, `credgate check` accepts
//! them, and credgate starts on them with no outside service.

use std::path::Path;
use std::process::Command;

use credgate::config::Config;

fn repo(p: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// How many `*.yaml` files a directory holds.
fn yaml_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "yaml")
        })
        .count()
}

#[test]
fn every_shipped_yaml_parses_and_validates() {
    let cfg = Config::load(&repo("proxy.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let mut handles: Vec<&str> = cfg.routes.iter().map(|r| r.handle.as_ref()).collect();
    handles.sort();
    assert_eq!(
        handles,
        ["GITHUB_REPO_BOT", "INTERNAL_BILLING", "STRIPE_LIVE"]
    );
    // Every file in routes/ became a route (none silently skipped).
    let files = yaml_files(&repo("routes"));
    assert_eq!(files, cfg.routes.len());
    let out = crate::config_errors::run_check(&repo("proxy.yaml"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok: "));
}

#[test]
fn every_example_config_parses_and_validates() {
    let mut seen = 0;
    for entry in std::fs::read_dir(repo("examples")).unwrap() {
        let dir = entry.unwrap().path();
        let proxy = dir.join("proxy.yaml");
        let cfg = Config::load(&proxy).unwrap_or_else(|e| panic!("{}: {e}", proxy.display()));
        let files = yaml_files(&dir.join("routes"));
        assert_eq!(files, cfg.routes.len(), "{}", dir.display());
        seen += 1;
    }
    assert!(seen >= 1);
}

#[test]
fn schema_command_prints_a_json_schema() {
    let out = Command::new(env!("CARGO_BIN_EXE_credgate"))
        .arg("schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["routes/*.yaml"]["properties"]["rules"].is_object());
    assert!(v["proxy.yaml"]["properties"]["listen"].is_object());
}

#[test]
fn gen_key_output_round_trips_through_hash_key() {
    let out = Command::new(env!("CARGO_BIN_EXE_credgate"))
        .arg("gen-key")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let key = text
        .lines()
        .find_map(|l| l.strip_prefix("key:"))
        .unwrap()
        .trim();
    let hash = text
        .lines()
        .find_map(|l| l.strip_prefix("key_sha256:"))
        .unwrap()
        .trim();
    assert!(key.len() >= 40);
    let mut child = Command::new(env!("CARGO_BIN_EXE_credgate"))
        .arg("hash-key")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(key.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), hash);
}

#[test]
fn credgate_runs_on_the_shipped_config() {
    // The real binary on the shipped files, on free ports, with no outside service.
    let proxy_port = crate::harness::free_port();
    let admin_port = crate::harness::free_port();
    let logs = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_credgate"))
        .args(["run", "-c"])
        .arg(repo("proxy.yaml"))
        .env("CREDGATE_PROXY_LISTEN", format!("127.0.0.1:{proxy_port}"))
        .env("CREDGATE_ADMIN_LISTEN", format!("127.0.0.1:{admin_port}"))
        .env_remove("STRIPE_API_KEY")
        .stdout(std::process::Stdio::null())
        .stderr(logs.reopen().unwrap())
        .spawn()
        .unwrap();
    let admin = format!("127.0.0.1:{admin_port}").parse().unwrap();
    crate::harness::wait_http_ok(admin, "/readyz");
    // The quickstart agent works, and a handle whose secret is not provided fails closed.
    let r = crate::harness::curl(&[
        "-x",
        &format!("http://demo:demo-key-change-me@127.0.0.1:{proxy_port}"),
        "-H",
        "X-Cred-Handle: STRIPE_LIVE",
        "http://api.stripe.com/v1/charges",
    ]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        (r.status, r.reason().as_str()),
        (503, "credential_unavailable"),
        "{}",
        r.raw()
    );
    // The agent is told what happened, the operator's log says why; the agent never learns
    // where credentials live.
    assert!(!r.body.contains("STRIPE_API_KEY"), "{}", r.body);
    let id = r.json()["request_id"].as_str().unwrap().to_string();
    let log = std::fs::read_to_string(logs.path()).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains(&id) && l.contains("STRIPE_API_KEY is not set")),
        "{log}"
    );
}
