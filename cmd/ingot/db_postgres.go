package main

import (
	"context"
	"errors"

	"github.com/ingot-cbdc/ingot/store"
)

func openPostgres(ctx context.Context, url string) (store.Store, error) {
	return nil, errors.New("PostgreSQL support is not built in yet")
}
