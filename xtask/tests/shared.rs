//! Every schema of spec/common.yaml has exactly one generated definition in the
//! workspace (in cg-raw-common); the raw crates use it rather than a copy.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

#[test]
fn each_shared_schema_is_generated_once() {
    let root = workspace();
    let common: serde_json::Value =
        serde_yaml::from_str(&std::fs::read_to_string(root.join("spec/common.yaml")).unwrap())
            .unwrap();
    let names: Vec<String> = common["components"]["schemas"]
        .as_object()
        .expect("common.yaml has schemas")
        .keys()
        .cloned()
        .collect();
    assert!(names.iter().any(|n| n == "IntOrString"), "{names:?}");
    let mut generated = Vec::new();
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let file = entry.unwrap().path().join("src/generated.rs");
        if let Ok(text) = std::fs::read_to_string(&file) {
            generated.push((file, text));
        }
    }
    assert!(generated.len() >= 13, "{} generated files", generated.len());
    for name in &names {
        let defined_in: Vec<_> = generated
            .iter()
            .filter(|(_, text)| {
                text.contains(&format!("pub struct {name} "))
                    || text.contains(&format!("pub struct {name}("))
                    || text.contains(&format!("pub enum {name} "))
            })
            .map(|(file, _)| file.display().to_string())
            .collect();
        assert_eq!(defined_in.len(), 1, "{name} is defined in {defined_in:?}");
        assert!(defined_in[0].contains("cg-raw-common"), "{defined_in:?}");
    }
}
