package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

// runVersion prints what this binary was built from.
func runVersion(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: version takes no arguments", errUsage)
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(stdout, "magesync (no build information)")
		return nil
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	rev := settings["vcs.revision"]
	if rev == "" {
		rev = "unknown revision"
	} else if settings["vcs.modified"] == "true" {
		rev += " (modified)"
	}
	fmt.Fprintf(stdout, "magesync %s, %s %s, built with %s\n", info.Main.Version, rev, settings["vcs.time"], info.GoVersion)
	return nil
}
