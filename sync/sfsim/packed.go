package sfsim

import (
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// packed is a record as the org keeps it: its count of fields, then each
// set field's slot (o.names), a kind byte and the value, in one allocation
// the collector does not scan. Held as maps, a million orders' records were
// most of the simulator's heap and kept its collector busy most of its time.
type packed []byte

const (
	kindString byte = iota
	kindNumber
	kindTrue
	kindFalse
)

// slot numbers a field name for packing; names are only ever added.
func (o *org) slot(name string) uint64 {
	s, ok := o.slots[name]
	if !ok {
		s = uint64(len(o.names))
		o.names = append(o.names, name)
		o.slots[name] = s
	}
	return s
}

// pack encodes rec; a nil value is left out, as a field never set reads nil.
func (o *org) pack(rec record) packed {
	if rec == nil {
		return nil
	}
	size, n := binary.MaxVarintLen64, 0
	for _, v := range rec {
		switch v := v.(type) {
		case nil:
			continue
		case string:
			size += len(v) + binary.MaxVarintLen64
		case float64:
			size += 8
		}
		size += binary.MaxVarintLen64 + 1
		n++
	}
	b := binary.AppendUvarint(make([]byte, 0, size), uint64(n))
	for name, v := range rec {
		if v != nil {
			b = appendValue(b, o.slot(name), v)
		}
	}
	return slices.Clip(b)
}

func appendValue(b []byte, slot uint64, v any) []byte {
	b = binary.AppendUvarint(b, slot)
	switch v := v.(type) {
	case string:
		b = append(b, kindString)
		b = binary.AppendUvarint(b, uint64(len(v)))
		return append(b, v...)
	case float64:
		b = append(b, kindNumber)
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	case bool:
		if v {
			return append(b, kindTrue)
		}
		return append(b, kindFalse)
	}
	panic(fmt.Sprintf("sfsim: a field holds a %T", v))
}

// appendEncoded appends a field as fields reads it.
func appendEncoded(b []byte, slot uint64, kind byte, value []byte) []byte {
	b = binary.AppendUvarint(b, slot)
	b = append(b, kind)
	if kind == kindString {
		b = binary.AppendUvarint(b, uint64(len(value)))
	}
	return append(b, value...)
}

// with is p with one field set to v (nil: left out), the rest as they are.
func (o *org) with(p packed, name string, v any) packed {
	slot := o.slot(name)
	body := make([]byte, 0, len(p)+binary.MaxVarintLen64+17)
	n := 0
	p.fields(func(s uint64, kind byte, value []byte) bool {
		if s != slot {
			body = appendEncoded(body, s, kind, value)
			n++
		}
		return true
	})
	if v != nil {
		body = appendValue(body, slot, v)
		n++
	}
	return append(binary.AppendUvarint(make([]byte, 0, len(body)+binary.MaxVarintLen64), uint64(n)), body...)
}

// slotsOf are the slots of fields, in their order.
func (o *org) slotsOf(fields []*fieldDef) []uint64 {
	slots := make([]uint64, len(fields))
	for i, f := range fields {
		slots[i] = o.slot(f.name)
	}
	return slots
}

// pick reads the string fields in slots of p in one pass: "" for a field
// not set (or not a string).
func pick(p packed, slots []uint64) []string {
	out := make([]string, len(slots))
	p.fields(func(s uint64, kind byte, value []byte) bool {
		if i := slices.Index(slots, s); i >= 0 && kind == kindString {
			out[i] = string(value)
		}
		return true
	})
	return out
}

// fields calls fn with each field's slot and its encoded value, until fn
// returns false.
func (p packed) fields(fn func(slot uint64, kind byte, value []byte) bool) {
	n, i := binary.Uvarint(p)
	for ; n > 0; n-- {
		slot, w := binary.Uvarint(p[i:])
		i += w
		kind := p[i]
		i++
		var value []byte
		switch kind {
		case kindString:
			l, w := binary.Uvarint(p[i:])
			i += w
			value = p[i : i+int(l)]
			i += int(l)
		case kindNumber:
			value = p[i : i+8]
			i += 8
		}
		if !fn(slot, kind, value) {
			return
		}
	}
}

func unpackValue(kind byte, value []byte) any {
	switch kind {
	case kindString:
		return string(value)
	case kindNumber:
		return math.Float64frombits(binary.LittleEndian.Uint64(value))
	case kindTrue:
		return true
	}
	return false
}

// unpack is p as a record the caller may change.
func (o *org) unpack(p packed) record {
	if p == nil {
		return nil
	}
	n, _ := binary.Uvarint(p)
	rec := make(record, n+2) // room for the fields a write adds
	p.fields(func(slot uint64, kind byte, value []byte) bool {
		rec[o.names[slot]] = unpackValue(kind, value)
		return true
	})
	return rec
}

// value reads one field of p without unpacking the rest.
func (o *org) value(p packed, name string) any {
	slot, ok := o.slots[name]
	if !ok {
		return nil
	}
	var out any
	p.fields(func(s uint64, kind byte, value []byte) bool {
		if s != slot {
			return true
		}
		out = unpackValue(kind, value)
		return false
	})
	return out
}

// text reads a string field of p: "" when it is not set.
func (o *org) text(p packed, name string) string {
	s, _ := o.value(p, name).(string)
	return s
}

// get is a stored record, unpacked; nil when there is none.
func (o *org) get(sobject, id string) record {
	return o.unpack(o.stored(sobject, id))
}

// exists reports whether sobject has a record with that id.
func (o *org) exists(sobject, id string) bool {
	return o.stored(sobject, id) != nil
}

// all are sobject's records, unpacked, in ID order.
func (o *org) all(sobject string) []record {
	recs := o.records[sobject]
	out := make([]record, 0, len(recs))
	for _, seq := range slices.Sorted(maps.Keys(recs)) {
		out = append(out, o.unpack(recs[seq]))
	}
	return out
}

// dropField removes a field from every record of sobject (a custom field
// deleted).
func (o *org) dropField(sobject, field string) {
	for seq, p := range o.records[sobject] {
		rec := o.unpack(p)
		for name := range rec {
			if strings.EqualFold(name, field) {
				delete(rec, name)
			}
		}
		o.records[sobject][seq] = o.pack(rec)
	}
}
