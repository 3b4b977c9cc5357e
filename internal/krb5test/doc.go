// Package krb5test runs a throw-away MIT Kerberos KDC for the project's tests: the realm whose
// tickets the kerberos auto-auth method turns into a SPNEGO Authorization header and Vault's
// kerberos auth method checks (issue 9: the kerberos auto-auth method at run time).
//
// Entry points: [Start] creates a realm (EXAMPLE.ORG) in a temporary directory with kdb5_util
// (its stash there too; KRB5_CONFIG and KRB5_KDC_PROFILE name the directory's own krb5.conf and
// kdc.conf, so /etc/krb5.conf and /etc/krb5kdc are never read), adds the principals given with
// kadmin.local, starts krb5kdc in the foreground on a free 127.0.0.1 port and stops it when the test
// ends; [KDC.Keytab] exports a principal's keys to a keytab file (kadmin.local ktadd -k), and
// [KDC.Krb5Conf] is a krb5.conf that points clients (MIT's and gokrb5's) at the KDC over TCP.
//
// The binaries come from the directory $VAULTPROXY_KRB5_BIN, which scripts/install-krb5.sh prints
// and scripts/test.sh exports, or else Debian's /usr/sbin (packages krb5-kdc and
// krb5-admin-server). Without them a test that needs the KDC is skipped locally and fails in CI
// (env CI set), as with packages vaulttest, pgtest and ldaptest.
//
// This package is for tests only: it takes a testing.TB everywhere and reports problems through it.
// Only _test.go files import it (docs' TestLayout checks).
package krb5test
