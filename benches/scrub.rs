//! Scrubbing throughput per core on realistic bodies, against a plain memchr + memcpy pass over
//! the same bytes in the same run (the floor any scanner that copies its output pays).
//!
//! `cargo bench --bench scrub` — bodies are 4 MiB, pushed in 16 KiB chunks like a proxied body,
//! with the full default pack and 1,000 live credentials.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};

use credgate::scrub::{base62_crc32, encoded_forms, LiveSet, RawScrub, ScrubPolicy};

const SIZE: usize = 4 << 20;
const CHUNK: usize = 16 << 10;

fn repeat_to(size: usize, mut piece: impl FnMut(usize) -> String) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 4096);
    let mut i = 0;
    while out.len() < size {
        out.extend_from_slice(piece(i).as_bytes());
        i += 1;
    }
    out
}

fn json_api() -> Vec<u8> {
    repeat_to(SIZE, json_record)
}

fn json_record(i: usize) -> String {
    format!(
        r#"{{"id":"ch_3MmlLrLkdIwHu7ix{i:06}","object":"charge","amount":{},"currency":"usd","customer":"cus_NffrFeUfNV2Hib","description":"Order #{i}, see https://example.com/orders/{i}","status":"succeeded","created":1679090539,"metadata":{{"sku":"A-{i}","uuid":"6f1c2a9e-0b7d-4c3e-9a51-2f8e7d6c5b4a"}},"paid":true}},"#,
        i * 7
    )
}

fn html() -> Vec<u8> {
    repeat_to(SIZE, |i| {
        format!(
            "<div class=\"row\"><a href=\"https://docs.example.com/guide/{i}\">Guide {i}</a><p>Set the header to use a token from your dashboard; see the password reset page.</p><img src=\"/static/img/{i}.png\" alt=\"\"></div>\n"
        )
    })
}

fn logs() -> Vec<u8> {
    repeat_to(SIZE, |i| {
        format!(
            "2026-11-28T12:59:{:02}.365Z INFO request_id=01a2223d{i:08} method=GET path=/v1/items/{i} status=200 latency_ms=3.{i} sha=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
            i % 60
        )
    })
}

/// Clean JSON records with a dense-body record after every second one (a secret every ~700
/// bytes): between clean and dense, where the next secret is usually out of a match's reach.
fn medium() -> Vec<u8> {
    repeat_to(SIZE, |i| {
        if i % 3 == 2 {
            dense_record(i / 3)
        } else {
            json_record(i)
        }
    })
}

/// The dense body's record `kind` (0-5) alone, repeated: which kind of secret costs what.
fn dense_kind(kind: usize) -> Vec<u8> {
    repeat_to(SIZE, |i| dense_record(i * 6 + kind))
}

/// A body with a secret of some kind about every 50 bytes (six kinds in turn, one a live
/// credential): far denser than real responses, the worst case for per-match costs.
fn dense() -> Vec<u8> {
    repeat_to(SIZE, dense_record)
}

fn dense_record(i: usize) -> String {
    let random = "Zx81Kq0PLm3N7vBt2YwR5sAe9uJc4H";
    let gh = format!(
        "ghp_{random}{}",
        std::str::from_utf8(&base62_crc32(random.as_bytes())).unwrap()
    );
    match i % 6 {
        0 => format!("{{\"token\":\"{gh}\"}},"),
        1 => format!("{{\"k\":\"live-credential-{:04}-Zq9x\"}},", i % 1000),
        2 => "{\"jwt\":\"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2J5dGVz\"},".into(),
        3 => "{\"aws\":\"AKIAQWERTYUIOPASDFGH\"},".into(),
        4 => "{\"url\":\"postgres://app:Sup3rS3cret@db.internal:5432/app\"},".into(),
        _ => "{\"auth\":\"Bearer abcdef0123456789ABCDEF\"},".into(),
    }
}

fn live_set() -> Arc<LiveSet> {
    Arc::new(LiveSet::new((0..1000).flat_map(|i| {
        encoded_forms(&format!("live-credential-{i:04}-Zq9x"))
    })))
}

fn scrub(policy: &ScrubPolicy, live: &Arc<LiveSet>, body: &[u8]) -> usize {
    scrub_in(policy, live, body, CHUNK)
}

/// [`scrub`] with the body pushed in pieces of `chunk` bytes.
fn scrub_in(policy: &ScrubPolicy, live: &Arc<LiveSet>, body: &[u8], chunk: usize) -> usize {
    let mut s = policy.scrubber(live.clone());
    let mut n = 0;
    let chunks: Vec<&[u8]> = body.chunks(chunk).collect();
    for (i, c) in chunks.iter().enumerate() {
        if let Some(b) = s.push(Some(c), i + 1 == chunks.len()).expect("no overflow") {
            n += b.len();
        }
    }
    n
}

/// The floor: find a byte that is not there with memchr, and copy every chunk once.
fn baseline(body: &[u8]) -> usize {
    let mut n = 0;
    for c in body.chunks(CHUNK) {
        n += memchr::memchr(0xff, c).unwrap_or(0);
        n += bytes::Bytes::copy_from_slice(black_box(c)).len();
    }
    n
}

fn bench(c: &mut Criterion) {
    let policy = ScrubPolicy::default();
    let live = live_set();
    let mut g = c.benchmark_group("scrub");
    g.throughput(Throughput::Bytes(SIZE as u64));
    g.sample_size(20);
    for (name, body) in [
        ("json", json_api()),
        ("html", html()),
        ("logs", logs()),
        ("dense", dense()),
    ] {
        let body = &body[..SIZE];
        g.bench_with_input(BenchmarkId::new("memchr_memcpy", name), body, |b, body| {
            b.iter(|| baseline(black_box(body)))
        });
        g.bench_with_input(BenchmarkId::new("engine", name), body, |b, body| {
            b.iter(|| scrub(&policy, &live, black_box(body)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);

/// Criterion measures each body in turn, seconds apart; on a shared machine the speed drifts
/// between them by more than the differences being measured. This pass alternates the bodies
/// round by round and reports, per body, the median throughput and the median of each round's
/// ratio to the memchr+memcpy floor and to clean JSON: ratios of neighbours in time.
fn paired() {
    const ROUNDS: usize = 15;
    let policy = ScrubPolicy::default();
    let live = live_set();
    let bodies = [
        ("json", json_api()),
        ("html", html()),
        ("logs", logs()),
        ("dense", dense()),
    ];
    let time = |f: &dyn Fn() -> usize| {
        let t = std::time::Instant::now();
        black_box(f());
        t.elapsed().as_secs_f64()
    };
    // (engine seconds, floor seconds) per round, per body.
    let mut runs = vec![Vec::new(); bodies.len()];
    for _ in 0..ROUNDS {
        for (k, (_, body)) in bodies.iter().enumerate() {
            let body = &body[..SIZE];
            let e = time(&|| scrub(&policy, &live, black_box(body)));
            let f = time(&|| baseline(black_box(body)));
            runs[k].push((e, f));
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let gib = |secs: f64| SIZE as f64 / secs / f64::from(1u32 << 30);
    println!("\npaired rounds ({ROUNDS}, medians):");
    for (k, (name, _)) in bodies.iter().enumerate() {
        let engine = median(runs[k].iter().map(|r| r.0).collect());
        let floor = median(runs[k].iter().map(|r| r.1 / r.0).collect());
        let vs_json = median(
            runs[k]
                .iter()
                .zip(&runs[0])
                .map(|(r, j)| r.0 / j.0)
                .collect(),
        );
        println!(
            "  {name:6} engine {:7.3} GiB/s  = {:5.1}% of memchr+memcpy  cost {vs_json:4.2}x clean json",
            gib(engine),
            100.0 * floor
        );
    }
}

/// [`scrub`], timing each chunk's push (and the drop of its output) into `times[i]`.
fn scrub_chunks_timed(
    policy: &ScrubPolicy,
    live: &Arc<LiveSet>,
    body: &[u8],
    times: &mut [Vec<f64>],
) -> usize {
    let mut s = policy.scrubber(live.clone());
    let mut n = 0;
    let chunks: Vec<&[u8]> = body.chunks(CHUNK).collect();
    for (i, c) in chunks.iter().enumerate() {
        let t = std::time::Instant::now();
        if let Some(b) = s.push(Some(c), i + 1 == chunks.len()).expect("no overflow") {
            n += black_box(b).len();
        }
        times[i].push(t.elapsed().as_secs_f64());
    }
    n
}

/// The paired rounds time whole 4 MiB bodies, and a dense body takes ~4x as long as clean JSON:
/// when the machine takes the core away now and then (another tenant, a host thread), a dense
/// run is ~4x as likely to include such a gap, and a median of whole runs charges the gaps to
/// the longer body. Timing each 16 KiB chunk and taking, per chunk, the median over the rounds
/// leaves out the gaps (each chunk is tens of microseconds, so a gap lands in few rounds of it)
/// for both bodies alike. What it keeps is what slows every chunk: the core's clock, or a
/// neighbour competing for it.
fn per_chunk() {
    const ROUNDS: usize = 15;
    let policy = ScrubPolicy::default();
    let live = live_set();
    let bodies = [("json", json_api()), ("dense", dense())];
    let chunks = SIZE.div_ceil(CHUNK);
    let mut times = vec![vec![Vec::with_capacity(ROUNDS); chunks]; bodies.len()];
    for _ in 0..ROUNDS {
        for (k, (_, body)) in bodies.iter().enumerate() {
            black_box(scrub_chunks_timed(
                &policy,
                &live,
                black_box(&body[..SIZE]),
                &mut times[k],
            ));
        }
    }
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let total: Vec<f64> = times
        .iter()
        .map(|per| per.iter().map(|t| median(t)).sum())
        .collect();
    let gib = |secs: f64| SIZE as f64 / secs / f64::from(1u32 << 30);
    println!("\nper-chunk medians ({ROUNDS} rounds, summed over the {chunks} chunks):");
    for (k, (name, _)) in bodies.iter().enumerate() {
        println!(
            "  {name:6} engine {:7.3} GiB/s  cost {:4.2}x clean json",
            gib(total[k]),
            total[k] / total[0]
        );
    }
}

/// `SCRUB_BENCH_ONE=dense:200` scrubs one body a fixed number of times and exits: a workload of
/// fixed size for `perf stat -e instructions,cycles`, whose counts do not drift with the
/// machine's load the way times do. `SCRUB_BENCH_CHUNK=<bytes>` pushes it in pieces of that size,
/// `SCRUB_BENCH_BASE64=1` decodes base64 runs (`base64: decode`), `SCRUB_BENCH_PACKS=default,extended`
/// scrubs with those packs.
fn one(spec: &str) {
    let (name, n) = spec.split_once(':').unwrap_or((spec, "100"));
    let body = match name {
        "json" => json_api(),
        "html" => html(),
        "logs" => logs(),
        "dense" => dense(),
        "medium" => medium(),
        // A real body, repeated to the size (`SCRUB_BENCH_FILE=mix.bin`): a corpus of saved
        // responses and files measures what the synthetic bodies cannot.
        "file" => {
            let path = std::env::var("SCRUB_BENCH_FILE").expect("SCRUB_BENCH_FILE=<path>");
            let bytes = std::fs::read(&path).expect("SCRUB_BENCH_FILE is readable");
            assert!(!bytes.is_empty(), "SCRUB_BENCH_FILE is empty");
            bytes.iter().copied().cycle().take(SIZE).collect()
        }
        // A body built to be slow: one piece repeated (`SCRUB_BENCH_PIECE=glpat-`).
        "repeat" => {
            let piece = std::env::var("SCRUB_BENCH_PIECE").expect("SCRUB_BENCH_PIECE=<text>");
            repeat_to(SIZE, |_| piece.clone())
        }
        _ => match name.strip_prefix("dense") {
            Some(k) if k.len() == 1 && (b'0'..=b'5').contains(&k.as_bytes()[0]) => {
                dense_kind(usize::from(k.as_bytes()[0] - b'0'))
            }
            _ => panic!(
                "SCRUB_BENCH_ONE: unknown body {name:?} (json, html, logs, dense, medium, dense0-dense5, repeat, file)"
            ),
        },
    };
    let mut policy = match std::env::var("SCRUB_BENCH_PACKS") {
        Ok(packs) => ScrubPolicy::compile(RawScrub {
            packs: Some(packs.split(',').map(str::to_string).collect()),
            ..Default::default()
        })
        .expect("SCRUB_BENCH_PACKS=<pack>,<pack>..."),
        Err(_) => ScrubPolicy::default(),
    };
    let live = live_set();
    policy.decode_base64 = std::env::var_os("SCRUB_BENCH_BASE64").is_some();
    let chunk = std::env::var("SCRUB_BENCH_CHUNK")
        .map_or(CHUNK, |c| c.parse().expect("SCRUB_BENCH_CHUNK=<bytes>"));
    for _ in 0..n.parse::<usize>().expect("SCRUB_BENCH_ONE=<body>:<count>") {
        black_box(scrub_in(&policy, &live, black_box(&body[..SIZE]), chunk));
    }
}

fn main() {
    if let Ok(spec) = std::env::var("SCRUB_BENCH_ONE") {
        return one(&spec);
    }
    benches();
    // `--profile-time` runs one benchmark under a profiler: the paired pass would only add noise.
    if !std::env::args().any(|a| a == "--profile-time") {
        paired();
        per_chunk();
    }
    Criterion::default().configure_from_args().final_summary();
}
