"""``warehouse serve``: the PostgreSQL v3 wire protocol, as Amazon Redshift speaks it.

- ``messages``: framing, backend message builders, frontend message parsers.
- ``types_wire``: SQL types to PostgreSQL OIDs; vectorised text/binary column encoders;
  parameter decoders.
- ``params``: parameter type inference for Describe-before-Bind clients.
- ``auth``: the SCRAM-SHA-256 and md5 handshakes.
- ``connection``: one client's state machine (startup, simple and extended query, COPY).
- ``server``: the listener, the session registry (cancel), timeouts and shutdown.
See docs/server.md.
"""

from warehouse.server.server import Server, ServerConfig

__all__ = ["Server", "ServerConfig"]
