//! xtask's own template (`extra.rs` of a raw crate): what progenitor 0.15.1 cannot
//! generate, sent through the same `Client`, types and hooks as its methods.
//!
//! - Operations with a multipart, XML or form-of-JSON body ([`Extra`]): a typed method,
//!   and an `*_as::<T>` method.
//! - Every GET operation ([`Read`]): an `*_as::<T>` method taking the path parameters and
//!   a generated `query::<Operation>` type (with a `filters` map where the spec declares
//!   `x-cg-query-prefix`).
//!
//! An `*_as` method decodes a documented success as the caller's `T` and hands back any
//! other status undecoded (`Error::UnexpectedResponse`): the caller reads answers its
//! own way (the facade tolerantly), the request is still built from the spec.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::adapt::{Adapted, BodyKind, Extra, ParamType, Part, QueryParam, Read};
use crate::raw::snake;

pub fn extras(file: &str, adapted: &Adapted) -> Result<TokenStream, String> {
    // Sent on every request, as progenitor's own methods do.
    let version = adapted
        .spec
        .pointer("/info/version")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    let mut methods = Vec::new();
    for e in &adapted.extras {
        methods.push(extra_method(file, e, version)?);
    }
    for r in &adapted.reads {
        methods.push(read_method(r, version));
    }
    let queries: Vec<TokenStream> = adapted.reads.iter().map(query_type).collect();
    let query_mod = if queries.is_empty() {
        quote! {}
    } else {
        quote! {
            /// The query parameters of each GET operation, as the spec names them.
            pub mod query {
                #[allow(unused_imports)]
                use crate::types;
                #( #queries )*
            }
        }
    };
    // Operations sharing a body schema share its type.
    let mut seen = std::collections::BTreeSet::new();
    let bodies: Vec<TokenStream> = adapted
        .extras
        .iter()
        .filter(|e| !e.parts.is_empty() && seen.insert(e.body_schema.clone()))
        .filter_map(multipart_type)
        .collect();
    let multipart_mod = if bodies.is_empty() {
        quote! {}
    } else {
        quote! {
            /// The multipart bodies, one field per part of the spec's schema.
            pub mod multipart {
                #( #bodies )*
            }
        }
    };
    Ok(quote! {
        //! Operations progenitor 0.15.1 cannot generate, and the `*_as` methods, from
        //! xtask's template. They use the same `Client`, types and hooks as the
        //! generated ones.
        #[allow(unused_imports)]
        use progenitor_client::{ClientHooks, Error, OperationInfo, ResponseValue, encode_path};

        #[allow(unused_imports)]
        use crate::types;

        impl crate::Client {
            #( #methods )*
        }

        #query_mod
        #multipart_mod

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

        /// Sends `request` through the hooks (credentials, retries, tracing) and decodes
        /// a documented success as `T`; any other status is handed back undecoded.
        #[allow(dead_code)]
        async fn send_as<T: serde::de::DeserializeOwned>(
            client: &crate::Client,
            mut request: reqwest::Request,
            info: OperationInfo,
            success: &[u16],
        ) -> Result<ResponseValue<T>, Error<()>> {
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            if success.contains(&response.status().as_u16()) {
                ResponseValue::from_response(response).await
            } else {
                Err(Error::UnexpectedResponse(response))
            }
        }
    })
}

/// The URL of an operation: `format!` of the path with its parameters encoded.
fn url_of(path: &str, params: &[String]) -> TokenStream {
    let mut fmt_path = path.to_string();
    for p in params {
        fmt_path = fmt_path.replace(&format!("{{{p}}}"), "{}");
    }
    let url_fmt = format!("{{}}{fmt_path}");
    let idents = params.iter().map(|p| format_ident!("{}", p));
    quote! { format!(#url_fmt, self.baseurl, #( encode_path(&#idents.to_string()) ),*) }
}

fn read_method(r: &Read, version: &str) -> TokenStream {
    let name = format_ident!("{}_as", snake(&r.operation_id));
    let op_id = &r.operation_id;
    let query_ty = format_ident!("{}", pascal(&r.operation_id));
    let doc = format!(
        " {} (`GET {}`): the answer decoded as the caller's `T`; a status other than the \
         documented success is handed back undecoded (`Error::UnexpectedResponse`).",
        r.summary.trim_end_matches('.'),
        r.path
    );
    let params: Vec<_> = r
        .path_params
        .iter()
        .map(|p| format_ident!("{}", p))
        .collect();
    let url = url_of(&r.path, &r.path_params);
    let success = &r.success;
    quote! {
        #[doc = #doc]
        pub async fn #name<T: serde::de::DeserializeOwned>(
            &self,
            #( #params: impl std::fmt::Display, )*
            query: &query::#query_ty,
        ) -> Result<ResponseValue<T>, Error<()>> {
            let url = #url;
            let request = self
                .client
                .get(url)
                .header(reqwest::header::ACCEPT, "application/json")
                .header("api-version", #version)
                .query(&query.pairs().map_err(Error::InvalidRequest)?)
                .build()?;
            send_as(self, request, OperationInfo { operation_id: #op_id }, &[#( #success ),*]).await
        }
    }
}

fn rust_type(ty: &ParamType) -> TokenStream {
    match ty {
        ParamType::Int { unsigned: true } => quote! { u64 },
        ParamType::Int { unsigned: false } => quote! { i64 },
        ParamType::Number => quote! { f64 },
        ParamType::Bool => quote! { bool },
        ParamType::Date => quote! { ::chrono::NaiveDate },
        ParamType::Text => quote! { String },
        ParamType::Named(n) => {
            let n = format_ident!("{}", n);
            quote! { types::#n }
        }
        ParamType::List(inner) => {
            let inner = rust_type(inner);
            quote! { Vec<#inner> }
        }
    }
}

/// A Rust field name for a query parameter (`period[start]` -> `period_start`).
fn field_name(name: &str) -> proc_macro2::Ident {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    match out.as_str() {
        "type" | "match" | "ref" | "where" => format_ident!("r#{}", out),
        _ => format_ident!("{}", out),
    }
}

/// Query parameters that carry personal data are left out of `Debug`.
fn personal(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["email", "telephone", "phone", "mobile"]
        .iter()
        .any(|p| n.contains(p))
}

fn query_type(r: &Read) -> TokenStream {
    let ty = format_ident!("{}", pascal(&r.operation_id));
    let doc = format!(" The query parameters of `{}`.", r.operation_id);
    let fields = r.query.iter().map(|q: &QueryParam| {
        let f = field_name(&q.name);
        let t = rust_type(&q.ty);
        let doc = format!(
            " `{}`{}",
            q.name,
            q.description
                .as_deref()
                .map(|d| format!(": {}", d.trim()))
                .unwrap_or_default()
        );
        if matches!(q.ty, ParamType::List(_)) {
            quote! { #[doc = #doc] pub #f: #t, }
        } else {
            quote! { #[doc = #doc] pub #f: Option<#t>, }
        }
    });
    let pushes = r.query.iter().map(|q| {
        let f = field_name(&q.name);
        let name = &q.name;
        match (&q.ty, q.joined) {
            (ParamType::List(_), true) => quote! {
                if !self.#f.is_empty() {
                    let joined: Vec<String> = self.#f.iter().map(|v| v.to_string()).collect();
                    pairs.push((#name.to_string(), joined.join(",")));
                }
            },
            (ParamType::List(_), false) => quote! {
                for v in &self.#f {
                    pairs.push((#name.to_string(), v.to_string()));
                }
            },
            _ => quote! {
                if let Some(v) = &self.#f {
                    pairs.push((#name.to_string(), v.to_string()));
                }
            },
        }
    });
    let debug_fields = r.query.iter().map(|q| {
        let f = field_name(&q.name);
        let label = f.to_string();
        let label = label.trim_start_matches("r#");
        if personal(&q.name) {
            quote! { .field(#label, &self.#f.as_ref().map(|_| "<redacted>")) }
        } else {
            quote! { .field(#label, &self.#f) }
        }
    });
    let (filters_field, filters_push, filters_debug) = match &r.free_prefix {
        Some(prefix) => {
            let doc = format!(
                " Free-form parameters, each name starting with `{prefix}` (`x-cg-query-prefix`)."
            );
            (
                quote! {
                    #[doc = #doc]
                    pub filters: ::std::collections::BTreeMap<String, String>,
                },
                quote! {
                    for (name, value) in &self.filters {
                        if !name.starts_with(#prefix) || name.len() == #prefix.len() {
                            return Err(format!(
                                "query parameter {name:?}: a free-form parameter of this operation is named {}<NAME>",
                                #prefix
                            ));
                        }
                        pairs.push((name.clone(), value.clone()));
                    }
                },
                quote! { .field("filters", &self.filters.keys().collect::<Vec<_>>()) },
            )
        }
        None => (quote! {}, quote! {}, quote! {}),
    };
    let ty_name = ty.to_string();
    quote! {
        #[doc = #doc]
        #[derive(Clone, Default)]
        pub struct #ty {
            #( #fields )*
            #filters_field
        }

        impl #ty {
            /// The parameters as sent, in the spec's order; a malformed one is an error
            /// naming it.
            pub fn pairs(&self) -> Result<Vec<(String, String)>, String> {
                #[allow(unused_mut)]
                let mut pairs = Vec::new();
                #( #pushes )*
                #filters_push
                Ok(pairs)
            }
        }

        impl std::fmt::Debug for #ty {
            // Values a person could be found by (e-mail, phone) are not shown.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(#ty_name)
                    #( #debug_fields )*
                    #filters_debug
                    .finish()
            }
        }
    }
}

fn multipart_type(e: &Extra) -> Option<TokenStream> {
    let schema = e.body_schema.as_ref()?;
    let ty = format_ident!("{}", schema);
    let doc = format!(" A `multipart/form-data` body (`{schema}`): one field per part.");
    let fields = e.parts.iter().map(|p: &Part| {
        let f = field_name(&p.name);
        let doc = format!(
            " Part `{}`{}",
            p.name,
            p.description
                .as_deref()
                .map(|d| format!(": {}", d.trim()))
                .unwrap_or_default()
        );
        let t = if p.binary {
            quote! { reqwest::multipart::Part }
        } else {
            quote! { String }
        };
        if p.required {
            quote! { #[doc = #doc] pub #f: #t, }
        } else {
            quote! { #[doc = #doc] pub #f: Option<#t>, }
        }
    });
    let parts = e.parts.iter().map(|p| {
        let f = field_name(&p.name);
        let name = &p.name;
        match (p.binary, p.required) {
            (true, true) => quote! { let form = form.part(#name, self.#f); },
            (false, true) => quote! { let form = form.text(#name, self.#f); },
            (true, false) => quote! {
                let form = match self.#f { Some(v) => form.part(#name, v), None => form };
            },
            (false, false) => quote! {
                let form = match self.#f { Some(v) => form.text(#name, v), None => form };
            },
        }
    });
    let ty_name = schema.clone();
    let names = e.parts.iter().map(|p| &p.name);
    Some(quote! {
        #[doc = #doc]
        pub struct #ty {
            #( #fields )*
        }

        impl #ty {
            /// The form, each field under the part name the spec gives it.
            pub fn into_form(self) -> reqwest::multipart::Form {
                let form = reqwest::multipart::Form::new();
                #( #parts )*
                form
            }
        }

        impl From<#ty> for reqwest::multipart::Form {
            fn from(body: #ty) -> Self {
                body.into_form()
            }
        }

        impl std::fmt::Debug for #ty {
            // A file's content is the customer's data: only the part names are shown.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(#ty_name).field("parts", &[#( #names ),*]).finish()
            }
        }
    })
}

fn extra_method(file: &str, e: &Extra, version: &str) -> Result<TokenStream, String> {
    if e.body == BodyKind::Json {
        return json_with_method(file, e, version);
    }
    let name = format_ident!("{}", snake(&e.method_id));
    let name_as = format_ident!("{}_as", snake(&e.method_id));
    let op_id = &e.operation_id;
    let doc = format!(
        " {} (`{} {}`{}).",
        e.summary.trim_end_matches('.'),
        e.http_method.to_uppercase(),
        e.path,
        match e.body {
            BodyKind::Json => ", `application/json` body",
            BodyKind::Multipart => ", `multipart/form-data` body",
            BodyKind::Xml => ", `application/xml` body",
            BodyKind::FormOfJson => ", `application/x-www-form-urlencoded` body",
        }
    );
    let doc_as = format!(
        " Like [`Self::{name}`], with the answer decoded as the caller's `T`; a status other \
         than the documented success is handed back undecoded (`Error::UnexpectedResponse`)."
    );
    let params: Vec<_> = e
        .path_params
        .iter()
        .map(|p| format_ident!("{}", p))
        .collect();
    let url = url_of(&e.path, &e.path_params);
    let method = format_ident!("{}", e.http_method);
    let (body_param, body_apply) = match e.body {
        // The spec's body type (`multipart::<Schema>`) converts into a form; a form
        // built by hand is taken too (to send what the spec does not describe).
        BodyKind::Multipart => (
            quote! { body: impl Into<reqwest::multipart::Form> },
            quote! { .multipart(body.into()) },
        ),
        BodyKind::Xml => (
            quote! { body: impl Into<reqwest::Body> },
            quote! { .header(reqwest::header::CONTENT_TYPE, "application/xml").body(body) },
        ),
        BodyKind::Json => unreachable!("handled by json_with_method"),
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
    let (ok_ty, ok_decode, error_ty) = answer_types(file, e)?;
    let ok_codes: Vec<_> = e.success.iter().map(|(c, _)| *c).collect();
    let err_arm = error_arm(e);
    // The typed method takes its body by value too: a multipart form cannot be cloned.
    let as_variant = if ok_ty.to_string() == "()" {
        quote! {}
    } else {
        quote! {
            #[doc = #doc_as]
            pub async fn #name_as<T: serde::de::DeserializeOwned>(
                &self,
                #( #params: impl std::fmt::Display, )*
                #body_param
            ) -> Result<ResponseValue<T>, Error<()>> {
                let url = #url;
                let request = self
                    .client
                    .#method(url)
                    .header(reqwest::header::ACCEPT, "application/json")
                    .header("api-version", #version)
                    #body_apply
                    .build()?;
                send_as(self, request, OperationInfo { operation_id: #op_id }, &[#( #ok_codes ),*]).await
            }
        }
    };
    Ok(quote! {
        #[doc = #doc]
        pub async fn #name(
            &self,
            #( #params: impl std::fmt::Display, )*
            #body_param
        ) -> Result<ResponseValue<#ok_ty>, Error<#error_ty>> {
            let url = #url;
            #[allow(unused_mut)]
            let mut request = self
                .client
                .#method(url)
                .header(reqwest::header::ACCEPT, "application/json")
                .header("api-version", #version)
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

        #as_variant
    })
}

/// The one error schema and the one success shape of an operation, as Rust types and
/// the expression that decodes a success.
fn answer_types(file: &str, e: &Extra) -> Result<(TokenStream, TokenStream, TokenStream), String> {
    let op_id = &e.operation_id;
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
    Ok(match success_types[0] {
        Some(t) => {
            let t = format_ident!("{}", t);
            (
                quote! { types::#t },
                quote! { ResponseValue::from_response(response).await },
                error_ty,
            )
        }
        None => (
            quote! { () },
            quote! { Ok(ResponseValue::empty(response)) },
            error_ty,
        ),
    })
}

/// The match arm that decodes the documented error answers.
fn error_arm(e: &Extra) -> TokenStream {
    let err_codes: Vec<_> = e.errors.iter().map(|(c, _)| *c).collect();
    if err_codes.is_empty() {
        quote! {}
    } else {
        quote! { #( #err_codes )|* => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)), }
    }
}

/// `<op>_with`: the JSON body serialized from the caller's `B`, the request built once
/// with room for the headers the pipeline and hyper add, the answers as the typed method.
fn json_with_method(file: &str, e: &Extra, version: &str) -> Result<TokenStream, String> {
    let name = format_ident!("{}", snake(&e.method_id));
    let typed = snake(&e.operation_id);
    let op_id = &e.operation_id;
    let doc = format!(
        " {} (`{} {}`, `application/json` body) with the body serialized from any `B` that \
         writes the spec's shape{}: no body type is built. The answers are those of \
         [`Self::{typed}`].",
        e.summary.trim_end_matches('.'),
        e.http_method.to_uppercase(),
        e.path,
        e.body_schema
            .as_deref()
            .map(|s| format!(" (`types::{s}`)"))
            .unwrap_or_default(),
    );
    let params: Vec<_> = e
        .path_params
        .iter()
        .map(|p| format_ident!("{}", p))
        .collect();
    let url = url_of(&e.path, &e.path_params);
    let method = format_ident!("{}", e.http_method.to_uppercase());
    let (ok_ty, ok_decode, error_ty) = answer_types(file, e)?;
    let ok_codes: Vec<_> = e.success.iter().map(|(c, _)| *c).collect();
    let err_arm = error_arm(e);
    Ok(quote! {
        #[doc = #doc]
        pub async fn #name<B: serde::Serialize + ?Sized>(
            &self,
            #( #params: impl std::fmt::Display, )*
            body: &B,
        ) -> Result<ResponseValue<#ok_ty>, Error<#error_ty>> {
            use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
            let url = reqwest::Url::parse(&#url).map_err(|e| Error::InvalidRequest(e.to_string()))?;
            let body = serde_json::to_vec(body).map_err(|e| Error::InvalidRequest(e.to_string()))?;
            let mut request = reqwest::Request::new(reqwest::Method::#method, url);
            // Room for authorization, user-agent, host and content-length too.
            *request.headers_mut() = HeaderMap::with_capacity(12);
            let headers = request.headers_mut();
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(HeaderName::from_static("api-version"), HeaderValue::from_static(#version));
            *request.body_mut() = Some(body.into());
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

/// `listBounces` -> `ListBounces`.
fn pascal(id: &str) -> String {
    let mut chars = id.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}
