package store

// SetDriveBelow sets how many matches a keyword may have to be read first,
// and returns the setting it replaced.
func SetDriveBelow(n int) int { old := driveBelow; driveBelow = n; return old }
