// The editor's draft, kept on the server as you type (per user and prompt, debounced), so
// another device offers it back; the server drops it when the prompt is saved.
import { api, SignedOut } from "./http.js";

const DEBOUNCE_MS = 800;
const form = document.querySelector("form[data-draft-url]");

function fields() {
  return Array.from(form.elements).filter(
    (el) => el.name && !["csrf_token", "form_token"].includes(el.name) && el.type !== "hidden",
  );
}

function snapshot() {
  return Object.fromEntries(fields().map((el) => [el.name, el.value]));
}

/** The API's draft body for the editor's fields as they are. */
function draftBody(values) {
  const category = Number.parseInt(values.categoryId ?? "", 10);
  return {
    title: values.title ?? "",
    content: values.content ?? "",
    categoryId: Number.isNaN(category) ? null : category,
    model: values.model ?? "",
    modelOther: values.modelOther ?? "",
    parameters: {
      temperature: values["parameters.temperature"] ?? "",
      maxTokens: values["parameters.maxTokens"] ?? "",
      topP: values["parameters.topP"] ?? "",
      system: values["parameters.system"] ?? "",
      stop: values["parameters.stop"] ?? "",
    },
  };
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

if (form) {
  const url = form.dataset.draftUrl;
  const status = form.querySelector("[data-draft-status]");
  const offer = form.querySelector("[data-server-draft]");
  const initial = snapshot();
  let stored = Boolean(offer); // whether the server holds a draft of ours
  let held = Boolean(offer); // an offered draft is kept until restored or discarded
  let timer = null;
  let inflight = null;
  let closed = false;

  const say = (text) => {
    if (status) status.textContent = text;
  };

  async function save() {
    timer = null;
    if (closed || held) return;
    const now = snapshot();
    const work = async () => {
      if (same(now, initial)) {
        if (!stored) return;
        const response = await api(url, { method: "DELETE" });
        if (response.ok) stored = false;
        say("");
        return;
      }
      const response = await api(url, { method: "PUT", body: draftBody(now) });
      if (response.ok) {
        stored = true;
        say("Draft kept: it comes back on any device until you save.");
      } else {
        say("The draft couldn't be kept (it may be too large); save to keep your changes.");
      }
    };
    inflight = work().catch((error) => {
      if (!(error instanceof SignedOut)) say("The draft couldn't be kept just now.");
    });
    await inflight;
    inflight = null;
  }

  form.addEventListener("input", () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(save, DEBOUNCE_MS);
  });

  // Saving drops the draft on the server: no autosave may follow (or race) the save.
  form.addEventListener("submit", (event) => {
    clearTimeout(timer);
    closed = true;
    const pending = inflight;
    if (pending) {
      // Let the last autosave land first, then save (which drops it).
      inflight = null;
      event.preventDefault();
      pending.finally(() => form.requestSubmit());
    }
  });

  if (offer) {
    say("Your earlier draft is kept until you restore or discard it.");
    offer.querySelector("[data-server-draft-restore]").addEventListener("click", () => {
      const values = JSON.parse(document.getElementById("draft-data").textContent);
      for (const el of fields()) {
        // The chat fields repeat their names: a draft doesn't hold them.
        if (!(el.name in values) || el.closest("[data-no-draft]")) continue;
        el.value = values[el.name];
        el.dispatchEvent(new Event("input", { bubbles: true }));
      }
      held = false;
      offer.remove();
      say("The draft is restored. Save to keep it as a new version.");
      form.querySelector("[name=content]")?.focus();
    });
    offer.querySelector("[data-server-draft-discard]").addEventListener("click", async () => {
      held = false;
      offer.remove();
      if (same(snapshot(), initial)) {
        const response = await api(url, { method: "DELETE" });
        if (response.ok) stored = false;
      }
      say("The draft is discarded.");
    });
  }
}
