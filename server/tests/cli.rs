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
