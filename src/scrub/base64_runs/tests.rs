//! Base64 runs: where they are found, however the stream is cut, and what is decoded.

use super::{decode, next_run, Next, Resume, MAX_RUN, MIN_RUN};
use base64::Engine;

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// Every decided run of `hay` as one input.
fn runs(hay: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    loop {
        match next_run(hay, from, 0, true, |_| None, &mut Resume::default()) {
            Next::Run(r) => {
                from = r.end;
                out.push(r);
            }
            Next::Skip(to) => from = to,
            Next::Open(_) => panic!("open at the end of the input"),
            Next::Done => return out,
        }
    }
}

/// The same runs, with the input arriving in pieces of `step` bytes (the caller keeps the
/// bytes from the first undecided one, as the engine does).
fn runs_streamed(hay: &[u8], step: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    let mut seen = 0;
    let mut resume = Resume::default();
    while seen < hay.len() {
        seen = (seen + step).min(hay.len());
        let eof = seen == hay.len();
        loop {
            match next_run(&hay[..seen], from, 0, eof, |_| None, &mut resume) {
                Next::Run(r) => {
                    from = r.end;
                    out.push(r);
                }
                Next::Skip(to) => from = to,
                Next::Open(at) => {
                    assert!(!eof);
                    from = at;
                    break;
                }
                Next::Done => {
                    from = seen;
                    break;
                }
            }
        }
    }
    out
}

#[test]
fn runs_are_found_however_the_input_arrives() {
    let env = b64("AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH\nDB=postgres://app:pw@db/app\n");
    let wrapped = format!("{}\\n{}", &env[..40], &env[40..]);
    let body = format!(
        r#"{{"sha":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","content":"{wrapped}","key=":"{env}","id":"6f1c2a9e-0b7d-4c3e-9a51-2f8e7d6c5b4a","short":"QUJD"}}"#
    );
    let hay = body.as_bytes();
    let whole = runs(hay);
    let texts: Vec<&str> = whole.iter().map(|r| &body[r.clone()]).collect();
    assert!(texts.contains(&wrapped.as_str()), "{texts:?}");
    assert!(texts.contains(&env.as_str()), "{texts:?}");
    for step in [1, 2, 5, 13, 64] {
        assert_eq!(runs_streamed(hay, step), whole, "in pieces of {step}");
    }
}

#[test]
fn what_is_decoded() {
    let text = "the key is sk_live_51HabcDEFxyzQq0123456789abcdefABCDEF, keep it";
    let std = b64(text);
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
    let wrapped = format!("{}\\n{}\\n{}", &std[..30], &std[30..60], &std[60..]);
    let slashed = std.replace('/', "\\/");
    for run in [&std, &url, &wrapped, &slashed] {
        assert_eq!(
            decode(run.as_bytes()).as_deref(),
            Some(text.as_bytes()),
            "{run}"
        );
    }
    // Not decoded: too short, one case only (hex, UUIDs), both alphabets at once.
    let not = [
        b64("short"),
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b".to_string(),
        "6F1C2A9E0B7D4C3E9A512F8E7D6C5B4AABCDEF12".to_string(),
        format!("{}-_+/", &std[..40]),
    ];
    for run in not {
        assert_eq!(decode(run.as_bytes()), None, "{run}");
    }
    assert!(MIN_RUN <= b64("AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH").len());
}

#[test]
fn a_run_longer_than_the_cap_is_cut_into_pieces() {
    let hay = vec![b'A'; 2 * MAX_RUN + 100];
    let r = runs(&hay);
    assert_eq!(r[0], 0..MAX_RUN);
    assert_eq!(r[1], MAX_RUN..2 * MAX_RUN);
    assert_eq!(runs_streamed(&hay, 4096), r);
}

/// A backslash that begins no escape ends a run; the search still moves on (it once looped on
/// one, going back to the run before it at every sample).
#[test]
fn a_stray_backslash_ends_a_run_and_the_search_goes_on() {
    let body = format!("{}\\x{}", "A".repeat(60), "B".repeat(60));
    let r = runs(body.as_bytes());
    assert_eq!(r, vec![0..60, 61..122]);
    for step in [1, 7, 40] {
        assert_eq!(runs_streamed(body.as_bytes(), step), r);
    }
}

/// Scrubs `body` pushed in pieces of `step` bytes with the default policy.
fn scrub(body: &str, step: usize) -> String {
    use crate::scrub::{LiveSet, ScrubPolicy};
    let policy = ScrubPolicy {
        decode_base64: true,
        ..ScrubPolicy::default()
    };
    let mut s = policy.scrubber(std::sync::Arc::new(LiveSet::new(Vec::new())));
    let chunks: Vec<&[u8]> = body.as_bytes().chunks(step).collect();
    let mut out = Vec::new();
    for (i, c) in chunks.iter().enumerate() {
        out.extend_from_slice(
            &s.push(Some(c), i + 1 == chunks.len())
                .unwrap()
                .unwrap_or_default(),
        );
    }
    String::from_utf8(out).unwrap()
}

/// Files and messages as APIs return them base64-encoded: a secret inside is redacted with the
/// whole run, whatever the chunking; base64 of clean text, of binary data, and base64-like ids
/// are left alone.
#[test]
fn a_secret_inside_base64_is_redacted_with_its_run() {
    let env = b64("# local settings\nAWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH\nDEBUG=1\n");
    let lines: Vec<&str> = env
        .as_bytes()
        .chunks(60)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    // GitHub's contents API: 60 characters a line, `\n` escapes in the JSON string.
    let github = format!(
        r#"{{"name":".env","encoding":"base64","content":"{}\n","sha":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"}}"#,
        lines.join("\\n")
    );
    let gmail = format!(
        r#"{{"mimeType":"text/plain","body":{{"size":83,"data":"{}"}}}}"#,
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode("Welcome! Your API key: sk_live_51HabcDEFxyzQq0123456789abcdefABCDEF\n")
    );
    let cases = [
        (
            github.as_str(),
            r#""content":"[REDACTED:aws_access_key_id]\n","sha":"#,
        ),
        (gmail.as_str(), r#""data":"[REDACTED:stripe_secret_key]"}"#),
    ];
    for (body, want) in cases {
        let whole = scrub(body, body.len());
        assert!(whole.contains(want), "{whole}");
        for step in [1, 7, 64] {
            assert_eq!(scrub(body, step), whole, "in pieces of {step}");
        }
    }
    let png = base64::engine::general_purpose::STANDARD.encode(
        (0..600u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let clean = [
        format!(
            r#"{{"content":"{}"}}"#,
            b64("# Project\n\nRun `make test` before you push.\n")
        ),
        format!(r#"{{"image":"data:image/png;base64,{png}"}}"#),
        r#"{"id":"ch_3MmlLrLkdIwHu7ix000042","uuid":"6f1c2a9e-0b7d-4c3e-9a51-2f8e7d6c5b4a"}"#
            .into(),
    ];
    for body in clean {
        assert_eq!(scrub(&body, 13), body);
    }
}

/// A MIME part as mail APIs return a raw message: base64 wrapped at 76 characters with CRLF.
fn mime(attachment: &str, eol: &str) -> (String, String) {
    let enc = b64(attachment);
    let lines: Vec<&str> = enc
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let block = lines.join(eol);
    let msg = [
        "--b1_5f3a9c0d1e2f",
        "Content-Type: text/plain; name=\".env\"",
        "Content-Transfer-Encoding: base64",
        "",
        &block,
        "--b1_5f3a9c0d1e2f--",
        "",
    ]
    .join(eol);
    (msg, block)
}

const ENV_FILE: &str = "# production settings, do not commit\nDATABASE_URL=postgres://app:Sup3rS3cretPw@db.internal:5432/app\nSTRIPE_KEY=sk_live_51HabcDEFxyzQq0123456789abcdefABCDEF\nDEBUG=0\n";

/// A run wrapped over lines is one run, with either line break, however the input arrives;
/// the MIME boundary after it (all base64 characters too) is not part of it.
#[test]
fn a_run_wrapped_over_lines_is_one_run() {
    for eol in ["\r\n", "\n"] {
        let (msg, block) = mime(ENV_FILE, eol);
        assert!(block.lines().count() >= 3, "{block}");
        let r = runs(msg.as_bytes());
        assert_eq!(r.len(), 1, "{eol:?}: {r:?}");
        assert_eq!(&msg[r[0].clone()], block, "{eol:?}");
        assert_eq!(
            decode(block.as_bytes()).as_deref(),
            Some(ENV_FILE.as_bytes())
        );
        for step in [1, 2, 7, 77, 78] {
            assert_eq!(
                runs_streamed(msg.as_bytes(), step),
                r,
                "{eol:?} in pieces of {step}"
            );
        }
    }
    // Lines of a width no encoder wraps at, or a next line longer than the first, are runs of
    // their own.
    let odd = format!("{}\n{}", "QUJD".repeat(12) + "QU", "QUJD".repeat(12));
    assert_eq!(runs(odd.as_bytes()).len(), 2);
    let longer = format!("{}\n{}", "QUJD".repeat(12), "QUJD".repeat(13));
    assert_eq!(runs(longer.as_bytes()).len(), 2);
}

/// A key in a base64 attachment of a raw message, cut by the 76-character wrapping, is
/// redacted with the whole part, however the body is chunked.
#[test]
fn a_secret_in_a_wrapped_mime_part_is_redacted() {
    for eol in ["\r\n", "\n"] {
        let (msg, block) = mime(ENV_FILE, eol);
        let whole = scrub(&msg, msg.len());
        let want = msg.replace(&block, "[REDACTED:connection_string_password]");
        assert_eq!(whole, want);
        for step in [1, 7, 64, 76] {
            assert_eq!(scrub(&msg, step), whole, "{eol:?} in pieces of {step}");
        }
    }
    // A wrapped part without a secret comes through as sent.
    let (msg, _) = mime(
        &"Quarterly notes: nothing secret in here.\n".repeat(5),
        "\r\n",
    );
    assert_eq!(scrub(&msg, 13), msg);
}

/// A run that is no base64 of text is stepped over whole, however it arrives. Stepping over
/// only its first bytes when the rest had not arrived let the next search begin a run inside
/// it, where a search over the whole body began none: the text after a digest-like start was
/// decoded and redacted in some chunkings only (found by the fuzzer).
#[test]
fn a_run_that_is_no_text_is_stepped_over_whole_however_it_arrives() {
    let text = b64("AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH\nREGION=eu-west-1\n");
    let digest = "9f86d081884c7d659a2feaa0c55ad015";
    let body = format!(r#"{{"blob":"{digest}{text}","n":1}}"#);
    let hay = body.as_bytes();
    assert!(runs(hay).is_empty());
    for step in [1, 7, 20, 40, 64] {
        assert!(runs_streamed(hay, step).is_empty(), "in pieces of {step}");
        assert_eq!(scrub(&body, step), body, "in pieces of {step}");
    }
}

/// A run still open when the bytes so far end is not walked again from its start when more
/// arrive: the next search goes on where the last one stopped, so a run of 64 KiB arriving a
/// few bytes at a time costs one walk, not one per piece. Bytes never change once they have
/// arrived; here one that was already walked is changed to show it is not looked at again.
#[test]
fn an_open_run_is_walked_once_however_it_arrives() {
    let text = "Quarterly notes: nothing secret in here.\n".repeat(20);
    let walk_twice = |hay: &[u8], seen: usize, at: usize| {
        let mut resume = Resume::default();
        let first = next_run(&hay[..seen], 0, 0, false, |_| None, &mut resume);
        assert!(matches!(first, Next::Open(_)), "{first:?}");
        let mut changed = hay.to_vec();
        changed[at] = b' ';
        let fresh = next_run(&changed, 0, 0, true, |_| None, &mut Resume::default());
        let resumed = next_run(&changed, 0, 0, true, |_| None, &mut resume);
        (fresh, resumed)
    };
    // One line: the walk along it.
    let run = b64(&text);
    let (fresh, resumed) = walk_twice(run.as_bytes(), run.len() / 2, 100);
    assert_eq!(fresh, Next::Run(0..100));
    assert_eq!(resumed, Next::Run(0..run.len()));
    // Wrapped lines: the walk over the lines after the first.
    let (msg, block) = mime(&text, "\n");
    let at = msg.find(&block).unwrap();
    let (fresh, resumed) = walk_twice(msg.as_bytes(), at + block.len() / 2, at + 3 * 77 + 10);
    assert_eq!(fresh, Next::Run(at..at + 3 * 77 + 10));
    assert_eq!(resumed, Next::Run(at..at + block.len()));
}
