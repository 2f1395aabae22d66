"""Errors a statistics clerk can act on: which file, what was expected."""

from __future__ import annotations

from pathlib import Path


class UnreadableFileError(Exception):
    """A whole file cannot be loaded (not a spreadsheet, no header, missing required columns)."""

    def __init__(self, path: Path | str, problem_zh: str, expected_zh: str = "") -> None:
        from .redact import redact_text

        self.path = str(path)
        self.problem_zh = redact_text(problem_zh) or ""
        self.expected_zh = redact_text(expected_zh) or ""
        message = f"文件 {self.path}：{self.problem_zh}"
        if self.expected_zh:
            message += f"；应为：{self.expected_zh}"
        super().__init__(message)

    def __reduce__(self):  # picklable with its fields (it crosses from the worker processes)
        return (type(self), (self.path, self.problem_zh, self.expected_zh))


class PartitionLoadError(Exception):
    """Some files of a partition failed; the others were loaded."""

    def __init__(self, failures: list[UnreadableFileError], loaded_files: int) -> None:
        self.failures = failures
        lines = [f"{len(failures)} 个文件无法导入（其余 {loaded_files} 个文件已导入）："]
        lines += [f"  - {f}" for f in failures]
        super().__init__("\n".join(lines))
