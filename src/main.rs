fn main() {
    git_spec::cli::restore_sigpipe();
    std::process::exit(git_spec::cli::main());
}
