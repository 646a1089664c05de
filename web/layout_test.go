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
		loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.fonts.ready.then(() =>
			document.fonts.check("600 14px 'Open Sans'") && [...document.fonts].some(f => f.family.includes("Open Sans") && f.status === "loaded"))`,
			chromedp.EvalAwaitPromise))
		if err != nil || !loaded {
			t.Errorf("Open Sans is not what the page is set in: %v", err)
		}
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

// TestRowMenu: the row's Select menu opens over the grid under its button
// (the row keeps its height), by mouse or keyboard, and closes on Escape
// and on a click elsewhere.
func TestRowMenu(t *testing.T) {
	a := newApp(t, 5)
	ctx := browser(t)
	base := a.srv.URL
	do(t, ctx, chromedp.EmulateViewport(1366, 768), chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "admin"), chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS("table.data-grid")))
	row := `tbody tr:nth-child(2)`
	height := func() int {
		h, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Math.round(document.querySelector("`+row+`").getBoundingClientRect().height)`))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	open := func() bool {
		o, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("`+row+` details.row-actions").open`))
		return o
	}
	// Heights are compared once the page's fonts are in: a row set in the
	// fallback font until Open Sans arrives is a pixel shorter.
	fontsIn := func() {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.fonts.ready.then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
	}
	fontsIn()
	before := height()
	do(t, ctx, chromedp.Click(chromedp.CSS(row+` .row-actions summary`)), chromedp.WaitVisible(chromedp.CSS(row+` .row-menu`)))
	fontsIn()
	below, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("`+row+` .row-menu").getBoundingClientRect().top >=
		document.querySelector("`+row+` .row-actions summary").getBoundingClientRect().bottom`))
	if h := height(); h != before || !below {
		t.Errorf("the open menu made the row %d px tall (was %d); under its button: %v", h, before, below)
	}
	shot(t, ctx, "grid-row-menu")
	do(t, ctx, chromedp.KeyEvent("\x1b")) // Escape
	if open() {
		t.Error("Escape did not close the menu")
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(row+` .row-actions summary`)), chromedp.Click(chromedp.CSS("h1")))
	if open() {
		t.Error("a click elsewhere did not close the menu")
	}
	// Keyboard: focus the button, Enter opens, Tab reaches View.
	do(t, ctx, chromedp.Focus(chromedp.CSS(row+` .row-actions summary`)), chromedp.KeyEvent("\r"))
	if !open() {
		t.Fatal("Enter on Select did not open the menu")
	}
	do(t, ctx, chromedp.KeyEvent("\t"))
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.textContent`)); got != "View" {
		t.Errorf("Tab from Select reaches %q, want View", got)
	}
}
