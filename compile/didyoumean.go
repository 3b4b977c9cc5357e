package compile

import (
	"sort"

	"github.com/agext/levenshtein"
)

// Suggest returns the candidate closest to given, if one is within HCL's "Did you mean" distance (less
// than 3). Ties go to the alphabetically first candidate, so output is the same on every run.
func Suggest(given string, candidates []string) string {
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	best, bestDist := "", 3
	for _, c := range sorted {
		if c == "" || c == given {
			continue
		}
		if d := levenshtein.Distance(given, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}
