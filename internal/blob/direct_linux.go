package blob

import "syscall"

// oDirect is O_DIRECT: writes that bypass the page cache.
const oDirect = syscall.O_DIRECT
