"""The watchdog's rules for one heater, sans-I/O: readings and times in, a trip out."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from edge.config.gpio import SafetyConfig


@dataclass(frozen=True)
class Trip:
    """Why a heater tripped the watchdog."""

    heater: str
    rule: str  # impossible_reading, stuck_reading, not_heating, drift, rising_while_off, runaway
    temperature: float
    target: float
    detail: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)


class HeaterWatch:
    """One heater's readings against its target; feed() returns a Trip when a rule is broken."""

    def __init__(self, heater: str, config: SafetyConfig) -> None:
        self.heater = heater
        self.config = config
        self.target: float | None = None
        self.reached = False
        self._heat_ref = (0.0, 0.0)  # (time, temperature) of the last sufficient rise
        self._lowest = 0.0  # lowest reading since the heater went above its target (or off)
        self._above = False
        self._drift_since: float | None = None
        self._stuck = (0.0, float("nan"))  # (since, value) of an unchanged reading
        self._recent: list[tuple[float, float]] = []  # the last three (temperature, target) reports

    def feed(self, temp: float, target: float, now: float) -> Trip | None:
        """Take one report at monotonic time `now`; the rules judge the median of the last three."""
        # Temperature reports carry no checksum: one damaged digit on the wire ("T:25.0" read as "T:05.0")
        # must not stop a print, so the rules see the median of three reports, one report later.
        self._recent = [*self._recent[-2:], (temp, target)]
        if len(self._recent) < 3:
            return None
        temp = sorted(t for t, _ in self._recent)[1]
        target = sorted(g for _, g in self._recent)[1]
        return self._judge(temp, target, now)

    def _judge(self, temp: float, target: float, now: float) -> Trip | None:
        cfg = self.config
        if not cfg.min_valid_c <= temp <= cfg.max_valid_c:
            return self._trip(
                "impossible_reading",
                temp,
                target,
                f"reads {temp:.1f}°C, outside {cfg.min_valid_c:g}..{cfg.max_valid_c:g}°C: "
                "a disconnected or shorted thermistor",
            )
        if target != self.target:
            self._retarget(temp, target, now)
        if temp != self._stuck[1]:
            self._stuck = (now, temp)
        elif target > 0 and abs(temp - target) > cfg.window_c and now - self._stuck[0] >= cfg.stuck_s:
            return self._trip(
                "stuck_reading",
                temp,
                target,
                f"has read exactly {temp:.2f}°C for {now - self._stuck[0]:.0f} s while its target is {target:g}°C: "
                "the thermistor is stuck or loose",
            )
        return self._rising(temp, target) or self._toward_target(temp, target, now)

    def _retarget(self, temp: float, target: float, now: float) -> None:
        self.target = target
        self.reached = False
        self._heat_ref = (now, temp)
        self._drift_since = None
        self._above = False

    def _rising(self, temp: float, target: float) -> Trip | None:
        """Above its target (or off) a heater may only cool; rising off_rise_c above its lowest is a runaway."""
        cfg = self.config
        if temp <= target + cfg.window_c and target > 0:
            self._above = False
            return None
        if not self._above:
            self._above, self._lowest = True, temp
        self._lowest = min(self._lowest, temp)
        if temp - self._lowest < cfg.off_rise_c:
            return None
        if target <= 0:
            why = f"rose from {self._lowest:.1f} to {temp:.1f}°C while switched off (target 0): the heater is stuck on"
            return self._trip("rising_while_off", temp, target, why)
        why = f"rose from {self._lowest:.1f} to {temp:.1f}°C, above its target {target:g}°C: a thermal runaway"
        return self._trip("runaway", temp, target, why)

    def _toward_target(self, temp: float, target: float, now: float) -> Trip | None:
        cfg = self.config
        if target <= 0:
            return None
        off = temp - target
        if abs(off) <= cfg.window_c:
            self.reached = True
            self._drift_since = None
            self._heat_ref = (now, temp)
            return None
        if self.reached:
            if abs(off) <= cfg.drift_c:
                self._drift_since = None
                return None
            if self._drift_since is None:
                self._drift_since = now
            if now - self._drift_since < cfg.drift_s:
                return None
            return self._trip(
                "drift",
                temp,
                target,
                f"drifted to {temp:.1f}°C, {abs(off):.1f}°C from its target {target:g}°C "
                f"(more than {cfg.drift_c:g}°C for {cfg.drift_s:g} s)",
            )
        if off > 0:
            return None  # cooling toward a lower target
        since, ref = self._heat_ref
        if temp >= ref + cfg.heat_min_rise_c:
            self._heat_ref = (now, temp)
            return None
        if now - since < cfg.heat_check_s:
            return None
        return self._trip(
            "not_heating",
            temp,
            target,
            f"rose only {temp - ref:.1f}°C in {now - since:.0f} s toward its target {target:g}°C "
            f"(needs {cfg.heat_min_rise_c:g}°C every {cfg.heat_check_s:g} s): a dead heater or a loose thermistor",
        )

    def _trip(self, rule: str, temp: float, target: float, why: str) -> Trip:
        return Trip(self.heater, rule, temp, target, f"{self.heater} {why}")
