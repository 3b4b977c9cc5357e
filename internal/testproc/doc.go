// Package testproc is what the test-server packages (vaulttest, pgtest, ldaptest, krb5test) share
// about their child process: a server started by a test, waited on in the background, and stopped
// at the test's end with a signal (SIGTERM, or SIGINT for PostgreSQL's fast shutdown) and then
// SIGKILL after a timeout. It also holds their free-port, random-hex and skip-or-fail helpers.
//
// How each server is configured, when it counts as started and what its log holds stay in its own
// package. Like those packages, this one is for tests only (docs' TestLayout checks).
package testproc
