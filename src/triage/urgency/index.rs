//! Every hazard word found in one pass over the text (Aho–Corasick), so
//! that the hundreds of words of [`HAZARDS`] cost one scan, not hundreds.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use super::hazards::HAZARDS;

struct Index {
    automaton: AhoCorasick,
    words: Vec<&'static str>,
    /// For each hazard, for each group, the ids of its words (in order).
    groups: Vec<Vec<Vec<usize>>>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut words: Vec<&'static str> =
            HAZARDS.iter().flat_map(|h| h.groups.iter().copied().flatten().copied()).collect();
        words.sort_unstable();
        words.dedup();
        let id = |w: &str| words.binary_search(&w).unwrap_or_default();
        let groups =
            HAZARDS.iter().map(|h| h.groups.iter().map(|g| g.iter().map(|w| id(w)).collect()).collect()).collect();
        let automaton = AhoCorasick::new(&words).expect("the hazard words build an automaton");
        Index { automaton, words, groups }
    })
}

/// Where each hazard word occurs in one text.
pub struct Hits {
    /// `(word id, byte offset)`, sorted.
    found: Vec<(usize, usize)>,
}

/// One word of a group and where it is.
pub type Hit = (usize, &'static str);

impl Hits {
    pub fn of(text: &str) -> Hits {
        let mut found: Vec<(usize, usize)> =
            index().automaton.find_overlapping_iter(text).map(|m| (m.pattern().as_usize(), m.start())).collect();
        found.sort_unstable();
        Hits { found }
    }

    fn at(&self, word: usize) -> impl Iterator<Item = usize> + '_ {
        let from = self.found.partition_point(|(w, _)| *w < word);
        self.found[from..].iter().take_while(move |(w, _)| *w == word).map(|(_, at)| *at)
    }

    /// Every occurrence of a word of `hazard`'s group `g`, group order first.
    pub fn group(&self, hazard: usize, g: usize) -> impl Iterator<Item = Hit> + '_ {
        let ix = index();
        ix.groups[hazard][g].iter().flat_map(move |&w| self.at(w).map(move |at| (at, ix.words[w])))
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }
}

/// A fixed list of words searched for with one automaton, built on first use.
pub struct WordSet {
    words: &'static [&'static str],
    automaton: OnceLock<AhoCorasick>,
}

impl WordSet {
    pub const fn new(words: &'static [&'static str]) -> WordSet {
        WordSet { words, automaton: OnceLock::new() }
    }

    fn automaton(&self) -> &AhoCorasick {
        self.automaton.get_or_init(|| AhoCorasick::new(self.words).expect("a word list builds an automaton"))
    }

    pub fn in_text(&self, text: &str) -> bool {
        self.automaton().is_match(text)
    }

    /// Where each of the words starts in `text` (overlaps included).
    pub fn starts(&self, text: &str) -> impl Iterator<Item = usize> {
        self.automaton().find_overlapping_iter(text).map(|m| m.start())
    }

    /// The first word in `text`, if any.
    pub fn first(&self, text: &str) -> Option<&'static str> {
        self.automaton().find(text).map(|m| self.words[m.pattern().as_usize()])
    }
}
