#!/usr/bin/env bash
# One-run load comparison on loopback: upstream direct, nginx as a reverse proxy, credgate.
#
#   benches/load.sh                     # build release, run 3 x (warm-up + DURATION)
#   DURATION=30s WRK_CONNS=100 benches/load.sh
#
# Knobs (environment):
#   DURATION=10s        measured run per target          WARMUP=2s   unmeasured run before it
#   WRK_THREADS=2       wrk threads                      WRK_CONNS=50 wrk connections
#   CREDGATE_THREADS=2  credgate `threads:`              AUDIT_SINK=file|stdout|off (credgate)
#   NGINX_WORKERS=2     baseline proxy workers           NGINX_ACCESS_LOG=on|off (baseline; on
#                                                        = a file per request, like credgate's audit)
#   UPSTREAM_WORKERS=1  upstream nginx workers           CASES="upstream nginx credgate"
#   SKIP_BUILD=1        use the existing release binary  KEEP_TMP=1  keep the temp dir
#   CREDGATE_BIN=path   benchmark this binary instead of $CARGO_TARGET_DIR/release/credgate
#   ROUTE_EXTRA_YAML='scrub: {skip_content_types: [text/plain]}'   appended to the bench route
#   CREDGATE_LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2   (allocator experiments)
#   PERF=1              profile credgate with `perf record` during its run (report next to RESULTS)
#   QUIET_WAIT=120      seconds to wait, before each measured run, for other processes to leave
#                       the CPUs alone (a concurrent cargo build halves every figure on 2 cores)
#   CARGO_TARGET_DIR=/work/bench-target (a separate target dir: no fight over another build's lock)
#   RESULTS=benches/results/latest.json
#
# Everything listens on 127.0.0.1 on ports the kernel hands out; every process started here is
# stopped by PID on exit. Needs nginx, wrk, curl, python3.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-50}
CREDGATE_THREADS=${CREDGATE_THREADS:-2}
AUDIT_SINK=${AUDIT_SINK:-file}
NGINX_WORKERS=${NGINX_WORKERS:-2}
NGINX_ACCESS_LOG=${NGINX_ACCESS_LOG:-on}
UPSTREAM_WORKERS=${UPSTREAM_WORKERS:-1}
CASES=${CASES:-upstream nginx credgate}
RESULTS=${RESULTS:-$REPO/benches/results/latest.json}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/bench-target}
BIN=${CREDGATE_BIN:-$CARGO_TARGET_DIR/release/credgate}

# Fixed, fake values: nothing here is a real secret.
UPSTREAM_BODY='ok-upstream-body'
BENCH_TOKEN='bench-fake-upstream-token-0123456789'
AGENT=bench
AGENT_KEY='bench-agent-key-not-a-secret'
HANDLE=BENCH

log() { printf '[load.sh] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

TOOLS="nginx wrk curl python3"
[[ ${PERF:-0} == 1 ]] && TOOLS+=" perf"
for tool in $TOOLS; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (apt-get install -y nginx wrk curl)"
done
NGINX=$(command -v nginx)

TMP=$(mktemp -d /tmp/credgate-load.XXXXXX)
PIDS=()

cleanup() {
  local rc=$? pid i
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || continue
    # credgate (Pingora): SIGINT is the fast shutdown; nginx master: SIGTERM stops its workers.
    if [[ -n ${CREDGATE_PID:-} && $pid == "$CREDGATE_PID" ]]; then
      kill -INT "$pid" 2>/dev/null || true
    else
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for pid in "${PIDS[@]}"; do
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid did not stop in 5 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if [[ ${KEEP_TMP:-0} == 1 || $rc != 0 ]]; then
    log "logs and configs kept in $TMP"
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- build --------------------------------------------------------------------------------------
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  log "building credgate (release) into $CARGO_TARGET_DIR"
  (cd "$REPO" && nice -n 10 cargo build --release) || die "cargo build failed"
fi
[[ -x $BIN ]] || die "no credgate binary at $BIN (unset SKIP_BUILD to build it)"

ulimit -n 65536 2>/dev/null || true

# --- ports --------------------------------------------------------------------------------------
# Held open together so the kernel hands out four different ports.
read -r UP_PORT NGX_PORT CG_PORT CG_ADMIN_PORT < <(python3 - <<'PY'
import socket
socks = []
for _ in range(4):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)
log "ports: upstream $UP_PORT, nginx $NGX_PORT, credgate $CG_PORT (admin $CG_ADMIN_PORT)"

# Polls until `curl URL` answers with status $2 (bounded: $3 tries, 0.1 s apart).
wait_http() {
  local url=$1 want=$2 tries=${3:-100} i code
  for ((i = 0; i < tries; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" 2>/dev/null || true)
    [[ $code == "$want" ]] && return 0
    sleep 0.1
  done
  return 1
}

# Starts a daemon in the background and records its PID.
start_bg() {
  local out=$1
  shift
  "$@" >"$out" 2>&1 &
  PIDS+=("$!")
  LAST_PID=$!
}

mkdir -p "$TMP/nginx-temp"
NGINX_TEMP_PATHS="
    client_body_temp_path $TMP/nginx-temp/body;
    proxy_temp_path $TMP/nginx-temp/proxy;
    fastcgi_temp_path $TMP/nginx-temp/fastcgi;
    uwsgi_temp_path $TMP/nginx-temp/uwsgi;
    scgi_temp_path $TMP/nginx-temp/scgi;"

# --- upstream: nginx answering a fixed 200 ------------------------------------------------------
cat >"$TMP/upstream.conf" <<EOF
worker_processes $UPSTREAM_WORKERS;
daemon off;
pid $TMP/upstream.pid;
error_log $TMP/upstream-error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    keepalive_timeout 120s;
    keepalive_requests 1000000;
    $NGINX_TEMP_PATHS
    server {
        listen 127.0.0.1:$UP_PORT;
        default_type text/plain;
        # The injected credential reached the upstream.
        location = /auth-check {
            if (\$http_authorization = "Bearer $BENCH_TOKEN") { return 200 "authorized\n"; }
            return 401 "wrong or missing Authorization\n";
        }
        # Agent-only headers never reach the upstream.
        location = /leak-check {
            if (\$http_proxy_authorization) { return 500 "Proxy-Authorization leaked\n"; }
            if (\$http_x_cred_handle) { return 500 "X-Cred-Handle leaked\n"; }
            return 200 "clean\n";
        }
        location / { return 200 "$UPSTREAM_BODY\n"; }
    }
}
EOF
start_bg "$TMP/upstream.out" "$NGINX" -p "$TMP" -e "$TMP/upstream-error.log" -c "$TMP/upstream.conf"
UPSTREAM_PID=$LAST_PID
wait_http "http://127.0.0.1:$UP_PORT/" 200 || die "upstream nginx did not start: $(cat "$TMP/upstream-error.log" "$TMP/upstream.out" 2>/dev/null)"

# --- baseline: nginx reverse proxy with keep-alive upstream connections -------------------------
if [[ $NGINX_ACCESS_LOG == on ]]; then
  NGX_ACCESS="access_log $TMP/nginx-access.log;"
else
  NGX_ACCESS="access_log off;"
fi
cat >"$TMP/nginx.conf" <<EOF
worker_processes $NGINX_WORKERS;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 8192; }
http {
    $NGX_ACCESS
    keepalive_timeout 120s;
    keepalive_requests 1000000;
    $NGINX_TEMP_PATHS
    upstream bench_upstream {
        server 127.0.0.1:$UP_PORT;
        keepalive 128;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$NGX_PORT;
        location / {
            proxy_pass http://bench_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host 127.0.0.1:$UP_PORT;
            # What credgate does: inject the credential, drop the agent-only headers.
            proxy_set_header Authorization "Bearer $BENCH_TOKEN";
            proxy_set_header Proxy-Authorization "";
            proxy_set_header X-Cred-Handle "";
        }
    }
}
EOF
start_bg "$TMP/nginx.out" "$NGINX" -p "$TMP" -e "$TMP/nginx-error.log" -c "$TMP/nginx.conf"
NGINX_PID=$LAST_PID
wait_http "http://127.0.0.1:$NGX_PORT/" 200 || die "nginx proxy did not start: $(cat "$TMP/nginx-error.log" "$TMP/nginx.out" 2>/dev/null)"

# --- credgate -----------------------------------------------------------------------------------
mkdir -p "$TMP/credgate/routes"
AGENT_HASH=$(printf '%s' "$AGENT_KEY" | "$BIN" hash-key)
case $AUDIT_SINK in
  file) AUDIT_YAML="{sink: file, path: audit.log}" ;;
  stdout) AUDIT_YAML="{sink: stdout}" ;;
  off) AUDIT_YAML="{sink: off}" ;;
  *) die "AUDIT_SINK must be file, stdout or off" ;;
esac
cat >"$TMP/credgate/proxy.yaml" <<EOF
listen:
  proxy: 127.0.0.1:$CG_PORT
  admin: 127.0.0.1:$CG_ADMIN_PORT
mode: enforce
routes_dir: routes
threads: $CREDGATE_THREADS
agents:
  - name: $AGENT
    key_sha256: $AGENT_HASH
audit: $AUDIT_YAML
upstream:
  connect_timeout: 2s
  read_timeout: 30s
  idle_timeout: 120s
EOF
cat >"$TMP/credgate/routes/bench.yaml" <<EOF
handle: $HANDLE
description: load test upstream on loopback
upstream:
  scheme: http
  hosts: [127.0.0.1]
  port: $UP_PORT
  allow_private: true
agents: [$AGENT]
credential:
  source: env
  var: CREDGATE_BENCH_TOKEN
inject:
  kind: bearer
rules:
  - name: all-gets
    action: allow
    methods: [GET]
    paths: ["/**"]
${ROUTE_EXTRA_YAML:-}
EOF
export CREDGATE_BENCH_TOKEN=$BENCH_TOKEN
"$BIN" check -c "$TMP/credgate/proxy.yaml" >&2 || die "credgate check refused the generated configuration"
start_bg "$TMP/credgate.out" env RUST_LOG=warn ${CREDGATE_LD_PRELOAD:+LD_PRELOAD=$CREDGATE_LD_PRELOAD} \
  "$BIN" run -c "$TMP/credgate/proxy.yaml"
CREDGATE_PID=$LAST_PID
if ! wait_http "http://127.0.0.1:$CG_ADMIN_PORT/readyz" 200 100; then
  die "credgate not ready: $(tail -20 "$TMP/credgate.out")"
fi

# --- correctness, once, before any load ---------------------------------------------------------
PROXY_AUTH="Basic $(printf '%s:%s' "$AGENT" "$AGENT_KEY" | base64 -w0)"
cg_get() {
  curl -sS --max-time 5 -o "$TMP/check.body" -w '%{http_code}' \
    -H "Proxy-Authorization: $PROXY_AUTH" -H "X-Cred-Handle: $HANDLE" "http://127.0.0.1:$CG_PORT$1"
}
code=$(cg_get /bench) || die "curl through credgate failed"
[[ $code == 200 ]] || die "credgate answered $code to GET /bench: $(cat "$TMP/check.body")"
[[ $(cat "$TMP/check.body") == "$UPSTREAM_BODY" ]] || die "unexpected body through credgate: $(cat "$TMP/check.body")"
code=$(cg_get /auth-check || true)
[[ $code == 200 ]] || die "the upstream did not see the injected Bearer token (status $code)"
code=$(cg_get /leak-check || true)
[[ $code == 200 ]] || die "agent-only headers reached the upstream: $(cat "$TMP/check.body")"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -H "X-Cred-Handle: $HANDLE" "http://127.0.0.1:$CG_PORT/bench" || true)
[[ $code == 407 ]] || die "credgate answered $code, not 407, without Proxy-Authorization"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -H "Proxy-Authorization: $PROXY_AUTH" \
  -H "X-Cred-Handle: $HANDLE" "http://127.0.0.1:$NGX_PORT/auth-check" || true)
[[ $code == 200 ]] || die "the nginx baseline does not inject the token (status $code)"
log "correctness: credgate returns the upstream body, injects the token, strips agent headers, 407 without auth"

# --- load ---------------------------------------------------------------------------------------
# CPU accounting, to tell a clean run from one that shared the 2 cores with something else:
#   snap SERVER UPSTREAM -> CPU seconds of each process tree (a PID and its direct children, i.e.
#                           nginx workers) and of the whole machine (busy jiffies in /proc/stat)
#   busy                 -> cores busy over the next 0.5 s
#   run OUT CMD...       -> runs CMD, writes the CPU seconds it used to OUT
cat >"$TMP/cpu.py" <<'PY'
import os, resource, subprocess, sys, time
TICK = os.sysconf("SC_CLK_TCK")
def stat(pid):
    s = open(f"/proc/{pid}/stat").read()
    return s[s.rindex(")") + 2:].split()
def tree_cpu(root):
    pids, total = {root}, 0
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            if int(stat(p)[1]) == root:
                pids.add(int(p))
        except OSError:
            pass
    for p in pids:
        try:
            f = stat(p)
            total += int(f[11]) + int(f[12])
        except OSError:
            pass
    return total / TICK
def busy():
    f = list(map(int, open("/proc/stat").readline().split()[1:]))
    return (sum(f[:8]) - f[3] - f[4]) / TICK  # all but idle and iowait
mode = sys.argv[1]
if mode == "snap":
    print(tree_cpu(int(sys.argv[2])), tree_cpu(int(sys.argv[3])), busy())
elif mode == "busy":
    b0 = busy(); time.sleep(0.5); print(round((busy() - b0) / 0.5, 2))
elif mode == "run":
    rc = subprocess.run(sys.argv[3:]).returncode
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    open(sys.argv[2], "w").write(f"{u.ru_utime + u.ru_stime}\n")
    sys.exit(rc)
PY

# Waits (bounded by QUIET_WAIT seconds, default 120) until the machine is idle before a measured
# run: on 2 cores a concurrent build halves any figure. Proceeds anyway after the bound.
wait_quiet() {
  local limit=${QUIET_WAIT:-120} waited=0 b
  while :; do
    b=$(python3 "$TMP/cpu.py" busy)
    if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 0.25 else 1)" "$b"; then
      return 0
    fi
    if ((waited >= limit)); then
      log "machine still busy ($b cores in use by others) after ${limit}s: measuring anyway, figures will be low"
      return 0
    fi
    ((waited == 0)) && log "machine busy ($b cores in use by other processes): waiting up to ${limit}s"
    sleep 2
    waited=$((waited + 3))
  done
}

run_case() {
  local name=$1 url=$2 pid=$3
  local -a hdrs=(-H "Proxy-Authorization: $PROXY_AUTH" -H "X-Cred-Handle: $HANDLE")
  wait_quiet
  log "$name: warm-up $WARMUP"
  wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WARMUP" "${hdrs[@]}" "$url" >/dev/null
  log "$name: wrk -t$WRK_THREADS -c$WRK_CONNS -d$DURATION --latency $url"
  local perf_pid=
  if [[ ${PERF:-0} == 1 && $name == credgate ]]; then
    # Sampling costs throughput: figures of a PERF=1 run are for the profile, not for the table.
    perf record -q -e cpu-clock -F 999 -g -p "$pid" -o "$TMP/perf.data" >"$TMP/perf.out" 2>&1 &
    perf_pid=$!
    PIDS+=("$perf_pid")
  fi
  python3 "$TMP/cpu.py" snap "$pid" "$UPSTREAM_PID" >"$TMP/cpu-$name.txt"
  python3 "$TMP/cpu.py" run "$TMP/wrkcpu-$name.txt" \
    wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$DURATION" --latency "${hdrs[@]}" "$url" >"$TMP/wrk-$name.txt"
  python3 "$TMP/cpu.py" snap "$pid" "$UPSTREAM_PID" >>"$TMP/cpu-$name.txt"
  if [[ -n $perf_pid ]]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 100; i++)); do
      kill -0 "$perf_pid" 2>/dev/null || break
      sleep 0.1
    done
    mkdir -p "$(dirname "$RESULTS")"
    perf report -i "$TMP/perf.data" --stdio --no-children --sort dso,symbol --percent-limit 0.5 -g none \
      >"$(dirname "$RESULTS")/perf-credgate.txt" 2>/dev/null || true
    perf report -i "$TMP/perf.data" --stdio --children --sort symbol --percent-limit 2 -g none \
      >"$(dirname "$RESULTS")/perf-credgate-children.txt" 2>/dev/null || true
    log "profile: $(dirname "$RESULTS")/perf-credgate.txt (self) and perf-credgate-children.txt (inclusive)"
  fi
}

for c in $CASES; do
  case $c in
    upstream) run_case upstream "http://127.0.0.1:$UP_PORT/bench" "$UPSTREAM_PID" ;;
    nginx) run_case nginx "http://127.0.0.1:$NGX_PORT/bench" "$NGINX_PID" ;;
    credgate) run_case credgate "http://127.0.0.1:$CG_PORT/bench" "$CREDGATE_PID" ;;
    *) die "unknown case $c (upstream, nginx, credgate)" ;;
  esac
done

# Requests that were not 200 through credgate would make its numbers meaningless.
curl -s --max-time 2 "http://127.0.0.1:$CG_ADMIN_PORT/metrics" >"$TMP/credgate-metrics.txt" || true

# --- report -------------------------------------------------------------------------------------
mkdir -p "$(dirname "$RESULTS")"
GIT_REV=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
GIT_DIRTY=false
[[ -n $(git -C "$REPO" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null || true) ]] && GIT_DIRTY=true
NGINX_VERSION=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')
CREDGATE_VERSION=$("$BIN" --version 2>/dev/null || echo unknown)
AUDIT_LINES=0
[[ $AUDIT_SINK == file && -f $TMP/credgate/audit.log ]] && AUDIT_LINES=$(wc -l <"$TMP/credgate/audit.log")

TMP=$TMP CASES=$CASES RESULTS=$RESULTS DURATION=$DURATION WARMUP=$WARMUP WRK_THREADS=$WRK_THREADS \
WRK_CONNS=$WRK_CONNS CREDGATE_THREADS=$CREDGATE_THREADS AUDIT_SINK=$AUDIT_SINK \
NGINX_WORKERS=$NGINX_WORKERS NGINX_ACCESS_LOG=$NGINX_ACCESS_LOG UPSTREAM_WORKERS=$UPSTREAM_WORKERS \
GIT_REV=$GIT_REV GIT_DIRTY=$GIT_DIRTY NGINX_VERSION=$NGINX_VERSION CREDGATE_VERSION=$CREDGATE_VERSION \
AUDIT_LINES=$AUDIT_LINES python3 - <<'PY'
import json, os, re, time, platform

env = os.environ
tmp = env["TMP"]
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}

def ms(v):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", v)
    return float(m.group(1)) * UNITS[m.group(2)] if m else None

def parse(name):
    text = open(f"{tmp}/wrk-{name}.txt").read()
    r = {"raw": text.strip().splitlines()}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    r["rps"] = float(m.group(1)) if m else None
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M)
        r[f"p{pct}_ms"] = ms(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in", text)
    r["requests"] = int(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    r["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    r["socket_errors"] = sum(map(int, m.groups())) if m else 0
    (s0, u0, b0), (s1, u1, b1) = (map(float, l.split()) for l in open(f"{tmp}/cpu-{name}.txt"))
    server, upstream, machine = s1 - s0, u1 - u0, b1 - b0
    wrk = float(open(f"{tmp}/wrkcpu-{name}.txt").read())
    if name == "upstream":
        upstream = 0.0  # the server is the upstream
    r["server_cpu_seconds"] = round(server, 2)
    r["server_cpu_us_per_request"] = round(server / r["requests"] * 1e6, 1) if r["requests"] else None
    r["upstream_cpu_seconds"] = round(upstream, 2)
    r["wrk_cpu_seconds"] = round(wrk, 2)
    r["machine_cpu_seconds"] = round(machine, 2)
    # CPU used by anything else (other builds, tests) while this case ran: a noise indicator.
    r["other_cpu_seconds"] = round(max(0.0, machine - server - upstream - wrk), 2)
    return r

cases = env["CASES"].split()
results = {c: parse(c) for c in cases}

def ratio(a, b, key):
    try:
        return round(results[a][key] / results[b][key], 3)
    except (KeyError, TypeError, ZeroDivisionError):
        return None

ratios = {
    "credgate_over_nginx_rps": ratio("credgate", "nginx", "rps"),
    "credgate_over_nginx_p50": ratio("credgate", "nginx", "p50_ms"),
    "credgate_over_nginx_p99": ratio("credgate", "nginx", "p99_ms"),
    "credgate_over_nginx_cpu_per_request": ratio("credgate", "nginx", "server_cpu_us_per_request"),
    "nginx_over_upstream_rps": ratio("nginx", "upstream", "rps"),
}
targets = {"credgate_over_nginx_rps_min": 0.8, "credgate_over_nginx_p99_max": 1.5}
ok = None
if ratios["credgate_over_nginx_rps"] is not None and ratios["credgate_over_nginx_p99"] is not None:
    ok = (ratios["credgate_over_nginx_rps"] >= targets["credgate_over_nginx_rps_min"]
          and ratios["credgate_over_nginx_p99"] <= targets["credgate_over_nginx_p99_max"])

out = {
    "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "git_rev": env["GIT_REV"],
    "git_dirty_src": env["GIT_DIRTY"] == "true",
    "machine": {"cpus": os.cpu_count(), "kernel": platform.release()},
    "versions": {"credgate": env["CREDGATE_VERSION"], "nginx": env["NGINX_VERSION"]},
    "settings": {
        "duration": env["DURATION"], "warmup": env["WARMUP"],
        "wrk_threads": int(env["WRK_THREADS"]), "wrk_connections": int(env["WRK_CONNS"]),
        "credgate_threads": int(env["CREDGATE_THREADS"]), "credgate_audit_sink": env["AUDIT_SINK"],
        "nginx_workers": int(env["NGINX_WORKERS"]), "nginx_access_log": env["NGINX_ACCESS_LOG"],
        "upstream_workers": int(env["UPSTREAM_WORKERS"]),
        "credgate_ld_preload": env.get("CREDGATE_LD_PRELOAD", ""),
        "route_extra_yaml": env.get("ROUTE_EXTRA_YAML", ""),
        "body": "17 bytes, text/plain", "transport": "HTTP/1.1 keep-alive on 127.0.0.1",
    },
    "results": {c: {k: v for k, v in r.items() if k != "raw"} for c, r in results.items()},
    "ratios": ratios,
    "targets": targets,
    "meets_targets": ok,
    "credgate_audit_lines": int(env["AUDIT_LINES"]),
    "wrk_output": {c: r["raw"] for c, r in results.items()},
}
os.makedirs(os.path.dirname(env["RESULTS"]), exist_ok=True)
with open(env["RESULTS"], "w") as f:
    json.dump(out, f, indent=2)
    f.write("\n")

def fmt(v, spec):
    return format(v, spec) if v is not None else "-"

print()
print(f"{'target':<10} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'cpu us/req':>10} {'non-2xx':>8} {'sock err':>8} {'other cpu s':>11}")
for c, r in results.items():
    print(f"{c:<10} {fmt(r['rps'], '10.0f')} {fmt(r['p50_ms'], '8.3f')} {fmt(r['p99_ms'], '8.3f')} "
          f"{fmt(r['server_cpu_us_per_request'], '10.1f')} {r['non_2xx']:>8} {r['socket_errors']:>8} "
          f"{r['other_cpu_seconds']:>11.2f}")
print()
print(f"credgate/nginx throughput: {fmt(ratios['credgate_over_nginx_rps'], '.3f')}  (target >= 0.8)")
print(f"credgate/nginx p99:        {fmt(ratios['credgate_over_nginx_p99'], '.3f')}  (target <= 1.5)")
print(f"credgate/nginx p50:        {fmt(ratios['credgate_over_nginx_p50'], '.3f')}")
print(f"credgate/nginx CPU/req:    {fmt(ratios['credgate_over_nginx_cpu_per_request'], '.3f')}")
print(f"written to {env['RESULTS']}")
bad = [c for c, r in results.items() if r["non_2xx"] or r["socket_errors"]]
if bad:
    print(f"WARNING: non-2xx responses or socket errors in: {', '.join(bad)}")
noisy = [c for c, r in results.items() if r["other_cpu_seconds"] > 0.05 * r["machine_cpu_seconds"] + 0.5]
if noisy:
    print(f"WARNING: other processes used CPU during: {', '.join(noisy)} (see other_cpu_seconds): "
          "figures are low, rerun on a quiet machine")
PY
