//! `git spec graph`: the relations between specs as Mermaid, Graphviz DOT
//! or JSON, with each spec's status as its node class.

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::catalog::Catalog;
use crate::project::Project;
use crate::relations::{Graph, Kind, Node};

#[derive(Debug, Args)]
#[command(after_help = "\
Draws the specs of the working tree that have a relation (`depends-on`, `supersedes`),
or every spec with --all. Edges point from a spec to the one it depends on or
supersedes; an id that no spec in the working tree has is drawn as a node of class
`missing`. Mermaid renders in GitHub and GitLab Markdown (```mermaid); DOT renders
with `dot -Tsvg`. JSON: {\"nodes\": [{id, number, title, status, path}], \"edges\":
[{from, to, kind}]}, where kind is depends-on or supersedes and a missing node has
an empty status and path.")]
pub struct GraphArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
    /// Every spec, also those without relations
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
    Json,
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    from: &'a str,
    to: &'a str,
    kind: Kind,
}

#[derive(Serialize)]
struct JsonGraph<'a> {
    nodes: Vec<&'a Node>,
    edges: Vec<JsonEdge<'a>>,
}

pub fn run(args: GraphArgs) -> Result<i32> {
    let project = Project::open()?;
    let catalog = Catalog::working_tree(&project)?;
    for error in &catalog.errors {
        errln!("warning: {error} (left out of the graph)");
    }
    let mut graph = Graph::of(&project.scheme, &catalog.specs);
    // Targets no spec has become nodes of their own, marked missing.
    let targets: Vec<u64> = graph.edges.iter().map(|e| e.to).collect();
    for number in targets {
        graph.nodes.entry(number).or_insert_with(|| Node {
            id: project.scheme.spec_id(number),
            number,
            title: String::new(),
            status: String::new(),
            path: String::new(),
        });
    }
    let shown: Vec<&Node> = graph
        .nodes
        .values()
        .filter(|node| {
            args.all
                || graph
                    .edges
                    .iter()
                    .any(|e| e.from == node.number || e.to == node.number)
        })
        .collect();
    let id_of = |number: u64| graph.nodes[&number].id.as_str();
    let text = match args.format {
        GraphFormat::Json => {
            let json = JsonGraph {
                nodes: shown.clone(),
                edges: graph
                    .edges
                    .iter()
                    .map(|e| JsonEdge {
                        from: id_of(e.from),
                        to: id_of(e.to),
                        kind: e.kind,
                    })
                    .collect(),
            };
            // JSON keeps the exact data.
            println!("{}", serde_json::to_string_pretty(&json)?);
            return Ok(0);
        }
        GraphFormat::Mermaid => mermaid(&graph, &shown),
        GraphFormat::Dot => dot(&graph, &shown),
    };
    out!("{text}");
    Ok(0)
}

/// A status as a class name: letters, digits and `_` only.
fn class(status: &str) -> String {
    if status.is_empty() {
        return "missing".into();
    }
    status
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn mermaid(graph: &Graph, nodes: &[&Node]) -> String {
    // Node ids are `n` + number: Mermaid ids must not hold `-`. Labels are
    // quoted, with the characters Mermaid would read as markup written as
    // its entity codes, so a title cannot break out of its node.
    let label = |text: &str| -> String {
        text.chars()
            .map(|c| match c {
                '"' => "#quot;".to_string(),
                '<' => "#lt;".to_string(),
                '>' => "#gt;".to_string(),
                '#' => "#35;".to_string(),
                '&' => "#amp;".to_string(),
                c if c.is_control() => " ".to_string(),
                c => c.to_string(),
            })
            .collect()
    };
    let mut out = String::from("graph LR\n");
    let mut classes: Vec<String> = Vec::new();
    for node in nodes {
        let text = if node.title.is_empty() {
            node.id.clone()
        } else {
            format!("{}: {}", node.id, node.title)
        };
        let class = class(&node.status);
        out.push_str(&format!(
            "  n{}[\"{}\"]:::{class}\n",
            node.number,
            label(&text)
        ));
        if !classes.contains(&class) {
            classes.push(class);
        }
    }
    for edge in &graph.edges {
        let arrow = match edge.kind {
            Kind::DependsOn => "-->|depends on|",
            Kind::Supersedes => "-.->|supersedes|",
        };
        out.push_str(&format!("  n{} {arrow} n{}\n", edge.from, edge.to));
    }
    for class in classes {
        let style = match class.as_str() {
            "approved" | "in_progress" => "fill:#dbeafe,stroke:#1d4ed8",
            "implemented" => "fill:#dcfce7,stroke:#15803d",
            "rejected" | "withdrawn" | "superseded" => {
                "fill:#f3f4f6,stroke:#6b7280,stroke-dasharray:4 2"
            }
            "missing" => "fill:#fee2e2,stroke:#b91c1c,stroke-dasharray:2 2",
            _ => "fill:#fef9c3,stroke:#a16207",
        };
        out.push_str(&format!("  classDef {class} {style}\n"));
    }
    out
}

fn dot(graph: &Graph, nodes: &[&Node]) -> String {
    let quote = |text: &str| -> String {
        let mut out = String::from("\"");
        for c in text.chars() {
            match c {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                c if c.is_control() => out.push(' '),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    };
    let mut out = String::from("digraph specs {\n  rankdir=LR;\n  node [shape=box];\n");
    for node in nodes {
        let label = if node.title.is_empty() {
            node.id.clone()
        } else {
            format!("{}: {}", node.id, node.title)
        };
        let status = if node.status.is_empty() {
            "missing"
        } else {
            node.status.as_str()
        };
        out.push_str(&format!(
            "  {} [label={}, class={}, tooltip={}];\n",
            quote(&node.id),
            quote(&label),
            quote(&class(&node.status)),
            quote(status)
        ));
    }
    for edge in &graph.edges {
        let (label, style) = match edge.kind {
            Kind::DependsOn => ("depends on", "solid"),
            Kind::Supersedes => ("supersedes", "dashed"),
        };
        out.push_str(&format!(
            "  {} -> {} [label={}, style={style}];\n",
            quote(&graph.nodes[&edge.from].id),
            quote(&graph.nodes[&edge.to].id),
            quote(label)
        ));
    }
    out.push_str("}\n");
    out
}
