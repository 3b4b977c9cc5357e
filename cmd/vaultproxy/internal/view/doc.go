// Package view renders what the vaultproxy CLI shows to people and to
// programs: today that is diagnostics (hcl.Diagnostics from the schema,
// compile and validate packages); later it will also hold the other CLI
// output that cmd/ prints (plan summaries and the like).
//
// The package only formats. It never decides which stream something goes to,
// whether colour is on, or in which order diagnostics come: the caller (cmd/)
// decides all of that and passes the result in.
//
// Every entry point takes the diagnostics together with the source bytes of
// every file, as a map[string][]byte keyed by the same name that the
// diagnostics' ranges carry in hcl.Range.Filename. A file whose name ends in
// ".json" is HCL JSON syntax; any other file is HCL native syntax. The syntax
// only matters for the snippet context string ("in listener \"tcp\"").
//
// # Machine-readable output
//
// [NewDiagnostic] turns one hcl.Diagnostic into a [Diagnostic], the same
// object that Terraform's `validate -json` prints for each diagnostic (and
// that other JSON documents, such as `plan -json`, embed), with one field of
// ours, "code": the diagnostic's stable name (package diagcode), which
// Terraform's JSON readers ignore.
// [NewValidateOutput], [MarshalValidateJSON] and [WriteValidateJSON] build and
// print the whole `validate -json` document:
//
//	{"format_version":"1.0","valid":…,"error_count":…,"warning_count":…,"diagnostics":[…]}
//
// The order of the diagnostics is kept as given; call compile.SortDiagnostics
// first for a deterministic order.
//
// # CI formats
//
// `validate -format` writes a [Report] (the diagnostics, the sources, the rules checked) in the
// form each kind of CI tool reads ([Format], [ParseFormat], [WriteReport]): [WriteSARIF] (SARIF
// 2.1.0 through the go-sarif library, checked in the tests against the OASIS schema),
// [WriteGitHub] (GitHub Actions workflow commands), [WriteJUnit], [WriteCheckstyle] and
// [WriteCompact] (one [CompactLine] per diagnostic). Each carries every diagnostic's code, and
// each is written from the same [Diagnostic] objects as the JSON, so that positions agree.
//
// # Human-readable output
//
// A [Printer] renders diagnostics the way Terraform does. With Color set it
// uses Terraform's boxed layout (╷ │ ╵ rules, bold red "Error: " or yellow
// "Warning: ", the highlighted source underlined); without colour it uses
// Terraform's plain layout (no box and no escape sequences), which is meant
// for logs and automation. Both are rendered from the [Diagnostic] object,
// so the human and the JSON output cannot drift apart. [ColorEnabled] states
// the CLI's colour policy. [Printer.PrintValidateSuccess] prints the
// "Success! The configuration is valid." line.
//
// The human output leaves a diagnostic's code out: it is Terraform's layout,
// line for line, and Terraform shows no code there. Programs read the code
// from the JSON, where it is a field of its own. (The golden files' one-line
// form, with the code, is fixtures.DiagnosticLine.)
package view
