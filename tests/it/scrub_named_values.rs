//! Settings named in one field and valued in another, as environment-variable and parameter
//! APIs return them (`rules/named_value.rs`): each value is redacted by the default packs with
//! nothing around it, in compact and pretty JSON, YAML (`kubectl get -o yaml`) and .NET's XML;
//! every cut of each body scrubs as the whole; and references, placeholders, cursors, names that
//! only begin with a keyword, and records with no value pass.

use std::sync::Arc;

use credgate::scrub::{base62_crc32, LiveSet, ScrubPolicy};

use crate::scrub_assert::{assert_nothing_redacted, assert_redacted_once};

/// (body holding one secret, the secret, its kind), from the APIs that write each form.
fn positives() -> Vec<(String, String, &'static str)> {
    let pw = "Zr8nT4kWq2Lp".to_string();
    let random = "Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H";
    let ghp = format!(
        "ghp_{random}{}",
        std::str::from_utf8(&base62_crc32(random.as_bytes())).unwrap()
    );
    let one = |body: String, secret: &str, kind| (body, secret.to_string(), kind);
    vec![
        // A container's env as the Kubernetes API returns it, and ECS's `environment`.
        one(
            format!(r#"{{"env":[{{"name":"DB_PASSWORD","value":"{pw}"}},{{"name":"LOG_LEVEL","value":"debug"}}]}}"#),
            &pw,
            "password",
        ),
        // As `kubectl get -o json` indents it.
        one(
            format!("{{\n    \"env\": [\n        {{\n            \"name\": \"STRIPE_SECRET_KEY\",\n            \"value\": \"{pw}Q7\"\n        }}\n    ]\n}}"),
            &format!("{pw}Q7"),
            "secret",
        ),
        // Spaces before the comma and the colon, and single quotes (a Python repr).
        one(format!(r#"{{'name' : 'API_TOKEN' , 'value' : '{pw}x9'}}"#), &format!("{pw}x9"), "token"),
        // As `kubectl get -o yaml` writes it: bare, quoted, and with Windows line ends.
        one(
            format!("      env:\n        - name: DB_PASSWORD\n          value: {pw}\n        - name: PORT\n          value: \"8080\"\n"),
            &pw,
            "password",
        ),
        one(
            format!("- name: \"GITHUB_API_KEY\"\n  value: '{pw}Q7x9'\n"),
            &format!("{pw}Q7x9"),
            "api_key",
        ),
        one(format!("- name: DB_PASSWORD\r\n  value: {pw}\r\n"), &pw, "password"),
        // A YAML value runs to its line's end, as a keyword's does (a passphrase).
        one(
            "- name: ADMIN_PASSWORD\n  value: correct horse battery staple\n".into(),
            "correct horse battery staple",
            "password",
        ),
        // A container's arguments as a YAML list: the value is the item after the long option.
        one(
            format!("        args:\n        - --db-password\n        - {pw}\n        - --listen=:8080\n"),
            &pw,
            "password",
        ),
        // GitLab's CI variables, Vercel's env, SSM (a field between), CloudFormation.
        one(
            format!(r#"[{{"variable_type":"env_var","key":"DEPLOY_TOKEN","value":"{pw}R2","protected":true}}]"#),
            &format!("{pw}R2"),
            "token",
        ),
        one(
            format!(r#"{{"envs":[{{"type":"encrypted","key":"CLIENT_SECRET","value":"{pw}Q3","target":["production"]}}]}}"#),
            &format!("{pw}Q3"),
            "secret",
        ),
        one(
            format!(r#"{{"Parameter":{{"Name":"/prod/db/password","Type":"SecureString","Value":"{pw}","Version":3}}}}"#),
            &pw,
            "password",
        ),
        one(
            format!(r#"{{"Parameters":[{{"ParameterKey":"DbPassword","ParameterValue":"{pw}"}}]}}"#),
            &pw,
            "password",
        ),
        // .NET's settings file.
        one(
            format!("<setting name=\"Password\" serializeAs=\"String\">\r\n        <value>{pw}</value>\r\n      </setting>"),
            &pw,
            "password",
        ),
        // `kubectl`'s last-applied-configuration: the object again, as a JSON string.
        one(
            format!(r#"{{"metadata":{{"annotations":{{"kubectl.kubernetes.io/last-applied-configuration":"{{\"spec\":{{\"containers\":[{{\"env\":[{{\"name\":\"DB_PASSWORD\",\"value\":\"{pw}\"}}],\"name\":\"api\"}}]}}}}\n"}}}}}}"#),
            &pw,
            "password",
        ),
        // A log line's message holding an SSM answer (a field between, escaped).
        one(
            format!(r#"{{"msg":"got {{\"Name\": \"/prod/db/password\", \"Type\": \"SecureString\", \"Value\": \"{pw}\"}}"}}"#),
            &pw,
            "password",
        ),
        // AWS Secrets Manager's value is the secret itself.
        one(
            format!(r#"{{"Name":"prod/api","SecretString":"{pw}Q3","VersionId":"a1"}}"#),
            &format!("{pw}Q3"),
            "secret",
        ),
        // A value in a known format is labelled as that format.
        one(
            format!(r#"{{"name":"GITHUB_TOKEN","value":"{ghp}"}}"#),
            &ghp,
            "github_token",
        ),
    ]
}

/// A value from elsewhere (`valueFrom`, `$(VAR)`), empty, a placeholder, a pagination cursor, a
/// name that only begins with a keyword, a list of field names, and a YAML list item after a
/// word that is no option.
const NEGATIVES: &[&str] = &[
    r#"{"name":"DB_PASSWORD","valueFrom":{"secretKeyRef":{"name":"db","key":"password"}}}"#,
    r#"{"a":"{\"name\":\"DB_PASSWORD\",\"valueFrom\":{\"secretKeyRef\":{}}}"}"#,
    "- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db\n      key: password\n",
    r#"{"name":"DB_PASSWORD","value":""}"#,
    r#"{"name":"API_TOKEN","value":"changeme"}"#,
    r#"{"key":"STRIPE_SECRET_KEY","value":"sk_test_xxxxxxxxxxxxxxxxxxxxxxxx"}"#,
    r#"{"name":"DB_PASSWORD","value":"${DB_PASSWORD}"}"#,
    r#"{"name":"DB_PASSWORD","value":"$(VAULT_DB_PASSWORD)"}"#,
    "- name: DB_PASSWORD\n  value: $(DB_PW)\n- name: API_TOKEN\n  value: '{{ .Values.token }}'\n",
    r#"{"name":"NEXT_PAGE_TOKEN","value":"CgNhYmMSA2RlZgZ3"}"#,
    r#"{"name":"PASSWORD_MIN_LENGTH","value":"12"}"#,
    r#"{"required":["username","password","email"],"type":"object"}"#,
    r#"{"name":"password","type":"password","value":""}"#,
    "fields:\n- password\n- Zr8nT4kWq2Lp\n",
    "Enter the token\nvalue: 3",
];

#[test]
fn each_named_value_is_redacted_and_nothing_around_it() {
    let p = ScrubPolicy::default();
    let live = Arc::new(LiveSet::empty());
    for (text, secret, kind) in positives() {
        assert_redacted_once(&p, &live, &text, &secret, kind);
    }
}

#[test]
fn references_placeholders_cursors_and_records_without_a_value_pass() {
    let live = Arc::new(LiveSet::empty());
    assert_nothing_redacted(&ScrubPolicy::default(), &live, NEGATIVES);
}
