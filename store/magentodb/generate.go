package magentodb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Options steer Generate. The same options always give the same rows.
type Options struct {
	Orders int
	Seed   uint64
	// Now is when the newest orders were placed; orders spread over the
	// Span before it (400 days when zero; a negative Span places every
	// order at Now, as a store taking orders this moment). Zero Now means
	// 2026-11-01 UTC.
	Now  time.Time
	Span time.Duration
}

// Summary counts what Generate wrote.
type Summary struct {
	Orders, Items, Addresses, Payments, Comments, Customers, Products int
}

// Statuses are Magento's default order statuses with the state each is
// written with.
var Statuses = []struct{ Status, State string }{
	{"pending", "new"},
	{"pending_payment", "pending_payment"},
	{"processing", "processing"},
	{"holded", "holded"},
	{"complete", "complete"},
	{"closed", "closed"},
	{"canceled", "canceled"},
	{"fraud", "payment_review"},
	{"payment_review", "payment_review"},
	{"pending_paypal", "new"},
	{"paypal_reversed", "processing"},
	{"paypal_canceled_reversal", "processing"},
}

// statusWeights, in the order of Statuses, out of 1000.
var statusWeights = []int{120, 40, 200, 40, 350, 50, 80, 30, 30, 30, 15, 15}

type storeView struct {
	id        uint16
	websiteID uint16
	name      string // "Website\nGroup\nView", as sales_order.store_name holds it
	currency  string
	prefix    string // increment_id prefix
	countries []place
}

type place struct {
	country, region, city, postcode string
	regionID                        int
	taxBP                           int64 // tax rate in basis points
}

// Places with Magento's region ids (directory_country_region); a region
// without an id is free text, as Magento stores it for countries without a
// region list. Some are regions Salesforce's picklists lack or name
// otherwise (Armed Forces Europe, Beijing Shi, the 'AN' country).
var usPlaces = []place{
	{"US", "California", "Los Angeles", "90012", 12, 825},
	{"US", "Texas", "Austin", "78701", 57, 825},
	{"US", "New York", "Brooklyn", "11201", 43, 800},
	{"US", "Oregon", "Portland", "97205", 49, 0},
	{"US", "Washington", "Seattle", "98101", 62, 1025},
	{"US", "Michigan", "Ann Arbor", "48104", 33, 600},
	{"US", "Florida", "Miami", "33130", 18, 700},
	{"US", "Puerto Rico", "San Juan", "00901", 52, 1150},
	{"US", "Armed Forces Europe", "APO", "09012", 9, 0},
	{"CA", "Ontario", "Toronto", "M5H 2N2", 74, 1300},
	{"CA", "Quebec", "Montréal", "H2Y 1C6", 76, 1498},
	{"CA", "Yukon Territory", "Whitehorse", "Y1A 1B2", 78, 500},
	{"AU", "New South Wales", "Sydney", "2000", 606, 1000},
	{"BR", "São Paulo", "São Paulo", "01310-100", 508, 0},
	{"CN", "Beijing Shi", "Beijing", "100000", 685, 0},
	{"IN", "Maharashtra", "Mumbai", "400001", 589, 0},
	{"MX", "Jalisco", "Guadalajara", "44100", 956, 1600},
	{"MX", "Ciudad de México", "Ciudad de México", "06000", 948, 1600},
	{"JP", "Tokyo", "Shibuya", "150-0002", 0, 0},
	{"GB", "", "London", "SW1A 1AA", 0, 0},
	{"AN", "", "Willemstad", "", 0, 0},
}

var euPlaces = []place{
	{"DE", "Berlin", "Berlin", "10115", 82, 1900},
	{"DE", "Bayern", "München", "80331", 81, 1900},
	{"FR", "Paris", "Paris", "75002", 257, 2000},
	{"NL", "", "Amsterdam", "1012 AB", 0, 2100},
	{"DK", "", "København", "1050", 0, 2500},
	{"PL", "", "Kraków", "31-001", 0, 2300},
	{"IT", "Milano", "Milano", "20121", 889, 2200},
	{"IT", "Roma", "Roma", "00184", 917, 2200},
	{"IE", "Co. Dublin", "Dublin", "D02 X285", 0, 2300},
	{"CH", "Zürich", "Zürich", "8001", 129, 810},
}

var views = []storeView{
	{1, 1, "Main Website\nMain Website Store\nDefault Store View", "USD", "", usPlaces},
	{2, 2, "Europe Website\nEurope Store\nEnglish", "EUR", "2", euPlaces},
	{3, 2, "Europe Website\nEurope Store\nDeutsch", "EUR", "3", euPlaces},
}

var firstNames = []string{"Emma", "Liam", "Olivia", "Noah", "Zoë", "José", "François", "Søren", "Małgorzata",
	"Björn", "Chloé", "Ahmed", "Yuki", "Ana", "Łukasz", "Siobhán", "Jürgen", "Renée", "María", "Wei", "Grace",
	"Oliver", "Amélie", "Mateo", "Ingrid", "小龙", "Dmitri", "Aoife"}
var lastNames = []string{"Smith", "Müller", "García", "Østergaard", "Nguyễn", "Kowalski", "O'Brien", "Dubois",
	"Johansson", "Rossi", "Tanaka", "Brown", "Schäfer", "Fernández", "Novák", "Lefèvre", "Çelik", "Andersson",
	"Williams", "李", "Kuznetsov", "Murphy", "de Vries"}
var streets = []string{"Main Street", "Oak Avenue", "Market Street", "Hauptstraße", "Rue de Rivoli",
	"Keizersgracht", "Elm Street", "Sunset Boulevard", "Ulica Floriańska", "Nørregade", "Pine Road"}
var companies = []string{"", "", "", "Acme Corp", "Globex GmbH", "Initech", "Müller & Söhne", "Café Olé SARL"}

type product struct {
	id         uint32
	sku        string
	name       string
	typ        string // simple, configurable, virtual, downloadable
	price      int64  // Decimal units
	weight     int64
	children   []product
	attrLabel  string
	attrValues []string
}

var adminComments = []string{
	"Customer called to confirm the delivery address.",
	"Gift wrap requested — please use the blue paper.",
	"Kunde bittet um Lieferung nach 17 Uhr.",
	"Address verified with the carrier.",
	"Replacement sent for a damaged item.",
	"Le client souhaite une facture au nom de la société.",
	"Customer asked to combine shipping with the next order.",
	"Fraud check passed after a phone call.",
	"Customer asked us to hold the parcel at the depot until the 14th: they are travelling and nobody can sign for it at home.\nPlease call before delivery.",
}

// longLastName is longer than a Salesforce Contact's LastName (80).
const longLastName = "Wolfeschlegelsteinhausenbergerdorff-Welchevoralternwarengewissenhaftschaferswessenschafewaren"

var payments = []struct{ code, title string }{
	{"checkmo", "Check / Money order"},
	{"banktransfer", "Bank Transfer Payment"},
	{"cashondelivery", "Cash On Delivery"},
	{"braintree", "Credit Card (Braintree)"},
	{"paypal_express", "PayPal Express Checkout"},
	{"purchaseorder", "Purchase Order"},
}

type gen struct {
	r        *rand.Rand
	now      time.Time
	products []product
	virtuals []product
	sum      Summary
	seqs     map[uint16]int
}

// Generate writes opts.Orders orders (and the customers, products, second
// website and store views they need) into a database holding the Magento
// schema and default rows. Totals are consistent on every order:
// grand_total = subtotal + shipping_amount + tax_amount + discount_amount
// (discount_amount is negative, as Magento stores it), and the parent items'
// row totals add up to the subtotal.
func Generate(ctx context.Context, db *sql.DB, opts Options) (Summary, error) {
	g := &gen{r: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)), now: opts.Now, seqs: map[uint16]int{}}
	if g.now.IsZero() {
		g.now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	}
	g.now = g.now.UTC().Truncate(time.Second)

	if err := g.inTx(ctx, db, g.writeStores); err != nil {
		return g.sum, err
	}
	if err := g.inTx(ctx, db, g.writeProducts); err != nil {
		return g.sum, err
	}
	customers, err := g.customers(ctx, db, max(opts.Orders/3, 1))
	if err != nil {
		return g.sum, err
	}
	// Order times ascend with entity_id, as they do in a real store.
	times := make([]time.Time, opts.Orders)
	span := int64(400 * 24 * time.Hour / time.Second)
	if opts.Span != 0 {
		span = max(int64(opts.Span/time.Second), 1)
	}
	for i := range times {
		times[i] = g.now.Add(-time.Duration(g.r.Int64N(span)) * time.Second)
	}
	slices.SortFunc(times, time.Time.Compare)

	var nextOrder, nextItem, nextAddr, nextPay, nextHist uint32
	if err := db.QueryRowContext(ctx, `SELECT
		(SELECT COALESCE(MAX(entity_id), 0) FROM sales_order),
		(SELECT COALESCE(MAX(item_id), 0) FROM sales_order_item),
		(SELECT COALESCE(MAX(entity_id), 0) FROM sales_order_address),
		(SELECT COALESCE(MAX(entity_id), 0) FROM sales_order_payment),
		(SELECT COALESCE(MAX(entity_id), 0) FROM sales_order_status_history)`).
		Scan(&nextOrder, &nextItem, &nextAddr, &nextPay, &nextHist); err != nil {
		return g.sum, fmt.Errorf("magentodb: read ids: %w", err)
	}
	for _, v := range views {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sales_order WHERE store_id = ?`, v.id).Scan(&n); err != nil {
			return g.sum, fmt.Errorf("magentodb: count orders: %w", err)
		}
		g.seqs[v.id] = n
	}

	const chunk = 500
	for start := 0; start < opts.Orders; start += chunk {
		end := min(start+chunk, opts.Orders)
		b := newBatch("sales_order", "sales_order_address", "sales_order_item", "sales_order_payment",
			"sales_order_status_history", "sales_order_grid")
		for i := start; i < end; i++ {
			nextOrder++
			g.order(b, i, nextOrder, times[i], customers, &nextItem, &nextAddr, &nextPay, &nextHist)
		}
		if err := g.inTx(ctx, db, b.flush); err != nil {
			return g.sum, err
		}
	}
	return g.sum, nil
}

func (g *gen) inTx(ctx context.Context, db *sql.DB, f func(context.Context, *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("magentodb: %w", err)
	}
	defer tx.Rollback()
	if err := f(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("magentodb: commit: %w", err)
	}
	return nil
}

func (g *gen) writeStores(ctx context.Context, tx *sql.Tx) error {
	stmts := []string{
		`INSERT IGNORE INTO store_website (website_id, code, name, sort_order, default_group_id, is_default)
			VALUES (2, 'europe', 'Europe Website', 1, 2, 0)`,
		`INSERT IGNORE INTO store_group (group_id, website_id, name, root_category_id, default_store_id, code)
			VALUES (2, 2, 'Europe Store', 2, 2, 'europe_store')`,
		`INSERT IGNORE INTO store (store_id, code, website_id, group_id, name, sort_order, is_active)
			VALUES (2, 'eu_en', 2, 2, 'English', 0, 1), (3, 'eu_de', 2, 2, 'Deutsch', 1, 1)`,
		`INSERT IGNORE INTO core_config_data (scope, scope_id, path, value) VALUES
			('default', 0, 'general/locale/timezone', 'America/Los_Angeles'),
			('websites', 2, 'general/locale/timezone', 'Europe/Berlin'),
			('default', 0, 'general/locale/code', 'en_US'),
			('stores', 3, 'general/locale/code', 'de_DE'),
			('default', 0, 'currency/options/base', 'USD'),
			('websites', 2, 'currency/options/base', 'EUR'),
			('default', 0, 'general/store_information/name', 'Luma Outfitters')`,
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("magentodb: write stores: %w", err)
		}
	}
	return nil
}

// globalCurrency is the store's global currency (Default Config's base
// currency): Magento records every order's base amounts against it.
const globalCurrency = "USD"

// baseToGlobal is the rate Magento records on an order from its website's
// base currency to the global one (sales_order.base_to_global_rate).
func baseToGlobal(base string) string {
	if base == "EUR" {
		return "1.0850"
	}
	return "1.0000"
}

var catalog = []struct {
	name, typ, attr string
	values          []string
	price           int64  // cents
	sku             string // "" = made from the name
}{
	{"Joust Duffle Bag", "simple", "", nil, 3400, ""},
	{"Strive Shoulder Pack", "simple", "", nil, 3200, ""},
	{"Sprite Yoga Strap 6 foot", "simple", "", nil, 1400, ""},
	{"Aim Analog Watch", "simple", "", nil, 4500, ""},
	{"Fusion Backpack", "simple", "", nil, 5900, ""},
	{"Pursuit Lumaflex™ Tone Band", "simple", "", nil, 1600, ""},
	{"Dual Handle Cardio Ball", "simple", "", nil, 1200, ""},
	{"Quest Lumaflex™ Band", "simple", "", nil, 1900, ""},
	{"Overnight Duffle", "simple", "", nil, 4500, ""},
	{"Harmony Lumaflex™ Strength Band Kit", "simple", "", nil, 2200, ""},
	{"Affirm Water Bottle", "simple", "", nil, 700, ""},
	{"Zing Jump Rope", "simple", "", nil, 1200, ""},
	{"Go-Get'r Pushup Grips", "simple", "", nil, 1900, ""},
	{"Free Sample Sachet", "simple", "", nil, 0, ""},
	{"Radiant Tee", "configurable", "Size", []string{"XS", "S", "M", "L", "XL"}, 2200, ""},
	{"Breathe-Easy Tank", "configurable", "Color", []string{"Purple", "White", "Yellow"}, 3400, ""},
	{"Hero Hoodie", "configurable", "Color", []string{"Black", "Gray", "Green"}, 5400, ""},
	{"Argus All-Weather Tank", "configurable", "Size", []string{"S", "M", "L", "XL"}, 2200, ""},
	{"Cassius Sparring Tank", "configurable", "Color", []string{"Blue", "Orange"}, 1800, ""},
	{"Summit Watch", "configurable", "Strap", []string{"Leather", "Steel"}, 5400, ""},
	{"Beginner's Yoga (video)", "downloadable", "", nil, 600, ""},
	{"Advanced Pilates & Yoga (video)", "downloadable", "", nil, 1800, ""},
	{"Luma Gift Card", "virtual", "", nil, 5000, ""},
	{"Personal Training Session", "virtual", "", nil, 7500, ""},
	// SKUs Magento allows that cannot travel in a URL path as they are.
	{"Café Crème Mug", "simple", "", nil, 1500, "MUG/CAFÉ CRÈME #2?"},
	{"Trail Sock 3-pack", "simple", "", nil, 1300, "SOCK 3/PK 50%"},
}

func (g *gen) writeProducts(ctx context.Context, tx *sql.Tx) error {
	var id uint32
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(entity_id), 0) FROM catalog_product_entity`).Scan(&id); err != nil {
		return fmt.Errorf("magentodb: write products: %w", err)
	}
	b := newBatch()
	add := func(p product) {
		b.add("catalog_product_entity", []string{"entity_id", "attribute_set_id", "type_id", "sku", "has_options", "required_options"},
			p.id, 4, p.typ, p.sku, boolInt(p.typ == "configurable"), boolInt(p.typ == "configurable"))
	}
	for i, c := range catalog {
		id++
		sku := c.sku
		if sku == "" {
			sku = fmt.Sprintf("%s-%02d", strings.ToUpper(strings.Join(strings.Fields(asciiOnly(c.name))[:1], "")), i+1)
		}
		p := product{id: id, sku: sku, name: c.name, typ: c.typ, price: c.price * 100, weight: int64(1+i%5) * DecimalOne,
			attrLabel: c.attr, attrValues: c.values}
		add(p)
		for _, v := range c.values {
			id++
			child := product{id: id, sku: sku + "-" + v, name: c.name + "-" + v, typ: "simple", price: p.price, weight: p.weight}
			add(child)
			p.children = append(p.children, child)
		}
		switch c.typ {
		case "virtual", "downloadable":
			g.virtuals = append(g.virtuals, p)
		default:
			g.products = append(g.products, p)
		}
		g.sum.Products += 1 + len(p.children)
	}
	return b.flush(ctx, tx)
}

func asciiOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == ' ' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

type customer struct {
	id                  uint32
	websiteID           uint16
	email, first, last  string
	billing, shipping   address
	hasSeparateShipping bool
}

type address struct {
	street  string
	company string
	phone   string
	place   place
}

func (g *gen) person() (string, string) {
	first, last := firstNames[g.r.IntN(len(firstNames))], lastNames[g.r.IntN(len(lastNames))]
	if g.r.IntN(60) == 0 {
		last = longLastName
	}
	return first, last
}

func (g *gen) email(first, last string, n int) string {
	local := strings.ToLower(asciiOnly(first) + "." + asciiOnly(last))
	local = strings.ReplaceAll(local, " ", "")
	if len(local) > 40 {
		local = local[:40]
	}
	if local == "." || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") {
		local = "customer"
	}
	domains := []string{"example.com", "example.org", "example.net", "mail.example.de"}
	// Now and then an address Magento took that is awkward elsewhere: a
	// slash or plus in the local part, or non-ASCII letters.
	switch g.r.IntN(40) {
	case 0:
		return fmt.Sprintf("%s/%d+shop@%s", local, n, domains[g.r.IntN(len(domains))])
	case 1:
		return fmt.Sprintf("%s%d@bücher.example", strings.ToLower(first), n)
	}
	return fmt.Sprintf("%s%d@%s", local, n, domains[g.r.IntN(len(domains))])
}

func (g *gen) address(places []place) address {
	a := address{
		street:  fmt.Sprintf("%d %s", 1+g.r.IntN(2400), streets[g.r.IntN(len(streets))]),
		company: companies[g.r.IntN(len(companies))],
		phone:   fmt.Sprintf("+1 555 %03d %04d", g.r.IntN(1000), g.r.IntN(10000)),
		place:   places[g.r.IntN(len(places))],
	}
	switch g.r.IntN(5) {
	case 0:
		a.street += fmt.Sprintf("\nApt %d%c", 1+g.r.IntN(30), 'A'+rune(g.r.IntN(6)))
	case 1:
		a.street += "\nBuilding 2\nFloor 3"
	}
	return a
}

func (g *gen) customers(ctx context.Context, db *sql.DB, n int) ([]customer, error) {
	var base uint32
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(entity_id), 0) FROM customer_entity`).Scan(&base); err != nil {
		return nil, fmt.Errorf("magentodb: write customers: %w", err)
	}
	out := make([]customer, n)
	b := newBatch()
	for i := range out {
		v := views[g.r.IntN(len(views))]
		first, last := g.person()
		c := customer{id: base + uint32(i) + 1, websiteID: v.websiteID, first: first, last: last,
			email: g.email(first, last, int(base)+i+1)}
		c.billing = g.address(v.countries)
		c.shipping = c.billing
		if g.r.IntN(4) == 0 {
			c.shipping = g.address(v.countries)
			c.hasSeparateShipping = true
		}
		out[i] = c
		created := g.now.Add(-time.Duration(400+g.r.IntN(400)) * 24 * time.Hour)
		b.add("customer_entity", []string{"entity_id", "website_id", "email", "group_id", "store_id", "created_at",
			"updated_at", "is_active", "created_in", "firstname", "lastname"},
			c.id, c.websiteID, c.email, 1, v.id, created, created, 1, lastLine(v.name), c.first, c.last)
	}
	g.sum.Customers = n
	return out, g.inTx(ctx, db, b.flush)
}

func lastLine(s string) string { return s[strings.LastIndexByte(s, '\n')+1:] }

// DecimalOne is 1 in Decimal units (four places).
const DecimalOne = 10000

// roundCents rounds a Decimal amount to whole cents, half away from zero.
func roundCents(v int64) int64 {
	if v < 0 {
		return -roundCents(-v)
	}
	return (v + 50) / 100 * 100
}

func dec(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%04d", sign, v/DecimalOne, v%DecimalOne)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (g *gen) pickStatus(i int) (string, string) {
	if i < len(Statuses) { // every status shows up in any store of 12 or more orders
		return Statuses[i].Status, Statuses[i].State
	}
	n := g.r.IntN(1000)
	for j, w := range statusWeights {
		if n < w {
			return Statuses[j].Status, Statuses[j].State
		}
		n -= w
	}
	return "complete", "complete"
}

type lineItem struct {
	p         product
	child     *product
	qty       int64
	price     int64
	discount  int64
	tax       int64
	rowTotal  int64
	taxBP     int64
	attrValue string
}

func (g *gen) order(b *batch, i int, id uint32, created time.Time, customers []customer,
	nextItem, nextAddr, nextPay, nextHist *uint32) {
	r := g.r
	v := views[r.IntN(len(views))]
	status, state := g.pickStatus(i)
	zeroTotal := i == 3 || r.IntN(50) == 0
	virtual := i == 5 || r.IntN(12) == 0

	// Customer: registered (of this website) or guest.
	var c customer
	guest := r.IntN(10) < 4
	if !guest {
		c = customers[r.IntN(len(customers))]
		if c.websiteID != v.websiteID {
			for _, cv := range views {
				if cv.websiteID == c.websiteID {
					v = cv
					break
				}
			}
		}
	} else {
		first, last := g.person()
		c = customer{first: first, last: last, email: g.email(first, last, int(id))}
		c.billing = g.address(v.countries)
		c.shipping = c.billing
	}
	g.seqs[v.id]++
	incrementID := fmt.Sprintf("%s%09d", v.prefix, g.seqs[v.id])
	if v.prefix != "" {
		incrementID = fmt.Sprintf("%s%08d", v.prefix, g.seqs[v.id])
	}
	place := c.billing.place
	if !virtual {
		place = c.shipping.place
	}

	// Items.
	pool := g.products
	if virtual {
		pool = g.virtuals
	}
	nItems := 1 + r.IntN(6)
	if virtual {
		nItems = 1 + r.IntN(2)
	}
	discountPct := int64(0)
	coupon := ""
	switch {
	case zeroTotal:
		discountPct, coupon = 100, "FREE100"
	case r.IntN(5) == 0:
		discountPct, coupon = 10, "SAVE10"
	}
	var items []lineItem
	var subtotal, discount, tax, qtyTotal, weight int64
	for range nItems {
		p := pool[r.IntN(len(pool))]
		li := lineItem{p: p, qty: int64(1 + r.IntN(3)), price: p.price, taxBP: place.taxBP}
		if len(p.children) > 0 {
			k := r.IntN(len(p.children))
			li.child = &p.children[k]
			li.attrValue = p.attrValues[k]
		}
		li.rowTotal = li.price * li.qty
		li.discount = roundCents(li.rowTotal * discountPct / 100)
		li.tax = roundCents((li.rowTotal - li.discount) * li.taxBP / 10000)
		items = append(items, li)
		subtotal += li.rowTotal
		discount += li.discount
		tax += li.tax
		qtyTotal += li.qty
		weight += p.weight * li.qty
	}
	shipping := int64(0)
	shippingMethod, shippingDesc := "", ""
	if !virtual {
		switch {
		case zeroTotal || subtotal >= 100*DecimalOne:
			shippingMethod, shippingDesc = "freeshipping_freeshipping", "Free Shipping - Free"
		case r.IntN(2) == 0:
			shippingMethod, shippingDesc = "flatrate_flatrate", "Flat Rate - Fixed"
			shipping = 5 * DecimalOne * qtyTotal
		default:
			shippingMethod, shippingDesc = "tablerate_bestway", "Best Way - Table Rate"
			shipping = 1250 * 100
		}
	}
	grand := subtotal + shipping + tax - discount
	paid := int64(0)
	refunded := int64(0)
	switch status {
	case "processing", "complete", "closed", "paypal_reversed", "paypal_canceled_reversal":
		paid = grand
	}
	if status == "closed" {
		refunded = grand
	}

	pay := payments[r.IntN(len(payments))]
	if grand == 0 {
		pay = struct{ code, title string }{"free", "No Payment Information Required"}
	} else if strings.HasPrefix(status, "paypal") || status == "pending_paypal" {
		pay = struct{ code, title string }{"paypal_express", "PayPal Express Checkout"}
	}

	// History: how the order got to its status.
	type hist struct {
		comment    any
		status     string
		notified   int
		entityName string
		at         time.Time
	}
	at := created
	step := func() time.Time {
		at = at.Add(time.Duration(1+r.IntN(72*60)) * time.Minute)
		if at.After(g.now) {
			at = g.now
		}
		return at
	}
	cur := "$"
	if v.currency == "EUR" {
		cur = "€"
	}
	amount := func(x int64) string { return cur + dec(x)[:len(dec(x))-2] }
	hs := []hist{{nil, "pending", 1, "order", created}}
	switch status {
	case "processing", "complete", "closed", "paypal_reversed", "paypal_canceled_reversal":
		hs = append(hs, hist{"Captured amount of " + amount(grand) + " online.", "processing", 0, "invoice", step()})
		if status == "complete" || status == "closed" {
			hs = append(hs, hist{nil, "complete", 1, "shipment", step()})
		}
		if status == "closed" {
			hs = append(hs, hist{"We refunded " + amount(grand) + " offline.", "closed", 1, "creditmemo", step()})
		}
		if strings.HasPrefix(status, "paypal") {
			hs = append(hs, hist{"IPN \"Reversed\"", status, 0, "order", step()})
		}
	case "canceled":
		hs = append(hs, hist{"Order canceled at the customer's request.", "canceled", 1, "order", step()})
	case "holded":
		hs = append(hs, hist{nil, "holded", 0, "order", step()})
	case "fraud", "payment_review":
		hs = append(hs, hist{"Order is suspended as its capturing amount is suspected to be fraudulent.", status, 0, "order", step()})
	case "pending_payment", "pending_paypal":
		hs[0].status = status
	}
	// Admin notes, some without a status change, and now and then a pasted
	// document longer than a Salesforce Note holds.
	for range r.IntN(3) {
		hs = append(hs, hist{adminComments[r.IntN(len(adminComments))], status, r.IntN(2), "order", step()})
	}
	if r.IntN(150) == 0 {
		hs = append(hs, hist{"Carrier claim transcript\n" + strings.Repeat("The parcel arrived with a torn corner; contents checked and complete. ", 480), status, 0, "order", step()})
	}
	updated := at

	// Addresses.
	billID := *nextAddr + 1
	*nextAddr++
	shipID := uint32(0)
	customerID := any(nil)
	if !guest {
		customerID = c.id
	}
	addrCols := []string{"entity_id", "parent_id", "region_id", "customer_id", "region", "postcode", "lastname",
		"street", "city", "email", "telephone", "country_id", "firstname", "address_type", "company"}
	addAddr := func(aid uint32, a address, typ string) {
		var regionID any
		if a.place.regionID != 0 {
			regionID = a.place.regionID
		}
		b.add("sales_order_address", addrCols, aid, id, regionID, customerID, nullable(a.place.region),
			a.place.postcode, c.last, a.street, a.place.city, c.email, a.phone, a.place.country, c.first, typ,
			nullable(a.company))
		g.sum.Addresses++
	}
	addAddr(billID, c.billing, "billing")
	if !virtual {
		shipID = *nextAddr + 1
		*nextAddr++
		addAddr(shipID, c.shipping, "shipping")
	}

	var shipIDv any
	if shipID != 0 {
		shipIDv = shipID
	}
	var custFirst, custLast any = c.first, c.last
	var cidv any
	if !guest {
		cidv = c.id
	}
	group := 1
	if guest {
		group = 0
	}
	b.add("sales_order", []string{"entity_id", "state", "status", "coupon_code", "protect_code", "shipping_description",
		"is_virtual", "store_id", "customer_id", "base_discount_amount", "base_grand_total", "base_shipping_amount",
		"base_shipping_tax_amount", "base_subtotal", "base_tax_amount", "base_to_global_rate", "base_to_order_rate",
		"discount_amount", "grand_total", "shipping_amount", "shipping_tax_amount", "store_to_base_rate",
		"store_to_order_rate", "subtotal", "tax_amount", "total_qty_ordered", "base_total_paid", "total_paid",
		"base_total_refunded", "total_refunded", "customer_is_guest", "customer_note_notify", "billing_address_id",
		"customer_group_id", "email_sent", "send_email", "shipping_address_id", "base_subtotal_incl_tax",
		"subtotal_incl_tax", "base_total_due", "total_due", "weight", "increment_id", "base_currency_code",
		"customer_email", "customer_firstname", "customer_lastname", "discount_description", "global_currency_code",
		"order_currency_code", "remote_ip", "shipping_method", "store_currency_code", "store_name", "created_at",
		"updated_at", "total_item_count", "shipping_incl_tax", "base_shipping_incl_tax"},
		id, state, status, nullable(coupon), fmt.Sprintf("%016x", r.Uint64())[:6], nullable(shippingDesc),
		boolInt(virtual), v.id, cidv, dec(-discount), dec(grand), dec(shipping),
		"0.0000", dec(subtotal), dec(tax), baseToGlobal(v.currency), "1.0000",
		dec(-discount), dec(grand), dec(shipping), "0.0000", "0.0000",
		"0.0000", dec(subtotal), dec(tax), dec(qtyTotal*DecimalOne), dec(paid), dec(paid),
		dec(refunded), dec(refunded), boolInt(guest), 1, billID,
		group, 1, 1, shipIDv, dec(subtotal+tax),
		dec(subtotal+tax), dec(grand-paid), dec(grand-paid), dec(weight), incrementID, v.currency,
		c.email, custFirst, custLast, nullable(coupon), globalCurrency,
		v.currency, fmt.Sprintf("203.0.113.%d", r.IntN(255)), nullable(shippingMethod), v.currency, v.name, created,
		updated, len(items), dec(shipping), dec(shipping))
	g.sum.Orders++

	// Items: a configurable writes a parent row with the price and a child row.
	itemCols := []string{"item_id", "order_id", "parent_item_id", "store_id", "created_at", "updated_at",
		"product_id", "product_type", "product_options", "weight", "is_virtual", "sku", "name", "is_qty_decimal",
		"qty_ordered", "qty_invoiced", "qty_shipped", "qty_refunded", "qty_canceled", "price", "base_price",
		"original_price", "base_original_price", "tax_percent", "tax_amount", "base_tax_amount", "discount_percent",
		"discount_amount", "base_discount_amount", "row_total", "base_row_total", "row_weight", "price_incl_tax",
		"base_price_incl_tax", "row_total_incl_tax", "base_row_total_incl_tax", "free_shipping"}
	for _, li := range items {
		*nextItem++
		pid := *nextItem
		qtyInv, qtyShip, qtyRef, qtyCan := int64(0), int64(0), int64(0), int64(0)
		switch status {
		case "processing":
			qtyInv = li.qty
		case "complete":
			qtyInv, qtyShip = li.qty, li.qty
		case "closed":
			qtyInv, qtyShip, qtyRef = li.qty, li.qty, li.qty
		case "canceled":
			qtyCan = li.qty
		}
		sku, opts := li.p.sku, map[string]any{"info_buyRequest": map[string]any{"qty": fmt.Sprint(li.qty), "product": fmt.Sprint(li.p.id)}}
		if li.child != nil {
			sku = li.child.sku
			opts["attributes_info"] = []map[string]any{{"label": li.p.attrLabel, "value": li.attrValue, "option_id": 93, "option_value": 50 + li.child.id}}
			opts["simple_name"] = li.child.name
			opts["simple_sku"] = li.child.sku
			opts["product_calculations"] = 1
			opts["shipment_type"] = 0
		}
		optJSON, _ := json.Marshal(opts)
		priceIncl := roundCents(li.price * (10000 + li.taxBP) / 10000)
		isVirtual := boolInt(li.p.typ == "virtual" || li.p.typ == "downloadable")
		b.add("sales_order_item", itemCols, pid, id, nil, v.id, created, created,
			li.p.id, li.p.typ, string(optJSON), dec(li.p.weight), isVirtual, sku, li.p.name, 0,
			dec(li.qty*DecimalOne), dec(qtyInv*DecimalOne), dec(qtyShip*DecimalOne), dec(qtyRef*DecimalOne), dec(qtyCan*DecimalOne), dec(li.price), dec(li.price),
			dec(li.price), dec(li.price), dec(li.taxBP*100), dec(li.tax), dec(li.tax), dec(discountPct*DecimalOne),
			dec(li.discount), dec(li.discount), dec(li.rowTotal), dec(li.rowTotal), dec(li.p.weight*li.qty), dec(priceIncl),
			dec(priceIncl), dec(li.rowTotal+li.tax), dec(li.rowTotal+li.tax), boolInt(shipping == 0 && !virtual))
		g.sum.Items++
		if li.child != nil {
			*nextItem++
			childOpts, _ := json.Marshal(map[string]any{"info_buyRequest": map[string]any{"qty": fmt.Sprint(li.qty),
				"product": fmt.Sprint(li.p.id), "super_attribute": map[string]any{"93": fmt.Sprint(50 + li.child.id)}}})
			b.add("sales_order_item", itemCols, *nextItem, id, pid, v.id, created, created,
				li.child.id, "simple", string(childOpts), dec(li.p.weight), 0, li.child.sku, li.child.name, 0,
				dec(li.qty*DecimalOne), dec(qtyInv*DecimalOne), dec(qtyShip*DecimalOne), dec(qtyRef*DecimalOne), dec(qtyCan*DecimalOne), "0.0000", "0.0000",
				"0.0000", "0.0000", "0.0000", "0.0000", "0.0000", "0.0000",
				"0.0000", "0.0000", "0.0000", "0.0000", dec(li.p.weight*li.qty), "0.0000",
				"0.0000", "0.0000", "0.0000", 0)
			g.sum.Items++
		}
	}

	// Payment.
	*nextPay++
	info, _ := json.Marshal(map[string]string{"method_title": pay.title})
	var poNumber, ccType, ccLast4 any
	switch pay.code {
	case "purchaseorder":
		poNumber = fmt.Sprintf("PO-%05d", r.IntN(100000))
	case "braintree":
		ccType, ccLast4 = "VI", fmt.Sprintf("%04d", r.IntN(10000))
	}
	b.add("sales_order_payment", []string{"entity_id", "parent_id", "base_shipping_amount", "shipping_amount",
		"base_amount_ordered", "amount_ordered", "base_amount_paid", "amount_paid", "method", "po_number",
		"cc_type", "cc_last_4", "additional_information"},
		*nextPay, id, dec(shipping), dec(shipping), dec(grand), dec(grand), dec(paid), dec(paid), pay.code, poNumber,
		ccType, ccLast4, string(info))
	g.sum.Payments++

	for _, h := range hs {
		*nextHist++
		b.add("sales_order_status_history", []string{"entity_id", "parent_id", "is_customer_notified",
			"is_visible_on_front", "comment", "status", "created_at", "entity_name"},
			*nextHist, id, h.notified, 0, h.comment, h.status, h.at, h.entityName)
		g.sum.Comments++
	}

	// The admin grid's denormalised row.
	billName := c.first + " " + c.last
	shipName := any(nil)
	shipAddr := any(nil)
	if !virtual {
		shipName = billName
		shipAddr = gridAddress(c.shipping)
	}
	b.add("sales_order_grid", []string{"entity_id", "status", "store_id", "store_name", "customer_id",
		"base_grand_total", "base_total_paid", "grand_total", "total_paid", "increment_id", "base_currency_code",
		"order_currency_code", "shipping_name", "billing_name", "created_at", "updated_at", "billing_address",
		"shipping_address", "shipping_information", "customer_email", "customer_group", "subtotal",
		"shipping_and_handling", "customer_name", "payment_method", "total_refunded"},
		id, status, v.id, v.name, cidv, dec(grand), dec(paid), dec(grand), dec(paid), incrementID, v.currency,
		v.currency, shipName, billName, created, updated, gridAddress(c.billing), shipAddr,
		nullable(shippingDesc), c.email, fmt.Sprint(group), dec(subtotal), dec(shipping), billName, pay.code,
		dec(refunded))
}

// gridAddress is Magento's grid form: street, city, region, postcode joined by commas.
func gridAddress(a address) string {
	parts := []string{strings.ReplaceAll(a.street, "\n", " "), a.place.city}
	if a.place.region != "" {
		parts = append(parts, a.place.region)
	}
	return strings.Join(append(parts, a.place.postcode), ",")
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
