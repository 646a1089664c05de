package engine_test

import (
	"testing"

	"magesync/store"
)

// Each website's orders follow its own settings; a website that returns
// to Use Default follows Default Config again.
func TestWebsiteSettings(t *testing.T) {
	v := newEnv(t, 120)
	v.control("PUT", "/orderstatuses", `[{"ApiName":"Draft","MasterLabel":"Draft","StatusCode":"Draft","SortOrder":1,"IsDefault":true},
		{"ApiName":"Europe_Review","MasterLabel":"Europe Review","StatusCode":"Draft","SortOrder":2},
		{"ApiName":"Activated","MasterLabel":"Activated","StatusCode":"Activated","SortOrder":3}]`)
	const europe = 2 // the generated store's second website
	v.set(store.Set(store.PathDefaultStatus, "Europe_Review").At(europe),
		store.Set(store.PathSyncAll, "0").At(europe), store.Set(store.PathStatuses, "pending").At(europe))

	usPending := v.orderWhere("status = 'pending' AND store_id = 1")
	usComplete := v.orderWhere("status = 'complete' AND store_id = 1")
	euPending := v.orderWhere("status = 'pending' AND store_id IN (2, 3)")
	euComplete := v.orderWhere("status = 'complete' AND store_id IN (2, 3)")
	got := v.syncOrders(store.ReasonManual, usPending, usComplete, euPending, euComplete)
	for i, want := range []store.QueueStatus{store.QueueComplete, store.QueueComplete, store.QueueComplete, store.QueueSkipped} {
		if got[i].Status != want {
			t.Errorf("order %s: %s %q, want %s", got[i].IncrementID, got[i].Status, got[i].Message, want)
		}
	}
	if sfo := v.sfOrder(usPending); sfo == nil || sfo["Status"] != "Draft" {
		t.Errorf("Main Website pending order in %v, want Default Config's Draft", sfo)
	}
	if sfo := v.sfOrder(euPending); sfo == nil || sfo["Status"] != "Europe_Review" {
		t.Errorf("Europe pending order in %v, want the website's Europe_Review", sfo)
	}

	// Europe returns to Use Default for the status list: its completed
	// order syncs, as Default Config syncs every status.
	v.set(store.UseDefault(store.PathSyncAll).At(europe), store.UseDefault(store.PathStatuses).At(europe))
	if en := v.syncOrders(store.ReasonManual, euComplete)[0]; en.Status != store.QueueComplete {
		t.Errorf("Europe completed order after Use Default: %s %q", en.Status, en.Message)
	}
}

