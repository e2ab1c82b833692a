//! A keyword's unquoted value judged by how it was written: a word of prose, a passphrase, or
//! a secret whatever its letters.
//!
//! A bare value is matched up to the first space, and an unquoted word of lower-case letters
//! was taken for prose (`password: must be at least 12 characters`) or for a variable in code
//! (`password = pwd`). That was wrong in three places, all written by machines or people
//! setting a real value, not describing one:
//!
//! - `KEY=value` with nothing around the `=` (an env file, a query string, logfmt):
//!   `POSTGRES_PASSWORD=postgres` and `?password=letmein&` went out in clear.
//! - YAML's plain scalars run to the end of the line: `password: correct horse battery staple`
//!   went out whole, and `password: Tr0ub4dor and more` lost only its first word.
//! - An XML element's text (`<password>admin</password>`), and a value between quotes written
//!   as entities (`{&quot;password&quot;: &quot;admin&quot;}`) went out.
//!
//! And prose after `key: ` that starts with a capital (`PASSWORD: Set this to the admin
//! password.`, `client_secret: Obtained from the OAuth app`) had its first word redacted.
//!
//! What is read is the value's own line, at most [`LINE_MAX`] bytes from the value's start:
//! well inside a keyword rule's window, so the verdict is the same for every chunking.

use std::ops::Range;

use super::assignment::ends_with_long_option;

/// How far a `key: ` value's line is read. A passphrase is a few words; a longer line is prose,
/// or minified text in which a line means nothing.
pub const LINE_MAX: usize = 256;

/// What the way a bare value was written says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judged {
    /// A value, whatever its letters: the secret is `span` (grown to a passphrase's whole line).
    Value(Range<usize>),
    /// Not a value at all: a sentence after `key: `, or a comparison (`password==x`).
    NotAValue,
    /// Nothing to say: the rule's own checks decide on the word.
    Undecided,
    /// The line's end has not arrived.
    NeedMore,
}

/// How the value's key was joined to it.
enum Separator {
    /// `KEY=value`: no space on either side of the `=`.
    TightEquals,
    /// `key: value`, as YAML and prose write it.
    ColonSpace,
    /// `<key>value`: an element's text, also as a page writes it (`&lt;key&gt;value`) and as
    /// Go writes it inside a JSON string (`\u003ckey\u003evalue`); or a value between quotes
    /// written as entities (`&quot;key&quot;: &quot;value&quot;`). The regex took either only
    /// with its closer (`</`, the quote), so it is a value as a quoted one is.
    Enclosed,
    /// `--key value`, as a command line writes it (`assignment::long_option`).
    LongOption,
    Other,
}

/// An option's value of settings, as Docker's `--secret source=ssh-key,target=ssh` and
/// `--mount type=bind,…` write it: a lower-case name and `=` and more (base64's `=` is only
/// padding, at the end).
fn is_option_spec(word: &[u8]) -> bool {
    let name = word
        .iter()
        .take_while(|&&b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-'))
        .count();
    name > 0 && word.get(name) == Some(&b'=') && word.get(name + 1).is_some_and(|&b| b != b'=')
}

/// A command line's help names an option's value in capitals (`--api-key TEXT`, `--password
/// PASSWORD`, `--token GITHUB_TOKEN`): a metavariable. A secret of capitals and `_` alone is
/// rare enough to leave to this.
fn is_metavariable(word: &[u8]) -> bool {
    word.iter().any(u8::is_ascii_uppercase)
        && word
            .iter()
            .all(|&b| b.is_ascii_uppercase() || matches!(b, b'_' | b'-'))
}

/// The quote entities the keyword rules take (`keyword_regex.rs`).
const QUOTE_ENTITIES: &[&[u8]] = &[
    b"&quot;", b"&#34;", b"&#x22;", b"&#X22;", b"&#39;", b"&#x27;", b"&#X27;", b"&apos;",
];

fn separator(before: &[u8]) -> Separator {
    let n = before.len();
    let escaped_gt = n >= 6 && before[n - 6..].eq_ignore_ascii_case(b"\\u003e");
    if escaped_gt || before.ends_with(b"&gt;") || QUOTE_ENTITIES.iter().any(|q| before.ends_with(q))
    {
        return Separator::Enclosed;
    }
    match before {
        [.., b'=', b'>'] => Separator::Other,
        [.., b'>'] => Separator::Enclosed,
        [.., k, b'='] if !matches!(k, b' ' | b'\t' | b'=' | b'!' | b'<' | b'>') => {
            Separator::TightEquals
        }
        [.., b' ' | b'\t'] => {
            let spaces = before
                .iter()
                .rev()
                .take_while(|&&b| matches!(b, b' ' | b'\t'));
            let key_end = n - spaces.count();
            match before.get(key_end.wrapping_sub(1)) {
                Some(b':') => Separator::ColonSpace,
                Some(_) if ends_with_long_option(&before[..key_end]) => Separator::LongOption,
                _ => Separator::Other,
            }
        }
        _ => Separator::Other,
    }
}

/// Words docs use to say what to put in a field: one of them makes the line after `key: `
/// prose.
const DOCS_WORDS: &[&[u8]] = &[
    b"see",
    b"must",
    b"should",
    b"set",
    b"enter",
    b"used",
    b"use",
    b"your",
    b"required",
    b"optional",
    b"default",
    b"defaults",
    b"leave",
    b"blank",
    b"empty",
];

/// Short function words. A sentence is a passphrase as often as prose (`Mary had a little
/// lamb`), so these make a line prose only when it reads as a whole written sentence.
const FUNCTION_WORDS: &[&[u8]] = &[
    b"a", b"an", b"the", b"to", b"of", b"in", b"on", b"for", b"from", b"with", b"by", b"at", b"is",
    b"are", b"be", b"this", b"that", b"these", b"you", b"it", b"its", b"and", b"or", b"not", b"no",
    b"will", b"can", b"if", b"as", b"when", b"both", b"all", b"each", b"only", b"also",
];

/// Whether the line after `key: ` is prose: it holds a docs word, or it is a sentence of six
/// words or more that ends in a full stop and holds a function word
/// (`Obtained from the OAuth app settings page.`). A shorter sentence is taken for a
/// passphrase: a short docs line without a docs word is redacted, which is the safe side.
///
/// One pass over the line's bytes, each word lower-cased into a `u64` and compared as one with
/// the lists' words of its length: every `key: ` candidate on a line runs this, and a line of
/// them (`password: password: …`, thousands of times over in a hostile body) ran a slice
/// comparison per word and listed word from each (296x clean JSON's cost).
fn is_prose(line: &[u8]) -> bool {
    let sentence = line.ends_with(b".");
    let (mut words, mut function) = (0, false);
    let mut ends_a_listed_word = |word: u64, len: usize| {
        words += 1;
        // No listed word is longer than 8 letters.
        len <= 8 && {
            function = function || (sentence && FUNCTION.holds(word, len));
            DOCS.holds(word, len)
        }
    };
    let (mut word, mut len) = (0u64, 0usize);
    for &b in line {
        let lower = LOWER_LETTER[usize::from(b)];
        if lower != 0 {
            // Letters past the 8th land in the last byte: such a word is never compared.
            word |= u64::from(lower) << (8 * len.min(7));
            len += 1;
        } else if len != 0 {
            if ends_a_listed_word(word, len) {
                return true;
            }
            (word, len) = (0, 0);
        }
    }
    (len != 0 && ends_a_listed_word(word, len)) || (words >= 6 && function)
}

/// Each ASCII letter lower-cased; 0 for every other byte.
static LOWER_LETTER: [u8; 256] = {
    let mut t = [0; 256];
    let mut b = 0;
    while b < 256 {
        if (b as u8).is_ascii_alphabetic() {
            t[b] = (b as u8).to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// A word list, each word lower-cased into a little-endian word (none is longer than 8
/// letters), and the lengths of its words (bit `n`: some word is `n` letters long).
struct WordList {
    words: [u64; 48],
    count: usize,
    lengths: u32,
}

impl WordList {
    const fn new(list: &[&[u8]]) -> Self {
        let mut words = [0; 48];
        let mut lengths = 0;
        let mut i = 0;
        assert!(list.len() <= 48);
        while i < list.len() {
            let w = list[i];
            assert!(!w.is_empty() && w.len() <= 8);
            let mut j = 0;
            while j < w.len() {
                assert!(w[j].is_ascii_lowercase());
                words[i] |= (w[j] as u64) << (8 * j);
                j += 1;
            }
            lengths |= 1 << w.len();
            i += 1;
        }
        Self {
            words,
            count: list.len(),
            lengths,
        }
    }

    /// Whether `word`, `len` letters lower-cased as [`WordList::new`] packs them, is listed.
    fn holds(&self, word: u64, len: usize) -> bool {
        self.lengths >> len & 1 != 0 && self.words[..self.count].contains(&word)
    }
}

static DOCS: WordList = WordList::new(DOCS_WORDS);
static FUNCTION: WordList = WordList::new(FUNCTION_WORDS);

/// Judges the bare value `span` of a keyword rule in `hay`, looking back no further than
/// `from` (the engine's look-behind); `eof` says whether `hay` ends where the input does, and
/// `spaced` whether the rule's values may hold spaces (passwords do; keys and tokens never).
pub fn judge(hay: &[u8], from: usize, span: Range<usize>, eof: bool, spaced: bool) -> Judged {
    let word = &hay[span.clone()];
    if word.first() == Some(&b'=') {
        // `==`: the regex took one `=` as the separator and the rest as the value.
        return Judged::NotAValue;
    }
    // Read from `from` on, as every verdict is (a long option's name is looked for back to it).
    match separator(&hay[from..span.start]) {
        Separator::Enclosed => Judged::Value(span),
        Separator::TightEquals => match hay.get(span.end) {
            // The regex took the word up to its delimiter, which follows unless the input ended.
            None if !eof => Judged::NeedMore,
            Some(b'&' | b' ' | b'\t') => Judged::Value(span),
            // At a line's end: an env file or a properties file, unless the assignment is
            // indented with nothing before it, as the last keyword argument of a call laid out
            // one to a line is (`    password=pwd` and then `)`).
            None | Some(b'\n' | b'\r') if !indented(&hay[from..span.start - 1]) => {
                Judged::Value(span)
            }
            _ => Judged::Undecided,
        },
        Separator::LongOption if is_metavariable(word) || is_option_spec(word) => Judged::NotAValue,
        Separator::Other | Separator::LongOption => Judged::Undecided,
        Separator::ColonSpace => after_colon(hay, span, eof, spaced),
    }
}

/// `key: value`: YAML's plain scalar, which runs to the end of its line, or prose.
fn after_colon(hay: &[u8], span: Range<usize>, eof: bool, spaced: bool) -> Judged {
    // A line longer than `LINE_MAX` is cut there whether or not more has arrived.
    let full = (span.start + LINE_MAX).max(span.end);
    // The line ends at a line break, or where a string holding it or an element's text does;
    // an apostrophe inside a word (`don't`) is the line's own, which the byte after it tells.
    let mut ends = None;
    let lim = hay.len().min(full);
    let mut i = span.end;
    while let Some(k) = hay[i.min(lim)..lim]
        .iter()
        .position(|&b| ENDS_A_LINE[usize::from(b)])
    {
        i += k;
        if hay[i] == b'\'' {
            match hay.get(i + 1) {
                None if !eof => return Judged::NeedMore,
                Some(c) if hay[i - 1].is_ascii_alphabetic() && c.is_ascii_alphabetic() => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
        }
        ends = Some(i);
        break;
    }
    let (end, whole) = match ends {
        Some(i) => (i, true),
        None if hay.len() >= full => (full, false),
        None if eof => (hay.len(), true),
        None => return Judged::NeedMore,
    };
    let (line, code) = without_comment(&hay[span.start..end]);
    let word = &hay[span.clone()];
    let rest = &line[word.len().min(line.len())..];
    // A word and its punctuation (`Optional. Defaults to empty`), maybe with an apostrophe
    // (`Don't`).
    let letters = word
        .iter()
        .rposition(|b| !b".,:;!?".contains(b))
        .map_or(&word[..0], |i| &word[..=i]);
    if letters
        .iter()
        .all(|&b| b.is_ascii_alphabetic() || b == b'\'')
        && is_prose(line)
    {
        return Judged::NotAValue;
    }
    // A YAML tag with its argument: a reference (`!Ref DbPassword` in CloudFormation, `!secret
    // db_password` in Home Assistant) or an encrypted block to come (`!vault |`).
    if word.len() > 1 && word[0] == b'!' && word[1].is_ascii_alphabetic() && !rest.is_empty() {
        return Judged::NotAValue;
    }
    // A line ending in `,` or `;` is code or JSON (`password: pwd,` in an object literal,
    // `"password": null,`), where a bare word is a name: the rule's checks decide.
    if !whole || code {
        return Judged::Undecided;
    }
    if rest.is_empty() {
        return Judged::Value(span);
    }
    // A mapping on one line (`{password: x, user: y}`, a log line's `password: x user: y`) is
    // not one value.
    let one_value = !rest.windows(2).any(|w| matches!(w, b": " | b", "))
        && !rest.iter().any(|b| b"{}[]".contains(b));
    if spaced && one_value {
        Judged::Value(span.start..span.start + line.len())
    } else {
        Judged::Undecided
    }
}

/// Whether `before` (the bytes before a key's `=`) ends in a key that begins its line after
/// indentation only.
fn indented(before: &[u8]) -> bool {
    let key = before
        .iter()
        .rev()
        .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        .count();
    let lead = &before[..before.len() - key];
    let blanks = lead
        .iter()
        .rev()
        .take_while(|&&b| matches!(b, b' ' | b'\t'))
        .count();
    blanks > 0 && lead[..lead.len() - blanks].last() == Some(&b'\n')
}

/// Where a `key: ` value's line may end: a line break, or where a string holding it (a quote,
/// an escape) or an element's text does; an apostrophe unless inside a word.
static ENDS_A_LINE: [bool; 256] = {
    let mut t = [false; 256];
    let ends = b"\n\r\"\\<'";
    let mut i = 0;
    while i < ends.len() {
        t[ends[i] as usize] = true;
        i += 1;
    }
    t
};

/// The line without a YAML comment (`#` after a space) and trailing blanks, and whether it
/// ended in a `,` or `;` (also taken off).
fn without_comment(line: &[u8]) -> (&[u8], bool) {
    let cut = memchr::memchr_iter(b'#', line)
        .find(|&i| i > 0 && matches!(line[i - 1], b' ' | b'\t'))
        .map_or(line.len(), |i| i - 1);
    let line = line[..cut].trim_ascii_end();
    match line.strip_suffix(b",").or_else(|| line.strip_suffix(b";")) {
        Some(l) => (l.trim_ascii_end(), true),
        None => (line, false),
    }
}

#[cfg(test)]
mod tests;
