//! `spec/error-codes.csv` -> `crates/cg-errors/src/codes.rs`.

use std::path::Path;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

#[derive(Debug, serde::Deserialize)]
struct Row {
    code: u32,
    name: String,
    category: String,
    subcategory: String,
    reason: String,
    http_status: u16,
}

fn read_rows(path: &Path) -> Result<Vec<Row>, String> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rows = Vec::new();
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        // Line numbers count the header row.
        rows.push(row.map_err(|e| format!("{} line {}: {e}", path.display(), i + 2))?);
    }
    let mut seen = std::collections::HashSet::new();
    for row in &rows {
        if !seen.insert(row.code) {
            return Err(format!(
                "{}: code {} appears twice",
                path.display(),
                row.code
            ));
        }
        if syn::parse_str::<syn::Ident>(&row.name).is_err() || row.name == "Unknown" {
            return Err(format!(
                "{}: code {}: {:?} is not a usable variant name",
                path.display(),
                row.code,
                row.name
            ));
        }
    }
    Ok(rows)
}

/// Generates the `ErrorCode` enum source from the table at `path`.
pub fn generate(path: &Path, source_label: &str) -> Result<String, String> {
    let rows = read_rows(path)?;
    let idents: Vec<_> = rows.iter().map(|r| format_ident!("{}", r.name)).collect();
    let codes: Vec<_> = rows
        .iter()
        .map(|r| Literal::u32_unsuffixed(r.code))
        .collect();
    let categories: Vec<_> = rows.iter().map(|r| r.category.as_str()).collect();
    let subcategories: Vec<TokenStream> = rows
        .iter()
        .map(|r| match r.subcategory.as_str() {
            "" => quote! { None },
            s => quote! { Some(#s) },
        })
        .collect();
    let reasons: Vec<_> = rows.iter().map(|r| r.reason.as_str()).collect();
    let statuses: Vec<_> = rows
        .iter()
        .map(|r| Literal::u16_unsuffixed(r.http_status))
        .collect();
    let docs: Vec<_> = rows
        .iter()
        .map(|r| format!(" `{}`: {}", r.code, r.reason))
        .collect();
    let count = rows.len();

    let tokens = quote! {
        /// A code of CustomerGauge's error-code table, or one it does not list.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            #( #[doc = #docs] #idents, )*
            /// A code the table does not list; kept as sent.
            Unknown(u32),
        }

        impl ErrorCode {
            /// Every code of the table, in table order.
            pub const ALL: [ErrorCode; #count] = [ #( ErrorCode::#idents ),* ];

            /// The code for a number; codes the table does not list become [`ErrorCode::Unknown`].
            pub const fn from_code(code: u32) -> ErrorCode {
                match code {
                    #( #codes => ErrorCode::#idents, )*
                    other => ErrorCode::Unknown(other),
                }
            }

            /// The numeric code.
            pub const fn code(self) -> u32 {
                match self {
                    #( ErrorCode::#idents => #codes, )*
                    ErrorCode::Unknown(code) => code,
                }
            }

            /// The table's category (`General`, `Modules`, ...); `None` for unknown codes.
            pub const fn category(self) -> Option<&'static str> {
                match self {
                    #( ErrorCode::#idents => Some(#categories), )*
                    ErrorCode::Unknown(_) => None,
                }
            }

            /// The table's subcategory, the module for module codes (`Hierarchy`, `File`, ...).
            pub const fn subcategory(self) -> Option<&'static str> {
                match self {
                    #( ErrorCode::#idents => #subcategories, )*
                    ErrorCode::Unknown(_) => None,
                }
            }

            /// The table's reason; `None` for unknown codes.
            pub const fn reason(self) -> Option<&'static str> {
                match self {
                    #( ErrorCode::#idents => Some(#reasons), )*
                    ErrorCode::Unknown(_) => None,
                }
            }

            /// The HTTP status the table gives the code; `None` for unknown codes.
            pub const fn http_status(self) -> Option<u16> {
                match self {
                    #( ErrorCode::#idents => Some(#statuses), )*
                    ErrorCode::Unknown(_) => None,
                }
            }
        }
    };
    crate::format::render(source_label, tokens)
}
