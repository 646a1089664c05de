// Command magesync keeps a Magento 2 store's orders in Salesforce.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"syscall"
	// The store's time zone shows right on a host without zoneinfo, such
	// as the container image (FROM scratch).
	_ "time/tzdata"
)

// command is one sub-command. run returns errUsage for bad usage (exit 2);
// any other error exits 1.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout io.Writer) error
}

var errUsage = errors.New("bad usage")

var commands = map[string]command{
	"bench":   {"measure the engine against the simulator (--orders 10000)", runBench},
	"demo":    {"create a Magento database with realistic orders (--seed-only), then serve it", runDemo},
	"migrate": {"create or upgrade magesync's own tables", runMigrate},
	"mapping": {"list, add or remove field mappings: mapping list | add --source S --target T | remove ID", runMapping},
	"config":  {"get, set or list settings: config get PATH | set PATH VALUE | list", runConfig},
	"serve":   {"serve the admin web app with the change detector and sync workers", runServe},
	"sfsim":   {"serve the Salesforce simulator alone (--addr 127.0.0.1:8081)", runSFSim},
	"sync":    {"queue orders for Salesforce: --order INCREMENT_ID… | --all [--status s1,s2] [--wait]", runSync},
	"worker":  {"run the change detector and sync workers (scale out: run several)", runWorker},
	"version": {"print the version, revision and Go version this binary was built from", runVersion},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "magesync: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	err := cmd.run(ctx, args[1:], stdout)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "magesync %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "magesync %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: magesync <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set as MAGESYNC_<FLAG> in the environment (e.g. MAGESYNC_DSN).")
}

// parseFlags parses args, flags wherever they stand among the arguments
// (config set PATH VALUE --dsn X), "--" ending the flags; then it fills
// every flag not given on the command line from MAGESYNC_<FLAG> (dashes
// become underscores). fs.Args() holds the arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	var pos, tail []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, tail = args[:i], args[i+1:]
	}
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(os.Stderr)
				fs.PrintDefaults()
				return err
			}
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	fs.Parse(append([]string{"--"}, append(pos, tail...)...))
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		env := "MAGESYNC_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%w: %s=%q: %v", errUsage, env, v, e)
			}
		}
	})
	return err
}
