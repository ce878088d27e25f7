"""The typed configuration schema; bounds live beside each field."""

from __future__ import annotations

from dataclasses import dataclass, field

from edge.config.fields import bounded as bounded
from edge.config.gpio import GpioConfig, SafetyConfig

# The simulator's heater faults (edge.printer.simulator.heaters), for the watchdog's tests and demos.
HEATER_FAULTS = ("none", "dead", "thermistor_open", "stuck", "runaway")


@dataclass(kw_only=True)
class DeviceConfig:
    """Identity and where data lives."""

    name: str = "PrintEdge"
    data_dir: str = "~/.local/share/printedge"


@dataclass(kw_only=True)
class LimitsConfig:
    """Temperatures the safety filter never lets through."""

    hotend_max_c: float = bounded(285.0, 0, 500)
    bed_max_c: float = bounded(120.0, 0, 200)


@dataclass(kw_only=True)
class MachineConfig:
    """What the printer is: its model and build volume, for clients that ask (the OctoPrint printer profile)."""

    model: str = "Generic Marlin printer"
    width_mm: float = bounded(250.0, 1, 10000)
    depth_mm: float = bounded(210.0, 1, 10000)
    height_mm: float = bounded(210.0, 1, 10000)
    heated_bed: bool = True
    extruders: int = bounded(1, 1, 16)
    nozzle_diameter_mm: float = bounded(0.4, 0.05, 5)


@dataclass(kw_only=True)
class PrinterConfig:
    """How to reach the printer and how to stream to it."""

    port: str = "virtual"
    baud: int = bounded(250000, 300, 4000000)
    window: str = "auto"
    rx_buffer_size: int = bounded(128, 16, 65536)
    max_inflight_lines: int = bounded(32, 1, 256)
    max_line_length: int = bounded(96, 16, 1024)
    history_size: int = bounded(2048, 64, 1_000_000)
    command_timeout_s: float = bounded(10.0, 0.05, 3600)
    long_command_timeout_s: float = bounded(1800.0, 1, 86400)
    probe_attempts: int = bounded(5, 1, 100)
    resend_loop_limit: int = bounded(25, 2, 1000)
    clean_lines_to_widen: int = bounded(200, 1, 1_000_000)
    max_clean_lines_to_widen: int = bounded(12800, 1, 100_000_000)
    overcommit: str = bounded("off", choices=("off", "adaptive", "on"))
    planner_blocks: int = bounded(16, 1, 4096)
    keepalive_misses: int = bounded(3, 2, 100)
    estop_dtr_reset: bool = False
    temperature_interval_s: float = bounded(2.0, 0.2, 60)
    handshake_timeout_s: float = bounded(10.0, 0.5, 120)
    reconnect_max_backoff_s: float = bounded(30.0, 0.5, 600)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    machine: MachineConfig = field(default_factory=MachineConfig)


@dataclass(kw_only=True)
class SimulatorConfig:
    """The built-in virtual printer used when printer.port is 'virtual'."""

    baud: int = bounded(250000, 300, 4000000)
    latency_ms: float = bounded(2.0, 0, 1000)
    rx_buffer: int = bounded(128, 16, 65536)
    command_buffer: int = bounded(4, 1, 128)
    planner_buffer: int = bounded(16, 1, 256)
    advanced_ok: bool = True
    time_scale: float = bounded(1.0, 0, 1000)
    fault_rate: float = bounded(0.0, 0, 0.5)
    command_time_ms: float = bounded(0.0, 0, 10000)
    blocking_replies: bool = False
    stall_every_ms: float = bounded(0.0, 0, 3_600_000)
    stall_ms: float = bounded(0.0, 0, 60000)
    emergency_parser: bool = True
    dialect: str = bounded("marlin", choices=("marlin", "prusa", "reprapfirmware", "klipper", "repetier"))
    executed_memory_lines: int = bounded(1000, 1, 10_000_000)
    hotend_fault: str = bounded("none", choices=HEATER_FAULTS)
    bed_fault: str = bounded("none", choices=HEATER_FAULTS)


@dataclass(kw_only=True)
class JobsConfig:
    """Queue behaviour and the scripts run on pause and cancel."""

    auto_continue: bool = False
    auto_confirm: bool = False  # a job from text or a model queues without waiting for a person to confirm it
    recovery_interval_s: float = bounded(5.0, 0.5, 600)
    park_retract_mm: float = bounded(2.0, 0, 50)
    park_lift_mm: float = bounded(10.0, 0, 200)
    park_x: float = bounded(0.0, -1000, 1000)
    park_y: float = bounded(200.0, -1000, 1000)
    park_feedrate: float = bounded(3000.0, 1, 100000)
    resume_lift_mm: float = bounded(2.0, 0, 50)
    resume_prime_mm: float = bounded(2.0, 0, 50)
    resume_prime_feedrate: float = bounded(300.0, 1, 10000)
    stop_timeout_s: float = bounded(30.0, 1, 600)
    end_script: list[str] = field(default_factory=lambda: ["M104 S0", "M140 S0", "M107", "M84"])


@dataclass(kw_only=True)
class ApiConfig:
    """The local HTTP API."""

    host: str = "::"  # every interface, IPv4 and IPv6 (one dual-stack socket)
    port: int = bounded(8080, 0, 65535)
    max_upload_mb: int = bounded(512, 1, 16384)
    cors_origins: list[str] = field(default_factory=list)  # empty: no cross-origin access at all


@dataclass(kw_only=True)
class AuthConfig:
    """Who may use the API: sessions, keys, pairing and the limits on failed attempts."""

    lan_read_only: bool = False  # GET status endpoints without credentials from LAN addresses
    min_password_length: int = bounded(10, 8, 1024)
    session_hours: float = bounded(168.0, 0.01, 8760)
    pairing_timeout_s: float = bounded(300.0, 1, 86400)
    max_pending_pairings: int = bounded(20, 1, 1000)
    max_failures: int = bounded(10, 1, 10000)
    failure_window_s: float = bounded(300.0, 1, 86400)


@dataclass(kw_only=True)
class AuditConfig:
    """How long the audit log keeps who did what."""

    max_age_days: int = bounded(90, 1, 3650)
    max_entries: int = bounded(10000, 100, 1_000_000)


@dataclass(kw_only=True)
class AgentsConfig:
    """Text and models to G-code: the worker process, the slicer and its profiles, upload limits."""

    slicer_path: str = "prusa-slicer"
    profiles_dir: str = ""  # empty: the profiles shipped in config/profiles
    printer_profile: str = bounded("generic_marlin_220", choices=("generic_marlin_220", "prusa_mk3s", "ender3_v2"))
    material: str = bounded("PLA", choices=("PLA", "PETG", "ABS", "TPU"))
    quality: str = bounded("standard", choices=("draft", "standard", "fine", "ultra"))
    cad_timeout_s: float = bounded(120.0, 1, 3600)
    slice_timeout_s: float = bounded(600.0, 1, 86400)
    worker_nice: int = bounded(10, 0, 19)
    max_model_mb: int = bounded(100, 1, 4096)
    max_triangles: int = bounded(2_000_000, 100, 100_000_000)


@dataclass(kw_only=True)
class FleetConfig:
    """Signed fleet commands over MQTT and the Home Assistant buttons."""

    trusted_keys: list[str] = field(default_factory=list)  # "key-id:base64-public-key", or a file of such lines
    command_max_age_s: float = bounded(60.0, 1, 3600)
    command_max_future_s: float = bounded(10.0, 0, 3600)
    allow_homeassistant_buttons: bool = False


@dataclass(kw_only=True)
class DiscoveryConfig:
    """mDNS: how phones, browsers and slicers find the device on the LAN."""

    enabled: bool = True
    name: str = ""  # the advertised name; empty: device.name
    interfaces: str = bounded("all", choices=("all", "loopback"))
    address_poll_s: float = bounded(5.0, 0.1, 3600)


@dataclass(kw_only=True)
class HealthConfig:
    """Host health: how often it is sampled, the disk reserve, and where a Raspberry Pi reports heat and power."""

    interval_s: float = bounded(5.0, 0.1, 3600)
    min_free_mb: int = bounded(50, 0, 1_000_000)
    soc_temperature_path: str = "/sys/class/thermal/thermal_zone0/temp"
    throttled_command: str = "vcgencmd get_throttled"  # empty: not read


@dataclass(kw_only=True)
class MqttConfig:
    """Fleet telemetry over MQTT; an empty url turns it off."""

    url: str = ""  # mqtt://user:pass@host:1883, mqtts://..., ws://..., wss://...
    protocol: str = bounded("5", choices=("5", "3.1.1"))
    ca_file: str = ""  # empty: the system's trusted CAs (for mqtts:// and wss://)
    cert_file: str = ""  # client certificate, with key_file, for brokers that ask for one
    key_file: str = ""
    client_id: str = ""  # empty: printedge-<device id>
    topic_prefix: str = "printedge"
    keepalive_s: int = bounded(30, 5, 3600)
    connect_timeout_s: float = bounded(10.0, 1, 120)
    reconnect_min_backoff_s: float = bounded(1.0, 0.1, 60)
    reconnect_max_backoff_s: float = bounded(60.0, 1, 3600)
    state_max_rate_hz: float = bounded(2.0, 0.01, 50)
    telemetry_interval_s: float = bounded(10.0, 0.1, 3600)
    health_interval_s: float = bounded(60.0, 1, 86400)
    max_inflight: int = bounded(20, 1, 1000)
    outbox_max_events: int = bounded(10000, 10, 10_000_000)
    outbox_max_age_s: float = bounded(7 * 86400.0, 60, 365 * 86400.0)


@dataclass(kw_only=True)
class OtaConfig:
    """Over-the-air configuration: who may sign it, how big it may be, how long a new one has to prove healthy."""

    enabled: bool = True
    trusted_keys: list[str] = field(default_factory=list)  # empty: fleet.trusted_keys
    max_document_kb: int = bounded(64, 1, 1024)
    health_deadline_s: float = bounded(20.0, 0.5, 600)
    idle_poll_s: float = bounded(1.0, 0.05, 60)


@dataclass(kw_only=True)
class AppConfig:
    """The whole configuration."""

    device: DeviceConfig = field(default_factory=DeviceConfig)
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    simulator: SimulatorConfig = field(default_factory=SimulatorConfig)
    jobs: JobsConfig = field(default_factory=JobsConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    audit: AuditConfig = field(default_factory=AuditConfig)
    agents: AgentsConfig = field(default_factory=AgentsConfig)
    fleet: FleetConfig = field(default_factory=FleetConfig)
    discovery: DiscoveryConfig = field(default_factory=DiscoveryConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    gpio: GpioConfig = field(default_factory=GpioConfig)
    safety: SafetyConfig = field(default_factory=SafetyConfig)
    ota: OtaConfig = field(default_factory=OtaConfig)
    log_level: str = bounded("INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
