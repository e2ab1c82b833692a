//! Passwords given to well-known command-line tools as short options or plain arguments:
//! `mysql -pXq7…`, `curl -u admin:Xq7…`, `sshpass -p '…'`, `redis-cli -a …`, `docker login -p
//! …`, `htpasswd -b file user …`, `openssl … -passout pass:…`, `keytool -storepass …`. CI logs
//! (`set -x`), runbooks, READMEs and shell histories show them, and neither a key nor a long
//! option names them (`--password …` is the keyword rules'), so only the tool's name tells
//! that `-p` is a password here and a port or a path elsewhere.
//!
//! Each rule is anchored at the tool's name and looks along the rest of its command line (across
//! `\`-continued lines, raw or JSON-escaped) for the option. The value may be attached
//! (`-pXq7…`), separate, or quoted (also `\"…\"` inside a JSON string); a variable, an expansion
//! or a substitution (`-p"$MYSQL_PWD"`, `-p$(cat f)`, `%DB_PASSWORD%`) is where the password is,
//! not the password, and is left (see `Check::Argument`), as are placeholders (`-p'<password>'`).
//!
//! Opt-in (`packs: [default, command_lines]`): the tools' names are lower-case words that begin
//! as prose does, and the prefilter's buckets grow loose with them. Even six of them (`mysql`,
//! `curl `, ...) cost clean JSON 16% more instructions, all of them HTML 27% and logs 29%.
//!
//! Left out: tools whose option takes a file or another value as often as a password (`az login
//! -p` takes a certificate's path too), and HTTPie's `http -a` (the anchor `http ` is all over
//! prose).

use super::{rule, Check, RuleDef};

/// One unit of a command line: a byte other than a line end, or a line continued with `\` (raw,
/// or JSON-escaped as `\\\n`), or another escape a JSON string may hold (`\"`).
macro_rules! line_unit {
    () => {
        r"(?:[^\r\n\\]|\\\\\\n|\\\r?\n|\\[^nr\r\n])"
    };
}

/// The rest of the command line before an option, lazily: the first such option counts.
macro_rules! before_option {
    () => {
        concat!("[ \t](?:", line_unit!(), "{0,256}?[ \t])?")
    };
}

/// A value: single-quoted, double-quoted (also `\"…\"` in a JSON string), or bare up to a blank,
/// a quote or a shell operator. A bare value starting with `-` is the next option, and one
/// starting with punctuation is prose (`-p, --password`) or a placeholder (`-p[password]`).
macro_rules! value {
    () => {
        concat!(
            r#"(?:'([^'\r\n]{1,256})'|\\?"((?:[^"\\\r\n]|\\[^"\r\n]){1,256})\\?"|"#,
            r#"([^- \t\r\n"'\\;|&<>,.:()\[\]{}][^ \t\r\n"'\\;|&<>]{0,255}))"#
        )
    };
}

/// A plain argument before the value (a file, a user name): not an option.
macro_rules! word {
    () => {
        r"[^- \t\r\n][^ \t\r\n]{0,255}[ \t]{1,4}"
    };
}

const fn argument(anchors: &'static [&'static str], regex: &'static str) -> RuleDef {
    rule(
        "password",
        "command_lines",
        anchors,
        regex,
        0,
        Check::Argument,
    )
}

/// The command-line rules.
pub const COMMAND_LINE_RULES: &[RuleDef] = &[
    // MySQL's and MariaDB's clients take the password attached (`-pXq7…`); `-p` alone prompts,
    // and the word after it is the database.
    argument(
        &["mysql", "mariadb"],
        concat!(
            r"(?:mysql|mariadb)(?:-?(?:dump|admin|import|check|show|slap|pump|binlog))?",
            before_option!(),
            "-p",
            value!()
        ),
    ),
    // sshpass, attached or not.
    argument(
        &["sshpass"],
        concat!(r"sshpass", before_option!(), r"-p[ \t]{0,4}", value!()),
    ),
    argument(
        &["redis-cli"],
        concat!(
            r"redis-cli",
            before_option!(),
            r"(?:-a|--pass)[ \t]{1,4}",
            value!()
        ),
    ),
    // MongoDB's shells and tools.
    argument(
        &["mongo"],
        concat!(
            r"mongo(?:sh|dump|restore|export|import|stat|top|files)?",
            before_option!(),
            r"-p[ \t]{1,4}",
            value!()
        ),
    ),
    // Registry logins (Helm's is `helm registry login`).
    argument(
        &[
            "docker login",
            "podman login",
            "nerdctl login",
            "buildah login",
            "skopeo login",
            "registry login",
            "oras login",
        ],
        concat!(
            r"(?:docker|podman|nerdctl|buildah|skopeo|registry|oras)[ \t]login",
            before_option!(),
            r"-p[ \t]{1,4}",
            value!()
        ),
    ),
    // SQL Server's and LDAP's clients, and Samba's (`-U user%password`).
    argument(
        &["sqlcmd", "bcp "],
        concat!(
            r"(?:sqlcmd|bcp)",
            before_option!(),
            r"-P[ \t]{0,4}",
            value!()
        ),
    ),
    argument(
        &["ldap"],
        concat!(
            r"ldap(?:search|modify|add|delete|passwd|whoami|compare|modrdn|exop)",
            before_option!(),
            r"-w[ \t]{0,4}",
            value!()
        ),
    ),
    argument(
        &["smbclient", "rpcclient", "smbcacls"],
        concat!(
            r"(?:smbclient|rpcclient|smbcacls)",
            before_option!(),
            r#"(?:-U|--user=?)[ \t]{0,4}['"]?[^ \t\r\n%'"]{1,128}%([^ \t\r\n'"\\]{1,256})"#
        ),
    ),
    // `xfreerdp /u:admin /p:…`.
    argument(
        &["freerdp"],
        concat!(r"freerdp3?", before_option!(), r"[/-]p:", value!()),
    ),
    // curl's server and proxy credentials, `user:password`.
    argument(
        &["curl "],
        concat!(
            r"curl",
            before_option!(),
            r"(?:-u|--user|-U|--proxy-user)(?:[ \t]{1,4}|=)?",
            r#"(?:'[^:'\r\n]{0,128}:([^'\r\n]{1,256})'"#,
            r#"|\\?"[^:"\\\r\n]{0,128}:((?:[^"\\\r\n]|\\[^"\r\n]){1,256})\\?""#,
            r#"|[^- \t\r\n:"'\\][^ \t\r\n:"'\\]{0,127}:([^ \t\r\n"'\\;|&<>]{1,256}))"#
        ),
    ),
    // Apache's `htpasswd -b[c] file user password`, `-nb user password`.
    argument(
        &["htpasswd "],
        concat!(
            r"htpasswd[ \t]{1,4}(?:",
            r"-(?:[A-Za-z]{0,4}n[A-Za-z]{0,4}b|[A-Za-z]{0,4}b[A-Za-z]{0,4}n)[A-Za-z]{0,4}[ \t]{1,4}",
            word!(),
            value!(),
            r"|-[A-Za-z]{0,4}b[A-Za-z]{0,4}[ \t]{1,4}",
            word!(),
            word!(),
            value!(),
            ")"
        ),
    ),
    // OpenSSL's pass phrase arguments (`-passout pass:…`; `env:`, `file:` and `stdin` name
    // where it is).
    RuleDef {
        back: 1,
        ..argument(
            &[
                "passout ",
                "passin ",
                "pass pass:",
                "pass 'pass:",
                "pass \"pass:",
                "password pass:",
            ],
            concat!(
                r#"-pass(?:out|in|word)?[ \t]{1,4}['"]?pass:"#,
                r#"([^ \t\r\n"'\\;|&<>]{1,256})"#
            ),
        )
    },
    // Java's keytool and jarsigner (`-storepass`, `-keypass`, `-srcstorepass`, `-destkeypass`).
    RuleDef {
        back: 1,
        ..argument(
            &["storepass ", "keypass "],
            concat!(r"[-ct](?:store|key)pass[ \t]{1,4}", value!()),
        )
    },
    // MinIO's client: `mc alias set NAME URL ACCESS_KEY SECRET_KEY`.
    argument(
        &["mc alias set", "mc config host add"],
        concat!(
            r"mc[ \t](?:alias[ \t]set|config[ \t]host[ \t]add)[ \t]{1,4}",
            word!(),
            word!(),
            word!(),
            value!()
        ),
    ),
    argument(
        &["rabbitmqctl"],
        concat!(
            r"rabbitmqctl",
            before_option!(),
            r"(?:add_user|change_password)[ \t]{1,4}",
            word!(),
            value!()
        ),
    ),
    // A key's passphrase: `ssh-keygen -N …` (new) and `-P …` (old).
    argument(
        &["ssh-keygen"],
        concat!(
            r"ssh-keygen",
            before_option!(),
            r"-[NP][ \t]{0,4}",
            value!()
        ),
    ),
    // Archives: `zip -P …`, `unzip -P …`, 7-Zip's `-p…`.
    argument(
        &["zip "],
        concat!(
            r"(?-u:\b)(?:un)?zip",
            before_option!(),
            r"-P[ \t]{1,4}",
            value!()
        ),
    ),
    argument(
        &["7z ", "7za ", "7zz "],
        concat!(r"(?-u:\b)7z[az]?", before_option!(), "-p", value!()),
    ),
];
