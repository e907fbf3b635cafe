//! The Splunk field catalogue for Entra sign-in events (schemas/splunk/), used by SPL010.

use std::collections::BTreeSet;

use serde::Deserialize;

#[derive(Debug, Default, Clone)]
pub struct Catalogue {
    pub sourcetypes: Vec<String>,
    pub macros: Vec<String>,
    pub fields: BTreeSet<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    sourcetypes: Vec<String>,
    macros: Vec<String>,
    fields: Vec<String>,
}

const BUNDLED: &str = include_str!("../../../schemas/splunk/azure_monitor_aad.yaml");

impl Catalogue {
    pub fn bundled() -> Self {
        let file = crate::diag::SourceFile::new(
            "<bundled>/schemas/splunk/azure_monitor_aad.yaml",
            BUNDLED.to_string(),
        );
        match crate::model::parse_yaml::<Raw>(&file) {
            Ok(r) => Catalogue {
                sourcetypes: r.sourcetypes,
                macros: r.macros,
                fields: r.fields.into_iter().collect(),
            },
            Err(_) => Catalogue::default(),
        }
    }

    /// Whether the search reads the data this catalogue describes.
    pub fn applies_to(&self, text: &str) -> bool {
        self.sourcetypes.iter().any(|s| text.contains(s.as_str()))
            || self.macros.iter().any(|m| text.contains(&format!("`{m}")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bundled_catalogue_loads() {
        let c = super::Catalogue::bundled();
        assert!(c.fields.contains("properties.sessionId"));
        assert!(c
            .fields
            .contains("properties.authenticationDetails{}.authenticationStepResultDetail"));
        assert!(c.applies_to("`tokenward_entra_signin` earliest=-90m"));
    }
}
