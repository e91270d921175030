//! Response synthesis: example values that are valid against their schemas.
//!
//! Placeholder interface; the implementation lives in `synth/`.
use serde_json::Value;

/// Named examples for one media type, plus the default one to serve.
#[derive(Debug, Clone, Default)]
pub(crate) struct MediaExamples {
    /// The body served by default.
    pub default: Value,
    /// Every named example (`examples` map of the media type), in spec order.
    pub named: indexmap::IndexMap<String, Value>,
}

/// Makes example values for schemas of one normalised document.
pub(crate) struct Synthesizer<'a> {
    document: &'a Value,
}

impl<'a> Synthesizer<'a> {
    /// A synthesizer resolving `$ref`s against `document`.
    pub(crate) fn new(document: &'a Value) -> Self {
        Self { document }
    }

    /// A value valid against `schema`. `hint` is the property or parameter
    /// name, used to pick realistic data. The same seed gives the same value.
    pub(crate) fn value(&mut self, schema: &Value, hint: &str, seed: u64) -> Value {
        let _ = (self.document, schema, hint, seed);
        Value::Null
    }

    /// The examples for a media type object (`example`, `examples`, `schema`).
    pub(crate) fn media_examples(&mut self, media: &Value, hint: &str, seed: u64) -> MediaExamples {
        let schema = media.get("schema").cloned().unwrap_or(Value::Bool(true));
        MediaExamples {
            default: self.value(&schema, hint, seed),
            named: indexmap::IndexMap::new(),
        }
    }
}

/// A stable 64-bit seed from text parts (the same on every platform and run).
pub(crate) fn seed_for(parts: &[&str]) -> u64 {
    // FNV-1a: tiny, stable and good enough to spread seeds.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}
