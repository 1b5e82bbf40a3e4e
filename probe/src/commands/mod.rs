//! The commands: `probe FILE` ([`run`]), `probe compare` ([`compare`]) and `probe gen`
//! ([`generate`]), each a thin layer over the same pipeline (load → resolve settings → train →
//! evaluate → write), and [`run_cli`], which parses the command line and dispatches.

pub mod compare;
pub mod generate;
pub mod pipeline;
pub mod run;

use crate::cli::{Cli, Command};
use clap::Parser;
use std::ffi::OsString;
use std::io::Write;

/// Runs probe with command-line `args` (the first is the program name), writing normal output
/// to `out` and errors to `err`. Returns the process exit code: 0 on success, 2 for errors the
/// user can fix (bad input, bad options, divergence), 1 when writing the report fails.
pub fn run_cli<I, A>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = A>,
    A: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = write!(out, "{e}");
                    0
                }
                _ => {
                    let _ = writeln!(err, "{}", clap_one_line(&e));
                    2
                }
            };
        }
    };
    let result = match cli.command {
        Some(Command::Gen(g)) => generate::run(&g, out),
        Some(Command::Compare(c)) => compare::run(&c, out, err),
        None => run::run(&cli.run, out),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            e.exit_code()
        }
    }
}

/// Condenses clap's multi-line message into one line with a fix.
fn clap_one_line(e: &clap::Error) -> String {
    let text = e.to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| {
        !l.is_empty()
            && !l.starts_with("Usage:")
            && !l.starts_with("probe ")
            && !l.starts_with("For more information")
    });
    let first = lines.next().unwrap_or("error: invalid arguments").to_string();
    let rest: Vec<&str> = lines.collect();
    let mut s = first;
    if !rest.is_empty() {
        s.push_str(if s.ends_with(':') { " " } else { ": " });
        s.push_str(&rest.join(" "));
    }
    s.push_str("; fix: correct the option (`probe --help` lists every option, its values and its default)");
    s
}
