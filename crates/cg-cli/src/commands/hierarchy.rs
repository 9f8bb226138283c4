//! `cg hierarchy ...`

use cg_facade::Client;
use serde_json::json;

use cg_facade::modules::hierarchy::Division;

use crate::cli::HierarchyCommand;
use crate::commands::print_all;
use crate::error::CliError;
use crate::output::{Listed, Printer};

impl Listed for Division {
    const TABLE: &'static [(&'static str, &'static str)] =
        &[("id", "id"), ("name", "division"), ("parent", "parent")];
    fn extra_keys(&self) -> Vec<String> {
        Vec::new()
    }
}

pub async fn run(
    client: &Client,
    cmd: HierarchyCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    let h = client.hierarchy();
    match cmd {
        HierarchyCommand::List(limit) => print_all(h.list().send().await?, limit, out)?,
        HierarchyCommand::Tree => {
            let tree = h.tree().send().await?;
            for (depth, node) in tree.walk() {
                out.row(vec![
                    (
                        "division",
                        json!(format!("{}{}", "  ".repeat(depth), node.name)),
                    ),
                    ("id", json!(node.id)),
                    ("depth", json!(depth)),
                ])?;
            }
            for orphan in tree.orphans() {
                out.row(vec![
                    ("division", json!(format!("(orphan) {}", orphan.name))),
                    ("id", json!(orphan.id)),
                    ("depth", json!(null)),
                ])?;
            }
        }
        HierarchyCommand::Add { name, parent } => {
            let mut add = h.add(name.clone());
            if let Some(p) = parent {
                add = add.parent(p);
            }
            let id = add.send().await?;
            out.row(vec![
                ("id", json!(id)),
                ("division", json!(name)),
                ("result", json!("added")),
            ])?;
        }
        HierarchyCommand::Rename { name, new_name } => {
            h.rename(name, new_name.clone()).send().await?;
            out.row(vec![
                ("division", json!(new_name)),
                ("result", json!("renamed")),
            ])?;
        }
        HierarchyCommand::Move { name, parent } => {
            h.move_to(name.clone(), parent).send().await?;
            out.row(vec![("division", json!(name)), ("result", json!("moved"))])?;
        }
        HierarchyCommand::Delete { name, replacement } => {
            h.delete(name.clone(), replacement).send().await?;
            out.row(vec![
                ("division", json!(name)),
                ("result", json!("deleted")),
            ])?;
        }
    }
    Ok(())
}
