package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Order is a Magento order as magesync reads it: the header with its items,
// addresses, payment and comment history.
type Order struct {
	EntityID            uint32  `db:"entity_id"`
	IncrementID         string  `db:"increment_id"`
	StoreID             uint16  `db:"store_id"`
	State               string  `db:"state"`
	Status              string  `db:"status"`
	CustomerID          uint32  `db:"customer_id"` // 0 for guests
	CustomerIsGuest     bool    `db:"customer_is_guest"`
	CustomerEmail       string  `db:"customer_email"`
	CustomerFirstname   string  `db:"customer_firstname"`
	CustomerLastname    string  `db:"customer_lastname"`
	IsVirtual           bool    `db:"is_virtual"`
	CouponCode          string  `db:"coupon_code"`
	ShippingMethod      string  `db:"shipping_method"`
	ShippingDescription string  `db:"shipping_description"`
	BaseCurrencyCode    string  `db:"base_currency_code"`
	OrderCurrencyCode   string  `db:"order_currency_code"`
	Subtotal            Decimal `db:"subtotal"`
	ShippingAmount      Decimal `db:"shipping_amount"`
	TaxAmount           Decimal `db:"tax_amount"`
	DiscountAmount      Decimal `db:"discount_amount"` // negative, as Magento stores it
	GrandTotal          Decimal `db:"grand_total"`
	BaseGrandTotal      Decimal `db:"base_grand_total"`
	// The same amounts in the website's base currency, and the rates
	// Magento recorded when the order was placed.
	GlobalCurrencyCode string    `db:"global_currency_code"`
	BaseSubtotal       Decimal   `db:"base_subtotal"`
	BaseShippingAmount Decimal   `db:"base_shipping_amount"`
	BaseTaxAmount      Decimal   `db:"base_tax_amount"`
	BaseDiscountAmount Decimal   `db:"base_discount_amount"`
	BaseToGlobalRate   Decimal   `db:"base_to_global_rate"`
	BaseToOrderRate    Decimal   `db:"base_to_order_rate"`
	TotalPaid          Decimal   `db:"total_paid"`
	TotalRefunded      Decimal   `db:"total_refunded"`
	TotalQtyOrdered    Decimal   `db:"total_qty_ordered"`
	CustomerNote       string    `db:"customer_note"`
	CreatedAt          time.Time `db:"created_at"`
	UpdatedAt          time.Time `db:"updated_at"`

	Items    []Item
	Billing  *Address
	Shipping *Address // nil for virtual orders
	Payment  *Payment
	Comments []Comment
}

// Item is one parent row of sales_order_item. For a configurable product the
// child's SKU, name and chosen options are folded in.
type Item struct {
	ItemID             uint32   `db:"item_id"`
	OrderID            uint32   `db:"order_id"`
	ProductID          uint32   `db:"product_id"`
	ProductType        string   `db:"product_type"`
	SKU                string   `db:"sku"`
	Name               string   `db:"name"`
	QtyOrdered         Decimal  `db:"qty_ordered"`
	Price              Decimal  `db:"price"`
	OriginalPrice      Decimal  `db:"original_price"`
	RowTotal           Decimal  `db:"row_total"`
	TaxAmount          Decimal  `db:"tax_amount"`
	TaxPercent         Decimal  `db:"tax_percent"`
	DiscountAmount     Decimal  `db:"discount_amount"` // positive, as Magento stores it on items
	BaseRowTotal       Decimal  `db:"base_row_total"`
	BaseDiscountAmount Decimal  `db:"base_discount_amount"`
	QtyInvoiced        Decimal  `db:"qty_invoiced"`
	QtyShipped         Decimal  `db:"qty_shipped"`
	QtyRefunded        Decimal  `db:"qty_refunded"`
	QtyCanceled        Decimal  `db:"qty_canceled"`
	QtyBackordered     Decimal  `db:"qty_backordered"`
	ProductOptions     string   `db:"product_options"`
	Options            []Option `db:"-"`
	Child              *ChildItem
	// MissingParent is the parent_item_id of a child row whose parent row
	// is not in the order: the child stands as its own item.
	MissingParent uint32 `db:"-"`
}

// ChildItem is the simple product chosen under a configurable parent.
type ChildItem struct {
	ItemID    uint32
	ProductID uint32
	SKU       string
	Name      string
}

// Option is one chosen product option ("Color: Red").
type Option struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Address is a billing or shipping address of an order.
type Address struct {
	EntityID    uint32   `db:"entity_id"`
	ParentID    uint32   `db:"parent_id"`
	AddressType string   `db:"address_type"`
	Firstname   string   `db:"firstname"`
	Lastname    string   `db:"lastname"`
	Company     string   `db:"company"`
	StreetRaw   string   `db:"street"`
	Street      []string `db:"-"`
	City        string   `db:"city"`
	Region      string   `db:"region"`
	RegionCode  string   `db:"region_code"` // directory_country_region.code, "" for free-text regions
	Postcode    string   `db:"postcode"`
	CountryID   string   `db:"country_id"`
	Telephone   string   `db:"telephone"`
	Email       string   `db:"email"`
}

// Name is the address's full name.
func (a *Address) Name() string { return strings.TrimSpace(a.Firstname + " " + a.Lastname) }

// Payment is the order's payment method.
type Payment struct {
	ParentID              uint32 `db:"parent_id"`
	Method                string `db:"method"`
	AdditionalInformation string `db:"additional_information"`
}

// Title is the method's title as the customer saw it, or its code.
func (p *Payment) Title() string {
	var info struct {
		MethodTitle string `json:"method_title"`
	}
	if json.Unmarshal([]byte(p.AdditionalInformation), &info) == nil && info.MethodTitle != "" {
		return info.MethodTitle
	}
	return p.Method
}

// Comment is one row of the order's status history.
type Comment struct {
	EntityID           uint32    `db:"entity_id"`
	ParentID           uint32    `db:"parent_id"`
	Comment            string    `db:"comment"` // "" when NULL
	Status             string    `db:"status"`
	IsCustomerNotified bool      `db:"is_customer_notified"`
	IsVisibleOnFront   bool      `db:"is_visible_on_front"`
	EntityName         string    `db:"entity_name"`
	CreatedAt          time.Time `db:"created_at"`
}

// Order loads one order with everything it holds.
func (s *Store) Order(ctx context.Context, entityID uint32) (*Order, error) {
	orders, err := s.Orders(ctx, []uint32{entityID})
	if err != nil {
		return nil, err
	}
	if len(orders) == 0 {
		return nil, fmt.Errorf("store: load order %d: %w", entityID, ErrNotFound)
	}
	return orders[0], nil
}

// OrderIDByIncrementID finds an order's entity_id by the number admins see.
// Increment IDs are unique per store only; the lowest entity_id wins.
func (s *Store) OrderIDByIncrementID(ctx context.Context, incrementID string) (uint32, error) {
	var ids []uint32
	err := s.db.SelectContext(ctx, &ids,
		`SELECT entity_id FROM sales_order WHERE increment_id = ? ORDER BY entity_id LIMIT 1`, incrementID)
	if err != nil {
		return 0, fmt.Errorf("store: find order #%s: %w", incrementID, err)
	}
	if len(ids) == 0 {
		return 0, fmt.Errorf("store: find order #%s: %w", incrementID, ErrNotFound)
	}
	return ids[0], nil
}

const orderColumns = `entity_id, COALESCE(increment_id, '') AS increment_id, COALESCE(store_id, 0) AS store_id,
	COALESCE(state, '') AS state, COALESCE(status, '') AS status, COALESCE(customer_id, 0) AS customer_id,
	COALESCE(customer_is_guest, 0) AS customer_is_guest, COALESCE(customer_email, '') AS customer_email,
	COALESCE(customer_firstname, '') AS customer_firstname, COALESCE(customer_lastname, '') AS customer_lastname,
	COALESCE(is_virtual, 0) AS is_virtual, COALESCE(coupon_code, '') AS coupon_code,
	COALESCE(shipping_method, '') AS shipping_method, COALESCE(shipping_description, '') AS shipping_description,
	COALESCE(base_currency_code, '') AS base_currency_code, COALESCE(order_currency_code, '') AS order_currency_code,
	subtotal, shipping_amount, tax_amount, discount_amount, grand_total, base_grand_total, total_paid, total_refunded, total_qty_ordered,
	COALESCE(global_currency_code, '') AS global_currency_code, base_subtotal, base_shipping_amount, base_tax_amount,
	base_discount_amount, base_to_global_rate, base_to_order_rate,
	COALESCE(customer_note, '') AS customer_note, created_at, updated_at`

// Orders loads several orders at once, in the order of ids; ids that do not
// exist are left out. It costs five queries however many orders it loads.
func (s *Store) Orders(ctx context.Context, ids []uint32) ([]*Order, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q, args, err := sqlx.In(`SELECT `+orderColumns+` FROM sales_order WHERE entity_id IN (?)`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: load orders: %w", err)
	}
	var rows []*Order
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("store: load orders: %w", err)
	}
	byID := make(map[uint32]*Order, len(rows))
	for _, o := range rows {
		byID[o.EntityID] = o
	}
	if err := s.loadItems(ctx, ids, byID); err != nil {
		return nil, err
	}
	if err := s.loadAddresses(ctx, ids, byID); err != nil {
		return nil, err
	}
	if err := s.loadPayments(ctx, ids, byID); err != nil {
		return nil, err
	}
	if err := s.loadComments(ctx, ids, byID); err != nil {
		return nil, err
	}
	out := make([]*Order, 0, len(rows))
	for _, id := range ids {
		if o, ok := byID[id]; ok {
			out = append(out, o)
			delete(byID, id) // a repeated id yields one order
		}
	}
	return out, nil
}

type itemRow struct {
	Item
	ParentItemID uint32 `db:"parent_item_id"`
}

func (s *Store) loadItems(ctx context.Context, ids []uint32, byID map[uint32]*Order) error {
	q, args, err := sqlx.In(`SELECT item_id, order_id, COALESCE(parent_item_id, 0) AS parent_item_id,
		COALESCE(product_id, 0) AS product_id, COALESCE(product_type, '') AS product_type,
		COALESCE(sku, '') AS sku, COALESCE(name, '') AS name, qty_ordered, price, original_price,
		row_total, tax_amount, tax_percent, discount_amount, base_row_total, base_discount_amount,
		COALESCE(product_options, '') AS product_options,
		qty_invoiced, qty_shipped, qty_refunded, qty_canceled, qty_backordered
		FROM sales_order_item WHERE order_id IN (?) ORDER BY order_id, item_id`, ids)
	if err != nil {
		return fmt.Errorf("store: load order items: %w", err)
	}
	var rows []itemRow
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return fmt.Errorf("store: load order items: %w", err)
	}
	for i := range rows {
		r := &rows[i]
		o := byID[r.OrderID]
		if o == nil {
			continue
		}
		if r.ParentItemID == 0 {
			it := r.Item
			it.Options = parseOptions(it.ProductOptions)
			o.Items = append(o.Items, it)
		}
	}
	// Pointers are taken once the slices have stopped growing.
	parents := map[uint32]*Item{}
	for _, o := range byID {
		for i := range o.Items {
			parents[o.Items[i].ItemID] = &o.Items[i]
		}
	}
	var orphans []Item
	for i := range rows {
		r := &rows[i]
		if r.ParentItemID == 0 || byID[r.OrderID] == nil {
			continue
		}
		p := parents[r.ParentItemID]
		if p == nil {
			it := r.Item
			it.Options = parseOptions(it.ProductOptions)
			it.MissingParent = r.ParentItemID
			orphans = append(orphans, it)
			continue
		}
		p.Child = &ChildItem{ItemID: r.ItemID, ProductID: r.ProductID, SKU: r.SKU, Name: r.Name}
		if len(p.Options) == 0 {
			p.Options = parseOptions(r.ProductOptions)
		}
	}
	for _, it := range orphans {
		o := byID[it.OrderID]
		o.Items = append(o.Items, it)
	}
	return nil
}

// parseOptions reads the chosen options from product_options JSON. Stores
// upgraded from Magento 2.1 may still hold PHP-serialised values there: those
// yield no options rather than an error.
func parseOptions(raw string) []Option {
	if raw == "" || raw[0] != '{' {
		return nil
	}
	var po struct {
		AttributesInfo []Option `json:"attributes_info"`
		Options        []Option `json:"options"`
	}
	if json.Unmarshal([]byte(raw), &po) != nil {
		return nil
	}
	return append(po.AttributesInfo, po.Options...)
}

func (s *Store) loadAddresses(ctx context.Context, ids []uint32, byID map[uint32]*Order) error {
	q, args, err := sqlx.In(`SELECT a.entity_id, COALESCE(a.parent_id, 0) AS parent_id,
		COALESCE(a.address_type, '') AS address_type, COALESCE(a.firstname, '') AS firstname,
		COALESCE(a.lastname, '') AS lastname, COALESCE(a.company, '') AS company, COALESCE(a.street, '') AS street,
		COALESCE(a.city, '') AS city, COALESCE(a.region, r.default_name, '') AS region, COALESCE(r.code, '') AS region_code,
		COALESCE(a.postcode, '') AS postcode, COALESCE(a.country_id, '') AS country_id,
		COALESCE(a.telephone, '') AS telephone, COALESCE(a.email, '') AS email
		FROM sales_order_address a
		LEFT JOIN directory_country_region r ON r.region_id = a.region_id AND r.country_id = a.country_id
		WHERE a.parent_id IN (?) ORDER BY a.entity_id`, ids)
	if err != nil {
		return fmt.Errorf("store: load order addresses: %w", err)
	}
	var rows []Address
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return fmt.Errorf("store: load order addresses: %w", err)
	}
	for i := range rows {
		a := rows[i]
		o := byID[a.ParentID]
		if o == nil {
			continue
		}
		a.Street = splitStreet(a.StreetRaw)
		switch a.AddressType {
		case "billing":
			o.Billing = &a
		case "shipping":
			o.Shipping = &a
		}
	}
	return nil
}

func splitStreet(raw string) []string {
	var lines []string
	for _, l := range strings.Split(raw, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func (s *Store) loadPayments(ctx context.Context, ids []uint32, byID map[uint32]*Order) error {
	q, args, err := sqlx.In(`SELECT parent_id, COALESCE(method, '') AS method,
		COALESCE(additional_information, '') AS additional_information
		FROM sales_order_payment WHERE parent_id IN (?) ORDER BY entity_id`, ids)
	if err != nil {
		return fmt.Errorf("store: load order payments: %w", err)
	}
	var rows []Payment
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return fmt.Errorf("store: load order payments: %w", err)
	}
	for i := range rows {
		if o := byID[rows[i].ParentID]; o != nil && o.Payment == nil {
			o.Payment = &rows[i]
		}
	}
	return nil
}

func (s *Store) loadComments(ctx context.Context, ids []uint32, byID map[uint32]*Order) error {
	q, args, err := sqlx.In(`SELECT entity_id, parent_id, COALESCE(comment, '') AS comment,
		COALESCE(status, '') AS status, COALESCE(is_customer_notified, 0) AS is_customer_notified,
		is_visible_on_front, COALESCE(entity_name, '') AS entity_name, created_at
		FROM sales_order_status_history WHERE parent_id IN (?) ORDER BY created_at, entity_id`, ids)
	if err != nil {
		return fmt.Errorf("store: load order comments: %w", err)
	}
	var rows []Comment
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return fmt.Errorf("store: load order comments: %w", err)
	}
	for _, c := range rows {
		if o := byID[c.ParentID]; o != nil {
			o.Comments = append(o.Comments, c)
		}
	}
	return nil
}

// Status is the item's status as Magento's order page shows it, from its
// quantities (Magento_Sales' Order\Item::getStatusId).
func (it Item) Status() string {
	ordered, inv, ship, ref, canc, back := it.QtyOrdered, it.QtyInvoiced, it.QtyShipped, it.QtyRefunded, it.QtyCanceled, it.QtyBackordered
	actual := ordered - canc - ref
	switch {
	case inv == 0 && ship == 0 && ref == 0 && canc == 0 && back == 0:
		return "Ordered"
	case ship != 0 && inv != 0 && actual == ship:
		return "Shipped"
	case inv != 0 && ship == 0 && actual == inv:
		return "Invoiced"
	case back != 0 && actual == back:
		return "Backordered"
	case ref != 0 && ordered == ref:
		return "Refunded"
	case canc != 0 && ordered == canc:
		return "Canceled"
	case max(ship, inv) < actual:
		return "Partial"
	}
	return "Mixed"
}
