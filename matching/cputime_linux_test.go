package matching

import (
	"syscall"
	"time"
	"unsafe"
)

// cpuNow returns the CPU time the whole process has used, all threads (so the
// garbage collector's background work counts). Unlike wall time it does not
// advance while the process waits for a CPU that another tenant of the shared
// machine holds, which is most of the noise BenchmarkRiskRatio fights.
func cpuNow() time.Duration {
	const clockProcessCPUTimeID = 2 // CLOCK_PROCESS_CPUTIME_ID
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		panic("clock_gettime(CLOCK_PROCESS_CPUTIME_ID): " + errno.Error())
	}
	return time.Duration(ts.Nano())
}

// minorFaults returns the process's minor page faults so far: first touches
// of memory the kernel has not mapped yet, which cost microseconds each on
// a virtual machine.
func minorFaults() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic("getrusage: " + err.Error())
	}
	return ru.Minflt
}
