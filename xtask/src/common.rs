//! `spec/common.yaml`: the definitions every module spec shares, generated once.
//!
//! A module spec refers to a shared definition as `common.yaml#/components/...`.
//! progenitor reads one document, so [`Shared::bundle`] copies what a module refers to into
//! its own copy (local `#/components/...` refs again). The shared schemas are then
//! generated once, as `cg_raw_common::types`, and every raw crate is told to use
//! those types instead of generating its own ([`Shared::replacements`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::format::{header, render};

/// The file module specs refer to.
pub const FILE: &str = "common.yaml";
const SOURCE: &str = "spec/common.yaml";
const PREFIX: &str = "common.yaml#";

/// The shared document and what it defines.
pub struct Shared {
    pub spec: Value,
}

impl Shared {
    pub fn load(root: &Path) -> Result<Self, String> {
        let path = root.join("spec").join(FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{SOURCE}: {e}"))?;
        let spec: Value =
            serde_yaml::from_str(&text).map_err(|e| format!("{SOURCE}: not valid YAML: {e}"))?;
        if spec
            .get("paths")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty())
        {
            return Err(format!("{SOURCE}: holds shared definitions only, no paths"));
        }
        Ok(Self { spec })
    }

    /// Names of the shared schemas, sorted.
    pub fn schema_names(&self) -> Vec<String> {
        self.spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// `(schema name, Rust path, traits it implements)` for progenitor's
    /// `with_replacement`: a raw crate uses the shared type instead of its own copy.
    pub fn replacements(&self) -> Vec<(String, String, Vec<progenitor::TypeImpl>)> {
        let Some(schemas) = self
            .spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        else {
            return Vec::new();
        };
        schemas
            .iter()
            .map(|(name, schema)| {
                // What progenitor derives for the shape: string enums get Display and
                // FromStr, one-of scalars Display (used in paths and queries).
                let impls = if schema.get("enum").is_some() {
                    vec![progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr]
                } else if schema.get("oneOf").is_some() {
                    vec![progenitor::TypeImpl::Display]
                } else {
                    Vec::new()
                };
                (name.clone(), format!("cg_raw_common::types::{name}"), impls)
            })
            .collect()
    }

    /// `module` with every `common.yaml#/...` ref made local and the definitions it
    /// reaches (transitively) copied in. Returns the shared schema names it uses.
    pub fn bundle(&self, file: &str, module: &mut Value) -> Result<BTreeSet<String>, String> {
        let mut wanted = Vec::new();
        localise(module, &mut wanted);
        let mut copied = BTreeSet::new();
        let mut schemas = BTreeSet::new();
        while let Some(pointer) = wanted.pop() {
            if !copied.insert(pointer.clone()) {
                continue;
            }
            let mut definition = self.spec.pointer(&pointer).cloned().ok_or_else(|| {
                format!("{file}: refers to {PREFIX}{pointer}, which {SOURCE} does not define")
            })?;
            // Refs inside the shared document are local to it: they reach more of it.
            collect_local(&definition, &mut wanted);
            localise(&mut definition, &mut wanted);
            if let Some(name) = pointer.strip_prefix("/components/schemas/") {
                schemas.insert(name.to_string());
            }
            insert_at(module, &pointer, definition).map_err(|e| format!("{file}: {e}"))?;
        }
        Ok(schemas)
    }
}

/// Rewrites `common.yaml#/x` refs to `#/x`, recording `/x`.
fn localise(value: &mut Value, wanted: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some(pointer) = r.strip_prefix(PREFIX)
            {
                wanted.push(pointer.to_string());
                *r = format!("#{pointer}");
            }
            for v in map.values_mut() {
                localise(v, wanted);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| localise(v, wanted)),
        _ => {}
    }
}

/// Records the targets of local (`#/..`) refs.
fn collect_local(value: &Value, wanted: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && let Some(pointer) = r.strip_prefix('#')
            {
                wanted.push(pointer.to_string());
            }
            map.values().for_each(|v| collect_local(v, wanted));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_local(v, wanted)),
        _ => {}
    }
}

/// Puts `definition` at `pointer` (`/components/<kind>/<name>`). A module that defines
/// the same name itself keeps the shared one only if both are equal.
fn insert_at(module: &mut Value, pointer: &str, definition: Value) -> Result<(), String> {
    let mut parts = pointer.trim_start_matches('/').split('/');
    let (Some("components"), Some(kind), Some(name), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("{PREFIX}{pointer}: only components can be shared"));
    };
    let components = module
        .as_object_mut()
        .ok_or("not an object")?
        .entry("components")
        .or_insert_with(|| Value::Object(Default::default()));
    let section = components
        .as_object_mut()
        .ok_or("components is not an object")?
        .entry(kind)
        .or_insert_with(|| Value::Object(Default::default()))
        .as_object_mut()
        .ok_or_else(|| format!("components/{kind} is not an object"))?;
    // A security scheme is a reference object in the module: replaced by its target.
    match section.get(name) {
        Some(existing) if existing.get("$ref").is_none() && *existing != definition => Err(
            format!("defines components/{kind}/{name} itself and also takes it from {SOURCE}"),
        ),
        _ => {
            section.insert(name.to_string(), definition);
            Ok(())
        }
    }
}

/// Every file of `crates/cg-raw-common`.
pub fn generate_crate(shared: &Shared) -> Result<Vec<(PathBuf, String)>, String> {
    let openapi: openapiv3::OpenAPI = serde_json::from_value(shared.spec.clone())
        .map_err(|e| format!("{SOURCE}: not an OpenAPI 3.0 document: {e}"))?;
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_map_type("::std::collections::BTreeMap");
    let tokens = progenitor::Generator::new(&settings)
        .generate_tokens(&openapi)
        .map_err(|e| format!("{SOURCE}: progenitor failed: {e}"))?;
    let types = types_module(tokens)?;
    let generated = render(SOURCE, types)?;
    let dir = PathBuf::from("crates/cg-raw-common");
    let names = shared.schema_names();
    Ok(vec![
        (dir.join("Cargo.toml"), cargo_toml(&generated)),
        (dir.join("src/generated.rs"), generated),
        (dir.join("src/lib.rs"), lib_rs()),
        (dir.join("README.md"), readme(&names)),
    ])
}

/// Only the `types` module of progenitor's output: a document without paths has no
/// client worth keeping.
fn types_module(tokens: TokenStream) -> Result<TokenStream, String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("{SOURCE}: generated code: {e}"))?;
    let types = file
        .items
        .into_iter()
        .find(|item| matches!(item, syn::Item::Mod(m) if m.ident == "types"))
        .ok_or_else(|| format!("{SOURCE}: progenitor generated no types module"))?;
    Ok(quote! { #types })
}

/// In a module crate's generated code: `pub use` of the shared types it uses inside
/// its `types` module, so `cg_raw_<module>::types::IntOrString` still names them.
pub fn reexport(tokens: TokenStream, names: &BTreeSet<String>) -> Result<TokenStream, String> {
    if names.is_empty() {
        return Ok(tokens);
    }
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    let idents = names.iter().map(|n| format_ident!("{}", n));
    let item: syn::Item = syn::parse2(quote! {
        /// The shared types of `spec/common.yaml`, defined once in `cg-raw-common`.
        pub use cg_raw_common::types::{ #( #idents ),* };
    })
    .map_err(|e| e.to_string())?;
    let types = file
        .items
        .iter_mut()
        .find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut(),
            _ => None,
        })
        .ok_or("generated code has no types module")?;
    types.1.insert(0, item);
    Ok(quote! { #file })
}

fn cargo_toml(generated: &str) -> String {
    let optional: String = [("::chrono", "chrono"), ("::regress", "regress")]
        .iter()
        .filter(|(path, _)| generated.contains(path))
        .map(|(_, name)| format!("{name}.workspace = true\n"))
        .collect();
    format!(
        r#"# @generated by `cargo xtask regen` from {SOURCE}. Do not edit by hand.
[package]
name = "cg-raw-common"
description = "Generated types shared by every CustomerGauge raw client crate"
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
repository.workspace = true
readme = "README.md"
keywords = ["customergauge", "nps", "api", "sdk"]
categories = ["api-bindings"]

[dependencies]
serde.workspace = true
serde_json.workspace = true
{optional}
[lints.rust]
unsafe_code = "forbid"
"#
    )
}

fn lib_rs() -> String {
    format!(
        "{header}#![doc = include_str!(\"../README.md\")]\n#![allow(clippy::all, rustdoc::all)]\n#![deny(missing_docs)]\n\n// Formatted by prettyplease, not rustfmt.\n#[rustfmt::skip]\n#[allow(unused_imports, missing_docs)]\nmod generated;\n\npub use generated::types;\n",
        header = header(SOURCE),
    )
}

fn readme(names: &[String]) -> String {
    let list: String = names.iter().map(|n| format!("- `types::{n}`\n")).collect();
    format!(
        "<!-- @generated by `cargo xtask regen` from {SOURCE}. Do not edit by hand. -->\n\
# cg-raw-common\n\n\
The schemas every CustomerGauge module shares, generated once from `{SOURCE}` by\n\
`cargo xtask regen` (progenitor 0.15.1). Every `cg-raw-*` crate uses these types, so a\n\
value read by one module's client is the same type in another's.\n\n{list}"
    )
}
