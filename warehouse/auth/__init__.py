"""Users, groups, passwords and privileges (Redshift's security model, stored in the catalog).

- ``model``: the records (``AuthState`` and friends) that ``storage/manifest.State`` persists.
- ``users``: the read API the catalog relations (pg_user, pg_group, ...) are built on.
- ``passwords``: SCRAM-SHA-256 verifiers and md5 hashes (never plaintext).
- ``privileges``: the check every statement makes before touching a relation.
- ``statements``: CREATE/ALTER/DROP USER, CREATE/ALTER/DROP GROUP, GRANT, REVOKE.
"""
