//go:build vaultproxy_testhooks

package autoauth

import "os"

// Built only with -tags vaultproxy_testhooks, which the run tests use for a second vaultproxy
// binary (cmd/vaultproxy run_signals_test.go): VAULTPROXY_TESTHOOK_ALICLOUD_METADATA_URL points the
// alicloud method's instance metadata service, which is fixed otherwise, at a loopback stand-in, so
// that a test can make building the method wait as it does off ECS.
func init() {
	if u := os.Getenv("VAULTPROXY_TESTHOOK_ALICLOUD_METADATA_URL"); u != "" {
		alicloudMetadataURL = u
	}
}
