//! The `/convoy <command> [args]` grammar, shared by comments, `workflow_dispatch` inputs and
//! `convoy.<command>` repository dispatches.
//!
//! Grammar (words are separated by spaces or tabs):
//!
//! ```text
//! line     = "/convoy" command
//! command  = "create" { key "=" value }
//!          | "plan" | "approve" | "promote" | "validate"
//!          | "ship" [ "--now" [ reason ] ]
//!          | "retry" [ tier ]
//!          | "defer" owner "/" repo "#" number
//!          | "abort" | "rollback" | "status" | "reconcile"
//! value    = word | '"' { any character but '"' and '\', or '\"', or '\\' } '"'
//! ```
//!
//! Command names are case-insensitive. Every error is a sentence a person can act on; it quotes
//! the word at fault. Nothing here runs a shell: quotes are parsed, never interpreted.

use crate::model::config::Directive;
use crate::model::ids::{IssueRef, ReleaseId, TierName};
use crate::signal::{Command, CreateArgs};

/// The command names in the order they are listed in error messages.
pub const COMMAND_NAMES: [&str; 12] = [
    "create",
    "plan",
    "approve",
    "promote",
    "validate",
    "ship",
    "retry",
    "defer",
    "abort",
    "rollback",
    "status",
    "reconcile",
];

/// The keys `create` takes, in the order they are listed in error messages.
pub const CREATE_KEYS: [&str; 6] = [
    "version",
    "title",
    "directive",
    "tasks",
    "carry_over",
    "sprints",
];

/// The word a ChatOps line starts with.
pub const PREFIX: &str = "/convoy";

/// Longest title `create` takes (the tracking issue shows at most this much of it).
pub const TITLE_MAX: usize = 200;

/// Longest word quoted back in an error message, so a hostile comment cannot flood a reply.
const SHOWN_MAX: usize = 60;

/// Quotes `s` for an error message: at most [`SHOWN_MAX`] characters, control characters
/// replaced, wrapped in backticks (a backtick inside becomes `'`).
fn shown(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(SHOWN_MAX)
        .map(|c| match c {
            '`' => '\'',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect();
    if s.chars().count() > SHOWN_MAX {
        out.push('…');
    }
    format!("`{out}`")
}

/// Whether `line` (after leading spaces) is a `/convoy` line: the prefix followed by a space, a
/// tab or the end of the line (`/convoyx` is not one).
pub fn is_command_line(line: &str) -> bool {
    line.trim_start()
        .strip_prefix(PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// The `/convoy` lines of a comment body, in order, with leading spaces removed.
///
/// Lines inside fenced code blocks (```` ``` ```` or `~~~`) are skipped: a comment that quotes
/// the documentation runs nothing. A line quoted with `>` does not start with `/convoy` and is
/// skipped too.
pub fn command_lines(body: &str) -> Vec<&str> {
    let mut fence: Option<&str> = None;
    let mut lines = Vec::new();
    for line in body.lines() {
        let trimmed = line.trim_start();
        if let Some(open) = fence {
            if trimmed.starts_with(open) {
                fence = None;
            }
            continue;
        }
        if trimmed.starts_with("```") {
            fence = Some("```");
        } else if trimmed.starts_with("~~~") {
            fence = Some("~~~");
        } else if is_command_line(trimmed) {
            lines.push(trimmed.trim_end());
        }
    }
    lines
}

/// Parses one `/convoy <command> [args]` line (leading and trailing spaces allowed).
///
/// The error is a message for the person who wrote the line, e.g. ``unknown command `aprove`;
/// expected one of create, plan, …``.
pub fn parse_command_line(line: &str) -> Result<Command, String> {
    let line = line.trim();
    let Some(rest) = line.strip_prefix(PREFIX) else {
        return Err(format!(
            "{} is not a convoy command: a command line starts with `{PREFIX}`",
            shown(line)
        ));
    };
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return Err(format!(
            "{} is not a convoy command: write `{PREFIX} <command>`, with a space after `{PREFIX}`",
            shown(line)
        ));
    }
    let rest = rest.trim_start();
    let (name, args) = match rest.split_once([' ', '\t']) {
        Some((name, args)) => (name, args.trim()),
        None => (rest, ""),
    };
    if name.is_empty() {
        return Err(format!(
            "`{PREFIX}` needs a command; expected one of {}",
            COMMAND_NAMES.join(", ")
        ));
    }
    parse_command(name, args)
}

/// The message for a command name convoy does not know.
pub fn unknown_command(name: &str) -> String {
    format!(
        "unknown command {}; expected one of {}",
        shown(name),
        COMMAND_NAMES.join(", ")
    )
}

/// Parses a command from its name and its arguments (the rest of the line).
///
/// Used for `/convoy` lines, the `command`/`args` inputs of `workflow_dispatch` and the
/// `convoy.<command>` repository dispatches. An unknown name gives [`unknown_command`]'s message.
pub fn parse_command(name: &str, args: &str) -> Result<Command, String> {
    let lower = name.to_ascii_lowercase();
    let args = args.trim();
    let words: Vec<&str> = args.split_whitespace().collect();
    let no_args = |command: Command| {
        if words.is_empty() {
            Ok(command)
        } else {
            Err(format!("`{lower}` takes no arguments; got {}", shown(args)))
        }
    };
    match lower.as_str() {
        "create" => parse_create_args(args).map(Command::Create),
        "plan" => no_args(Command::Plan),
        "approve" => no_args(Command::Approve),
        "promote" => no_args(Command::Promote),
        "validate" => no_args(Command::Validate),
        "ship" => parse_ship(args),
        "abort" => no_args(Command::Abort),
        "rollback" => no_args(Command::Rollback),
        "status" => no_args(Command::Status),
        "reconcile" => no_args(Command::Reconcile),
        "retry" => match words.as_slice() {
            [] => Ok(Command::Retry { tier: None }),
            [tier] => TierName::parse(tier)
                .map(|tier| Command::Retry { tier: Some(tier) })
                .map_err(|e| format!("`retry` takes a tier name: {e}")),
            _ => Err(format!(
                "`retry` takes at most one tier name; got {}",
                shown(args)
            )),
        },
        "defer" => match words.as_slice() {
            [task] => IssueRef::parse(task)
                .map(|task| Command::Defer { task })
                .map_err(|e| format!("`defer` takes the task's issue, like `acme/api#12`: {e}")),
            [] => Err("`defer` needs the task's issue, like `acme/api#12`".to_owned()),
            _ => Err(format!(
                "`defer` takes exactly one issue, like `acme/api#12`; got {}",
                shown(args)
            )),
        },
        _ => Err(unknown_command(name)),
    }
}

/// The flag that ships at once.
const NOW: &str = "--now";

/// Longest reason `ship --now` keeps (the rest is cut).
pub const REASON_MAX: usize = 200;

/// `ship`, or `ship --now [reason]`: the reason is the rest of the line, as written.
fn parse_ship(args: &str) -> Result<Command, String> {
    if args.is_empty() {
        return Ok(Command::Ship);
    }
    let (first, rest) = match args.split_once([' ', '\t']) {
        Some((first, rest)) => (first, rest.trim()),
        None => (args, ""),
    };
    if first.eq_ignore_ascii_case(NOW) {
        let reason: String = rest
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(REASON_MAX)
            .collect();
        let reason = reason.trim();
        return Ok(Command::ShipNow {
            reason: (!reason.is_empty()).then(|| reason.to_owned()),
        });
    }
    let near = first
        .trim_start_matches(['-', '—', '–'])
        .eq_ignore_ascii_case("now");
    let hint = if near {
        format!("; did you mean `{NOW}`?")
    } else {
        String::new()
    };
    Err(format!(
        "`ship` takes nothing, or `{NOW}` and a reason (`/convoy ship --now the fix cannot wait`); got {}{hint}",
        shown(args)
    ))
}

/// One `key=value` pair of the `create` arguments, with its value unquoted.
#[derive(Debug, PartialEq, Eq)]
struct Pair<'a> {
    key: &'a str,
    value: String,
    /// The pair as written, for error messages.
    raw: &'a str,
}

/// Splits `args` into `key=value` pairs. Values may be double-quoted; inside quotes `\"` is a
/// quote and `\\` a backslash (any other backslash is kept as written).
fn tokenize(args: &str) -> Result<Vec<Pair<'_>>, String> {
    let mut pairs = Vec::new();
    let mut rest = args.trim_start();
    while !rest.is_empty() {
        let start = rest;
        let key_end = rest
            .find(|c: char| c == '=' || c.is_whitespace() || c == '"')
            .unwrap_or(rest.len());
        let key = &rest[..key_end];
        rest = &rest[key_end..];
        let Some(after_eq) = rest.strip_prefix('=') else {
            let word_end = start.find(char::is_whitespace).unwrap_or(start.len());
            if let Some(previous) = pairs.last().filter(|p: &&Pair<'_>| p.raw.ends_with(',')) {
                return Err(format!(
                    "{} follows {}: write a list without spaces, like \
                     `tasks=acme/api#1,acme/web#2`, or quote it",
                    shown(&start[..word_end]),
                    shown(previous.raw)
                ));
            }
            // A value with a space, not quoted: `title=Winter release`, `sprints=Sprint 42`.
            if let Some(previous) = pairs
                .last()
                .filter(|p| matches!(p.key, "title" | "sprints"))
            {
                return Err(format!(
                    "{} follows {}: a value that holds spaces must be quoted, like {}",
                    shown(&start[..word_end]),
                    shown(previous.raw),
                    shown(&format!("{}=\"{} …\"", previous.key, previous.value))
                ));
            }
            return Err(format!(
                "{} is not a `key=value` pair; write for example `version=1.4.0`",
                shown(&start[..word_end])
            ));
        };
        if key.is_empty() {
            let word_end = start.find(char::is_whitespace).unwrap_or(start.len());
            return Err(format!(
                "{} has no key before `=`; expected one of {}",
                shown(&start[..word_end]),
                CREATE_KEYS.join(", ")
            ));
        }
        rest = after_eq;
        let mut value = String::new();
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut chars = quoted.char_indices();
            let mut closed_at = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        closed_at = Some(i + 1);
                        break;
                    }
                    '\\' => match chars.next() {
                        Some((_, '"')) => value.push('"'),
                        Some((_, '\\')) => value.push('\\'),
                        Some((_, other)) => {
                            value.push('\\');
                            value.push(other);
                        }
                        None => value.push('\\'),
                    },
                    c => value.push(c),
                }
            }
            let Some(end) = closed_at else {
                return Err(format!(
                    "the quote opened in {} is never closed; end the value with `\"`",
                    shown(start)
                ));
            };
            rest = &quoted[end..];
            if rest.starts_with(|c: char| !c.is_whitespace()) {
                let word_end = start.find(char::is_whitespace).unwrap_or(start.len());
                return Err(format!(
                    "{} has text right after its closing quote; put a space between pairs",
                    shown(&start[..word_end])
                ));
            }
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let word = &rest[..end];
            if word.contains('"') {
                return Err(format!(
                    "{} has a quote inside its value; quote the whole value, like {}",
                    shown(&start[..key.len() + 1 + end]),
                    shown(&format!("{key}=\"…\""))
                ));
            }
            value.push_str(word);
            rest = &rest[end..];
        }
        let raw_len = start.len() - rest.len();
        pairs.push(Pair {
            key,
            value,
            raw: &start[..raw_len],
        });
        rest = rest.trim_start();
    }
    Ok(pairs)
}

/// Parses the arguments of `create`: `key=value` pairs separated by spaces, values optionally
/// double-quoted (`title="Winter release"`, `\"` for a quote inside).
///
/// Keys: `version` (a tag name), `title`, `directive` (`careful`, `auto` or `quick`), `tasks`
/// (comma-separated `owner/repo#N`), `carry_over` (a release id), `sprints` (comma-separated
/// milestone titles, quoted when they hold spaces: `sprints="Sprint 42,Sprint 43"`; they replace
/// the config's `sprints` for this release). Each key at most once; an empty string gives the
/// defaults.
pub fn parse_create_args(args: &str) -> Result<CreateArgs, String> {
    let mut out = CreateArgs::default();
    let mut seen: Vec<&str> = Vec::new();
    for pair in tokenize(args)? {
        let key = pair.key;
        if !CREATE_KEYS.contains(&key) {
            return Err(format!(
                "unknown key {} in {}; expected one of {}",
                shown(key),
                shown(pair.raw),
                CREATE_KEYS.join(", ")
            ));
        }
        if seen.contains(&key) {
            return Err(format!("key `{key}` is given twice; keep one"));
        }
        seen.push(key);
        let value = pair.value.as_str();
        if value.trim().is_empty() {
            return Err(format!(
                "`{key}` needs a value; write it as `{key}=…` without spaces around `=`"
            ));
        }
        let bad = |reason: String| format!("{} is not valid: {reason}", shown(pair.raw));
        match key {
            "version" => {
                crate::model::ids::BranchName::parse(value).map_err(|e| {
                    bad(format!("a version must be a valid tag name; {}", e.reason))
                })?;
                out.version = Some(value.to_owned());
            }
            "title" => {
                if value.chars().any(char::is_control) {
                    return Err(bad("a title cannot hold control characters".to_owned()));
                }
                if value.trim().chars().count() > TITLE_MAX {
                    return Err(bad(format!(
                        "a title has at most {TITLE_MAX} characters; shorten it"
                    )));
                }
                out.title = Some(value.trim().to_owned());
            }
            "directive" => {
                out.directive = Some(match value {
                    "careful" => Directive::Careful,
                    "auto" => Directive::Auto,
                    "quick" => Directive::Quick,
                    _ => return Err(bad("expected careful, auto or quick".to_owned())),
                });
            }
            "tasks" => {
                for task in value.split(',').map(str::trim) {
                    if task.is_empty() {
                        return Err(bad("an empty task; write the list like \
                             `tasks=acme/api#1,acme/web#2`, without spaces (or quote it)"
                            .to_owned()));
                    }
                    let task = IssueRef::parse(task).map_err(|e| bad(e.to_string()))?;
                    if !out.tasks.contains(&task) {
                        out.tasks.push(task);
                    }
                }
            }
            "carry_over" => {
                out.carry_over = Some(ReleaseId::parse(value).map_err(|e| bad(e.to_string()))?);
            }
            "sprints" => out.sprints = Some(parse_sprints(value).map_err(bad)?),
            _ => {}
        }
    }
    Ok(out)
}

/// Most sprints one `create` takes.
pub const SPRINTS_MAX: usize = 20;

/// Longest sprint name `create` takes (a milestone title).
pub const SPRINT_NAME_MAX: usize = 255;

/// The milestone titles of `sprints=…`, comma-separated, each trimmed: none empty, none twice,
/// no control characters, at most [`SPRINTS_MAX`] of at most [`SPRINT_NAME_MAX`] characters.
/// The error says what is wrong with which name.
fn parse_sprints(value: &str) -> Result<Vec<String>, String> {
    const LIKE: &str = "write the list like `sprints=\"Sprint 42,Sprint 43\"`";
    let mut out: Vec<String> = Vec::new();
    for (i, name) in value.split(',').map(str::trim).enumerate() {
        if name.is_empty() {
            return Err(format!(
                "sprint {} is empty; {LIKE}, with no empty name between commas",
                i + 1
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(format!(
                "sprint {} cannot hold control characters",
                shown(name)
            ));
        }
        if name.chars().count() > SPRINT_NAME_MAX {
            return Err(format!(
                "sprint {} is longer than {SPRINT_NAME_MAX} characters; a sprint is a milestone title",
                shown(name)
            ));
        }
        if out.iter().any(|s| s == name) {
            return Err(format!("sprint {} is listed twice; keep one", shown(name)));
        }
        out.push(name.to_owned());
    }
    if out.len() > SPRINTS_MAX {
        return Err(format!(
            "{} sprints are listed; a release takes at most {SPRINTS_MAX}",
            out.len()
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_unquotes_and_keeps_raw_text() {
        let pairs = tokenize(r#"  a=1   b="x y"  c="q\"t\\" "#).unwrap();
        let got: Vec<_> = pairs
            .iter()
            .map(|p| (p.key, p.value.as_str(), p.raw))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a", "1", "a=1"),
                ("b", "x y", r#"b="x y""#),
                ("c", r#"q"t\"#, r#"c="q\"t\\""#),
            ]
        );
        assert!(tokenize("").unwrap().is_empty());
    }

    #[test]
    fn command_lines_skip_code_blocks_and_quotes() {
        let body =
            "hi\n  /convoy approve\n```\n/convoy abort\n```\n> /convoy ship\n/convoyx\n/convoy";
        assert_eq!(command_lines(body), vec!["/convoy approve", "/convoy"]);
    }
}
