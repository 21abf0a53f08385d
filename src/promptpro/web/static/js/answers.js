// Every answer's tools, wherever it is shown (run panel, compare columns, history, the
// response page): Copy puts the raw text in the clipboard; Raw text switches between the
// rendered answer and that raw text; a history entry shows its whole answer when opened.
import { fetchFragment, SignedOut } from "./http.js";

/** Put `text` in the clipboard: the Clipboard API, else the older copy command. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // Not a secure context, or no permission: try the way that works everywhere.
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "visually-hidden";
  document.body.append(area);
  area.select();
  try {
    if (!document.execCommand("copy")) throw new Error("the copy command was refused");
  } finally {
    area.remove();
  }
}

/** The raw text of the answer a Copy button belongs to (fetched for a history entry). */
async function rawTextFor(button) {
  const raw = button.closest("[data-answer]")?.querySelector("[data-answer-raw]");
  if (raw) return raw.textContent;
  const doc = await fetchFragment(button.dataset.answerUrl);
  return doc.querySelector("[data-answer-raw]")?.textContent ?? "";
}

async function copyAnswer(button) {
  const status = button.parentElement.querySelector("[data-answer-status]");
  const say = (text) => {
    if (status) status.textContent = text;
  };
  try {
    await copyText(await rawTextFor(button));
    say("Copied.");
  } catch (error) {
    if (error instanceof SignedOut) return;
    say("Couldn't copy: use Raw text and select it.");
  }
}

function toggleRaw(button) {
  const answer = button.closest("[data-answer]");
  const raw = button.getAttribute("aria-pressed") !== "true";
  button.setAttribute("aria-pressed", String(raw));
  answer.querySelector("[data-answer-rendered]").hidden = raw;
  answer.querySelector("[data-answer-raw]").hidden = !raw;
}

async function showLazyAnswer(details) {
  if (!details.open || details.dataset.loaded) return;
  details.dataset.loaded = "true";
  const slot = details.querySelector("[data-answer-slot]");
  try {
    const doc = await fetchFragment(details.dataset.answerLazy);
    const done = doc.querySelector(".output-done");
    slot.replaceChildren(document.importNode(done, true));
  } catch (error) {
    if (error instanceof SignedOut) return;
    delete details.dataset.loaded;
    slot.textContent = "Couldn't load the answer: open it instead.";
  }
}

document.addEventListener("click", (event) => {
  const copy = event.target.closest?.("[data-answer-copy]");
  if (copy) {
    copyAnswer(copy);
    return;
  }
  const toggle = event.target.closest?.("[data-answer-raw-toggle]");
  if (toggle) toggleRaw(toggle);
});

// `toggle` doesn't bubble: listen while it goes down.
document.addEventListener(
  "toggle",
  (event) => {
    if (event.target instanceof HTMLDetailsElement && event.target.dataset.answerLazy) {
      showLazyAnswer(event.target);
    }
  },
  true,
);
