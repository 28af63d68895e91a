"""The SQLCipher backend: one encrypted SQLite file, its migrations, backups and rekeying."""
