package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"magesync/store"
)

type gridLayout struct {
	Table, Box, MaxRow, Rows int
	Hidden                   []string
}

// measureGrid reads the grid's layout in the browser: the table's width,
// its box's, the tallest row, and the headers that are out of view.
func measureGrid(t *testing.T, ctx context.Context) gridLayout {
	t.Helper()
	l, err := chromedp.Run(ctx, chromedp.Evaluate[gridLayout](`(() => {
		const table = document.querySelector("table.data-grid"), box = table.parentElement;
		const rows = Array.from(table.querySelectorAll("tbody tr"));
		const right = box.getBoundingClientRect().right;
		return {Table: table.scrollWidth, Box: box.clientWidth, Rows: rows.length,
			MaxRow: Math.ceil(Math.max(...rows.map(r => r.getBoundingClientRect().height))),
			Hidden: Array.from(table.querySelectorAll("thead th")).filter(th => th.getBoundingClientRect().right > right + 1 ||
				getComputedStyle(th).display === "none").map(th => th.textContent.trim())};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestGridFitsALaptop: at 1366×768 every column of the orders grid shows,
// with rows as compact as Magento's.
func TestGridFitsALaptop(t *testing.T) {
	a := newApp(t, 40)
	ctx := browser(t)
	base := a.srv.URL
	do(t, ctx, chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "admin"), chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS("table.data-grid")))
	// Synced rows carry the widest cell: an 18-character Salesforce ID.
	ids, err := a.e.Enqueue(context.Background(), []uint32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, store.ReasonManual)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.e.Wait(context.Background(), ids); err != nil {
		t.Fatal(err)
	}
	for _, size := range []struct {
		name string
		w, h int64
	}{{"1366", 1366, 768}, {"1920", 1920, 1080}} {
		do(t, ctx, chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(base+"/admin/sales/order?sort=id&dir=asc"),
			chromedp.WaitVisible(chromedp.CSS("table.data-grid")))
		l := measureGrid(t, ctx)
		t.Logf("%s: table %d px in a %d px box; tallest row %d px; hidden %v", size.name, l.Table, l.Box, l.MaxRow, l.Hidden)
		if l.Table > l.Box || len(l.Hidden) > 0 {
			t.Errorf("at %s px the grid is %d px wide in a %d px box; out of view: %v", size.name, l.Table, l.Box, l.Hidden)
		}
		if l.MaxRow > 48 {
			t.Errorf("at %s px a row is %d px tall; Magento's are one line", size.name, l.MaxRow)
		}
		shot(t, ctx, "grid-"+size.name)
	}
}
