//! Enum values written as a bare name: `"flatten"` stands for
//! `{ flatten = {} }` and `"mid"` for `{ mid = {} }`, so a variant that
//! takes only optional fields (a `symbol`) can still be written as a plain
//! string.
//!
//! [`BareName`] is a deserializer holding one name: it offers the name as
//! an enum variant whose content is empty (no fields, an empty table), and
//! serde's derived code reports an unknown name as it always does.

use schemars::Schema;
use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, VariantAccess, Visitor};

/// A bare name, read as an enum variant without content.
pub(crate) struct BareName<'a, E> {
    name: &'a str,
    error: std::marker::PhantomData<E>,
}

impl<'a, E> BareName<'a, E> {
    /// The variant `name`, without content.
    pub(crate) fn new(name: &'a str) -> Self {
        BareName {
            name,
            error: std::marker::PhantomData,
        }
    }
}

impl<'de, E: de::Error> Deserializer<'de> for BareName<'_, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_str(self.name)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

impl<'de, E: de::Error> EnumAccess<'de> for BareName<'_, E> {
    type Error = E;
    type Variant = Empty<E>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Empty<E>), E> {
        let variant = seed.deserialize(de::value::StrDeserializer::<E>::new(self.name))?;
        Ok((variant, Empty(std::marker::PhantomData)))
    }
}

/// The content of a bare name: nothing, or an empty table.
pub(crate) struct Empty<E>(std::marker::PhantomData<E>);

impl<E> Empty<E> {
    fn empty_map(&self) -> de::value::MapDeserializer<'static, std::iter::Empty<((), ())>, E>
    where
        E: de::Error,
    {
        de::value::MapDeserializer::new(std::iter::empty())
    }
}

impl<'de, E: de::Error> VariantAccess<'de> for Empty<E> {
    type Error = E;

    fn unit_variant(self) -> Result<(), E> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, E> {
        seed.deserialize(self.empty_map())
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, E> {
        Err(de::Error::invalid_type(
            de::Unexpected::UnitVariant,
            &visitor,
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_map(self.empty_map())
    }
}

/// Implements `Deserialize` for an enum derived with
/// `#[serde(remote = "Self")]`: a string is a bare name (see the module
/// docs), a table is read by the derived code.
macro_rules! deserialize_name_or_table {
    ($ty:ident, $expecting:literal) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct NameOrTable;
                impl<'de> serde::de::Visitor<'de> for NameOrTable {
                    type Value = $ty;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }

                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        $ty::deserialize($crate::strategy::rules::bare::BareName::<E>::new(v))
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        map: A,
                    ) -> Result<$ty, A::Error> {
                        $ty::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    }
                }
                deserializer.deserialize_any(NameOrTable)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $ty::serialize(self, serializer)
            }
        }
    };
}
pub(crate) use deserialize_name_or_table;

/// Adds to `schema` (a `oneOf` of the variants) the bare names a string
/// may hold.
pub(crate) fn allow_bare_names(schema: &mut Schema, names: &[&str], description: &str) {
    let bare = serde_json::json!({
        "description": description,
        "type": "string",
        "enum": names,
    });
    if let Some(one_of) = schema
        .as_object_mut()
        .and_then(|o| o.get_mut("oneOf"))
        .and_then(|v| v.as_array_mut())
    {
        one_of.insert(0, bare);
    }
}
