//! `tokenward lsp` end to end: a client speaking JSON-RPC over the real server process's stdio opens a
//! rule, a KQL file and edits them, and gets the CLI's own diagnostics (same codes, same places),
//! hovers, completions and definitions.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{copy_dir, root, tokenward_in};

struct Client {
    child: Child,
    stdin: ChildStdin,
    inbox: Receiver<Value>,
    next_id: i64,
    /// Notifications read while waiting for a response.
    pending: Vec<Value>,
}

impl Client {
    fn start(workspace: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tokenward"))
            .arg("lsp")
            .current_dir(workspace)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, inbox) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        len = n.parse().unwrap();
                    }
                }
                let mut body = vec![0; len];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            inbox,
            next_id: 0,
            pending: Vec::new(),
        }
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn recv(&mut self) -> Value {
        self.inbox
            .recv_timeout(Duration::from_secs(60))
            .expect("the server answers within a minute")
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.recv();
            if m["id"] == id {
                assert!(m.get("error").is_none(), "{method}: {m}");
                return m["result"].clone();
            }
            self.pending.push(m);
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let m = match self
                .pending
                .iter()
                .position(|m| m["method"] == "textDocument/publishDiagnostics")
            {
                Some(i) => self.pending.remove(i),
                None => self.recv(),
            };
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }
}

fn uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

/// The line and column (1-based) of the first diagnostic with `code` in the CLI's JSON report.
fn cli_place(report: &str, code: &str) -> (u64, u64) {
    let v: Value = serde_json::from_str(report).unwrap();
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {report}"));
    (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap())
}

fn pos(text: &str, needle: &str, into: usize) -> Value {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle}")) + into;
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": col})
}

#[test]
fn the_language_server_speaks_lsp_over_stdio() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().canonicalize().unwrap();
    copy_dir(&root().join("rules"), &ws.join("rules"));
    let mut c = Client::start(&ws);
    let init = c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&ws), "capabilities": {}}),
    );
    assert_eq!(init["capabilities"]["hoverProvider"], true);
    assert_eq!(init["capabilities"]["definitionProvider"], true);
    c.notify("initialized", json!({}));

    // A rule with an unknown field: the same code at the same place as `tokenward build`.
    let rule_path = ws.join("rules/aitm-session-replay.yaml");
    let good = std::fs::read_to_string(&rule_path).unwrap();
    let broken = good.replacen("later.asn", "later.asm", 1);
    assert_ne!(broken, good);
    let broken_path = ws.join("rules/broken.yaml");
    std::fs::write(&broken_path, &broken).unwrap();
    let cli = tokenward_in(&ws, &["build", "rules/broken.yaml", "--format", "json"]);
    assert_eq!(cli.code, 1, "{}", cli.stderr);
    let (line, col) = cli_place(&cli.stderr, "E021");
    let rule_uri = uri(&rule_path);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": rule_uri, "languageId": "yaml", "version": 1, "text": broken}}),
    );
    let diags = c.diagnostics(&rule_uri);
    let e021 = diags
        .iter()
        .find(|d| d["code"] == "E021")
        .unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!(e021["range"]["start"]["line"], line - 1);
    assert_eq!(e021["range"]["start"]["character"], col - 1);
    assert_eq!(e021["severity"], 1);
    assert!(e021["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("errors.md#e021-unknown-catalogue-field"));

    // Hover on a canonical field: its type and the column each target reads it from.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": rule_uri}, "position": pos(&broken, "first.device_id", 7)}),
    );
    let md = hover["contents"]["value"].as_str().unwrap();
    assert!(md.contains("device_id"), "{md}");
    assert!(
        md.contains("| sentinel | `DeviceDetail.deviceId` |"),
        "{md}"
    );
    assert!(md.contains("| splunk |"), "{md}");

    // Completion inside a condition: after `later.` the fields; elsewhere also lists and operators.
    let items = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    let after_dot = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": rule_uri}, "position": pos(&broken, "later.asm", 6)}),
    );
    let labels = items(&after_dot);
    assert!(labels.contains(&"asn".to_string()) && labels.contains(&"session_id".to_string()));
    assert!(!labels.contains(&"hosting_asns".to_string()), "{labels:?}");
    let in_when = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": rule_uri}, "position": pos(&broken, "first.asn in hosting_asns", 10)}),
    );
    let labels = items(&in_when);
    for want in [
        "hosting_asns",
        "corp_egress_cidrs",
        "in_cidr",
        "and",
        "user_agent",
    ] {
        assert!(
            labels.contains(&want.to_string()),
            "{want} not in {labels:?}"
        );
    }
    let outside = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": rule_uri}, "position": pos(&broken, "severity: medium", 10)}),
    );
    assert!(outside.as_array().unwrap().is_empty(), "{outside}");

    // Go to definition: a list name to its file.
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": rule_uri}, "position": pos(&broken, "in hosting_asns", 5)}),
    );
    assert_eq!(def["uri"], uri(&ws.join("rules/lists/hosting_asns.yaml")));

    // Fixing the text clears the diagnostics.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": rule_uri, "version": 2}, "contentChanges": [{"text": good}]}),
    );
    assert_eq!(c.diagnostics(&rule_uri), Vec::<Value>::new());

    // A KQL file: the lint's findings as `tokenward lint` reports them, and hover on a code.
    let kql = "// KQL003 below\nSigninLogs\n| where TimeGenerated > ago(1h)\n| join (AADNonInteractiveUserSignInLogs | where TimeGenerated > ago(1h)) on SessionId\n";
    let kql_path = ws.join("q.kql");
    std::fs::write(&kql_path, kql).unwrap();
    let cli = tokenward_in(&ws, &["lint", "q.kql", "--format", "json"]);
    let (line, col) = cli_place(&cli.stdout, "KQL003");
    let kql_uri = uri(&kql_path);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": kql_uri, "languageId": "kql", "version": 1, "text": kql}}),
    );
    let diags = c.diagnostics(&kql_uri);
    let cli_codes: Vec<String> = serde_json::from_str::<Value>(&cli.stdout).unwrap()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    let lsp_codes: Vec<String> = diags
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(lsp_codes, cli_codes);
    let d = diags.iter().find(|d| d["code"] == "KQL003").unwrap();
    assert_eq!(d["range"]["start"]["line"], line - 1);
    assert_eq!(d["range"]["start"]["character"], col - 1);
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": kql_uri}, "position": {"line": 0, "character": 5}}),
    );
    let md = hover["contents"]["value"].as_str().unwrap();
    assert!(md.starts_with("## KQL003"), "{md}");

    // An SPL file: the same findings, codes and places as `tokenward lint`.
    let spl = "index=aad sourcetype=azure:monitor:aad\n| transaction user maxspan=1h\n| where mvindex('properties.authenticationDetails{}.authenticationMethod', 0)=\"Password\"\n";
    let spl_path = ws.join("q.spl");
    std::fs::write(&spl_path, spl).unwrap();
    let cli = tokenward_in(&ws, &["lint", "q.spl", "--format", "json"]);
    let cli_diags: Vec<(String, u64, u64)> = serde_json::from_str::<Value>(&cli.stdout).unwrap()
        ["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap() - 1,
                d["column"].as_u64().unwrap() - 1,
            )
        })
        .collect();
    assert!(
        cli_diags.iter().any(|(c, _, _)| c == "SPL003"),
        "{cli_diags:?}"
    );
    let spl_uri = uri(&spl_path);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": spl_uri, "languageId": "spl", "version": 1, "text": spl}}),
    );
    let lsp_diags: Vec<(String, u64, u64)> = c
        .diagnostics(&spl_uri)
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["range"]["start"]["line"].as_u64().unwrap(),
                d["range"]["start"]["character"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(lsp_diags, cli_diags);

    // What a client may send that the server does not serve: an error answer, and it goes on serving.
    c.next_id += 1;
    let id = c.next_id;
    c.send(json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/formatting",
        "params": {"textDocument": {"uri": rule_uri}, "options": {"tabSize": 2, "insertSpaces": true}}}));
    let answer = loop {
        let m = c.recv();
        if m["id"] == id {
            break m;
        }
        c.pending.push(m);
    };
    assert_eq!(answer["error"]["code"], -32601, "{answer}");
    // A position past the end of the text, a document never opened: no answer, no crash.
    let past = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": rule_uri}, "position": {"line": 9999, "character": 9999}}),
    );
    assert_eq!(past, Value::Null);
    let unopened = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&ws.join("nowhere.yaml"))}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(unopened, Value::Null);
    // A YAML file that is not a rule gets no rule diagnostics.
    let other_uri = uri(&ws.join("notes.yaml"));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": other_uri, "languageId": "yaml", "version": 1, "text": "title: [unclosed\n"}}),
    );
    assert_eq!(c.diagnostics(&other_uri), Vec::<Value>::new());

    // Shut down cleanly.
    let r = c.request("shutdown", Value::Null);
    assert_eq!(r, Value::Null);
    c.notify("exit", Value::Null);
    let status = c.child.wait().unwrap();
    assert!(status.success(), "{status}");
}
