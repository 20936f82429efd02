package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/store/storetest"
)

func TestSealedConformance(t *testing.T) {
	storetest.RunSealed(t, func(t *testing.T) store.Store {
		s := open(t, filepath.Join(t.TempDir(), "ingot.db"))
		t.Cleanup(func() { s.Close() })
		return s
	})
}
