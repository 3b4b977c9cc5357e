package testrun

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/vaultproxy/vaultproxy/diagcode"
)

// The codes of the diagnostics `vaultproxy test` makes itself. A test file's schema errors mean
// what the compiler's mean for a configuration, and take its codes (schemaCodes).
var (
	codeAssertionFailed = diagcode.New("test_assertion_failed",
		"An assert block's condition is false: `vaultproxy test` shows its error_message.",
		"run \"listens\" {\n  assert {\n    condition     = length(plan.listeners) == 3\n    error_message = \"three listeners\"\n  }\n}")
	codeMissingExpectedFailure = diagcode.New("missing_expected_failure",
		"A run's expect_failures names a diagnostic code that its configuration did not produce as an error.",
		"run \"refused\" {\n  expect_failures = [diagnostic.unsupported_argument]\n}")
	codeInvalidCondition = diagcode.New("invalid_test_condition",
		"An assert block's condition is null, or not a boolean.",
		"assert {\n  condition     = plan.vault\n  error_message = \"...\"\n}")
	codeInvalidErrorMessage = diagcode.New("invalid_test_error_message",
		"An assert block's error_message is null, or not a string.",
		"assert {\n  condition     = false\n  error_message = plan.listeners\n}")
	codeExpressionError = diagcode.New("invalid_test_expression",
		"An expression of a test file cannot be evaluated (an unknown name or attribute, a function's wrong argument...).",
		"assert {\n  condition     = plan.listner[0].address.value == \"127.0.0.1:8100\"\n  error_message = \"...\"\n}")
	codeUnknownDiagnosticCode = diagcode.New("unknown_diagnostic_code",
		"expect_failures names a diagnostic code that does not exist (\"Did you mean\" names the closest).",
		"run \"refused\" {\n  expect_failures = [diagnostic.unsuported_argument]\n}")
	codeInvalidExpectedFailure = diagcode.New("invalid_expected_failure",
		"An element of expect_failures is not a reference of the form diagnostic.CODE.",
		"run \"refused\" {\n  expect_failures = [\"unsupported_argument\"]\n}")
	codeUnreadableRunConfiguration = diagcode.New("unreadable_run_configuration",
		"A run's paths cannot be read as one configuration: a plan file named with configuration files, or found among them in a directory.",
		"run \"saved\" {\n  config = [\"proxy.hcl\", \"proxy.plan.json\"]\n}")
	codeInvalidTestFile = diagcode.New("invalid_test_file",
		"A test file holds something its schema does not allow that no other code names (a function call where a constant is needed...).",
		"run \"x\" {\n  config = [lower(\"PROXY.HCL\")]\n}")
)

// schemaCodes maps the summaries of hcl's own diagnostics for a body that does not fit the schema
// (gohcl, hclsyntax) to the compiler's codes of the same meaning, looked up by name so that each
// meaning keeps its one declaration.
var schemaCodes = map[string]string{
	"Unsupported argument":           "unsupported_argument",
	"Unsupported block type":         "unsupported_block",
	"Missing required argument":      "missing_required_argument",
	"Attribute redefined":            "duplicate_argument",
	"Duplicate argument":             "duplicate_argument",
	"Missing name for run":           "missing_label",
	"Extraneous label for run":       "extraneous_label",
	"Extraneous label for assert":    "extraneous_label",
	"Incorrect attribute value type": "incorrect_value_type",
	"Unsuitable value type":          "incorrect_value_type",
}

// withSchemaCodes gives every diagnostic of diags without a code the code its summary maps to, or
// fallback.
func withSchemaCodes(diags hcl.Diagnostics, fallback *diagcode.Code) hcl.Diagnostics {
	for _, d := range diags {
		if diagcode.Of(d) != nil {
			continue
		}
		if c := diagcode.Lookup(schemaCodes[d.Summary]); c != nil {
			c.Set(d)
		} else {
			fallback.Set(d)
		}
	}
	return diags
}
