package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"
)

// extKeys makes the external ids magesync writes in Salesforce: the
// store's prefix (so that two stores can share an org), then Magento's key.
// A key longer than its field is replaced by a digest of it, which is as
// unique and fits. magesync's own tables keep Magento's keys bare.
type extKeys struct{ prefix string }

// Lengths of the external-id fields (salesforce/force-app: Order and
// OrderItem Text(50), the others Text(255)).
const (
	shortKeyLen = 50
	longKeyLen  = 255
)

func (k extKeys) fit(raw string, max int) string {
	s := raw
	if k.prefix != "" {
		s = k.prefix + ":" + raw
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	sum := sha256.Sum256([]byte(raw))
	h := "h:" + hex.EncodeToString(sum[:16])
	if k.prefix != "" {
		h = k.prefix + ":" + h
	}
	return h
}

func (k extKeys) order(id uint32) string {
	return k.fit(strconv.FormatUint(uint64(id), 10), shortKeyLen)
}
func (k extKeys) item(key string) string     { return k.fit(key, shortKeyLen) }
func (k extKeys) customer(key string) string { return k.fit(key, longKeyLen) }
func (k extKeys) product(sku string) string  { return k.fit(sku, longKeyLen) }
func (k extKeys) entry(key string) string    { return k.fit("std:"+key, longKeyLen) }

// bare is Magento's key inside an external id of this store.
func (k extKeys) bare(ext string) string {
	if k.prefix == "" {
		return ext
	}
	return strings.TrimPrefix(ext, k.prefix+":")
}

// OrderExternalID is the Magento_Order_Id__c magesync gives a Magento order
// under a store's external-id prefix.
func OrderExternalID(prefix string, orderID uint32) string { return extKeys{prefix}.order(orderID) }
