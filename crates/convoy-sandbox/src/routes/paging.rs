//! Pagination as GitHub does it: `page`/`per_page` (default 30, at most 100) and a `Link`
//! header with `next`, `last`, `first` and `prev`, which octocrab follows.

use axum::http::{HeaderValue, Uri, header::LINK};
use axum::response::Response;
use serde::Deserialize;

/// `page`/`per_page` of a list that takes no other filter.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// Items per page (default 30, at most 100).
    pub per_page: Option<usize>,
    /// The page, from 1.
    pub page: Option<usize>,
}

/// One page of items and the `Link` header to send with it.
pub struct Paged<T> {
    /// The items of the requested page.
    pub items: Vec<T>,
    /// How many items all pages hold.
    pub total: usize,
    link: Option<HeaderValue>,
}

impl<T> Paged<T> {
    /// Adds the `Link` header to a response.
    pub fn link(&self, mut resp: Response) -> Response {
        if let Some(l) = &self.link {
            resp.headers_mut().insert(LINK, l.clone());
        }
        resp
    }
}

/// Cuts `all` to the page asked for by `page`/`per_page`, linking the others.
pub fn paginate<T>(
    all: Vec<T>,
    page: Option<usize>,
    per_page: Option<usize>,
    base: &str,
    uri: &Uri,
) -> Paged<T> {
    let per_page = per_page.unwrap_or(30).clamp(1, 100);
    let page = page.unwrap_or(1).max(1);
    let total = all.len();
    let last = total.div_ceil(per_page).max(1);
    let items: Vec<T> = all
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let kept: Vec<&str> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("page=") && !p.starts_with("per_page="))
        .collect();
    let url = |p: usize| {
        let mut q = kept.join("&");
        if !q.is_empty() {
            q.push('&');
        }
        format!("<{base}{}?{q}per_page={per_page}&page={p}>", uri.path())
    };
    let mut rels = Vec::new();
    if page < last {
        rels.push(format!("{}; rel=\"next\"", url(page + 1)));
        rels.push(format!("{}; rel=\"last\"", url(last)));
    }
    if page > 1 {
        rels.push(format!("{}; rel=\"first\"", url(1)));
        rels.push(format!("{}; rel=\"prev\"", url(page - 1)));
    }
    let link = (!rels.is_empty())
        .then(|| rels.join(", "))
        .and_then(|l| HeaderValue::from_str(&l).ok());
    Paged { items, total, link }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_pages() {
        let uri: Uri = "/repos/a/b/issues?state=all&page=2&per_page=2"
            .parse()
            .unwrap();
        let p = paginate((0..5).collect(), Some(2), Some(2), "http://h", &uri);
        assert_eq!(p.items, vec![2, 3]);
        let link = p.link.unwrap();
        let link = link.to_str().unwrap();
        assert!(
            link.contains("<http://h/repos/a/b/issues?state=all&per_page=2&page=3>; rel=\"next\""),
            "{link}"
        );
        assert!(link.contains("page=1>; rel=\"first\""), "{link}");
        assert!(link.contains("page=3>; rel=\"last\""), "{link}");
        let p = paginate(vec![1], None, None, "http://h", &uri);
        assert!(p.link.is_none());
    }
}
