//! The `tessera` binary as a user runs it: usage errors, start-up failures, graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn tessera() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
}

#[test]
fn an_unknown_command_is_bad_usage_with_exit_code_2() {
    let output = tessera().arg("frobnicate").output().expect("run tessera");

    assert_eq!(
        output.status.code(),
        Some(2),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn an_invalid_address_is_bad_usage_with_exit_code_2() {
    let output = tessera()
        .args(["serve", "--addr", "not-an-address"])
        .output()
        .expect("run tessera");

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--addr"),
        "the error should name the flag: {stderr}"
    );
}

#[test]
fn an_unsupported_database_url_fails_with_exit_code_1_and_one_line() {
    let output = tessera()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            "mysql://localhost/x",
        ])
        .env("RUST_LOG", "off")
        .output()
        .expect("run tessera");

    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "expected one line of error, got: {stderr}"
    );
    assert!(
        stderr.contains("unsupported database URL"),
        "the error should say why: {stderr}"
    );
}

#[test]
fn serve_reads_its_settings_from_the_environment_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("sub").join("tessera.db");
    let mut child = tessera()
        .arg("serve")
        .env("TESSERA_ADDR", "127.0.0.1:0")
        .env("TESSERA_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("TESSERA_PUBLIC_URL", "https://id.example.test/")
        .env("RUST_LOG", "off")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn tessera serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the first line");
    assert_eq!(
        line.trim(),
        "Tessera is listening on https://id.example.test"
    );
    assert!(db.exists(), "the database file should be created at start");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "tessera did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "a graceful stop exits 0");
}

#[test]
fn an_unreadable_watchlist_fails_with_exit_code_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let watchlist = dir.path().join("list.csv");
    std::fs::write(&watchlist, "name,birthdate\nJane Roe,not-a-date\n").expect("write list");

    let output = tessera()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            "sqlite::memory:",
        ])
        .arg("--watchlist")
        .arg(&watchlist)
        .env("RUST_LOG", "off")
        .output()
        .expect("run tessera");

    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("watchlist") && stderr.contains("line 2"),
        "the error should say where: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_create_prints_json_whose_key_works_against_a_running_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}", dir.path().join("tessera.db").display());
    let output = tessera()
        .args([
            "org",
            "create",
            "--name",
            "Acme Bank",
            "--allowed-origin",
            "https://acme.example",
            "--database-url",
            &database,
        ])
        .env("RUST_LOG", "off")
        .output()
        .expect("run tessera org create");
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let created: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("one JSON object on stdout");
    assert_eq!(created["name"], "Acme Bank");
    assert!(
        created["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("org_"))
    );
    let key = created["api-key"].as_str().expect("an api-key").to_owned();

    let tessera = server::Tessera::build(server::ServeConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        database,
    ))
    .await
    .expect("server");
    let url = format!("http://{}/api/v1/connect/connections", tessera.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(tessera.run_until(async {
        let _ = stopped.await;
    }));
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(&key)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "the printed key authenticates");
    let _ = stop.send(());
    running.await.unwrap().unwrap();
}

#[test]
fn org_create_without_a_name_or_with_a_bad_origin_is_bad_usage() {
    let missing = tessera().args(["org", "create"]).output().expect("run");
    let bad_origin = tessera()
        .args([
            "org",
            "create",
            "--name",
            "Acme",
            "--allowed-origin",
            "acme.example",
            "--database-url",
            "sqlite::memory:",
        ])
        .env("RUST_LOG", "off")
        .output()
        .expect("run");

    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(bad_origin.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_origin.stderr).contains("is not an origin"));
}

#[test]
fn demo_prints_keys_and_tokens_and_can_run_twice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}", dir.path().join("tessera.db").display());
    let run = || {
        tessera()
            .args(["demo", "--database-url", &database])
            .env("RUST_LOG", "off")
            .output()
            .expect("run tessera demo")
    };

    let first = run();
    let second = run();

    for output in [&first, &second] {
        assert!(
            output.status.success(),
            "stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            text.contains("tsk_") && text.contains("cnst_") && text.contains("cxn_"),
            "{text}"
        );
    }
}

#[test]
fn user_create_prints_a_one_time_password_or_takes_one_on_stdin_and_refuses_bad_input_with_code_2()
{
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}", dir.path().join("tessera.db").display());
    let org = tessera()
        .args([
            "org",
            "create",
            "--name",
            "Acme",
            "--database-url",
            &database,
        ])
        .env("RUST_LOG", "off")
        .output()
        .expect("org create");
    let org: serde_json::Value = serde_json::from_slice(&org.stdout).expect("org JSON");
    let org_id = org["id"].as_str().unwrap().to_owned();
    let user = |email: &str, stdin: Option<&str>| {
        let mut command = tessera();
        command
            .args([
                "user",
                "create",
                "--org",
                &org_id,
                "--email",
                email,
                "--database-url",
                &database,
            ])
            .env("RUST_LOG", "off")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if stdin.is_some() {
            command.arg("--password-stdin").stdin(Stdio::piped());
        }
        let mut child = command.spawn().expect("user create");
        if let Some(text) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        child.wait_with_output().expect("user create ends")
    };

    let generated = user("Ada@Example.com", None);
    let given = user("bob@example.com", Some("a long enough passphrase\n"));
    let taken = user("ada@example.com", None);
    let weak = user("carol@example.com", Some("short\n"));
    let bad_email = user("not-an-address", None);

    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&generated.stdout).unwrap();
    assert_eq!(created["email"], "ada@example.com");
    assert_eq!(created["organization-id"], org_id.as_str());
    assert!(
        created["password"].as_str().is_some_and(|p| p.len() >= 12),
        "{created}"
    );
    assert!(given.status.success());
    let given: serde_json::Value = serde_json::from_slice(&given.stdout).unwrap();
    assert!(
        given.get("password").is_none(),
        "a password read from stdin is not printed: {given}"
    );
    for (refused, why) in [
        (taken, "already exists"),
        (weak, "12 characters"),
        (bad_email, "not a valid address"),
    ] {
        assert_eq!(refused.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(why), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    }
}
