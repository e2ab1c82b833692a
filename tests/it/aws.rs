//! AWS: STS-minted credentials and SigV4 signing against moto's server with signature checking
//! on (it rejects unsigned requests, unknown keys, wrong secrets and session tokens, and actions
//! the role's policy does not allow). Clients: curl and boto3.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use crate::harness::*;

/// A moto server with an IAM user for credgate, two roles and a bucket; auth on.
struct Moto {
    addr: SocketAddr,
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SETUP: &str = r#"
import boto3, json, os, urllib.request
ep = os.environ["EP"]
kw = dict(endpoint_url=ep, region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup")
iam = boto3.client("iam", **kw)
iam.create_user(UserName="credgate")
assume = iam.create_policy(PolicyName="credgate-assume", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"], "Resource": "*"}]}))["Policy"]["Arn"]
iam.attach_user_policy(UserName="credgate", PolicyArn=assume)
key = iam.create_access_key(UserName="credgate")["AccessKey"]
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/credgate"}, "Action": "sts:AssumeRole"}]}
for name, actions in [("reports-rw", ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]), ("reports-ro", ["s3:GetObject", "s3:ListBucket"])]:
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    p = iam.create_policy(PolicyName=name + "-s3", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]}]}))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=p)
s3 = boto3.client("s3", **kw)
s3.create_bucket(Bucket="reports")
s3.put_object(Bucket="reports", Key="q3.csv", Body=b"revenue,42\n")
# From here on moto checks every signature and permission.
urllib.request.urlopen(urllib.request.Request(ep + "/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "application/json"}))
print(f"[credgate]\naws_access_key_id = {key['AccessKeyId']}\naws_secret_access_key = {key['SecretAccessKey']}")
"#;

impl Moto {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Command::new(venv().join("bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("moto.log")).unwrap())
            .spawn()
            .expect("start moto_server");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        wait_http_ok(addr, "/moto-api/");
        let creds = python(SETUP, &[("EP", &format!("http://{addr}"))]);
        std::fs::write(dir.path().join("credentials"), creds).unwrap();
        Self { addr, child, dir }
    }

    /// `POST /` calls (STS and IAM) moto has served so far, from its own access log.
    fn sts_calls(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("moto.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("POST / HTTP/1.1"))
            .count()
    }

    fn aws_yaml(&self, sts: &str) -> String {
        format!(
            "aws:\n  region: us-east-1\n  sts_endpoint: {sts}\n  profile: credgate\n  credentials_file: {}\n",
            self.dir.path().join("credentials").display()
        )
    }

    fn route(&self, handle: &str, role: &str) -> String {
        format!(
            "handle: {handle}\nupstream:\n  scheme: http\n  hosts: [127.0.0.1]\n  port: {}\n  allow_private: true\nagents: [alice]\ncredential:\n  source: aws_sts\n  role_arn: arn:aws:iam::123456789012:role/{role}\n  duration: 15m\n  allow_actions: [\"s3:*\"]\n  allow_resources: [\"arn:aws:s3:::reports\", \"arn:aws:s3:::reports/*\"]\ninject:\n  kind: sigv4\n  service: s3\nrules:\n  - {{name: reports, action: allow, methods: [GET, HEAD, PUT], paths: [\"/reports\", \"/reports/**\"]}}\n",
            self.addr.port()
        )
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

fn start(moto: &Moto) -> Credgate {
    Credgate::start(
        &[
            ("rw.yaml", moto.route("S3_RW", "reports-rw")),
            ("ro.yaml", moto.route("S3_RO", "reports-ro")),
        ],
        &moto.aws_yaml(&format!("http://{}", moto.addr)),
    )
}

#[test]
fn s3_get_put_list_signed_with_minted_credentials() {
    let moto = Moto::start();
    let cg = start(&moto);
    // The IAM setup calls are `POST /` too: count from here.
    let sts_before = moto.sts_calls();
    // Without credgate, moto refuses the unsigned request.
    assert_eq!(curl(&[&moto.url("/reports/q3.csv")]).status, 403);

    let r = cg.via("S3_RW", &moto.url("/reports/q3.csv"));
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, "revenue,42\n"),
        "{}",
        r.raw()
    );
    let put = curl(&[
        "-x",
        &cg.alice(),
        "-H",
        "X-Cred-Handle: S3_RW",
        "-H",
        "Content-Type: text/plain",
        "-X",
        "PUT",
        "--data-binary",
        "written-through-credgate",
        &moto.url("/reports/new.txt"),
    ]);
    assert_eq!(put.status, 200, "{}", put.raw());
    assert_eq!(
        cg.via("S3_RW", &moto.url("/reports/new.txt")).body,
        "written-through-credgate"
    );
    let list = cg.via("S3_RW", &moto.url("/reports?list-type=2"));
    assert_eq!(list.status, 200);
    assert!(list.body.contains("<Key>new.txt</Key>") && list.body.contains("<Key>q3.csv</Key>"));

    // The read-only role's permissions exclude PutObject: moto refuses, credgate passes it back.
    let put = curl(&[
        "-x",
        &cg.alice(),
        "-H",
        "X-Cred-Handle: S3_RO",
        "-H",
        "Content-Type: text/plain",
        "-X",
        "PUT",
        "--data-binary",
        "nope",
        &moto.url("/reports/ro.txt"),
    ]);
    assert_eq!(put.status, 403, "{}", put.raw());
    assert_eq!(cg.via("S3_RO", &moto.url("/reports/q3.csv")).status, 200);

    let audit = cg.audit_n(7);
    let ids: Vec<&str> = audit
        .iter()
        .filter_map(|l| l["credential_id"].as_str())
        .collect();
    assert!(
        ids.iter().all(|i| i.starts_with("aws_access_key_id:ASIA")),
        "{ids:?}"
    );
    let ro_put = audit
        .iter()
        .find(|l| l["path"] == "/reports/ro.txt")
        .unwrap();
    assert_eq!(
        (
            ro_put["decision"].as_str(),
            ro_put["upstream_status"].as_u64()
        ),
        (Some("allow"), Some(403))
    );
    assert_eq!(
        moto.sts_calls() - sts_before,
        2,
        "one AssumeRole per route for this agent"
    );
    let secret = std::fs::read_to_string(moto.dir.path().join("credentials")).unwrap();
    let base_secret = secret.lines().last().unwrap().rsplit(' ').next().unwrap();
    assert!(!cg.everything_written().contains(base_secret));
}

#[test]
fn boto3_with_the_handle_as_access_key_id_works_through_the_proxy() {
    let moto = Moto::start();
    let cg = start(&moto);
    let out = python(
        r#"
import os, boto3, botocore
from botocore.config import Config
def client(proxy):
    cfg = Config(proxies={"http": proxy} if proxy else {}, s3={"addressing_style": "path"}, retries={"max_attempts": 1})
    # The unmodified SDK: the handle where the access key id goes, anything as the secret.
    return boto3.client("s3", endpoint_url=os.environ["EP"], region_name="us-east-1",
                        aws_access_key_id="S3_RW", aws_secret_access_key="not-a-secret", config=cfg)
s3 = client(os.environ["PROXY"])
print(s3.get_object(Bucket="reports", Key="q3.csv")["Body"].read().decode().strip())
s3.put_object(Bucket="reports", Key="from-boto3.txt", Body=b"hello")
print(s3.get_object(Bucket="reports", Key="from-boto3.txt")["Body"].read().decode())
try:
    client(None).get_object(Bucket="reports", Key="q3.csv")
    print("direct: allowed")
except botocore.exceptions.ClientError as e:
    print("direct:", e.response["ResponseMetadata"]["HTTPStatusCode"])
"#,
        &[("EP", &moto.url("")), ("PROXY", &cg.alice())],
    );
    assert_eq!(out.trim(), "revenue,42\nhello\ndirect: 403", "{out}");
}

#[test]
fn two_hundred_cold_requests_assume_the_role_once() {
    let moto = Moto::start();
    let cg = start(&moto);
    let before = moto.sts_calls();
    let out = python(
        r#"
import os, requests
from concurrent.futures import ThreadPoolExecutor
proxies = {"http": os.environ["PROXY"]}
def one(_):
    return requests.get(os.environ["TARGET"], headers={"X-Cred-Handle": "S3_RW"}, proxies=proxies, timeout=60).status_code
with ThreadPoolExecutor(200) as ex:
    print(sum(1 for c in ex.map(one, range(200)) if c == 200))
"#,
        &[
            ("PROXY", &cg.alice()),
            ("TARGET", &moto.url("/reports/q3.csv")),
        ],
    );
    assert_eq!(out.trim(), "200");
    assert_eq!(moto.sts_calls() - before, 1);
}

#[test]
fn sts_unreachable_or_refusing_fails_closed() {
    let moto = Moto::start();
    let closed = free_port();
    let down = Credgate::start(
        &[("rw.yaml", moto.route("S3_RW", "reports-rw"))],
        &moto.aws_yaml(&format!("http://127.0.0.1:{closed}")),
    );
    let r = down.via("S3_RW", &moto.url("/reports/q3.csv"));
    assert_eq!(
        (r.status, r.reason().as_str()),
        (503, "credential_unavailable"),
        "{}",
        r.raw()
    );
    assert_eq!(r.json()["handle"], "S3_RW");

    // Base credentials STS does not accept: refused, 502, and nothing was sent to S3.
    std::fs::write(
        moto.dir.path().join("credentials"),
        "[credgate]\naws_access_key_id = AKIAUNKNOWN000000000\naws_secret_access_key = wrong\n",
    )
    .unwrap();
    let refused = Credgate::start(
        &[("rw.yaml", moto.route("S3_RW", "reports-rw"))],
        &moto.aws_yaml(&format!("http://{}", moto.addr)),
    );
    let r = refused.via("S3_RW", &moto.url("/reports/q3.csv"));
    assert_eq!(
        (r.status, r.reason().as_str()),
        (502, "credential_refused"),
        "{}",
        r.raw()
    );
}

#[test]
fn a_form_post_to_a_non_s3_service_is_signed_over_its_body() {
    let moto = Moto::start();
    // STS itself as the upstream service, through credgate, with the assumed role's credentials.
    let route = moto
        .route("STS_SELF", "reports-ro")
        .replace("service: s3", "service: sts\n  max_body: 200")
        .replace(
            "methods: [GET, HEAD, PUT], paths: [\"/reports\", \"/reports/**\"]",
            "methods: [POST], paths: [\"/\"]",
        );
    let cg = Credgate::start(
        &[("sts.yaml", route)],
        &moto.aws_yaml(&format!("http://{}", moto.addr)),
    );
    let call = |body: &str| {
        curl(&[
            "-x",
            &cg.alice(),
            "-H",
            "X-Cred-Handle: STS_SELF",
            "-H",
            "Content-Type: application/x-www-form-urlencoded",
            "--data-binary",
            body,
            &moto.url("/"),
        ])
    };
    let r = call("Action=GetCallerIdentity&Version=2011-06-15");
    assert_eq!(r.status, 200, "{}", r.raw());
    // Moto read the action from the forwarded body, and saw the agent's session.
    assert!(
        r.body
            .contains("assumed-role/reports-ro/credgate-alice-STS_SELF"),
        "{}",
        r.body
    );
    let big = format!(
        "Action=GetCallerIdentity&Version=2011-06-15&Pad={}",
        "x".repeat(300)
    );
    let r = call(&big);
    assert_eq!(
        (r.status, r.reason().as_str()),
        (413, "body_too_large_to_sign"),
        "{}",
        r.raw()
    );
    // Without a Content-Length the limit is enforced while reading.
    let r = curl(&[
        "-x",
        &cg.alice(),
        "-H",
        "X-Cred-Handle: STS_SELF",
        "-H",
        "Transfer-Encoding: chunked",
        "--data-binary",
        &big,
        &moto.url("/"),
    ]);
    assert_eq!(
        (r.status, r.reason().as_str()),
        (413, "body_too_large_to_sign"),
        "{}",
        r.raw()
    );
}

#[test]
fn aws_cli_copies_through_the_proxy_with_the_handle_as_key() {
    let moto = Moto::start();
    let cg = start(&moto);
    let aws = |args: &[&str]| {
        let out = Command::new(venv().join("bin/aws"))
            .args(args)
            .args(["--endpoint-url", &moto.url(""), "--region", "us-east-1"])
            .env("HTTP_PROXY", cg.alice())
            .env("AWS_ACCESS_KEY_ID", "S3_RW")
            .env("AWS_SECRET_ACCESS_KEY", "unused")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env_remove("AWS_PROFILE")
            .output()
            .expect("aws cli runs");
        assert!(
            out.status.success(),
            "aws {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(
        aws(&["s3", "cp", "s3://reports/q3.csv", "-"]),
        "revenue,42\n"
    );
    let listing = aws(&["s3", "ls", "s3://reports/"]);
    assert!(listing.contains("q3.csv"), "{listing}");
}

/// An object read range by range through credgate (boto3 against moto, which serves ranges):
/// however small the ranges, put back together they hold the redaction and never a piece of
/// the secret, each `Content-Range` is the one asked for, and a multipart `download_file` still
/// completes. Before ranges were fetched with context, 7-byte ranges returned the secret in
/// seven-byte pieces, none of which any rule matches.
#[test]
fn ranges_of_an_object_cannot_be_put_back_together_into_a_secret() {
    let moto = Moto::start();
    let cg = start(&moto);
    let out = python(
        r#"
import os, boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
cfg = Config(proxies={"http": os.environ["PROXY"]}, s3={"addressing_style": "path"}, retries={"max_attempts": 1})
s3 = boto3.client("s3", endpoint_url=os.environ["EP"], region_name="us-east-1",
                  aws_access_key_id="S3_RW", aws_secret_access_key="not-a-secret", config=cfg)
body = b"x" * 200 + b" sk_live_51HabcDEFxyzQq0123456789abcdefABCDEF " + b"y" * 200
s3.put_object(Bucket="reports", Key="ranged.txt", Body=body)
joined = b""
for i in range(0, len(body), 7):
    last = min(i + 6, len(body) - 1)
    r = s3.get_object(Bucket="reports", Key="ranged.txt", Range=f"bytes={i}-{i + 6}")
    assert r["ContentRange"] == f"bytes {i}-{last}/{len(body)}", r["ContentRange"]
    joined += r["Body"].read()
print(joined.decode())
r = s3.get_object(Bucket="reports", Key="ranged.txt", Range="bytes=-50")
print(r["ContentRange"], r["Body"].read().decode())
try:
    s3.get_object(Bucket="reports", Key="ranged.txt", Range="bytes=5000-")
    print("past the end: served")
except s3.exceptions.ClientError as e:
    print("past the end:", e.response["ResponseMetadata"]["HTTPStatusCode"])
s3.download_file("reports", "ranged.txt", os.environ["FILE"],
                 Config=TransferConfig(multipart_threshold=64, multipart_chunksize=64, max_concurrency=2))
print(open(os.environ["FILE"], "rb").read().decode())
"#,
        &[
            ("EP", &moto.url("")),
            ("PROXY", &cg.alice()),
            ("FILE", &cg.path("downloaded.txt").display().to_string()),
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    let label = "[REDACTED:stripe_secret_key]";
    let (x, y) = ("x".repeat(200), "y".repeat(200));
    assert!(lines[0].contains(label), "{out}");
    assert_eq!(lines[0].replace(label, ""), format!("{x}  {y}"), "{out}");
    assert_eq!(
        lines[1],
        format!("bytes 396-445/446 {}", "y".repeat(50)),
        "{out}"
    );
    assert_eq!(lines[2], "past the end: 416", "{out}");
    assert!(
        lines[3].starts_with(&x) && lines[3].contains(label),
        "{out}"
    );
    for piece in ["sk_live_51", "HabcDEF", "xyzQq01", "23456789", "abcdefABC"] {
        assert!(!out.contains(piece), "{piece} in {out}");
    }
}

/// A range of an object whose type the route passes through unscanned is cut from the widened
/// range exactly, with its own `Content-Length`.
#[test]
fn a_range_of_a_skipped_binary_object_is_cut_exactly() {
    let moto = Moto::start();
    let cg = Credgate::start(
        &[(
            "bin.yaml",
            format!(
                "{}scrub:\n  skip_content_types: [image/*]\n",
                moto.route("S3_BIN", "reports-rw")
            ),
        )],
        &moto.aws_yaml(&format!("http://{}", moto.addr)),
    );
    let out = python(
        r#"
import os, boto3
from botocore.config import Config
cfg = Config(proxies={"http": os.environ["PROXY"]}, s3={"addressing_style": "path"}, retries={"max_attempts": 1})
s3 = boto3.client("s3", endpoint_url=os.environ["EP"], region_name="us-east-1",
                  aws_access_key_id="S3_BIN", aws_secret_access_key="not-a-secret", config=cfg)
body = bytes(range(256)) * 4
s3.put_object(Bucket="reports", Key="img.png", Body=body, ContentType="image/png")
r = s3.get_object(Bucket="reports", Key="img.png", Range="bytes=300-309")
got = r["Body"].read()
print(r["ContentRange"], r["ContentLength"], got == body[300:310])
"#,
        &[("EP", &moto.url("")), ("PROXY", &cg.alice())],
    );
    assert_eq!(out.trim(), "bytes 300-309/1024 10 True", "{out}");
    let line = cg
        .audit()
        .into_iter()
        .find(|l| l["path"] == "/reports/img.png" && l["method"] == "GET")
        .unwrap();
    assert_eq!(line["scrub"], "body_skipped", "{line}");
}
