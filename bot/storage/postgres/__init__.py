"""The PostgreSQL backend (issue 13): the storage ports on a database the operator runs,
shared by several bot processes. It implements every port; not yet selectable: bot.bootstrap
does not wire it yet."""
