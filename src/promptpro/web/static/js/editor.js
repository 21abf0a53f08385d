// The prompt editor: the {{variables}} listed as you type, and no silent loss of
// unsaved changes (a leave-page warning, and a draft kept in this tab until saved).

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const form = document.querySelector("form[data-guard-unsaved]");

/** The placeholder names in `text`, each once, in order (as the server finds them). */
export function variablesIn(text) {
  return [...new Set(Array.from(text.matchAll(PLACEHOLDER), (match) => match[1]))];
}

function fields() {
  return Array.from(form.elements).filter(
    (el) => el.name && !["csrf_token", "form_token"].includes(el.name) && el.type !== "hidden",
  );
}

function snapshot() {
  const all = fields();
  const named = all.filter((el) => !el.closest("[data-no-draft]"));
  const values = Object.fromEntries(named.map((el) => [el.name, el.value]));
  // The chat fields repeat their names (one per message): kept as a list, so that the
  // unsaved-changes guard sees them, and never written back into the fields by name.
  const chat = all.filter((el) => el.closest("[data-no-draft]"));
  values["__chat"] = JSON.stringify(chat.map((el) => (el.type === "radio" ? el.checked : el.value)));
  return values;
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function showVariables(source) {
  const box = document.querySelector(source.dataset.variablesSource);
  if (!box) return;
  const names = variablesIn(source.value);
  const list = box.querySelector("[data-variables-items]");
  list.replaceChildren(
    ...names.map((name) => {
      const item = document.createElement("li");
      item.className = "chip";
      item.textContent = name;
      return item;
    }),
  );
  box.querySelector("[data-variables-empty]").hidden = names.length > 0;
}

if (form) {
  const draftKey = `draft:${form.dataset.draftKey}`;
  const initial = snapshot();
  let submitting = false;

  const content = form.querySelector("[data-variables-source]");
  if (content) content.addEventListener("input", () => showVariables(content));

  // A prompt already saved keeps its draft on the server (draft.js); a new one, in this tab.
  const local = !form.dataset.draftUrl;
  form.addEventListener("input", () => {
    if (!local) return;
    const now = snapshot();
    if (same(now, initial)) sessionStorage.removeItem(draftKey);
    else sessionStorage.setItem(draftKey, JSON.stringify({ values: now, submitted: false }));
  });

  form.addEventListener("submit", () => {
    submitting = true;
    const draft = sessionStorage.getItem(draftKey);
    if (draft) {
      // Kept until the saved page is shown: if the save fails (a session that ended,
      // say), the editor offers these changes again.
      sessionStorage.setItem(draftKey, JSON.stringify({ ...JSON.parse(draft), submitted: true }));
    }
  });

  window.addEventListener("beforeunload", (event) => {
    if (submitting || same(snapshot(), initial)) return;
    event.preventDefault();
    event.returnValue = "";
  });

  if (local) offerDraft(draftKey, initial);
}

function offerDraft(draftKey, initial) {
  let draft;
  try {
    draft = JSON.parse(sessionStorage.getItem(draftKey) ?? "null");
  } catch {
    draft = null;
  }
  const banner = form.querySelector("[data-draft-banner]");
  // A form shown again with errors already holds what was typed.
  const hasErrors = form.querySelector("[aria-invalid=true], [data-testid=form-error]");
  if (!draft?.values || same(draft.values, initial) || hasErrors || !banner) {
    if (hasErrors) sessionStorage.removeItem(draftKey);
    return;
  }
  banner.hidden = false;
  banner.querySelector("[data-draft-restore]").addEventListener("click", () => {
    for (const el of fields()) {
      if (el.name in draft.values && !el.closest("[data-no-draft]")) {
        el.value = draft.values[el.name];
      }
    }
    form.dispatchEvent(new Event("input"));
    if (content()) showVariables(content());
    banner.hidden = true;
  });
  banner.querySelector("[data-draft-discard]").addEventListener("click", () => {
    sessionStorage.removeItem(draftKey);
    banner.hidden = true;
  });
}

function content() {
  return form.querySelector("[data-variables-source]");
}
