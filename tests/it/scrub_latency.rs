//! Streaming latency through the running proxy: a message of a stream (an event, a JSON line)
//! that holds candidates (a log-probability `"token"`, a redacted password, usage counts) and
//! ends in bytes that begin no secret reaches the agent while the upstream is still waiting to
//! send the next one. Before candidates were settled early, each such message waited for 4 KiB
//! more of the stream; before message streams held back only what could begin a live
//! credential, its last ~50 bytes waited for the next message. An upstream that waits for the
//! agent's reply (a JSON-RPC server) would then wait forever.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;

use crate::harness::*;

/// A message as an OpenAI-style chat completion with log-probabilities streams it.
const MESSAGE: &str = concat!(
    r#"{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"Hello"},"#,
    r#""logprobs":{"content":[{"token":"Hello","logprob":-0.01,"top_logprobs":[]}]}}],"#,
    r#""usage":{"prompt_tokens":5,"completion_tokens":1},"debug":{"password":"hunter2hunter2"}}"#,
);

/// An upstream that sends `first`, then waits for `go` before sending `second` and ending.
fn gated_upstream(
    content_type: &'static str,
    first: String,
    second: &'static str,
    go: mpsc::Receiver<()>,
) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((mut s, _)) = l.accept() else { return };
        skip_request_head(&s);
        let chunk = |s: &mut TcpStream, body: &str| {
            let _ = write!(s, "{:x}\r\n{body}\r\n", body.len());
            let _ = s.flush();
        };
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        chunk(&mut s, &first);
        // The test's deadline bounds this wait: a dropped sender ends it.
        let _ = go.recv();
        chunk(&mut s, second);
        let _ = s.write_all(b"0\r\n\r\n");
    });
    port
}

/// Streams `first` then (once the agent has `first` scrubbed) `second` through credgate, with a
/// live credential in play and the route's `scrub:` options `scrub`.
fn first_message_arrives_alone(
    content_type: &'static str,
    first: String,
    second: &'static str,
    scrub: &str,
) {
    let (go, wait) = mpsc::channel();
    let port = gated_upstream(content_type, first.clone(), second, wait);
    let secret = SecretFile::new("live-credential-for-latency-1");
    let cg = Credgate::start(
        &[(
            "l.yaml",
            format!(
                "{}scrub:\n{scrub}\n",
                route("STREAM", port, BEARER, &secret.credential(), ALLOW_ALL)
            ),
        )],
        "",
    );
    // Failing, not waiting: a read that gets nothing for 20 s means the message is held.
    let mut c = raw_get(&cg, port, "STREAM", "/v1/stream");
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let first_out = first.replace("hunter2hunter2", "[REDACTED:password]");
    while !String::from_utf8_lossy(&got).contains(&first_out) {
        match c.read(&mut buf) {
            Ok(0) => panic!("stream ended early: {}", String::from_utf8_lossy(&got)),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!(
                "{content_type}: first message held back ({e}); received so far: {}",
                String::from_utf8_lossy(&got)
            ),
        }
    }
    go.send(()).unwrap();
    c.read_to_end(&mut got).unwrap();
    let all = String::from_utf8_lossy(&got);
    assert!(all.contains(second), "{all}");
    assert!(!all.contains("hunter2"), "{all}");
    let line = &cg.audit_n(1)[0];
    assert_eq!(line["redactions_by_kind"]["password"], 1, "{line}");
}

#[test]
fn a_json_line_reaches_the_agent_before_the_next_one_is_sent() {
    first_message_arrives_alone(
        "application/x-ndjson",
        format!("{MESSAGE}\n"),
        "{\"done\":true}\n",
        "  packs: [default]",
    );
}

/// Per-event scanning is the route's choice for upstreams that wait on the agent (an MCP server
/// on the SSE transport): nothing of an event waits for the next. (Reassembly holds an event
/// whose field could continue into a secret until the next event on that field.)
#[test]
fn a_per_event_sse_event_reaches_the_agent_before_the_next_one_is_sent() {
    first_message_arrives_alone(
        "text/event-stream",
        format!("data: {MESSAGE}\n\n"),
        "data: [DONE]\n\n",
        "  event_streams: per_event",
    );
}

/// An MCP server on the HTTP+SSE transport, with reassembly on (the default): the `endpoint`
/// event and a JSON-RPC result are taken whole by the client, which replies before the server
/// sends more, so neither waits for a next event although both end in `s`.
#[test]
fn mcp_events_reach_the_agent_with_reassembly_on() {
    first_message_arrives_alone(
        "text/event-stream",
        concat!(
            "event: endpoint\ndata: /messages/?session_id=9f1c2e7as\n\n",
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":",
            "[{\"type\":\"text\",\"text\":\"password=hunter2hunter2, 3 tokens\"}]}}\n\n",
        )
        .to_string(),
        "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}\n\n",
        "  packs: [default]",
    );
}
