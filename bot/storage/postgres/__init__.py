"""The PostgreSQL backend (issue 13): the storage ports on a database the operator runs,
shared by several bot processes. Not yet selectable: bot.bootstrap wires it once every
port is implemented."""
