"""Data to load: the bulk data of the benchmarks (`flask seed`) and the small demo set (`flask demo-data`).

    plan.py   what `flask seed` loads: users, follows, posts, messages, read state; pure and deterministic
    write.py  how it is written: bulk inserts with explicit ids (COPY on PostgreSQL), counts stored exactly
    demo.py   the demo users, posts, follows and messages, written through the models

The commands themselves are in microblog/commands/.
"""
