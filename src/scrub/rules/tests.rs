use regex_syntax::hir::{Hir, HirKind};
use regex_syntax::ParserBuilder;

use super::DEFAULT_RULES;

/// The fewest bytes a match of `h` has before its secret (the first capture group, or the
/// whole match where there is none): `None` when `h` holds no group.
fn min_before_secret(h: &Hir) -> Option<usize> {
    match h.kind() {
        HirKind::Capture(_) => Some(0),
        HirKind::Concat(parts) => {
            let mut before = 0;
            for p in parts {
                if let Some(k) = min_before_secret(p) {
                    return Some(before + k);
                }
                before += p.properties().minimum_len().unwrap_or(0);
            }
            None
        }
        HirKind::Alternation(branches) => {
            let found: Vec<Option<usize>> = branches.iter().map(min_before_secret).collect();
            found
                .iter()
                .any(Option::is_some)
                .then(|| found.iter().map(|k| k.unwrap_or(0)).min().unwrap_or(0))
        }
        // A group inside a repetition may come first.
        HirKind::Repetition(r) => min_before_secret(&r.sub).map(|_| 0),
        _ => None,
    }
}

/// A rule that starts `back` bytes before its anchor must not have its secret start there:
/// the stream releases the bytes before an anchor cut off by a chunk's end, so such a secret
/// would be redacted from its anchor on when split there, and whole otherwise.
#[test]
fn no_secret_starts_before_its_anchor() {
    let parser = || ParserBuilder::new().unicode(false).utf8(false).build();
    // What a rule anchored at `_v1_` three bytes in would have had.
    let early = parser().parse(r"((?:dop|dor)_v1_[0-9a-f]{64})").unwrap();
    assert_eq!(min_before_secret(&early), Some(0));
    let mut checked = 0;
    for r in DEFAULT_RULES.iter().filter(|r| r.back > 0) {
        checked += 1;
        let Some(re) = r.verify.bounded() else {
            panic!("{}: only regex rules start before their anchor", r.kind);
        };
        let hir = parser().parse(re).expect("the rule's regex parses");
        let before = min_before_secret(&hir).unwrap_or(0);
        assert!(
            before >= r.back,
            "{}: the secret may start {before} bytes into the match, before the anchor at {}",
            r.kind,
            r.back
        );
    }
    assert!(checked > 5, "keyword rules start before their anchors");
}
