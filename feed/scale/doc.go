// Package scale holds the county-scale benchmark of the feed (run by `make
// bench`): publish.Handler behind a real http.Server on 127.0.0.1 with 1,000
// simulated village agents polling it, then the same agents woken by the MQTT
// doorbell (a real mosquitto on 127.0.0.1) instead. It has no code of its own; see
// scale_test.go for what is measured and how.
package scale
