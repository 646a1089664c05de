package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"magesync/store"
)

const defaultDSN = "root@tcp(127.0.0.1:3306)/magento"

func runMigrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	dsn := fs.String("dsn", defaultDSN, "Magento MySQL DSN")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	s.Close()
	fmt.Fprintln(stdout, "magesync tables are up to date")
	return nil
}

// openMigrated opens the Magento database and brings magesync's own tables
// up to date, as every command that uses them does first.
func openMigrated(ctx context.Context, dsn string) (*store.Store, error) {
	s, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
