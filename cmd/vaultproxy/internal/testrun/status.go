package testrun

import "time"

// Status is the outcome of a run, a file or the suite, with Terraform's names and order
// (hashicorp/terraform internal/moduletest/status.go): a file's status is the highest of its runs',
// the suite's the highest of its files'.
type Status int

const (
	Pending Status = iota
	Skip
	Pass
	Fail
	Error
)

func (s Status) String() string {
	switch s {
	case Pending:
		return "pending"
	case Skip:
		return "skip"
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	default:
		return "error"
	}
}

// Merge is the higher of s and other.
func (s Status) Merge(other Status) Status { return max(s, other) }

// Progress is where a file or a run is, as Terraform's test views are told
// (internal/moduletest/progress.go).
type Progress int

const (
	Starting Progress = iota
	Running
	TearDown
	Complete
)

func (p Progress) String() string {
	switch p {
	case Starting:
		return "starting"
	case Running:
		return "running"
	case TearDown:
		return "teardown"
	default:
		return "complete"
	}
}

// RunMeta is when a run started and how long it took.
type RunMeta struct {
	Start    time.Time
	Duration time.Duration
}

// Reporter is told what happens, in order, as Terraform's test views are: the abstract once the files
// are read, each file starting, each run starting and complete, each file tearing down and complete,
// then the conclusion.
type Reporter interface {
	Abstract(s *Suite)
	File(f *File, p Progress)
	Run(r *Run, f *File, p Progress)
	Conclusion(s *Suite)
}
