"""Regenerate the golden results (run only after checking that a change of results is intended).

    python tests/golden/make_golden.py
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from golden_cases import CASES  # noqa: E402

from sim.experiments.executors import simulate  # noqa: E402


def main() -> None:
    for name, build in CASES.items():
        sc = build()
        out = {str(rep): simulate(sc, rep).headline for rep in range(2)}
        (HERE / f"{name}.json").write_text(json.dumps(out, indent=1, sort_keys=True, allow_nan=True) + "\n")
        print("wrote", name)


if __name__ == "__main__":
    main()
