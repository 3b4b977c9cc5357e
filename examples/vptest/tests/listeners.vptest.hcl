# What each listener serves, and to whom.

run "api_listener_on_loopback_only" {
  assert {
    condition     = alltrue([for l in plan.listeners : startswith(l.address.value, "127.0.0.1:") if l.role.value == "default"])
    error_message = "A listener that proxies the API (and adds the proxy's token) must listen on loopback only."
  }
}

run "network_listener_serves_metrics_only" {
  assert {
    condition     = one([for l in plan.listeners : l.role.value if l.address.value == "0.0.0.0:9102"]) == "metrics_only"
    error_message = "The listener on 0.0.0.0:9102 must serve the metrics and nothing else."
  }
  assert {
    condition     = request({ listener = "0.0.0.0:9102", path = "/v1/secret/data/app" }).status == 404
    error_message = "A request for a secret on the network listener is answered 404 by the proxy, never forwarded."
  }
  assert {
    condition     = request({ listener = "0.0.0.0:9102", path = "/proxy/v1/metrics" }).status == 200
    error_message = "The network listener serves the metrics."
  }
}
