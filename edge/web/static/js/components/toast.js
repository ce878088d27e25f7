// Short messages at the bottom of the screen; errors stay until dismissed.

import { h } from "../dom.js";

/** Show a message; kind is "info" or "error". */
export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  const close = h("button", { class: "toast-close", type: "button", "aria-label": "Dismiss message" }, "×");
  const item = h("div", { class: `toast toast-${kind}` }, h("span", {}, message), close);
  close.addEventListener("click", () => item.remove());
  box.append(item);
  if (kind !== "error") setTimeout(() => item.remove(), 4000);
}

/** Run an async action; show its error as a toast instead of throwing. Answers its result or undefined. */
export async function attempt(action, success = "") {
  try {
    const result = await action();
    if (success) toast(success);
    return result;
  } catch (err) {
    toast(err.message || String(err), "error");
    return undefined;
  }
}
