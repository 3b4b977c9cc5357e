package compile_test

import (
	"strings"
	"testing"

	"github.com/vaultproxy/vaultproxy/compile"
)

// TestRunRefusalsMethodSecrets compiles each method configuration, writes its plan file and reads
// it back: run refuses the plan file for each sensitive config key the configuration wrote and the
// method reads (one message each, in key order), and nothing from the configuration itself.
func TestRunRefusalsMethodSecrets(t *testing.T) {
	for _, c := range []struct {
		name, config string
		want         []string // prefixes of the messages, in order
	}{
		{"aws iam key pair", `type = "iam"
      role = "app"
      access_key = "AKID"
      secret_key = "s3cret"`, []string{`auto_auth method "aws": its secret_key is not in the plan file, which never holds a secret (Vault Proxy refuses access_key without it); run the configuration from its files, or give the credentials with AWS_ACCESS_KEY_ID`}},
		{"aws iam temporary credentials", `type = "iam"
      role = "app"
      access_key = "ASIA"
      secret_key = "s3cret"
      session_token = "tok"`, []string{`auto_auth method "aws": its secret_key is not in the plan file`, `auto_auth method "aws": its session_token is not in the plan file`}},
		{"aws iam from the chain", `type = "iam"
      role = "app"`, nil},
		{"aws ec2 nonce", `type = "ec2"
      role = "app"
      nonce = "5defbf9e-a8f9-3063-bdfc-54b7a42a1f95"`, []string{`auto_auth method "aws": its nonce is not in the plan file, which never holds a secret (without it a new random nonce is sent, which Vault refuses for an instance already bound to this one); run the configuration from its files`}},
		{"gcp iam credentials", `type = "iam"
      role = "app"
      credentials = "{\"client_email\": \"a@b\"}"`, []string{`auto_auth method "gcp": its credentials are not in the plan file, which never holds a secret (without them the method would log in as whoever GOOGLE_CREDENTIALS or Application Default Credentials name); run the configuration from its files, or give the credentials with GOOGLE_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS and leave credentials out`}},
		// ec2 does not use the iam keys, nor iam the nonce (UsedOnlyWhen TypeIs): without them
		// the method does the same.
		{"aws ec2 iam keys unused", `type = "ec2"
      role = "app"
      access_key = "AKID"
      secret_key = "s3cret"
      session_token = "tok"`, nil},
		{"aws iam nonce unused", `type = "iam"
      role = "app"
      nonce = "5defbf9e-a8f9-3063-bdfc-54b7a42a1f95"`, nil},
		// gce does not use credentials (UsedOnlyWhen TypeIs iam): without them it does the same.
		{"gcp gce credentials unused", `type = "gce"
      role = "app"
      credentials = "{}"`, nil},
		{"alicloud access key", `role = "dev"
      region = "cn-hangzhou"
      access_key = "LTAI"
      access_secret = "s3cret"`, []string{`auto_auth method "alicloud": its access_secret is not in the plan file, which never holds a secret (without it the credential chain skips access_key and logs in with the next credentials it finds, another identity); run the configuration from its files, or give the key with ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY`}},
		{"alicloud sts token", `role = "dev"
      region = "cn-hangzhou"
      access_key = "STS.x"
      access_secret = "s3cret"
      access_token = "tok"`, []string{`auto_auth method "alicloud": its access_secret is not`, `auto_auth method "alicloud": its access_token is not`}},
		{"alicloud key pair", `role = "dev"
      region = "cn-hangzhou"
      public_key_id = "pk"
      private_key = "-----BEGIN RSA PRIVATE KEY-----"
      session_expiration = 3600`, []string{`auto_auth method "alicloud": its private_key is not in the plan file, which never holds a secret (without it the credential chain skips the key pair`}},
		// Without session_expiration the SDK never takes the key pair (schema's aliCloudKeyPair):
		// private_key has no effect, and run does the same without it.
		{"alicloud key pair without session_expiration", `role = "dev"
      region = "cn-hangzhou"
      public_key_id = "pk"
      private_key = "-----BEGIN RSA PRIVATE KEY-----"`, nil},
		{"alicloud private_key without public_key_id", `role = "dev"
      region = "cn-hangzhou"
      private_key = "-----BEGIN RSA PRIVATE KEY-----"
      session_expiration = 3600`, nil},
		// With an access key too, the key pair's condition holds: it does not say that the SDK
		// takes the access key first, so private_key is refused as well, which errs on the side of
		// refusing.
		{"alicloud access key and key pair", `role = "dev"
      region = "cn-hangzhou"
      access_key = "LTAI"
      access_secret = "s3cret"
      public_key_id = "pk"
      private_key = "-----BEGIN RSA PRIVATE KEY-----"
      session_expiration = 3600`, []string{`auto_auth method "alicloud": its access_secret is not`, `auto_auth method "alicloud": its private_key is not`}},
		{"alicloud ram role", `role = "dev"
      region = "cn-hangzhou"
      role_name = "ecs-role"`, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			typ := strings.Fields(c.name)[0]
			src := `vault { address = "http://127.0.0.1:8200" }
auto_auth {
  method "` + typ + `" {
    config = {
      ` + c.config + `
    }
  }
}
listener "tcp" {
  address     = "127.0.0.1:8100"
  tls_disable = true
}`
			p, diags := compile.Compile([]compile.Source{{Name: "p.hcl", Bytes: []byte(src)}}, compile.Options{})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if got := compile.RunRefusals(p); len(got) != 0 {
				t.Errorf("from the configuration: RunRefusals = %q, want none", got)
			}
			b, err := p.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "s3cret") {
				t.Fatalf("the plan file holds the secret:\n%s", b)
			}
			q, diags := compile.DecodePlanFile("plan.json", b)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			got := compile.RunRefusals(q)
			if len(got) != len(c.want) {
				t.Fatalf("from the plan file: RunRefusals = %q, want %d messages", got, len(c.want))
			}
			for i, w := range c.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("message %d = %q, want it to start with %q", i, got[i], w)
				}
			}
		})
	}
}
