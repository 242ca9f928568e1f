//! Near-miss suggestions: `depend_on` → `depends_on`.

/// The candidate closest to `word` by edit distance, when one is close enough to be a typo: none
/// for words of one or two characters, at most one edit up to four, two up to eight, three
/// beyond. Letter case
/// does not count as an edit. Ties go to the first candidate; an exact match is no suggestion.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    let len = word_lower.chars().count();
    let limit = match len {
        0..=2 => return None,
        3..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == word {
            return None;
        }
        let d = distance(&word_lower, &candidate.to_lowercase());
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and transpositions
/// of two neighbours each count one.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: the distance between a[..i] and b[..j]; three rows suffice.
    let mut before = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::{did_you_mean, distance};

    const REPO_FIELDS: [&str; 4] = ["name", "base", "staging", "depends_on"];

    #[test]
    fn distances() {
        assert_eq!(distance("depend_on", "depends_on"), 1);
        assert_eq!(distance("stagnig", "staging"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn near_misses_are_suggested_and_far_ones_not() {
        assert_eq!(did_you_mean("depend_on", REPO_FIELDS), Some("depends_on"));
        assert_eq!(did_you_mean("Depends_On", REPO_FIELDS), Some("depends_on"));
        assert_eq!(did_you_mean("stagign", REPO_FIELDS), Some("staging"));
        assert_eq!(did_you_mean("nmae", REPO_FIELDS), Some("name"));
        assert_eq!(did_you_mean("colour", REPO_FIELDS), None);
        assert_eq!(did_you_mean("x", REPO_FIELDS), None);
        assert_eq!(did_you_mean("", REPO_FIELDS), None);
        assert_eq!(did_you_mean("name", REPO_FIELDS), None);
    }
}
