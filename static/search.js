// Search over the static site with Pagefind's index, built at build time into pagefind/.
// Runs the query in ?q= so results can be linked and the form works as a plain GET form.
const form = document.querySelector(".search-form");
const input = document.getElementById("q");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const root = new URL(form.dataset.root, location.href);
const rootPath = root.pathname.replace(/index\.html$/, "");
let pagefind = null;
document.getElementById("search-needs-js").hidden = true;

async function engine() {
  if (!pagefind) {
    pagefind = await import(new URL(form.dataset.bundle, location.href).href);
    await pagefind.options({ baseUrl: rootPath, excerptLength: 30 });
  }
  return pagefind;
}

// Pagefind marks matches with <mark>; build the excerpt from text nodes so nothing else from
// the index is ever parsed as HTML.
function excerpt(text) {
  const fragment = document.createDocumentFragment();
  text.split(/(<mark>.*?<\/mark>)/).forEach((part) => {
    const match = /^<mark>(.*)<\/mark>$/.exec(part);
    const node = match ? document.createElement("mark") : null;
    // A <textarea> decodes entities without parsing tags and keeps every space.
    const decoder = document.createElement("textarea");
    decoder.innerHTML = match ? match[1] : part;
    const plain = decoder.value;
    if (node) {
      node.textContent = plain;
      fragment.append(node);
    } else {
      fragment.append(plain);
    }
  });
  return fragment;
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
  let results;
  try {
    found = await (await engine()).search(query);
    results = await Promise.all(found.results.slice(0, 30).map((r) => r.data()));
  } catch (error) {
    if (ticket === latest) {
      status.textContent = "Search is not available here: open the site through a web server.";
    }
    return;
  }
  if (ticket !== latest) return;
  list.replaceChildren();
  status.textContent = `${found.results.length} result${found.results.length === 1 ? "" : "s"} for “${query}”`;
  for (const result of results) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = result.url;
    link.textContent = result.meta.title;
    const heading = document.createElement("h2");
    heading.className = "paper-title";
    heading.append(link);
    const text = document.createElement("p");
    text.className = "summary";
    text.append(excerpt(result.excerpt));
    item.append(heading, text);
    if (result.meta.date) {
      const meta = document.createElement("p");
      meta.className = "count";
      meta.textContent = [result.meta.date, result.meta.authors].filter(Boolean).join(" · ");
      item.append(meta);
    }
    list.append(item);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const url = new URL(location.href);
  url.searchParams.set("q", input.value);
  history.replaceState(null, "", url);
  run(input.value);
});

const initial = new URL(location.href).searchParams.get("q") || "";
input.value = initial;
run(initial);
