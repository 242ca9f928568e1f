//! The `convoy` binary: see [`convoy::cli`].

fn main() -> std::process::ExitCode {
    convoy::cli::main()
}
