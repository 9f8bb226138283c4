//! One spec -> one `crates/cg-raw-<module>` crate, every file of it generated.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::adapt::{self, Adapted, BodyKind, Extra};
use crate::format::{header, render};

/// `(relative path, content)` of every file of the module's raw crate.
pub fn generate_crate(spec_path: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let stem = spec_path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| format!("{}: bad file name", spec_path.display()))?;
    let file = format!("spec/{stem}.yaml");
    let text = std::fs::read_to_string(spec_path).map_err(|e| format!("{file}: {e}"))?;
    let value: Value =
        serde_yaml::from_str(&text).map_err(|e| format!("{file}: not valid YAML: {e}"))?;
    let title = value
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or(stem)
        .to_string();
    let adapted = adapt::adapt(&file, value)?;
    let generated = generate_progenitor(&file, &adapted.spec)?;
    let crate_dir = PathBuf::from("crates").join(format!("cg-raw-{stem}"));
    let src = crate_dir.join("src");

    let generated = render(&file, generated)?;
    let mut files = vec![
        (
            crate_dir.join("Cargo.toml"),
            cargo_toml(stem, &title, &file, &generated),
        ),
        (src.join("generated.rs"), generated),
        (src.join("hooks.rs"), render(&file, hooks(&adapted))?),
        (
            src.join("lib.rs"),
            lib_rs(stem, &file, !adapted.extras.is_empty()),
        ),
        (
            crate_dir.join("README.md"),
            readme(stem, &title, &file, &adapted),
        ),
    ];
    if !adapted.extras.is_empty() {
        files.push((
            src.join("extra.rs"),
            render(&file, extras(&file, &adapted.extras)?)?,
        ));
    }
    Ok(files)
}

/// Runs progenitor; a failure names the file and, by retrying one operation at a
/// time, the operationIds that cause it.
fn generate_progenitor(file: &str, spec: &Value) -> Result<TokenStream, String> {
    match generate_once(spec) {
        Ok(tokens) => Ok(tokens),
        Err(whole) => {
            let mut culprits = Vec::new();
            for (id, single) in single_operation_specs(spec) {
                if let Err(e) = generate_once(&single) {
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

fn generate_once(spec: &Value) -> Result<TokenStream, String> {
    let openapi: openapiv3::OpenAPI = serde_json::from_value(spec.clone())
        .map_err(|e| format!("not an OpenAPI 3.0 document: {e}"))?;
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_hooks(progenitor::HooksMode::Expected)
        .with_inner_type(quote! { cg_auth::Pipeline })
        .with_map_type("::std::collections::BTreeMap");
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
fn cargo_toml(stem: &str, title: &str, file: &str, generated: &str) -> String {
    let optional: String = [
        ("::chrono", "chrono"),
        ("::uuid", "uuid"),
        ("::regress", "regress"),
    ]
    .iter()
    .filter(|(path, _)| generated.contains(path))
    .map(|(_, name)| format!("{name}.workspace = true\n"))
    .collect();
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
bytes.workspace = true
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

fn lib_rs(stem: &str, file: &str, has_extra: bool) -> String {
    let extra = if has_extra {
        "\n/// Operations progenitor cannot generate (multipart, XML and form bodies), from xtask's template.\n#[rustfmt::skip]\nmod extra;\n"
    } else {
        ""
    };
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

fn snake(id: &str) -> String {
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

fn extras(file: &str, extras: &[Extra]) -> Result<TokenStream, String> {
    let methods = extras
        .iter()
        .map(|e| extra_method(file, e))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(quote! {
        //! Operations progenitor 0.15.1 cannot generate, from xtask's template. They
        //! use the same `Client`, types and hooks as the generated ones.
        #[allow(unused_imports)]
        use progenitor_client::{ClientHooks, Error, OperationInfo, ResponseValue, encode_path};

        #[allow(unused_imports)]
        use crate::types;

        impl crate::Client {
            #( #methods )*
        }

        /// `{"a":{"b":"c"}}` -> `a[b]=c`: the bracketed form encoding PHP-style services read.
        #[allow(dead_code)]
        fn bracket_form(value: &serde_json::Value) -> Vec<(String, String)> {
            fn walk(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
                match value {
                    serde_json::Value::Object(map) => {
                        for (k, v) in map {
                            let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}[{k}]") };
                            walk(&key, v, out);
                        }
                    }
                    serde_json::Value::Array(items) => {
                        for (i, v) in items.iter().enumerate() {
                            walk(&format!("{prefix}[{i}]"), v, out);
                        }
                    }
                    serde_json::Value::Null => {}
                    serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
                    other => out.push((prefix.to_string(), other.to_string())),
                }
            }
            let mut out = Vec::new();
            walk("", value, &mut out);
            out
        }
    })
}

fn extra_method(file: &str, e: &Extra) -> Result<TokenStream, String> {
    let name = format_ident!("{}", snake(&e.method_id));
    let op_id = &e.operation_id;
    let doc = format!(
        " {} (`{} {}`{}).",
        e.summary.trim_end_matches('.'),
        e.http_method.to_uppercase(),
        e.path,
        match e.body {
            BodyKind::Multipart => ", `multipart/form-data` body",
            BodyKind::Xml => ", `application/xml` body",
            BodyKind::FormOfJson => ", `application/x-www-form-urlencoded` body",
        }
    );
    let params: Vec<_> = e
        .path_params
        .iter()
        .map(|p| format_ident!("{}", p))
        .collect();
    let mut fmt_path = e.path.clone();
    for p in &e.path_params {
        fmt_path = fmt_path.replace(&format!("{{{p}}}"), "{}");
    }
    let url_fmt = format!("{{}}{fmt_path}");
    let method = format_ident!("{}", e.http_method);
    let (body_param, body_apply) = match e.body {
        BodyKind::Multipart => (
            quote! { body: reqwest::multipart::Form },
            quote! { .multipart(body) },
        ),
        BodyKind::Xml => (
            quote! { body: impl Into<reqwest::Body> },
            quote! { .header(reqwest::header::CONTENT_TYPE, "application/xml").body(body) },
        ),
        BodyKind::FormOfJson => {
            let ty = e.body_schema.as_ref().ok_or_else(|| {
                format!("{file}: {op_id}: the JSON body needs a $ref schema for its form variant")
            })?;
            let ty = format_ident!("{}", ty);
            (
                quote! { body: &types::#ty },
                quote! {
                    .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(serde_urlencoded::to_string(bracket_form(
                        &serde_json::to_value(body).map_err(|e| Error::InvalidRequest(e.to_string()))?,
                    )).map_err(|e| Error::InvalidRequest(e.to_string()))?)
                },
            )
        }
    };
    let mut error_types: Vec<&String> = e.errors.iter().map(|(_, s)| s).collect();
    error_types.dedup();
    if error_types.len() > 1 {
        return Err(format!(
            "{file}: {op_id}: error answers use several schemas {error_types:?}"
        ));
    }
    let error_ty = match error_types.first() {
        Some(t) => {
            let t = format_ident!("{}", t);
            quote! { types::#t }
        }
        None => quote! { () },
    };
    let mut success_types: Vec<&Option<String>> = e.success.iter().map(|(_, s)| s).collect();
    success_types.dedup();
    if success_types.len() != 1 {
        return Err(format!(
            "{file}: {op_id}: success answers need exactly one shape, found {success_types:?}"
        ));
    }
    let (ok_ty, ok_decode) = match success_types[0] {
        Some(t) => {
            let t = format_ident!("{}", t);
            (
                quote! { types::#t },
                quote! { ResponseValue::from_response(response).await },
            )
        }
        None => (quote! { () }, quote! { Ok(ResponseValue::empty(response)) }),
    };
    let ok_codes: Vec<_> = e.success.iter().map(|(c, _)| *c).collect();
    let err_codes: Vec<_> = e.errors.iter().map(|(c, _)| *c).collect();
    let err_arm = if err_codes.is_empty() {
        quote! {}
    } else {
        quote! { #( #err_codes )|* => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)), }
    };
    Ok(quote! {
        #[doc = #doc]
        pub async fn #name(
            &self,
            #( #params: impl std::fmt::Display, )*
            #body_param
        ) -> Result<ResponseValue<#ok_ty>, Error<#error_ty>> {
            let url = format!(#url_fmt, self.baseurl, #( encode_path(&#params.to_string()) ),*);
            #[allow(unused_mut)]
            let mut request = self
                .client
                .#method(url)
                .header(reqwest::header::ACCEPT, "application/json")
                #body_apply
                .build()?;
            let info = OperationInfo { operation_id: #op_id };
            self.pre(&mut request, &info).await?;
            let result = self.exec(request, &info).await;
            self.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                #( #ok_codes )|* => #ok_decode,
                #err_arm
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    })
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
