// Package pgtest runs a throw-away PostgreSQL 15 server for the project's tests: the database that
// Vault's database secrets engine issues leased credentials for (issue 5: leased dynamic secrets
// from a real secrets engine).
//
// Entry points: [Start] initialises a cluster in a temporary directory (initdb), starts `postgres` on
// a free 127.0.0.1 port with a random superuser password and stops it when the test ends; [Server]
// gives its address, a connection URL for Vault's postgresql-database-plugin, and [Server.Query]
// runs SQL through psql as any user (to check that issued credentials really log in);
// [Server.MountDatabaseEngine] points a Vault database secrets engine at it.
//
// The binaries (initdb, postgres, psql) come from $VAULTPROXY_PG_BIN, a directory that
// scripts/install-postgres.sh prints and scripts/test.sh exports, or else from Debian's
// /usr/lib/postgresql/15/bin. PostgreSQL refuses to run as root: when the tests run as root the
// server runs as the "postgres" user that Debian's package creates. Without the binaries a test that
// needs them is skipped locally and fails in CI (env CI set), as with package vaulttest.
//
// This package is for tests only: it takes a testing.TB everywhere and reports problems through it.
// Only _test.go files import it (docs' TestLayout checks).
package pgtest
