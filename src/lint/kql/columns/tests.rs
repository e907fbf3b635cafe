use super::*;
use crate::syntax::kql;

fn model(text: &str) -> Model {
    let tree = kql::parse_tree(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    analyze(&tree, &Schemas::bundled())
}

fn unknown(text: &str) -> Vec<String> {
    model(text)
        .unknown
        .iter()
        .map(|f| f.message.clone())
        .collect()
}

#[test]
fn let_bound_scalars_and_upstream_columns_are_no_unknown_columns() {
    for ok in [
        "let domain = \"contoso.com\"; SigninLogs | where UserPrincipalName contains (domain)",
        "let threshold = 5; SigninLogs | summarize c = count() by UserPrincipalName | where c > threshold",
        "SigninLogs | extend a = 1, b = a + 1 | where b > 1",
        "SigninLogs | distinct U = UserPrincipalName | where U != \"\"",
        "SigninLogs | summarize arg_max(TimeGenerated, *) by UserPrincipalName | where ResultType == \"0\"",
        "SigninLogs | summarize arg_min(TimeGenerated, IPAddress) by UserPrincipalName | project TimeGenerated, IPAddress",
        "SigninLogs | summarize dcount(IPAddress), count(), make_set_if(AppId, true) by UserPrincipalName | where dcount_IPAddress > 1 and count_ > 2 | project set_AppId",
        "SigninLogs | summarize count() by bin(TimeGenerated, 1h), UserPrincipalName | project TimeGenerated",
        "SigninLogs | parse UserAgent with * \"Chrome/\" Ver \".\" * | project Ver",
        "SigninLogs | parse-kv UserAgent as (Os:string) with (pair_delimiter=\";\") | project Os",
        "SigninLogs | extend tostring(DeviceDetail.browser) | project DeviceDetail_browser",
        "SigninLogs | mv-expand todynamic(AuthenticationDetails) | project AuthenticationDetails",
        "SigninLogs | extend (a, b) = series_stats_dynamic(DeviceDetail) | project a, b",
        "union withsource=T SigninLogs, AADNonInteractiveUserSignInLogs | project T",
        "let m = materialize(SigninLogs | project U = UserPrincipalName); m | where U != \"\"",
    ] {
        assert_eq!(unknown(ok), Vec::<String>::new(), "{ok}");
    }
}

#[test]
fn missing_columns_are_reported() {
    assert_eq!(
        unknown("SigninLogs | where ResultTyp == \"0\""),
        ["unknown column `ResultTyp`"]
    );
    assert_eq!(
        unknown("SigninLogs | project UserPrincipalName | where IPAddress != \"\""),
        ["unknown column `IPAddress`"]
    );
    assert_eq!(
        unknown(
            "union SigninLogs, AADNonInteractiveUserSignInLogs | extend D = DeviceDetail.deviceId"
        ),
        ["unknown column `DeviceDetail`"]
    );
}

#[test]
fn comparisons_carry_the_type_at_that_point() {
    let types = |text: &str| -> Vec<(String, ColType)> {
        model(text)
            .comparisons
            .iter()
            .map(|c| (c.column.clone(), c.ty))
            .collect()
    };
    assert_eq!(
        types("SigninLogs | where ResultType == 0"),
        [("ResultType".to_string(), ColType::String)]
    );
    assert_eq!(
        types("SigninLogs | extend ResultType = toint(ResultType) | where ResultType == 0"),
        [("ResultType".to_string(), ColType::Int)]
    );
    assert_eq!(
        types("let ResultType = 0; print x = ResultType == 0"),
        Vec::new()
    );
    assert_eq!(
        types("SigninLogs | summarize arg_max(TimeGenerated, *) by UserPrincipalName | where ResultType == 0"),
        [("ResultType".to_string(), ColType::String)]
    );
    assert_eq!(types("T | where ResultType == 0"), Vec::new());
}

#[test]
fn reads_know_whether_a_time_filter_covers_them() {
    let reads = |text: &str| -> Vec<(String, bool)> {
        model(text)
            .reads
            .iter()
            .map(|r| (r.table.clone(), r.time_filtered))
            .collect()
    };
    assert_eq!(
        reads("SigninLogs | where ResultType == \"0\""),
        [("SigninLogs".to_string(), false)]
    );
    assert_eq!(
        reads("SigninLogs | where TimeGenerated > ago(1d)"),
        [("SigninLogs".to_string(), true)]
    );
    assert_eq!(
        reads("union SigninLogs, AADNonInteractiveUserSignInLogs | where TimeGenerated between (datetime(2024-01-01) .. now())"),
        [
            ("SigninLogs".to_string(), true),
            ("AADNonInteractiveUserSignInLogs".to_string(), true)
        ]
    );
    assert_eq!(
        reads("let s = SigninLogs; s | take 1"),
        [("SigninLogs".to_string(), true)]
    );
    assert_eq!(
        reads("SigninLogs | where TimeGenerated > ago(1d) | join kind=inner (AADNonInteractiveUserSignInLogs) on SessionId"),
        [
            ("SigninLogs".to_string(), true),
            ("AADNonInteractiveUserSignInLogs".to_string(), true)
        ]
    );
}
