package validate

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/compile"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// The codes of hazards' diagnostics.
var (
	codeVaultTLSNotVerified = diagcode.New("vault_tls_not_verified",
		"tls_skip_verify is on: Vault's certificate is not checked.",
		"vault {\n  address         = \"https://vault:8200\"\n  tls_skip_verify = true\n}\nlistener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\n")
	codeInvalidVaultAddress = diagcode.New("invalid_vault_address",
		"Vault's address is not an http:// or https:// URL with a host, nor unix:// with a socket path.",
		"vault {\n  address = \"vault:8200\"\n}\nlistener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\n")
	codePlainHTTPToRemoteVault = diagcode.New("plain_http_to_remote_vault",
		"Vault's address uses http:// to a host that is not loopback, so tokens cross the network unencrypted.",
		"vault {\n  address = \"http://vault.example.com:8200\"\n}\nlistener \"tcp\" {\n  address     = \"127.0.0.1:8100\"\n  tls_disable = true\n}\n")
	codeOpenListenerInjectsToken = diagcode.New("open_listener_injects_token",
		"A plain-HTTP tcp listener reachable beyond this host adds the proxy's own token to requests.",
		"listener \"tcp\" {\n  address     = \"0.0.0.0:8100\"\n  tls_disable = true\n}\napi_proxy {\n  use_auto_auth_token = true\n}\nauto_auth {\n  method \"token_file\" {\n    config = { token_file_path = \"/tmp/t\" }\n  }\n}")
)

// hazards warns about settings that work but expose Vault or the proxy's identity (issue 3).
func hazards(p *plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	v := p.Vault()
	if skip := v.TLSSkipVerify(); skip.Get() {
		diags = append(diags, warnAt(codeVaultTLSNotVerified, "Vault's certificate is not verified",
			fmt.Sprintf("tls_skip_verify is on (%s): anyone on the network path to Vault can read and change every request, tokens included. Set ca_cert instead.", skip.Origin()),
			skip.Range(v.DeclRange())))
	}
	addr := v.Address()
	ep, err := v.Endpoint()
	switch {
	case errors.Is(err, compile.ErrNoSocket):
		diags = append(diags, errorAt(codeInvalidVaultAddress, "Invalid Vault address",
			fmt.Sprintf("The address %q (%s) names no socket: write unix:// followed by the socket's path, as in unix:///run/vault/vault.sock.", addr.Get(), addr.Origin()),
			addr.Range(v.DeclRange())))
	case errors.Is(err, compile.ErrBadURL):
		diags = append(diags, errorAt(codeInvalidVaultAddress, "Invalid Vault address",
			fmt.Sprintf("The address %q (%s) is not a valid URL: %s.%s", addr.Get(), addr.Origin(), urlProblem(err), templateHint(addr.Get())),
			addr.Range(v.DeclRange())))
	case errors.Is(err, compile.ErrScheme):
		detail := fmt.Sprintf("The address %q (%s) must be an http:// or https:// URL.", addr.Get(), addr.Origin())
		if strings.HasPrefix(strings.ToLower(addr.Get()), "unix:") {
			detail = fmt.Sprintf("The address %q (%s) must be an http:// or https:// URL, or unix:// (in lower case) followed by a socket path.", addr.Get(), addr.Origin())
		}
		diags = append(diags, errorAt(codeInvalidVaultAddress, "Invalid Vault address", detail, addr.Range(v.DeclRange())))
	case errors.Is(err, compile.ErrNoHost):
		diags = append(diags, errorAt(codeInvalidVaultAddress, "Invalid Vault address",
			fmt.Sprintf("The address %q (%s) names no host.", addr.Get(), addr.Origin()),
			addr.Range(v.DeclRange())))
	case ep.Socket == "" && ep.URL.Scheme == "http" && !isLoopback(ep.URL.Hostname()):
		diags = append(diags, warnAt(codePlainHTTPToRemoteVault, "Plain HTTP to a remote Vault",
			fmt.Sprintf("Vault's address %q (%s) uses http:// to a host that is not loopback: tokens and secrets cross the network unencrypted.", addr.Get(), addr.Origin()),
			addr.Range(v.DeclRange())))
	}
	mode := p.APIProxy().UseAutoAuthToken()
	if _, hasAuth := p.AutoAuth(); hasAuth && mode.Get() != compile.TokenModeClient {
		for i := range p.Listeners() {
			l := &p.Listeners()[i]
			if l.Type().Get() != compile.ListenerTCP || !l.TLSDisable().Get() || l.Role().Get() == compile.RoleMetricsOnly {
				continue
			}
			ta, problem := l.TCPAddress()
			if problem != "" || isLoopback(ta.Host) {
				continue
			}
			diags = append(diags, warnAt(codeOpenListenerInjectsToken, "Open listener injects the auto-auth token",
				fmt.Sprintf("This tcp listener on %q is reachable beyond this host, serves plain HTTP, and adds the proxy's own token to requests (use_auto_auth_token = %s): anyone who reaches it acts as the proxy's identity. Listen on 127.0.0.1 or a unix socket, or turn TLS on with client certificates.",
					l.Address().Get(), mode.Get()),
				l.Address().Range(l.DeclRange())))
		}
	}
	return diags
}

// urlProblem is what net/url found wrong in an address ("invalid character \"{\" in host name"),
// without the address, which the diagnostic already quotes.
func urlProblem(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// templateHint explains a {{ }} template in an address, which some deployment tools expand in
// their own files but neither Vault Proxy nor vaultproxy expands in a configuration.
func templateHint(addr string) string {
	if !strings.Contains(addr, "{{") {
		return ""
	}
	return " Vault Proxy does not expand {{ }} templates: the address is read as written. Write the host out, or set it per instance with VAULT_ADDR or -address."
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
