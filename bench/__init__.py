"""The benchmarks (bench/README.md): `python -m bench.run`, `bench.streams`, `bench.sends`, `bench.tabs`, ...

A regular package, not a namespace one: bench.streams signs session cookies with `Flask("bench")`, which needs
the package's path."""
