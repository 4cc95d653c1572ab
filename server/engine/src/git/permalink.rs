//! Permalinks: a URL to a line range at the HEAD commit, in the shape of the host of the
//! repository's remote (GitHub, GitLab, Bitbucket, Gitea/Codeberg/Forgejo, Azure DevOps, or a
//! configured template).

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::repo::GitRepo;

/// The URL shape a host uses for a file at a commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RemoteKind {
    /// `/blob/<sha>/<path>#L31-L58` (github.com and GitHub Enterprise).
    GitHub,
    /// `/-/blob/<sha>/<path>#L31-58`.
    GitLab,
    /// `/src/<sha>/<path>#lines-31:58`.
    Bitbucket,
    /// `/src/commit/<sha>/<path>#L31-L58` (Gitea, Codeberg, Forgejo).
    Gitea,
    /// `?path=/<path>&version=GC<sha>&line=31&lineEnd=58&...`.
    AzureDevOps,
    /// [`PermalinkSettings::template`].
    Template,
}

/// How to make permalinks for hosts that cannot be recognised by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermalinkSettings {
    /// Host name (lowercase, as in the remote URL, without port) -> kind, for self-hosted
    /// servers: `{"git.example.com": GitLab}`. Checked before the built-in names.
    pub host_kinds: HashMap<String, RemoteKind>,
    /// For hosts of no known kind: `{base}/{sha}/{path}#L{start}-L{end}`, where `{base}` is
    /// `https://host/owner/repo`, `{start}`/`{end}` are 1-based inclusive lines; `{host}` and
    /// `{repo}` (`owner/repo`) are also replaced.
    pub template: Option<String>,
}

/// A remote URL reduced to what a web link needs; credentials, `.git` and ssh ports dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteUrl {
    /// `https`, or `http` when the remote itself is plain http.
    pub scheme: String,
    /// Lowercase host name.
    pub host: String,
    /// Kept only from http(s) remotes: an ssh port is not the web server's.
    pub port: Option<u16>,
    /// `owner/repo` (or deeper, for GitLab subgroups and Azure DevOps), no slashes at the ends.
    pub path: String,
}

impl RemoteUrl {
    /// Parse `https://[user[:token]@]host[:port]/owner/repo(.git)`, `git@host:owner/repo(.git)`,
    /// `ssh://git@host[:port]/owner/repo(.git)` and `git://host/owner/repo`. Azure DevOps ssh
    /// forms (`git@ssh.dev.azure.com:v3/org/project/repo`) become their web form. Local paths
    /// and `file://` give None.
    pub fn parse(url: &str) -> Option<RemoteUrl> {
        let url = url.trim();
        let url = url.split(['?', '#']).next().unwrap_or(url);
        let (scheme, authority, path) = if let Some((scheme, rest)) = url.split_once("://") {
            let scheme = scheme.to_ascii_lowercase();
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            (scheme, authority, path)
        } else {
            // scp-like `[user@]host:path`; a ':' after a '/' (or none) means a local path.
            let colon = url.find(':')?;
            if url[..colon].contains('/') || colon < 2 {
                return None;
            }
            ("ssh".to_string(), &url[..colon], &url[colon + 1..])
        };
        let web_scheme = match scheme.as_str() {
            "https" => "https",
            "http" => "http",
            "ssh" | "git+ssh" | "ssh+git" | "git" => "https",
            _ => return None,
        };
        // Credentials never leave: drop everything up to the last '@' of the authority.
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = split_port(host_port);
        let host = host.to_ascii_lowercase();
        if host.is_empty() {
            return None;
        }
        let port = if web_scheme == scheme { port } else { None };
        let path = path.trim_matches('/');
        let path = path
            .strip_suffix(".git")
            .unwrap_or(path)
            .trim_end_matches('/');
        if path.is_empty() {
            return None;
        }
        let mut remote = RemoteUrl {
            scheme: web_scheme.to_string(),
            host,
            port,
            path: path.to_string(),
        };
        remote.azure_ssh_to_web();
        Some(remote)
    }

    /// `scheme://host[:port]/path`.
    pub fn base(&self) -> String {
        match self.port {
            Some(port) => format!("{}://{}:{}/{}", self.scheme, self.host, port, self.path),
            None => format!("{}://{}/{}", self.scheme, self.host, self.path),
        }
    }

    /// The kind of host: the settings first, then well-known names, then the template if one
    /// is set.
    pub fn kind(&self, settings: &PermalinkSettings) -> Option<RemoteKind> {
        if let Some(kind) = settings.host_kinds.iter().find_map(|(host, kind)| {
            let host = host.trim().to_ascii_lowercase();
            let with_port = self.port.map(|p| format!("{}:{p}", self.host));
            (host == self.host || Some(&host) == with_port.as_ref()).then_some(*kind)
        }) {
            return Some(kind);
        }
        let h = self.host.as_str();
        let starts = |p: &str| h.starts_with(p);
        let kind = if h == "github.com" || h.ends_with(".ghe.com") || starts("github.") {
            Some(RemoteKind::GitHub)
        } else if h == "gitlab.com" || starts("gitlab.") {
            Some(RemoteKind::GitLab)
        } else if h == "bitbucket.org" {
            Some(RemoteKind::Bitbucket)
        } else if h == "codeberg.org"
            || h == "gitea.com"
            || starts("gitea.")
            || starts("forgejo.")
            || starts("codeberg.")
        {
            Some(RemoteKind::Gitea)
        } else if h == "dev.azure.com" || h.ends_with(".visualstudio.com") {
            Some(RemoteKind::AzureDevOps)
        } else {
            None
        };
        kind.or_else(|| settings.template.as_ref().map(|_| RemoteKind::Template))
    }

    /// The URL of lines `start_line..end_line` (0-based, end exclusive) of `repo_path` at
    /// commit `sha`. None for [`RemoteKind::Template`] without a template.
    pub fn link(
        &self,
        kind: RemoteKind,
        template: Option<&str>,
        sha: &str,
        repo_path: &str,
        start_line: u32,
        end_line: u32,
    ) -> Option<String> {
        let first = start_line.saturating_add(1);
        let last = end_line.max(first);
        let single = first == last;
        let base = self.base();
        let path = encode_path(repo_path);
        Some(match kind {
            RemoteKind::GitHub if single => format!("{base}/blob/{sha}/{path}#L{first}"),
            RemoteKind::GitHub => format!("{base}/blob/{sha}/{path}#L{first}-L{last}"),
            RemoteKind::GitLab if single => format!("{base}/-/blob/{sha}/{path}#L{first}"),
            RemoteKind::GitLab => format!("{base}/-/blob/{sha}/{path}#L{first}-{last}"),
            RemoteKind::Bitbucket if single => format!("{base}/src/{sha}/{path}#lines-{first}"),
            RemoteKind::Bitbucket => format!("{base}/src/{sha}/{path}#lines-{first}:{last}"),
            RemoteKind::Gitea if single => format!("{base}/src/commit/{sha}/{path}#L{first}"),
            RemoteKind::Gitea => format!("{base}/src/commit/{sha}/{path}#L{first}-L{last}"),
            RemoteKind::AzureDevOps => format!(
                "{base}?path=/{path}&version=GC{sha}&line={first}&lineEnd={last}\
                 &lineStartColumn=1&lineEndColumn=1"
            ),
            RemoteKind::Template => template?
                .replace("{base}", &base)
                .replace("{host}", &self.host)
                .replace("{repo}", &self.path)
                .replace("{sha}", sha)
                .replace("{path}", &path)
                .replace("{start}", &first.to_string())
                .replace("{end}", &last.to_string()),
        })
    }

    /// Azure DevOps ssh remotes (`ssh.dev.azure.com:v3/org/project/repo`,
    /// `vs-ssh.visualstudio.com:v3/org/project/repo`) name the repository differently from
    /// its web page (`dev.azure.com/org/project/_git/repo`).
    fn azure_ssh_to_web(&mut self) {
        if self.host != "ssh.dev.azure.com" && self.host != "vs-ssh.visualstudio.com" {
            return;
        }
        let parts: Vec<&str> = self.path.split('/').collect();
        if let ["v3", org, project, repo] = parts.as_slice() {
            self.path = format!("{org}/{project}/_git/{repo}");
            self.host = "dev.azure.com".to_string();
            self.port = None;
        }
    }
}

/// Links to line ranges of the workspace's files at HEAD.
#[derive(Clone, Debug)]
pub struct Permalinker {
    repo: GitRepo,
    remote: RemoteUrl,
    kind: RemoteKind,
    template: Option<String>,
}

impl Permalinker {
    /// From the `origin` remote (else the first remote). None when there is no remote, its URL
    /// is local, or its host is of no known kind and no template is set.
    pub fn from_repo(repo: &GitRepo, settings: &PermalinkSettings) -> Option<Permalinker> {
        let url = repo.remote_url()?;
        let remote = RemoteUrl::parse(&url)?;
        let kind = remote.kind(settings)?;
        Some(Permalinker {
            repo: repo.clone(),
            remote,
            kind,
            template: settings.template.clone(),
        })
    }

    pub fn kind(&self) -> RemoteKind {
        self.kind
    }

    pub fn remote(&self) -> &RemoteUrl {
        &self.remote
    }

    /// The permalink of lines `start_line..end_line` (0-based, end exclusive) of a workspace
    /// file at the HEAD commit. None when the file is untracked or differs from HEAD (the
    /// link would show other lines); the caller then links the local file.
    pub fn permalink(&self, path: &str, start_line: u32, end_line: u32) -> Option<String> {
        if !self.repo.is_unchanged_since_head(path) {
            return None;
        }
        let sha = self.repo.head_sha().ok()?;
        self.remote.link(
            self.kind,
            self.template.as_deref(),
            &sha,
            &self.repo.repo_path(path),
            start_line,
            end_line,
        )
    }

    /// Whether a workspace file's content is the same as in HEAD.
    pub fn is_unchanged_since_head(&self, path: &str) -> bool {
        self.repo.is_unchanged_since_head(path)
    }
}

fn split_port(host_port: &str) -> (&str, Option<u16>) {
    // An IPv6 literal keeps its colons inside brackets.
    if let Some(end) = host_port.find(']') {
        let (host, rest) = host_port.split_at(end + 1);
        return (host, rest.strip_prefix(':').and_then(|p| p.parse().ok()));
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()),
        None => (host_port, None),
    }
}

/// Percent-encode each segment of a path, keeping the '/' between them. Only RFC 3986's
/// unreserved characters stay as they are, so the result is safe in a path and in a query.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    fn parsed(url: &str) -> RemoteUrl {
        match RemoteUrl::parse(url) {
            Some(r) => r,
            None => panic!("{url} did not parse"),
        }
    }

    fn link_of(url: &str, start: u32, end: u32) -> Option<String> {
        let settings = PermalinkSettings::default();
        let remote = parsed(url);
        let kind = remote.kind(&settings)?;
        remote.link(kind, None, SHA, "src/cache.rs", start, end)
    }

    #[test]
    fn remote_forms_reduce_to_the_same_base() {
        for url in [
            "https://github.com/owner/repo.git",
            "https://github.com/owner/repo",
            "https://github.com/owner/repo/",
            "git@github.com:owner/repo.git",
            "github.com:owner/repo",
            "ssh://git@github.com/owner/repo.git",
            "ssh://git@github.com:22/owner/repo.git",
            "git://github.com/owner/repo.git",
            "https://user:s3cret-token@github.com/owner/repo.git",
            "https://x-access-token:ghp_abc@GitHub.com/owner/repo.git",
            "  https://github.com/owner/repo.git\n",
        ] {
            let remote = parsed(url);
            assert_eq!(remote.base(), "https://github.com/owner/repo", "from {url}");
            assert!(!remote.base().contains("s3cret"));
        }
    }

    #[test]
    fn credentials_are_stripped() {
        let remote = parsed("https://oauth2:glpat-XYZ@gitlab.com/group/sub/proj.git");
        assert_eq!(remote.base(), "https://gitlab.com/group/sub/proj");
        let remote = parsed("https://me@bitbucket.org/team/repo.git");
        assert_eq!(remote.base(), "https://bitbucket.org/team/repo");
    }

    #[test]
    fn http_ports_are_kept_and_ssh_ports_dropped() {
        assert_eq!(
            parsed("https://git.corp:8443/a/b.git").base(),
            "https://git.corp:8443/a/b"
        );
        assert_eq!(parsed("http://git.corp/a/b").base(), "http://git.corp/a/b");
        assert_eq!(
            parsed("ssh://git@git.corp:2222/a/b.git").base(),
            "https://git.corp/a/b"
        );
    }

    #[test]
    fn local_remotes_give_none() {
        for url in [
            "/srv/git/repo.git",
            "../repo",
            "file:///srv/git/repo.git",
            "C:\\repos\\x",
            "",
        ] {
            assert_eq!(RemoteUrl::parse(url), None, "{url}");
        }
    }

    #[test]
    fn github_shapes() {
        assert_eq!(
            link_of("git@github.com:owner/repo.git", 30, 58).as_deref(),
            Some(format!("https://github.com/owner/repo/blob/{SHA}/src/cache.rs#L31-L58").as_str())
        );
        assert_eq!(
            link_of("git@github.com:owner/repo.git", 30, 31).as_deref(),
            Some(format!("https://github.com/owner/repo/blob/{SHA}/src/cache.rs#L31").as_str())
        );
    }

    #[test]
    fn gitlab_bitbucket_gitea_shapes() {
        assert_eq!(
            link_of("https://gitlab.com/group/sub/proj.git", 30, 58).unwrap(),
            format!("https://gitlab.com/group/sub/proj/-/blob/{SHA}/src/cache.rs#L31-58")
        );
        assert_eq!(
            link_of("git@gitlab.com:g/p.git", 4, 5).unwrap(),
            format!("https://gitlab.com/g/p/-/blob/{SHA}/src/cache.rs#L5")
        );
        assert_eq!(
            link_of("git@bitbucket.org:team/repo.git", 30, 58).unwrap(),
            format!("https://bitbucket.org/team/repo/src/{SHA}/src/cache.rs#lines-31:58")
        );
        assert_eq!(
            link_of("git@bitbucket.org:team/repo.git", 30, 31).unwrap(),
            format!("https://bitbucket.org/team/repo/src/{SHA}/src/cache.rs#lines-31")
        );
        for host in [
            "codeberg.org",
            "gitea.com",
            "gitea.example.org",
            "forgejo.example.org",
        ] {
            assert_eq!(
                link_of(&format!("https://{host}/o/r.git"), 30, 58).unwrap(),
                format!("https://{host}/o/r/src/commit/{SHA}/src/cache.rs#L31-L58")
            );
        }
    }

    #[test]
    fn azure_devops_shapes() {
        let want = format!(
            "https://dev.azure.com/org/proj/_git/repo?path=/src/cache.rs&version=GC{SHA}\
             &line=31&lineEnd=58&lineStartColumn=1&lineEndColumn=1"
        );
        for url in [
            "https://dev.azure.com/org/proj/_git/repo",
            "https://org@dev.azure.com/org/proj/_git/repo",
            "git@ssh.dev.azure.com:v3/org/proj/repo",
            "ssh://git@ssh.dev.azure.com/v3/org/proj/repo",
            "org@vs-ssh.visualstudio.com:v3/org/proj/repo",
        ] {
            assert_eq!(
                link_of(url, 30, 58).as_deref(),
                Some(want.as_str()),
                "from {url}"
            );
        }
        assert_eq!(
            link_of("https://org.visualstudio.com/proj/_git/repo", 30, 58).unwrap(),
            format!(
                "https://org.visualstudio.com/proj/_git/repo?path=/src/cache.rs&version=GC{SHA}\
                 &line=31&lineEnd=58&lineStartColumn=1&lineEndColumn=1"
            )
        );
    }

    #[test]
    fn self_hosted_hosts_use_settings_then_template() {
        let remote = parsed("git@git.corp.example:team/app.git");
        assert_eq!(remote.kind(&PermalinkSettings::default()), None);

        let mut settings = PermalinkSettings::default();
        settings
            .host_kinds
            .insert("git.corp.example".into(), RemoteKind::GitLab);
        assert_eq!(remote.kind(&settings), Some(RemoteKind::GitLab));

        let settings = PermalinkSettings {
            template: Some("{base}/{sha}/{path}#L{start}-L{end}".into()),
            ..PermalinkSettings::default()
        };
        let kind = remote.kind(&settings).unwrap();
        assert_eq!(kind, RemoteKind::Template);
        assert_eq!(
            remote
                .link(kind, settings.template.as_deref(), SHA, "a b/ü.rs", 0, 3)
                .unwrap(),
            format!("https://git.corp.example/team/app/{SHA}/a%20b/%C3%BC.rs#L1-L3")
        );
        // A GitHub Enterprise host named in the settings.
        let mut settings = PermalinkSettings::default();
        settings
            .host_kinds
            .insert("code.corp".into(), RemoteKind::GitHub);
        let ghe = parsed("https://code.corp/o/r.git");
        assert_eq!(ghe.kind(&settings), Some(RemoteKind::GitHub));
    }

    #[test]
    fn paths_are_percent_encoded() {
        let remote = parsed("https://github.com/o/r");
        let url = remote
            .link(RemoteKind::GitHub, None, SHA, "docs/my file#1?.md", 0, 2)
            .unwrap();
        assert_eq!(
            url,
            format!("https://github.com/o/r/blob/{SHA}/docs/my%20file%231%3F.md#L1-L2")
        );
        let url = remote
            .link(RemoteKind::AzureDevOps, None, SHA, "a&b/c=d.rs", 0, 1)
            .unwrap();
        assert!(url.contains("path=/a%26b/c%3Dd.rs&"), "{url}");
    }
}
