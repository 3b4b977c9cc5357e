package compile

// IsJSON reports whether a configuration's bytes are in HCL's JSON syntax, by the rule the compiler
// reads them with (Source): the content decides, whatever the file's name.
func IsJSON(b []byte) bool { return isJSONSource(b) }
