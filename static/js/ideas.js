// While someone types the title of an idea, show published ideas and case studies like it, so
// they can back an existing idea instead of repeating it. Without JavaScript the same list
// appears when the form is shown again. Text is set with textContent: titles are never HTML.
const DELAY_MS = 400;
const MIN_LENGTH = 4;

const title = document.getElementById("title");
const panel = document.getElementById("similar-ideas");

function render(results) {
  panel.replaceChildren();
  if (!results.length) return;
  const box = document.createElement("div");
  box.className = "nhsuk-inset-text nhsuk-u-margin-top-0";
  const hidden = document.createElement("span");
  hidden.className = "nhsuk-u-visually-hidden";
  hidden.textContent = "Information: ";
  const heading = document.createElement("h2");
  heading.className = "nhsuk-heading-s";
  heading.textContent = "Similar ideas, case studies and guidance";
  const intro = document.createElement("p");
  intro.textContent = "If one of these is your idea, you can back it instead of sending it again.";
  const list = document.createElement("ul");
  list.className = "nhsuk-list";
  for (const item of results) {
    const entry = document.createElement("li");
    const link = document.createElement("a");
    // Only same-site paths: the list must not become a way to plant links.
    link.href = item.url.startsWith("/") && !item.url.startsWith("//") ? item.url : "#";
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = `${item.title} (opens in new tab)`;
    entry.append(link, ` – ${item.kind}`);
    list.append(entry);
  }
  box.append(hidden, heading, intro, list);
  panel.append(box);
}

if (title && panel && panel.dataset.similarUrl) {
  let timer;
  let controller;
  let last = title.value.trim();
  title.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = title.value.trim();
      if (text === last) return;
      last = text;
      // Never send digits: a title must not carry an NHS number off the page while typed.
      if (text.length < MIN_LENGTH || /\d/.test(text)) {
        render([]);
        return;
      }
      controller?.abort();
      controller = new AbortController();
      try {
        const url = `${panel.dataset.similarUrl}?${new URLSearchParams({ title: text })}`;
        const response = await fetch(url, {
          signal: controller.signal,
          headers: { Accept: "application/json" },
        });
        if (response.ok) render((await response.json()).results || []);
      } catch (error) {
        // A failed suggestion is not worth interrupting anyone's typing for.
        if (error.name !== "AbortError") render([]);
      }
    }, DELAY_MS);
  });
}
