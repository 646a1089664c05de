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
	s, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "magesync tables are up to date")
	return nil
}
