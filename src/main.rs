fn main() {
    std::process::exit(git_spec::cli::main());
}
