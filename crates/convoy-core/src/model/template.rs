//! The tiny `{name}` templates of `convoy.json` (`rc/{release}`, `v{version}`).

/// Replaces each `{name}` in `template` by its value. Unknown names and unbalanced braces are
/// errors naming what was found and what is allowed.
pub fn render(template: &str, vars: &[(&str, &str)]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        if rest[open..].starts_with('}') {
            return Err(format!("`{template}` has a `}}` without its `{{`"));
        }
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!("`{template}` has a `{{` without its `}}`"));
        };
        let name = &after[..close];
        match vars.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => out.push_str(value),
            None => {
                let allowed: Vec<String> = vars.iter().map(|(n, _)| format!("{{{n}}}")).collect();
                return Err(format!(
                    "`{template}` uses `{{{name}}}`; the placeholders here are {}",
                    allowed.join(", ")
                ));
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders_and_refuses() {
        assert_eq!(
            render("rc/{release}", &[("release", "1.0")]).unwrap(),
            "rc/1.0"
        );
        assert_eq!(
            render(
                "v{version}-{release}",
                &[("version", "2"), ("release", "r")]
            )
            .unwrap(),
            "v2-r"
        );
        assert!(
            render("rc/{relase}", &[("release", "x")])
                .unwrap_err()
                .contains("{relase}")
        );
        assert!(render("rc/{release", &[("release", "x")]).is_err());
        assert!(render("rc/}x", &[("release", "x")]).is_err());
    }
}
