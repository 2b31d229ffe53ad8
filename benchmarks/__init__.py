"""Speed and load benchmarks, run by `make bench`.

Plain modules, run with ``python -m``:

* :mod:`benchmarks.engine` — the statistics engine against scikit-learn's tree,
* :mod:`benchmarks.batch` — a batch of indicators read once vs once per indicator,
* :mod:`benchmarks.cli` — the ``lnob-tree`` command against R's rpart,
* :mod:`benchmarks.uhri` — streaming a large UHRI export (and its generator, used by tests).

Management commands: ``bench_group_pages`` (group pages under load, with the loader in
:mod:`benchmarks.group_load`), ``bench_upload`` and ``bench_uhri_import``. No domain app
imports this package (an import-linter contract checks it).
"""
