"""Checks `vllm serve` argument lists with vLLM's own parser: run INSIDE the vLLM environment.

Started by `llmopt.serve.plan.vllm_args` as `<vllm python> vllm_worker.py`; never imported by
llmopt (it imports vllm). It builds vLLM's serve parser once (about 30 s of imports on 2 cores),
then answers one JSON request per stdin line with one reply line on stdout, prefixed with MARK
(vLLM's own log lines may share stdout). Nothing here touches the network: HF_HUB_OFFLINE is set
by the caller, and a hub model that is not cached is checked against a stand-in config.json.

Request: {"argv": [...], "engine_config": bool, "stand_in": {config.json} | null}
Reply:   {"ok": bool, "stage": str, "error": str | null, "checked": [str], "note": str | null}
Stages, in order: parser (flags, types, choices), serve-args (validate_parsed_serve_args),
engine-args (EngineArgs.from_cli_args), engine-config (EngineArgs.create_engine_config: model
config against the flags, parallel sizes against heads, cache and scheduler limits).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import tempfile
import traceback

MARK = "@@llmopt-vllm-args@@ "


def _imports():
    try:
        from vllm.entrypoints.launchers.cli_args import (
            make_arg_parser,
            validate_parsed_serve_args,
        )
    except ImportError:  # vLLM before the launchers package
        from vllm.entrypoints.openai.cli_args import make_arg_parser, validate_parsed_serve_args
    try:
        from vllm.utils.argparse_utils import FlexibleArgumentParser
    except ImportError:
        from vllm.utils import FlexibleArgumentParser
    from vllm.engine.arg_utils import AsyncEngineArgs

    return make_arg_parser, validate_parsed_serve_args, FlexibleArgumentParser, AsyncEngineArgs


def main() -> None:
    import vllm

    make_arg_parser, validate, parser_class, engine_args = _imports()
    parser = make_arg_parser(parser_class(prog="vllm serve"))
    _reply({"ready": True, "vllm_version": vllm.__version__})
    for line in sys.stdin:
        if line.strip():
            request = json.loads(line)
            try:
                _reply(_check(parser, validate, engine_args, request))
            except BaseException as error:  # a bug here must not kill the worker
                _reply({"ok": False, "stage": "worker", "error": _message(error),
                        "checked": [], "note": traceback.format_exc(limit=3)})


def _check(parser, validate, engine_args, request: dict) -> dict:
    checked: list[str] = []
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            args = parser.parse_args(request["argv"])
    except SystemExit:
        return _fail("parser", _argparse_error(stderr.getvalue()), checked)
    checked.append("parser")
    if getattr(args, "model_tag", None):  # `vllm serve MODEL` does the same
        args.model = args.model_tag
    try:
        validate(args)
    except Exception as error:
        return _fail("serve-args", _message(error), checked)
    checked.append("serve-args")
    note = None
    stand_in = request.get("stand_in")
    if stand_in and not os.path.exists(args.model) and not _cached(args.model):
        folder = tempfile.mkdtemp(prefix="llmopt-stand-in-")
        with open(os.path.join(folder, "config.json"), "w") as file:
            json.dump(stand_in, file)
        note = (f"{args.model} is not available offline: engine config checked against a "
                "stand-in config.json with its stated shape")
        args.model = folder
    try:
        built = engine_args.from_cli_args(args)
    except Exception as error:
        return _fail("engine-args", _message(error), checked, note)
    checked.append("engine-args")
    if not request.get("engine_config", True):
        return {"ok": True, "stage": "engine-args", "error": None, "checked": checked,
                "note": note}
    try:
        built.create_engine_config()
    except Exception as error:
        return _fail("engine-config", _message(error), checked, note)
    checked.append("engine-config")
    return {"ok": True, "stage": "engine-config", "error": None, "checked": checked,
            "note": note}


def _cached(model: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(model, "config.json"), str)
    except Exception:
        return False


def _fail(stage: str, error: str, checked: list[str], note: str | None = None) -> dict:
    return {"ok": False, "stage": stage, "error": error, "checked": checked, "note": note}


def _argparse_error(text: str) -> str:
    errors = [line for line in text.splitlines() if ": error: " in line]
    return errors[-1].split(": error: ", 1)[1] if errors else text.strip()[-2000:]


def _message(error: BaseException) -> str:
    """The useful lines of an exception (pydantic's 'Value error, ...' without its links)."""
    lines = [line.strip() for line in str(error).splitlines()]
    kept = [line for line in lines if line and "errors.pydantic.dev" not in line]
    text = re.sub(r"\s*\[type=[^\]]*\]", "", " ".join(kept))
    text = re.sub(r"^\d+ validation errors? for \w+ ", "", text)
    return f"{type(error).__name__}: {text.replace('Value error, ', '')}"


def _reply(data: dict) -> None:
    sys.stdout.write(MARK + json.dumps(data) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
