package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"magesync/store"
	"magesync/sync/engine"
)

func runConfig(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	dsn := fs.String("dsn", defaultDSN, "Magento MySQL DSN")
	user := fs.String("user", "cli", "name recorded in the settings audit log")
	secretKey := fs.String("secret-key", "", "passphrase that encrypts stored Salesforce secrets")
	scope := fs.String("scope", "default", "default, or websites (with --scope-id or --website)")
	scopeID := fs.Uint("scope-id", 0, "the website's id, with --scope websites")
	websiteCode := fs.String("website", "", "the website's code (implies --scope websites)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *websiteCode != "" {
		*scope = "websites"
	}
	switch {
	case *scope != "default" && *scope != "websites":
		return fmt.Errorf("%w: --scope is default or websites, got %q", errUsage, *scope)
	case *scope == "default" && *scopeID != 0:
		return fmt.Errorf("%w: --scope-id goes with --scope websites", errUsage)
	case *scope == "websites" && (*scopeID == 0) == (*websiteCode == ""):
		return fmt.Errorf("%w: --scope websites needs the website: --scope-id N or --website CODE", errUsage)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return fmt.Errorf("%w: want get PATH, set PATH VALUE, unset PATH or list", errUsage)
	}
	verb, rest := rest[0], rest[1:]
	want := map[string]int{"get": 1, "set": 2, "unset": 1, "list": 0}
	n, ok := want[verb]
	if !ok || len(rest) != n {
		return fmt.Errorf("%w: want get PATH, set PATH VALUE, unset PATH or list", errUsage)
	}
	if n > 0 {
		d, ok := store.Setting(rest[0])
		if !ok {
			return fmt.Errorf("%w: unknown setting %q (magesync config list shows them)", errUsage, rest[0])
		}
		if *scope == "websites" && !d.PerWebsite() {
			return fmt.Errorf("%w: %s is set for the whole store, not per website", errUsage, rest[0])
		}
	}

	s, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	key, err := s.SecretKey(ctx, *secretKey)
	if err != nil {
		return err
	}
	website, err := findWebsite(ctx, s, *scope, uint16(*scopeID), *websiteCode)
	if err != nil {
		return err
	}
	switch verb {
	case "set":
		if rest[0] == store.PathPriceBook {
			e := engine.New(s, engine.SettingsClient(s, key, os.Getenv, nil), engine.Options{Logger: slog.New(slog.DiscardHandler)})
			checked, err := e.CheckPriceBook(ctx, rest[1])
			if err != nil {
				return err
			}
			if !checked {
				fmt.Fprintln(stdout, "warning: Salesforce could not be asked whether the org has this price book; saving it anyway")
			}
		}
		if rest[0] == store.PathDefaultStatus {
			// As the configuration page does: ask the org for the category.
			e := engine.New(s, engine.SettingsClient(s, key, os.Getenv, nil), engine.Options{Logger: slog.New(slog.DiscardHandler)})
			checked, err := e.CheckDefaultStatus(ctx, rest[1])
			if err != nil {
				return err
			}
			if !checked {
				fmt.Fprintln(stdout, "warning: Salesforce could not be asked whether this is a Draft-category status; saving it anyway")
			}
		}
		return s.SaveSettings(ctx, *user, key, []store.Change{store.Set(rest[0], rest[1]).At(website)})
	case "unset":
		return s.SaveSettings(ctx, *user, key, []store.Change{store.UseDefault(rest[0]).At(website)})
	}
	values, err := s.SettingValuesAt(ctx, website)
	if err != nil {
		return err
	}
	for _, v := range values {
		if verb == "get" && v.Path != rest[0] {
			continue
		}
		shown := v.Value
		if v.Secret() {
			shown = "(not set)"
			if v.HasSecret {
				shown = "(set, hidden)"
			}
		}
		if verb == "get" {
			fmt.Fprintln(stdout, shown)
			continue
		}
		origin := ""
		switch {
		case !v.IsSet && website != 0:
			origin = "  (default)"
		case !v.IsSet:
			origin = "  (system value)"
		}
		fmt.Fprintf(stdout, "%-38s %s%s\n", v.Path, shown, origin)
	}
	return nil
}

// findWebsite is the website --scope-id or --website names (0 for Default
// Config), checked against store_website.
func findWebsite(ctx context.Context, s *store.Store, scope string, id uint16, code string) (uint16, error) {
	if scope == "default" {
		return 0, nil
	}
	websites, err := s.Websites(ctx)
	if err != nil {
		return 0, err
	}
	for _, w := range websites {
		if w.ID == id && code == "" || code != "" && w.Code == code {
			return w.ID, nil
		}
	}
	if code != "" {
		return 0, fmt.Errorf("%w: no website with code %q", errUsage, code)
	}
	return 0, fmt.Errorf("%w: no website with id %d", errUsage, id)
}
