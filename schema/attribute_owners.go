package schema

// BlocksWithAttribute returns where else in the language an attribute called name is an argument
// that takes effect: the path of each block that declares it (such as "api_proxy" or
// "listener.proxy_api"; "" for the top level), in declaration order, leaving out the block except and the methods'
// config blocks (MethodsWithConfigKey answers for those). The compiler's "Did you mean" uses it for
// an argument written in the wrong block.
func BlocksWithAttribute(name string, except *Block) []string {
	var out []string
	var walk func(b *Block, path string)
	walk = func(b *Block, path string) {
		if b != except && b.Ignored == "" && b.Rejected == "" {
			if a := b.Attribute(name); a != nil && a.Ignored == "" {
				out = append(out, path)
			}
		}
		for _, nb := range b.Blocks {
			p := nb.Type
			if path != "" {
				p = path + "." + nb.Type
			}
			walk(nb, p)
		}
	}
	walk(Root, "")
	return out
}
