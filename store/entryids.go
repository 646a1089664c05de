package store

import (
	"slices"
	"sort"
)

// EntryIDs is a set of queue entry ids held as runs of consecutive ids: the
// entries of a bulk action over a million orders take a few hundred runs,
// not a million ids, so a process waiting on them stays the same size
// whatever the store's.
type EntryIDs struct {
	runs []idRun // ascending, disjoint, never adjacent
	n    int
}

type idRun struct{ first, last uint64 }

// Add puts ids in the set.
func (s *EntryIDs) Add(ids ...uint64) {
	for _, id := range ids {
		s.add(id)
	}
}

func (s *EntryIDs) add(id uint64) {
	i := sort.Search(len(s.runs), func(i int) bool { return s.runs[i].first > id }) // the run after id
	if i > 0 && s.runs[i-1].last >= id {
		return // already in
	}
	joinPrev := i > 0 && s.runs[i-1].last+1 == id
	joinNext := i < len(s.runs) && s.runs[i].first == id+1
	switch {
	case joinPrev && joinNext:
		s.runs[i-1].last = s.runs[i].last
		s.runs = slices.Delete(s.runs, i, i+1)
	case joinPrev:
		s.runs[i-1].last = id
	case joinNext:
		s.runs[i].first = id
	default:
		s.runs = slices.Insert(s.runs, i, idRun{id, id})
	}
	s.n++
}

// Len is the number of ids in the set.
func (s EntryIDs) Len() int { return s.n }

// Window returns up to n of the set's ids from id from on, ascending.
func (s EntryIDs) Window(from uint64, n int) []uint64 {
	var out []uint64
	for i := sort.Search(len(s.runs), func(i int) bool { return s.runs[i].last >= from }); i < len(s.runs) && len(out) < n; i++ {
		for id := max(from, s.runs[i].first); id <= s.runs[i].last && len(out) < n; id++ {
			out = append(out, id)
		}
	}
	return out
}
