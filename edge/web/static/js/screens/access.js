// Access: API keys (a new key is shown once), and apps asking to pair (approve or deny).

import { del, get, post } from "../api.js";
import { field, fill, h, when } from "../dom.js";
import { confirmDialog } from "../components/dialog.js";
import { attempt, toast } from "../components/toast.js";

export const title = "Access";

const POLL_MS = 3000;

/** Build the screen in `root`; answers a function that tears it down. */
export function mount(root) {
  const pairing = h("ul", { class: "item-list", id: "pairing", "aria-live": "polite" });
  const keys = h("ul", { class: "item-list", id: "keys" });
  const name = field("Name of the new key", { name: "key-name", id: "key-name", required: true, maxlength: 32, autocomplete: "off" }, "Who will use it, e.g. “Cura on the laptop”.");
  const created = h("div", { id: "new-key", "aria-live": "polite" });
  const form = h("form", { class: "inline-form" }, name.wrap, h("button", { class: "btn btn-primary", type: "submit" }, "Create key"));
  root.append(
    h("h1", { class: "screen-title" }, title),
    h(
      "div",
      { class: "grid" },
      h(
        "section",
        { class: "card", "aria-labelledby": "pairing-title" },
        h("h2", { id: "pairing-title" }, "Apps asking for access"),
        h("p", { class: "hint" }, "Phone apps and slicers that speak OctoPrint ask here. Approve only apps you just started pairing."),
        pairing,
      ),
      h("section", { class: "card", "aria-labelledby": "keys-title" }, h("h2", { id: "keys-title" }, "API keys"), form, created, keys),
    ),
  );

  let shownKeys = "";
  const refreshKeys = async () => {
    const list = await attempt(() => get("/api/v1/auth/keys"));
    // Re-render only on a change, so a poll never moves the keyboard focus.
    if (!list || JSON.stringify(list) === shownKeys) return;
    shownKeys = JSON.stringify(list);
    fill(keys, list.length ? list.map((k) => keyItem(k, refreshKeys)) : h("li", { class: "muted" }, "No API keys."));
  };
  let stopped = false;
  let timer = 0;
  let shownPairing = "";
  const loadPairing = async () => {
    try {
      const waiting = await get("/api/v1/auth/pairing");
      if (JSON.stringify(waiting) !== shownPairing) {
        shownPairing = JSON.stringify(waiting);
        fill(pairing, waiting.length ? waiting.map((p) => pairingItem(p, loadPairing, refreshKeys)) : h("li", { class: "muted" }, "No app is waiting."));
      }
      await refreshKeys();
    } catch (err) {
      fill(pairing, h("li", { class: "muted" }, err.message));
    }
  };
  const poll = async () => {
    await loadPairing();
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const made = await attempt(() => post("/api/v1/auth/keys", { name: name.input.value.trim() }));
    if (!made) return;
    name.input.value = "";
    const value = h("code", { class: "secret", id: "new-key-value" }, made.key);
    const copy = h("button", { class: "btn", type: "button" }, "Copy");
    copy.addEventListener("click", () => navigator.clipboard?.writeText(made.key).then(() => toast("Key copied")));
    fill(created, h("div", { class: "notice" }, h("p", {}, `Key “${made.name}” — shown only now. Copy it into the app:`), value, copy));
    refreshKeys();
  });
  poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function keyItem(key, refresh) {
  const revoke = h("button", { class: "btn btn-danger-outline", type: "button", "aria-label": `Revoke ${key.name}` }, "Revoke");
  revoke.addEventListener("click", async () => {
    const ok = await confirmDialog({ title: "Revoke this key?", body: `Apps using “${key.name}” lose access at once.`, ok: "Revoke", danger: true });
    if (ok && (await attempt(() => del(`/api/v1/auth/keys/${encodeURIComponent(key.name)}`), `Revoked ${key.name}`))) refresh();
  });
  const used = key.last_used_at ? `last used ${when(key.last_used_at)}` : "never used";
  return h(
    "li",
    { class: "item" },
    h("div", {}, h("strong", {}, key.name), " ", h("code", {}, `${key.prefix || ""}…`), h("div", { class: "muted" }, `made ${when(key.created_at)} · ${used}`)),
    revoke,
  );
}

function pairingItem(request, refresh, refreshKeys) {
  const decide = (verb) => async () => {
    if (await attempt(() => post(`/api/v1/auth/pairing/${request.id}/${verb}`), verb === "approve" ? `Approved ${request.app}` : `Denied ${request.app}`)) {
      refresh();
      refreshKeys();
    }
  };
  const approve = h("button", { class: "btn btn-primary", type: "button", "aria-label": `Approve ${request.app}` }, "Approve");
  const deny = h("button", { class: "btn btn-danger-outline", type: "button", "aria-label": `Deny ${request.app}` }, "Deny");
  approve.addEventListener("click", decide("approve"));
  deny.addEventListener("click", decide("deny"));
  return h("li", { class: "item" }, h("div", {}, h("strong", {}, request.app), h("div", { class: "muted" }, `asked ${when(request.created_at)}`)), h("span", { class: "actions" }, approve, deny));
}
