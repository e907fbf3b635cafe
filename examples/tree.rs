//! Prints the parse tree of a KQL or SPL file: `cargo run --example tree -- kql FILE`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&args[2]).unwrap();
    let r = if args[1] == "kql" {
        tokenward::syntax::kql::parse_tree(&text)
    } else {
        tokenward::syntax::spl::parse_tree(&text)
    };
    match r {
        Ok(t) => println!("{}", t.to_sexp()),
        Err(e) => println!("error: {e}"),
    }
}
