// Behaviour every page shares: one submit per form, auto-submitting filters, copy
// buttons, answers' tools, "load more" links, local times, and forgetting drafts once saved.
import { copyText } from "./answers.js";
import { appendPage, fetchFragment, SignedOut } from "./http.js";

// A form posts once: a second click (or Enter) while the first post is on its way is
// ignored, so a double click creates one object.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
  if (form.dataset.submitting) {
    event.preventDefault();
    return;
  }
  // Later in the same task, after any other handler had the chance to cancel the submit.
  setTimeout(() => {
    if (event.defaultPrevented) return;
    form.dataset.submitting = "true";
    form.setAttribute("aria-busy", "true");
    for (const button of form.querySelectorAll("button[type=submit], button:not([type])")) {
      button.disabled = true;
    }
  });
});

// Coming back with the Back button shows the page as it was left: usable again.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  for (const form of document.querySelectorAll("form[data-submitting]")) {
    delete form.dataset.submitting;
    form.removeAttribute("aria-busy");
    for (const button of form.querySelectorAll("button")) button.disabled = false;
  }
});

document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit")) {
    target.form?.requestSubmit();
  }
});

document.addEventListener("click", async (event) => {
  const copy = event.target.closest?.("[data-copy]");
  if (copy) {
    await copyFrom(copy);
    return;
  }
  const more = event.target.closest?.("a[data-load-more]");
  if (more && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
    event.preventDefault();
    await loadMore(more);
  }
});

async function copyFrom(button) {
  const source = document.querySelector(button.dataset.copy);
  const status = button.closest("section")?.querySelector("[data-copy-status]");
  if (!source) return;
  try {
    await copyText(source.value ?? source.textContent);
    if (status) status.textContent = "Copied to the clipboard.";
  } catch {
    // No clipboard permission (or not a secure context): leave it selected to copy by hand.
    source.select?.();
    if (status) status.textContent = "Selected: press Ctrl+C (or ⌘C) to copy.";
  }
}

async function loadMore(link) {
  const list = document.querySelector(link.dataset.loadMore);
  const container = link.closest("[data-load-more-container]");
  if (!list || !container) return;
  link.setAttribute("aria-busy", "true");
  try {
    appendPage(await fetchFragment(link.dataset.fragmentUrl), list, container);
    localTimes(list);
  } catch (error) {
    if (error instanceof SignedOut) return;
    location.assign(link.href); // the plain page shows the same rows
  }
}

const DATE_FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/**
 * The one way pages show a moment: in the reader's own time zone and format. The server
 * writes `<time datetime=…>` (or, where no element fits, as in an <option>, the attribute
 * `data-datetime` with the text before the date in `data-prefix`) with a UTC fallback.
 */
export function localTimes(root = document) {
  for (const time of root.querySelectorAll("time[datetime]:not([data-local])")) {
    const date = new Date(time.dateTime);
    if (Number.isNaN(date.getTime())) continue;
    time.title = time.textContent;
    time.textContent = DATE_FORMAT.format(date);
    time.dataset.local = "true";
  }
  for (const element of root.querySelectorAll("[data-datetime]:not([data-local])")) {
    const date = new Date(element.dataset.datetime);
    if (Number.isNaN(date.getTime())) continue;
    element.textContent = `${element.dataset.prefix ?? ""}${DATE_FORMAT.format(date)}`;
    element.dataset.local = "true";
  }
}

// A prompt saved (or created) means its editor's draft is no longer needed.
function forgetSavedDrafts() {
  const done = new URLSearchParams(location.search).get("done");
  if (done !== "saved" && done !== "created") return;
  for (const key of Object.keys(sessionStorage)) {
    if (!key.startsWith("draft:")) continue;
    try {
      if (JSON.parse(sessionStorage.getItem(key))?.submitted) sessionStorage.removeItem(key);
    } catch {
      sessionStorage.removeItem(key);
    }
  }
}

// The run shortcut is Cmd+Enter on a Mac: say so there.
function macShortcuts() {
  const platform = `${navigator.userAgentData?.platform ?? ""} ${navigator.platform ?? ""}`;
  if (!/mac/i.test(platform)) return;
  for (const key of document.querySelectorAll(".shortcut-hint kbd:first-child")) key.textContent = "⌘";
}

localTimes();
forgetSavedDrafts();
macShortcuts();
