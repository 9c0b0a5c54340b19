"""A whole class on one JupyterHub: roster, system accounts, nbgrader's exchange and the hub's config.

Run by the hub's administrator (root on the hub's machine): ``make hub``, ``make hub-demo`` and
``course hub add-learners|release|collect|return-feedback`` (docs/hub.md).
"""
