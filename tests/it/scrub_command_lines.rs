//! Passwords given to command-line tools (the opt-in `command_lines` pack): each tool's short
//! option or argument is redacted, with nothing around it; a prompt, a variable, a file, a
//! placeholder and the same options on other tools pass; every cut of each line scrubs as the
//! whole; and a route without the pack leaves command lines alone.

use std::sync::Arc;

use credgate::scrub::{scrub_all, LiveSet, RawScrub, ScrubPolicy};

use crate::scrub_assert::{assert_nothing_redacted, assert_redacted_once};

fn with_pack() -> ScrubPolicy {
    ScrubPolicy::compile(RawScrub {
        packs: Some(vec!["default".into(), "command_lines".into()]),
        ..Default::default()
    })
    .expect("the packs compile")
}

/// (text containing one password, the password), as CI logs (`set -x`), runbooks and READMEs
/// show them.
fn positives() -> Vec<(String, &'static str)> {
    vec![
        ("+ mysql -h db.internal -u root -pXq7Lm3Zr9Kd4 appdb".into(), "Xq7Lm3Zr9Kd4"),
        ("mysqldump -uroot -p'Sup3r S3cret' --all-databases > dump.sql".into(), "Sup3r S3cret"),
        // Single-quoted because of its `$`: a shell expands nothing there.
        ("sshpass -p '$uperS3cret' ssh deploy@10.0.0.5".into(), "$uperS3cret"),
        (r#"{"script":"set -e\nmysql -h db -uapp -p\"Xq7Lm3Zr9Kd4\" app\nredis-cli -a $REDIS_PW ping"}"#.into(), "Xq7Lm3Zr9Kd4"),
        (r#"{"script":"set -e\nredis-cli -a Q7vL4nR8sT1wY6zB ping"}"#.into(), "Q7vL4nR8sT1wY6zB"),
        ("sshpass -p 'Xq7Lm3Zr9Kd4' ssh deploy@10.0.0.5 uptime".into(), "Xq7Lm3Zr9Kd4"),
        ("redis-cli -h cache.internal -a Xq7Lm3Zr9Kd4 --no-auth-warning ping".into(), "Xq7Lm3Zr9Kd4"),
        ("mongosh \"mongodb://db.internal\" -u admin -p Xq7Lm3Zr9Kd4".into(), "Xq7Lm3Zr9Kd4"),
        ("echo ok && docker login -u bob -p Xq7Lm3Zr9Kd4 registry.example.com".into(), "Xq7Lm3Zr9Kd4"),
        ("curl -sS -u admin:Xq7Lm3Zr9Kd4 https://api.example.com/v1/items".into(), "Xq7Lm3Zr9Kd4"),
        ("curl https://api.example.com/v1/items \\\n  -H 'Accept: application/json' \\\n  --user 'admin:Xq7Lm3Zr9Kd4'".into(), "Xq7Lm3Zr9Kd4"),
        ("htpasswd -bc /etc/nginx/.htpasswd admin Xq7Lm3Zr9Kd4".into(), "Xq7Lm3Zr9Kd4"),
        ("openssl pkcs12 -export -in c.pem -passout pass:Xq7Lm3Zr9Kd4 -out c.p12".into(), "Xq7Lm3Zr9Kd4"),
        ("keytool -importkeystore -srckeystore a.p12 -srcstorepass Xq7Lm3Zr9Kd4".into(), "Xq7Lm3Zr9Kd4"),
        ("ldapsearch -x -D cn=admin,dc=example,dc=org -w Xq7Lm3Zr9Kd4 -b dc=example,dc=org".into(), "Xq7Lm3Zr9Kd4"),
        ("sqlcmd -S localhost -U sa -P \"Xq7Lm3Zr9Kd4\" -Q \"SELECT 1\"".into(), "Xq7Lm3Zr9Kd4"),
        ("smbclient //server/share -U 'CORP\\bob%Xq7Lm3Zr9Kd4'".into(), "Xq7Lm3Zr9Kd4"),
        ("mc alias set myminio https://minio.local minioadmin Xq7Lm3Zr9Kd4".into(), "Xq7Lm3Zr9Kd4"),
        ("7z a -pXq7Lm3Zr9Kd4 -mhe=on backup.7z data/".into(), "Xq7Lm3Zr9Kd4"),
        ("zip -P Xq7Lm3Zr9Kd4 out.zip report.csv".into(), "Xq7Lm3Zr9Kd4"),
        ("rabbitmqctl add_user admin 'Xq7Lm3Zr9Kd4'".into(), "Xq7Lm3Zr9Kd4"),
        ("ssh-keygen -t ed25519 -N 'Xq7Lm3Zr9Kd4' -f deploy_key".into(), "Xq7Lm3Zr9Kd4"),
        ("xfreerdp /v:host.internal /u:admin /p:Xq7Lm3Zr9Kd4 /cert:ignore".into(), "Xq7Lm3Zr9Kd4"),
        ("helm registry login ghcr.io -u bob -p Xq7Lm3Zr9Kd4".into(), "Xq7Lm3Zr9Kd4"),
        ("jarsigner -keystore k.jks -storepass:env KS_PASS -destkeypass Xq7Lm3Zr9Kd4 a.jar".into(), "Xq7Lm3Zr9Kd4"),
        ("mariadb-dump -u backup -p\"Xq7Lm3Zr9Kd4\" --all-databases".into(), "Xq7Lm3Zr9Kd4"),
        // A JSON string holding a `\`-continued command (a workflow's `run:` returned by an API).
        (r#"{"run":"curl https://x \\\n  -H 'Accept: */*' \\\n  -U proxy:Xq7Lm3Zr9Kd4"}"#.into(), "Xq7Lm3Zr9Kd4"),
    ]
}

/// Command lines whose password is a prompt, a variable, a file or a placeholder, and the same
/// options on other tools (a port, a user agent).
const NEGATIVES: &[&str] = &[
        "mysql -u root -p appdb\nmysql -h db -P 3306 -u root -p\"$MYSQL_PWD\" app\nmysqldump -uroot -p${DB_PASSWORD} db",
        "curl -u \"$USER:$TOKEN\" https://x\ncurl -u user:password https://x\ncurl --user-agent \"Mozilla/5.0 (X11; Linux)\" https://example.com",
        "docker run -p 8080:80 -u app nginx\nssh -p 2222 deploy@host\nssh-keygen -t ed25519 -N '' -f key\nhtpasswd -c /etc/nginx/.htpasswd admin",
        "openssl pkcs12 -in a.p12 -passin env:P12_PASS -passout file:pw.txt\nkeytool -list -storepass changeit\nsshpass -p \"$(cat /run/secrets/ssh)\" ssh host",
        "docker login -u bob -p %REGISTRY_PASSWORD% ghcr.io\nredis-cli -a `cat pw` ping\nsqlcmd -S db -U sa -P <password>",
        "Connect with mysql -u root -p[password] db, or see mysql -p, --password[=name].",
];

#[test]
fn each_tools_password_is_redacted_and_nothing_around_it() {
    let p = with_pack();
    let live = Arc::new(LiveSet::empty());
    for (text, secret) in positives() {
        assert_redacted_once(&p, &live, &text, secret, "password");
    }
}

#[test]
fn prompts_variables_placeholders_and_other_tools_pass() {
    let live = Arc::new(LiveSet::empty());
    assert_nothing_redacted(&with_pack(), &live, NEGATIVES);
}

#[test]
fn without_the_pack_command_lines_pass() {
    let live = Arc::new(LiveSet::empty());
    let (text, _) = &positives()[0];
    let (out, counts) = scrub_all(&ScrubPolicy::default(), &live, text.as_bytes());
    assert_eq!(counts.total(), 0);
    assert_eq!(out, text.as_bytes());
}
