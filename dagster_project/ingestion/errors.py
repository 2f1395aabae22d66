"""Errors a statistics clerk can act on: which file, what was expected."""

from __future__ import annotations

from pathlib import Path


def valid_text(text: str) -> str:
    """`text` as valid Unicode (encodable as UTF-8: what DuckDB, logs and reports need). A file name
    whose bytes were not UTF-8 reaches Python as a str with surrogate escapes; its bytes are decoded as
    GB18030 (Chinese Windows names), with replacement characters for what is not GB18030 either."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # surrogates that are not escaped bytes
        return text.encode("utf-8", "replace").decode("utf-8")
    return raw.decode("gb18030", "replace")


class UnreadableFileError(Exception):
    """A whole file cannot be loaded (not a spreadsheet, no header, missing required columns)."""

    def __init__(self, path: Path | str, problem_zh: str, expected_zh: str = "") -> None:
        from .redact import redact_text

        self.path = valid_text(str(path))
        self.problem_zh = redact_text(valid_text(problem_zh)) or ""
        self.expected_zh = redact_text(valid_text(expected_zh)) or ""
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
