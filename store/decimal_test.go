package store

import "testing"

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in   string
		want Decimal
	}{
		{"12.3456", 123456}, {"-5", -50000}, {"0.5", 5000}, {"+1.25", 12500}, {".75", 7500},
		{"1.00005", 10001}, {"1.00004", 10000}, {"-0.00005", -1}, {"19.9900", 199900},
	}
	for _, tt := range tests {
		got, err := ParseDecimal(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDecimal(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "abc", "1.2.3", "-", "1e5", "--1", "1.x"} {
		if _, err := ParseDecimal(bad); err == nil {
			t.Errorf("ParseDecimal(%q) accepted", bad)
		}
	}
}

func TestDecimalFormat(t *testing.T) {
	if got := Decimal(-123456).String(); got != "-12.3456" {
		t.Errorf("String = %q", got)
	}
	if got := Decimal(123456).Money(); got != "12.35" {
		t.Errorf("Money = %q", got)
	}
	if got := Decimal(-5).Money(); got != "0.00" {
		t.Errorf("Money of -0.0005 = %q", got)
	}
	var d Decimal
	if err := d.Scan(nil); err != nil || d != 0 {
		t.Errorf("Scan(nil) = %d, %v", d, err)
	}
	if err := d.Scan([]byte("3.1400")); err != nil || d != 31400 {
		t.Errorf("Scan(3.1400) = %d, %v", d, err)
	}
}

func TestDecimalPlain(t *testing.T) {
	for d, want := range map[Decimal]string{30000: "3", 15000: "1.5", -2500: "-0.25", 0: "0", 1: "0.0001", 1000000: "100"} {
		if got := d.Plain(); got != want {
			t.Errorf("Decimal(%d).Plain() = %q, want %q", int64(d), got, want)
		}
	}
}
