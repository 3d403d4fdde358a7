//! The JSON exporter: any report kind in the schema the README's "JSON report" section gives, pretty-printed.

use serde::Serialize;

use super::Exporter;
use crate::error::Result;

/// Writes a report as indented JSON with a final newline.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonExporter;

impl<R: Serialize> Exporter<R> for JsonExporter {
    fn render(&self, report: &R) -> Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(report)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}
