// The emergency stop in the top bar (one tap, no question) and the reset banner after it.

import { post } from "../api.js";
import { live } from "../live.js";
import { toast } from "./toast.js";

/** Wire the stop button and the halt banner; they follow the printer's state. */
export function setupEmergencyStop() {
  const stop = document.getElementById("estop");
  const banner = document.getElementById("halt-banner");
  const text = document.getElementById("halt-text");
  const reset = document.getElementById("reset-printer");
  stop.addEventListener("click", async () => {
    stop.disabled = true;
    try {
      const result = await post("/api/v1/printer/emergency-stop", { reason: "panel button" });
      toast(`Emergency stop sent (${result.path.replace(/_/g, " ")})`, "error");
    } catch (err) {
      toast(`Emergency stop failed: ${err.message}`, "error");
    } finally {
      stop.disabled = false;
    }
  });
  reset.addEventListener("click", async () => {
    reset.disabled = true;
    text.textContent = "Resetting the printer…";
    try {
      const printer = await post("/api/v1/printer/reset");
      toast(printer.state === "ready" ? "Printer reset and ready" : `Printer is ${printer.state}: ${printer.detail}`);
    } catch (err) {
      toast(`Reset failed: ${err.message}`, "error");
    } finally {
      reset.disabled = false;
      update();
    }
  });
  function update() {
    const { state, detail } = live.printer;
    const halted = state === "halted" || state === "error";
    banner.hidden = !halted;
    if (halted) text.textContent = `The printer is ${state}: ${detail}`;
  }
  live.addEventListener("change", (event) => {
    if (["snapshot", "link_state", "status"].includes(event.detail.type)) update();
  });
}
