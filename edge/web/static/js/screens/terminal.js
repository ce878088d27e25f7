// Terminal: send G-code through the API (safety filter and job policy apply) and read the firmware's replies.

import { get, post } from "../api.js";
import { h } from "../dom.js";

export const title = "Terminal";

const POLL_MS = 1000;
const MAX_SHOWN = 500;
const NOISE = /^(ok\b|ok$| ?T:|busy:|wait$)/;

/** Build the screen in `root`; answers a function that tears it down. */
export function mount(root) {
  const output = h("ol", { class: "terminal", id: "terminal-output", role: "log", "aria-label": "Firmware traffic", tabindex: "0" });
  const input = h("input", { id: "terminal-command", autocomplete: "off", autocapitalize: "characters", spellcheck: "false", placeholder: "M105" });
  const quiet = h("input", { type: "checkbox", id: "terminal-quiet", checked: true });
  const form = h(
    "form",
    { class: "terminal-form" },
    h("label", { for: "terminal-command", class: "visually-hidden" }, "G-code command"),
    input,
    h("button", { class: "btn btn-primary", type: "submit" }, "Send"),
  );
  root.append(
    h("h1", { class: "screen-title" }, title),
    h(
      "section",
      { class: "card" },
      output,
      form,
      h("div", { class: "check" }, quiet, h("label", { for: "terminal-quiet" }, "Hide “ok”, temperature and busy lines")),
      h("p", { class: "hint" }, "Commands pass the safety filter; while a job prints only temperature, fan, speed and report commands are allowed."),
    ),
  );
  let after = 0;
  let stopped = false;
  let timer = 0;
  const history = [];
  let recall = 0;

  function show(direction, text) {
    if (quiet.checked && direction === "received" && NOISE.test(text)) return;
    const atEnd = output.scrollTop + output.clientHeight >= output.scrollHeight - 8;
    const prefix = { sent: "> ", received: "< ", error: "! " }[direction] || "";
    output.append(h("li", { class: `line line-${direction}` }, prefix + text));
    while (output.childElementCount > MAX_SHOWN) output.firstElementChild.remove();
    if (atEnd) output.scrollTop = output.scrollHeight;
  }

  async function poll() {
    try {
      const data = await get(`/api/v1/printer/console?after=${after}&limit=500`);
      for (const line of data.lines) show(line.direction, line.text);
      after = data.last_seq;
    } catch (err) {
      show("error", err.message);
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const command = input.value.trim();
    if (!command) return;
    history.push(command);
    recall = history.length;
    input.value = "";
    try {
      await post("/api/v1/printer/command", { command });
    } catch (err) {
      show("error", `${command}: ${err.message}`);
    }
    clearTimeout(timer);
    poll();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowUp" && recall > 0) input.value = history[--recall];
    else if (event.key === "ArrowDown" && recall < history.length) input.value = history[++recall] || "";
    else return;
    event.preventDefault();
  });
  poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
