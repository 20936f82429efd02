//go:build !race

package screening

// raceEnabled: the tests run under the race detector, which slows them
// about tenfold.
const raceEnabled = false
