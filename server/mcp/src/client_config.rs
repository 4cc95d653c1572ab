//! `ail mcp --print-config CLIENT`: the snippet that registers `ail mcp` with an MCP client,
//! with the absolute path of this very binary, ready to paste.

use serde_json::json;
use std::path::Path;

/// The clients there is a snippet for.
pub const CLIENTS: &[&str] = &["claude", "codex", "cursor", "vscode"];

/// The snippet for `client` (one of `CLIENTS`), or an error listing them.
pub fn client_config(client: &str, exe: &Path) -> Result<String, String> {
    let exe = exe.to_string_lossy();
    let pretty = |v: serde_json::Value| serde_json::to_string_pretty(&v).unwrap_or_default();
    match client {
        "claude" => Ok(format!(
            "# Claude Code: run once in your project (add --scope user for every project)\nclaude mcp add ail -- {} mcp\n",
            shell_quote(&exe)
        )),
        "codex" => Ok(format!(
            "# Codex CLI: run once,\n#   codex mcp add ail -- {} mcp\n# or add to ~/.codex/config.toml:\n[mcp_servers.ail]\ncommand = {}\nargs = [\"mcp\"]\n",
            shell_quote(&exe),
            toml_string(&exe)
        )),
        "cursor" => Ok(format!(
            "// Cursor: .cursor/mcp.json in your project (or ~/.cursor/mcp.json)\n{}\n",
            pretty(json!({"mcpServers": {"ail": {
                "command": exe, "args": ["mcp", "--workspace", "${workspaceFolder}"]
            }}}))
        )),
        "vscode" => {
            let server = json!({
                "type": "stdio", "command": exe, "args": ["mcp", "--workspace", "${workspaceFolder}"]
            });
            let mut named = server.clone();
            named["name"] = json!("ail");
            Ok(format!(
                "// VS Code: run once, for your user profile,\n//   code --add-mcp {}\n// or put in .vscode/mcp.json of your project:\n{}\n",
                shell_quote(&named.to_string()),
                pretty(json!({"servers": {"ail": server}}))
            ))
        }
        other => Err(format!(
            "unknown client {other:?}: choose one of {}",
            CLIENTS.join(", ")
        )),
    }
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_carry_the_binary_path_and_parse() {
        let exe = Path::new("/opt/my tools/ail");
        let claude = client_config("claude", exe).unwrap_or_default();
        assert!(claude.contains("claude mcp add ail -- '/opt/my tools/ail' mcp"));
        let vscode = client_config("vscode", exe).unwrap_or_default();
        let file_part = &vscode[vscode.find("\n{").unwrap_or(0)..];
        let v: serde_json::Value = serde_json::from_str(file_part).unwrap_or_default();
        assert_eq!(v["servers"]["ail"]["command"], "/opt/my tools/ail");
        let line = vscode
            .lines()
            .find(|l| l.contains("code --add-mcp"))
            .unwrap_or("");
        let quoted = line.split_once("--add-mcp ").map_or("", |(_, q)| q);
        let added: serde_json::Value =
            serde_json::from_str(quoted.trim_matches('\'')).unwrap_or_default();
        assert_eq!(added["name"], "ail");
        assert_eq!(added["command"], "/opt/my tools/ail");
        let codex = client_config("codex", Path::new("C:\\ail\\ail.exe")).unwrap_or_default();
        assert!(codex.contains("command = \"C:\\\\ail\\\\ail.exe\""));
        assert!(codex.contains("codex mcp add ail -- 'C:\\ail\\ail.exe' mcp"));
        assert!(client_config("emacs", exe).unwrap_err().contains("claude"));
    }
}
