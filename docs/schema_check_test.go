package docs

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vaultproxy/vaultproxy/schema"
)

// The schema self-check, in the manner of Terraform's InternalValidate: the schema is data that the
// compiler, the "Did you mean" suggestions and this reference all trust, so its own mistakes are caught
// here rather than by a user. Each check is its own test so that one can be skipped on its own.

var validName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// entry is one block or attribute of the schema, with where it is.
type entry struct {
	where string // "listener > socket_mode"
	block *schema.Block
	attr  *schema.Attribute
}

func entries() []entry {
	var out []entry
	walkBlocks(schema.Root, func(path []string, b *schema.Block) {
		where := strings.Join(path, " > ")
		if len(path) > 0 {
			out = append(out, entry{where: where, block: b})
		}
		for _, a := range b.Attributes {
			out = append(out, entry{where: strings.TrimPrefix(where+" > "+a.Name, " > "), attr: a})
		}
	})
	return out
}

// bodies calls fn for every body of the schema: each block with the nested blocks that apply to one
// label value (or to any label, for "").
func bodies(fn func(where string, b *schema.Block, label string, nested []*schema.Block)) {
	walkBlocks(schema.Root, func(path []string, b *schema.Block) {
		where := strings.Join(path, " > ")
		if where == "" {
			where = "(top level)"
		}
		fn(where, b, "", b.Blocks)
		for _, label := range sortedKeys(b.ByLabel) {
			var nested []*schema.Block
			for _, nb := range b.Blocks {
				if !slices.ContainsFunc(b.ByLabel[label], func(x *schema.Block) bool { return x.Type == nb.Type }) {
					nested = append(nested, nb)
				}
			}
			fn(fmt.Sprintf("%s %q", where, label), b, label, append(slices.Clone(b.ByLabel[label]), nested...))
		}
	})
}

func TestSchemaNames(t *testing.T) {
	if schema.Root.Type != "" {
		t.Errorf("schema.Root has type %q; the top level has none", schema.Root.Type)
	}
	for _, e := range entries() {
		name := e.attrName()
		if !validName.MatchString(name) {
			t.Errorf("%s: name %q does not match %s", e.where, name, validName)
		}
	}
}

func (e entry) attrName() string {
	if e.attr != nil {
		return e.attr.Name
	}
	return e.block.Type
}

func TestSchemaNamesUniqueWithinKind(t *testing.T) {
	bodies(func(where string, b *schema.Block, _ string, nested []*schema.Block) {
		seen := map[string]bool{}
		for _, a := range b.Attributes {
			if seen[a.Name] {
				t.Errorf("%s: attribute %q is declared twice", where, a.Name)
			}
			seen[a.Name] = true
		}
		seen = map[string]bool{}
		for _, nb := range nested {
			if seen[nb.Type] {
				t.Errorf("%s: block %q is declared twice", where, nb.Type)
			}
			seen[nb.Type] = true
		}
	})
}

// TestSchemaAttributeBlockNamesDistinct checks no body declares one name as both an attribute and a
// block: the compiler reads `name = { ... }` as the block, so the attribute would only catch other
// values, and the reference would list the name twice.
func TestSchemaAttributeBlockNamesDistinct(t *testing.T) {
	bodies(func(where string, b *schema.Block, _ string, nested []*schema.Block) {
		for _, nb := range nested {
			if b.Attribute(nb.Type) != nil {
				t.Errorf("%s: %q is both an attribute and a block", where, nb.Type)
			}
		}
	})
}

func TestSchemaDocs(t *testing.T) {
	for _, e := range entries() {
		doc := e.doc()
		switch {
		case strings.TrimSpace(doc) == "":
			t.Errorf("%s: Doc is empty", e.where)
		case !strings.HasSuffix(doc, "."):
			t.Errorf("%s: Doc %q does not end with '.'", e.where, doc)
		case doc != strings.TrimSpace(doc):
			t.Errorf("%s: Doc %q has leading or trailing space", e.where, doc)
		}
	}
	if !strings.HasSuffix(schema.Root.Doc, ".") {
		t.Errorf("schema.Root: Doc %q does not end with '.'", schema.Root.Doc)
	}
}

// TestSchemaEnvAndFlagDocs ties an attribute's Env and Flag, which the compiler reads, to its doc, which
// the reference prints: the doc names both.
func TestSchemaEnvAndFlagDocs(t *testing.T) {
	n := 0
	for _, e := range entries() {
		if e.attr == nil {
			continue
		}
		if env := e.attr.Env; env != "" {
			n++
			if !strings.Contains(e.attr.Doc, env) {
				t.Errorf("%s: Env is %s, which its Doc does not name", e.where, env)
			}
		}
		if flag := e.attr.Flag; flag != "" {
			n++
			if !strings.Contains(e.attr.Doc, "-"+flag) {
				t.Errorf("%s: Flag is -%s, which its Doc does not name", e.where, flag)
			}
		}
	}
	if n == 0 {
		t.Error("no attribute declares an environment variable or a flag")
	}
}

func (e entry) doc() string {
	if e.attr != nil {
		return e.attr.Doc
	}
	return e.block.Doc
}

// TestSchemaReasons checks the texts that diagnostics quote inside a sentence ("...: %s."): they must
// not end with a period of their own, nor start or end with space.
func TestSchemaReasons(t *testing.T) {
	for _, e := range entries() {
		var reasons map[string]string
		if e.attr != nil {
			reasons = map[string]string{"Ignored": e.attr.Ignored, "Deprecated": e.attr.Deprecated, "Differs": e.attr.Differs, "NegativeMeans": e.attr.NegativeMeans}
			if e.attr.Above != nil {
				reasons["Above"] = e.attr.Above.Means
			}
		} else {
			reasons = map[string]string{"Ignored": e.block.Ignored, "Rejected": e.block.Rejected, "Differs": e.block.Differs}
		}
		for field, s := range reasons {
			if s != "" && (strings.HasSuffix(s, ".") || s != strings.TrimSpace(s)) {
				t.Errorf("%s: %s %q is quoted inside a sentence; drop the final period and outer space", e.where, field, s)
			}
		}
		if e.block != nil && e.block.Ignored != "" && e.block.Rejected != "" {
			t.Errorf("%s: a block is either ignored or rejected, not both", e.where)
		}
	}
}

func TestSchemaKinds(t *testing.T) {
	for _, e := range entries() {
		if e.attr == nil {
			continue
		}
		a := e.attr
		if a.Kind.String() == "invalid" {
			t.Errorf("%s: Kind %d is not a kind", e.where, a.Kind)
		}
		if len(a.Enum) > 0 && a.Kind != schema.String && a.Kind != schema.StringList {
			t.Errorf("%s: Enum is only checked for string and list of string, not %s", e.where, a.Kind)
		}
		if a.Above != nil && a.Kind != schema.Int {
			t.Errorf("%s: Above is only checked for a number, not %s", e.where, a.Kind)
		}
	}
}

// parseDefault reports whether s is a value of kind k, written as the schema writes defaults.
func parseDefault(k schema.Kind, s string) error {
	switch k {
	case schema.String, schema.Any:
		return nil
	case schema.Bool:
		if s != "true" && s != "false" {
			return fmt.Errorf("%q is not true or false", s)
		}
	case schema.TokenMode:
		if s != "true" && s != "false" && s != "force" {
			return fmt.Errorf("%q is not true, false or force", s)
		}
	case schema.Int:
		if _, err := strconv.Atoi(s); err != nil {
			return err
		}
	case schema.Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		if d < 0 {
			return fmt.Errorf("%q is negative", s)
		}
	case schema.FileMode, schema.OctalString:
		if !regexp.MustCompile(`^0[0-7]{3}$`).MatchString(s) {
			return fmt.Errorf("%q is not an octal mode such as 0640", s)
		}
		if m, _ := strconv.ParseUint(s, 8, 32); m > 0o777 {
			return fmt.Errorf("%q is above 0777", s)
		}
	case schema.StringList:
		return fmt.Errorf("a list has no default form; leave Default empty")
	default:
		return fmt.Errorf("unknown kind %d", k)
	}
	return nil
}

func TestSchemaDefaults(t *testing.T) {
	for _, e := range entries() {
		if e.attr == nil || e.attr.Default == "" {
			continue
		}
		a := e.attr
		if err := parseDefault(a.Kind, a.Default); err != nil {
			t.Errorf("%s: Default %q is not a %s: %v", e.where, a.Default, a.Kind, err)
		}
		if len(a.Enum) > 0 && !slices.Contains(a.Enum, a.Default) {
			t.Errorf("%s: Default %q is not one of Enum %q", e.where, a.Default, a.Enum)
		}
		if a.Required {
			t.Errorf("%s: a required attribute has no use for Default %q", e.where, a.Default)
		}
		// The default is what Vault Proxy uses when nothing is written: it must be a value that works.
		if n, err := strconv.ParseInt(a.Default, 10, 64); err == nil && a.Kind == schema.Int && a.Above != nil && n > a.Above.Bound {
			t.Errorf("%s: Default %q is above the bound of Above, %d", e.where, a.Default, a.Above.Bound)
		}
	}
}

func TestSchemaLowerCase(t *testing.T) {
	lower := func(where, what string, values []string) {
		for _, v := range values {
			if v != strings.ToLower(v) {
				t.Errorf("%s: %s value %q is not lower case; values are matched case-insensitively against lower case", where, what, v)
			}
		}
	}
	for _, e := range entries() {
		if e.attr != nil {
			lower(e.where, "Enum", e.attr.Enum)
			continue
		}
		b := e.block
		lower(e.where, "LabelValues", b.LabelValues)
		lower(e.where, "ByLabel", sortedKeys(b.ByLabel))
	}
}

// TestSchemaLabels checks that label declarations agree with each other: a label written as an
// attribute has that attribute, with the same allowed values; label-specific blocks are for allowed
// labels only.
func TestSchemaLabels(t *testing.T) {
	for _, e := range entries() {
		b := e.block
		if b == nil {
			continue
		}
		if b.AnyLabels && b.Label != "" {
			t.Errorf("%s: AnyLabels and Label %q exclude each other", e.where, b.Label)
		}
		if b.Label == "" && (b.LabelAttr || len(b.LabelValues) > 0 || len(b.ByLabel) > 0) {
			t.Errorf("%s: LabelAttr, LabelValues and ByLabel need a Label", e.where)
		}
		if b.Max < 0 {
			t.Errorf("%s: Max %d is negative", e.where, b.Max)
		}
		for _, label := range sortedKeys(b.ByLabel) {
			if len(b.LabelValues) > 0 && !slices.Contains(b.LabelValues, label) {
				t.Errorf("%s: ByLabel has %q, which is not one of LabelValues", e.where, label)
			}
		}
		if !b.LabelAttr {
			continue
		}
		a := b.Attribute(b.Label)
		if a == nil {
			t.Errorf("%s: LabelAttr is set but there is no %q attribute", e.where, b.Label)
			continue
		}
		if a.Required || a.Default != "" {
			t.Errorf("%s: the %q attribute stands for the label; it cannot be required or have a default", e.where, b.Label)
		}
		if !slices.Equal(nonEmpty(a.Enum), b.LabelValues) {
			t.Errorf("%s: the %q attribute allows %q but the label allows %q", e.where, b.Label, a.Enum, b.LabelValues)
		}
	}
}

func nonEmpty(values []string) []string {
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
