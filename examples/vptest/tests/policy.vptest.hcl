# A team policy this configuration does not meet yet: the run fails on purpose, to show what a failure
# looks like (and the project's tests check that it does).

run "api_listeners_require_request_header" {
  assert {
    condition     = alltrue([for l in plan.listeners : l.require_request_header.value if l.role.value == "default"])
    error_message = "Every API listener must set require_request_header = true, so that a web page cannot make a browser send requests through it."
  }
}
