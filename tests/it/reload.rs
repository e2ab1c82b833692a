//! Reload without restart: a good configuration is swapped in atomically; a bad one is refused
//! with its errors and the last good configuration keeps serving.

use crate::harness::*;
use crate::upstream::Upstream;

#[test]
fn reload_swaps_good_config_and_keeps_last_good_on_error() {
    let up = Upstream::start();
    let secret = SecretFile::new("reload-secret-value-0001");
    let cg = Credgate::start(
        &[(
            "a.yaml",
            route("FIRST", up.port(), BEARER, &secret.credential(), ALLOW_ALL),
        )],
        "",
    );
    let url = format!("http://127.0.0.1:{}/x", up.port());
    let call = |h: &str| {
        curl(&[
            "-x",
            &cg.alice(),
            "-H",
            &format!("X-Cred-Handle: {h}"),
            &url,
        ])
    };
    assert_eq!(call("FIRST").status, 200);
    assert_eq!(call("SECOND").reason(), "unknown_handle");

    // A good change: a second route appears.
    std::fs::write(
        cg.path("routes/b.yaml"),
        route("SECOND", up.port(), BEARER, &secret.credential(), ALLOW_ALL),
    )
    .unwrap();
    let r = curl(&["-X", "POST", &format!("http://{}/admin/reload", cg.admin)]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["reloaded"], true);
    assert_eq!(call("SECOND").status, 200);

    // A bad change: refused, named, and the last good configuration still serves both routes.
    std::fs::write(
        cg.path("routes/b.yaml"),
        "handle: SECOND\nupstream: {hosts: [127.0.0.1]}\n",
    )
    .unwrap();
    let r = curl(&["-X", "POST", &format!("http://{}/admin/reload", cg.admin)]);
    assert_eq!(r.status, 422, "{}", r.body);
    let j = r.json();
    assert_eq!(j["reloaded"], false);
    assert!(
        j["errors"][0]["file"].as_str().unwrap().ends_with("b.yaml"),
        "{j}"
    );
    assert!(j["errors"][0]["fix"].as_str().is_some());
    assert_eq!(call("FIRST").status, 200);
    assert_eq!(call("SECOND").status, 200);

    let m = cg.metrics();
    assert!(
        m.contains("credgate_config_reloads_total{result=\"success\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("credgate_config_reloads_total{result=\"error\"} 1"),
        "{m}"
    );
    assert!(m.contains("credgate_routes 2"));
}

#[test]
fn admin_token_protects_admin_endpoints_but_not_probes() {
    let up = Upstream::start();
    let secret = SecretFile::new("reload-secret-value-0002");
    let token = "admin-token-for-tests";
    let extra = format!(
        "admin:\n  token_sha256: {}\n",
        credgate::identity::KeyHash::of(token.as_bytes()).to_hex()
    );
    let cg = Credgate::start(
        &[(
            "a.yaml",
            route("A", up.port(), BEARER, &secret.credential(), ALLOW_ALL),
        )],
        &extra,
    );
    let r = curl(&["-X", "POST", &format!("http://{}/admin/reload", cg.admin)]);
    assert_eq!(r.status, 401);
    let r = curl(&[
        "-X",
        "POST",
        "-H",
        &format!("Authorization: Bearer {token}"),
        &format!("http://{}/admin/reload", cg.admin),
    ]);
    assert_eq!(r.status, 200);
    let r = curl(&[
        &format!("http://{}/admin/routes", cg.admin),
        "-H",
        &format!("Authorization: Bearer {token}"),
    ]);
    assert_eq!(r.json()["routes"][0]["handle"], "A");
    assert_eq!(curl(&[&format!("http://{}/healthz", cg.admin)]).status, 200);
    assert_eq!(curl(&[&format!("http://{}/metrics", cg.admin)]).status, 200);
}

#[test]
fn reload_reopens_the_audit_file_after_rotation() {
    let up = Upstream::start();
    let secret = SecretFile::new("rotation-secret-0003");
    let cg = Credgate::start(
        &[(
            "a.yaml",
            route("A", up.port(), BEARER, &secret.credential(), ALLOW_ALL),
        )],
        "",
    );
    let url = format!("http://127.0.0.1:{}/x", up.port());
    assert_eq!(cg.via("A", &url).status, 200);
    assert_eq!(cg.audit_n(1).len(), 1);
    // logrotate: rename, then signal credgate (here through the admin API).
    std::fs::rename(cg.path("audit.log"), cg.path("audit.log.1")).unwrap();
    let r = curl(&["-X", "POST", &format!("http://{}/admin/reload", cg.admin)]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(cg.via("A", &url).status, 200);
    assert_eq!(
        cg.audit_n(1).len(),
        1,
        "the new request went to the new file"
    );
    let rotated = std::fs::read_to_string(cg.path("audit.log.1")).unwrap();
    assert_eq!(
        rotated.lines().count(),
        1,
        "the old file kept its line only"
    );
}
