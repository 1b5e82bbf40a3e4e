//! The commands: `probe FILE` ([`run`]), `probe compare` ([`compare`]), `probe anomaly`
//! ([`anomaly`]), `probe sweep` ([`sweep`]), `probe labels` ([`labels`]) and `probe gen` ([`generate`]), each a thin layer over the same pipeline (load → resolve settings → train →
//! evaluate → write), and [`run_cli`], which parses the command line and dispatches.

pub mod anomaly;
pub mod compare;
pub mod generate;
pub mod labels;
pub mod pipeline;
pub mod run;
pub mod sweep;

use crate::cli::{Cli, Command};
use crate::error::ProbeError;
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
    use clap::{CommandFactory, FromArgMatches};
    let parsed =
        Cli::command().try_get_matches_from(args).and_then(|m| Cli::from_arg_matches(&m).map(|c| (c, m)));
    let (mut cli, matches) = match parsed {
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
    if let Err(e) = reject_ignored_options(&matches) {
        let _ = writeln!(err, "{e}");
        return 2;
    }
    cli.run.explicit = given_options(&matches);
    // `--threads N` bounds every thread of the command, the evaluation's included.
    let sub = matches.subcommand().map_or(&matches, |(_, m)| m);
    let threads = sub.try_get_one::<usize>("threads").ok().flatten().copied();
    let run = || match cli.command {
        Some(Command::Gen(g)) => generate::run(&g, out),
        Some(Command::Compare(c)) => compare::run(&c, out, err),
        Some(Command::Anomaly(mut a)) => {
            a.run.explicit = matches.subcommand_matches("anomaly").map(given_options).unwrap_or_default();
            anomaly::run(&a, out)
        }
        Some(Command::Sweep(s)) => {
            let repeats = matches.subcommand_matches("sweep").and_then(|m| m.value_source("repeats"));
            sweep::run(&s, repeats == Some(clap::parser::ValueSource::CommandLine), out, err)
        }
        Some(Command::Labels(l)) => labels::run(&l, out),
        None => run::run(&cli.run, out),
    };
    let result = match threads {
        Some(n) => crate::eval::parallel::with_threads(n, run),
        None => run(),
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

/// The ids of the options given on the command line (not defaulted), e.g. `tau`, `encoder`.
fn given_options(m: &clap::ArgMatches) -> Vec<String> {
    m.ids()
        .filter(|id| m.value_source(id.as_str()) == Some(clap::parser::ValueSource::CommandLine))
        .map(|id| id.as_str().to_string())
        .collect()
}

/// `probe compare` takes the run options it uses; `--method` (it runs every method of
/// `--methods`) and `--export` (it keeps no single encoder) would be ignored, so they are
/// refused instead.
fn reject_ignored_options(m: &clap::ArgMatches) -> crate::error::Result<()> {
    let Some((name, sub)) = m.subcommand() else { return Ok(()) };
    let given = |id: &str| {
        sub.try_get_raw(id).is_ok_and(|v| v.is_some())
            && sub.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
    };
    if given("no_search") {
        return Err(ProbeError::usage(
            format!(
                "probe {name} never searches: it runs the defaults plus the options you give, so --no-search would change nothing"
            ),
            "drop --no-search; only the plain run `probe DATA.csv` searches",
        ));
    }
    if name != "compare" {
        return Ok(());
    }
    if given("method") {
        return Err(ProbeError::usage(
            "probe compare runs several methods: --method is for a single run",
            "choose the methods with --methods, e.g. --methods ntxent,byol",
        ));
    }
    if given("export") {
        return Err(ProbeError::usage(
            "probe compare does not export an encoder",
            "export one method's encoder with `probe DATA.csv --method M --export DIR`",
        ));
    }
    Ok(())
}
