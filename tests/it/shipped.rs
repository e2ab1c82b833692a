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

/// `credgate scrub` with `input` on stdin: exit code, stdout, stderr.
fn scrub_cli(args: &[&str], input: &[u8]) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_credgate"))
        .arg("scrub")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // Written from another thread: the child's stdout fills while stdin is still being fed.
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn scrub_command_scrubs_a_sample_as_the_named_route_would() {
    use base64::Engine;
    // A committed .env as GitHub's contents API returns it: base64, which only a route with
    // `base64: decode` (the shipped GitHub route) opens.
    let env = "STRIPE_KEY=sk_live_51HqLyjWDarjtT1zdp7dcXcFZkzJq4m8VnTbRx2\nDEBUG=false\n";
    let encoded = base64::engine::general_purpose::STANDARD.encode(env);
    let body = format!("{{\"name\":\".env\",\"encoding\":\"base64\",\"content\":\"{encoded}\"}}\n");

    let (code, out, err) = scrub_cli(&[], body.as_bytes());
    assert_eq!((code, out.as_str()), (0, body.as_str()), "{err}");
    assert_eq!(err.trim(), "credgate scrub: nothing redacted");

    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &body).unwrap();
    let config = repo("proxy.yaml");
    let out = Command::new(env!("CARGO_BIN_EXE_credgate"))
        .args(["scrub", "--handle", "GITHUB_REPO_BOT", "-c"])
        .arg(&config)
        .arg(file.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        body.replace(&encoded, "[REDACTED:stripe_secret_key]")
    );
    assert_eq!(
        String::from_utf8(out.stderr).unwrap().trim(),
        "credgate scrub: 1 redaction: stripe_secret_key 1"
    );

    let (code, _, err) = scrub_cli(&["--handle", "NOPE", "-c", config.to_str().unwrap()], b"x");
    assert_eq!(code, 2);
    assert!(
        err.contains("no route has handle \"NOPE\"")
            && err.contains("GITHUB_REPO_BOT, INTERNAL_BILLING, STRIPE_LIVE"),
        "{err}"
    );

    // A key block that never ends: the output stops where an agent's would, and says why.
    let mut pem = b"-----BEGIN RSA PRIVATE KEY-----\n".to_vec();
    pem.extend(std::iter::repeat_n(b'A', 200_000));
    let (code, out, err) = scrub_cli(&[], &pem);
    assert_eq!(code, 3, "{err}");
    assert!(!out.contains("AAAA"));
    assert!(err.contains("failed closed (scrub_overflow)"), "{err}");
}
