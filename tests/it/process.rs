//! The real `credgate` binary as a process: nothing it writes anywhere (audit on stdout, logs on
//! stderr at debug level, metrics) contains a credential or an agent key; SIGHUP reloads, and a
//! stop leaves every audit line written.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::harness::*;
use crate::upstream::Upstream;

/// Kills the child when the test ends, pass or fail.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const SECRET: &str = "sk_live_ProcessLevelSecret_77a1b2c3";
const QUERY_SECRET: &str = "qs_SecretInTheQueryString_99x";

fn write_config(dir: &Path, proxy: u16, admin: u16, routes: &[(&str, String)]) {
    std::fs::create_dir_all(dir.join("routes")).unwrap();
    for (n, r) in routes {
        std::fs::write(dir.join("routes").join(n), r).unwrap();
    }
    let hash = credgate::identity::KeyHash::of(ALICE_KEY.as_bytes()).to_hex();
    std::fs::write(
        dir.join("proxy.yaml"),
        format!("listen:\n  proxy: 127.0.0.1:{proxy}\n  admin: 127.0.0.1:{admin}\nagents:\n  - name: alice\n    key_sha256: {hash}\naudit:\n  sink: stdout\n"),
    )
    .unwrap();
}

/// Sends `sig` (`-HUP`, `-INT`) to the process.
fn signal(p: &Proc, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &p.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {sig}");
}

fn spawn(dir: &Path, envs: &[(&str, &str)]) -> Proc {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_credgate"));
    cmd.args(["run", "-c"])
        .arg(dir.join("proxy.yaml"))
        .env("RUST_LOG", "debug")
        .stdout(std::fs::File::create(dir.join("stdout")).unwrap())
        .stderr(std::fs::File::create(dir.join("stderr")).unwrap())
        .stdin(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    Proc(cmd.spawn().expect("start credgate"))
}

#[test]
fn nothing_the_process_writes_contains_a_secret() {
    let up = Upstream::start();
    let dir = tempfile::tempdir().unwrap();
    let (proxy, admin) = (free_port(), free_port());
    let query_route = route(
        "QRY",
        up.port(),
        "  kind: query\n  param: key",
        "  source: env\n  var: CG_TEST_QUERY_SECRET",
        ALLOW_ALL,
    );
    let bearer_route = route(
        "ECHO",
        up.port(),
        BEARER,
        "  source: env\n  var: CG_TEST_SECRET",
        ALLOW_ALL,
    );
    write_config(
        dir.path(),
        proxy,
        admin,
        &[("q.yaml", query_route), ("e.yaml", bearer_route)],
    );
    let _p = spawn(
        dir.path(),
        &[
            ("CG_TEST_SECRET", SECRET),
            ("CG_TEST_QUERY_SECRET", QUERY_SECRET),
        ],
    );
    wait_http_ok(format!("127.0.0.1:{admin}").parse().unwrap(), "/readyz");
    let via = format!("http://alice:{ALICE_KEY}@127.0.0.1:{proxy}");
    let base = format!("http://127.0.0.1:{}", up.port());
    let mut responses = String::new();
    for (handle, path) in [
        ("ECHO", "/echo"),
        ("ECHO", "/hdr"),
        ("ECHO", "/redirect"),
        ("QRY", "/echo?x=1"),
        ("ECHO", "/deflate"),
    ] {
        let r = curl(&[
            "-x",
            &via,
            "-H",
            &format!("X-Cred-Handle: {handle}"),
            &format!("{base}{path}"),
        ]);
        assert!(
            r.status == 200 || r.status == 302 || r.status == 502,
            "{}",
            r.raw()
        );
        responses.push_str(&r.raw());
    }
    // A failed login with a key that must not be echoed anywhere either.
    let r = curl(&[
        "-x",
        &format!("http://alice:wrong-key-XYZ@127.0.0.1:{proxy}"),
        &format!("{base}/echo"),
    ]);
    assert_eq!(r.status, 407);
    // The upstream really got both secrets.
    let seen = up.seen();
    assert!(seen
        .iter()
        .any(|s| s.header("authorization") == Some(&format!("Bearer {SECRET}"))));
    assert!(seen.iter().any(|s| s.uri.contains(QUERY_SECRET)));

    let metrics = curl(&[&format!("http://127.0.0.1:{admin}/metrics")]).body;
    let routes = curl(&[&format!("http://127.0.0.1:{admin}/admin/routes")]).body;
    // Wait until the six audit lines are out (written after each response), then read it all.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while complete_lines(&std::fs::read_to_string(dir.path().join("stdout")).unwrap()).count() < 6 {
        assert!(std::time::Instant::now() < deadline, "audit lines missing");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let stdout = std::fs::read_to_string(dir.path().join("stdout")).unwrap();
    let stderr = std::fs::read_to_string(dir.path().join("stderr")).unwrap();
    assert!(
        stderr.contains("DEBUG credgate"),
        "debug logging was on: {stderr}"
    );
    assert!(
        !stderr.contains("DEBUG pingora"),
        "third-party debug logs are capped"
    );
    for (name, text) in [
        ("responses", &responses),
        ("audit (stdout)", &stdout),
        ("logs (stderr)", &stderr),
        ("metrics", &metrics),
        ("admin routes", &routes),
    ] {
        for s in [SECRET, QUERY_SECRET, ALICE_KEY, "wrong-key-XYZ"] {
            let line = text.lines().find(|l| l.contains(s));
            assert!(
                line.is_none(),
                "{name} contains a secret in: {}",
                line.unwrap_or_default().replace(s, "<SECRET>")
            );
        }
    }
}

#[test]
fn sighup_reloads_the_configuration() {
    let up = Upstream::start();
    let dir = tempfile::tempdir().unwrap();
    let secret = SecretFile::new("sighup-secret-000111");
    let (proxy, admin) = (free_port(), free_port());
    write_config(
        dir.path(),
        proxy,
        admin,
        &[(
            "a.yaml",
            route("A", up.port(), BEARER, &secret.credential(), ALLOW_ALL),
        )],
    );
    let p = spawn(dir.path(), &[]);
    let admin_addr = format!("127.0.0.1:{admin}").parse().unwrap();
    wait_http_ok(admin_addr, "/readyz");
    let request = |handle: &str| {
        let r = curl(&[
            "-x",
            &format!("http://alice:{ALICE_KEY}@127.0.0.1:{proxy}"),
            "-H",
            &format!("X-Cred-Handle: {handle}"),
            &format!("http://127.0.0.1:{}/x", up.port()),
        ]);
        assert_eq!(r.status, 200, "{}", r.raw());
    };
    request("A");
    std::fs::write(
        dir.path().join("routes/b.yaml"),
        route("B", up.port(), BEARER, &secret.credential(), ALLOW_ALL),
    )
    .unwrap();
    signal(&p, "-HUP");
    // Reload is asynchronous to the signal: poll the metric it bumps.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let m = curl(&[&format!("http://{admin_addr}/metrics")]).body;
        if m.contains("credgate_config_reloads_total{result=\"success\"} 1") {
            assert!(m.contains("credgate_routes 2"));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no reload after SIGHUP: {m}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    request("B");

    // A stop (SIGINT: without the grace period) exits cleanly with every audit line out,
    // including the one from the log the reload replaced.
    let mut p = p;
    signal(&p, "-INT");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let exit = loop {
        if let Some(s) = p.0.try_wait().unwrap() {
            break s;
        }
        assert!(std::time::Instant::now() < deadline, "no exit after SIGINT");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit}");
    let audit = std::fs::read_to_string(dir.path().join("stdout")).unwrap();
    let handles: Vec<&str> = audit
        .lines()
        .filter_map(|l| l.split("\"handle\":\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(handles, ["A", "B"], "{audit}");
}
