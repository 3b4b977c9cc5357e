package testrun

import "github.com/agext/levenshtein"

// nameSuggestion returns the candidate closest to given, if one is within hcl's "Did you mean"
// distance (less than 3), as hclsyntax suggests a name (and compile.suggest, for a configuration):
// ties go to the first candidate.
func nameSuggestion(given string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if c == given {
			continue
		}
		if d := levenshtein.Distance(given, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}
