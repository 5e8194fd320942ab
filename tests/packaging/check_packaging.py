#!/usr/bin/env python3
"""Checks the operator packaging that this project's machines cannot build (no registry for
debian:12): the Dockerfile (a small lint, and its runtime package list against the libraries the
acepool binary actually links) and the compose files (parsed, with the expected services,
volumes and settings).

  check_packaging.py dockerfile BINARY DOCKERFILE
  check_packaging.py compose docker-compose.yml docker-compose.gluetun.yml
Exits 1 with one line per problem.
"""
import os
import re
import shlex
import subprocess
import sys

# In debian:12-slim already (essential or required by apt).
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}


def stages(text):
    """The Dockerfile's instructions per stage: [(from_line, [(INSTRUCTION, args)])]."""
    text = re.sub(r"\\\n", " ", text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            out.append((rest.strip(), []))
        elif out:
            out[-1][1].append((word, rest.strip()))
    return out


def installed_packages(instructions):
    pkgs = set()
    for word, args in instructions:
        if word != "RUN":
            continue
        for cmd in args.split("&&"):
            tokens = shlex.split(cmd)
            if tokens[:2] == ["apt-get", "install"]:
                pkgs |= {t for t in tokens[2:] if not t.startswith("-")}
    return pkgs


def package_of(path):
    candidates = [path, os.path.realpath(path)]
    for p in list(candidates):
        if p.startswith("/usr/"):
            candidates.append(p[4:])
        else:
            candidates.append("/usr" + p)
    for p in candidates:
        r = subprocess.run(["dpkg", "-S", p], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.split(":", 1)[0].strip()
    return None


def linked_packages(binary):
    """Debian packages of the libraries the binary links directly (DT_NEEDED)."""
    needed = re.findall(r"NEEDED\s+(\S+)", subprocess.run(["objdump", "-p", binary], capture_output=True,
                                                          text=True, check=True).stdout)
    paths = dict(re.findall(r"^\s*(\S+) => (/\S+)", subprocess.run(["ldd", binary], capture_output=True,
                                                                    text=True, check=True).stdout, re.M))
    pkgs, problems = {}, []
    for lib in needed:
        path = paths.get(lib)
        pkg = package_of(path) if path else None
        if pkg is None:
            problems.append(f"no Debian package found for {lib} ({path})")
        else:
            pkgs[lib] = pkg
    return pkgs, problems


def check_dockerfile(binary, dockerfile):
    problems = []
    with open(dockerfile) as f:
        st = stages(f.read())
    if len(st) != 2:
        return [f"expected a build stage and a runtime stage, found {len(st)} FROM lines"]
    (build_from, build), (run_from, run) = st
    if not re.fullmatch(r"debian:12\S* AS build", build_from, re.I):
        problems.append(f"build stage must be FROM debian:12... AS build, is {build_from!r}")
    if not re.fullmatch(r"debian:12\S*", run_from) or run_from.endswith(":latest"):
        problems.append(f"runtime stage must use a pinned Debian 12 image, is {run_from!r}")
    for word, args in build + run:
        if word == "ADD":
            problems.append("use COPY, not ADD")
        if word == "RUN" and "apt-get install" in args:
            if "--no-install-recommends" not in args:
                problems.append("apt-get install without --no-install-recommends")
            if "rm -rf /var/lib/apt/lists/*" not in args:
                problems.append("apt lists not removed in the same RUN as apt-get install")
    words = [w for w, _ in run]
    for needed in ("USER", "HEALTHCHECK", "EXPOSE", "VOLUME", "ENTRYPOINT", "LABEL"):
        if needed not in words:
            problems.append(f"runtime stage has no {needed}")
    for word, args in run:
        if word == "USER" and args.split(":")[0] in ("root", "0"):
            problems.append("runtime stage runs as root")
        if word == "HEALTHCHECK" and "--healthcheck" not in args:
            problems.append("HEALTHCHECK must run acepool --healthcheck")
        if word == "ENTRYPOINT" and not args.startswith("["):
            problems.append("ENTRYPOINT must use the exec form (signals reach acepool)")
        if word == "VOLUME" and "/data" not in args:
            problems.append("the database volume /data is missing")
        if word == "COPY" and "--from=build" not in args:
            problems.append(f"runtime COPY not from the build stage: {args}")
    runtime = installed_packages(run)
    linked, lib_problems = linked_packages(binary)
    problems += lib_problems
    required = set(linked.values()) - BASE_PACKAGES
    for lib, pkg in sorted(linked.items()):
        if pkg in required and pkg not in runtime:
            problems.append(f"runtime stage lacks {pkg} (acepool links {lib})")
    for pkg in sorted(runtime - required - {"ca-certificates"}):
        problems.append(f"runtime stage installs {pkg}, which acepool does not link")
    return problems


def check_compose(files):
    import yaml
    problems = []
    for path in files:
        with open(path) as f:
            doc = yaml.safe_load(f)
        name = os.path.basename(path)
        services = doc.get("services", {})
        ace = services.get("acepool")
        if not ace:
            problems.append(f"{name}: no acepool service")
            continue
        env = ace.get("environment", {})
        vols = ace.get("volumes", [])
        if "/var/run/docker.sock:/var/run/docker.sock" not in vols:
            problems.append(f"{name}: acepool does not mount the Docker socket")
        if not any(str(v).endswith(":/data") for v in vols):
            problems.append(f"{name}: acepool has no /data volume for the database")
        if not str(env.get("DB_URL", "")).startswith("sqlite:////data/"):
            problems.append(f"{name}: DB_URL does not point into /data")
        if ace.get("network_mode") != "host":
            problems.append(f"{name}: acepool must use the host network (engines publish on loopback)")
        if not ace.get("group_add"):
            problems.append(f"{name}: acepool needs the Docker socket's group (group_add)")
        named = [str(v).split(":")[0] for v in vols if not str(v).startswith("/")]
        for vol in named:
            if vol not in (doc.get("volumes") or {}):
                problems.append(f"{name}: volume {vol} is not declared")
        if "gluetun" in name:
            g = services.get("gluetun")
            if not g:
                problems.append(f"{name}: no gluetun service")
                continue
            gname = g.get("container_name")
            if env.get("GLUETUN_CONTAINER_NAME") != gname:
                problems.append(f"{name}: GLUETUN_CONTAINER_NAME {env.get('GLUETUN_CONTAINER_NAME')!r} "
                                f"is not the gluetun container_name {gname!r}")
            low, high = (int(p) for p in str(env.get("GLUETUN_PORT_RANGE", "0-0")).split("-"))
            ports = " ".join(str(p) for p in g.get("ports", []))
            if f"{low}-{high}:{low}-{high}" not in ports:
                problems.append(f"{name}: gluetun does not publish GLUETUN_PORT_RANGE {low}-{high}")
            if f":{env.get('GLUETUN_API_PORT', '8000')}" not in ports:
                problems.append(f"{name}: gluetun does not publish its control port")
            if "GLUETUN_API_KEY" not in env:
                problems.append(f"{name}: GLUETUN_API_KEY is not set")
    return problems


def main(argv):
    if len(argv) >= 3 and argv[1] == "dockerfile":
        problems = check_dockerfile(argv[2], argv[3])
    elif len(argv) >= 3 and argv[1] == "compose":
        problems = check_compose(argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
