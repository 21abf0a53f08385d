// The library: favourite stars (through the API) and the favourites-only checkbox.
import { api, readProblem, SignedOut } from "./http.js";

const STAR = "★";
const NO_STAR = "☆";

/** Enable the stars under `root`: they work only with this module loaded. */
function enableStars(root) {
  for (const button of root.querySelectorAll("button[data-favourite-toggle]")) button.disabled = false;
}

async function toggle(button) {
  const starred = button.getAttribute("aria-pressed") === "true";
  button.disabled = true;
  try {
    const response = await api(`/api/v1/prompts/${button.dataset.promptId}/favourite`, {
      method: starred ? "DELETE" : "PUT",
    });
    if (!response.ok) {
      const problem = await readProblem(response);
      button.title = problem.detail || problem.title;
      return;
    }
    const prompt = await response.json();
    button.setAttribute("aria-pressed", prompt.favourite ? "true" : "false");
    button.querySelector("[aria-hidden]").textContent = prompt.favourite ? STAR : NO_STAR;
    button.title = "";
  } catch (error) {
    if (!(error instanceof SignedOut)) button.title = "The star could not be saved: try again.";
  } finally {
    button.disabled = false;
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest?.("button[data-favourite-toggle]");
  if (button) toggle(button);
});

document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLInputElement && target.type === "checkbox" && target.hasAttribute("data-autosubmit")) {
    target.form?.requestSubmit();
  }
});

enableStars(document);
const list = document.querySelector("#prompt-list");
if (list) new MutationObserver(() => enableStars(list)).observe(list, { childList: true });
