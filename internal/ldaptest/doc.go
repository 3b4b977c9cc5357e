// Package ldaptest runs a throw-away OpenLDAP server (slapd) for the project's tests: the directory
// that Vault's ldap auth method checks passwords against (issue 9: the ldap auto-auth method at run
// time).
//
// Entry points: [Start] writes a slapd.conf with one mdb database (suffix dc=example,dc=org, its
// users under ou=users) into a temporary directory, loads the users given with slapadd, starts slapd
// on a free 127.0.0.1 port and stops it when the test ends; [Server] gives its URL and the DNs and
// credentials to configure Vault's ldap auth method with ([Server.VaultConfig]), and
// [Server.SetPassword] changes a user's password through ldapmodify.
//
// slapd comes from $VAULTPROXY_SLAPD_BIN, which scripts/install-slapd.sh prints and scripts/test.sh
// exports, or else Debian's /usr/sbin/slapd (package slapd; slapadd is its sibling, ldapmodify is
// looked up in PATH, package ldap-utils). Without slapd a test that needs it is skipped locally and
// fails in CI (env CI set), as with packages vaulttest and pgtest.
//
// This package is for tests only: it takes a testing.TB everywhere and reports problems through it.
// Only _test.go files import it (docs' TestLayout checks).
package ldaptest
