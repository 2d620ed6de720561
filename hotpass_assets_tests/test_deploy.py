"""What can be checked of the container image, the compose stack and the Helm values without a
container engine or a cluster (see docs/how-to/deploy.md for what needs one):

* the Dockerfile parses, is multi-stage, installs from uv.lock with bytecode compiled, runs as a
  non-root user with a healthcheck, and every file it copies exists and is let through
  .dockerignore;
* the image's install commands work in a local virtual environment, and its entry point (the gRPC
  code server) starts there and answers the image's healthcheck;
* compose services, ports, commands and environment agree with the image and the instance file;
* the Helm values use only keys of the dagster/dagster chart that we document below, and agree
  with the image and with the server instance's limits.
"""

import fnmatch
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from hotpass_assets_tests.e2e.harness import ProcessGroup, free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
INFRA = ROOT / "infra"
INSTANCE = yaml.safe_load((INFRA / "dagster" / "dagster.yaml").read_text())
COMPOSE = yaml.safe_load((INFRA / "compose" / "compose.yaml").read_text())
HELM = yaml.safe_load((INFRA / "helm" / "values.yaml").read_text())


# --- Dockerfile -------------------------------------------------------------------------------


def _instructions() -> list[dict]:
    parser = DockerfileParser(str(ROOT / "Dockerfile"))
    return [i for i in parser.structure if i["instruction"] != "COMMENT"]


def _stages() -> list[list[dict]]:
    stages: list[list[dict]] = []
    for ins in _instructions():
        if ins["instruction"] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(ins)
    return stages


def _exec_form(value: str) -> list[str]:
    return json.loads(value[value.index("[") :])


def _copy_sources(ins: dict) -> list[str]:
    words = [w for w in shlex.split(ins["value"]) if not w.startswith("--")]
    return words[:-1]


def _image_cmd() -> list[str]:
    return _exec_form(
        next(i for i in reversed(_instructions()) if i["instruction"] == "CMD")["value"]
    )


def test_dockerfile_is_multi_stage_from_the_lock_non_root_with_healthcheck():
    stages = _stages()
    assert len(stages) >= 3, "uv, build and runtime stages"
    runtime = {i["instruction"]: i["value"] for i in stages[-1]}
    assert "-slim" in stages[-1][0]["value"], stages[-1][0]
    user = runtime["USER"]
    assert user not in ("root", "0") and not user.startswith("0:"), user
    assert "grpc-health-check" in runtime["HEALTHCHECK"]
    assert _image_cmd()[:3] == ["dagster", "api", "grpc"]
    syncs = [i["value"] for s in stages for i in s if "uv sync" in i["value"]]
    assert syncs and all("--frozen" in v and "--no-default-groups" in v for v in syncs), syncs
    envs = " ".join(i["value"] for s in stages[1:-1] for i in s if i["instruction"] == "ENV")
    assert "UV_COMPILE_BYTECODE=1" in envs
    # The runtime stage takes the environment from the build stage, not a compiler or uv.
    copies = [i["value"] for i in stages[-1] if i["instruction"] == "COPY"]
    assert any(v.startswith("--from=build") for v in copies)
    assert not any("/uv " in v or "uv sync" in v for v in runtime.values())


def _dockerignored(path: str) -> bool:
    """Docker's rule: the last matching line wins; ``!`` lets a path back in."""
    ignored = False
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.removeprefix("!").rstrip("/")
        parts = Path(path).parts
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        if any(fnmatch.fnmatch(p, pattern) for p in prefixes) or fnmatch.fnmatch(path, pattern):
            ignored = not negate
    return ignored


def test_every_file_the_dockerfile_copies_exists_and_reaches_the_build_context():
    sources = [
        src
        for ins in _instructions()
        if ins["instruction"] == "COPY" and "--from=" not in ins["value"]
        for src in _copy_sources(ins)
    ]
    assert sources
    for src in sources:
        assert (ROOT / src).exists(), src
        assert not _dockerignored(src), f"{src} is excluded by .dockerignore"
    assert _dockerignored(".venv") and _dockerignored(".hotpass") and _dockerignored("../shared")


def _uv() -> str:
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    assert Path(found).exists(), "uv not found (make install bootstraps it into .tools/)"
    return found


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_image_install_commands_and_code_server_entry_point_work_in_a_local_venv(tmp_path):
    """The build stage's `uv sync` lines, run here into a fresh environment, then the image's
    CMD from that environment, probed with the image's HEALTHCHECK command."""
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV" and not k.startswith("UV_")}
    for ins in _stages()[1]:  # the build stage's UV_* settings, as the image sets them
        if ins["instruction"] == "ENV":
            env.update(w.split("=", 1) for w in shlex.split(ins["value"]) if w.startswith("UV_"))
    assert env["UV_COMPILE_BYTECODE"] == "1"
    env["UV_PROJECT_ENVIRONMENT"] = str(venv)  # here instead of /opt/hotpass/venv
    env["UV_PYTHON"] = sys.executable
    env["UV_LINK_MODE"] = "hardlink"  # the image copies; a link is enough to prove the command
    for ins in _instructions():
        if ins["instruction"] == "RUN" and "uv sync" in ins["value"]:
            argv = shlex.split(ins["value"][ins["value"].index("uv sync") :])
            proc = subprocess.run(
                [_uv(), *argv[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=800
            )
            assert proc.returncode == 0, proc.stderr[-3000:]
    bin_ = venv / "bin"
    assert not (bin_ / "pytest").exists(), "development tools must not reach the image"
    site = next((venv / "lib").glob("python3.*/site-packages"))
    package = site / "hotpass_assets"
    assert package.is_dir() and not package.is_symlink(), "installed as a wheel, not editable"
    assert list((package / "__pycache__").glob("*.pyc")), "bytecode compiled"

    home = tmp_path / "dagster-home"
    home.mkdir()
    shutil.copyfile(INFRA / "dagster" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    cmd = _image_cmd()
    cmd[cmd.index("-h") + 1] = "127.0.0.1"
    cmd[cmd.index("-p") + 1] = str(port)
    run_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("HOTPASS_", "DAGSTER_"))},
        "PATH": f"{bin_}{os.pathsep}{os.environ['PATH']}",
        "DAGSTER_HOME": str(home),
        "HOTPASS_HOME": str(tmp_path / "data"),
        "GX_ANALYTICS_ENABLED": "false",
    }
    server = ProcessGroup([str(bin_ / cmd[0]), *cmd[1:]], run_env, tmp_path / "grpc.log").start()
    healthcheck = _exec_form(
        next(i for i in _instructions() if i["instruction"] == "HEALTHCHECK")["value"]
    )
    healthcheck[healthcheck.index("-p") + 1] = str(port)

    def healthy() -> bool:
        assert server.running(), (tmp_path / "grpc.log").read_text()[-3000:]
        probe = subprocess.run(
            [str(bin_ / healthcheck[0]), *healthcheck[1:]],
            env=run_env,
            capture_output=True,
            timeout=60,
        )
        return probe.returncode == 0

    started = time.monotonic()
    try:
        wait_for(healthy, timeout=240, what="the code server's health check", interval=2)
        print(f"code server healthy after {time.monotonic() - started:.1f}s")
        for entry in ("dagster-webserver", "dagster-daemon"):
            proc = subprocess.run(
                [str(bin_ / entry), "--help"], env=run_env, capture_output=True, timeout=120
            )
            assert proc.returncode == 0, (entry, proc.stderr[-2000:])
    finally:
        assert server.stop() == []


# --- compose --------------------------------------------------------------------------------


def _service(name: str) -> dict:
    return COMPOSE["services"][name]


def _env_example() -> dict[str, str]:
    text = (INFRA / "compose" / ".env.example").read_text()
    pairs = [line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")]
    return {k: v for k, v in pairs}


def _instance_env_vars(node) -> set[str]:
    if isinstance(node, dict):
        if set(node) == {"env"}:
            return {node["env"]}
        return set().union(*(_instance_env_vars(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_instance_env_vars(v) for v in node)) if node else set()
    return set()


def test_compose_services_ports_and_environment_agree():
    services = COMPOSE["services"]
    assert {"postgres", "code", "webserver", "daemon"} <= set(services)
    hotpass = ("code", "webserver", "daemon")
    assert len({_service(s)["image"] for s in hotpass}) == 1, "one image for all three"
    build = _service("code")["build"]
    assert (
        INFRA / "compose" / build["context"] / build["dockerfile"]
    ).resolve() == ROOT / "Dockerfile"

    # The code server runs the image's CMD; its port is the workspace's and the EXPOSEd one.
    assert "command" not in _service("code")
    cmd = _image_cmd()
    grpc_port = int(cmd[cmd.index("-p") + 1])
    expose = [i["value"] for i in _instructions() if i["instruction"] == "EXPOSE"]
    assert expose == [str(grpc_port)]
    workspace = yaml.safe_load((INFRA / "compose" / "workspace.yaml").read_text())
    (entry,) = [e["grpc_server"] for e in workspace["load_from"]]
    assert (entry["host"], entry["port"], entry["location_name"]) == ("code", grpc_port, "hotpass")

    # Webserver and daemon load that workspace from where the image puts it.
    copied = {
        shlex.split(i["value"])[-1]: shlex.split(i["value"])[-2]
        for i in _instructions()
        if i["instruction"] == "COPY" and "--from=" not in i["value"]
    }
    for name in ("webserver", "daemon"):
        command = _service(name)["command"]
        path = command[command.index("-w") + 1]
        assert copied.get(path) == "infra/compose/workspace.yaml", (name, path)
        assert _service(name)["depends_on"]["code"]["condition"] == "service_healthy"
    web = _service("webserver")["command"]
    web_port = web[web.index("-p") + 1]
    assert [p.rsplit(":", 1)[-1] for p in _service("webserver")["ports"]] == [web_port]
    assert web_port in " ".join(_service("webserver")["healthcheck"]["test"])

    # The instance reads only DAGSTER_PG_*; .env.example defines them, aimed at the postgres service.
    env = _env_example()
    needed = _instance_env_vars(INSTANCE)
    assert needed == {f"DAGSTER_PG_{k}" for k in ("HOST", "PORT", "DB", "USER", "PASSWORD")}
    assert needed <= set(env)
    assert env["DAGSTER_PG_HOST"] == "postgres" and env["DAGSTER_PG_DB"] == env["POSTGRES_DB"]
    assert env["DAGSTER_PG_USER"] == env["POSTGRES_USER"]
    assert env["DAGSTER_PG_PASSWORD"] == env["POSTGRES_PASSWORD"]
    for name in hotpass:
        assert _service(name)["env_file"] == ".env"
        assert _service(name)["depends_on"]["postgres"]["condition"] == "service_healthy"
    # Optional services stay out of a plain `docker compose up`.
    assert set(services) - {"postgres", *hotpass} <= {
        n for n, s in services.items() if s.get("profiles")
    }


# --- Helm -----------------------------------------------------------------------------------

#: The keys of the dagster/dagster chart (version 1.13.27) that our values set, by path ("[]" for
#: list items). The chart's values.schema.json ships inside the chart only (no package carries
#: it), so the check is structural: a key outside this list, e.g. a misspelling, fails here; the
#: CI workflow's deploy job renders the values with the real chart (`helm template`).
CHART_KEYS = {
    "global.postgresqlSecretName",
    "dagsterWebserver.replicaCount",
    "dagsterWebserver.resources",
    "dagster-user-deployments.enabled",
    "dagster-user-deployments.enableSubchart",
    "dagster-user-deployments.deployments[].name",
    "dagster-user-deployments.deployments[].image.repository",
    "dagster-user-deployments.deployments[].image.tag",
    "dagster-user-deployments.deployments[].image.pullPolicy",
    "dagster-user-deployments.deployments[].dagsterApiGrpcArgs",
    "dagster-user-deployments.deployments[].port",
    "dagster-user-deployments.deployments[].includeConfigInLaunchedRuns.enabled",
    "dagster-user-deployments.deployments[].envConfigMaps",
    "dagster-user-deployments.deployments[].envSecrets",
    "dagster-user-deployments.deployments[].resources",
    "postgresql.enabled",
    "postgresql.postgresqlHost",
    "postgresql.postgresqlUsername",
    "postgresql.postgresqlDatabase",
    "postgresql.postgresqlScheme",
    "postgresql.service.port",
    "generatePostgresqlPasswordSecret",
    "runLauncher.type",
    "runLauncher.config.k8sRunLauncher.envConfigMaps",
    "runLauncher.config.k8sRunLauncher.envSecrets",
    "runLauncher.config.k8sRunLauncher.runK8sConfig",
    "dagsterDaemon.enabled",
    "dagsterDaemon.resources",
    "dagsterDaemon.runCoordinator.enabled",
    "dagsterDaemon.runCoordinator.type",
    "dagsterDaemon.runMonitoring.enabled",
    "dagsterDaemon.runMonitoring.startTimeoutSeconds",
    "dagsterDaemon.runMonitoring.maxResumeRunAttempts",
    "dagsterDaemon.runMonitoring.pollIntervalSeconds",
    "dagsterDaemon.runRetries.enabled",
    "dagsterDaemon.runRetries.maxRetries",
    "dagsterDaemon.runRetries.retryOnAssetOrOpFailure",
    "concurrency.enabled",
    "concurrency.runs.maxConcurrentRuns",
    "concurrency.runs.tagConcurrencyLimits",
    "concurrency.pools.defaultLimit",
    "concurrency.pools.granularity",
    "telemetry.enabled",
}
#: Free-form values of the chart (Kubernetes objects or lists of them): not descended into.
OPAQUE = {"resources", "runK8sConfig", "envConfigMaps", "envSecrets", "tagConcurrencyLimits",
          "dagsterApiGrpcArgs"}  # fmt: skip


def _leaf_paths(node, prefix: str = "") -> set[str]:
    if isinstance(node, dict) and node and prefix.rsplit(".", 1)[-1] not in OPAQUE:
        return set().union(
            *(_leaf_paths(v, f"{prefix}.{k}" if prefix else k) for k, v in node.items())
        )
    if (
        isinstance(node, list)
        and node
        and isinstance(node[0], dict)
        and prefix.split(".")[-1] not in OPAQUE
    ):
        return set().union(*(_leaf_paths(v, f"{prefix}[]") for v in node))
    return {prefix}


def test_helm_values_use_known_chart_keys_and_agree_with_image_and_instance():
    assert _leaf_paths(HELM) <= CHART_KEYS, sorted(_leaf_paths(HELM) - CHART_KEYS)
    (deployment,) = HELM["dagster-user-deployments"]["deployments"]
    cmd = _image_cmd()
    assert deployment["dagsterApiGrpcArgs"] == cmd[cmd.index("-m") :]
    assert deployment["port"] == int(cmd[cmd.index("-p") + 1])
    for part in (deployment, HELM["dagsterWebserver"], HELM["dagsterDaemon"],
                 HELM["runLauncher"]["config"]["k8sRunLauncher"]["runK8sConfig"]["containerConfig"]):  # fmt: skip
        assert {"requests", "limits"} <= set(part["resources"]), part
    assert HELM["runLauncher"]["type"] == "K8sRunLauncher"
    pg = HELM["postgresql"]
    assert pg["enabled"] is False and "postgresqlPassword" not in pg
    assert HELM["generatePostgresqlPasswordSecret"] is False
    assert HELM["global"]["postgresqlSecretName"]
    assert pg["postgresqlScheme"] == INSTANCE["storage"]["postgres"]["postgres_db"]["scheme"]

    # The same limits as the server instance.
    runs, pools = INSTANCE["concurrency"]["runs"], INSTANCE["concurrency"]["pools"]
    assert HELM["concurrency"]["runs"]["maxConcurrentRuns"] == runs["max_concurrent_runs"]
    assert HELM["concurrency"]["runs"]["tagConcurrencyLimits"] == runs["tag_concurrency_limits"]
    assert HELM["concurrency"]["pools"] == {
        "defaultLimit": pools["default_limit"],
        "granularity": pools["granularity"],
    }
    daemon = HELM["dagsterDaemon"]
    assert daemon["runRetries"]["maxRetries"] == INSTANCE["run_retries"]["max_retries"]
    assert (
        daemon["runMonitoring"]["startTimeoutSeconds"]
        == INSTANCE["run_monitoring"]["start_timeout_seconds"]
    )
