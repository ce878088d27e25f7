// The panel's entry: sign-in or claim first, then the screens behind a hash router (#/files, #/queue, ...).

import { get, post, setCsrf } from "./api.js";
import { fill, h } from "./dom.js";
import { live } from "./live.js";
import { setupEmergencyStop } from "./components/estop.js";
import { toast } from "./components/toast.js";
import { mountSignIn } from "./screens/signin.js";
import * as dashboard from "./screens/dashboard.js";
import * as files from "./screens/files.js";
import * as make from "./screens/make.js";
import * as queue from "./screens/queue.js";
import * as preview from "./screens/preview.js";
import * as terminal from "./screens/terminal.js";
import * as system from "./screens/system.js";
import * as access from "./screens/access.js";

const SCREENS = { "": dashboard, files, make, queue, preview, terminal, system, access };

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const estop = document.getElementById("estop");
const pill = document.getElementById("state-pill");
let unmount = () => {};
let signedIn = false;

async function boot() {
  const state = await get("/api/v1/auth/state");
  if (state.signed_in) {
    const session = await get("/api/v1/auth/session");
    start(session.csrf_token);
    return;
  }
  showSignIn(state);
}

function showSignIn(state) {
  signedIn = false;
  live.stop();
  unmount();
  nav.hidden = true;
  estop.hidden = true;
  pill.hidden = true;
  document.getElementById("halt-banner").hidden = true;
  fill(main);
  document.title = state.claimed ? "Sign in · PrintEdge" : "Claim · PrintEdge";
  unmount = mountSignIn(main, { claimed: state.claimed, minPassword: state.min_password_length, onSignedIn: (token) => start(token, true) });
}

function start(csrfToken, focusHeading = false) {
  setCsrf(csrfToken);
  signedIn = true;
  buildNav();
  nav.hidden = false;
  estop.hidden = false;
  pill.hidden = false;
  live.start();
  route();
  // After signing in, the focus moves from the gone form to the new screen's heading.
  const heading = main.querySelector("h1");
  if (heading && focusHeading) {
    heading.tabIndex = -1;
    heading.focus();
  }
}

function buildNav() {
  const links = Object.entries(SCREENS).map(([path, screen]) => h("a", { href: `#/${path}`, class: "nav-link", dataset: { path } }, screen.title));
  const logout = h("button", { class: "nav-link nav-logout", type: "button" }, "Sign out");
  logout.addEventListener("click", async () => {
    await post("/api/v1/auth/logout").catch(() => {});
    setCsrf("");
    showSignIn({ claimed: true, min_password_length: 10 });
  });
  fill(nav, links, logout);
}

function route() {
  if (!signedIn) return;
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  const screen = SCREENS[path] || dashboard;
  unmount();
  fill(main);
  for (const link of nav.querySelectorAll("a")) {
    if (link.dataset.path === (SCREENS[path] ? path : "")) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${screen.title} · PrintEdge`;
  unmount = screen.mount(main, new URLSearchParams(query || "")) || (() => {});
  // Keyboard users who picked a screen land on its heading, not back at the top of the page.
  const heading = main.querySelector("h1");
  if (heading && document.activeElement?.closest("nav")) {
    heading.tabIndex = -1;
    heading.focus();
  }
}

function updatePill() {
  const { state } = live.printer;
  pill.textContent = live.connected ? state : "offline";
  pill.className = `pill pill-${live.connected ? state : "offline"}`;
  const name = live.status?.device?.name;
  if (name) document.getElementById("device-name").textContent = name;
}

window.addEventListener("hashchange", route);
// The hash is the router's: the skip link moves the focus itself instead of changing it.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener("printedge:signed-out", () => {
  if (!signedIn) return;
  toast("Your session ended; sign in again.", "error");
  showSignIn({ claimed: true, min_password_length: 10 });
});
live.addEventListener("change", updatePill);
live.addEventListener("change", (event) => {
  const { type, message } = event.detail;
  if (type === "firmware" && message.level === "error") toast(`Printer: ${message.text}`, "error");
});
setupEmergencyStop();
boot().catch((err) => fill(main, h("p", { class: "form-error", role: "alert" }, `Cannot load the panel: ${err.message}`)));
