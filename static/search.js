// Search over the static index the build writes to search/data/ (see site_builder/search.py):
// meta.json, then one terms file per query word, then the documents of the results shown.
// Runs the query in ?q= so results can be linked and the form works as a plain GET form.
const form = document.querySelector(".search-form");
const input = document.getElementById("q");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const root = new URL(form.dataset.root, location.href);
const metaUrl = new URL(form.dataset.index, location.href);
const SHOWN = 30;
const EXCERPT_WORDS = 30;
const FORMAT = 1;
document.getElementById("search-needs-js").hidden = true;

const loaded = new Map();

// Each file is fetched once per page view; a failed fetch may be tried again.
function load(path) {
  const url = new URL(path, metaUrl);
  if (!loaded.has(url.href)) {
    const request = fetch(url).then((response) => {
      if (!response.ok) throw new Error(`${response.status} for ${url}`);
      return response.json();
    });
    request.catch(() => loaded.delete(url.href));
    loaded.set(url.href, request);
  }
  return loaded.get(url.href);
}

// The same folding as search.py: compatibility decomposition, marks dropped, lower case.
function fold(text) {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

function words(text, meta) {
  const stop = new Set(meta.stopwords);
  return (fold(text).match(/[\p{L}\p{N}]+/gu) || []).filter(
    (word) => Array.from(word).length > 1 && !stop.has(word),
  );
}

// FNV-1a (32 bits) of the UTF-8 of the word's first characters, as search.py's bucket_of.
function termFile(word, meta) {
  const key = Array.from(word).slice(0, meta.keyLength).join("");
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash % meta.termFiles;
}

// Best score per document for one query word: the word itself, or (from three characters on)
// any indexed word it begins, scoring a little less.
async function scoresFor(word, meta) {
  const terms = await load(`terms/${termFile(word, meta)}.json`);
  const prefix = Array.from(word).length >= meta.keyLength;
  const scores = new Map();
  for (const [term, postings] of Object.entries(terms)) {
    if (term !== word && !(prefix && term.startsWith(word))) continue;
    const rarity = Math.log(1 + meta.documents / (postings.length / 2));
    const closeness = term === word ? 1 : 0.7;
    let doc = 0;
    for (let i = 0; i < postings.length; i += 2) {
      doc += postings[i];
      const score = postings[i + 1] * rarity * closeness;
      if (score > (scores.get(doc) || 0)) scores.set(doc, score);
    }
  }
  return scores;
}

// Documents that match every word, best first; newer first among equals.
async function rank(query, meta) {
  const perWord = await Promise.all(words(query, meta).map((word) => scoresFor(word, meta)));
  if (!perWord.length) return [];
  const [first, ...rest] = perWord.sort((a, b) => a.size - b.size);
  const found = [];
  for (const [doc, score] of first) {
    let total = score;
    for (const other of rest) {
      const more = other.get(doc);
      if (more === undefined) {
        total = -1;
        break;
      }
      total += more;
    }
    if (total >= 0) found.push([doc, total]);
  }
  return found.sort((a, b) => b[1] - a[1] || b[0] - a[0]).map(([doc]) => doc);
}

// `text` as nodes, its words that a query word matches wrapped in <mark>, cut to about
// EXCERPT_WORDS words around the first match when `cut` is set. Text nodes only: nothing from
// the index is ever parsed as HTML.
function highlighted(text, queryWords, cut) {
  const parts = text.split(/([\p{L}\p{N}\p{M}]+)/u);
  const matches = (part) => {
    const folded = fold(part);
    return queryWords.some(
      (word) => folded === word || (Array.from(word).length >= 3 && folded.startsWith(word)),
    );
  };
  let start = 0;
  let end = parts.length;
  if (cut) {
    // Word parts sit at odd indexes; keep EXCERPT_WORDS of them, starting a few before the
    // first match.
    const first = parts.findIndex((part, i) => i % 2 === 1 && matches(part));
    // Start at a word, not at the punctuation before it.
    start = first < 0 ? 0 : Math.max(0, first - 10);
    if (start > 0 && start % 2 === 0) start -= 1;
    end = Math.min(parts.length, start + EXCERPT_WORDS * 2);
  }
  const fragment = document.createDocumentFragment();
  if (start > 0) fragment.append("… ");
  parts.slice(start, end).forEach((part, i) => {
    if ((start + i) % 2 === 1 && matches(part)) {
      const mark = document.createElement("mark");
      mark.textContent = part;
      fragment.append(mark);
    } else {
      fragment.append(part);
    }
  });
  if (end < parts.length) fragment.append(" …");
  return fragment;
}

function humanDate(day) {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString(document.documentElement.lang || [], {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
}

function byline(authors) {
  return authors.length > 3 ? `${authors.slice(0, 3).join(", ")} et al.` : authors.join(", ");
}

function resultItem([path, title, authors, day, text], queryWords) {
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.href = new URL(path, root).href;
  link.append(highlighted(title, queryWords, false));
  const heading = document.createElement("h2");
  heading.className = "paper-title";
  heading.append(link);
  const summary = document.createElement("p");
  summary.className = "summary";
  summary.append(highlighted(text, queryWords, true));
  const meta = document.createElement("p");
  meta.className = "count";
  meta.textContent = [humanDate(day), byline(authors)].filter(Boolean).join(" · ");
  item.append(heading, summary, meta);
  return item;
}

let latest = 0;

async function run(query) {
  // Only the newest query may show results: an older one still loading is dropped.
  const ticket = ++latest;
  if (!query.trim()) {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  status.textContent = "Searching…";
  let found;
  let docs;
  let queryWords;
  try {
    const meta = await load("meta.json");
    if (meta.format !== FORMAT) throw new Error("index of another format");
    queryWords = words(query, meta);
    found = await rank(query, meta);
    const shown = found.slice(0, SHOWN);
    const blocks = await Promise.all(
      [...new Set(shown.map((doc) => Math.floor(doc / meta.block)))].map(async (block) => [
        block,
        await load(`docs/${block}.json`),
      ]),
    );
    const byBlock = new Map(blocks);
    docs = shown.map((doc) => byBlock.get(Math.floor(doc / meta.block))[doc % meta.block]);
  } catch (error) {
    if (ticket === latest) {
      status.textContent = "Search is not available here: open the site through a web server.";
    }
    return;
  }
  if (ticket !== latest) return;
  const count = found.length;
  status.textContent = `${count} result${count === 1 ? "" : "s"} for “${query}”${count > SHOWN ? `, the best ${SHOWN} shown` : ""}`;
  list.replaceChildren(...docs.map((doc) => resultItem(doc, queryWords)));
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const url = new URL(location.href);
  url.searchParams.set("q", input.value);
  history.replaceState(null, "", url);
  run(input.value);
});

// A query in the address wins; else whatever was typed before this module ran (it runs
// after the page is parsed, and a quick visitor may have typed already) is kept and searched.
const initial = new URL(location.href).searchParams.get("q");
if (initial !== null) input.value = initial;
run(input.value);
