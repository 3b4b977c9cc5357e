// Package testview renders what `vaultproxy test` does as `terraform test` shows it
// (hashicorp/terraform internal/command/views/test.go and internal/command/junit): Human, the text
// for people; JSON, one JSON message a line with Terraform's test message types (version,
// test_abstract, test_file, test_run, test_plan, diagnostic, test_summary); and JUnitXML, the JUnit
// XML report of -junit-xml. Human and JSON are Reporters, told what happens as it happens.
// Diagnostics are rendered by package view, as every other command's are.
package testview
