//! Which names of the form `<word>_KEY` / `<word>_key` hold a secret key: `APP_KEY`
//! (Laravel's encryption key), `ENCRYPTION_KEY`, `MASTER_KEY` (Parse, Meilisearch),
//! `SIGNING_KEY`, `HMAC_KEY`, `SESSION_KEY`, WordPress's four keys (`AUTH_KEY`,
//! `SECURE_AUTH_KEY`, `LOGGED_IN_KEY`, `NONCE_KEY`) as its container image takes them
//! (`WORDPRESS_AUTH_KEY=`) and as `wp-config.php` defines them (`define( 'AUTH_KEY', '…' )`),
//! `NEW_RELIC_LICENSE_KEY`. `_key` ends far more names that hold no secret (`partition_key`,
//! `cache_key`, `idempotency_key`, `public_key`), so the word before it must be one of a list,
//! as detect-secrets' keyword list does it, rather than any word with a random-looking value
//! as gitleaks' generic rule does: an idempotency key or an object key is as random as a
//! secret.
//!
//! The name is judged before anything else at the rule's candidate (`patterns.rs`): most
//! `_key`s are turned down here in a few bytes, without the keyword regex.

/// The words, lower-cased, whose key is a secret. Each is at most [`LONGEST`] bytes.
const KEY_WORDS: &[&[u8]] = &[
    b"account",
    b"app",
    b"auth",
    b"cipher",
    b"client",
    b"crypt",
    b"crypto",
    b"database",
    b"db",
    b"encrypt",
    b"encryption",
    b"hmac",
    b"licence",
    b"license",
    b"master",
    b"nonce",
    b"oauth",
    b"root",
    b"service",
    b"session",
    b"shared",
    b"signing",
    b"storage",
];

/// The longest word in [`KEY_WORDS`].
const LONGEST: usize = 10;

const _: () = {
    let mut i = 0;
    while i < KEY_WORDS.len() {
        assert!(KEY_WORDS[i].len() <= LONGEST);
        i += 1;
    }
};

/// Whether `before` (the bytes before a `_key` or `_KEY`) ends with a word of
/// [`KEY_WORDS`], in any case: the run of letters before the key (`MASTER` in
/// `MEILI_MASTER_KEY`), or its last camel-cased word (`Encryption` in `dbEncryption_key`).
pub fn names_a_key(before: &[u8]) -> bool {
    let letters = before
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let mut word = &before[before.len() - letters..];
    // A camel-cased word begins at its last capital followed by a small letter: `db` in
    // `dbEncryption` is another word; `MASTER` is one word.
    if let Some(cap) = word
        .windows(2)
        .rposition(|w| w[0].is_ascii_uppercase() && w[1].is_ascii_lowercase())
    {
        word = &word[cap..];
    }
    word.len() <= LONGEST && KEY_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word))
        || word.eq_ignore_ascii_case(b"in") && logged_in(&before[..before.len() - letters])
}

/// Whether `before` (the bytes before `IN_KEY`) ends with WordPress's `LOGGED_`: `in` alone
/// ends more names than keys'.
fn logged_in(before: &[u8]) -> bool {
    const LOGGED: &[u8] = b"logged_";
    before.len() >= LOGGED.len()
        && before[before.len() - LOGGED.len()..].eq_ignore_ascii_case(LOGGED)
        && before
            .len()
            .checked_sub(LOGGED.len() + 1)
            .is_none_or(|p| !before[p].is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::names_a_key;

    #[test]
    fn the_word_before_the_key_is_judged() {
        for (before, named) in [
            ("APP", true),
            ("export APP", true),
            ("MEILI_MASTER", true),
            ("SECURE_AUTH", true),
            ("WORDPRESS_NONCE", true),
            ("NEW_RELIC_LICENSE", true),
            ("\"encryption", true),
            ("dbEncryption", true),
            ("{\"signing", true),
            ("  hmac", true),
            ("Session", true),
            ("define( 'LOGGED_IN", true),
            ("WORDPRESS_LOGGED_IN", true),
            // Names whose key is no secret, or is another rule's.
            ("", false),
            ("\"", false),
            ("<", false),
            ("APP_", false),
            ("partition", false),
            ("cache", false),
            ("idempotency", false),
            ("public", false),
            ("private", false),
            ("api", false),
            ("sort", false),
            // A listed word inside a longer one is another word.
            ("mapp", false),
            ("GRANDMASTER", false),
            ("unencryption", false),
            ("dbencryption", false),
            ("SIGN_IN", false),
            ("IN", false),
            ("NOTLOGGED_IN", false),
        ] {
            assert_eq!(names_a_key(before.as_bytes()), named, "{before:?}");
        }
    }
}
