//! Placeholders: a value in a secret's position that is no secret (`sk_test_xxxx`, `****`,
//! `${DB_PASSWORD}`, `<your-key>`, `changeme`). Docs, examples and already masked output are full
//! of them, and redacting them would bury the real findings in noise. Every candidate a rule
//! verifies runs this check, so on a body dense with secrets its cost per byte is a real share
//! of the whole: hence the pair table and word compares instead of a substring search per part.

/// Bit `n` set: some placeholder word is `n` bytes long (all are shorter than 32).
static WORD_LENGTHS: u32 = {
    let mut bits = 0;
    let mut i = 0;
    while i < PLACEHOLDER_WORDS.len() {
        bits |= 1 << PLACEHOLDER_WORDS[i].len();
        i += 1;
    }
    bits
};

const PLACEHOLDER_WORDS: &[&str] = &[
    "null",
    "none",
    "nil",
    "true",
    "false",
    // YAML 1.1's other booleans of three bytes or more (`allowEmptyPassword: yes`).
    "yes",
    "off",
    "undefined",
    "redacted",
    "hidden",
    "masked",
    "secret",
    "password",
    "passwd",
    "changeme",
    "change_me",
    // The Java keystore's well-known default.
    "changeit",
    "example",
    "string",
    "required",
    "optional",
    "user:password",
    "username:password",
    "user:pass",
];

/// Parts that make a value a placeholder wherever they occur (ASCII case-insensitive). Values
/// are tens of bytes, where a general multi-pattern automaton spends more on its setup per call
/// than on the walk.
const PLACEHOLDER_PARTS: &[&str] = &[
    "***",
    "xxxx",
    "...",
    "…",
    // `<` and `>` (`<your-key>`) are found by `has_placeholder_part` (see `angle_bracketed`).
    "${",
    "{{",
    "%s",
    "[redacted",
    "example",
    "your_",
    "your-",
    "yourkey",
    "placeholder",
    "dummy",
    "sample",
    "0000000000",
    "1234567890",
    "abcdefgh",
];

/// The byte pairs at which [`has_placeholder_part`] looks closer, as a bit set over
/// `u16::from_le_bytes([a, b])` (8 KiB), in every ASCII case: each part's first pair and, for
/// parts of 3 bytes or more, its second; every pair whose second byte begins a 2-byte part
/// (`${`, `{{`, `%s`); and every pair holding a `<` or `>` (`<your-key>`, where either alone
/// makes a placeholder).
///
/// The check walks every other pair only. A part at `p` of 3 bytes or more has its first pair
/// at `p` or its second at `p + 1`, one of them at an even offset; a 2-byte part has its first
/// pair at `p` or the pair ending in its first byte at `p - 1`. So a part is always within a
/// byte of a marked pair at an even offset, and the exact comparison runs only there: half the
/// steps of a walk over every position. This check runs on every secret found, so its cost
/// per byte is a real share of a secret-dense body's.
static PLACEHOLDER_PAIRS: [u64; 1024] = {
    const fn mark(bits: &mut [u64; 1024], a: u8, b: u8) {
        let k = a as usize | (b as usize) << 8;
        bits[k / 64] |= 1 << (k % 64);
    }
    const fn mark_cases(bits: &mut [u64; 1024], a: u8, b: u8) {
        mark(bits, a.to_ascii_lowercase(), b.to_ascii_lowercase());
        mark(bits, a.to_ascii_lowercase(), b.to_ascii_uppercase());
        mark(bits, a.to_ascii_uppercase(), b.to_ascii_lowercase());
        mark(bits, a.to_ascii_uppercase(), b.to_ascii_uppercase());
    }
    let mut bits = [0u64; 1024];
    let mut i = 0;
    while i < PLACEHOLDER_PARTS.len() {
        let p = PLACEHOLDER_PARTS[i].as_bytes();
        mark_cases(&mut bits, p[0], p[1]);
        if p.len() >= 3 {
            mark_cases(&mut bits, p[1], p[2]);
        } else {
            let mut x = 0;
            while x < 256 {
                mark_cases(&mut bits, x as u8, p[0]);
                x += 1;
            }
        }
        i += 1;
    }
    let mut x = 0;
    while x < 256 {
        mark(&mut bits, x as u8, b'<');
        mark(&mut bits, x as u8, b'>');
        mark(&mut bits, b'<', x as u8);
        mark(&mut bits, b'>', x as u8);
        x += 1;
    }
    bits
};

/// ASCII-lower-cases the 8 bytes of `x` at once (other bytes unchanged), so that [`part_at`]
/// compares a part's first 8 bytes as one word.
fn lower8(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let low7 = x & (0x7f * ONES);
    // High bit of each byte: at least `A`, more than `Z`; no byte carries into the next.
    let ge_a = low7 + u64::from(0x80 - b'A') * ONES;
    let gt_z = low7 + u64::from(0x7f - b'Z') * ONES;
    let upper = ge_a & !gt_z & !x & (0x80 * ONES);
    x | (upper >> 2)
}

/// The 8 bytes of `t` from `i` as a little-endian word, zero-padded past the end.
#[inline]
fn word_at(t: &[u8], i: usize) -> u64 {
    match t.get(i..i + 8) {
        Some(w) => u64::from_le_bytes(w.try_into().unwrap_or_default()),
        // Past the end: the last 8 bytes shifted down, or the bytes one by one when there are
        // fewer. (Copying into a zeroed array and loading it as a word stalls on store
        // forwarding: it was an eighth of this check's time.)
        None if i >= t.len() => 0,
        None if t.len() >= 8 => {
            let last = u64::from_le_bytes(t[t.len() - 8..].try_into().unwrap_or_default());
            last >> (8 * (i + 8 - t.len()))
        }
        None => t[i..]
            .iter()
            .rev()
            .fold(0u64, |w, &b| w << 8 | u64::from(b)),
    }
}

/// Whether `t` holds one of the parts in `parts` (a bit per [`PLACEHOLDER_PARTS`] entry), or
/// is [`angle_bracketed`].
fn has_placeholder_part(t: &[u8], parts: u32) -> bool {
    for (i, pair) in t.chunks_exact(2).enumerate() {
        let k = usize::from(u16::from_le_bytes([pair[0], pair[1]]));
        // Almost never set in a random token.
        if PLACEHOLDER_PAIRS[k / 64] >> (k % 64) & 1 != 0 && part_near(t, 2 * i, parts) {
            return true;
        }
    }
    // The last byte of an odd length is in no pair walked.
    t.len() % 2 == 1 && matches!(t[t.len() - 1], b'<' | b'>') && angle_bracketed(t)
}

/// Whether `t` has a `<` before a `>`, or begins with `<` or ends with `>`: a name to fill in
/// (`<your-key>`, `sk_live_<key>`, `<API_KEY>`), a template (`<%= ENV['KEY'] %>`) or markup.
/// One `<` or `>` amid other bytes is a generated password's or a WordPress salt's symbol
/// (three in four of WordPress's 64-byte salts hold one). Out of line: random tokens hold
/// neither.
#[inline(never)]
fn angle_bracketed(t: &[u8]) -> bool {
    matches!(t.first(), Some(b'<')) || matches!(t.last(), Some(b'>')) || {
        let open = memchr::memchr(b'<', t);
        let close = memchr::memrchr(b'>', t);
        matches!((open, close), (Some(o), Some(c)) if o < c)
    }
}

/// Whether a part is found through the marked pair at `j` (an even offset): a `<` or `>` in
/// it when `t` is [`angle_bracketed`], a part starting at `j` (its first pair), a part of 3
/// bytes or more at `j - 1` (its second pair), or a 2-byte part at `j + 1` (its first byte). Each is looked for only where
/// the bytes around the pair are those of some part: a near miss such as `abcdef01` (the start
/// of `abcdefgh`) compares one word, and a pair that is only another part's pair compares none.
#[inline]
fn part_near(t: &[u8], j: usize, parts: u32) -> bool {
    let (a, b) = (t[j], t[j + 1]);
    if (matches!(a, b'<' | b'>') || matches!(b, b'<' | b'>')) && angle_bracketed(t) {
        return true;
    }
    let (a, b) = (usize::from(a), usize::from(b));
    let here = PARTS_BY_FIRST[a] & PARTS_BY_SECOND[b] & parts;
    if here != 0 && part_at(t, j, here) {
        return true;
    }
    if let Some(&z) = j.checked_sub(1).and_then(|i| t.get(i)) {
        let before =
            PARTS_BY_FIRST[usize::from(z)] & PARTS_BY_SECOND[a] & PARTS_BY_THIRD[b] & parts;
        if before != 0 && part_at(t, j - 1, before) {
            return true;
        }
    }
    // A 2-byte part is whole in its first and second byte: no word to compare.
    t.get(j + 2).is_some_and(|&c| {
        PARTS_BY_FIRST[b] & PARTS_BY_SECOND[usize::from(c)] & TWO_BYTE_PARTS & parts != 0
    })
}

// `part_at` keeps one bit per part.
const _: () = assert!(PLACEHOLDER_PARTS.len() <= 32);

/// Every part's bit.
const ALL_PARTS: u32 = u32::MAX >> (32 - PLACEHOLDER_PARTS.len());

/// The bit of `xxxx`: the one part a random value holds by chance often enough to matter.
const XXXX: u32 = {
    let mut i = 0;
    while !matches!(PLACEHOLDER_PARTS[i].as_bytes(), b"xxxx") {
        i += 1;
    }
    1 << i
};

/// Values longer than this are placeholders for holding `xxxx` only when x makes up a quarter
/// of them. A random base64 value of 5 KB (a long client secret, an opaque token) holds `xxxx`
/// in either case about once in 200, and one that did went out whole; a placeholder that long
/// is typed, and mostly x (`sk_live_xxxx…`).
const LONG_VALUE: usize = 64;

// Every part fits in the two words `part_at` compares.
const _: () = {
    let mut i = 0;
    while i < PLACEHOLDER_PARTS.len() {
        assert!(PLACEHOLDER_PARTS[i].len() <= 16);
        i += 1;
    }
};

/// Each part, lower-cased, as two little-endian words (bytes 0-7 and 8-15) with the masks of
/// the bytes it has there: a hit compares a word or two and nothing else. No part holds a zero
/// byte, so a match against [`word_at`]'s zero padding means the bytes are all there.
static PART_WORDS: [[(u64, u64); 2]; PLACEHOLDER_PARTS.len()] = {
    let mut words = [[(0u64, 0u64); 2]; PLACEHOLDER_PARTS.len()];
    let mut i = 0;
    while i < PLACEHOLDER_PARTS.len() {
        let p = PLACEHOLDER_PARTS[i].as_bytes();
        let mut j = 0;
        while j < p.len() {
            assert!(p[j] != 0);
            words[i][j / 8].0 |= (p[j].to_ascii_lowercase() as u64) << (8 * (j % 8));
            words[i][j / 8].1 |= 0xff << (8 * (j % 8));
            j += 1;
        }
        i += 1;
    }
    words
};

/// Per byte, the parts whose byte `k` it is in either ASCII case (one bit per part; none for
/// parts shorter than `k + 1` bytes).
const fn parts_by_byte(k: usize) -> [u32; 256] {
    let mut by_byte = [0u32; 256];
    let mut i = 0;
    while i < PLACEHOLDER_PARTS.len() {
        let p = PLACEHOLDER_PARTS[i].as_bytes();
        if k < p.len() {
            let b = p[k].to_ascii_lowercase();
            by_byte[b as usize] |= 1 << i;
            by_byte[b.to_ascii_uppercase() as usize] |= 1 << i;
        }
        i += 1;
    }
    by_byte
}

/// The parts that begin with a byte: a hit compares only those, usually one, instead of every
/// part.
static PARTS_BY_FIRST: [u32; 256] = parts_by_byte(0);
/// The parts whose second byte a byte is: with [`PARTS_BY_FIRST`], whether some part has its
/// first pair at a position.
static PARTS_BY_SECOND: [u32; 256] = parts_by_byte(1);
/// The parts whose third byte a byte is: a pair that is a part's second pair is looked at
/// only when the byte after it fits too.
static PARTS_BY_THIRD: [u32; 256] = parts_by_byte(2);

/// The parts of two bytes (`${`, `{{`, `%s`).
static TWO_BYTE_PARTS: u32 = {
    let mut bits = 0;
    let mut i = 0;
    while i < PLACEHOLDER_PARTS.len() {
        if PLACEHOLDER_PARTS[i].len() == 2 {
            bits |= 1 << i;
        }
        i += 1;
    }
    bits
};

/// Whether one of `parts` (those whose first bytes are at `at`) starts at `t[at..]`.
#[inline]
fn part_at(t: &[u8], at: usize, parts: u32) -> bool {
    let x = lower8(word_at(t, at));
    let mut hits = parts;
    while hits != 0 {
        let [(w0, m0), (w1, m1)] = PART_WORDS[hits.trailing_zeros() as usize];
        if x & m0 == w0 && (m1 == 0 || lower8(word_at(t, at + 8)) & m1 == w1) {
            return true;
        }
        hits &= hits - 1;
    }
    false
}

/// Whether `v` is a placeholder, a template variable or an already masked value.
#[inline(always)]
pub fn is_placeholder(v: &[u8]) -> bool {
    let start = v
        .iter()
        .position(|b| !matches!(b, b'"' | b'\''))
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !matches!(b, b'"' | b'\''))
        .map_or(start, |e| e + 1);
    let t = &v[start..end.max(start)];
    (WORD_LENGTHS & (1 << t.len().min(31)) != 0
        && PLACEHOLDER_WORDS
            .iter()
            .any(|w| w.len() == t.len() && w.as_bytes().eq_ignore_ascii_case(t)))
        || if t.len() > LONG_VALUE {
            has_placeholder_part(t, ALL_PARTS & !XXXX)
                || 4 * t.iter().filter(|b| b.eq_ignore_ascii_case(&b'x')).count() >= t.len()
        } else {
            has_placeholder_part(t, ALL_PARTS)
        }
        || t.iter().all(|b| b.eq_ignore_ascii_case(&t[0]))
}

#[cfg(test)]
mod tests;
