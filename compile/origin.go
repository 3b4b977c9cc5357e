package compile

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// OriginKind says which kind of input decided an effective value.
type OriginKind int

// The origins of an effective value, in increasing precedence for the settings that Vault Proxy lets
// the environment and flags override (flag > env > config > default: hashicorp/vault
// command/proxy.go; docs/vault-proxy-behaviour.md).
const (
	OriginDefault OriginKind = iota // the schema default: nothing was written
	OriginConfig                    // an attribute in a configuration file
	OriginEnv                       // an environment variable
	OriginFlag                      // a command-line flag
)

func (k OriginKind) String() string {
	switch k {
	case OriginConfig:
		return "config"
	case OriginEnv:
		return "env"
	case OriginFlag:
		return "flag"
	}
	return "default"
}

// Origin is where an effective value came from: the default, a source range in a config file, or the
// name of an environment variable or flag.
type Origin struct {
	kind OriginKind
	rng  hcl.Range
	name string
}

// DefaultOrigin is the origin of a value that nothing set.
func DefaultOrigin() Origin { return Origin{kind: OriginDefault} }

// ConfigOrigin is the origin of a value written at rng (the attribute's whole range).
func ConfigOrigin(rng hcl.Range) Origin { return Origin{kind: OriginConfig, rng: rng} }

// EnvOrigin is the origin of a value taken from the environment variable name.
func EnvOrigin(name string) Origin { return Origin{kind: OriginEnv, name: name} }

// FlagOrigin is the origin of a value taken from the flag name (written without dashes).
func FlagOrigin(name string) Origin { return Origin{kind: OriginFlag, name: name} }

// Kind returns which kind of input decided the value.
func (o Origin) Kind() OriginKind { return o.kind }

// Range returns the source range of a config origin; the zero range otherwise.
func (o Origin) Range() hcl.Range { return o.rng }

// Name returns the variable or flag name of an env or flag origin.
func (o Origin) Name() string { return o.name }

// String renders the origin for people and for the JSON plan: "default", "proxy.hcl:4,3-30",
// "env VAULT_ADDR" or "flag -address".
func (o Origin) String() string {
	switch o.kind {
	case OriginConfig:
		if o.rng.Filename == "" {
			return "config"
		}
		return o.rng.String()
	case OriginEnv:
		return "env " + o.name
	case OriginFlag:
		return "flag -" + o.name
	}
	return "default"
}

// Value is one effective setting: the value in force and where it came from.
type Value[T any] struct {
	v      T
	origin Origin
	at     hcl.Range // in a plan read from a plan file: the range of the value there
}

func newValue[T any](v T, o Origin) Value[T] { return Value[T]{v: v, origin: o} }

// Get returns the value in force.
func (v Value[T]) Get() T { return v.v }

// Origin returns where the value came from.
func (v Value[T]) Origin() Origin { return v.origin }

// IsSet reports whether anything other than the default decided the value.
func (v Value[T]) IsSet() bool { return v.origin.kind != OriginDefault }

// Range returns where a diagnostic about the value points: in a plan read from a plan file, the range
// of the value in that file, whatever its origin (the origin's range names the configuration the plan
// was made from, whose text the user does not have at hand); otherwise the source range of a value
// written in a config file, or fallback, so that diagnostics about a defaulted value can point at the
// enclosing block.
func (v Value[T]) Range(fallback hcl.Range) hcl.Range {
	switch {
	case v.at.Filename != "":
		return v.at
	case v.origin.kind == OriginConfig:
		return v.origin.rng
	}
	return fallback
}

// orRange is at when it is a range (set in a plan read from a plan file), else rng.
func orRange(at, rng hcl.Range) hcl.Range {
	if at.Filename != "" {
		return at
	}
	return rng
}

func (v Value[T]) String() string { return fmt.Sprintf("%v (%s)", v.v, v.origin) }
