//! Divisions of the hierarchy (`spec/hierarchy.yaml`): list them, see them as a tree,
//! add, rename, move and delete them.

use std::collections::{HashMap, HashSet};
use std::fmt;

use cg_auth::HostFamily;
use cg_raw_hierarchy::types;

use serde_json::{Map, Value};

use crate::call::call;
use crate::client::raw_client;
use crate::decode::{self, read_list};
use crate::lenient;
use crate::{Client, Error, Result};

/// Name of the root division, which can be neither updated nor deleted.
pub const GLOBAL: &str = "Global";

/// One division (hierarchy level), as listed: `{"id": "1", "division": "Global",
/// "parent": ""}` (art 5000722527). The id comes as a number or numeric string.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Division {
    /// Its id (0 when not sent).
    #[serde(deserialize_with = "lenient::count")]
    pub id: u64,
    /// Its name (divisions are addressed by name).
    #[serde(
        rename(deserialize = "division"),
        deserialize_with = "lenient::text_or_empty"
    )]
    pub name: String,
    /// The name of its parent; `None` for the root `Global` (sent empty).
    #[serde(deserialize_with = "lenient::non_blank")]
    pub parent: Option<String>,
    /// Fields this SDK does not know, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl lenient::Item for Division {
    fn extra_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.extra
    }
}

/// A name the service needs: refused locally when empty.
fn name(field: &str, value: String) -> Result<String> {
    if value.trim().is_empty() {
        return Err(Error::invalid(
            field,
            "is empty; a division is addressed by its name",
        ));
    }
    Ok(value)
}

impl Client {
    /// The hierarchy (divisions).
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// let id = client.hierarchy().add("Benelux").parent("Europe").send().await?;
    /// println!("added division {id}");
    /// println!("{}", client.hierarchy().tree().send().await?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn hierarchy(&self) -> Hierarchy {
        Hierarchy {
            client: self.clone(),
        }
    }
}

/// The hierarchy: `client.hierarchy()`.
#[derive(Clone, Debug)]
pub struct Hierarchy {
    client: Client,
}

impl Hierarchy {
    /// Every division, as the service lists them.
    pub fn list(&self) -> ListDivisions {
        ListDivisions {
            client: self.client.clone(),
        }
    }

    /// Every division, arranged under the root `Global`.
    pub fn tree(&self) -> DivisionTreeRequest {
        DivisionTreeRequest {
            client: self.client.clone(),
        }
    }

    /// Adds a division (under `Global` unless [`AddDivision::parent`] says otherwise).
    pub fn add(&self, name: impl Into<String>) -> AddDivision {
        AddDivision {
            client: self.client.clone(),
            name: name.into(),
            parent: GLOBAL.to_string(),
        }
    }

    /// Renames a division.
    pub fn rename(&self, name: impl Into<String>, new_name: impl Into<String>) -> UpdateDivision {
        self.update(name).new_name(new_name)
    }

    /// Moves a division under another parent.
    pub fn move_to(
        &self,
        name: impl Into<String>,
        new_parent: impl Into<String>,
    ) -> UpdateDivision {
        self.update(name).parent(new_parent)
    }

    /// Renames and/or moves a division in one request.
    pub fn update(&self, name: impl Into<String>) -> UpdateDivision {
        UpdateDivision {
            client: self.client.clone(),
            name: name.into(),
            new_name: None,
            parent: None,
        }
    }

    /// Deletes a division; `replacement` takes over what belonged to it. The service
    /// refuses `Global` (400903) and a division with children (400904).
    pub fn delete(
        &self,
        name: impl Into<String>,
        replacement: impl Into<String>,
    ) -> DeleteDivision {
        DeleteDivision {
            client: self.client.clone(),
            name: name.into(),
            replacement: replacement.into(),
        }
    }
}

/// `GET /v4.1/hierarchy`.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until .send()"]
pub struct ListDivisions {
    client: Client,
}

impl ListDivisions {
    /// Every division, in the service's order.
    pub async fn send(self) -> Result<Vec<Division>> {
        let raw = raw_client!(self.client, cg_raw_hierarchy, HostFamily::Api);
        let ctx = self.client.ctx();
        read_list(
            ctx,
            cg_raw_hierarchy::ops::LIST_HIERARCHY,
            raw.list_hierarchy_as(ctx.format.as_str(), &Default::default()),
        )
        .await
    }
}

/// `GET /v4.1/hierarchy`, arranged as a [`DivisionTree`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until .send()"]
pub struct DivisionTreeRequest {
    client: Client,
}

impl DivisionTreeRequest {
    /// The tree; divisions that cannot be placed under `Global` are its orphans.
    pub async fn send(self) -> Result<DivisionTree> {
        let divisions = ListDivisions {
            client: self.client,
        }
        .send()
        .await?;
        DivisionTree::from_divisions(divisions)
    }
}

/// `POST /v4.1/hierarchy`.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until .send()"]
pub struct AddDivision {
    client: Client,
    name: String,
    parent: String,
}

impl AddDivision {
    /// The parent division, by name (default `Global`); the service refuses an unknown one (400900).
    pub fn parent(mut self, parent: impl Into<String>) -> Self {
        self.parent = parent.into();
        self
    }

    /// Adds the division and returns its id.
    pub async fn send(self) -> Result<u64> {
        let division = name("division", self.name)?;
        let parent = name("parent", self.parent)?;
        let raw = raw_client!(self.client, cg_raw_hierarchy, HostFamily::Api);
        let ctx = self.client.ctx();
        let body = types::AddDivisionRequest { division, parent };
        let answer = call(
            ctx,
            cg_raw_hierarchy::ops::ADD_DIVISION.id,
            raw.add_division()
                .format(ctx.format.as_str())
                .body(body)
                .send(),
        )
        .await?;
        decode::required(
            cg_raw_hierarchy::ops::ADD_DIVISION.id,
            "id",
            answer.data.id.as_ref(),
        )
    }
}

/// `PUT /v4.1/hierarchy`: a new name, a new parent, or both.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until .send()"]
pub struct UpdateDivision {
    client: Client,
    name: String,
    new_name: Option<String>,
    parent: Option<String>,
}

impl UpdateDivision {
    /// Gives the division a new name.
    pub fn new_name(mut self, new_name: impl Into<String>) -> Self {
        self.new_name = Some(new_name.into());
        self
    }

    /// Moves the division under this one (by name).
    pub fn parent(mut self, parent: impl Into<String>) -> Self {
        self.parent = Some(parent.into());
        self
    }

    /// Sends the update. The service refuses `Global` (400902), an unknown division
    /// (400901) and an unknown parent (400900).
    pub async fn send(self) -> Result<()> {
        let division = name("division", self.name)?;
        let division_to_update = self.new_name.map(|n| name("new_name", n)).transpose()?;
        let parent = self.parent.map(|p| name("parent", p)).transpose()?;
        if division_to_update.is_none() && parent.is_none() {
            return Err(Error::invalid(
                "new_name",
                "nothing to update: give a new name, a new parent or both",
            ));
        }
        if parent.as_deref() == Some(division.as_str()) {
            return Err(Error::invalid(
                "parent",
                format!("{division:?} cannot be moved under itself"),
            ));
        }
        let raw = raw_client!(self.client, cg_raw_hierarchy, HostFamily::Api);
        let ctx = self.client.ctx();
        let body = types::UpdateDivisionRequest {
            division,
            division_to_update,
            parent,
        };
        call(
            ctx,
            cg_raw_hierarchy::ops::UPDATE_DIVISION.id,
            raw.update_division()
                .format(ctx.format.as_str())
                .body(body)
                .send(),
        )
        .await?;
        Ok(())
    }
}

/// `DELETE /v4.1/hierarchy`.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until .send()"]
pub struct DeleteDivision {
    client: Client,
    name: String,
    replacement: String,
}

impl DeleteDivision {
    /// Deletes the division.
    pub async fn send(self) -> Result<()> {
        let division = name("division", self.name)?;
        let replacement_division = name("replacement", self.replacement)?;
        if division == replacement_division {
            return Err(Error::invalid(
                "replacement",
                "must differ from the division being deleted",
            ));
        }
        let raw = raw_client!(self.client, cg_raw_hierarchy, HostFamily::Api);
        let ctx = self.client.ctx();
        let body = types::DeleteDivisionRequest {
            division,
            replacement_division,
        };
        call(
            ctx,
            cg_raw_hierarchy::ops::DELETE_DIVISION.id,
            raw.delete_division()
                .format(ctx.format.as_str())
                .body(body)
                .send(),
        )
        .await?;
        Ok(())
    }
}

/// A division and the divisions below it, children ordered by name (then id).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DivisionNode {
    /// The division.
    pub division: Division,
    /// Its children.
    pub children: Vec<DivisionNode>,
}

impl DivisionNode {
    /// The node of the division with this name, here or below.
    pub fn find(&self, name: &str) -> Option<&DivisionNode> {
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            if node.division.name == name {
                return Some(node);
            }
            stack.extend(node.children.iter().rev());
        }
        None
    }

    /// This division and every one below it, depth first, with their depth (this one is 0).
    pub fn walk(&self) -> Walk<'_> {
        Walk {
            stack: vec![(0, self)],
        }
    }

    /// How many divisions this subtree holds, itself included.
    pub fn len(&self) -> usize {
        self.walk().count()
    }

    /// Always false: a node holds at least its own division.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Depth-first walk of a [`DivisionNode`]: `(depth, division)` pairs, parents before children.
#[derive(Clone, Debug)]
pub struct Walk<'a> {
    stack: Vec<(usize, &'a DivisionNode)>,
}

impl<'a> Iterator for Walk<'a> {
    type Item = (usize, &'a Division);

    fn next(&mut self) -> Option<Self::Item> {
        let (depth, node) = self.stack.pop()?;
        self.stack
            .extend(node.children.iter().rev().map(|c| (depth + 1, c)));
        Some((depth, &node.division))
    }
}

/// The hierarchy as a tree under `Global`.
///
/// Built from the flat listing. Divisions that cannot be reached from the root (a
/// parent that does not exist, a cycle, a second parentless division) are not
/// dropped silently: they are the [`orphans`](Self::orphans).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DivisionTree {
    root: DivisionNode,
    orphans: Vec<Division>,
}

impl DivisionTree {
    /// Arranges a flat list. The root is the division named `Global`, or else the only
    /// division without a parent; without either this is an [`Error::Decode`].
    pub fn from_divisions(divisions: Vec<Division>) -> Result<DivisionTree> {
        let parentless: Vec<usize> = (0..divisions.len())
            .filter(|&i| divisions[i].parent.is_none())
            .collect();
        let root = divisions
            .iter()
            .position(|d| d.name == GLOBAL)
            .or(if parentless.len() == 1 {
                parentless.first().copied()
            } else {
                None
            })
            .ok_or_else(|| Error::Decode {
                operation: cg_raw_hierarchy::ops::LIST_HIERARCHY.id,
                status: crate::decode::SUCCESS_STATUS,
                problem: format!(
                    "no root division: none is named {GLOBAL:?} and {} have no parent",
                    parentless.len()
                ),
                body: String::new(),
            })?;

        let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, d) in divisions.iter().enumerate() {
            if let Some(parent) = &d.parent {
                children.entry(parent.as_str()).or_default().push(i);
            }
        }
        for list in children.values_mut() {
            list.sort_by(|&a, &b| {
                (&divisions[a].name, divisions[a].id).cmp(&(&divisions[b].name, divisions[b].id))
            });
        }

        // Each division is placed at most once, so a cycle cannot make this loop forever.
        let mut placed = HashSet::from([root]);
        let mut order = vec![root];
        let mut kids: Vec<Vec<usize>> = vec![Vec::new(); divisions.len()];
        let mut next = 0;
        while let Some(&at) = order.get(next) {
            next += 1;
            if at != root && divisions[at].name == divisions[root].name {
                continue; // a duplicate of the root's name must not adopt its children
            }
            for &child in children
                .get(divisions[at].name.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                if child != root && placed.insert(child) {
                    kids[at].push(child);
                    order.push(child);
                }
            }
        }

        // Children are built before their parents: walk the placement order backwards.
        let mut built: Vec<Option<DivisionNode>> = vec![None; divisions.len()];
        for &at in order.iter().rev() {
            let children = kids[at].iter().filter_map(|&c| built[c].take()).collect();
            built[at] = Some(DivisionNode {
                division: divisions[at].clone(),
                children,
            });
        }
        let root_node = built[root].take().ok_or_else(|| Error::Decode {
            operation: cg_raw_hierarchy::ops::LIST_HIERARCHY.id,
            status: crate::decode::SUCCESS_STATUS,
            problem: "the root division could not be placed".into(),
            body: String::new(),
        })?;
        let mut orphans: Vec<Division> = divisions
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !placed.contains(i))
            .map(|(_, d)| d)
            .collect();
        orphans.sort_by_key(|d| d.id);
        Ok(DivisionTree {
            root: root_node,
            orphans,
        })
    }

    /// The root (normally `Global`).
    pub fn root(&self) -> &DivisionNode {
        &self.root
    }

    /// Divisions that could not be placed under the root, by id.
    pub fn orphans(&self) -> &[Division] {
        &self.orphans
    }

    /// Whether every division was placed.
    pub fn is_complete(&self) -> bool {
        self.orphans.is_empty()
    }

    /// The node of the division with this name.
    pub fn find(&self, name: &str) -> Option<&DivisionNode> {
        self.root.find(name)
    }

    /// The names from the root down to this division (both included).
    pub fn path(&self, name: &str) -> Option<Vec<&str>> {
        let mut path: Vec<&str> = Vec::new();
        for (depth, division) in self.root.walk() {
            path.truncate(depth);
            path.push(&division.name);
            if division.name == name {
                return Some(path);
            }
        }
        None
    }

    /// Every placed division with its depth, depth first.
    pub fn walk(&self) -> Walk<'_> {
        self.root.walk()
    }

    /// How many divisions were placed (orphans not counted).
    pub fn len(&self) -> usize {
        self.root.len()
    }

    /// Always false: the tree holds at least its root.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// One division per line, indented by depth, then the orphans if any.
impl fmt::Display for DivisionTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (depth, d) in self.walk() {
            writeln!(
                f,
                "{:indent$}{} (id {})",
                "",
                d.name,
                d.id,
                indent = depth * 2
            )?;
        }
        if !self.orphans.is_empty() {
            writeln!(f, "orphans (parent missing or in a cycle):")?;
            for d in &self.orphans {
                let parent = d.parent.as_deref().unwrap_or("none");
                writeln!(f, "  {} (id {}, parent {parent})", d.name, d.id)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(id: u64, name: &str, parent: Option<&str>) -> Division {
        Division {
            id,
            name: name.into(),
            parent: parent.map(Into::into),
            extra: Map::new(),
        }
    }

    #[test]
    fn builds_ordered_children_and_paths() {
        let tree = DivisionTree::from_divisions(vec![
            d(4, "Benelux", Some("Europe")),
            d(3, "North America", Some("Global")),
            d(1, "Global", None),
            d(2, "Europe", Some("Global")),
        ])
        .unwrap();
        let names: Vec<_> = tree
            .walk()
            .map(|(depth, d)| (depth, d.name.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                (0, "Global"),
                (1, "Europe"),
                (2, "Benelux"),
                (1, "North America")
            ]
        );
        assert_eq!(
            tree.path("Benelux"),
            Some(vec!["Global", "Europe", "Benelux"])
        );
        assert_eq!(tree.find("Europe").map(|n| n.len()), Some(2));
        assert!(tree.is_complete());
        assert_eq!(
            tree.to_string(),
            "Global (id 1)\n  Europe (id 2)\n    Benelux (id 4)\n  North America (id 3)\n"
        );
    }

    #[test]
    fn cycles_and_missing_parents_become_orphans() {
        let tree = DivisionTree::from_divisions(vec![
            d(1, "Global", None),
            d(2, "A", Some("B")),
            d(3, "B", Some("A")),
            d(4, "C", Some("Nowhere")),
            d(5, "Self", Some("Self")),
            d(6, "Ok", Some("Global")),
        ])
        .unwrap();
        assert_eq!(tree.len(), 2);
        let orphans: Vec<u64> = tree.orphans().iter().map(|d| d.id).collect();
        assert_eq!(orphans, vec![2, 3, 4, 5]);
        assert!(tree.to_string().contains("orphans"));
    }

    #[test]
    fn a_global_with_a_parent_or_no_root_at_all() {
        // Global pointing at a child: still the root, and no loop.
        let tree = DivisionTree::from_divisions(vec![
            d(1, "Global", Some("A")),
            d(2, "A", Some("Global")),
        ])
        .unwrap();
        assert_eq!(tree.len(), 2);
        let e = DivisionTree::from_divisions(vec![d(2, "A", Some("B")), d(3, "B", Some("A"))])
            .unwrap_err();
        assert!(e.to_string().contains("no root division"), "{e}");
    }
}
