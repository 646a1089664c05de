package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"
)

// OrderStatus is a merchant-facing Magento order status with its label and
// the states it is assigned to.
type OrderStatus struct {
	Code   string   `db:"status"`
	Label  string   `db:"label"`
	States []string `db:"-"`
}

// OrderStatuses lists the store's order statuses, ordered by label.
func (s *Store) OrderStatuses(ctx context.Context) ([]OrderStatus, error) {
	var rows []struct {
		Code  string `db:"status"`
		Label string `db:"label"`
		State string `db:"state"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT s.status, s.label, COALESCE(ss.state, '') AS state
		FROM sales_order_status s LEFT JOIN sales_order_status_state ss ON ss.status = s.status
		ORDER BY s.label, s.status, ss.state`)
	if err != nil {
		return nil, fmt.Errorf("store: load order statuses: %w", err)
	}
	var out []OrderStatus
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Code != r.Code {
			out = append(out, OrderStatus{Code: r.Code, Label: r.Label})
		}
		if r.State != "" {
			last := &out[len(out)-1]
			last.States = append(last.States, r.State)
		}
	}
	return out, nil
}

// Website is a Magento website with its store groups' store views.
type Website struct {
	ID     uint16 `db:"website_id"`
	Code   string `db:"code"`
	Name   string `db:"name"`
	Stores []StoreView
}

// StoreView is one Magento store view.
type StoreView struct {
	ID        uint16 `db:"store_id"`
	Code      string `db:"code"`
	Name      string `db:"name"`
	WebsiteID uint16 `db:"website_id"`
	GroupID   uint16 `db:"group_id"`
	GroupName string `db:"group_name"`
	IsActive  bool   `db:"is_active"`
}

// Websites lists the websites and their store views, leaving out the admin
// website (id 0).
func (s *Store) Websites(ctx context.Context) ([]Website, error) {
	var ws []Website
	err := s.db.SelectContext(ctx, &ws, `SELECT website_id, COALESCE(code, '') AS code, COALESCE(name, '') AS name
		FROM store_website WHERE website_id <> 0 ORDER BY sort_order, website_id`)
	if err != nil {
		return nil, fmt.Errorf("store: load websites: %w", err)
	}
	views, err := s.StoreViews(ctx)
	if err != nil {
		return nil, err
	}
	for i := range ws {
		for _, v := range views {
			if v.WebsiteID == ws[i].ID {
				ws[i].Stores = append(ws[i].Stores, v)
			}
		}
	}
	return ws, nil
}

// StoreViews lists every store view but the admin one (id 0).
func (s *Store) StoreViews(ctx context.Context) ([]StoreView, error) {
	var views []StoreView
	err := s.db.SelectContext(ctx, &views, `SELECT st.store_id, COALESCE(st.code, '') AS code, st.name,
		st.website_id, st.group_id, COALESCE(g.name, '') AS group_name, st.is_active
		FROM store st LEFT JOIN store_group g ON g.group_id = st.group_id
		WHERE st.store_id <> 0 ORDER BY st.website_id, st.sort_order, st.store_id`)
	if err != nil {
		return nil, fmt.Errorf("store: load store views: %w", err)
	}
	return views, nil
}

// OrderWebsites is the website of each order, through its store view; an
// order whose store view is gone is left out (Default Config applies).
func (s *Store) OrderWebsites(ctx context.Context, ids []uint32) (map[uint32]uint16, error) {
	out := make(map[uint32]uint16, len(ids))
	for chunk := range slices.Chunk(ids, 1000) {
		q, args, err := sqlx.In(`SELECT o.entity_id, st.website_id FROM sales_order o
			JOIN store st ON st.store_id = o.store_id WHERE o.entity_id IN (?)`, chunk)
		if err != nil {
			return nil, fmt.Errorf("store: websites of orders: %w", err)
		}
		var rows []struct {
			ID      uint32 `db:"entity_id"`
			Website uint16 `db:"website_id"`
		}
		if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
			return nil, fmt.Errorf("store: websites of orders: %w", err)
		}
		for _, r := range rows {
			out[r.ID] = r.Website
		}
	}
	return out, nil
}
