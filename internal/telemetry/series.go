package telemetry

import "time"

// Chunk is one point's samples of one time window, to be stored.
type Chunk struct {
	PointID int64 // registry record ID
	StartMS int64
	Samples []Sample
}

// Rollup is one roll-up bucket of a point.
type Rollup struct {
	PointID    int64
	Resolution int64 // milliseconds: 60,000 or 3,600,000
	BucketMS   int64
	Summary
}

// Roll-up resolutions.
const (
	Minute int64 = 60_000
	Hour   int64 = 3_600_000
)

// Latest is a point's most recent reading.
type Latest struct {
	PointID int64
	Sample
}

// RejectionRecord is one entry of the dead-letter log: a refused reading or
// message with its reason and the raw message.
type RejectionRecord struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	Device    string    `json:"device"`
	Transport string    `json:"transport"`
	Reason    string    `json:"reason"`
	Point     string    `json:"point,omitempty"`
	Detail    string    `json:"detail"`
	Raw       string    `json:"raw"`
}
