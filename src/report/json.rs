//! The JSON exporter: the report as PRODUCT.md's schema, pretty-printed.

use super::{Exporter, Report};
use crate::error::Result;

/// Writes the report as indented JSON with a final newline.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn render(&self, report: &Report) -> Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(report)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}
