// Package diagcode gives every diagnostic that vaultproxy produces a stable name: a Code, such as
// unsupported_argument or duplicate_listener_address, with a one-line description and an example.
// CI tools and the machine-readable outputs name a diagnostic by its code, never by its summary,
// which is prose and may be reworded.
//
// A code is declared once, with New, in a package-level variable beside the check that emits it
// (compile's decoder, a validate rule), and New registers it: All lists every code, for the
// generated docs/diagnostics.md and for the tests that keep codes and fixtures in step. A
// diagnostic carries its code in hcl.Diagnostic.Extra, the field hcl/v2 provides for such data, so
// diagnostics stay hcl.Diagnostics everywhere; Of reads it back, through any wrapping of Extra
// (hcl.DiagnosticExtra).
//
// The package is a leaf: it imports only hcl/v2. compile and validate import it to declare and
// attach codes, the CLI's views and docs/ to read them; it knows nothing of configurations, so
// the one-way flow source -> compile -> validate -> plan -> runtime is kept. It is its own package,
// rather than part of compile, so that a reader of diagnostics (a view, a report format) needs no
// compiler to name them.
package diagcode
