//! Passwords under abbreviated keys (`pass`, `pwd`), as `.env` files, mail settings and
//! connection strings write them: each is redacted by the default packs with nothing around it,
//! in every form a keyword takes, and every cut of each body scrubs as the whole; the words
//! that merely hold or begin with the key (`password` aside), test results, directories, counts
//! and references pass.

use std::sync::Arc;

use credgate::scrub::{LiveSet, ScrubPolicy};

use crate::scrub_assert::{assert_nothing_redacted, assert_redacted_once};

const PW: &str = "Xk92mPq7Lw";

/// (body holding `PW` once, as a password), from the tools that write each form.
const POSITIVES: &[&str] = &[
    // `.env` files: PHP and Node apps' database and mail settings.
    "DB_PASS=Xk92mPq7Lw\nDB_HOST=db\n",
    "SMTP_PASS=\"Xk92mPq7Lw\"\n",
    "export MAIL_PASS='Xk92mPq7Lw'\n",
    // MySQL's client reads `MYSQL_PWD`; ODBC and ADO connection strings say `Pwd` or `PWD`.
    "MYSQL_PWD=Xk92mPq7Lw mysql -u root\n",
    "Driver={ODBC Driver 18};Server=db;Uid=sa;Pwd=Xk92mPq7Lw;Encrypt=yes",
    "DSN=prod;UID=app;PWD=Xk92mPq7Lw",
    // nodemailer's transport options, as JSON and as code.
    r#"{"host":"smtp.example.net","auth":{"user":"ops@example.net","pass":"Xk92mPq7Lw"}}"#,
    "auth: { user: 'ops@example.net', pass: 'Xk92mPq7Lw' },\n",
    // Camel case and dotted names.
    "const dbPass = \"Xk92mPq7Lw\";\n",
    "spring.mail.pass=Xk92mPq7Lw\n",
    "<smtpPass>Xk92mPq7Lw</smtpPass>",
    // A long option, and JSON inside a JSON string.
    "mysqldump --user=root --pass=Xk92mPq7Lw app\n",
    r#"{"log":"{\"db_pass\": \"Xk92mPq7Lw\"}"}"#,
    // A setting named in one field and valued in the next.
    r#"{"env":[{"name":"SMTP_PASS","value":"Xk92mPq7Lw"}]}"#,
    "- name: SMTP_PASS\n  value: Xk92mPq7Lw\n",
    r#"{"environment":{"MYSQL_PWD":"Xk92mPq7Lw"}}"#,
];

/// Bodies with no password in them.
const NEGATIVES: &[&str] = &[
    // Go's and automake's test results.
    "--- PASS: TestLogin (0.00s)\n--- PASS: TestLogout2 (0.01s)\nPASS\n",
    "PASS: tests/basic2.sh\nFAIL: tests/net3.sh\n",
    "[PASS] test_login2 (0.1s)\nTOTAL: 12 PASS: 10 FAIL: 2\n",
    r#"{"result": "PASS", "case": "T1"}"#,
    // Python's statement, a listener's options, a firewall rule's verdict.
    "def f():\n    pass\nclass A: pass\n",
    "el.addEventListener('scroll', h, { passive: true });",
    r#"{"rules": [{"pass": "Allow", "on": "Tcp80"}]}"#,
    // Test counts and verdicts.
    r#"{"pass": 120, "fail": 3}"#,
    r#"{"pass": "partial", "status": "Done"}"#,
    // The key inside a longer word.
    "bypass=Xk92mPq7Lw\n",
    "BYPASS=Xk92mPq7Lw\n",
    "compass: N12E45W\n",
    "OLDPWD=Xk92mPq7Lw\n",
    "passed: Xk92mPq7Lw\n",
    "import getpass; pw = getpass.getpass(prompt='Pass1: ')\n",
    // Directories, as shells and CI runners print their working one.
    "PWD=/home/runner/work/app2\nOLDPWD=/home/runner\n",
    r#"{"pwd": "/srv/app/v2"}"#,
    "pwd: ~/src/App2\n",
    "PWD=C:\\Users\\ci\\Work2\n",
    // References and placeholders.
    "auth: { user: process.env.SMTP_USER, pass: process.env.SMTP_PASS },\n",
    "DB_PASS=${DB_PASSWORD}\n",
    "DB_PASS=changeme\n",
    "SMTP_PASS=<your-smtp-password>\n",
    // A shell's working directory read, not assigned.
    "cd \"$PWD\" && echo $(pwd)\n",
];

#[test]
fn each_abbreviated_password_is_redacted_and_nothing_around_it() {
    let live = Arc::new(LiveSet::empty());
    for text in POSITIVES {
        assert_redacted_once(&ScrubPolicy::default(), &live, text, PW, "password");
    }
}

#[test]
fn test_results_words_directories_counts_and_references_pass() {
    let live = Arc::new(LiveSet::empty());
    assert_nothing_redacted(&ScrubPolicy::default(), &live, NEGATIVES);
}
