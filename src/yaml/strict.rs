//! A wrapping [`Deserializer`] that makes the YAML library strict (SPEC
//! section 2): a key repeated in any mapping, at any depth, and a YAML null
//! (`null`, `~`, an empty value) where a string is expected are errors.
//!
//! A null where an optional value is expected (`embargo_until: ~`,
//! `testing: ~`, an approval's `note:` left empty) stays what YAML makes it:
//! the value is absent, as if the key were not written. Quoted `"null"` and
//! `'~'` are texts.
//!
//! Every check runs inside the visitor of the node it is about, so the
//! library attaches that node's own line and column to the error: a repeated
//! key is reported at the repeat, a null at the value.
//!
//! A string field reads its node through `deserialize_any`, the only call
//! that tells a plain null apart from the text `"null"`. That call hands
//! plain numbers and booleans over as values, not as the text written
//! (`1.50` arrives as 1.5); such a parse is marked [`State::lossy`] and the
//! caller parses the text once more without this wrapper to keep the text
//! exactly as written.

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, Expected, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};
use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;

/// What one strict parse learnt besides its errors.
#[derive(Debug, Default)]
pub struct State {
    /// A plain number or boolean was read where text was expected: the value
    /// holds its canonical form, not necessarily the text as written.
    lossy: Cell<bool>,
}

impl State {
    /// Whether a string field received a number or boolean (see the module
    /// documentation).
    pub fn lossy(&self) -> bool {
        self.lossy.get()
    }
}

/// The keys already read in one mapping: a list searched in order while it
/// is short (a record's mappings have about twenty keys, and hashing each
/// was more work than comparing), a hash set beyond.
#[derive(Default)]
struct Seen {
    few: Vec<String>,
    many: HashSet<String>,
}

impl Seen {
    /// Keys kept in the list before they move to the set.
    const FEW: usize = 32;

    /// Adds `key`; false when it was there already.
    fn insert(&mut self, key: &str) -> bool {
        if self.few.iter().any(|seen| seen == key) || self.many.contains(key) {
            return false;
        }
        if self.few.len() < Self::FEW {
            self.few.push(key.to_string());
        } else {
            self.many.insert(key.to_string());
        }
        true
    }
}

/// The strict view of a deserializer. `key` is set while the node is a key of
/// a mapping, to the set of that mapping's keys so far.
pub struct Strict<'s, 'k, D> {
    inner: D,
    state: &'s State,
    key: Option<&'k mut Seen>,
}

impl<'s, D> Strict<'s, '_, D> {
    /// Wraps `inner`; `state` collects what the parse learns.
    pub fn new(inner: D, state: &'s State) -> Self {
        Self {
            inner,
            state,
            key: None,
        }
    }
}

/// How a [`Wrap`] visitor treats scalars.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Whatever the caller asked for.
    Any,
    /// Text: null is refused, numbers and booleans become their text.
    Text,
}

/// A visitor that keeps every nested node strict and runs the checks of the
/// node it visits.
struct Wrap<'s, 'k, V> {
    visitor: V,
    state: &'s State,
    key: Option<&'k mut Seen>,
    want: Want,
}

/// Forwards a `deserialize_*` call that takes only a visitor.
macro_rules! forward {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            let (inner, visitor) = self.split(visitor, Want::Any);
            inner.$method(visitor)
        }
    )*};
}

impl<'de, 's, 'k, D: Deserializer<'de>> Strict<'s, 'k, D> {
    /// The inner deserializer and `visitor` wrapped to keep the checks going.
    fn split<V>(self, visitor: V, want: Want) -> (D, Wrap<'s, 'k, V>) {
        let wrap = Wrap {
            visitor,
            state: self.state,
            key: self.key,
            want,
        };
        (self.inner, wrap)
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<'_, '_, D> {
    type Error = D::Error;

    forward!(
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_bytes deserialize_byte_buf deserialize_option deserialize_unit
        deserialize_seq deserialize_map deserialize_identifier deserialize_ignored_any
    );

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let (inner, visitor) = self.split(visitor, Want::Text);
        inner.deserialize_any(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let (inner, visitor) = self.split(visitor, Want::Any);
        inner.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let (inner, visitor) = self.split(visitor, Want::Any);
        inner.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let (inner, visitor) = self.split(visitor, Want::Any);
        inner.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let (inner, visitor) = self.split(visitor, Want::Any);
        inner.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let (inner, visitor) = self.split(visitor, Want::Any);
        inner.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let (inner, visitor) = self.split(visitor, Want::Any);
        inner.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

impl<'s, V> Wrap<'s, '_, V> {
    /// Notes the key `text` of the current mapping; a repeat is an error.
    fn check_key<E: de::Error>(&mut self, text: &str) -> Result<(), E> {
        let repeated = self
            .key
            .as_deref_mut()
            .is_some_and(|seen| !seen.insert(text));
        if repeated {
            Err(E::custom(format!("duplicate key `{text}`")))
        } else {
            Ok(())
        }
    }

    /// A nested deserializer that stays strict.
    fn nested<D>(&self, inner: D) -> Strict<'s, 'static, D> {
        Strict::new(inner, self.state)
    }
}

/// `visit_*` methods for numbers and booleans: in text mode they become the
/// value's text (and mark the parse lossy), otherwise they pass through.
macro_rules! visit_plain {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method<E: de::Error>(mut self, value: $ty) -> Result<V::Value, E> {
            let text = value.to_string();
            self.check_key(&text)?;
            if self.want == Want::Text {
                self.state.lossy.set(true);
                self.visitor.visit_str(&text)
            } else {
                self.visitor.$method(value)
            }
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, '_, V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(formatter)
    }

    visit_plain!(
        visit_bool: bool, visit_i8: i8, visit_i16: i16, visit_i32: i32, visit_i64: i64,
        visit_i128: i128, visit_u8: u8, visit_u16: u16, visit_u32: u32, visit_u64: u64,
        visit_u128: u128, visit_f32: f32, visit_f64: f64, visit_char: char
    );

    fn visit_str<E: de::Error>(mut self, value: &str) -> Result<V::Value, E> {
        self.check_key(value)?;
        self.visitor.visit_str(value)
    }

    fn visit_borrowed_str<E: de::Error>(mut self, value: &'de str) -> Result<V::Value, E> {
        self.check_key(value)?;
        self.visitor.visit_borrowed_str(value)
    }

    fn visit_string<E: de::Error>(mut self, value: String) -> Result<V::Value, E> {
        self.check_key(&value)?;
        self.visitor.visit_string(value)
    }

    fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<V::Value, E> {
        self.visitor.visit_bytes(value)
    }

    fn visit_byte_buf<E: de::Error>(self, value: Vec<u8>) -> Result<V::Value, E> {
        self.visitor.visit_byte_buf(value)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        match self.want {
            Want::Text => Err(null_error(&self.visitor)),
            Want::Any => self.visitor.visit_none(),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        match self.want {
            Want::Text => Err(null_error(&self.visitor)),
            Want::Any => self.visitor.visit_unit(),
        }
    }

    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<V::Value, D::Error> {
        let inner = self.nested(inner);
        self.visitor.visit_some(inner)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, inner: D) -> Result<V::Value, D::Error> {
        let inner = self.nested(inner);
        self.visitor.visit_newtype_struct(inner)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(StrictSeq {
            inner: seq,
            state: self.state,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(StrictMap {
            inner: map,
            state: self.state,
            seen: Seen::default(),
        })
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(StrictEnum {
            inner: data,
            state: self.state,
        })
    }
}

/// "invalid type: null, expected a string" for a null given to `visitor`.
fn null_error<'de, E: de::Error, V: Visitor<'de>>(visitor: &V) -> E {
    let expected: &dyn Expected = visitor;
    E::custom(format_args!("invalid type: null, expected {expected}"))
}

/// A seed whose value is deserialized strictly; `key` as in [`Strict`].
struct StrictSeed<'s, 'k, T> {
    seed: T,
    state: &'s State,
    key: Option<&'k mut Seen>,
}

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for StrictSeed<'_, '_, T> {
    type Value = T::Value;

    fn deserialize<D: Deserializer<'de>>(self, inner: D) -> Result<T::Value, D::Error> {
        self.seed.deserialize(Strict {
            inner,
            state: self.state,
            key: self.key,
        })
    }
}

/// Sequence elements, each read strictly.
struct StrictSeq<'s, A> {
    inner: A,
    state: &'s State,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for StrictSeq<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.inner.next_element_seed(StrictSeed {
            seed,
            state: self.state,
            key: None,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// Mapping entries, each read strictly; `seen` holds the keys read so far.
struct StrictMap<'s, A> {
    inner: A,
    state: &'s State,
    seen: Seen,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for StrictMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.inner.next_key_seed(StrictSeed {
            seed,
            state: self.state,
            key: Some(&mut self.seen),
        })
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.inner.next_value_seed(StrictSeed {
            seed,
            state: self.state,
            key: None,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// An enum whose variant content is read strictly.
struct StrictEnum<'s, A> {
    inner: A,
    state: &'s State,
}

impl<'de, 's, A: EnumAccess<'de>> EnumAccess<'de> for StrictEnum<'s, A> {
    type Error = A::Error;
    type Variant = StrictEnum<'s, A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        let state = self.state;
        let (value, variant) = self.inner.variant_seed(StrictSeed {
            seed,
            state,
            key: None,
        })?;
        Ok((
            value,
            StrictEnum {
                inner: variant,
                state,
            },
        ))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for StrictEnum<'_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.inner.newtype_variant_seed(StrictSeed {
            seed,
            state: self.state,
            key: None,
        })
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        let visitor = self.wrap(visitor);
        self.inner.tuple_variant(len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        let visitor = self.wrap(visitor);
        self.inner.struct_variant(fields, visitor)
    }
}

impl<'s, A> StrictEnum<'s, A> {
    /// `visitor`, kept strict for a variant's content.
    fn wrap<V>(&self, visitor: V) -> Wrap<'s, 'static, V> {
        Wrap {
            visitor,
            state: self.state,
            key: None,
            want: Want::Any,
        }
    }
}
