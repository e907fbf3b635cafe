//! The canonical field catalogue: the names rules use, whatever the target calls them.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Type {
    String,
    Int,
    Bool,
    /// An IP address: compared as a string, and the only type `in_cidr` accepts.
    Ip,
    Datetime,
    /// A multivalued field (one value per authenticationDetails step, say): tests hold when any value matches.
    StringList,
}

impl Type {
    pub fn describe(self) -> &'static str {
        match self {
            Type::String => "a string",
            Type::Int => "an integer",
            Type::Bool => "a boolean",
            Type::Ip => "an IP address",
            Type::Datetime => "a datetime",
            Type::StringList => "a list of strings",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Time,
    LogTime,
    IngestionTime,
    SessionId,
    User,
    UserId,
    Ip,
    Asn,
    UserAgent,
    UaFamily,
    UaClass,
    AppId,
    AppName,
    ResourceId,
    DeviceId,
    IsInteractive,
    AuthRequirement,
    AuthMethods,
    AuthStepResults,
    RiskEvents,
    Country,
    Result,
    IncomingTokenType,
    TokenIssuerType,
    CorrelationId,
    TokenId,
}

pub struct FieldInfo {
    pub field: Field,
    pub name: &'static str,
    pub ty: Type,
    pub doc: &'static str,
}

macro_rules! fields {
    ($(($f:ident, $name:literal, $ty:ident, $doc:literal)),* $(,)?) => {
        pub const CATALOGUE: &[FieldInfo] = &[
            $(FieldInfo { field: Field::$f, name: $name, ty: Type::$ty, doc: $doc }),*
        ];
    };
}

fields![
    (
        Time,
        "time",
        Datetime,
        "When the sign-in happened: its own time (CreatedDateTime), which orders events and measures the window."
    ),
    (
        LogTime,
        "log_time",
        Datetime,
        "When the SIEM stamped the row (TimeGenerated, Splunk _time); the query's lookback reads it."
    ),
    (
        IngestionTime,
        "ingestion_time",
        Datetime,
        "When the row became searchable (ingestion_time(), Splunk _indextime); a pair is emitted on the run that first sees both events."
    ),
    (
        SessionId,
        "session_id",
        String,
        "Entra session id, shared by the interactive sign-in and the tokens it issued."
    ),
    (User, "user", String, "User principal name."),
    (UserId, "user_id", String, "Object id of the user."),
    (Ip, "ip", Ip, "Client IP address as Entra saw it."),
    (
        Asn,
        "asn",
        Int,
        "Autonomous system number of the client IP."
    ),
    (UserAgent, "user_agent", String, "Raw user agent string."),
    (
        UaFamily,
        "ua_family",
        String,
        "User-agent family from the shared table (lists/ua_families.yaml)."
    ),
    (
        UaClass,
        "ua_class",
        String,
        "Class of the user-agent family: browser, client (a first-party app), scripted or other."
    ),
    (AppId, "app_id", String, "Client application id (GUID)."),
    (
        AppName,
        "app_name",
        String,
        "Client application display name."
    ),
    (
        ResourceId,
        "resource_id",
        String,
        "Resource (audience) application id."
    ),
    (
        DeviceId,
        "device_id",
        String,
        "Entra device id; empty for unregistered devices."
    ),
    (
        IsInteractive,
        "is_interactive",
        Bool,
        "True for interactive sign-ins."
    ),
    (
        AuthRequirement,
        "auth_requirement",
        String,
        "singleFactorAuthentication or multiFactorAuthentication."
    ),
    (
        AuthMethods,
        "auth_methods",
        StringList,
        "authenticationMethod of every authenticationDetails step."
    ),
    (
        AuthStepResults,
        "auth_step_results",
        StringList,
        "authenticationStepResultDetail of every authenticationDetails step."
    ),
    (
        RiskEvents,
        "risk_events",
        StringList,
        "Identity Protection risk event types (riskEventTypes_v2)."
    ),
    (
        Country,
        "country",
        String,
        "Two-letter country or region of the client IP."
    ),
    (
        Result,
        "result",
        String,
        "Result code as a string; \"0\" is success."
    ),
    (
        IncomingTokenType,
        "incoming_token_type",
        String,
        "Token presented, e.g. primaryRefreshToken, none."
    ),
    (
        TokenIssuerType,
        "token_issuer_type",
        String,
        "AzureAD or ADFederationServices."
    ),
    (
        CorrelationId,
        "correlation_id",
        String,
        "Correlation id of the sign-in (ties it to Identity Protection risk events)."
    ),
    (
        TokenId,
        "token_id",
        String,
        "Unique token identifier (UniqueTokenIdentifier) of the token the sign-in issued or used."
    ),
];

impl Field {
    /// Fields tokenward derives from others (the user-agent table) rather than reads from a column.
    pub fn is_derived(self) -> bool {
        matches!(self, Field::UaFamily | Field::UaClass)
    }

    /// Fields read from every authenticationDetails step: the costliest to read, so plans test them last.
    pub fn is_per_step(self) -> bool {
        matches!(self, Field::AuthMethods | Field::AuthStepResults)
    }
}

impl Field {
    pub fn info(self) -> &'static FieldInfo {
        CATALOGUE
            .iter()
            .find(|i| i.field == self)
            .expect("every field is in the catalogue")
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn ty(self) -> Type {
        self.info().ty
    }

    pub fn by_name(name: &str) -> Option<Field> {
        CATALOGUE.iter().find(|i| i.name == name).map(|i| i.field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        for info in CATALOGUE {
            assert_eq!(Field::by_name(info.name), Some(info.field));
            assert_eq!(info.field.name(), info.name);
        }
    }
}
