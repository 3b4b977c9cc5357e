package compile

import "strings"

// withArticle puts "a" or "an" before a noun phrase of a message ("an array", "a string"), by its
// first letter, which is right for the type and kind names the messages use.
func withArticle(s string) string {
	if s != "" && strings.ContainsRune("aeiouAEIOU", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}
