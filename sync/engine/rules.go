// Package engine is the sync engine: rules that decide which orders go to
// Salesforce, the mapping of a Magento order to Salesforce records, the
// queue workers that write them idempotently, and the change detector.
package engine

import (
	"slices"

	"magesync/store"
)

// Skip says why an order is not synced, or "" when it is.
func Skip(settings store.OrderSettings, o *store.Order, statusLabel func(code string) string) string {
	if o.GrandTotal == 0 && !settings.ZeroGrandTotal {
		return "Zero Grand Total orders are set to Do not synchronize"
	}
	if !settings.SyncAll && !slices.Contains(settings.Statuses, o.Status) {
		return "Order status " + statusLabel(o.Status) + " is not selected for synchronization"
	}
	return ""
}
