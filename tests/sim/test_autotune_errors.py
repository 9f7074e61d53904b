"""Bad input to the autotuner: each mistake is reported when the kernel is decorated, names the kernel,
points at the line to change (the decorator's, or the `ts.autotune.get_param` line) and says what to
write instead."""

import inspect
import re

import numpy as np
import pytest

import tessera as ts


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_CACHE_DIR", str(tmp_path))
    with ts.use_backend("sim"):
        yield


def double(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    B = ts.autotune.get_param("BLOCK")
    i = ts.program_id(0) * B + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = 2.0 * x[i]


def decorate(space=None, **kw):
    return ts.kernel.autotune(space=space, **kw)(double)  # the decorator line


DECORATOR_LINE = inspect.getsourcelines(decorate)[1] + 1


def check_decorator_error(err, message_rx: str, hint_rx: str) -> str:
    """The error names `double`, this file's decorator line (shown, with a caret), and what to write instead."""
    text = str(err)
    head, *rest = text.splitlines()
    assert head.startswith(f"kernel 'double', {__file__}:{DECORATOR_LINE}: "), text
    assert re.search(message_rx, head), text
    assert rest[0] == f"    {DECORATOR_LINE} | " + inspect.getsourcelines(decorate)[0][1].rstrip("\n"), text
    assert re.fullmatch(r" +\| +\^", rest[1]), text
    assert rest[-1].startswith("Write instead: ") and re.search(hint_rx, rest[-1]), text
    return text


@pytest.mark.parametrize("kwargs, message, hint", [
    # the key: names, and each one a shape symbol or parameter
    (dict(space={"BLOCK": [32, 64]}, key=["Q"]),
     r"autotune key 'Q' is not a shape symbol or parameter of double$", r'key=\["N"\]'),
    (dict(space={"BLOCK": [32]}, key=["M"]),       # one config: no sweep, still checked
     r"autotune key 'M' is not a shape symbol", r'key=\["N"\]'),
    (dict(space={"BLOCK": [32]}, key="N"), r"key must be a list of names, got 'N'", r'key=\["N"\]'),
    # the space
    (dict(space={}, key=["N"]), r"space must be a non-empty dict of lists", r"space=\{"),
    (dict(space={"BLOCK": []}, key=["N"]), r"space entry 'BLOCK' must map a name to a non-empty list",
     r'"BLOCK": \[32, 64, 128\]'),
    (dict(space={"BLOCK": 32}, key=["N"]), r"space entry 'BLOCK' must map", r'"BLOCK": \['),
    (dict(space={"BLOCK": ["big"]}, key=["N"]), r"autotune value BLOCK='big' \(in the space\) must be an int",
     r'"BLOCK": \[32, 64\]'),
    (dict(space={"BLOCK": [32], "num_warps": [0]}, key=["N"]), r"num_warps must be a positive int, got 0",
     r'"num_warps": \[4, 8\]'),
    (dict(space=None, configs=[], key=["N"]), r"configs must be a non-empty list of dicts", r"configs=\[\{"),
    (dict(space={"BLOCK": [32]}, configs=[{"BLOCK": 32}], key=["N"]), r"either space=.* or configs=",
     r"@ts.kernel.autotune\(space="),
    # options
    (dict(space={"BLOCK": [32]}, key=["N"], strategy="bayes"), r"unknown autotune strategy 'bayes'",
     r'"exhaustive", "random" .* or "halving"'),
    (dict(space={"BLOCK": [32]}, key=["N"], strategy="randm"), r"unknown autotune strategy 'randm'",
     r'^Write instead: strategy="random";'),
    (dict(space={"BLOCK": [32]}, key=["N"], target="sm_xx"), r"unknown autotune target 'sm_xx'",
     r'target="sm_90" \(H100\)'),
    (dict(space={"BLOCK": [32]}, key=["N"], budget_s=-1), r"budget_s must be a number > 0 or None, got -1",
     r"budget_s=60"),
    (dict(space={"BLOCK": [32]}, key=["N"], budget_s="60"), r"budget_s must be a number > 0 or None, got '60'",
     r"budget_s=60"),
    (dict(space={"BLOCK": [32]}, key=["N"], max_configs=0), r"max_configs must be an int >= 1 or None, got 0",
     r"max_configs=20"),
    (dict(space={"BLOCK": [32]}, key=["N"], max_configs=2.5), r"max_configs must be an int", r"max_configs=20"),
    (dict(space={"BLOCK": [32]}, key=["N"], timeout_s=0), r"timeout_s must be a number > 0", r"timeout_s=10"),
    (dict(space={"BLOCK": [32]}, key=["N"], rep_ms=0), r"rep_ms must be a number > 0, got 0", r"rep_ms=100"),
    (dict(space={"BLOCK": [32]}, key=["N"], workers=-1), r"workers must be an int >= 0", r"workers=4"),
    (dict(space={"BLOCK": [32]}, key=["N"], reference=np.zeros(3)), r"reference= must be a function, got ndarray",
     r"reference=lambda"),
    (dict(space={"BLOCK": [32]}, key=["N"], progress="bar"), r"progress= must be True, False or a function",
     r"progress=False"),
    (dict(space={"BLOCK": [32]}, key=["N"], reset_to_zero="z"),
     r"reset_to_zero names 'z', which is not a tensor parameter of double", r'reset_to_zero=\["x", "y"\]'),
    (dict(space={"BLOCK": [32]}, key=["N"], budget=3), r"unknown option\(s\): budget$", r"budget_s= for budget="),
])
def test_bad_decorator_input_is_reported_at_the_decorator_line(kwargs, message, hint):
    with pytest.raises(ts.TesseraError) as e:
        decorate(**kwargs)
    check_decorator_error(e.value, message, hint)


def test_get_param_of_a_name_no_config_gives_points_at_the_get_param_line(user_error):
    with pytest.raises(ts.TesseraError) as e:
        ts.kernel.autotune(space={"BLK": [32, 64]}, key=["N"])(double)
    text = user_error(e.value, double, 'B = ts.autotune.get_param("BLOCK")', at="ts.autotune.get_param")
    assert "kernel 'double'" in text
    assert 'ts.autotune.get_param("BLOCK") has no value: no config of the autotune space gives BLOCK' in text
    assert text.endswith('Write instead: ts.autotune.get_param("BLK"), or add "BLOCK": [...] to the space')
    with pytest.raises(ts.TesseraError, match=r'Write instead: add "BLOCK": \[32, 64\] to the space '
                                              r'\(it has "TILE", "num_warps"\)'):
        ts.kernel.autotune(space={"TILE": [32], "num_warps": [4, 8]}, key=["N"])(double)


def test_a_name_some_configs_lack_fails_only_those_configs():
    k = ts.kernel.autotune(configs=[{"BLOCK": 32}, {"BLK": 64}], key=["N"], progress=False, resources=False,
                           bench=lambda fn, config, **kw: 1.0)(double)
    x = np.arange(64, dtype=np.float32)
    y = np.zeros_like(x)
    k(x, y)
    assert np.array_equal(y, 2 * x) and k.best_config == {"BLOCK": 32}
    bad = k.autotune_results.set_index("BLK").loc[64]
    assert bad.status == "failed" and "no value for compile-time parameter 'BLOCK'" in bad.reason


def test_with_options_checks_its_values_at_its_own_line():
    k = decorate(space={"BLOCK": [32, 64]}, key=["N"])
    with pytest.raises(ts.TesseraError) as e:
        k.with_options(budget_s=0)  # the with_options line
    lines = inspect.getsourcelines(test_with_options_checks_its_values_at_its_own_line)
    line = lines[1] + next(i for i, l in enumerate(lines[0]) if "# the with_options line" in l)
    assert str(e.value).startswith(f"kernel 'double', {__file__}:{line}: budget_s must be a number > 0")
    with pytest.raises(ts.TesseraError, match=r"autotune key 'K' is not a shape symbol or parameter of double"):
        k.with_options(key=["K"])
    with pytest.raises(ts.TesseraError, match=r"unknown autotune option\(s\): warps"):
        k.with_options(warps=4)
    assert k.with_options(strategy="halving", budget_s=2).options.budget_s == 2


def test_no_runnable_config_points_at_the_decorator():
    k = decorate(space={"BLOCK": [32, 64]}, key=["N"], constraints=lambda c: False, progress=False)
    x = np.arange(64, dtype=np.float32)
    with pytest.raises(ts.TesseraError) as e:
        k(x, np.zeros_like(x))
    check_decorator_error(e.value, r"no config of double can run for N=64: 2 pruned \(constraints\)",
                          r"see double\.autotune_results for each config's reason")
