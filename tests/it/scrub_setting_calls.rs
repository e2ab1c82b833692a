//! Settings given to a call as its first two arguments: PHP's constants
//! (`define( 'DB_PASSWORD', '…' )`; WordPress's `wp-config.php` holds its database password and
//! its eight keys and salts this way, and so do many PHP applications' configs), and an
//! environment variable's default, where a fallback secret is written into code (Django's
//! `os.environ.get("DJANGO_SECRET_KEY", "…")`, `os.getenv`, Ruby's `ENV.fetch`, Laravel's
//! `env('APP_KEY', '…')`). The key's string and the value's are an argument list's two strings
//! (`assignment::argument_list`), aligned with blanks as WordPress writes them. Each secret is
//! redacted by the default packs with nothing around it, and at every cut; WordPress's sample
//! values, other calls' argument lists and a list's next string pass.

use std::sync::Arc;

use credgate::scrub::{LiveSet, ScrubPolicy};

use crate::scrub_assert::{assert_nothing_redacted, assert_redacted_once};

/// (body, the secret in it, its kind).
const POSITIVES: &[(&str, &str, &str)] = &[
    (
        "/** Database password */\ndefine( 'DB_PASSWORD', 'n8Vq2#Lr5tYw' );\n",
        "n8Vq2#Lr5tYw",
        "password",
    ),
    (
        "define('DB_PASSWORD','Hk4mPz9Qw2Lx');",
        "Hk4mPz9Qw2Lx",
        "password",
    ),
    (
        "define( 'AUTH_KEY',         'Qx|8f<tG-2!mZp#9@vLr^5sW&kN*7yB(3jH)0cD+1eF=4aT' );\n",
        "Qx|8f<tG-2!mZp#9@vLr^5sW&kN*7yB(3jH)0cD+1eF=4aT",
        "key",
    ),
    (
        "define( 'SECURE_AUTH_KEY',  'm2@Kz8!pQ4#vN7$wR1%tY6^uB3&cX9*eL5(hJ0)gF' );\n",
        "m2@Kz8!pQ4#vN7$wR1%tY6^uB3&cX9*eL5(hJ0)gF",
        "key",
    ),
    (
        "define( 'LOGGED_IN_KEY',    'Lg7@pQ2!zX9#wR4$vN8%kT1^mB5&cY3*hJ6(fD0)sA' );\n",
        "Lg7@pQ2!zX9#wR4$vN8%kT1^mB5&cY3*hJ6(fD0)sA",
        "key",
    ),
    (
        "DEFINE(\"STRIPE_SECRET\", \"Wq7Rt2Yp9Lm4Xz8N\");",
        "Wq7Rt2Yp9Lm4Xz8N",
        "secret",
    ),
    (
        "define('MAILCHIMP_API_KEY', '4f9e2c7b1a8d3e6f0c5b9a2d7e1f4c8b-us21');",
        "4f9e2c7b1a8d3e6f0c5b9a2d7e1f4c8b-us21",
        "api_key",
    ),
    (
        "SECRET_KEY = os.environ.get(\"DJANGO_SECRET_KEY\", \"k3$Vw9!qZr2xLm7pT4bN8cY1hJ6sD0gF\")\n",
        "k3$Vw9!qZr2xLm7pT4bN8cY1hJ6sD0gF",
        "secret",
    ),
    (
        "password = os.getenv('DB_PASSWORD', 'Pg7Lq2Wz9Kx4')\n",
        "Pg7Lq2Wz9Kx4",
        "password",
    ),
    (
        "Stripe.api_key = ENV.fetch(\"STRIPE_API_KEY\", \"rk9Qw2Er7Ty4Ui8Op3As6Df1\")\n",
        "rk9Qw2Er7Ty4Ui8Op3As6Df1",
        "api_key",
    ),
    (
        "    'key' => env('APP_KEY', 'base64:Zm9vYmFyMTIzNDU2Nzg5MGFiY2RlZmdoaWprbA=='),\n",
        "base64:Zm9vYmFyMTIzNDU2Nzg5MGFiY2RlZmdoaWprbA==",
        "key",
    ),
];

const NEGATIVES: &[&str] = &[
    // WordPress's `wp-config-sample.php`.
    "define( 'DB_PASSWORD', 'password_here' );\n",
    "define( 'AUTH_KEY',         'put your unique phrase here' );\n",
    // Not `define`: a list's next string, another call's arguments.
    r#"{"fields": ["password", "Hk4mPz9Qw2Lx"]}"#,
    "undefine('DB_PASSWORD', 'Hk4mPz9Qw2Lx');",
    "$form->add('password', 'Hk4mPz9Qw2Lx');",
    // A constant read, not defined.
    "$db = new PDO($dsn, DB_USER, DB_PASSWORD);",
    "define( 'DB_PASSWORD', getenv('DB_PASSWORD') );",
    // Defaults that are no secret.
    "password = os.getenv('DB_PASSWORD', '')\n",
    "SECRET_KEY = os.environ.get('DJANGO_SECRET_KEY', 'changeme')\n",
    "token = os.environ.get('API_TOKEN', None)\n",
];

#[test]
fn each_secret_given_to_a_setting_call_is_redacted_and_nothing_around_it() {
    let live = Arc::new(LiveSet::empty());
    for (text, secret, kind) in POSITIVES {
        assert_redacted_once(&ScrubPolicy::default(), &live, text, secret, kind);
    }
}

#[test]
fn samples_other_calls_and_lists_pass() {
    let live = Arc::new(LiveSet::empty());
    assert_nothing_redacted(&ScrubPolicy::default(), &live, NEGATIVES);
}
