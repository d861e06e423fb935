//go:build !linux

package blob

// oDirect is 0 where gureum does not use O_DIRECT.
const oDirect = 0
