package postgres

import (
	"testing"

	"github.com/ingot-cbdc/ingot/internal/testdb/testpg"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/store/storetest"
)

func TestSealedConformance(t *testing.T) {
	testpg.URL(t) // fail or skip the suite once, not each of its tests
	storetest.RunSealed(t, func(t *testing.T) store.Store { return openTest(t) })
}
