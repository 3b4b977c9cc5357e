package schema

import "strings"

// Kind is the type of an attribute's value, with Vault Proxy's loose reading of it.
type Kind int

// The kinds. Vault Proxy parses HCL 1 and reads values weakly; each kind says which forms are read,
// and the compiler warns about tolerated forms that have a canonical one.
const (
	String       Kind = iota + 1 // a string; numbers and booleans are read as their text
	Bool                         // true/false; "true", "1", 1 and friends are tolerated (parseutil.ParseBool)
	Int                          // a whole number; a numeric string is tolerated
	Duration                     // "30s", "5m", "1h30m"; bare seconds (300, "300") and days ("1d") tolerated
	StringList                   // a list of strings; one comma-separated string is tolerated
	OctalString                  // a string of octal digits such as "0660" (unix socket_mode)
	FileMode                     // an integer file mode written in octal, as HCL 1 reads 0640
	TokenMode                    // true, false or "force", case-insensitive (use_auto_auth_token)
	CipherSuites                 // one comma-separated string of Go's TLS cipher suite names (crypto/tls)
	Any                          // any value; not checked (keys Vault Proxy ignores)
)

func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Bool:
		return "bool"
	case Int:
		return "number"
	case Duration:
		return "duration"
	case StringList:
		return "list of string"
	case OctalString:
		return "octal string"
	case FileMode:
		return "file mode"
	case TokenMode:
		return `bool or "force"`
	case CipherSuites:
		return "cipher suite list"
	case Any:
		return "any"
	}
	return "invalid"
}

// Attribute declares one attribute of a block body.
type Attribute struct {
	Name     string
	Kind     Kind
	Required bool
	Default  string   // the default as documented (and as the compiler applies it); "" for none
	Enum     []string // allowed values of a String or StringList attribute, lower case
	// FoldCase says Vault Proxy lower-cases the value before matching it against Enum (log_level,
	// log_format). Every other enum value is matched exactly, as Vault Proxy does.
	FoldCase bool
	// Env is the environment variable that overrides the attribute (VAULT_ADDR), and Flag the
	// command-line flag, without its dash (address); "" for none. A flag beats the variable, which
	// beats the file, as in Vault Proxy.
	Env, Flag string
	// FlagAlias is a second name of Flag (ns for namespace, as vault's -ns); "" for none.
	FlagAlias string
	Sensitive bool // never printed in plans or logs
	// NonEmpty, when set, makes "" an error for the attribute, and says why: what Vault Proxy does
	// with an empty value it cannot use (an auth method's constructor refuses it: "'role' value is
	// empty").
	NonEmpty string
	// EmptyMeans, when set, says Vault Proxy reads "" as a value of its own, not as unset, and what
	// it does with it (aws's region: an unset one is the default, us-east-1, and an empty one is
	// looked up in the environment and the instance metadata). "" is then kept as written, with no
	// warning, and plans show this text for it.
	EmptyMeans string
	// UnsetMeans, when set, says what Vault Proxy does when an attribute without a Default is not
	// written (alicloud's role_session_expiration: role_arn is then not assumed); plans show it.
	UnsetMeans string
	// Strict says Vault Proxy reads only the canonical form: it decodes the value into a typed field
	// with HCL 1 (a Bool must be true or false, not "true"; a StringList a list, not a string), or
	// takes it as it is from a map (a file sink's owner and group must be numbers, not "1000").
	// Tolerated forms are then errors here too, since Vault Proxy rejects them. A Strict String is
	// taken from a map with a type assertion: a number is refused ("could not convert 'role' config
	// value to string").
	Strict bool
	// Positive, when set, makes a number or duration of 0 or less an error for an Int or Duration
	// attribute, and says why: what Vault Proxy does with it (an auth method's constructor refuses it,
	// or a ticker of that period panics).
	Positive string
	// NegativeMeans, when set, says what Vault Proxy does with a number below 0 of an Int, which it
	// accepts but cannot use as meant (gcp's jwt_exp: each iam JWT has expired before it is sent).
	// Such a value is accepted with a warning that quotes this text, unless the attribute has no
	// effect here (its UsedOnlyWhen does not hold: jwt_exp with type gce), which has its own warning.
	NegativeMeans string
	// Above, when set, is a bound above which a number of an Int, which Vault Proxy accepts, cannot
	// work as meant, and what such a number does (gcp's jwt_exp above 60: Vault's gcp method refuses
	// every iam JWT). Such a value is accepted with a warning that quotes the Limit's text, unless
	// the attribute has no effect here (its UsedOnlyWhen does not hold), which has its own warning.
	Above *Limit
	// NotAString, for a Strict String, is the error Vault Proxy gives for a value that is not a
	// string, when it is not the usual "could not convert '<name>' config value to string" (kerberos:
	// "\"username\" must be a string"; aws: "could not convert 'region' value into string").
	NotAString string
	// ParseInt says an Int is read with parseutil.ParseInt (hashicorp/go-secure-stdlib/parseutil),
	// not decoded into a typed field: a number as HCL 1 reads it (015 is octal), but a string in
	// base 10 only ("015" is 15; "0x10" and "1_0" fail), and "" as 0.
	ParseInt bool
	// ReadOnlyWhen, when set, is the condition under which Vault Proxy reads the attribute at all
	// (aws reads credential_poll_interval only with type iam; cert reads reload_period only with
	// reload and a certificate of its own): when it does not hold, the value is never looked at, so
	// it is accepted whatever it is, with a warning that it has no effect and why. When it holds, or
	// when a value it reads is one Vault Proxy cannot read (that value's own error), the attribute is
	// checked as usual.
	ReadOnlyWhen *Condition
	// UsedOnlyWhen, when set, is the condition under which Vault Proxy uses the attribute, which it
	// reads (and so checks) whatever the condition: when it does not hold, the value is accepted with
	// a warning that it has no effect and why (alicloud's role_arn is assumed only with an access key
	// pair, role_session_name and role_session_expiration; aws's secret_key only with type iam,
	// TypeIs("iam")). A plan file may lack such a sensitive attribute's value when the condition does
	// not hold, since the method goes on without it in any case (compile.RunRefusals).
	UsedOnlyWhen *Condition
	// Ignored, when set, says why the attribute has no effect in Vault Proxy: it is accepted with a
	// warning that quotes this text.
	Ignored string
	// Deprecated, when set, is accepted with a warning that quotes this text.
	Deprecated string
	// Differs, when set, says where this project deliberately differs from Vault Proxy (docs/).
	Differs string
	// Extension, when set, says the attribute is vaultproxy's own, which Vault Proxy does not read:
	// it is accepted with a warning that quotes this text, and docs/differences.md explains it.
	Extension string
	Doc       string
}

// Limit is a bound on an Int that Vault Proxy accepts whatever it is, and what a number beyond it
// does: a fact of the server or of Vault Proxy that makes such a number useless (Attribute.Above).
type Limit struct {
	// Bound is the last number that can work; Means says what a number beyond it does, quoted
	// inside a sentence (no final period).
	Bound int64
	Means string
}

// Block declares one block type: its label, how often it may appear, and its body.
type Block struct {
	Type string
	// Label is the name of the block's one label ("type" for listener "tcp"), or "" for none.
	Label string
	// LabelAttr says the label may instead be written as an attribute of that name in the body, as
	// Vault Proxy's HCL 1 allows (listener { type = "tcp" }).
	LabelAttr bool
	// LabelValues are the allowed label values, lower case; empty allows any.
	LabelValues []string
	// RejectedLabels are label values that Vault Proxy once accepted and now rejects, each with the
	// reason quoted in the error (no final period).
	RejectedLabels map[string]string
	// ExtensionLabels are label values (also in LabelValues) that are vaultproxy's own, which Vault
	// Proxy refuses: each is accepted with a warning that quotes its text (no final period).
	ExtensionLabels map[string]string
	// Max is how many may appear in one body; 0 is unbounded.
	Max int
	// Required says at least one must appear.
	Required bool
	// AnyLabels accepts any number of labels, unchecked (blocks that are accepted only to be ignored).
	AnyLabels bool
	// AsAttr says the block may also be written as `type = { ... }`, as HCL 1 allows.
	AsAttr bool
	// Open accepts any attribute, unchecked, in addition to the declared ones.
	Open bool
	// Ignored, when set, says why the block has no effect in Vault Proxy (a warning quotes it).
	Ignored string
	// Rejected, when set, makes the block an error that quotes this text: Vault Proxy accepts it but
	// mishandles it.
	Rejected string
	// Differs, when set, says where this project deliberately differs from Vault Proxy.
	Differs    string
	Doc        string
	Attributes []*Attribute
	Blocks     []*Block
	// ByLabel replaces nested blocks by label value: the `config` of `method "approle"`.
	ByLabel map[string][]*Block
}

// Attribute returns the attribute called name, or nil.
func (b *Block) Attribute(name string) *Attribute {
	for _, a := range b.Attributes {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// Block returns the nested block type called name for the given label value, or nil.
func (b *Block) Block(name, label string) *Block {
	if repl, ok := b.ByLabel[strings.ToLower(label)]; ok {
		for _, nb := range repl {
			if nb.Type == name {
				return nb
			}
		}
	}
	for _, nb := range b.Blocks {
		if nb.Type == name {
			return nb
		}
	}
	return nil
}

// Names returns every attribute and block type name of the body, for "Did you mean" suggestions.
func (b *Block) Names(label string) []string {
	var names []string
	for _, a := range b.Attributes {
		names = append(names, a.Name)
	}
	seen := map[string]bool{}
	add := func(bs []*Block) {
		for _, nb := range bs {
			if !seen[nb.Type] {
				seen[nb.Type] = true
				names = append(names, nb.Type)
			}
		}
	}
	if repl, ok := b.ByLabel[strings.ToLower(label)]; ok {
		add(repl)
	}
	add(b.Blocks)
	return names
}

// FlagAttributes returns the attributes that a command-line flag overrides, those of Root's body first
// and then those of its blocks, depth first, in declaration order.
func FlagAttributes() []*Attribute {
	return attributesWhere(func(a *Attribute) bool { return a.Flag != "" })
}

// EnvAttributes returns the attributes that an environment variable overrides, in the order of
// FlagAttributes.
func EnvAttributes() []*Attribute {
	return attributesWhere(func(a *Attribute) bool { return a.Env != "" })
}

func attributesWhere(keep func(a *Attribute) bool) []*Attribute {
	var out []*Attribute
	var walk func(b *Block)
	walk = func(b *Block) {
		for _, a := range b.Attributes {
			if keep(a) {
				out = append(out, a)
			}
		}
		for _, nb := range b.Blocks {
			walk(nb)
		}
	}
	walk(Root)
	return out
}
