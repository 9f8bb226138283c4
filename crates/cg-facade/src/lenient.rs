//! Tolerant reading of answers: `deserialize_with` helpers for the shapes the service
//! (or its docs) may send, open enumerations, and the per-item fallback that keeps an
//! odd item instead of failing its page.
//!
//! Every helper reads through `serde_json::Value`, so the same models decode from JSON
//! and from the XML tree (where every value is text).

use std::str::FromStr;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// Unknown fields of a model, kept as sent.
pub type Extra = Map<String, Value>;

/// A number sent as a JSON number or a numeric string; null and blank are `None`.
/// Anything else fails the field (and [`item`] then keeps it in `extra`).
pub(crate) fn number<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
{
    let text = match Value::deserialize(d)? {
        Value::Null => return Ok(None),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s,
        other => return Err(D::Error::custom(format!("{other} is not a number"))),
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    trimmed
        .parse()
        .map(Some)
        .map_err(|_| D::Error::custom(format!("{text:?} is not a number in range")))
}

/// Text sent as a string, or as a number or boolean (kept as its JSON text); null is
/// `None`. Objects and arrays fail the field.
pub(crate) fn text<'de, D>(d: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        v @ (Value::Number(_) | Value::Bool(_)) => Ok(Some(v.to_string())),
        other => Err(D::Error::custom(format!("{other} is not text"))),
    }
}

/// A list that may come as null, absent (with `#[serde(default)]`), an empty XML element,
/// or a single value where a list was expected.
pub(crate) fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let values = match Value::deserialize(d)? {
        Value::Null => return Ok(Vec::new()),
        Value::String(s) if s.trim().is_empty() => return Ok(Vec::new()),
        Value::Array(items) => items,
        // XML: `<logs><item>..</item></logs>` is a list, a lone child an object.
        Value::Object(map) if map.len() == 1 && map.contains_key("item") => {
            match map.into_iter().next().map(|(_, v)| v) {
                Some(Value::Array(items)) => items,
                Some(one) => vec![one],
                None => Vec::new(),
            }
        }
        one => vec![one],
    };
    values
        .into_iter()
        .map(|v| serde_json::from_value(v).map_err(D::Error::custom))
        .collect()
}

/// A model that keeps the fields it does not know.
pub(crate) trait Item: DeserializeOwned + Default {
    /// The map of kept fields.
    fn extra_mut(&mut self) -> &mut Extra;
}

/// One listing item, never refused: decoded as a whole when it can be; otherwise every
/// field the model cannot read is kept, as sent, in `extra` (a value that is not even
/// an object lands there under `value`).
pub(crate) fn item<T: Item>(value: Value) -> T {
    if let Ok(item) = serde_json::from_value::<T>(value.clone()) {
        return item;
    }
    let Value::Object(fields) = value else {
        let mut item = T::default();
        item.extra_mut().insert("value".into(), value);
        return item;
    };
    // Only on odd items: add fields one by one, setting aside those that fail.
    let mut good = Map::new();
    let mut odd = Map::new();
    for (key, v) in fields {
        good.insert(key.clone(), v.clone());
        if serde_json::from_value::<T>(Value::Object(good.clone())).is_err() {
            good.remove(&key);
            odd.insert(key, v);
        }
    }
    let mut item = serde_json::from_value::<T>(Value::Object(good)).unwrap_or_default();
    item.extra_mut().extend(odd);
    item
}

/// Every item of a page, none refused and none dropped.
pub(crate) fn items<T: Item>(values: Vec<Value>) -> Vec<T> {
    values.into_iter().map(item).collect()
}

/// The `data` (v7) or `Data` (v4.1) array of an envelope: null and an empty XML element
/// are an empty page; a value that is not a list fails the call.
pub(crate) fn data_list<'de, D>(d: D) -> Result<Vec<Value>, D::Error>
where
    D: Deserializer<'de>,
{
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::String(s) if s.trim().is_empty() => Ok(Vec::new()),
        Value::Array(items) => Ok(items),
        Value::Object(map) if map.len() == 1 && map.contains_key("item") => {
            Ok(match map.into_iter().next().map(|(_, v)| v) {
                Some(Value::Array(items)) => items,
                Some(one) => vec![one],
                None => Vec::new(),
            })
        }
        // An XML list of one: the item itself.
        one @ Value::Object(_) => Ok(vec![one]),
        other => Err(D::Error::custom(format!(
            "the data of a listing is {other}, not a list"
        ))),
    }
}

/// An enumeration whose documented values are known and whose others are kept as sent
/// (`Other`), written back unchanged.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value not documented when this SDK was written, as sent.
            Other(String),
        }

        impl $name {
            /// The value as the service spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(text) => text,
                }
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                $(if text == $text {
                    return $name::$variant;
                })+
                $name::Other(text.to_owned())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $name::Other(text) => s.serialize_str(text),
                    known => s.serialize_str(known.as_str()),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                match serde_json::Value::deserialize(d)? {
                    serde_json::Value::String(text) => Ok($name::from(text.as_str())),
                    // A number or boolean where text was documented: kept as its text.
                    v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_)) => {
                        Ok($name::Other(v.to_string()))
                    }
                    other => Err(<D::Error as serde::de::Error>::custom(format!(
                        "{other} is not a {}",
                        stringify!($name)
                    ))),
                }
            }
        }
    };
}
pub(crate) use open_enum;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Default, Deserialize, serde::Serialize, PartialEq)]
    #[serde(default)]
    struct Sample {
        #[serde(deserialize_with = "number", skip_serializing_if = "Option::is_none")]
        n: Option<u8>,
        #[serde(deserialize_with = "text", skip_serializing_if = "Option::is_none")]
        t: Option<String>,
        #[serde(deserialize_with = "list")]
        l: Vec<String>,
        #[serde(flatten)]
        extra: Extra,
    }

    impl Item for Sample {
        fn extra_mut(&mut self) -> &mut Extra {
            &mut self.extra
        }
    }

    open_enum!(
        /// Test.
        Kind { Hard = "hard", Soft = "soft" }
    );

    #[test]
    fn numbers_text_and_lists_in_every_shape() {
        let a: Sample = item(json!({"n": "10", "t": 12, "l": null}));
        assert_eq!((a.n, a.t.as_deref(), a.l.len()), (Some(10), Some("12"), 0));
        let b: Sample = item(json!({"n": 10, "t": "x", "l": ["a"], "new": true}));
        assert_eq!(
            (b.n, b.l.clone(), b.extra["new"].clone()),
            (Some(10), vec!["a".to_string()], json!(true))
        );
        let c: Sample = item(json!({"n": " ", "l": {"item": "one"}}));
        assert_eq!((c.n, c.l), (None, vec!["one".to_string()]));
    }

    #[test]
    fn an_odd_field_is_kept_in_extra_and_written_back() {
        let odd: Sample = item(json!({"n": "lots", "t": "kept", "l": {"a": 1}}));
        assert_eq!(odd.n, None);
        assert_eq!(odd.t.as_deref(), Some("kept"));
        assert_eq!(odd.extra["n"], json!("lots"));
        assert_eq!(odd.extra["l"], json!({"a": 1}));
        // Written back as sent: the kept value follows (and so wins over) the empty field.
        let back = serde_json::to_value(&odd).unwrap();
        assert_eq!(back, json!({"t": "kept", "l": {"a": 1}, "n": "lots"}));
        let not_an_object: Sample = item(json!(["x"]));
        assert_eq!(not_an_object.extra["value"], json!(["x"]));
    }

    #[test]
    fn open_enums_round_trip_unknown_text() {
        let k: Kind = serde_json::from_value(json!("blocked")).unwrap();
        assert_eq!(k, Kind::Other("blocked".into()));
        assert_eq!(serde_json::to_value(&k).unwrap(), json!("blocked"));
        let h: Kind = serde_json::from_value(json!("hard")).unwrap();
        assert_eq!((h.clone(), h.to_string()), (Kind::Hard, "hard".to_string()));
    }

    #[test]
    fn data_lists_accept_null_and_refuse_non_lists() {
        #[derive(Deserialize)]
        struct Env {
            #[serde(deserialize_with = "data_list", default)]
            data: Vec<Value>,
        }
        let e: Env = serde_json::from_value(json!({"data": null})).unwrap();
        assert!(e.data.is_empty());
        assert!(serde_json::from_value::<Env>(json!({"data": 3})).is_err());
    }
}
