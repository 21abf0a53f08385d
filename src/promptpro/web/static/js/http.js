// Talking to the server from the pages: the CSRF token, problems, fragments, sign-in.

/** The session's CSRF token, from the page's <meta name="csrf-token">. */
export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

/** Thrown once the browser is on its way to the sign-in page. */
export class SignedOut extends Error {}

/** Go to sign in, and come back here after. */
export function signInAgain() {
  const here = location.pathname + location.search;
  location.assign(`/login?next=${encodeURIComponent(here)}`);
  throw new SignedOut("The session has ended.");
}

/** A call to the JSON API with the session cookie and the CSRF token. */
export async function api(url, { method = "GET", body, accept = "application/json", signal } = {}) {
  const headers = { Accept: accept, "X-CSRF-Token": csrfToken() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    signal,
  });
  if (response.status === 401) signInAgain();
  return response;
}

/** The problem details of a failed API response (a stand-in when it has none). */
export async function readProblem(response) {
  try {
    const problem = await response.json();
    if (problem && typeof problem === "object") return problem;
  } catch {
    // Not JSON: a proxy's error page, say.
  }
  return { title: response.statusText || "Error", status: response.status, detail: "" };
}

/** The last part of a problem's type: "/problems/bad-key" -> "bad-key". */
export function problemSlug(problem) {
  return String(problem?.type ?? "").split("/").pop();
}

/** A page fragment (server-rendered HTML) as a detached document. */
export async function fetchFragment(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (response.redirected && new URL(response.url).pathname === "/login") signInAgain();
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  // DOMParser never runs scripts, and the fragments carry only sanitised HTML anyway.
  return new DOMParser().parseFromString(await response.text(), "text/html");
}

/** Append a "load more" answer: its rows go into `list`, its next link replaces `container`. */
export function appendPage(doc, list, container) {
  const rows = doc.querySelector("template[data-rows]");
  if (rows) list.append(...Array.from(rows.content.childNodes, (node) => document.importNode(node, true)));
  const next = doc.querySelector("[data-load-more-container]");
  if (next) container.replaceWith(document.importNode(next, true));
  else container.remove();
}

/** `work` run so that a network failure is told through `say` (signing out already is). */
export function guardedBy(say) {
  return async (work) => {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof SignedOut)) say("The server could not be reached: try again.", "error");
    }
  };
}
