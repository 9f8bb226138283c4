//! `client.hierarchy()` against the sandbox: listing, tree, add, rename, move, delete,
//! the service's refusals, local validation, and the XML format.

mod common;

use cg_facade::modules::hierarchy::GLOBAL;
use cg_facade::{Error, ErrorCode, Format};
use cg_sandbox::Sandbox;

/// The code of an `Error::Api`, failing the test on any other error.
fn api_code(e: Error) -> ErrorCode {
    match e {
        Error::Api { code, status, .. } => {
            assert_eq!(status, 400, "module codes come with HTTP 400");
            code
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

fn invalid_field(e: Error) -> String {
    match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected Error::InvalidInput, got {other:?}"),
    }
}

/// `(name, parent name)` of every division in the sandbox, by id.
fn sandbox_divisions(sandbox: &Sandbox) -> Vec<(String, Option<String>)> {
    let state = sandbox.state();
    let name = |id: u64| {
        state
            .divisions
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.name.clone())
    };
    let mut all: Vec<_> = state
        .divisions
        .iter()
        .map(|d| (d.id, d.name.clone(), d.parent.and_then(name)))
        .collect();
    all.sort_by_key(|d| d.0);
    all.into_iter().map(|(_, n, p)| (n, p)).collect()
}

fn hierarchy_requests(sandbox: &Sandbox) -> usize {
    sandbox
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/v4.1/hierarchy"))
        .count()
}

#[tokio::test]
async fn lists_the_demo_divisions_with_ids_and_parents() {
    let (sandbox, client) = common::start().await;
    let divisions = client.hierarchy().list().send().await.unwrap();
    let state = sandbox.state();
    assert_eq!(divisions.len(), state.divisions.len());
    for d in &state.divisions {
        let listed = divisions.iter().find(|x| x.id == d.id).unwrap();
        assert_eq!(listed.name, d.name);
    }
    let global = divisions.iter().find(|d| d.name == GLOBAL).unwrap();
    assert_eq!((global.id, global.parent.as_deref()), (1, None));
    let benelux = divisions.iter().find(|d| d.name == "Benelux").unwrap();
    assert_eq!(benelux.parent.as_deref(), Some("Europe"));
}

#[tokio::test]
async fn the_tree_nests_divisions_under_global() {
    let (_sandbox, client) = common::start().await;
    let tree = client.hierarchy().tree().send().await.unwrap();
    assert_eq!(tree.root().division.name, GLOBAL);
    assert!(tree.is_complete());
    let children: Vec<_> = tree
        .root()
        .children
        .iter()
        .map(|c| c.division.name.as_str())
        .collect();
    assert_eq!(children, vec!["Europe", "North America"]);
    assert_eq!(
        tree.path("Benelux"),
        Some(vec!["Global", "Europe", "Benelux"])
    );
    assert_eq!(
        tree.find("Europe").unwrap().children[0].division.name,
        "Benelux"
    );
    let printed = tree.to_string();
    assert!(printed.starts_with("Global (id 1)\n  Europe"), "{printed}");
    assert!(printed.contains("\n    Benelux"), "{printed}");
}

#[tokio::test]
async fn broken_data_gives_orphans_not_a_hang() {
    let (sandbox, client) = common::start().await;
    // A cycle (A <-> B) and a division whose parent id does not exist.
    sandbox.with_state(|s| {
        use cg_sandbox::state::Division as D;
        s.divisions.push(D {
            id: 50,
            name: "A".into(),
            parent: Some(51),
        });
        s.divisions.push(D {
            id: 51,
            name: "B".into(),
            parent: Some(50),
        });
        s.divisions.push(D {
            id: 52,
            name: "Lost".into(),
            parent: Some(999),
        });
    });
    let tree = client.hierarchy().tree().send().await.unwrap();
    let orphans: Vec<u64> = tree.orphans().iter().map(|d| d.id).collect();
    assert_eq!(orphans, vec![50, 51, 52]);
    assert_eq!(tree.len(), 4, "the demo divisions are still placed");
    assert!(tree.to_string().contains("orphans"));
}

#[tokio::test]
async fn add_returns_the_new_id_under_global_or_a_parent() {
    let (sandbox, client) = common::start().await;
    let h = client.hierarchy();
    let asia = h.add("Asia").send().await.unwrap();
    let japan = h.add("Japan").parent("Asia").send().await.unwrap();
    assert!(japan > asia);
    let state = sandbox.state();
    let stored = |id: u64| state.divisions.iter().find(|d| d.id == id).unwrap().clone();
    assert_eq!(
        (stored(asia).name.as_str(), stored(asia).parent),
        ("Asia", Some(1))
    );
    assert_eq!(
        (stored(japan).name.as_str(), stored(japan).parent),
        ("Japan", Some(asia))
    );
    let listed = h.list().send().await.unwrap();
    assert!(
        listed
            .iter()
            .any(|d| d.id == japan && d.name == "Japan" && d.parent.as_deref() == Some("Asia"))
    );
}

#[tokio::test]
async fn add_under_an_unknown_parent_is_400900() {
    let (sandbox, client) = common::start().await;
    let before = sandbox_divisions(&sandbox);
    let e = client
        .hierarchy()
        .add("Mars")
        .parent("Solar System")
        .send()
        .await
        .unwrap_err();
    assert_eq!(api_code(e), ErrorCode::HierarchyParentNotFound);
    assert_eq!(sandbox_divisions(&sandbox), before);
}

#[tokio::test]
async fn rename_and_move_change_the_stored_hierarchy() {
    let (sandbox, client) = common::start().await;
    let h = client.hierarchy();
    h.rename("Benelux", "Low Countries").send().await.unwrap();
    h.move_to("Low Countries", "North America")
        .send()
        .await
        .unwrap();
    let all = sandbox_divisions(&sandbox);
    assert!(
        all.contains(&("Low Countries".into(), Some("North America".into()))),
        "{all:?}"
    );
    assert!(!all.iter().any(|(n, _)| n == "Benelux"));
    // Both in one request.
    h.update("Low Countries")
        .new_name("Benelux")
        .parent("Europe")
        .send()
        .await
        .unwrap();
    assert!(sandbox_divisions(&sandbox).contains(&("Benelux".into(), Some("Europe".into()))));
}

#[tokio::test]
async fn update_refusals_carry_their_codes() {
    let (sandbox, client) = common::start().await;
    let h = client.hierarchy();
    let before = sandbox_divisions(&sandbox);
    assert_eq!(
        api_code(h.rename("Atlantis", "X").send().await.unwrap_err()),
        ErrorCode::HierarchyDivisionNotFound
    );
    assert_eq!(
        api_code(h.rename(GLOBAL, "World").send().await.unwrap_err()),
        ErrorCode::HierarchyGlobalNotUpdatable
    );
    assert_eq!(
        api_code(h.move_to("Benelux", "Atlantis").send().await.unwrap_err()),
        ErrorCode::HierarchyParentNotFound
    );
    assert_eq!(sandbox_divisions(&sandbox), before);
}

#[tokio::test]
async fn delete_removes_a_leaf_and_refuses_global_parents_and_unknowns() {
    let (sandbox, client) = common::start().await;
    let h = client.hierarchy();
    assert_eq!(
        api_code(h.delete(GLOBAL, "Europe").send().await.unwrap_err()),
        ErrorCode::HierarchyGlobalNotDeletable
    );
    assert_eq!(
        api_code(h.delete("Europe", "Global").send().await.unwrap_err()),
        ErrorCode::HierarchyParentNotDeletable
    );
    assert_eq!(
        api_code(h.delete("Atlantis", "Global").send().await.unwrap_err()),
        ErrorCode::HierarchyDivisionNotFound
    );
    assert_eq!(
        api_code(h.delete("Benelux", "Atlantis").send().await.unwrap_err()),
        ErrorCode::HierarchyDivisionNotFound
    );
    assert!(
        sandbox_divisions(&sandbox)
            .iter()
            .any(|(n, _)| n == "Benelux")
    );

    h.delete("Benelux", "Europe").send().await.unwrap();
    assert!(
        !sandbox_divisions(&sandbox)
            .iter()
            .any(|(n, _)| n == "Benelux")
    );
    // The replacement takes over the deleted division's accounts.
    assert!(
        sandbox
            .state()
            .accounts
            .iter()
            .all(|a| a.region.as_deref() != Some("Benelux"))
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let (sandbox, client) = common::start().await;
    let h = client.hierarchy();
    sandbox.clear_requests();
    assert_eq!(
        invalid_field(h.add("  ").send().await.unwrap_err()),
        "division"
    );
    assert_eq!(
        invalid_field(h.add("Asia").parent("").send().await.unwrap_err()),
        "parent"
    );
    assert_eq!(
        invalid_field(h.rename("Benelux", "").send().await.unwrap_err()),
        "new_name"
    );
    assert_eq!(
        invalid_field(h.update("Benelux").send().await.unwrap_err()),
        "new_name"
    );
    assert_eq!(
        invalid_field(h.move_to("Benelux", "Benelux").send().await.unwrap_err()),
        "parent"
    );
    assert_eq!(
        invalid_field(h.delete("Benelux", "Benelux").send().await.unwrap_err()),
        "replacement"
    );
    assert_eq!(
        invalid_field(h.delete("", "Europe").send().await.unwrap_err()),
        "division"
    );
    assert_eq!(hierarchy_requests(&sandbox), 0, "nothing was sent");
}

#[tokio::test]
async fn xml_gives_the_same_divisions_and_errors() {
    let (sandbox, client) = common::start().await;
    let xml = client.with_format(Format::Xml);
    let h = xml.hierarchy();
    assert_eq!(
        h.list().send().await.unwrap(),
        client.hierarchy().list().send().await.unwrap()
    );
    assert!(
        sandbox
            .requests()
            .iter()
            .any(|r| r.path == "/v4.1/hierarchy.xml")
    );

    let id = h.add("Oceania").send().await.unwrap();
    assert_eq!(sandbox.state().division("Oceania").map(|d| d.id), Some(id));
    h.rename("Oceania", "Pacific").send().await.unwrap();
    h.delete("Pacific", GLOBAL).send().await.unwrap();
    assert!(sandbox.state().division("Pacific").is_none());

    assert_eq!(
        api_code(h.delete(GLOBAL, "Europe").send().await.unwrap_err()),
        ErrorCode::HierarchyGlobalNotDeletable
    );
    assert_eq!(
        api_code(h.add("X").parent("Nowhere").send().await.unwrap_err()),
        ErrorCode::HierarchyParentNotFound
    );
    let tree = h.tree().send().await.unwrap();
    assert_eq!(
        tree.path("Benelux"),
        Some(vec!["Global", "Europe", "Benelux"])
    );
}
