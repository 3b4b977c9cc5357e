// Command terraform-provider-vaultproxy is the Terraform/OpenTofu provider vaultproxy/vaultproxy:
// vaultproxy's compiler and validator as provider functions and a data source, so that a module
// that renders a Vault Proxy configuration (templatefile()) can test it with `terraform test` or
// `tofu test`. Terraform or OpenTofu start it; it is not run by hand.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/vaultproxy/vaultproxy/terraform-provider-vaultproxy/internal/provider"
)

// version is set by the release build (-ldflags "-X main.version=..."); "dev" otherwise.
var version = "dev"

func main() {
	debug := flag.Bool("debug", false, "run with support for debuggers such as delve (TF_REATTACH_PROVIDERS)")
	flag.Parse()
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: provider.Address,
		Debug:   *debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
