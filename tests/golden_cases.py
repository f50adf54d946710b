"""The short runs whose results are kept as golden files (tests/golden/*.json)."""

from helpers import scenario

CASES = {
    "status_quo_small": lambda: scenario("status-quo", factor=0.1, years=2),
    "justice_small": lambda: scenario("justice-2019", factor=0.1, years=2),
}
