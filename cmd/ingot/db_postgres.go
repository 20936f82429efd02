package main

import (
	"context"

	"github.com/ingot-cbdc/ingot/postgres"
	"github.com/ingot-cbdc/ingot/store"
)

func openPostgres(ctx context.Context, url string) (store.Store, error) {
	st, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	return st, nil
}
