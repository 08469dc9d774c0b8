// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
StationDesk: the front desk of a vehicle service station.

Usage:
  stationdesk [--data-dir DIR]
      Open the desktop window.
  stationdesk serve [--data-dir DIR] [--listen ADDR] [--ui-dir DIR] [--host-name NAME]...
      Run the HTTP JSON API with no window and serve the UI at ADDR: plain
      http:// on a loopback address, https:// with the station's certificate
      on any other (workshop tablets; they pair with the station first).
  stationdesk restore-backup FILE --key KEYFILE [--data-dir DIR]
      Restore an encrypted backup (backups/stationdesk-*.backup.age) with the
      backup secret key saved when backups were set up. Close StationDesk
      first; the data it replaces is moved to before-restore-<time>/.

Options:
  --data-dir DIR   Where the station keeps its database and files
                   (default: the platform's app-data directory).
  --listen ADDR    Address for `serve` (default: 127.0.0.1:8787).
  --ui-dir DIR     Serve the UI from DIR (a `ui/dist`) instead of the copy
                   built into this binary.
  --key KEYFILE    For `restore-backup`: the file holding the backup secret
                   key (AGE-SECRET-KEY-1...).
  --host-name NAME A DNS name tablets use for this station (e.g. station.lan);
                   IP addresses and localhost are always accepted, other
                   names are refused (DNS rebinding). Repeatable.
  -h, --help       Show this help.
  -V, --version    Show the version.

Logging: set RUST_LOG (default: info).";

const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

#[derive(Debug, PartialEq)]
enum Command {
    Desktop { data_dir: PathBuf },
    Serve { data_dir: PathBuf, listen: SocketAddr, ui_dir: Option<PathBuf>, host_names: Vec<String> },
    RestoreBackup { data_dir: PathBuf, file: PathBuf, key: PathBuf },
    Help,
    Version,
}

/// `--flag=value` into the flag and its value; anything else is the flag alone.
fn split_flag(arg: &str) -> (String, Option<String>) {
    match arg.split_once('=') {
        Some((flag, value)) if flag.starts_with("--") => (flag.to_string(), Some(value.to_string())),
        _ => (arg.to_string(), None),
    }
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter().peekable();
    if args.peek().is_some_and(|a| a == "restore-backup") {
        args.next();
        return parse_restore(args);
    }
    let serve = args.peek().is_some_and(|a| a == "serve");
    if serve {
        args.next();
    }
    let (mut data_dir, mut listen, mut ui_dir, mut host_names) = (None, None, None, Vec::new());
    while let Some(arg) = args.next() {
        let (flag, inline) = split_flag(&arg);
        let mut value = |name: &str| inline.clone().or_else(|| args.next()).filter(|v| !v.is_empty()).ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--data-dir" => data_dir = Some(PathBuf::from(value("--data-dir")?)),
            "--listen" if serve => {
                let v = value("--listen")?;
                listen = Some(v.parse::<SocketAddr>().map_err(|e| format!("--listen {v}: {e} (expected e.g. {DEFAULT_LISTEN})"))?);
            }
            "--ui-dir" if serve => ui_dir = Some(PathBuf::from(value("--ui-dir")?)),
            "--host-name" if serve => host_names.push(value("--host-name")?),
            "--listen" | "--ui-dir" | "--host-name" => return Err(format!("{flag} only applies to `stationdesk serve`")),
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    let data_dir = data_dir.unwrap_or_else(station::default_data_dir);
    Ok(if serve {
        #[allow(clippy::unwrap_used)] // a constant that parses
        let listen = listen.unwrap_or_else(|| DEFAULT_LISTEN.parse().unwrap());
        Command::Serve { data_dir, listen, ui_dir, host_names }
    } else {
        Command::Desktop { data_dir }
    })
}

/// `restore-backup FILE --key KEYFILE [--data-dir DIR]`.
fn parse_restore(args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut args = args.peekable();
    let (mut file, mut key, mut data_dir) = (None, None, None);
    while let Some(arg) = args.next() {
        let (flag, inline) = split_flag(&arg);
        let mut value = |name: &str| inline.clone().or_else(|| args.next()).filter(|v| !v.is_empty()).ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--key" => key = Some(PathBuf::from(value("--key")?)),
            "--data-dir" => data_dir = Some(PathBuf::from(value("--data-dir")?)),
            other if other.starts_with('-') => return Err(format!("unexpected argument `{other}`")),
            _ if file.is_none() => file = Some(PathBuf::from(arg)),
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    let file = file.ok_or("restore-backup needs the backup FILE")?;
    let key = key.ok_or("restore-backup needs --key KEYFILE, the backup secret key saved when backups were set up")?;
    Ok(Command::RestoreBackup { data_dir: data_dir.unwrap_or_else(station::default_data_dir), file, key })
}

fn restore_backup(data_dir: PathBuf, file: PathBuf, key: PathBuf) -> anyhow::Result<()> {
    let report = station::backup::restore_backup_command(&data_dir, &file, &key).map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.code))?;
    println!("Restored {} into {} ({} stored files).", file.display(), data_dir.display(), report.files);
    if let Some(aside) = report.replaced_moved_to {
        println!("The data it replaced is in {}; delete that folder once the restore is checked.", aside.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    let command = match parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("stationdesk: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")))
        .init();
    let result = match command {
        Command::Help => {
            println!("{USAGE}");
            Ok(())
        }
        Command::Version => {
            println!("stationdesk {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::Desktop { data_dir } => stationdesk_lib::run_desktop(data_dir),
        Command::Serve { data_dir, listen, ui_dir, host_names } => stationdesk_lib::run_serve(data_dir, listen, ui_dir, host_names),
        Command::RestoreBackup { data_dir, file, key } => restore_backup(data_dir, file, key),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("stationdesk: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Result<Command, String> {
        parse(line.split_whitespace().map(String::from))
    }

    #[test]
    fn no_arguments_open_the_window_on_the_default_data_dir() {
        assert_eq!(args(""), Ok(Command::Desktop { data_dir: station::default_data_dir() }));
    }

    #[test]
    fn serve_takes_a_data_dir_a_listen_address_and_a_ui_dir() {
        assert_eq!(
            args("serve --data-dir /tmp/s --listen=0.0.0.0:9000 --ui-dir ui/dist --host-name station.lan"),
            Ok(Command::Serve {
                data_dir: "/tmp/s".into(),
                listen: "0.0.0.0:9000".parse().expect("addr"),
                ui_dir: Some("ui/dist".into()),
                host_names: vec!["station.lan".into()]
            })
        );
        assert_eq!(
            args("serve"),
            Ok(Command::Serve { data_dir: station::default_data_dir(), listen: DEFAULT_LISTEN.parse().expect("addr"), ui_dir: None, host_names: vec![] })
        );
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(args("--data-dir").is_err());
        assert!(args("--listen 127.0.0.1:1").is_err(), "--listen without serve");
        assert!(args("serve --listen nowhere").is_err());
        assert!(args("serve extra").is_err());
        assert!(args("--frobnicate").is_err());
        assert_eq!(args("serve --help"), Ok(Command::Help));
    }

    #[test]
    fn restore_backup_takes_the_file_the_key_file_and_a_data_dir() {
        assert_eq!(
            args("restore-backup /b/stationdesk-x.backup.age --key /k/key.txt --data-dir /tmp/s"),
            Ok(Command::RestoreBackup { data_dir: "/tmp/s".into(), file: "/b/stationdesk-x.backup.age".into(), key: "/k/key.txt".into() })
        );
        assert_eq!(
            args("restore-backup --key=/k/key.txt b.age"),
            Ok(Command::RestoreBackup { data_dir: station::default_data_dir(), file: "b.age".into(), key: "/k/key.txt".into() })
        );
        assert!(args("restore-backup b.age").is_err_and(|e| e.contains("--key")), "the key is required");
        assert!(args("restore-backup --key k").is_err_and(|e| e.contains("FILE")));
        assert!(args("restore-backup a.age b.age --key k").is_err());
        assert!(args("restore-backup b.age --key k --listen 1.2.3.4:1").is_err());
    }
}
