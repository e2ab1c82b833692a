use std::sync::Arc;

use super::*;
use crate::scrub::{LiveSet, ScrubPolicy};

/// `line` with the value between `«` and `»`: whether it is taken for code.
fn verdict(line: &str) -> bool {
    let start = line.find('«').unwrap();
    let end = line.find('»').unwrap() - '«'.len_utf8();
    let hay = line.replace(['«', '»'], "");
    names_a_secret(hay.as_bytes(), 0, start..end)
}

#[test]
fn code_shapes_are_told_from_secrets() {
    let table: &[(&str, bool)] = &[
        // Calls: parentheses that balance, or a string argument that ends the bare value.
        (
            "apiKey: «Environment.GetEnvironmentVariable(»\"OPENAI_API_KEY\")",
            true,
        ),
        ("api_key = «os.getenv(»\"API_KEY\")", true),
        // The same inside a JSON string.
        (
            "\"code\":\"apiKey: «Environment.GetEnvironmentVariable(»\\\"KEY\\\")\\n\"",
            true,
        ),
        ("let token = «localStorage.getItem(»'token');", true),
        ("password = «getpass.getpass()»\n", true),
        ("password = «hashlib.sha256(raw).hexdigest()»\n", true),
        // Indexing.
        ("secret = «os.environ»[\"SECRET\"]", true),
        ("token = «tokenToFixture»[token]", true),
        ("$password = «$_POST»['password'];", true),
        // Member paths from a settings object, or naming an environment variable.
        ("apiKey: «process.env.OPENAI_API_KEY» });", true),
        ("password: «config.database.password»\n", true),
        ("token: «env.FIXTURES_USER_A_TOKEN_FULL_ACCESS»,", true),
        ("token: «secrets.GITHUB_TOKEN»\n", true),
        ("api_key=«settings.API_KEY»\n", true),
        // A variable or member named after the key, passed on.
        (
            "f(aws_access_key=a, aws_secret_key=«aws_secret_key)»\n",
            true,
        ),
        ("        api_key=«resolved_api_key»,", true),
        ("            \"api_key\": «requestor.api_key»,", true),
        ("self.aws_secret_key = «aws_secret_key»\n", true),
        // The name of the variable that holds it, quoted or not (and so a password written
        // as one is let through: the price of reading manifests and SDK sources cleanly).
        ("ENV_API_KEY = \"«ANTHROPIC_API_KEY»\"", true),
        ("  secretKeyRef: {name: db, key: «DB_PASSWORD»}", true),
        ("password: «SUPER_SECRET_PASSWORD»\n", true),
        // A type named as its field, a parameter's type, a call that goes on to the next line.
        (
            "        \"confirmation_secret\": «ConfirmationSecret»,",
            true,
        ),
        (
            "    def __init__(self, username: str, password: «str)» -> None: ...",
            true,
        ),
        ("        resolved_api_key = «resolve_api_key(»\n", true),
        // Test values and a shell's command substitution, quoted or not.
        ("    stripe.StripeClient(api_key=\"«sk_test_123»\")", true),
        (
            "    AnthropicAWS(api_key=\"«test-key»\", aws_region=\"us-east-1\")",
            true,
        ),
        ("    api_key=\"«sk_test_iter_forwards_options»\",", true),
        ("--password=\"«$$(cat /run/secrets/db-password)»\"", true),
        ("--password «$(cat» /run/secrets/db-password)", true),
        ("api_key = \"«my-anthropic-api-key»\"", true),
        // Two stand-in words run together; a third word makes a (weak) password.
        ("password: «yourpassword»\n", true),
        ("PASSWORD=«mypassword»\n", true),
        ("secret: «mysecret»\n", true),
        ("password: «mypasswordisgood»\n", false),
        ("password: «Mypassword»\n", false),
        ("    api_key=\"«org_key_abc»\",", true),
        // Where it is read from: a file, a shell variable.
        (
            "      - DATABASE_PASSWORD=«/run/secrets/db-password»\n",
            true,
        ),
        ("- Password: «$POSTGRES_PW» (see .env)", true),
        (
            "docker login -u bob --password \"«$PASSWORD»\" ghcr.io",
            true,
        ),
        // Stand-ins with spaces, a parameter's TypeScript type, a variable named as its key.
        ("api_key = \"«My API Key»\"", true),
        ("    aws_secret_access_key=\"«secret key»\",", true),
        (
            "  computeHMACSignature(payload: string, secret: «string):» string {",
            true,
        ),
        (
            "    verify_signature(payload=payload, headers=headers, secret=«secret)»\n",
            true,
        ),
        // Go and Java: a dereferenced call with a call inside, a method given a variable and
        // more arguments, variables in camel case, a member named as the key ends.
        (
            "\tSecret: «*builders.Secret(builders.SecretName(»\"foo\")),",
            true,
        ),
        ("\t\t\tSecret: «*builders.Secret(»\n", true),
        ("\tpassword = «strings.TrimSuffix(password», \"\\n\")", true),
        (
            "\t\tpassword = «strings.TrimSuffix(string(passwordFromStdin)», \"\\n\")",
            true,
        ),
        (
            "\tmock.calls.Password = «append(mock.calls.Password», callInfo)",
            true,
        ),
        ("\t\t\t\"htpasswd\": «configuration.Parameters»{", true),
        ("\tToken: «&oauth2.Token»{AccessToken: tok},", true),
        ("    password = «aPassword»;", true),
        ("\t\t\t\tPassword: «validToken»,", true),
        ("\tsecret: «newApiKey»,", true),
        ("\t\treceivedAccessToken = «res.AccessToken»\n", true),
        // A shell variable closed by a code span's backtick.
        (
            "set EBS_ACCESSKEY=$AWS_ACCESSKEY EBS_SECRETKEY=«$AWS_SECRETKEY`»\n",
            true,
        ),
        // Secrets, however close.
        ("password: «Xy7q(Lm3», x", false),
        ("password: «xy.Zq(Lm3», x", false),
        ("password: «myPassw0rd»\n", false),
        ("password: «xy(Ab.c9», x", false),
        ("password: «ab.c(d)e», x", false),
        ("secret: «abc.DEF»{", false),
        ("token: «MyToken»\n", false),
        ("secret: «hunter.Token»\n", false),
        ("password: \"«my dog has fleas»\"", false),
        ("password: \"«correct horse battery staple»\"", false),
        ("password=«/aB3x/Qz9/k»\n", false),
        ("password=«$uperSecret1»\n", false),
        ("token=«prod_9f8a7b6c5d4e3f2a»&", false),
        ("password: «Passw0rd»\n", false),
        (
            "api_key=\"«sk_test_51HqLyjWDarjtT1zdp7dcXcFZkzJq4m8»\"",
            false,
        ),
        ("password=«test_Passw0rd_2024»\n", false),
        ("password=«$(echo»\n", false),
        ("password=«MyPassword»\n", false),
        ("api_key=«prod_key_8f2a9c»\n", false),
        ("password: «ALL_CAPS_2024»\n", false),
        ("password=«hunter2Xy9»\n", false),
        ("password: «Summer.2024»\n", false),
        ("password: «Hunter.Two»\n", false),
        ("password: «Xy7q(Lm3»\n", false),
        ("password: «Xy7q(Lm3»\"", false),
        ("token=«abc.DEF123»&", false),
        ("token=«Zx81Kq0PLm3N.QWERTY12»&", false),
        ("password: «(secret)»\n", false),
        ("password: «p)w(d»\n", false),
        ("token=«abcDEF123456»[", false),
        // Quoted or in XML: a literal, whatever it looks like.
        ("password: \"«process.env.DB_PASSWORD»\"", false),
        ("<password>«process.env.DB_PASSWORD»</password>", false),
    ];
    for (line, code) in table {
        assert_eq!(verdict(line), *code, "{line}");
    }
}

#[test]
fn source_code_passes_through_and_literals_do_not() {
    let code = r#"const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY });
  password: process.env.DB_PASSWORD,
    token: secrets.GITHUB_TOKEN
api_key=settings.API_KEY
token = tokenToFixture[token]
apiKey: Environment.GetEnvironmentVariable("OPENAI_API_KEY")
secret = os.environ["SECRET"]
password = getpass.getpass()
password: config.database.password
api_key = os.getenv("API_KEY")
let token = localStorage.getItem('token');
$password = $_POST['password'];
password = hashlib.sha256(raw).hexdigest()
	password = strings.TrimSuffix(string(passwordFromStdin), "\n")
		Secret: *builders.Secret(builders.SecretName("foo")),
			"htpasswd": configuration.Parameters{
				Password: validToken,
		receivedAccessToken = res.AccessToken
$ docker plugin set vendor/plugin EBS_SECRETKEY=$AWS_SECRETKEY`
"#;
    let literals = "password=hunter2Xy9\napi_key = \"process.env.OPENAI_API_KEY\"\n";
    let body = format!("{code}{literals}");
    let policy = ScrubPolicy::default();
    let set = Arc::new(LiveSet::empty());
    for piece in [1, 7, body.len()] {
        let chunks: Vec<&[u8]> = body.as_bytes().chunks(piece).collect();
        let (out, counts) = crate::scrub::tests::run(&policy, &set, &chunks);
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            format!("{code}password=[REDACTED:password]\napi_key = \"[REDACTED:api_key]\"\n"),
            "in {piece}-byte pieces"
        );
        assert_eq!(counts.total(), 2);
    }
}

#[test]
fn a_cookie_is_a_secret_whatever_it_looks_like() {
    // Shapes the keyword rules take for code or stand-ins are a session's value here.
    let body = "{\"Set-Cookie\": \"session=my_test_token; Path=/\"}\n{\"Set-Cookie\": \"sid=/run/secrets/abc; Path=/\"}\n";
    let set = Arc::new(LiveSet::empty());
    let (out, counts) = crate::scrub::tests::run(&ScrubPolicy::default(), &set, &[body.as_bytes()]);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"Set-Cookie\": \"session=[REDACTED:cookie]; Path=/\"}\n{\"Set-Cookie\": \"sid=[REDACTED:cookie]; Path=/\"}\n"
    );
    assert_eq!(counts.get("cookie"), 2);
}
