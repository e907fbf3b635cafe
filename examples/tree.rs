//! Prints the parse tree of a KQL or SPL file: `cargo run --example tree -- kql|spl FILE [--spans]`.
//! With `--spans`, one node per line with its byte range, from the pest grammar and from the
//! hand-written parser (to compare the two by eye).
use tokenward::syntax::{kql, spl, Node};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&args[2]).unwrap();
    let kql = args[1] == "kql";
    if args.get(3).is_some_and(|a| a == "--spans") {
        let (reference, fast) = if kql {
            (
                kql::parse_tree_reference(&text),
                kql::parse_tree_fast(&text),
            )
        } else {
            (
                spl::parse_tree_reference(&text),
                spl::parse_tree_fast(&text),
            )
        };
        for (name, tree) in [("grammar", reference.ok()), ("hand-written", fast)] {
            println!("== {name}");
            match tree {
                Some(t) => print_spans(&t, 0),
                None => println!("rejected"),
            }
        }
        return;
    }
    let r = if kql {
        kql::parse_tree(&text)
    } else {
        spl::parse_tree(&text)
    };
    match r {
        Ok(t) => println!("{}", t.to_sexp()),
        Err(e) => println!("error: {e}"),
    }
}

fn print_spans(n: &Node<'_>, depth: usize) {
    println!(
        "{:w$}{} {}..{} {:?}",
        "",
        n.kind,
        n.start,
        n.end,
        n.text,
        w = depth * 2
    );
    for c in &n.children {
        print_spans(c, depth + 1);
    }
}
