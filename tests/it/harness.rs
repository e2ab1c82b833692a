//! Test harness: credgate in-process on ephemeral ports, real clients (curl, Python requests) as
//! subprocesses, and readiness by polling, never by sleeping.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use credgate::server::RunningServer;
use credgate::state::State;

pub const ALICE_KEY: &str = "alice-key-0123456789";
pub const BOB_KEY: &str = "bob-key-9876543210";

/// A port that was free a moment ago (for listeners whose bound port cannot be learned), and
/// that this test process has not handed out before: the kernel may give a just-released port
/// again, and two tests (or the proxy and admin listeners of one credgate) must not get the same.
pub fn free_port() -> u16 {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if given.insert(port) {
            return port;
        }
    }
}

fn sha256_hex(s: &str) -> String {
    credgate::identity::KeyHash::of(s.as_bytes()).to_hex()
}

/// Polls `addr` with `GET path` until it answers 200, or panics after 30 s.
pub fn wait_http_ok(addr: SocketAddr, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            if s.write_all(req.as_bytes()).is_ok() {
                let mut buf = String::new();
                let _ = s.read_to_string(&mut buf);
                if buf.starts_with("HTTP/1.1 200") || buf.starts_with("HTTP/1.0 200") {
                    return;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "{addr}{path} not ready after 30s"
        );
        std::thread::yield_now();
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A running credgate with its own config directory.
pub struct Credgate {
    pub dir: tempfile::TempDir,
    pub proxy: SocketAddr,
    pub admin: SocketAddr,
    _server: RunningServer,
}

impl Credgate {
    /// Starts credgate with agents `alice` and `bob`, the given route files, and `extra` YAML
    /// appended to proxy.yaml.
    pub fn start(routes: &[(&str, String)], extra: &str) -> Self {
        Self::try_start(routes, extra).unwrap_or_else(|e| panic!("credgate did not start: {e}"))
    }

    pub fn try_start(routes: &[(&str, String)], extra: &str) -> Result<Self, String> {
        Self::launch(routes, extra, true)
    }

    /// Starts without waiting for `/readyz` (for tests of not being ready).
    pub fn start_unready(routes: &[(&str, String)], extra: &str) -> Self {
        Self::launch(routes, extra, false).unwrap_or_else(|e| panic!("credgate did not start: {e}"))
    }

    fn launch(routes: &[(&str, String)], extra: &str, wait_ready: bool) -> Result<Self, String> {
        static CRYPTO: OnceLock<()> = OnceLock::new();
        CRYPTO.get_or_init(pingora::tls::install_default_crypto_provider);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("routes")).unwrap();
        for (name, yaml) in routes {
            std::fs::write(dir.path().join("routes").join(name), yaml).unwrap();
        }
        let proxy: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let admin: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let yaml = format!(
            "listen:\n  proxy: {proxy}\n  admin: {admin}\nthreads: 2\nagents:\n  - name: alice\n    key_sha256: {}\n  - name: bob\n    key_sha256: {}\naudit:\n  sink: file\n  path: audit.log\n{extra}",
            sha256_hex(ALICE_KEY),
            sha256_hex(BOB_KEY)
        );
        let cfg = dir.path().join("proxy.yaml");
        std::fs::write(&cfg, yaml).unwrap();
        let state = State::load(&cfg).map_err(|e| e.to_string())?;
        let server = RunningServer::spawn(state);
        if wait_ready {
            wait_http_ok(admin, "/readyz");
        } else {
            wait_tcp(admin);
        }
        wait_tcp(proxy);
        Ok(Self {
            dir,
            proxy,
            admin,
            _server: server,
        })
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    pub fn proxy_url(&self, agent: &str, key: &str) -> String {
        format!("http://{agent}:{key}@{}", self.proxy)
    }

    pub fn alice(&self) -> String {
        self.proxy_url("alice", ALICE_KEY)
    }

    /// GET `url` as alice through the proxy, naming `handle`.
    pub fn via(&self, handle: &str, url: &str) -> Resp {
        curl(&[
            "-x",
            &self.alice(),
            "-H",
            &format!("X-Cred-Handle: {handle}"),
            url,
        ])
    }

    /// Audit lines written so far, parsed.
    pub fn audit(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.path("audit.log")).unwrap_or_default();
        complete_lines(&text)
            .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
            .collect()
    }

    /// Audit lines once there are at least `n`: a line is written in the logging phase, just
    /// after the response went out, so a client can see the response first.
    pub fn audit_n(&self, n: usize) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let lines = self.audit();
            if lines.len() >= n || Instant::now() > deadline {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn metrics(&self) -> String {
        curl(&[&format!("http://{}/metrics", self.admin)]).body
    }

    /// Everything credgate wrote: audit log, metrics, admin route listing.
    pub fn everything_written(&self) -> String {
        let mut all = std::fs::read_to_string(self.path("audit.log")).unwrap_or_default();
        all.push_str(&self.metrics());
        all.push_str(&curl(&[&format!("http://{}/admin/routes", self.admin)]).body);
        all
    }
}

/// The lines of `text` that have their newline. A file read while its writer is mid-`write`
/// can end in part of a line: Linux makes a write visible to readers page by page, so a line
/// that crosses a page boundary can be read half written.
pub fn complete_lines(text: &str) -> std::str::Lines<'_> {
    text[..text.rfind('\n').map_or(0, |end| end + 1)].lines()
}

fn wait_tcp(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(Instant::now() < deadline, "{addr} not accepting after 30s");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// An HTTP response as a client saw it.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn reason(&self) -> String {
        self.json()["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Everything the agent received: status line, headers and body.
    pub fn raw(&self) -> String {
        let mut s = format!("{}\n", self.status);
        for (k, v) in &self.headers {
            s.push_str(&format!("{k}: {v}\n"));
        }
        s.push_str(&self.body);
        s
    }
}

/// Runs curl with `args`; returns the final response.
pub fn curl(args: &[&str]) -> Resp {
    let dir = tempfile::tempdir().unwrap();
    let hdr = dir.path().join("h");
    let body = dir.path().join("b");
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "20", "-D"])
        .arg(&hdr)
        .arg("-o")
        .arg(&body)
        .args(args)
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .output()
        .expect("curl is installed");
    let headers_text = std::fs::read_to_string(&hdr).unwrap_or_default();
    // With a proxy, curl may print several header blocks; the last is the response.
    let block = headers_text
        .split("\r\n\r\n")
        .filter(|b| !b.trim().is_empty())
        .last()
        .unwrap_or_else(|| panic!("no response: {}", String::from_utf8_lossy(&out.stderr)));
    let mut lines = block.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&std::fs::read(&body).unwrap_or_default()).into_owned(),
    }
}

/// The test virtualenv (made by scripts/test-deps.sh).
pub fn venv() -> PathBuf {
    let p = std::env::var_os("CREDGATE_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"));
    assert!(
        p.join("bin/python").exists(),
        "test virtualenv missing at {}: run scripts/test-deps.sh",
        p.display()
    );
    p
}

/// Runs a Python snippet with the venv's interpreter; returns stdout, panics with stderr.
pub fn python(code: &str, env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(venv().join("bin/python"));
    cmd.arg("-c").arg(code);
    for v in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("python runs");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// httpbin under gunicorn, one per test process; it exits when this process does (its stdin
/// closes and the wrapper kills it).
pub fn httpbin() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let port = free_port();
        let gunicorn = venv().join("bin/gunicorn");
        let script = format!(
            "{} -b 127.0.0.1:{port} -k gthread --threads 16 -w 1 --log-level warning httpbin:app & pid=$!; read _; kill $pid",
            gunicorn.display()
        );
        let child = Command::new("bash")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start httpbin");
        // Keep the stdin pipe open for the life of the process.
        std::mem::forget(child);
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        wait_http_ok(addr, "/get");
        addr
    })
}

/// A route file bound to a loopback upstream.
pub fn route(handle: &str, port: u16, inject: &str, credential: &str, rules: &str) -> String {
    format!(
        "handle: {handle}\nupstream:\n  scheme: http\n  hosts: [127.0.0.1]\n  port: {port}\n  allow_private: true\nagents: [alice]\ncredential:\n{credential}\ninject:\n{inject}\nrules:\n{rules}\n"
    )
}

pub const ALLOW_ALL: &str = "  - {name: all, action: allow, paths: [\"/**\"]}";
pub const BEARER: &str = "  kind: bearer";

/// A secret in a file of its own directory (env vars are process-global, files are not).
pub struct SecretFile {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl SecretFile {
    pub fn new(value: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, format!("{value}\n")).unwrap();
        Self { _dir: dir, path }
    }

    /// The `credential:` block for a route.
    pub fn credential(&self) -> String {
        format!(
            "  source: file\n  path: {}\n  refresh: 1s",
            self.path.display()
        )
    }
}

/// Reads a request's head off a hand-written upstream's connection (such upstreams answer every
/// request the same way).
pub fn skip_request_head(s: &TcpStream) {
    use std::io::BufRead;
    let mut r = std::io::BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    while r.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
}

/// Sends `GET http://127.0.0.1:{port}{path}` as alice through `cg`, naming `handle`, on a raw
/// connection (to read the response as it arrives, status line and all). Reads fail after 20 s
/// rather than wait: a read that gets nothing for that long means the response is held.
pub fn raw_get(cg: &Credgate, port: u16, handle: &str, path: &str) -> TcpStream {
    use base64::Engine;
    use std::io::Write;
    let mut c = TcpStream::connect(cg.proxy).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("alice:{ALICE_KEY}"));
    write!(c, "GET http://127.0.0.1:{port}{path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nProxy-Authorization: Basic {auth}\r\nX-Cred-Handle: {handle}\r\nConnection: close\r\n\r\n").unwrap();
    c
}
