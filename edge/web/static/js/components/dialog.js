// Confirmation dialogs on the page's one <dialog>: focus is trapped and Escape cancels.

import { fill } from "../dom.js";

/**
 * Ask for confirmation. `body` is a node or text; `ok` the button label; `danger` colours it red.
 * `ready(okButton)` may wire checkboxes that enable the button. Answers true when confirmed.
 */
export function confirmDialog({ title, body, ok = "OK", cancelLabel = "Cancel", danger = false, ready = null }) {
  const dialog = document.getElementById("dialog");
  const okButton = document.getElementById("dialog-ok");
  const cancel = document.getElementById("dialog-cancel");
  fill(document.getElementById("dialog-title"), title);
  fill(document.getElementById("dialog-body"), body);
  okButton.textContent = ok;
  cancel.textContent = cancelLabel;
  okButton.className = danger ? "btn btn-danger" : "btn btn-primary";
  okButton.disabled = false;
  if (ready) ready(okButton);
  return new Promise((resolve) => {
    const onCancel = () => dialog.close("cancel");
    cancel.addEventListener("click", onCancel);
    dialog.addEventListener(
      "close",
      () => {
        cancel.removeEventListener("click", onCancel);
        resolve(dialog.returnValue === "ok");
      },
      { once: true },
    );
    dialog.returnValue = "";
    dialog.showModal();
    cancel.focus();
  });
}
