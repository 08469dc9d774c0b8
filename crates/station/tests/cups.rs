//! Sending a signed document to a printer through CUPS's `lp`, against a stand-in
//! `lp` put first on PATH: what the station hands CUPS, and that a paper copy of a
//! document holding the customer's whole number is logged like opening it. A test
//! binary of its own because it changes PATH for the whole process.

mod common;

use std::os::unix::fs::PermissionsExt;

use base64::Engine;
use common::flow::Flow;
use common::TestStation;
use serde_json::json;

/// Writes its arguments and a copy of the file it was given beside itself, and refuses
/// the printer named `Jammed` the way CUPS does.
const FAKE_LP: &str = r#"#!/bin/sh
here=$(dirname "$0")
case "$*" in *Jammed*) echo "lp: Error - The printer or class does not exist." >&2; exit 1;; esac
printf '%s\n' "$@" > "$here/args"
for last; do :; done
cp "$last" "$here/printed.pdf"
echo "request id is FrontDesk-7 (1 file(s))"
"#;

#[tokio::test]
async fn a_signed_document_sent_to_a_printer_hands_cups_its_pdf_and_is_logged_and_a_refused_one_is_not() {
    let bin = tempfile::tempdir().unwrap();
    let lp = bin.path().join("lp");
    std::fs::write(&lp, FAKE_LP).unwrap();
    std::fs::set_permissions(&lp, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::env::set_var("PATH", format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap_or_default()));

    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (_, printed) = Flow::approved_and_printed(&t, &crew).await;
    let opened = t.count("SELECT COUNT(*) FROM access_register WHERE kind = 'document'").await;
    // Later than the same person's printing counts as the same opening (access_register::SAME_OPENING).
    t.advance(chrono::Duration::hours(1));

    let job = t.ok(&crew.advisor, "print_to_printer", json!({"document_id": printed["document_id"], "printer": "FrontDesk"})).await;
    assert_eq!(job["printer"], "FrontDesk");
    assert_eq!(job["message"], "request id is FrontDesk-7 (1 file(s))", "the desk shows what CUPS answered");
    let args = std::fs::read_to_string(bin.path().join("args")).unwrap();
    let args: Vec<&str> = args.lines().collect();
    assert_eq!(args[..2], ["-d", "FrontDesk"]);
    assert_eq!(args[2], "-t");
    assert!(args[3].starts_with("StationDesk "), "a job title people recognise in the queue: {args:?}");
    assert_eq!(args[4], "--", "the file can never be read as an option");
    assert!(args[5].ends_with(printed["sha256"].as_str().unwrap()), "the archived PDF itself: {args:?}");
    let archived = base64::engine::general_purpose::STANDARD.decode(printed["data_url"].as_str().unwrap().split_once(',').unwrap().1).unwrap();
    assert_eq!(std::fs::read(bin.path().join("printed.pdf")).unwrap(), archived, "CUPS gets the PDF the customer signed, byte for byte");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM access_register WHERE kind = 'document'").await,
        opened + 1,
        "a paper copy with the whole number is an opening of the document"
    );

    let err = t.call(&crew.advisor, "print_to_printer", json!({"document_id": printed["document_id"], "printer": "Jammed"})).await.unwrap_err();
    assert_eq!(err.code, "print.failed");
    assert!(err.message.contains("does not exist"), "the desk reads why: {}", err.message);
    assert_eq!(t.count("SELECT COUNT(*) FROM access_register WHERE kind = 'document'").await, opened + 1, "nothing came out, so nothing is logged");
}
