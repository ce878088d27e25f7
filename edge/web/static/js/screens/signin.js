// First-run claim (setup code, user, password) and sign-in; calls onSignedIn(csrfToken) when done.

import { post } from "../api.js";
import { field, h } from "../dom.js";

/** Show the claim form (unclaimed device) or the sign-in form in `root`. */
export function mountSignIn(root, { claimed, minPassword, onSignedIn }) {
  const error = h("p", { class: "form-error", id: "signin-error", role: "alert" });
  const user = field("User name", { name: "username", id: "username", autocomplete: "username", required: true, maxlength: 32 });
  const password = field(
    "Password",
    { name: "password", id: "password", type: "password", autocomplete: claimed ? "current-password" : "new-password", required: true, minlength: claimed ? null : minPassword },
    claimed ? "" : `At least ${minPassword} characters.`,
  );
  const code = claimed
    ? null
    : field("Setup code", { name: "setup_code", id: "setup-code", autocomplete: "one-time-code", required: true, autocapitalize: "characters", spellcheck: "false" }, "Run `printedge auth setup-code` on the device, or read it from the log of `printedge run`.");
  const submit = h("button", { class: "btn btn-primary btn-block", type: "submit" }, claimed ? "Sign in" : "Claim this device");
  const form = h("form", { class: "signin-form", "aria-describedby": "signin-error" }, code?.wrap, user.wrap, password.wrap, error, submit);
  root.append(
    h(
      "section",
      { class: "card signin" },
      h("h1", { class: "screen-title" }, claimed ? "Sign in" : "Welcome to PrintEdge"),
      claimed ? null : h("p", {}, "This device has no owner yet. Claim it with the one-time setup code to become its owner."),
      form,
    ),
  );
  (code || user).input.focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    submit.disabled = true;
    try {
      const body = { username: user.input.value.trim(), password: password.input.value };
      const answer = claimed ? await post("/api/v1/auth/login", body) : await post("/api/v1/auth/claim", { ...body, setup_code: code.input.value });
      onSignedIn(answer.csrf_token);
    } catch (err) {
      error.textContent = err.message;
      submit.disabled = false;
    }
  });
  return () => {};
}
