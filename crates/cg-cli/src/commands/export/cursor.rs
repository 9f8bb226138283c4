//! The one adapter between the facade's cursor type and the JSON kept in state files
//! and Singer STATE messages (a cursor keeps its JSON type: string or integer).

use cg_facade::modules::checkpoint::Token;
use serde_json::Value;

/// The cursor as stored.
pub fn to_json(cursor: &Token) -> Value {
    cursor.as_json().clone()
}

/// A stored cursor; `None` when it is not a string or an integer.
pub fn from_json(value: &Value) -> Option<Token> {
    match value {
        Value::String(_) => Some(Token::from(value.clone())),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(Token::from(value.clone())),
        _ => None,
    }
}

/// The cursor as text, for part names.
pub fn text(cursor: &Token) -> String {
    cursor.to_string()
}
