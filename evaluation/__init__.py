"""mereffekt's pure library: matching, estimation, monetisation, monitoring, privacy.

Nothing in this package touches files, Prefect or global state.
"""

__all__: list[str] = []
