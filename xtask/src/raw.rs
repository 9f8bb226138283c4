//! One spec -> one `crates/cg-raw-<module>` crate, every file of it generated.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::adapt::{self, Adapted};
use crate::common::{self, Shared};
use crate::format::{header, render};
use crate::template;

/// `(relative path, content)` of every file of the module's raw crate.
pub fn generate_crate(spec_path: &Path, shared: &Shared) -> Result<Vec<(PathBuf, String)>, String> {
    let stem = spec_path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| format!("{}: bad file name", spec_path.display()))?;
    let file = format!("spec/{stem}.yaml");
    let text = std::fs::read_to_string(spec_path).map_err(|e| format!("{file}: {e}"))?;
    let mut value: Value =
        serde_yaml::from_str(&text).map_err(|e| format!("{file}: not valid YAML: {e}"))?;
    let shared_types = shared.bundle(&file, &mut value)?;
    let title = value
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or(stem)
        .to_string();
    let adapted = adapt::adapt(&file, value)?;
    let replacements = shared.replacements();
    let generated = generate_progenitor(&file, &adapted.spec, &replacements)?;
    let generated = common::reexport(generated, &shared_types)?;
    let crate_dir = PathBuf::from("crates").join(format!("cg-raw-{stem}"));
    let src = crate_dir.join("src");

    let generated = render(&file, generated)?;
    let extra = if has_template(&adapted) {
        Some(render(&file, template::extras(&file, &adapted)?)?)
    } else {
        None
    };
    let all_code = format!("{generated}{}", extra.as_deref().unwrap_or_default());
    let mut files = vec![
        (
            crate_dir.join("Cargo.toml"),
            cargo_toml(stem, &title, &file, &all_code, !shared_types.is_empty()),
        ),
        (src.join("generated.rs"), generated),
        (src.join("hooks.rs"), render(&file, hooks(&adapted))?),
        (src.join("lib.rs"), lib_rs(stem, &file, &adapted)),
        (
            crate_dir.join("README.md"),
            readme(stem, &title, &file, &adapted),
        ),
    ];
    if let Some(extra) = extra {
        files.push((src.join("extra.rs"), extra));
    }
    Ok(files)
}

/// Runs progenitor; a failure names the file and, by retrying one operation at a
/// time, the operationIds that cause it.
fn generate_progenitor(
    file: &str,
    spec: &Value,
    replacements: &[Replacement],
) -> Result<TokenStream, String> {
    match generate_once(spec, replacements) {
        Ok(tokens) => Ok(tokens),
        Err(whole) => {
            let mut culprits = Vec::new();
            for (id, single) in single_operation_specs(spec) {
                if let Err(e) = generate_once(&single, replacements) {
                    culprits.push(format!("operationId {id}: {e}"));
                }
            }
            if culprits.is_empty() {
                Err(format!("{file}: progenitor failed: {whole}"))
            } else {
                Err(format!(
                    "{file}: progenitor failed:\n  {}",
                    culprits.join("\n  ")
                ))
            }
        }
    }
}

/// A shared schema's name, the Rust type used for it, and the traits that type has.
type Replacement = (String, String, Vec<progenitor::TypeImpl>);

fn generate_once(spec: &Value, replacements: &[Replacement]) -> Result<TokenStream, String> {
    let openapi: openapiv3::OpenAPI = serde_json::from_value(spec.clone())
        .map_err(|e| format!("not an OpenAPI 3.0 document: {e}"))?;
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_hooks(progenitor::HooksMode::Expected)
        .with_inner_type(quote! { cg_auth::Pipeline })
        .with_map_type("::std::collections::BTreeMap");
    for (name, path, impls) in replacements {
        settings.with_replacement(name, path, impls.iter().cloned());
    }
    // progenitor panics on some shapes (todo!, assert!): catch it, without the default
    // hook printing a backtrace-like message for every probe.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(|| {
        progenitor::Generator::new(&settings).generate_tokens(&openapi)
    }));
    std::panic::set_hook(previous);
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panicked".to_string());
            Err(format!("panicked: {message}"))
        }
    }
}

fn single_operation_specs(spec: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        for method in adapt::METHODS {
            let Some(op) = item.get(method) else { continue };
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            let mut single = spec.clone();
            let mut only = serde_json::Map::new();
            let mut item_copy = item.clone();
            if let Some(obj) = item_copy.as_object_mut() {
                obj.retain(|k, _| k == method || !adapt::METHODS.contains(&k.as_str()));
            }
            only.insert(path.clone(), item_copy);
            single["paths"] = Value::Object(only);
            out.push((id, single));
        }
    }
    out
}

/// The crate's manifest; optional dependencies only where the generated code names them.
fn cargo_toml(stem: &str, title: &str, file: &str, generated: &str, shared: bool) -> String {
    let optional: String = [
        ("::chrono", "chrono"),
        ("::uuid", "uuid"),
        ("::regress", "regress"),
    ]
    .iter()
    .filter(|(path, _)| generated.contains(path))
    .map(|(_, name)| format!("{name}.workspace = true\n"))
    .collect();
    let common = if shared {
        "cg-raw-common.workspace = true\n"
    } else {
        ""
    };
    format!(
        r#"# @generated by `cargo xtask regen` from {file}. Do not edit by hand.
[package]
name = "cg-raw-{stem}"
description = "Generated low-level client for the {title}"
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
repository.workspace = true
readme = "README.md"
keywords = ["customergauge", "nps", "api", "sdk"]
categories = ["api-bindings", "web-programming::http-client"]

[features]
default = ["rustls"]
# The TLS backend of reqwest: rustls (the default) or the platform's native TLS.
# rustls runs on *ring*, installed by `cg_auth::tls` (not aws-lc-rs: no cmake).
rustls = ["reqwest/rustls-no-provider", "cg-auth/rustls"]
native-tls = ["reqwest/native-tls", "cg-auth/native-tls"]

[dependencies]
cg-auth.workspace = true
{common}bytes.workspace = true
futures-core.workspace = true
progenitor-client.workspace = true
reqwest.workspace = true
serde.workspace = true
serde_json.workspace = true
serde_urlencoded.workspace = true
{optional}
[lints.rust]
unsafe_code = "forbid"
"#
    )
}

/// Whether xtask's template adds methods (`extra.rs`) to the crate.
fn has_template(adapted: &Adapted) -> bool {
    !adapted.extras.is_empty() || !adapted.reads.is_empty()
}

fn lib_rs(stem: &str, file: &str, adapted: &Adapted) -> String {
    let mut extra = String::new();
    if has_template(adapted) {
        extra.push_str("\n/// Methods from xtask's template: operations progenitor cannot generate (multipart,\n/// XML and form bodies) and the `*_as` methods that hand the answer to the caller.\n#[rustfmt::skip]\nmod extra;\n");
    }
    // In rustfmt's order: lib.rs is formatted by `cargo fmt`.
    if adapted.extras.iter().any(|e| !e.parts.is_empty()) {
        extra.push_str("pub use extra::multipart;\n");
    }
    if !adapted.reads.is_empty() {
        extra.push_str("pub use extra::query;\n");
    }
    format!(
        "{header}#![doc = include_str!(\"../README.md\")]\n#![allow(clippy::all, rustdoc::all)]\n#![deny(missing_docs)]\n\n// Generated files are formatted by prettyplease, not rustfmt. progenitor documents what\n// the spec describes; its builders and plain fields have no docs to give.\n#[rustfmt::skip]\n#[allow(unused_imports, missing_docs)]\nmod generated;\n#[rustfmt::skip]\nmod hooks;\n{extra}\npub use generated::*;\npub use hooks::{{OPERATIONS, operation, ops}};\n\n/// The module name, as in `spec/{stem}.yaml`.\npub const MODULE: &str = \"{stem}\";\n",
        header = header(file),
    )
}

fn hooks(adapted: &Adapted) -> TokenStream {
    let mut ids: Vec<_> = adapted.security.iter().collect();
    ids.sort_by(|a, b| a.operation_id.cmp(&b.operation_id));
    let entries: Vec<TokenStream> = ids
        .iter()
        .map(|s| {
            let id = &s.operation_id;
            let accepts = match (s.oauth2, s.api_key) {
                (true, true) => quote! { cg_auth::Accepts::OAUTH2_OR_API_KEY },
                (true, false) => quote! { cg_auth::Accepts::OAUTH2 },
                (false, false) => quote! { cg_auth::Accepts::NONE },
                (false, true) => quote! { cg_auth::Accepts { oauth2: false, api_key: true } },
            };
            let idempotent = s.facts.idempotent;
            let sends_survey = s.facts.sends_survey;
            let paging = paging_variant(&s.facts.paging);
            quote! {
                cg_auth::Operation {
                    id: #id,
                    accepts: #accepts,
                    idempotent: #idempotent,
                    sends_survey: #sends_survey,
                    paging: cg_auth::Paging::#paging,
                }
            }
        })
        .collect();
    let constants = ids.iter().enumerate().map(|(i, s)| {
        let name = format_ident!("{}", snake(&s.operation_id).to_ascii_uppercase());
        let doc = format!(
            " `{}`: idempotent {}, sends a survey {}, paging {}.",
            s.operation_id, s.facts.idempotent, s.facts.sends_survey, s.facts.paging
        );
        quote! {
            #[doc = #doc]
            pub const #name: cg_auth::Operation = super::OPERATIONS[#i];
        }
    });
    // progenitor hands the hooks the snake_case method name; the templates the spec's id.
    let arms = ids.iter().enumerate().map(|(i, s)| {
        let id = &s.operation_id;
        let snake_id = snake(id);
        quote! { #id | #snake_id => OPERATIONS[#i], }
    });
    quote! {
        //! Hands every request of this crate to its [`cg_auth::Pipeline`].

        use progenitor_client::{ClientHooks, Error, OperationInfo};

        /// Every operation of this module: the credentials its spec says it accepts and
        /// its `x-cg-*` facts.
        pub const OPERATIONS: &[cg_auth::Operation] = &[ #( #entries ),* ];

        /// Each operation of [`OPERATIONS`] as a typed constant.
        pub mod ops {
            #( #constants )*
        }

        /// The operation named by its spec operationId or progenitor's snake_case name;
        /// an unknown name accepts no credentials and is never resent.
        pub fn operation(id: &'static str) -> cg_auth::Operation {
            match id {
                #( #arms )*
                _ => cg_auth::Operation::new(id, cg_auth::Accepts::NONE),
            }
        }

        impl ClientHooks<cg_auth::Pipeline> for crate::Client {
            async fn pre<E>(&self, request: &mut reqwest::Request, info: &OperationInfo) -> Result<(), Error<E>> {
                self.inner
                    .prepare(request, operation(info.operation_id))
                    .await
                    .map_err(|e| Error::Custom(e.to_string()))
            }

            async fn exec(&self, request: reqwest::Request, info: &OperationInfo) -> reqwest::Result<reqwest::Response> {
                self.inner.execute(&self.client, request, operation(info.operation_id)).await
            }
        }
    }
}

fn paging_variant(paging: &str) -> proc_macro2::Ident {
    match paging {
        "offset" => format_ident!("Offset"),
        "cursor" => format_ident!("Cursor"),
        _ => format_ident!("None"),
    }
}

pub(crate) fn snake(id: &str) -> String {
    let mut out = String::new();
    for (i, c) in id.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The crate's README, also its crate documentation.
fn readme(stem: &str, title: &str, file: &str, adapted: &Adapted) -> String {
    let mut ops: Vec<String> = adapted
        .security
        .iter()
        .map(|s| {
            let extra = adapted
                .extras
                .iter()
                .find(|e| e.operation_id == s.operation_id && e.method_id == e.operation_id);
            let how = match extra {
                Some(e) => format!("`Client::{}(..)` (xtask template)", snake(&e.method_id)),
                None => format!("`Client::{}()` builder", snake(&s.operation_id)),
            };
            let auth = match (s.oauth2, s.api_key) {
                (true, true) => "OAuth2 or API key",
                (true, false) => "OAuth2",
                (false, false) => "none",
                (false, true) => "API key",
            };
            let f = &s.facts;
            format!(
                "| `{}` | {how} | {auth} | {} | {} | {} |",
                s.operation_id,
                if f.idempotent { "yes" } else { "no" },
                if f.sends_survey { "yes" } else { "no" },
                f.paging
            )
        })
        .collect();
    for e in adapted
        .extras
        .iter()
        .filter(|e| e.method_id != e.operation_id)
    {
        ops.push(format!(
            "| `{}` ({:?} body) | `Client::{}(..)` (xtask template) | as `{}` | | | |",
            e.operation_id,
            e.body,
            snake(&e.method_id),
            e.operation_id
        ));
    }
    ops.sort();
    format!(
        "<!-- @generated by `cargo xtask regen` from {file}. Do not edit by hand. -->\n\
# cg-raw-{stem}\n\n\
Generated low-level client for the {title}, from `{file}` by `cargo xtask regen`\n\
(progenitor {progenitor}, builder interface). Part of the CustomerGauge Rust SDK;\n\
most users want `cg-facade`, which adds typed models, paging streams and retries.\n\n\
Every request goes through the `cg_auth::Pipeline` given to `Client::new`: credentials,\n\
retries and tracing are added there, once for all modules.\n\n\
| operationId | method | credentials | resent when fate unknown | sends a survey | paging |\n|---|---|---|---|---|---|\n{ops}\n\n\
```no_run\n\
let client = cg_raw_{stem}::Client::new(\"https://api.eu.customergauge.com\", cg_auth::Pipeline::default());\n\
# let _ = client;\n\
```\n",
        ops = ops.join("\n"),
        progenitor = "0.15.1",
    )
}
