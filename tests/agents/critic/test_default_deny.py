"""The critic allows only the API it lists: the issue's five bodies, and one body of each refused kind, are
rejected with a one-line finding that names the call and what to use instead."""

from __future__ import annotations

import pytest

from rewardsmith.agents import Candidate, CriticFinding, StaticCritic
from rewardsmith.agents.critic.allowed_api import INSTEAD
from rewardsmith.tasks import load_task

CARTPOLE = load_task("cartpole").spec


def refusals(*lines: str) -> list[CriticFinding]:
    """The error findings on a cartpole reward whose body starts with ``lines``."""
    inner = "\n".join(f"    {line}" for line in lines)
    code = f"import torch\n\n\ndef compute_reward(pole_angle):\n{inner}\n    return pole_angle, {{'a': pole_angle}}\n"
    verdict = StaticCritic().review(Candidate(id="c", iteration=0, code=code, designer="test"), CARTPOLE)
    errors = [finding for finding in verdict.findings if finding.severity == "error"]
    assert not verdict.passed and errors
    assert all("\n" not in finding.message for finding in errors), "a finding is one line"
    return errors


def refused_as(findings: list[CriticFinding], name: str, kind: str) -> CriticFinding:
    """The finding that names ``name`` and says what to use instead for ``kind``."""
    matching = [f for f in findings if f"'{name}'" in f.message and INSTEAD[kind] in f.message]  # type: ignore[index]
    assert matching, [f.message for f in findings]
    return matching[0]


# ---- the five bodies ----------------------------------------------------------------------


def test_from_file_is_refused() -> None:
    found = refused_as(refusals("x = torch.from_file('/etc/passwd', size=10)"), "torch.from_file", "file_or_storage")
    assert found.rule == "forbidden_api" and found.line == 5


def test_untyped_storage_from_file_is_refused() -> None:
    found = refusals("path = '/out/result.json'", "s = torch.UntypedStorage.from_file(path, True, 10)")
    refused_as(found, "torch.UntypedStorage", "file_or_storage")


def test_compile_is_refused() -> None:
    refused_as(refusals("y = torch.compile(lambda x: x)(pole_angle)"), "torch.compile", "compiler")


def test_jit_compilation_unit_is_refused() -> None:
    refused_as(refusals("unit = torch.jit.CompilationUnit('def f(x): return x')"), "torch.jit", "compiler")


def test_profiler_export_chrome_trace_is_refused() -> None:
    found = refusals("torch.profiler.profile().export_chrome_trace('/out/result.json')")
    refused_as(found, "torch.profiler", "profiler_or_exporter")


# ---- one body per kind ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("torch.save(pole_angle, 'x.pt')", "torch.save"),
        ("w = torch.load('w.pt')", "torch.load"),
        ("s = pole_angle.untyped_storage()", "pole_angle.untyped_storage"),
        ("s = pole_angle.share_memory_()", "pole_angle.share_memory_"),
        ("t = torch.frombuffer(b'1234', dtype=torch.uint8)", "torch.frombuffer"),
    ],
)
def test_file_storage_and_serialisation_apis_are_refused(line: str, name: str) -> None:
    refused_as(refusals(line), name, "file_or_storage")


@pytest.mark.parametrize(
    ("line", "name"),
    [("g = torch.fx.symbolic_trace(abs)", "torch.fx"), ("e = torch.export.export", "torch.export")],
)
def test_compilers_and_code_generators_are_refused(line: str, name: str) -> None:
    refused_as(refusals(line), name, "compiler")


def test_jit_script_is_allowed_only_as_eureka_s_decorator() -> None:
    refused_as(refusals("f = torch.jit.script(abs)"), "torch.jit", "compiler")


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("p = torch.autograd.profiler.profile()", "torch.autograd"),
        ("torch.onnx.export(None, (), 'm.onnx')", "torch.onnx"),
    ],
)
def test_profilers_and_exporters_are_refused(line: str, name: str) -> None:
    refused_as(refusals(line), name, "profiler_or_exporter")


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("torch.distributed.init_process_group('gloo')", "torch.distributed"),
        ("f = torch.futures.Future()", "torch.futures"),
    ],
)
def test_distributed_and_multiprocessing_are_refused(line: str, name: str) -> None:
    refused_as(refusals(line), name, "distributed")


@pytest.mark.parametrize(
    ("line", "name"),
    [("lib = torch.library.Library('x', 'DEF')", "torch.library"), ("op = torch.ops.aten.add", "torch.ops")],
)
def test_op_libraries_are_refused(line: str, name: str) -> None:
    refused_as(refusals(line), name, "op_library")


@pytest.mark.parametrize(
    ("line", "name"),
    [("s = torch._C._get_tracing_state()", "torch._C"), ("v = pole_angle._version", "pole_angle._version")],
)
def test_private_names_are_refused(line: str, name: str) -> None:
    refused_as(refusals(line), name, "private_name")


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("torch.manual_seed(0)", "torch.manual_seed"),
        ("m = torch.nn.Linear(1, 1)", "torch.nn.Linear"),
        ("kind = type(pole_angle)", "type()"),
        ("h = pole_angle.register_hook(abs)", "pole_angle.register_hook"),
    ],
)
def test_an_unknown_call_is_refused(line: str, name: str) -> None:
    refused_as(refusals(line), name, "unknown")


@pytest.mark.parametrize(
    "lines",
    [
        ("raise SystemExit(0)",),
        ("raise KeyboardInterrupt",),
        ("raise BaseException('stop')",),
        ("def g():", "    yield 1", "gen = g()", "gen.throw(GeneratorExit)"),
        ("try:", "    pole_angle = pole_angle * 2", "except BaseException:", "    pass"),
        ("try:", "    pole_angle = pole_angle * 2", "except:", "    pass"),
    ],
)
def test_exceptions_that_are_not_exception_subclasses_are_refused(lines: tuple[str, ...]) -> None:
    assert "non_exception" in {finding.rule for finding in refusals(*lines)}


def test_the_allowed_api_passes() -> None:
    code = (
        "import torch\nimport torch.nn.functional as F\nfrom torch import linalg\n\n\n"
        "def compute_reward(pole_angle, cart_position):\n"
        "    both = torch.stack([pole_angle, cart_position], dim=-1)\n"
        "    size = linalg.vector_norm(both, dim=-1)\n"
        "    soft = F.softplus(-size) + torch.special.expit(pole_angle).clamp(0.0, 1.0)\n"
        "    if not torch.isfinite(soft).all():\n"
        "        raise ValueError('not finite')\n"
        "    total = soft.to(pole_angle.dtype).reshape(pole_angle.shape[0])\n"
        "    return total, {'soft': total}\n"
    )
    verdict = StaticCritic().review(Candidate(id="c", iteration=0, code=code, designer="test"), CARTPOLE)
    assert verdict.passed and not verdict.findings, verdict.findings
