// Command vaultproxy compiles Vault Proxy configurations into a typed plan, lints them (validate),
// previews what they do (plan), and runs them as an API proxy in front of Vault (run).
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], &stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.LookupEnv))
}
