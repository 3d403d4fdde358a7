//! The `augsafe` command: parse arguments, run the library, print, exit.

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("{} {err:#}", cli::label("error"));
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}
