//! The policy exporter: a recommendation's class-conditional policy as a JSON document of its
//! own, to keep beside the recommended pipeline.

use serde_json::json;

use super::{Exporter, Recommendation};
use crate::error::Result;

/// Writes which classes each narrowed or removed component is safe for at full strength.
#[derive(Clone, Copy, Debug, Default)]
pub struct PolicyExporter;

impl Exporter<Recommendation> for PolicyExporter {
    fn render(&self, recommendation: &Recommendation) -> Result<Vec<u8>> {
        let document = json!({
            "schema_version": recommendation.header.schema_version,
            "tool": recommendation.header.tool,
            "dataset": recommendation.dataset.root,
            "components": recommendation.policy,
        });
        Ok((serde_json::to_string_pretty(&document)? + "\n").into_bytes())
    }
}
