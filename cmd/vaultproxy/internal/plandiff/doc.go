// Package plandiff compares two compiled plans, for `vaultproxy diff`: the effective settings that
// differ, block by block (listeners matched by type and address, other lists by position), the
// blocks added or removed, and the example requests (preview.Examples) whose decision
// (request.Decide: status, token, namespace, cache, retry, sanitising) changes on a listener both
// plans have.
//
// Settings are read from the plan's JSON document (compile.Plan.MarshalJSON, docs/plan-format.md),
// the one form that holds every setting with its value and origin: a setting is an object
// {value, origin}. Only values are compared: a setting whose origin alone changed (the same value
// written on another line, or now the default) is no difference, though each change shows both
// origins. A secret is "(sensitive)" in the document, so a changed secret value is not seen.
//
// The package computes; cmd/vaultproxy's diff command presents.
package plandiff
