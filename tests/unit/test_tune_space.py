"""Autotune spaces and configs: expansion order, validation errors, constraints."""

import re

import pytest

import tessera as ts
from tessera.tune.space import apply_constraints, config_key, config_label, expand

GUIDE_SPACE = {"TILE_M": [64, 128, 256], "TILE_N": [64, 128, 256], "TILE_K": [32, 64, 128],
               "num_warps": [4, 8, 16], "num_stages": [2, 3, 4]}


def test_space_product_in_order_last_name_fastest():
    configs = expand(space=GUIDE_SPACE)
    assert len(configs) == 243
    assert configs[0] == {"TILE_M": 64, "TILE_N": 64, "TILE_K": 32, "num_warps": 4, "num_stages": 2}
    assert configs[1]["num_stages"] == 3 and configs[-1]["TILE_M"] == 256


def test_config_list_keeps_order_and_drops_repeats():
    assert expand(configs=[{"T": 2}, {"T": 1}, {"T": 2}]) == [{"T": 2}, {"T": 1}]


def test_config_key_ignores_dict_order():
    assert config_key({"a": 1, "b": 2}) == config_key({"b": 2, "a": 1})
    assert config_label({"a": 1, "b": 2}) == "a=1 b=2"


@pytest.mark.parametrize("kwargs, message", [
    ({}, r"give the autotuner either space=\{name: \[values\]\} or configs=\[\{\.\.\.\}, \.\.\.\]"),
    ({"space": {"T": [1]}, "configs": [{"T": 1}]}, r"either space="),
    ({"space": {}}, r"space must be a non-empty dict of lists"),
    ({"space": {"T": []}}, r"space entry 'T' must map a name to a non-empty list of values"),
    ({"space": {"T": ["big"]}}, r"autotune value T='big' \(in the space\) must be an int, float or bool"),
    ({"space": {"num_warps": [0]}}, r"num_warps must be a positive int, got 0"),
    ({"space": {"num_stages": [2.5]}}, r"num_stages must be a positive int, got 2\.5"),
    ({"configs": []}, r"configs must be a non-empty list of dicts"),
])
def test_invalid_spaces_are_clear_errors(kwargs, message):
    with pytest.raises(ts.TesseraError, match=message) as e:
        expand(**kwargs)
    assert "Write instead:" in str(e.value)


def zero(x: ts.Tensor["N", ts.f32]):
    T = ts.autotune.get_param("T")
    i = ts.program_id(0) * T + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = 0.0


def test_decorator_errors_point_at_the_decorator_line_and_name_the_kernel():
    with pytest.raises(ts.TesseraError, match=r"num_warps must be a positive int") as e:
        ts.kernel.autotune(space={"T": [32], "num_warps": [-1]}, key=["N"])(zero)
    assert re.search(r"kernel 'zero', .*test_tune_space\.py:\d+", str(e.value))


def test_unknown_option_and_bad_key_are_errors():
    with pytest.raises(ts.TesseraError,
                       match=r"unknown option\(s\): budget\n.*\n.*\nWrite instead: budget_s= for budget="):
        ts.kernel.autotune(space={"T": [1]}, key=["N"], budget=3)(zero)
    with pytest.raises(ts.TesseraError, match=r"key must be a list of names, got 'N'"):
        ts.kernel.autotune(space={"T": [1]}, key="N")(zero)
    with pytest.raises(ts.TesseraError, match=r"unknown autotune strategy 'bayes'"):
        ts.kernel.autotune(space={"T": [1]}, key=["N"], strategy="bayes")(zero)


def test_constraints_rule_configs_out_with_a_reason():
    kept, out = apply_constraints(expand(space={"T": [16, 32, 64]}), lambda c: c["T"] <= 32)
    assert kept == [{"T": 16}, {"T": 32}]
    assert out == [({"T": 64}, "constraints: ruled out by constraints()")]


def test_a_raising_constraint_rules_the_config_out_visibly():
    kept, out = apply_constraints([{"T": 0}, {"T": 2}], lambda c: 64 // c["T"] > 1)
    assert kept == [{"T": 2}]
    assert out[0][1] == "constraints: constraints() raised ZeroDivisionError: integer division or modulo by zero"
