//! Fuzzes the streaming scrubber: for any body and any chunking, the output equals the
//! one-chunk output, the redaction counts agree, nothing panics, and no live credential (in any
//! of its encodings the engine knows) survives; in plain and in event-stream (SSE reassembly)
//! mode. With a window (a range cut from a widened one), the output is one piece of the
//! unwindowed output, and the window's own bytes when nothing was redacted.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;

use credgate::scrub::{encoded_forms, LiveSet, RawScrub, ScrubPolicy};

const LIVE: &str = "sk_live_51HabcDEF/xyz+Qq";

/// Every pack (the default ones and the opt-in `extended` and `command_lines`), the same with
/// base64 decoding, and the live set.
fn setup() -> &'static (ScrubPolicy, ScrubPolicy, Arc<LiveSet>) {
    static S: OnceLock<(ScrubPolicy, ScrubPolicy, Arc<LiveSet>)> = OnceLock::new();
    S.get_or_init(|| {
        let all = || {
            ScrubPolicy::compile(RawScrub {
                packs: Some(vec![
                    "default".into(),
                    "extended".into(),
                    "command_lines".into(),
                ]),
                ..Default::default()
            })
            .expect("every pack compiles")
        };
        (
            all(),
            ScrubPolicy {
                decode_base64: true,
                ..all()
            },
            Arc::new(LiveSet::new(encoded_forms(LIVE))),
        )
    })
}

/// Input layout: byte 0 = number of cut points (low 4 bits), event-stream mode (high bit),
/// message-stream mode (bit 6: the fine tail hold without reassembly), a window over the
/// body's middle half (bit 5) and base64 decoding (bit 4), then that many u16 cut offsets, then
/// the body. Seeds with secrets in them let the fuzzer
/// mutate around real formats.
fn run(
    policy: &ScrubPolicy,
    live: &Arc<LiveSet>,
    mode: u8,
    window: Option<(u64, u64)>,
    chunks: &[&[u8]],
) -> Option<(Vec<u8>, u32)> {
    let mut s = policy.scrubber(live.clone());
    if let Some((a, b)) = window {
        s.window(a, b);
    }
    if mode & 0x80 != 0 {
        s.event_stream();
    } else if mode & 0x40 != 0 {
        s.message_stream();
    }
    let mut out = Vec::new();
    for (i, c) in chunks.iter().enumerate() {
        match s.push(Some(c), i + 1 == chunks.len()) {
            Ok(b) => out.extend_from_slice(&b.unwrap_or_default()),
            Err(_) => return None,
        }
    }
    Some((out, s.redactions))
}

fuzz_target!(|data: &[u8]| {
    let (plain, decoding, live) = setup();
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let policy = if n & 0x10 != 0 { decoding } else { plain };
    let mode = n & 0xc0;
    let windowed = n & 0x20 != 0;
    let n = (n % 16) as usize;
    if rest.len() < 2 * n {
        return;
    }
    let (cuts, body) = rest.split_at(2 * n);
    let mut points: Vec<usize> = cuts
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]) as usize % (body.len() + 1))
        .collect();
    points.sort_unstable();
    let mut chunks = Vec::new();
    let mut prev = 0;
    for p in points {
        chunks.push(&body[prev..p]);
        prev = p;
    }
    chunks.push(&body[prev..]);
    let window = windowed.then(|| (body.len() as u64 / 4, body.len() as u64 * 3 / 4));
    let whole = run(policy, live, mode, window, &[body]);
    let split = run(policy, live, mode, window, &chunks);
    if let (Some((a, b)), Some((w, _))) = (window, &whole) {
        if let Some((full, redactions)) = run(policy, live, mode, None, &[body]) {
            assert!(
                memchr::memmem::find(&full, w).is_some(),
                "a window's output is not a piece of the whole output"
            );
            if redactions == 0 {
                assert_eq!(w, &body[a as usize..b as usize]);
            }
        }
    }
    match (whole, split) {
        (Some((w, wn)), Some((s, sn))) => {
            assert_eq!(w, s, "output depends on chunking");
            assert_eq!(wn, sn);
            assert!(
                !w.windows(LIVE.len()).any(|x| x == LIVE.as_bytes()),
                "a live credential survived"
            );
        }
        // Overflow is a property of the input (a key block past the cap), not of the chunking.
        (None, None) => {}
        (w, s) => panic!(
            "overflow depends on chunking: whole {:?} split {:?}",
            w.is_some(),
            s.is_some()
        ),
    }
});
