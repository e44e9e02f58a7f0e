"""publish.format_number: numbers written for reading (issue 19)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benor_lib import publish


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (4.0, 3, "4"),  # a whole float loses its ".000000"
        (1024.0, 3, "1,024"),
        (np.float64(1_048_576.0), 3, "1,048,576"),  # whole numbers are never rounded
        (1024, 3, "1,024"),
        (np.int64(7), 3, "7"),
        (1.938, 3, "1.94"),
        (0.207, 3, "0.207"),
        (0.58476, 4, "0.5848"),
        (0.5, 3, "0.5"),  # no trailing zeros
        (12_345.67, 3, "12,346"),  # the integer part is never rounded away
        (0.0, 3, "0"),
        (-2.5, 3, "-2.5"),
        (1.45e-07, 3, "$1.45 \\times 10^{-7}$"),
        (2.0e-11, 3, "$2 \\times 10^{-11}$"),
        (4.6116860184e18, 5, "$4.6117 \\times 10^{18}$"),
        (float("nan"), 3, "–"),
    ],
)
def test_format_number(value: float, digits: int, expected: str) -> None:
    assert publish.format_number(value, digits) == expected


def test_format_number_as_text_for_prose() -> None:
    assert publish.format_number(1.45e-07, math_markup=False) == "1.45 × 10⁻⁷"
    assert publish.format_number(3.2e21, 2, math_markup=False) == "3.2 × 10²¹"


@pytest.mark.parametrize("value", [1.5, 0.0123456, 987.654321, 0.001, 3.0e-9, 7.5e20])
def test_format_number_keeps_the_value(value: float) -> None:
    # read back, the text is the value to the digits asked for, and never ends in a zero
    # after the decimal point
    text = publish.format_number(value, 4, math_markup=False)
    mantissa, _, power = text.partition(" × 10")
    exponent = int(power.translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-"))) if power else 0
    back = float(mantissa.replace(",", "")) * 10.0**exponent
    assert math.isclose(back, value, rel_tol=5e-4)
    assert not ("." in mantissa and mantissa.endswith("0"))


@pytest.mark.parametrize("bad", ["1.5", None, True])
def test_format_number_rejects_non_numbers(bad: object) -> None:
    with pytest.raises(ValueError, match="must be a number"):
        publish.format_number(bad)  # type: ignore[arg-type]


def test_format_number_rejects_bad_digits() -> None:
    with pytest.raises(ValueError, match="digits"):
        publish.format_number(1.5, 0)


def test_markdown_table_formats_floats_for_reading() -> None:
    text = publish.markdown_table(["n", "mean"], [[3, 4.0], [11, 1024.0], [7, 1.45e-07]])
    assert "| 3 | 4 |" in text and "| 11 | 1,024 |" in text
    assert "| 7 | $1.45 \\times 10^{-7}$ |" in text
    assert "000" not in text.replace("1,024", "")
