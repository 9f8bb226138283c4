//! v4.1 answers in XML, decoded into the same models as JSON.
//!
//! The document is read with quick-xml into a small tree, and the tree is a serde
//! `Deserializer` driven by the target type: a sequence takes an element's children
//! (`<Data><item>..</item><item>..</item></Data>`), a struct or map its children by
//! name, a number or string the element's text. Either root shape is accepted:
//! `<Data>...</Data>` / `<Error>...</Error>`, or any root element holding them.

use std::borrow::Cow;
use std::fmt;

use quick_xml::events::{BytesStart, Event};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

/// Deeper documents are refused: the tree and its decoding recurse once per level.
const MAX_DEPTH: usize = 128;

/// One element: its text and its child elements in document order, borrowed from the
/// document wherever no entity had to be resolved (most names and texts).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Node<'a> {
    text: Cow<'a, str>,
    children: Vec<(&'a str, Node<'a>)>,
}

/// Why an XML answer could not be decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct XmlError(String);

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for XmlError {}

impl de::Error for XmlError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        XmlError(msg.to_string())
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, XmlError> {
    std::str::from_utf8(bytes).map_err(|e| XmlError(format!("not UTF-8: {e}")))
}

fn cow_str(bytes: Cow<'_, [u8]>) -> Result<Cow<'_, str>, XmlError> {
    Ok(match bytes {
        Cow::Borrowed(b) => Cow::Borrowed(utf8(b)?),
        Cow::Owned(v) => {
            Cow::Owned(String::from_utf8(v).map_err(|e| XmlError(format!("not UTF-8: {e}")))?)
        }
    })
}

/// Appends to an element's text, copying only when there is already some.
fn append<'a>(to: &mut Cow<'a, str>, more: Cow<'a, str>) {
    if to.is_empty() {
        *to = more;
    } else {
        to.to_mut().push_str(&more);
    }
}

/// Parses `text` into the tree of its root element, named.
pub(crate) fn parse(text: &str) -> Result<(&str, Node<'_>), XmlError> {
    // Text is trimmed per element, not per event: an entity splits text into several
    // events, and trimming those would eat the spaces around `&amp;`.
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<(&str, Node<'_>)> = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| {
            XmlError(format!(
                "malformed XML at byte {}: {e}",
                reader.buffer_position()
            ))
        })?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError(format!(
                        "elements nested deeper than {MAX_DEPTH} levels"
                    )));
                }
                let name = element_name(text, &start)?;
                stack.push((name, Node::default()));
            }
            Event::Empty(start) => {
                let name = element_name(text, &start)?;
                match stack.last_mut() {
                    Some((_, parent)) => parent.children.push((name, Node::default())),
                    None => return Ok((name, Node::default())),
                }
            }
            Event::Text(t) => {
                if let Some((_, node)) = stack.last_mut() {
                    append(&mut node.text, cow_str(t.into_inner())?);
                }
            }
            Event::CData(data) => {
                if let Some((_, node)) = stack.last_mut() {
                    append(&mut node.text, cow_str(data.into_inner())?);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match &*r {
                    b"amp" => '&',
                    b"lt" => '<',
                    b"gt" => '>',
                    b"quot" => '"',
                    b"apos" => '\'',
                    other => match r.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        _ => {
                            return Err(XmlError(format!(
                                "unknown entity &{};",
                                String::from_utf8_lossy(other)
                            )));
                        }
                    },
                };
                if let Some((_, node)) = stack.last_mut() {
                    node.text.to_mut().push(resolved);
                }
            }
            Event::End(_) => {
                let Some((name, mut node)) = stack.pop() else {
                    return Err(XmlError("closing tag without an opening one".into()));
                };
                node.finish_text();
                match stack.last_mut() {
                    Some((_, parent)) => parent.children.push((name, node)),
                    None => return Ok((name, node)),
                }
            }
            Event::Eof => {
                return Err(XmlError(
                    "the document ends before its root element is closed".into(),
                ));
            }
            _ => {}
        }
    }
}

/// An element's name without its namespace prefix, as a slice of the document (a
/// reader over a `&str` lends its events from it; the name is found by its address).
fn element_name<'a>(doc: &'a str, start: &BytesStart<'_>) -> Result<&'a str, XmlError> {
    let name = start.local_name();
    let name = name.as_ref();
    let offset = (name.as_ptr() as usize).wrapping_sub(doc.as_ptr() as usize);
    doc.get(offset..offset.saturating_add(name.len()))
        .filter(|found| found.as_bytes() == name)
        .ok_or_else(|| XmlError("an element name was not read from the document".into()))
}

/// Decodes an answer body into `T` (a `{Data: ...}` or `{Error: ...}` shaped type).
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, XmlError> {
    let (name, root) = parse(utf8(bytes)?)?;
    let envelope = if name == "Data" || name == "Error" {
        Node {
            text: Cow::Borrowed(""),
            children: vec![(name, root)],
        }
    } else {
        root
    };
    T::deserialize(envelope)
}

impl Node<'_> {
    /// A leaf keeps its text without surrounding whitespace; a parent's text is only
    /// the indentation between its children.
    fn finish_text(&mut self) {
        if !self.children.is_empty() {
            self.text = Cow::Borrowed("");
            return;
        }
        match &mut self.text {
            Cow::Borrowed(s) => *s = s.trim(),
            Cow::Owned(s) => {
                let trimmed = s.trim();
                if trimmed.len() != s.len() {
                    *s = trimmed.to_string();
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.text.is_empty() && self.children.is_empty()
    }

    fn parse_text<T: std::str::FromStr>(&self, what: &str) -> Result<T, XmlError> {
        self.text
            .trim()
            .parse()
            .map_err(|_| XmlError(format!("{:?} is not {what}", self.text)))
    }
}

macro_rules! number {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, XmlError> {
            visitor.$visit(self.parse_text::<$ty>(stringify!($ty))?)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Node<'de> {
    type Error = XmlError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, XmlError> {
        if self.children.is_empty() {
            match self.text {
                Cow::Borrowed(text) => visitor.visit_borrowed_str(text),
                Cow::Owned(text) => visitor.visit_string(text),
            }
        } else if self.children.iter().all(|(n, _)| *n == "item") {
            self.deserialize_seq(visitor)
        } else {
            self.deserialize_map(visitor)
        }
    }

    number! {
        deserialize_i8 => visit_i8: i8, deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32, deserialize_i64 => visit_i64: i64,
        deserialize_u8 => visit_u8: u8, deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32, deserialize_u64 => visit_u64: u64,
        deserialize_f32 => visit_f32: f32, deserialize_f64 => visit_f64: f64,
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, XmlError> {
        match self.text.trim() {
            "true" | "1" => visitor.visit_bool(true),
            "false" | "0" | "" => visitor.visit_bool(false),
            other => Err(XmlError(format!("{other:?} is not a boolean"))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, XmlError> {
        if self.is_empty() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, XmlError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, XmlError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, XmlError> {
        visitor.visit_seq(de::value::SeqDeserializer::new(
            self.children.into_iter().map(|(_, node)| node),
        ))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, XmlError> {
        visitor.visit_map(de::value::MapDeserializer::new(self.children.into_iter()))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, XmlError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, XmlError> {
        visitor.visit_enum(self.text.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit_struct tuple tuple_struct identifier ignored_any i128 u128
    }
}

impl<'de> IntoDeserializer<'de, XmlError> for Node<'de> {
    type Deserializer = Node<'de>;
    fn into_deserializer(self) -> Node<'de> {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(untagged)]
    enum IntOrString {
        Int(i64),
        Str(String),
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Division {
        id: IntOrString,
        division: String,
        parent: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct List {
        #[serde(rename = "Data")]
        data: Vec<Division>,
    }

    #[test]
    fn lists_of_one_many_and_none() {
        let many = br#"<?xml version="1.0"?><Data><item><id>1</id><division>Global</division><parent/></item><item><id>2</id><division>Sales &amp; Co</division><parent>Global</parent></item></Data>"#;
        let list: List = from_slice(many).unwrap();
        assert_eq!(list.data.len(), 2);
        assert_eq!(list.data[0].parent, None);
        assert_eq!(list.data[1].division, "Sales & Co");
        assert_eq!(list.data[1].id, IntOrString::Str("2".into()));

        let one: List = from_slice(
            b"<response><Data><item><id>7</id><division>A</division></item></Data></response>",
        )
        .unwrap();
        assert_eq!(one.data.len(), 1);
        let none: List = from_slice(b"<Data/>").unwrap();
        assert!(none.data.is_empty());
    }

    #[test]
    fn indented_documents_and_entities() {
        let doc = b"<?xml version=\"1.0\"?>\n<Data>\n  <item>\n    <id> 3 </id>\n    <division>R &amp; D &lt;EU&gt;</division>\n  </item>\n</Data>\n";
        let list: List = from_slice(doc).unwrap();
        assert_eq!(list.data[0].division, "R & D <EU>");
        assert_eq!(list.data[0].id, IntOrString::Str("3".into()));
    }

    #[test]
    fn deep_nesting_is_refused_not_recursed() {
        let deep = format!("{}{}", "<a>".repeat(5_000), "</a>".repeat(5_000));
        let e = from_slice::<BTreeMap<String, String>>(deep.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("nested deeper"), "{e}");
    }

    #[test]
    fn numbers_bools_maps_and_errors() {
        #[derive(Debug, Deserialize)]
        struct Envelope {
            #[serde(rename = "Error")]
            error: Inner,
        }
        #[derive(Debug, Deserialize)]
        struct Inner {
            #[serde(rename = "Code")]
            code: u32,
            #[serde(rename = "Message")]
            message: String,
        }
        let e: Envelope =
            from_slice(b"<Error><Message>No data</Message><Code>400184</Code></Error>").unwrap();
        assert_eq!(
            (e.error.code, e.error.message.as_str()),
            (400184, "No data")
        );
        let m: BTreeMap<String, String> = from_slice(b"<r><a>1</a><b>x</b></r>").unwrap();
        assert_eq!(m.len(), 2);
        assert!(from_slice::<Envelope>(b"<Error><Code>abc</Code></Error>").is_err());
        assert!(from_slice::<Envelope>(b"<Error><Code>1</Code>").is_err());
        assert!(from_slice::<Envelope>(b"not xml at all").is_err());
    }
}
