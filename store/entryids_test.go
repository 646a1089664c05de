package store_test

import (
	"slices"
	"testing"

	"magesync/store"
)

func TestEntryIDs(t *testing.T) {
	var s store.EntryIDs
	s.Add(5, 6, 7, 20, 21)
	s.Add(3, 9, 8, 6, 19, 4, 1) // out of order, one already in; 19 joins 20
	want := []uint64{1, 3, 4, 5, 6, 7, 8, 9, 19, 20, 21}
	if s.Len() != len(want) {
		t.Errorf("Len = %d, want %d", s.Len(), len(want))
	}
	if got := s.Window(0, 100); !slices.Equal(got, want) {
		t.Errorf("every id: %v, want %v", got, want)
	}
	if got := s.Window(5, 3); !slices.Equal(got, []uint64{5, 6, 7}) {
		t.Errorf("three from 5: %v", got)
	}
	if got := s.Window(10, 2); !slices.Equal(got, []uint64{19, 20}) {
		t.Errorf("two from 10: %v", got)
	}
	if got := s.Window(22, 5); len(got) != 0 {
		t.Errorf("past the end: %v", got)
	}
	s.Add(2) // joins 1 and 3..9 into one run
	if got := store.Runs(s); got != 2 {
		t.Errorf("%d runs for 1-9, 19-21 and nothing else, want 2", got)
	}

	// A backfill's million entries, queued 2,000 at a time: one run.
	var big store.EntryIDs
	for first := uint64(1000); first < 1_001_000; first += 2000 {
		chunk := make([]uint64, 2000)
		for i := range chunk {
			chunk[i] = first + uint64(i)
		}
		big.Add(chunk...)
	}
	if big.Len() != 1_000_000 || store.Runs(big) != 1 {
		t.Errorf("a million ids in a row: Len %d, %d runs", big.Len(), store.Runs(big))
	}
}
