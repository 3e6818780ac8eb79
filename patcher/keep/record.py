"""What `patcher keep` keeps, in the state directory.

last-apply.json is written by every successful `apply`: the targets it
worked on, each as the command-line option that names it again after an
update (`--go-src GOROOT`, `--go-ext <extensions folder>`, `--go-toolchains`
with the module cache, ...), and the patches applied to each kind with their
content hashes (the pins).  `patcher keep` copies (a part of) it into
kept.json, with the exact patcher to run and the companions installed;
`apply --kept` reads kept.json and appends one line per run to keep.log.
"""

import json
import sys
import time
from pathlib import Path

from patcher.errors import Refused
from patcher.state.atomicio import make_private_dir, write_atomic

LAST_APPLY = "last-apply.json"
KEPT = "kept.json"
LOG = "keep.log"
LOG_LIMIT = 256 * 1024  # keep.log is cut to its newer half beyond this
SCHEMA = 1
TOOLCHAINS = "--go-toolchains"


def _write(path: Path, doc: dict) -> None:
    make_private_dir(path.parent)
    write_atomic(path, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), mode=0o600)


def _read(path: Path) -> dict | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise Refused(f"{path}: not readable ({exc}); remove it and run the apply (and `patcher keep`) again") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise Refused(f"{path}: not a record this patcher knows (schema {doc.get('schema') if isinstance(doc, dict) else '?'})")
    return doc


def options_of(given: list, targets: list) -> list[tuple[str, str | None]]:
    """How a command's targets are named again after an update: each target's own option
    (TargetBase.kept_as), and `--go-toolchains` with its module cache even while it holds
    no toolchain yet (the next one go downloads is to be patched too)."""
    options = [t.kept_as() for _, t in targets] + [(TOOLCHAINS, arg) for kind, arg in given if kind == "go-toolchains"]
    return list(dict.fromkeys(options))


def remember_apply(state: Path, options: list, patches: dict, flags: dict) -> None:
    """After a successful apply: its options (options_of), per kind the patches applied with
    their content hashes, and the flags a re-apply needs again (--force, --strict)."""
    if not options:
        return  # (an apply that named no install: the previous record stays)
    _write(state / LAST_APPLY, {"schema": SCHEMA, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                "options": [list(o) for o in options], "flags": flags,
                                "patches": {kind: [[p.ref, p.content_sha256] for p in ps] for kind, ps in patches.items()}})


def last_apply(state: Path) -> dict | None:
    return _read(state / LAST_APPLY)


def kept(state: Path) -> dict | None:
    doc = _read(state / KEPT)
    if doc is not None:
        ok = (isinstance(doc.get("options"), list) and all(isinstance(o, list) and len(o) == 2 for o in doc["options"])
              and isinstance(doc.get("patches"), dict) and isinstance(doc.get("companions"), list)
              and isinstance(doc.get("command"), list) and isinstance(doc.get("env"), dict))
        if not ok:
            raise Refused(f"{state / KEPT}: not a record this patcher wrote (options, patches, companions, command, env); "
                          "run `patcher keep` again")
    return doc


def save_kept(state: Path, doc: dict) -> None:
    _write(state / KEPT, dict(doc, schema=SCHEMA))


def forget_kept(state: Path) -> None:
    (state / KEPT).unlink(missing_ok=True)


def given_of(options: list) -> list[tuple[str, str]]:
    """The (kind, argument) pairs that name the kept targets again (make_targets' input)."""
    return [("go-toolchains" if o == TOOLCHAINS else kind_of(o), v) for o, v in options]


def last_kept_run(state: Path) -> str | None:
    """The last line of keep.log."""
    try:
        lines = (state / LOG).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return lines[-1] if lines else None


def kind_of(option: str) -> str:
    """The kind of target a kept option names (each kind's OPTION)."""
    from patcher.targets import KINDS, target_class

    if option == TOOLCHAINS:
        return "go"
    for kind in KINDS:
        if target_class(kind).OPTION == option:
            return kind
    raise Refused(f"{option}: not an option patcher knows (a record of another patcher?); run `patcher keep` again")


def patcher_command() -> tuple[list[str], dict]:
    """The exact patcher running now, as a command another process (the
    companion) can run: this interpreter with this patcher package (through
    PYTHONPATH when the interpreter would not find it by itself, e.g. a checkout)."""
    import patcher

    package_parent = Path(patcher.__file__).resolve().parent.parent
    installed = package_parent.name in ("site-packages", "dist-packages")
    return [sys.executable, "-m", "patcher"], ({} if installed else {"PYTHONPATH": str(package_parent)})


def log(state: Path, line: str) -> None:
    """One line of keep.log (the newer half kept when it grows past LOG_LIMIT)."""
    path = state / LOG
    make_private_dir(state)
    text = f"{time.strftime('%Y-%m-%dT%H:%M:%S%z')} {' '.join(line.split())}\n"
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)
    if path.stat().st_size > LOG_LIMIT:
        data = path.read_bytes()
        write_atomic(path, data[data.index(b"\n", len(data) // 2) + 1:], mode=0o600)
