//! Validation of names that reach git's argv or index: ref names and file paths.

/// Whether `name` (e.g. `refs/heads/rc/r1`, or a branch name) is a valid git ref name, by the
/// rules of `git check-ref-format`, and no component starts with `-` (so no name can ever read
/// as an option, e.g. `--upload-pack=…`, wherever it reaches git's argv).
pub fn valid_ref_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.ends_with('/')
        && !name.ends_with('.')
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && name != "@"
        && !name
            .chars()
            .any(|c| c.is_ascii_control() || " ~^:?*[\\".contains(c))
        && name.split('/').all(|part| {
            !part.starts_with('.') && !part.starts_with('-') && !part.ends_with(".lock")
        })
}

/// Whether `path` is a valid file path inside a repository: relative, no empty, `.`, `..` or
/// `.git` components, no control characters (a newline or tab would forge a line of the
/// `update-index --index-info` input).
pub fn valid_path(path: &str) -> bool {
    !path.is_empty()
        && !path.chars().any(char::is_control)
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != ".." && part != ".git")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_names() {
        for ok in ["refs/heads/main", "rc/r1", "refs/tags/v1.0.0", "feat/x-y_z"] {
            assert!(valid_ref_name(ok), "{ok}");
        }
        for bad in [
            "",
            "a..b",
            "a b",
            "a/",
            "/a",
            "a.lock",
            "a/.b",
            "a~1",
            "a^",
            "a:b",
            "a@{1}",
            "a//b",
            "x.",
            "-x",
            "refs/heads/-x",
            "--upload-pack=touch /tmp/x",
            "a\nb",
        ] {
            assert!(!valid_ref_name(bad), "{bad}");
        }
        assert!(valid_path("src/lib.rs") && valid_path(".github/workflows/e2e.yml"));
        for bad in [
            "",
            "/abs",
            "a//b",
            "../x",
            "a/./b",
            ".git/config",
            "a/",
            "a\n100644 x\tb",
            "a\tb",
        ] {
            assert!(!valid_path(bad), "{bad}");
        }
    }
}
