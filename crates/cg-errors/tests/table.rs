//! The generated enum holds every row of spec/error-codes.csv, and that file holds the vendor table.

use cg_errors::ErrorCode;

fn csv_rows() -> Vec<csv::StringRecord> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/error-codes.csv");
    let mut reader = csv::Reader::from_path(path).expect("spec/error-codes.csv is readable");
    reader
        .records()
        .map(|r| r.expect("a well-formed row"))
        .collect()
}

#[test]
fn every_csv_row_is_a_variant_with_its_columns() {
    let rows = csv_rows();
    assert_eq!(rows.len(), ErrorCode::ALL.len(), "one variant per row");
    for row in &rows {
        let code: u32 = row[0].parse().expect("numeric code");
        let variant = ErrorCode::from_code(code);
        assert!(variant.is_known(), "{code} missing from the enum");
        assert_eq!(variant.code(), code);
        assert_eq!(format!("{variant:?}"), row[1], "variant name of {code}");
        assert_eq!(variant.category(), Some(&row[2]));
        assert_eq!(
            variant.subcategory(),
            if row[3].is_empty() {
                None
            } else {
                Some(&row[3])
            }
        );
        assert_eq!(variant.reason(), Some(&row[4]));
        assert_eq!(
            variant.http_status(),
            Some(row[5].parse::<u16>().expect("status"))
        );
    }
}

#[test]
fn csv_holds_every_row_of_the_vendor_table() {
    let vendor = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/docs/vendor-docs/000_09e6c2098202a135.txt"
    );
    let Ok(text) = std::fs::read_to_string(vendor) else {
        // The vendor pages live beside the project, not in it; a packaged crate has no copy.
        eprintln!("vendor docs not found at {vendor}; skipping");
        return;
    };
    let vendor_codes: Vec<u32> = text
        .lines()
        .filter_map(|l| l.split(" | ").next()?.trim().parse().ok())
        .collect();
    assert_eq!(vendor_codes.len(), 77, "rows in the vendor table");
    for code in vendor_codes {
        assert!(
            ErrorCode::from_code(code).is_known(),
            "vendor code {code} is not in the enum"
        );
    }
}

#[test]
fn spot_checks() {
    assert_eq!(
        ErrorCode::ALL.len(),
        80,
        "77 vendor rows + 2000, 400200, 400401"
    );
    // The shifted 200000 row, repaired.
    let auth = ErrorCode::from_code(200000);
    assert_eq!(auth, ErrorCode::InvalidApiKey);
    assert_eq!(auth.category(), Some("API Authentication"));
    assert_eq!(auth.reason(), Some("Invalid API key"));
    assert_eq!(auth.http_status(), Some(401));
    assert_eq!(ErrorCode::from_code(2000).http_status(), Some(401));
    assert_eq!(ErrorCode::ModuleNotFound.http_status(), Some(404));
    assert_eq!(ErrorCode::MethodNotFound.http_status(), Some(405));
    assert_eq!(ErrorCode::from_code(400184), ErrorCode::FileNoDataFound);
    assert_eq!(
        ErrorCode::FileNoDataFound.reason(),
        Some("No data found with passed parameters")
    );
    assert_eq!(ErrorCode::from_code(400402).subcategory(), Some("Lists"));
    assert_eq!(
        ErrorCode::from_code(400904).reason(),
        Some("Parent division can not be deleted")
    );
    assert_eq!(
        ErrorCode::from_code(400401).reason(),
        Some("Record does not exist")
    );
    // Codes sharing a reason stay distinct.
    assert_ne!(ErrorCode::from_code(400100), ErrorCode::from_code(400112));
    assert_eq!(
        ErrorCode::from_code(400100).reason(),
        ErrorCode::from_code(400112).reason()
    );
}

#[test]
fn unknown_codes_round_trip() {
    let unknown = ErrorCode::from_code(123456);
    assert_eq!(unknown, ErrorCode::Unknown(123456));
    assert_eq!(unknown.code(), 123456);
    assert_eq!(unknown.reason(), None);
    assert_eq!(unknown.http_status(), None);
    assert_eq!(
        unknown.to_string(),
        "123456 (a code the error table does not list)"
    );
}

#[test]
fn display_and_parse() {
    assert_eq!(
        ErrorCode::FileNoDataFound.to_string(),
        "400184 No data found with passed parameters"
    );
    assert_eq!(
        " 400903 ".parse::<ErrorCode>(),
        Ok(ErrorCode::HierarchyGlobalNotDeletable)
    );
    let err = "forty".parse::<ErrorCode>().unwrap_err();
    assert_eq!(err.to_string(), "\"forty\" is not a numeric error code");
    for code in ErrorCode::ALL {
        assert_eq!(ErrorCode::from_code(code.code()), code);
    }
}
