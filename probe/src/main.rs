//! `probe`: see `probe --help` and the crate documentation; all the work is in [`probe::run_cli`].

fn main() {
    let code = probe::run_cli(std::env::args_os(), &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
