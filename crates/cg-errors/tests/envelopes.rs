//! Both error envelopes, with every example body the docs (and so the specs) carry.

use cg_errors::envelope::{parse_api_error, parse_error_body, parse_validation_errors};
use cg_errors::{ErrorBody, ErrorCode};
use proptest::prelude::*;
use serde_json::Value;

#[test]
fn vendor_v41_examples() {
    let e = parse_api_error(
        br#"{"Error":{"Message":"No data found with passed parameters.","Code":400184}}"#,
    )
    .unwrap();
    assert_eq!(e.code, ErrorCode::FileNoDataFound);
    assert_eq!(e.message, "No data found with passed parameters.");
    assert_eq!(
        e.to_string(),
        "400184 No data found with passed parameters."
    );

    let e = parse_api_error(br#"{"Error":{"Message":"Invalid API Key","Code":2000}}"#).unwrap();
    assert_eq!(e.code, ErrorCode::InvalidApiKeyLegacy);
    assert_eq!(e.code.http_status(), Some(401));

    // Code as a string, and a code the table does not know.
    let e = parse_api_error(br#"{"Error":{"Message":"x","Code":"400903"}}"#).unwrap();
    assert_eq!(e.code, ErrorCode::HierarchyGlobalNotDeletable);
    let e = parse_api_error(br#"{"Error":{"Message":"x","Code":"999999"}}"#).unwrap();
    assert_eq!(e.code, ErrorCode::Unknown(999999));
}

#[test]
fn vendor_imports_examples() {
    let e = parse_validation_errors(br#"{"message":"Unauthenticated."}"#).unwrap();
    assert_eq!(e.message, "Unauthenticated.");
    assert!(e.errors.is_empty());

    let body = br#"{"message":"The Email field is required when Phone is not present. (and 1 more error)","errors":{"Email":["The Email field is required when Phone is not present."],"Phone":["The Phone field is required when Email is not present."]}}"#;
    let e = parse_validation_errors(body).unwrap();
    assert_eq!(
        e.field("Email"),
        ["The Email field is required when Phone is not present."]
    );
    assert_eq!(e.field("Phone").len(), 1);
    assert!(e.field("Nope").is_empty());

    let dup = br#"{"message":"Record could not be imported because it duplicates with CG-000123.","errors":{"duplicate":["Record could not be imported because it duplicates with CG-000123."]}}"#;
    assert_eq!(
        parse_validation_errors(dup).unwrap().duplicate_of(),
        Some("CG-000123")
    );
}

/// Every example of every 4xx answer in spec/ parses with its family's parser.
#[test]
fn every_error_example_in_the_specs_parses() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let spec: Value = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut examples = Vec::new();
        collect_error_examples(&spec, &spec, &mut examples);
        for example in examples {
            let body = serde_json::to_vec(&example).unwrap();
            if example.get("error").is_some() {
                continue; // the OAuth2 token endpoint's RFC 6749 body
            }
            match parse_error_body(&body) {
                Ok(ErrorBody::Api(e)) => assert!(e.code.code() > 0),
                Ok(ErrorBody::Validation(e)) => assert!(!e.message.is_empty()),
                Err(e) => panic!("{}: example {example} does not parse: {e}", path.display()),
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 20,
        "only {checked} error examples found in spec/"
    );
}

fn resolve<'a>(root: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => root.pointer(r.trim_start_matches('#')).unwrap_or(v),
        None => v,
    }
}

fn collect_error_examples(root: &Value, spec: &Value, out: &mut Vec<Value>) {
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return;
    };
    for item in paths.values() {
        for op in item.as_object().into_iter().flat_map(|o| o.values()) {
            let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for (status, response) in responses {
                if !status.starts_with('4') {
                    continue;
                }
                let response = resolve(root, response);
                let Some(json) = response.pointer("/content/application~1json") else {
                    continue;
                };
                if let Some(example) = json.get("example") {
                    out.push(example.clone());
                }
                for example in json
                    .get("examples")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(|o| o.values())
                {
                    if let Some(value) = resolve(root, example).get("value") {
                        out.push(value.clone());
                    }
                }
            }
        }
    }
}

#[test]
fn malformed_bodies_are_clear_errors() {
    let cases: [(&[u8], &str); 7] = [
        (b"", "not JSON"),
        (b"<html>502 Bad Gateway</html>", "not JSON"),
        (br#"{"Error":"boom"}"#, "no `Error` object"),
        (br#"{"Error":{"Message":"x"}}"#, "`Error.Code` is missing"),
        (
            br#"{"Error":{"Message":"x","Code":"abc"}}"#,
            "`Error.Code` is not a code",
        ),
        (
            br#"{"Error":{"Message":"x","Code":-5}}"#,
            "`Error.Code` is not a code",
        ),
        (br#"[1,2]"#, "no `Error` object"),
    ];
    for (body, problem) in cases {
        let err = parse_api_error(body).unwrap_err();
        assert!(
            err.problem.contains(problem),
            "{:?}: {}",
            String::from_utf8_lossy(body),
            err
        );
    }
    assert!(parse_validation_errors(br#"{"errors":{}}"#).is_err());
    assert!(parse_validation_errors(br#"{"message":"m","errors":{"a":[1]}}"#).is_err());
    let err = parse_error_body(br#"{"status":"weird"}"#).unwrap_err();
    assert!(err.to_string().contains("neither"), "{err}");
    // A long body is cut in the error.
    let long = vec![b'x'; 10_000];
    assert!(parse_api_error(&long).unwrap_err().snippet.len() <= 200);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_api_error(&body);
        let _ = parse_validation_errors(&body);
        let _ = parse_error_body(&body);
    }

    #[test]
    fn arbitrary_json_shapes_never_panic(code in any::<i64>(), message in ".*", key in "[A-Za-z]{1,8}") {
        let body = format!(r#"{{"Error":{{"Message":{message:?},"Code":{code}}},"{key}":[{{"{key}":null}}]}}"#);
        if let Ok(e) = parse_api_error(body.as_bytes()) {
            prop_assert_eq!(i64::from(e.code.code()), code);
        }
    }
}
