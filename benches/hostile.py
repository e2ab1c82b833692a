#!/usr/bin/env python3
"""Bodies built to be slow, against clean JSON: what a hostile (or unlucky) upstream can make the
scrubber pay per byte.

Each body is one piece repeated to 4 MiB (the bench's `repeat` body), scrubbed once in 16 KiB
chunks (`--chunk` for others). Under valgrind the cost is instructions (cachegrind, the
difference between one scrub and none, so setup drops out; this machine's drift does not touch
it); without it, the wall time of the same difference, which is noisier. Each row is divided by
clean JSON measured the same way in the same run.

    benches/hostile.py                      # every piece, the LTO bench build (built if needed)
    benches/hostile.py --only sk_rep,jwt_dash --chunk 64
    benches/hostile.py --bin target/release/deps/scrub-<hash> --time

The pieces are the ones a sweep of every rule family found worst (quadratic ones before they
were fixed: values holding their own key, anchors inside their own token's run, failing searches
to a far line end, decoded base64 of those, key blocks in small pieces). The body is always
4 MiB; what tells a quadratic cost is a piece whose ratio grows with the length of its own
repeat, so some come in pairs that differ only there (tok_bare_4k and tok_bare_60k,
oken_run_4k and oken_all): each pair should read about the same. b64_tok4k and b64_tok48k do
not: values past 4 KiB take the unbounded keyword regex, a higher cost per byte (decoded values
of 12, 24 and 48 KB read 1,347M, 1,341M and 1,576M, flat, where 4 KB values read 1,056M).
"""

import argparse
import base64
import json
import os
import random
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def rand(n, seed):
    r = random.Random(seed)
    return "".join(r.choice(ALNUM) for _ in range(n))


def pem_block():
    r = random.Random(7)
    lines = "\n".join("".join(r.choice(ALNUM) for _ in range(64)) for _ in range(900))
    return f"-----BEGIN RSA PRIVATE KEY-----\n{lines}\n-----END RSA PRIVATE KEY-----"


def b64(text):
    return base64.b64encode(text.encode()).decode()


# (name, piece, needs base64 decoding, what it is)
PIECES = [
    ("sk_rep", "sk-", False, "an anchor four rules share, every 3 bytes"),
    ("skproj_rep", "sk-proj-", False, "an OpenAI project key's prefix, repeated"),
    ("jwt_dash", "-eyJ", False, "a JWT's anchor inside its own header run"),
    ("glpat_rep", "glpat-", False, "a GitLab token's prefix inside its own run"),
    ("xoxb_rep", "xoxb-", False, "a Slack token's prefix inside its own run"),
    ("pypi_rep", "-pypi-Ag", False, "a PyPI token's prefix inside its own run"),
    ("sig_near", "\\u0026sig=" + rand(120, 1) + "x" + rand(3, 2) + " ", False,
     "an Azure SAS signature near miss"),
    ("oken_all", "oken", False, "one 4 MiB run of key bytes, a keyword anchor every 4"),
    ("oken_run_4k", "oken" * 1024 + " ", False, "4 KB runs of key bytes full of anchors"),
    ("tok_bare_4k", "token=" * 680 + " ", False, "a value holding its own key 680 times"),
    ("tok_bare_60k", "token=" * 10000 + " ", False, "a value holding its own key 10,000 times"),
    ("tok_xml_4k", "token>" * 680 + "</x>", False, "key> repeated, no tag opening it"),
    ("tok_htmlxml_4k", "token&gt;" * 450 + "&lt;/x&gt; ", False,
     "an entity-escaped element holding its own key"),
    ("tokxml_60k", "token&gt;" * 6000 + "\n", False,
     "an entity-escaped element holding its own key 6,000 times, no closer on the line"),
    ("sess_dummy_4k", "sessionToken=dummy" * 225 + " ", False, "placeholder values holding keys"),
    ("pwd_ph_4k", "passwd=***" * 408 + " ", False, "masked values holding keys"),
    ("secak_ph_4k", "secret_access_key=***" * 194 + " ", False, "masked values holding a longer key"),
    ("cookie_ph", "Set-Cookie:a=***", False, "masked cookies back to back"),
    ("json_pw40k", '{"password":"' + rand(40000, 3) + '"},', False, "40 KB password values"),
    ("ent_pw4k", "&quot;password&quot;:&quot;" + rand(4000, 4) + "&quot;,", False,
     "entity-quoted JSON in an attribute, 4 KB values"),
    ("jsonjson_pw40k", '{\\"password\\": \\"' + rand(40000, 5) + '\\"},', False,
     "JSON in a JSON string, 40 KB values"),
    ("goxml_pw40k", "\\u003cPassword\\u003e" + rand(40000, 6) + "\\u003c/Password\\u003e,",
     False, "XML as Go escapes it, 40 KB values"),
    ("htmlxml_pw40k", "&lt;Password&gt;" + rand(40000, 8) + "&lt;/Password&gt;", False,
     "entity-escaped XML, 40 KB values"),
    ("yaml_pw40k", "password: " + rand(40000, 9), False, "a YAML value with no line end"),
    ("tok_one_60k", "token" + "B" * 60000 + " ", False, "one key, a 60 KB run after it"),
    ("conn_dense", "a://b:c ", False, "connection-string near misses"),
    ("basic_dense", "Basic dXNlcjpwYXNzd29yZA== ", False, "placeholder Basic credentials"),
    ("pem_60k", pem_block(), False, "58 KB private key blocks"),
    ("b64pem_rep", "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0t", False,
     "a base64 private key's prefix inside its own run"),
    ("authz_rep", "Authorization: Token ", False, "an Authorization value holding its own key"),
    ("apikey_hdr_rep", "X-Api-Key: ", False, "a header value holding its own key"),
    ("pcsk_rep", "pcsk_", False, "a Pinecone key's prefix inside its own run"),
    ("privlines_8k", "Private-Lines: 1\n" + "A" * 8192, False, "a PuTTY key's header"),
    ("b64_tok4k", b64(("token=" * 680 + " ") * 12) + " ", True,
     "base64 of values holding their own key"),
    ("b64_tok48k", b64("token=" * 8000 + "\n"), True, "base64 of 48 KB values holding their own key"),
]


def bench_binary():
    out = subprocess.run(
        ["cargo", "bench", "--bench", "scrub", "--no-run", "--message-format=json"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    for line in reversed(out.splitlines()):
        try:
            m = json.loads(line)
        except ValueError:
            continue
        if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "scrub" \
                and m.get("executable"):
            return m["executable"]
    sys.exit("hostile.py: cargo built no scrub bench executable")


def cost(binary, env, count, timed):
    """Instructions (or seconds) of a process that builds the body and scrubs it `count` times,
    and whether the scrub failed closed (the bench stops there, on `expect("no overflow")`)."""
    env = {**os.environ, **env, "SCRUB_BENCH_ONE": env["SCRUB_BENCH_ONE"] + f":{count}"}
    cmd = [binary]
    if not timed:
        cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no",
               "--cachegrind-out-file=/dev/null", binary]
    start = time.perf_counter()
    run = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    failed = "no overflow" in run.stderr
    if run.returncode != 0 and not failed:
        sys.exit(f"hostile.py: the bench failed:\n{run.stderr}")
    if timed:
        return elapsed, failed
    for line in run.stderr.splitlines():
        if "I" in line and "refs:" in line:
            return int(line.split(":")[1].replace(",", "")), failed
    sys.exit(f"hostile.py: no instruction count from valgrind:\n{run.stderr}")


def one_scrub(binary, env, timed):
    (with_scrub, failed), (without, _) = cost(binary, env, 1, timed), cost(binary, env, 0, timed)
    return with_scrub - without, failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", help="the scrub bench executable (default: build it)")
    ap.add_argument("--chunk", type=int, default=16384, help="push size in bytes")
    ap.add_argument("--only", help="comma-separated piece names")
    ap.add_argument("--time", action="store_true", help="wall time instead of instructions")
    args = ap.parse_args()
    timed = args.time or shutil.which("valgrind") is None
    binary = args.bin or bench_binary()
    chunk = {"SCRUB_BENCH_CHUNK": str(args.chunk)}
    wanted = set(args.only.split(",")) if args.only else None
    unit = "s" if timed else "M instr"
    base = {}
    for decode in (False, True):
        env = {**chunk, "SCRUB_BENCH_ONE": "json"}
        if decode:
            env["SCRUB_BENCH_BASE64"] = "1"
        base[decode] = one_scrub(binary, env, timed)[0]
    show = (lambda v: f"{v:.3f}") if timed else (lambda v: f"{v / 1e6:,.0f}")
    print(f"clean JSON, {args.chunk}-byte pushes: {show(base[False])} {unit} per 4 MiB "
          f"({show(base[True])} with base64 decoding)\n")
    print(f"| piece | what it is | {unit} per 4 MiB | x clean JSON |")
    print("|---|---|---|---|")
    for name, piece, decode, what in PIECES:
        if wanted and name not in wanted:
            continue
        env = {**chunk, "SCRUB_BENCH_ONE": "repeat", "SCRUB_BENCH_PIECE": piece}
        if decode:
            env["SCRUB_BENCH_BASE64"] = "1"
        v, failed = one_scrub(binary, env, timed)
        what += " (fails closed: scrub_budget or scrub_overflow)" if failed else ""
        print(f"| {name} | {what} | {show(v)} | {v / base[decode]:.1f} |", flush=True)


if __name__ == "__main__":
    main()
