"""Demo data for `make run`: the demo organisations and accounts, each stream's demo records
(``demo.<stream>.seed()``), and the synthetic DHS-like survey (:mod:`demo.synthetic`).

Loaded by ``manage.py seed_demo``. No domain app imports this package (an import-linter
contract checks it); it imports the apps' models and services, never the other way round.
"""
