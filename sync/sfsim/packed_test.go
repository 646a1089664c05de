package sfsim

import (
	"maps"
	"math"
	"reflect"
	"testing"
	"time"
)

// TestPackedRecords: a record reads back as it was written, but for the
// fields set to nil (a field never set reads nil as well); one field reads
// without unpacking the rest; a dropped field is gone from every record.
func TestPackedRecords(t *testing.T) {
	o := newOrg(time.Now, &Faults{}, Currencies{})
	rec := record{"Id": "801x", "Name": "Ünïcödé \x00 name", "Empty": "", "Total": -1234.56, "Tiny": math.SmallestNonzeroFloat64,
		"IsActive": true, "IsDeleted": false, "ShippingState": nil}
	p := o.pack(rec)
	want := maps.Clone(rec)
	delete(want, "ShippingState")
	if got := o.unpack(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("unpack(pack(rec)) = %v, want %v", got, want)
	}
	for name, v := range want {
		if got := o.value(p, name); got != v {
			t.Errorf("value(%s) = %#v, want %#v", name, got, v)
		}
	}
	if got := o.value(p, "ShippingState"); got != nil {
		t.Errorf("value of a nil field = %#v", got)
	}
	if got := o.value(p, "NeverNamed"); got != nil {
		t.Errorf("value of a field no record has = %#v", got)
	}
	if o.unpack(nil) != nil || o.pack(nil) != nil {
		t.Error("no record packs and unpacks to nil")
	}

	with := o.with(p, "Total", 7.0)
	want["Total"] = 7.0
	if got := o.unpack(with); !reflect.DeepEqual(got, want) {
		t.Errorf("with Total 7 = %v, want %v", got, want)
	}
	delete(want, "Name")
	if got := o.unpack(o.with(with, "Name", nil)); !reflect.DeepEqual(got, want) {
		t.Errorf("with Name nil = %v, want %v", got, want)
	}
	if got := o.unpack(o.with(p, "ShippingState", "CA")); got["ShippingState"] != "CA" || len(got) != len(rec) {
		t.Errorf("with ShippingState CA = %v", got)
	}
	fields := []*fieldDef{{name: "Name"}, {name: "Total"}, {name: "Missing"}, {name: "Id"}}
	if got, want := pick(p, o.slotsOf(fields)), []string{"Ünïcödé \x00 name", "", "", "801x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("pick = %q, want %q", got, want)
	}

	a, b := o.newID("Account"), o.newID("Account")
	o.store("Account", a, nil, p)
	o.store("Account", b, nil, o.pack(record{"Id": b, "name": "lower"}))
	o.dropField("Account", "NAME")
	for _, id := range []string{a, b} {
		got := o.get("Account", id)
		if _, ok := got["Name"]; ok {
			t.Errorf("%s keeps Name after it was dropped: %v", id, got)
		}
		if _, ok := got["name"]; ok {
			t.Errorf("%s keeps name after Name was dropped: %v", id, got)
		}
	}
	if got := o.get("Account", a)["Total"]; got != -1234.56 {
		t.Errorf("dropping Name lost Total: %v", got)
	}
}

// TestIDNumbers: an ID and the number it was made from give each other
// back, sort alike, and an ID the simulator did not make has no number.
func TestIDNumbers(t *testing.T) {
	var prev string
	for _, seq := range []uint32{1, 61, 62, 63, 3843, 3844, 238327, 916132831} {
		id := idOf("Order", seq)
		if got, ok := seqOf(id); !ok || got != seq {
			t.Errorf("seqOf(idOf(%d) = %s) = %d, %v", seq, id, got, ok)
		}
		if id <= prev {
			t.Errorf("%s (%d) sorts before %s", id, seq, prev)
		}
		prev = id
	}
	for _, id := range []string{"", "8015g00000ABCDE", "8015g00001ABCDEAAA", "8015g00000AB-DEAAA", "001000000000001AAA"} {
		if seq, ok := seqOf(id); ok {
			t.Errorf("seqOf(%q) = %d, want none", id, seq)
		}
	}
}
