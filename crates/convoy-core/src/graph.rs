//! The dependency graph: promotion waves, rollback order, cycles.
//!
//! An edge `a → b` means "`a` depends on `b`": `b` is promoted (and shipped) before `a`.
//! Waves are sets of nodes that may promote together; inside a wave the order is by name, so
//! every run plans the same way. Rollback walks the waves backwards.
//!
//! The graph is generic over its nodes, and so depends on nothing else in the crate; convoy's
//! nodes are member repos (`RepoName`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

/// A dependency cycle, with the nodes in the order they depend on each other; the first node is
/// repeated at the end (`a → b → a`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleError<N> {
    /// The nodes on the cycle, first repeated last.
    pub cycle: Vec<N>,
}

impl<N: fmt::Display> fmt::Display for CycleError<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.cycle.iter().map(ToString::to_string).collect();
        write!(f, "dependency cycle: {}", names.join(" → "))
    }
}

impl<N: fmt::Debug + fmt::Display> std::error::Error for CycleError<N> {}

/// An acyclic dependency graph over member repos (or any ordered names), with its waves
/// computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyGraph<N> {
    /// For each node, the nodes it depends on.
    deps: BTreeMap<N, BTreeSet<N>>,
    waves: Vec<Vec<N>>,
}

impl<N: Ord + Clone + fmt::Display> DependencyGraph<N> {
    /// Builds the graph from `nodes` and `(from, to)` edges ("`from` depends on `to`").
    ///
    /// Edges naming a node outside `nodes` are ignored (validation reports those separately);
    /// self-edges count as a cycle of one.
    pub fn new<'a>(
        nodes: impl IntoIterator<Item = &'a N>,
        edges: impl IntoIterator<Item = (&'a N, &'a N)>,
    ) -> Result<Self, CycleError<N>>
    where
        N: 'a,
    {
        let mut deps: BTreeMap<N, BTreeSet<N>> = nodes
            .into_iter()
            .map(|n| (n.clone(), BTreeSet::new()))
            .collect();
        for (from, to) in edges {
            if deps.contains_key(to)
                && let Some(set) = deps.get_mut(from)
            {
                set.insert(to.clone());
            }
        }
        if let Some(cycle) = find_cycle(&deps) {
            return Err(CycleError { cycle });
        }
        let waves = layer(&deps);
        Ok(DependencyGraph { deps, waves })
    }

    /// Nodes that may promote together, dependencies first; sorted by name inside a wave.
    pub fn waves(&self) -> &[Vec<N>] {
        &self.waves
    }

    /// Every node in promotion order (wave by wave).
    pub fn promotion_order(&self) -> Vec<N> {
        self.waves.iter().flatten().cloned().collect()
    }

    /// Every node in rollback order: the last wave first.
    pub fn rollback_order(&self) -> Vec<N> {
        self.waves.iter().rev().flatten().cloned().collect()
    }

    /// The nodes `node` depends on directly.
    pub fn dependencies_of(&self, node: &N) -> impl Iterator<Item = &N> {
        self.deps.get(node).into_iter().flatten()
    }

    /// The wave index (0-based) of `node`.
    pub fn wave_of(&self, node: &N) -> Option<usize> {
        self.waves.iter().position(|w| w.contains(node))
    }

    /// The graph as a mermaid flowchart: one subgraph per wave, an arrow from each dependency to
    /// the node that needs it.
    pub fn to_mermaid(&self) -> String {
        let id = |r: &N| r.to_string().replace(['/', '.', '-'], "_");
        let mut out = String::from("flowchart LR\n");
        for (i, wave) in self.waves.iter().enumerate() {
            let _ = writeln!(out, "  subgraph wave{}[\"wave {}\"]", i + 1, i + 1);
            for repo in wave {
                let _ = writeln!(out, "    {}[\"{}\"]", id(repo), repo);
            }
            out.push_str("  end\n");
        }
        for (from, tos) in &self.deps {
            for to in tos {
                let _ = writeln!(out, "  {} --> {}", id(to), id(from));
            }
        }
        out
    }

    /// The graph in Graphviz dot: one cluster per wave, an arrow from each dependency to the node
    /// that needs it.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph convoy {\n  rankdir=LR;\n");
        for (i, wave) in self.waves.iter().enumerate() {
            let _ = writeln!(
                out,
                "  subgraph cluster_wave{} {{\n    label=\"wave {}\";",
                i + 1,
                i + 1
            );
            for repo in wave {
                let _ = writeln!(out, "    \"{repo}\";");
            }
            out.push_str("  }\n");
        }
        for (from, tos) in &self.deps {
            for to in tos {
                let _ = writeln!(out, "  \"{to}\" -> \"{from}\";");
            }
        }
        out.push_str("}\n");
        out
    }
}

/// Kahn's algorithm by levels: wave n holds the repos whose dependencies all sit in earlier waves.
fn layer<N: Ord + Clone>(deps: &BTreeMap<N, BTreeSet<N>>) -> Vec<Vec<N>> {
    let mut placed: BTreeSet<&N> = BTreeSet::new();
    let mut waves = Vec::new();
    while placed.len() < deps.len() {
        let wave: Vec<N> = deps
            .iter()
            .filter(|(n, ds)| !placed.contains(n) && ds.iter().all(|d| placed.contains(d)))
            .map(|(n, _)| n.clone())
            .collect();
        if wave.is_empty() {
            break; // unreachable for an acyclic graph; find_cycle ran first
        }
        for n in &wave {
            if let Some((k, _)) = deps.get_key_value(n) {
                placed.insert(k);
            }
        }
        waves.push(wave);
    }
    waves
}

/// Depth-first search for a cycle; returns it in dependency order with the first node repeated.
/// Deterministic: starts from the smallest name and follows edges in name order.
fn find_cycle<N: Ord + Clone>(deps: &BTreeMap<N, BTreeSet<N>>) -> Option<Vec<N>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark: BTreeMap<&N, Mark> = deps.keys().map(|k| (k, Mark::New)).collect();
    for start in deps.keys() {
        if mark.get(start) != Some(&Mark::New) {
            continue;
        }
        // Iterative DFS: a stack of (node, its remaining successors).
        let mut path: Vec<&N> = vec![start];
        let mut stack: Vec<std::collections::btree_set::Iter<'_, N>> =
            vec![deps.get(start).map(|s| s.iter()).unwrap_or_default()];
        mark.insert(start, Mark::OnPath);
        while let Some(top) = stack.last_mut() {
            match top.next() {
                Some(next) => match mark.get(next).copied() {
                    Some(Mark::OnPath) => {
                        let pos = path.iter().position(|p| *p == next).unwrap_or(0);
                        let mut cycle: Vec<N> = path[pos..].iter().map(|r| (*r).clone()).collect();
                        cycle.push(next.clone());
                        return Some(cycle);
                    }
                    Some(Mark::New) => {
                        mark.insert(next, Mark::OnPath);
                        path.push(next);
                        stack.push(deps.get(next).map(|s| s.iter()).unwrap_or_default());
                    }
                    _ => {}
                },
                None => {
                    stack.pop();
                    if let Some(done) = path.pop() {
                        mark.insert(done, Mark::Done);
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::RepoName;

    fn r(s: &str) -> RepoName {
        RepoName::parse(s).unwrap()
    }

    #[test]
    fn waves_put_dependencies_first_and_sort_inside_a_wave() {
        let nodes = [r("a/web"), r("a/api"), r("a/schema"), r("a/docs")];
        let edges = [(&nodes[0], &nodes[1]), (&nodes[1], &nodes[2])];
        let g = DependencyGraph::new(&nodes, edges.iter().map(|(a, b)| (*a, *b))).unwrap();
        let names: Vec<Vec<&str>> = g
            .waves()
            .iter()
            .map(|w| w.iter().map(RepoName::as_str).collect())
            .collect();
        assert_eq!(
            names,
            vec![vec!["a/docs", "a/schema"], vec!["a/api"], vec!["a/web"]]
        );
        assert_eq!(g.rollback_order()[0].as_str(), "a/web");
        assert_eq!(g.wave_of(&r("a/api")), Some(1));
    }

    #[test]
    fn a_cycle_is_named_in_order() {
        let nodes = [r("a/a"), r("a/b"), r("a/c")];
        let edges = [
            (&nodes[0], &nodes[1]),
            (&nodes[1], &nodes[2]),
            (&nodes[2], &nodes[0]),
        ];
        let e = DependencyGraph::new(&nodes, edges.iter().map(|(a, b)| (*a, *b))).unwrap_err();
        assert_eq!(e.to_string(), "dependency cycle: a/a → a/b → a/c → a/a");
        let selfloop = DependencyGraph::new(&nodes[..1], [(&nodes[0], &nodes[0])]).unwrap_err();
        assert_eq!(selfloop.cycle.len(), 2);
    }

    #[test]
    fn renders_mermaid_and_dot() {
        let nodes = [r("a/api"), r("a/schema")];
        let g = DependencyGraph::new(&nodes, [(&nodes[0], &nodes[1])]).unwrap();
        let m = g.to_mermaid();
        assert!(m.contains("a_schema --> a_api"), "{m}");
        assert!(g.to_dot().contains("\"a/schema\" -> \"a/api\";"));
    }
}
