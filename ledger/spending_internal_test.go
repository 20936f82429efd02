package ledger

import (
	"fmt"
	"testing"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
)

// TestProgramCache: an expression is compiled once, the cache stays within
// its bound, and an expression that does not compile is not kept.
func TestProgramCache(t *testing.T) {
	t.Parallel()
	c := &programCache{max: 3, m: map[string]*risk.Program{}}
	first, err := c.get("amount <= 1")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.get("amount <= 1"); again != first {
		t.Fatal("an expression was compiled twice")
	}
	for i := range 10 {
		if _, err := c.get(fmt.Sprintf("amount <= %d", i+2)); err != nil {
			t.Fatal(err)
		}
		if len(c.m) > 3 {
			t.Fatalf("the cache holds %d programs, above its bound of 3", len(c.m))
		}
	}
	if _, err := c.get("amount <="); ingot.ErrorCode(err) != ingot.CodeInvalidRule {
		t.Fatalf("got %v; want invalid_rule", err)
	}
	if _, ok := c.m["amount <="]; ok {
		t.Fatal("an expression that does not compile was cached")
	}
}
