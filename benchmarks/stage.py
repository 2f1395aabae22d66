"""Child-process entry point: `python -m benchmarks.stage <stage> <args.json> <out.json>`.

Runs one function of benchmarks.stages and writes its result (plus this process's peak RSS) as JSON.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    stage, args_path, out_path = argv
    from . import stages

    fn = stages.STAGES[stage]
    args = json.loads(Path(args_path).read_text("utf-8"))
    result = fn(**args)
    result["_maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["_children_maxrss_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    Path(out_path).write_text(json.dumps(result, ensure_ascii=False, default=str), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
