// Image variables in a run form: a file chosen for a variable is uploaded at once
// (POST /api/v1/uploads) and its upload id kept on the variable's field, which then sends
// {"image": id} in the run (runner.js's variablesOf) instead of text.
import { csrfToken, readProblem, signInAgain } from "./http.js";

function parts(form, name) {
  const pick = (attribute) => form.querySelector(`[${attribute}="${CSS.escape(name)}"]`);
  return {
    field: pick("data-variable"),
    preview: pick("data-image-preview"),
    remove: pick("data-image-remove"),
    status: pick("data-image-status"),
  };
}

function show(form, name, uploadId) {
  const { field, preview, remove } = parts(form, name);
  if (uploadId) {
    const image = document.createElement("img");
    image.className = "image-thumbnail";
    image.src = `/api/v1/uploads/${encodeURIComponent(uploadId)}`;
    image.alt = `The image for ${name}`;
    preview.replaceChildren(image);
    field.dataset.imageId = uploadId;
  } else {
    preview.replaceChildren();
    delete field.dataset.imageId;
  }
  field.disabled = Boolean(uploadId);
  remove.hidden = !uploadId;
  form.dispatchEvent(new Event("input", { bubbles: true })); // the preview and estimate follow
}

async function upload(form, name, file) {
  const { status } = parts(form, name);
  status.textContent = `Uploading ${file.name}…`;
  const body = new FormData();
  body.append("image", file);
  const response = await fetch("/api/v1/uploads", {
    method: "POST",
    headers: { Accept: "application/json", "X-CSRF-Token": csrfToken() },
    body,
    credentials: "same-origin",
  });
  if (response.status === 401) signInAgain();
  if (!response.ok) {
    const problem = await readProblem(response);
    status.textContent = problem.detail || "The image could not be uploaded.";
    return;
  }
  const uploaded = await response.json();
  status.textContent = `Image for ${name} uploaded.`;
  show(form, name, uploaded.id);
}

/** Wire up the form's image controls (one per variable). */
export function imageVariables(form) {
  for (const input of form.querySelectorAll("[data-image-input]")) {
    const name = input.dataset.imageInput;
    input.addEventListener("change", () => {
      const file = input.files?.[0];
      if (file) upload(form, name, file).finally(() => (input.value = ""));
    });
  }
  for (const button of form.querySelectorAll("[data-image-remove]")) {
    button.addEventListener("click", () => {
      show(form, button.dataset.imageRemove, null);
      parts(form, button.dataset.imageRemove).status.textContent = "Image removed.";
    });
  }
}
