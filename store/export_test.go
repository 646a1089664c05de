package store

// SetDriveBelow sets how many matches a keyword may have to be read first,
// and returns the setting it replaced.
func SetDriveBelow(n int) int { old := driveBelow; driveBelow = n; return old }

// SetWalkLimits sets when a walk along the sort's index gives up on its
// estimate, and returns a function that restores the settings.
func SetWalkLimits(factor, least, perMatch int64) (restore func()) {
	f, m, pm := walkFactor, walkMin, walkPerMatch
	walkFactor, walkMin, walkPerMatch = factor, least, perMatch
	return func() { walkFactor, walkMin, walkPerMatch = f, m, pm }
}

// SetWalkBudget sets how many index entries a walk may read, and per order
// matching, and returns a function that restores the settings.
func SetWalkBudget(entries, perOrder int64) (restore func()) {
	b, o := walkBudget, walkOverSort
	walkBudget, walkOverSort = entries, perOrder
	return func() { walkBudget, walkOverSort = b, o }
}

// SetJumpFrom sets the offset from which a purchase-date page is found by
// the orders counted per day, and returns the setting it replaced.
func SetJumpFrom(n int) int { old := jumpFrom; jumpFrom = n; return old }

// Runs is how many runs of consecutive ids the set holds.
func Runs(s EntryIDs) int { return len(s.runs) }

// SetEnqueueChunk sets how many orders a bulk action queues at a time, and
// returns the setting it replaced.
func SetEnqueueChunk(n int) int { old := enqueueChunk; enqueueChunk = n; return old }
