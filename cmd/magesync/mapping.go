package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"magesync/store"
)

// runMapping lists, adds and removes field mappings, as the Fields Mapping
// pages do: a new one is checked against the org and previewed on the five
// newest orders first.
func runMapping(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("mapping", flag.ContinueOnError)
	ef := addEngineFlags(fs)
	object := fs.String("object", "Order", "Salesforce object: Order or OrderItem")
	source := fs.String("source", "", "Magento value, e.g. order.coupon_code, billing.city, payment.method, item.sku, computed.customer_name")
	target := fs.String("target", "", "Salesforce field API name, e.g. Coupon_Code__c")
	when := fs.String("when", store.MapAlways, "always, create (only when magesync creates the record) or update (only later)")
	tooLong := fs.String("too-long", "refuse", "a value longer than the field: refuse, or cut at the field's length")
	user := fs.String("user", "cli", "name recorded with the mapping")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	usage := fmt.Errorf("%w: want list, add --source S --target T [--object Order|OrderItem] [--when …] [--too-long …], or remove ID", errUsage)
	if fs.NArg() == 0 {
		return usage
	}
	verb := fs.Arg(0)
	if (verb == "list" || verb == "add") && fs.NArg() != 1 || verb == "remove" && fs.NArg() != 2 {
		return usage
	}
	st, e, _, err := ef.open(ctx, os.Stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	switch verb {
	case "list":
		maps, err := st.FieldMaps(ctx, "")
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tOBJECT\tMAGENTO VALUE\tSALESFORCE FIELD\tWHEN\tTOO LONG\tENABLED")
		for _, m := range maps {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%v\n", m.ID, m.SObject, m.Source, m.Target, m.Mode, m.TooLong, m.Enabled)
		}
		return tw.Flush()
	case "add":
		if *source == "" || *target == "" {
			return usage
		}
		m := store.FieldMap{SObject: *object, Source: *source, Target: *target, Mode: *when, TooLong: *tooLong, Enabled: true, Username: *user}
		preview, err := e.PreviewMapping(ctx, m)
		for _, p := range preview {
			switch {
			case p.Missing:
				fmt.Fprintf(stdout, "#%s\t(no value)\n", p.IncrementID)
			case p.Problem != "":
				fmt.Fprintf(stdout, "#%s\t%q\trefused: %s\n", p.IncrementID, p.Raw, p.Problem)
			default:
				fmt.Fprintf(stdout, "#%s\t%q\t→ %v\n", p.IncrementID, p.Raw, p.Sent)
			}
		}
		if err != nil {
			return fmt.Errorf("not saved: %w", err)
		}
		id, err := st.AddFieldMap(ctx, m)
		if errors.Is(err, store.ErrInvalidSetting) || errors.Is(err, store.ErrMappingExists) {
			return fmt.Errorf("not saved: %w", err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "saved mapping #%d\n", id)
		return nil
	case "remove":
		id, err := strconv.ParseUint(fs.Arg(1), 10, 64)
		if err != nil {
			return usage
		}
		if err := st.RemoveFieldMap(ctx, id, *user); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no mapping #%d", id)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed mapping #%d\n", id)
		return nil
	}
	return usage
}
