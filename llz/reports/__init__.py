"""Reports of ``llz check``: SARIF 2.1.0 (code scanning), Markdown (the PR comment) and JUnit XML (CI test tabs).

Each module has ``render(results: list[llz.results.StackResult])``; ``locations`` maps findings to lines of the
stack files so reviewers land on the config key that produced the resource.
"""
