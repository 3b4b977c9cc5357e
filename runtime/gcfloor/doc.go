// Package gcfloor gives the Go garbage collector a floor for its heap goal: while the live heap is
// small, a collection starts only once the heap reaches the floor, instead of at twice the live
// heap (GOGC=100). The entry point is Start, called once by `vaultproxy run`.
//
// Why: a proxy answering cache hits allocates a few kilobytes per request and keeps little, and
// the libraries it links (the cloud SDKs' tables, HCL, Prometheus) leave about 2 MB of live heap
// from their init functions. At GOGC=100 the collector then runs every 2 MB or so of allocation
// and marks those 2 MB each time: about a tenth of a cache hit's CPU time (issue 12, measured in
// scripts/bench/run.sh). With a floor of a few megabytes, it runs several times less often and marks
// the same heap, for a bounded amount of memory. Once the live heap is past half the floor (a
// lease cache with many entries), the goal is GOGC=100's again: the floor costs nothing there.
//
// Go has no setting for this (GOGC scales with the live heap, GOMEMLIMIT only lowers the goal).
// Start adjusts the GC percentage after each collection, from the live heap the runtime reports
// (runtime/metrics), by the heap goal's formula in the Go GC guide (https://go.dev/doc/gc-guide),
// as the "GC tuner" of https://www.uber.com/blog/how-we-saved-70k-cores-across-30-mission-critical-services/
// does.
// A GOGC set in the environment is the operator's choice, and Start then leaves the collector alone.
package gcfloor
